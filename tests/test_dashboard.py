"""The coordinator's dashboard over HTTP, on both backends: every number on the page, in its CSV and in its XLSX
equals a count made independently in the test (``tests/community.py``), a write moves the number at once,
and a bad year is a 422 problem on the page and on every download. The demo data is loaded with the community
fixture ``tests/data/community.trig`` (stakeholders, pledges, events, adoptions, the register)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.dashboard import compute
from smarco_kg.formats import rdf_syntax
from smarco_kg.generation_cache import LANE, GenerationCache
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.queries import load_queries
from tests.backends import Template
from tests.community import (
    BASE,
    FIXTURE,
    csv_rows,
    events_by_type,
    expected,
    load_community,
    page_tables,
    read_facts,
    stakeholders,
    targets,
    xlsx_rows,
)
from tests.server import LiveServer, describe, live_server, problem

PARTNER = "cefriel"
YEARS = (2025, 2026)
MEASURES = ("courses", "microCredentials", "certificates", "credentialsIssued", "learnersReached", "digitalSkills",
            "greenSkills", "events", "participants", "practicesShared", "practicesAdopted")  # fmt: skip
TABLES = ("aims", "partners", "countries", "skills", "pledges", "events", "stakeholders")
COURSE = f"{BASE}course/dashboard-write-test"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("dashboard"), partner=PARTNER, seed=load_community) as s:
        yield s


def _page(api: LiveServer, path: str):
    response = api.client.get(api.url + path, headers={"Accept": "text/html"})
    assert response.status_code == 200, describe(response)
    return page_tables(response.text)


def _check_dimension(tables, dimension: str, counts, members_expected: set[str]) -> None:
    rows, ids = tables.tables[dimension], tables.ids[dimension]
    assert rows[0][1:] and len(rows) - 1 == len(ids)
    assert members_expected <= set(ids), members_expected - set(ids)
    for member, row in zip(ids, rows[1:], strict=True):
        shown = [int(v) for v in row[1:]]
        assert shown == [counts.value(m, member) for m in MEASURES], (dimension, member, row)


@pytest.mark.parametrize("year", YEARS)
def test_every_number_on_the_dashboard_equals_an_independent_count(api: LiveServer, year: int) -> None:
    facts = read_facts(api)
    dims = expected(facts, year)
    tables = _page(api, f"/dashboard?year={year}")
    for dimension in ("aims", "partners", "countries"):
        nonzero = {m for measure in MEASURES for m, items in dims[dimension].items[measure].items() if items}
        _check_dimension(tables, dimension, dims[dimension], nonzero if dimension != "partners" else set())
    # the partnership's figures, in the words at the top of the page
    total = dims["total"]
    for measure in MEASURES:
        words = tables.summary[measure]
        assert f"{total.value(measure, ''):,}" in words, (measure, words)
    digital, green = (len(dims["sizes"].items[c][""]) for c in ("digital", "green"))
    share = round(100 * total.value("digitalSkills", "") / digital, 1)
    assert tables.summary["digitalSkills"] == (
        f"{share:g}% of ESCO's digital skills ({total.value('digitalSkills', '')} of {digital:,})"
    )
    # ESCO coverage per organisation, as percentages with one decimal
    skills = tables.tables["skills"]
    for member, row in zip(tables.ids["skills"], skills[1:], strict=True):
        d, g = (
            (dims["total"] if not member else dims["partners"]).value("digitalSkills", member),
            (dims["total"] if not member else dims["partners"]).value("greenSkills", member),
        )
        assert [int(row[1]), float(row[2]), int(row[3]), float(row[4])] == [
            d, round(100 * d / digital, 1), g, round(100 * g / green, 1)
        ], row  # fmt: skip
    # pledges against their targets
    per_indicator: dict[str, list[int]] = {}
    for target in targets(facts, year).values():
        summed = per_indicator.setdefault(target.indicator, [0, 0, 0])
        summed[0], summed[1], summed[2] = summed[0] + 1, summed[1] + target.amount, summed[2] + target.achieved
    shown = {i: [int(r[1]), int(r[2]), int(r[3])] for i, r in _rows(tables, "pledges")}
    assert shown == per_indicator
    # events and participants per type, stakeholders per type
    events = {t: (int(r[1]), int(r[2])) for t, r in _rows(tables, "events")}
    assert events == events_by_type(facts, year)
    assert sum(int(r[1]) for _, r in _rows(tables, "stakeholders")) == stakeholders(facts, year)


def _rows(tables, name: str) -> list[tuple[str, list[str]]]:
    """(what the row is about, its cells) of a table; none where the page says there is nothing to show."""
    return list(zip(tables.ids.get(name, []), tables.tables.get(name, [[]])[1:], strict=True))


def test_the_fixture_gives_each_section_something_to_count(api: LiveServer) -> None:
    """So that the comparisons above compare numbers, not empty tables."""
    facts = read_facts(api)
    dims = expected(facts, 2026)
    for measure in MEASURES:
        assert dims["total"].value(measure, "") > 0, measure
    assert targets(facts, 2026) and 0 < stakeholders(facts, 2026) < stakeholders(facts, 2027)


def test_the_community_fixture_conforms_to_the_shapes(demo_kg: KnowledgeGraph) -> None:
    """The tests load the fixture as trusted data, past the shapes: here it goes through the validated write path
    once, over the demo data it refers to."""
    result = demo_kg.commit(FIXTURE, rdf_syntax("trig"), base_iri=BASE, dry_run=True, name=FIXTURE.name)
    assert result.report.problems == [] and result.report.focus_nodes > 0


def test_each_download_says_what_the_page_says(api: LiveServer) -> None:
    tables = _page(api, "/dashboard?year=2026")
    for table in TABLES:
        shown = tables.tables[table]  # every table has rows in 2026
        response = api.client.get(f"{api.url}/dashboard/{table}.csv?year=2026")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv"), table
        assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheet programs need for UTF-8
        as_csv = csv_rows(response.content)
        workbook = api.client.get(f"{api.url}/dashboard/{table}.xlsx?year=2026")
        assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX, table
        assert 'filename="smarco-' in workbook.headers["content-disposition"]
        as_xlsx = xlsx_rows(workbook.content)
        assert as_csv[0] == as_xlsx[0] == shown[0], table  # the same headings
        assert len(as_csv) == len(as_xlsx) == len(shown), table
        for page_row, csv_row, xlsx_row in zip(shown[1:], as_csv[1:], as_xlsx[1:], strict=True):
            assert [_same(v) for v in csv_row] == [_same(v) for v in xlsx_row], (table, csv_row, xlsx_row)
            assert [_same(v) for v in csv_row[1:]] == [_same(v) for v in page_row[1:]], (table, csv_row, page_row)


def _same(value: str) -> str:
    """A cell as a number where it is one (24.0 and 24.0 alike), else its text."""
    try:
        return repr(float(value))
    except ValueError:
        return value


def test_a_partner_page_gives_the_same_figures_for_one_partner(api: LiveServer) -> None:
    facts = read_facts(api)
    dims = expected(facts, 2026)
    organisation = f"{BASE}organisation/national-college-of-ireland"
    tables = _page(api, "/dashboard/partners/national-college-of-ireland?year=2026")
    figures = dict(zip(tables.ids["figures"], tables.tables["figures"][1:], strict=True))
    assert {m: int(figures[m][1]) for m in MEASURES} == {m: dims["partners"].value(m, organisation) for m in MEASURES}
    own = {t: (int(r[3]), int(r[4])) for t, r in _rows(tables, "pledges")}  # its own pledge's targets, one by one
    assert own == {t: (x.amount, x.achieved) for t, x in targets(facts, 2026).items() if "nci-" in t} and own
    page = api.client.get(f"{api.url}/dashboard?year=2026").text
    assert 'href="/dashboard/partners/national-college-of-ireland?year=2026"' in page
    own = api.client.get(f"{api.url}/organisation/national-college-of-ireland", headers={"Accept": "text/html"}).text
    assert 'href="/dashboard/partners/national-college-of-ireland"' in own
    csv = api.client.get(f"{api.url}/dashboard/partners/national-college-of-ireland/figures.csv?year=2026")
    assert csv.status_code == 200 and len(csv_rows(csv.content)) == len(MEASURES) + 1
    missing = api.client.get(f"{api.url}/dashboard/partners/no-such-partner", headers={"Accept": "text/html"})
    assert missing.status_code == 404 and "<html" in missing.text


def test_a_write_changes_the_number_at_once(api: LiveServer) -> None:
    before = _page(api, "/dashboard?year=2026")
    cefriel = f"{BASE}organisation/{PARTNER}"
    row = dict(zip(before.ids["partners"], before.tables["partners"][1:], strict=True))[cefriel]
    update = _new_course(COURSE, cefriel, "written by the dashboard's test")
    written = api.update(update)
    assert written.status_code in (200, 204), describe(written)
    after = _page(api, "/dashboard?year=2026")
    moved = dict(zip(after.ids["partners"], after.tables["partners"][1:], strict=True))[cefriel]
    assert int(moved[1]) == int(row[1]) + 1
    dims = expected(read_facts(api), 2026)
    _check_dimension(after, "partners", dims["partners"], set())
    assert after.summary["courses"] == f"{dims['total'].value('courses', ''):,}"


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "20 26", "٢٠٢٦"])
def test_a_bad_year_is_a_422_problem_on_the_page_and_the_downloads(api: LiveServer, year: str) -> None:
    page = api.client.get(f"{api.url}/dashboard", params={"year": year}, headers={"Accept": "text/html"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "year" in page.text and "Something in the address is not right" in page.text
    as_data = api.client.get(f"{api.url}/dashboard", params={"year": year}, headers={"Accept": "application/json"})
    assert problem(as_data, 422)["errors"][0]["parameter"] == "year"
    for path in ("/dashboard/partners.csv", "/dashboard/pledges.xlsx", "/dashboard/partners/cefriel",
                 "/dashboard/partners/cefriel/figures.csv"):  # fmt: skip
        body = problem(api.client.get(f"{api.url}{path}", params={"year": year}), 422)
        assert body["errors"][0] == {"parameter": "year", "value": year, "message": body["errors"][0]["message"]}


def test_the_year_defaults_to_this_year_and_the_navigation_links_the_dashboard(api: LiveServer) -> None:
    from datetime import date

    page = api.client.get(f"{api.url}/dashboard").text
    assert f'name="year" value="{date.today().year}"' in page
    home = api.client.get(f"{api.url}/", headers={"Accept": "text/html"}).text
    assert '<a href="/dashboard">' in home
    unknown = api.client.get(f"{api.url}/dashboard/nothing.csv?year=2026")
    assert problem(unknown, 404)["title"] == "no such table"


def test_a_write_has_the_figures_asked_before_it_computed_again_in_the_background(
    demo_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    registry = load_queries(demo_kg.settings.queries_dir)
    cache: GenerationCache = GenerationCache("dashboard-figures", warm=4, generation=lambda: demo_kg.generation)
    demo_kg.listeners.append(cache.kick)
    before = cache.get(demo_kg.generation, 2026, lambda: compute(demo_kg.store, registry, 2026))
    course = f"{BASE}course/dashboard-background-test"
    demo_kg.update(_new_course(course, f"{BASE}organisation/{PARTNER}", "written in the background test"), actor="test")
    assert LANE.idle(60)
    # computed already: with no named queries at all, a computation now would fail
    empty = load_queries(tmp_path)
    after = cache.get(demo_kg.generation, 2026, lambda: compute(demo_kg.store, empty, 2026))
    assert after.value("courses") == before.value("courses") + 1


def _new_course(course: str, provider: str, written: str) -> str:
    """A SPARQL Update adding a valid course of ``provider`` that teaches one skill and serves one aim: what moves
    the dashboard's course count by one."""
    return f"""PREFIX elm: <http://data.europa.eu/snb/model/elm/> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX smarco: <https://w3id.org/smarco/ontology#> PREFIX lang: <http://publications.europa.eu/resource/authority/language/>
INSERT DATA {{ GRAPH <{BASE}graph/partner/{PARTNER}> {{
  <{course}> a elm:LearningOpportunity ; dct:title "A course {written}"@en ;
    dct:description "Written to see the dashboard move."@en ; elm:providedBy <{provider}> ;
    elm:learningAchievementSpecification <{course}/specification> ;
    elm:defaultLanguage lang:ENG ; smarco:aim smarco:resilientCommunities ; smarco:isSampleData true .
  <{course}/specification> a elm:LearningAchievementSpecification ; dct:title "Dashboard write test"@en ;
    elm:learningOutcome <{course}/outcome/1> ; elm:EQFLevel <http://data.europa.eu/snb/eqf/6> ;
    dct:language lang:ENG ; elm:volumeOfLearning "PT20H"^^<http://www.w3.org/2001/XMLSchema#duration> ;
    smarco:isSampleData true .
  <{course}/outcome/1> a elm:LearningOutcome ; dct:title "Read a dashboard"@en ;
    elm:relatedESCOSkill <http://data.europa.eu/esco/skill/4d85b881-e490-4b4c-897a-2faa4ef53956> . }} }}"""
