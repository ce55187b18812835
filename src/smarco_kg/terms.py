"""Conversions between pyoxigraph terms (fast parsing and storage) and rdflib terms (pySHACL, the API).

pyoxigraph is used as a parser and serializer library here; only ``store.embedded`` uses its ``Store``.
"""

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import TypeAlias, overload

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from smarco_kg.formats import RdfSyntax

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

RdfTerm: TypeAlias = URIRef | BNode | Literal
"""An RDF term as rdflib holds it: what a store's solutions and triples are made of."""


@lru_cache(maxsize=200_000)
def _iri(value: str) -> URIRef:
    return URIRef(value)


@lru_cache(maxsize=20_000)
def _datatype(value: str) -> URIRef:
    return URIRef(value)


@overload
def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> RdfTerm: ...
@overload
def to_rdflib(term: ox.DefaultGraph) -> None: ...
def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> RdfTerm | None:
    """The rdflib term for a pyoxigraph term (``None`` for the default graph; a quoted triple is a ``TypeError``)."""
    if isinstance(term, ox.NamedNode):
        return _iri(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=_datatype(datatype))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"unsupported RDF term {term!r}")


def from_sparql_json(kind: str, value: str, language: str | None = None, datatype: str | None = None) -> RdfTerm:
    """The rdflib term for one term of SPARQL 1.1 JSON results (its ``type``, ``value``, ``xml:lang``,
    ``datatype``); a quoted triple is a ``TypeError``, as in ``to_rdflib``."""
    if kind == "uri":
        return _iri(value)
    if kind == "literal":
        if language:
            return Literal(value, lang=language)
        if datatype is None or datatype == XSD_STRING:
            return Literal(value)
        return Literal(value, datatype=_datatype(datatype))
    if kind == "bnode":
        return BNode(value)
    raise TypeError(f"unsupported RDF term of type {kind!r}")


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != XSD_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"unsupported RDF term {term!r}")


def ox_format(syntax: RdfSyntax) -> ox.RdfFormat:
    fmt = ox.RdfFormat.from_media_type(syntax.media_type)
    if fmt is None:
        raise ValueError(f"pyoxigraph has no format for {syntax.media_type}")
    return fmt


_IRI_FORBIDDEN = set('<>"{}|^`\\ \n\r\t')


def sparql_term(term: Node) -> str:
    """``term`` written as SPARQL syntax that cannot break out of its place in a query."""
    if isinstance(term, URIRef):
        if _IRI_FORBIDDEN.intersection(str(term)):
            raise ValueError(f"not a valid IRI: {str(term)!r}")
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()  # rdflib escapes quotes, backslashes and line breaks
    raise ValueError(f"cannot bind {term!r} in a query")


def values_block(bindings: Mapping[str, Node]) -> str:
    """One row of values for ``bindings``, as a ``VALUES`` block (each term checked by ``sparql_term``)."""
    names = " ".join(f"?{name}" for name in bindings)
    return f"VALUES ({names}) {{ ({' '.join(sparql_term(term) for term in bindings.values())}) }}"


_LABEL_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def from_json(value: dict) -> RdfTerm:
    """A term of SPARQL JSON results (``typed-literal``, from SPARQL 1.0 stores such as Virtuoso, read as a literal)."""
    kind = value.get("type")
    if kind == "uri":
        return URIRef(value["value"])
    if kind == "bnode":  # a label valid in N-Triples (Virtuoso's look like nodeID://b10001)
        return BNode(_LABEL_UNSAFE.sub("_", value["value"]))
    datatype, lang = value.get("datatype"), value.get("xml:lang")
    return Literal(value["value"], lang=lang, datatype=URIRef(datatype) if datatype and not lang else None)
