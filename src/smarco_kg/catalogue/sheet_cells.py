"""How a spreadsheet cell reads as a value of the write, and how a value is written in a cell.

The sheet's own forms are made the write's here: a drop-down label (the IRI it stands for), a number with a
decimal comma, a workload in hours (the canonical ``xsd:dayTimeDuration`` the stores keep, so that a workload read
back from an export is the very literal stored), true or false. Anything else is passed on as written, for the
plain-value resolver.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import URIRef

from smarco_kg.catalogue.sheet_layout import SEPARATOR, Choices, Column, Layout, choices
from smarco_kg.catalogue.sheets import Cell
from smarco_kg.store import GraphStore

HOURS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:h|hrs?|hours?)?\s*$", re.IGNORECASE)
DAY_TIME = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
NUMBER = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*$")


@dataclass
class Lists:
    """The drop-down of each column with a code list, read once per import or template."""

    layout: Layout
    store: GraphStore
    base_iri: str
    generation: int | None = None
    _found: dict[str, Choices] = field(default_factory=dict)

    def of(self, column: Column) -> Choices | None:
        if column.code_list is None:
            return None
        key = column.header
        if key not in self._found:
            self._found[key] = choices(self.store, self.base_iri, column.code_list, self.generation)
        return self._found[key]


def texts(value: Cell, many: bool) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    parts = text.split(SEPARATOR) if many else [text]
    return [p.strip() for p in parts if p.strip()]


def duration_of_hours(hours: Decimal) -> str:
    """Hours as the canonical xsd:dayTimeDuration the stores keep (40 -> ``P1DT16H``), so that a workload read
    back from an export is the very literal stored."""
    seconds = hours * 3600
    days, rest = divmod(seconds, 86400)
    whole_hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(
        f"{format(n.normalize(), 'f')}{unit}" for n, unit in ((whole_hours, "H"), (minutes, "M"), (seconds, "S")) if n
    )
    text = "P" + (f"{int(days)}D" if days else "") + (f"T{time}" if time else "")
    return text if text != "P" else "PT0S"


def hours_of_duration(text: str) -> Decimal | None:
    """The hours of a day-time duration (``P1DT16H`` -> 40); None for any other text (months, years)."""
    found = DAY_TIME.match(text)
    if found is None or text in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (Decimal(g) if g else Decimal(0) for g in found.groups())
    total = days * 24 + hours + minutes / 60 + seconds / 3600
    return Decimal(int(total)) if total == total.to_integral_value() else total.normalize()


class CellError(ValueError):
    pass


def cell_value(column: Column, raw: Cell, lists: Lists) -> Any:
    """A cell as the JSON value of its key: the sheet's own forms (a drop-down label, a number with a decimal
    comma, hours) made the write's; anything else left to the plain-value resolver."""
    term = column.term
    assert term is not None
    values = texts(raw, column.many)
    if not values:
        return None
    kind = column.kind
    out: list[Any] = []
    listed = lists.of(column)
    for text in values:
        if kind == "iri" and listed is not None and text in listed.iris:
            out.append(str(listed.iris[text]))
        elif kind == "number" or (kind == "text" and numeric_text(column)):
            if not NUMBER.match(text):
                raise CellError(f"{text!r} is not a number (such as 3 or 1,5)")
            try:
                number = Decimal(text.replace(",", ".").strip())
            except InvalidOperation as error:
                raise CellError(f"{text!r} is not a number (such as 3 or 1,5)") from error
            if kind == "number":
                out.append(int(number) if number == number.to_integral_value() else float(number))
            else:
                out.append(format(number.normalize(), "f"))
        elif kind == "duration":
            hours = HOURS.match(text)
            out.append(duration_of_hours(Decimal(hours[1].replace(",", "."))) if hours else text)
        elif kind == "boolean":
            lowered = text.lower()
            if lowered in ("true", "yes", "1", "y"):
                out.append(True)
            elif lowered in ("false", "no", "0", "n"):
                out.append(False)
            else:
                raise CellError(f"{text!r} is neither true nor false")
        else:
            out.append(text)
    return out if column.many else out[0]


def numeric_text(column: Column) -> bool:
    """A text key whose shape asks for digits (credit points: ``"4"`` or ``"1.5"``)."""
    return column.header.endswith(".point")


def plain(value: Any, column: Column, lists: Lists) -> Cell:
    """A value of the write as people read it: labels of code lists, numbers, hours."""
    if value is None:
        return None
    values = value if isinstance(value, list) else [value]
    listed = lists.of(column)
    shown: list[str] = []
    for item in values:
        if isinstance(item, dict):
            item = item.get("id", item.get("@value"))
        if item is None:
            continue
        if listed is not None and URIRef(str(item)) in listed.by_iri:
            shown.append(listed.by_iri[URIRef(str(item))])
        elif column.kind == "duration" and hours_of_duration(str(item)) is not None:
            shown.append(f"{format(hours_of_duration(str(item)), 'f')} hours")
        elif isinstance(item, bool | int | float) and len(values) == 1:
            return item
        elif numeric_text(column) and len(values) == 1:
            number = Decimal(str(item))
            return int(number) if number == number.to_integral_value() else float(number)
        else:
            shown.append(str(item))
    return f"{SEPARATOR} ".join(shown) if shown else None
