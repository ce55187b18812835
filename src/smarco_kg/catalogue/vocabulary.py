"""The JSON-LD vocabulary of every representation, derived from the shapes: keys, cardinalities and value kinds.

Key naming rule (``key_for``): a property's key is its local name (after ``#`` or the last ``/``) in
lowerCamelCase, a leading acronym lowered as a whole (``elm:EQFLevel`` -> ``eqfLevel``,
``elm:relatedESCOSkill`` stays ``relatedESCOSkill``); a class keeps its local name (``LearningOpportunity``).
When a key is reserved (``id``, ``type``, ``label``, ``items``, ``next``, ``previous``, ``first``) or two
IRIs share it, every IRI involved is keyed by its vocabulary prefix plus the capitalised key instead
(``dct:type`` -> ``dctType``), whatever order the shapes come in.

Cardinality rule: a property takes a single value when every property shape declaring it (not the ones inside
``sh:or``/``sh:and``/``sh:xone``/``sh:not``) says ``sh:maxCount 1``; otherwise it always takes an array.
``rdf:langString`` values become language maps (``{"en": "…"}``: one string per language when a shape says
``sh:uniqueLang true``, else an array); ``sh:class``, ``sh:in``, ``sh:nodeKind sh:IRI`` and ``sh:node`` (of a
shape naming resources) make IRI values; ``sh:datatype`` types literals (integers and booleans as JSON numbers and
booleans). A value that does not fit its key's definition is written in expanded form (``{"@value": …}``), never
dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal as Lit

from rdflib import RDF, RDFS, SH, SKOS, XSD, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from smarco_kg.namespaces import ESCO, PREFIXES, ROV

ISOTHES = "http://purl.org/iso25964/skos-thes#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
CONTEXT_PREFIXES: dict[str, str] = {**PREFIXES, "isothes": ISOTHES, "hydra": HYDRA}
PREFIXES_SPARQL = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in CONTEXT_PREFIXES.items())

LABEL_PROPERTIES: tuple[URIRef, ...] = (SKOS.prefLabel, DCTERMS.title, ROV.legalName, RDFS.label)
"""How a linked resource is named, in order of preference: its first property here that has values."""
LABELLING: frozenset[URIRef] = frozenset(LABEL_PROPERTIES)
"""The label properties as a set: a triple's predicate is looked up by its hash, not compared with each in turn."""

RESERVED_KEYS = frozenset({"id", "type", "label", "items", "next", "previous", "first"})

Kind = Lit["iri", "literal", "language", "any"]


@dataclass(frozen=True)
class Term:
    """One JSON key: the IRI it stands for and the values it takes."""

    key: str
    iri: URIRef
    kind: Kind  # iri, literal (typed by datatype), language (a language map) or any
    many: bool = True
    datatype: URIRef | None = None
    unique_lang: bool = False  # language maps: one string per language rather than an array
    required: bool = False
    node: URIRef | None = None  # sh:node: the shape nested values follow

    @cached_property
    def native(self) -> bool:
        """Values written as JSON numbers or booleans, which JSON-LD reads back with this datatype (asked for every
        value a page writes: kept)."""
        return self.datatype in (XSD.integer, XSD.boolean)

    def definition(self) -> str | dict:
        """The term's definition in the JSON-LD context."""
        body: dict = {"@id": str(self.iri)}
        if self.kind == "iri":
            body["@type"] = "@id"
        elif self.kind == "language":
            body["@container"] = "@language"
        elif self.kind == "literal" and self.datatype is not None and self.datatype != XSD.string and not self.native:
            body["@type"] = str(self.datatype)
        return body if len(body) > 1 else str(self.iri)


@dataclass(frozen=True)
class Constraint:
    """What a node shape's property shapes say of one path's values: the list they are in (``sh:in``), the classes
    they have (``sh:class``) and what their IRIs look like (``sh:pattern``), each also read from an ``sh:node``."""

    within: tuple[URIRef, ...] = ()
    classes: tuple[URIRef, ...] = ()
    pattern: str = ""

    def merged(self, other: Constraint) -> Constraint:
        return Constraint(
            tuple(dict.fromkeys((*self.within, *other.within))),
            tuple(sorted({*self.classes, *other.classes})),
            self.pattern or other.pattern,
        )


# Properties the shapes do not declare but every representation may show; SKOS and ESCO terms for the ESCO
# classes (which have no shapes of ours), rdfs:comment for the sample-data notes.
_EXTRA: tuple[tuple[URIRef, Kind, bool, URIRef | None], ...] = (
    (RDFS.comment, "language", True, None),
    (SKOS.altLabel, "language", True, None),
    (SKOS.hiddenLabel, "language", True, None),
    (SKOS.scopeNote, "language", True, None),
    (SKOS.definition, "language", True, None),
    (SKOS.notation, "literal", True, XSD.string),
    (SKOS.broader, "iri", True, None),
    (SKOS.narrower, "iri", True, None),
    (SKOS.inScheme, "iri", True, None),
    (ESCO.skillType, "iri", False, None),
    (ESCO.skillReuseLevel, "iri", False, None),
    (ESCO.relatedEssentialSkill, "iri", True, None),
    (ESCO.relatedOptionalSkill, "iri", True, None),
    (ESCO.memberOfISCOGroup, "iri", True, None),
    (DCTERMS.modified, "literal", False, XSD.dateTime),
    (URIRef(ISOTHES + "status"), "literal", False, XSD.string),
)
_EXTRA_CLASSES = (ESCO.Skill, ESCO.Occupation, ESCO.MemberConcept, SKOS.Concept, SKOS.ConceptScheme)
_VIEW_TERMS = {
    "label": {"@id": str(RDFS.label)},
    "items": {"@id": HYDRA + "member", "@type": "@id", "@container": "@set"},
    "next": {"@id": HYDRA + "next", "@type": "@id"},
    "previous": {"@id": HYDRA + "previous", "@type": "@id"},
    "first": {"@id": HYDRA + "first", "@type": "@id"},
    "last": {"@id": HYDRA + "last", "@type": "@id"},
    "totalItems": {"@id": HYDRA + "totalItems", "@type": str(XSD.integer)},
}
VIEW_IRIS = {URIRef(body["@id"]): key for key, body in _VIEW_TERMS.items()}
_LOGICAL = (SH["or"], SH["and"], SH.xone, SH["not"])


@dataclass(frozen=True)
class Vocabulary:
    """The JSON-LD terms of every property and class, derived from the shapes; and the shapes' structure."""

    terms: dict[URIRef, Term]  # property IRI -> term
    classes: dict[URIRef, str]  # class IRI -> key
    shape_properties: dict[URIRef, tuple[URIRef, ...]]  # node shape -> the property paths it declares
    shape_required: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)  # node shape -> paths it needs
    shape_classes: dict[URIRef, tuple[URIRef, ...]] = field(default_factory=dict)  # node shape -> its classes
    constraints: dict[tuple[URIRef, URIRef], Constraint] = field(default_factory=dict)  # (node shape, path) -> …

    def constraint(self, shapes: Iterable[URIRef], path: URIRef) -> Constraint:
        """What the node shapes ``shapes`` say of the values of ``path`` (values, classes, IRI pattern)."""
        found = Constraint()
        for shape in shapes:
            found = found.merged(self.constraints.get((shape, path), Constraint()))
        return found

    def required_by(self, shapes: Iterable[URIRef]) -> frozenset[URIRef]:
        """The paths every one of ``shapes`` needs (``sh:minCount`` 1 or more): what each member has whichever
        of them describes it. (A ``Term``'s ``required`` says only that some shape needs its path.)"""
        needed = [self.shape_required.get(shape, frozenset()) for shape in shapes]
        return frozenset.intersection(*needed) if needed else frozenset()

    def context(self) -> dict:
        """The JSON-LD context document published at ``/api/context.jsonld``."""
        body: dict = {"id": "@id", "type": "@type", **CONTEXT_PREFIXES, **_VIEW_TERMS}
        for iri, key in sorted(self.classes.items(), key=lambda item: item[1]):
            body[key] = str(iri)
        for term in sorted(self.terms.values(), key=lambda t: t.key):
            body[term.key] = term.definition()
        return {"@context": body}

    @cached_property
    def terms_by_text(self) -> dict[str, Term]:
        """``terms`` keyed by the IRI's plain text: looked up with plain strings, compared in C, where a dict keyed
        by rdflib terms compares them with Python code (a page of 20 courses looks up about a thousand)."""
        return {str(iri): term for iri, term in self.terms.items()}

    def key_of_class(self, iri: Node) -> str:
        return self.classes.get(iri, str(iri)) if isinstance(iri, URIRef) else str(iri)

    def properties_of(self, shapes: Iterable[URIRef], properties: Iterable[URIRef] = ()) -> list[Term]:
        """The terms a resource described by ``shapes`` (and having ``properties``) can have, in key order."""
        iris: list[URIRef] = list(properties)
        for shape in shapes:
            iris.extend(self.shape_properties.get(shape, ()))
        seen: dict[URIRef, Term] = {}
        for iri in iris:
            if iri in self.terms and iri not in seen:
                seen[iri] = self.terms[iri]
        return sorted(seen.values(), key=lambda t: t.key)


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def key_for(iri: str, *, is_class: bool = False) -> str:
    """A property's key: its local name in lowerCamelCase, a leading acronym lowered whole (``EQFLevel`` ->
    ``eqfLevel``); a class keeps its local name."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", local_name(iri)) or "term"
    if is_class:
        return name
    run = re.match(r"[A-Z]+", name)
    if not run:
        return name
    upper = run.group(0)
    if len(upper) == len(name) or len(upper) == 1:
        return upper.lower() + name[len(upper) :]
    return upper[:-1].lower() + name[len(upper) - 1 :]  # EQFLevel -> eqf + Level


def _prefixed(iri: str, key: str) -> str:
    for prefix, namespace in sorted(CONTEXT_PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace):
            return prefix + key[0].upper() + key[1:]
    return "x" + key[0].upper() + key[1:]


def _assign_keys(iris: Iterable[URIRef], *, classes: bool) -> dict[URIRef, str]:
    wanted = {iri: key_for(iri, is_class=classes) for iri in iris}
    holders: dict[str, list[URIRef]] = defaultdict(list)
    for iri, key in wanted.items():
        holders[key].append(iri)
    taken = RESERVED_KEYS | set(CONTEXT_PREFIXES)
    return {iri: (_prefixed(iri, key) if len(holders[key]) > 1 or key in taken else key) for iri, key in wanted.items()}


def _declared_property_shapes(shapes: Graph) -> list[tuple[URIRef | None, Node]]:
    """(node shape or None, property shape) for every property shape outside logical constraints."""
    inside_logic: set = set()
    for predicate in _LOGICAL:
        for _, members in shapes.subject_objects(predicate):
            for member in Collection(shapes, members) if isinstance(members, BNode) else [members]:
                inside_logic.add(member)
    found: list = []
    for shape in set(shapes.subjects(SH.path, None)):
        if shape in inside_logic:
            continue
        owners = list(shapes.subjects(SH.property, shape))
        if not owners:
            found.append((None, shape))
        for owner in owners:
            found.append((owner if isinstance(owner, URIRef) else None, shape))
    return found


def vocabulary_from_shapes(shapes: Graph, extra_classes: Iterable[URIRef] = ()) -> Vocabulary:
    """The JSON-LD terms the shapes imply (see the module docstring for the rules)."""
    declared = _declared_property_shapes(shapes)
    by_path: dict[URIRef, list] = defaultdict(list)
    shape_properties: dict[URIRef, list[URIRef]] = defaultdict(list)
    shape_required: dict[URIRef, set[URIRef]] = defaultdict(set)
    constraints: dict[tuple[URIRef, URIRef], Constraint] = {}
    for owner, shape in declared:
        path = shapes.value(shape, SH.path)
        if not isinstance(path, URIRef):
            continue  # inverse and sequence paths have no key of their own
        by_path[path].append(shape)
        if owner is not None and path not in shape_properties[owner]:
            shape_properties[owner].append(path)
        if owner is not None and int(str(shapes.value(shape, SH.minCount) or 0)) >= 1:
            shape_required[owner].add(path)
        if owner is not None:
            said = _constraint(shapes, shape)
            constraints[(owner, path)] = constraints.get((owner, path), Constraint()).merged(said)

    def names_resources(node: Node) -> bool:
        """A node shape whose values are IRIs or described resources, not literals."""
        return any(
            (node, predicate, None) in shapes for predicate in (SH.property, SH["class"], SH["in"])
        ) or shapes.value(node, SH.nodeKind) in (SH.IRI, SH.BlankNodeOrIRI)

    specs: dict[URIRef, dict] = {}
    for path, property_shapes in by_path.items():
        datatypes = {shapes.value(s, SH.datatype) for s in property_shapes} - {None}
        refers = any(
            (s, SH["class"], None) in shapes
            or shapes.value(s, SH.nodeKind) == SH.IRI
            or (s, SH["in"], None) in shapes
            or any(names_resources(n) for n in shapes.objects(s, SH.node))
            for s in property_shapes
        )
        max_counts = [shapes.value(s, SH.maxCount) for s in property_shapes]
        single = all(m is not None and int(m) <= 1 for m in max_counts)
        required = any(int(shapes.value(s, SH.minCount) or 0) >= 1 for s in property_shapes)
        node = next((n for s in property_shapes for n in shapes.objects(s, SH.node) if isinstance(n, URIRef)), None)
        if RDF.langString in datatypes:
            unique = any(bool(shapes.value(s, SH.uniqueLang)) for s in property_shapes)
            specs[path] = {"kind": "language", "many": not unique, "unique_lang": unique}
        elif len(datatypes) == 1:
            specs[path] = {"kind": "literal", "many": not single, "datatype": next(iter(datatypes))}
        elif refers:
            specs[path] = {"kind": "iri", "many": not single}
        else:
            specs[path] = {"kind": "any", "many": not single}
        specs[path]["required"] = required
        specs[path]["node"] = node
    for iri, kind, many, datatype in _EXTRA:
        specs.setdefault(iri, {"kind": kind, "many": many, "datatype": datatype})
    keys = _assign_keys(specs, classes=False)
    terms = {iri: Term(keys[iri], iri, **spec) for iri, spec in specs.items()}

    class_iris = {o for o in shapes.objects(None, SH.targetClass) if isinstance(o, URIRef)}
    class_iris |= {o for o in shapes.objects(None, SH["class"]) if isinstance(o, URIRef)}
    class_iris |= set(_EXTRA_CLASSES)
    class_iris |= set(extra_classes)
    classes = _assign_keys(class_iris, classes=True)
    shape_classes: dict[URIRef, set[URIRef]] = defaultdict(set)
    for predicate in (SH.targetClass, SH["class"]):
        for shape, cls in shapes.subject_objects(predicate):
            if isinstance(shape, URIRef) and isinstance(cls, URIRef) and (shape, RDF.type, SH.NodeShape) in shapes:
                shape_classes[shape].add(cls)
    return Vocabulary(
        terms,
        classes,
        {k: tuple(v) for k, v in shape_properties.items()},
        {k: frozenset(v) for k, v in shape_required.items()},
        {k: tuple(sorted(v)) for k, v in shape_classes.items()},
        constraints,
    )


def _constraint(shapes: Graph, shape: Node) -> Constraint:
    """What one property shape (and the node shapes it names with ``sh:node``) says of its values."""
    nodes = [shape, *shapes.objects(shape, SH.node)]
    within = [v for n in nodes for found in shapes.objects(n, SH["in"]) for v in Collection(shapes, found)]
    classes = {c for n in nodes for c in shapes.objects(n, SH["class"]) if isinstance(c, URIRef)}
    patterns = sorted(str(p) for n in nodes[1:] for p in shapes.objects(n, SH.pattern))
    return Constraint(
        tuple(dict.fromkeys(v for v in within if isinstance(v, URIRef))),
        tuple(sorted(classes)),
        patterns[0] if patterns else "",
    )


@lru_cache(maxsize=8)
def shapes_graph(shapes_dir: Path) -> Graph:
    """The shapes in ``shapes_dir`` (every ``*.ttl``), parsed once per process."""
    graph = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@lru_cache(maxsize=8)
def vocabulary(shapes_dir: Path, extra_classes: tuple[URIRef, ...] = ()) -> Vocabulary:
    """The vocabulary of the shapes in ``shapes_dir`` (derived once per process)."""
    return vocabulary_from_shapes(shapes_graph(shapes_dir), extra_classes)


def curie(iri: Node | str) -> str:
    """``iri`` shortened by the context's prefixes; a term in none of their namespaces as its text."""
    for prefix, namespace in CONTEXT_PREFIXES.items():
        if str(iri).startswith(namespace):
            return f"{prefix}:{str(iri)[len(namespace) :]}"
    return str(iri)
