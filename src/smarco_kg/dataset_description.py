"""What a partner node or a data portal reads first: the dataset described in VoID and DCAT-AP.

The description names the dataset, its publisher (the partnership's coordinator), licence and languages, the
SPARQL endpoint (a ``dcat:DataService``), the dumps (``dcat:Distribution``s with size and dates), example
resources, class and property partitions with counts, and one subset per named graph with where it comes from
(ESCO's version and publisher, the partner behind a partner graph).

The figures are read from the store (``summarise``: about a second at 500k triples, so it runs in the background
after a write and is kept beside the store as JSON); ``describe_dataset`` turns a summary into the description in
a millisecond or two. Every part carries the date of the write it shows, so a reader can tell what is current: the
dataset's ``dct:modified`` is its last write; the description's and each dump's ``dct:modified`` the write they
show; equal dates mean current.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import pyoxigraph as ox
from rdflib import RDF, XSD, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF
from rdflib.util import from_n3

from smarco_kg.graphs import Graphs
from smarco_kg.namespaces import VOID
from smarco_kg.store import GraphStore
from smarco_kg.terms import to_ox

OWL_VERSION = URIRef("http://www.w3.org/2002/07/owl#versionInfo")
LICENCE = "http://creativecommons.org/licenses/by/4.0/"
EU_LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
_LANGUAGES = {"en": "ENG", "it": "ITA", "de": "DEU", "fr": "FRA", "es": "SPA", "el": "ELL", "pt": "POR", "ro": "RON",
              "nl": "NLD", "hu": "HUN", "eu": "EUS", "pl": "POL", "sl": "SLV", "hr": "HRV", "bg": "BUL", "cs": "CES",
              "sk": "SLK", "fi": "FIN", "sv": "SWE", "da": "DAN", "et": "EST", "lv": "LAV", "lt": "LIT", "mt": "MLT",
              "ga": "GLE"}  # fmt: skip
_ESCO_OWN = (DCTERMS.title, OWL_VERSION, DCTERMS.source, DCTERMS.rights, DCTERMS.issued)
# the description's terms as plain strings: an rdflib namespace makes and checks a URIRef on every attribute read
# (about half the time of building the description)
RDF_TYPE = str(RDF.type)
DCT_NS, DCAT_NS, VOID_NS, FOAF_NS = str(DCTERMS), str(DCAT), str(VOID), str(FOAF)
_INTEGER = ox.NamedNode(str(XSD.integer))
_NON_NEGATIVE = ox.NamedNode(str(XSD.nonNegativeInteger))
_DATE_TIME = ox.NamedNode(str(XSD.dateTime))


@dataclass(frozen=True)
class State:
    """The store as of one write: a stamp that every commit replaces (in any process), and when that was."""

    stamp: str
    at: dt.datetime

    @classmethod
    def parse(cls, text: str) -> State:
        """From ``<ISO time> <random>``, the form ``Dumps`` keeps; ValueError for anything else."""
        at, _, _ = text.strip().partition(" ")
        when = dt.datetime.fromisoformat(at)
        if when.tzinfo is None:
            raise ValueError(f"a state's time has a time zone: {text!r}")
        return cls(text.strip(), when)


@dataclass(frozen=True)
class Dump:
    """One dump as the description lists it; ``made`` is None until the first one is written."""

    name: str  # file name under /dumps/
    media_type: str  # of the uncompressed content
    size: int | None = None  # bytes, compressed
    made: dt.datetime | None = None  # when the file was written
    state: State | None = None  # the write it shows


@dataclass(frozen=True)
class Summary:
    """What the description reads from the store, as of one state; kept as JSON between runs."""

    state: State
    graphs: dict[str, int]  # triples per graph ("" the default graph)
    classes: list[tuple[str, int]]  # entities per class
    properties: list[tuple[str, int]]  # triples per property
    languages: list[str]  # EU authority table codes
    examples: list[str]
    esco: list[tuple[str, str]] = field(default_factory=list)  # the ESCO graph's own description (predicate, N3)

    def to_json(self) -> str:
        data = asdict(self)
        data["state"] = self.state.stamp
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Summary:
        """A kept summary; ValueError (or KeyError, TypeError) when it is not one."""
        data = json.loads(text)
        return cls(
            State.parse(data["state"]),
            {str(k): int(v) for k, v in data["graphs"].items()},
            [(str(c), int(n)) for c, n in data["classes"]],
            [(str(p), int(n)) for p, n in data["properties"]],
            [str(code) for code in data["languages"]],
            [str(e) for e in data["examples"]],
            [(str(p), str(o)) for p, o in data.get("esco", [])],
        )


def summarise(store: GraphStore, state: State, base_iri: str, example_classes: Sequence[URIRef] = ()) -> Summary:
    """The figures of the description, read from the store; ``state``: the state read before the store, so a
    write during the reading makes the summary stale rather than wrongly current."""
    graphs = Graphs(base_iri)
    esco = []
    if graphs.esco in (sizes := store.graph_sizes()):
        name = graphs.esco
        for p in _ESCO_OWN:
            for row in store.query(f"SELECT ?o WHERE {{ GRAPH <{name}> {{ <{name}> <{p}> ?o }} }}").rows():
                esco.append((str(p), row["o"].n3()))
    return Summary(
        state,
        sizes,
        [(str(c), n) for c, n in _class_counts(store)],
        [(str(p), n) for p, n in _property_counts(store)],
        _languages(store),
        [str(e) for e in _examples(store, base_iri, example_classes)],
        esco,
    )


def describe_dataset(
    summary: Summary, base_iri: str, site: str, coordinator: str, dumps: Sequence[Dump], latest: State
) -> list[ox.Triple]:
    """The VoID + DCAT-AP description; ``site`` is the server's own URL (the endpoint and dumps live there);
    ``latest``: the store's last write, which the summary and the dumps may not show yet. Built as pyoxigraph
    triples: a few milliseconds, where an rdflib graph and its serialiser took ~40 (at ~550 triples)."""
    g: list[ox.Triple] = []
    add = g.append
    dataset = _iri(f"{base_iri}dataset")
    graphs = Graphs(base_iri)
    sizes = summary.graphs
    add(_t(dataset, RDF_TYPE, VOID_NS + "Dataset"))
    add(_t(dataset, RDF_TYPE, DCAT_NS + "Dataset"))
    add(_t(dataset, DCT_NS + "title", _en("SMARCO smart-community skills knowledge graph")))
    add(_t(dataset, DCT_NS + "description", _en(
        "Courses, training pathways, micro-credentials and certificates for smart-city engineers and "
        "planners/procurers, the SMARCO partners, best practices and the ESCO skills and occupations they "
        "relate to (ELM v3 and ESCO).")))  # fmt: skip
    add(_t(dataset, DCT_NS + "publisher", _iri(coordinator)))
    add(_t(dataset, DCT_NS + "license", LICENCE))
    add(_t(dataset, DCT_NS + "rights", _en("This service uses the ESCO classification of the European Commission.")))
    add(_t(dataset, DCT_NS + "modified", _time(latest.at)))  # its last write
    add(_t(dataset, FOAF_NS + "homepage", _iri(f"{site}/")))
    add(_t(dataset, DCAT_NS + "landingPage", _iri(f"{site}/")))
    add(_t(dataset, VOID_NS + "uriSpace", ox.Literal(base_iri)))
    add(_t(dataset, VOID_NS + "triples", _integer(sum(sizes.values()))))
    add(_t(dataset, DCAT_NS + "keyword", _en("smart cities")))
    add(_t(dataset, DCAT_NS + "keyword", _en("micro-credentials")))
    for language in summary.languages:
        add(_t(dataset, DCT_NS + "language", _iri(EU_LANGUAGE + language)))

    document = _iri(f"{site}/.well-known/void")
    add(_t(document, RDF_TYPE, VOID_NS + "DatasetDescription"))
    add(_t(document, FOAF_NS + "primaryTopic", dataset))
    add(_t(document, DCT_NS + "title", _en("This description of the dataset")))
    add(_t(document, DCT_NS + "modified", _time(summary.state.at)))  # the write its figures show
    add(_t(document, DCT_NS + "description", _as_of("Its figures", summary.state, latest)))

    endpoint = _iri(f"{site}/sparql")
    add(_t(dataset, VOID_NS + "sparqlEndpoint", endpoint))
    service = _iri(f"{site}/sparql#service")
    add(_t(service, RDF_TYPE, DCAT_NS + "DataService"))
    add(_t(service, DCT_NS + "title", _en("SPARQL 1.1 endpoint")))
    add(_t(service, DCAT_NS + "endpointURL", endpoint))
    add(_t(service, DCAT_NS + "servesDataset", dataset))
    distribution = _iri(f"{site}/sparql#distribution")
    add(_t(dataset, DCAT_NS + "distribution", distribution))
    add(_t(distribution, RDF_TYPE, DCAT_NS + "Distribution"))
    add(_t(distribution, DCT_NS + "title", _en("SPARQL 1.1 Query, Update and Graph Store protocols")))
    add(_t(distribution, DCAT_NS + "accessURL", endpoint))
    add(_t(distribution, DCAT_NS + "accessService", service))
    add(_t(distribution, DCT_NS + "license", LICENCE))
    for dump in dumps:
        g += _dump_distribution(dataset, site, dump, latest)

    for example in summary.examples:
        add(_t(dataset, VOID_NS + "exampleResource", _iri(example)))
    for cls, count in summary.classes:
        partition = ox.BlankNode()
        add(_t(dataset, VOID_NS + "classPartition", partition))
        add(_t(partition, VOID_NS + "class", _iri(cls)))
        add(_t(partition, VOID_NS + "entities", _integer(count)))
    for prop, count in summary.properties:
        partition = ox.BlankNode()
        add(_t(dataset, VOID_NS + "propertyPartition", partition))
        add(_t(partition, VOID_NS + "property", _iri(prop)))
        add(_t(partition, VOID_NS + "triples", _integer(count)))
    for name, count in sorted(sizes.items()):
        if not name:
            continue
        subset = _iri(name)
        add(_t(dataset, VOID_NS + "subset", subset))
        add(_t(subset, RDF_TYPE, VOID_NS + "Dataset"))
        add(_t(subset, VOID_NS + "triples", _integer(count)))
        add(_t(subset, VOID_NS + "sparqlEndpoint", endpoint))
        g += _source(summary, graphs, subset)
    return g


Object = ox.NamedNode | ox.BlankNode | ox.Literal


def _t(s: ox.NamedNode | ox.BlankNode, p: str, o: Object | str) -> ox.Triple:
    """A triple; a predicate or an object given as a string (an rdflib namespace term) is an IRI."""
    return ox.Triple(s, ox.NamedNode(p), ox.NamedNode(o) if isinstance(o, str) else o)


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _integer(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_INTEGER)


def _time(when: dt.datetime) -> ox.Literal:
    text = when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return ox.Literal(text, datatype=_DATE_TIME)


def _as_of(what: str, shown: State, latest: State) -> ox.Literal:
    """Words for people on what a part shows: the last write, or an older one while newer are being made."""
    when = shown.at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    if shown.stamp == latest.stamp:
        return _en(f"{what} show the dataset as of its last change ({when})")
    return _en(f"{what} show the dataset as of {when}; it has changed since, and new ones are being made")


def _dump_distribution(dataset: ox.NamedNode, site: str, dump: Dump, latest: State) -> list[ox.Triple]:
    distribution = _iri(f"{site}/dumps/{dump.name}")
    g = [
        _t(dataset, DCAT_NS + "distribution", distribution),
        _t(dataset, VOID_NS + "dataDump", distribution),
        _t(distribution, RDF_TYPE, DCAT_NS + "Distribution"),
        _t(distribution, DCT_NS + "title", _en(f"The whole dataset as {dump.name}")),
        _t(distribution, DCAT_NS + "accessURL", distribution),
        _t(distribution, DCAT_NS + "downloadURL", distribution),
        _t(distribution, DCAT_NS + "mediaType", f"https://www.iana.org/assignments/media-types/{dump.media_type}"),
        _t(distribution, DCAT_NS + "compressFormat", "https://www.iana.org/assignments/media-types/application/gzip"),
        _t(distribution, DCT_NS + "license", LICENCE),
    ]
    if dump.made is None or dump.state is None or dump.size is None:
        g.append(_t(distribution, DCT_NS + "description", _en("Being written for the first time: try again soon")))
        return g
    size = ox.Literal(str(dump.size), datatype=_NON_NEGATIVE)
    return [
        *g,
        _t(distribution, DCAT_NS + "byteSize", size),
        _t(distribution, DCT_NS + "modified", _time(dump.state.at)),  # the write it shows
        _t(distribution, DCT_NS + "issued", _time(dump.made)),  # when the file was written
        _t(distribution, DCT_NS + "description", _as_of("The files", dump.state, latest)),
    ]


def _source(summary: Summary, graphs: Graphs, subset: ox.NamedNode) -> list[ox.Triple]:
    """Where a named graph comes from: ESCO's own description, a partner, the project."""
    name = subset.value
    if name == graphs.esco:
        g = [_t(subset, p, to_ox(from_n3(o))) for p, o in summary.esco]  # type: ignore[arg-type]  # N3 it wrote
        if not any(p == DCT_NS + "title" for p, _ in summary.esco):  # loaded as a file (the subset), not imported
            g.append(_t(subset, DCT_NS + "title", _en("ESCO classification of the European Commission")))
        g.append(
            _t(subset, DCT_NS + "publisher", "http://publications.europa.eu/resource/authority/corporate-body/EMPL")
        )
        return g
    if graphs.is_partner_graph(name):
        slug = name[len(graphs.partner_prefix) :]
        return [
            _t(subset, DCT_NS + "publisher", f"{graphs.base_iri}organisation/{slug}"),
            _t(subset, DCT_NS + "title", _en(f"Contributions of {slug}")),
        ]
    if name == graphs.vocabularies:
        return [
            _t(subset, DCT_NS + "title", _en("Europass and EU code lists (from the ELM v3 XSDs)")),
            _t(subset, DCT_NS + "source", "http://data.europa.eu/snb/model/elm"),
        ]
    if name == graphs.ontology:
        return [_t(subset, DCT_NS + "title", _en("The SMARCO ontology"))]
    return []


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
