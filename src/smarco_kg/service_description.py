"""The SPARQL 1.1 Service Description of the endpoint, with a VoID description of the default dataset."""

from __future__ import annotations

from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, Namespace

from smarco_kg import __version__
from smarco_kg.formats import RDF_SYNTAXES, RESULT_FORMATS
from smarco_kg.namespaces import PREFIXES, VOID
from smarco_kg.store import GraphStore

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

# W3C format IRIs (http://www.w3.org/ns/formats/) for what the endpoint reads and writes.
_FORMAT_IRIS = {
    "application/sparql-results+json": FORMATS.SPARQL_Results_JSON,
    "application/sparql-results+xml": FORMATS.SPARQL_Results_XML,
    "text/csv": FORMATS.SPARQL_Results_CSV,
    "text/tab-separated-values": FORMATS.SPARQL_Results_TSV,
    "text/turtle": FORMATS.Turtle,
    "application/n-triples": FORMATS["N-Triples"],
    "application/n-quads": FORMATS["N-Quads"],
    "application/trig": FORMATS.TriG,
    "application/ld+json": FORMATS["JSON-LD"],
    "application/rdf+xml": FORMATS.RDF_XML,
}


def service_description(
    endpoint: str, store: GraphStore, *, graph_store: str | None = None, dataset_description: str | None = None
) -> Graph:
    """Describe ``endpoint``: languages, formats, features and the dataset with triple counts per graph."""
    graph = Graph()
    for prefix, namespace in {**PREFIXES, "sd": str(SD), "void": str(VOID)}.items():
        graph.bind(prefix, namespace)
    service = URIRef(endpoint)
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, DCTERMS.title, Literal("smarco-kg SPARQL endpoint", lang="en")))
    graph.add((service, DCTERMS.hasVersion, Literal(__version__)))
    for language in (SD.SPARQL11Query, SD.SPARQL11Update):
        graph.add((service, SD.supportedLanguage, language))
    for feature in (SD.UnionDefaultGraph, SD.BasicFederatedQuery):
        graph.add((service, SD.feature, feature))
    for fmt in RESULT_FORMATS:
        graph.add((service, SD.resultFormat, _FORMAT_IRIS[fmt.media_type]))
    for syntax in RDF_SYNTAXES:
        graph.add((service, SD.resultFormat, _FORMAT_IRIS[syntax.media_type]))
        graph.add((service, SD.inputFormat, _FORMAT_IRIS[syntax.media_type]))
    if graph_store:
        graph.add((service, URIRef("http://www.w3.org/ns/sparql-service-description#graphStore"), URIRef(graph_store)))

    dataset = BNode()
    default = BNode()
    sizes = store.graph_sizes()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, VOID.sparqlEndpoint, service))
    if dataset_description:  # the fuller VoID + DCAT-AP description
        graph.add((dataset, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"), URIRef(dataset_description)))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, DCTERMS.description, Literal("The union of all named graphs.", lang="en")))
    graph.add((default, VOID.triples, Literal(sum(sizes.values()), datatype=XSD.integer)))
    for name, count in sorted(sizes.items()):
        if not name:
            continue
        named, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, RDF.type, SD.NamedGraph))
        graph.add((named, SD.name, URIRef(name)))
        graph.add((named, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, VOID.triples, Literal(count, datatype=XSD.integer)))
    return graph
