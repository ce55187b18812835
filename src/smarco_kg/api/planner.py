"""``/api/pathways/plan``: plan the courses that close an occupation's skill gap (GET), or save the plan as a
training pathway (POST, with a token), through the same validated write path as every other write."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from rdflib import RDF, BNode, Graph, Literal, URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg import planner
from smarco_kg.api.context import authenticate, service
from smarco_kg.api.gaps import catalogue, held_values
from smarco_kg.api.pages import problem_page
from smarco_kg.api.problems import PARAMETERS, WRITE, Problem, problem_responses
from smarco_kg.api.resource_writes import answer
from smarco_kg.api.templating import html_page
from smarco_kg.api.write_docs import ETAG, GRAPH_PARAMETER, LOCATION, problems
from smarco_kg.auth import log_write
from smarco_kg.catalogue import Catalogue as ClassRegistry
from smarco_kg.catalogue.filters import (
    COUNTRY_CODE,
    ESCO_ID,
    ESCO_OCCUPATION,
    ESCO_SKILL,
    LANGUAGE_CODE,
    SOMETHING,
    bind,
    known_names,
)
from smarco_kg.catalogue.write import JSONLD, PLACEHOLDER, target_graph
from smarco_kg.errors import BadParameter, Conflict, Forbidden, NotFound, SmarcoError
from smarco_kg.gaps import Catalogue, held_reach, occupation_skills, skill_labels
from smarco_kg.jsontext import read_json
from smarco_kg.names import resolve
from smarco_kg.namespaces import SMARCO
from smarco_kg.negotiation import negotiate
from smarco_kg.planner import Plan, plan
from smarco_kg.store import GraphStore
from smarco_kg.web import words

DCT = "http://purl.org/dc/terms/"
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?|\.[0-9]+|[0-9]+\.")
_FIELDS = {"occupation", "have", "language", "mode", "country", "max_ects", "optional"}
_UUID = re.compile(r"\s*[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\s*")


@dataclass(frozen=True)
class PlanRequest:
    occupation: str
    have: list[str]
    language: str | None
    mode: str | None
    max_ects: float | None
    country: str | None = None
    optional: bool = False


class UnresolvedName(BadParameter):
    """A name that resolves to no concept, or to several (``candidates``, each an id and a label)."""

    def __init__(self, parameter: str, value: str, candidates: list[dict[str, str]]) -> None:
        listed = "; ".join(c["label"] for c in candidates)
        message = (
            f"names several occupations: {listed}; give one of them, its id or its IRI"
            if candidates
            else "names no ESCO occupation: give its name, its id or its IRI"
        )
        super().__init__(parameter, value, message, candidates=candidates)
        self.candidates = candidates


def occupation_value(request: Request, raw: str) -> str:
    """The ESCO occupation a parameter names: by IRI or id, else by its name (a preferred or alternative label)."""
    text = raw.strip()
    if not text:
        raise BadParameter("occupation", raw, "required: the ESCO occupation to plan for (its name, id or IRI)")
    if text.startswith(ESCO_OCCUPATION) or _UUID.fullmatch(text):
        return str(service(request).catalogue.member_value("occupations", "occupation", text))
    found = resolve(service(request).kg.search, text[:200], "occupation")
    if found.iri is None:
        raise UnresolvedName("occupation", raw, [{"id": h.iri, "label": h.label} for h in found.candidates])
    return found.iri


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
        raise BadParameter("occupation", "", "required: the ESCO occupation to plan for (its name, id or IRI)")
    catalogue = service(request).catalogue
    occupation = occupation_value(request, str(values["occupation"][0]))
    have = [str(catalogue.member_value("skills", "have", str(v))) for v in values.get("have", [])]
    max_ects = None
    if values.get("max_ects"):
        raw = str(values["max_ects"][0]).strip()
        max_ects = _positive(raw)
        if max_ects is None:
            raise BadParameter("max_ects", raw, "a positive number of ECTS credits, such as 30 or 7.5")
    optional = False
    if values.get("optional"):
        raw = str(values["optional"][0]).strip().lower()
        if raw not in ("true", "false", "1", "0", "yes", "no"):
            raise BadParameter("optional", raw, "true or false")
        optional = raw in ("true", "1", "yes")
    language, mode, country = (str(values[k][0]) if values.get(k) else None for k in ("language", "mode", "country"))
    return PlanRequest(occupation, have, language, mode, max_ects, country, optional)


def _filters(request: Request, asked: PlanRequest) -> tuple[list[str], list[str], list[str]]:
    """The language, mode and country IRIs, resolved as the course filters resolve them (codes, labels or IRIs)."""
    svc = service(request)
    asks = (("language", asked.language), ("mode", asked.mode), ("country", asked.country))
    given = {k: v for k, v in asks if v is not None}
    _, bindings = bind(
        svc.kg.store, svc.catalogue.entry("courses").filters, given, svc.settings.base_iri, svc.generation
    )
    language, mode, country = ([str(bindings[f"f_{k}"])] if f"f_{k}" in bindings else [] for k, _ in asks)
    return language, mode, country


def _plan(request: Request, asked: PlanRequest, known: Catalogue) -> tuple[str, dict[str, str], list[str], Plan]:
    store = service(request).kg.store
    relations = ("essential", "optional") if asked.optional else ("essential",)
    label, skills = occupation_skills(store, asked.occupation, relations)
    labels = {s: skill_label for s, skill_label, _ in skills}
    reach = held_reach(store, asked.have)  # a skill is held when it or a narrower one is, as on the gap page
    needed = [s for s in labels if s not in reach]
    language, mode, country = _filters(request, asked)
    result = plan(known, needed, languages=language, modes=mode, countries=country, max_ects=asked.max_ects)
    return label, labels, needed, result


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
                    **({"workload": course.workload} if course.workload else {}),
                    **({"page": page} if (page := catalogue.page_of(URIRef(course.iri))) else {}),
                },
                "covers": [skill(s) for s in covered],
            }
        )
    return {
        "occupation": {"id": asked.occupation, "label": label},
        "have": asked.have,
        "essentialSkills": len(labels),
        **({"optional": True} if asked.optional else {}),
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
_COUNTRY = COUNTRY_CODE.openapi_schema("")["pattern"]


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
        occupation: str = Query(
            ...,
            description="The ESCO occupation: its name (a preferred or alternative label, any case or accents), id or "
            "IRI; a name that fits several is a 422 listing them as candidates",
            pattern=SOMETHING,
        ),
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
        country: str | None = Query(
            None, description="Only courses of providers in this country (ESP, ITA… or IRI)", pattern=_COUNTRY
        ),
        max_ects: float | None = Query(None, description="The most ECTS credits the plan may take", gt=0),
        optional: bool = Query(False, description="Plan for the occupation's optional skills too"),
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
                                "occupation": {"type": "string", "pattern": SOMETHING},
                                "have": {"type": "array", "items": {"type": "string", "pattern": _member(ESCO_SKILL)}},
                                "language": {"type": "string", "pattern": _LANGUAGE},
                                "mode": modes,
                                "country": {"type": "string", "pattern": _COUNTRY},
                                "max_ects": {"type": "number", "exclusiveMinimum": 0},
                                "optional": {"type": "boolean"},
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

    @built.get("/plan", response_class=HTMLResponse, include_in_schema=False)
    async def plan_page(request: Request) -> Response:
        """The planner for people: a form, and the plan in EQF order; ``format=jsonld`` downloads it."""
        try:
            return await _plan_page(request)
        except SmarcoError as error:
            return problem_page(request, error)

    @built.get("/pathways/plan", include_in_schema=False)
    async def plan_page_elsewhere(request: Request) -> RedirectResponse:
        """Where a reader of the pathways looks for the planner: the page lives at ``/plan``."""
        query = request.url.query
        return RedirectResponse("/plan" + (f"?{query}" if query else ""), status_code=308)

    return built


# -- the page ---------------------------------------------------------------------------------------------------------

PAGE_FIELDS = _FIELDS | {"lang", "add", "format"}
PLAN_CONTEXT = {
    "@version": 1.1,
    "smarco": str(SMARCO),
    "dct": DCT,
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "elm": "http://data.europa.eu/snb/model/elm/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "id": "@id",
    "type": "@type",
    "occupation": {"@id": "smarco:targetOccupation", "@type": "@id"},
    "label": "skos:prefLabel",
    "title": "dct:title",
    "steps": {"@id": "smarco:step", "@container": "@list"},
    "position": {"@id": "smarco:position", "@type": "xsd:integer"},
    "course": {"@id": "smarco:course", "@type": "@id"},
    "covers": {"@id": "smarco:covers", "@type": "@id"},
    "have": {"@id": "smarco:holds", "@type": "@id"},
    "ects": {"@id": "smarco:ects", "@type": "xsd:decimal"},
    "totalEcts": {"@id": "smarco:totalEcts", "@type": "xsd:decimal"},
    "eqfLevel": {"@id": "smarco:eqfLevel", "@type": "xsd:integer"},
    "workload": {"@id": "elm:volumeOfLearning", "@type": "xsd:duration"},
    "page": {"@id": "smarco:page", "@type": "@id"},
    "notCovered": {"@id": "smarco:notCovered", "@type": "@id"},
    "@vocab": str(SMARCO) + "plan-",
}


def plan_jsonld(document: dict, address: str) -> dict:
    """The planner's document as JSON-LD: its own members, a context naming each, the plan's address as its id."""
    return {"@context": PLAN_CONTEXT, "id": address, "type": "smarco:TrainingPathway", **document}


def _values(request: Request) -> tuple[dict[str, list[str]], dict[str, str]]:
    """The planner's fields (lists, ``have`` repeated) and the page's own (``lang``, ``add``, ``format``)."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if key not in PAGE_FIELDS:
            raise BadParameter(key, value, f"unknown parameter; this page takes {', '.join(sorted(PAGE_FIELDS))}")
        if value.strip() or key == "have":
            values.setdefault(key, []).append(value)
    own: dict[str, str] = {k: values.pop(k)[0] for k in ("lang", "add", "format") if k in values}
    values["have"] = [v for v in values.get("have", []) if v.strip()]
    return values, own


_ORDER = ("occupation", "have", "optional", "max_ects", "language", "mode", "country", "lang", "format")


def _address(values: dict[str, list[str]], **changes: list[str]) -> str:
    merged = {**values, **changes}
    query = [(k, v) for k in _ORDER for v in merged.get(k, [])]
    return "/plan" + (f"?{urlencode(query)}" if query else "")


async def _plan_page(request: Request) -> Response:
    values, own = _values(request)
    if own.get("format", "html") not in ("html", "jsonld"):
        raise BadParameter("format", own["format"], "html or jsonld")
    if "lang" in own:
        values["lang"] = [own["lang"]]
    svc = service(request)
    known = await run_in_threadpool(catalogue, request)
    context: dict = {"form": values, "options": await run_in_threadpool(_options, request, known)}
    if own.get("add"):
        found = await run_in_threadpool(resolve, svc.kg.search, own["add"][:200], "skill")
        if found.iri is not None:
            have = [*values.get("have", []), found.iri.rsplit("/", 1)[-1]]
            return RedirectResponse(_address(values, have=list(dict.fromkeys(have))), status_code=303)
        context["added"] = found
        context["added_candidates"] = [
            {"label": h.label, "href": _address(values, have=[*values.get("have", []), h.iri.rsplit("/", 1)[-1]])}
            for h in found.candidates
        ]
    asked = None
    if values.get("occupation"):
        try:
            asked = _parse(request, {k: v for k, v in values.items() if k != "lang"})
        except UnresolvedName as error:
            context["occupation_candidates"] = [
                {"label": c["label"], "href": _address(values, occupation=[c["id"].rsplit("/", 1)[-1]])}
                for c in error.candidates
            ]
            context["occupation_text"] = values["occupation"][0]
    held = await run_in_threadpool(held_values_of, request, values.get("have", []))
    context["held"] = [{"id": s.rsplit("/", 1)[-1], "label": label} for s, label in held.items()]
    if asked is not None:
        label, labels, needed, result = await run_in_threadpool(_plan, request, asked, known)
        document = _document(request, asked, label, labels, needed, result)
        jsonld = own.get("format") == "jsonld" or (
            own.get("format") is None and _prefers_jsonld(request.headers.get("accept"))
        )
        if jsonld:
            body = plan_jsonld(document, str(request.url))
            disposition = {"Content-Disposition": 'attachment; filename="plan.jsonld"', "Vary": "Accept"}
            return JSONResponse(body, media_type=JSONLD, headers=disposition)
        context.update(
            plan=document,
            occupation_label=label,
            occupation_id=asked.occupation.rsplit("/", 1)[-1],
            workload=_total_workload([c.workload for c in result.courses if c.workload]),
            download=_address(values, format=["jsonld"]),
            gap=f"/occupations/{asked.occupation.rsplit('/', 1)[-1]}/gap",
        )
        context["form"] = {**values, "occupation": [label or values["occupation"][0]]}
    return html_page(request, "plan.html", context, headers={"Vary": "Accept"})


def _total_workload(durations: list[str]) -> str | None:
    """The workloads of the plan's courses added up, as one ISO 8601 duration in hours (for ``words.hours``)."""
    hours = [h for d in durations if (h := words.duration_hours(d)) is not None]
    return f"PT{round(sum(hours), 1):g}H" if hours else None


def _prefers_jsonld(accept: str | None) -> bool:
    if not accept or "ld+json" not in accept:
        return False
    try:
        return negotiate(accept, ("text/html", JSONLD)) == JSONLD
    except SmarcoError:
        return False


def held_values_of(request: Request, values: list[str]) -> dict[str, str]:
    """The held skills the graph knows, by IRI, with their labels (ids, IRIs or labels in ``values``; 422 on a bad
    one)."""
    iris = held_values(request, values)
    labels = skill_labels(service(request).kg.store, iris)
    return {s: labels[s] for s in dict.fromkeys(iris) if s in labels}


def _options(request: Request, known: Catalogue) -> dict[str, list[tuple[str, str]]]:
    """The choices of the form's lists: (value the planner takes, name a person reads), from the courses' own."""
    languages = {c.rsplit("/", 1)[-1] for course in known.courses.values() for c in course.languages}
    countries = {c.rsplit("/", 1)[-1] for course in known.courses.values() for c in course.countries}
    modes = sorted({m for course in known.courses.values() for m in course.modes})
    mode_labels = _labels(service(request).kg.store, modes)
    return {
        "language": sorted(((code, words.language(code)) for code in languages), key=lambda o: o[1].lower()),
        "country": sorted(((code, words.country(code)) for code in countries), key=lambda o: o[1].lower()),
        "mode": sorted(((mode_labels[m], mode_labels[m]) for m in modes if m in mode_labels), key=lambda o: o[1]),
    }


def _labels(store: GraphStore, iris: list[str]) -> dict[str, str]:
    """English preferred labels of concepts (the names the course filters resolve)."""
    if not iris:
        return {}
    query = f"""SELECT ?c ?label WHERE {{ VALUES ?c {{ {" ".join(f"<{i}>" for i in iris)} }}
  ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}"""
    return {str(r["c"]): str(r["label"]) for r in store.query(query, union_default_graph=True).rows()}
