"""A dashboard table as CSV or XLSX, written like the catalogue's other spreadsheets (``catalogue.sheets``: UTF-8
with a byte-order mark, ``;`` between fields and decimal commas; numbers as numbers in XLSX), with the page's
headings and values."""

from __future__ import annotations

from dataclasses import dataclass

from smarco_kg.catalogue.sheets import CSV, XLSX, Sheet, write

FORMATS = {"csv": f"{CSV}; charset=utf-8", "xlsx": XLSX}


@dataclass(frozen=True)
class Table:
    name: str  # in the address: /dashboard/{name}.csv
    title: str
    headings: list[str]
    rows: list[list[str | int | float]]
    numeric: tuple[bool, ...] = ()  # which columns hold numbers (right-aligned on the page)


def to_csv(table: Table) -> bytes:
    return write([_sheet(table)], "csv")


def to_xlsx(table: Table) -> bytes:
    return write([_sheet(table)], "xlsx")


def _sheet(table: Table) -> Sheet:
    return Sheet(table.name[:31], list(table.headings), [list(row) for row in table.rows])  # 31: Excel's limit
