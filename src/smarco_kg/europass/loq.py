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

from rdflib import RDF, Graph, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.errors import Unprocessable
from smarco_kg.europass.official_shapes import OfficialProblem, check, shape_terms
from smarco_kg.europass.projection import Projection, concepts_of, gather
from smarco_kg.namespaces import ELM
from smarco_kg.store import GraphStore

_MAX_ROUNDS = 4


class NotExportable(Unprocessable):
    """The course lacks what the LOQ profile requires; ``problems`` are the official shapes' findings."""

    title = "the course does not meet the Europass LOQ profile"

    def __init__(self, course: str, problems: list[OfficialProblem]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) found by the official LOQ shapes; nothing was exported",
            errors=[
                {
                    "focusNode": p.focus,
                    "path": p.path,
                    "value": p.value,
                    "message": p.message,
                    "constraint": p.component,
                }
                for p in problems
            ],
        )
        self.args = (course, problems)
        self.course = course
        self.problems = problems


@dataclass
class LoqExport:
    graph: Graph
    courses: list[URIRef]
    left_out: list[str] = field(default_factory=list)  # "<focus> <property> <value>: why", for values not exported
    notes: list[str] = field(default_factory=list)  # how the export reads the data (specification kinds)


def export_courses(
    store: GraphStore,
    courses: Iterable[URIRef],
    entry: ClassEntry,
    organisations: ClassEntry,
    elm_dir: Path,
    base_iri: str,
    *,
    qualification: bool = False,
    validate: bool = True,
) -> LoqExport:
    """The courses (with their specifications, outcomes, providers and coded values) as one LOQ graph;
    ``qualification`` exports every specification as an ``elm:Qualification``, as QDR lists them."""
    courses = list(courses)
    data = gather(store, [(entry, c) for c in courses], organisations, base_iri)
    concepts = concepts_of(store, (o for o in data.objects() if isinstance(o, URIRef)))
    projection = Projection(data, concepts, shape_terms(elm_dir, "loq"), qualification=qualification)
    for course in courses:
        projection.provider = data.value(course, ELM.providedBy)
        projection.node(course, ELM.LearningOpportunity)
        projection.homepage(course)
    export = LoqExport(projection.out, courses, projection.left_out, projection.notes)
    if validate:  # off only to time the projection alone (bench/europass.py)
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
