"""``/.well-known/void``: the dataset's VoID + DCAT-AP self-description; ``/dumps/{name}``: the whole dataset.

Dumps (``smarco_kg.dumps``: gzip, N-Quads and TriG) are written on the first request after a commit into a folder
beside the store and served as files (``Content-Length``, ``Last-Modified``, ranges); the description is computed
once per write.
"""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.problems import problem_responses
from smarco_kg.dataset_description import describe_dataset
from smarco_kg.dumps import FILES
from smarco_kg.errors import NotAcceptable, NotFound
from smarco_kg.negotiation import negotiate

router = APIRouter(tags=["Dataset"])
_OFFERED = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
            "application/n-triples": "nt"}  # fmt: skip
_lock = threading.Lock()
_described: dict[tuple[int, int, str], bytes] = {}


def _description(request: Request, fmt: str) -> bytes:
    svc = service(request)
    kg = svc.kg
    key = (id(kg), kg.generation, fmt)
    cached = _described.get(key)
    if cached is not None:
        return cached
    dumps = kg.dumps.current(kg.store)
    site = str(request.base_url).rstrip("/")
    examples = [entry.classes[0] for entry in kg.catalogue.owned]
    graph, _ = describe_dataset(kg.store, svc.settings.base_iri, site, svc.settings.issuer_iri, dumps, examples)
    body = graph.serialize(format=fmt, encoding="utf-8")
    with _lock:
        _described.clear()
        _described[key] = body
    return body


@router.get(
    "/.well-known/void",
    summary="The dataset described in VoID and DCAT-AP: endpoint, dumps, classes, properties, named graphs",
    response_class=Response,
    responses={
        200: {"content": {media: {"schema": {} if "json" in media else {"type": "string"}} for media in _OFFERED}},
        **problem_responses(NotAcceptable),
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
    body = await run_in_threadpool(_description, request, _OFFERED[media])
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.api_route(
    "/dumps/{name}",
    methods=["GET", "HEAD"],
    summary="The whole dataset, gzip-compressed",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}}},
        **problem_responses(NotFound),
    },
)
async def dump(request: Request, name: str) -> FileResponse:
    if name not in FILES:
        raise NotFound(f"the dumps are {', '.join(FILES)}", title="no such dump")
    kg = service(request).kg
    await run_in_threadpool(kg.dumps.current, kg.store)
    return FileResponse(kg.dumps.folder / name, media_type="application/gzip", filename=name)
