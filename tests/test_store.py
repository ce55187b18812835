"""The GraphStore contract on both backends (embedded pyoxigraph and a real Virtuoso through the SPARQL protocols):
queries with safe bindings, atomic changesets, named graphs, dumps; and the embedded store's locking."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from rdflib import BNode, Literal, URIRef

from smarco_kg.formats import rdf_syntax
from smarco_kg.store import Changeset, QuerySyntaxError, StoreError, StoreLockedError, open_store
from smarco_kg.store.embedded import WHOLE_BYTES
from smarco_kg.store.remote import RemoteStore
from tests.virtuoso import remote_store, virtuoso

G = "https://w3id.org/smarco/graph/partner/test"
NQ = f"""<http://ex.org/a> <http://ex.org/p> "one" <{G}> .
<http://ex.org/a> <http://ex.org/q> _:b <{G}> .
_:b <http://ex.org/r> "owned" <{G}> .
<http://ex.org/c> <http://ex.org/p> "other" <{G}> .
""".encode()


@pytest.fixture(scope="module")
def virtuoso_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with virtuoso(tmp_path_factory.mktemp("virtuoso")) as url:
        yield url


@pytest.fixture(params=["embedded", "virtuoso"])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    if request.param == "embedded":
        with open_store(tmp_path / "store") as opened:
            yield opened
        return
    remote = remote_store(request.getfixturevalue("virtuoso_url"))
    remote.clear()
    yield remote
    remote.close()


@pytest.fixture
def embedded(tmp_path: Path):
    with open_store(tmp_path / "store") as opened:
        yield opened


def test_additive_changeset_adds_quads_to_their_graphs(store) -> None:
    store.apply(Changeset(add=NQ))
    assert store.graph_sizes() == {G: 4}
    assert store.graphs() == [G]


def test_triples_without_graph_go_to_the_changeset_default_graph(store) -> None:
    store.apply(Changeset(add=b'<http://ex.org/a> <http://ex.org/p> "x" .\n', default_graph=G))
    assert store.graph_size(G) == 1


def test_removing_a_resource_removes_its_owned_blank_nodes_but_not_other_resources(store) -> None:
    store.apply(Changeset(add=NQ))
    store.apply(Changeset(remove_resources=[(G, "http://ex.org/a")]))
    rows = list(store.query(f"SELECT ?s ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").rows())
    assert rows == [{"s": URIRef("http://ex.org/c"), "o": Literal("other")}]


def test_a_resource_in_the_default_graph_is_removed_with_its_blank_nodes(store) -> None:
    store.apply(Changeset(add=b'<http://ex.org/a> <http://ex.org/p> _:b .\n_:b <http://ex.org/q> "1" .\n'))
    assert store.graph_size("") == 2
    store.apply(Changeset(remove_resources=[("", "http://ex.org/a")]))
    assert store.graph_size("") == 0


def test_failing_changeset_changes_nothing(store) -> None:
    store.apply(Changeset(add=NQ))
    before = _canonical(_dump(store))
    with pytest.raises(SyntaxError):
        store.apply(Changeset(add=b"<http://ex.org/a> <http://ex.org/p> broken .\n", clear_graphs=[G]))
    assert _canonical(_dump(store)) == before


def _canonical(nquads: bytes) -> list[str]:
    """The quads with blank-node labels blanked (a remote store labels them afresh on every read), sorted."""
    return sorted(re.sub(r"_:\S+", "_:b", line) for line in nquads.decode().splitlines() if line.strip())


def test_bindings_are_values_not_query_text(store) -> None:
    store.apply(Changeset(add=NQ))
    hostile = Literal('one" } ; DROP ALL ; #')
    result = store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"o": hostile})
    assert list(result.rows()) == []
    assert store.graph_size(G) == 4
    found = store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }", bindings={"o": Literal("one")})
    assert [row["s"] for row in found.rows()] == [URIRef("http://ex.org/a")]


def test_union_default_graph_sees_named_graphs(store) -> None:
    store.apply(Changeset(add=NQ))
    assert not store.query("ASK { ?s ?p ?o }").boolean
    assert store.query("ASK { ?s ?p ?o }", union_default_graph=True).boolean


G2 = f"{G}-2"
EVERY = "SELECT ?g ?s WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } }"


def _two_graphs(store) -> None:
    store.apply(Changeset(add=f'<http://ex.org/a> <http://ex.org/p> "1" <{G}> .\n'.encode()))
    store.apply(Changeset(add=f'<http://ex.org/b> <http://ex.org/p> "2" <{G2}> .\n'.encode()))
    store.apply(Changeset(add=b'<http://ex.org/c> <http://ex.org/p> "3" .\n'))


def _pairs(result) -> list[tuple[str, str]]:
    """(graph, subject) of each solution; the graph "" where the default graph matched."""
    return sorted((str(row.get("g", "")), str(row["s"])) for row in result.rows())


def test_default_graphs_alone_give_a_dataset_without_named_graphs(store) -> None:
    """The protocol's dataset, exactly: default graphs without named ones give no named graph (SPARQL 1.1 Protocol
    §2.1.4, as FROM without FROM NAMED)."""
    _two_graphs(store)
    assert _pairs(store.query(EVERY, default_graphs=[G])) == [("", "http://ex.org/a")]
    assert _pairs(store.query(EVERY, default_graphs=[""])) == [("", "http://ex.org/c")]
    assert not store.query(f"ASK {{ GRAPH <{G2}> {{ ?s ?p ?o }} }}", default_graphs=[G]).boolean


def test_named_graphs_alone_give_an_empty_default_graph(store) -> None:
    _two_graphs(store)
    assert _pairs(store.query(EVERY, named_graphs=[G2])) == [(G2, "http://ex.org/b")]
    assert _pairs(store.query(EVERY, default_graphs=[], named_graphs=[])) == []


def test_the_given_dataset_replaces_the_one_the_query_names(store) -> None:
    _two_graphs(store)
    own = f"SELECT ?g ?s FROM <{G}> FROM NAMED <{G}> WHERE {{ {{ GRAPH ?g {{ ?s ?p ?o }} }} UNION {{ ?s ?p ?o }} }}"
    assert _pairs(store.query(own)) == [("", "http://ex.org/a"), (G, "http://ex.org/a")]
    assert _pairs(store.query(own, default_graphs=[G2])) == [("", "http://ex.org/b")]
    assert _pairs(store.query(own, named_graphs=[G2])) == [(G2, "http://ex.org/b")]


@pytest.mark.parametrize(
    "graph",
    ["urn:x> WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } #", "relative/graph", "http://ex.org/a b"],
)
def test_a_dataset_graph_that_is_no_iri_is_refused_before_anything_runs(store, graph: str) -> None:
    """Graph names are never text a store pastes into a query: a value that would end the IRI and add a SERVICE
    call is a syntax error, as a relative or spaced one is."""
    _two_graphs(store)
    with pytest.raises(QuerySyntaxError, match="default-graph-uri"):
        store.query(EVERY, default_graphs=[graph])
    with pytest.raises(QuerySyntaxError, match="named-graph-uri"):
        store.query(EVERY, named_graphs=[graph])


def test_query_syntax_error_names_the_position(store) -> None:
    with pytest.raises(QuerySyntaxError, match=r"1:\d+|line 1"):  # Virtuoso names the line only
        store.query("SELECT WHERE { ?s }")


def test_a_broken_file_to_load_is_a_syntax_error_naming_it_and_loads_nothing(store, tmp_path: Path) -> None:
    good = "".join(f"<http://example.org/s{i}> <http://example.org/p> <http://example.org/o> .\n" for i in range(2000))
    broken = tmp_path / "broken.nt"
    broken.write_text(good + '<http://example.org/s> <http://example.org/p> "unterminated .\n', encoding="utf-8")
    with pytest.raises(QuerySyntaxError, match=r"broken\.nt"):
        store.bulk_load(broken, rdf_syntax("ntriples"), graph="http://example.org/g")
    assert store.graph_size("http://example.org/g") == 0
    store.bulk_load(broken.read_bytes()[: len(good)], rdf_syntax("ntriples"), graph="http://example.org/g")
    assert store.graph_size("http://example.org/g") == 2000


def _lines(n: int, label: str) -> str:
    return "".join(f'<http://example.org/s{i}> <http://example.org/p> "{label}" .\n' for i in range(n))


def test_replacing_a_graph_is_atomic_reports_progress_and_shows_no_staging_graph(store, tmp_path: Path) -> None:
    graph, other = "http://example.org/g", "http://example.org/other"
    store.bulk_load(_lines(3, "old").encode(), rdf_syntax("ntriples"), graph=graph)
    store.bulk_load(_lines(2, "kept").encode(), rdf_syntax("ntriples"), graph=other)
    first, second = tmp_path / "a.nt", tmp_path / "b.ttl"
    first.write_text(_lines(1500, "new"), encoding="utf-8")
    second.write_text('<http://example.org/t> <http://example.org/p> "new" .\n', encoding="utf-8")
    seen: list[tuple[int, list[str], int]] = []

    def progress(done: int) -> None:  # while the new data is on its way in
        union = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=True)
        seen.append((done, store.graphs(), int(next(union.rows())["n"])))

    sources = [(first, rdf_syntax("ntriples")), (second, rdf_syntax("turtle"))]
    assert store.replace_graph(graph, sources, progress=progress) == 1501
    assert seen and all(set(graphs) <= {graph, other} for _, graphs, _ in seen)  # no staging graph shows
    if isinstance(store, RemoteStore):  # staged beside the old graph, which stays whole until one update
        assert all(graphs == [graph, other] and count == 5 for _, graphs, count in seen)
    assert [done for done, _, _ in seen] == sorted(done for done, _, _ in seen) and seen[-1][0] > 0
    assert store.graph_sizes() == {graph: 1501, other: 2}
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://example.org/u> <http://example.org/p> .\n", encoding="utf-8")
    with pytest.raises(QuerySyntaxError, match=r"broken\.ttl"):
        store.replace_graph(graph, [(first, rdf_syntax("ntriples")), (broken, rdf_syntax("turtle"))])
    assert store.graph_sizes() == {graph: 1501, other: 2}


def test_results_serialise_in_every_sparql_format(store) -> None:
    from smarco_kg.formats import RESULT_FORMATS

    store.apply(Changeset(add=NQ))
    for fmt in RESULT_FORMATS:
        body = store.query("SELECT ?s WHERE { GRAPH ?g { ?s ?p ?o } }").serialize(fmt)
        assert b"http://ex.org/a" in body, fmt.name


def test_dump_round_trips_through_nquads(store, tmp_path: Path) -> None:
    store.apply(Changeset(add=NQ))
    dumped = _dump(store)
    with open_store(tmp_path / "copy") as copy:
        copy.bulk_load(dumped, rdf_syntax("nquads"))
        assert copy.graph_sizes() == store.graph_sizes()


def test_a_second_opener_is_told_the_store_is_in_use(embedded) -> None:
    store = embedded
    with pytest.raises(StoreLockedError, match="open in another process") as locked:
        open_store(store.path)
    assert isinstance(locked.value, StoreError) and locked.value.status == 503  # busy, not broken


def test_a_syntax_error_is_the_clients_mistake_and_a_store_failure_the_gateways(store) -> None:
    with pytest.raises(QuerySyntaxError) as bad:
        store.query("SELECT WHERE { ?s }")
    assert isinstance(bad.value, ValueError) and bad.value.problem()["status"] == 400
    assert StoreError("the store is gone").problem() == {
        "type": "https://w3id.org/smarco/problems/bad-gateway",
        "title": "the store could not answer",
        "status": 502,
        "detail": "the store is gone",
        "errors": [],
    }


def test_a_directory_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a store")
    with pytest.raises(StoreError, match="not a smarco-kg store"):
        open_store(tmp_path)


def test_a_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(StoreError, match="is a file"):
        open_store(path)


def test_opening_without_create_needs_an_existing_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="smarco-kg init"):
        open_store(tmp_path / "missing", create=False)


def _dump(store) -> bytes:
    buffer = io.BytesIO()
    store.dump(buffer, rdf_syntax("nquads"))
    return buffer.getvalue()


def test_a_hostile_iri_binding_is_refused(store) -> None:
    with pytest.raises(ValueError, match="not a valid IRI"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", bindings={"o": URIRef("http://x> } ; DROP ALL ; <http://y")})


KILLED_MID_REPLACEMENT = """
import os, sys
from pathlib import Path
from smarco_kg.formats import rdf_syntax
from smarco_kg.store import open_store
store = open_store(Path(sys.argv[1]))
# killed while the new data is on its way in: the old graph removed, the new one part loaded
store.replace_graph(sys.argv[2], [(Path(sys.argv[3]), rdf_syntax("ntriples"))], progress=lambda done: os._exit(9))
"""


def test_a_replacement_killed_half_way_is_undone_when_the_store_is_next_opened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    graph = "http://example.org/g"
    with open_store(tmp_path / "store") as store:
        store.bulk_load(_lines(40, "old").encode(), rdf_syntax("ntriples"), graph=graph)
    new = tmp_path / "new.nt"
    new.write_text(_lines(20_000, "new"), encoding="utf-8")
    arguments = [str(tmp_path / "store"), graph, str(new)]
    killed = subprocess.run([sys.executable, "-c", KILLED_MID_REPLACEMENT, *arguments], check=False)
    assert killed.returncode == 9 and (tmp_path / "store.replacing" / "graph").is_file()
    with caplog.at_level(logging.WARNING, logger="smarco_kg.store"), open_store(tmp_path / "store") as store:
        assert store.graph_sizes() == {graph: 40}
        assert not store.query(f'ASK {{ GRAPH <{graph}> {{ ?s ?p "new" }} }}').boolean
    assert [r.getMessage().split(" as it was")[0] for r in caplog.records] == [f"restored graph <{graph}> (40 triples)"]
    assert not (tmp_path / "store.replacing").exists()


_TERMS = f"""<http://ex.org/s> <http://ex.org/iri> <http://ex.org/o> <{G}> .
<http://ex.org/s> <http://ex.org/plain> "tab\\there \\"quoted\\" \\\\ back" <{G}> .
<http://ex.org/s> <http://ex.org/lang> "Grüße"@de-AT <{G}> .
<http://ex.org/s> <http://ex.org/int> "42"^^<http://www.w3.org/2001/XMLSchema#integer> <{G}> .
<http://ex.org/s> <http://ex.org/dec> "1.50"^^<http://www.w3.org/2001/XMLSchema#decimal> <{G}> .
<http://ex.org/s> <http://ex.org/bool> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> <{G}> .
<http://ex.org/s> <http://ex.org/dur> "PT3H"^^<http://www.w3.org/2001/XMLSchema#duration> <{G}> .
<http://ex.org/s> <http://ex.org/str> "x"^^<http://www.w3.org/2001/XMLSchema#string> <{G}> .
<http://ex.org/s> <http://ex.org/blank> _:n <{G}> .
_:n <http://ex.org/r> "inner" <{G}> .
""".encode()


def _as_read(store, filler: int) -> list[tuple]:
    """Every row of a query over ``_TERMS``, padded with ``filler`` more rows of long text (so that the body crosses
    ``WHOLE_BYTES`` and is read solution by solution), as (p, o, type of o, o's language, o's datatype)."""
    query = f"""SELECT ?p ?o ?n WHERE {{
  {{ <http://ex.org/s> ?p ?o OPTIONAL {{ ?o <http://ex.org/r> ?n }} }}
  UNION {{ VALUES ?i {{ {" ".join(str(i) for i in range(filler))} }} BIND(CONCAT(STR(?i), "{"x" * 200}") AS ?p) }}
}}"""
    rows = [row for row in store.query(query, union_default_graph=True).rows() if "o" in row]
    inner = {str(row["n"]) for row in rows if "n" in row}
    assert inner == {"inner"}  # the blank node's row binds ?n, read with the rest
    return sorted(
        (
            str(r["p"]),
            type(r["o"]).__name__,
            str(r["o"]) if not isinstance(r["o"], BNode) else "_",
            getattr(r["o"], "language", None),
            str(getattr(r["o"], "datatype", None)),
        )
        for r in rows
    )


def test_rows_are_the_same_terms_read_whole_or_solution_by_solution(embedded) -> None:
    """Small results are read as SPARQL JSON at once, large ones solution by solution: every kind of term comes
    back the same either way (IRIs, plain, tagged and typed literals with escapes, blank nodes)."""
    embedded.apply(Changeset(add=_TERMS))
    small = _as_read(embedded, 0)
    large = _as_read(embedded, WHOLE_BYTES // 150)
    assert small == large
    by_predicate = {p: (kind, text, lang, datatype) for p, kind, text, lang, datatype in small}
    assert by_predicate["http://ex.org/plain"] == ("Literal", 'tab\there "quoted" \\ back', None, "None")
    assert by_predicate["http://ex.org/lang"] == ("Literal", "Grüße", "de-at", "None")
    assert by_predicate["http://ex.org/int"][3] == "http://www.w3.org/2001/XMLSchema#integer"
    assert by_predicate["http://ex.org/dur"][1:] == ("PT3H", None, "http://www.w3.org/2001/XMLSchema#duration")
    assert by_predicate["http://ex.org/str"] == ("Literal", "x", None, "None")  # xsd:string is the plain literal
    assert by_predicate["http://ex.org/blank"][0] == "BNode"
    assert by_predicate["http://ex.org/iri"] == ("URIRef", "http://ex.org/o", None, "None")


def test_rows_read_on_a_thread_are_plain_python_afterwards(embedded) -> None:
    """Rows read on a thread (as the server's threadpool does) can be used and dropped on another: pyoxigraph's
    iterators cannot, and the rows hold none of them."""
    embedded.apply(Changeset(add=_TERMS))
    query = "SELECT ?p ?o WHERE { ?s ?p ?o }"
    with ThreadPoolExecutor(1) as pool:
        rows = pool.submit(lambda: list(embedded.query(query, union_default_graph=True).rows())).result()
    assert len(rows) == 10
    assert {str(r["p"]) for r in rows} >= {"http://ex.org/lang", "http://ex.org/r"}


G2, G3 = "https://w3id.org/smarco/graph/partner/second", "https://w3id.org/smarco/graph/partner/elsewhere"
_OWNED = f"""<http://ex.org/a> <http://ex.org/title> "Kurs"@de <{G}> .
<http://ex.org/a> <http://ex.org/hours> "PT3H"^^<http://www.w3.org/2001/XMLSchema#duration> <{G}> .
<http://ex.org/a> <http://ex.org/link> <http://ex.org/c> <{G}> .
<http://ex.org/a> <http://ex.org/part> _:b1 <{G}> .
_:b1 <http://ex.org/part> _:b2 <{G}> .
_:b2 <http://ex.org/part> _:b3 <{G}> .
_:b3 <http://ex.org/part> _:b4 <{G}> .
_:b4 <http://ex.org/deep> "too deep" <{G}> .
<http://ex.org/c> <http://ex.org/title> "linked, not described" <{G}> .
<http://ex.org/a> <http://ex.org/title> "Kurs"@de <{G2}> .
<http://ex.org/a> <http://ex.org/extra> "second home" <{G2}> .
<http://ex.org/a> <http://ex.org/said> "said elsewhere" <{G3}> .
""".encode()


def test_a_bounded_description_holds_its_nodes_and_three_levels_of_owned_blank_nodes_from_the_given_graphs(
    store,
) -> None:
    """What a member's page reads: the nodes' statements in the merge of the graphs given, once each, and those of
    the blank nodes they own three levels down; not a linked IRI's, nor any said in another graph."""
    store.apply(Changeset(add=_OWNED))
    found = store.bounded_description([URIRef("http://ex.org/a")], [G, G2])
    assert len(found) == len(set(found)) == 8  # five of the node (its title, in both homes, once), three owned
    by_predicate: dict[str, list] = {}
    for s, p, o in found:
        by_predicate.setdefault(str(p), []).append((s, o))
    assert by_predicate["http://ex.org/title"] == [(URIRef("http://ex.org/a"), Literal("Kurs", lang="de"))]
    assert by_predicate["http://ex.org/extra"] == [(URIRef("http://ex.org/a"), Literal("second home"))]
    assert by_predicate["http://ex.org/hours"][0][1].datatype == URIRef("http://www.w3.org/2001/XMLSchema#duration")
    assert len(by_predicate["http://ex.org/part"]) == 4  # a -> b1 -> b2 -> b3 -> b4: the third owned node's link
    assert "http://ex.org/deep" not in by_predicate  # the fourth owned level is not read
    assert "http://ex.org/said" not in by_predicate
    assert sum(isinstance(s, BNode) for s, _ in by_predicate["http://ex.org/part"]) == 3
    assert store.bounded_description([], [G]) == []


_TYPED = f"""<http://ex.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Course> <{G}> .
<http://ex.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Thing> <{G2}> .
<http://ex.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Course> <{G3}> .
<http://ex.org/a> <http://ex.org/spec> <http://ex.org/a/spec> <{G}> .
<http://ex.org/a/spec> <http://ex.org/outcome> <http://ex.org/a/spec/1> <{G}> .
<http://ex.org/a/spec> <http://ex.org/outcome> _:via <{G}> .
_:via <http://ex.org/outcome> <http://ex.org/a/spec/2> <{G}> .
<http://ex.org/a/spec/1> <http://ex.org/spec> <http://ex.org/a> <{G}> .
<http://ex.org/a/spec/2> <http://ex.org/outcome> <http://ex.org/a/spec/3> <{G2}> .
<http://ex.org/a/spec/3> <http://ex.org/outcome> <http://ex.org/a/spec/4> <{G3}> .
<http://ex.org/a> <http://ex.org/other> <http://ex.org/not-embedded> <{G}> .
""".encode()
_EX = "http://ex.org/"


def test_the_graphs_typing_a_node_are_named_in_order_and_only_with_the_classes_asked(store) -> None:
    """Where a member lives: the named graphs that type it (with a member class, when asked), never the default
    graph, in order."""
    store.apply(Changeset(add=_TYPED))
    store.apply(
        Changeset(
            add=b"<http://ex.org/a> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/Course> .",
            default_graph=None,
        )
    )
    a = URIRef(_EX + "a")
    assert store.typing_graphs(a) == sorted([G, G2, G3])
    assert store.typing_graphs(a, [URIRef(_EX + "Course")]) == sorted([G, G3])
    assert store.typing_graphs(a, [URIRef(_EX + "Course"), URIRef(_EX + "Thing")]) == sorted([G, G2, G3])
    assert store.typing_graphs(a, [URIRef(_EX + "Other")]) == []
    assert store.typing_graphs(URIRef(_EX + "nothing")) == []


def test_what_a_node_reaches_by_its_embedding_properties_stays_in_the_graphs_given(store) -> None:
    """The nodes a description embeds: zero or more steps along the given properties, through blank nodes, in the
    merge of the given graphs, the IRIs only, cycles walked once."""
    store.apply(Changeset(add=_TYPED))
    a, steps = URIRef(_EX + "a"), [URIRef(_EX + "spec"), URIRef(_EX + "outcome")]
    assert store.reachable(a, steps, [G]) == [URIRef(_EX + n) for n in ("a", "a/spec", "a/spec/1", "a/spec/2")]
    assert store.reachable(a, steps, [G, G2]) == [
        URIRef(_EX + n) for n in ("a", "a/spec", "a/spec/1", "a/spec/2", "a/spec/3")
    ]
    assert store.reachable(a, [], [G]) == [a]
    assert store.reachable(a, steps, [G3]) == [a]


_REFERRING = f"""<{_EX}course> <{_EX}teaches> <{_EX}skill> <{G}> .
<{_EX}course> <{_EX}spec> <{_EX}course/spec> <{G}> .
<{_EX}course/spec> <{_EX}outcome> _:o <{G}> .
_:o <{_EX}skill> <{_EX}skill> <{G}> .
<{_EX}other> <{_EX}spec> <{_EX}other/spec> <{G2}> .
<{_EX}other/spec> <{_EX}outcome> <{_EX}other/spec/1> <{G2}> .
<{_EX}other/spec/1> <{_EX}skill> <{_EX}skill> <{G3}> .
_:anonymous <{_EX}teaches> <{_EX}skill> <{G}> .
<{_EX}skill> <{_EX}teaches> <{_EX}skill> <{G}> .
<{_EX}label> <{_EX}teaches> "skill" <{G}> .
<{_EX}unrelated> <{_EX}mentions> <{_EX}skill> <{G}> .
""".encode()
_PATHS = [
    [URIRef(_EX + "teaches")],
    [URIRef(_EX + "spec"), URIRef(_EX + "outcome"), URIRef(_EX + "skill")],
    [URIRef(_EX + "outcome"), URIRef(_EX + "skill")],
]


def test_what_refers_to_a_node_along_the_paths_given_is_found_in_every_graph_and_named_by_iri(store) -> None:
    """What a page lists from the other side: the IRIs that reach the node along one of the paths, in any graph
    (a path may cross graphs and blank nodes), in order, the node itself and blank nodes left out, at most the
    limit."""
    store.apply(Changeset(add=_REFERRING))
    store.apply(Changeset(add=f"<{_EX}in-default> <{_EX}teaches> <{_EX}skill> .".encode(), default_graph=None))
    skill = URIRef(_EX + "skill")
    expected = [URIRef(_EX + n) for n in ("course", "course/spec", "in-default", "other", "other/spec")]
    assert store.referring(skill, _PATHS, 100) == expected
    assert store.referring(skill, _PATHS, 2) == expected[:2]
    assert store.referring(skill, _PATHS[:1], 100) == [URIRef(_EX + "course"), URIRef(_EX + "in-default")]
    assert store.referring(skill, _PATHS[1:2], 100) == [URIRef(_EX + "course"), URIRef(_EX + "other")]
    assert store.referring(URIRef(_EX + "nothing"), _PATHS, 100) == []
    assert store.referring(skill, [], 100) == []


def test_the_embedded_stores_own_reads_are_the_sparql_ones(embedded) -> None:
    """The embedded store answers these from its indexes rather than by SPARQL: the same answers, blank nodes
    included, as the queries every store runs."""
    from smarco_kg.store.base import GraphStore

    embedded.apply(Changeset(add=_TYPED + _OWNED))
    a, steps = URIRef(_EX + "a"), [URIRef(_EX + "spec"), URIRef(_EX + "outcome")]
    for classes in (None, [URIRef(_EX + "Course")], [URIRef(_EX + "Thing"), URIRef(_EX + "Course")], []):
        assert embedded.typing_graphs(a, classes) == GraphStore.typing_graphs(embedded, a, classes)
    for graphs in ([G], [G, G2], [G2, G3], [G, G2, G3]):
        assert embedded.reachable(a, steps, graphs) == GraphStore.reachable(embedded, a, steps, graphs)
        assert embedded.reachable(a, steps[1:], graphs) == GraphStore.reachable(embedded, a, steps[1:], graphs)
    for nodes, graphs in [
        ([a], [G, G2]),
        ([a, URIRef(_EX + "c")], [G]),
        ([a], [G3]),
        ([URIRef(_EX + "nothing")], [G, G2, G3]),
    ]:
        read = embedded.bounded_description(nodes, graphs)
        assert sorted(read) == sorted(GraphStore.bounded_description(embedded, nodes, graphs))
    embedded.apply(Changeset(add=_REFERRING))
    for target in ("skill", "course/spec", "other/spec/1", "nothing"):
        for paths in (_PATHS, _PATHS[:1], _PATHS[1:], []):
            for limit in (100, 1, 0):
                found = embedded.referring(URIRef(_EX + target), paths, limit)
                assert found == GraphStore.referring(embedded, URIRef(_EX + target), paths, limit)
