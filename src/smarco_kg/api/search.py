"""``/api/search`` and ``/api/suggest``: text search over ESCO labels and the catalogue, shaped like the ESCO API's.

Both read the text index beside the store (``smarco_kg.search``), which every write brings up to date. Search
ranks whole words anywhere in preferred, alternative and hidden labels, titles and (for the catalogue)
descriptions; suggest completes the last word as a prefix, for autocomplete.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from rdflib import URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.params import MAX_OFFSET, integer, query_params
from smarco_kg.api.problems import PARAMETERS, problem_responses
from smarco_kg.catalogue import Catalogue
from smarco_kg.errors import BadParameter
from smarco_kg.esco import SCHEME, scheme_iri
from smarco_kg.search import Hit

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


def _language(raw: str | None) -> str | None:
    if raw is None:
        return None
    if len(raw) > 12 or not re.fullmatch(LANGUAGE, raw):
        raise BadParameter("language", raw, "a language tag such as en, it or pt-PT")
    return raw.lower()


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
        language: str | None = Query(
            None, description="Only texts in this language (and texts without one)", pattern=LANGUAGE, max_length=12
        ),
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
        params = query_params(request, {"text", "language", "type", "scheme", "limit", "offset"})
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
        language: str | None = Query(
            None, description="Only labels in this language (and texts without one)", pattern=LANGUAGE, max_length=12
        ),
        type: str | None = Query(None, description=type_help, pattern=types_pattern),
        limit: int = Query(10, description="At most 100", ge=1, le=100),
    ) -> JSONResponse:
        params = query_params(request, {"text", "language", "type", "limit"})
        return await _answer(request, params, prefix=True, default_limit=10)

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
        language=_language(params.get("language")),
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
        links["first"] = str(request.url.include_query_params(offset=0))
        if offset > 0:
            links["prev"] = str(request.url.include_query_params(offset=max(0, min(offset - limit, total - limit))))
        if offset + limit < total:
            links["next"] = str(request.url.include_query_params(offset=offset + limit))
        body.update({("previous" if k == "prev" else k): v for k, v in links.items()})
    headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())} if links else {}
    return JSONResponse(body, headers=headers)
