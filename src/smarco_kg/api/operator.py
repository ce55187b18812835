"""``/admin/load`` and ``/admin/harvest``: the writes of ``smarco-kg load``, ``validate`` and ``harvest`` done by the
running server, through its one writer, for a command that found it (``server_file``) or was given its URL and an
admin token. The answer streams progress, then the result or the problem (``served_writes``).

Not in the OpenAPI description: these routes are the command line's, described in docs/cli.md and operations.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import OPERATOR, authenticate, service
from smarco_kg.api.problems import Problem
from smarco_kg.api.uploads import spool_files
from smarco_kg.auth import Principal
from smarco_kg.errors import SmarcoError
from smarco_kg.formats import UnknownFormatError, rdf_syntax
from smarco_kg.heap import trim
from smarco_kg.served_writes import Event, HarvestJob, LoadJob, line, problem_event, throttled

router = APIRouter(include_in_schema=False)
log = logging.getLogger("smarco_kg.api")
NDJSON = "application/x-ndjson"
_RUNNING: set[asyncio.Task] = set()  # writes under way: kept until done, even when the client has gone


def _admin(request: Request) -> Principal:
    principal = authenticate(request)
    if not principal.admin:
        raise Problem(403, "not allowed", f"{principal.name} may not load or harvest: that takes an admin token")
    return principal


@router.post("/admin/load")
async def load(
    request: Request,
    graph: str | None = None,
    base: str | None = None,
    fmt: Annotated[str | None, Query(alias="format")] = None,
    dry_run: bool = False,
    name: str | None = None,
) -> StreamingResponse:
    """Validate and store files sent in a multipart body, or (for the operator only: the same machine and user)
    read from the paths a JSON body names."""
    principal = _admin(request)
    try:
        syntax = rdf_syntax(fmt) if fmt else None
    except UnknownFormatError as error:
        raise Problem(400, "unknown format", str(error)) from error
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    folder: Path | None = None
    if content_type == "application/json":
        if principal.token_id != OPERATOR:
            raise Problem(403, "not allowed", "files are read from the server's disk only for the server's operator")
        sources = _paths(await _json(request))
    else:
        folder = Path(tempfile.mkdtemp(prefix="smarco-load-"))
        try:
            sources = await spool_files(request, folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
    label = name or (sources[0].name if len(sources) == 1 else f"{len(sources)} files")
    actor = "cli" if principal.token_id == OPERATOR else principal.actor
    job = LoadJob(sources, syntax, graph, base, dry_run, label, actor)
    return _streamed(request, job, folder)


@router.post("/admin/harvest")
async def harvest(request: Request) -> StreamingResponse:
    """Harvest a partner node (JSON: ``node``, ``name``, ``timeout``) into this store."""
    _admin(request)
    body = await _json(request)
    if not isinstance(body, dict):
        raise Problem(400, "bad harvest", 'send {"node": URL, "name": NAME, "timeout": SECONDS}')
    node, name, timeout = body.get("node"), body.get("name"), body.get("timeout", 30.0)
    if not isinstance(node, str) or not node.startswith(("http://", "https://")):
        raise Problem(400, "bad node", f"{node!r} is not an http(s) URL")
    if not isinstance(name, str) or not name.strip() or not isinstance(timeout, int | float) or timeout <= 0:
        raise Problem(400, "bad harvest", "give a short name and a positive timeout")
    return _streamed(request, HarvestJob(node, name, float(timeout)), None)


@router.get("/admin/server")
async def whoami(request: Request) -> dict[str, Any]:
    """Which server this is, for a command checking that the one its file names still runs (and is this one)."""
    _admin(request)
    return {"pid": os.getpid(), "store": str(service(request).settings.store)}


async def settle() -> None:
    """Wait for the writes under way (at shutdown, before the store closes)."""
    if _RUNNING:
        await asyncio.wait(set(_RUNNING))


async def _json(request: Request) -> object:
    try:
        return await request.json()
    except ValueError as error:
        raise Problem(400, "the body is not JSON", str(error)) from error


def _paths(body: object) -> list[Path]:
    paths = body.get("paths") if isinstance(body, dict) else None
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise Problem(400, "no files named", 'send {"paths": ["/absolute/path", …]}')
    return [Path(p) for p in paths]


def _streamed(request: Request, job: LoadJob | HarvestJob, folder: Path | None) -> StreamingResponse:
    """Run ``job`` under the writer's lock in a worker thread, and stream its progress and its last line. The job
    runs to its end even if the client goes away (a write is never left half done)."""
    svc = service(request)
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Event] = asyncio.Queue()

    def emit(event: Event) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, event)

    async def work() -> Event:
        try:
            async with svc.write_lock:
                return await run_in_threadpool(job.run, svc.kg, throttled(emit))
        except SmarcoError as error:
            return problem_event(error)
        finally:
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
            if isinstance(job, LoadJob):  # what parsing and validating took goes back to the system (graph_store)
                trim()

    task = asyncio.create_task(work())
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)

    async def lines() -> AsyncIterator[bytes]:
        while True:
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            yield line(getter.result())
        while not queue.empty():
            yield line(queue.get_nowait())
        try:
            yield line(task.result())
        except Exception as error:  # a bug: the command says so rather than waiting for a line that never comes
            log.exception("a load or harvest through the server failed")
            yield line({"problem": {"status": 500, "title": "internal error", "detail": str(error), "errors": []}})

    return StreamingResponse(lines(), media_type=NDJSON, headers={"Cache-Control": "no-store"})
