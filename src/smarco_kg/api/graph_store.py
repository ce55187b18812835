"""``/store``: the SPARQL 1.1 Graph Store HTTP Protocol, with writes through the validated write path.

Graphs are named indirectly (``/store?graph=IRI``, ``/store?default``) or directly (``/store/<path>``
names the graph whose IRI is that URL). A partner's token writes only its partner graph; the default graph
and new graphs are for admin tokens.
"""

from __future__ import annotations

import io
import re
import tempfile
import uuid
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from smarco_kg import errors
from smarco_kg.api.context import Service, authenticate, service
from smarco_kg.api.problems import WRITE, Problem, problem_responses
from smarco_kg.auth import Principal, log_write
from smarco_kg.errors import BadRequest, Forbidden, NotFound, Unauthorized
from smarco_kg.formats import RDF_SYNTAXES, RdfSyntax, UnknownFormatError, rdf_syntax
from smarco_kg.heap import trim
from smarco_kg.negotiation import NotAcceptable, negotiate
from smarco_kg.ownership import Owner
from smarco_kg.store import Changeset
from smarco_kg.terms import ox_format
from smarco_kg.write_path import LARGE_INPUT_BYTES

router = APIRouter(tags=["Graph Store"])

DEFAULT = ""
GRAPH_MEDIA_TYPES = [s.media_type for s in RDF_SYNTAXES if not s.datasets] + ["application/ld+json"]


_DIRECT = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@/-]+$")


def _target(request: Request, path: str | None) -> str | None:
    """The graph a request names: ``""`` for the default graph, None when it names none (POST to /store)."""
    params = request.query_params
    graphs = params.getlist("graph")
    if path is not None:
        if not _DIRECT.fullmatch(path):
            raise Problem(400, "bad graph path", f"{path!r}: use only the characters an IRI takes as they are")
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


def _path(request: Request) -> str | None:
    """The graph path of a direct URL (``/store/<path>``), None for ``/store`` (read from the route, so that
    ``/store`` takes no ``path`` query parameter)."""
    return request.path_params.get("path")


def _exists(svc: Service, graph: str) -> bool:
    return graph == DEFAULT or graph in svc.kg.store.graphs()


def _may_write(principal: Principal, svc: Service, graph: str) -> None:
    if principal.admin:
        return
    if graph == DEFAULT or not principal.may_write(graph, svc.kg.graphs):
        where = "the default graph" if graph == DEFAULT else f"<{graph}>"
        raise Problem(403, "not allowed to write there", f"{principal.name} may not write {where}")


_IRI = {"type": "string", "format": "iri", "pattern": "^(https?://|urn:)"}
_GRAPH = {
    "name": "graph",
    "in": "query",
    "description": "the graph's IRI; or, instead of this parameter, ?default for the default graph (an alternative "
    "OpenAPI cannot state, so this description names ?graph= as the parameter to give)",
    "schema": _IRI,
}
_FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "description": "overrides Accept",
    "schema": {"type": "string", "enum": ["turtle", "ntriples", "rdfxml", "jsonld"]},
}
_GRAPH_CONTENT = {
    media_type: {"schema": {} if media_type == "application/ld+json" else {"type": "string"}}
    for media_type in GRAPH_MEDIA_TYPES
}
_EXAMPLE = '<urn:example:a> <urn:example:b> "c" .\n'
_BODY = {
    "required": True,
    "description": "the graph's triples in an RDF syntax (validated against the shapes before anything is stored); "
    "at least one for a PUT or a POST to a new graph, as the store keeps no empty graphs",
    "content": {
        "text/turtle": {"schema": {"type": "string"}, "example": _EXAMPLE},
        "application/n-triples": {"schema": {"type": "string"}, "example": _EXAMPLE},
        "application/ld+json": {
            "schema": {"type": ["object", "array"]},
            "example": {"@id": "urn:example:a", "urn:example:b": "c"},
        },
    },
}
_READ = problem_responses(BadRequest, NotFound, errors.NotAcceptable)
_WRITTEN: dict[int | str, dict[str, Any]] = {
    201: {"description": "the graph was created"},
    204: {"description": "the graph was changed"},
}
_WRITE = problem_responses(*WRITE, Forbidden, described={400: "no graph named, the graph named twice, or bad RDF"})


def _named(*, required: bool, body: bool = False, formats: bool = False) -> dict:
    """The OpenAPI parameters (and body) of a Graph Store route."""
    extra: dict = {"parameters": [{**_GRAPH, "required": required}, *([_FORMAT] if formats else [])]}
    if body:
        extra["requestBody"] = _BODY
    return extra


_PATH = {
    "name": "path",
    "in": "path",
    "required": True,
    "description": "the rest of the graph's own URL, under /store/ (characters an IRI takes as they are)",
    "schema": {"type": "string", "pattern": _DIRECT.pattern},
}


def _direct(*, body: bool = False, formats: bool = False) -> dict:
    extra: dict = {"parameters": [_PATH, *([_FORMAT] if formats else [])]}
    if body:
        extra["requestBody"] = _BODY
    return extra


@router.get(
    "/store",
    summary="Get a graph (?graph=IRI or ?default)",
    response_class=Response,
    responses={200: {"content": _GRAPH_CONTENT}, **_READ},
    openapi_extra=_named(required=True, formats=True),
)
@router.get(
    "/store/{path:path}",
    summary="Get a graph by its own URL (direct identification)",
    response_class=Response,
    responses={200: {"content": _GRAPH_CONTENT}, **_READ},
    openapi_extra=_direct(formats=True),
)
def graph_store_get(request: Request) -> Response:
    path = _path(request)
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
def graph_store_head(request: Request) -> Response:
    return graph_store_get(request)


async def _payload(request: Request) -> tuple[Path | bytes, RdfSyntax]:
    """The RDF in the body and its syntax: a temporary file the caller removes, or a multipart form's parts
    merged (N-Triples). The media type is checked before the body is read."""
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
        return await run_in_threadpool(_merge, parts), rdf_syntax("ntriples")
    if not content_type:
        raise Problem(400, "no Content-Type", "say which RDF format the body is in (e.g. text/turtle)")
    try:
        syntax = rdf_syntax(content_type)
    except UnknownFormatError as error:
        raise Problem(415, "unsupported RDF format", str(error)) from error
    spooled = await _spool(request)
    if syntax.media_type == "application/ld+json" and not _json_container(spooled):
        spooled.unlink(missing_ok=True)
        raise Problem(400, "the body is not a JSON-LD document", "JSON-LD is a JSON object or array")
    return spooled, syntax


def _json_container(path: Path) -> bool:
    """Whether the file's JSON starts as an object or an array (a bare string or number holds no RDF)."""
    with path.open("rb") as handle:
        while chunk := handle.read(4096):
            text = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
            if text:
                return text[:1] in (b"{", b"[")
    return False


async def _spool(request: Request) -> Path:
    """The body, streamed into a temporary file: a load of any size (up to the route's limit) costs no memory."""
    handle = tempfile.NamedTemporaryFile(prefix="smarco-body-", delete=False)  # noqa: SIM115 (removed by the caller)
    path = Path(handle.name)
    try:
        with handle:
            async for chunk in request.stream():
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _has_triples(source: Path | bytes, syntax: RdfSyntax, base_iri: str) -> bool:
    """Whether ``source`` holds a triple: parsed up to the first one (the write path reports a body that does not
    parse)."""
    try:
        if isinstance(source, Path):
            with source.open("rb") as handle:
                return next(ox.parse(handle, ox_format(syntax), base_iri=base_iri), None) is not None
        return next(ox.parse(source, ox_format(syntax), base_iri=base_iri), None) is not None
    except (SyntaxError, ValueError):
        return True


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


NO_EMPTY_GRAPHS = (
    "the store keeps no empty graphs (SPARQL 1.1 Update §3.1): send at least one triple, or DELETE the graph"
)


async def _write(request: Request, graph: str, *, replace: bool) -> tuple[int, bool]:
    """Validate and store the body into ``graph``; returns (triples, whether the graph existed). A body without
    triples is refused (400) before anything changes where it would leave an empty graph: a PUT, or a POST to a
    graph that does not exist."""
    svc = service(request)
    principal = authenticate(request)
    _may_write(principal, svc, graph)
    source, syntax = await _payload(request)
    large = isinstance(source, Path) and source.stat().st_size > LARGE_INPUT_BYTES
    try:
        if replace and not await run_in_threadpool(_has_triples, source, syntax, str(request.url)):
            raise Problem(400, "no triples to put", NO_EMPTY_GRAPHS)
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
                    owner=Owner.of(principal, svc.kg.graphs),
                ),
                source,
                syntax,
            )
    finally:
        if isinstance(source, Path):
            source.unlink(missing_ok=True)
        if large:  # what parsing and validating it took goes back to the system (milliseconds); called from a
            trim()  # worker thread it left more behind (measured in one process: 297 rather than 96 MiB)
    if not result.quads and not existed:  # nothing was written: no graph to answer 201 for
        raise Problem(400, "no triples to add", NO_EMPTY_GRAPHS)
    log_write(principal, graph or "default", result.quads, 0, "graph-store-" + ("put" if replace else "post"))
    return result.quads, existed


@router.put(
    "/store",
    summary="Replace a graph with the body (validated)",
    response_class=Response,
    responses={**_WRITTEN, **_WRITE},
    openapi_extra=_named(required=True, body=True),
)
@router.put(
    "/store/{path:path}",
    summary="Replace a graph named by its own URL (validated)",
    response_class=Response,
    responses={**_WRITTEN, **_WRITE},
    openapi_extra=_direct(body=True),
)
async def graph_store_put(request: Request) -> Response:
    path = _path(request)
    graph = _target(request, path)
    if graph is None:
        raise Problem(400, "no graph named", "PUT needs ?graph=IRI, ?default or a graph's own URL")
    _, existed = await _write(request, graph, replace=True)
    return Response(status_code=204 if existed else 201)


@router.post(
    "/store",
    summary="Add the body to a graph, or create a new graph when none is named",
    response_class=Response,
    responses={
        201: {"description": "created", "headers": {"Location": {"schema": {"type": "string", "format": "uri"}}}},
        204: _WRITTEN[204],
        **_WRITE,
    },
    openapi_extra=_named(required=False, body=True),
)
@router.post(
    "/store/{path:path}",
    summary="Add the body to a graph named by its own URL (validated)",
    response_class=Response,
    responses={**_WRITTEN, **_WRITE},
    openapi_extra=_direct(body=True),
)
async def graph_store_post(request: Request) -> Response:
    path = _path(request)
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


_DELETE = {
    204: {"description": "deleted"},
    **problem_responses(BadRequest, Unauthorized, Forbidden, NotFound, described={400: "no graph named"}),
}


@router.delete(
    "/store",
    summary="Delete a graph",
    response_class=Response,
    responses=_DELETE,
    openapi_extra=_named(required=True),
)
@router.delete(
    "/store/{path:path}",
    summary="Delete a graph named by its own URL",
    response_class=Response,
    responses=_DELETE,
    openapi_extra=_direct(),
)
async def graph_store_delete(request: Request) -> Response:
    path = _path(request)
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
