"""``/api/search`` and ``/api/suggest``: text search over ESCO labels and the catalogue, shaped like the ESCO API's.

Both read the text index beside the store (``smarco_kg.search``), which every write brings up to date. Search
ranks whole words anywhere in preferred, alternative and hidden labels, titles and (for the catalogue)
descriptions; suggest completes the last word as a prefix, for autocomplete.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from rdflib import URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.pages import page_of
from smarco_kg.api.resources import _bad, _integer, _params, member_of
from smarco_kg.esco import scheme_iri
from smarco_kg.search import TYPES, Hit, SearchError

router = APIRouter(tags=["Search"])
_TYPE_HELP = f"What to look for: {', '.join(TYPES)} (comma-separated for several; default all)"


def _types(raw: str | None) -> list[str]:
    if raw is None:
        return []
    chosen = [t.strip().lower() for t in raw.split(",") if t.strip()]
    unknown = [t for t in chosen if t not in TYPES]
    if unknown or not chosen:
        raise _bad("type", raw, f"use one or more of {', '.join(TYPES)}, comma-separated")
    return chosen


def _language(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.replace("-", "").isalnum() or len(raw) > 12:
        raise _bad("language", raw, "a language tag such as en, it or pt-PT")
    return raw.lower()


def _item(request: Request, hit: Hit) -> dict:
    base = service(request).settings.base_iri
    item = {
        "id": hit.iri,
        "type": hit.type,
        "label": hit.label,
        "matched": {"text": hit.matched, "kind": hit.matched_kind, **({"language": hit.lang} if hit.lang else {})},
        "score": round(hit.score, 3),
    }
    page = page_of(base, URIRef(hit.iri))
    if page:
        item["page"] = page
    api = _api_link(base, hit)
    if api:
        item["api"] = api
    return item


def _api_link(base: str, hit: Hit) -> str | None:
    found = member_of(base, hit.iri)
    return f"/api/{found[0].collection}/{found[1]}" if found else None


@router.get(
    "/api/search",
    summary="Search skills, occupations, courses, credentials and practices by text",
    description="Ranked: every word must occur (accents and case folded); a match in a preferred label or title "
    "ranks above one in an alternative or hidden label or a description; an exact label ranks first.",
)
async def search(
    request: Request,
    text: str = Query(..., description="Words to find", max_length=200),
    language: str | None = Query(None, description="Only texts in this language (and texts without one)"),
    type: str | None = Query(None, description=_TYPE_HELP),
    scheme: str | None = Query(None, description="Only members of this ESCO scheme: green, digital, transversal…"),
    limit: int = Query(20, description="At most 100"),
    offset: int = Query(0),
) -> JSONResponse:
    params = _params(request, {"text", "language", "type", "scheme", "limit", "offset"})
    return await _answer(request, params, prefix=False, default_limit=20)


@router.get(
    "/api/suggest",
    summary="Autocomplete: labels and titles starting with the text",
    description="The last word is completed as a prefix; the others must occur whole.",
)
async def suggest(
    request: Request,
    text: str = Query(..., description="What has been typed so far", max_length=200),
    language: str | None = Query(None, description="Only labels in this language (and texts without one)"),
    type: str | None = Query(None, description=_TYPE_HELP),
    limit: int = Query(10, description="At most 100"),
) -> JSONResponse:
    params = _params(request, {"text", "language", "type", "limit"})
    return await _answer(request, params, prefix=True, default_limit=10)


async def _answer(request: Request, params: dict[str, str], *, prefix: bool, default_limit: int) -> JSONResponse:
    text = params.get("text", "")
    limit = _integer(params, "limit", default_limit, 1, 100)
    offset = _integer(params, "offset", 0, 0, None)
    scheme = None
    if "scheme" in params:
        scheme = scheme_iri(params["scheme"])
        if scheme is None:
            raise _bad("scheme", params["scheme"], "an ESCO concept scheme: green, digital, transversal… or its IRI")
    index = service(request).kg.search
    try:
        hits, total = await run_in_threadpool(
            index.search,
            text,
            types=_types(params.get("type")),
            language=_language(params.get("language")),
            scheme=scheme,
            limit=limit,
            offset=offset,
            prefix=prefix,
        )
    except SearchError as error:
        raise _bad("text", text, str(error)) from error
    body: dict = {"id": str(request.url), "text": text, "totalItems": total, "items": [_item(request, h) for h in hits]}
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
