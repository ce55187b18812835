"""Courses as ELM v3 for the Qualification Dataset Register: the LOQ application profile, which closes its shapes.

A course's description in the store carries project triples (aims, sample-data flags, comments) that a closed
LOQ shape refuses, and project concepts (SMARCO's target groups) that Europass does not know, so the export is a
projection, derived from the official shapes themselves: each ELM node
keeps only the properties its LOQ shape names (``official_shapes.shape_terms``), every coded value becomes a
``skos:Concept`` in its scheme (the scheme typed ``skos:ConceptScheme``), ESCO skills carry no scheme (the LOQ
``-mdr`` file accepts none of ESCO's real scheme IRIs), and the course's own page is its ``foaf:homepage``.

The specification is an ``elm:Qualification`` when it has an NQF level (which QDR requires of one), otherwise a
plain ``elm:LearningAchievementSpecification``. The result is validated against the official LOQ shapes; an
optional value the profile refuses (a SMARCO-only target group, say) is left out and listed; a course that still
does not conform is not exported at all (``NotExportable``, with the official shapes' messages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from smarco_kg.api.resources import describe
from smarco_kg.europass.official_shapes import OfficialProblem, check, shape_terms
from smarco_kg.namespaces import ELM
from smarco_kg.registry import ResourceClass
from smarco_kg.store import GraphStore

FOAF_HOMEPAGE = URIRef("http://xmlns.com/foaf/0.1/homepage")
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
# coded values Europass understands: its own lists, the EU authority tables and ESCO (project vocabularies stay home)
OFFICIAL_VOCABULARIES = ("http://data.europa.eu/snb/", "http://publications.europa.eu/resource/authority/",
                         "http://data.europa.eu/esco/")  # fmt: skip
_CONCEPT_TERMS = (SKOS.prefLabel, SKOS.altLabel, SKOS.notation, SKOS.inScheme)
_MAX_ROUNDS = 4


class NotExportable(Exception):
    """The course lacks what the LOQ profile requires; ``problems`` are the official shapes' findings."""

    def __init__(self, course: str, problems: list[OfficialProblem]) -> None:
        super().__init__(f"{course} does not meet the LOQ profile: {len(problems)} problem(s)")
        self.course = course
        self.problems = problems


@dataclass
class LoqExport:
    graph: Graph
    courses: list[URIRef]
    left_out: list[str] = field(default_factory=list)  # "<focus> <property> <value>: why", for values not exported
    notes: list[str] = field(default_factory=list)  # how the export reads the data (specification kinds)


def _concepts(store: GraphStore, iris: Iterable[Node]) -> Graph:
    """Labels, notations and schemes of coded values, from the vocabularies and ESCO graphs."""
    iris = sorted({i for i in iris if isinstance(i, URIRef)}, key=str)
    details = Graph()
    if not iris:
        return details
    values = " ".join(f"<{i}>" for i in iris)
    query = f"""SELECT ?c ?p ?o WHERE {{ VALUES ?c {{ {values} }} ?c ?p ?o .
  FILTER(?p IN ({", ".join(f"<{p}>" for p in (RDF.type, *_CONCEPT_TERMS))})) }}"""
    for row in store.query(query, union_default_graph=True).rows():
        details.add((row["c"], row["p"], row["o"]))
    return details


class _Projection:
    """Writes the clean ELM graph, node by node, as the LOQ shapes allow."""

    def __init__(self, data: Graph, concepts: Graph, terms: dict, qualification: bool) -> None:
        self.data, self.concepts, self.terms, self.qualification = data, concepts, terms, qualification
        self.out = Graph()
        self.left_out: list[str] = []
        self.notes: list[str] = []
        self.done: set[Node] = set()
        self.provider: Node | None = None  # of the course being projected

    def elm_class(self, node: Node) -> URIRef | None:
        types = set(self.data.objects(node, RDF.type))
        if ELM.LearningAchievementSpecification in types or ELM.Qualification in types:
            if self.qualification or (node, ELM.NQFLevel, None) in self.data:
                return ELM.Qualification
            if node not in self.done:
                self.notes.append(
                    f"<{node}> has no NQF level (elm:NQFLevel), which a Qualification in QDR needs: exported as an "
                    "elm:LearningAchievementSpecification"
                )
            return ELM.LearningAchievementSpecification
        for t in sorted(types, key=str):
            if t in self.terms:
                return t  # type: ignore[return-value]
        return None

    def node(self, node: Node, cls: URIRef) -> None:
        if node in self.done:
            return
        self.done.add(node)
        allowed = self.terms[cls].properties
        self.out.add((node, RDF.type, cls))
        for p, o in sorted(self.data.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
            if p == RDF.type:
                continue
            if p not in allowed:
                continue  # a project triple (aims, sample flags, comments…): not ELM for this class
            if isinstance(o, URIRef) and self.elm_class(o) is None and not str(o).startswith(OFFICIAL_VOCABULARIES):
                self.left_out.append(f"<{node}> <{p}> <{o}>: a SMARCO concept, in no Europass or EU vocabulary")
                continue
            self.out.add((node, p, o))
            self.value(o)
            if p == ELM.awardingOpportunity and (o, ELM.learningAchievementSpecification, None) not in self.out:
                # ELM's awarding opportunity names what it awards; the store keeps only the forward link
                self.out.add((o, ELM.learningAchievementSpecification, node))
            if p == ELM.accreditation and (o, ELM.organisation, None) not in self.out and self.provider is not None:
                # the organisation accredited: for a programme's quality assurance, the one providing it
                self.out.add((o, ELM.organisation, self.provider))
                self.value(self.provider)

    def value(self, o: Node) -> None:
        if isinstance(o, Literal):
            return
        cls = self.elm_class(o)
        if cls is not None:
            self.node(o, cls)
        elif isinstance(o, URIRef):
            self.concept(o)

    def concept(self, iri: URIRef) -> None:
        if iri in self.done:
            return
        self.done.add(iri)
        self.out.add((iri, RDF.type, SKOS.Concept))
        labels = list(self.concepts.objects(iri, SKOS.prefLabel)) or list(self.data.objects(iri, SKOS.prefLabel))
        for label in labels:
            self.out.add((iri, SKOS.prefLabel, label))
        for notation in self.concepts.objects(iri, SKOS.notation):
            self.out.add((iri, SKOS.notation, notation))
        if str(iri).startswith(ESCO_SKILL):
            return  # no scheme: LOQ-mdr accepts none of ESCO's (NOTES.md §6.5)
        for scheme in self.concepts.objects(iri, SKOS.inScheme):
            self.out.add((iri, SKOS.inScheme, scheme))
            self.out.add((scheme, RDF.type, SKOS.ConceptScheme))

    def homepage(self, course: URIRef) -> None:
        """The course's page in this catalogue (its IRI dereferences to it) when it names no other."""
        if (course, FOAF_HOMEPAGE, None) in self.out:
            return
        page = BNode()
        self.out.add((course, FOAF_HOMEPAGE, page))
        self.out.add((page, RDF.type, ELM.WebResource))
        self.out.add((page, ELM.contentUrl, Literal(str(course), datatype=XSD.anyURI)))


def export_courses(
    store: GraphStore,
    courses: Iterable[URIRef],
    entry: ResourceClass,
    organisations: ResourceClass,
    elm_dir: Path,
    base_iri: str,
    *,
    qualification: bool = False,
) -> LoqExport:
    """The courses (with their specifications, outcomes, providers and coded values) as one LOQ graph;
    ``qualification`` exports every specification as an ``elm:Qualification``, as QDR lists them."""
    courses = list(courses)
    data = Graph()
    for course in courses:
        described = describe(store, entry, course)
        if described is None:
            raise LookupError(f"{course} is not a course of this catalogue")
        data += described
    namespace = organisations.namespace(base_iri)
    described_organisations: set[Node] = set()
    while True:  # providers, awarding bodies, accrediting agents… and the organisations they name
        named = {o for o in data.objects() if isinstance(o, URIRef) and str(o).startswith(namespace)}
        todo = named - described_organisations
        if not todo:
            break
        for organisation in todo:
            described_organisations.add(organisation)
            described = describe(store, organisations, organisation)  # type: ignore[arg-type]
            if described is not None:
                data += described
    concepts = _concepts(store, (o for o in data.objects() if isinstance(o, URIRef)))
    projection = _Projection(data, concepts, shape_terms(elm_dir, "loq"), qualification)
    for course in courses:
        projection.provider = data.value(course, ELM.providedBy)
        projection.node(course, ELM.LearningOpportunity)
        projection.homepage(course)
    export = LoqExport(projection.out, courses, projection.left_out, projection.notes)
    _settle(export, elm_dir)
    return export


def _settle(export: LoqExport, elm_dir: Path) -> None:
    """Validate; leave out optional values the profile refuses (listed); fail when a required part is missing."""
    graph = export.graph
    for _ in range(_MAX_ROUNDS):
        problems = check(graph, elm_dir, "loq")
        if not problems:
            return
        droppable = [p for p in problems if p.value and p.component not in ("MinCountConstraintComponent",)]
        required = [p for p in problems if p not in droppable]
        if required or not droppable:
            raise NotExportable(str(export.courses[0]) if len(export.courses) == 1 else "the courses", problems)
        for problem in droppable:
            focus = _term(graph, problem.focus)
            value = _term(graph, problem.value)
            path = URIRef(problem.path)
            if focus is None or value is None or (focus, path, value) not in graph:
                raise NotExportable(problem.focus, problems)
            graph.remove((focus, path, value))
            export.left_out.append(f"<{problem.focus}> <{problem.path}> {problem.value}: {problem.message}")
            _prune(graph)
    problems = check(graph, elm_dir, "loq")
    if problems:
        raise NotExportable(str(export.courses[0]), problems)


def _term(graph: Graph, text: str) -> Node | None:
    for node in set(graph.subjects()) | set(graph.objects()):
        if str(node) == text:
            return node
    return None


def _prune(graph: Graph) -> None:
    """Drop nodes nothing links to any more (a concept whose only use was left out), except courses."""
    while True:
        linked = set(graph.objects())
        orphans = {
            s for s in graph.subjects() if s not in linked and (s, RDF.type, ELM.LearningOpportunity) not in graph
        }
        if not orphans:
            return
        for s in orphans:
            graph.remove((s, None, None))


FORMATS: dict[str, tuple[str, str]] = {  # name -> (rdflib format, media type)
    "ttl": ("turtle", "text/turtle"),
    "turtle": ("turtle", "text/turtle"),
    "rdfxml": ("xml", "application/rdf+xml"),
    "xml": ("xml", "application/rdf+xml"),
    "jsonld": ("json-ld", "application/ld+json"),
    "json-ld": ("json-ld", "application/ld+json"),
    "nt": ("nt", "application/n-triples"),
}
_PREFIXES = {
    "elm": "http://data.europa.eu/snb/model/elm/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "rov": "http://www.w3.org/ns/regorg#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def serialize(graph: Graph, fmt: str) -> tuple[bytes, str]:
    """The export in ``fmt``. JSON-LD is expanded: rdflib's compaction against the ELM context loses triples, and
    every JSON-LD consumer (Europass included) reads the expanded form."""
    rdflib_name, media_type = FORMATS[fmt]
    for prefix, namespace in _PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    return graph.serialize(format=rdflib_name, encoding="utf-8"), media_type
