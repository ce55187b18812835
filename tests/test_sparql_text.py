"""Finding SPARQL keywords and the WHERE group outside strings, IRIs, comments, variables and prefixed names;
binding values before the pattern."""

import pytest
from rdflib import Literal, URIRef

from smarco_kg.sparql_text import (
    dataset_clause_start,
    keywords,
    prebinding_start,
    substituted,
    union_branch_starts,
    where_group_start,
    without_dataset_clauses,
)
from smarco_kg.store.embedded import EmbeddedStore
from smarco_kg.store.virtuoso import rewrite, update_text


def test_keywords_ignore_strings_iris_comments_variables_and_prefixed_names() -> None:
    text = 'PREFIX ex: <http://x/load> SELECT ?load WHERE { ex:service ?p "LOAD SERVICE" . # LOAD\n ?s ?p ?o }'
    assert keywords(text) == {"PREFIX", "SELECT", "WHERE"}


def test_keywords_find_service_and_load_where_they_are_keywords() -> None:
    assert "SERVICE" in keywords("SELECT * WHERE { SERVICE <http://x> { ?s ?p ?o } }")
    assert "LOAD" in keywords("load <http://x> INTO GRAPH <http://g>")


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE {"),
        ("PREFIX ex: <http://x/{}> select * { ?s ?p ?o }", "select * {"),
        ('SELECT (EXISTS { ?s ?p "}" } AS ?e) FROM <http://g> WHERE { ?s ?p ?o }', "FROM <http://g> WHERE {"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE {"),
        ("CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } {"),
        ("# a WHERE { in a comment\nASK { ?s ?p ?o }", "ASK {"),
        ("DESCRIBE ?s WHERE { ?s ?p ?o }", "DESCRIBE ?s WHERE {"),
    ],
)
def test_the_where_group_is_found_outside_strings_iris_comments_and_templates(text: str, before: str) -> None:
    start = where_group_start(text)
    assert start is not None and text[:start].endswith(before)


@pytest.mark.parametrize(
    "text",
    ["CONSTRUCT WHERE { ?s ?p ?o }", "DESCRIBE <http://x>", "INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", "SELECT ?s"],
)
def test_no_where_group_to_add_to(text: str) -> None:
    assert where_group_start(text) is None


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("SELECT * FROM <http://g> FROM NAMED <http://h> WHERE { ?s ?p ?o }", "SELECT *   WHERE { ?s ?p ?o }"),
        ("ASK from ex:g from named ex:h { ?s ?p 'FROM <http://g>' }", "ASK   { ?s ?p 'FROM <http://g>' }"),
        ("SELECT ?from { ?s ex:from ?o } # FROM <http://g>", "SELECT ?from { ?s ex:from ?o } # FROM <http://g>"),
    ],
)
def test_dataset_clauses_are_removed_where_they_are_keywords(text: str, left: str) -> None:
    """What a query is when the protocol gives its dataset; the same words in strings, names and comments stay."""
    assert without_dataset_clauses(text) == left


def test_bindings_are_prebound_even_under_aggregates_and_filters() -> None:
    """A bound value takes part in the pattern: filters see it and aggregates count only what matches it."""
    store = EmbeddedStore(None)
    store.update("INSERT DATA { <http://x/a> <http://x/p> 1, 2 . <http://x/b> <http://x/p> 3 }")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://x/p> ?o }"
    rows = list(store.query(count, bindings={"s": URIRef("http://x/a")}).rows())
    assert int(rows[0]["n"]) == 2
    over = "SELECT ?s WHERE { ?s <http://x/p> ?o FILTER(?o > ?min) }"
    assert {str(r["s"]) for r in store.query(over, bindings={"min": Literal(1)}).rows()} == {"http://x/a", "http://x/b"}
    assert [str(r["s"]) for r in store.query(over, bindings={"min": Literal(2)}).rows()] == ["http://x/b"]
    shorthand = "CONSTRUCT WHERE { ?s <http://x/p> ?o }"
    assert len(list(store.query(shorthand, bindings={"s": URIRef("http://x/b")}).triples())) == 1


@pytest.mark.parametrize(
    "text",
    [
        "SELECT ?c WHERE { { ?c a ?k FILTER(?c = ?v) } UNION { ?c ?p ?o } }",
        "SELECT ?s WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?x BIND(?v AS ?y) } }",
        "SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p ?v } LIMIT 1 } }",
    ],
)
def test_values_are_not_put_first_where_a_nested_scope_uses_them(text: str) -> None:
    assert prebinding_start(text, ["v"]) is None
    assert prebinding_start(text, ["other"]) is not None


def test_a_value_used_in_a_nested_filter_is_substituted() -> None:
    store = EmbeddedStore(None)
    store.update("INSERT DATA { <http://x/a> a <http://x/K> . <http://x/b> a <http://x/K> }")
    query = "SELECT DISTINCT ?c ?v WHERE { { ?c a <http://x/K> FILTER(?c = ?v) } UNION { ?c <http://x/none> ?o } }"
    rows = list(store.query(query, bindings={"v": URIRef("http://x/b")}).rows())
    assert [str(r["c"]) for r in rows] == ["http://x/b"]


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT ?s "),
        ("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "SELECT (COUNT(*) AS ?n) "),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } "),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT "),
        ("PREFIX ex: <http://x/where> ASK { ?s ex:where ?o }", "PREFIX ex: <http://x/where> ASK "),
    ],
)
def test_dataset_clauses_go_before_the_where_clause(text: str, before: str) -> None:
    assert text[: dataset_clause_start(text)] == before


def test_no_dataset_clause_in_an_update_or_a_describe_without_where() -> None:
    assert dataset_clause_start("INSERT DATA { <http://x> <http://y> 1 }") is None
    assert dataset_clause_start("DESCRIBE <http://x>") is None


def test_a_value_is_substituted_in_nested_scopes_but_not_where_it_is_assigned() -> None:
    text = 'SELECT ?v WHERE { { ?s ?p ?o FILTER(?o = ?v) } UNION { ?s ?p "?v" } } ORDER BY ?v'
    assert substituted(text, {"v": "<http://x>"}) == (
        'SELECT ?v WHERE { { ?s ?p ?o FILTER(?o = <http://x>) } UNION { ?s ?p "?v" } } ORDER BY ?v'
    )
    assert substituted("SELECT * WHERE { BIND(1 AS ?v) }", {"v": "<http://x>"}) is None
    assert substituted("SELECT * WHERE { VALUES ?v { 1 } }", {"v": "<http://x>"}) is None
    assert substituted("SELECT * WHERE { { SELECT ?v WHERE { ?v ?p ?o } } }", {"v": "<http://x>"}) is None


NOTHING_DELETED = (
    "DELETE { GRAPH <urn:x-smarco:nothing> { <urn:x-smarco:nothing> <urn:x-smarco:nothing> <urn:x-smarco:nothing> } } "
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "INSERT { GRAPH ?g { ?s ?p 1 } } WHERE { ?s ?p ?o }",
            NOTHING_DELETED + "INSERT { GRAPH ?g { ?s ?p 1 } } WHERE { ?s ?p ?o }",
        ),
        ("WITH <g> INSERT { ?s <p> 1 } WHERE {}", "WITH <g> " + NOTHING_DELETED + "INSERT { ?s <p> 1 } WHERE {}"),
        ("DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", None),
        ("INSERT DATA { <a> <b> <c> }", None),
        ('INSERT DATA { <a> <b> "INSERT { _:x [" } ; DELETE WHERE { ?s ?p ?o }', None),
        (
            "INSERT DATA { GRAPH <g> { <a> <b> _:c . _:c <d> ( 1 ) } } ; INSERT DATA { <a> <b> [ <c> 1 ] }",
            NOTHING_DELETED
            + "INSERT { GRAPH <g> { <a> <b> _:c . _:c <d> ( 1 ) } } WHERE {} ; "
            + NOTHING_DELETED
            + "INSERT { <a> <b> [ <c> 1 ] } WHERE {}",
        ),
        (
            "DELETE WHERE { ?s ?p ?o } ; INSERT { ?s ?p 1 } WHERE {}",
            "DELETE WHERE { ?s ?p ?o } ; " + NOTHING_DELETED + "INSERT { ?s ?p 1 } WHERE {}",
        ),
    ],
)
def test_an_insert_only_template_or_data_with_blank_nodes_gets_a_delete_template_of_nothing(
    text: str, expected: str | None
) -> None:
    assert update_text(text) == (expected or text)


def test_values_alone_get_a_filter_empty_union_branches_a_subquery_and_separators_a_marker() -> None:
    text = (
        'SELECT (GROUP_CONCAT(?c; SEPARATOR=" · ") AS ?a) WHERE { { VALUES ?c { "}" } }'
        " UNION { VALUES ?c { 1 } ?c ?p ?o } }"
    )
    assert rewrite("SELECT * WHERE { {} UNION { { } } OPTIONAL { } VALUES ?x { } }").sparql == (
        "SELECT * WHERE { { SELECT * WHERE { } } UNION { { SELECT * WHERE { } } } OPTIONAL { } VALUES ?x { } }"
    )
    assert rewrite("ASK {}").sparql == "ASK {}"
    assert rewrite(text).sparql == (
        'SELECT (GROUP_CONCAT(?c; SEPARATOR="~x-smarco-separator-0~") AS ?a) WHERE { { VALUES ?c { "}" } FILTER(true) }'
        " UNION { VALUES ?c { 1 } ?c ?p ?o } }"
    )
    assert rewrite("SELECT * WHERE { {} UNION { { } } OPTIONAL { } VALUES ?x { } }").sparql == (
        "SELECT * WHERE { { SELECT * WHERE { } } UNION { { SELECT * WHERE { } } } OPTIONAL { } VALUES ?x { } }"
    )
    assert rewrite("ASK {}").sparql == "ASK {}"


def test_an_update_naming_graphs_is_told_its_dataset_unless_it_has_one() -> None:
    using = "USING <d> USING NAMED <a>"
    assert update_text('DELETE WHERE { GRAPH ?g { ?s <p> "x"@en } }', using) == (
        f'DELETE WHERE {{ GRAPH ?g {{ ?s <p> "x"@en }} }} {using} WHERE {{ GRAPH ?g {{ ?s <p> "x"@en }} }}'.replace(
            "DELETE WHERE { GRAPH", "DELETE { GRAPH", 1
        )
    )
    for untouched in ("WITH <g> DELETE { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "DELETE WHERE { ?s <p> 1 }"):
        assert update_text(untouched, using) == untouched
    assert update_text("DELETE { GRAPH ?g { ?s ?p 1 } } WHERE { GRAPH ?g { ?s ?p 1 } }", using).endswith(
        f"}} {using} WHERE {{ GRAPH ?g {{ ?s ?p 1 }} }}"
    )


def test_the_branches_of_a_union_in_the_where_group_are_found_where_they_open() -> None:
    text = (
        "SELECT ?s WHERE { { ?s <urn:p> ?v } UNION { ?x <urn:b>+ ?v . ?s <urn:p> ?x FILTER(?x != <urn:y>) } "
        'UNION { ?s <urn:q> "}" } ?s <urn:r> ?o { ?o <urn:t> ?t } '
        "OPTIONAL { { ?o <urn:u> ?a } UNION { ?o <urn:w> ?a } } }"
    )
    starts = union_branch_starts(text)
    assert [text[at - 1 : at + 9] for at in starts] == ["{ ?s <urn:", "{ ?x <urn:", "{ ?s <urn:"]
    assert union_branch_starts("SELECT * WHERE { ?s ?p ?o }") == []
    subquery = "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } } UNION { ?s <urn:p> ?v } }"
    assert [subquery[at - 1 : at + 4] for at in union_branch_starts(subquery)] == ["{ ?s "]  # not the subquery
    assert union_branch_starts("INSERT DATA { { <urn:a> <urn:b> 1 } UNION { } }") == []


def test_a_bound_value_opens_each_union_branch_so_the_store_starts_from_it(tmp_path) -> None:
    store = EmbeddedStore(tmp_path / "store")
    lines = "".join(
        f"<urn:k{i}> <urn:broader> <urn:k{i // 4}> .\n<urn:c{i}> <urn:teaches> <urn:k{i}> .\n" for i in range(1, 400)
    )
    store.update(f"INSERT DATA {{ {lines.replace(chr(10), ' ')} }}")
    query = "SELECT DISTINCT ?s WHERE { { ?s <urn:teaches> ?v } UNION { ?k <urn:broader>+ ?v . ?s <urn:teaches> ?k } }"
    rows = store.query(query, bindings={"v": URIRef("urn:k5")}).rows()
    found = sorted(str(row["s"]) for row in rows)
    narrower = {5}
    while len(narrower) < len(grown := narrower | {i for i in range(1, 400) if i // 4 in narrower}):
        narrower = grown
    assert len(narrower) == 1 + 4 + 16 + 64  # 5, its children, grandchildren and great-grandchildren
    assert found == sorted(f"urn:c{i}" for i in narrower)
    store.close()
