"""SPARQL Update through the validated write path: which graphs an update writes, and sandboxed validation."""

from __future__ import annotations

import io
import time

import pytest

from smarco_kg.errors import BadRequest
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store import QuerySyntaxError
from smarco_kg.updates import (
    ANY_GRAPH,
    DEFAULT_GRAPH,
    UpdateError,
    UpdateResult,
    apply_update,
    plan,
    with_protocol_dataset,
)
from smarco_kg.write_path import WriteRejected

CEFRIEL = "https://w3id.org/smarco/graph/partner/cefriel"
COURSE = "https://w3id.org/smarco/course/urban-data-platforms"


@pytest.mark.parametrize(
    ("update", "targets"),
    [
        ("INSERT DATA { GRAPH <http://g> { <a:s> <a:p> 1 } }", {"http://g"}),
        ("INSERT DATA { <a:s> <a:p> 1 }", {DEFAULT_GRAPH}),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", {"http://g"}),
        ("INSERT { GRAPH ?g { <a:s> <a:p> 1 } } WHERE { GRAPH ?g { } }", {ANY_GRAPH}),
        ("CLEAR GRAPH <http://g>", {"http://g"}),
        ("DROP ALL", {ANY_GRAPH}),
        ("MOVE <http://a> TO <http://b>", {"http://a", "http://b"}),
        ("ADD <http://a> TO DEFAULT", {DEFAULT_GRAPH}),
    ],
)
def test_plan_reads_the_graphs_an_update_writes(update: str, targets: set[str]) -> None:
    assert plan(update).targets == targets


@pytest.mark.parametrize(
    "update",
    [
        "LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <http://g>",
        "INSERT { GRAPH <http://g> { ?s ?p ?o } } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    ],
)
def test_plan_refuses_what_would_reach_the_network(update: str) -> None:
    with pytest.raises(UpdateError, match=r"(LOAD|SERVICE) is not") as caught:
        plan(update)
    assert isinstance(caught.value, BadRequest)
    assert caught.value.problem()["status"] == 400 and caught.value.title in (
        "LOAD is not accepted",
        "SERVICE is not accepted in updates",
    )


@pytest.mark.parametrize(
    "update", ["", "# Empty", "BASE <http://example/>", "PREFIX : <http://example/>\n# Otherwise empty"]
)
def test_an_update_of_only_a_prologue_plans_no_operation(update: str) -> None:
    planned = plan(update)
    assert planned.operations == 0 and planned.targets == set()
    assert plan("INSERT DATA { }").operations == 1


def test_plan_sees_a_graph_read_at_run_time_inside_filter_exists_and_iris_inside_paths() -> None:
    planned = plan(
        "INSERT { GRAPH <http://g> { ?s <http://p> ?o } } WHERE { ?s <http://p>/<http://q>* ?o "
        "FILTER EXISTS { GRAPH ?h { ?s ?p ?o } } }"
    )
    assert planned.targets == {"http://g"} and planned.reads_any_graph
    assert {"http://p", "http://q"} <= planned.named


def test_planning_an_insert_of_5000_triples_takes_seconds_not_minutes() -> None:
    triples = " ".join(f"<http://example.org/s/{n}> <http://example.org/p> {n} ." for n in range(5000))
    started = time.perf_counter()
    planned = plan(f"INSERT DATA {{ GRAPH <http://g> {{ {triples} }} }}")
    assert planned.targets == {"http://g"}
    assert time.perf_counter() - started < 30  # ~2 s; translateUpdate, which sorts them, took 12.6 s for 2000


def test_plan_refuses_bad_syntax_naming_line_and_column() -> None:
    with pytest.raises(QuerySyntaxError, match=r"error at 2:\d+"):
        plan("INSERT DATA {\n GRAPH <http://g> { <a:s> <a:p> } }")


def test_protocol_dataset_goes_before_each_where_of_a_template() -> None:
    update = 'DELETE { ?s <a:p> "} WHERE {" } WHERE { ?s ?p ?o } ; INSERT { <a:s> <a:p> 1 } WHERE { }'
    rewritten = with_protocol_dataset(update, ["http://u"], ["http://n"])
    assert rewritten.count("USING <http://u> USING NAMED <http://n> WHERE") == 2
    assert '"} WHERE {"' in rewritten


@pytest.mark.parametrize(
    "graph",
    ["http://u> WHERE { } ; DROP ALL ; INSERT { <a:s> <a:p> 1 } USING <http://v", "u", ""],
)
def test_a_protocol_dataset_graph_that_is_not_an_absolute_iri_is_refused(graph: str) -> None:
    with pytest.raises(UpdateError, match=r"using-named-graph-uri=.* is not an absolute IRI"):
        with_protocol_dataset("INSERT { <a:s> <a:p> 1 } WHERE { }", ["http://u"], [graph])


def test_without_protocol_dataset_the_update_is_unchanged() -> None:
    assert with_protocol_dataset("CLEAR ALL", [], []) == "CLEAR ALL"


def _update(kg: KnowledgeGraph, sparql: str) -> UpdateResult:
    """``sparql`` applied to ``kg``'s store through its validated write path."""
    return apply_update(kg.store, kg.write_path, sparql)


def _dump(kg: KnowledgeGraph) -> bytes:
    buffer = io.BytesIO()
    kg.store.dump(buffer, rdf_syntax("nquads"))
    return buffer.getvalue()


def test_an_update_that_keeps_the_data_valid_is_applied(demo_kg: KnowledgeGraph) -> None:
    result = _update(
        demo_kg,
        f'WITH <{CEFRIEL}> INSERT {{ ?c <http://purl.org/dc/terms/description> "Zweite Ausgabe."@de }} '
        f"WHERE {{ ?c a <http://data.europa.eu/snb/model/elm/LearningOpportunity> FILTER(?c = <{COURSE}>) }}",
    )
    assert result.added == {CEFRIEL: 1} and result.removed == {}
    assert demo_kg.store.query(f'ASK {{ <{COURSE}> ?p "Zweite Ausgabe."@de }}', union_default_graph=True).boolean


def test_an_update_of_a_resource_with_blank_nodes_is_validated_with_them(demo_kg: KnowledgeGraph) -> None:
    """The specification's credits are a blank node: validated with the specification an update changed (its
    level), they are what the store holds, not a new blank node without points or framework."""
    elm, spec = "http://data.europa.eu/snb/model/elm/", f"{COURSE}/specification"
    result = _update(
        demo_kg,
        f"WITH <{CEFRIEL}> DELETE {{ <{spec}> <{elm}EQFLevel> ?l }} "
        f"INSERT {{ <{spec}> <{elm}EQFLevel> <http://data.europa.eu/snb/eqf/7> }} "
        f"WHERE {{ <{spec}> <{elm}EQFLevel> ?l }}",
    )
    assert result.added == {CEFRIEL: 1} and result.removed == {CEFRIEL: 1}
    credits = f"ASK {{ <{spec}> <{elm}creditPoint> [ <{elm}point> ?p ; <{elm}framework> ?f ] }}"
    assert demo_kg.store.query(credits, union_default_graph=True).boolean


def test_an_update_of_a_blank_nodes_statements_validates_the_resource_owning_it(demo_kg: KnowledgeGraph) -> None:
    """The credits' points removed (a statement of a blank node): the specification owning them no longer conforms,
    so nothing is written; the points changed to another number is a valid update of the same specification."""
    elm, spec = "http://data.europa.eu/snb/model/elm/", f"{COURSE}/specification"
    before = _dump(demo_kg)
    with pytest.raises(WriteRejected) as caught:
        _update(
            demo_kg,
            f"WITH <{CEFRIEL}> DELETE {{ ?c <{elm}point> ?p }} "
            f"WHERE {{ <{spec}> <{elm}creditPoint> ?c . ?c <{elm}point> ?p }}",
        )
    assert {(p.focus_node, p.path) for p in caught.value.report.violations} == {(spec, "elm:creditPoint")}
    assert _dump(demo_kg) == before
    result = _update(
        demo_kg,
        f'WITH <{CEFRIEL}> DELETE {{ ?c <{elm}point> ?p }} INSERT {{ ?c <{elm}point> "5" }} '
        f"WHERE {{ <{spec}> <{elm}creditPoint> ?c . ?c <{elm}point> ?p }}",
    )
    assert result.added == {CEFRIEL: 1} and result.removed == {CEFRIEL: 1} and spec in result.subjects
    points = f'ASK {{ <{spec}> <{elm}creditPoint> [ <{elm}point> "5" ] }}'
    assert demo_kg.store.query(points, union_default_graph=True).boolean


def test_an_update_that_breaks_a_shape_changes_nothing(demo_kg: KnowledgeGraph) -> None:
    before = _dump(demo_kg)
    with pytest.raises(WriteRejected) as caught:
        _update(
            demo_kg,
            f"WITH <{CEFRIEL}> DELETE {{ ?c <http://purl.org/dc/terms/title> ?t }} "
            f"WHERE {{ ?c <http://purl.org/dc/terms/title> ?t FILTER(?c = <{COURSE}>) }}",
        )
    [problem] = caught.value.report.violations
    assert (problem.focus_node, problem.path) == (COURSE, "dct:title")
    assert _dump(demo_kg) == before


def test_an_update_with_no_operation_changes_nothing(demo_kg: KnowledgeGraph) -> None:
    before = _dump(demo_kg)
    result = _update(demo_kg, "BASE <http://example/> PREFIX : <http://example/>")
    assert (result.added, result.removed, result.subjects) == ({}, {}, [])
    assert _dump(demo_kg) == before


def test_an_update_with_a_runtime_error_changes_nothing(demo_kg: KnowledgeGraph) -> None:
    before = _dump(demo_kg)
    with pytest.raises(UpdateError, match="already exists"):
        _update(demo_kg, "CREATE GRAPH <https://w3id.org/smarco/graph/ontology>")
    assert _dump(demo_kg) == before


def test_load_is_refused_before_anything_is_fetched(demo_kg: KnowledgeGraph) -> None:
    before = _dump(demo_kg)
    with pytest.raises(UpdateError, match="LOAD is not supported"):
        _update(demo_kg, f"LOAD <http://127.0.0.1:9/data.ttl> INTO GRAPH <{CEFRIEL}>")
    assert _dump(demo_kg) == before
