"""Courses from spreadsheet rows and back: rows -> JSON documents -> plain-value resolution -> one validated commit.

Each course row (with its outcome rows) becomes the JSON document a provider could POST, in the write's keys;
``Resolver.resolve`` turns its plain values into the shapes' values, the JSON-LD reader into a graph. All the rows
go in one commit through the knowledge graph (all or nothing); a dry run validates without writing. Whatever is
wrong is reported per sheet, row and column, with the value and the shape's message. A row with an id replaces
that course, guarded by its version (the ETag it had: If-Match semantics); a row that would change nothing is
left alone, so that importing an export again changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rdflib import BNode, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.course_rows import (
    CellProblem,
    Located,
    Rows,
    course_documents,
    provider_courses,
    sheets_for,
)
from smarco_kg.catalogue.plain_values import PlainValueError, Resolver
from smarco_kg.catalogue.read import describe, etag
from smarco_kg.catalogue.sheet_cells import NUMBER, Lists, texts
from smarco_kg.catalogue.sheet_layout import (
    COURSE,
    COURSES,
    ID,
    OUTCOME_KEY,
    OUTCOMES,
    SEPARATOR,
    SPECIFICATION_KEY,
    VERSION,
    Layout,
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
from smarco_kg.skill_suggestions import suggest
from smarco_kg.write_path import WriteRejected

if TYPE_CHECKING:
    from smarco_kg.kg import KnowledgeGraph


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


# -- documents -> one commit ----------------------------------------------------------------------------------


@dataclass
class CourseImport:
    """An import of course rows by one partner (``owner``) into its graph."""

    kg: KnowledgeGraph  # the KnowledgeGraph: its store, validator, graphs and one commit call
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
            matches = [s.as_json() for s in suggest(self.kg.skills, text)] if text else []
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
    values = texts(value, True)
    return SEPARATOR.join(t.replace(",", ".") if NUMBER.match(t) else t for t in values)


class _RowRefused(Exception):
    pass


def _outcome_rows(located: list[Located], row: int) -> list[tuple[int, dict[str, Cell]]]:
    for found in located:
        if found.row == row:
            return found.outcome_rows
    return []


# -- what the API and the CLI call ----------------------------------------------------------------------------


def layout_of(kg: Any) -> Layout:
    entry = kg.catalogue.entry("courses")
    return Layout(entry, kg.catalogue.vocabulary, kg.settings.shapes_dir)


def template(kg: KnowledgeGraph, example: dict[str, Any] | None, kind: str) -> bytes:
    """The empty template (with one example row, a demo course, when there is one) as a workbook of ``kind``."""
    layout = layout_of(kg)
    lists = Lists(layout, kg.store, kg.settings.base_iri, kg.generation)
    documents = [(example, "")] if example is not None else []
    return write_sheets(sheets_for(layout, lists, documents), kind)


def export(kg: KnowledgeGraph, provider: URIRef, kind: str) -> bytes:
    """The courses ``provider`` gives, in the template's columns, with their ids and versions."""
    layout = layout_of(kg)
    lists = Lists(layout, kg.store, kg.settings.base_iri, kg.generation)
    documents = course_documents(kg, layout, provider_courses(kg, layout, provider))
    return write_sheets(sheets_for(layout, lists, documents), kind)


def import_courses(
    kg: KnowledgeGraph, data: bytes, *, partner: str, owner: Owner | None, filename: str = "", dry_run: bool = False
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
