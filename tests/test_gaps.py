"""Skill gaps and the pathway planner over HTTP, against a live server over the demo store (ESCO subset).

Expected gaps are recomputed here straight from the official ESCO CSVs (occupation-skill relations and the
skills pillar's broader relations) and the demo catalogue's TriG files, independently of the store; expected
plans by brute force over every subset of the candidate courses.
"""

from __future__ import annotations

import csv
import itertools
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Dataset, Namespace, URIRef

from smarco_kg.config import Settings
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

ESCO_CSV = Settings().esco_export
DATA = Settings().data_dir
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
DCT = Namespace("http://purl.org/dc/terms/")
BASE = "https://w3id.org/smarco/"
ARCHITECT = "e1c72b5f-4c5c-487c-a6df-e84b64a51dae"  # ICT system architect
ENERGY_MANAGER = "a005f8a2-2d8a-433e-8d89-13575f822fd4"
OCCUPATION = "http://data.europa.eu/esco/occupation/"
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
PARTNER = "cefriel"


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("gaps"), partner=PARTNER) as server:
        yield server


# -- independent expectations -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def esco() -> tuple[dict, dict]:
    """From the CSVs: occupation -> {skill: relation}, and skill -> its broader concepts."""
    relations: dict[str, dict[str, str]] = defaultdict(dict)
    with (ESCO_CSV / "relations" / "occupationSkillRelations.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            relations[row["occupationUri"]][row["skillUri"]] = row["relationType"]
    broader: dict[str, set[str]] = defaultdict(set)
    with (ESCO_CSV / "relations" / "broaderRelationsSkillPillar.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            broader[row["conceptUri"]].add(row["broaderUri"])
    return relations, broader


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, set[str]], dict[str, dict]]:
    """From the demo TriG files: course -> the skills its outcomes name, and course -> ECTS, EQF, title."""
    data = Dataset()
    for name in ("partners.trig", "courses.trig"):
        data.parse(DATA / name, format="trig", publicID=BASE)
    graph = data.graph(URIRef("urn:x-rdflib:default"))
    for context in data.graphs():
        for triple in context:
            graph.add(triple)
    teaches: dict[str, set[str]] = defaultdict(set)
    facts: dict[str, dict] = {}
    for course in graph.subjects(URIRef(str(ELM.learningAchievementSpecification)), None):
        if not str(course).startswith(f"{BASE}course/"):
            continue
        spec = graph.value(course, ELM.learningAchievementSpecification)
        for outcome in graph.objects(spec, ELM.learningOutcome):
            for skill in graph.objects(outcome, ELM.relatedESCOSkill):
                teaches[str(course)].add(str(skill))
        points = [
            float(graph.value(c, ELM.point))
            for c in graph.objects(spec, ELM.creditPoint)
            if str(graph.value(c, ELM.framework)) == ECTS
        ]
        eqf = graph.value(spec, ELM.EQFLevel)
        facts[str(course)] = {"ects": points[0] if points else None, "eqf": int(str(eqf).rsplit("/", 1)[1])}
    return teaches, facts


def ancestors(broader: dict[str, set[str]], skill: str, limit: int | None = None) -> dict[str, int]:
    found: dict[str, int] = {}
    frontier, step = {skill}, 0
    while frontier and (limit is None or step < limit):
        step += 1
        frontier = {b for s in frontier for b in broader.get(s, ())} - set(found)
        for b in frontier:
            found.setdefault(b, step)
    return found


def expected_gap(esco: tuple, catalogue: tuple, occupation: str, distance: int) -> dict[str, set[tuple[str, str]]]:
    relations, broader = esco
    teaches, _ = catalogue
    covers: dict[str, set[tuple[str, str]]] = {}
    for skill, relation in relations[occupation].items():
        if relation != "essential":
            continue
        found: set[tuple[str, str]] = set()
        up = ancestors(broader, skill, distance)
        for course, taught in teaches.items():
            for t in taught:
                if t == skill:
                    found.add((course, "direct"))
                elif skill in ancestors(broader, t):
                    found.add((course, "narrower"))
                elif t in up:
                    found.add((course, "broader"))
        covers[skill] = found
    return covers


# -- occupation gaps ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("occupation", [ARCHITECT, ENERGY_MANAGER])
@pytest.mark.parametrize("distance", [0, 1, 2])
def test_an_occupation_gap_is_what_the_csvs_and_the_catalogue_say(
    api: LiveServer, esco: tuple, catalogue: tuple, occupation: str, distance: int
) -> None:
    response = api.client.get(f"{api.url}/api/occupations/{occupation}/gap", params={"distance": distance})
    assert response.status_code == 200, describe(response)
    body = response.json()
    expected = expected_gap(esco, catalogue, OCCUPATION + occupation, distance)
    assert body["total"] == len(expected) >= 20
    got = {s["id"]: {(c["id"], c["via"]) for c in s["coveredBy"]} for s in body["skills"]}
    assert got == expected
    covered = sum(1 for v in expected.values() if v)
    assert body["covered"] == covered and 0 < covered < len(expected)
    assert body["coverageRatio"] == round(covered / len(expected), 4)
    assert {s["id"] for s in body["gap"]} == {s for s, v in expected.items() if not v}
    assert sum(g["covered"] + g["missing"] for g in body["groups"]) == len(expected)


def test_a_gap_says_through_which_skill_and_how_far(api: LiveServer) -> None:
    body = api.client.get(f"{api.url}/api/occupations/{ARCHITECT}/gap", params={"distance": 2}).json()
    broader = [c for s in body["skills"] for c in s["coveredBy"] if c["via"] == "broader"]
    assert broader and all(1 <= c["distance"] <= 2 and c["through"] != "" for c in broader)
    direct = [(s["id"], c) for s in body["skills"] for c in s["coveredBy"] if c["via"] == "direct"]
    assert all(c["through"] == skill for skill, c in direct)


def test_optional_skills_join_on_request(api: LiveServer, esco: tuple) -> None:
    relations, _ = esco
    body = api.client.get(f"{api.url}/api/occupations/{ARCHITECT}/gap", params={"optional": "true"}).json()
    assert body["total"] == len(relations[OCCUPATION + ARCHITECT]) and body["relations"] == ["essential", "optional"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/api/occupations/{ARCHITECT}/gap?distance=9", 422),
        (f"/api/occupations/{ARCHITECT}/gap?optional=maybe", 422),
        (f"/api/occupations/{ARCHITECT}/gap?colour=red", 422),
        ("/api/occupations/00000000-0000-0000-0000-000000000000/gap", 404),
        ("/api/gaps?collection=purple", 422),
        ("/api/gaps", 422),
    ],
)
def test_bad_gap_requests_are_problems(api: LiveServer, path: str, status: int) -> None:
    response = api.client.get(api.url + path)
    assert problem(response, status)["status"] == status


@pytest.mark.parametrize("collection", ["green", "digital", "transversal"])
def test_collection_gaps_are_the_members_no_course_teaches(
    api: LiveServer, esco: tuple, catalogue: tuple, collection: str
) -> None:
    _, broader = esco
    teaches, _ = catalogue
    taught = {s for skills in teaches.values() for s in skills}
    covered = taught | {a for t in taught for a in ancestors(broader, t)}
    file = {"green": "greenSkillsCollection", "digital": "digitalSkillsCollection"}.get(
        collection, "transversalSkillsCollection"
    )
    with (ESCO_CSV / "classification-en" / f"{file}_en.csv").open(newline="", encoding="utf-8") as handle:
        members = {row["conceptUri"] for row in csv.DictReader(handle)}
    response = api.client.get(f"{api.url}/api/gaps", params={"collection": collection})
    assert response.status_code == 200, describe(response)
    body = response.json()
    listed = [s["id"] for g in body["groups"] for s in g["skills"]]
    assert body["skills"] == len(members)
    assert sorted(listed) == sorted(members - covered)
    assert body["untaught"] == len(listed) and body["taught"] == len(members & covered) > 0
    sizes = [g["count"] for g in body["groups"]]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) > 1


def test_the_gap_page_draws_the_chart_without_javascript(api: LiveServer) -> None:
    response = api.client.get(f"{api.url}/occupations/{ARCHITECT}/gap")
    assert response.status_code == 200, describe(response)
    html = response.text
    gap = api.client.get(f"{api.url}/api/occupations/{ARCHITECT}/gap").json()
    assert "<script" not in html and '<svg id="gap-chart"' in html
    assert html.count('class="covered"') == html.count('class="missing"') == len(gap["groups"])
    assert f"covers <strong>{gap['covered']}</strong>" in html
    for group in gap["groups"]:
        assert f"<td>{group['covered']}</td><td>{group['missing']}</td>" in html


# -- the planner ---------------------------------------------------------------------------------------------------


def _cheapest(needed: set[str], offers: dict[str, set[str]], cost: dict[str, float]) -> float:
    """The least ECTS of any set of courses covering all of ``needed`` that some course covers (brute force)."""
    coverable = set().union(*offers.values()) & needed
    useful = [c for c in offers if offers[c] & needed]
    best = float("inf")
    for size in range(1, len(useful) + 1):
        for combo in itertools.combinations(useful, size):
            if coverable <= set().union(*(offers[c] for c in combo)):
                best = min(best, sum(cost[c] for c in combo))
    return best


@pytest.mark.parametrize("occupation", [ARCHITECT, ENERGY_MANAGER])
def test_the_plan_is_the_cheapest_cover_in_eqf_order(
    api: LiveServer, esco: tuple, catalogue: tuple, occupation: str
) -> None:
    relations, broader = esco
    teaches, facts = catalogue
    needed = {s for s, r in relations[OCCUPATION + occupation].items() if r == "essential"}
    offers = {
        c: {s for s in needed if any(t == s or s in ancestors(broader, t) for t in taught)}
        for c, taught in teaches.items()
        if facts[c]["ects"] is not None
    }
    offers = {c: v for c, v in offers.items() if v}
    response = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": occupation})
    assert response.status_code == 200, describe(response)
    body = response.json()
    assert body["method"] == "exact" and body["optimal"] is True
    assert body["totalEcts"] == pytest.approx(_cheapest(needed, offers, {c: facts[c]["ects"] for c in offers}))
    assert body["lowerBoundEcts"] <= body["totalEcts"]
    levels = [s["course"]["eqfLevel"] for s in body["steps"]]
    assert levels == sorted(levels)
    plan = {s["course"]["id"] for s in body["steps"]}
    for step in body["steps"]:
        for skill in step["covers"]:
            assert skill["id"] in offers[step["course"]["id"]]
    assert {s["id"] for s in body["notCovered"]} == needed - set().union(*(offers[c] for c in plan))
    assert body["covered"] + len(body["notCovered"]) == body["needed"] == len(needed)


def test_skills_the_learner_has_are_not_planned_for(api: LiveServer) -> None:
    first = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": ARCHITECT}).json()
    have = [s["id"] for s in first["steps"][0]["covers"]]
    second = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": ARCHITECT, "have": have}).json()
    assert second["needed"] == first["needed"] - len(have)
    assert not {s["id"] for st in second["steps"] for s in st["covers"]} & set(have)


def test_a_budget_and_filters_constrain_the_plan(api: LiveServer) -> None:
    full = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": ENERGY_MANAGER}).json()
    budget = full["totalEcts"] - 1
    tight = api.client.get(
        f"{api.url}/api/pathways/plan", params={"occupation": ENERGY_MANAGER, "max_ects": budget}
    ).json()
    assert tight["totalEcts"] <= budget and tight["method"] == "greedy within budget"
    assert any(s["reason"] == "over the ECTS budget" for s in tight["notCovered"])
    online = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": ENERGY_MANAGER, "mode": "online"})
    assert online.status_code == 200, describe(online)
    courses = [s["course"]["id"] for s in online.json()["steps"]]
    modes = api.client.post(
        f"{api.url}/sparql",
        content=(
            b"PREFIX elm: <http://data.europa.eu/snb/model/elm/> SELECT ?c WHERE { ?c "
            b"elm:learningAchievementSpecification/elm:mode "
            b"<http://data.europa.eu/snb/learning-assessment/920fbb3cbe> }"
        ),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    ).json()
    online_courses = {b["c"]["value"] for b in modes["results"]["bindings"]}
    assert courses and set(courses) <= online_courses


@pytest.mark.parametrize(
    "params",
    [{}, {"occupation": "x y"}, {"occupation": ARCHITECT, "max_ects": "-3"},
     {"occupation": ARCHITECT, "mode": "by owl"}, {"occupation": ARCHITECT, "have": "http://example.org/skill"},
     {"occupation": ARCHITECT, "colour": "red"}],
)  # fmt: skip
def test_bad_plan_requests_are_422(api: LiveServer, params: dict) -> None:
    response = api.client.get(f"{api.url}/api/pathways/plan", params=params)
    assert response.status_code == 422, describe(response)


def test_a_plan_is_saved_as_a_training_pathway_with_a_token(api: LiveServer) -> None:
    body = {"occupation": ENERGY_MANAGER, "title": "My way to energy management"}
    refused = api.client.post(f"{api.url}/api/pathways/plan", json=body)
    assert refused.status_code == 401
    before = api.client.get(f"{api.url}/api/pathways").json()["totalItems"]
    plan = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": ENERGY_MANAGER}).json()
    saved = api.client.post(f"{api.url}/api/pathways/plan", json=body, headers=api.auth(api.partner))
    assert saved.status_code == 201, describe(saved)
    location = saved.headers["Location"]
    assert "/api/pathways/my-way-to-energy-management-" in location
    pathway = api.client.get(location).json()
    assert pathway["title"] == {"en": "My way to energy management"}
    assert [o["id"] for o in pathway["targetOccupation"]] == [OCCUPATION + ENERGY_MANAGER]
    steps = sorted(pathway["step"], key=lambda s: s["position"])
    courses = [s["course"]["id"] if isinstance(s["course"], dict) else s["course"] for s in steps]
    assert courses == [s["course"]["id"] for s in plan["steps"]]
    assert api.client.get(f"{api.url}/api/pathways").json()["totalItems"] == before + 1
    graph_of = api.client.post(
        f"{api.url}/sparql",
        content=f"SELECT ?g WHERE {{ GRAPH ?g {{ <{pathway['id']}> a ?t }} }}".encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    ).json()
    assert [b["g"]["value"] for b in graph_of["results"]["bindings"]] == [f"{BASE}graph/partner/{PARTNER}"]


def test_a_plan_of_fewer_than_two_courses_is_not_saved(api: LiveServer) -> None:
    plan = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": ARCHITECT}).json()
    have = [s["id"] for st in plan["steps"][1:] for s in st["covers"]]
    body = {"occupation": ARCHITECT, "have": have}
    response = api.client.post(f"{api.url}/api/pathways/plan", json=body, headers=api.auth(api.partner))
    assert response.status_code == 409, describe(response)  # the catalogue as it is holds no longer plan
    assert "at least 2" in problem(response, 409)["detail"]


def test_the_csv_export_is_there() -> None:
    assert Path(ESCO_CSV, "relations", "occupationSkillRelations.csv").is_file()
