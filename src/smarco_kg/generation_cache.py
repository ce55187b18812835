"""Values read from the store, kept for the write generation they were read at (``KnowledgeGraph.generation``).

A write moves the generation on, so a value kept under an older one is never served again: a view is never older
than the last write. What is expensive to read again (the dashboard's figures, the Pact for Skills report, the
catalogue the gap analysis walks, drawn pages) is kept here, and ``kick`` (a listener of the knowledge graph's
commits) reads again, in the background, what was asked for before the write, so that the next request usually
finds it ready. Two requests for the same value at the same generation share one computation.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
log = logging.getLogger("smarco_kg.generation_cache")


class GenerationCache(Generic[K, V]):
    """Up to ``kept`` values per key and generation; a value kept for a newer generation drops the older ones.

    ``generation``: the store's current write generation, for the background warm-ups; ``warm``: how many of the
    keys asked for last are computed again after a write (0: none, the values are cheap or only kept)."""

    def __init__(
        self, name: str, *, kept: int = 64, warm: int = 0, generation: Callable[[], int] | None = None
    ) -> None:
        self.name, self.kept, self.warm, self.generation = name, kept, warm, generation
        self._lock = threading.Lock()
        self._values: OrderedDict[tuple[int, K], V] = OrderedDict()
        self._running: dict[tuple[int, K], threading.Event] = {}
        self._asked: OrderedDict[K, Callable[[], V]] = OrderedDict()  # computed again after a write
        self._warming = threading.Lock()
        self._queued = False  # a warm-up thread is started and has not yet read what to compute

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
            for old in [k for k in self._values if k[0] < generation]:
                del self._values[old]
            self._values[(generation, key)] = value
            self._values.move_to_end((generation, key))
            while len(self._values) > self.kept:
                self._values.popitem(last=False)

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
        """After a commit: compute again, in a background thread, the values asked for last (nothing asked, no
        ``generation`` to read: nothing to do; a warm-up already waiting to start will see this write too)."""
        with self._lock:
            if self.generation is None or not self._asked or self._queued:
                return
            self._queued = True
        threading.Thread(target=self._warm, name=self.name, daemon=True).start()

    def _warm(self) -> None:
        with self._warming:  # one warm-up at a time; a later write's warm-up follows it
            with self._lock:
                self._queued = False
                asked = list(reversed(self._asked.items()))  # the latest asked first
            assert self.generation is not None  # kick starts no warm-up without it
            for key, compute in asked:
                if self._queued:
                    return  # another write came: its warm-up computes the newer generation
                try:
                    self.get(self.generation(), key, compute)
                except Exception:  # the store closed under it, or a query failed: the next request will say
                    log.warning("%s: %r could not be computed in advance", self.name, key)
                    return
