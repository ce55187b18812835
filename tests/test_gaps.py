"""Skill gaps and the pathway planner over HTTP, against a live server over the demo store (ESCO subset).

Expected gaps are recomputed here straight from the official ESCO CSVs (occupation-skill relations and the
skills pillar's broader relations) and the demo catalogue's TriG files, independently of the store; expected
plans by brute force over every subset of the candidate courses.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import itertools
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs
from xml.etree import ElementTree

import httpx
import pytest
from rdflib import Dataset, Namespace, URIRef

from smarco_kg import openbadges
from smarco_kg.config import Settings
from smarco_kg.europass import seal
from tests.backends import Template, settings_env
from tests.processes import free_port, stop
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
POLICY_OFFICER = "caf7b8fb-b2d6-46b7-bffa-bea7f8e4aed8"
SKILL = "http://data.europa.eu/esco/skill/"
POLICY_ANALYSIS = "c5449667-9b40-4114-8d74-f51177669984"  # an essential skill of a policy officer
COLLABORATIVE_RELATIONS = "326809fc-238d-40c2-881e-40042f7f2f0d"  # optional for a policy officer; in the EDC sample
DIGITAL_CONTENT = "5fd5c985-eaaa-47aa-8314-62359c54505a"  # in the EDC sample; no occupation of the subset's
EDC_SAMPLES = Settings().shared_dir / "vendor" / "elm" / "examples" / "edc"
SVG = "{http://www.w3.org/2000/svg}"


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
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script type="module" src="/static/gap.js">']  # it only enhances: no inline script
    assert '<svg id="gap-chart"' in html
    assert html.count('class="held"') == html.count('class="covered"') == html.count('class="missing"')
    assert html.count('class="missing"') == len(gap["groups"])
    assert f"courses in the catalogue cover {gap['covered']};" in html
    for group in gap["groups"]:
        assert f'<td class="n">0</td><td class="n">{group["covered"]}</td><td class="n">{group["missing"]}</td>' in html


def _chart(html: str) -> ElementTree.Element:
    svg = re.search(r'<svg id="gap-chart".*?</svg>', html, flags=re.S)
    assert svg is not None
    return ElementTree.fromstring(svg.group(0))


@pytest.mark.parametrize("occupation", [ARCHITECT, POLICY_OFFICER])
def test_every_chart_label_is_whole_and_inside_the_view_box(api: LiveServer, occupation: str) -> None:
    params = {"optional": "true"}
    html = api.client.get(f"{api.url}/occupations/{occupation}/gap", params=params).text
    groups = api.client.get(f"{api.url}/api/occupations/{occupation}/gap", params=params).json()["groups"]
    chart = _chart(html)
    _, _, width, height = (float(v) for v in chart.get("viewBox", "").split())
    label_width = min(float(r.get("x", 0)) for r in chart.iter(f"{SVG}rect"))
    labels = [t for t in chart.iter(f"{SVG}text") if t.get("class") == "label"]
    assert [" ".join(line.text or "" for line in t) for t in labels] == [g["label"] for g in groups]
    assert any(len(g["label"]) > 40 for g in groups)  # a label the old chart clipped
    for text in labels:
        for line in text:
            x, y = float(line.get("x", -1)), float(line.get("y", -1))
            # 12 px sans-serif: no letter is wider than 7.5 px on average over a line of text
            assert x >= 0 and x + 7.5 * len(line.text or "") <= label_width <= width
            assert 12 <= y <= height  # the baseline, with the line's 12 px above it
    bars = [r for r in chart.iter(f"{SVG}rect")]
    assert all(float(r.get("x", 0)) + float(r.get("width", 0)) <= width for r in bars)
    assert all(float(r.get("y", 0)) + float(r.get("height", 0)) <= height for r in bars)


# -- the visitor's own gap ---------------------------------------------------------------------------------------


def test_skills_the_visitor_has_are_set_aside_on_the_api(api: LiveServer) -> None:
    whole = api.client.get(f"{api.url}/api/occupations/{ARCHITECT}/gap").json()
    first, second = whole["skills"][0]["id"], whole["skills"][-1]["id"]
    response = api.client.get(
        f"{api.url}/api/occupations/{ARCHITECT}/gap", params={"have": [first, second.rsplit("/", 1)[1]]}
    )
    assert response.status_code == 200, describe(response)
    body = response.json()
    assert [h["id"] for h in body["have"]] == sorted([first, second]) and all(h["known"] for h in body["have"])
    held = {s["id"] for s in body["skills"] if s["held"]}
    assert held == {first, second} and body["held"] == 2
    assert {s["id"] for s in body["remaining"]} == {s["id"] for s in whole["skills"]} - held
    assert not {s["id"] for s in body["gap"]} & held
    assert sum(g["held"] + g["covered"] + g["missing"] for g in body["groups"]) == body["total"]
    assert sum(g["held"] for g in body["groups"]) == 2
    assert body["covered"] == whole["covered"]  # what the catalogue covers does not depend on the visitor


def test_a_narrower_skill_held_gives_the_broader_one(api: LiveServer, esco: tuple) -> None:
    relations, broader = esco
    needed = [s for s, r in relations[OCCUPATION + ARCHITECT].items() if r == "essential"]
    narrower = {b: c for c, bs in broader.items() for b in bs}
    skill = next(s for s in sorted(needed) if s in narrower and narrower[s] not in needed)
    body = api.client.get(f"{api.url}/api/occupations/{ARCHITECT}/gap", params={"have": narrower[skill]}).json()
    held = [s for s in body["skills"] if s["held"]]
    assert [(s["id"], s["heldThrough"]) for s in held] == [(skill, narrower[skill])]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/occupations/{ARCHITECT}/gap?have=http://example.org/skill",
        f"/occupations/{ARCHITECT}/gap?have=http://example.org/skill",
        f"/occupations/{ARCHITECT}/gap?add=x&add=y",
        f"/occupations/{ARCHITECT}/gap?read=many",
    ],
)
def test_bad_held_skills_are_422(api: LiveServer, path: str) -> None:
    assert problem(api.client.get(api.url + path), 422)["errors"]


def test_held_skills_may_be_named_by_their_labels(api: LiveServer) -> None:
    by_id = api.client.get(f"{api.url}/api/occupations/{POLICY_OFFICER}/gap?have={POLICY_ANALYSIS}&optional=true")
    by_label = api.client.get(f"{api.url}/api/occupations/{POLICY_OFFICER}/gap?have=Policy Analysis&optional=true")
    assert by_id.status_code == by_label.status_code == 200, describe(by_label)
    assert by_label.json()["have"] == by_id.json()["have"]
    assert [s["id"] for s in by_label.json()["have"]] == [f"{SKILL}{POLICY_ANALYSIS}"]
    unknown = problem(api.client.get(f"{api.url}/api/occupations/{POLICY_OFFICER}/gap?have=Policy Analysi"), 422)
    assert "Policy Analysi" in json.dumps(unknown)


def test_the_page_adds_a_skill_named_by_its_label(api: LiveServer) -> None:
    page = f"{api.url}/occupations/{POLICY_OFFICER}/gap"
    response = api.client.get(page, params={"add": "Policy Analysis", "optional": "true"}, follow_redirects=False)
    assert response.status_code == 303, describe(response)
    location = response.headers["location"]
    assert location == f"/occupations/{POLICY_OFFICER}/gap?have={POLICY_ANALYSIS}&optional=true"
    html = api.client.get(api.url + location).text
    assert re.search(r'<li class="chip"[^>]*><span>policy analysis</span>', html)
    assert f'<li data-id="{SKILL}{POLICY_ANALYSIS}">' in html.split('id="already"')[1]
    assert f'<li data-id="{SKILL}{POLICY_ANALYSIS}">' not in html.split('id="remaining"')[1].split("</ul>")[0]


def test_a_label_naming_several_skills_lists_them_to_choose_from(api: LiveServer) -> None:
    response = api.client.get(f"{api.url}/occupations/{POLICY_OFFICER}/gap", params={"add": "policy"})
    assert response.status_code == 200, describe(response)
    candidates = re.search(r'<div id="candidates" role="alert">(.*?)</div>', response.text, flags=re.S)
    assert candidates is not None
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', candidates.group(1))
    assert len(links) > 1 and ("policy analysis" in [label for _, label in links])
    assert all(href.startswith(f"/occupations/{POLICY_OFFICER}/gap?have=") for href, _ in links)
    nothing = api.client.get(f"{api.url}/occupations/{POLICY_OFFICER}/gap", params={"add": "qqqzzz"})
    assert "No skill is called" in nothing.text


# -- credentials uploaded ------------------------------------------------------------------------------------------


def _snapshot(settings: Settings) -> dict[str, int]:
    """Every file under the server's data directory (its store and the files beside it) with its size, but for a dump
    being written in the background (``.partial``: made from the store, whose triples are compared too)."""
    root = Path(settings.store).parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.endswith(".partial"))
    return {str(p.relative_to(root)): p.stat().st_size for p in files}


def _triples(api: LiveServer) -> int:
    return int(api.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["n"])


def _upload(api: LiveServer, data: bytes, name: str, **fields: object) -> httpx.Response:
    return api.client.post(
        f"{api.url}/occupations/{POLICY_OFFICER}/gap",
        data=fields,
        files={"credential": (name, data, "application/octet-stream")},
        follow_redirects=False,
    )


@pytest.mark.parametrize("sample", ["Sample-MC-Annex1-signed.jsonld", "Sample-MC-Annex1-unsigned.jsonld"])
def test_an_uploaded_europass_credential_gives_its_skills_and_is_not_kept(api: LiveServer, sample: str) -> None:
    before = api.client.get(f"{api.url}/api/occupations/{POLICY_OFFICER}/gap", params={"optional": "true"}).json()
    triples, files = _triples(api), _snapshot(api.settings)
    response = _upload(api, (EDC_SAMPLES / sample).read_bytes(), sample, optional="true", have=POLICY_ANALYSIS)
    assert response.status_code == 303, describe(response)
    location = response.headers["location"]
    assert location.startswith(f"/occupations/{POLICY_OFFICER}/gap?")
    # the sample names four ESCO skills; two of them are in the ESCO subset the demo store holds
    assert parse_qs(location.split("?", 1)[1]) == {
        "have": [POLICY_ANALYSIS, COLLABORATIVE_RELATIONS, DIGITAL_CONTENT],
        "optional": ["true"],
        "read": ["4"],
        "known": ["2"],
    }
    page = api.client.get(api.url + location)
    assert "Your credential names 4 skills; 2 of them" in page.text
    after = api.client.get(api.url + "/api" + location.split("&read=")[0]).json()
    assert len(after["remaining"]) == len(before["remaining"]) - 2  # policy analysis and collaborative relations
    assert _triples(api) == triples and _snapshot(api.settings) == files


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _edc_by_label() -> bytes:
    """The unsigned sample with its outcomes' ESCO skills taken away and one outcome titled by an ESCO label."""
    document = json.loads((EDC_SAMPLES / "Sample-MC-Annex1-unsigned.jsonld").read_bytes())
    outcomes = document["credentialSubject"]["hasClaim"]["specifiedBy"]["learningOutcome"]
    for outcome in outcomes:
        outcome.pop("relatedESCOSkill", None)
    outcomes[0]["title"] = {"en": "Policy Analysis"}
    outcomes[1]["title"] = {"en": "something no skill is called"}
    return json.dumps(document).encode()


def test_a_europass_credential_as_a_compact_jws_or_naming_skills_by_label_is_read(api: LiveServer) -> None:
    sample = (EDC_SAMPLES / "Sample-MC-Annex1-unsigned.jsonld").read_bytes()
    header = _b64url(json.dumps({"alg": "RS256", "typ": "JWT"}).encode())
    compact = f"{header}.{_b64url(sample)}.{_b64url(b'not checked')}".encode()
    response = _upload(api, compact, "credential.jwt")
    assert response.status_code == 303, describe(response)
    query = parse_qs(response.headers["location"].split("?", 1)[1])
    assert query["have"] == [COLLABORATIVE_RELATIONS, DIGITAL_CONTENT] and query["read"] == ["4"]
    response = _upload(api, _edc_by_label(), "credential.jsonld")
    assert response.status_code == 303, describe(response)
    query = parse_qs(response.headers["location"].split("?", 1)[1])
    assert query == {"have": [POLICY_ANALYSIS], "read": ["2"], "known": ["1"]}


def test_an_open_badge_gives_its_aligned_skills_by_iri_or_by_label(api: LiveServer, tmp_path: Path) -> None:
    key = seal.generate(tmp_path / "issuer", name="SMARCO test issuer", legal_identifier="TEST-1", country="IT")
    achieved = {
        "id": "https://w3id.org/smarco/credential/test",
        "type": ["Achievement"],
        "name": "Policy work",
        "criteria": {"narrative": "Achieve these learning outcomes"},
        "alignment": [
            {"type": ["Alignment"], "targetName": "establish collaborative relations",
             "targetUrl": SKILL + COLLABORATIVE_RELATIONS, "targetFramework": "ESCO"},
            {"type": ["Alignment"], "targetName": "Policy analysis", "targetUrl": "https://example.org/policy",
             "targetFramework": "Local"},
        ],
    }  # fmt: skip
    award = openbadges.BadgeAward("learner@example.org", "A Learner", dt.date(2026, 1, 15))
    document = openbadges.credential(achieved, {"id": "https://w3id.org/smarco/", "type": ["Profile"]}, award)
    triples, files = _triples(api), _snapshot(api.settings)
    for data in (openbadges.vc_jwt(document, key).encode(), json.dumps(document).encode()):
        response = _upload(api, data, "badge.jwt")
        assert response.status_code == 303, describe(response)
        query = parse_qs(response.headers["location"].split("?", 1)[1])
        assert query["have"] == [COLLABORATIVE_RELATIONS, POLICY_ANALYSIS] and query["known"] == ["2"]
    assert _triples(api) == triples and _snapshot(api.settings) == files


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"not a credential", 400),
        (b"{}", 400),
        (b'{"credentialSubject": {}, "type": ["VerifiableCredential"]}', 400),
        (b"\xff\xfe\x00", 400),
        (b"a.b.c", 400),
        (b"", 400),
        (None, 422),  # the certificate of participation names no skills
    ],
)
def test_bad_uploads_are_problems(api: LiveServer, data: bytes | None, status: int) -> None:
    body = data if data is not None else (EDC_SAMPLES / "Sample-CertOfPart-unsigned.jsonld").read_bytes()
    files = _snapshot(api.settings)
    body_problem = problem(_upload(api, body, "upload.json"), status)
    assert body_problem["detail"]
    page = api.client.post(
        f"{api.url}/occupations/{POLICY_OFFICER}/gap",
        files={"credential": ("upload.json", body, "application/json")},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == status and 'id="upload-error"' in page.text
    assert _snapshot(api.settings) == files


def test_a_form_of_another_kind_is_415(api: LiveServer) -> None:
    response = api.client.post(
        f"{api.url}/occupations/{POLICY_OFFICER}/gap", content=b"{}", headers={"Content-Type": "application/json"}
    )
    assert problem(response, 415)["status"] == 415


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


# -- the planner by name, and its page -----------------------------------------------------------------------------


def test_the_planner_takes_an_occupation_by_its_name(api: LiveServer) -> None:
    by_id = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": ENERGY_MANAGER}).json()
    for name in ("energy manager", "Energy  MANAGER"):
        response = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": name})
        assert response.status_code == 200, describe(response)
        assert response.json() == by_id


def test_a_name_several_occupations_fit_is_a_422_listing_them(api: LiveServer) -> None:
    body = problem(api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": "engineer"}), 422)
    candidates = body["errors"][0]["candidates"]
    labels = {c["label"] for c in candidates}
    assert len(candidates) > 1 and {"civil engineer", "energy engineer"} <= labels
    assert all(c["id"].startswith(OCCUPATION) for c in candidates)
    none = problem(api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": "qqqzzz"}), 422)
    assert none["errors"][0]["candidates"] == []


def test_optional_skills_and_a_country_shape_the_plan(api: LiveServer) -> None:
    essential = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": POLICY_OFFICER}).json()
    both = api.client.get(
        f"{api.url}/api/pathways/plan", params={"occupation": POLICY_OFFICER, "optional": "true"}
    ).json()
    assert both["needed"] > essential["needed"] and both["covered"] > essential["covered"]
    spain = api.client.get(f"{api.url}/api/pathways/plan", params={"occupation": POLICY_OFFICER, "optional": "true",
                                                                   "country": "ESP"})  # fmt: skip
    assert spain.status_code == 200, describe(spain)
    courses = {s["course"]["id"] for s in spain.json()["steps"]}
    spanish = {
        row["c"]
        for row in api.select(
            "PREFIX elm: <http://data.europa.eu/snb/model/elm/> SELECT ?c WHERE { ?c elm:providedBy/elm:location/"
            "elm:address/elm:countryCode <http://publications.europa.eu/resource/authority/country/ESP> }"
        )
    }
    assert courses and courses <= spanish and courses != {s["course"]["id"] for s in both["steps"]}


def _steps(html: str) -> list[tuple[str, str]]:
    """(title, what it covers) of each course of the plan page, in order."""
    steps = re.search(r'<ol id="steps" class="steps">(.*?)</ol>', html, flags=re.S)
    assert steps is not None
    return [
        (re.sub(r"<[^>]+>", "", title).strip(), covers.strip())
        for title, covers in re.findall(r"<h3>(.*?)</h3>.*?<p>Covers: (.*?)</p>", steps.group(1), flags=re.S)
    ]


def test_the_plan_page_shows_the_courses_in_eqf_order_with_what_each_covers(api: LiveServer) -> None:
    params = {"occupation": "policy officer", "optional": "true", "have": POLICY_ANALYSIS, "max_ects": "20"}
    plan = api.client.get(f"{api.url}/api/pathways/plan", params=params).json()
    response = api.client.get(f"{api.url}/plan", params=params)
    assert response.status_code == 200, describe(response)
    html = response.text
    steps = _steps(html)
    assert [t for t, _ in steps] == [s["course"]["title"] for s in plan["steps"]] and len(steps) > 1
    for (_, covers), step in zip(steps, plan["steps"], strict=True):
        assert all(skill["label"] in covers for skill in step["covers"])
    assert f"{plan['totalEcts']:g}\u00a0ECTS" in html and " hours of learning" in html
    uncovered = re.search(r'<ul id="uncovered">(.*?)</ul>', html, flags=re.S)
    assert uncovered is not None and uncovered.group(1).count("<li>") == len(plan["notCovered"])
    assert "over the budget" in uncovered.group(1)
    assert 'value="policy officer"' in html and f'value="{POLICY_ANALYSIS}" checked' in html
    assert "<label for=" in html and 'class="plan-form no-print"' in html
    css = api.client.get(f"{api.url}/static/site.css").text
    assert "@media print" in css and ".no-print { display: none" in css


def test_the_planner_is_found_under_the_pathways_too(api: LiveServer) -> None:
    moved = api.client.get(f"{api.url}/pathways/plan?occupation=policy%20officer", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/plan?occupation=policy%20officer"


def test_the_plan_page_in_spanish_says_it_in_spanish(api: LiveServer) -> None:
    html = api.client.get(f"{api.url}/plan", params={"occupation": ENERGY_MANAGER, "lang": "es"}).text
    assert ("Los cursos, en orden" in html and "Nivel" in html) or "EQF" in html
    assert "Descargar este plan (JSON-LD)" in html


def test_the_plan_downloads_as_json_ld(api: LiveServer) -> None:
    params = {"occupation": ENERGY_MANAGER}
    plan = api.client.get(f"{api.url}/api/pathways/plan", params=params).json()
    html = api.client.get(f"{api.url}/plan", params=params).text
    link = re.search(r'<a id="download"[^>]*href="([^"]+)"', html)
    assert link is not None and "format=jsonld" in link.group(1)
    for response in (
        api.client.get(api.url + link.group(1).replace("&amp;", "&")),
        api.client.get(f"{api.url}/plan", params=params, headers={"Accept": "application/ld+json"}),
    ):
        assert response.status_code == 200, describe(response)
        assert response.headers["content-type"].startswith("application/ld+json")
        assert "attachment" in response.headers["content-disposition"]
        body = response.json()
        assert body["@context"]["steps"]["@id"] == "smarco:step"
        assert body["steps"] == plan["steps"] and body["totalEcts"] == plan["totalEcts"]
    graph = Dataset().parse(data=json.dumps(body), format="json-ld")
    steps = list(graph.objects(None, URIRef("https://w3id.org/smarco/ontology#course")))
    assert {str(c) for c in steps} == {s["course"]["id"] for s in plan["steps"]}


def test_the_plan_page_asks_which_occupation_a_name_means(api: LiveServer) -> None:
    response = api.client.get(f"{api.url}/plan", params={"occupation": "engineer"})
    assert response.status_code == 200, describe(response)
    candidates = re.search(r'<div id="occupation-candidates" role="alert">(.*?)</div>', response.text, flags=re.S)
    assert candidates is not None and 'href="/plan?occupation=' in candidates.group(1)
    empty = api.client.get(f"{api.url}/plan")
    assert empty.status_code == 200 and '<form id="plan-form"' in empty.text and 'id="steps"' not in empty.text


def test_an_uploaded_credential_leaves_no_trace_in_the_server_log(_demo_template: Template, tmp_path: Path) -> None:
    marker = "Zebulon Quintessa Marker"  # the learner's name: in the credential, and nowhere else
    alignment = {"type": ["Alignment"], "targetName": marker, "targetUrl": SKILL + POLICY_ANALYSIS}
    achieved = {"id": "urn:x:a", "type": ["Achievement"], "name": marker, "alignment": [alignment]}
    award = openbadges.BadgeAward(marker, marker, dt.date(2026, 1, 15))
    badge = json.dumps(openbadges.credential(achieved, {"id": "urn:x:i", "type": ["Profile"], "name": marker}, award))
    log = tmp_path / "server.log"
    with _demo_template.provision(tmp_path / "store") as settings, log.open("w") as output:
        environment = {**os.environ, **settings_env(settings), "SMARCO_LOG_LEVEL": "debug"}
        port = free_port()
        command = [sys.executable, "-m", "smarco_kg", "serve", "--port", str(port)]
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                        break
                time.sleep(0.1)
            gap = f"{url}/occupations/{POLICY_OFFICER}/gap"
            for body in (badge.encode(), badge.replace("credentialSubject", "subject").encode()):
                answer = httpx.post(gap, files={"credential": ("badge.json", body, "application/json")})
                assert answer.status_code in (303, 400), describe(answer)
        finally:
            stop(process, 10)
    written = log.read_text(encoding="utf-8")
    assert f"POST /occupations/{POLICY_OFFICER}/gap" in written  # the log was on, the requests are in it
    assert marker not in written and "credentialSubject" not in written
