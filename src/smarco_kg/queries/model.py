"""A named query and its typed parameters, which turn request values into RDF terms and never into query text."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from smarco_kg.catalogue.filters import NAMED_VALUES, BadValue, Lookup, Value
from smarco_kg.errors import BadParameter, SmarcoError
from smarco_kg.langtag import LANGUAGE_TAG

MAX_LIMIT = 1000
"""The largest page a client may ask for with ``limit=``; more is a 422, never a silent clamp."""

RESERVED = ("limit", "offset", "format", "lang")
"""Request parameters of every named query, so no query parameter may take these names."""

CONCEPT_TYPES = ("skill", "occupation", "language", "country", "organisation", "aim", "credential")
"""Types whose values name a concept as the collections' filters do: by IRI, id, code or label in any language."""
LABEL_TYPES = {"skill-label": "skill"}
"""Types whose values are a concept's label as the store holds it, found in any language (or ``lang``), case and
accents aside: bound as the stored language-tagged literal."""
TYPES = ("iri", "string", "langstring", "integer", "decimal", "date", "enum", *CONCEPT_TYPES, *LABEL_TYPES)
MAX_VALUE_LENGTH = 2000
MAX_INTEGER = 2**63 - 1
"""Integers are 64-bit: Virtuoso refuses a query holding a larger one (error SR341, measured); pyoxigraph's are too."""
MAX_DIGITS = 40
"""Digits a decimal may have: Virtuoso refuses a query with 41 before the point (error SR127, measured)."""

_SHOWN = 120  # characters of a refused value that its error repeats
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|\\^`]*")
# Characters XML 1.0 cannot carry (so neither can SPARQL XML results); Virtuoso also cuts a query at U+0000.
_CONTROL_CHARACTERS = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff"
_CONTROL = re.compile(f"[{_CONTROL_CHARACTERS}]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class QueryFileError(SmarcoError):
    """A named-query file that cannot be served; the message starts with ``file:line:``."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.args = (path, line, message)  # so that it pickles
        self.path, self.line, self.message = Path(path), line, message

    def __str__(self) -> str:
        return self.detail


class ParameterError(BadParameter, ValueError):
    """A request value that does not fit its parameter (HTTP 422): names the parameter, quotes the value (a long
    one cut short; ``None`` when none was given) and says why."""

    def __init__(self, parameter: str, value: object, message: str) -> None:
        if isinstance(value, str) and len(value) > _SHOWN:
            value = value[:_SHOWN] + "…"
        super().__init__(parameter, value, message)
        if value is None:
            self.detail = f"{parameter}: {message}"

    def __str__(self) -> str:
        return self.detail


Resolve = Callable[["Parameter", str], Node]
"""Finds the term a concept-naming parameter's value stands for, in the store (the caller's)."""


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

    @property
    def value(self) -> Value | None:
        """How a concept-naming parameter's text is read (the filters' reading); None for other types."""
        return NAMED_VALUES.get(LABEL_TYPES.get(self.type, self.type)) if self.names_concept else None

    @property
    def names_concept(self) -> bool:
        return self.type in CONCEPT_TYPES or self.type in LABEL_TYPES

    def convert(self, value: str, resolve: Resolve | None = None) -> Node:
        """The RDF term for a request value; ``ParameterError`` when it does not fit the type or a store would
        refuse it (so that a bad value is the client's 422, never the store's failure). A value naming a concept
        is found by ``resolve``; without it, only an IRI or code is bound (what a header's example is checked by)."""
        if len(value) > MAX_VALUE_LENGTH:
            raise self.error(value, f"longer than {MAX_VALUE_LENGTH} characters")
        if _CONTROL.search(value):
            raise self.error(value, "holds a control character (only tab and line breaks may appear)")
        if self.names_concept:
            return resolve(self, value) if resolve is not None else self.spelled(value)
        if self.type == "iri":
            if not _IRI.fullmatch(value):
                raise self.error(value, "not an absolute IRI (like http://data.europa.eu/esco/skill/…)")
            try:
                ox.NamedNode(value)
            except ValueError as error:
                raise self.error(value, f"not a valid IRI: {error}") from None
            return URIRef(value)
        if self.type == "string":
            return Literal(value)
        if self.type == "langstring":
            text, at, tag = value.rpartition("@")
            if not at:
                raise self.error(value, "not a language-tagged string like 'text@en'")
            if not text:
                raise self.error(value, "no text before the '@' (a language-tagged string is like 'text@en')")
            try:
                if not LANGUAGE_TAG.fullmatch(tag):
                    raise ValueError(tag)
                ox.Literal(text, language=tag)
            except ValueError:
                raise self.error(value, f"{tag!r} is not a language tag (BCP 47, like en or pt-BR)") from None
            return Literal(text, lang=tag.lower())
        if self.type == "integer":
            if not _INTEGER.fullmatch(value):
                raise self.error(value, "not an integer")
            number = int(value)
            if not -MAX_INTEGER - 1 <= number <= MAX_INTEGER:
                raise self.error(value, f"out of range: an integer here is at most {MAX_INTEGER} (64 bits)")
            return Literal(str(number), datatype=XSD.integer)
        if self.type == "decimal":
            if not _DECIMAL.fullmatch(value):
                raise self.error(value, "not a decimal number like 2.5")
            if sum(c.isdigit() for c in value) > MAX_DIGITS or len(value) > MAX_DIGITS + 1:
                raise self.error(value, f"more than {MAX_DIGITS} digits, or {MAX_DIGITS + 1} characters")
            return Literal(str(Decimal(value)), datatype=XSD.decimal)
        if self.type == "date":
            try:
                if not _DATE.fullmatch(value):
                    raise ValueError
                date.fromisoformat(value)
            except ValueError:
                raise self.error(value, "not a date like 2024-01-31") from None
            return Literal(value, datatype=XSD.date)
        if self.type == "enum":
            if value not in self.enum:
                raise self.error(value, f"not one of {', '.join(self.enum)}")
            return Literal(value)
        raise AssertionError(self.type)

    def error(self, value: object, message: str) -> ParameterError:
        return ParameterError(self.name, value, message)

    def read(self, value: str, base_iri: str = "") -> Node | Lookup:
        """A concept-naming value as the filters read it: the term it spells, or what to look up."""
        reading = self.value
        assert reading is not None, self.type
        try:
            return reading.parse(value, base_iri)
        except BadValue as error:
            raise self.error(value, str(error) or reading.hint) from None

    def spelled(self, value: str) -> Node:
        """The term a concept-naming value spells without a look-up (an IRI, a code); a label or language-tagged
        text stands for itself."""
        if self.type in LABEL_TYPES:
            text, _, tag = value.rpartition("@")
            return Literal(text, lang=tag) if text and LANGUAGE_TAG.fullmatch(tag) else Literal(value)
        read = self.read(value)
        if isinstance(read, Lookup):
            return read.iri if read.iri is not None else Literal(read.text)
        return read

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the parameter's values, for OpenAPI."""
        # What ``convert`` asks of the text, as patterns: no control character, an IRI's characters, a decimal
        # written without an exponent (so a string: a JSON number may come as 1e+16).
        text = f"[^{_CONTROL_CHARACTERS}]"
        schemas: dict[str, dict[str, Any]] = {
            "iri": {"type": "string", "format": "iri", "pattern": f"^{_IRI.pattern}$", "maxLength": MAX_VALUE_LENGTH},
            "string": {"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": f"^{text}*$"},
            "langstring": {
                "type": "string",
                "maxLength": MAX_VALUE_LENGTH,
                "pattern": f"^{text}+@{LANGUAGE_TAG.pattern[1:-1]}$",
            },
            "integer": {"type": "integer", "minimum": -MAX_INTEGER - 1, "maximum": MAX_INTEGER},
            "decimal": {  # at most MAX_DIGITS digits: a point and a sign besides, or the digits alone
                "type": "string",
                "pattern": rf"^[+-]?([0-9]{{1,{MAX_DIGITS}}}|[0-9]+\.[0-9]*|\.[0-9]+)$",
                "maxLength": MAX_DIGITS + 1,
            },
            "date": {"type": "string", "format": "date"},
            "enum": {"type": "string", "enum": list(self.enum)},
        }
        if self.names_concept:
            named = f"^{text}*[^\\s{_CONTROL_CHARACTERS}]{text}*$"  # something besides spaces
            schemas[self.type] = {"type": "string", "maxLength": MAX_VALUE_LENGTH, "pattern": named}
        schema = dict(schemas[self.type])
        if self.default is not None:
            schema["default"] = self.default if self.type == "decimal" else self.json_value(self.default)
        return schema

    def json_value(self, value: str) -> str | int | float:
        """``value`` as the JSON type of the parameter (for OpenAPI's defaults and examples)."""
        if self.type == "integer":
            return int(value)
        if self.type == "decimal":
            return float(value)
        return value

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"name": self.name, "type": self.type, "required": self.required}
        if self.description:
            described["description"] = self.description
        if self.enum:
            described["enum"] = list(self.enum)
        if self.default is not None:
            described["default"] = self.default
        if self.example is not None:
            described["example"] = self.example
        return described


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

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def bindings(self, given: Mapping[str, Sequence[str]], resolve: Resolve | None = None) -> dict[str, Node]:
        """The RDF terms for the request's values by variable name: defaults filled in, absent optional
        parameters left out (their variables stay unbound); ``ParameterError`` for a bad or unknown one. Values
        naming concepts are found by ``resolve`` (see ``Parameter.convert``)."""
        accepted = [p.name for p in self.parameters] + list(RESERVED if self.pagination else ("format", "lang"))
        for name, values in given.items():
            if name in RESERVED:
                continue
            if self.parameter(name) is None:
                shown = values[0] if len(values) == 1 else list(values)
                raise ParameterError(name, shown, f"unknown parameter; {self.name} takes {', '.join(accepted)}")
            if len(values) > 1:
                raise ParameterError(name, list(values), f"given {len(values)} times; give it once")
        bound: dict[str, Node] = {}
        for parameter in self.parameters:
            values = given.get(parameter.name) or []
            value = values[0] if values else parameter.default
            if value is None:
                if parameter.required:
                    raise ParameterError(parameter.name, None, "required")
                continue
            bound[parameter.name] = parameter.convert(value, resolve)
        return bound

    def page(self, limit: int, offset: int) -> str:
        """The query with ``LIMIT`` and ``OFFSET`` appended to its own ``ORDER BY`` (numbers, never text)."""
        if not self.pagination:
            raise ValueError(f"{self.name} is not paginated")
        return f"{self.text.rstrip()}\nLIMIT {int(limit)} OFFSET {int(offset)}\n"

    def describe(self) -> dict[str, Any]:
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
