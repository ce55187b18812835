"""``/store`` over HTTP: the W3C SPARQL 1.1 Graph Store Protocol tests, partner scoping and graph identification,
against a live server.

The W3C tests (w3c/rdf-tests, ``sparql/sparql11/http-rdf-update/manifest.ttl``; the newer
``graph-store-protocol/manifest.ttl`` fixes some of its requests) are one stateful sequence: each request sees
what the earlier ones did. The ``w3c`` fixture runs the whole sequence once, in manifest order, and keeps every
response; one test per manifest entry, named after it, then checks its own response, so the tests pass or fail
the same whatever order they run in. ``$GRAPHSTORE$`` is ``/store`` of the live server and ``$HOST$`` its
address; graphs are named directly (``/store/person/1.ttl``) or indirectly (``/store?graph=…``), as the
manifest does. Writes carry an admin bearer token, as every write here must.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import httpx
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
PARTNER = "cefriel"
PARTNER_GRAPH = f"{BASE}graph/partner/{PARTNER}"
PARTNER_ORGANISATION = URIRef(f"{BASE}organisation/{PARTNER}")
OTHER_PARTNER_GRAPH = f"{BASE}graph/partner/enoll"
TURTLE = "text/turtle; charset=utf-8"
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
BOUNDARY = "a6fe4cd636164618814be9f8d3d1a0de"


@pytest.fixture(scope="module")
def gsp(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, over a private copy of the demo store (partners' graphs included)."""
    with live_server(_demo_template, tmp_path_factory.mktemp("graph-store-protocol"), partner=PARTNER) as server:
        yield server


def turtle_of(response: httpx.Response) -> Graph:
    """The graph in a 200 answer that the manifest expects as ``text/turtle; charset=utf-8``."""
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].replace(" ", "").lower() == TURTLE.replace(" ", ""), response.headers
    return Graph().parse(data=response.content, format="turtle", publicID=str(response.request.url))


def ntriples_of(gsp: LiveServer, graph: str) -> Graph:
    response = gsp.client.get(gsp.store, params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert response.status_code == 200, describe(response)
    return Graph().parse(data=response.content, format="nt")


def same_graph(found: Graph, expected: Graph) -> str:
    """A message showing both graphs, for isomorphism assertions."""
    return f"found:\n{found.serialize(format='nt')}\nexpected:\n{expected.serialize(format='nt')}"


# the W3C sequence ------------------------------------------------------------------------------------------

PREFIXES = "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n@prefix v: <http://www.w3.org/2006/vcard/ns#> .\n\n"


def person(host: str, card_name: str, extra: str = "") -> str:
    """The manifest's <http://$HOST$/$GRAPHSTORE$/person/1> with a business card named ``card_name``."""
    return (
        f"{PREFIXES}<{host}/store/person/1> a foaf:Person;\n{extra}"
        f'    foaf:businessCard [\n        a v:VCard;\n        v:fn "{card_name}"\n    ].\n'
    )


ALICE = (
    f"{PREFIXES}[]  a foaf:Person;\n"
    '    foaf:businessCard [\n        a v:VCard;\n        v:given-name "Alice"\n    ] .\n'
)

MISMATCHED = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:foaf="http://xmlns.com/foaf/0.1/">
  <foaf:Person rdf:about="http://www.example/person/1"/>
</rdf:RDF>
"""


@dataclass
class Sequence:
    """The responses of the W3C sequence, by manifest entry, and the graphs the GETs should return."""

    host: str
    responses: dict[str, httpx.Response | None] = field(default_factory=dict)
    expected: dict[str, Graph] = field(default_factory=dict)

    def expect(self, name: str, turtle: str) -> None:
        self.expected[name] = Graph().parse(data=turtle, format="turtle")

    def response(self, name: str) -> httpx.Response:
        found = self.responses.get(name)
        assert found is not None, f"{name} was not sent: an earlier step gave it nothing to send"
        return found


@pytest.fixture(scope="module")
def w3c(gsp: LiveServer) -> Sequence:
    """Run the manifest's requests in order, once; keep every response."""
    run = Sequence(gsp.url)
    client, store, host = gsp.client, gsp.store, gsp.url
    person_1 = f"{store}/person/1.ttl"
    write = {**gsp.auth(), "Content-Type": TURTLE}
    accept = {"Accept": "text/turtle"}

    def step(name: str, send: Callable[[], httpx.Response]) -> None:
        run.responses[name] = send()

    step("put__initial_state", lambda: client.put(person_1, content=person(host, "John Doe"), headers=write))
    step("get_of_put__initial_state", lambda: client.get(store, params={"graph": person_1}, headers=accept))
    run.expect("get_of_put__initial_state", person(host, "John Doe"))
    # The old manifest PUTs to $GRAPHSTORE$/person/1, another graph; the newer one names person/1.ttl indirectly.
    step(
        "put__graph_already_in_store",
        lambda: client.put(store, params={"graph": person_1}, content=person(host, "Jane Doe"), headers=write),
    )
    step("get_of_put__graph_already_in_store", lambda: client.get(person_1, headers=accept))
    run.expect("get_of_put__graph_already_in_store", person(host, "Jane Doe"))
    step("put__default_graph", lambda: client.put(f"{store}?default", content=ALICE, headers=write))
    step("get_of_put__default_graph", lambda: client.get(f"{store}?default", headers=accept))
    run.expect("get_of_put__default_graph", ALICE)
    # "Mismatched payload": a body that is not in the format its Content-Type names (RDF/XML sent as Turtle).
    step("put__mismatched_payload", lambda: client.put(f"{store}?default", content=MISMATCHED, headers=write))
    step("get_after_put__mismatched_payload", lambda: client.get(f"{store}?default", headers=accept))
    run.expect("get_after_put__mismatched_payload", ALICE)
    # The old manifest DELETEs person/2.ttl, which nothing created; the newer one PUTs it first.
    step("put__person_2", lambda: client.put(f"{store}/person/2.ttl", content=ALICE, headers=write))
    step("delete__existing_graph", lambda: client.delete(f"{store}/person/2.ttl", headers=gsp.auth()))
    step("get_of_delete__existing_graph", lambda: client.get(f"{store}/person/2.ttl", headers=accept))
    step("delete__nonexistent_graph", lambda: client.delete(f"{store}/person/2.ttl", headers=gsp.auth()))
    # The old manifest's POST bodies end their last triple without the '.' Turtle requires; it is added here.
    step(
        "post__existing_graph",
        lambda: client.post(
            person_1,
            content=f'@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n\n<{host}/store/person/1> foaf:name "Jane Doe" .\n',
            headers=write,
        ),
    )
    step("get_of_post__existing_graph", lambda: client.get(person_1, headers=accept))
    run.expect("get_of_post__existing_graph", person(host, "Jane Doe", '    foaf:name "Jane Doe";\n'))
    multipart = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="lastName.ttl"; filename="lastName.ttl"\r\n'
        "Content-Type: text/turtle; charset=utf-8\r\n\r\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\r\n"
        f'<{host}/store/person/1> foaf:familyName "Doe" .\r\n\r\n'
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="firstName.ttl"; filename="firstName.ttl"\r\n'
        "Content-Type: text/turtle; charset=utf-8\r\n\r\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\r\n"
        f'<{host}/store/person/1> foaf:givenName "Jane" .\r\n\r\n'
        f"--{BOUNDARY}--\r\n"
    )
    step(
        "post__multipart_formdata",
        lambda: client.post(
            person_1,
            content=multipart.encode(),
            headers={**gsp.auth(), "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
        ),
    )
    step("get_of_post__multipart_formdata", lambda: client.get(person_1, headers=accept))
    run.expect(
        "get_of_post__multipart_formdata",
        person(host, "Jane Doe", '    foaf:name "Jane Doe";\n    foaf:givenName "Jane";\n    foaf:familyName "Doe";\n'),
    )
    step("post__create__new_graph", lambda: client.post(store, content=ALICE, headers=write))
    location = run.responses["post__create__new_graph"].headers.get("location")
    if location:
        step("get_of_post__create__new_graph", lambda: client.get(location, headers=accept))
        step("get_of_post__create__new_graph_indirect", lambda: client.get(store, params={"graph": location}))
        step("post__empty_graph_to_existing_graph", lambda: client.post(location, content=b"", headers=write))
        step("get_of_post__after_noop", lambda: client.get(location, headers=accept))
    for name in ("get_of_post__create__new_graph", "get_of_post__after_noop"):
        run.expect(name, ALICE)
    step("head_on_an_existing_graph", lambda: client.head(person_1, headers=accept))
    step("head_on_a_nonexisting_graph", lambda: client.head(f"{store}/person/4.ttl", headers=accept))
    return run


def assert_graph(run: Sequence, name: str) -> None:
    found = turtle_of(run.response(name))
    assert isomorphic(found, run.expected[name]), same_graph(found, run.expected[name])


def test_put__initial_state(w3c: Sequence) -> None:
    response = w3c.response("put__initial_state")
    assert response.status_code == 201, describe(response)


def test_get_of_put__initial_state(w3c: Sequence) -> None:
    assert_graph(w3c, "get_of_put__initial_state")


def test_put__graph_already_in_store(w3c: Sequence) -> None:
    response = w3c.response("put__graph_already_in_store")
    assert response.status_code == 204, describe(response)


def test_get_of_put__graph_already_in_store(w3c: Sequence) -> None:
    assert_graph(w3c, "get_of_put__graph_already_in_store")


def test_put__default_graph(w3c: Sequence) -> None:
    response = w3c.response("put__default_graph")
    assert response.status_code in (200, 204), describe(response)  # the default graph always exists


def test_get_of_put__default_graph(w3c: Sequence) -> None:
    assert_graph(w3c, "get_of_put__default_graph")


def test_put__mismatched_payload(w3c: Sequence) -> None:
    response = w3c.response("put__mismatched_payload")
    assert "turtle" in problem(response, 400)["detail"]
    assert_graph(w3c, "get_after_put__mismatched_payload")  # nothing was written


def test_delete__existing_graph(w3c: Sequence) -> None:
    created = w3c.response("put__person_2")
    assert created.status_code == 201, describe(created)
    response = w3c.response("delete__existing_graph")
    assert response.status_code in (200, 204), describe(response)


def test_get_of_delete__existing_graph(w3c: Sequence) -> None:
    problem(w3c.response("get_of_delete__existing_graph"), 404)


def test_delete__nonexistent_graph(w3c: Sequence) -> None:
    problem(w3c.response("delete__nonexistent_graph"), 404)


def test_post__existing_graph(w3c: Sequence) -> None:
    response = w3c.response("post__existing_graph")
    assert response.status_code in (200, 204), describe(response)


def test_get_of_post__existing_graph(w3c: Sequence) -> None:
    assert_graph(w3c, "get_of_post__existing_graph")


def test_post__multipart_formdata(w3c: Sequence) -> None:
    response = w3c.response("post__multipart_formdata")
    assert response.status_code in (200, 204), describe(response)


def test_get_of_post__multipart_formdata(w3c: Sequence) -> None:
    assert_graph(w3c, "get_of_post__multipart_formdata")


def test_post__create__new_graph(w3c: Sequence) -> None:
    response = w3c.response("post__create__new_graph")
    assert response.status_code == 201, describe(response)
    location = response.headers.get("location", "")
    assert location.startswith(f"{w3c.host}/store/"), response.headers


def test_get_of_post__create__new_graph(w3c: Sequence) -> None:
    assert_graph(w3c, "get_of_post__create__new_graph")
    indirect = turtle_of(w3c.response("get_of_post__create__new_graph_indirect"))
    assert isomorphic(indirect, w3c.expected["get_of_post__create__new_graph"]), "the same graph, named indirectly"


def test_get_of_post__after_noop(w3c: Sequence) -> None:
    noop = w3c.response("post__empty_graph_to_existing_graph")
    assert noop.status_code in (200, 204), describe(noop)
    assert_graph(w3c, "get_of_post__after_noop")


def test_head_on_an_existing_graph(w3c: Sequence) -> None:
    response = w3c.response("head_on_an_existing_graph")
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/turtle"), response.headers
    assert response.content == b""


def test_head_on_a_nonexisting_graph(w3c: Sequence) -> None:
    response = w3c.response("head_on_a_nonexisting_graph")
    assert response.status_code == 404, describe(response)
    assert response.content == b""


# partners' tokens ------------------------------------------------------------------------------------------


def nt(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


def put(gsp: LiveServer, graph: str, data: bytes, token: str | None) -> httpx.Response:
    headers = {"Content-Type": "application/n-triples", **(gsp.auth(token) if token else {})}
    return gsp.client.put(
        gsp.store, params={"graph": graph} if graph else {"default": ""}, content=data, headers=headers
    )


def test_a_partner_puts_conforming_data_into_its_own_graph(gsp: LiveServer) -> None:
    edited = ntriples_of(gsp, PARTNER_GRAPH)
    assert (PARTNER_ORGANISATION, None, None) in edited, "the demo data names the partner's organisation"
    edited.remove((PARTNER_ORGANISATION, SKOS.prefLabel, None))
    edited.add((PARTNER_ORGANISATION, SKOS.prefLabel, Literal(f"CEFRIEL, edited {uuid.uuid4()}", lang="en")))
    response = put(gsp, PARTNER_GRAPH, nt(edited), gsp.partner)
    assert response.status_code == 204, describe(response)
    stored = ntriples_of(gsp, PARTNER_GRAPH)
    assert isomorphic(stored, edited), same_graph(stored, edited)


def test_a_partner_put_that_breaks_the_shapes_is_422_with_the_report_and_stores_nothing(gsp: LiveServer) -> None:
    before = ntriples_of(gsp, PARTNER_GRAPH)
    course = URIRef(f"{BASE}course/broken-{uuid.uuid4()}")
    broken = Graph()
    broken += before
    broken.parse(
        data=f"<{course}> a <http://data.europa.eu/snb/model/elm/LearningOpportunity> ; "
        f'<http://purl.org/dc/terms/title> "No language tag" .',
        format="turtle",
    )
    response = put(gsp, PARTNER_GRAPH, nt(broken), gsp.partner)
    body = problem(response, 422)
    assert "violation" in body["detail"], body
    for error in body["errors"]:
        assert {"focusNode", "path", "message", "severity"} <= set(error), error
    about_the_course = [e for e in body["errors"] if e["focusNode"] == str(course)]
    assert {e["path"] for e in about_the_course} >= {"dct:title", "dct:description"}, body["errors"]
    after = ntriples_of(gsp, PARTNER_GRAPH)
    assert isomorphic(after, before), same_graph(after, before)


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_a_partner_may_not_write_another_partners_graph(gsp: LiveServer, method: str) -> None:
    before = ntriples_of(gsp, OTHER_PARTNER_GRAPH)
    response = gsp.client.request(
        method,
        gsp.store,
        params={"graph": OTHER_PARTNER_GRAPH},
        content=b"" if method == "DELETE" else f'<{BASE}thing> <{SKOS.note}> "not mine" .\n'.encode(),
        headers={**gsp.auth(gsp.partner), "Content-Type": "application/n-triples"},
    )
    assert OTHER_PARTNER_GRAPH in problem(response, 403)["detail"]
    after = ntriples_of(gsp, OTHER_PARTNER_GRAPH)
    assert isomorphic(after, before), same_graph(after, before)


def test_a_partner_may_not_write_the_default_graph(gsp: LiveServer) -> None:
    response = put(gsp, "", f'<{BASE}thing> <{SKOS.note}> "not mine" .\n'.encode(), gsp.partner)
    assert "default graph" in problem(response, 403)["detail"]


def test_a_partner_may_not_create_graphs(gsp: LiveServer) -> None:
    response = gsp.client.post(
        gsp.store,
        content=f'<{BASE}thing> <{SKOS.note}> "a new graph" .\n'.encode(),
        headers={**gsp.auth(gsp.partner), "Content-Type": "application/n-triples"},
    )
    problem(response, 403)
    assert "location" not in response.headers


def test_writes_without_a_token_are_401(gsp: LiveServer) -> None:
    graph = f"{gsp.store}/unauthenticated/{uuid.uuid4()}"
    response = put(gsp, graph, f'<{BASE}thing> <{SKOS.note}> "anonymous" .\n'.encode(), None)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer"), response.headers
    problem(gsp.client.get(gsp.store, params={"graph": graph}), 404)


# graph identification and negotiation ----------------------------------------------------------------------


def test_a_direct_url_and_the_graph_parameter_name_the_same_graph(gsp: LiveServer) -> None:
    direct = f"{gsp.store}/catalogue/{uuid.uuid4()}.ttl"
    data = f'<{BASE}thing> <{SKOS.note}> "named by its own URL" .\n'.encode()
    created = gsp.client.put(direct, content=data, headers={**gsp.auth(), "Content-Type": "text/turtle"})
    assert created.status_code == 201, describe(created)
    expected = Graph().parse(data=data, format="turtle")
    assert isomorphic(ntriples_of(gsp, direct), expected)
    answer = gsp.client.get(
        f"{gsp.url}/sparql",
        params={"query": f'ASK {{ GRAPH <{direct}> {{ ?s ?p "named by its own URL" }} }}'},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200, describe(answer)
    assert answer.json()["boolean"] is True, "the graph is visible to SPARQL under its URL"
    replaced = gsp.client.put(
        gsp.store, params={"graph": direct}, content=data, headers={**gsp.auth(), "Content-Type": "text/turtle"}
    )
    assert replaced.status_code == 204, describe(replaced)
    deleted = gsp.client.delete(direct, headers=gsp.auth())
    assert deleted.status_code == 204, describe(deleted)
    problem(gsp.client.get(gsp.store, params={"graph": direct}), 404)


def test_sparql_queries_see_every_graph_store_write_at_once(gsp: LiveServer) -> None:
    graph = f"{gsp.store}/counted/{uuid.uuid4()}"

    def count() -> int:
        response = gsp.client.get(
            f"{gsp.url}/sparql",
            params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, describe(response)
        return int(response.json()["results"]["bindings"][0]["n"]["value"])

    assert [count() for _ in range(4)] == [0, 0, 0, 0]  # every query worker has answered once
    for size in (1, 3, 2):
        data = "".join(f'<{BASE}thing/{i}> <{SKOS.note}> "note {i}" .\n' for i in range(size)).encode()
        written = gsp.client.put(
            gsp.store, params={"graph": graph}, content=data, headers={**gsp.auth(), "Content-Type": "text/turtle"}
        )
        assert written.status_code in (201, 204), describe(written)
        assert [count() for _ in range(2)] == [size, size]


def test_a_direct_url_with_a_graph_parameter_is_400(gsp: LiveServer) -> None:
    response = gsp.client.get(f"{gsp.store}/person/1.ttl", params={"graph": PARTNER_GRAPH})
    assert "named twice" in problem(response, 400)["title"]


@pytest.mark.parametrize(
    "params", [{}, {"graph": "not/absolute"}, {"graph": PARTNER_GRAPH, "default": ""}], ids=["none", "relative", "both"]
)
def test_a_get_must_name_one_graph(gsp: LiveServer, params: dict[str, str]) -> None:
    response = gsp.client.get(gsp.store, params=params)
    assert problem(response, 400)["detail"]


@pytest.mark.parametrize(
    ("accept", "media_type", "parser"),
    [
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
        ("text/turtle;q=0.2, application/n-triples;q=0.9", "application/n-triples", "nt"),
        ("*/*", "text/turtle", "turtle"),
    ],
)
def test_a_get_negotiates_the_syntax(gsp: LiveServer, accept: str, media_type: str, parser: str) -> None:
    response = gsp.client.get(gsp.store, params={"graph": OTHER_PARTNER_GRAPH}, headers={"Accept": accept})
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].split(";")[0] == media_type, response.headers
    assert "Accept" in response.headers.get("vary", ""), response.headers
    found = Graph().parse(data=response.content, format=parser)
    assert isomorphic(found, ntriples_of(gsp, OTHER_PARTNER_GRAPH))


def test_a_get_with_nothing_acceptable_is_406_listing_the_offered_syntaxes(gsp: LiveServer) -> None:
    response = gsp.client.get(gsp.store, params={"graph": OTHER_PARTNER_GRAPH}, headers={"Accept": "image/png"})
    assert "text/turtle" in problem(response, 406)["offered"]


def test_a_body_in_an_unsupported_media_type_is_415(gsp: LiveServer) -> None:
    graph = f"{gsp.store}/unsupported/{uuid.uuid4()}"
    response = gsp.client.put(
        gsp.store, params={"graph": graph}, content=b"a,b\n", headers={**gsp.auth(), "Content-Type": "text/csv"}
    )
    assert "text/csv" in problem(response, 415)["detail"]
    problem(gsp.client.get(gsp.store, params={"graph": graph}), 404)
