"""``/search``: the page people find training with (one box with type-ahead, facets with counts, results in words),
and ``/search/suggest``, the type-ahead it asks as one types. Thin: the search is ``api.search``'s, the words
``web.search_view``'s."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from rdflib import URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.pages import problem_page
from smarco_kg.api.params import query_params
from smarco_kg.api.problems import PARAMETERS, problem_responses
from smarco_kg.api.search import LANGUAGE, CourseQuery, course_query, find_courses
from smarco_kg.api.templating import chosen_language, html_page
from smarco_kg.errors import SmarcoError
from smarco_kg.search import CourseResults, Hit
from smarco_kg.web import i18n, search_view

router = APIRouter(tags=["Pages"])
SUGGESTED = ("skill", "occupation", "course")


def _use_chrome_language(request: Request) -> None:
    asked = request.query_params.get("lang", "").strip()
    i18n.use(i18n.chrome_language(asked if i18n.is_language_tag(asked) else "", request.headers.get("accept-language")))


def _find(request: Request, query: CourseQuery) -> tuple[CourseResults, list[Hit]]:
    """The courses, and the skills and occupations the words name (links that choose them, for people without
    the type-ahead)."""
    results = find_courses(request, query)
    named: list[Hit] = []
    if query.text.strip():
        index = service(request).kg.search
        named = index.suggest(query.text, types=("skill", "occupation"), lang=query.lang, limit=6)
    return results, named


@router.get(
    "/search",
    response_class=HTMLResponse,
    summary="Find training: courses by words, skills and occupations, with facets and their counts (an HTML page)",
    description="The page's state is its query: q (the words), lang (the page's language), and any number of each "
    "facet (skill, occupation, eqf, language, mode, country, credits, provider, aim, target_group; IRI, code or "
    "label), offset and limit. /api/search/courses answers the same in JSON.",
    responses=problem_responses(*PARAMETERS),
)
async def search_page(request: Request) -> Response:
    try:
        lang = chosen_language(request)
        query = course_query(request, text_name="q", default_lang=lang)
    except SmarcoError as problem:
        return problem_page(request, problem)
    _use_chrome_language(request)
    results, named = await run_in_threadpool(_find, request, query)
    catalogue = service(request).catalogue
    pairs = search_view.state(query.text, query.chosen, query.lang)
    facets = search_view.facets(results, query.text, query.chosen, query.lang)
    context = {
        "q": query.text,
        "data_lang": query.lang,
        "total": results.total,
        "facets": facets,
        "chosen": search_view.chosen_choices(facets),
        "results": [search_view.result(hit, catalogue.page_of(URIRef(hit.iri)), query.lang) for hit in results.hits],
        "named": [search_view.suggestion(hit, None, query.lang) for hit in named],
        "offset": query.offset,
        "shown": len(results.hits),
        "next": search_view.url(pairs, offset=query.offset + query.limit)
        if query.offset + query.limit < results.total
        else None,
        "previous": search_view.url(pairs, offset=max(0, query.offset - query.limit)) if query.offset else None,
    }
    return html_page(request, "search.html", context)


@router.get(
    "/search/suggest",
    summary="Type-ahead for the search page: skills, occupations and courses whose labels start with the words",
    description="Each item has the label in the language asked (else English), its kind in words, and where "
    "choosing it leads: a skill or an occupation to the search page with that facet chosen, a course to its page.",
    responses=problem_responses(*PARAMETERS),
)
async def suggest(
    request: Request,
    q: str = Query(..., description="What has been typed so far", min_length=1, max_length=200),
    lang: str | None = Query(None, description="The labels' language", pattern=LANGUAGE, max_length=12),
    limit: int = Query(8, description="At most 20", ge=1, le=20),
) -> JSONResponse:
    params = query_params(request, {"q", "lang", "limit"})
    lang_tag = params.get("lang", "en").lower()  # its pattern was checked with the others
    _use_chrome_language(request)
    index = service(request).kg.search
    hits = await run_in_threadpool(index.suggest, params["q"], types=SUGGESTED, lang=lang_tag, limit=limit)
    catalogue = service(request).catalogue
    items = []
    for hit in hits:
        shown = search_view.suggestion(hit, catalogue.page_of(URIRef(hit.iri)), lang_tag)
        items.append({"id": hit.iri, "type": hit.type, "kind": shown.kind, "label": shown.label, "href": shown.href})
    return JSONResponse({"q": params["q"], "items": items})
