"""Courses from spreadsheet rows and back: rows -> JSON documents -> plain-value resolution -> one validated commit.

Each course row (with its outcome rows) becomes the JSON document a provider could POST, in the write's keys;
``Resolver.resolve`` turns its plain values into the shapes' values, the JSON-LD reader into a graph. All the rows
go in one commit through the knowledge graph (all or nothing); a dry run validates without writing. Whatever is
wrong is reported per sheet, row and column, with the value and the shape's message. A row with an id replaces
that course, guarded by its version (the ETag it had: If-Match semantics); a row that would change nothing is
left alone, so that importing an export again changes nothing.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.jsonld import compact
from smarco_kg.catalogue.plain_values import PlainValueError, Resolver
from smarco_kg.catalogue.read import describe, etag
from smarco_kg.catalogue.sheet_layout import (
    COURSE,
    COURSES,
    ID,
    OUTCOME_KEY,
    OUTCOMES,
    SEPARATOR,
    SPECIFICATION_KEY,
    VERSION,
    Choices,
    Column,
    Layout,
    choices,
)
from smarco_kg.catalogue.sheets import Cell, NotASpreadsheet, Sheet, kind_of
from smarco_kg.catalogue.sheets import read as read_sheets
from smarco_kg.catalogue.sheets import write as write_sheets
from smarco_kg.catalogue.write import (
    JSONLD,
    PLACEHOLDER,
    main_node,
    mint,
    owned_part,
    owned_subjects,
    read_body,
    rename,
    title_of,
)
from smarco_kg.errors import SmarcoError, Unprocessable
from smarco_kg.formats import rdf_syntax
from smarco_kg.namespaces import ELM
from smarco_kg.ownership import Owner
from smarco_kg.write_path import WriteRejected

_HOURS = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:h|hrs?|hours?)?\s*$", re.IGNORECASE)
_DAY_TIME = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_NUMBER = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*$")


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


class SheetRejected(Unprocessable):
    """Rows of the sheet are wrong; nothing was written. ``errors`` name each sheet, row, column and value."""

    kind = "sheet-rows"
    title = "rows of the spreadsheet are wrong; nothing was written"

    def __init__(self, problems: list[CellProblem]) -> None:
        first = problems[0]
        where = f"{first.sheet} row {first.row}" + (f", column {first.column}" if first.column else "")
        super().__init__(
            f"{len(problems)} problem(s); {where}: {first.problem}", errors=[p.as_error() for p in problems]
        )
        self.problems = problems


class BadColumns(Unprocessable):
    """The sheet's headers are not the template's: unknown ones, or required ones missing."""

    kind = "sheet-columns"
    title = "the spreadsheet's columns are not the template's"


@dataclass
class RowResult:
    sheet: str
    row: int
    action: str  # create, update, unchanged, refused
    course: str = ""  # the course's IRI (a new one's once written)
    suggestions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowResult]
    problems: list[CellProblem]
    dry_run: bool
    written: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "dryRun": self.dry_run,
            "written": self.written,
            "rows": [
                {
                    "sheet": r.sheet,
                    "row": r.row,
                    "action": r.action,
                    **({"course": r.course} if r.course else {}),
                    **({"suggestions": r.suggestions} if r.suggestions else {}),
                }
                for r in self.rows
            ],
            "problems": [p.as_error() for p in self.problems],
        }


def suggest_skills(store: Any, text: str, lang: str = "en", limit: int = 5) -> list[dict[str, Any]]:
    """ESCO skills an outcome that names none could have, to show the provider (never stored): the skill
    extractor's matches (``smarco_kg.skill_extraction.SkillExtractor``, built from the ESCO in ``store``) where
    the service has one; none until then."""
    try:
        module = importlib.import_module("smarco_kg.skill_extraction")
    except ModuleNotFoundError:
        return []
    extractor = module.SkillExtractor(store)
    return [
        {"skill": m.skill, "label": m.label, "score": m.score, "matched": m.matched}
        for m in extractor.extract(text, lang=lang, limit=limit)
    ]


# -- the code lists of the columns ----------------------------------------------------------------------------


@dataclass
class Lists:
    """The drop-down of each column with a code list, read once per import or template."""

    layout: Layout
    store: Any
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


# -- rows -> documents ----------------------------------------------------------------------------------------


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


def _texts(value: Cell, many: bool) -> list[str]:
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
    found = _DAY_TIME.match(text)
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
    values = _texts(raw, column.many)
    if not values:
        return None
    kind = column.kind
    out: list[Any] = []
    listed = lists.of(column)
    for text in values:
        if kind == "iri" and listed is not None and text in listed.iris:
            out.append(str(listed.iris[text]))
        elif kind == "number" or (kind == "text" and _numeric_text(column)):
            if not _NUMBER.match(text):
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
            hours = _HOURS.match(text)
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


def _numeric_text(column: Column) -> bool:
    """A text key whose shape asks for digits (credit points: ``"4"`` or ``"1.5"``)."""
    return column.header.endswith(".point")


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
                for text in _texts(key, False):
                    by_key.setdefault(text, found)
                    if found.iri is not None:
                        by_key.setdefault(str(found.iri), found)
        for number, record in outcomes.records() if outcomes is not None else []:
            key = next(iter(_texts(record.get(COURSE), False)), "")
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
        given = next(iter(_texts(record.get(ID), False)), "")
        iri: URIRef | None = None
        if given:
            local = given.removeprefix(entry.namespace(self.base_iri))
            iri = entry.iri(self.base_iri, local)
            if iri is None:
                self.problems.append(CellProblem(COURSES, number, ID, given, "is no course id"))
        version = next(iter(_texts(record.get(VERSION), False)), "").strip('"').split("-", 1)[0]
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
            given = next(iter(_texts(record.get(ID), False)), "")
            if given and found.iri is not None:
                outcome["id"] = f"{found.iri}/outcome/{given.rsplit('/', 1)[-1]}"
            local = Located(outcome, number, None, "")
            self._cells(local, OUTCOMES, number, record, outcome)
            base = f"/{SPECIFICATION_KEY}/{OUTCOME_KEY}/{index}"
            found.cells[base] = (OUTCOMES, number, "", None)
            for pointer, where in local.cells.items():
                found.cells[base + pointer] = where
            listed.append(outcome)


# -- documents -> one commit ----------------------------------------------------------------------------------


Committer = Callable[..., Any]


@dataclass
class CourseImport:
    """An import of course rows by one partner (``owner``) into its graph."""

    kg: Any  # the KnowledgeGraph: its store, validator, graphs and one commit call
    layout: Layout
    entry: ClassEntry
    graph: str
    owner: Owner | None
    actor: str
    resolver: Resolver
    partner: str | None = None

    def run(self, sheets: list[Sheet], *, dry_run: bool = False) -> ImportReport:
        base = self.kg.settings.base_iri
        lists = Lists(self.layout, self.kg.store, base, self.kg.generation)
        rows = Rows(self.layout, lists, base)
        courses, outcomes = rows.check_columns(sheets)
        located = rows.documents(courses, outcomes, self.entry)
        problems = rows.problems
        results: list[RowResult] = []
        data = Graph()
        remove: list[tuple[str, str]] = []
        where: dict[Node, tuple[Located, str]] = {}  # node -> (its course row, the pointer of its object)
        for found in located:
            bad = [p for p in problems if p.sheet == COURSES and p.row == found.row]
            result = RowResult(COURSES, found.row, "update" if found.iri is not None else "create")
            results.append(result)
            result.suggestions = self._suggestions(found)
            if bad:
                result.action = "refused"
                continue
            if found.iri is not None and self._as_exported(found, lists):
                result.action, result.course = "unchanged", str(found.iri)
                continue
            try:
                graph, iri, replaced = self._graph(found, problems)
            except _RowRefused:
                result.action = "refused"
                continue
            result.course = str(iri)
            if replaced is not None and self._unchanged(graph, iri, replaced):
                result.action = "unchanged"
                continue
            if replaced is not None:
                remove.extend(replaced)
            self._locate_nodes(graph, iri, found, where)
            data += graph
        written = False
        if len(data):
            check_only = dry_run or bool(problems)  # rows already refused: still check the others, for the report
            try:
                self.kg.commit(
                    data.serialize(format="nt", encoding="utf-8"),
                    rdf_syntax("ntriples"),
                    actor=self.actor,
                    operation="import",
                    subjects=sorted(
                        {str(s) for s in data.subjects() if isinstance(s, URIRef)} | {s for _, s in remove}
                    ),
                    owner=self.owner,
                    graph=self.graph,
                    base_iri=base,
                    allowed_graphs=lambda g: g == self.graph,
                    remove_resources=remove,
                    dry_run=check_only,
                )
                written = not check_only
            except WriteRejected as rejected:
                problems.extend(self._shape_problems(rejected, where))
        for result in results:
            if any(p.sheet == COURSES and p.row == result.row for p in problems) or any(
                p.sheet == OUTCOMES and p.row in {n for n, _ in _outcome_rows(located, result.row)} for p in problems
            ):
                result.action = "refused"
        problems.sort(key=lambda p: (p.sheet != COURSES, p.row, p.column))
        return ImportReport(results, problems, dry_run, written)

    def _suggestions(self, found: Located) -> list[dict[str, Any]]:
        suggestions = []
        for number, record in found.outcome_rows:
            if record.get("relatedESCOSkill") not in (None, ""):
                continue
            text = next((str(v) for k, v in record.items() if k.startswith("title@") and v), "")
            matches = suggest_skills(self.kg.store, text) if text else []
            if matches:
                suggestions.append({"sheet": OUTCOMES, "row": number, "column": "relatedESCOSkill", "skills": matches})
        return suggestions

    def _graph(self, found: Located, problems: list[CellProblem]) -> tuple[Graph, URIRef, list[tuple[str, str]] | None]:
        store = self.kg.store
        try:
            document = self.resolver.resolve(found.document, self.entry, self.partner)
        except PlainValueError as error:
            for problem in error.problems:
                sheet, row, column, value = found.locate(problem.pointer)
                problems.append(
                    CellProblem(
                        sheet,
                        row,
                        column,
                        value if value is not None else problem.value,
                        problem.message,
                        candidates=problem.candidates,
                    )
                )
            raise _RowRefused from error
        main = str(found.iri) if found.iri is not None else str(PLACEHOLDER)
        try:
            body = read_body(
                json.dumps(document).encode(), JSONLD, self.layout.vocabulary, self.kg.settings.base_iri, main
            )
            node = main_node(body, self.entry, found.iri or PLACEHOLDER)
        except SmarcoError as error:
            problems.append(CellProblem(COURSES, found.row, "", None, str(error)))
            raise _RowRefused from error
        replaced: list[tuple[str, str]] | None = None
        if found.iri is None:
            iri = mint(store, self.entry, self.kg.settings.base_iri, title_of(body, node, self.entry))
            body = rename(body, {node: iri})
        else:
            iri = found.iri
            current = describe(store, self.entry, iri)
            if current is None:
                problems.append(CellProblem(COURSES, found.row, ID, str(iri), "no such course"))
                raise _RowRefused
            if not found.version:
                problems.append(
                    CellProblem(COURSES, found.row, VERSION, None, "give the version the course had when you read it")
                )
                raise _RowRefused
            if found.version != etag(current):
                problems.append(
                    CellProblem(
                        COURSES,
                        found.row,
                        VERSION,
                        found.version,
                        "the course changed since this version: export it again and redo the change",
                    )
                )
                raise _RowRefused
            elsewhere = [
                spec
                for spec in current.objects(iri, ELM.learningAchievementSpecification)
                if not str(spec).startswith(f"{iri}/")
            ]
            if elsewhere:  # a credential's specification, which its own write changes
                problems.append(
                    CellProblem(
                        COURSES,
                        found.row,
                        ID,
                        str(iri).removeprefix(self.entry.namespace(self.kg.settings.base_iri)),
                        f"what this course teaches is the credential <{elsewhere[0]}>: change it there "
                        "(PUT /api/credentials/…), not in this sheet",
                    )
                )
                raise _RowRefused
            replaced = owned_subjects(store, self.graph, iri)
            if not replaced:
                problems.append(CellProblem(COURSES, found.row, ID, str(iri), "the course is not in your graph"))
                raise _RowRefused
        return owned_part(body, iri, self.entry, self.layout.vocabulary), iri, replaced

    def _as_exported(self, found: Located, lists: Lists) -> bool:
        """Whether a course row (and its outcome rows) holds what an export of the course gives now: the row of a
        sheet imported back unchanged, which is then left alone (whatever its version)."""
        assert found.iri is not None
        documents = course_documents(self.kg, self.layout, [found.iri])
        if not documents:
            return False
        courses, outcomes = sheets_for(self.layout, lists, documents)
        exported = dict(zip(courses.headers, courses.rows[0], strict=True))
        skipped = {ID, VERSION, COURSE}
        for header in set(exported) | set(found.record):
            if header not in skipped and _same(exported.get(header)) != _same(found.record.get(header)):
                return False
        mine = sorted(
            tuple(_same(record.get(h)) for h in outcomes.headers if h != COURSE) for _, record in found.outcome_rows
        )
        theirs = sorted(
            tuple(_same(v) for h, v in zip(outcomes.headers, row, strict=True) if h != COURSE) for row in outcomes.rows
        )
        return mine == theirs

    def _unchanged(self, graph: Graph, iri: URIRef, replaced: list[tuple[str, str]]) -> bool:
        current = describe(self.kg.store, self.entry, iri) or Graph()
        prefix = f"{iri}/"
        owned = Graph()
        for s, p, o in current:
            if s == iri or isinstance(s, BNode) or str(s).startswith(prefix):
                owned.add((s, p, o))
        return isomorphic(owned, graph)

    def _locate_nodes(self, graph: Graph, iri: URIRef, found: Located, where: dict[Node, tuple[Located, str]]) -> None:
        where[iri] = (found, "")
        spec_pointer = f"/{SPECIFICATION_KEY}"
        for spec in graph.objects(iri, ELM.learningAchievementSpecification):
            where[spec] = (found, spec_pointer)
            for _, value in enumerate(graph.objects(spec, ELM.creditPoint)):
                where[value] = (found, f"{spec_pointer}/creditPoint")
            outcomes = found.document.get(SPECIFICATION_KEY, {}).get(OUTCOME_KEY, [])
            for outcome in graph.objects(spec, ELM.learningOutcome):
                titles = {str(t) for t in graph.objects(outcome, DCTERMS.title)}
                for index, written in enumerate(outcomes):
                    if titles & set((written.get("title") or {}).values()) or written.get("id") == str(outcome):
                        where[outcome] = (found, f"{spec_pointer}/{OUTCOME_KEY}/{index}")
                        break
                else:
                    where[outcome] = (found, spec_pointer)

    def _shape_problems(self, rejected: WriteRejected, where: dict[Node, tuple[Located, str]]) -> list[CellProblem]:
        names = self.kg.validator.graph.namespace_manager
        keys: dict[str, str] = {}
        for term in self.layout.vocabulary.terms.values():
            try:
                keys[names.qname(str(term.iri))] = term.key
            except ValueError:
                keys[str(term.iri)] = term.key
        by_text = {str(node): located for node, located in where.items()}
        found: list[CellProblem] = []
        for problem in rejected.report.violations:
            focus = problem.focus_node
            located = by_text.get(focus)
            if located is None and focus.startswith("_:"):
                located = next((v for k, v in where.items() if isinstance(k, BNode) and f"_:{k}" == focus), None)
            if located is None:
                located = next(iter(where.values()), None)
            if located is None:
                continue
            row, pointer = located
            key = keys.get(problem.path or "", "")
            sheet, number, column, value = row.locate(f"{pointer}/{key}" if key else pointer)
            if not column:
                columns = self.layout.course_columns if sheet == COURSES else self.layout.outcome_columns
                column = next((c.header for c in columns if c.path and c.path[-1] == key), "")
            shown = value if value is not None else problem.value
            what = "missing" if problem.value is None and value is None else "not valid here"
            found.append(CellProblem(sheet, number, column, shown, what, message=problem.message))
        return found


def _same(value: Cell) -> str:
    """A cell as two cells compare: its values, trimmed, numbers without trailing zeros, commas as points."""
    texts = _texts(value, True)
    return SEPARATOR.join(t.replace(",", ".") if _NUMBER.match(t) else t for t in texts)


class _RowRefused(Exception):
    pass


def _outcome_rows(located: list[Located], row: int) -> list[tuple[int, dict[str, Cell]]]:
    for found in located:
        if found.row == row:
            return found.outcome_rows
    return []


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
        texts = _lookup(document, column.path) or {}
        value = texts.get(column.lang) if isinstance(texts, dict) else None
        return value[0] if isinstance(value, list) else value
    return _plain(_lookup(document, column.path), column, lists)


def _outcome_cell(outcome: dict[str, Any], column: Column, lists: Lists, course: str, with_ids: bool) -> Cell:
    if column.header == COURSE:
        return course
    if column.header == ID:
        return str(outcome.get("id", "")).rsplit("/", 1)[-1] if with_ids and outcome.get("id") else None
    return _cell_of(outcome, column, lists, "", "")


def _plain(value: Any, column: Column, lists: Lists) -> Cell:
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
        elif _numeric_text(column) and len(values) == 1:
            number = Decimal(str(item))
            return int(number) if number == number.to_integral_value() else float(number)
        else:
            shown.append(str(item))
    return f"{SEPARATOR} ".join(shown) if shown else None


def course_documents(kg: Any, layout: Layout, iris: Sequence[URIRef]) -> list[tuple[dict[str, Any], str]]:
    """Each course's compact JSON-LD document (without labels of what it links to) and its version."""
    found = []
    for iri in iris:
        described = describe(kg.store, layout.entry, iri)
        if described is None:
            continue
        found.append((compact(described, iri, layout.vocabulary, ""), etag(described)))
    return found


def provider_courses(kg: Any, layout: Layout, provider: URIRef) -> list[URIRef]:
    classes = " ".join(f"<{c}>" for c in layout.entry.classes)
    query = f"SELECT DISTINCT ?c WHERE {{ VALUES ?t {{ {classes} }} ?c a ?t ; <{ELM.providedBy}> ?p }} ORDER BY ?c"
    rows = kg.store.query(query, bindings={"p": provider}, union_default_graph=True).rows()
    return [URIRef(str(row["c"])) for row in rows]


def literal_text(value: Node) -> str:
    return str(value) if isinstance(value, Literal) else ""


_ = RDF  # rdf:type is read through the compact documents


# -- what the API and the CLI call ----------------------------------------------------------------------------


def layout_of(kg: Any) -> Layout:
    entry = kg.catalogue.entry("courses")
    return Layout(entry, kg.catalogue.vocabulary, kg.settings.shapes_dir)


def template(kg: Any, example: dict[str, Any] | None, kind: str) -> bytes:
    """The empty template (with one example row, a demo course, when there is one) as a workbook of ``kind``."""
    layout = layout_of(kg)
    lists = Lists(layout, kg.store, kg.settings.base_iri, kg.generation)
    documents = [(example, "")] if example is not None else []
    return write_sheets(sheets_for(layout, lists, documents), kind)


def export(kg: Any, provider: URIRef, kind: str) -> bytes:
    """The courses ``provider`` gives, in the template's columns, with their ids and versions."""
    layout = layout_of(kg)
    lists = Lists(layout, kg.store, kg.settings.base_iri, kg.generation)
    documents = course_documents(kg, layout, provider_courses(kg, layout, provider))
    return write_sheets(sheets_for(layout, lists, documents), kind)


def import_courses(
    kg: Any, data: bytes, *, partner: str, owner: Owner | None, filename: str = "", dry_run: bool = False
) -> ImportReport:
    """Read a workbook and import its courses into ``partner``'s graph (all or nothing); ``SheetRejected`` when
    any row is wrong (a dry run answers the report instead)."""
    layout = layout_of(kg)
    kind = kind_of(data, filename)
    found = read_sheets(data, kind, [COURSES, OUTCOMES])
    if not found:
        raise NotASpreadsheet("the file holds no table")
    job = CourseImport(
        kg,
        layout,
        layout.entry,
        kg.graphs.partner(partner),
        owner,
        partner,
        Resolver(kg.store, layout.vocabulary, kg.settings.base_iri),
        partner,
    )
    report = job.run(found, dry_run=dry_run)
    if report.problems and not dry_run:
        raise SheetRejected(report.problems)
    return report
