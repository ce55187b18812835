"""The Pact for Skills report over a live server: every figure equals a count made here from plain triples (see
``tests/community.py``), the CSV and XLSX carry the JSON's numbers, a write changes the figures, bad input is a
problem document."""

from __future__ import annotations

import csv
import io
import itertools
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from tests.backends import Template
from tests.community import (
    BASE,
    DCT,
    ELM,
    ORG,
    SCHEMA,
    SMARCO,
    Facts,
    code,
    credentials_in,
    memberships,
    participants_in,
    read_facts,
    seed_world,
    targets,
    year_of,
)
from tests.server import LiveServer, describe, live_server, problem

YEAR = 2026
REPORT = "/api/reports/pact-for-skills"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def server(_base_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_base_template, tmp_path_factory.mktemp("pact"), partner="cefriel", seed=seed_world) as live:
        yield live


@pytest.fixture(scope="module")
def facts(server: LiveServer) -> Facts:
    return read_facts(server)


def report(server: LiveServer, year: int = YEAR, **params: str) -> dict[str, Any]:
    response = server.client.get(f"{server.url}{REPORT}", params={"year": str(year), **params})
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("application/json"), describe(response)
    return response.json()


# ---- the independent counts ---------------------------------------------------------------------------------------


def achieved_in(facts: Facts, year: int) -> list[tuple[str, str, str | None, int]]:
    """(pledge, indicator, target's country, amount) for every achievement of a report whose period ends in year."""
    found = []
    for pledge in facts.of_type(SMARCO + "Pledge"):
        if not facts.objects(pledge, SMARCO + "pledgedBy"):
            continue
        for report_node in facts.objects(pledge, SMARCO + "progressReport"):
            end = facts.one(report_node, SCHEMA + "endDate")
            if end is None or year_of(end) != year:
                continue
            for achievement in facts.objects(report_node, SMARCO + "achievement"):
                target = facts.one(achievement, SMARCO + "againstTarget")
                assert target is not None
                indicator = facts.one(target, SMARCO + "indicator")
                amount = int(facts.one(achievement, SMARCO + "amount") or 0)
                found.append((pledge, code(indicator) or "", code(facts.one(target, DCT + "spatial")), amount))
    return found


def by_country(pairs: list[tuple[str | None, int]]) -> dict[str | None, int]:
    counted: Counter[str | None] = Counter()
    for key, amount in pairs:
        counted[key] += amount
    return dict(counted)


def programmes_in(facts: Facts, year: int) -> list[str]:
    kinds = [ELM + "LearningOpportunity", ELM + "LearningAchievementSpecification", SMARCO + "MicroCredential",
             SMARCO + "Certificate"]  # fmt: skip
    dated = {
        s
        for kind in kinds
        for s in facts.of_type(kind)
        if any(year_of(d) == year for p in (DCT + "issued", DCT + "modified") for d in facts.objects(s, p))
    }
    return sorted(dated)


def breakdown(figure: dict[str, Any], name: str) -> dict[str | None, int]:
    return {item[name]: item["value"] for item in figure.get(f"by{name[0].upper()}{name[1:]}", [])}


# ---- every figure ---------------------------------------------------------------------------------------------------


def test_the_fixture_s_figures_are_those_written_in_it(server: LiveServer) -> None:
    """The fixture's header states its 2026 figures; the report gives them (so the counts below count something)."""
    figures = report(server)["partnership"]
    assert figures["peopleUpskilled"]["value"] == 275
    assert figures["peopleReskilled"]["value"] == 160
    assert figures["microCredentialsIssued"]["value"] == 22
    assert figures["credentialsIssued"]["value"] == 10 and figures["credentialsRevoked"]["value"] == 2
    assert figures["learnersReached"]["value"] == 8 + 137


@pytest.mark.parametrize("indicator", ["peopleUpskilled", "peopleReskilled", "microCredentialsIssued"])
@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_achievements_are_the_reports_ending_in_the_year(
    server: LiveServer, facts: Facts, indicator: str, year: int
) -> None:
    figure = report(server, year)["partnership"][indicator]
    rows = [(country, amount) for _, ind, country, amount in achieved_in(facts, year) if ind == indicator]
    assert figure["value"] == sum(amount for _, amount in rows)
    assert breakdown(figure, "country") == by_country(rows)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_learners_reached_are_credentials_not_revoked_and_event_participants(
    server: LiveServer, facts: Facts, year: int
) -> None:
    figure = report(server, year)["partnership"]["learnersReached"]
    credentials = [c for c in credentials_in(facts, year) if not facts.objects(c, SMARCO + "revoked")]
    participants = participants_in(facts, year)
    assert figure["value"] == len(credentials) + sum(p.amount for p in participants)
    parts = {s["part"]: s["value"] for s in figure["sources"]}
    assert parts == {"credentials": len(credentials), "events": sum(p.amount for p in participants)}
    countries = [(code(facts.one(c, SMARCO + "learnerCountry")), 1) for c in credentials]
    assert breakdown(figure, "country") == by_country(countries + [(code(p.country), p.amount) for p in participants])


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_credentials_issued_and_revoked_come_from_the_register(server: LiveServer, facts: Facts, year: int) -> None:
    figures = report(server, year)["partnership"]
    issued = credentials_in(facts, year)
    assert figures["credentialsIssued"]["value"] == len(issued)
    assert figures["credentialsRevoked"]["value"] == sum(bool(facts.objects(c, SMARCO + "revoked")) for c in issued)
    countries = [(code(facts.one(c, SMARCO + "learnerCountry")), 1) for c in issued]
    assert breakdown(figures["credentialsIssued"], "country") == by_country(countries)
    kinds: Counter[str] = Counter()
    for credential in issued:
        spec = facts.one(credential, SMARCO + "specification")
        types = set(facts.objects(spec or "", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))
        kinds["micro-credential" if SMARCO + "MicroCredential" in types
              else "certificate" if SMARCO + "Certificate" in types else "other"] += 1  # fmt: skip
    assert breakdown(figures["credentialsIssued"], "kind") == dict(kinds)


@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_members_are_counted_once_their_membership_started(server: LiveServer, facts: Facts, year: int) -> None:
    figure = report(server, year)["partnership"]["stakeholders"]
    members = memberships(facts, year)
    assert figure["value"] == len(members)
    assert breakdown(figure, "role") == dict(Counter(code(role) for _, role in members))
    types = Counter(code(t) for o, _ in members for t in (facts.objects(o, ORG + "classification") or [None]))
    assert breakdown(figure, "type") == dict(types)
    countries = Counter(code(c) for o, _ in members for c in (facts.country(o) or {None}))
    assert breakdown(figure, "country") == dict(countries)


def test_stakeholders_joining_later_are_not_counted_yet(server: LiveServer) -> None:
    stakeholders = [breakdown(report(server, y)["partnership"]["stakeholders"], "role")["stakeholder"]
                    for y in (2024, 2025, 2026, 2027)]  # fmt: skip
    fixture = [1, 3, 6, 8]  # the fixture's memberships start in 2024, 2025 (two), 2026 (three) and 2027 (two)
    assert all(found >= least for found, least in zip(stakeholders, fixture, strict=True))
    assert all(later - earlier >= 1 for earlier, later in itertools.pairwise(stakeholders))


@pytest.mark.parametrize("year", [2025, 2026])
def test_programmes_are_pledged_ones_and_dated_catalogue_records(server: LiveServer, facts: Facts, year: int) -> None:
    figure = report(server, year)["partnership"]["programmesCreatedOrUpdated"]
    pledged = sum(a for _, ind, _, a in achieved_in(facts, year) if ind == "programmesCreatedOrUpdated")
    catalogue = programmes_in(facts, year)
    assert catalogue, "the fixture dates a course in 2026 and a certificate in 2025"
    assert {s["part"]: s["value"] for s in figure["sources"]} == {"pledges": pledged, "catalogue": len(catalogue)}
    assert figure["value"] == pledged + len(catalogue)


def test_each_pledge_s_targets_carry_what_was_achieved_against_them(server: LiveServer, facts: Facts) -> None:
    pledges = report(server)["pledges"]
    expected: dict[str, dict[str, tuple[int, int]]] = {}
    for target, counted in targets(facts, YEAR).items():
        expected.setdefault(counted.pledge, {})[target] = (counted.amount, counted.achieved)
    found = {p["id"]: {t["id"]: (t["amount"], t["achieved"]) for t in p["targets"]} for p in pledges if p["targets"]}
    assert found == expected
    for pledge in pledges:
        for target in pledge["targets"]:
            assert target["percent"] == round(100 * target["achieved"] / target["amount"], 1)
    cefriel = next(p for p in pledges if p["id"] == f"{BASE}pledge/cefriel-digital-upskilling")
    first = next(t for t in cefriel["targets"] if t["id"].endswith("/target/1"))
    assert (first["achieved"], first["percent"], first["country"]) == (180, 90.0, "ITA")  # 30 in 2025, 150 in 2026


def test_each_pledge_s_figures_are_its_own_achievements_and_credentials(server: LiveServer, facts: Facts) -> None:
    pledges = report(server)["pledges"]
    per_pledge: dict[str, Counter[str]] = defaultdict(Counter)
    for pledge, indicator, _, amount in achieved_in(facts, YEAR):
        per_pledge[pledge][indicator] += amount
    issued = credentials_in(facts, YEAR)
    for pledge in pledges:
        for indicator in ("peopleUpskilled", "peopleReskilled", "programmesCreatedOrUpdated", "microCredentialsIssued"):
            assert pledge["figures"][indicator]["value"] == per_pledge[pledge["id"]][indicator], (
                pledge["id"],
                indicator,
            )
        awarded = [c for c in issued if facts.one(c, ELM + "awardingBody") == pledge["organisation"]["id"]]
        assert pledge["figures"]["credentialsIssued"]["value"] == len(awarded)
    assert {p["id"] for p in pledges} >= set(per_pledge)


def test_every_figure_links_the_named_queries_it_sums(server: LiveServer) -> None:
    found = report(server)
    for name, figure in found["partnership"].items():
        assert figure["sources"], name
        assert sum(s["value"] for s in figure["sources"]) == figure["value"], name
        for key, values in figure.items():
            if key.startswith("by"):
                assert sum(v["value"] for v in values) == figure["value"], (name, key)
    for name, url in found["queries"].items():
        assert url.endswith(f"/api/queries/{name}?year={YEAR}")
        response = server.client.get(url, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, describe(response)
    upskilled = found["partnership"]["peopleUpskilled"]["sources"][0]["url"]
    rows = server.client.get(upskilled, headers={"Accept": "application/sparql-results+json"}).json()
    bindings = rows["results"]["bindings"]
    reproduced = sum(int(b["achieved"]["value"]) for b in bindings if b["indicator"]["value"].endswith("Upskilled"))
    assert reproduced == found["partnership"]["peopleUpskilled"]["value"]


# ---- CSV and XLSX --------------------------------------------------------------------------------------------------


def expected_rows(found: dict[str, Any]) -> set[tuple]:
    """(scope, pledge, figure, breakdown, key, value) for every number of the JSON."""
    rows: set[tuple] = set()

    def figure_rows(scope: str, pledge: str, name: str, figure: dict[str, Any]) -> None:
        rows.add((scope, pledge, name, "total", "", figure["value"]))
        for key, values in figure.items():
            if key.startswith("by"):
                dimension = key[2:].lower()
                rows.update((scope, pledge, name, dimension, v[dimension] or "", v["value"]) for v in values)

    for name, figure in found["partnership"].items():
        figure_rows("partnership", "", name, figure)
    for pledge in found["pledges"]:
        for name, figure in pledge["figures"].items():
            figure_rows("pledge", pledge["title"], name, figure)
        for target in pledge["targets"]:
            rows.add(("pledge", pledge["title"], target["indicator"], "target-amount", "", target["amount"]))
            rows.add(("pledge", pledge["title"], target["indicator"], "target", "", target["achieved"]))
    return rows


def table_rows(records: list[dict[str, Any]]) -> set[tuple]:
    rows: set[tuple] = set()
    for r in records:
        if r["breakdown"] == "source":
            continue
        key = "" if r["breakdown"] == "target" else (r["key"] or "")
        rows.add((r["scope"], r["pledge"] or "", r["figure"], r["breakdown"], key, int(r["value"])))
        if r["breakdown"] == "target":
            rows.add((r["scope"], r["pledge"] or "", r["figure"], "target-amount", "", int(r["amount"])))
    return rows


def test_the_csv_carries_the_json_s_numbers(server: LiveServer) -> None:
    response = server.client.get(f"{server.url}{REPORT}", params={"year": str(YEAR), "format": "csv"})
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    text = response.content.decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert table_rows(records) == expected_rows(report(server))


def test_the_xlsx_carries_the_json_s_numbers(server: LiveServer) -> None:
    response = server.client.get(f"{server.url}{REPORT}", params={"year": str(YEAR)}, headers={"Accept": XLSX})
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content))["pact-for-skills"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    records = [dict(zip(values[0], row, strict=True)) for row in values[1:]]
    assert all(isinstance(r["value"], int) for r in records)  # numbers, not text
    assert table_rows(records) == expected_rows(report(server))


# ---- not stale after a write ---------------------------------------------------------------------------------------


def test_a_write_changes_the_report(server: LiveServer) -> None:
    before = report(server)["partnership"]
    assert report(server)["partnership"] == before  # the second answer comes from the cache, unchanged
    credential = f"urn:uuid:{uuid.uuid4()}"
    response = server.update(
        f"""PREFIX smarco: <{SMARCO}>
PREFIX elm: <{ELM}>
PREFIX dct: <{DCT}>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT DATA {{ GRAPH <{BASE}graph/register> {{
  <{credential}> a smarco:IssuedCredential ;
    smarco:specification <{BASE}credential/iot-for-smart-cities> ; elm:awardingBody <{BASE}organisation/cefriel> ;
    dct:issued "{YEAR}-09-09"^^xsd:date ; dct:conformsTo smarco:openBadge ;
    smarco:learnerCountry <http://publications.europa.eu/resource/authority/country/IRL> ;
    smarco:statusListIndex "99"^^xsd:nonNegativeInteger .
}} }}""",
        token=server.admin,
    )
    assert response.status_code in (200, 204), describe(response)
    after = report(server)["partnership"]
    assert after["credentialsIssued"]["value"] == before["credentialsIssued"]["value"] + 1
    assert after["learnersReached"]["value"] == before["learnersReached"]["value"] + 1
    irish = breakdown(before["learnersReached"], "country").get("IRL", 0)
    assert breakdown(after["learnersReached"], "country").get("IRL") == irish + 1


# ---- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"year": "20x6"}, "year"),
        ({"year": "1999"}, "year"),
        ({"year": "99999"}, "year"),
        ({}, "year"),
        ({"year": "2026", "format": "pdf"}, "format"),
        ({"year": "2026", "colour": "blue"}, "colour"),
        ({"year": ["2026", "2027"]}, "year"),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(server: LiveServer, params: dict, parameter: str) -> None:
    response = server.client.get(f"{server.url}{REPORT}", params=params)
    body = problem(response, 422)
    assert body["errors"][0]["parameter"] == parameter


def test_an_unacceptable_media_type_is_a_406(server: LiveServer) -> None:
    response = server.client.get(f"{server.url}{REPORT}", params={"year": "2026"}, headers={"Accept": "image/png"})
    problem(response, 406)


def test_the_report_is_described_in_openapi(server: LiveServer) -> None:
    described = httpx.get(f"{server.url}/openapi.json", timeout=60).json()
    operation = described["paths"][REPORT]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "partnership" in schema["properties"] and "pledges" in schema["properties"]
    assert {p["name"] for p in operation["parameters"]} == {"year", "format"}
