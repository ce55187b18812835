"""Costly answers kept for the checkpoint they were read from: served again at once, and never after a write."""

import asyncio
import json
from pathlib import Path

from smarco_kg.formats import rdf_syntax
from smarco_kg.kept_answers import COSTLY_SECONDS, KeptAnswers
from smarco_kg.query_workers import QueryAnswer, QueryRequest, QueryWorkers
from smarco_kg.store.embedded import EmbeddedStore

GRAPH, SIZE = "http://example.org/kept/graph", 130
# 130³ = 2.2 million rows to count: a costly query on any machine, yet seconds at most
COSTLY = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }} }}"
JSON = "application/sparql-results+json"


def count(answer: QueryAnswer) -> int:
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def test_a_costly_answer_is_served_again_without_a_worker_until_a_write_replaces_its_checkpoint(
    tmp_path: Path,
) -> None:
    store = EmbeddedStore(tmp_path / "store")
    lines = "".join(f'<{GRAPH}/{i}> <{GRAPH}/p> "{i}" .\n' for i in range(SIZE))
    store.bulk_load(lines.encode(), rdf_syntax("ntriples"), graph=GRAPH)
    workers = QueryWorkers(store, tmp_path / "checkpoints", size=1)
    workers.start()
    costly, cheap = QueryRequest(COSTLY, accept=JSON), QueryRequest("ASK { ?s ?p ?o }", accept=JSON)

    async def scenario() -> None:
        first = await workers.run(costly, 60)
        assert count(first) == SIZE**3 and first.seconds >= COSTLY_SECONDS
        again = workers.answer_now(costly)
        assert again is not None and again.body == first.body
        assert again.seconds < first.seconds / 10, (again.seconds, first.seconds)
        assert workers.answer_now(QueryRequest(COSTLY, accept="text/csv")) is None  # another format: another answer

        await workers.run(cheap, 60)
        assert workers.answer_now(cheap) is None, "a cheap answer is run again, not kept"

        store.update(f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{GRAPH}/new> <{GRAPH}/p> "new" }} }}')
        workers.refresh()  # what a commit does
        assert workers.answer_now(costly) is None, "kept for the checkpoint before the write only"
        after = await workers.run(costly, 60)
        assert count(after) == (SIZE + 1) ** 3

    try:
        asyncio.run(scenario())
    finally:
        workers.close()
        store.close()


def test_the_least_recently_asked_answers_go_first_beyond_the_budget() -> None:
    kept = KeptAnswers(budget=300, largest=100, costly=0.05)
    requests = [QueryRequest(f"SELECT * WHERE {{ ?s ?p {i} }}") for i in range(4)]
    for request in requests[:3]:
        kept.keep("c1", request, QueryAnswer("solutions", JSON, b"x" * 100, 0.2))
    assert kept.get("c1", requests[0]) is not None  # asked again: the most recent now
    kept.keep("c1", requests[3], QueryAnswer("solutions", JSON, b"y" * 100, 0.2))
    assert [kept.get("c1", r) is not None for r in requests] == [True, False, True, True]
    kept.keep("c1", requests[1], QueryAnswer("solutions", JSON, b"z" * 101, 0.2))  # larger than one may be
    kept.keep("c1", requests[1], QueryAnswer("solutions", JSON, b"z" * 10, 0.01))  # cheaper to run than to hold
    assert kept.get("c1", requests[1]) is None
    assert kept.get("c2", requests[0]) is None  # another checkpoint holds none of them
