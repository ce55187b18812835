"""SPARQL queries that cannot hurt the service: run in worker processes that a timeout can kill.

pyoxigraph cannot cancel a query from Python, so queries run in a small pool of processes, each reading
the newest checkpoint of the store (``GraphStore.snapshot``: hard links, milliseconds, taken after every
commit). A query that outlives its timeout is stopped by killing its process, which is replaced; the other
workers keep answering meanwhile. Results are serialized in the worker by pyoxigraph's own serializers and
cross the pipe as bytes.

A remote store runs queries in its own processes and stops them by its own limits (Virtuoso's
``MaxQueryExecutionTime``…), so ``StoreQueries`` sends them from threads, never more at once than its slots,
and answers a timeout when the store takes longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

from rdflib.term import Node

from smarco_kg.errors import ServiceUnavailable
from smarco_kg.store import GraphStore, StoreError

log = logging.getLogger("smarco_kg.queries")

GRAPH_FORMATS = (
    "text/turtle",
    "application/n-triples",
    "application/rdf+xml",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
)
RESULT_MEDIA_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)


class QueryError(Exception):
    """A query that cannot be answered; ``kind`` says why (syntax, not-acceptable, evaluation)."""

    def __init__(self, kind: str, message: str, offered: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.kind = kind
        self.offered = list(offered)


class QueryTimeout(ServiceUnavailable):
    """The query ran longer than its timeout and was stopped: try a cheaper one."""

    kind, title = "query-timeout", "query timeout"

    def __init__(self, detail: str = "") -> None:
        super().__init__(f"{detail}; lower its cost, narrow it with its parameters or ask for less", headers=_RETRY)


class ServiceBusy(ServiceUnavailable):
    """No worker became free within the query's timeout."""

    title = "the service is busy"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail, headers=_RETRY)


_RETRY = {"Retry-After": "1"}


@dataclass(frozen=True)
class QueryRequest:
    sparql: str
    accept: str | None = None
    format: str | None = None  # a short name or media type that overrides Accept
    default_graphs: Sequence[str] | None = None
    named_graphs: Sequence[str] | None = None
    union_default_graph: bool = True
    base_iri: str | None = None
    bindings: Mapping[str, Node] | None = None  # values for variables, bound by the store, never pasted


@dataclass(frozen=True)
class QueryAnswer:
    kind: str  # solutions, boolean or graph
    media_type: str
    body: bytes
    seconds: float


def answer(store: GraphStore, request: QueryRequest) -> QueryAnswer:
    """Run ``request`` on ``store`` and serialize the result as negotiated (also used in-process)."""
    from smarco_kg.formats import UnknownFormatError, rdf_syntax, result_format
    from smarco_kg.negotiation import NotAcceptable, negotiate
    from smarco_kg.sparql_text import keywords
    from smarco_kg.store import QuerySyntaxError

    started = time.perf_counter()
    # The dataset: the protocol's if it gives one (a default graph it leaves out is empty), else the query's
    # FROM / FROM NAMED, else the union of all graphs.
    protocol = request.default_graphs is not None or request.named_graphs is not None
    default_graphs = request.default_graphs if request.default_graphs is not None else ([] if protocol else None)
    union = request.union_default_graph and not protocol and "FROM" not in keywords(request.sparql)
    try:
        result = store.query(
            request.sparql,
            union_default_graph=union,
            default_graphs=default_graphs,
            named_graphs=request.named_graphs,
            bindings=request.bindings,
            base_iri=request.base_iri,
        )
    except QuerySyntaxError as error:
        raise QueryError("syntax", str(error)) from error
    offered = GRAPH_FORMATS if result.kind == "graph" else RESULT_MEDIA_TYPES
    try:
        if request.format:
            fmt = rdf_syntax(request.format) if result.kind == "graph" else result_format(request.format)
            media_type = fmt.media_type
        else:
            media_type = negotiate(request.accept, offered)
            fmt = rdf_syntax(media_type) if result.kind == "graph" else result_format(media_type)
    except (NotAcceptable, UnknownFormatError) as error:
        raise QueryError("not-acceptable", str(error), offered) from error
    try:
        body = result.serialize(fmt)
    except (OSError, RuntimeError, ValueError) as error:
        raise QueryError("evaluation", " ".join(str(error).split())) from error
    return QueryAnswer(result.kind, media_type, body, time.perf_counter() - started)


def _answer_from_store(store: GraphStore, request: QueryRequest) -> QueryAnswer:
    """``answer`` with a remote store's failures (unreachable, a result it cut short…) as ``QueryError``."""
    try:
        return answer(store, request)
    except StoreError as error:
        raise QueryError("store", " ".join(str(error).split())) from error


def _worker_main(connection: Connection) -> None:
    """A worker: open the checkpoint named with each request (reopening when it changes) and answer."""
    from smarco_kg.store import open_store

    current: tuple[str, GraphStore] | None = None
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        checkpoint, request = message
        try:
            if current is None or current[0] != checkpoint:
                if current is not None:
                    current[1].close()
                current = (checkpoint, open_store(checkpoint, read_only=True))
            connection.send(("ok", answer(current[1], request)))
        except QueryError as error:
            connection.send(("error", (error.kind, str(error), error.offered)))
        except Exception as error:  # anything else is the query's fault or the store's, never the worker's end
            connection.send(("error", ("evaluation", " ".join(str(error).split()), [])))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    checkpoint: str | None = None


@dataclass
class QueryWorkers:
    """A pool of query processes over checkpoints of ``store``; ``refresh`` after every commit."""

    store: GraphStore
    directory: Path
    size: int = 2
    _workers: list[_Worker] = field(default_factory=list, init=False)
    _idle: asyncio.Queue | None = field(default=None, init=False)
    _checkpoints: list[Path] = field(default_factory=list, init=False)
    _counter: itertools.count = field(default_factory=itertools.count, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def start(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        if not self.refresh():
            raise RuntimeError(f"{self.store.description} cannot make checkpoints for query workers")
        self._workers = [self._spawn() for _ in range(self.size)]

    def _spawn(self) -> _Worker:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=_worker_main, args=(child,), daemon=True, name="smarco-query")
        process.start()
        child.close()
        return _Worker(process, parent)

    def refresh(self) -> bool:
        """Checkpoint the store now, so that queries from here on see every write committed so far."""
        with self._lock:
            target = self.directory / f"checkpoint-{next(self._counter):06d}"
            if not self.store.snapshot(target):
                return False
            self._checkpoints.append(target)
            self._prune()
            return True

    def _prune(self) -> None:
        """Remove checkpoints no worker reads any more (the newest always stays)."""
        in_use = {w.checkpoint for w in self._workers}
        for old in self._checkpoints[:-1]:
            if str(old) not in in_use:
                shutil.rmtree(old, ignore_errors=True)
                self._checkpoints.remove(old)

    @property
    def latest(self) -> str:
        return str(self._checkpoints[-1])

    async def run(self, request: QueryRequest, timeout: float) -> QueryAnswer:
        """Answer ``request`` within ``timeout`` seconds, or stop it and raise ``QueryTimeout``."""
        if self._idle is None:
            self._idle = asyncio.Queue()
            for idle in self._workers:
                self._idle.put_nowait(idle)
        deadline = time.monotonic() + timeout
        try:
            worker: _Worker = await asyncio.wait_for(self._idle.get(), timeout)
        except TimeoutError as error:
            raise ServiceBusy("every query worker stayed busy for the whole timeout") from error
        checkpoint = self.latest
        worker.checkpoint = checkpoint
        try:
            worker.connection.send((checkpoint, request))
            if not await self._answered(worker, max(0.0, deadline - time.monotonic())):
                self._replace(worker)
                worker = None  # type: ignore[assignment]
                raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")
            status, payload = worker.connection.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            self._replace(worker)
            worker = None  # type: ignore[assignment]
            raise QueryError("evaluation", f"the query worker failed: {error}") from error
        finally:
            if worker is not None:
                self._idle.put_nowait(worker)
        if status == "ok":
            return payload
        kind, message, offered = payload
        raise QueryError(kind, message, offered)

    @staticmethod
    async def _answered(worker: _Worker, timeout: float) -> bool:
        """Wait until the worker's answer can be read, watching its pipe from the event loop itself (no
        thread hand-off per query); False when ``timeout`` passes first."""
        loop = asyncio.get_running_loop()
        readable = loop.create_future()
        descriptor = worker.connection.fileno()

        def ready() -> None:
            if not readable.done():
                readable.set_result(True)

        loop.add_reader(descriptor, ready)
        try:
            return await asyncio.wait_for(readable, timeout)
        except TimeoutError:
            return False
        finally:
            loop.remove_reader(descriptor)
            os.set_blocking(descriptor, True)  # the loop (uvloop) made it non-blocking; recv reads whole messages

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (a runaway query) and put a fresh one in its place."""
        worker.process.kill()
        worker.process.join(5)
        worker.connection.close()
        fresh = self._spawn()
        self._workers[self._workers.index(worker)] = fresh
        assert self._idle is not None
        self._idle.put_nowait(fresh)
        log.warning("stopped a query worker after a timeout; started a new one")

    def close(self) -> None:
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.connection.close()
            worker.process.kill()
            worker.process.join(5)
        self._workers.clear()
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class StoreQueries:
    """Queries sent straight to a store that runs them itself (a remote SPARQL store), from threads, at most
    ``size`` at a time; the same interface as ``QueryWorkers``."""

    store: GraphStore
    size: int = 8
    _slots: asyncio.Semaphore | None = field(default=None, init=False)

    def start(self) -> None:
        """Nothing to start: the store answers."""

    def refresh(self) -> bool:
        """Nothing to refresh: every query reads the store as it is."""
        return True

    async def run(self, request: QueryRequest, timeout: float) -> QueryAnswer:
        """Answer ``request`` within ``timeout`` seconds, or raise ``QueryTimeout`` (the store's own limits stop
        the query there; the thread ends with the store's answer or its request timeout)."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        deadline = time.monotonic() + timeout
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except TimeoutError as error:
            raise ServiceBusy("every query slot stayed busy for the whole timeout") from error
        task = asyncio.ensure_future(asyncio.to_thread(_answer_from_store, self.store, request))
        task.add_done_callback(lambda _: self._slots.release())  # type: ignore[union-attr]
        try:
            return await asyncio.wait_for(asyncio.shield(task), max(0.0, deadline - time.monotonic()))
        except TimeoutError as error:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was abandoned") from error

    def close(self) -> None:
        """Nothing to close: the store is closed with the knowledge graph."""
