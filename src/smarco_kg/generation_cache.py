"""Values read from the store, kept for the write generation they were read at (``KnowledgeGraph.generation``).

A write moves the generation on, so a value kept under an older one is never served again: a view is never older
than the last write. What is expensive to read again (the dashboard's figures, the Pact for Skills report, the
catalogue the gap analysis walks, drawn pages) is kept here, and ``kick`` (a listener of the knowledge graph's
commits) reads again, in the background, what was asked for before the write, so that the next request usually
finds it ready. Two requests for the same value at the same generation share one computation.

The warm-ups of every cache run one at a time, in one background lane, cheapest first (``priority``): run side by
side, the dashboard's figures (20 s at 100k issued credentials) took the cores from the Pact for Skills report
(4 s), which a coordinator asks for right after a write. A request never waits for the lane: what it asks for and
nobody computes yet, it computes. The warm-ups of views that take tens of seconds (the dashboard's figures) run
at a lower CPU priority (``nice``): one begun for a write that another has since followed runs to its end, and
the request that came after both takes the cores first. A request that finds its value being computed in the
lane waits for it, so what people ask for right after a write (the report) is warmed at the requests' priority.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
log = logging.getLogger("smarco_kg.generation_cache")
NICE = 10
"""The nice value of the warm-ups that yield to requests (Linux keeps one per thread; the threads a warm-up starts
inherit it): at 10 a request's thread (0) gets about nine tenths of a core the two share."""


class GenerationCache(Generic[K, V]):
    """Up to ``kept`` values per key and generation; a value kept for a newer generation drops the older ones.

    ``generation``: the store's current write generation, for the background warm-ups; ``warm``: how many of the
    keys asked for last are computed again after a write (0: none, the values are cheap or only kept);
    ``priority``: the lower, the sooner its warm-up runs among those waiting in the lane; ``nice``: whether the
    warm-up yields the cores to requests (at ``NICE``)."""

    def __init__(
        self,
        name: str,
        *,
        kept: int = 64,
        warm: int = 0,
        generation: Callable[[], int] | None = None,
        priority: int = 0,
        nice: bool = False,
    ) -> None:
        self.name, self.kept, self.warm, self.generation, self.priority = name, kept, warm, generation, priority
        self.nice = nice
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[int, K], V] = OrderedDict()
        self._running: dict[tuple[int, K], threading.Event] = {}
        self._asked: OrderedDict[K, Callable[[], V]] = OrderedDict()  # computed again after a write
        self._queued = False  # a warm-up waits in the lane and has not yet read what to compute
        self._newest = -1  # the newest generation a value was kept for

    def peek(self, generation: int, key: K) -> V | None:
        """The value kept for ``key`` at ``generation``, if any."""
        with self._lock:
            found = self._values.get((generation, key))
            if found is not None:
                self._values.move_to_end((generation, key))
            return found

    def keep(self, generation: int, key: K, value: V) -> None:
        """Keep ``value`` for ``key`` at ``generation``; values of older generations go."""
        with self._lock:
            self._keep(generation, key, value)

    def _keep(self, generation: int, key: K, value: V) -> None:
        """``keep`` under the lock. The older generations' values go when the generation moves on (a scan of all,
        once a write, not once a value: a page keeps twenty); a value read for a generation a write has already
        passed is not kept (no request after the write may be served it)."""
        if generation < self._newest:
            return
        if generation > self._newest:
            for old in [k for k in self._values if k[0] < generation]:
                del self._values[old]
            self._newest = generation
        self._values[(generation, key)] = value
        self._values.move_to_end((generation, key))
        while len(self._values) > self.kept:
            self._values.popitem(last=False)

    def get_many(self, generation: int, keys: Sequence[K], read: Callable[[list[K]], dict[K, V]]) -> dict[K, V]:
        """The values of ``keys`` at ``generation``: those kept, and the others read by ``read`` all in one go (one
        query for a page's members) and kept. Unlike ``get``, requests asking together do not share the reading,
        nor is anything warmed after a write."""
        found: dict[K, V] = {}
        with self._lock:
            for key in keys:
                value = self._values.get((generation, key))
                if value is not None:
                    self._values.move_to_end((generation, key))
                    found[key] = value
        missing = list(dict.fromkeys(key for key in keys if key not in found))
        if missing:
            fresh = read(missing)
            with self._lock:
                for key, value in fresh.items():
                    self._keep(generation, key, value)
            found.update(fresh)
        return found

    def __len__(self) -> int:
        return len(self._values)

    def get(self, generation: int, key: K, compute: Callable[[], V]) -> V:
        """The value for ``key`` at ``generation``: kept, or computed by ``compute`` (once, however many requests
        ask at the same time; a failed computation is tried again by the next). ``compute`` is remembered for the
        warm-up after the next write."""
        wanted = (generation, key)
        while True:
            with self._lock:
                if self.warm:
                    self._asked[key] = compute
                    self._asked.move_to_end(key)
                    while len(self._asked) > self.warm:
                        self._asked.popitem(last=False)
                found = self._values.get(wanted)
                if found is not None:
                    self._values.move_to_end(wanted)
                    return found
                running = self._running.get(wanted)
                mine = running is None
                if running is None:
                    running = self._running[wanted] = threading.Event()
            if not mine:
                running.wait()
                continue  # kept now, or the computation failed: look again (and compute it here)
            try:
                value = compute()
                self.keep(generation, key, value)
                return value
            finally:
                with self._lock:
                    self._running.pop(wanted, None)
                running.set()

    def kick(self) -> None:
        """After a commit: compute again, in the background lane, the values asked for last (nothing asked, no
        ``generation`` to read: nothing to do; a warm-up already waiting in the lane will see this write too)."""
        with self._lock:
            if self.generation is None or not self._asked or self._queued:
                return
            self._queued = True
        LANE.add(self.priority, self._warm, nice=self.nice)

    def _warm(self) -> None:
        with self._lock:
            self._queued = False
            asked = list(reversed(self._asked.items()))  # the latest asked first
        assert self.generation is not None  # kick queues no warm-up without it
        for key, compute in asked:
            if self._queued:
                return  # another write came: the warm-up it queued computes the newer generation
            try:
                self.get(self.generation(), key, compute)
            except Exception:  # the store closed under it, or a query failed: the next request will say
                log.warning("%s: %r could not be computed in advance", self.name, key)
                return


class WarmUpLane:
    """One background thread running the caches' warm-ups one at a time, the lowest priority number first (the
    order they came in among equals); started with the first warm-up, ended when none is left."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[tuple[int, int, Callable[[], None], bool]] = []
        self._order = itertools.count()
        self._running = False

    def add(self, priority: int, warm: Callable[[], None], *, nice: bool = False) -> None:
        """Queue ``warm``; ``nice``: run it in a thread of its own at ``NICE`` (a thread cannot raise its priority
        back without privileges, so the lane's own thread keeps the server's)."""
        with self._lock:
            heapq.heappush(self._waiting, (priority, next(self._order), warm, nice))
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._run, name="warm-ups", daemon=True).start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:
                    self._running = False
                    return
                _, _, warm, nice = heapq.heappop(self._waiting)
            if nice:
                niced = threading.Thread(target=_niced, args=(warm,), name="warm-up (nice)", daemon=True)
                niced.start()
                niced.join()
            else:
                _guarded(warm)

    def idle(self, timeout: float) -> bool:
        """Wait until no warm-up runs or waits (tests, benchmarks); False if ``timeout`` seconds were not enough."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._running:
                    return True
            time.sleep(0.01)
        return False


def _guarded(warm: Callable[[], None]) -> None:
    try:
        warm()
    except Exception:  # a warm-up catches what it expects; the lane must outlive anything else
        log.exception("a warm-up failed")


def _niced(warm: Callable[[], None]) -> None:
    _yield_to_requests()
    _guarded(warm)


def _yield_to_requests() -> None:
    """Lower the calling thread's CPU priority to ``NICE`` (a thread id is a process id to ``setpriority`` on
    Linux), never raise it; elsewhere, or where refused, it keeps its priority."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, max(os.getpriority(os.PRIO_PROCESS, thread), NICE))
    except (AttributeError, OSError) as error:
        log.debug("the warm-up lane keeps the server's CPU priority: %s", error)


LANE = WarmUpLane()
"""The process's one lane: every cache's warm-ups queue there."""
