"""``/api/search``, ``/api/suggest`` and ``/api/search/courses``: text search over ESCO labels and the catalogue,
shaped like the ESCO API's, and course search with facets.

All read the text index beside the store (``smarco_kg.search``), which every write brings up to date. Search
ranks words (whole or stemmed) anywhere in preferred, alternative and hidden labels, titles and (for the
catalogue) descriptions; suggest completes the last word as a prefix, for autocomplete; course search adds the
counts of every facet and takes any facet's values by IRI, code or label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from rdflib import URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.params import MAX_OFFSET, integer, page_links, query_params
from smarco_kg.api.problems import PARAMETERS, problem_responses
from smarco_kg.catalogue import Catalogue
from smarco_kg.errors import BadParameter
from smarco_kg.esco import SCHEME, scheme_iri
from smarco_kg.search import FACETS, CourseResults, Hit, token

# What the routes ask of their parameters, stated in the description and checked before the handlers run: some text
# (in any script; text without a word finds nothing, an empty page), an ASCII language tag of at most 12 characters.
_KEPT = r"[^\s\x1c-\x1f\x85]"  # a character that stripping the value keeps
SCHEME_NAME = rf"^\s*({re.escape(SCHEME)}[\s\S]*{_KEPT}|[^/:\s\x1c-\x1f\x85]([^/:]*[^/:\s\x1c-\x1f\x85])?)\s*$"
LANGUAGE = "^[A-Za-z0-9-]{0,11}[A-Za-z0-9][A-Za-z0-9-]{0,11}$"  # and at most 12 characters: max_length


def _types(types: dict[str, tuple[str, ...]], raw: str | None) -> list[str]:
    if raw is None:
        return []
    chosen = [t.strip().lower() for t in raw.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in types]
    if unknown or not chosen:
        raise BadParameter("type", raw, f"use one or more of {', '.join(types)}, comma-separated")
    return chosen


def _language(params: dict[str, str]) -> str | None:
    """``lang``, or its older name ``language``: both given, they must agree."""
    given = {name: params[name] for name in ("lang", "language") if name in params}
    for name, raw in given.items():
        if len(raw) > 12 or not re.fullmatch(LANGUAGE, raw):
            raise BadParameter(name, raw, "a language tag such as en, it or pt-PT")
    if len({raw.lower() for raw in given.values()}) > 1:
        raise BadParameter("language", given["language"], "give lang or language (the same), not two languages")
    return next((raw.lower() for raw in given.values()), None)


def _item(catalogue: Catalogue, hit: Hit) -> dict:
    item = {
        "id": hit.iri,
        "type": hit.type,
        "label": hit.label,
        "matched": {"text": hit.matched, "kind": hit.matched_kind, **({"language": hit.lang} if hit.lang else {})},
        "score": round(hit.score, 3),
    }
    page = catalogue.page_of(URIRef(hit.iri))
    if page:
        item["page"] = page
    found = catalogue.member_of(URIRef(hit.iri))
    if found:
        item["api"] = f"/api/{found[0].collection}/{found[1]}"
    return item


def router(catalogue: Catalogue) -> APIRouter:
    """Search and suggest over the catalogue's search types."""
    built = APIRouter(tags=["Search"])
    type_help = f"What to look for: {', '.join(catalogue.search_types)} (comma-separated for several; default all)"
    one = "(" + "|".join(catalogue.search_types) + ")"
    types_pattern = rf"^[\s,]*{one}\s*(,[\s,]*{one}\s*)*[\s,]*$"

    @built.get(
        "/api/search",
        summary="Search skills, occupations, courses, credentials and practices by text",
        description="Ranked: every word must occur (accents and case folded); a match in a preferred label or title "
        "ranks above one in an alternative or hidden label or a description; an exact label ranks first.",
        responses=problem_responses(*PARAMETERS),
    )
    async def search(
        request: Request,
        text: str = Query(..., description="Words to find", min_length=1, max_length=200),
        lang: str | None = Query(
            None, description="Only texts in this language (and texts without one)", pattern=LANGUAGE, max_length=12
        ),
        language: str | None = Query(None, description="The same as lang", pattern=LANGUAGE, max_length=12),
        type: str | None = Query(None, description=type_help, pattern=types_pattern),
        scheme: str | None = Query(
            None,
            description="Only members of this ESCO scheme: green, digital, transversal… (or another local name, "
            "without '/' or ':'), or its IRI",
            pattern=SCHEME_NAME,
        ),
        limit: int = Query(20, description="At most 100", ge=1, le=100),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> JSONResponse:
        params = query_params(request, {"text", "lang", "language", "type", "scheme", "limit", "offset"})
        return await _answer(request, params, prefix=False, default_limit=20)

    @built.get(
        "/api/suggest",
        summary="Autocomplete: labels and titles starting with the text",
        description="The last word is completed as a prefix; the others must occur whole.",
        responses=problem_responses(*PARAMETERS),
    )
    async def suggest(
        request: Request,
        text: str = Query(..., description="What has been typed so far", min_length=1, max_length=200),
        lang: str | None = Query(
            None, description="Only labels in this language (and texts without one)", pattern=LANGUAGE, max_length=12
        ),
        language: str | None = Query(None, description="The same as lang", pattern=LANGUAGE, max_length=12),
        type: str | None = Query(None, description=type_help, pattern=types_pattern),
        limit: int = Query(10, description="At most 100", ge=1, le=100),
    ) -> JSONResponse:
        params = query_params(request, {"text", "lang", "language", "type", "limit"})
        return await _answer(request, params, prefix=True, default_limit=10)

    _courses_route(built)
    return built


async def _answer(request: Request, params: dict[str, str], *, prefix: bool, default_limit: int) -> JSONResponse:
    text = params.get("text", "")
    limit = integer(params, "limit", default_limit, 1, 100)
    offset = integer(params, "offset", 0, 0, MAX_OFFSET)
    scheme = None
    if "scheme" in params:
        scheme = scheme_iri(params["scheme"])
        if scheme is None:
            raise BadParameter(
                "scheme", params["scheme"], "an ESCO concept scheme: green, digital, transversal… or its IRI"
            )
    svc = service(request)
    index = svc.kg.search
    hits, total = await run_in_threadpool(
        index.search,
        text,
        types=_types(svc.catalogue.search_types, params.get("type")),
        language=_language(params),
        scheme=scheme,
        limit=limit,
        offset=offset,
        prefix=prefix,
    )
    body: dict = {
        "id": str(request.url),
        "text": text,
        "totalItems": total,
        "items": [_item(svc.catalogue, h) for h in hits],
    }
    links: dict[str, str] = {}
    if not prefix:
        links = page_links(request, offset, limit, total, last=False)
        body.update({("previous" if k == "prev" else k): v for k, v in links.items()})
    headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())} if links else {}
    return JSONResponse(body, headers=headers)


# -- courses with facets

FACET_HELP = {
    "skill": "An ESCO skill the course teaches: IRI, id or label",
    "occupation": "An ESCO occupation one of whose essential skills the course teaches: IRI, id or label",
    "eqf": "EQF level: 1 to 8, or its IRI",
    "language": "Language of instruction: a code (ENG, SPA), its IRI or name (Spanish)",
    "mode": "Mode of learning: online, blended, presential… or its IRI",
    "country": "Country of the provider: a code (ESP), its IRI or name (Spain)",
    "credits": "ECTS credits: a number",
    "provider": "The providing organisation: IRI, slug or name",
    "aim": "A SMARCO aim: IRI, local name or label",
    "target_group": "A target group: IRI, local name or label",
}
"""Each facet is a query parameter that may be repeated: a course has one of its values."""


@dataclass(frozen=True)
class CourseQuery:
    """What a course search asks: text, the chosen values of each facet (as given), the page and the language."""

    text: str
    chosen: dict[str, tuple[str, ...]]
    lang: str
    limit: int
    offset: int


def course_query(request: Request, *, text_name: str = "text", default_lang: str = "en") -> CourseQuery:
    """The course search in the request's query; 422 for an unknown parameter or a bad number or language tag.
    ``lang`` picks the labels' language (``language`` is the facet here: a course's language of instruction)."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    single = {text_name, "lang", "limit", "offset"}
    unknown = sorted(set(values) - single - set(FACETS))
    if unknown:
        allowed = ", ".join(sorted(single | set(FACETS)))
        raise BadParameter(unknown[0], values[unknown[0]][0], f"unknown parameter; this path takes {allowed}")
    for key in single & set(values):
        if len(values[key]) > 1:
            raise BadParameter(key, values[key][0], f"given {len(values[key])} times; give it once")
    params = {key: values[key][0] for key in single & set(values)}
    text = params.get(text_name, "")
    if len(text) > 200:
        raise BadParameter(text_name, text[:40] + "…", "at most 200 characters")
    lang = params.get("lang", default_lang).strip() or default_lang
    if len(lang) > 12 or not re.fullmatch(LANGUAGE, lang):
        raise BadParameter("lang", lang, "a language tag such as en, it or pt-PT")
    chosen = {f: tuple(v.strip() for v in values[f] if v.strip()) for f in FACETS if f in values}
    return CourseQuery(
        text,
        {f: v for f, v in chosen.items() if v},
        lang.lower(),
        integer(params, "limit", 20, 1, 100),
        integer(params, "offset", 0, 0, MAX_OFFSET),
    )


def find_courses(request: Request, query: CourseQuery) -> CourseResults:
    """The courses and facet counts a query asks for, its facet values resolved by IRI, code or label (a value
    that names nothing matches nothing)."""
    index = service(request).kg.search
    resolved: dict[str, list[str]] = {}
    for facet, given in query.chosen.items():
        for raw in given:
            resolved.setdefault(facet, []).extend(index.resolve(facet, raw) or (f"urn:smarco:unknown:{raw}",))
    return index.courses(query.text, resolved, lang=query.lang, limit=query.limit, offset=query.offset)


def courses_json(request: Request, query: CourseQuery, results: CourseResults) -> dict:
    """The JSON form of a course search: items, facets with counts, paging links."""
    catalogue = service(request).catalogue
    items = []
    for hit in results.hits:
        item: dict = {"id": hit.iri, "title": hit.title, "score": round(hit.score, 3)}
        page = catalogue.page_of(URIRef(hit.iri))
        if page:
            item["page"] = page
        for facet, terms in sorted(hit.values.items()):
            item[facet] = [{"id": t.value, "label": t.label} for t in terms]
        item["skillsMatched"] = [{"id": t.value, "label": t.label} for t in hit.matched_skills]
        items.append(item)
    facets = {
        facet: [
            {"value": token(facet, v.value), "id": v.value, "label": v.label, "count": v.count, "chosen": v.chosen}
            for v in values
            if not v.value.startswith("urn:smarco:unknown:")
        ]
        for facet, values in results.facets.items()
    }
    body: dict = {"id": str(request.url), "text": query.text, "totalItems": results.total, "items": items}
    body["facets"] = facets
    if query.offset + query.limit < results.total:
        body["next"] = str(request.url.include_query_params(offset=query.offset + query.limit))
    if query.offset > 0:
        body["previous"] = str(request.url.include_query_params(offset=max(0, query.offset - query.limit)))
    return body


def _courses_route(built: APIRouter) -> None:
    @built.get(
        "/api/search/courses",
        summary="Search courses by text, with facets and their counts",
        description="Courses whose titles, descriptions or the labels of the skills they teach hold every word "
        "(whole or stemmed, accents and case folded), ranked by relevance, then title; without text, every course "
        "by title. Each facet may be repeated (a course has one of its values) and takes IRIs, codes or labels; "
        "a value naming nothing selects no course. "
        "`facets` gives the counts of each facet's values among the courses the other facets leave.",
        responses=problem_responses(*PARAMETERS),
    )
    async def search_courses(
        request: Request,
        text: str | None = Query(None, description="Words to find", max_length=200),
        lang: str | None = Query(None, description="The language of the labels", pattern=LANGUAGE, max_length=12),
        skill: list[str] | None = Query(None, description=FACET_HELP["skill"]),
        occupation: list[str] | None = Query(None, description=FACET_HELP["occupation"]),
        eqf: list[str] | None = Query(None, description=FACET_HELP["eqf"]),
        language: list[str] | None = Query(None, description=FACET_HELP["language"]),
        mode: list[str] | None = Query(None, description=FACET_HELP["mode"]),
        country: list[str] | None = Query(None, description=FACET_HELP["country"]),
        credits: list[str] | None = Query(None, description=FACET_HELP["credits"]),
        provider: list[str] | None = Query(None, description=FACET_HELP["provider"]),
        aim: list[str] | None = Query(None, description=FACET_HELP["aim"]),
        target_group: list[str] | None = Query(None, description=FACET_HELP["target_group"]),
        limit: int = Query(20, description="At most 100", ge=1, le=100),
        offset: int = Query(0, ge=0, le=MAX_OFFSET),
    ) -> JSONResponse:
        query = course_query(request)
        results = await run_in_threadpool(find_courses, request, query)
        return JSONResponse(courses_json(request, query, results))
