"""Ownership by subject, over HTTP against a live server on a private copy of the demo store: a partner's write
(SPARQL Update, Graph Store Protocol, REST) may state or remove only what its own graph owns, whatever graph it
writes; an admin may write anything; a member reads as its home graph holds it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from rdflib import Graph, URIRef

from smarco_kg.harvest import harvest, harvest_graph
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.ownership import NotOwner, anchors
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
A, B = "cefriel", "european-digital-sme-alliance"
A_GRAPH, B_GRAPH = f"{BASE}graph/partner/{A}", f"{BASE}graph/partner/{B}"
A_COURSE = f"{BASE}course/urban-data-platforms"  # in cefriel's graph
B_COURSE = f"{BASE}course/standards-and-interoperability-for-smart-cities"  # in B's graph
A_ORG, B_ORG = f"{BASE}organisation/{A}", f"{BASE}organisation/{B}"
ESCO_GRAPH = f"{BASE}graph/esco"
PREFIXES = (
    "PREFIX elm: <http://data.europa.eu/snb/model/elm/> PREFIX dct: <http://purl.org/dc/terms/> "
    "PREFIX owl: <http://www.w3.org/2002/07/owl#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)
PROVIDED_BY = URIRef("http://data.europa.eu/snb/model/elm/providedBy")
JSONLD = "application/ld+json"


@pytest.fixture(scope="module")
def node(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server whose partner token is cefriel's (A); ``b_token`` gives B's."""
    with live_server(_demo_template, tmp_path_factory.mktemp("ownership"), partner=A) as server:
        yield server


@pytest.fixture(scope="module")
def b_token(node: LiveServer) -> str:
    secret, _ = node.tokens.create(partner=B, label="ownership tests")
    return secret


def size(node: LiveServer, graph: str) -> int:
    rows = node.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(rows[0]["n"])


def course(node: LiveServer, iri: str, media_type: str = JSONLD) -> httpx.Response:
    response = node.client.get(f"{node.url}/api/courses/{iri.rsplit('/', 1)[1]}", headers={"Accept": media_type})
    assert response.status_code == 200, describe(response)
    return response


def providers(node: LiveServer, iri: str) -> set[str]:
    described = Graph().parse(data=course(node, iri, "text/turtle").text, format="turtle")
    return {str(o) for o in described.objects(URIRef(iri), PROVIDED_BY)}


def refused(node: LiveServer, response: httpx.Response, resource: str, owner: str) -> None:
    """A 403 problem naming the resource and its owner."""
    body = problem(response, 403)
    assert f"<{resource}>" in body["detail"] and owner in body["detail"], body


def insert(graph: str, triples: str) -> str:
    return f"{PREFIXES}INSERT DATA {{ GRAPH <{graph}> {{ {triples} }} }}"


@pytest.mark.parametrize(
    "triples",
    [
        f"<{A_COURSE}> elm:providedBy <{B_ORG}> .",
        f"<{A_COURSE}> owl:sameAs <https://elsewhere.example/x> .",
        f'<{A_COURSE}> dct:description "Eine gefälschte Beschreibung"@de .',
    ],
    ids=["provider", "sameAs", "german-description"],
)
def test_a_partner_may_not_state_anything_about_another_partners_course_in_its_own_graph(
    node: LiveServer, b_token: str, triples: str
) -> None:
    before = size(node, B_GRAPH)
    response = node.update(insert(B_GRAPH, triples), b_token)
    refused(node, response, A_COURSE, f"partner {A}")
    assert size(node, B_GRAPH) == before
    assert providers(node, A_COURSE) == {A_ORG}
    assert "gefälschte" not in course(node, A_COURSE).text and "elsewhere" not in course(node, A_COURSE).text


def test_a_partner_may_not_describe_another_partners_organisation(node: LiveServer, b_token: str) -> None:
    before = size(node, B_GRAPH)
    response = node.update(insert(B_GRAPH, f'<{A_ORG}> skos:altLabel "Taken over"@en .'), b_token)
    refused(node, response, A_ORG, f"partner {A}")
    assert size(node, B_GRAPH) == before


def test_a_partner_may_not_describe_an_esco_skill(node: LiveServer, b_token: str) -> None:
    rows = node.select(
        f"SELECT ?s WHERE {{ GRAPH <{ESCO_GRAPH}> {{ ?s a <http://data.europa.eu/esco/model#Skill> }} }} LIMIT 1"
    )
    skill = rows[0]["s"]
    before = size(node, B_GRAPH)
    response = node.update(insert(B_GRAPH, f'<{skill}> skos:prefLabel "Fälschung"@de .'), b_token)
    refused(node, response, skill, f"<{ESCO_GRAPH}>")
    assert size(node, B_GRAPH) == before


def test_a_partner_may_not_mint_nodes_under_another_partners_course(node: LiveServer, b_token: str) -> None:
    minted = f"{A_COURSE}/outcome/99"
    response = node.update(insert(B_GRAPH, f'<{minted}> dct:title "Extra outcome"@en .'), b_token)
    refused(node, response, minted, f"partner {A}")


def test_one_foreign_statement_refuses_the_whole_update(node: LiveServer, b_token: str) -> None:
    before = size(node, B_GRAPH)
    update = insert(B_GRAPH, f'<{B_COURSE}> dct:title "Mixed"@de . <{A_COURSE}> elm:providedBy <{B_ORG}> .')
    refused(node, node.update(update, b_token), A_COURSE, f"partner {A}")
    assert size(node, B_GRAPH) == before
    assert "Mixed" not in course(node, B_COURSE).text


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_the_graph_store_refuses_statements_about_another_partners_course(
    node: LiveServer, b_token: str, method: str
) -> None:
    before = size(node, B_GRAPH)
    body = f"<{A_COURSE}> <{PROVIDED_BY}> <{B_ORG}> .\n"
    response = node.client.request(
        method,
        node.store,
        params={"graph": B_GRAPH},
        content=body.encode(),
        headers={"Authorization": f"Bearer {b_token}", "Content-Type": "application/n-triples"},
    )
    refused(node, response, A_COURSE, f"partner {A}")
    assert size(node, B_GRAPH) == before
    assert providers(node, A_COURSE) == {A_ORG}


def test_a_partner_changes_its_own_course(node: LiveServer, b_token: str) -> None:
    update = insert(B_GRAPH, f'<{B_COURSE}> dct:title "Normen und Interoperabilität"@de .')
    response = node.update(update, b_token)
    assert response.status_code == 204, describe(response)
    assert "Normen und Interoperabilität" in course(node, B_COURSE).text


def test_a_partner_creates_a_course_with_blank_nodes(node: LiveServer, b_token: str) -> None:
    body = course(node, B_COURSE).json()
    body.pop("id", None)
    body["title"] = {"en": "A course of B's own"}
    specification = body["learningAchievementSpecification"]
    specification.pop("id", None)  # a blank node: the write names it under the new course
    specification["title"] = {"en": "A course of B's own"}
    response = node.client.post(
        f"{node.url}/api/courses", json=body, headers={"Authorization": f"Bearer {b_token}", "Content-Type": JSONLD}
    )
    assert response.status_code == 201, describe(response)
    created = response.json()
    assert created["learningAchievementSpecification"]["id"].startswith(created["id"] + "/")
    graphs = node.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{created['id']}> ?p ?o }} }}")
    assert [row["g"] for row in graphs] == [B_GRAPH]


def test_an_admin_may_write_anything_and_a_course_reads_as_its_home_graph_holds_it(
    node: LiveServer,
) -> None:
    stray = f'<{A_COURSE}> elm:providedBy <{B_ORG}> ; dct:description "Stray"@de .'
    response = node.update(insert(B_GRAPH, stray), node.admin)
    assert response.status_code == 204, describe(response)
    stored = node.select(f"SELECT ?o WHERE {{ GRAPH <{B_GRAPH}> {{ <{A_COURSE}> <{PROVIDED_BY}> ?o }} }}")
    assert [row["o"] for row in stored] == [B_ORG]  # the stray statement is in the store
    assert providers(node, A_COURSE) == {A_ORG}  # Turtle
    document = course(node, A_COURSE).json()  # JSON-LD
    assert "Stray" not in str(document) and B not in str(document.get("providedBy")), document
    page = node.client.get(f"{node.url}/course/urban-data-platforms", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html"), describe(page)
    assert page.status_code == 200, describe(page)
    assert "Stray" not in page.text


def test_a_partner_may_not_remove_statements_about_another_partners_course(node: LiveServer, b_token: str) -> None:
    """Even from its own graph: the stray statement an admin put there stays for an admin to remove."""
    update = f"{PREFIXES}DELETE DATA {{ GRAPH <{B_GRAPH}> {{ <{A_COURSE}> elm:providedBy <{B_ORG}> }} }}"
    refused(node, node.update(update, b_token), A_COURSE, f"partner {A}")


def test_a_harvest_may_not_overwrite_what_local_partners_own(node: LiveServer, demo_kg: KnowledgeGraph) -> None:
    """Harvesting a node that serves courses this store's partners own is refused whole, naming them."""
    with httpx.Client(timeout=60.0) as client, pytest.raises(NotOwner) as error:
        harvest(demo_kg, node.url, "same-catalogue", client)
    assert "belongs to partner" in str(error.value) and error.value.status == 403
    assert harvest_graph(demo_kg, "same-catalogue") not in demo_kg.store.graphs()


def test_minted_iris_belong_to_the_resource_they_are_minted_under() -> None:
    assert anchors(f"{A_COURSE}/outcome/1") == [
        f"{A_COURSE}/outcome/1",
        f"{A_COURSE}/outcome",
        A_COURSE,
        f"{BASE}course",
        BASE.rstrip("/"),
    ]
    assert anchors("urn:uuid:1") == ["urn:uuid:1"]
    assert anchors("https://example.org/") == ["https://example.org/"]
