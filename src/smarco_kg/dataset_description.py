"""What a partner node or a data portal reads first: the dataset described in VoID and DCAT-AP.

The description names the dataset, its publisher (the partnership's coordinator), licence and languages, the
SPARQL endpoint (a ``dcat:DataService``), the dumps (``dcat:Distribution``s with size and modification date),
example resources, class and property partitions with counts, and one subset per named graph with where it
comes from (ESCO's version and publisher, the partner behind a partner graph). Every figure is read from the
store, so it cannot drift from the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, Namespace

from smarco_kg.graphs import Graphs
from smarco_kg.namespaces import VOID
from smarco_kg.store import GraphStore

ADMS = Namespace("http://www.w3.org/ns/adms#")
OWL_VERSION = URIRef("http://www.w3.org/2002/07/owl#versionInfo")
LICENCE = URIRef("http://creativecommons.org/licenses/by/4.0/")
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
_LANGUAGES = {"en": "ENG", "it": "ITA", "de": "DEU", "fr": "FRA", "es": "SPA", "el": "ELL", "pt": "POR", "ro": "RON",
              "nl": "NLD", "hu": "HUN", "eu": "EUS", "pl": "POL", "sl": "SLV", "hr": "HRV", "bg": "BUL", "cs": "CES",
              "sk": "SLK", "fi": "FIN", "sv": "SWE", "da": "DAN", "et": "EST", "lv": "LAV", "lt": "LIT", "mt": "MLT",
              "ga": "GLE"}  # fmt: skip


@dataclass(frozen=True)
class Dump:
    name: str  # file name under /dumps/
    media_type: str  # of the uncompressed content
    path: Path
    modified: dt.datetime


def describe_dataset(
    store: GraphStore,
    base_iri: str,
    site: str,
    coordinator: str,
    dumps: list[Dump],
    example_classes: Sequence[URIRef] = (),
) -> tuple[Graph, URIRef]:
    """The VoID + DCAT-AP description; ``site`` is the server's own URL (the endpoint and dumps live there);
    ``example_classes``: one example resource of each (the catalogue's classes)."""
    g = Graph()
    for prefix, namespace in (("void", VOID), ("dcat", DCAT), ("dct", DCTERMS), ("foaf", FOAF)):
        g.bind(prefix, str(namespace))
    dataset = URIRef(f"{base_iri}dataset")
    graphs = Graphs(base_iri)
    sizes = store.graph_sizes()
    g.add((dataset, RDF.type, VOID.Dataset))
    g.add((dataset, RDF.type, DCAT.Dataset))
    g.add((dataset, DCTERMS.title, Literal("SMARCO smart-community skills knowledge graph", lang="en")))
    g.add((dataset, DCTERMS.description, Literal(
        "Courses, training pathways, micro-credentials and certificates for smart-city engineers and "
        "planners/procurers, the SMARCO partners, best practices and the ESCO skills and occupations they "
        "relate to (ELM v3 and ESCO).", lang="en")))  # fmt: skip
    g.add((dataset, DCTERMS.publisher, URIRef(coordinator)))
    g.add((dataset, DCTERMS.license, LICENCE))
    g.add(
        (
            dataset,
            DCTERMS.rights,
            Literal("This service uses the ESCO classification of the European Commission.", lang="en"),
        )
    )
    g.add((dataset, DCTERMS.modified, Literal(dt.datetime.now(dt.UTC).date(), datatype=XSD.date)))
    g.add((dataset, FOAF.homepage, URIRef(f"{site}/")))
    g.add((dataset, DCAT.landingPage, URIRef(f"{site}/")))
    g.add((dataset, VOID.uriSpace, Literal(base_iri)))
    g.add((dataset, VOID.triples, Literal(sum(sizes.values()), datatype=XSD.integer)))
    g.add((dataset, DCAT.keyword, Literal("smart cities", lang="en")))
    g.add((dataset, DCAT.keyword, Literal("micro-credentials", lang="en")))
    for language in _languages(store):
        g.add((dataset, DCTERMS.language, URIRef(EU_LANGUAGE + language)))

    endpoint = URIRef(f"{site}/sparql")
    g.add((dataset, VOID.sparqlEndpoint, endpoint))
    service = URIRef(f"{site}/sparql#service")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint", lang="en")))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.servesDataset, dataset))
    g.add((dataset, DCAT.distribution, _sparql_distribution(g, site, service)))
    for dump in dumps:
        distribution = URIRef(f"{site}/dumps/{dump.name}")
        g.add((dataset, DCAT.distribution, distribution))
        g.add((dataset, VOID.dataDump, distribution))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, Literal(f"The whole dataset as {dump.name}", lang="en")))
        g.add((distribution, DCAT.accessURL, distribution))
        g.add((distribution, DCAT.downloadURL, distribution))
        g.add((distribution, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{dump.media_type}")))
        g.add(
            (distribution, DCAT.compressFormat, URIRef("https://www.iana.org/assignments/media-types/application/gzip"))
        )
        g.add((distribution, DCAT.byteSize, Literal(dump.path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        g.add((distribution, DCTERMS.modified, Literal(dump.modified.replace(microsecond=0), datatype=XSD.dateTime)))
        g.add((distribution, DCTERMS.license, LICENCE))

    for example in _examples(store, base_iri, example_classes):
        g.add((dataset, VOID.exampleResource, example))
    for cls, count in _class_counts(store):
        partition = BNode()
        g.add((dataset, VOID.classPartition, partition))
        g.add((partition, VOID["class"], cls))
        g.add((partition, VOID.entities, Literal(count, datatype=XSD.integer)))
    for prop, count in _property_counts(store):
        partition = BNode()
        g.add((dataset, VOID.propertyPartition, partition))
        g.add((partition, VOID.property, prop))
        g.add((partition, VOID.triples, Literal(count, datatype=XSD.integer)))
    for name, count in sorted(sizes.items()):
        if not name:
            continue
        subset = URIRef(name)
        g.add((dataset, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, VOID.triples, Literal(count, datatype=XSD.integer)))
        g.add((subset, VOID.sparqlEndpoint, endpoint))
        _source(store, g, graphs, subset)
    return g, dataset


def _sparql_distribution(g: Graph, site: str, service: URIRef) -> URIRef:
    distribution = URIRef(f"{site}/sparql#distribution")
    g.add((distribution, RDF.type, DCAT.Distribution))
    g.add((distribution, DCTERMS.title, Literal("SPARQL 1.1 Query, Update and Graph Store protocols", lang="en")))
    g.add((distribution, DCAT.accessURL, URIRef(f"{site}/sparql")))
    g.add((distribution, DCAT.accessService, service))
    g.add((distribution, DCTERMS.license, LICENCE))
    return distribution


def _source(store: GraphStore, g: Graph, graphs: Graphs, subset: URIRef) -> None:
    """Where a named graph comes from: ESCO's own description, a partner, the project."""
    name = str(subset)
    if name == graphs.esco:
        for p in (DCTERMS.title, OWL_VERSION, DCTERMS.source, DCTERMS.rights, DCTERMS.issued):
            for o in store.query(f"SELECT ?o WHERE {{ GRAPH <{name}> {{ <{name}> <{p}> ?o }} }}").rows():
                g.add((subset, p, o["o"]))
        if (subset, DCTERMS.title, None) not in g:  # loaded as a file (the subset), not by `import esco`
            g.add((subset, DCTERMS.title, Literal("ESCO classification of the European Commission", lang="en")))
        g.add(
            (subset, DCTERMS.publisher, URIRef("http://publications.europa.eu/resource/authority/corporate-body/EMPL"))
        )
    elif graphs.is_partner_graph(name):
        slug = name[len(graphs.partner_prefix) :]
        g.add((subset, DCTERMS.publisher, URIRef(f"{graphs.base_iri}organisation/{slug}")))
        g.add((subset, DCTERMS.title, Literal(f"Contributions of {slug}", lang="en")))
    elif name == graphs.vocabularies:
        g.add((subset, DCTERMS.title, Literal("Europass and EU code lists (from the ELM v3 XSDs)", lang="en")))
        g.add((subset, DCTERMS.source, URIRef("http://data.europa.eu/snb/model/elm")))
    elif name == graphs.ontology:
        g.add((subset, DCTERMS.title, Literal("The SMARCO ontology", lang="en")))


def _examples(store: GraphStore, base_iri: str, classes: Sequence[URIRef]) -> list[URIRef]:
    found = []
    for cls in classes:
        query = f'SELECT ?s WHERE {{ ?s a <{cls}> FILTER(STRSTARTS(STR(?s), "{base_iri}")) }} LIMIT 1'
        found += [URIRef(str(r["s"])) for r in store.query(query, union_default_graph=True).rows()]
    return found


def _class_counts(store: GraphStore) -> list[tuple[URIRef, int]]:
    query = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"
    rows = store.query(query, union_default_graph=True).rows()
    return sorted(
        ((URIRef(str(r["c"])), int(r["n"])) for r in rows if isinstance(r["c"], URIRef)), key=lambda x: str(x[0])
    )


def _property_counts(store: GraphStore) -> list[tuple[URIRef, int]]:
    query = "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"
    rows = store.query(query).rows()
    return sorted(((URIRef(str(r["p"])), int(r["n"])) for r in rows), key=lambda x: str(x[0]))


def _languages(store: GraphStore) -> list[str]:
    query = (
        "SELECT DISTINCT (LCASE(LANG(?t)) AS ?l) WHERE { ?s <http://purl.org/dc/terms/title> ?t "
        "FILTER(LANG(?t) != '') }"
    )
    tags = {str(r["l"]).split("-")[0] for r in store.query(query, union_default_graph=True).rows()}
    return sorted(_LANGUAGES[t] for t in tags if t in _LANGUAGES)
