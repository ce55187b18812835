"""Course rows and JSON documents, both ways: a course row with its outcome rows becomes the document a provider
could POST (in the write's keys, values as the cells give them), remembering which cell each value came from; a
course's compact JSON-LD becomes a row of the template again (for exports, and to tell an unchanged row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import URIRef

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.jsonld import compact
from smarco_kg.catalogue.read import describe, etag
from smarco_kg.catalogue.sheet_cells import CellError, Lists, cell_value, plain, texts
from smarco_kg.catalogue.sheet_layout import (
    COURSE,
    COURSES,
    ID,
    OUTCOME_KEY,
    OUTCOMES,
    SPECIFICATION_KEY,
    VERSION,
    Column,
    Layout,
)
from smarco_kg.catalogue.sheets import Cell, Sheet
from smarco_kg.errors import Unprocessable
from smarco_kg.namespaces import ELM

if TYPE_CHECKING:
    from smarco_kg.kg import KnowledgeGraph


@dataclass(frozen=True)
class CellProblem:
    """What is wrong with one cell (or a row, when ``column`` is empty)."""

    sheet: str
    row: int
    column: str
    value: Any
    problem: str
    message: str = ""  # the shape's message, when a shape found it
    candidates: list[str] = field(default_factory=list)

    def as_error(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "problem": self.problem,
        }
        if self.message:
            found["message"] = self.message
        if self.candidates:
            found["candidates"] = self.candidates
        return found


class BadColumns(Unprocessable):
    """The sheet's headers are not the template's: unknown ones, or required ones missing."""

    kind = "sheet-columns"
    title = "the spreadsheet's columns are not the template's"


@dataclass
class Located:
    """A document of one course row, and where each of its values came from."""

    document: dict[str, Any]
    row: int
    iri: URIRef | None
    version: str
    cells: dict[str, tuple[str, int, str, Any]] = field(default_factory=dict)  # pointer -> (sheet, row, column, value)
    outcome_rows: list[tuple[int, dict[str, Cell]]] = field(default_factory=list)
    record: dict[str, Cell] = field(default_factory=dict)  # the course row's cells, by header

    def locate(self, pointer: str) -> tuple[str, int, str, Any]:
        """The cell a JSON pointer falls in: the longest pointer known that starts it; else the row."""
        parts = pointer.rstrip("/").split("/")
        inside = [where for known, where in self.cells.items() if known.startswith(pointer.rstrip("/") + "/")]
        last = parts[-1] if parts else ""
        if last and inside and inside[0][2].startswith(f"{last}."):  # a nested object (credit points): a key's cell
            return inside[0]
        while parts:
            found = self.cells.get("/".join(parts))
            if found is not None:
                return found
            parts.pop()
        return (COURSES, self.row, "", None)


def _set(document: dict[str, Any], path: Sequence[str], value: Any) -> None:
    node = document
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


class Rows:
    """Course and outcome rows read into documents, with what is wrong with their cells."""

    def __init__(self, layout: Layout, lists: Lists, base_iri: str) -> None:
        self.layout = layout
        self.lists = lists
        self.base_iri = base_iri
        self.problems: list[CellProblem] = []

    def check_columns(self, sheets: list[Sheet]) -> tuple[Sheet, Sheet | None]:
        by_name = {s.name: s for s in sheets}
        courses = by_name.get(COURSES) or (sheets[0] if sheets and sheets[0].name not in (OUTCOMES,) else None)
        if courses is None:
            raise BadColumns(f"no sheet {COURSES!r}: use the template (GET /api/courses/template.xlsx)")
        outcomes = by_name.get(OUTCOMES)
        errors: list[dict[str, Any]] = []
        for sheet, name in ((courses, COURSES), (outcomes, OUTCOMES)):
            if sheet is None:
                continue
            unknown = [h for h in sheet.headers if h and self.layout.column(name, h) is None]
            if unknown:
                errors.append({"sheet": name, "unknown": unknown})
        missing = [h for h in ("title@en",) if h not in courses.headers and not any("@" in x for x in courses.headers)]
        if missing:
            errors.append({"sheet": COURSES, "missing": missing})
        if errors:
            parts = [
                f"{e['sheet']}: "
                + ("unknown column(s) " + ", ".join(e["unknown"]) if "unknown" in e else "")
                + ("missing column(s) " + ", ".join(e.get("missing", [])) if "missing" in e else "")
                for e in errors
            ]
            raise BadColumns("; ".join(parts), errors=errors)
        return courses, outcomes

    def documents(self, courses: Sheet, outcomes: Sheet | None, entry: ClassEntry) -> list[Located]:
        located: list[Located] = []
        by_key: dict[str, Located] = {}
        for number, record in courses.records():
            found = self._course(number, record, entry)
            located.append(found)
            for key in (record.get(ID), record.get("title@en")):
                for text in texts(key, False):
                    by_key.setdefault(text, found)
                    if found.iri is not None:
                        by_key.setdefault(str(found.iri), found)
        for number, record in outcomes.records() if outcomes is not None else []:
            key = next(iter(texts(record.get(COURSE), False)), "")
            target = by_key.get(key) or by_key.get(str(entry.namespace(self.base_iri)) + key)
            if target is None:
                self.problems.append(
                    CellProblem(OUTCOMES, number, COURSE, record.get(COURSE), "names no course of the courses sheet")
                )
                continue
            target.outcome_rows.append((number, record))
        for course in located:
            self._outcomes(course)
        return located

    def _course(self, number: int, record: dict[str, Cell], entry: ClassEntry) -> Located:
        document: dict[str, Any] = {"type": self.layout.vocabulary.key_of_class(entry.classes[0])}
        given = next(iter(texts(record.get(ID), False)), "")
        iri: URIRef | None = None
        if given:
            local = given.removeprefix(entry.namespace(self.base_iri))
            iri = entry.iri(self.base_iri, local)
            if iri is None:
                self.problems.append(CellProblem(COURSES, number, ID, given, "is no course id"))
        version = next(iter(texts(record.get(VERSION), False)), "").strip('"').split("-", 1)[0]
        found = Located(document, number, iri, version, record=record)
        if iri is not None:
            document["id"] = str(iri)
            document[SPECIFICATION_KEY] = {"id": f"{iri}/specification"}
        self._cells(found, COURSES, number, record, document)
        spec = document.setdefault(SPECIFICATION_KEY, {})
        spec.setdefault("type", "LearningAchievementSpecification")
        for term in self.layout.copied:  # a language map: its first language (a specification needs one title)
            value = document.get(term.key)
            if isinstance(value, dict) and value:
                lang = "en" if "en" in value else sorted(value)[0]
                spec[term.key] = {lang: value[lang]}
            elif value is not None:
                spec[term.key] = value
        return found

    def _cells(self, found: Located, sheet: str, number: int, record: dict[str, Cell], target: dict) -> str:
        prefix = ""
        for header, raw in record.items():
            column = self.layout.column(sheet, header)
            if column is None or column.term is None:
                continue
            try:
                value = cell_value(column, raw, self.lists)
            except CellError as error:
                self.problems.append(CellProblem(sheet, number, header, raw, str(error)))
                continue
            if value is None:
                continue
            pointer = "/" + "/".join(column.path)
            if column.lang:
                _set(target, (*column.path, column.lang), value)
                pointer += f"/{column.lang}"
            elif column.nested_type:
                _set(target, (*column.path[:-1], "type"), column.nested_type)
                _set(target, column.path, value)
            else:
                _set(target, column.path, value)
            found.cells[prefix + pointer] = (sheet, number, header, raw)
        return prefix

    def _outcomes(self, found: Located) -> None:
        if not found.outcome_rows:
            return
        spec = found.document[SPECIFICATION_KEY]
        listed = spec.setdefault(OUTCOME_KEY, [])
        for index, (number, record) in enumerate(found.outcome_rows):
            outcome: dict[str, Any] = {"type": "LearningOutcome"}
            given = next(iter(texts(record.get(ID), False)), "")
            if given and found.iri is not None:
                outcome["id"] = f"{found.iri}/outcome/{given.rsplit('/', 1)[-1]}"
            local = Located(outcome, number, None, "")
            self._cells(local, OUTCOMES, number, record, outcome)
            base = f"/{SPECIFICATION_KEY}/{OUTCOME_KEY}/{index}"
            found.cells[base] = (OUTCOMES, number, "", None)
            for pointer, where in local.cells.items():
                found.cells[base + pointer] = where
            listed.append(outcome)


# -- courses -> rows ------------------------------------------------------------------------------------------


def sheets_for(
    layout: Layout, lists: Lists, documents: Sequence[tuple[dict[str, Any], str]], *, notes: bool = True
) -> list[Sheet]:
    """The two sheets for ``documents`` (compact JSON-LD of courses, each with its version), with the columns'
    notes and drop-downs."""
    languages = sorted(
        {lang for document, _ in documents for lang in (document.get("title") or {}) if lang != "en"}
        | {lang for document, _ in documents for lang in (document.get("description") or {}) if lang != "en"}
    )
    course_columns = list(layout.course_columns)
    for lang in languages:
        for key in ("title", "description"):
            found = layout.column(COURSES, f"{key}@{lang}")
            if found is not None:
                course_columns.append(found)
    outcome_columns = list(layout.outcome_columns)
    courses = Sheet(COURSES, [c.header for c in course_columns])
    outcomes = Sheet(OUTCOMES, [c.header for c in outcome_columns])
    for sheet, columns in ((courses, course_columns), (outcomes, outcome_columns)):
        for column in columns:
            sheet.notes[column.header] = column.note
            listed = lists.of(column)
            if listed is not None:
                sheet.lists[column.header] = (listed.labels, listed.strict)
    for document, version in documents:
        iri = str(document.get("id", ""))
        key = iri.removeprefix(layout.entry.namespace(lists.base_iri)) if iri else ""
        courses.rows.append([_cell_of(document, c, lists, key, version) for c in course_columns])
        spec = document.get(SPECIFICATION_KEY) or {}
        for outcome in spec.get(OUTCOME_KEY, []) if isinstance(spec, dict) else []:
            course_key = key or (document.get("title") or {}).get("en", "")
            outcomes.rows.append([_outcome_cell(outcome, c, lists, course_key, bool(key)) for c in outcome_columns])
    return [courses, outcomes]


def _lookup(document: dict[str, Any], path: Sequence[str]) -> Any:
    node: Any = document
    for key in path:
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _cell_of(document: dict[str, Any], column: Column, lists: Lists, key: str, version: str) -> Cell:
    if column.header == ID:
        return key or None
    if column.header == VERSION:
        return version or None
    if column.lang:
        by_language = _lookup(document, column.path) or {}
        value = by_language.get(column.lang) if isinstance(by_language, dict) else None
        return value[0] if isinstance(value, list) else value
    return plain(_lookup(document, column.path), column, lists)


def _outcome_cell(outcome: dict[str, Any], column: Column, lists: Lists, course: str, with_ids: bool) -> Cell:
    if column.header == COURSE:
        return course
    if column.header == ID:
        return str(outcome.get("id", "")).rsplit("/", 1)[-1] if with_ids and outcome.get("id") else None
    return _cell_of(outcome, column, lists, "", "")


def course_documents(kg: KnowledgeGraph, layout: Layout, iris: Sequence[URIRef]) -> list[tuple[dict[str, Any], str]]:
    """Each course's compact JSON-LD document (without labels of what it links to) and its version."""
    found = []
    for iri in iris:
        described = describe(kg.store, layout.entry, iri)
        if described is None:
            continue
        found.append((compact(described, iri, layout.vocabulary, ""), etag(described)))
    return found


def provider_courses(kg: KnowledgeGraph, layout: Layout, provider: URIRef) -> list[URIRef]:
    classes = " ".join(f"<{c}>" for c in layout.entry.classes)
    query = f"SELECT DISTINCT ?c WHERE {{ VALUES ?t {{ {classes} }} ?c a ?t ; <{ELM.providedBy}> ?p }} ORDER BY ?c"
    rows = kg.store.query(query, bindings={"p": provider}, union_default_graph=True).rows()
    return [URIRef(str(row["c"])) for row in rows]
