"""Fair shares of the query workers, so that one client's expensive queries cannot take SPARQL from the others.

Every query (``/sparql``, the named queries) passes through ``QueryAdmission`` before it reaches a worker (one
that needs none, ``QueryWorkers.answer_now``: anchored at a constant subject, or a costly answer kept for the
newest checkpoint, is answered at once):

- **Per client** (a valid token's id, else the remote address) at most ``per_client`` queries run at once and
  ``queue`` more wait behind them; one more is refused with 429 and a ``Retry-After`` that says when the client's
  soonest query reaches its time budget.
- **Reserved workers.** ``reserved`` of the ``workers`` are kept for *light* clients: those with no query running
  longer than ``slice`` seconds and none stopped past it in the last ``HEAVY_SECONDS``. A query takes a shared
  worker when one is free, else a reserved one if its client is light. Where the runner can stop a query (the
  embedded store's worker processes), a query on a reserved worker runs at most ``slice`` seconds there: past
  it, it is stopped and waits for a shared worker in its old place, with the rest of its budget, and its client
  is heavy from then on. So three clients each running a runaway hold the shared workers and wait for them,
  while a fourth client's ``ASK`` finds a reserved worker free.
- Waiting queries get a worker in order of how many queries their client has running, then of arrival; a query
  that found no worker within its time budget is a 503, as is one that ran past it (stopped by the runner).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar, Protocol

from smarco_kg.config import Settings
from smarco_kg.errors import TooManyRequests
from smarco_kg.query_workers import QueryAnswer, QueryRequest, QueryTimeout, ServiceBusy

HEAVY_SECONDS = 60.0  # how long a client whose query ran past the slice stays away from the reserved workers
PRUNE_EVERY = 1024  # arrivals between sweeps of clients remembered only as heavy
SHARED, RESERVED = "shared", "reserved"


class QueryRunner(Protocol):
    """What runs the queries: ``QueryWorkers`` (processes it can kill) or ``StoreQueries`` (a remote store)."""

    size: int
    stops_runaways: ClassVar[bool]  # a query past its timeout is stopped, and its worker free at once

    def answer_now(self, request: QueryRequest) -> QueryAnswer | None: ...

    def start(self) -> None: ...

    def refresh(self) -> bool: ...

    def close(self) -> None: ...

    async def run(
        self, request: QueryRequest, timeout: float, done: Callable[[], None] | None = None
    ) -> QueryAnswer: ...


class TooManyQueries(TooManyRequests):
    """One client already has as many queries running and waiting as it may."""

    title = "too many queries from one client"


def query_client(token_id: str | None, address: str | None) -> str:
    """Who a query is from, for its fair share: a valid token's id, else the remote address."""
    return f"token {token_id}" if token_id else f"address {address or 'unknown'}"


@dataclass(frozen=True)
class Shares:
    """How the workers are shared (``Settings.query_*``)."""

    workers: int  # queries running at once over all clients: the runner's size
    reserved: int  # of those, kept for light clients (at most workers - 1)
    per_client: int  # queries one client may run at once
    queue: int  # queries one client may have waiting beyond those
    slice: float  # seconds a query may hold a reserved worker, where the runner can stop it

    def __post_init__(self) -> None:
        if self.workers < 1 or self.per_client < 1 or self.queue < 0 or self.slice <= 0:
            raise ValueError(f"unusable query shares: {self}")
        if not 0 <= self.reserved < self.workers:
            raise ValueError(f"{self.reserved} reserved of {self.workers} query workers: keep at least one shared")

    @classmethod
    def of(cls, settings: Settings, workers: int) -> Shares:
        """The shares ``settings`` ask for over a runner of ``workers``; a runner with more slots than
        ``query_workers`` (a remote store's threads) reserves as many in proportion."""
        scale = max(1, workers // settings.query_workers)
        return cls(
            workers=workers,
            reserved=min(settings.query_reserved_workers * scale, workers - 1),
            per_client=settings.query_client_limit,
            queue=settings.query_client_queue,
            slice=settings.query_reserved_seconds,
        )


@dataclass
class _Client:
    running: dict[int, tuple[float, float]] = field(default_factory=dict)  # query → (when it started, its deadline)
    waiting: int = 0
    heavy_until: float = 0.0


@dataclass
class _Waiter:
    client: str
    order: int  # arrival: its place in line, kept when it comes back from a reserved worker
    deadline: float
    granted: asyncio.Future[str]


@dataclass
class QueryAdmission:
    """The runner behind fair shares: ``run`` as the runner's, with the client the query is from."""

    runner: QueryRunner
    shares: Shares
    _clients: dict[str, _Client] = field(default_factory=dict, init=False)
    _waiters: list[_Waiter] = field(default_factory=list, init=False)
    _in_use: dict[str, int] = field(default_factory=lambda: {SHARED: 0, RESERVED: 0}, init=False)
    _arrivals: itertools.count = field(default_factory=itertools.count, init=False)

    def start(self) -> None:
        self.runner.start()

    def refresh(self) -> bool:
        return self.runner.refresh()

    def close(self) -> None:
        self.runner.close()

    async def run(self, request: QueryRequest, timeout: float, client: str) -> QueryAnswer:
        """Answer ``request`` within ``timeout`` seconds of its arrival, in ``client``'s share: 429 when the client
        has too many queries already, 503 when no worker frees in time or the query runs past its budget. A query
        the runner answers at once (anchored: microseconds, bounded; or kept) takes no worker and no share."""
        now = self.runner.answer_now(request)
        if now is not None:
            return now
        deadline = time.monotonic() + timeout
        self._check_room(client)
        order = next(self._arrivals)
        if order % PRUNE_EVERY == 0:
            for known in list(self._clients):
                self._forget(known)
        while True:
            lane = await self._admit(client, order, deadline)
            remaining = deadline - time.monotonic()
            if remaining <= 0:  # granted as its budget ran out
                self._release(client, lane, order)
                raise ServiceBusy("no query worker became free within the query's time budget")
            sliced = lane == RESERVED and self.runner.stops_runaways and self.shares.slice < remaining
            done = partial(self._release, client, lane, order)
            try:
                answer = await self.runner.run(request, self.shares.slice if sliced else remaining, done)
            except QueryTimeout as error:
                self._heavy(client)
                if sliced:
                    continue  # stopped on the reserved worker: back in line for a shared one, in its old place
                ended = (
                    "was stopped" if self.runner.stops_runaways else "was abandoned (the store ends it by its limits)"
                )
                raise QueryTimeout(f"the query ran longer than {timeout:g} s and {ended}") from error
            if answer.seconds >= self.shares.slice:
                self._heavy(client)
            return answer

    # -- the client's share ------------------------------------------------------------------------------------

    def _check_room(self, client: str) -> None:
        state = self._clients.get(client)
        if state is None or len(state.running) + state.waiting < self.shares.per_client + self.shares.queue:
            return
        now = time.monotonic()
        soonest = min((deadline for _, deadline in state.running.values()), default=now)
        detail = (
            f"{client} has {len(state.running)} queries running and {state.waiting} waiting, the most one client "
            f"may have ({self.shares.per_client} running, {self.shares.queue} waiting); retry when one has ended"
        )
        raise TooManyQueries(detail, headers={"Retry-After": str(max(1, math.ceil(soonest - now)))})

    def _heavy(self, client: str) -> None:
        """A query of ``client`` ran past the slice: the reserved workers are closed to it for a while."""
        self._clients.setdefault(client, _Client()).heavy_until = time.monotonic() + HEAVY_SECONDS

    def _light(self, state: _Client, now: float) -> bool:
        """No query running longer than the slice and none stopped past it lately: the reserve is open to it."""
        if state.heavy_until > now:
            return False
        return all(now - started < self.shares.slice for started, _ in state.running.values())

    # -- workers -----------------------------------------------------------------------------------------------

    async def _admit(self, client: str, order: int, deadline: float) -> str:
        """Wait for a worker in ``client``'s share; the lane it was given. 503 when none frees by ``deadline``."""
        state = self._clients.setdefault(client, _Client())
        waiter = _Waiter(client, order, deadline, asyncio.get_running_loop().create_future())
        state.waiting += 1
        self._waiters.append(waiter)
        self._dispatch()
        try:
            return await asyncio.wait_for(asyncio.shield(waiter.granted), max(0.0, deadline - time.monotonic()))
        except TimeoutError as error:
            if waiter.granted.done():  # granted in the same tick as the timeout
                return waiter.granted.result()
            raise ServiceBusy("no query worker became free within the query's time budget") from error
        except BaseException:  # the request was cancelled: a worker granted meanwhile goes back
            if waiter.granted.done():
                self._release(client, waiter.granted.result(), order)
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                state.waiting -= 1
                self._forget(client)

    def _dispatch(self) -> None:
        """Give free workers to waiting queries: clients with fewer queries running first, then by arrival."""
        now = time.monotonic()
        free = {
            SHARED: self.shares.workers - self.shares.reserved - self._in_use[SHARED],
            RESERVED: self.shares.reserved - self._in_use[RESERVED],
        }
        for waiter in sorted(self._waiters, key=lambda w: (len(self._clients[w.client].running), w.order)):
            if free[SHARED] <= 0 and free[RESERVED] <= 0:
                return
            state = self._clients[waiter.client]
            if len(state.running) >= self.shares.per_client:
                continue
            if free[SHARED] > 0:
                lane = SHARED
            elif free[RESERVED] > 0 and self._light(state, now):
                lane = RESERVED
            else:
                continue
            free[lane] -= 1
            self._in_use[lane] += 1
            self._waiters.remove(waiter)
            state.waiting -= 1
            state.running[waiter.order] = (now, waiter.deadline)
            waiter.granted.set_result(lane)

    def _release(self, client: str, lane: str, order: int) -> None:
        """The query's worker is free again (for a remote store: the store has answered, maybe after the request
        ended). Called once per grant."""
        self._clients[client].running.pop(order)
        self._in_use[lane] -= 1
        self._forget(client)
        self._dispatch()

    def _forget(self, client: str) -> None:
        """Drop a client's entry once nothing of it runs or waits and nothing about it is remembered."""
        state = self._clients.get(client)
        if state is not None and not state.running and not state.waiting and state.heavy_until <= time.monotonic():
            del self._clients[client]
