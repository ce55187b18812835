"""``/api/{collection}`` and ``/api/{collection}/{id}``: the catalogue's classes as REST collections (reads).

One route pair per class entry, so each collection's filters and response schema appear in the OpenAPI
description; the reading itself is ``catalogue.read``. Answers come as compact JSON-LD by default, or as
expanded JSON-LD, Turtle, N-Triples or RDF/XML by ``Accept`` or ``format=``.
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Literal, URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.params import LANGUAGE_TAG, MAX_OFFSET, integer, language, page_links, query_params
from smarco_kg.api.problems import NEGOTIATED, Problem, problem_responses
from smarco_kg.api.representations import context_url, format_parameter, rdf_content, render, representation
from smarco_kg.api.write_docs import ETAG
from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.filters import NAMED, Filter, known_names
from smarco_kg.catalogue.jsonld import compact, page_schema, resource_schema
from smarco_kg.catalogue.page_items import page_json
from smarco_kg.catalogue.read import DEFAULT_LIMIT, MAX_LIMIT, Triple, describe, etag
from smarco_kg.catalogue.vocabulary import HYDRA
from smarco_kg.catalogue.write import JSONLD
from smarco_kg.errors import NotFound
from smarco_kg.store import GraphStore

_PAGE = URIRef(HYDRA + "member")
_LINK_RELS = {"first": HYDRA + "first", "prev": HYDRA + "previous", "next": HYDRA + "next", "last": HYDRA + "last"}
_TOTAL = URIRef(HYDRA + "totalItems")


async def list_response(request: Request, entry: ClassEntry) -> Response:
    svc = service(request)
    allowed = {f.name for f in entry.filters} | {"limit", "offset", "lang", "format"}
    params = query_params(request, allowed)
    limit = integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = integer(params, "offset", 0, 0, MAX_OFFSET)
    lang = language(params)
    chosen = representation(request, params.get("format"))
    generation, vocabulary = svc.generation, svc.catalogue.vocabulary
    page = await run_in_threadpool(svc.listing.page, entry, params, limit, offset, lang, generation)

    here = URIRef(str(request.url))
    links = page_links(request, offset, limit, page.total)
    around: list[Triple] = [(here, URIRef(_LINK_RELS[rel]), URIRef(url)) for rel, url in links.items()]
    around.append((here, _TOTAL, Literal(page.total)))
    headers = {"Vary": "Accept", "Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())}
    items = None
    if chosen.compact:
        items = svc.page_items.of(entry.collection, page.items, vocabulary, page.shown, generation)
    if items is not None:  # each item as written before (``catalogue.page_items``), the page around them
        body = page_json(compact(around, here, vocabulary, context_url(request)), items)
        return Response(body, media_type=chosen.media_type, headers=headers)
    triples = [*page.triples, *((here, _PAGE, member) for member in page.members), *around]
    body, media_type = render(triples, here, vocabulary, chosen, request, always={"items": []})
    return Response(body, media_type=media_type, headers=headers)


async def member_response(request: Request, entry: ClassEntry, local: str) -> Response:
    svc = service(request)
    params = query_params(request, {"format", "lang"})
    language(params)  # taken everywhere; a member's description carries its labels in every language
    chosen = representation(request, params.get("format"))
    iri = entry.iri(svc.settings.base_iri, local)
    graph = await run_in_threadpool(describe, svc.kg.store, entry, iri) if iri is not None else None
    if graph is None or iri is None:  # (no IRI: no graph)
        shown = iri or local
        raise Problem(404, f"no such {entry.name}", f"{shown} is not a {entry.name} of this catalogue")
    tag = f'"{etag(graph)}-{chosen.tag_suffix}"'
    headers = {"Vary": "Accept", "ETag": tag}
    if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    body, media_type = render(graph, iri, svc.catalogue.vocabulary, chosen, request)
    return Response(body, media_type=media_type, headers=headers)


def jsonld_context(request: Request) -> Response:
    """The JSON-LD context of every /api representation, derived from the shapes."""
    body = service(request).catalogue.vocabulary.context()
    data = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
    tag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    return Response(data, media_type=JSONLD, headers={"ETag": tag, "Cache-Control": "public, max-age=3600"})


def _filter_schema(item: Filter, base_iri: str, store: GraphStore | None) -> dict:
    """A filter's schema; a small vocabulary's lists the names the store knows for it (``resolve`` takes them in
    any case and accents too)."""
    if item.value.kind == "concept" and store is not None:
        names = known_names(store, item.value, base_iri)
        if names:
            return {
                "type": "string",
                "enum": names,
                **({"example": item.value.schema["example"]} if "example" in item.value.schema else {}),
            }
    return item.value.openapi_schema(base_iri)


def _filter_description(item: Filter) -> str:
    """What the filter selects and, for one naming a concept, the names it takes and what a 422 means."""
    if item.value.kind not in NAMED:
        return item.description
    takes = item.value.hint or f"a {item.value.what or 'concept'}: its IRI, id, code or label"
    return (
        f"{item.description}. Takes {takes}; labels in any language the store holds, case and accents aside. "
        "An unknown value is a 422 quoting it; one that names several concepts is a 422 listing them "
        "(`candidates`: label, code and IRI)."
    )


_LANG_PARAMETER = {
    "name": "lang",
    "in": "query",
    "description": "The language of the answer (a BCP 47 tag): labels in it first, then English, then any",
    "schema": {"type": "string", "default": "en", "pattern": LANGUAGE_TAG.pattern},
}


def _parameters(entry: ClassEntry, base_iri: str, store: GraphStore | None) -> list[dict]:
    common = [
        {
            "name": "limit",
            "in": "query",
            "description": f"Items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        {
            "name": "offset",
            "in": "query",
            "description": "Items to skip; follow the Link header's next instead of computing it",
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        },
        {
            **_LANG_PARAMETER,
            "description": "The language of the item labels (falls back to English, then any), and the one a "
            "label given to a filter is looked for in first when several concepts share it",
        },
        format_parameter(),
    ]
    filters = [
        {
            "name": f.name,
            "in": "query",
            "description": _filter_description(f),
            "schema": _filter_schema(f, base_iri, store),
        }
        for f in entry.filters
    ]
    return [*filters, *common]


def _add_routes(router: APIRouter, entry: ClassEntry, catalogue: Catalogue, store: GraphStore | None) -> None:
    async def list_members(request: Request) -> Response:
        return await list_response(request, entry)

    async def get_member(request: Request, id: str) -> Response:
        return await member_response(request, entry, id)

    vocab = catalogue.vocabulary
    router.add_api_route(
        f"/api/{entry.collection}",
        list_members,
        methods=["GET"],
        name=f"list_{entry.collection}",
        summary=f"List {entry.collection}, filtered and paged (Link: next, prev, first)",
        response_class=Response,
        responses={200: {"content": rdf_content(page_schema(entry, vocab))}, **problem_responses(*NEGOTIATED)},
        openapi_extra={"parameters": _parameters(entry, catalogue.base_iri, store)},
    )
    router.add_api_route(
        f"/api/{entry.collection}/{{id}}",
        get_member,
        methods=["GET"],
        name=f"get_{entry.collection}",
        summary=f"One {entry.name}: its description and the labels of what it links to",
        response_class=Response,
        responses={
            200: {"content": rdf_content(resource_schema(entry, vocab)), "headers": {"ETag": ETAG}},
            304: {"description": "not modified: If-None-Match names the current ETag", "headers": {"ETag": ETAG}},
            **problem_responses(NotFound, *NEGOTIATED),
        },
        openapi_extra={
            "parameters": [
                format_parameter(),
                {
                    **_LANG_PARAMETER,
                    "description": "The language asked for (a BCP 47 tag); the description "
                    "carries its labels in every language, as RDF does",
                },
            ]
        },
    )


def router(catalogue: Catalogue, store: GraphStore | None = None) -> APIRouter:
    """The context document and the read routes of every class in ``catalogue``."""
    built = APIRouter(tags=["Collections"])
    built.add_api_route(
        "/api/context.jsonld",
        jsonld_context,
        methods=["GET"],
        name="jsonld_context",
        summary="The JSON-LD context of every /api representation, derived from the shapes",
        response_class=Response,
        responses={200: {"content": {JSONLD: {"schema": {"type": "object", "required": ["@context"]}}}}},
    )
    for entry in catalogue:
        _add_routes(built, entry, catalogue, store)
    return built
