"""Schemathesis hooks for the conformance run: text bodies (RDF syntaxes, SPARQL) sent as the UTF-8 text drawn."""

from __future__ import annotations

from typing import Any

import schemathesis

TEXT_BODIES = ("text/turtle", "application/n-triples", "application/sparql-query", "application/sparql-update")


@schemathesis.serializer(*TEXT_BODIES)
def as_text(ctx: Any, value: Any) -> bytes:
    """A string schema's value as the body itself (schemathesis knows no serializer for these media types)."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else str(value)).encode("utf-8")
