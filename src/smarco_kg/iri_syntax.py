"""IRIs as parameters take them: RFC 3986's characters and escapes, laid out as its grammar lays them (an authority
with a numeric port, one query, one fragment), so that what a pattern passes a SPARQL parser takes too."""

from __future__ import annotations

_NAME = r"([A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})"  # unreserved, escaped, sub-delims
_PART = rf"({_NAME}|[:@])"  # a path segment's character
_TAIL = rf"(/{_PART}*)*(\?({_PART}|[/?])*)?(#({_PART}|[/?])*)?"  # path, query, fragment
HTTP_IRI = rf"https?://(({_NAME}|:)*@)?{_NAME}*(:[0-9]*)?{_TAIL}"
"""An http(s) IRI (no anchors: for use inside other patterns)."""
URN = rf"urn:{_PART}+{_TAIL}"
"""A ``urn:`` IRI (no anchors)."""

_NEVER_IN_IRIS = frozenset('<>"{}|\\^` ')  # RFC 3987 leaves them out; no RDF syntax can write an IRI holding one


def writable(iri: str) -> bool:
    """Whether ``iri`` can be written in N-Triples and Turtle: none of the characters IRIs leave out, no controls
    (a JSON-LD key this service does not know becomes an IRI against the vocabulary, which rdflib keeps)."""
    return not any(c in _NEVER_IN_IRIS or not _iri_character(ord(c)) for c in iri)


def _iri_character(code: int) -> bool:
    """RFC 3987's characters outside a query: no controls, surrogates, private use or non-characters."""
    return not (
        code < 0x21 or 0x7F <= code < 0xA0 or 0xD800 <= code <= 0xF8FF or 0xFDD0 <= code <= 0xFDEF
        or 0xFFF0 <= code <= 0xFFFF or 0xE0000 <= code <= 0xE0FFF or code >= 0xF0000 or (code & 0xFFFE) == 0xFFFE
    )  # fmt: skip
