"""Schemathesis hooks for the conformance run: text bodies (RDF syntaxes, SPARQL) sent as the UTF-8 text drawn, and a
schema-valid case in one of them sent with the example the description gives for it.

A string schema cannot say "Turtle that describes one course": text drawn from it is valid to the schema and
refused by the server (400, 422), and the grammar is no constraint OpenAPI can state. So a positive case in such a
media type sends the operation's example for it (each RDF and SPARQL body has one); a negative case (not a string)
goes as drawn.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis.core.parameters import ParameterLocation

TEXT_BODIES = (
    "text/turtle",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
    "application/sparql-query",
    "application/sparql-update",
)


@schemathesis.serializer(*TEXT_BODIES)
def as_text(ctx: Any, value: Any) -> bytes:
    """A string schema's value as the body itself (schemathesis knows no serializer for these media types)."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else str(value)).encode("utf-8")


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """A positive case with an RDF or SPARQL body sends the description's example for that media type."""
    meta = case.meta
    if case.media_type not in TEXT_BODIES or meta is None or meta.is_negative_at(ParameterLocation.BODY):
        return case
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {}).get(case.media_type, {})
    if "example" in content:
        case.body = content["example"]
    return case
