"""JSON read and written: from clients with a nesting limit (Python's parser recurses, so a body nested about a
thousand levels deep raised ``RecursionError``, a 500, in the parser or in whatever walked the document next), and
written compactly."""

from __future__ import annotations

import json
from typing import Any

from smarco_kg.errors import BadRequest

MAX_DEPTH = 64
"""The deepest nesting of objects and arrays a client's JSON may have (the demo's deepest body has 6)."""


def json_bytes(body: Any) -> bytes:
    """UTF-8 JSON without insignificant whitespace: the standard library's C encoder writes it; asked to indent,
    it falls back to its pure-Python one (0.6 ms of a 20-course page, a tenth of the request)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class MalformedJson(BadRequest):
    kind = "malformed-json"
    title = "the body is not JSON"


def read_json(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed document; 400 when it is not JSON or is nested deeper than ``max_depth``."""
    try:
        document = json.loads(data)
    except RecursionError as error:
        raise MalformedJson(f"nested deeper than {max_depth} levels", title="the JSON is nested too deeply") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedJson(str(error)) from error
    if depth(document, max_depth) > max_depth:
        raise MalformedJson(f"nested deeper than {max_depth} levels", title="the JSON is nested too deeply")
    return document


def depth(document: Any, stop: int) -> int:
    """How deep objects and arrays nest in ``document`` (counted without recursion, up to ``stop + 1``)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if deepest > stop:
                return deepest
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest
