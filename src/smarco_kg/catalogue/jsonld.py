"""Compact JSON-LD from a graph, with the keys of the registry's vocabulary; and JSON Schemas of the same shapes.

The writer is not a general JSON-LD compactor: it writes one tree from a root node, nesting the blank nodes and
the resources the graph describes, and uses each key exactly as the published context defines it, so that any
JSON-LD processor given ``/api/context.jsonld`` reads back the very triples of the graph (the tests check this
against Turtle). A value that does not fit its key's definition is written in expanded form, never dropped.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.members import sort_key
from smarco_kg.catalogue.vocabulary import VIEW_IRIS, Term, Vocabulary, curie

# rdflib's namespace attributes are looked up anew on every use (about a microsecond): read once
_TYPE, _LABEL, _STRING, _BOOLEAN, _INTEGER = RDF.type, RDFS.label, XSD.string, XSD.boolean, XSD.integer
_LITERAL_VIEW_TERMS = {"label": XSD.string, "totalItems": XSD.integer}
_VIEW_TERMS = {
    iri: Term(
        key,
        iri,
        "literal" if key in _LITERAL_VIEW_TERMS else "iri",
        many=key == "items",
        datatype=_LITERAL_VIEW_TERMS.get(key, XSD.string),
    )
    for iri, key in VIEW_IRIS.items()
}
_VIEW_TERMS_BY_TEXT = {str(iri): term for iri, term in _VIEW_TERMS.items()}
_ITEMS_TEXT = next(str(iri) for iri, key in VIEW_IRIS.items() if key == "items")
_TYPE_TEXT, _LABEL_TEXT = str(_TYPE), str(_LABEL)


_IRI, _BLANK, _LITERAL = 0, 1, 2
_KINDS: dict[type, int] = {URIRef: _IRI, BNode: _BLANK, Literal: _LITERAL}


def _kind(node: Node) -> int:
    """0 for an IRI, 1 for a blank node, 2 otherwise: by the node's exact type first, since ``isinstance`` on
    rdflib's terms goes through ``ABCMeta`` (about a microsecond, a thousand times a page)."""
    kind = _KINDS.get(type(node))
    if kind is None:
        kind = _IRI if isinstance(node, URIRef) else _BLANK if isinstance(node, BNode) else _LITERAL
    return kind


_text = str.__str__
"""A node's text as a plain string: compared and hashed in C, where rdflib's ``==`` is Python code."""


def _key(node: Node) -> str:
    """What names a subject or object node in the compactor's index: an IRI's text, ``_:`` and a blank node's."""
    return _text(node) if _kind(node) == _IRI else "_:" + _text(node)


class Compactor:
    """Writes nodes of ``graph`` as compact JSON-LD objects."""

    def __init__(self, graph: Graph | Iterable[tuple[Node, Node, Node]], vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self.terms = vocabulary.terms_by_text
        # The graph read once into subject → predicate → objects, keyed by plain text (``_key``): rdflib's own
        # lookups cost microseconds each, and so does its terms' equality in a dict keyed by them; a page of 20
        # courses asks for over a thousand.
        self.index: dict[str, dict[str, list[Node]]] = {}
        self.references: Counter[str] = Counter()
        index, references, kinds, text = self.index, self.references, _KINDS, _text
        for subject, predicate, obj in graph:
            subject_key = text(subject) if type(subject) is URIRef else _key(subject)
            properties = index.get(subject_key)
            if properties is None:
                properties = index[subject_key] = {}
            objects = properties.get(predicate_text := text(predicate))
            if objects is None:
                objects = properties[predicate_text] = []
            objects.append(obj)
            kind = kinds.get(type(obj))
            if kind == _IRI:
                references[text(obj)] += 1
            elif kind != _LITERAL:
                references[_key(obj)] += 1
        self.done: set[str] = set()  # blank nodes written out already: later mentions refer to them by id
        self.path: list[str] = []  # the nodes being written, root first: a resource is nested unless it is one

    def document(self, root: Node, context: str | dict) -> dict:
        return {"@context": context, **self.node(root)}

    def nests(self, node: Node, key: str, kind: int) -> bool:
        if key not in self.index:
            return False
        return key not in self.done if kind == _BLANK else key not in self.path

    def node(self, subject: Node) -> dict:
        key = _key(subject)
        self.done.add(key)
        self.path.append(key)
        try:
            return self._node(subject, key)
        finally:
            self.path.pop()

    def _node(self, subject: Node, key: str) -> dict:
        out: dict[str, Any] = {}
        if _kind(subject) == _IRI or self.references[key] > 1:
            out["id"] = key
        properties = self.index.get(key, {})
        types = sorted(self.vocabulary.key_of_class(t) for t in properties.get(_TYPE_TEXT, ()))
        if types:
            out["type"] = types[0] if len(types) == 1 else types
        fields: dict[str, Any] = {}
        for predicate_text, objects in properties.items():
            if predicate_text == _TYPE_TEXT:
                continue
            if len(objects) == 1:
                values = objects
            else:
                values = sorted(objects, key=self._by_title if predicate_text == _ITEMS_TEXT else _order)
            term = self.terms.get(predicate_text) or _VIEW_TERMS_BY_TEXT.get(predicate_text)
            if term is None:
                fields[curie(predicate_text)] = [self.expanded(v) for v in values]
            elif term.kind == "language":
                self.language_map(term, values, fields)
            else:
                written = [self.value(v, term) for v in values]
                fields[term.key] = written if term.many or len(written) > 1 else written[0]
        out.update(sorted(fields.items()))
        return out

    def _by_title(self, node: Node) -> tuple:
        """A page's items are ordered by their label, as the listing orders them (title, then IRI); any other
        values by kind, then text (``_order``)."""
        return title_order(next(iter(self.index.get(_key(node), {}).get(_LABEL_TEXT, ())), None), node)

    def language_map(self, term: Term, values: list[Node], fields: dict[str, Any]) -> None:
        by_language: dict[str, list[str]] = defaultdict(list)
        others = []
        for value in values:
            if isinstance(value, Literal) and value.language:
                by_language[value.language].append(str(value))
            else:
                others.append(self.expanded(value))
        if by_language:
            fields[term.key] = {
                language: texts[0] if term.unique_lang and len(texts) == 1 else texts
                for language, texts in sorted(by_language.items())
            }
        if others:
            fields[curie(term.iri)] = others

    def value(self, value: Node, term: Term) -> Any:
        kind = _KINDS.get(type(value))
        if kind is None:
            kind = _kind(value)
        if kind != _LITERAL:
            key = _text(value) if kind == _IRI else "_:" + _text(value)
            if self.nests(value, key, kind):
                return self.node(value)
            if kind == _BLANK:
                return {"id": key}
            return key if term.kind == "iri" else {"id": key}
        assert isinstance(value, Literal)
        if term.kind in ("literal", "any") and not value.language:
            datatype = value.datatype or _STRING
            if term.native and _same(datatype, term.datatype):
                native = _native(value)
                if native is not None:
                    return native
            elif _same(datatype, term.datatype or _STRING) and not term.native:
                return str(value)
        return self.expanded(value)

    def expanded(self, value: Node) -> Any:
        kind = _kind(value)
        if kind == _IRI:
            return {"id": _text(value)}
        if kind == _BLANK:
            key = _key(value)
            return self.node(value) if self.nests(value, key, kind) else {"id": key}
        assert isinstance(value, Literal)
        if value.language:
            return {"@value": str(value), "@language": value.language}
        if value.datatype and value.datatype != _STRING:
            return {"@value": str(value), "@type": str(value.datatype)}
        return {"@value": str(value)}


def _same(datatype: Node | None, other: Node | None) -> bool:
    """Whether two datatype IRIs are the same, compared as text."""
    return datatype is not None and other is not None and _text(datatype) == _text(other)


def _native(value: Literal) -> int | bool | None:
    """The JSON number or boolean for a canonical xsd:integer or xsd:boolean, which JSON-LD reads back as is."""
    text = str(value)
    if value.datatype == _BOOLEAN and text in ("true", "false"):
        return text == "true"
    if value.datatype == _INTEGER and text.lstrip("-").isdigit() and str(int(text)) == text:
        return int(text)
    return None


def title_order(label: Node | None, node: Node) -> tuple:
    """Where an item with ``label`` goes among a page's items: by its label as the listing orders them, then IRI."""
    return (label is None, sort_key(str(label or "")), str(label or ""), str(node))


def _order(node: Node) -> tuple[int, str]:
    return (_kind(node), _text(node))


def compact(
    graph: Graph | Iterable[tuple[Node, Node, Node]], root: Node, vocabulary: Vocabulary, context: str | dict
) -> dict:
    """``root`` and what the graph (or a list of distinct triples) says about it (and the nodes it reaches), as one
    compact JSON-LD object."""
    return Compactor(graph, vocabulary).document(root, context)


# -- JSON Schemas ---------------------------------------------------------------------------------------------

_LITERAL_SCHEMAS: dict[URIRef, dict] = {
    XSD.integer: {"type": "integer"},
    XSD.boolean: {"type": "boolean"},
    XSD.anyURI: {"type": "string", "format": "uri"},
    XSD.dateTime: {"type": "string", "format": "date-time"},
    XSD.date: {"type": "string", "format": "date"},
    XSD.duration: {"type": "string", "format": "duration"},
}
IRI_SCHEMA = {"type": "string", "format": "iri"}
ID_SCHEMA = {"anyOf": [IRI_SCHEMA, {"type": "string", "pattern": "^_:[A-Za-z0-9_.-]+$"}]}
"""A node's id: an IRI, or a blank node's label (``_:t1``) by which other nodes of the same body refer to it, as
the writer above names a blank node it refers to twice."""


def term_schema(term: Term, vocabulary: Vocabulary, depth: int = 0) -> dict:
    """The JSON Schema of one key's value, as the writer above writes it."""
    if term.kind == "language":
        text: dict[str, Any] = (
            {"type": "string"} if term.unique_lang else {"type": "array", "items": {"type": "string"}}
        )
        if term.unique_lang:
            text = {"anyOf": [text, {"type": "array", "items": {"type": "string"}}]}
        return {"type": "object", "description": "strings by language tag", "additionalProperties": text}
    if term.kind == "literal":
        item = dict(_LITERAL_SCHEMAS.get(term.datatype or XSD.string, {"type": "string"}))
    elif term.kind == "iri":
        nested = vocabulary.shape_properties.get(term.node) if term.node is not None else None
        if nested and depth < 3:
            item = {"anyOf": [IRI_SCHEMA, node_schema(nested, vocabulary, depth + 1)]}
        else:
            item = {"anyOf": [IRI_SCHEMA, {"type": "object", "properties": {"id": ID_SCHEMA}}]}
    else:
        item = {}
    return {"type": "array", "items": item} if term.many else item


def node_schema(properties: tuple[URIRef, ...] | list[Term], vocabulary: Vocabulary, depth: int = 0) -> dict:
    terms = [
        p if isinstance(p, Term) else vocabulary.terms[p]
        for p in properties
        if isinstance(p, Term) or p in vocabulary.terms
    ]
    return {
        "type": "object",
        "properties": {
            "id": ID_SCHEMA,
            "type": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
            **{t.key: term_schema(t, vocabulary, depth) for t in sorted(terms, key=lambda t: t.key)},
        },
    }


def resource_schema(entry: ClassEntry, vocabulary: Vocabulary) -> dict:
    """What ``GET /api/{collection}/{id}`` returns, from the class's shapes."""
    terms = vocabulary.properties_of(entry.all_shapes, entry.properties)
    schema = node_schema(terms, vocabulary)
    schema["title"] = entry.name
    schema["properties"] = {"@context": {"type": "string", "format": "uri"}, **schema["properties"]}
    needed = vocabulary.required_by(entry.shapes)
    required = [t.key for t in terms if t.iri in needed]
    schema["required"] = ["@context", "id", "type", *required]
    return schema


def page_schema(entry: ClassEntry, vocabulary: Vocabulary) -> dict:
    """What ``GET /api/{collection}`` returns: a page of items with links to the next and previous pages."""
    summary_terms = {path[0] for path in entry.summary}
    item = node_schema(
        [t for t in vocabulary.properties_of(entry.all_shapes, entry.properties) if t.iri in summary_terms], vocabulary
    )
    item["properties"]["label"] = {"type": "string"}
    item["required"] = ["id", "type"]
    link = {"type": "string", "format": "uri"}
    return {
        "type": "object",
        "title": f"a page of {entry.collection}",
        "properties": {
            "@context": link,
            "id": link,
            "items": {"type": "array", "items": item},
            "first": link,
            "previous": link,
            "next": link,
            "last": link,
            "totalItems": {"type": "integer", "minimum": 0, "description": "how many members match, on all pages"},
        },
        "required": ["@context", "id", "items", "first", "last", "totalItems"],
    }
