"""The ESCO importer (``import_esco`` and ``smarco-kg import esco``) against the real ESCO v1.1.1 CSV export.

One full import of the official export per module, checked against what this module reads from the CSVs itself
(with the csv module, not the importer's code) and against the shared subset; everything else runs on small
synthetic exports made of real rows under the real headers, written to tmp_path.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from smarco_kg.config import Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.graphs import Graphs
from smarco_kg.ingest.esco import EscoImportError, EscoImportReport, import_esco, sniff_rdf
from smarco_kg.store import GraphStore, QuerySyntaxError, store_for
from tests.backends import Template, store_arguments

csv.field_size_limit(1 << 30)  # conceptSchemes_en.csv lists every top concept of a scheme in one cell

EXPORT = Settings().esco_export  # /work/shared/data/esco/v1.1.1
CLASSIFICATION = EXPORT / "classification-en"
RELATIONS = EXPORT / "relations"
SUBSET = Settings().esco_subset
GRAPH = Graphs("https://w3id.org/smarco/").esco
GRAPH_IRI = URIRef(GRAPH)

ESCO = "http://data.europa.eu/esco/"
MODEL = f"{ESCO}model#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
ISOTHES = "http://purl.org/iso25964/skos-thes#"
PREFIXES = f"""PREFIX esco: <{MODEL}> PREFIX skos: <{SKOS}> PREFIX dct: <{DCT}>
PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""
ESSENTIAL, OPTIONAL = URIRef(f"{MODEL}relatedEssentialSkill"), URIRef(f"{MODEL}relatedOptionalSkill")
PREF, ALT, HIDDEN = URIRef(f"{SKOS}prefLabel"), URIRef(f"{SKOS}altLabel"), URIRef(f"{SKOS}hiddenLabel")
IN_SCHEME = URIRef(f"{SKOS}inScheme")
ATTRIBUTION = "This service uses the ESCO classification of the European Commission."

GREEN = f"{ESCO}concept-scheme/green"
COLLECTIONS = {  # collection file -> its concept scheme (SOURCE.md)
    "greenSkillsCollection_en.csv": GREEN,
    "digitalSkillsCollection_en.csv": f"{ESCO}concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036",
    "transversalSkillsCollection_en.csv": f"{ESCO}concept-scheme/skill-transversal-groups",
}
# "adopt ways to foster biodiversity and animal welfare": green and transversal, six alt and three hidden labels
SKILL = f"{ESCO}skill/0171653e-c8e9-4c24-bb86-a4b6fe038f25"
# "e-learning architect": twelve alt labels, the last with a trailing space; essential and optional skills
OCCUPATION = f"{ESCO}occupation/a6517365-211c-456d-aca4-1a0115c7b1e1"
# the first occupation of esco-subset.ttl
OTHER_OCCUPATION = f"{ESCO}occupation/02eb0ae6-ecdd-4602-9c8e-60ffe6dbe1e2"
# SOURCE.md, known quirks: 67 relation rows name it, occupations_en.csv does not describe it
ORPHAN = f"{ESCO}occupation/a9e54177-a185-404d-b6e6-15663d31137e"

# Where esco-subset.ttl (made by a one-off converter) and the export's own text differ. "query languages" lists
# "OttoQL," and "OPath," (with a stray comma, in altLabels and hiddenLabels: the only such values in v1.1.1); the
# subset's converter dropped the comma, the importer keeps the export's text. Each subset triple -> the imported one.
QUERY_LANGUAGES = URIRef(f"{ESCO}skill/9cf681c7-89ec-470c-b651-7fe03786f586")
SUBSET_DIFFERENCES = {
    (QUERY_LANGUAGES, p, Literal(label, lang="en")): (QUERY_LANGUAGES, p, Literal(f"{label},", lang="en"))
    for p in (ALT, HIDDEN)
    for label in ("OttoQL", "OPath")
}


# -- reading the CSVs ourselves ---------------------------------------------------------------------------------------


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def labels(cell: str) -> set[str]:
    """A multi-value cell: one value a line."""
    return {value.strip() for value in cell.split("\n") if value.strip()}


def schemes(cell: str) -> set[str]:
    return {value for value in re.split(r"[\s,]+", cell) if value}


@dataclass
class Export:
    """The official export as this module reads it."""

    headers: dict[str, list[str]] = field(default_factory=dict)
    skills: dict[str, dict[str, str]] = field(default_factory=dict)
    occupations: dict[str, dict[str, str]] = field(default_factory=dict)
    occupation_skill: list[dict[str, str]] = field(default_factory=list)
    skill_skill: list[dict[str, str]] = field(default_factory=list)
    broader: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    rows: Counter[str] = field(default_factory=Counter)  # file name -> rows

    def csv(self, name: str) -> list[dict[str, str]]:
        return read_csv(CLASSIFICATION / name)[1]


@pytest.fixture(scope="module")
def export() -> Export:
    data = Export()
    for path in sorted([*CLASSIFICATION.glob("*.csv"), *RELATIONS.glob("*.csv")]):
        header, rows = read_csv(path)
        data.headers[path.name] = header
        data.rows[path.name] = len(rows)
        if path.name == "skills_en.csv":
            data.skills = {row["conceptUri"]: row for row in rows}
        elif path.name == "occupations_en.csv":
            data.occupations = {row["conceptUri"]: row for row in rows}
        elif path.name == "occupationSkillRelations.csv":
            data.occupation_skill = rows
        elif path.name == "skillSkillRelations.csv":
            data.skill_skill = rows
        elif path.name.startswith("broaderRelations"):
            data.broader[path.stem] = rows
    return data


# -- reading the store ------------------------------------------------------------------------------------------------


def select(store: GraphStore, sparql: str) -> list[dict]:
    return list(store.query(PREFIXES + sparql).rows())


def count(store: GraphStore, where: str, what: str = "*") -> int:
    rows = select(store, f"SELECT (COUNT({what}) AS ?n) WHERE {{ GRAPH <{GRAPH}> {{ {where} }} }}")
    return int(rows[0]["n"])


def pairs(store: GraphStore, where: str) -> set[tuple[str, str]]:
    """(?a, ?b) of the ESCO graph, as strings."""
    rows = select(store, f"SELECT ?a ?b WHERE {{ GRAPH <{GRAPH}> {{ {where} }} }}")
    return {(str(row["a"]), str(row["b"])) for row in rows}


def description(store: GraphStore, subject: str) -> dict[URIRef, set]:
    """Every predicate -> objects of one subject in the ESCO graph."""
    found: dict[URIRef, set] = {}
    for row in select(store, f"SELECT ?p ?o WHERE {{ GRAPH <{GRAPH}> {{ <{subject}> ?p ?o }} }}"):
        found.setdefault(row["p"], set()).add(row["o"])
    return found


def triples(store: GraphStore) -> set[tuple]:
    return {(r["s"], r["p"], r["o"]) for r in select(store, f"SELECT * WHERE {{ GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")}


@dataclass(frozen=True)
class State:
    size: int
    digest: str
    sample: bool  # a triple of the subset the base store holds
    others: dict[str, int]  # the other graphs' sizes


SAMPLE = f'<{QUERY_LANGUAGES}> <{SKOS}altLabel> "OttoQL"@en'  # the subset's text: no import writes it


def state(store: GraphStore) -> State:
    """The ESCO graph, exactly (a digest of its sorted N-Triples), and the size of every other graph."""
    out = io.BytesIO()
    store.dump(out, rdf_syntax("ntriples"), graph=GRAPH)
    lines = sorted(out.getvalue().decode("utf-8").splitlines())
    sample = store.query(f"ASK {{ GRAPH <{GRAPH}> {{ {SAMPLE} }} }}").boolean
    others = {g: n for g, n in store.graph_sizes().items() if g != GRAPH}
    return State(store.graph_size(GRAPH), hashlib.sha256("\n".join(lines).encode()).hexdigest(), sample, others)


def no_leftovers(workdir: Path) -> None:
    assert not list(workdir.glob("*.nt")), "the importer's temporary N-Triples file was not removed"


# -- the full import, once --------------------------------------------------------------------------------------------


@dataclass
class Full:
    store: GraphStore
    report: EscoImportReport
    before: State
    started: datetime
    finished: datetime
    workdir: Path


@pytest.fixture(scope="module")
def full(_base_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Full]:
    root = tmp_path_factory.mktemp("esco-full")
    with _base_template.provision(root / "store", private_server=True) as settings, store_for(settings) as store:
        before = state(store)
        started = datetime.now(UTC)
        report = import_esco(store, GRAPH, [EXPORT], workdir=root)
        finished = datetime.now(UTC)
        yield Full(store, report, before, started, finished, root)


def test_the_graph_iri() -> None:
    assert GRAPH == "https://w3id.org/smarco/graph/esco"


def test_the_export_is_as_documented(export: Export) -> None:
    """SOURCE.md's counts, from the CSVs: the other tests compare the graph with the CSVs, not with these."""
    assert len(export.skills) == export.rows["skills_en.csv"] == 13_896
    assert len(export.occupations) == export.rows["occupations_en.csv"] == 3_007
    assert Counter(r["relationType"] for r in export.occupation_skill) == {"essential": 64_946, "optional": 58_909}
    assert len(export.skill_skill) == 5_899
    assert export.rows["broaderRelationsSkillPillar.csv"] == 20_656
    assert export.rows["broaderRelationsOccPillar.csv"] == 3_617
    assert sum(r["occupationUri"] == ORPHAN for r in export.occupation_skill) == 67
    assert ORPHAN not in export.occupations


def test_skills_and_occupations_are_those_of_the_csvs(full: Full, export: Export) -> None:
    skills = {str(r["s"]) for r in select(full.store, f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s a esco:Skill }} }}")}
    assert skills == set(export.skills)
    assert count(full.store, "?s a esco:Skill", "DISTINCT ?s") == len(export.skills) == 13_896
    occupations = {
        str(r["s"]) for r in select(full.store, f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s a esco:Occupation }} }}")
    }
    assert occupations == set(export.occupations)
    assert count(full.store, "?s a esco:Occupation", "DISTINCT ?s") == len(export.occupations) == 3_007
    assert full.report.counts["skills"] == len(export.skills)
    assert full.report.counts["occupations"] == len(export.occupations)


@pytest.mark.parametrize("relation", ["essential", "optional"])
def test_occupation_skill_relations_are_those_of_the_csv(full: Full, export: Export, relation: str) -> None:
    expected = {(r["occupationUri"], r["skillUri"]) for r in export.occupation_skill if r["relationType"] == relation}
    predicate = f"esco:related{relation.title()}Skill"
    found = pairs(full.store, f"?a {predicate} ?b FILTER NOT EXISTS {{ ?a a esco:Skill }}")
    assert len(found) == len(expected) == {"essential": 64_946, "optional": 58_909}[relation]
    assert found == expected


def test_occupation_skill_relation_count(full: Full, export: Export) -> None:
    where = "?a esco:relatedEssentialSkill|esco:relatedOptionalSkill ?b FILTER NOT EXISTS { ?a a esco:Skill }"
    assert count(full.store, where) == len(export.occupation_skill) == 123_855
    assert full.report.counts["occupation-skill relations"] == 123_855


def test_skill_skill_relations_are_those_of_the_csv(full: Full, export: Export) -> None:
    for relation in ("essential", "optional"):
        expected = {
            (r["originalSkillUri"], r["relatedSkillUri"]) for r in export.skill_skill if r["relationType"] == relation
        }
        found = pairs(full.store, f"?a esco:related{relation.title()}Skill ?b . ?a a esco:Skill")
        assert found == expected, relation
    where = "?a esco:relatedEssentialSkill|esco:relatedOptionalSkill ?b . ?a a esco:Skill"
    assert count(full.store, where) == len(export.skill_skill) == 5_899
    assert full.report.counts["skill-skill relations"] == 5_899


def test_broader_relations_are_the_rows_of_the_two_files(full: Full, export: Export) -> None:
    rows = [row for file in export.broader.values() for row in file]
    assert len(rows) == 20_656 + 3_617
    assert pairs(full.store, "?a skos:broader ?b") == {(r["conceptUri"], r["broaderUri"]) for r in rows}
    assert count(full.store, "?a skos:broader ?b") == len(rows)
    assert full.report.counts["broader relations"] == len(rows)


def test_the_report_agrees_with_the_graph_and_the_csvs(full: Full, export: Export) -> None:
    report = full.report
    assert report.skipped == []  # the official export has no unreadable row
    assert report.languages == {"en"}
    assert report.version == "v1.1.1"  # from the path
    assert report.triples == full.store.graph_size(GRAPH) > 400_000
    assert report.counts["ISCO groups"] == export.rows["ISCOGroups_en.csv"] == 619
    assert report.counts["skill groups"] == export.rows["skillGroups_en.csv"] == 640
    assert report.counts["concept schemes"] == export.rows["conceptSchemes_en.csv"]
    for name in export.rows:
        if name.endswith("Collection_en.csv"):
            assert report.counts[name.removesuffix("_en.csv")] == export.rows[name], name
    no_leftovers(full.workdir)


def test_only_the_esco_graph_changed(full: Full) -> None:
    assert {g: n for g, n in full.store.graph_sizes().items() if g != GRAPH} == full.before.others
    assert full.before.size == 71_566  # the subset, replaced
    assert full.store.graph_size(GRAPH) == full.report.triples > full.before.size


def test_a_skill_reads_back_as_in_the_csv(full: Full, export: Export) -> None:
    row = export.skills[SKILL]
    alt, hidden = labels(row["altLabels"]), labels(row["hiddenLabels"])
    assert len(alt) >= 3 and hidden and GREEN in schemes(row["inScheme"])  # the concept is worth the test
    assert SKILL in {r["conceptUri"] for r in export.csv("greenSkillsCollection_en.csv")}
    found = description(full.store, SKILL)
    assert found[RDF.type] == {URIRef(f"{MODEL}{t}") for t in ("Skill", "MemberConcept")} | {URIRef(f"{SKOS}Concept")}
    assert found[PREF] == {Literal(row["preferredLabel"].strip(), lang="en")}
    assert found[ALT] == {Literal(label, lang="en") for label in alt}
    assert found[HIDDEN] == {Literal(label, lang="en") for label in hidden}
    assert row["skillType"] == "skill/competence" and row["reuseLevel"] == "transversal"
    assert found[URIRef(f"{MODEL}skillType")] == {URIRef(f"{ESCO}skill-type/skill")}
    assert found[URIRef(f"{MODEL}skillReuseLevel")] == {URIRef(f"{ESCO}skill-reuse-level/transversal")}
    assert found[IN_SCHEME] == {URIRef(s) for s in schemes(row["inScheme"])}
    assert URIRef(GREEN) in found[IN_SCHEME]
    assert found[URIRef(f"{DCT}description")] == {Literal(row["description"].strip(), lang="en")}
    assert found[URIRef(f"{DCT}modified")] == {Literal(row["modifiedDate"], datatype=URIRef(f"{XSD}dateTime"))}
    assert found[URIRef(f"{ISOTHES}status")] == {Literal(row["status"])}
    broader = {r["broaderUri"] for r in export.broader["broaderRelationsSkillPillar"] if r["conceptUri"] == SKILL}
    assert {str(o) for o in found[URIRef(f"{SKOS}broader")]} == broader and broader


def test_an_occupation_reads_back_as_in_the_csv(full: Full, export: Export) -> None:
    row = export.occupations[OCCUPATION]
    alt, hidden = labels(row["altLabels"]), labels(row["hiddenLabels"])
    raw = [value for value in row["altLabels"].split("\n") if value]
    assert raw[-1] != raw[-1].strip()  # the last label of the cell ends with a space: stripped like the others
    found = description(full.store, OCCUPATION)
    assert URIRef(f"{MODEL}Occupation") in found[RDF.type]
    assert found[PREF] == {Literal(row["preferredLabel"].strip(), lang="en")}
    assert found[ALT] == {Literal(label, lang="en") for label in alt} and len(alt) == 12
    assert found.get(HIDDEN, set()) == {Literal(label, lang="en") for label in hidden}
    assert found[URIRef(f"{MODEL}memberOfISCOGroup")] == {URIRef(f"{ESCO}isco/C{row['iscoGroup']}")}
    assert found[URIRef(f"{MODEL}regulatedProfessionNote")] == {URIRef(row["regulatedProfessionNote"])}
    assert found[URIRef(f"{SKOS}notation")] == {Literal(row["code"])}
    assert found[IN_SCHEME] == {URIRef(s) for s in schemes(row["inScheme"])}
    for relation, predicate in (("essential", ESSENTIAL), ("optional", OPTIONAL)):
        expected = {
            r["skillUri"]
            for r in export.occupation_skill
            if r["occupationUri"] == OCCUPATION and r["relationType"] == relation
        }
        assert {str(o) for o in found.get(predicate, set())} == expected and expected, relation


@pytest.mark.parametrize("collection", sorted(COLLECTIONS))
def test_collection_membership_is_skos_in_scheme(full: Full, export: Export, collection: str) -> None:
    members = {row["conceptUri"] for row in export.csv(collection)}
    found = {
        str(r["s"])
        for r in select(
            full.store,
            f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s skos:inScheme <{COLLECTIONS[collection]}> ; a esco:Skill }} }}",
        )
    }
    assert found == members and members


def test_the_graph_describes_itself(full: Full) -> None:
    found = description(full.store, GRAPH)
    assert URIRef("http://www.w3.org/ns/dcat#Dataset") in found[RDF.type]
    assert found[URIRef("http://www.w3.org/2002/07/owl#versionInfo")] == {Literal("v1.1.1")}
    assert found[URIRef(f"{DCT}rights")] == {Literal(ATTRIBUTION, lang="en")}
    assert found[URIRef(f"{DCT}language")] == {Literal("en")}
    assert found[URIRef(f"{DCT}source")] == {Literal(str(EXPORT))}
    (generated,) = found[URIRef("http://www.w3.org/ns/prov#generatedAtTime")]
    assert generated.datatype == URIRef(f"{XSD}dateTime")
    assert full.started <= generated.toPython() <= full.finished


def test_the_orphan_occupation_keeps_its_67_relations(full: Full, export: Export) -> None:
    expected = {(r["relationType"], r["skillUri"]) for r in export.occupation_skill if r["occupationUri"] == ORPHAN}
    assert len(expected) == 67
    found = description(full.store, ORPHAN)
    imported = {("essential", str(s)) for s in found.get(ESSENTIAL, ())} | {
        ("optional", str(s)) for s in found.get(OPTIONAL, ())
    }
    assert imported == expected
    assert PREF not in found  # no classification file describes it: no labels
    broader = {r["broaderUri"] for r in export.broader["broaderRelationsOccPillar"] if r["conceptUri"] == ORPHAN}
    assert {str(o) for o in found[URIRef(f"{SKOS}broader")]} == broader and broader
    assert any(ORPHAN in note for note in full.report.notes), full.report.notes


@pytest.fixture(scope="module")
def subset() -> Graph:
    return Graph().parse(SUBSET, format="turtle")


def test_the_import_holds_every_subset_triple_about_occupations_and_skills(full: Full, subset: Graph) -> None:
    assert len(subset) == 71_566
    concepts = set(subset.subjects(RDF.type, URIRef(f"{MODEL}Skill"))) | set(
        subset.subjects(RDF.type, URIRef(f"{MODEL}Occupation"))
    )
    assert len(concepts) == 3_177 + 62
    values = " ".join(f"<{c}>" for c in sorted(concepts))
    rows = select(full.store, f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} GRAPH <{GRAPH}> {{ ?s ?p ?o }} }}")
    imported = {(r["s"], r["p"], r["o"]) for r in rows}
    expected = {t for t in subset if t[0] in concepts}
    assert len(expected) > 60_000
    missing = expected - imported
    assert missing == set(SUBSET_DIFFERENCES), sorted(missing - set(SUBSET_DIFFERENCES))[:20]
    for imported_form in SUBSET_DIFFERENCES.values():
        assert imported_form in imported


# -- small synthetic exports ------------------------------------------------------------------------------------------


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> list[int]:
    """Rows written as ESCO writes them (CRLF, quoted multi-line cells); the line each row starts on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text, starts = io.StringIO(), []
    writer = csv.DictWriter(text, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        starts.append(text.getvalue().count("\n") + 1)
        writer.writerow(row)
    path.write_text(text.getvalue(), encoding="utf-8", newline="")
    return starts


FILES = {  # file key -> where it goes in an export
    "skills": "classification-en/skills_en.csv",
    "occupations": "classification-en/occupations_en.csv",
    "occupationSkillRelations": "relations/occupationSkillRelations.csv",
    "skillSkillRelations": "relations/skillSkillRelations.csv",
    "broaderRelationsSkillPillar": "relations/broaderRelationsSkillPillar.csv",
}


@dataclass
class Selection:
    """A handful of real rows: two occupations, some of their skills, one skill-skill and one broader relation."""

    rows: dict[str, list[dict[str, str]]]

    @property
    def skills(self) -> set[str]:
        return {row["conceptUri"] for row in self.rows["skills"]}

    @property
    def occupations(self) -> set[str]:
        return {row["conceptUri"] for row in self.rows["occupations"]}


@pytest.fixture(scope="module")
def selection(export: Export) -> Selection:
    relations = []
    for occupation in (OCCUPATION, OTHER_OCCUPATION):
        for kind, how_many in (("essential", 3), ("optional", 2)):
            mine = [
                r for r in export.occupation_skill if r["occupationUri"] == occupation and r["relationType"] == kind
            ]
            relations += mine[:how_many]
    skill_skill = [export.skill_skill[0]]
    broader = [
        next(
            r
            for r in export.broader["broaderRelationsSkillPillar"]
            if r["conceptType"] == r["broaderType"] == "KnowledgeSkillCompetence"
        )
    ]
    skills = {r["skillUri"] for r in relations} | {
        skill_skill[0]["originalSkillUri"],
        skill_skill[0]["relatedSkillUri"],
    }
    skills |= {broader[0]["conceptUri"], broader[0]["broaderUri"]}
    assert skills <= set(export.skills)
    return Selection(
        {
            "skills": [export.skills[s] for s in sorted(skills)],
            "occupations": [export.occupations[OCCUPATION], export.occupations[OTHER_OCCUPATION]],
            "occupationSkillRelations": relations,
            "skillSkillRelations": skill_skill,
            "broaderRelationsSkillPillar": broader,
        }
    )


@dataclass
class Written:
    root: Path
    paths: dict[str, Path]
    lines: dict[str, list[int]]  # file key -> the line each row starts on


def write_export(
    root: Path, export: Export, selection: Selection, extra: dict[str, list[tuple[int, dict[str, str]]]] | None = None
) -> Written:
    """The selection as an export under ``root``, with ``extra`` rows inserted at the given positions."""
    paths, lines = {}, {}
    for key, relative in FILES.items():
        rows = list(selection.rows[key])
        for position, row in (extra or {}).get(key, []):
            rows.insert(position, row)
        paths[key] = root / relative
        lines[key] = write_csv(paths[key], export.headers[Path(relative).name], rows)
    return Written(root, paths, lines)


def unused(export: Export, selection: Selection, kind: str, n: int) -> list[dict[str, str]]:
    """Real rows of concepts the selection does not hold."""
    pool = export.skills if kind == "skills" else export.occupations
    chosen = selection.skills | selection.occupations | {SKILL}
    return [dict(row) for iri, row in sorted(pool.items()) if iri not in chosen][:n]


@pytest.fixture
def store(base_settings: Settings) -> Iterator[GraphStore]:
    """A private store with the ontology, code lists and the ESCO subset in the ESCO graph."""
    with store_for(base_settings) as opened:
        yield opened


def relation_triples(store: GraphStore) -> set[tuple[str, str, str]]:
    rows = select(
        store,
        f"SELECT ?a ?r ?b WHERE {{ GRAPH <{GRAPH}> {{ ?a ?r ?b VALUES ?r {{ <{ESSENTIAL}> <{OPTIONAL}> }} }} }}",
    )
    return {(str(r["a"]), str(r["r"]).removeprefix(f"{MODEL}related").removesuffix("Skill"), str(r["b"])) for r in rows}


def expected_relations(occupation_skill: list[dict], skill_skill: list[dict]) -> set[tuple[str, str, str]]:
    return {(r["occupationUri"], r["relationType"].title(), r["skillUri"]) for r in occupation_skill} | {
        (r["originalSkillUri"], r["relationType"].title(), r["relatedSkillUri"]) for r in skill_skill
    }


def test_a_small_export_replaces_the_subset(store: GraphStore, export: Export, selection: Selection, tmp_path: Path):
    written = write_export(tmp_path / "export", export, selection)
    assert state(store).sample  # the subset is there before
    report = import_esco(store, GRAPH, [written.root], workdir=tmp_path)
    assert report.skipped == [] and report.notes == []
    assert report.counts["skills"] == len(selection.skills)
    assert report.counts["occupations"] == 2
    assert report.counts["occupation-skill relations"] == len(selection.rows["occupationSkillRelations"]) == 10
    assert report.counts["skill-skill relations"] == 1 and report.counts["broader relations"] == 1
    assert report.version is None  # no vN.N in the path
    assert report.triples == store.graph_size(GRAPH)
    skills = {str(r["s"]) for r in select(store, f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s a esco:Skill }} }}")}
    assert skills == selection.skills  # the subset's 3,177 skills are gone
    assert relation_triples(store) == expected_relations(
        selection.rows["occupationSkillRelations"], selection.rows["skillSkillRelations"]
    )
    assert not state(store).sample
    no_leftovers(tmp_path)


@pytest.mark.parametrize("where", ["occupationSkillRelations", "skillSkillRelations", "broaderRelationsSkillPillar"])
def test_a_relation_to_an_undescribed_concept_fails_and_changes_nothing(
    store: GraphStore, export: Export, selection: Selection, tmp_path: Path, where: str
) -> None:
    stranger = unused(export, selection, "skills", 1)[0]["conceptUri"]  # a real skill no file of this export describes
    good = selection.rows[where][0]
    bad = dict(good)
    bad[{"occupationSkillRelations": "skillUri", "skillSkillRelations": "relatedSkillUri"}.get(where, "broaderUri")] = (
        stranger
    )
    written = write_export(tmp_path / "export", export, selection, {where: [(1, bad)]})
    before = state(store)
    assert before.sample and before.size == 71_566
    with pytest.raises(EscoImportError) as raised:
        import_esco(store, GRAPH, [written.root], workdir=tmp_path)
    line = written.lines[where][1]
    assert line == 3
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith(f"{written.paths[where]}:{line}: ")
    assert stranger in raised.value.problems[0]
    assert "nothing was changed" in str(raised.value)
    assert state(store) == before
    no_leftovers(tmp_path)


def test_malformed_rows_are_skipped_with_file_and_line(
    store: GraphStore, export: Export, selection: Selection, tmp_path: Path
) -> None:
    bad_iri, bad_type, bad_reuse, bad_date = unused(export, selection, "skills", 4)
    bad_iri["conceptUri"] = "http://data.europa.eu/esco/skill/not an iri"
    bad_type["skillType"] = "competence"
    bad_reuse["reuseLevel"] = "universal"
    bad_date["modifiedDate"] = "last Tuesday"
    (bad_isco,) = unused(export, selection, "occupations", 1)
    bad_isco["iscoGroup"] = "25x1"
    first = selection.rows["occupationSkillRelations"][0]
    other_skill = selection.rows["occupationSkillRelations"][-1]["skillUri"]  # of the other occupation
    assert (first["occupationUri"], other_skill) not in {
        (r["occupationUri"], r["skillUri"]) for r in selection.rows["occupationSkillRelations"]
    }
    bad_relation = {**first, "skillUri": other_skill, "relationType": "mandatory"}
    bad_occupation = {**first, "occupationUri": "occupation/relative"}
    bad_skill_relation = {**selection.rows["skillSkillRelations"][0], "relationType": "related"}
    extra = {
        "skills": [(1, bad_iri), (2, bad_type), (4, bad_reuse), (len(selection.skills) + 3, bad_date)],
        "occupations": [(1, bad_isco)],
        "occupationSkillRelations": [(2, bad_relation), (5, bad_occupation)],
        "skillSkillRelations": [(0, bad_skill_relation)],
    }
    written = write_export(tmp_path / "export", export, selection, extra)
    report = import_esco(store, GRAPH, [written.root], workdir=tmp_path)

    expected = {  # file key, position among the rows -> why
        ("skills", 1): "conceptUri is not an IRI",
        ("skills", 2): "unknown skillType 'competence'",
        ("skills", 4): "unknown reuseLevel 'universal'",
        ("skills", len(selection.skills) + 3): "modifiedDate is not a date-time",
        ("occupations", 1): "iscoGroup is not an ISCO code",
        ("occupationSkillRelations", 2): "relationType is neither essential nor optional",
        ("occupationSkillRelations", 5): "occupationUri is not an IRI",
        ("skillSkillRelations", 0): "relationType is neither essential nor optional",
    }
    prefixes = {
        f"{written.paths[key]}:{written.lines[key][position]}: ": why for (key, position), why in expected.items()
    }
    assert len(report.skipped) == len(expected), report.skipped
    for entry in report.skipped:
        prefix = next((p for p in prefixes if entry.startswith(p)), None)
        assert prefix is not None, f"{entry} names no expected file:line ({sorted(prefixes)})"
        assert prefixes.pop(prefix) in entry
    # line numbers count the lines of multi-line cells: the skill rows span several lines each
    assert written.lines["skills"][len(selection.skills) + 3] > len(selection.skills) + 5

    # the other rows are imported
    skills = {str(r["s"]) for r in select(store, f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s a esco:Skill }} }}")}
    assert skills == selection.skills | {bad_date["conceptUri"]}
    assert report.counts["skills"] == len(selection.skills) + 1
    dated = description(store, bad_date["conceptUri"])
    assert dated[PREF] == {Literal(bad_date["preferredLabel"].strip(), lang="en")}
    assert URIRef(f"{DCT}modified") not in dated  # the bad date is left out, the rest of the row kept
    for left_out in (bad_type["conceptUri"], bad_reuse["conceptUri"], bad_isco["conceptUri"]):
        assert description(store, left_out) == {}
    label = Literal(bad_iri["preferredLabel"].strip(), lang="en")
    assert not store.query(f"ASK {{ GRAPH <{GRAPH}> {{ ?s ?p {label.n3()} }} }}").boolean
    occupations = {
        str(r["s"]) for r in select(store, f"SELECT ?s WHERE {{ GRAPH <{GRAPH}> {{ ?s a esco:Occupation }} }}")
    }
    assert occupations == selection.occupations
    assert relation_triples(store) == expected_relations(
        selection.rows["occupationSkillRelations"], selection.rows["skillSkillRelations"]
    )
    assert report.counts["occupation-skill relations"] == len(selection.rows["occupationSkillRelations"])


RELATION_FILES = ("occupationSkillRelations", "skillSkillRelations", "broaderRelationsSkillPillar")


@pytest.mark.parametrize(
    "keep", [(), RELATION_FILES, ("skills", *RELATION_FILES), ("occupations", *RELATION_FILES)], ids=str
)
def test_a_folder_without_skills_and_occupations_is_refused(
    store: GraphStore, export: Export, selection: Selection, tmp_path: Path, keep: tuple[str, ...]
) -> None:
    written = write_export(tmp_path / "export", export, selection)
    for key, path in written.paths.items():
        if key not in keep:
            path.unlink()
    before = state(store)
    with pytest.raises(EscoImportError, match=r"skills_<lang>\.csv and occupations_<lang>\.csv"):
        import_esco(store, GRAPH, [written.root], workdir=tmp_path)
    assert state(store) == before
    no_leftovers(tmp_path)


def test_a_missing_source_is_refused(store: GraphStore, tmp_path: Path) -> None:
    before = state(store)
    with pytest.raises(EscoImportError, match="no such file or directory"):
        import_esco(store, GRAPH, [tmp_path / "nowhere"], workdir=tmp_path)
    assert state(store) == before


BROKEN_TURTLE = f"""@prefix skos: <{SKOS}> .
<{SKILL}> skos:prefLabel "adopt ways to foster biodiversity"@en ;
    skos:altLabel "unterminated .
"""


@pytest.mark.parametrize("with_csv", [False, True])
def test_a_broken_rdf_dump_fails_and_changes_nothing(
    store: GraphStore, export: Export, selection: Selection, tmp_path: Path, with_csv: bool
) -> None:
    broken = tmp_path / "esco.ttl"
    broken.write_text(BROKEN_TURTLE, encoding="utf-8")
    assert sniff_rdf(broken) == rdf_syntax("turtle")
    sources = [broken]
    if with_csv:  # a good export with it: neither is imported
        sources.insert(0, write_export(tmp_path / "export", export, selection).root)
    before = state(store)
    with pytest.raises(QuerySyntaxError) as raised:
        import_esco(store, GRAPH, sources, workdir=tmp_path)
    assert str(broken) in str(raised.value)
    assert state(store) == before
    no_leftovers(tmp_path)


def test_a_dump_with_relative_iris_is_a_syntax_error_and_changes_nothing(store: GraphStore, tmp_path: Path):
    dump = tmp_path / "esco.ttl"
    dump.write_text(f"<skill/no-base> a <{MODEL}Skill> .\n", encoding="utf-8")
    before = state(store)
    try:
        with pytest.raises(QuerySyntaxError):
            import_esco(store, GRAPH, [dump], workdir=tmp_path)
    finally:
        assert state(store) == before
        no_leftovers(tmp_path)


def test_an_empty_file_is_neither_an_export_nor_a_dump(store: GraphStore, tmp_path: Path) -> None:
    empty = tmp_path / "esco.ttl"
    empty.write_bytes(b"")
    assert sniff_rdf(empty) is None
    before = state(store)
    with pytest.raises(EscoImportError, match="neither an ESCO CSV export directory nor an RDF dump"):
        import_esco(store, GRAPH, [empty], workdir=tmp_path)
    assert state(store) == before


# -- RDF dumps --------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dump_graph(subset: Graph) -> Graph:
    """Three green skills of the shared subset, every triple about them."""
    green = sorted(
        s for s in subset.subjects(IN_SCHEME, URIRef(GREEN)) if (s, RDF.type, URIRef(f"{MODEL}Skill")) in subset
    )
    chosen = {URIRef(SKILL), *green[:2]}
    small = Graph()
    for s in chosen:
        for p, o in subset.predicate_objects(s):
            small.add((s, p, o))
    assert len(small) > 40
    return small


DUMPS = {  # rdflib format -> (a misleading file name, the syntax sniff_rdf must find)
    "nt": ("skills-ntriples.txt", "ntriples"),
    "turtle": ("skills.nt", "turtle"),
    "xml": ("skills.ttl", "rdfxml"),
}


@pytest.mark.parametrize("fmt", sorted(DUMPS))
def test_sniff_rdf_reads_the_content_not_the_name(dump_graph: Graph, tmp_path: Path, fmt: str) -> None:
    name, syntax = DUMPS[fmt]
    for file_name in (name, "skills.txt"):
        path = tmp_path / file_name
        dump_graph.serialize(path, format=fmt, encoding="utf-8")
        assert sniff_rdf(path) == rdf_syntax(syntax), (fmt, file_name)


def test_sniff_rdf_sees_through_a_byte_order_mark_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "dump.data"
    path.write_bytes(b"\xef\xbb\xbf# ESCO\n\n<http://a.example/s> <http://a.example/p> <http://a.example/o> .\n")
    assert sniff_rdf(path) == rdf_syntax("ntriples")
    path.write_bytes(b'\xef\xbb\xbf<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="x"/>')
    assert sniff_rdf(path) == rdf_syntax("rdfxml")


@pytest.mark.parametrize("fmt", sorted(DUMPS))
def test_an_rdf_dump_replaces_the_graph_exactly(store: GraphStore, dump_graph: Graph, tmp_path: Path, fmt: str):
    path = tmp_path / "dump.txt"
    dump_graph.serialize(path, format=fmt, encoding="utf-8")
    report = import_esco(store, GRAPH, [path], version="v1.1.1", workdir=tmp_path)
    found = triples(store)
    own = {t for t in found if t[0] == GRAPH_IRI}
    assert found - own == set(dump_graph)
    assert (GRAPH_IRI, RDF.type, URIRef("http://www.w3.org/ns/dcat#Dataset")) in own
    assert (GRAPH_IRI, URIRef(f"{DCT}rights"), Literal(ATTRIBUTION, lang="en")) in own
    assert (GRAPH_IRI, URIRef("http://www.w3.org/2002/07/owl#versionInfo"), Literal("v1.1.1")) in own
    assert (GRAPH_IRI, URIRef(f"{DCT}source"), Literal(str(path))) in own
    assert report.triples == len(found) == store.graph_size(GRAPH)
    assert report.counts["skills"] == 3
    assert report.languages == set() and report.skipped == []
    no_leftovers(tmp_path)


# -- several languages ------------------------------------------------------------------------------------------------

GERMAN = {
    SKILL: ("Möglichkeiten zur Förderung der Artenvielfalt nutzen", "Artenvielfalt fördern\nTierwohl beachten "),
    OCCUPATION: ("E-Learning-Architekt/E-Learning-Architektin", "E-Learning-Entwickler\nE-Learning-Berater"),
}


def test_two_languages_keep_both_labels(store: GraphStore, export: Export, selection: Selection, tmp_path: Path):
    assert SKILL not in selection.skills
    skills = [*selection.rows["skills"], export.skills[SKILL]]
    english = Selection({**selection.rows, "skills": skills})
    written = write_export(tmp_path / "en", export, english)
    german = tmp_path / "de" / "classification-de"
    for file, concept in (("skills", SKILL), ("occupations", OCCUPATION)):
        row = dict((export.skills if file == "skills" else export.occupations)[concept])
        row["preferredLabel"], row["altLabels"] = GERMAN[concept]
        row["hiddenLabels"], row["description"] = "", f"Beschreibung: {GERMAN[concept][0]}"
        write_csv(german / f"{file}_de.csv", export.headers[f"{file}_en.csv"], [row])
    report = import_esco(store, GRAPH, [written.root, german.parent], workdir=tmp_path)

    assert report.languages == {"en", "de"}
    assert report.counts["skills"] == len(english.skills)  # a concept in two languages is counted once
    assert report.counts["occupations"] == 2
    for concept, rows in ((SKILL, export.skills), (OCCUPATION, export.occupations)):
        found = description(store, concept)
        assert found[PREF] == {
            Literal(rows[concept]["preferredLabel"].strip(), lang="en"),
            Literal(GERMAN[concept][0], lang="de"),
        }
        assert {o for o in found[ALT] if o.language == "de"} == {
            Literal(a, lang="de") for a in labels(GERMAN[concept][1])
        }
        assert {o for o in found[ALT] if o.language == "en"} == {
            Literal(a, lang="en") for a in labels(rows[concept]["altLabels"])
        }
        assert Literal(f"Beschreibung: {GERMAN[concept][0]}", lang="de") in found[URIRef(f"{DCT}description")]
    other = description(store, OTHER_OCCUPATION)
    assert {o.language for o in other[PREF]} == {"en"}
    assert count(store, "?s a esco:Skill", "DISTINCT ?s") == len(english.skills)
    languages = description(store, GRAPH)[URIRef(f"{DCT}language")]
    assert languages == {Literal("en"), Literal("de")}


# -- the command ------------------------------------------------------------------------------------------------------


def cli(*args: str | Path, store: Settings) -> subprocess.CompletedProcess[str]:
    arguments, named = store_arguments(store)
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("SMARCO_STORE", None)
    env.update(named)
    command = [sys.executable, "-m", "smarco_kg", "import", "esco", *map(str, args), *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)


def stored_state(settings: Settings) -> State:
    with store_for(settings, create=False) as opened:
        return state(opened)


def printed_counts(stdout: str) -> dict[str, int]:
    found = {}
    for line in stdout.splitlines():
        match = re.fullmatch(r"\s*(.+?):\s+([\d,]+)\s*", line)
        if match:
            found[match[1]] = int(match[2].replace(",", ""))
    return found


def test_cli_imports_and_prints_the_counts(
    base_settings: Settings, export: Export, selection: Selection, tmp_path: Path
):
    written = write_export(tmp_path / "export", export, selection)
    done = cli(written.root, "--version", "v1.1.1", store=base_settings)
    assert done.returncode == 0, done.stderr
    counts = printed_counts(done.stdout)
    assert counts["skills"] == len(selection.skills)
    assert counts["occupations"] == 2
    assert counts["occupation-skill relations"] == len(selection.rows["occupationSkillRelations"])
    assert counts["skill-skill relations"] == 1
    assert f"ESCO v1.1.1 imported. {ATTRIBUTION}" in done.stdout
    with store_for(base_settings, create=False) as opened:
        assert counts["triples in the ESCO graph"] == opened.graph_size(GRAPH)
        assert count(opened, "?s a esco:Skill", "DISTINCT ?s") == len(selection.skills)
        assert description(opened, GRAPH)[URIRef("http://www.w3.org/2002/07/owl#versionInfo")] == {Literal("v1.1.1")}


def test_cli_refuses_a_missing_path_with_exit_code_2(base_settings: Settings, tmp_path: Path) -> None:
    before = stored_state(base_settings)
    missing = tmp_path / "no-such-export"
    done = cli(missing, store=base_settings)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "no such file or directory" in done.stderr and str(missing) in done.stderr
    assert stored_state(base_settings) == before


def test_cli_lists_a_dangling_relation_and_exits_1(
    base_settings: Settings, export: Export, selection: Selection, tmp_path: Path
) -> None:
    stranger = unused(export, selection, "skills", 1)[0]["conceptUri"]
    bad = {**selection.rows["occupationSkillRelations"][0], "skillUri": stranger}
    written = write_export(tmp_path / "export", export, selection, {"occupationSkillRelations": [(4, bad)]})
    before = stored_state(base_settings)
    done = cli(written.root, store=base_settings)
    assert done.returncode == 1, done.stdout + done.stderr
    location = f"{written.paths['occupationSkillRelations']}:{written.lines['occupationSkillRelations'][4]}:"
    assert location in done.stderr and stranger in done.stderr
    assert "nothing was changed" in done.stderr
    assert stored_state(base_settings) == before
