"""One commit call: a write through the knowledge graph is in the store, the change feed and the text index, the
dumps are stale, the write generation moves on and the listeners hear of it; a refused or dry-run write does none."""

from __future__ import annotations

import pytest

from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store import Changeset
from smarco_kg.write_path import WriteRejected

GRAPH = "https://w3id.org/smarco/graph/partner/cefriel"
PRACTICE = "https://w3id.org/smarco/practice/commit-test"
VALID = f"""@prefix smarco: <https://w3id.org/smarco/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
<{PRACTICE}> a smarco:BestPractice ;
  dct:title "Zyxwv open data charter"@en ;
  dct:description "A charter for sharing city data openly."@en ;
  smarco:contributedBy <https://w3id.org/smarco/organisation/cefriel> ;
  smarco:aim smarco:resilientCommunities ;
  smarco:relatedSkill <http://data.europa.eu/esco/skill/0da6cab1-0ee9-4391-a299-f71fbf21db56> .
"""


def heard(kg: KnowledgeGraph) -> list[int]:
    calls: list[int] = []
    kg.listeners.append(lambda: calls.append(kg.generation))
    return calls


def test_a_commit_writes_records_indexes_and_marks_the_dumps_stale(demo_kg: KnowledgeGraph) -> None:
    demo_kg.dumps.write(demo_kg.store, demo_kg.dumps.state())
    assert demo_kg.dumps.current(demo_kg.dumps.state())
    calls = heard(demo_kg)
    before = demo_kg.changes.since(0, 1000)
    result = demo_kg.commit(
        VALID.encode(),
        rdf_syntax("turtle"),
        actor="cefriel (token 1)",
        operation="create",
        subjects=[PRACTICE],
        graph=GRAPH,
    )
    assert result.quads == 6
    assert demo_kg.store.query(f"ASK {{ GRAPH <{GRAPH}> {{ <{PRACTICE}> ?p ?o }} }}").boolean
    events = demo_kg.changes.since(0, 1000)[len(before) :]
    assert [(e.operation, e.graph, e.subjects) for e in events] == [("create", GRAPH, [PRACTICE])]
    hits, total = demo_kg.search.search("zyxwv", types=["practice"])
    assert total == 1 and hits[0].iri == PRACTICE
    assert not demo_kg.dumps.current(demo_kg.dumps.state())
    assert calls == [1] and demo_kg.generation == 1


def test_removals_are_committed_in_one_call_too(demo_kg: KnowledgeGraph) -> None:
    demo_kg.commit(VALID.encode(), rdf_syntax("turtle"), graph=GRAPH)
    calls = heard(demo_kg)
    demo_kg.apply(
        Changeset(remove_resources=[(GRAPH, PRACTICE)]),
        graphs=[GRAPH],
        actor="admin",
        operation="delete",
        subjects=[PRACTICE],
    )
    assert not demo_kg.store.query(f"ASK {{ GRAPH <{GRAPH}> {{ <{PRACTICE}> ?p ?o }} }}").boolean
    assert demo_kg.changes.since(0, 1000)[-1].operation == "delete"
    assert demo_kg.search.search("zyxwv", types=["practice"])[1] == 0
    assert calls == [2]


def test_an_update_is_committed_in_one_call(demo_kg: KnowledgeGraph) -> None:
    calls = heard(demo_kg)
    body = "\n".join(line for line in VALID.splitlines() if not line.startswith("@prefix"))
    prefixes = "PREFIX smarco: <https://w3id.org/smarco/ontology#> PREFIX dct: <http://purl.org/dc/terms/>\n"
    demo_kg.update(f"{prefixes}INSERT DATA {{ GRAPH <{GRAPH}> {{ {body} }} }}", actor="cefriel (token 1)")
    assert demo_kg.search.search("zyxwv", types=["practice"])[1] == 1
    assert demo_kg.changes.since(0, 1000)[-1].operation == "update"
    assert calls == [1]


def test_a_refused_or_dry_run_write_commits_nothing(demo_kg: KnowledgeGraph) -> None:
    calls = heard(demo_kg)
    events = len(demo_kg.changes.since(0, 1000))
    demo_kg.commit(VALID.encode(), rdf_syntax("turtle"), graph=GRAPH, dry_run=True)
    without_aim = "\n".join(line for line in VALID.splitlines() if "smarco:aim" not in line)
    with pytest.raises(WriteRejected):
        demo_kg.commit(without_aim.encode(), rdf_syntax("turtle"), graph=GRAPH)
    assert calls == [] and demo_kg.generation == 0
    assert len(demo_kg.changes.since(0, 1000)) == events
    assert not demo_kg.store.query(f"ASK {{ GRAPH <{GRAPH}> {{ <{PRACTICE}> ?p ?o }} }}").boolean
