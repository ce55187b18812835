"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol, with writes through the validated write path.

Graphs are named indirectly (``/store?graph=IRI``, ``/store?default``) or directly (``/store/<path>``
names the graph whose IRI is that URL). A partner's token writes only its partner graph; the default graph
and new graphs are for admin tokens.
"""

from __future__ import annotations

import io
import uuid
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from smarco_kg.api.context import Service, authenticate, service
from smarco_kg.api.problems import Problem
from smarco_kg.auth import Principal, log_write
from smarco_kg.formats import RDF_SYNTAXES, UnknownFormatError, rdf_syntax
from smarco_kg.negotiation import NotAcceptable, negotiate
from smarco_kg.store import Changeset

router = APIRouter(tags=["Graph Store"])

DEFAULT = ""
GRAPH_MEDIA_TYPES = [s.media_type for s in RDF_SYNTAXES if not s.datasets] + ["application/ld+json"]


def _target(request: Request, path: str | None) -> str | None:
    """The graph a request names: ``""`` for the default graph, None when it names none (POST to /store)."""
    params = request.query_params
    graphs = params.getlist("graph")
    if path is not None:
        if graphs or "default" in params:
            raise Problem(400, "graph named twice", "a direct graph URL takes neither ?graph= nor ?default")
        return str(request.url.replace(query=None))
    if "default" in params and graphs:
        raise Problem(400, "graph named twice", "give ?graph=IRI or ?default, not both")
    if len(graphs) > 1:
        raise Problem(400, "more than one 'graph' parameter", "name one graph")
    if graphs:
        if not graphs[0].startswith(("http://", "https://", "urn:")):
            raise Problem(400, "bad graph IRI", f"{graphs[0]!r} is not an absolute IRI")
        return graphs[0]
    if "default" in params:
        return DEFAULT
    return None


def _exists(svc: Service, graph: str) -> bool:
    return graph == DEFAULT or graph in svc.kg.store.graphs()


def _may_write(principal: Principal, svc: Service, graph: str) -> None:
    if principal.admin:
        return
    if graph == DEFAULT or not principal.may_write(graph, svc.kg.graphs):
        where = "the default graph" if graph == DEFAULT else f"<{graph}>"
        raise Problem(403, "not allowed to write there", f"{principal.name} may not write {where}")


@router.get("/store", summary="Get a graph (?graph=IRI or ?default)")
@router.get("/store/{path:path}", summary="Get a graph by its own URL (direct identification)")
def graph_store_get(request: Request, path: str | None = None) -> Response:
    svc = service(request)
    graph = _target(request, path)
    if graph is None:
        raise Problem(400, "no graph named", "use ?graph=IRI, ?default or a graph's own URL")
    if not _exists(svc, graph):
        raise Problem(404, "no such graph", f"the store has no graph <{graph}>")
    fmt = request.query_params.get("format")
    try:
        media_type = rdf_syntax(fmt).media_type if fmt else negotiate(request.headers.get("accept"), GRAPH_MEDIA_TYPES)
    except (NotAcceptable, UnknownFormatError) as error:
        raise Problem(406, "no acceptable format", str(error), offered=GRAPH_MEDIA_TYPES) from error
    buffer = io.BytesIO()
    svc.kg.store.dump(buffer, rdf_syntax(media_type), graph=graph)
    body = b"" if request.method == "HEAD" else buffer.getvalue()
    headers = {"Vary": "Accept", "Content-Length": str(len(buffer.getvalue()))}
    return Response(body, media_type=media_type, headers=headers)


@router.head("/store", include_in_schema=False)
@router.head("/store/{path:path}", include_in_schema=False)
def graph_store_head(request: Request, path: str | None = None) -> Response:
    return graph_store_get(request, path)


async def _payload(request: Request) -> tuple[bytes, str]:
    """The RDF in the body and its media type; a multipart form's parts are merged (N-Quads)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        parts: list[tuple[bytes, str]] = []
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):  # a file part, not a text field
                part_type = (value.content_type or "").split(";")[0].strip().lower()
                parts.append((await value.read(), part_type))
        if not parts:
            raise Problem(400, "no RDF in the form", "the multipart body has no file parts")
        return await run_in_threadpool(_merge, parts), "application/n-triples"
    if not content_type:
        raise Problem(400, "no Content-Type", "say which RDF format the body is in (e.g. text/turtle)")
    return await request.body(), content_type


def _merge(parts: list[tuple[bytes, str]]) -> bytes:
    from smarco_kg.store import open_scratch_store

    scratch = open_scratch_store()
    try:
        for data, media_type in parts:
            try:
                scratch.bulk_load(data, rdf_syntax(media_type), graph="urn:smarco:part")
            except (UnknownFormatError, SyntaxError, ValueError) as error:
                raise Problem(400, "a form part is not RDF", str(error)) from error
        buffer = io.BytesIO()
        scratch.dump(buffer, rdf_syntax("ntriples"), graph="urn:smarco:part")
        return buffer.getvalue()
    finally:
        scratch.close()


async def _write(request: Request, graph: str, *, replace: bool) -> tuple[int, bool]:
    """Validate and store the body into ``graph``; returns (triples, whether the graph existed)."""
    svc = service(request)
    principal = authenticate(request)
    _may_write(principal, svc, graph)
    data, media_type = await _payload(request)
    try:
        syntax = rdf_syntax(media_type)
    except UnknownFormatError as error:
        raise Problem(415, "unsupported RDF format", str(error)) from error
    async with svc.write_lock:
        existed = _exists(svc, graph)
        result = await run_in_threadpool(
            partial(
                svc.kg.commit,
                actor=principal.actor,
                operation="replace" if replace else "update",
                graph=graph,
                base_iri=str(request.url),
                replace_graphs=[graph] if replace else (),
                allowed_graphs=lambda g: g == graph,
            ),
            data,
            syntax,
        )
    log_write(principal, graph or "default", result.quads, 0, "graph-store-" + ("put" if replace else "post"))
    return result.quads, existed


@router.put("/store", summary="Replace a graph with the body (validated)")
@router.put("/store/{path:path}", summary="Replace a graph named by its own URL (validated)")
async def graph_store_put(request: Request, path: str | None = None) -> Response:
    graph = _target(request, path)
    if graph is None:
        raise Problem(400, "no graph named", "PUT needs ?graph=IRI, ?default or a graph's own URL")
    _, existed = await _write(request, graph, replace=True)
    return Response(status_code=204 if existed else 201)


@router.post("/store", summary="Add the body to a graph, or create a new graph when none is named")
@router.post("/store/{path:path}", summary="Add the body to a graph named by its own URL (validated)")
async def graph_store_post(request: Request, path: str | None = None) -> Response:
    graph = _target(request, path)
    if graph is None:
        principal = authenticate(request)
        if not principal.admin:
            raise Problem(403, "not allowed to create graphs", f"{principal.name} writes only its partner graph")
        graph = str(request.url_for("graph_store_get", path=str(uuid.uuid4())))
        await _write(request, graph, replace=False)
        return Response(status_code=201, headers={"Location": graph})
    _, existed = await _write(request, graph, replace=False)
    return Response(status_code=204 if existed else 201)


@router.delete("/store", summary="Delete a graph")
@router.delete("/store/{path:path}", summary="Delete a graph named by its own URL")
async def graph_store_delete(request: Request, path: str | None = None) -> Response:
    svc = service(request)
    graph = _target(request, path)
    if graph is None:
        raise Problem(400, "no graph named", "DELETE needs ?graph=IRI, ?default or a graph's own URL")
    principal = authenticate(request)
    _may_write(principal, svc, graph)
    async with svc.write_lock:
        if not _exists(svc, graph):
            raise Problem(404, "no such graph", f"the store has no graph <{graph}>")
        size = await run_in_threadpool(svc.kg.store.graph_size, graph) if graph else 0
        await run_in_threadpool(
            partial(svc.kg.apply, graphs=[graph], actor=principal.actor, operation="delete"),
            Changeset(drop_graphs=[graph]),
        )
    log_write(principal, graph or "default", 0, size, "graph-store-delete")
    return Response(status_code=204)
