"""Costly answers kept for the checkpoint they were read from: asked again before the next write, they are served
as they are, exactly, without running the query again.

An analytical query (a group-by over every course, a count over a ``skos:broader*`` closure) costs tens to
hundreds of milliseconds on the embedded store, and a dashboard or a researcher asks it again and again between
writes. Its answer depends only on the query, its dataset, the format asked for and the data; the data is the
checkpoint the query workers read (``QueryWorkers.latest``), which every commit replaces. So an answer kept under
its checkpoint is never served after a write: the next query reads the new checkpoint, finds nothing kept for it,
and runs. Only answers that took at least ``COSTLY_SECONDS`` are kept (a cheap one is cheaper to run than to
hold), each at most ``LARGEST`` bytes and all of them at most ``BUDGET``, the least recently asked dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the workers keep answers here: at run time, this module needs none of theirs
    from smarco_kg.query_workers import QueryAnswer, QueryRequest

COSTLY_SECONDS = 0.05
LARGEST = 8 << 20
BUDGET = 64 << 20


def request_key(request: QueryRequest) -> Hashable:
    """What an answer depends on besides the data (the time limit does not change a finished answer)."""
    return (
        request.sparql,
        request.accept,
        request.format,
        tuple(request.default_graphs) if request.default_graphs is not None else None,
        tuple(request.named_graphs) if request.named_graphs is not None else None,
        request.union_default_graph,
        request.base_iri,
        tuple(sorted(request.bindings.items())) if request.bindings else None,
    )


class KeptAnswers:
    """Answers by (checkpoint, request); ``clear`` when the checkpoint is replaced."""

    def __init__(self, budget: int = BUDGET, largest: int = LARGEST, costly: float = COSTLY_SECONDS) -> None:
        self.budget, self.largest, self.costly = budget, largest, costly
        self._answers: OrderedDict[tuple[str, Hashable], QueryAnswer] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # kept from the event loop, cleared from the thread that committed a write

    def get(self, checkpoint: str, request: QueryRequest) -> QueryAnswer | None:
        """The answer kept for ``request`` on ``checkpoint``, or None."""
        key = (checkpoint, request_key(request))
        with self._lock:
            kept = self._answers.get(key)
            if kept is not None:
                self._answers.move_to_end(key)
            return kept

    def keep(self, checkpoint: str, request: QueryRequest, answer: QueryAnswer) -> None:
        """Keep ``answer`` if it was costly and fits; drop the least recently asked beyond the budget."""
        size = len(answer.body)
        if answer.seconds < self.costly or size > self.largest:
            return
        key = (checkpoint, request_key(request))
        with self._lock:
            previous = self._answers.pop(key, None)
            self._bytes -= len(previous.body) if previous is not None else 0
            self._answers[key] = answer
            self._bytes += size
            while self._bytes > self.budget:
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()
            self._bytes = 0
