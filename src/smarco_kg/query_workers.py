"""SPARQL queries that cannot hurt the service: run in worker processes that a timeout can kill.

pyoxigraph cannot cancel a query from Python, so queries run in a small pool of processes, each reading
the newest checkpoint of the store (``GraphStore.snapshot``: hard links, milliseconds, taken after every
commit). A query that outlives its timeout is stopped by killing its process, which is replaced; the other
workers keep answering meanwhile. A standby process, started ahead, takes the stopped one's place at once, so
the next query does not wait for a process to start (seconds on a busy machine). Results are serialized in the
worker by pyoxigraph's own serializers and cross the pipe as bytes.

A query anchored at a constant subject (``query_anchors``) costs tens of microseconds, less than the hand-off
to a worker (pickling, the pipe, waking the loop: about half a millisecond), and cannot run away: it is answered
in the server's own process, from the store itself (``answer_now``), never queued behind heavy queries. One
that still costs more than ``INLINE_SECONDS`` of CPU twice (a subject with very many properties; once may be a
cold read of the disk) goes to the workers from then on. A costly answer a worker gave is kept for the checkpoint
it read (``kept_answers``) and served again, without a worker, until the next commit replaces the checkpoint.

A remote store runs queries in its own processes and stops them by its own limits (Virtuoso's
``MaxQueryExecutionTime``…), so ``StoreQueries`` sends them from threads, never more at once than its slots,
and answers a timeout when the store takes longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from pathlib import Path
from typing import ClassVar

from rdflib.term import Node

from smarco_kg.errors import ServiceUnavailable
from smarco_kg.kept_answers import KeptAnswers
from smarco_kg.query_anchors import anchored
from smarco_kg.store import GraphStore, StoreError, StoreTimeout

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
INLINE_SECONDS = 0.05  # CPU seconds: an anchored query costlier than this inline goes to the workers next time
INLINE_STRIKES = 2  # ... this many times
INLINE_DEMOTED = 1024  # how many such query texts are remembered, oldest forgotten first
STARTUP_SECONDS = 60.0  # how long a worker process may take to import what it needs (seconds on a busy machine)


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
    time_limit: float | None = None  # seconds, for a store that stops a query itself (``GraphStore.query``)


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
            time_limit=request.time_limit,
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
    """``answer`` with a remote store's failures (unreachable, a result it cut short…) as ``QueryError``, and a
    query it stopped at ``request.time_limit`` as ``QueryTimeout``."""
    try:
        return answer(store, request)
    except StoreTimeout as error:
        limit = request.time_limit or 0
        raise QueryTimeout(f"the query ran longer than {limit:g} s and the store stopped it") from error
    except StoreError as error:
        raise QueryError("store", " ".join(str(error).split())) from error


def _worker_main(connection: Connection) -> None:
    """A worker: open the checkpoint named with each request (reopening when it changes) and answer."""
    from smarco_kg.store import open_store

    connection.send(("ready", None))  # imported: the pool may count on this process from now on
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


async def answered(connection: Connection, timeout: float | None = None) -> bool:
    """Wait until a process's answer can be read from ``connection``, watching the pipe from the event loop itself
    (no thread hand-off per answer); False when ``timeout`` seconds (None: no limit) pass first."""
    loop = asyncio.get_running_loop()
    readable = loop.create_future()
    descriptor = connection.fileno()

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


@functools.cache
def _context() -> multiprocessing.context.SpawnContext | multiprocessing.context.ForkServerContext:
    """Where worker processes come from: forked from a server that has imported what they need, so one starts in
    milliseconds (spawned, each imports it all again: 0.7 s, seconds on a busy machine); spawned where the
    platform has no fork server."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # A worker also runs the main script again (Python 3.11's fork server does not preload "__main__" as
    # documented): the ``smarco-kg`` script imports only ``smarco_kg.command``, never the whole CLI, so the fork
    # server holds what queries need and little else (every worker shares its pages: 47 against 106 MiB).
    context.set_forkserver_preload(
        [
            "smarco_kg.query_workers",
            "smarco_kg.store",
            "smarco_kg.formats",
            "smarco_kg.negotiation",
            "smarco_kg.command",
        ]
    )
    return context


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: Connection
    checkpoint: str | None = None
    ready: bool = False  # its start-up message has been read


@dataclass
class QueryWorkers:
    """A pool of query processes over checkpoints of ``store``; ``refresh`` after every commit."""

    store: GraphStore
    directory: Path
    size: int = 2
    stops_runaways: ClassVar[bool] = True  # a query past its timeout ends with its process: the worker is free
    _workers: list[_Worker] = field(default_factory=list, init=False)
    _standby: _Worker | None = field(default=None, init=False)
    _standby_lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _closed: bool = field(default=False, init=False)
    _idle: asyncio.Queue | None = field(default=None, init=False)
    _checkpoints: list[Path] = field(default_factory=list, init=False)
    _counter: itertools.count = field(default_factory=itertools.count, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _demoted: dict[str, int] = field(default_factory=dict, init=False)  # anchored texts → times they proved slow
    _held: dict[str, int] = field(default_factory=dict, init=False)  # checkpoints other processes read (``hold``)
    _number: int = field(default=-1, init=False)  # the newest checkpoint's place in the series
    kept: KeptAnswers = field(default_factory=KeptAnswers, init=False)  # costly answers of the newest checkpoint

    def answer_now(self, request: QueryRequest) -> QueryAnswer | None:
        """The answer kept for the newest checkpoint, or an anchored query's from the store in this process;
        None for a query a worker must run."""
        started = time.perf_counter()
        if self._checkpoints:
            kept = self.kept.get(self.latest, request)
            if kept is not None:
                return replace(kept, seconds=time.perf_counter() - started)
        if self._demoted.get(request.sparql, 0) >= INLINE_STRIKES or not anchored(request.sparql):
            return None
        cpu_started = time.thread_time()  # the query's own work: not the waits for the GIL of a busy server
        try:
            result = answer(self.store, request)
        except QueryError:
            raise
        except Exception as error:  # as in a worker: the query's fault or the store's
            raise QueryError("evaluation", " ".join(str(error).split())) from error
        if time.thread_time() - cpu_started > INLINE_SECONDS:  # twice: once may be a cold read of the disk
            strikes = self._demoted.get(request.sparql, 0) + 1
            self._demoted[request.sparql] = strikes
            if len(self._demoted) > INLINE_DEMOTED:
                del self._demoted[next(iter(self._demoted))]
        return result

    def start(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)
        if not self.refresh():
            raise RuntimeError(f"{self.store.description} cannot make checkpoints for query workers")
        self._workers = [self._spawn() for _ in range(self.size)]
        self._standby = self._spawn()
        for worker in self._workers:  # the first queries after start-up find their workers ready
            if worker.connection.poll(STARTUP_SECONDS):
                worker.connection.recv()
                worker.ready = True

    def _spawn(self) -> _Worker:
        context = _context()
        parent, child = context.Pipe()
        process = context.Process(target=_worker_main, args=(child,), daemon=True, name="smarco-query")
        process.start()
        child.close()
        return _Worker(process, parent)

    def refresh(self) -> bool:
        """Checkpoint the store now, so that queries from here on see every write committed so far."""
        with self._lock:
            number = next(self._counter)
            target = self.directory / f"checkpoint-{number:06d}"
            if not self.store.snapshot(target):
                return False
            self._checkpoints.append(target)
            self._number = number
            self.kept.clear()  # read from the checkpoint before: never served after this write
            self._prune()
            return True

    def _prune(self) -> None:
        """Remove checkpoints no worker reads any more (the newest always stays)."""
        in_use = {w.checkpoint for w in self._workers} | set(self._held)
        for old in self._checkpoints[:-1]:
            if str(old) not in in_use:
                shutil.rmtree(old, ignore_errors=True)
                self._checkpoints.remove(old)

    @property
    def latest(self) -> str:
        return str(self._checkpoints[-1])

    def hold(self) -> tuple[str, int]:
        """The newest checkpoint and its number (checkpoints are numbered in the order they are taken), kept on
        disk until ``release``: for another process that reads it (``api.readers``)."""
        with self._lock:
            checkpoint = self.latest
            self._held[checkpoint] = self._held.get(checkpoint, 0) + 1
            return checkpoint, self._number

    def release(self, checkpoint: str) -> None:
        """``checkpoint`` is read no more by one holder; the next commit's checkpoint removes it if nobody does."""
        with self._lock:
            left = self._held.pop(checkpoint, 0) - 1
            if left > 0:
                self._held[checkpoint] = left

    async def run(self, request: QueryRequest, timeout: float, done: Callable[[], None] | None = None) -> QueryAnswer:
        """Answer ``request`` within ``timeout`` seconds, or stop it and raise ``QueryTimeout``; ``done`` is
        called once the worker is free again (``QueryAdmission`` counts workers by it)."""
        try:
            return await self._run(request, timeout)
        finally:
            if done is not None:
                done()

    async def _run(self, request: QueryRequest, timeout: float) -> QueryAnswer:
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
            if not worker.ready:  # a process still starting: its start-up is not the query's time
                if not await answered(worker.connection, STARTUP_SECONDS):
                    raise EOFError(f"no query worker process started within {STARTUP_SECONDS:g} s")
                worker.connection.recv()
                worker.ready = True
                deadline = time.monotonic() + timeout
            worker.connection.send((checkpoint, request))
            if not await answered(worker.connection, max(0.0, deadline - time.monotonic())):
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
            self.kept.keep(checkpoint, request, payload)
            return payload
        kind, message, offered = payload
        raise QueryError(kind, message, offered)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker (a runaway query) and put the standby in its place; a thread reaps the killed process
        and starts the next standby (60-90 ms that the event loop, answering other queries, does not wait)."""
        worker.process.kill()
        with self._standby_lock:
            fresh, self._standby = self._standby or self._spawn(), None
        self._workers[self._workers.index(worker)] = fresh
        assert self._idle is not None
        self._idle.put_nowait(fresh)
        threading.Thread(target=self._recycle, args=(worker,), name="smarco-query-recycle", daemon=True).start()
        log.warning("stopped a query worker after a timeout; the standby took its place")

    def _recycle(self, killed: _Worker) -> None:
        killed.process.join(5)
        killed.connection.close()
        with self._standby_lock:
            if self._standby is None and not self._closed:
                self._standby = self._spawn()

    def close(self) -> None:
        with self._standby_lock:
            self._closed = True
        workers = [*self._workers, *([self._standby] if self._standby else [])]
        for worker in workers:  # killed before their pipes close: none is left to report a broken pipe
            worker.process.kill()
        for worker in workers:
            worker.process.join(5)
            with contextlib.suppress(OSError):
                worker.connection.close()
        self._workers.clear()
        self._standby = None
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class StoreQueries:
    """Queries sent straight to a store that runs them itself (a remote SPARQL store), from threads, at most
    ``size`` at a time; the same interface as ``QueryWorkers``."""

    store: GraphStore
    size: int = 8
    stops_runaways: ClassVar[bool] = False  # the store stops a query by its own limits; a timeout abandons it
    _slots: asyncio.Semaphore | None = field(default=None, init=False)

    def answer_now(self, request: QueryRequest) -> QueryAnswer | None:
        """None: the remote store answers every query (others may write to it: nothing is kept)."""
        return None

    def start(self) -> None:
        """Nothing to start: the store answers."""

    def refresh(self) -> bool:
        """Nothing to refresh: every query reads the store as it is."""
        return True

    async def run(self, request: QueryRequest, timeout: float, done: Callable[[], None] | None = None) -> QueryAnswer:
        """Answer ``request`` within ``timeout`` seconds, or raise ``QueryTimeout`` (the store's own limits stop
        the query there; the thread ends with the store's answer or its request timeout). ``done`` is called once
        the thread has ended, which may be after the timeout."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.size)
        deadline = time.monotonic() + timeout
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout)
        except BaseException as error:
            if done is not None:
                done()
            if isinstance(error, TimeoutError):
                raise ServiceBusy("every query slot stayed busy for the whole timeout") from error
            raise
        slots = self._slots

        def ended(_: object) -> None:
            slots.release()
            if done is not None:
                done()

        limited = replace(request, time_limit=timeout)  # the store stops it there, not only we
        task = asyncio.ensure_future(asyncio.to_thread(_answer_from_store, self.store, limited))
        task.add_done_callback(ended)
        try:
            return await asyncio.wait_for(asyncio.shield(task), max(0.0, deadline - time.monotonic()))
        except TimeoutError as error:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s and was abandoned") from error

    def close(self) -> None:
        """Nothing to close: the store is closed with the knowledge graph."""
