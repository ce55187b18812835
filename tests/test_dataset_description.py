"""``/.well-known/void`` and ``/dumps/…`` over HTTP: the dataset's VoID + DCAT-AP description conforms to the
project's own shape for it, its figures are the store's, its dumps are the whole dataset and are rewritten after
a write."""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import pytest
from pyshacl import validate
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, Namespace

from smarco_kg.config import Settings
from tests.backends import Template
from tests.server import LiveServer, describe, live_server

VOID = Namespace("http://rdfs.org/ns/void#")
BASE = "https://w3id.org/smarco/"
DATASET = URIRef(f"{BASE}dataset")
PARTNER = "cefriel"


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("void"), partner=PARTNER) as server:
        yield server


def description(api: LiveServer) -> Graph:
    response = api.client.get(f"{api.url}/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, describe(response)
    return Graph().parse(data=response.text, format="turtle")


def count(api: LiveServer, query: str) -> int:
    return int(api.select(query)[0]["n"])


def test_the_description_conforms_to_the_projects_shape_for_it(api: LiveServer) -> None:
    shapes = Graph().parse(Settings().shapes_dir / "dataset.ttl")
    conforms, _, text = validate(description(api), shacl_graph=shapes, inference="none")
    assert conforms, text
    broken = description(api)
    broken.remove((DATASET, DCTERMS.license, None))
    assert not validate(broken, shacl_graph=shapes, inference="none")[0], "the shape can fail"


def test_the_figures_are_the_stores(api: LiveServer) -> None:
    g = description(api)
    total = count(api, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert g.value(DATASET, VOID.triples) == Literal(total)
    partitions = {
        g.value(p, VOID["class"]): int(g.value(p, VOID.entities)) for p in g.objects(DATASET, VOID.classPartition)
    }
    course = URIRef("http://data.europa.eu/snb/model/elm/LearningOpportunity")
    assert partitions[course] == count(api, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{course}> }}") == 36
    properties = {
        g.value(p, VOID.property): int(g.value(p, VOID.triples)) for p in g.objects(DATASET, VOID.propertyPartition)
    }
    assert sum(properties.values()) == total
    subsets = set(g.objects(DATASET, VOID.subset))
    assert URIRef(f"{BASE}graph/esco") in subsets and URIRef(f"{BASE}graph/partner/{PARTNER}") in subsets
    esco = URIRef(f"{BASE}graph/esco")
    assert "ESCO" in str(g.value(esco, DCTERMS.title))
    assert g.value(URIRef(f"{BASE}graph/partner/{PARTNER}"), DCTERMS.publisher) == URIRef(
        f"{BASE}organisation/{PARTNER}"
    )
    assert URIRef("http://publications.europa.eu/resource/authority/language/ENG") in set(
        g.objects(DATASET, DCTERMS.language)
    )
    assert list(g.objects(DATASET, VOID.exampleResource))


def test_the_endpoint_and_dumps_are_distributions_that_answer(api: LiveServer) -> None:
    g = description(api)
    assert g.value(DATASET, VOID.sparqlEndpoint) == URIRef(f"{api.url}/sparql")
    dumps = list(g.objects(DATASET, VOID.dataDump))
    assert {str(d).rsplit("/", 1)[1] for d in dumps} == {"smarco.nq.gz", "smarco.trig.gz"}
    for dump in dumps:
        response = api.client.get(str(dump))
        assert response.status_code == 200, describe(response)
        assert int(g.value(dump, DCAT.byteSize)) == len(response.content) == int(response.headers["content-length"])
        assert g.value(dump, DCTERMS.modified) is not None and "last-modified" in response.headers
    nquads = gzip.decompress(api.client.get(f"{api.url}/dumps/smarco.nq.gz").content)
    data = Dataset()
    data.parse(data=nquads, format="nquads")
    assert len(data) == int(g.value(DATASET, VOID.triples))
    assert api.client.head(f"{api.url}/dumps/smarco.trig.gz").status_code == 200
    assert api.client.get(f"{api.url}/dumps/other.gz").status_code == 404


def test_a_write_refreshes_the_figures_and_the_dumps(api: LiveServer) -> None:
    before = description(api)
    size_before = api.client.get(f"{api.url}/dumps/smarco.nq.gz").content
    update = (
        f"PREFIX dct: <http://purl.org/dc/terms/> INSERT DATA {{ GRAPH <{BASE}graph/partner/{PARTNER}> {{ "
        f"<{BASE}course/urban-data-platforms> dct:title 'Plataformas de datos urbanos'@es }} }}"
    )
    response = api.update(update)
    assert response.status_code == 204, describe(response)
    after = description(api)
    assert int(after.value(DATASET, VOID.triples)) == int(before.value(DATASET, VOID.triples)) + 1
    assert b"Plataformas de datos urbanos" in gzip.decompress(api.client.get(f"{api.url}/dumps/smarco.nq.gz").content)
    assert b"Plataformas de datos urbanos" not in gzip.decompress(size_before)


def test_the_home_page_and_the_service_description_link_to_it(api: LiveServer) -> None:
    assert 'href="/.well-known/void"' in api.client.get(f"{api.url}/", headers={"Accept": "text/html"}).text
    sd = api.client.get(f"{api.url}/sparql", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=sd.text, format="turtle")
    assert URIRef(f"{api.url}/.well-known/void") in set(
        g.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"))
    )


@pytest.mark.parametrize(("accept", "parser"), [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")])
def test_the_description_in_other_syntaxes(api: LiveServer, accept: str, parser: str) -> None:
    response = api.client.get(f"{api.url}/.well-known/void", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(accept)
    assert (DATASET, RDF.type, DCAT.Dataset) in Graph().parse(data=response.text, format=parser)
