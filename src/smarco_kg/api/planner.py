"""``/api/pathways/plan``: plan the courses that close an occupation's skill gap (GET), or save the plan as a
training pathway (POST, with a token), through the same validated write path as every other write."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from rdflib import RDF, BNode, Graph, Literal, URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg import planner
from smarco_kg.api.context import authenticate, service
from smarco_kg.api.gaps import catalogue
from smarco_kg.api.problems import PARAMETERS, WRITE, Problem, problem_responses
from smarco_kg.api.resource_writes import answer
from smarco_kg.api.write_docs import ETAG, GRAPH_PARAMETER, LOCATION, problems
from smarco_kg.auth import log_write
from smarco_kg.catalogue import Catalogue as ClassRegistry
from smarco_kg.catalogue.filters import (
    ESCO_ID,
    ESCO_OCCUPATION,
    ESCO_SKILL,
    LANGUAGE_CODE,
    SOMETHING,
    bind,
    known_names,
)
from smarco_kg.catalogue.write import JSONLD, PLACEHOLDER, target_graph
from smarco_kg.errors import BadParameter, Conflict, Forbidden, NotFound
from smarco_kg.gaps import Catalogue, occupation_skills
from smarco_kg.jsontext import read_json
from smarco_kg.namespaces import SMARCO
from smarco_kg.planner import Plan, plan
from smarco_kg.store import GraphStore

DCT = "http://purl.org/dc/terms/"
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|\.[0-9]+|[0-9]+\.")
_FIELDS = {"occupation", "have", "language", "mode", "max_ects"}


@dataclass(frozen=True)
class PlanRequest:
    occupation: str
    have: list[str]
    language: str | None
    mode: str | None
    max_ects: float | None


def _positive(raw: str) -> float | None:
    """A number as JSON or a query string writes it (``7.5``, ``1e2``), finite and above zero; else None."""
    if not _NUMBER.fullmatch(raw):
        return None
    value = float(raw)
    return value if math.isfinite(value) and value > 0 else None


def _parse(request: Request, values: dict[str, list[str]]) -> PlanRequest:
    unknown = sorted(set(values) - _FIELDS - {"title"})
    if unknown:
        raise BadParameter(
            unknown[0], str(values[unknown[0]][0]), f"unknown parameter; use {', '.join(sorted(_FIELDS))}"
        )
    for name, given in values.items():
        if name != "have" and len(given) > 1:
            raise BadParameter(name, str(given[0]), f"given {len(given)} times; give it once")
    if not values.get("occupation"):
        raise BadParameter("occupation", "", "required: the ESCO occupation to plan for")
    catalogue = service(request).catalogue
    occupation = str(catalogue.member_value("occupations", "occupation", str(values["occupation"][0])))
    have = [str(catalogue.member_value("skills", "have", str(v))) for v in values.get("have", [])]
    max_ects = None
    if values.get("max_ects"):
        raw = str(values["max_ects"][0]).strip()
        max_ects = _positive(raw)
        if max_ects is None:
            raise BadParameter("max_ects", raw, "a positive number of ECTS credits, such as 30 or 7.5")
    language = str(values["language"][0]) if values.get("language") else None
    mode = str(values["mode"][0]) if values.get("mode") else None
    return PlanRequest(occupation, have, language, mode, max_ects)


def _filters(request: Request, asked: PlanRequest) -> tuple[list[str], list[str]]:
    """The language and mode IRIs, resolved as the course filters resolve them (codes, labels or IRIs)."""
    svc = service(request)
    given = {k: v for k, v in (("language", asked.language), ("mode", asked.mode)) if v is not None}
    _, bindings = bind(
        svc.kg.store, svc.catalogue.entry("courses").filters, given, svc.settings.base_iri, svc.generation
    )
    language = [str(bindings["f_language"])] if "f_language" in bindings else []
    mode = [str(bindings["f_mode"])] if "f_mode" in bindings else []
    return language, mode


def _plan(request: Request, asked: PlanRequest, known: Catalogue) -> tuple[str, dict[str, str], list[str], Plan]:
    store = service(request).kg.store
    label, skills = occupation_skills(store, asked.occupation, ("essential",))
    labels = {s: skill_label for s, skill_label, _ in skills}
    needed = [s for s in labels if s not in set(asked.have)]
    language, mode = _filters(request, asked)
    return label, labels, needed, plan(known, needed, languages=language, modes=mode, max_ects=asked.max_ects)


def _document(request: Request, asked: PlanRequest, label: str, labels: dict, needed: list[str], result: Plan) -> dict:
    catalogue = service(request).catalogue

    def skill(iri: str) -> dict:
        return {"id": iri, "label": labels.get(iri, "")}

    steps = []
    for position, course in enumerate(result.courses, start=1):
        covered = sorted((s for s, c in result.covers.items() if c == course.iri), key=lambda s: labels.get(s, s))
        steps.append(
            {
                "position": position,
                "course": {
                    "id": course.iri,
                    "title": course.title,
                    "ects": course.ects,
                    "eqfLevel": course.eqf,
                    **({"page": page} if (page := catalogue.page_of(URIRef(course.iri))) else {}),
                },
                "covers": [skill(s) for s in covered],
            }
        )
    return {
        "occupation": {"id": asked.occupation, "label": label},
        "have": asked.have,
        "essentialSkills": len(labels),
        "needed": len(needed),
        "steps": steps,
        "totalEcts": result.total_ects,
        "covered": len(result.covers),
        "notCovered": [{**skill(s), "reason": "no eligible course teaches it"} for s in result.uncoverable]
        + [{**skill(s), "reason": "over the ECTS budget"} for s in result.left_out],
        "method": result.method,
        "optimal": result.optimal,
        "lowerBoundEcts": result.lower_bound,
        "candidateCourses": result.candidates,
        **({"maxEcts": asked.max_ects} if asked.max_ects is not None else {}),
    }


_LANGUAGE = LANGUAGE_CODE.openapi_schema("")["pattern"]


def _member(namespace: str) -> str:
    """The pattern of an ESCO member named by IRI or id, as ``Catalogue.member_value`` reads it."""
    return rf"^\s*({re.escape(namespace)})?{ESCO_ID}\s*$"


def mode_schema(store: GraphStore | None, classes: ClassRegistry, base_iri: str) -> dict:
    """The schema of ``mode``: the names the store knows for the course filter it goes through (what that filter
    resolves), else any text."""
    item = next(f for f in classes.entry("courses").filters if f.name == "mode")
    names = known_names(store, item.value, base_iri) if store is not None else []
    return {"type": "string", "enum": names} if names else {"type": "string", "pattern": SOMETHING}


def router(classes: ClassRegistry, store: GraphStore | None = None, base_iri: str = "") -> APIRouter:
    """Plan (GET) and save a plan (POST); ``mode`` lists the modes ``store`` knows."""
    built = APIRouter(tags=["Pathway planner"])
    modes = mode_schema(store, classes, base_iri)
    saving_problems = problems(*WRITE, Forbidden, NotFound, Conflict)
    saving_problems[409] = {
        **saving_problems[409],
        "description": "the catalogue as it is holds no plan of two or more courses for it, the least a pathway has",
    }

    @built.get(
        "/api/pathways/plan",
        summary="Plan the courses that teach an occupation's essential skills the learner lacks, fewest ECTS first",
        description=(planner.__doc__ or "").strip(),
        responses=problem_responses(NotFound, *PARAMETERS, described={404: "ESCO has no such occupation"}),
    )
    async def plan_route(
        request: Request,
        occupation: str = Query(..., description="The ESCO occupation (IRI or id)", pattern=_member(ESCO_OCCUPATION)),
        have: list[str] = Query(
            [],
            description="Skills the learner has (ESCO IRIs or ids); repeat the parameter",
            json_schema_extra={"items": {"type": "string", "pattern": _member(ESCO_SKILL)}},
        ),
        language: str | None = Query(
            None, description="Only courses taught in this language (ENG, ITA… or IRI)", pattern=_LANGUAGE
        ),
        mode: str | None = Query(
            None,
            description="Only courses in this mode (online, blended, presential…)",
            pattern=SOMETHING,
            json_schema_extra={"enum": modes["enum"]} if "enum" in modes else None,
        ),
        max_ects: float | None = Query(None, description="The most ECTS credits the plan may take", gt=0),
    ) -> JSONResponse:
        values: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            values.setdefault(key, []).append(value)
        asked = _parse(request, values)
        known = await run_in_threadpool(catalogue, request)
        label, labels, needed, result = await run_in_threadpool(_plan, request, asked, known)
        return JSONResponse(_document(request, asked, label, labels, needed, result))

    @built.post(
        "/api/pathways/plan",
        summary="Save a plan as a training pathway (the planner's GET parameters as a JSON body, plus a title)",
        status_code=201,
        responses={
            201: {
                "description": "the saved pathway as compact JSON-LD",
                "headers": {"Location": LOCATION, "ETag": ETAG},
                "content": {JSONLD: {"schema": {"type": "object"}}},
            },
            **saving_problems,
        },
        openapi_extra={
            "parameters": [GRAPH_PARAMETER],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["occupation"],
                            "additionalProperties": False,
                            "properties": {
                                "occupation": {"type": "string", "pattern": _member(ESCO_OCCUPATION)},
                                "have": {"type": "array", "items": {"type": "string", "pattern": _member(ESCO_SKILL)}},
                                "language": {"type": "string", "pattern": _LANGUAGE},
                                "mode": modes,
                                "max_ects": {"type": "number", "exclusiveMinimum": 0},
                                "title": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                            },
                        },
                        "example": {
                            "occupation": "http://data.europa.eu/esco/occupation/e14548c8-c2b9-4ef8-8670-d5967d7ad804"
                        },
                    }
                },
            },
        },
    )
    async def save_plan(request: Request) -> Response:
        principal = authenticate(request)
        svc = service(request)
        entry = svc.catalogue.entry("pathways")
        graph = target_graph(principal, request.query_params.getlist("graph"), svc.kg.graphs)
        body = read_json(await request.body() or b"null")
        if not isinstance(body, dict):
            raise Problem(
                422, "the body must be a JSON object", "give occupation, have, language, mode, max_ects, title"
            )
        values = {k: (v if isinstance(v, list) else [v]) for k, v in body.items() if v is not None}
        title = body.get("title")
        if title is not None and (not isinstance(title, str) or not title.strip() or len(title) > 200):
            raise BadParameter("title", str(title), "a title of 1 to 200 characters")
        asked = _parse(request, {k: [str(x) for x in v] for k, v in values.items()})
        known = await run_in_threadpool(catalogue, request)
        label, _labels, needed, result = await run_in_threadpool(_plan, request, asked, known)
        if len(result.courses) < 2:
            detail = f"the plan has {len(result.courses)} course(s); a training pathway needs at least 2 steps"
            raise Problem(409, "nothing to save as a pathway", detail)  # the catalogue as it is now has no such plan
        title = (title or f"Towards {label or 'the occupation'}").strip()
        iri = PLACEHOLDER  # minted from the title by the write
        data = Graph()
        data.add((iri, RDF.type, SMARCO.TrainingPathway))
        data.add((iri, URIRef(DCT + "title"), Literal(title, lang="en")))
        description = (
            f"Planned by smarco-kg for {label or asked.occupation}: {len(result.courses)} courses, "
            f"{result.total_ects:g} ECTS, covering {len(result.covers)} of {len(needed)} missing essential skills "
            f"({result.method})."
        )
        data.add((iri, URIRef(DCT + "description"), Literal(description, lang="en")))
        data.add((iri, SMARCO.targetOccupation, URIRef(asked.occupation)))
        for position, course in enumerate(result.courses, start=1):
            step = BNode()  # as in every pathway: steps are owned by it, described with it
            data.add((iri, SMARCO.step, step))
            data.add((step, RDF.type, SMARCO.PathwayStep))
            data.add((step, SMARCO.position, Literal(position)))
            data.add((step, SMARCO.course, URIRef(course.iri)))
        async with svc.write_lock:
            written = await run_in_threadpool(svc.writes.create, entry, data, graph, principal.actor)
        log_write(principal, graph, written.added, 0, "api-plan-pathway")
        local = written.iri.removeprefix(entry.namespace(svc.settings.base_iri))
        location = str(request.url_for("get_pathways", id=local))
        return answer(request, written.described, written.iri, 201, Location=location)

    return built
