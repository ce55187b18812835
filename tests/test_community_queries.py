"""The research named queries over the community, each checked row by row against a count made here from plain
triples (``tests/community.py``) over the demo data and the community fixture."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

import httpx
import pytest

from tests.backends import Template
from tests.community import (
    DCT,
    DIGITAL,
    ELM,
    GREEN,
    ORG,
    SCHEMA,
    SKOS,
    SMARCO,
    Facts,
    memberships,
    read_facts,
    seed_world,
    targets,
    year_of,
)
from tests.server import LiveServer, describe, live_server, problem

JSON_RESULTS = "application/sparql-results+json"


@pytest.fixture(scope="module")
def server(_base_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_base_template, tmp_path_factory.mktemp("community"), partner="cefriel", seed=seed_world) as live:
        yield live


@pytest.fixture(scope="module")
def facts(server: LiveServer) -> Facts:
    return read_facts(server)


def run(server: LiveServer, name: str, **params: str) -> list[dict[str, str]]:
    response = server.client.get(
        f"{server.url}/api/queries/{name}", params={"limit": "1000", **params}, headers={"Accept": JSON_RESULTS}
    )
    assert response.status_code == 200, describe(response)
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def test_the_research_queries_are_listed_with_their_headers(server: LiveServer) -> None:
    listed = {q["name"]: q for q in httpx.get(f"{server.url}/api/queries", timeout=60).json()["queries"]}
    for name in ("pledges-behind-target", "practices-adopted-across-borders", "stakeholders-per-country-and-type",
                 "events-per-skill-area", "learners-reached-per-partner-and-year"):  # fmt: skip
        assert listed[name]["summary"] and listed[name]["description"] and listed[name]["tags"], name


# ---- pledges behind target -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["2026", "2027"])
def test_pledges_behind_target_are_those_short_of_their_amount(server: LiveServer, facts: Facts, year: str) -> None:
    expected = {
        target: (t.amount, t.achieved, t.amount - t.achieved, round(100 * t.achieved / t.amount, 1))
        for target, t in targets(facts, int(year)).items()
        if t.achieved < t.amount
    }
    rows = run(server, "pledges-behind-target", year=year)
    found = {r["target"]: (int(r["amount"]), int(r["achieved"]), int(r["missing"]), float(r["percent"])) for r in rows}
    assert found == expected and found, "the fixture has targets behind in 2026 and 2027"
    percents = [float(r["percent"]) for r in rows]
    assert percents == sorted(percents)  # furthest behind first


# ---- practices adopted across borders ------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [None, "2026", "2025"])
def test_adoptions_across_borders_differ_from_the_practice_s_country(
    server: LiveServer, facts: Facts, year: str | None
) -> None:
    expected = set()
    for practice in facts.of_type(SMARCO + "BestPractice"):
        home = set(facts.objects(practice, DCT + "spatial"))
        for adoption in facts.objects(practice, SMARCO + "adoption"):
            where, when = facts.one(adoption, DCT + "spatial"), facts.one(adoption, DCT + "date")
            if where in home or when is None or (year and year_of(when) != int(year)):
                continue
            expected.add((practice, facts.one(adoption, SMARCO + "adoptedBy"), where, when))
    rows = run(server, "practices-adopted-across-borders", **({"year": year} if year else {}))
    assert {(r["practice"], r["adopter"], r["adoptionCountry"], r["date"]) for r in rows} == expected
    assert len(expected) >= {None: 4, "2026": 3, "2025": 1}[year]  # the fixture's; two are in the practice's country


# ---- stakeholders per country and type -----------------------------------------------------------------------------


@pytest.mark.parametrize("year", [None, "2025", "2026"])
def test_stakeholders_are_counted_per_country_and_type(server: LiveServer, facts: Facts, year: str | None) -> None:
    counted: Counter[tuple[str | None, str | None]] = Counter()
    for organisation, role in memberships(facts, int(year) if year else None):
        if role != SMARCO + "stakeholder":
            continue
        for country in facts.country(organisation) or {None}:
            for kind in facts.objects(organisation, ORG + "classification") or [None]:
                counted[(country, kind)] += 1
    rows = run(server, "stakeholders-per-country-and-type", **({"year": year} if year else {}))
    assert {(r.get("country"), r.get("type")): int(r["stakeholders"]) for r in rows} == dict(counted)
    assert sum(counted.values()) >= {None: 8, "2025": 3, "2026": 6}[year]  # the fixture's stakeholders


# ---- events per skill area -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [None, "2026", "2025"])
def test_events_per_skill_area_count_events_and_participants(
    server: LiveServer, facts: Facts, year: str | None
) -> None:
    expected: dict[str, tuple[int, int]] = {}
    for name, scheme in (("digital", DIGITAL), ("green", GREEN)):
        events = [
            e
            for e in facts.of_type(SMARCO + "Event")
            if any(scheme in facts.objects(s, SKOS + "inScheme") for s in facts.objects(e, SMARCO + "relatedSkill"))
            and (year is None or any(year_of(d) == int(year) for d in facts.objects(e, SCHEMA + "startDate")))
        ]
        participants = sum(
            int(facts.one(c, SMARCO + "amount") or 0) for e in events for c in facts.objects(e, SMARCO + "participants")
        )
        if events:
            expected[name] = (len(events), participants)
    rows = run(server, "events-per-skill-area", **({"year": year} if year else {}))
    assert {r["collection"]: (int(r["events"]), int(r["participantCount"])) for r in rows} == expected
    if year == "2026":
        assert expected, "the fixture's 2026 events concern ESCO skills of a collection"


# ---- learners reached per partner and year -------------------------------------------------------------------------


def learners(facts: Facts) -> dict[tuple[str, int], tuple[int, int]]:
    credentials: Counter[tuple[str, int]] = Counter()
    for credential in facts.of_type(SMARCO + "IssuedCredential"):
        if facts.objects(credential, SMARCO + "revoked"):
            continue
        for body in facts.objects(credential, ELM + "awardingBody"):
            for issued in facts.objects(credential, DCT + "issued"):
                credentials[(body, year_of(issued))] += 1
    participants: Counter[tuple[str, int]] = Counter()
    for event in facts.of_type(SMARCO + "Event"):
        for organiser in facts.objects(event, SCHEMA + "organizer"):
            for start in facts.objects(event, SCHEMA + "startDate"):
                for count in facts.objects(event, SMARCO + "participants"):
                    participants[(organiser, year_of(start))] += int(facts.one(count, SMARCO + "amount") or 0)
    keys: defaultdict[tuple[str, int], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for key in set(credentials) | set(participants):
        keys[key] = (credentials[key], participants[key])
    return dict(keys)


def test_learners_reached_per_partner_and_year(server: LiveServer, facts: Facts) -> None:
    rows = run(server, "learners-reached-per-partner-and-year")
    found = {(r["organisation"], int(r["year"])): (int(r["credentials"]), int(r["participants"])) for r in rows}
    assert found == learners(facts)
    assert all(int(r["learners"]) == int(r["credentials"]) + int(r["participants"]) for r in rows)


def test_learners_reached_for_one_organisation_named_in_words(server: LiveServer, facts: Facts) -> None:
    rows = run(server, "learners-reached-per-partner-and-year", organisation="Cefriel")
    cefriel = {k: v for k, v in learners(facts).items() if k[0].endswith("/organisation/cefriel")}
    assert {(r["organisation"], int(r["year"])): (int(r["credentials"]), int(r["participants"])) for r in rows} == (
        cefriel
    )
    assert len(cefriel) >= 3  # the fixture's 2025, 2026 and 2027


def test_a_year_that_is_no_integer_is_a_422(server: LiveServer) -> None:
    response = server.client.get(f"{server.url}/api/queries/pledges-behind-target", params={"year": "last"})
    assert problem(response, 422)["errors"][0]["parameter"] == "year"
