"""The register's tally gives the rows of the named queries it stands for, on the demo data and after every kind of
write: followed by differences where the write names its resources in the register, counted again otherwise. The
report's other queries' rows, kept across writes of register entries only, are the store's after every kind of
write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.auth import Principal
from smarco_kg.credential_register import Register
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.pact_report import CREDENTIALS, LEARNERS, KeptRows, build_report, run_query
from smarco_kg.queries import QueryRegistry, load_queries
from smarco_kg.register_tally import RegisterTally
from smarco_kg.store import Changeset

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Principal("admin", None, True, "Admin")
YEARS = (2025, 2026, 2027)
SMARCO = "https://w3id.org/smarco/ontology#"
CERTIFICATE = "credential/smarco-certificate-smart-city-engineering"
XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def registry() -> QueryRegistry:
    return load_queries(ROOT / "queries")


@pytest.fixture
def kg(backend: str, request: pytest.FixtureRequest) -> Iterator[KnowledgeGraph]:
    """The demo store. The server keeps a tally only on the embedded store (``api.reports``: a remote store groups
    the register itself), so the tally is compared with the named queries there. On fresh Virtuoso servers the
    comparison did not always hold (CI, twice, and again here): the tally's rows for a year came out merged or
    missing against the named query's, with the same totals, the named query's rows being the embedded store's."""
    if backend != "embedded":  # before a server is leased and reset for nothing
        pytest.skip("embedded store only: the server keeps the register's tally on the embedded store only")
    yield request.getfixturevalue("demo_kg")


@pytest.fixture
def tally(kg: KnowledgeGraph) -> RegisterTally:
    counted = RegisterTally(kg.store, kg.graphs.register)
    kg.observers.append(counted)
    return counted


def _sorted(rows: list[dict[str, str]]) -> list[tuple]:
    return sorted(tuple(sorted((k, v) for k, v in row.items() if k != "year")) for row in rows)


def assert_same(kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally) -> None:
    """For each year: the tally's rows are the named queries' rows (numbers as integers: stores spell sums apart)."""
    for year in YEARS:
        issued = run_query(kg.store, registry[CREDENTIALS], year)
        assert _numbers(tally.credentials_issued(year)) == _numbers(issued), year
        reached = [row for row in run_query(kg.store, registry[LEARNERS], year) if row["source"] == "credentials"]
        assert _numbers(tally.learners_reached(year)) == _numbers(reached), year


def first_entry(kg: KnowledgeGraph, pattern: str) -> str:
    """The first register entry (by IRI) matching ``?c <pattern>``."""
    text = f"SELECT ?c WHERE {{ GRAPH <{kg.graphs.register}> {{ ?c {pattern} }} }} ORDER BY ?c LIMIT 1"
    return str(next(iter(kg.store.query(text).rows()))["c"])


def modify_course(kg: KnowledgeGraph, day: str) -> None:
    """A course's write: a day of modification added to one demo course, in its own graph."""
    course = kg.settings.base_iri + "course/iot-for-smart-cities"
    kg.update(
        f"PREFIX dct: <http://purl.org/dc/terms/>\nINSERT {{ GRAPH ?g {{ <{course}> dct:modified "
        f"\"{day}\"^^<{XSD_DATE}> }} }} WHERE {{ GRAPH ?g {{ <{course}> a ?t }} }}",
        actor="test",
    )  # fmt: skip


def _numbers(rows: list[dict[str, str]]) -> list[tuple]:
    counts = ("issued", "revoked", "learners")
    return _sorted([{k: str(int(float(v))) if k in counts else v for k, v in row.items()} for row in rows])


def test_the_tally_gives_the_named_queries_rows_on_the_demo_data(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    assert tally.credentials_issued(2026), "the demo register issues credentials in 2026"
    assert_same(kg, registry, tally)
    assert tally.recounts == 1
    assert_same_reports(kg, registry, KeptRows(tally))


def link(name: str) -> str:
    return f"http://127.0.0.1/api/queries/{name}"


def assert_same_reports(kg: KnowledgeGraph, registry: QueryRegistry, kept: KeptRows) -> None:
    """For each year: the report from the tally and the kept rows is the report from the named queries alone."""
    for year in YEARS:
        assert build_report(kg.store, registry, year, link, kept) == build_report(kg.store, registry, year, link)


def programmes(kg: KnowledgeGraph, registry: QueryRegistry, year: int) -> int:
    return build_report(kg.store, registry, year, link)["partnership"]["programmesCreatedOrUpdated"]["value"]


def test_issuing_and_revoking_are_followed_by_differences(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    register = Register(kg)
    before = {row["kind"]: int(row["issued"]) for row in tally.credentials_issued(2026) if "country" not in row}
    specification = kg.settings.base_iri + CERTIFICATE
    entry = register.prepare(specification, "edc", None, today=dt.date(2026, 4, 1))
    register.record(entry, "test")
    assert_same(kg, registry, tally)
    after = {row["kind"]: int(row["issued"]) for row in tally.credentials_issued(2026) if "country" not in row}
    assert after.get("certificate", 0) == before.get("certificate", 0) + 1
    register.revoke(entry.id, ADMIN, today=dt.date(2026, 5, 1))
    assert_same(kg, registry, tally)
    assert tally.recounts == 1, "a write naming its credential is followed, not counted again"


def test_a_sparql_update_of_the_register_is_followed_by_differences(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    tally.credentials_issued(2026)
    some = first_entry(kg, f"<{SMARCO}learnerCountry> ?country")
    kg.update(
        f"PREFIX smarco: <{SMARCO}>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
        f"DELETE {{ GRAPH <{kg.graphs.register}> {{ <{some}> smarco:learnerCountry ?c ; dct:issued ?d }} }}\n"
        f"INSERT {{ GRAPH <{kg.graphs.register}> {{ <{some}> dct:issued \"2027-03-03\"^^<{XSD_DATE}> }} }}\n"
        f"WHERE {{ GRAPH <{kg.graphs.register}> {{ <{some}> smarco:learnerCountry ?c ; dct:issued ?d }} }}",
        actor="test",
    )  # fmt: skip
    assert_same(kg, registry, tally)
    assert tally.recounts == 1


def test_a_write_elsewhere_leaves_the_tally_as_it_is(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    tally.credentials_issued(2026)
    modify_course(kg, "2026-07-07")
    assert kg.generation == 1
    assert_same(kg, registry, tally)
    assert tally.recounts == 1, "a course's write cannot change the register's counts"


def test_writes_it_cannot_follow_make_it_count_again(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    tally.credentials_issued(2026)
    some = first_entry(kg, f"a <{SMARCO}IssuedCredential>")
    elsewhere = kg.settings.base_iri + "graph/elsewhere"
    fact = f"<{some}> <{SMARCO}learnerCountry> <http://publications.europa.eu/resource/authority/country/FRA> ."
    kg.apply(Changeset(add=fact.encode(), default_graph=elsewhere), graphs=[elsewhere], actor="test",
             operation="create")  # fmt: skip
    assert_same(kg, registry, tally)
    assert tally.recounts == 2, "a register fact in another graph is counted again"
    kg.apply(Changeset(drop_graphs=[elsewhere]), graphs=[elsewhere], actor="test", operation="delete")
    assert_same(kg, registry, tally)
    assert tally.recounts == 3, "and so is its removal"
    kg.apply(Changeset(clear_graphs=[kg.graphs.register]), graphs=[kg.graphs.register], actor="test",
             operation="delete")  # fmt: skip
    assert_same(kg, registry, tally)
    assert tally.credentials_issued(2026) == [] and tally.learners_reached(2026) == []
    assert tally.recounts == 4, "a register emptied whole is counted again"


def test_the_other_queries_rows_are_kept_across_writes_of_register_entries_only(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    kept = KeptRows(tally)
    assert_same_reports(kg, registry, kept)
    runs = kept.runs
    assert runs == len(YEARS) * 6, "five queries and the labels a year"
    register = Register(kg)
    entry = register.prepare(kg.settings.base_iri + CERTIFICATE, "edc", None, today=dt.date(2026, 4, 1))
    register.record(entry, "test")
    register.revoke(entry.id, ADMIN, today=dt.date(2026, 5, 1))
    italy = "<http://publications.europa.eu/resource/authority/country/ITA>"
    some = first_entry(kg, f"<{SMARCO}learnerCountry> {italy}")
    kg.update(
        f"PREFIX smarco: <{SMARCO}>\nDELETE DATA {{ GRAPH <{kg.graphs.register}> {{ <{some}> smarco:learnerCountry "
        f"{italy} }} }}",
        actor="test",
    )  # fmt: skip
    assert kg.generation == 3 and tally.other_writes == 0
    assert_same_reports(kg, registry, kept)
    assert kept.runs == runs, "issuing, revoking and editing entries ran none of the other queries again"


def test_a_course_written_runs_the_other_queries_again(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    kept = KeptRows(tally)
    assert_same_reports(kg, registry, kept)
    runs, before = kept.runs, programmes(kg, registry, 2027)
    modify_course(kg, "2027-07-07")
    assert tally.other_writes == 1 and programmes(kg, registry, 2027) == before + 1
    assert_same_reports(kg, registry, kept)
    assert kept.runs == 2 * runs


def test_a_register_entry_that_is_more_than_an_entry_runs_the_other_queries_again(
    kg: KnowledgeGraph, registry: QueryRegistry, tally: RegisterTally
) -> None:
    """Written in the register's graph by an unvalidated change, an entry that is also a course (its day of issue
    then dates a programme) changes the report's programmes: no longer an entry only."""
    kept = KeptRows(tally)
    assert_same_reports(kg, registry, kept)
    some = first_entry(kg, "<http://purl.org/dc/terms/issued> ?d FILTER(YEAR(?d) = 2026)")
    before = programmes(kg, registry, 2026)
    typed = f"<{some}> <{RDF_TYPE}> <http://data.europa.eu/snb/model/elm/LearningOpportunity> ."
    kg.apply(Changeset(add=typed.encode(), default_graph=kg.graphs.register), graphs=[kg.graphs.register],
             subjects=[some], actor="test", operation="update")  # fmt: skip
    assert tally.other_writes == 1 and programmes(kg, registry, 2026) == before + 1
    assert_same_reports(kg, registry, kept)
    kg.update(f"DELETE DATA {{ GRAPH <{kg.graphs.register}> {{ {typed} }} }}", actor="test")
    assert tally.other_writes == 2, "was more than an entry before the write: another write too"
    assert programmes(kg, registry, 2026) == before
    assert_same_reports(kg, registry, kept)
