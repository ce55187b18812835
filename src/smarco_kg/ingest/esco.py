"""Importing ESCO: the official CSV export (any number of languages) or an ESCO RDF dump, into the ESCO graph.

The CSV export is turned into N-Triples in ESCO's own model (``http://data.europa.eu/esco/model#``, SKOS), the
mapping ``esco-subset.ttl`` uses, so an import of the export and the subset agree triple for triple on what they
share. Whatever the source, the new ESCO graph is loaded beside the old one and swapped in by one update
(``GraphStore.replace_graph``), so a failed import leaves the previous ESCO graph as it was.

Rows that cannot be read (a missing IRI, an unknown relation type, a bad date) are reported with file and line
and skipped; relations naming a concept that no file of the export describes fail the import, with the list.
"""

from __future__ import annotations

import csv
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from smarco_kg.esco import ATTRIBUTION, ESCO_DATA, REUSE_LEVELS, SKILL_TYPES
from smarco_kg.formats import RdfSyntax, rdf_syntax
from smarco_kg.namespaces import ESCO
from smarco_kg.store import GraphStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
ISOTHES = "http://purl.org/iso25964/skos-thes#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
TITLE = "ESCO: European Skills, Competences, Qualifications and Occupations"
RELATIONS = {"essential": f"{ESCO}relatedEssentialSkill", "optional": f"{ESCO}relatedOptionalSkill"}
_IRI = re.compile(r"^https?://[^\s<>\"{}|^`\\]+$")
_LANGUAGE_FILE = re.compile(r"^(?P<name>[A-Za-z]+)_(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]+)?)\.csv$")
_SPLIT = re.compile(r"\s*(?:\n|\|)\s*")  # multi-value cells: one value a line (or " | " in the collection files)
_SCHEMES_SPLIT = re.compile(r"[\s,|]+")
csv.field_size_limit(1 << 26)  # conceptSchemes_<lang>.csv lists every top concept of a scheme in one cell


class EscoImportError(Exception):
    """The import stopped and changed nothing; ``problems`` says why (file:line: message)."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class EscoImportReport:
    triples: int = 0
    counts: Counter[str] = field(default_factory=Counter)  # skills, occupations, relations… as read
    languages: set[str] = field(default_factory=set)
    skipped: list[str] = field(default_factory=list)  # file:line: why, for rows left out
    notes: list[str] = field(default_factory=list)  # what the source does that is worth knowing
    version: str | None = None
    source: str = ""


Progress = Callable[[str, int, int], None]
"""(what, done, total): for each file being read (its name, lines), then for the store's load (LOADING, bytes)."""
LOADING = "loading into the store (bytes)"


# -- N-Triples writing --------------------------------------------------------------------------------------------


def _literal(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if lang:
        return f'"{escaped}"@{lang}'
    return f'"{escaped}"^^<{datatype}>' if datatype else f'"{escaped}"'


class _Writer:
    """N-Triples lines for the ESCO graph, in a temporary file."""

    def __init__(self, directory: Path | None) -> None:
        self.file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed by close(), removed by the import)
            "w", suffix=".nt", encoding="utf-8", dir=directory, delete=False
        )
        self.path = Path(self.file.name)
        self.count = 0

    def iri(self, s: str, p: str, o: str) -> None:
        self.file.write(f"<{s}> <{p}> <{o}> .\n")
        self.count += 1

    def text(self, s: str, p: str, value: str, lang: str | None = None, datatype: str | None = None) -> None:
        if value:
            self.file.write(f"<{s}> <{p}> {_literal(value, lang, datatype)} .\n")
            self.count += 1

    def close(self) -> None:
        self.file.close()


# -- reading the CSV export ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _CsvFile:
    path: Path
    name: str  # skills, occupations, ISCOGroups… (the file name without the language)
    lang: str | None  # None for the language-independent relation files


def _csv_files(directory: Path) -> list[_CsvFile]:
    found = []
    for path in sorted(directory.rglob("*.csv")):
        match = _LANGUAGE_FILE.match(path.name)
        if match:
            found.append(_CsvFile(path, match["name"], match["lang"]))
        else:
            found.append(_CsvFile(path, path.stem, None))
    return found


def _rows(file: _CsvFile, progress: Progress | None) -> Iterator[tuple[int, dict[str, str]]]:
    """The rows of a CSV file with the line each starts on (cells may span lines)."""
    total = _line_count(file.path) if progress else 0
    with file.path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        line = 2
        for index, row in enumerate(reader):
            yield line, row
            line = reader.line_num + 1
            if progress and index % 5000 == 0:
                progress(file.path.name, line, total)
    if progress:
        progress(file.path.name, total, total)


def _line_count(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


def _values(cell: str | None) -> list[str]:
    return [v.strip() for v in _SPLIT.split(cell or "") if v.strip()]  # the first and last values too


def _schemes(cell: str | None) -> list[str]:
    return [v for v in _SCHEMES_SPLIT.split(cell or "") if v]


class _CsvImport:
    """Reads one or more CSV exports into a writer, keeping what referential integrity needs."""

    CONCEPT_FILES = ("skills", "occupations", "ISCOGroups", "skillGroups")

    def __init__(self, writer: _Writer, report: EscoImportReport, progress: Progress | None) -> None:
        self.out = writer
        self.report = report
        self.progress = progress
        self.skills: set[str] = set()
        self.occupations: set[str] = set()
        self.groups: set[str] = set()  # ISCO groups and skill groups
        self.declared: set[str] = set()  # concepts the relation files name (with a type) but no row describes
        self.dangling: list[str] = []

    def skip(self, file: _CsvFile, line: int, why: str) -> None:
        self.report.skipped.append(f"{file.path}:{line}: {why}")

    def uri(self, file: _CsvFile, line: int, row: dict[str, str], column: str) -> str | None:
        value = (row.get(column) or "").strip()
        if not _IRI.match(value):
            self.skip(file, line, f"{column} is not an IRI: {value!r}")
            return None
        return value

    def run(self, directories: Iterable[Path]) -> None:
        files = [f for d in directories for f in _csv_files(d)]
        known = {f.name for f in files}
        if not {"skills", "occupations"} <= known:
            raise EscoImportError("not an ESCO CSV export: skills_<lang>.csv and occupations_<lang>.csv not found")
        order = {name: i for i, name in enumerate(self.CONCEPT_FILES)}
        concept_files = sorted((f for f in files if f.name in order), key=lambda f: order[f.name])
        for file in concept_files:
            getattr(self, f"_{file.name}")(file)
        for file in files:
            if file.name == "conceptSchemes":
                self._concept_schemes(file)
        relation_files = {f.name: f for f in files if f.lang is None}
        for name in ("broaderRelationsSkillPillar", "broaderRelationsOccPillar"):
            if name in relation_files:
                self._declare(relation_files[name])
        for name in ("broaderRelationsSkillPillar", "broaderRelationsOccPillar"):
            if name in relation_files:
                self._broader(relation_files[name])
        if "occupationSkillRelations" in relation_files:
            self._occupation_skills(relation_files["occupationSkillRelations"])
        if "skillSkillRelations" in relation_files:
            self._skill_skills(relation_files["skillSkillRelations"])
        for file in files:
            if file.name.endswith("Collection") and file.lang:
                self._collection(file)
        if self.declared:
            self.report.notes.append(
                f"{len(self.declared)} concept(s) appear in the relation files but in no classification file "
                f"(no labels): {', '.join(sorted(self.declared)[:5])}"
            )
        if self.dangling:
            raise EscoImportError(
                f"{len(self.dangling)} relation(s) name a concept the export does not describe; nothing was changed",
                self.dangling,
            )

    # -- concepts

    def _concept(self, file: _CsvFile, line: int, row: dict[str, str], types: tuple[str, ...]) -> str | None:
        iri = self.uri(file, line, row, "conceptUri")
        if iri is None:
            return None
        lang = file.lang
        self.report.languages.add(lang or "")
        for t in types:
            self.out.iri(iri, RDF_TYPE, t)
        self.out.text(iri, f"{SKOS}prefLabel", (row.get("preferredLabel") or "").strip(), lang)
        for label in _values(row.get("altLabels")):
            self.out.text(iri, f"{SKOS}altLabel", label, lang)
        for label in _values(row.get("hiddenLabels")):
            self.out.text(iri, f"{SKOS}hiddenLabel", label, lang)
        self.out.text(iri, f"{ISOTHES}status", (row.get("status") or "").strip())
        modified = (row.get("modifiedDate") or "").strip()
        if modified:
            try:
                datetime.fromisoformat(modified.replace("Z", "+00:00"))
            except ValueError:
                self.skip(file, line, f"modifiedDate is not a date-time: {modified!r} (kept the rest of the row)")
            else:
                self.out.text(iri, f"{DCT}modified", modified, datatype=f"{XSD}dateTime")
        for column, predicate in (
            ("description", f"{DCT}description"),
            ("definition", f"{SKOS}definition"),
            ("scopeNote", f"{SKOS}scopeNote"),
        ):
            self.out.text(iri, predicate, (row.get(column) or "").strip(), lang)
        for scheme in _schemes(row.get("inScheme")):
            if _IRI.match(scheme):
                self.out.iri(iri, f"{SKOS}inScheme", scheme)
        code = (row.get("code") or "").strip()
        self.out.text(iri, f"{SKOS}notation", code)
        return iri

    def _skills(self, file: _CsvFile) -> None:
        types = (f"{ESCO}Skill", f"{ESCO}MemberConcept", f"{SKOS}Concept")
        for line, row in _rows(file, self.progress):
            skill_type = (row.get("skillType") or "").strip()
            reuse = (row.get("reuseLevel") or "").strip()
            if skill_type and skill_type not in SKILL_TYPES:
                self.skip(file, line, f"unknown skillType {skill_type!r}")
                continue
            if reuse and reuse not in REUSE_LEVELS:
                self.skip(file, line, f"unknown reuseLevel {reuse!r}")
                continue
            iri = self._concept(file, line, row, types)
            if iri is None:
                continue
            if skill_type:
                self.out.iri(iri, f"{ESCO}skillType", SKILL_TYPES[skill_type])
            if reuse:
                self.out.iri(iri, f"{ESCO}skillReuseLevel", f"{ESCO_DATA}skill-reuse-level/{reuse}")
            if iri not in self.skills:
                self.skills.add(iri)
                self.report.counts["skills"] += 1

    def _occupations(self, file: _CsvFile) -> None:
        types = (f"{ESCO}Occupation", f"{ESCO}MemberConcept", f"{SKOS}Concept")
        for line, row in _rows(file, self.progress):
            isco = (row.get("iscoGroup") or "").strip()
            if isco and not isco.isdigit():
                self.skip(file, line, f"iscoGroup is not an ISCO code: {isco!r}")
                continue
            iri = self._concept(file, line, row, types)
            if iri is None:
                continue
            if isco:
                self.out.iri(iri, f"{ESCO}memberOfISCOGroup", f"{ESCO_DATA}isco/C{isco}")
            note = (row.get("regulatedProfessionNote") or "").strip()
            if _IRI.match(note):
                self.out.iri(iri, f"{ESCO}regulatedProfessionNote", note)
            if iri not in self.occupations:
                self.occupations.add(iri)
                self.report.counts["occupations"] += 1

    def _groups(self, file: _CsvFile, counter: str) -> None:
        for line, row in _rows(file, self.progress):
            iri = self._concept(file, line, row, (f"{SKOS}Concept",))
            if iri is not None and iri not in self.groups:
                self.groups.add(iri)
                self.report.counts[counter] += 1

    def _ISCOGroups(self, file: _CsvFile) -> None:
        self._groups(file, "ISCO groups")

    def _skillGroups(self, file: _CsvFile) -> None:
        self._groups(file, "skill groups")

    def _concept_schemes(self, file: _CsvFile) -> None:
        for line, row in _rows(file, self.progress):
            iri = self.uri(file, line, row, "conceptSchemeUri")
            if iri is None:
                continue
            self.out.iri(iri, RDF_TYPE, f"{SKOS}ConceptScheme")
            self.out.text(iri, f"{SKOS}prefLabel", (row.get("preferredLabel") or "").strip(), file.lang)
            self.out.text(iri, f"{DCT}title", (row.get("title") or "").strip(), file.lang)
            self.out.text(iri, f"{DCT}description", (row.get("description") or "").strip(), file.lang)
            self.out.text(iri, f"{ISOTHES}status", (row.get("status") or "").strip())
            for top in _schemes(row.get("hasTopConcept")):
                if _IRI.match(top):
                    self.out.iri(iri, f"{SKOS}hasTopConcept", top)
            self.report.counts["concept schemes"] += 1

    # -- relations

    def _known(self, iri: str) -> bool:
        return iri in self.skills or iri in self.occupations or iri in self.groups or iri in self.declared

    def _declare(self, file: _CsvFile) -> None:
        """Concepts a broader-relations file names with their type: known to the export, even without a row."""
        for _, row in _rows(file, None):
            iri = (row.get("conceptUri") or "").strip()
            if _IRI.match(iri) and not self._known(iri):
                self.declared.add(iri)

    def _broader(self, file: _CsvFile) -> None:
        for line, row in _rows(file, self.progress):
            narrower, broader = self.uri(file, line, row, "conceptUri"), self.uri(file, line, row, "broaderUri")
            if narrower is None or broader is None:
                continue
            if not self._known(broader):
                self.dangling.append(f"{file.path}:{line}: broader concept {broader} is described nowhere")
                continue
            self.out.iri(narrower, f"{SKOS}broader", broader)
            self.report.counts["broader relations"] += 1

    def _occupation_skills(self, file: _CsvFile) -> None:
        for line, row in _rows(file, self.progress):
            occupation, skill = self.uri(file, line, row, "occupationUri"), self.uri(file, line, row, "skillUri")
            relation = RELATIONS.get((row.get("relationType") or "").strip())
            if occupation is None or skill is None:
                continue
            if relation is None:
                self.skip(file, line, f"relationType is neither essential nor optional: {row.get('relationType')!r}")
                continue
            if skill not in self.skills or not (occupation in self.occupations or occupation in self.declared):
                missing = skill if skill not in self.skills else occupation
                self.dangling.append(f"{file.path}:{line}: {missing} is described nowhere")
                continue
            self.out.iri(occupation, relation, skill)
            self.report.counts["occupation-skill relations"] += 1

    def _skill_skills(self, file: _CsvFile) -> None:
        for line, row in _rows(file, self.progress):
            original = self.uri(file, line, row, "originalSkillUri")
            related = self.uri(file, line, row, "relatedSkillUri")
            relation = RELATIONS.get((row.get("relationType") or "").strip())
            if original is None or related is None:
                continue
            if relation is None:
                self.skip(file, line, f"relationType is neither essential nor optional: {row.get('relationType')!r}")
                continue
            if original not in self.skills or related not in self.skills:
                missing = original if original not in self.skills else related
                self.dangling.append(f"{file.path}:{line}: skill {missing} is described nowhere")
                continue
            self.out.iri(original, relation, related)
            self.report.counts["skill-skill relations"] += 1

    def _collection(self, file: _CsvFile) -> None:
        """A collection file lists members the concept files already place in the collection's scheme: checked."""
        for line, row in _rows(file, self.progress):
            iri = self.uri(file, line, row, "conceptUri")
            if iri is not None and not self._known(iri):
                self.dangling.append(f"{file.path}:{line}: {file.name} member {iri} is described nowhere")
            elif iri is not None:
                self.report.counts[file.name] += 1


# -- RDF dumps ------------------------------------------------------------------------------------------------------


def sniff_rdf(path: Path) -> RdfSyntax | None:
    """The RDF syntax of a file, from its first bytes (ESCO dumps come as RDF/XML, Turtle or N-Triples)."""
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip(b"\xef\xbb\xbf").lstrip()
    text = head.decode("utf-8", errors="replace")
    if text.startswith("<?xml") or "<rdf:RDF" in text:
        return rdf_syntax("rdfxml")
    lines = [line for line in text.splitlines()[:20] if line.strip() and not line.lstrip().startswith("#")]
    if lines and all(re.match(r"^(<[^>]*>|_:\S+)\s+<[^>]*>\s+.*\.\s*$", line) for line in lines[:-1] or lines):
        return rdf_syntax("ntriples")
    if re.search(r"(?im)^\s*(@prefix|prefix|@base)\b", text) or lines:
        return rdf_syntax("turtle")
    return None


# -- the import -----------------------------------------------------------------------------------------------------


def version_of(paths: Iterable[Path]) -> str | None:
    """The ESCO version a path names (``…/v1.1.1/…``), if any."""
    for path in paths:
        for part in reversed(path.resolve().parts):
            if re.fullmatch(r"v\d+(\.\d+)+", part):
                return part
    return None


def _metadata(graph: str, report: EscoImportReport, when: datetime) -> str:
    """DCAT/PROV description of the imported ESCO graph, with the attribution ESCO's reuse terms ask for."""
    dcat, prov, owl = "http://www.w3.org/ns/dcat#", "http://www.w3.org/ns/prov#", "http://www.w3.org/2002/07/owl#"
    lines = [
        f"<{graph}> <{RDF_TYPE}> <{dcat}Dataset> .",
        f"<{graph}> <{RDF_TYPE}> <{prov}Entity> .",
        f"<{graph}> <{DCT}title> {_literal(TITLE, 'en')} .",
        f"<{graph}> <{DCT}publisher> <http://publications.europa.eu/resource/authority/corporate-body/EMPL> .",
        f"<{graph}> <{DCT}rights> {_literal(ATTRIBUTION, 'en')} .",
        f"<{graph}> <{DCT}source> {_literal(report.source)} .",
        f"<{graph}> <{prov}generatedAtTime> {_literal(when.isoformat(), datatype=XSD + 'dateTime')} .",
        f"<{graph}> <{DCT}issued> {_literal(when.date().isoformat(), datatype=XSD + 'date')} .",
        f"<{graph}> <{prov}wasDerivedFrom> <https://esco.ec.europa.eu/> .",
    ]
    if report.version:
        lines.append(f"<{graph}> <{owl}versionInfo> {_literal(report.version)} .")
    for lang in sorted(report.languages - {""}):
        lines.append(f"<{graph}> <{DCT}language> {_literal(lang)} .")
    return "\n".join(lines) + "\n"


def import_esco(
    store: GraphStore,
    graph: str,
    sources: list[Path],
    *,
    version: str | None = None,
    progress: Progress | None = None,
    workdir: Path | None = None,
    before_commit: Callable[[list[str]], object] | None = None,
) -> EscoImportReport:
    """Replace ``graph`` with ESCO read from ``sources``: CSV export directories and/or RDF dump files.
    ``before_commit`` is told the graph once the sources are read, right before the store replaces it."""
    report = EscoImportReport(version=version or version_of(sources), source=", ".join(str(s) for s in sources))
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise EscoImportError(f"no such file or directory: {', '.join(missing)}")
    writer = _Writer(workdir)
    dumps: list[tuple[Path, RdfSyntax]] = []
    try:
        directories = [s for s in sources if s.is_dir()]
        for source in sources:
            if source.is_file():
                syntax = sniff_rdf(source)
                if syntax is None:
                    raise EscoImportError(f"{source}: neither an ESCO CSV export directory nor an RDF dump")
                dumps.append((source, syntax))
        if directories:
            _CsvImport(writer, report, progress).run(directories)
        writer.file.write(_metadata(graph, report, datetime.now(UTC)))
        writer.close()
        files = [(writer.path, rdf_syntax("ntriples")), *dumps]
        total = sum(path.stat().st_size for path, _ in files)
        loaded = (lambda done: progress(LOADING, min(done, total), total)) if progress else None
        if before_commit is not None:
            before_commit([graph])
        report.triples = store.replace_graph(graph, files, progress=loaded)
        if dumps:
            _count_from_store(store, graph, report)
        return report
    finally:
        writer.close()
        writer.path.unlink(missing_ok=True)


def _count_from_store(store: GraphStore, graph: str, report: EscoImportReport) -> None:
    query = f"""SELECT ?what (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{
  {{ ?x a <{ESCO}Skill> BIND("skills" AS ?what) }} UNION {{ ?x a <{ESCO}Occupation> BIND("occupations" AS ?what) }}
  UNION {{ ?x <{ESCO}relatedEssentialSkill>|<{ESCO}relatedOptionalSkill> ?y . ?x a <{ESCO}Occupation>
           BIND("occupation-skill relations" AS ?what) }}
}} }} GROUP BY ?what"""
    for row in store.query(query).rows():
        report.counts[str(row["what"])] = int(row["n"])
