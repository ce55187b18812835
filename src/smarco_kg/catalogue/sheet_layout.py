"""The columns of the course spreadsheet, derived from the shapes, the vocabulary and the code lists.

A course is one row of the sheet ``courses``; its learning outcomes are rows of the sheet ``outcomes``, keyed by
the course. Every column is a JSON key of the REST write (``catalogue/vocabulary.py``): the course's own keys,
then its specification's (``learningAchievementSpecification``: they sit in the course's row, as a course has
exactly one); a key whose values are nested objects (``creditPoint``) gives one column per key of the object
(``creditPoint.point``); a language map one column per language (``title@en``). A specification key that the
course has too takes the course's value when the specification needs it (its title) or when it is the sample
flag, and is no column. Notes come from the shapes (``sh:name``, ``sh:description``, else ``sh:message``); the
drop-down lists from the code lists in the store, showing labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from rdflib import RDFS, SH, XSD, Graph, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.concepts import EU_LANGUAGES, Concept, Table, tables
from smarco_kg.catalogue.filters import (
    AIM,
    CREDIT_SYSTEM,
    EQF_LEVEL,
    LANGUAGE_CODE,
    MODE,
    ORGANISATION,
    SCHEDULE,
    TARGET_GROUP,
    Value,
)
from smarco_kg.catalogue.vocabulary import Term, Vocabulary, shapes_graph
from smarco_kg.namespaces import ELM, SMARCO, SMSH
from smarco_kg.store import GraphStore

COURSES, OUTCOMES = "courses", "outcomes"
ID, VERSION, COURSE = "id", "version", "course"
SPECIFICATION_KEY = "learningAchievementSpecification"
OUTCOME_KEY = "learningOutcome"
SEPARATOR = ";"  # between the values of a key that takes several (a drop-down cell holds one; type more by hand)
SAMPLE_FLAG = SMARCO.isSampleData
NUMERIC = (XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger, XSD.positiveInteger)

# The code list naming the values of each property the shapes give as IRIs: the filters' vocabularies, the same
# the list filters resolve names against, so a label in a drop-down is a name the service knows.
CODE_LISTS: dict[URIRef, Value] = {
    ELM.defaultLanguage: LANGUAGE_CODE,
    URIRef("http://purl.org/dc/terms/language"): LANGUAGE_CODE,
    ELM.mode: MODE,
    ELM.targetGroup: TARGET_GROUP,
    SMARCO.aim: AIM,
    ELM.providedBy: ORGANISATION,
    ELM.EQFLevel: EQF_LEVEL,
    ELM.learningSchedule: SCHEDULE,
    ELM.framework: CREDIT_SYSTEM,
}


@dataclass(frozen=True)
class Column:
    """One column: its header, where its value goes in the JSON document, and how a cell reads."""

    header: str
    path: tuple[str, ...]  # keys from the row's document to the value: ("learningAchievementSpecification", "mode")
    term: Term | None  # None for id, version and course
    note: str
    lang: str = ""  # a language map's column: the language tag
    nested_type: str = ""  # a nested object's class key (CreditPoint)
    code_list: Value | None = None

    @property
    def many(self) -> bool:
        return self.term is not None and self.term.many and not self.lang

    @property
    def kind(self) -> str:
        """How cells read: id, version, course, language, iri, number, duration, boolean or text."""
        if self.term is None:
            return self.header
        if self.lang:
            return "language"
        if self.term.kind == "iri":
            return "iri"
        if self.term.datatype in NUMERIC:
            return "number"
        if self.term.datatype == XSD.duration:
            return "duration"
        if self.term.datatype == XSD.boolean:
            return "boolean"
        return "text"


@dataclass
class Choices:
    """A drop-down list: labels shown, and the IRI each stands for."""

    labels: list[str] = field(default_factory=list)
    iris: dict[str, URIRef] = field(default_factory=dict)  # label -> IRI
    by_iri: dict[URIRef, str] = field(default_factory=dict)  # IRI -> label
    strict: bool = True  # only these (languages: the EU's official ones listed, any other typed by name or code)


@dataclass(frozen=True)
class Layout:
    """The columns of both sheets for the course class; built once per vocabulary."""

    entry: ClassEntry
    vocabulary: Vocabulary
    shapes_dir: Path

    @cached_property
    def shapes(self) -> Graph:
        return shapes_graph(self.shapes_dir)

    @cached_property
    def course_columns(self) -> list[Column]:
        columns = [
            Column(ID, (), None, "Empty for a new course; the course's id (as in its address) to change one."),
            Column(
                VERSION,
                (),
                None,
                "With an id: the version (ETag) the course had when you read it; the row is refused if it changed "
                "since.",
            ),
        ]
        own = self._columns(SMSH.Course, (), skip={ELM.learningAchievementSpecification})
        own.sort(
            key=lambda c: (not c.lang, c.term is None or c.term.iri != self.entry.label)
        )  # title, description first
        comment = self.vocabulary.terms.get(RDFS.comment)
        if comment is not None:  # not in the shapes, but a key every member may have: notes about the record
            own.append(Column(f"{comment.key}@en", (comment.key,), comment, "A note about the record.", lang="en"))
        columns.extend(own)
        course_keys = {c.path[0] for c in own}
        spec = self._columns(
            SMSH.LearningAchievementSpecification,
            (SPECIFICATION_KEY,),
            skip={ELM.learningOutcome, *(t.iri for t in self.vocabulary.terms.values() if t.key in course_keys)},
        )
        return columns + spec

    @cached_property
    def outcome_columns(self) -> list[Column]:
        course = Column(COURSE, (), None, "The course of the outcome: its id, or for a new course its title@en.")
        outcome_id = Column(ID, (), None, "The outcome's number within the course (empty for a new one).")
        return [course, outcome_id, *self._columns(SMSH.LearningOutcome, ())]

    @cached_property
    def copied(self) -> list[Term]:
        """Specification keys that take the course's value: those it needs that the course has, and the flag."""
        course_paths = set(self.vocabulary.shape_properties.get(SMSH.Course, ()))
        needed = self.vocabulary.required_by([SMSH.LearningAchievementSpecification])
        return [
            self.vocabulary.terms[p]
            for p in self.vocabulary.shape_properties.get(SMSH.LearningAchievementSpecification, ())
            if p in course_paths and p in needed and p in self.vocabulary.terms
        ] + ([self.vocabulary.terms[SAMPLE_FLAG]] if SAMPLE_FLAG in self.vocabulary.terms else [])

    def _columns(self, shape: URIRef, prefix: tuple[str, ...], skip: set[URIRef] | None = None) -> list[Column]:
        found: list[Column] = []
        for term in self.vocabulary.properties_of([shape]):
            if term.iri in (skip or set()):
                continue
            note = self.note(shape, term.iri)
            if term.kind == "language":
                found.append(Column(f"{term.key}@en", (*prefix, term.key), term, note, lang="en"))
                continue
            nested = term.node and self.vocabulary.shape_properties.get(term.node)
            if term.kind == "iri" and nested and term.node is not None:
                cls = self.shapes.value(term.node, SH["class"])
                type_key = self.vocabulary.key_of_class(cls) if cls is not None else ""
                for sub in self.vocabulary.properties_of([term.node]):
                    found.append(
                        Column(
                            f"{term.key}.{sub.key}",
                            (*prefix, term.key, sub.key),
                            sub,
                            f"{note} {self.note(term.node, sub.iri)}",
                            nested_type=type_key,
                            code_list=CODE_LISTS.get(sub.iri),
                        )
                    )
                continue
            found.append(Column(term.key, (*prefix, term.key), term, note, code_list=CODE_LISTS.get(term.iri)))
        return found

    def note(self, shape: Node, path: URIRef) -> str:
        """What a column means, in the shapes' words: ``sh:name``/``sh:description`` of the property shape, else
        its ``sh:message``; the required ones say so."""
        texts: list[str] = []
        required = False
        for property_shape in self.shapes.objects(shape, SH.property):
            if self.shapes.value(property_shape, SH.path) != path:
                continue
            required = required or int(str(self.shapes.value(property_shape, SH.minCount) or 0)) >= 1
            for predicate in (SH.name, SH.description, SH.message):
                for text in self.shapes.objects(property_shape, predicate):
                    if str(text) not in texts and (predicate != SH.message or not texts):
                        texts.append(str(text))
        head = "Required. " if required else ""
        return head + " ".join(texts)

    def column(self, sheet: str, header: str) -> Column | None:
        """The column of ``header`` in ``sheet``: a known header, or a language map's column in another language."""
        columns = self.course_columns if sheet == COURSES else self.outcome_columns
        for column in columns:
            if column.header == header:
                return column
        key, _, lang = header.partition("@")
        for column in columns:
            if lang and column.lang and column.header.partition("@")[0] == key:
                return Column(header, column.path, column.term, column.note, lang=lang)
        return None


def choices(store: GraphStore, base_iri: str, value: Value, generation: int | None = None) -> Choices:
    """The drop-down of a code list: every concept's label (its label and code where two share a label);
    languages: the EU's official ones (the list of all 8,000 would be unusable), any other may be typed."""
    table = tables(store).table(store, value.names(base_iri), generation)
    found = Choices()
    concepts: list[Concept]
    if value is LANGUAGE_CODE:
        concepts = _official_languages(table)
        found.strict = False
    else:
        concepts = table.known(limit=1000)
    labels = [c.label or str(c.iri) for c in concepts]
    for concept, label in zip(concepts, labels, strict=True):
        shown = concept.shown() if labels.count(label) > 1 else label
        found.labels.append(shown)
        found.iris[shown] = concept.iri
        found.by_iri[concept.iri] = shown
    return found


def _official_languages(table: Table) -> list[Concept]:
    listed: list[Concept] = []
    for code in EU_LANGUAGES:
        try:
            iri = table.concept(code)
        except Exception:  # an ambiguous code (none of the EU's is): left out of the list, still typed by name
            iri = None
        if iri is not None:
            listed.append(table.concepts[iri])
    return sorted(listed, key=lambda c: c.label.casefold())
