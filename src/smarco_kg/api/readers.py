"""People's pages drawn by reader processes, so that the server uses every core.

The server is one process with one interpreter lock: eight clients reading course pages queue for it however
little each page costs. Those pages only read, so reader processes draw them. Each runs this same app over a
checkpoint of the store (``QueryWorkers.refresh`` takes one after every commit: hard links, milliseconds) and the
text index beside it; the server hands them the anonymous GET and HEAD requests of people's pages, the search page
and the collections (``readable``), and sends their answers on as they are, byte for byte.

- **Never stale.** A reader moves to the newest checkpoint before each request, keyed by the checkpoint's number,
  which is its write generation: an answer never predates a write whose response was sent before it was asked.
- **The server keeps the rest:** writes, SPARQL (its own workers), whatever a token or a cookie (a provider's
  session) may change, the dashboard, the change feed, the operator's routes.
- **Never a failure of its own.** A page waits for a free reader, for five seconds at most. While none is ready
  (starting, or one that ended, which is replaced), or none became free in that time, the server draws the page
  itself, as it does with ``SMARCO_PAGE_READERS=0``. Not sooner: a reader's first course list or search after its
  start takes about half a second (its views are read then), and the server drawing the pages queued meanwhile
  would read a third copy of those views and keep it (+73 MiB at 10,450 courses), on cores the readers need.

Readers are forked from a process of their own, the readers' fork (``_fork_main``), never from the server: it is
spawned once, imports the app (a second or two, in the background after start-up) and forks a reader whenever the
server asks for one. The readers so share the pages of the imported modules with it and with each other (about
46 MiB each at 10,450 courses, where a spawned reader held its own copy), and share nothing with the server but the
files on disk. The server does not wait for it: pages are drawn by the server until readers are ready.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import multiprocessing
import os
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smarco_kg.catalogue import ClassEntry
from smarco_kg.config import Settings
from smarco_kg.query_workers import QueryWorkers, answered

if TYPE_CHECKING:
    from fastapi import FastAPI

    from smarco_kg.kg import KnowledgeGraph
    from smarco_kg.store.embedded import EmbeddedStore

log = logging.getLogger("smarco_kg.readers")

PROCESS_NAME = "smarco-reader"
FORK_NAME = "smarco-readers"  # the process readers are forked from
WAIT_SECONDS = 5.0  # how long a page waits for a free reader before the server draws it itself (see above)
STARTUP_SECONDS = 120.0  # how long a reader may take to import and build the app (seconds on a busy machine)
PORTABLE = ("type", "asgi", "http_version", "method", "scheme", "path", "raw_path", "root_path", "query_string",
            "headers", "client", "server")  # fmt: skip
"""What a request's scope says that a reader needs: the rest (the app, its state) is the server's own."""
WARM_UP: Scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "TRACE",
                   "scheme": "http", "path": "/", "raw_path": b"/", "root_path": "", "query_string": b"",
                   "headers": [], "client": None, "server": ("127.0.0.1", 0)}  # fmt: skip
"""A request every route is tried for and none takes (a 405), sent before serving: FastAPI builds an included
router's routes on the first request that passes through it, which cost the first ``/.well-known/void`` after a start
0.1-0.5 s (2 busy cores)."""
PRIVATE_HEADERS = (b"authorization", b"cookie")
"""A request with these is the server's: a token or a provider's session may change its answer."""

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
"""What a reader sends back: the status, the headers and the body, as the app gave them."""


async def call(app: ASGIApp, scope: Scope) -> Answer:
    """``app``'s whole answer to a request without a body: the ASGI calls an HTTP server would make."""
    start: dict[str, Any] = {}
    parts: list[bytes] = []
    asked = False
    ended = asyncio.Event()  # never set: after the request comes nothing, until the app is done

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await ended.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(dict(scope), receive, send)
    return start["status"], [(bytes(k), bytes(v)) for k, v in start.get("headers", [])], b"".join(parts)


def _fork_main(connection: Connection) -> None:
    """The readers' fork: import what a reader runs, then fork a reader for each (settings, classes, checkpoint,
    number) the server sends, and send back its end of the reader's pipe and the reader's pid; end when the server
    closes the pipe."""
    # what a reader runs, imported once, here, to be shared
    import smarco_kg.api.app
    import smarco_kg.kg  # noqa: F401

    _name(FORK_NAME)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # a reader that ends is reaped at once (the server kills them)
    gc.freeze()  # the collector leaves the imported objects alone, in here and in every reader: their pages stay shared
    connection.send(("ready", None))
    server = os.getppid()
    while True:
        try:
            arguments = connection.recv()
        except EOFError:
            return
        ours, theirs = multiprocessing.Pipe()
        pid = os.fork()
        if pid == 0:  # the reader
            connection.close()
            ours.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 1
            try:
                _reader_main(theirs, *arguments)
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)  # never back into this loop, whatever happened
        theirs.close()
        send_handle(connection, ours.fileno(), server)
        connection.send(pid)
        ours.close()


def _name(name: str) -> None:
    with contextlib.suppress(OSError):  # what ps and top call it (Linux): readers apart from query workers
        Path("/proc/self/comm").write_text(name)


def _reader_main(
    connection: Connection, settings: Settings, classes: Sequence[ClassEntry], held: str, number: int
) -> None:
    """A reader: build the app over checkpoint ``held``, then answer each request after moving to its checkpoint."""
    from smarco_kg.api.app import create_app
    from smarco_kg.kg import KnowledgeGraph
    from smarco_kg.store.embedded import EmbeddedStore

    _name(PROCESS_NAME)
    kg = KnowledgeGraph(settings, create=False, classes=classes, checkpoint=Path(held))
    kg.generation = number
    app = create_app(settings, classes, knowledge_graph=kg)
    store = kg.store
    assert isinstance(store, EmbeddedStore)
    asyncio.run(_serve(connection, app, kg, store))


async def _serve(connection: Connection, app: FastAPI, kg: KnowledgeGraph, store: EmbeddedStore) -> None:
    """Answer requests one at a time, on one event loop for the reader's life, until the server closes the pipe."""
    anyio.to_thread.run_sync = _inline  # type: ignore[assignment]  # one request at a time: see ``_inline``
    await call(app, WARM_UP)  # builds every router's routes before the first page
    connection.send(("ready", None))
    while True:
        await answered(connection)
        try:
            checkpoint, number, scope = connection.recv()
        except EOFError:
            return
        if number != kg.generation:  # a write since the last request: read what it wrote
            store.follow(Path(checkpoint))
            kg.generation = number
            kg.search.reread()
        connection.send(await call(app, scope))


async def _inline(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    """What ``run_in_threadpool`` becomes in a reader: the call itself. A reader draws one page at a time, so a
    worker thread frees its event loop for nothing, and each hand-off waits for the other thread to be woken and to
    take the interpreter's lock (under eight clients, a fifth of a reader's sampled time was spent waking them)."""
    return func(*args)


@dataclass
class _Reader:
    pid: int  # a child of the readers' fork, not of the server
    connection: Connection
    ended: bool = False  # found ended while idle (``PageReaders._ended_idle``): passed over, replaced

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


class PageReaders:
    """``size`` reader processes over the checkpoints of ``checkpoints`` (the server's query workers)."""

    def __init__(self, settings: Settings, classes: Sequence[ClassEntry], checkpoints: QueryWorkers, size: int) -> None:
        self.settings = settings
        self.classes = classes
        self.checkpoints = checkpoints
        self.size = size
        self.ready = 0  # readers that answer now
        self._idle: asyncio.LifoQueue[_Reader] | None = None  # the reader that answered last answers next
        self._loop: asyncio.AbstractEventLoop | None = None
        self._readers: list[_Reader] = []
        self._lock = threading.Lock()
        self._closed = False
        self._fork: tuple[multiprocessing.process.BaseProcess, Connection] | None = None
        self._fork_lock = threading.Lock()  # one reader asked of the fork at a time

    def start(self) -> None:
        """Start the readers in the background (the server draws pages itself until each is ready)."""
        self._loop = asyncio.get_running_loop()
        self._idle = asyncio.LifoQueue()
        for _ in range(self.size):
            threading.Thread(target=self._start_one, name="smarco-reader-start", daemon=True).start()

    def _forked(self, held: str, number: int) -> _Reader:
        """A new reader over checkpoint ``held``, from the readers' fork (started first if there is none, or it
        ended)."""
        with self._fork_lock:
            if self._fork is None or not self._fork[0].is_alive():
                if self._fork is not None:  # it ended (killed, out of memory): another takes its place
                    self._fork[1].close()
                context = multiprocessing.get_context("spawn")
                ours, theirs = context.Pipe()
                process = context.Process(target=_fork_main, args=(theirs,), daemon=True, name=FORK_NAME)
                process.start()
                theirs.close()
                self._fork = (process, ours)
                if not ours.poll(STARTUP_SECONDS):
                    raise EOFError(f"the readers' fork said nothing within {STARTUP_SECONDS:g} s")
                ours.recv()
            connection = self._fork[1]
            connection.send((self.settings, self.classes, held, number))
            descriptor = recv_handle(connection)
            return _Reader(connection.recv(), Connection(descriptor))

    def _start_one(self) -> None:
        """Fork a reader and, once it has built its app, let requests to it."""
        held, number = self.checkpoints.hold()  # the reader opens it while it starts: kept until it is ready
        reader: _Reader | None = None
        try:
            with self._lock:
                if self._closed:
                    return
            reader = self._forked(held, number)
            with self._lock:
                self._readers.append(reader)
                if self._closed:
                    raise EOFError("the server is closing")
            if not reader.connection.poll(STARTUP_SECONDS):
                raise EOFError(f"no word from it within {STARTUP_SECONDS:g} s")
            reader.connection.recv()
        except (EOFError, OSError) as error:
            if not self._closed:
                log.warning("a page reader failed to start (%s); the server draws pages itself", error)
            if reader is not None:
                reader.kill()
            return
        finally:
            self.checkpoints.release(held)
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the server stopped meanwhile: its loop is closed
                loop.call_soon_threadsafe(self._arrived, reader)

    def _arrived(self, reader: _Reader) -> None:
        if self._closed:
            return
        self.ready += 1
        self._free(reader)

    def _free(self, reader: _Reader) -> None:
        """``reader`` waits for the next page, last in first out: one request at a time goes to the reader that drew
        the last page, whose caches are warm (taken in turn, the readers spent 1.4 times the CPU on each). It is
        watched meanwhile: an idle reader sends nothing, so its pipe turning readable means it ended (unused, it
        would not be found ended by a request)."""
        assert self._idle is not None and self._loop is not None
        self._loop.add_reader(reader.connection.fileno(), self._ended_idle, reader)
        self._idle.put_nowait(reader)

    def _taken(self, reader: _Reader) -> None:
        assert self._loop is not None
        descriptor = reader.connection.fileno()
        self._loop.remove_reader(descriptor)
        os.set_blocking(descriptor, True)  # the loop (uvloop) made it non-blocking; send writes whole messages

    def _ended_idle(self, reader: _Reader) -> None:
        self._taken(reader)
        reader.ended = True  # left in the queue, passed over when it comes out
        self._lost(reader, EOFError("it ended while idle"))

    async def answer(self, scope: Scope) -> Answer | None:
        """A reader's answer to the request ``scope``; None when no reader is ready (the server answers)."""
        if not self.ready or self._idle is None:
            return None
        while True:
            try:
                reader = await asyncio.wait_for(self._idle.get(), WAIT_SECONDS)
            except TimeoutError:  # every reader busy that long (or none left): the server's core is the one free
                return None
            if not reader.ended:
                break
        self._taken(reader)
        checkpoint, number = self.checkpoints.hold()
        try:
            reader.connection.send((checkpoint, number, {k: scope[k] for k in PORTABLE if k in scope}))
            await answered(reader.connection)
            reply: Answer = reader.connection.recv()
        except (EOFError, OSError) as error:
            self._lost(reader, error)
            return None
        finally:
            self.checkpoints.release(checkpoint)
        self._free(reader)
        return reply

    def _lost(self, reader: _Reader, error: BaseException) -> None:
        """A reader that ended (killed, out of memory): start another in its place."""
        log.warning("a page reader ended (%s); starting another", error or "no answer")
        self.ready -= 1
        with contextlib.suppress(OSError):
            reader.connection.close()
        with self._lock:
            if reader in self._readers:
                self._readers.remove(reader)
            closed = self._closed
        reader.kill()
        if not closed:
            threading.Thread(target=self._start_one, name="smarco-reader-start", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            readers, self._readers = self._readers, []
        self.ready = 0
        for reader in readers:
            if self._loop is not None and not self._loop.is_closed():  # no longer watched (see ``_free``)
                with contextlib.suppress(OSError, ValueError):
                    self._loop.remove_reader(reader.connection.fileno())
            reader.kill()
            with contextlib.suppress(OSError):
                reader.connection.close()
        with self._fork_lock:
            fork, self._fork = self._fork, None
        if fork is not None:  # it ends when its pipe closes
            fork[1].close()
            fork[0].join(5)
            if fork[0].is_alive():
                fork[0].kill()


class ReaderForwarding:
    """The outermost middleware: a request that a reader can answer goes to one, the rest into the app."""

    def __init__(self, app: ASGIApp, readers: PageReaders, routes: Callable[[], Sequence[BaseRoute]],
                 readable: Callable[[BaseRoute], bool]) -> None:  # fmt: skip
        self.app = app
        self.readers = readers
        self.routes = routes
        self.readable = readable

    def takes(self, scope: Scope) -> bool:
        """An anonymous GET or HEAD whose route (the first that takes its path, as the app would choose) reads."""
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        if any(name in PRIVATE_HEADERS for name, _ in scope["headers"]):
            return False
        for route in self.routes():
            if route.matches(scope)[0] is Match.FULL:
                return self.readable(route)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.readers.ready and self.takes(scope):
            reply = await self.readers.answer(scope)
            if reply is not None:
                status, headers, body = reply
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def forwarding(app: FastAPI, readers: PageReaders, readable_routers: Sequence[Any]) -> None:
    """Hand the routes of ``readable_routers`` (as included in ``app``) to ``readers``."""
    readable = {id(route) for router in readable_routers for route in router.routes}
    flat: list[BaseRoute] = []

    def routes() -> Sequence[BaseRoute]:
        if not flat:
            flat.extend(opened(app.router.routes))
        return flat

    app.add_middleware(ReaderForwarding, readers=readers, routes=routes, readable=lambda r: id(r) in readable)


def opened(routes: Sequence[Any]) -> list[BaseRoute]:
    """Routes with included routers opened up (FastAPI wraps them), in the order the app tries them."""
    flat: list[BaseRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        flat.extend(opened(inner.routes) if inner is not None else [route])
    return flat
