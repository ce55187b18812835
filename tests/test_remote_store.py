"""The remote backend's own behaviour: chosen by configuration, credentials, and each way Virtuoso departs from the
SPARQL 1.1 protocols handled (result caps, literal typing, blank nodes in updates, system graphs), on a real
Virtuoso on loopback."""

from __future__ import annotations

import contextlib
import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

from smarco_kg.config import Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.store import Changeset, QuerySyntaxError, StoreError, StoreTimeout, open_store, store_for
from smarco_kg.store.embedded import EmbeddedStore
from smarco_kg.store.remote import OWN_GRAPHS, RemoteStore, ResultCapError
from smarco_kg.store.remote.store import STAGING, this_machine
from tests.virtuoso import remote_store, virtuoso

G = "https://w3id.org/smarco/graph/partner/test"
CAP = 100


@pytest.fixture(scope="module")
def capped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Virtuoso that cuts results at 100 rows, as a default installation cuts them at 10,000."""
    with virtuoso(tmp_path_factory.mktemp("virtuoso-capped"), max_rows=CAP) as url:
        yield url


@pytest.fixture
def store(capped: str) -> Iterator[RemoteStore]:
    remote = remote_store(capped)
    remote.max_rows = CAP
    remote.clear()
    yield remote
    remote.close()


def _many(n: int) -> bytes:
    return "".join(f'<http://ex.org/s{i}> <http://ex.org/p> "{i}" <{G}> .\n' for i in range(n)).encode()


# ---- configuration -------------------------------------------------------------------------------------------------


def test_a_url_names_a_remote_store_and_a_path_the_embedded_one(tmp_path: Path) -> None:
    remote = Settings(store="http://127.0.0.1:8890/sparql", state_dir=tmp_path)
    assert remote.remote and isinstance(open_store(str(remote.store)), RemoteStore)
    assert remote.search_index == tmp_path / "remote.search.sqlite"
    assert remote.changes_log.parent == tmp_path and remote.dumps_dir.parent == tmp_path
    local = Settings(store=tmp_path / "store")
    assert not local.remote and local.search_index == tmp_path / "store.search.sqlite"
    with store_for(local) as opened:
        assert isinstance(opened, EmbeddedStore)


def test_the_environment_configures_the_remote_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMARCO_STORE", "https://triples.example.org/sparql")
    monkeypatch.setenv("SMARCO_STORE_UPDATE_URL", "https://triples.example.org/update")
    monkeypatch.setenv("SMARCO_STORE_USER", "smarco")
    monkeypatch.setenv("SMARCO_STORE_PASSWORD", "secret")
    monkeypatch.setenv("SMARCO_STORE_TIMEOUT", "5")
    with store_for(Settings()) as opened:
        assert isinstance(opened, RemoteStore)
        assert opened.update_url == "https://triples.example.org/update"
        assert isinstance(opened.transport.client.auth, httpx.BasicAuth)
        assert opened.transport.client.timeout.read == 5


def test_a_config_file_section_configures_the_remote_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "smarco.toml"
    config.write_text(
        'base_iri = "https://example.org/kg/"\n'
        "[store]\n"
        'url = "http://127.0.0.1:8890/sparql"\n'
        'graph_store_url = "http://127.0.0.1:8890/sparql-graph-crud"\n'
        'auth = "digest"\nuser = "dba"\npassword = "dba"\nmax_rows = 10000\n'
    )
    monkeypatch.setenv("SMARCO_CONFIG", str(config))
    settings = Settings()
    assert settings.store == "http://127.0.0.1:8890/sparql" and settings.base_iri == "https://example.org/kg/"
    assert settings.store_graph_store_url == "http://127.0.0.1:8890/sparql-graph-crud"
    with store_for(settings) as opened:
        assert isinstance(opened.transport.client.auth, httpx.DigestAuth) and opened.max_rows == 10000
    monkeypatch.setenv("SMARCO_STORE_MAX_ROWS", "500")  # the environment wins over the file
    assert Settings().store_max_rows == 500


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[store]\nurl = "http://x/sparql"\nflavour = "vanilla"\n', r"unknown setting\(s\) store_flavour"),
        ("[store\n", "SMARCO_CONFIG"),
    ],
)
def test_a_bad_config_file_is_refused_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, expected: str
) -> None:
    config = tmp_path / "smarco.toml"
    config.write_text(content)
    monkeypatch.setenv("SMARCO_CONFIG", str(config))
    with pytest.raises(ValueError, match=expected):
        Settings()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"store": "ftp://example.org/sparql"}, "http"),
        ({"store": "http://x/sparql", "store_auth": "basic", "store_user": "u"}, "store_password"),
        ({"store": "http://x/sparql", "store_auth": "bearer"}, "store_token"),
    ],
)
def test_bad_store_settings_are_refused(values: dict, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        Settings(**values)


def test_the_cli_names_a_bad_store_setting(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "SMARCO_STORE": "http://x/sparql", "SMARCO_STORE_AUTH": "digest"}
    done = subprocess.run([sys.executable, "-m", "smarco_kg", "dump"], capture_output=True, text=True, env=env)
    assert done.returncode == 2 and "store_user and store_password" in done.stderr


# ---- credentials ---------------------------------------------------------------------------------------------------


def test_digest_credentials_reach_a_protected_endpoint(capped: str, tmp_path: Path) -> None:
    """Virtuoso's /sparql-auth takes SPARQL Update from its users with HTTP digest authentication."""
    good = Settings(store=f"{capped}/sparql-auth", store_auth="digest", store_user="dba", store_password="dba")
    with store_for(good) as opened:
        opened.apply(Changeset(add=_many(3)))
        assert opened.graph_size(G) == 3
    bad = good.model_copy(update={"store_password": good.store_password.__class__("wrong")})
    with store_for(bad) as opened, pytest.raises(StoreError, match="401"):
        opened.graph_size(G)


def test_an_unreachable_store_is_a_store_error_after_the_retries() -> None:
    with RemoteStore("http://127.0.0.1:9/sparql", retries=1, timeout=2) as opened, pytest.raises(StoreError) as failed:
        opened.graphs()
    assert failed.value.status == 502 and "127.0.0.1:9" in failed.value.detail


def test_a_query_the_store_is_slow_to_answer_is_sent_once() -> None:
    """A store past the client's timeout is still working on the query: sending it again would run it twice."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(10)
        port = listener.getsockname()[1]
        received: list[bytes] = []
        accepted: list[socket.socket] = []

        def serve() -> None:  # a store that reads each request and never answers
            with contextlib.suppress(OSError):
                while True:
                    connection, _ = listener.accept()
                    accepted.append(connection)
                    received.append(connection.recv(65536))

        threading.Thread(target=serve, daemon=True).start()
        store = RemoteStore(f"http://127.0.0.1:{port}/sparql", retries=3, timeout=0.5)
        with store as opened, pytest.raises(StoreError, match="timed out"):
            opened.query("ASK { ?s ?p ?o }")
        time.sleep(0.5)  # a resend would have reached the listener by now
        for connection in accepted:
            connection.close()
    assert len(received) == 1 and b"POST /sparql" in received[0]


# ---- Virtuoso's deviations -----------------------------------------------------------------------------------------


def test_a_select_cut_at_the_result_cap_is_an_error_not_a_short_answer(store: RemoteStore) -> None:
    store.apply(Changeset(add=_many(CAP + 50)))
    with pytest.raises(ResultCapError, match=f"cut the result at {CAP} rows"):
        store.query(f"SELECT * WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")
    limited = store.query(f"SELECT * WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }} LIMIT 10")
    assert len(list(limited.rows())) == 10


def test_a_query_past_its_time_limit_is_stopped_by_the_store_and_its_partial_answer_refused(
    store: RemoteStore,
) -> None:
    """Told the limit, Virtuoso stops the query itself (untold, this one would run for its MaxQueryExecutionTime,
    two minutes, and the client would give up at its own timeout) and answers with what it had found so far, which
    must not pass for the count."""
    store.apply(Changeset(add=_many(300)))
    assert store.graphs() and store.virtuoso  # an answer has said what the store is
    runaway = (
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}> {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }} }}"
    )
    started = time.monotonic()
    with pytest.raises(StoreTimeout, match="stopped the query at its time limit"):
        store.query(runaway, time_limit=1)
    assert time.monotonic() - started < 15
    counted = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")
    assert [int(row["n"]) for row in counted.rows()] == [300]  # a query within its limit is answered whole


def test_a_construct_at_the_result_cap_is_an_error(store: RemoteStore) -> None:
    """Virtuoso cuts a CONSTRUCT silently (no header): the cap the backend is told catches it."""
    store.apply(Changeset(add=_many(CAP + 50)))
    with pytest.raises(ResultCapError, match="may have cut"):
        store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}")


def test_a_graph_larger_than_the_cap_is_dumped_whole_in_pages(store: RemoteStore) -> None:
    data = (
        _many(2 * CAP + 37)
        + f'<http://ex.org/s0> <http://ex.org/q> _:b <{G}> .\n_:b <http://ex.org/r> "1" <{G}> .\n'.encode()
    )
    store.apply(Changeset(add=data))
    buffer = io.BytesIO()
    store.dump(buffer, rdf_syntax("nquads"), graph=G)
    lines = buffer.getvalue().decode().splitlines()
    assert len(lines) == 2 * CAP + 39
    [owner] = [line for line in lines if "<http://ex.org/q>" in line]
    label = owner.split()[2]
    assert any(line.startswith(label) and "<http://ex.org/r>" in line for line in lines)  # one node across pages


def test_typed_literals_come_back_as_the_literals_stored(store: RemoteStore) -> None:
    """Virtuoso answers SPARQL 1.0 ``typed-literal`` JSON, and stores xsd:string literals as plain ones."""
    data = (
        f'<http://ex.org/a> <http://ex.org/n> "5"^^<{XSD.integer}> <{G}> .\n'
        f'<http://ex.org/a> <http://ex.org/d> "2026-11-25"^^<{XSD.date}> <{G}> .\n'
        f'<http://ex.org/a> <http://ex.org/t> "plain" <{G}> .\n'
        f'<http://ex.org/a> <http://ex.org/l> "Stadt"@de <{G}> .\n'
    ).encode()
    store.apply(Changeset(add=data))
    rows = store.query(f"SELECT ?p ?o WHERE {{ GRAPH <{G}> {{ <http://ex.org/a> ?p ?o }} }}").rows()
    found = {str(row["p"]): row["o"] for row in rows}
    assert found["http://ex.org/n"] == Literal(5)
    assert found["http://ex.org/d"] == Literal("2026-11-25", datatype=XSD.date)
    assert found["http://ex.org/t"] == Literal("plain")
    assert found["http://ex.org/l"] == Literal("Stadt", lang="de")


def test_blank_nodes_in_a_changeset_are_inserted(store: RemoteStore) -> None:
    """Virtuoso refuses blank nodes in INSERT DATA; the backend inserts them through a template."""
    store.apply(
        Changeset(add=f'<http://ex.org/a> <http://ex.org/q> _:x <{G}> .\n_:x <http://ex.org/r> "1" <{G}> .\n'.encode())
    )
    rows = list(store.query(f"SELECT ?b ?v WHERE {{ GRAPH <{G}> {{ <http://ex.org/a> ?q ?b . ?b ?r ?v }} }}").rows())
    assert len(rows) == 1 and isinstance(rows[0]["b"], BNode) and rows[0]["v"] == Literal("1")


def test_clearing_the_dataset_leaves_the_system_graphs(store: RemoteStore, capped: str) -> None:
    store.apply(Changeset(add=_many(3)))
    store.clear()
    assert store.graphs() == [] and store.is_empty()
    system = httpx.post(
        f"{capped}/sparql",
        data={"query": "ASK { GRAPH <http://www.openlinksw.com/schemas/virtrdf#> { ?s ?p ?o } }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert system.status_code == 200 and "true" in system.text  # Virtuoso still knows itself


def test_system_and_staging_graphs_are_not_part_of_the_dataset(store: RemoteStore) -> None:
    store.update(f"INSERT DATA {{ GRAPH <{OWN_GRAPHS}staging:1> {{ <http://ex.org/a> <http://ex.org/p> 1 }} }}")
    store.apply(Changeset(add=_many(2)))
    assert store.graphs() == [G]
    assert set(store.graph_sizes()) == {G}
    union = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=True)
    assert int(next(union.rows())["n"]) == 2
    everything = store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {str(row["g"]) for row in everything.rows()} == {G}


def test_a_load_in_progress_is_not_seen_by_union_queries(store: RemoteStore) -> None:
    """On Virtuoso the union default graph is every graph but the left-out ones (its dataset pragma), so a
    staging graph must be left out from the moment this store creates it, not from the next graph listing."""
    store.apply(Changeset(add=_many(3)))
    seen: list[int] = []

    def count(_done: int) -> None:  # called after each chunk reaches its staging graph
        union = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=True)
        seen.append(int(next(union.rows())["n"]))

    other = "https://w3id.org/smarco/graph/partner/other"
    count(0)  # the graph list read just before the load: the staging graph is not in it
    store.bulk_load(_many(50).replace(G.encode(), other.encode()), rdf_syntax("nquads"), progress=count)
    assert store.virtuoso
    assert seen == [3, 3]
    assert store.graph_sizes() == {G: 3, other: 50}
    union = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", union_default_graph=True)
    assert int(next(union.rows())["n"]) == 53


def test_a_failed_write_leaves_the_store_as_it_was(store: RemoteStore) -> None:
    store.apply(Changeset(add=_many(5)))
    with pytest.raises(Exception):  # noqa: B017 - the store's refusal, whatever its form
        store.apply(Changeset(add=b"<http://ex.org/a> <http://ex.org/p> 1 .\n"))  # no graph for it: refused here
    bad = Changeset(
        add=f'<http://ex.org/new> <http://ex.org/p> "x" <{G}> .\n'.encode(), remove_resources=[(G, "http://ex.org/s1")]
    )
    bad.clear_graphs = ["not an iri"]
    with pytest.raises((StoreError, QuerySyntaxError)):
        store.apply(bad)
    assert store.graph_size(G) == 5
    assert URIRef("http://ex.org/new") not in {
        row["s"] for row in store.query(f"SELECT ?s WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").rows()
    }


def test_a_duration_survives_the_store(store: RemoteStore) -> None:
    """Virtuoso keeps an xsd:duration as a number of seconds; the backend keeps it under a stand-in datatype."""
    duration = f'"P3DT3H"^^<{XSD.duration}>'
    store.apply(Changeset(add=f"<http://ex.org/a> <http://ex.org/d> {duration} <{G}> .\n".encode()))
    store.bulk_load(f"<http://ex.org/b> <http://ex.org/d> {duration} .\n".encode(), rdf_syntax("ntriples"), graph=G)
    rows = store.query(f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s <http://ex.org/d> ?o }} }}").rows()
    assert [row["o"] for row in rows] == [Literal("P3DT3H", datatype=XSD.duration)] * 2
    graph = store.query(
        f"CONSTRUCT {{ ?s <http://ex.org/d> ?o }} WHERE {{ GRAPH <{G}> {{ ?s <http://ex.org/d> ?o }} }}"
    )
    assert {o for _, _, o in graph.triples()} == {Literal("P3DT3H", datatype=XSD.duration)}


def test_a_large_changeset_is_inserted_as_data(store: RemoteStore) -> None:
    """Thousands of triples in one write: INSERT DATA (a template of that size takes Virtuoso minutes to compile)."""
    store.apply(Changeset(add=_many(3000) + f"<http://ex.org/s0> <http://ex.org/q> _:b <{G}> .\n".encode()))
    assert store.graph_size(G) == 3001


def test_boolean_values_come_back_as_booleans(store: RemoteStore) -> None:
    """Virtuoso answers a boolean bound to a variable as the integer 0 or 1."""
    store.apply(Changeset(add=_many(1)))
    query = f"""SELECT (true AS ?t) (BOUND(?none) AS ?b) (?o = "0" AS ?eq) (IF(?o != "0", true, false) AS ?i)
      (STRLEN(?o) AS ?n) ?e WHERE {{ GRAPH <{G}> {{ ?s ?p ?o BIND(EXISTS {{ ?s ?p ?o }} AS ?e) }} }}"""
    row = next(store.query(query).rows())
    assert row == {
        "t": Literal(True), "b": Literal(False), "eq": Literal(True), "i": Literal(False), "n": Literal(1),
        "e": Literal(True),
    }  # fmt: skip


def test_a_separator_outside_ascii_is_kept(store: RemoteStore) -> None:
    """Virtuoso turns a GROUP_CONCAT separator such as " · " into " ? "."""
    store.apply(Changeset(add=_many(2)))
    query = f'SELECT (GROUP_CONCAT(?o; SEPARATOR=" · ") AS ?all) WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}'
    assert sorted(str(next(store.query(query).rows())["all"]).split(" · ")) == ["0", "1"]


def test_a_bound_value_reaches_filters_in_nested_groups(store: RemoteStore) -> None:
    store.apply(Changeset(add=_many(3)))
    query = f"""SELECT ?s ?v WHERE {{ {{ GRAPH <{G}> {{ ?s ?p ?o }} FILTER(?s = ?v) }}
      UNION {{ GRAPH <{G}> {{ ?s <http://ex.org/none> ?o }} }} }}"""
    rows = list(store.query(query, bindings={"v": URIRef("http://ex.org/s2")}).rows())
    assert rows == [{"s": URIRef("http://ex.org/s2"), "v": URIRef("http://ex.org/s2")}]


def test_a_query_names_its_own_dataset(store: RemoteStore) -> None:
    """The dataset goes into the query as FROM clauses, unless the query has its own, which then stand."""
    store.apply(Changeset(add=_many(2) + f'<http://ex.org/x> <http://ex.org/p> "x" <{G}-other> .\n'.encode()))
    count = "SELECT (COUNT(*) AS ?n) {} WHERE {{ ?s ?p ?o }}"
    assert int(next(store.query(count.format(""), union_default_graph=True).rows())["n"]) == 3
    assert int(next(store.query(count.format(f"FROM <{G}-other>"), union_default_graph=True).rows())["n"]) == 1
    assert int(next(store.query(count.format(""), default_graphs=[G]).rows())["n"]) == 2
    # Virtuoso counts one solution in a graph a query names but its dataset leaves out
    missing = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://ex.org/missing> { ?s ?p ?o } }"
    assert int(next(store.query(missing).rows())["n"]) == 0


def test_thousands_of_blank_nodes_are_inserted_and_stay_connected(store: RemoteStore) -> None:
    """Virtuoso refuses a template that compiles to over 10,000 lines of SQL (~1,500 triples): blank-node triples go
    in several templates, each keeping connected blank nodes together."""
    lines = "".join(
        f"<http://ex.org/s{i}> <http://ex.org/q> _:a{i} <{G}> .\n_:a{i} <http://ex.org/r> _:b{i} <{G}> .\n"
        f'_:b{i} <http://ex.org/v> "{i}" <{G}> .\n'
        for i in range(1500)
    )
    store.apply(Changeset(add=lines.encode()))
    assert store.graph_size(G) == 4500
    path = "<http://ex.org/q>/<http://ex.org/r>/<http://ex.org/v>"
    chains = f"""SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{G}> {{ ?s {path} ?v
      FILTER(STR(?s) = CONCAT("http://ex.org/s", ?v)) }} }}"""
    assert int(next(store.query(chains).rows())["n"]) == 1500


def test_an_insert_template_into_several_graphs_is_answered_and_applied_once(store: RemoteStore) -> None:
    """Virtuoso applies ``INSERT { GRAPH ?g … } WHERE`` (or a template naming two graphs) and then answers 500
    (SR002 while wording its report): sent with a DELETE template of nothing, it is applied once and answered."""
    other = f"{G}-other"
    template = "INSERT { GRAPH ?g { <http://ex.org/s> <http://ex.org/p> ?g } }"
    store.update(f"{template} WHERE {{ VALUES ?g {{ <{G}> <{other}> }} }}")
    lines = f'_:a <http://ex.org/p> "a" <{G}> .\n_:b <http://ex.org/p> "b" <{other}> .\n'
    store.apply(Changeset(add=lines.encode()))
    assert (store.graph_size(G), store.graph_size(other)) == (2, 2)
    rows = store.query("SELECT ?g ?o WHERE { GRAPH ?g { <http://ex.org/s> ?p ?o } } ORDER BY ?g").rows()
    assert [(str(r["g"]), str(r["o"])) for r in rows] == [(G, G), (other, other)]
    assert not store.query("ASK { GRAPH <urn:x-smarco:nothing> { ?s ?p ?o } }").boolean


def test_insert_data_with_blank_nodes_is_accepted(store: RemoteStore) -> None:
    """Virtuoso refuses blank nodes in INSERT DATA (SP031 "not allowed in a constant clause")."""
    data = '<s> <p> _:a . _:a <v> "1" ; <w> [ <v> "2" ]'.replace("<", "<http://ex.org/")
    store.update(f"INSERT DATA {{ GRAPH <{G}> {{ {data} }} }}")
    pattern = "<s> <p> ?a . ?a <v> ?v ; <w>/<v> ?w".replace("<", "<http://ex.org/")
    rows = store.query(f"SELECT ?v ?w WHERE {{ GRAPH <{G}> {{ {pattern} }} }}").rows()
    assert [(str(r["v"]), str(r["w"])) for r in rows] == [("1", "2")]
    assert store.graph_size(G) == 4


def test_a_union_of_inline_values_gives_every_solution(store: RemoteStore) -> None:
    """Virtuoso answers no solution for a UNION of groups holding only VALUES (how a SERVICE answer is inlined), and
    drops an empty group's one empty solution (how a failed SERVICE SILENT is inlined)."""
    query = (
        "SELECT ?c WHERE { { VALUES ?c { 1 2 } } UNION { VALUES (?c) { (3) } } UNION { BIND(4 AS ?c) } UNION { { } } }"
    )
    rows = list(store.query(query).rows())
    assert sorted(int(row["c"]) for row in rows if row) == [1, 2, 3, 4] and rows.count({}) == 1


def test_an_update_reaches_only_the_dataset_graphs(store: RemoteStore) -> None:
    """Virtuoso matches GRAPH ?g of an update in every graph it holds, its system graphs and this backend's own
    included: an update is told the dataset, as a query is."""
    own = "urn:x-smarco:kept-copy"
    store.bulk_load(_many(3).replace(f"<{G}>".encode(), f"<{own}>".encode()), rdf_syntax("nquads"))
    store.apply(Changeset(add=_many(3)))
    store.update('DELETE WHERE { GRAPH ?g { ?s <http://ex.org/p> "1" } }')
    store.update('INSERT { GRAPH ?g { ?s <http://ex.org/q> "x" } } WHERE { GRAPH ?g { ?s <http://ex.org/p> "2" } }')
    assert store.graph_size(G) == 3 and store.graph_size(own) == 3
    rows = store.query(f"SELECT ?o WHERE {{ GRAPH <{own}> {{ <http://ex.org/s1> ?p ?o }} }}", named_graphs=[own])
    assert [str(r["o"]) for r in rows.rows()] == ["1"]
    store.update(f"DROP SILENT GRAPH <{own}>")


def test_staging_graphs_a_killed_load_left_are_dropped_when_the_store_is_next_opened(store: RemoteStore) -> None:
    store.recover()  # what other tests left
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    now, day = time.time_ns(), 24 * 3600 * 10**9
    left = {
        "killed here": f"{STAGING}{this_machine()}:{ended.stdout.strip()}:{now}:0",
        "another machine's, two days old": f"{STAGING}0a1b2c3d:41:{now - 2 * day}:0",
    }
    kept = {
        "this process's": f"{STAGING}{this_machine()}:{os.getpid()}:{now}:0",
        "another machine's, of now": f"{STAGING}0a1b2c3d:41:{now}:0",
    }
    data = " ".join(
        f"GRAPH <{g}> {{ <http://ex.org/a> <http://ex.org/p> 1 }}" for g in [*left.values(), *kept.values()]
    )
    store.update(f"INSERT DATA {{ {data} }}")
    assert store.recover() == [
        "dropped 2 staging graph(s) that a load interrupted (by a crash or kill) left in the store; "
        "the graphs it was loading are as they were before it"
    ]
    store.dataset.graphs()
    assert {g for g in store.dataset.left_out() if g.startswith(STAGING)} == set(kept.values())
    assert store.recover() == []
    store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in kept.values()))
