"""``/.well-known/void`` and ``/dumps/…`` over HTTP: the dataset's VoID + DCAT-AP description conforms to the
project's own shape for it, its figures are the store's, its dumps are the whole dataset; neither waits for the
store: after a start or a write the description answers at once, says what it shows, and the figures and dumps
follow in the background."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pyshacl import validate
from rdflib import RDF, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, Namespace

from smarco_kg.auth import TokenStore
from smarco_kg.config import Settings
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, running_server

VOID = Namespace("http://rdfs.org/ns/void#")
BASE = "https://w3id.org/smarco/"
DATASET = URIRef(f"{BASE}dataset")
PARTNER = "cefriel"
DUMPS = ("smarco.nq.gz", "smarco.trig.gz")


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("void"), partner=PARTNER) as server:
        yield server


def description(api: LiveServer | str) -> Graph:
    url = api if isinstance(api, str) else api.url
    response = httpx.get(f"{url}/.well-known/void", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200, describe(response)
    return Graph().parse(data=response.text, format="turtle")


def shows_last_write(g: Graph, url: str) -> dict[str, bool]:
    """Whether the figures and each dump show the dataset's last write: their dct:modified is the dataset's."""
    last = g.value(DATASET, DCTERMS.modified)
    assert last is not None
    document = URIRef(f"{url}/.well-known/void")
    assert g.value(document, FOAF.primaryTopic) == DATASET
    shown = {"figures": g.value(document, DCTERMS.modified) == last}
    for name in DUMPS:
        shown[name] = g.value(URIRef(f"{url}/dumps/{name}"), DCTERMS.modified) == last
    return shown


def current(url: str, timeout: float = 120.0) -> Graph:
    """The description once the figures and both dumps show the last write (they follow in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        g = description(url)
        if all(shows_last_write(g, url).values()):
            return g
        assert time.monotonic() < deadline, f"not current after {timeout} s: {shows_last_write(g, url)}"
        time.sleep(0.3)


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
    g = current(api.url)
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


def test_a_write_is_described_at_once_and_the_figures_and_dumps_follow(api: LiveServer) -> None:
    before = current(api.url)
    dump_before = api.client.get(f"{api.url}/dumps/smarco.nq.gz").content
    update = (
        f"PREFIX dct: <http://purl.org/dc/terms/> INSERT DATA {{ GRAPH <{BASE}graph/partner/{PARTNER}> {{ "
        f"<{BASE}course/urban-data-platforms> dct:title 'Plataformas de datos urbanos'@es }} }}"
    )
    response = api.update(update)
    assert response.status_code == 204, describe(response)
    started = time.perf_counter()
    at_once = description(api)
    assert time.perf_counter() - started < 5, "the description does not wait for the figures or the dumps"
    assert at_once.value(DATASET, DCTERMS.modified) != before.value(DATASET, DCTERMS.modified), "names the write"
    after = current(api.url)
    assert int(after.value(DATASET, VOID.triples)) == int(before.value(DATASET, VOID.triples)) + 1
    nquads = gzip.decompress(api.client.get(f"{api.url}/dumps/smarco.nq.gz").content)
    assert b"Plataformas de datos urbanos" in nquads
    assert b"Plataformas de datos urbanos" not in gzip.decompress(dump_before)
    dump = URIRef(f"{api.url}/dumps/smarco.nq.gz")
    assert after.value(dump, DCTERMS.modified) == after.value(DATASET, DCTERMS.modified)
    assert after.value(dump, DCTERMS.modified) != before.value(dump, DCTERMS.modified)


@pytest.fixture
def fresh(_demo_template: Template, tmp_path: Path) -> Iterator[tuple[Settings, dict[str, str]]]:
    """A private store with nothing kept beside it (no figures, no dumps), and the environment of its servers: the
    dumps wait 5 s after a start, so a test sees them missing first."""
    with _demo_template.provision(tmp_path / "store") as settings:
        tokens = TokenStore(tmp_path / "tokens.json")
        yield settings, {"SMARCO_TOKENS_FILE": str(tokens.path), "SMARCO_DUMPS_INTERVAL": "5"}


def test_the_first_description_after_a_start_answers_before_the_dumps_exist(
    fresh: tuple[Settings, dict[str, str]],
) -> None:
    settings, env = fresh
    dumped = settings.dumps_dir / "smarco.nq.gz"
    with running_server(settings, env=env) as url:
        g = description(url)
        assert not dumped.exists(), "the dumps are written in the background, not inside the request"
        distribution = URIRef(f"{url}/dumps/smarco.nq.gz")
        assert "Being written" in str(g.value(distribution, DCTERMS.description))
        assert g.value(distribution, DCAT.byteSize) is None
        assert shows_last_write(g, url)["figures"], "the figures were read at start"
        missing = httpx.get(f"{url}/dumps/smarco.nq.gz", timeout=30)
        assert missing.status_code == 503 and int(missing.headers["retry-after"]) > 0, describe(missing)
        g = current(url)
        assert dumped.exists()
        assert int(g.value(distribution, DCAT.byteSize)) == dumped.stat().st_size


def test_a_restart_with_nothing_changed_describes_at_once_what_it_kept(
    fresh: tuple[Settings, dict[str, str]],
) -> None:
    settings, env = fresh
    with running_server(settings, env=env) as url:
        kept = current(url)
    with running_server(settings, env=env) as url:
        g = description(url)
        assert all(shows_last_write(g, url).values()), "the figures and dumps kept beside the store are current"
        assert g.value(DATASET, DCTERMS.modified) == kept.value(DATASET, DCTERMS.modified)
        assert g.value(DATASET, VOID.triples) == kept.value(DATASET, VOID.triples)


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
