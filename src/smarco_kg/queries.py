"""The named-query registry: ``queries/*.rq`` files whose ``#+`` header makes them typed, paginated REST queries.

A file is a SPARQL query that begins with a header of ``#+`` comment lines, YAML-like, in the spirit of grlc::

    #+ summary: Courses per ESCO skill
    #+ description: Each skill the catalogue teaches and the courses that teach it.
    #+ tags: [courses, esco]
    #+ params:
    #+   - name: skill
    #+     type: iri
    #+     description: An ESCO skill; without it, every skill.
    #+     example: http://data.europa.eu/esco/skill/…
    #+ pagination: 50

Keys: ``summary`` (required), ``description``, ``tags`` (``[a, b]`` or ``- a`` lines), ``params`` (a list of
``name``, ``type``, ``description``, ``required``, ``default``, ``example``, ``enum``) and ``pagination`` (the
default page size; the query must then end with ``ORDER BY``). Types: iri, string, langstring (``text@en``),
integer, decimal, date (``YYYY-MM-DD``) and enum (a string from ``enum: [a, b]``). A description may go on
over more-indented lines. Values may be quoted (``"…"``) when they hold ``[``, ``,`` or leading spaces.

Each parameter binds the SPARQL variable of its name (``skill`` binds ``?skill``) through the store's
``bindings`` (pyoxigraph ``substitutions``): values are RDF terms, never pasted into the query text. A
parameter left out leaves its variable unbound, which the query must read as "any" (a triple pattern matches
anything; a filter uses ``COALESCE(?minEcts, 0)``), unless the header gives a default. Rules checked at load,
because pyoxigraph binds reliably only then: in a SELECT the variable is projected (named in the SELECT
clause, which also keeps a group key bound); it is not tested with ``BOUND()``, used in a ``BIND`` or assigned
with ``AS``. A paginated query ends with ``ORDER BY`` (a total order: end it with a key that is unique per
row) and no ``LIMIT``, ``OFFSET`` or trailing ``VALUES``: the registry appends ``LIMIT`` and ``OFFSET`` to the
query's own solution modifiers, so the order of the rows is the order SPARQL guarantees, not that of a
sub-select, which SPARQL does not keep.

Anything malformed stops loading with a ``QueryFileError`` naming the file and the line.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from smarco_kg.sparql_text import keywords, tokens
from smarco_kg.store import GraphStore, QuerySyntaxError, open_scratch_store

MAX_LIMIT = 1000
"""The largest page a client may ask for with ``limit=``; more is a 422, never a silent clamp."""

RESERVED = ("limit", "offset", "format")
"""Request parameters of every named query, so no query parameter may take these names."""

TYPES = ("iri", "string", "langstring", "integer", "decimal", "date", "enum")
TOP_KEYS = ("summary", "description", "tags", "params", "pagination")
PARAM_KEYS = ("name", "type", "description", "required", "default", "example", "enum")
MAX_VALUE_LENGTH = 2000

_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_KEY = re.compile(r"^(?P<key>[A-Za-z][\w-]*)\s*:(?:\s+(?P<value>.*))?$")
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`]*")
_LANGSTRING = re.compile(r"(?P<text>.*)@(?P<lang>[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)", re.DOTALL)
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ERROR_AT = re.compile(r"error at (\d+):(\d+)")
_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")

Parse = Callable[[str], None]
"""Parses a query, raising ``QuerySyntaxError`` (the store's parser)."""


class QueryFileError(Exception):
    """A named-query file that cannot be served; the message starts with ``file:line:``."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = Path(path), line, message


class ParameterError(ValueError):
    """A request value that does not fit its parameter (HTTP 422); ``name`` is the parameter."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name, self.message = name, message


# ---- the header: lexing ----------------------------------------------------------------------------------------


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


# ---- parameters -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """One typed parameter of a named query, binding the SPARQL variable of the same name."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    default: str | None = None
    example: str | None = None
    enum: tuple[str, ...] = ()

    def convert(self, value: str) -> Node:
        """The RDF term for a request value; ``ParameterError`` when it does not fit the type."""
        if len(value) > MAX_VALUE_LENGTH:
            raise ParameterError(self.name, f"longer than {MAX_VALUE_LENGTH} characters")
        if self.type == "iri":
            if not _IRI.fullmatch(value):
                raise ParameterError(
                    self.name, f"{value!r} is not an absolute IRI (like http://data.europa.eu/esco/skill/…)"
                )
            return URIRef(value)
        if self.type == "string":
            return Literal(value)
        if self.type == "langstring":
            match = _LANGSTRING.fullmatch(value)
            if not match:
                raise ParameterError(self.name, f"{value!r} is not a language-tagged string like 'text@en'")
            return Literal(match["text"], lang=match["lang"].lower())
        if self.type == "integer":
            if not _INTEGER.fullmatch(value):
                raise ParameterError(self.name, f"{value!r} is not an integer")
            return Literal(str(int(value)), datatype=XSD.integer)
        if self.type == "decimal":
            if not _DECIMAL.fullmatch(value):
                raise ParameterError(self.name, f"{value!r} is not a decimal number like 2.5")
            return Literal(str(Decimal(value)), datatype=XSD.decimal)
        if self.type == "date":
            try:
                if not _DATE.fullmatch(value):
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise ParameterError(self.name, f"{value!r} is not a date like 2024-01-31") from None
            return Literal(value, datatype=XSD.date)
        if self.type == "enum":
            if value not in self.enum:
                raise ParameterError(self.name, f"{value!r} is not one of {', '.join(self.enum)}")
            return Literal(value)
        raise AssertionError(self.type)

    def schema(self) -> dict:
        """The JSON Schema of the parameter's values, for OpenAPI."""
        schema: dict = {
            "iri": {"type": "string", "format": "iri"},
            "string": {"type": "string", "maxLength": MAX_VALUE_LENGTH},
            "langstring": {
                "type": "string",
                "pattern": "@[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$",
            },
            "integer": {"type": "integer"},
            "decimal": {"type": "number"},
            "date": {"type": "string", "format": "date"},
            "enum": {"type": "string", "enum": list(self.enum)},
        }[self.type]
        if self.default is not None:
            schema["default"] = self.json_value(self.default)
        return schema

    def json_value(self, value: str) -> str | int | float:
        if self.type == "integer":
            return int(value)
        if self.type == "decimal":
            return float(value)
        return value

    def describe(self) -> dict:
        described: dict = {"name": self.name, "type": self.type, "required": self.required}
        if self.description:
            described["description"] = self.description
        if self.enum:
            described["enum"] = list(self.enum)
        if self.default is not None:
            described["default"] = self.default
        if self.example is not None:
            described["example"] = self.example
        return described


# ---- the named query ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedQuery:
    """One ``.rq`` file: its header, its parameters and the query text (the whole file, header included)."""

    name: str
    path: Path
    summary: str
    text: str
    form: str  # SELECT, CONSTRUCT, ASK or DESCRIBE
    description: str = ""
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    pagination: int | None = None  # the default page size; None: not paginated
    summary_line: int = 1

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def bindings(self, given: Mapping[str, Sequence[str]]) -> dict[str, Node]:
        """The RDF terms for the request's values by variable name: defaults filled in, absent optional
        parameters left out (their variables stay unbound); ``ParameterError`` for a bad or unknown one."""
        accepted = [p.name for p in self.parameters] + list(RESERVED if self.pagination else ("format",))
        for name, values in given.items():
            if name in RESERVED:
                continue
            if self.parameter(name) is None:
                raise ParameterError(name, f"unknown parameter; {self.name} takes {', '.join(accepted)}")
            if len(values) > 1:
                raise ParameterError(name, f"given {len(values)} times; give it once")
        bound: dict[str, Node] = {}
        for parameter in self.parameters:
            values = given.get(parameter.name) or []
            value = values[0] if values else parameter.default
            if value is None:
                if parameter.required:
                    raise ParameterError(parameter.name, "required")
                continue
            bound[parameter.name] = parameter.convert(value)
        return bound

    def page(self, limit: int, offset: int) -> str:
        """The query with ``LIMIT`` and ``OFFSET`` appended to its own ``ORDER BY`` (numbers, never text)."""
        if not self.pagination:
            raise ValueError(f"{self.name} is not paginated")
        return f"{self.text.rstrip()}\nLIMIT {int(limit)} OFFSET {int(offset)}\n"

    def describe(self) -> dict:
        """The query as the listing at ``/api/queries`` shows it."""
        return {
            "name": self.name,
            "summary": self.summary,
            "description": self.description,
            "tags": list(self.tags),
            "form": self.form,
            "parameters": [p.describe() for p in self.parameters],
            "pagination": {"default": self.pagination, "max": MAX_LIMIT} if self.pagination else None,
            "sparql": self.text,
        }


@dataclass(frozen=True)
class QueryRegistry(Mapping[str, NamedQuery]):
    """The named queries of one directory, by name (the file's stem), in file-name order."""

    directory: Path
    queries: dict[str, NamedQuery] = field(default_factory=dict)

    def __getitem__(self, name: str) -> NamedQuery:
        return self.queries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.queries)

    def __len__(self) -> int:
        return len(self.queries)


def load_queries(directory: Path) -> QueryRegistry:
    """Every ``*.rq`` file of ``directory`` (none if it does not exist), each checked; the first file that
    cannot be served raises ``QueryFileError`` with its name and line."""
    queries: dict[str, NamedQuery] = {}
    if directory.is_dir():
        scratch = open_scratch_store()
        try:
            for path in sorted(directory.glob("*.rq")):
                query = load_query(path, _parser(scratch))
                queries[query.name] = query
        finally:
            scratch.close()
    return QueryRegistry(directory, queries)


def _parser(scratch: GraphStore) -> Parse:
    def parse(text: str) -> None:
        scratch.query(text)  # an empty in-memory store: parsing is the cost

    return parse


def load_query(path: Path, parse: Parse | None = None) -> NamedQuery:
    """One named-query file, checked: its header, its parameters against the query, and (with ``parse``, which
    raises ``QuerySyntaxError``) the query itself."""
    if not _NAME.fullmatch(path.stem):
        raise QueryFileError(path, 1, f"name the file in lower case, digits and '-' (it is the URL): {path.stem!r}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise QueryFileError(path, text_line(path, error.start), "the file is not UTF-8") from error
    except OSError as error:
        raise QueryFileError(path, 1, f"cannot read the file: {error}") from error
    header = _Header(path, text)
    form = _check_query(path, text, header, parse)
    return NamedQuery(
        name=path.stem,
        path=path,
        summary=header.summary,
        text=text,
        form=form,
        description=header.description,
        tags=tuple(header.tags),
        parameters=tuple(header.parameters),
        pagination=header.pagination,
    )


def text_line(path: Path, byte: int) -> int:
    return path.read_bytes()[:byte].count(b"\n") + 1


class _Header:
    """The strict reading of a file's header."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.summary = ""
        self.description = ""
        self.tags: list[str] = []
        self.parameters: list[Parameter] = []
        self.pagination: int | None = None
        self.parameter_lines: dict[str, int] = {}
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
        seen: set[str] = set()
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.indent != 0:
                raise self.error(line, f"unexpected indentation: {line.content!r} belongs to no key")
            match = _KEY.match(line.content)
            if not match:
                raise self.error(line, f"expected 'key: value', not {line.content!r}")
            key, raw = match["key"], match["value"] or ""
            if key not in TOP_KEYS:
                raise self.error(line, f"unknown key {key!r}; the header takes {', '.join(TOP_KEYS)}")
            if key in seen:
                raise self.error(line, f"{key!r} given twice")
            seen.add(key)
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
            pairs = [(HeaderLine(start.number, column, after_dash.strip()))]
            index += 1
            while index < len(lines) and lines[index].indent > start.indent:
                pairs.append(lines[index])
                index += 1
            self._parameter(pairs, column)
        return index

    def _parameter(self, lines: list[HeaderLine], column: int) -> None:
        values: dict[str, tuple[HeaderLine, str]] = {}
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if line.indent != column:
                raise self.error(line, f"misaligned: parameter keys line up under {lines[0].content!r}")
            match = _KEY.match(line.content)
            if not match:
                raise self.error(line, f"expected 'key: value', not {line.content!r}")
            key, raw = match["key"], match["value"] or ""
            if key not in PARAM_KEYS:
                raise self.error(line, f"unknown parameter key {key!r}; a parameter takes {', '.join(PARAM_KEYS)}")
            if key in values:
                raise self.error(line, f"{key!r} given twice")
            if key == "enum":
                items, index = self._list(lines, index, line, raw)
                values[key] = (line, json.dumps(items))
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
        enum: tuple[str, ...] = ()
        if kind == "enum":
            if "enum" not in values:
                raise self.error(type_line, f"parameter {name!r} of type enum needs 'enum: [a, b]'")
            enum = tuple(json.loads(values["enum"][1]))
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
            description=values.get("description", (first, ""))[1],
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


def _check_query(path: Path, text: str, header: _Header, parse: Parse | None) -> str:
    """The query's form, after checking that it parses and that its parameters bind as they should."""
    body = list(tokens(text))
    words = [m.group() for m in body]
    depth = 0
    top: list[tuple[int, str]] = []  # (index, UPPER word) of the words outside any { }
    for index, word in enumerate(words):
        if word == "{":
            depth += 1
        elif word == "}":
            depth -= 1
        elif depth == 0:
            top.append((index, word.upper()))
    form = next((word for _, word in top if word in _FORMS), None)
    if form is None:
        raise QueryFileError(path, _line(text, len(text)), "no SELECT, CONSTRUCT, ASK or DESCRIBE query")
    if "SERVICE" in keywords(text):
        raise QueryFileError(path, _line_of(text, body, words, "SERVICE"), "named queries may not use SERVICE")
    if parse is not None:
        _parse(path, text, parse)
    for parameter in header.parameters:
        _check_parameter(path, text, body, words, top, form, parameter, header.parameter_lines[parameter.name])
    if header.pagination:
        _check_pagination(path, text, body, top, form, header, parse)
    return form


def _parse(path: Path, text: str, parse: Parse) -> None:
    try:
        parse(text)
    except QuerySyntaxError as error:
        message = " ".join(str(error).split())
        line, at = _position(text, message)
        detail = _ERROR_AT.sub("", message, count=1).lstrip(": ")
        raise QueryFileError(path, line, f"not valid SPARQL{at}: {detail}") from error


def _position(text: str, message: str) -> tuple[int, str]:
    """Where a query the store refused goes wrong. pyoxigraph reports how far it got, often the end of the text;
    rdflib's parser names the statement it stopped at, so ask it first."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(text)
    except ParseBaseException as error:
        return error.lineno, f" at column {error.col}"
    except Exception:
        pass
    where = _ERROR_AT.search(message)
    if where is None:
        return 1, ""
    last = len(text.rstrip().splitlines())
    if int(where[1]) > last:
        return last, " by the end of the query"
    return int(where[1]), f" at column {where[2]}"


def _check_parameter(path, text, body, words, top, form, parameter: Parameter, line: int) -> None:
    names = {f"?{parameter.name}", f"${parameter.name}"}
    uses = [i for i, word in enumerate(words) if word in names]
    if not uses:
        raise QueryFileError(path, line, f"parameter {parameter.name!r} binds ?{parameter.name}, which the query lacks")
    for i in uses:
        before = [w.upper() for w in words[max(0, i - 2) : i]]
        if before[-1:] == ["AS"]:
            raise _misuse(path, text, body[i], parameter, "is assigned (AS): a parameter's value comes from outside")
        if before == ["BOUND", "("]:
            raise _misuse(path, text, body[i], parameter, "is tested with BOUND(): use COALESCE(?x, default)")
    for i, word in enumerate(words):
        if word.upper() == "BIND" and any(w in names for w in _parenthesised(words, i + 1)):
            raise _misuse(path, text, body[i], parameter, "is used in a BIND, where pyoxigraph does not bind it")
    if form == "SELECT":
        projected = _projection(words, top)
        if projected is not None and parameter.name not in projected:
            raise QueryFileError(
                path, line, f"parameter {parameter.name!r}: name ?{parameter.name} in the SELECT clause, so it binds"
            )


def _misuse(path: Path, text: str, token: re.Match, parameter: Parameter, what: str) -> QueryFileError:
    return QueryFileError(path, _line(text, token.start()), f"?{parameter.name} (a parameter) {what}")


def _parenthesised(words: list[str], start: int) -> list[str]:
    """The words inside the parentheses that open at ``start``."""
    if start >= len(words) or words[start] != "(":
        return []
    depth, inside = 0, []
    for word in words[start:]:
        depth += word == "("
        depth -= word == ")"
        if depth == 0:
            break
        inside.append(word)
    return inside


def _projection(words: list[str], top: list[tuple[int, str]]) -> set[str] | None:
    """The variables a SELECT projects (``None`` for ``SELECT *``)."""
    start = next(i for i, word in top if word == "SELECT")
    projected: set[str] = set()
    depth = 0
    for index in range(start + 1, len(words)):
        word = words[index]
        if word == "{" or (depth == 0 and word.upper() in ("WHERE", "FROM")):
            break
        if word == "*" and depth == 0:
            return None
        depth += word == "("
        depth -= word == ")"
        if word[0] in "?$" and (depth == 0 or words[index - 1].upper() == "AS"):
            projected.add(word[1:])
    return projected


def _check_pagination(path, text, body, top, form, header: _Header, parse) -> None:
    line = _header_key_line(text, "pagination")
    if form != "SELECT":
        raise QueryFileError(path, line, f"only SELECT queries are paginated; this is a {form}")
    top_words = [word for _, word in top]
    for word in ("LIMIT", "OFFSET", "VALUES"):
        if word in top_words:
            index = next(i for i, w in top if w == word)
            raise QueryFileError(
                path, _line(text, body[index].start()), f"a paginated query may not end with {word}: the page adds it"
            )
    if not any(a == "ORDER" and b == "BY" for a, b in itertools.pairwise(top_words)):
        raise QueryFileError(path, line, "a paginated query needs ORDER BY (a total order), so pages are stable")
    if parse is not None:
        _parse(path, f"{text.rstrip()}\nLIMIT 1 OFFSET 0\n", parse)


def _header_key_line(text: str, key: str) -> int:
    lines, _ = header_lines(text)
    return next((ln.number for ln in lines if ln.indent == 0 and ln.content.startswith(f"{key}:")), 1)


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _line_of(text: str, body: list, words: list[str], word: str) -> int:
    index = next((i for i, w in enumerate(words) if w.upper() == word), None)
    return _line(text, body[index].start()) if index is not None else 1
