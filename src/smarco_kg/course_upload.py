"""The web editor's spreadsheet upload: a partner's catalogue sheet checked (a dry run's report, cell by cell) and
then imported, through the spreadsheet import (``catalogue.course_import``, behind ``POST /api/courses/import``).

``check`` is the one call the upload page makes; it answers the same report whether the import found problems in
a dry run or refused the rows of a real one. ``available`` says whether the import is installed at all: the page
says so, rather than offering an upload that cannot work.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from smarco_kg.errors import SmarcoError
from smarco_kg.ownership import Owner
from smarco_kg.web.course_form import readable

IMPORT_MODULE = "smarco_kg.catalogue.course_import"


@dataclass(frozen=True)
class Cell:
    """One problem: where (sheet, row, column), the value found there, and what is wrong with it."""

    sheet: str
    row: int | None
    column: str
    value: str
    message: str


@dataclass
class UploadReport:
    """What a check or an import found: the rows' actions counted (create, update, unchanged) and the problems."""

    actions: Counter[str] = field(default_factory=Counter)
    problems: list[Cell] = field(default_factory=list)
    written: bool = False

    @property
    def ready(self) -> bool:
        """Nothing wrong and something to do: the sheet may be imported."""
        return not self.problems and (self.actions["create"] + self.actions["update"]) > 0


def available() -> bool:
    return importlib.util.find_spec(IMPORT_MODULE) is not None


def check(kg: Any, data: bytes, filename: str, partner: str, owner: Owner | None, *, dry_run: bool) -> UploadReport:
    """Import ``data`` into ``partner``'s graph (``dry_run``: only check it); the report either way."""
    module = importlib.import_module(IMPORT_MODULE)
    try:
        found = module.import_courses(kg, data, partner=partner, owner=owner, filename=filename, dry_run=dry_run)
    except SmarcoError as refused:  # rows refused in a real import, or a file that is no catalogue sheet
        problems = [_cell(error) for error in refused.errors if isinstance(error, dict) and "sheet" in error]
        if not problems:
            problems = [Cell("", None, "", "", str(refused.detail or refused.title))]
        return UploadReport(problems=problems)
    report = found.as_json()
    actions = Counter(str(row.get("action", "")) for row in report.get("rows", []))
    problems = [_cell(error) for error in report.get("problems", [])]
    return UploadReport(actions, problems, bool(report.get("written")))


def _cell(error: dict[str, Any]) -> Cell:
    says = [readable(str(error.get(key))) for key in ("problem", "message") if error.get(key)]
    candidates = error.get("candidates") or []
    if candidates:
        more = f" (+{len(candidates) - 12})" if len(candidates) > 12 else ""
        says.append(" / ".join(str(c) for c in candidates[:12]) + more)
    value = error.get("value")
    row = error.get("row")
    return Cell(
        str(error.get("sheet", "")),
        row if isinstance(row, int) else None,
        str(error.get("column", "")),
        "" if value is None else str(value),
        " — ".join(says),
    )


__all__ = ["IMPORT_MODULE", "Cell", "UploadReport", "available", "check"]
