"""Skill gaps over HTTP: ``/api/occupations/{id}/gap``, ``/api/gaps`` and the page ``/occupations/{id}/gap``.

The page draws covered against missing skills per skill group as server-side SVG (no JavaScript), so it works in
any browser, in print and for screen readers (every bar has a text equivalent in the table beside it).
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.pages import collections
from smarco_kg.api.params import integer, query_params
from smarco_kg.api.problems import PARAMETERS, problem_responses
from smarco_kg.api.templating import chosen_language, html_page
from smarco_kg.errors import BadParameter, NotFound
from smarco_kg.esco import COLLECTIONS
from smarco_kg.gaps import MAX_DISTANCE, Catalogue, OccupationGap, collection_gaps, occupation_gap

router = APIRouter(tags=["Skill gaps"])


def catalogue(request: Request) -> Catalogue:
    svc = service(request)
    namespace = svc.catalogue.entry("courses").namespace(svc.settings.base_iri)
    return svc.taught.get(svc.kg.store, namespace, svc.generation)


def _flag(params: dict[str, str], name: str) -> bool:
    raw = params.get(name, "false").strip().lower()
    if raw not in ("true", "false", "1", "0", "yes", "no"):
        raise BadParameter(name, params[name], "true or false")
    return raw in ("true", "1", "yes")


async def _gap(request: Request, id: str) -> tuple[OccupationGap, Catalogue]:
    params = query_params(request, {"optional", "distance", "lang"})
    optional = _flag(params, "optional")
    distance = integer(params, "distance", 1, 0, MAX_DISTANCE)
    iri = str(service(request).catalogue.member_iri("occupations", id))
    store = service(request).kg.store
    known = await run_in_threadpool(catalogue, request)
    gap = await run_in_threadpool(occupation_gap, store, known, iri, optional=optional, distance=distance)
    return gap, known


def gap_document(request: Request, gap: OccupationGap, known: Catalogue) -> dict:
    def course(iri: str) -> dict:
        c = known.courses[iri]
        return {"id": iri, "title": c.title, **({"page": page} if (page := pages.page_of(iri)) else {})}

    pages = service(request).catalogue
    return {
        "occupation": {"id": gap.occupation, "label": gap.label},
        "relations": sorted({s.relation for s in gap.skills}),
        "distance": gap.distance,
        "total": len(gap.skills),
        "covered": len(gap.covered),
        "coverageRatio": round(gap.ratio, 4),
        "skills": [
            {
                "id": s.skill,
                "label": s.label,
                "relation": s.relation,
                "group": {"id": s.group, "label": s.group_label},
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
        "gap": [{"id": s.skill, "label": s.label} for s in gap.missing],
        "groups": [{"id": g, "label": label, "covered": c, "missing": m} for g, label, c, m in gap.groups()],
    }


@router.get(
    "/api/occupations/{id}/gap",
    summary="The skill gap of an ESCO occupation: its skills, the courses covering each, and what none covers",
    description="A course covers a skill directly, through a narrower skill it teaches, or through a broader skill "
    "at most `distance` steps up (0 turns that off). `optional=true` adds the optional skills.",
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
) -> JSONResponse:
    gap, known = await _gap(request, id)
    return JSONResponse(gap_document(request, gap, known))


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

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 22, 8, 260, 360


def chart(gap: OccupationGap) -> dict:
    """Geometry of the horizontal stacked bars (covered, missing) per skill group, for the SVG template."""
    groups = gap.groups()
    widest = max((c + m for _, _, c, m in groups), default=1) or 1
    bars = []
    for index, (_, label, covered, missing) in enumerate(groups):
        y = index * (BAR_HEIGHT + BAR_GAP)
        covered_width = CHART_WIDTH * covered / widest
        missing_width = CHART_WIDTH * missing / widest
        bars.append(
            {
                "label": label,
                "covered": covered,
                "missing": missing,
                "y": y,
                "covered_width": round(covered_width, 1),
                "missing_x": round(LABEL_WIDTH + covered_width, 1),
                "missing_width": round(missing_width, 1),
                "text_x": round(LABEL_WIDTH + covered_width + missing_width + 6, 1),
            }
        )
    height = max(len(groups), 1) * (BAR_HEIGHT + BAR_GAP)
    return {
        "bars": bars,
        "width": LABEL_WIDTH + CHART_WIDTH + 80,
        "height": height,
        "label_width": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
    }


@router.get("/occupations/{id}/gap", response_class=HTMLResponse, include_in_schema=False)
async def gap_page(request: Request, id: str) -> HTMLResponse:
    gap, known = await _gap(request, id)
    document = gap_document(request, gap, known)
    context = {
        "gap": gap,
        "document": document,
        "chart": chart(gap),
        "lang": chosen_language(request),
        "collections": collections(service(request).catalogue),
        "occupation_page": service(request).catalogue.page_of(gap.occupation),
        "api": f"/api/occupations/{id}/gap",
        "percent": round(gap.ratio * 100),
    }
    return html_page(request, "gap.html", context)
