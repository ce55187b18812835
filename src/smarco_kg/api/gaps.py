"""Skill gaps over HTTP: ``/api/occupations/{id}/gap``, ``/api/gaps`` and the page ``/occupations/{id}/gap``.

The gap is the visitor's own when ``have=`` names the skills they hold (ESCO ids or IRIs, repeated), so a gap is a
link anyone can share. The page adds a held skill by its label (type-ahead enhances the field; without JavaScript
the server resolves the label, or lists the candidates), or reads them from a credential the visitor uploads, in
memory, never stored or logged. It draws held, covered and missing skills per skill group as server-side SVG (no
JavaScript), so it works in any browser, in print and for screen readers (the table beside it says the same).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.pages import problem_page, wants_html
from smarco_kg.api.params import integer, query_params, query_values
from smarco_kg.api.problems import PARAMETERS, problem_responses
from smarco_kg.api.templating import html_page
from smarco_kg.api.uploads import read_form
from smarco_kg.catalogue.filters import SKILL, named
from smarco_kg.errors import BadParameter, NotFound, SmarcoError
from smarco_kg.esco import COLLECTIONS
from smarco_kg.gaps import (
    MAX_DISTANCE,
    Catalogue,
    OccupationGap,
    collection_gaps,
    occupation_gap,
    read_catalogue,
    skill_labels,
)
from smarco_kg.held_skills import NoSkills, UnreadableCredential, read_credential
from smarco_kg.names import Resolution, resolve

router = APIRouter(tags=["Skill gaps"])
MAX_HELD = 200  # skills a visitor may say they hold, in one address


def catalogue(request: Request) -> Catalogue:
    svc = service(request)
    namespace = svc.catalogue.entry("courses").namespace(svc.settings.base_iri)
    return svc.taught.get(svc.generation, namespace, lambda: read_catalogue(svc.kg.store, namespace))


def _flag(params: dict[str, str], name: str) -> bool:
    raw = params.get(name, "false").strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise BadParameter(name, params[name], "true or false")
    return raw in ("true", "1", "yes")


def held_values(request: Request, values: list[str], parameter: str = "have") -> list[str]:
    """The ESCO skills named by ``have=`` values (ids, IRIs or labels, as the filters take them), in order, each
    once; 422 naming a bad one, or listing the candidates of a label several skills answer to."""
    given = [v for v in values if v.strip()]
    if len(given) > MAX_HELD:
        raise BadParameter(parameter, given[MAX_HELD], f"at most {MAX_HELD} skills")
    svc = service(request)
    lang = request.query_params.get("lang") or None
    return list(
        dict.fromkeys(
            str(named(svc.kg.store, parameter, SKILL, v, svc.catalogue.base_iri, svc.generation, lang)) for v in given
        )
    )


def _params(request: Request, allowed: set[str]) -> tuple[dict[str, str], list[str]]:
    """The query parameters, each known and given once, but ``have`` (repeated): (the others, the held skills)."""
    once, repeated = query_values(request, allowed, frozenset({"have"}))
    return once, held_values(request, repeated.get("have", []))


@dataclass(frozen=True)
class Asked:
    optional: bool
    distance: int
    have: list[str]


def _asked(params: dict[str, str], have: list[str]) -> Asked:
    return Asked(_flag(params, "optional"), integer(params, "distance", 1, 0, MAX_DISTANCE), have)


async def _gap(request: Request, id: str, asked: Asked) -> tuple[OccupationGap, Catalogue, dict[str, str]]:
    iri = str(service(request).catalogue.member_iri("occupations", id))
    store = service(request).kg.store
    known = await run_in_threadpool(catalogue, request)
    gap = await run_in_threadpool(
        occupation_gap, store, known, iri, optional=asked.optional, distance=asked.distance, have=asked.have
    )
    labels = await run_in_threadpool(skill_labels, store, asked.have)
    return gap, known, labels


def gap_document(request: Request, gap: OccupationGap, known: Catalogue, labels: dict[str, str] | None = None) -> dict:
    def course(iri: str) -> dict:
        c = known.courses[iri]
        return {"id": iri, "title": c.title, **({"page": page} if (page := pages.page_of(iri)) else {})}

    pages = service(request).catalogue
    labels = labels or {}
    return {
        "occupation": {"id": gap.occupation, "label": gap.label},
        "relations": sorted({s.relation for s in gap.skills}),
        "distance": gap.distance,
        "total": len(gap.skills),
        "covered": len(gap.covered),
        "coverageRatio": round(gap.ratio, 4),
        "have": [{"id": s, "label": labels.get(s, ""), "known": s in labels} for s in gap.have],
        "held": len(gap.held),
        "skills": [
            {
                "id": s.skill,
                "label": s.label,
                "relation": s.relation,
                "group": {"id": s.group, "label": s.group_label},
                "held": s.held,
                **({"heldThrough": s.held_through} if s.held else {}),
                "covered": s.covered,
                "coveredBy": [
                    {
                        **course(c.course),
                        "via": c.via,
                        "through": c.through,
                        **({"distance": c.distance} if c.via == "broader" else {}),
                    }
                    for c in s.covers
                ],
            }
            for s in gap.skills
        ],
        "remaining": [{"id": s.skill, "label": s.label, "covered": s.covered} for s in gap.remaining],
        "gap": [{"id": s.skill, "label": s.label} for s in gap.missing],
        "groups": [
            {"id": g, "label": label, "held": h, "covered": c, "missing": m} for g, label, h, c, m in gap.groups()
        ],
    }


@router.get(
    "/api/occupations/{id}/gap",
    summary="The skill gap of an ESCO occupation: its skills, the courses covering each, and what none covers",
    description="A course covers a skill directly, through a narrower skill it teaches, or through a broader skill "
    "at most `distance` steps up (0 turns that off). `optional=true` adds the optional skills. `have=` (repeated) "
    "names the skills the learner holds: a skill is held when it or a narrower skill is named; `remaining` lists "
    "the skills not held, `gap` those neither held nor covered, and each group counts held, covered and missing.",
    responses=problem_responses(NotFound, *PARAMETERS),
)
async def occupation_gap_route(
    request: Request,
    id: str,
    optional: bool = Query(False, description="Include the occupation's optional skills"),
    distance: int = Query(
        1,
        description=f"How many skos:broader steps up a taught skill may be (0 to {MAX_DISTANCE})",
        ge=0,
        le=MAX_DISTANCE,
    ),
    have: list[str] = Query(
        [],
        description=f"Skills the learner holds (ESCO skill IRIs, ids or labels); repeat it, at most {MAX_HELD}",
        json_schema_extra={"items": {"type": "string", "minLength": 1, "pattern": r"\S"}},
    ),
) -> JSONResponse:
    params, held = await run_in_threadpool(_params, request, {"optional", "distance", "lang", "have"})
    gap, known, labels = await _gap(request, id, _asked(params, held))
    return JSONResponse(gap_document(request, gap, known, labels))


@router.get(
    "/api/gaps",
    summary="Skills of an ESCO collection that no course teaches, grouped by skill group",
    description="A skill counts as taught when a course teaches it or a narrower skill.",
    responses=problem_responses(*PARAMETERS),
)
async def collection_gaps_route(
    request: Request,
    collection: str = Query(
        ..., description=f"One of {', '.join(COLLECTIONS)}", json_schema_extra={"enum": [*COLLECTIONS]}
    ),
) -> JSONResponse:
    params = query_params(request, {"collection"})
    name = params.get("collection", "").strip().lower()
    if name not in COLLECTIONS:
        raise BadParameter("collection", params.get("collection", ""), f"use one of {', '.join(COLLECTIONS)}")
    known = await run_in_threadpool(catalogue, request)
    scheme, members, grouped = await run_in_threadpool(collection_gaps, service(request).kg.store, known, name)
    untaught = sum(len(skills) for skills in grouped.values())
    groups = sorted(grouped.items(), key=lambda g: (-len(g[1]), g[0][1]))
    return JSONResponse(
        {
            "collection": name,
            "scheme": scheme,
            "skills": members,
            "taught": members - untaught,
            "untaught": untaught,
            "groups": [
                {
                    "id": group,
                    "label": label,
                    "count": len(skills),
                    "skills": [{"id": s, "label": skill_label} for s, skill_label in skills],
                }
                for (group, label), skills in groups
            ],
        }
    )


# -- the page -------------------------------------------------------------------------------------------------------

BAR_HEIGHT, BAR_GAP, LINE_HEIGHT, LABEL_WIDTH, CHART_WIDTH, COUNT_WIDTH = 22, 10, 15, 250, 360, 70
LABEL_CHARACTERS = 30  # a line of a label at 12 px: 30 characters stay under 250 px even in wide letters (~7.5 px)


def chart(gap: OccupationGap) -> dict:
    """Geometry of the horizontal stacked bars (held, covered, missing) per skill group, for the SVG template.

    Labels are wrapped into lines that fit the label column, and each bar's row is as tall as its label, so no
    label is clipped; the view box holds every row."""
    groups = gap.groups()
    widest = max((h + c + m for _, _, h, c, m in groups), default=1) or 1
    bars, y = [], 0.0
    for _, label, held, covered, missing in groups:
        lines = textwrap.wrap(label, LABEL_CHARACTERS, break_long_words=True) or [label]
        row = max(BAR_HEIGHT, len(lines) * LINE_HEIGHT + 4)
        widths = [CHART_WIDTH * n / widest for n in (held, covered, missing)]
        bar_y = y + (row - BAR_HEIGHT) / 2
        first_line = y + (row - len(lines) * LINE_HEIGHT) / 2 + LINE_HEIGHT - 3
        bars.append(
            {
                "label": label,
                "lines": [{"text": t, "y": round(first_line + i * LINE_HEIGHT, 1)} for i, t in enumerate(lines)],
                "held": held,
                "covered": covered,
                "missing": missing,
                "y": round(bar_y, 1),
                "held_width": round(widths[0], 1),
                "covered_x": round(LABEL_WIDTH + widths[0], 1),
                "covered_width": round(widths[1], 1),
                "missing_x": round(LABEL_WIDTH + widths[0] + widths[1], 1),
                "missing_width": round(widths[2], 1),
                "text_x": round(LABEL_WIDTH + sum(widths) + 6, 1),
                "text_y": round(bar_y + BAR_HEIGHT * 0.7, 1),
            }
        )
        y += row + BAR_GAP
    return {
        "bars": bars,
        "width": LABEL_WIDTH + CHART_WIDTH + COUNT_WIDTH,
        "height": round(max(y, BAR_HEIGHT + BAR_GAP), 1),
        "label_width": LABEL_WIDTH,
        "label_x": 0,
        "bar_height": BAR_HEIGHT,
    }


PAGE_PARAMETERS = {"optional", "distance", "lang", "have", "add", "read", "known"}


def gap_url(id: str, have: list[str], asked: Asked | None = None, lang: str | None = None, **extra: object) -> str:
    """The page's address for these held skills (ESCO ids, shorter than IRIs) and options."""
    query: list[tuple[str, object]] = [("have", s.rsplit("/", 1)[-1]) for s in have]
    if asked is not None and asked.optional:
        query.append(("optional", "true"))
    if asked is not None and asked.distance != 1:
        query.append(("distance", asked.distance))
    if lang:
        query.append(("lang", lang))
    query += [(k, v) for k, v in extra.items() if v is not None]
    return f"/occupations/{id}/gap" + (f"?{urlencode(query)}" if query else "")


def plan_url(gap: OccupationGap, asked: Asked, lang: str | None) -> str:
    query: list[tuple[str, object]] = [("occupation", gap.occupation.rsplit("/", 1)[-1])]
    query += [("have", s.rsplit("/", 1)[-1]) for s in asked.have]
    if asked.optional:
        query.append(("optional", "true"))
    if lang:
        query.append(("lang", lang))
    return f"/plan?{urlencode(query)}"


@router.get("/occupations/{id}/gap", response_class=HTMLResponse, include_in_schema=False)
async def gap_page(request: Request, id: str) -> Response:
    try:
        params, have = await run_in_threadpool(_params, request, PAGE_PARAMETERS)
        asked = _asked(params, have)
        lang = params.get("lang")
        added: Resolution | None = None
        if params.get("add", "").strip():
            index = service(request).kg.search
            added = await run_in_threadpool(resolve, index, params["add"].strip()[:200], "skill")
            if added.iri is not None:
                have = list(dict.fromkeys([*have, added.iri]))
                return RedirectResponse(gap_url(id, have, asked, lang), status_code=303)
        notes: dict[str, int] = {k: integer(params, k, 0, 0, MAX_HELD * 10) for k in ("read", "known") if k in params}
        return await _render(request, id, asked, lang, added=added, notes=notes)
    except SmarcoError as problem:
        return problem_page(request, problem)


@router.post("/occupations/{id}/gap", response_class=HTMLResponse, include_in_schema=False)
async def gap_upload(request: Request, id: str) -> Response:
    """Read the skills of an uploaded credential, in memory, and answer with the gap's address holding them."""
    try:
        form = await read_form(request)
        params = {k: v for k in ("optional", "distance", "lang") if (v := form.one(k)) is not None}
        asked = _asked(params, held_values(request, form.all("have")))
        lang = params.get("lang") or None
        data = form.files.get("credential") or b""
        try:
            if not data:
                raise UnreadableCredential("choose a credential file to read: none was sent")
            read = await run_in_threadpool(read_credential, data)
        except (UnreadableCredential, NoSkills) as problem:
            if not wants_html(request):
                raise
            return await _render(request, id, asked, lang, upload_error=problem, status=problem.status)
        finally:
            del data  # the upload lives no longer than this request's reading of it
        found = await run_in_threadpool(_recognised, request, read.skills)
        have = list(dict.fromkeys([*asked.have, *found]))
        target = gap_url(id, have, asked, lang, read=len(read.skills), known=len(found))
        return RedirectResponse(target, status_code=303)
    except SmarcoError as problem:
        return problem_page(request, problem)


def _recognised(request: Request, claimed: list) -> list[str]:
    """The ESCO skills of this graph among those a credential names: by IRI, or by a label naming one skill."""
    svc = service(request)
    iris = [c.iri for c in claimed if c.iri]
    for c in claimed:
        if not c.iri and c.label:
            found = resolve(svc.kg.search, c.label[:200], "skill", loose=False)
            if found.iri:
                iris.append(found.iri)
    labels = skill_labels(svc.kg.store, iris)
    return [s for s in dict.fromkeys(iris) if s in labels]


async def _render(
    request: Request,
    id: str,
    asked: Asked,
    lang: str | None,
    *,
    added: Resolution | None = None,
    notes: dict[str, int] | None = None,
    upload_error: SmarcoError | None = None,
    status: int = 200,
) -> HTMLResponse:
    gap, known, labels = await _gap(request, id, asked)
    document = gap_document(request, gap, known, labels)
    registry = service(request).catalogue
    held = [
        {"id": s, "label": labels[s], "remove": gap_url(id, [h for h in asked.have if h != s], asked, lang)}
        for s in asked.have
        if s in labels
    ]
    other = Asked(not asked.optional, asked.distance, asked.have)
    context = {
        "gap": gap,
        "document": document,
        "chart": chart(gap),
        "occupation_id": id,
        "occupation_name": gap.label or id,
        "occupation_page": registry.page_of(gap.occupation),
        "api": gap_url(id, asked.have, asked).replace("/occupations/", "/api/occupations/", 1),
        "percent": round(gap.ratio * 100),
        "held": held,
        "unknown_held": len(asked.have) - len(held),
        "asked": asked,
        "form_lang": lang,
        "added": added,
        "candidates": [
            {"label": h.label, "href": gap_url(id, [*asked.have, h.iri], asked, lang)}
            for h in (added.candidates if added else [])
        ],
        "notes": notes or {},
        "upload_error": upload_error.detail if upload_error else None,
        "plan": plan_url(gap, asked, lang),
        "toggle_optional": gap_url(id, asked.have, other, lang),
        "skill_page": lambda iri: registry.page_of(iri),
    }
    return html_page(request, "gap.html", context, status_code=status)
