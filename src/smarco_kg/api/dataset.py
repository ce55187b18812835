"""``/.well-known/void``: the dataset's VoID + DCAT-AP self-description; ``/dumps/{name}``: the whole dataset.

Dumps are written on the first request after a write (gzip, N-Quads and TriG) into a folder beside the store and
served as files (``Content-Length``, ``Last-Modified``, ranges); the description is computed once per write.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.negotiation import NotAcceptable, negotiate
from smarco_kg.api.problems import Problem
from smarco_kg.dataset_description import Dump, describe_dataset
from smarco_kg.formats import rdf_syntax

router = APIRouter(tags=["Dataset"])
DUMPS = {"smarco.nq.gz": ("nquads", "application/n-quads"), "smarco.trig.gz": ("trig", "application/trig")}
_OFFERED = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
            "application/n-triples": "nt"}  # fmt: skip
_lock = threading.Lock()
_described: dict[tuple[int, int, str], bytes] = {}


def _dump_dir(request: Request) -> Path:
    return service(request).settings.dumps_dir


def _dumps(request: Request) -> list[Dump]:
    """The dumps as of the server's current write generation, written when they are missing or older."""
    svc = service(request)
    folder = _dump_dir(request)
    stamp = folder / "generation"
    key = f"{id(svc)}:{svc.generation}"
    with _lock:
        if not stamp.is_file() or stamp.read_text() != key or any(not (folder / n).is_file() for n in DUMPS):
            folder.mkdir(parents=True, exist_ok=True)
            for name, (syntax, _) in DUMPS.items():
                partial = folder / f".{name}.partial"
                with gzip.open(partial, "wb", compresslevel=6) as out:
                    svc.kg.store.dump(out, rdf_syntax(syntax))  # type: ignore[arg-type]
                shutil.move(partial, folder / name)
            stamp.write_text(key)
    return [
        Dump(name, media, folder / name, dt.datetime.fromtimestamp((folder / name).stat().st_mtime, dt.UTC))
        for name, (_, media) in DUMPS.items()
    ]


def _description(request: Request, fmt: str) -> bytes:
    svc = service(request)
    key = (id(svc), svc.generation, fmt)
    cached = _described.get(key)
    if cached is not None:
        return cached
    dumps = _dumps(request)
    site = str(request.base_url).rstrip("/")
    coordinator = svc.settings.issuer_iri
    graph, _ = describe_dataset(svc.kg.store, svc.settings.base_iri, site, coordinator, dumps)
    body = graph.serialize(format=fmt, encoding="utf-8")
    _described.clear()
    _described[key] = body
    return body


@router.get(
    "/.well-known/void",
    summary="The dataset described in VoID and DCAT-AP: endpoint, dumps, classes, properties, named graphs",
)
async def void(request: Request) -> Response:
    fmt = request.query_params.get("format")
    try:
        media = {v: k for k, v in _OFFERED.items()}.get(fmt or "", "") or negotiate(
            request.headers.get("accept"), list(_OFFERED)
        )
    except NotAcceptable as error:
        raise Problem(406, "no acceptable representation", str(error), offered=list(_OFFERED)) from error
    body = await run_in_threadpool(_description, request, _OFFERED[media])
    return Response(body, media_type=media, headers={"Vary": "Accept"})


@router.api_route("/dumps/{name}", methods=["GET", "HEAD"], summary="The whole dataset, gzip-compressed")
async def dump(request: Request, name: str) -> FileResponse:
    if name not in DUMPS:
        raise Problem(404, "no such dump", f"the dumps are {', '.join(DUMPS)}")
    await run_in_threadpool(_dumps, request)
    return FileResponse(_dump_dir(request) / name, media_type="application/gzip", filename=name)
