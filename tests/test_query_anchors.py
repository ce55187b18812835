"""Which queries are answered in the server's own process: those whose every pattern is reached from a constant
subject; everything else (an unbound subject, a closure, an aggregate…) goes to the workers a timeout can stop."""

from pathlib import Path

import pytest

from smarco_kg.formats import rdf_syntax
from smarco_kg.query_anchors import anchored
from smarco_kg.query_workers import QueryRequest, QueryWorkers
from smarco_kg.store.embedded import EmbeddedStore

ELM = "PREFIX elm: <http://data.europa.eu/snb/model/elm/>\n"
COURSE = "<http://example.org/course/1>"


@pytest.mark.parametrize(
    "text",
    [
        f"SELECT ?p ?o WHERE {{ {COURSE} ?p ?o }}",
        f"{ELM}SELECT * {{ {COURSE} elm:title ?t . ?t ?x ?y FILTER(lang(?y) = 'en') }}",
        f"CONSTRUCT {{ {COURSE} ?p ?o . ?o ?q ?r }} WHERE {{ {COURSE} ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
        f"{ELM}CONSTRUCT {{ {COURSE} ?p ?o . ?lo ?lp ?lv }} WHERE {{\n  {{ {COURSE} ?p ?o }}\n"
        f"  UNION {{ {COURSE} elm:learningAchievementSpecification/elm:learningOutcome ?lo . ?lo ?lp ?lv }}\n}}",
        f"ASK {{ {COURSE} a <urn:x:Course> }}",
        "ASK {}",
        f"DESCRIBE {COURSE}",
        f"DESCRIBE ?o WHERE {{ {COURSE} <urn:p> ?o }}",
        f"SELECT ?g ?o WHERE {{ GRAPH ?g {{ {COURSE} <urn:p> ?o }} }} ORDER BY DESC(?o) LIMIT 10 OFFSET 2",
        f'SELECT * WHERE {{ {COURSE} <urn:p> 1.5, -2, 3e4, "x"@en-GB, "y"^^<urn:t>, true; <urn:q> ?x; . '
        "?x <urn:r> ?y }",
        f"CONSTRUCT WHERE {{ {COURSE} ?p ?o }}",
        f"SELECT ?o FROM <urn:g> WHERE {{ _:b <urn:p> ?o . {COURSE} <urn:q> _:b }}",  # anchored later in the run
        "# a comment { ?s ?p ?o }\nPREFIX : <urn:x:> SELECT ?o { :c :p ?o } LIMIT 5",
        f"SELECT * WHERE {{ {{ {COURSE} ?p ?o }} UNION {{ <urn:d> ?p ?o }} ?o ?q ?r }}",
    ],
)
def test_queries_reached_from_a_constant_subject_are_anchored(text: str) -> None:
    assert anchored(text)


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * WHERE { ?s ?p ?o }",
        f"SELECT * WHERE {{ ?s <urn:p> {COURSE} }}",  # a constant object: as many matches as it has referrers
        f"SELECT (COUNT(*) AS ?n) WHERE {{ {COURSE} ?p ?o }}",
        f"SELECT ?o WHERE {{ {COURSE} ?p ?o }} GROUP BY ?o",
        f"SELECT * WHERE {{ {COURSE} <urn:p>* ?o }}",
        f"SELECT * WHERE {{ {COURSE} <urn:p>/^<urn:q> ?o }}",
        f"SELECT * WHERE {{ {COURSE} ^<urn:p> ?o }}",
        f"SELECT * WHERE {{ {COURSE} (<urn:p>|<urn:q>) ?o }}",
        f"SELECT * WHERE {{ {COURSE} ?p ?o OPTIONAL {{ ?o ?q ?r }} ?r ?x ?y }}",  # ?r may be unbound there
        f"SELECT * WHERE {{ OPTIONAL {{ ?o ?q ?r }} {COURSE} ?p ?o }}",
        f"SELECT * WHERE {{ {{ {COURSE} ?p ?o }} UNION {{ <urn:d> ?p ?x }} ?o ?q ?r }}",  # one branch binds ?o
        f"SELECT * WHERE {{ {COURSE} ?p ?o FILTER NOT EXISTS {{ ?o ?q ?r }} }}",
        f"SELECT * WHERE {{ {COURSE} ?p ?o FILTER(EXISTS {{ ?x ?q ?r }}) }}",
        f"SELECT * WHERE {{ {COURSE} ?p ?o SERVICE <http://example.org/sparql> {{ ?o ?q ?r }} }}",
        f"SELECT * WHERE {{ {COURSE} ?p [ <urn:q> ?r ] }}",
        f"SELECT * WHERE {{ {COURSE} ?p ?o }} VALUES ?o {{ 1 }}",
        "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } }",
        f"SELECT * WHERE {{ {COURSE} ?p ?o BIND(?o AS ?x) }}",
        f"SELECT * WHERE {{ {COURSE} ?p ?o MINUS {{ ?o ?q ?r }} }}",
        "DESCRIBE ?x",
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        f"SELECT * WHERE {{ {COURSE} ?p ?o",
        "",
    ],
)
def test_everything_else_goes_to_the_workers(text: str) -> None:
    assert not anchored(text)


def test_an_anchored_query_that_proves_slow_twice_goes_to_the_workers_from_then_on(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    wide = "".join(f'{COURSE} <urn:x:p{i}> "{i}" .\n' for i in range(200_000))  # one subject, 200k properties
    store.bulk_load(wide.encode(), rdf_syntax("ntriples"), graph="urn:x:g")
    workers = QueryWorkers(store, tmp_path / "checkpoints")
    request = QueryRequest(f"SELECT ?p ?o WHERE {{ {COURSE} ?p ?o }}", accept="text/csv")
    first = workers.answer_now(request)
    assert first is not None and first.body.count(b"\n") == 200_001
    second = workers.answer_now(request)  # once slow might have been a cold read of the disk
    assert second is not None and second.body == first.body
    assert workers.answer_now(request) is None, f"{second.seconds:.3f} s in the server's process, kept there"
    narrow = QueryRequest(f'ASK {{ {COURSE} <urn:x:p7> "7" }}')
    answered = workers.answer_now(narrow)
    assert answered is not None and b"true" in answered.body
    store.close()
