"""Fair SPARQL against a live server: one client over its share is refused with 429, runaway queries from other
clients do not keep a cheap query from answering, and a runaway is still stopped at its time budget.

The server runs with a short time budget and small shares (one query per client, one waiting), so each test takes
seconds. Clients are told apart by their bearer tokens (distinct addresses cannot be had on loopback)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from smarco_kg.formats import rdf_syntax
from smarco_kg.store import GraphStore
from tests.backends import Template, embedded_only
from tests.server import LiveServer, describe, live_server, problem

BUDGET = 4.0  # the server's query time budget, seconds
FILLER, FILLER_SIZE = "http://example.org/fair/filler", 200
# 200^4 = 1.6 billion rows to count: far past the budget on both stores, yet ended by Virtuoso itself in well under
# its MaxQueryExecutionTime, so a query abandoned at the budget does not hold the test store for minutes.
RUNAWAY = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{FILLER}> {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }} }}"
PROBE = "ASK { ?s ?p ?o }"  # cheap, but with no constant subject: a worker answers it, in the client's share
ANCHORED = f"ASK {{ <{FILLER}/7> ?p ?o }}"  # from a constant subject: answered in the server's process, no share
ENV = {
    "SMARCO_QUERY_TIMEOUT": str(BUDGET),
    "SMARCO_QUERY_WORKERS": "2",
    "SMARCO_QUERY_RESERVED_WORKERS": "1",
    "SMARCO_QUERY_RESERVED_SECONDS": "0.5",
    "SMARCO_QUERY_CLIENT_LIMIT": "1",
    "SMARCO_QUERY_CLIENT_QUEUE": "1",
    "SMARCO_STORE_TIMEOUT": str(BUDGET + 2),  # a remote store's request, abandoned at the budget, ends soon after
    "SMARCO_STORE_RETRIES": "0",
}


def _seed(store: GraphStore) -> None:
    lines = "".join(f'<{FILLER}/{i}> <{FILLER}/p> "{i}" .\n' for i in range(FILLER_SIZE))
    store.bulk_load(lines.encode(), rdf_syntax("ntriples"), graph=FILLER)


@pytest.fixture(scope="module")
def server(_base_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("fair")
    with live_server(_base_template, root, partner="cefriel", seed=_seed, env=ENV) as running:
        yield running


def token(server: LiveServer, label: str) -> str:
    """A fresh client: a token of its own (the server reads new tokens at once)."""
    secret, _ = server.tokens.create(partner=None, admin=True, label=label)
    return secret


def sparql(server: LiveServer, query: str, secret: str | None, **params: str) -> httpx.Response:
    headers = {"Accept": "application/sparql-results+json"}
    if secret is not None:
        headers["Authorization"] = f"Bearer {secret}"
    return httpx.get(server.sparql, params={"query": query, **params}, headers=headers, timeout=60)


class InFlight:
    """Requests sent from threads, so that they run while the test goes on; ``wait`` collects their answers."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.answers: list[httpx.Response | Exception] = []

    def send(self, call: Callable[[], httpx.Response]) -> None:
        def run() -> None:
            try:
                self.answers.append(call())
            except Exception as error:  # reported by ``wait``
                self.answers.append(error)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

    def wait(self) -> list[httpx.Response]:
        for thread in self.threads:
            thread.join(60)
        failed = [a for a in self.answers if isinstance(a, Exception)]
        assert not failed, failed
        return [a for a in self.answers if isinstance(a, httpx.Response)]


def test_a_client_over_its_share_gets_429_with_retry_after(server: LiveServer) -> None:
    mine, other = token(server, "greedy"), token(server, "bystander")
    flight = InFlight()
    for _ in range(2):  # one runs, one waits: the most this server lets one client have
        flight.send(lambda: sparql(server, RUNAWAY, mine))
    time.sleep(1.0)
    try:
        refused = sparql(server, PROBE, mine)
        body = problem(refused, 429)
        assert body["type"].endswith("/too-many-requests"), body
        assert "1 running, 1 waiting" in body["detail"], body
        assert 1 <= int(refused.headers["retry-after"]) <= BUDGET, refused.headers
        answered = sparql(server, PROBE, other)  # another client's share is untouched
        assert answered.status_code == 200 and answered.json()["boolean"] is True, describe(answered)
    finally:
        ended = flight.wait()
    assert sorted(r.status_code for r in ended) == [503, 503], [describe(r) for r in ended]


def test_an_anchored_query_is_answered_at_once_beside_its_clients_runaways_and_everyone_elses(
    server: LiveServer,
) -> None:
    embedded_only(server.settings, "a remote store answers every query itself")
    mine = token(server, "anchored")
    flight = InFlight()
    for secret in (mine, mine, token(server, "other-runaway")):  # both shared workers busy, the client's share full
        flight.send(lambda secret=secret: sparql(server, RUNAWAY, secret))
    time.sleep(1.0)
    try:
        problem(sparql(server, PROBE, mine), 429)  # the share is full for a query that needs a worker
        started = time.monotonic()
        answered = sparql(server, ANCHORED, mine)
        elapsed = time.monotonic() - started
        assert answered.status_code == 200 and answered.json()["boolean"] is True, describe(answered)
        assert elapsed < 0.5, f"{elapsed:.2f} s: it waited for a worker"
    finally:
        ended = flight.wait()
    assert sorted(r.status_code for r in ended) == [503, 503, 503], [describe(r) for r in ended]


def test_made_up_tokens_share_their_address(server: LiveServer) -> None:
    embedded_only(server.settings, "who a client is does not depend on the store")
    flight = InFlight()
    for n in range(2):
        flight.send(lambda n=n: sparql(server, RUNAWAY, f"smarco_made-up-{n}"))
    time.sleep(1.0)
    try:
        problem(sparql(server, PROBE, "smarco_made-up-2"), 429)
    finally:
        flight.wait()


def test_three_clients_running_runaways_leave_a_fourth_clients_ask_answering(server: LiveServer) -> None:
    flight = InFlight()
    for n in range(3):
        secret = token(server, f"runaway-{n}")
        flight.send(lambda secret=secret: sparql(server, RUNAWAY, secret))
    time.sleep(1.0)
    try:
        # On the embedded store its own budget is shorter than the runaways': without a reserved worker it would
        # wait for one of theirs. A remote store answers it from its own threads, as fast as it can beside them.
        budget = BUDGET if server.settings.remote else BUDGET / 2
        answered = sparql(server, PROBE, token(server, "light"), timeout=str(budget))
        assert answered.status_code == 200, describe(answered)
        assert answered.json()["boolean"] is True
    finally:
        ended = flight.wait()
    assert [r.status_code for r in ended] == [503, 503, 503], [describe(r) for r in ended]


def test_a_runaway_is_stopped_at_its_budget(server: LiveServer) -> None:
    started = time.monotonic()
    response = sparql(server, RUNAWAY, token(server, "runaway"), timeout="1.5")
    elapsed = time.monotonic() - started
    body = problem(response, 503)
    assert body["type"].endswith("/query-timeout") and "1.5 s" in body["detail"], body
    assert response.headers["retry-after"]
    assert elapsed < BUDGET, f"stopped after {elapsed:.1f} s, past its own budget and the server's"
    after = sparql(server, PROBE, token(server, "after"))
    assert after.status_code == 200, describe(after)
