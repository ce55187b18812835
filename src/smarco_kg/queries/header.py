"""The ``#+`` header of a named-query file, read strictly (every mistake a ``file:line`` error) or leniently."""

from __future__ import annotations

import json
import re
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path

from smarco_kg.queries.model import (
    MAX_LIMIT,
    RESERVED,
    TYPES,
    Parameter,
    ParameterError,
    QueryFileError,
)

# Not YAML, though it looks like it: PyYAML refuses a value holding ": " (four descriptions in queries/ do), drops
# what follows " #" in a value, refuses a value that begins with "@" and places some errors a line late (measured).
TOP_KEYS = ("summary", "description", "tags", "params", "pagination")
PARAM_KEYS = ("name", "type", "description", "required", "default", "example", "enum")

_KEY = re.compile(r"^(?P<key>[A-Za-z][\w-]*)\s*:(?:\s+(?P<value>.*))?$")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class HeaderLine:
    """One ``#+`` line: its number in the file, its indentation after ``#+ ``, and the rest."""

    number: int
    indent: int
    content: str


def header_lines(text: str) -> tuple[list[HeaderLine], list[HeaderLine]]:
    """The ``#+`` lines of the leading comment block, and any ``#+`` lines after the query has begun.

    The block ends at the first line that is neither blank nor a comment; plain ``#`` comments in it are
    skipped."""
    header: list[HeaderLine] = []
    stray: list[HeaderLine] = []
    in_header = True
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if in_header and stripped and not stripped.startswith("#"):
            in_header = False
        if not stripped.startswith("#+"):
            continue
        rest = stripped[2:]
        rest = rest[1:] if rest.startswith(" ") else rest
        body = rest.lstrip(" ")
        if not body:
            continue
        (header if in_header else stray).append(HeaderLine(number, len(rest) - len(body), body.rstrip()))
    return header, stray


def header_fields(text: str) -> dict[str, str]:
    """The top-level ``key: value`` fields of a header, leniently (first one wins, anything else skipped):
    what the SPARQL query page shows of a file that may not (yet) be a valid named query."""
    lines, _ = header_lines(text)
    fields: dict[str, str] = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        match = _KEY.match(line.content) if line.indent == 0 else None
        if not match:
            continue
        key = match["key"].lower()
        try:
            value = _scalar(match["value"] or "")
        except ValueError:
            value = (match["value"] or "").strip()
        if key in ("summary", "description"):
            more, index = _continuation(lines, index, 0)
            value = " ".join(part for part in (value, *more) if part)
        fields.setdefault(key, value)
    return fields


class Header:
    """The strict reading of a file's header: its fields, its parameters, and the line each was given on."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.summary = ""
        self.description = ""
        self.tags: list[str] = []
        self.parameters: list[Parameter] = []
        self.pagination: int | None = None
        self.key_lines: dict[str, int] = {}  # top-level key -> its line
        self.parameter_lines: dict[str, int] = {}  # parameter name -> the line of its 'name:'
        lines, stray = header_lines(text)
        if stray:
            raise self.error(stray[0], "a '#+' header line after the query has begun; move it into the header")
        if not lines:
            raise QueryFileError(path, 1, "no header: begin the file with '#+ summary: …'")
        self._read(lines)
        if not self.summary:
            raise QueryFileError(path, lines[0].number, "the header has no 'summary: …'")

    def error(self, line: HeaderLine, message: str) -> QueryFileError:
        return QueryFileError(self.path, line.number, message)

    def _read(self, lines: list[HeaderLine]) -> None:
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.indent != 0:
                raise self.error(line, f"unexpected indentation: {line.content!r} belongs to no key")
            key, raw = self._key(line, TOP_KEYS, self.key_lines, "unknown key {key!r}; the header takes {keys}")
            self.key_lines[key] = line.number
            if key in ("summary", "description"):
                more, index = _continuation(lines, index, 0)
                value = " ".join(part for part in (self._scalar(line, raw), *more) if part)
                if not value:
                    raise self.error(line, f"{key!r} is empty")
                setattr(self, key, value)
            elif key == "tags":
                self.tags, index = self._list(lines, index, line, raw)
            elif key == "pagination":
                self.pagination = self._pagination(line, raw)
            else:
                if raw.strip():
                    raise self.error(line, "'params:' is followed by '- name: …' lines, not a value")
                index = self._params(lines, index, line)

    def _key(self, line: HeaderLine, known: Sequence[str], seen: Container[str], unknown: str) -> tuple[str, str]:
        """The key and raw value of a ``key: value`` line; an error for a malformed, unknown or repeated key
        (``unknown`` is the message, with ``{key}`` and ``{keys}``)."""
        match = _KEY.match(line.content)
        if not match:
            raise self.error(line, f"expected 'key: value', not {line.content!r}")
        key, raw = match["key"], match["value"] or ""
        if key not in known:
            raise self.error(line, unknown.format(key=key, keys=", ".join(known)))
        if key in seen:
            raise self.error(line, f"{key!r} given twice")
        return key, raw

    def _scalar(self, line: HeaderLine, raw: str) -> str:
        try:
            return _scalar(raw)
        except ValueError as error:
            raise self.error(line, str(error)) from error

    def _list(self, lines: list[HeaderLine], index: int, line: HeaderLine, raw: str) -> tuple[list[str], int]:
        if raw.strip():
            try:
                return _flow_list(raw), index
            except ValueError as error:
                raise self.error(line, str(error)) from error
        items = []
        while index < len(lines) and lines[index].indent > line.indent:
            item = lines[index]
            if not item.content.startswith("- "):
                raise self.error(item, f"expected a list item '- …', not {item.content!r}")
            value = self._scalar(item, item.content[2:])
            if not value:
                raise self.error(item, "a list item is empty")
            items.append(value)
            index += 1
        if not items:
            raise self.error(line, "an empty list: give items as [a, b] or '- a' lines")
        return items, index

    def _pagination(self, line: HeaderLine, raw: str) -> int:
        value = self._scalar(line, raw)
        if not _INTEGER.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
            raise self.error(line, f"pagination is the default page size, an integer from 1 to {MAX_LIMIT}")
        return int(value)

    def _params(self, lines: list[HeaderLine], index: int, params_line: HeaderLine) -> int:
        if index >= len(lines) or lines[index].indent == 0:
            raise self.error(params_line, "'params:' lists no parameter; remove it or add '- name: …' lines")
        while index < len(lines) and lines[index].indent > 0:
            start = lines[index]
            if not start.content.startswith("- "):
                raise self.error(start, f"expected a parameter '- name: …', not {start.content!r}")
            after_dash = start.content[1:]
            column = start.indent + 1 + (len(after_dash) - len(after_dash.lstrip(" ")))
            pairs = [HeaderLine(start.number, column, after_dash.strip())]
            index += 1
            while index < len(lines) and lines[index].indent > start.indent:
                pairs.append(lines[index])
                index += 1
            self._parameter(pairs, column)
        return index

    def _parameter(self, lines: list[HeaderLine], column: int) -> None:
        values: dict[str, tuple[HeaderLine, str]] = {}
        enum: tuple[str, ...] = ()
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.indent != column:
                raise self.error(line, f"misaligned: parameter keys line up under {lines[0].content!r}")
            key, raw = self._key(line, PARAM_KEYS, values, "unknown parameter key {key!r}; a parameter takes {keys}")
            if key == "enum":
                items, index = self._list(lines, index, line, raw)
                values[key], enum = (line, ""), tuple(items)
                continue
            value = self._scalar(line, raw)
            if key == "description":
                more, index = _continuation(lines, index, column)
                value = " ".join(part for part in (value, *more) if part)
            values[key] = (line, value)
        first = lines[0]
        if "name" not in values:
            raise self.error(first, "a parameter needs 'name: …'")
        name_line, name = values["name"]
        if not _VARIABLE.fullmatch(name):
            raise self.error(name_line, f"{name!r} is not a SPARQL variable name (letters, digits, '_')")
        if name in RESERVED:
            raise self.error(name_line, f"{name!r} is reserved for every query ({', '.join(RESERVED)})")
        if name in self.parameter_lines:
            raise self.error(name_line, f"parameter {name!r} is declared twice")
        if "type" not in values:
            raise self.error(first, f"parameter {name!r} needs 'type: …' ({', '.join(TYPES)})")
        type_line, kind = values["type"]
        if kind not in TYPES:
            hint = kind.split(":")[-1].replace("anyURI", "iri")
            suggestion = f" (did you mean {hint!r}?)" if hint in TYPES else ""
            raise self.error(type_line, f"unknown type {kind!r}{suggestion}; use one of {', '.join(TYPES)}")
        if kind == "enum":
            if "enum" not in values:
                raise self.error(type_line, f"parameter {name!r} of type enum needs 'enum: [a, b]'")
            if len(set(enum)) != len(enum):
                raise self.error(values["enum"][0], "the enum lists a value twice")
        elif "enum" in values:
            raise self.error(values["enum"][0], "'enum' goes with 'type: enum' only")
        required = False
        if "required" in values:
            line, flag = values["required"]
            if flag not in ("true", "false"):
                raise self.error(line, "required is true or false")
            required = flag == "true"
        parameter = Parameter(
            name=name,
            type=kind,
            description=values["description"][1] if "description" in values else "",
            required=required,
            default=values["default"][1] if "default" in values else None,
            example=values["example"][1] if "example" in values else None,
            enum=enum,
        )
        for key in ("default", "example"):
            if key in values:
                try:
                    parameter.convert(values[key][1])
                except ParameterError as error:
                    raise self.error(values[key][0], f"the {key} does not fit the type: {error.message}") from None
        if required and parameter.default is not None:
            raise self.error(values["default"][0], f"parameter {name!r} is required, so a default is never used")
        self.parameters.append(parameter)
        self.parameter_lines[name] = name_line.number


def _continuation(lines: Sequence[HeaderLine], index: int, indent: int) -> tuple[list[str], int]:
    """More-indented lines that go on a text value (a description over several lines)."""
    more = []
    while index < len(lines) and lines[index].indent > indent and not lines[index].content.startswith("- "):
        if _KEY.match(lines[index].content) and lines[index].content.split(":")[0] in PARAM_KEYS:
            break
        more.append(lines[index].content.strip())
        index += 1
    return more, index


def _scalar(raw: str) -> str:
    value = raw.strip()
    if value.startswith('"'):
        try:
            decoded = json.loads(value)
        except ValueError as error:
            raise ValueError(f"a quoted value must be one JSON string: {error}") from error
        if not isinstance(decoded, str):
            raise ValueError("a quoted value must be a string")
        return decoded
    if value.startswith("'"):
        if len(value) < 2 or not value.endswith("'"):
            raise ValueError("a value opened with ' must close with '")
        return value[1:-1].replace("''", "'")
    return value


def _flow_list(raw: str) -> list[str]:
    """``[a, "b, c", d]`` as a list of strings."""
    value = raw.strip()
    if not (value.startswith("[") and value.endswith("]")):
        raise ValueError(f"expected a list like [a, b], not {raw.strip()!r}")
    inner = value[1:-1].strip()
    if not inner:
        return []
    items, current, quote = [], "", ""
    for char in inner:
        if quote:
            current += char
            if char == quote and not current.endswith("\\" + quote):
                quote = ""
        elif char in "\"'":
            quote = char
            current += char
        elif char == ",":
            items.append(current)
            current = ""
        else:
            current += char
    if quote:
        raise ValueError("a quoted list item is not closed")
    items.append(current)
    result = [_scalar(item) for item in items]
    if any(not item for item in result):
        raise ValueError("a list item is empty")
    return result
