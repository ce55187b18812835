"""Datatypes a store cannot keep, written under a stand-in datatype and read back as themselves.

Virtuoso turns an xsd:duration into a number of seconds (and refuses it in INSERT DATA)."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Literal, URIRef

from smarco_kg.store.remote.dataset import OWN_GRAPHS
from smarco_kg.terms import RdfTerm

STAND_INS = {"http://www.w3.org/2001/XMLSchema#duration": f"{OWN_GRAPHS}datatype:duration"}
_RESTORE = {URIRef(v): URIRef(k) for k, v in STAND_INS.items()}


def stand_in(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
    """``term``, a literal of a datatype the store cannot keep written under its stand-in."""
    if isinstance(term, ox.Literal) and term.datatype.value in STAND_INS:
        return ox.Literal(term.value, datatype=ox.NamedNode(STAND_INS[term.datatype.value]))
    return term


def restored(term: RdfTerm) -> RdfTerm:
    """``term`` read from the store, a stand-in datatype back to its own."""
    if isinstance(term, Literal) and term.datatype in _RESTORE:
        return Literal(str(term), datatype=_RESTORE[term.datatype])
    return term


def restored_text(ntriples: str) -> str:
    """N-Triples read from the store, stand-in datatypes back to their own."""
    for datatype, stand in STAND_INS.items():
        ntriples = ntriples.replace(f"^^<{stand}>", f"^^<{datatype}>")
    return ntriples
