"""Projecting catalogue data onto an official ELM application profile: only what each class's shape names.

The store's descriptions carry project triples (aims, sample-data flags, comments) and project concepts (SMARCO's
target groups) that ELM consumers do not know, and the LOQ shapes are closed; so an export walks from its roots
and keeps, per node, the properties the profile's shape for its class names (``official_shapes.shape_terms``).
Coded values become ``skos:Concept``s in their schemes (the scheme typed ``skos:ConceptScheme``); ESCO skills
are put in the schemes the profile wants (none for LOQ, the skills pillar for EDC: NOTES.md §6.5).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.read import describe
from smarco_kg.errors import NotFound
from smarco_kg.namespaces import ELM
from smarco_kg.store import GraphStore

FOAF_HOMEPAGE = URIRef("http://xmlns.com/foaf/0.1/homepage")
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
# coded values Europass understands: its own lists, the EU authority tables and ESCO (project vocabularies stay home)
OFFICIAL_VOCABULARIES = ("http://data.europa.eu/snb/", "http://publications.europa.eu/resource/authority/",
                         "http://data.europa.eu/esco/")  # fmt: skip
# a property the profile does not have for a class -> the ELM property it does have for the same value
FALLBACKS: dict[Node, URIRef] = {ELM.EQFLevel: ELM.educationLevel}
_CONCEPT_TERMS = (SKOS.prefLabel, SKOS.altLabel, SKOS.notation, SKOS.inScheme)


class NotDescribed(NotFound, LookupError):
    """A resource the projection was asked for is not in the catalogue."""


def gather(store: GraphStore, roots: Iterable[tuple[ClassEntry, URIRef]], organisations: ClassEntry,
           base_iri: str) -> Graph:  # fmt: skip
    """The roots' descriptions and those of every organisation of the catalogue they name, transitively."""
    data = Graph()
    for entry, iri in roots:
        described = describe(store, entry, iri)
        if described is None:
            raise NotDescribed(f"{iri} is not a {entry.name} of this catalogue", title=f"no such {entry.name}")
        data += described
    namespace = organisations.namespace(base_iri)
    seen: set[Node] = set()
    while True:  # providers, awarding bodies, accrediting agents… and the organisations they name
        todo = {o for o in data.objects() if isinstance(o, URIRef) and str(o).startswith(namespace)} - seen
        if not todo:
            return data
        for organisation in todo:
            seen.add(organisation)
            described = describe(store, organisations, organisation)
            if described is not None:
                data += described


def concepts_of(store: GraphStore, iris: Iterable[Node]) -> Graph:
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


class Projection:
    """Writes the clean ELM graph, node by node, as one profile's shapes allow."""

    def __init__(
        self, data: Graph, concepts: Graph, terms: dict, *, qualification: bool = False, esco_schemes: tuple = ()
    ) -> None:
        self.data, self.concepts, self.terms, self.qualification = data, concepts, terms, qualification
        self.esco_schemes = esco_schemes
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
            if isinstance(t, URIRef) and t in self.terms:  # the profile's classes are IRIs
                return t
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
            if p not in allowed and FALLBACKS.get(p) in allowed:
                p = FALLBACKS[p]  # e.g. an EQF level on a plain specification: its education level
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
            for scheme in self.esco_schemes:  # the profile's choice (NOTES.md §6.5)
                self.out.add((iri, SKOS.inScheme, scheme))
                self.out.add((scheme, RDF.type, SKOS.ConceptScheme))
            return
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
