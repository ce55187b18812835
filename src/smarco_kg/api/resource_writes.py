"""``POST /api/{collection}``, ``PUT`` and ``DELETE /api/{collection}/{id}``: the writes of the classes partners own.

The routes are thin over ``catalogue.write`` (body → RDF, minting, ownership, If-Match) and the knowledge graph's
one commit call; everything goes through the validated write path, so a SHACL violation is a 422 listing each
result and nothing is stored. POST answers 201 with ``Location`` and ``ETag``; PUT 200 with the new
representation; DELETE 204. PUT and DELETE need ``If-Match`` (428 without it, 412 when it does not match). A
partner's token writes into its partner graph; an admin token names the graph with ``?graph=IRI``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import Graph, URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import authenticate, service
from smarco_kg.api.problems import WRITE
from smarco_kg.api.representations import compact_response_body
from smarco_kg.api.write_docs import (
    ETAG,
    GRAPH_PARAMETER,
    LOCATION,
    demo_members,
    examples,
    problems,
    request_body,
    request_schema,
)
from smarco_kg.auth import Principal, log_write
from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.jsonld import resource_schema
from smarco_kg.catalogue.plain_values import Resolver, located
from smarco_kg.catalogue.write import JSON_MEDIA, JSONLD, PLACEHOLDER, read_body, tag, target_graph
from smarco_kg.config import Settings
from smarco_kg.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unauthorized,
    Unprocessable,
)
from smarco_kg.jsontext import read_json
from smarco_kg.ownership import Owner
from smarco_kg.schema_check import problems as schema_problems
from smarco_kg.skill_suggestions import for_outcomes_without_skills
from smarco_kg.store import GraphStore
from smarco_kg.write_path import WriteRejected

_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "the ETag of a GET of the member (any representation), or * for any existing member",
    "schema": {"type": "string"},
}


def is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() in (JSONLD, JSON_MEDIA)


async def body_graph(request: Request, main: str, schema: dict, entry: ClassEntry, principal: Principal) -> Graph:
    """The request's body as RDF; a JSON-LD main node without an IRI is named ``main``. A JSON body's plain values
    (codes, labels, numbers, durations in words) are resolved first (422 quoting each one that names nothing or
    several things, and each unknown key); it must also hold to ``schema``, the one the description states (422
    naming where it does not), but for the members it requires: the shapes report a missing one."""
    svc = service(request)
    data = await request.body()
    content_type = request.headers.get("content-type", "")
    resolver = Resolver(svc.kg.store, svc.catalogue.vocabulary, svc.settings.base_iri, svc.generation)

    def resolve(document: dict) -> dict:
        return resolver.resolve(document, entry, principal.partner)

    graph = await run_in_threadpool(
        read_body, data, content_type, svc.catalogue.vocabulary, svc.settings.base_iri, main, resolve
    )
    if is_json(request):
        found = schema_problems(read_json(data), {k: v for k, v in schema.items() if k != "required"})
        if found:
            errors = [{"message": line} for line in found[:20]]
            raise Unprocessable("; ".join(found[:3]), title="the body does not follow its schema", errors=errors)
    return graph


@asynccontextmanager
async def told_by_body(request: Request, main: str, data: bytes) -> AsyncIterator[None]:
    """The shapes' report of a JSON write told by where each result is in the body sent (JSON pointers), with the
    values as sent (never a minted IRI or a blank node's label), and ESCO skills suggested for outcomes naming none."""
    try:
        yield
    except WriteRejected as error:
        if is_json(request):
            svc = service(request)
            document = read_json(data)
            errors = located(error.errors, document, svc.catalogue.vocabulary, main)
            error.errors = await run_in_threadpool(for_outcomes_without_skills, svc.kg.skills, errors, document)
        raise


def answer(request: Request, described: Graph, iri: URIRef, status: int, **headers: str) -> Response:
    """The member as written, in compact JSON-LD with its ETag."""
    body = compact_response_body(described, iri, service(request).catalogue.vocabulary, request)
    return Response(body, status_code=status, media_type=JSONLD, headers={"ETag": tag(described), **headers})


async def create(request: Request, entry: ClassEntry, schema: dict) -> Response:
    svc = service(request)
    principal = authenticate(request)
    graph = target_graph(principal, request.query_params.getlist("graph"), svc.kg.graphs)
    parsed = await body_graph(request, str(PLACEHOLDER), schema, entry, principal)
    async with svc.write_lock:
        owner = Owner.of(principal, svc.kg.graphs)
        async with told_by_body(request, str(PLACEHOLDER), await request.body()):
            written = await run_in_threadpool(svc.writes.create, entry, parsed, graph, principal.actor, owner)
    log_write(principal, graph, written.added, 0, f"api-post-{entry.collection}")
    local = written.iri.removeprefix(entry.namespace(svc.settings.base_iri))
    location = str(request.url_for(f"get_{entry.collection}", id=local))
    return answer(request, written.described, written.iri, 201, Location=location)


async def replace(request: Request, entry: ClassEntry, local: str, schema: dict) -> Response:
    svc = service(request)
    principal = authenticate(request)
    iri = entry.iri(svc.settings.base_iri, local)
    parsed = await body_graph(request, str(iri), schema, entry, principal) if iri is not None else Graph()
    async with svc.write_lock, told_by_body(request, str(iri), await request.body()):
        written = await run_in_threadpool(
            svc.writes.replace, entry, local, parsed, principal, request.headers.get("if-match")
        )
    log_write(principal, written.graph, written.added, written.removed, f"api-put-{entry.collection}")
    return answer(request, written.described, written.iri, 200)


async def delete(request: Request, entry: ClassEntry, local: str) -> Response:
    svc = service(request)
    principal = authenticate(request)
    async with svc.write_lock:
        written = await run_in_threadpool(svc.writes.delete, entry, local, principal, request.headers.get("if-match"))
    log_write(principal, written.graph, 0, written.removed, f"api-delete-{entry.collection}")
    return Response(status_code=204)


def _add_routes(
    built: APIRouter, entry: ClassEntry, catalogue: Catalogue, demo: Graph | None, store: GraphStore | None
) -> None:
    async def create_member(request: Request) -> Response:
        return await create(request, entry, body_schema)

    async def replace_member(request: Request, id: str) -> Response:
        return await replace(request, entry, id, body_schema)

    async def delete_member(request: Request, id: str) -> Response:
        return await delete(request, entry, id)

    vocab = catalogue.vocabulary
    body_schema = request_schema(entry, vocab)
    written = {JSONLD: {"schema": resource_schema(entry, vocab)}}
    example = examples(entry, vocab, demo, catalogue.base_iri, store)
    built.add_api_route(
        f"/api/{entry.collection}",
        create_member,
        methods=["POST"],
        name=f"create_{entry.collection}",
        summary=f"Create a {entry.name} (validated); its IRI is minted from its title",
        response_class=Response,
        status_code=201,
        responses={
            201: {
                "description": f"created: the new {entry.name} as compact JSON-LD",
                "headers": {"Location": LOCATION, "ETag": ETAG},
                "content": written,
            },
            **problems(*WRITE, Forbidden, Conflict),
        },
        openapi_extra={"parameters": [GRAPH_PARAMETER], "requestBody": request_body(body_schema, example["POST"])},
    )
    built.add_api_route(
        f"/api/{entry.collection}/{{id}}",
        replace_member,
        methods=["PUT"],
        name=f"replace_{entry.collection}",
        summary=f"Replace a {entry.name}'s description (validated; If-Match required)",
        response_class=Response,
        responses={
            200: {
                "description": f"replaced: the {entry.name} as compact JSON-LD",
                "headers": {"ETag": ETAG},
                "content": written,
            },
            **problems(*WRITE, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired),
        },
        openapi_extra={"parameters": [_IF_MATCH], "requestBody": request_body(body_schema, example["PUT"])},
    )
    built.add_api_route(
        f"/api/{entry.collection}/{{id}}",
        delete_member,
        methods=["DELETE"],
        name=f"delete_{entry.collection}",
        summary=f"Delete a {entry.name} (If-Match required)",
        response_class=Response,
        status_code=204,
        responses={
            204: {"description": "deleted"},
            **problems(Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, PreconditionRequired),
        },
        openapi_extra={"parameters": [_IF_MATCH]},
    )


def router(catalogue: Catalogue, settings: Settings, store: GraphStore | None = None) -> APIRouter:
    """The write routes of every class partners own (ESCO's are read-only: they come from ESCO); ``store`` names
    the concepts of the examples in plain values."""
    built = APIRouter(tags=["Collections"])
    demo = demo_members(catalogue, settings.data_dir)
    for entry in catalogue.owned:
        _add_routes(built, entry, catalogue, demo, store)
    return built
