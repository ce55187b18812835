"""A JSON body checked against the JSON Schema the OpenAPI description states for it, so that a write refuses what
its description rules out instead of JSON-LD dropping it without a word (a null, a number where an IRI goes).

Only the keywords the description's body schemas use: ``type``, ``enum``, ``anyOf``, ``properties``, ``required``,
``additionalProperties``, ``propertyNames``, ``minProperties``, ``items``, ``minItems``, ``contains``, ``pattern``,
``minLength``, ``maxLength``, ``exclusiveMinimum`` and the formats ``iri``, ``uri``, ``date``, ``duration``, ``email``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`\x7f-\x9f]*")
_DURATION = re.compile(r"-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?")
_FORMATS = {
    "iri": lambda v: _IRI.fullmatch(v) is not None,
    "uri": lambda v: v.isascii() and _IRI.fullmatch(v) is not None,
    "email": lambda v: re.fullmatch(r"[^@\s]+@[^@\s]+", v) is not None,
    "duration": lambda v: (
        re.fullmatch(r"-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?", v) is not None
    ),
    "date": lambda v: _is_date(v),
}


def _is_date(value: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_type(value: object, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "boolean":
        return isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def problems(value: object, schema: dict, where: str = "") -> list[str]:
    """What in ``value`` breaks ``schema``, one line per break naming where (``title.en``); empty when it holds."""
    found: list[str] = []
    here = where or "the body"
    if "anyOf" in schema and all(problems(value, option, where) for option in schema["anyOf"]):
        return [f"{here}: matches none of its allowed forms"]
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is_type(value, name) for name in names):
            return [f"{here}: must be {' or '.join(names)}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{here}: must be one of {', '.join(map(str, schema['enum']))}")
    if isinstance(value, str):
        found += _string(value, schema, here)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if "exclusiveMinimum" in schema and not value > schema["exclusiveMinimum"]:
            found.append(f"{here}: must be more than {schema['exclusiveMinimum']}")
    elif isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{here}: needs at least {schema['minItems']} item(s)")
        if "contains" in schema and all(problems(item, schema["contains"]) for item in value):
            found.append(f"{here}: holds none of {', '.join(map(str, schema['contains'].get('enum', [])))}")
        if "items" in schema:
            for n, item in enumerate(value):
                found += problems(item, schema["items"], f"{where}[{n}]")
    elif isinstance(value, dict):
        found += _object(value, schema, where)
    return found


def _string(value: str, schema: dict, here: str) -> list[str]:
    found = []
    if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", len(value)):
        found.append(f"{here}: a text of {schema.get('minLength', 0)} to {schema.get('maxLength', 'any')} characters")
    if "pattern" in schema and re.search(schema["pattern"], value) is None:
        found.append(f"{here}: must match {schema['pattern']}")
    check = _FORMATS.get(schema.get("format", ""))
    if check is not None and not check(value):
        found.append(f"{here}: not a valid {schema['format']}")
    return found


def _object(value: dict, schema: dict, where: str) -> list[str]:
    found = []
    here = where or "the body"
    missing = [key for key in schema.get("required", []) if key not in value]
    if missing:
        found.append(f"{here}: {', '.join(missing)} required")
    if len(value) < schema.get("minProperties", 0):
        found.append(f"{here}: needs at least {schema['minProperties']} member(s)")
    properties = schema.get("properties", {})
    names = schema.get("propertyNames")
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        inner = f"{where}.{key}" if where else key
        if names is not None:
            found += problems(key, names, f"{inner} (the name)")
        if key in properties:
            found += problems(item, properties[key], inner)
        elif extra is False:
            found.append(f"{inner}: not a member this body takes")
        elif isinstance(extra, dict):
            found += problems(item, extra, inner)
    return found
