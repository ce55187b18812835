"""SPARQL Update syntax at ``/sparql`` over HTTP: the W3C update syntax tests, LOAD refused, updates with no operation.

The cases are those of the W3C SPARQL 1.1 test suite (w3c/rdf-tests, ``sparql/sparql11/syntax-update-1`` and
``syntax-update-2``), written out here because the suite's files are not in the repository. Each is sent with a
valid token, the admin's and a partner's. A positive case succeeds or is refused with a 4xx that says why (LOAD,
which the server never runs; a graph the token may not write; a graph that is not there to drop); a negative case
is a 400. None is a 500. The server is this module's own, over a store of one triple: the cases drop and clear
whole graphs.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from smarco_kg.formats import rdf_syntax
from smarco_kg.store.embedded import EmbeddedStore
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
PARTNER = "cefriel"
PARTNER_GRAPH = f"{BASE}graph/partner/{PARTNER}"


def large_request() -> str:
    """syntax-update-2's large-request-01.ru: one INSERT DATA of some hundreds of triples."""
    numbers = ", ".join(str(n) for n in range(30))
    strings = "; ".join(f'<d> "{n:03}"' for n in range(300))
    repeated = " ".join("<e> <f> <g> ." for _ in range(540))
    return (
        "BASE <http://foo.com/>\nINSERT DATA {\n  GRAPH <http://example.com/data> {\n"
        f"    <a> <b> {numbers} .\n    <c> {strings} .\n    {repeated}\n  }}\n}}\n"
    )


POSITIVE = {
    "syntax-update-01": "BASE <http://example/base#>\nPREFIX : <http://example/>\nLOAD <http://example.org/faraway>",
    "syntax-update-02": (
        "# Comment\nBASE <http://example/base#>\n# Comment\nPREFIX : <http://example/>\n# Comment\n"
        "LOAD <http://example.org/faraway>\n# Comment"
    ),
    "syntax-update-03": "LOAD <http://example.org/faraway> ;",
    "syntax-update-04": "LOAD <http://example.org/faraway> INTO GRAPH <localCopy>",
    "syntax-update-05": "DROP NAMED",
    "syntax-update-06": "DROP DEFAULT",
    "syntax-update-07": "DROP ALL",
    "syntax-update-08": "DROP GRAPH <graph>",
    "syntax-update-09": "DROP SILENT NAMED",
    "syntax-update-10": "DROP SILENT DEFAULT",
    "syntax-update-11": "DROP SILENT ALL",
    "syntax-update-12": "DROP SILENT GRAPH <graph>",
    "syntax-update-13": "CREATE GRAPH <graph>",
    "syntax-update-14": "CREATE SILENT GRAPH <graph>",
    "syntax-update-15": "CLEAR NAMED",
    "syntax-update-16": "CLEAR DEFAULT",
    "syntax-update-17": "CLEAR ALL",
    "syntax-update-18": "CLEAR GRAPH <graph>",
    "syntax-update-19": "CLEAR SILENT NAMED",
    "syntax-update-20": "CLEAR SILENT DEFAULT",
    "syntax-update-21": "CLEAR SILENT ALL",
    "syntax-update-22": "CLEAR SILENT GRAPH <graph>",
    "syntax-update-23": "INSERT DATA { <s> <p> 'o1', 'o2', 'o3' }",
    "syntax-update-24": "INSERT DATA { GRAPH <G> { <s> <p> 'o1', 'o2', 'o3' } }",
    "syntax-update-25": (
        "INSERT DATA { \n  <s1> <p1> <o1>\n  GRAPH <G> { <s> <p1> 'o1'; <p2> <o2> } \n"
        "  GRAPH <G1> { <s> <p1> 'o1'; <p2> <o2> } \n  <s1> <p1> <o1>\n}"
    ),
    "syntax-update-26": "INSERT \n# Comment\nDATA { GRAPH <G> { <s> <p> 'o1', 'o2', 'o3' } }",
    "syntax-update-27": "INSERT \nDATA { }",
    "syntax-update-28": "INSERT \nDATA {  GRAPH <G>{} }",
    "syntax-update-29": "DELETE DATA { <s> <p> 'o1', 'o2', 'o3' }",
    "syntax-update-30": "DELETE DATA { GRAPH <G> { <s> <p> 'o1', 'o2', 'o3' } }",
    "syntax-update-31": (
        "DELETE DATA { \n  <s1> <p1> <o1>\n  GRAPH <G> { <s> <p1> 'o1'; <p2> <o2> } \n"
        "  GRAPH <G1> { <s> <p1> 'o1'; <p2> <o2> } \n  <s1> <p1> <o1>\n}"
    ),
    "syntax-update-32": (
        "BASE    <base:>\nPREFIX  :     <http://example/>\n\nWITH :g\nDELETE {\n  <s> ?p ?o .\n}\nINSERT {\n"
        "  ?s ?p <#o> .\n}\nUSING <base:g1>\nUSING <base:g2>\nUSING NAMED :gn1\nUSING NAMED :gn2\nWHERE\n"
        "  { ?s ?p ?o }"
    ),
    "syntax-update-33": (
        "PREFIX  :     <http://example/>\nWITH :g\nDELETE {\n  <base:s> ?p ?o .\n}\nWHERE\n  { ?s ?p ?o }"
    ),
    "syntax-update-34": (
        "PREFIX  :     <http://example/>\nWITH :g\nINSERT {\n  <base:s> ?p ?o .\n}\nWHERE\n  { ?s ?p ?o }"
    ),
    "syntax-update-35": "DELETE WHERE { ?s ?p ?o }",
    "syntax-update-36": (
        "# Comment\nDELETE \n# Comment\nWHERE \n# Comment\n{ GRAPH <G> { <s> <p> 123 ; <q> 4567.0 . } }"
    ),
    "syntax-update-37": "CREATE GRAPH <g> ;\nLOAD <remote> INTO GRAPH <g> ;",
    "syntax-update-38": "# Empty",
    "syntax-update-39": "BASE <http://example/>\n# Otherwise empty",
    "syntax-update-40": "PREFIX : <http://example/>\n# Otherwise empty",
    "syntax-update-53": (
        "PREFIX : <http://www.example.org/>\n\nINSERT DATA { \n              GRAPH<g1> { _:b1 :p :o } \n"
        "              GRAPH<g2> { _:b1 :p :o } \n            }"
    ),
    "large-request-01": large_request(),
}
NEGATIVE = {
    "syntax-update-bad-01": "# No URL\nLOAD ;",
    "syntax-update-bad-02": "# Typo in keyword.\nCREATE DEAFULT",
    "syntax-update-bad-03": "# Variable in data.\nDELETE DATA { ?s <p> <o> }",
    "syntax-update-bad-04": "# Variable in data.\nINSERT DATA { GRAPH ?g {<s> <p> <o> } }",
    "syntax-update-bad-05": "# Nested GRAPH\nDELETE DATA { \n  GRAPH <G> { \n    <s> <p> <o> .\n"
    "    GRAPH <G1> { <s> <p1> 'o1' }\n  }\n}",
    "syntax-update-bad-06": "# Missing template\nINSERT WHERE { ?s ?p ?o }",
    "syntax-update-bad-07": "# No separator\nCREATE GRAPH <g>\nLOAD <remote> INTO GRAPH <g>",
    "syntax-update-bad-08": "# Too many separators\nCREATE GRAPH <g>\n;;\nLOAD <remote> INTO GRAPH <g>",
    "syntax-update-bad-09": "CREATE GRAPH <g>\n;\nLOAD <remote> INTO GRAPH <g>\n;;",
    "syntax-update-bad-10": "# BNode in DELETE WHERE\nDELETE WHERE { _:a <p> <o> }",
    "syntax-update-bad-11": "# BNode in DELETE template\nDELETE { <s> <p> [] } WHERE { ?x <p> <o> }",
    "syntax-update-bad-12": "# BNode in DELETE DATA\nDELETE DATA { _:a <p> <o> }",
    # what syntax-update-54 tests: a blank node label reused across two INSERT DATA operations of one request
    "syntax-update-54": (
        "PREFIX : <http://www.example.org/>\nINSERT DATA { GRAPH <g1> { _:b1 :p :o } } ;\n"
        "INSERT DATA { GRAPH <g1> { _:b1 :p :o } }"
    ),
}
NO_OPERATION = {"syntax-update-27", "syntax-update-28", "syntax-update-38", "syntax-update-39", "syntax-update-40"}
"""The cases that write nothing (no operation, or INSERT DATA of nothing): any token may send them."""
RUN_TIME = {"syntax-update-08": "does not exist", "syntax-update-13": "already exists"}
"""The cases that may fail as they run, by the standard (DROP or CREATE without SILENT), and what they then say."""


@pytest.fixture(scope="session")
def _one_triple_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """A template of one triple: dropping every graph of a remote store copies them all first (the demo data took
    over a minute on Virtuoso on a busy machine), and the cases need no data."""
    store = EmbeddedStore(tmp_path_factory.mktemp("one-triple") / "template")
    store.bulk_load(f'<{BASE}x> <{BASE}y> "z" .\n'.encode(), rdf_syntax("ntriples"), graph=PARTNER_GRAPH)
    yield store
    store.close()


@pytest.fixture(scope="module")
def endpoint(
    _one_triple_store: EmbeddedStore,
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """One server for the module, over a private copy of the one-triple store on the session's backend."""
    pool = request.getfixturevalue("_virtuoso_pool") if backend == "virtuoso" else None
    template = Template(_one_triple_store, backend, pool)
    with live_server(template, tmp_path_factory.mktemp("update-syntax"), partner=PARTNER) as server:
        yield server


def update(endpoint: LiveServer, sparql: str, token: str) -> httpx.Response:
    return endpoint.update(sparql, token=endpoint.admin if token == "admin" else endpoint.partner)


def state(endpoint: LiveServer) -> dict:
    """How many triples each graph holds, as ``/health/store`` says."""
    response = endpoint.client.get(f"{endpoint.url}/health/store")
    assert response.status_code == 200, describe(response)
    return response.json()


def assert_load_refused(response: httpx.Response) -> None:
    body = problem(response, 400)
    assert body["title"] == "LOAD is not accepted" and "LOAD" in body["detail"], body


@pytest.mark.parametrize("token", ["admin", "partner"])
@pytest.mark.parametrize(
    "sparql",
    [
        f"LOAD <http://127.0.0.1:9/courses.ttl> INTO GRAPH <{PARTNER_GRAPH}>",
        "LOAD SILENT <http://127.0.0.1:9/courses.ttl>",
        f"CREATE SILENT GRAPH <{PARTNER_GRAPH}> ; LOAD <http://127.0.0.1:9/courses.ttl>",
        "LOAD ;",
        "LOAD <http://127.0.0.1:9/courses.ttl> INTO",
        "INSERT DATA { <a:s> <a:p> 1 } LOAD <http://127.0.0.1:9/courses.ttl>",
    ],
    ids=["load", "load-silent", "load-after-create", "malformed", "malformed-into", "no-separator"],
)
def test_an_update_containing_load_is_a_400_saying_load_is_not_accepted(
    endpoint: LiveServer, sparql: str, token: str
) -> None:
    before = state(endpoint)
    assert_load_refused(update(endpoint, sparql, token))
    assert state(endpoint) == before


@pytest.mark.parametrize("token", ["admin", "partner"])
@pytest.mark.parametrize(
    "sparql",
    ["", "  \n", "# a comment", "BASE <http://example/>", "PREFIX : <http://example/>", "BASE <a:> PREFIX p: <b:>"],
    ids=["empty", "blank", "comment", "base", "prefix", "base-and-prefix"],
)
def test_an_update_with_no_operation_succeeds_and_changes_nothing(
    endpoint: LiveServer, sparql: str, token: str
) -> None:
    before = state(endpoint)
    response = update(endpoint, sparql, token)
    assert response.status_code == 204, describe(response)
    assert state(endpoint) == before


def test_an_update_with_no_operation_still_needs_a_token(endpoint: LiveServer) -> None:
    response = endpoint.client.post(
        endpoint.sparql, content=b"PREFIX : <http://example/>", headers={"Content-Type": "application/sparql-update"}
    )
    problem(response, 401)


@pytest.mark.parametrize("token", ["admin", "partner"])
@pytest.mark.parametrize("case", POSITIVE, ids=list(POSITIVE))
def test_a_w3c_positive_syntax_case_succeeds_or_is_refused_saying_why(
    endpoint: LiveServer, case: str, token: str
) -> None:
    sparql = POSITIVE[case]
    response = update(endpoint, sparql, token)
    if "LOAD" in sparql:
        assert_load_refused(response)
    elif token == "partner" and case not in NO_OPERATION:  # no case names the partner's own graph
        body = problem(response, 403)
        assert body["title"].startswith("not allowed to write") and PARTNER in body["detail"], body
    elif case in RUN_TIME and response.status_code == 400:
        body = problem(response, 400)
        assert body["title"] == "the update cannot be applied" and RUN_TIME[case] in body["detail"], body
    else:
        assert response.status_code == 204, describe(response)


@pytest.mark.parametrize("token", ["admin", "partner"])
@pytest.mark.parametrize("case", NEGATIVE, ids=list(NEGATIVE))
def test_a_w3c_negative_syntax_case_is_a_400(endpoint: LiveServer, case: str, token: str) -> None:
    sparql = NEGATIVE[case]
    before = state(endpoint)
    response = update(endpoint, sparql, token)
    if "LOAD" in sparql:
        assert_load_refused(response)
    else:
        assert problem(response, 400)["title"] == "the update is not valid SPARQL"
    assert state(endpoint) == before
