"""A dashboard table as CSV (UTF-8 with a byte-order mark, which spreadsheet programs need to read it as UTF-8)
or XLSX (openpyxl): the same headings and values as the page, numbers as numbers."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Table:
    name: str  # in the address: /dashboard/{name}.csv
    title: str
    headings: list[str]
    rows: list[list[str | int | float]]
    numeric: tuple[bool, ...] = ()  # which columns hold numbers (right-aligned on the page)


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headings)
    writer.writerows(table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = table.name[:31]  # Excel's limit on a sheet's name
    sheet.append(table.headings)
    for row in table.rows:
        sheet.append(row)
    for i, heading in enumerate(table.headings, start=1):
        widest = max([len(str(heading))] + [len(str(r[i - 1])) for r in table.rows])
        sheet.column_dimensions[get_column_letter(i)].width = min(60, widest + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
