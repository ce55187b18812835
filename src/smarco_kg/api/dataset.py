"""``/.well-known/void``: the dataset's VoID + DCAT-AP self-description; ``/dumps/{name}``: the whole dataset.

Neither waits for the store: the figures and the dumps are made in the background after a write
(``smarco_kg.publishing``), and a request reads the latest ones, which say which write they show. The description
is rendered (and gzip-compressed) once per state of the figures, the dumps and the last write (a few
milliseconds), then served from memory; the dumps are served as files (``Content-Length``, ``Last-Modified``, ranges).
"""

from __future__ import annotations

import gzip
import threading
from typing import Any

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from smarco_kg.api.context import service
from smarco_kg.api.problems import problem_responses
from smarco_kg.dataset_description import Dump, State, Summary, describe_dataset
from smarco_kg.dumps import FILES
from smarco_kg.errors import NotAcceptable, NotFound, ServiceUnavailable
from smarco_kg.namespaces import PREFIXES
from smarco_kg.negotiation import negotiate
from smarco_kg.publishing import Publisher

router = APIRouter(tags=["Dataset"])
_OFFERED = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
            "application/n-triples": "nt"}  # fmt: skip
_PREFIXES = {name: PREFIXES[name] for name in ("void", "dcat", "dct", "foaf", "xsd")}
_KEPT = 16  # rendered descriptions kept (formats and sites of the latest state)
_lock = threading.Lock()
_rendered: dict[tuple, tuple[bytes, bytes]] = {}  # the body, and gzip-compressed once


def publisher(request: Request) -> Publisher:
    return request.app.state.publisher


def _render(
    request: Request, summary: Summary, dumps: list[Dump], latest: State, site: str, media: str, key: tuple
) -> tuple[bytes, bytes]:
    settings = service(request).settings
    triples = describe_dataset(summary, settings.base_iri, site, settings.issuer_iri, dumps, latest)
    syntax = ox.RdfFormat.from_media_type(media)
    assert syntax is not None  # every offered type is one pyoxigraph writes
    body = ox.serialize(triples, format=syntax, prefixes=_PREFIXES) or b""
    bodies = body, gzip.compress(body, compresslevel=6, mtime=0)
    with _lock:
        if len(_rendered) >= _KEPT:
            _rendered.clear()
        _rendered[key] = bodies
    return bodies


def _accepts_gzip(header: str | None) -> bool:
    for coding in (header or "").lower().split(","):
        name, _, params = coding.partition(";")
        if name.strip() == "gzip":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


@router.get(
    "/.well-known/void",
    summary="The dataset described in VoID and DCAT-AP: endpoint, dumps, classes, properties, named graphs",
    response_class=Response,
    responses={
        200: {"content": {media: {"schema": {} if "json" in media else {"type": "string"}} for media in _OFFERED}},
        **problem_responses(NotAcceptable, ServiceUnavailable),
    },
    openapi_extra={
        "parameters": [
            {
                "name": "format",
                "in": "query",
                "description": f"overrides Accept when it is one of {', '.join(sorted(_OFFERED.values()))}",
                "schema": {"type": "string"},
            }
        ]
    },
)
async def void(request: Request) -> Response:
    fmt = request.query_params.get("format")
    media = {v: k for k, v in _OFFERED.items()}.get(fmt or "", "") or negotiate(
        request.headers.get("accept"), list(_OFFERED)
    )
    published = publisher(request)
    latest = published.dumps.state()
    summary = published.summary
    if summary is None:
        published.kick()
        raise ServiceUnavailable(
            "the dataset's figures are being read for the first time", headers={"Retry-After": "5"}
        )
    if summary.state.stamp != latest.stamp:
        published.kick()  # written by another process (a CLI load into a remote store): the figures follow soon
    dumps = published.dumps.made()
    site = str(request.base_url).rstrip("/")
    settings = service(request).settings  # in the key: two apps in one process may serve two base IRIs
    made = tuple((d.name, d.made) for d in dumps)
    key = (settings.base_iri, settings.issuer_iri, summary.state.stamp, made, latest.stamp, site, media)
    bodies = _rendered.get(key) or _render(request, summary, dumps, latest, site, media, key)  # a few ms: no thread
    headers = {"Vary": "Accept, Accept-Encoding"}
    if _accepts_gzip(request.headers.get("accept-encoding")):  # compressed once, not by the middleware each time
        return Response(bodies[1], media_type=media, headers={**headers, "Content-Encoding": "gzip"})
    return Response(bodies[0], media_type=media, headers=headers)


_DUMP_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}}},
    **problem_responses(NotFound, ServiceUnavailable),
}


# GET and HEAD as two operations: one route with both methods gives both the same operationId
@router.head(
    "/dumps/{name}",
    summary="The size and date of a dump, without its body",
    operation_id="dump_head",
    response_class=FileResponse,
    responses=_DUMP_RESPONSES,
)
@router.get(
    "/dumps/{name}",
    summary="The whole dataset, gzip-compressed",
    operation_id="dump",
    response_class=FileResponse,
    responses=_DUMP_RESPONSES,
)
async def dump(request: Request, name: str) -> FileResponse:
    if name not in FILES:
        raise NotFound(f"the dumps are {', '.join(FILES)}", title="no such dump")
    published = publisher(request)
    path = published.dumps.path(name)
    if path is None:
        published.kick()
        raise ServiceUnavailable(f"{name} is being written for the first time", headers={"Retry-After": "30"})
    return FileResponse(path, media_type="application/gzip", filename=name)
