"""ESCO skills from text: ``POST /api/skills/extract`` on a real server (both backends), ``smarco-kg skills extract``
as a user runs it, the extractor's index kept beside the store and rebuilt when ESCO changes, and the whole ESCO."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.config import Settings
from smarco_kg.ingest.esco import import_esco
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.skill_extraction import SkillExtractionError, SkillExtractor
from tests.backends import Template, store_arguments
from tests.server import LiveServer, describe, live_server, problem

EXAMPLE = "Build a business case for an urban technology solution"
SKILL = "http://data.europa.eu/esco/skill/"
DEVELOP_BUSINESS_CASE = f"{SKILL}a4bbd0d9-a6be-4472-b05d-291e60cf6b4b"
OUTCOME = "Apply data-exchange standards so that a solution interoperates with other city systems"
DATA_EXCHANGE = (
    f"{SKILL}cb5cccc9-abe4-4b11-abe6-d27e5cd85fb1"  # manage standards for data exchange (its course names it)
)
TEXTS = [
    EXAMPLE,
    OUTCOME,
    "Plan the installation of photovoltaic systems on public buildings, and monitor their energy output.",
    "Excellent communication skills; a team player who can cope with stress.",
]


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("skills"), partner="cefriel") as server:
        yield server


def extract(api: LiveServer, **body: object) -> list[dict]:
    response = api.client.post(f"{api.url}/api/skills/extract", json=body, timeout=120)
    assert response.status_code == 200, describe(response)
    assert set(response.json()) == {"items"}
    return response.json()["items"]


def test_the_example_outcome_finds_the_business_case_and_urban_skills(api: LiveServer) -> None:
    items = extract(api, text=EXAMPLE, lang="en", limit=5)
    assert items[0]["skill"] == DEVELOP_BUSINESS_CASE, items
    assert items[0]["label"] == "develop business case" and items[0]["matched"] == "business case"
    labels = [i["label"] for i in items]
    assert any("urban" in label for label in labels), labels  # the other half of the outcome is found too


@pytest.mark.parametrize("text", TEXTS)
def test_every_item_has_an_iri_a_label_a_score_and_a_part_of_the_text(api: LiveServer, text: str) -> None:
    items = extract(api, text=text)
    assert 1 <= len(items) <= 10
    for item in items:
        assert set(item) == {"skill", "label", "score", "matched"}
        assert item["skill"].startswith(SKILL) and item["label"].strip() == item["label"] != ""
        assert isinstance(item["score"], float) and item["score"] > 0
        assert item["matched"] and item["matched"] in text, item
    assert len({i["skill"] for i in items}) == len(items)  # each skill once


def test_the_answer_is_ranked_and_the_limit_cuts_it(api: LiveServer) -> None:
    ten = extract(api, text=OUTCOME)
    scores = [i["score"] for i in ten]
    assert scores == sorted(scores, reverse=True) and len(ten) == 10
    three = extract(api, text=OUTCOME, limit=3)
    assert three == ten[:3]
    assert len(extract(api, text=OUTCOME, limit=1)) == 1


def test_a_demo_outcome_finds_first_the_skill_its_course_names(api: LiveServer) -> None:
    first = extract(api, text=OUTCOME, limit=10)[0]
    assert first["skill"] == DATA_EXCHANGE and first["matched"] == "data-exchange standards", first


def test_the_language_is_a_code_and_esco_must_have_labels_in_it(api: LiveServer) -> None:
    assert extract(api, text=EXAMPLE, lang="EN", limit=3) == extract(api, text=EXAMPLE, limit=3)
    body = problem(api.client.post(f"{api.url}/api/skills/extract", json={"text": EXAMPLE, "lang": "es"}), 422)
    assert body["errors"][0]["parameter"] == "lang" and "en" in body["detail"], body  # the demo ESCO is English
    body = problem(api.client.post(f"{api.url}/api/skills/extract", json={"text": EXAMPLE, "lang": "english"}), 422)
    assert body["errors"][0]["parameter"] == "lang", body


@pytest.mark.parametrize("text", ["", "   ", "!!! ... ???", "the and of"])
def test_a_text_without_words_finds_nothing(api: LiveServer, text: str) -> None:
    assert extract(api, text=text) == []


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({}, "text"),
        ({"text": 42}, "text"),
        ({"text": EXAMPLE, "limit": 0}, "limit"),
        ({"text": EXAMPLE, "limit": 101}, "limit"),
        ({"text": EXAMPLE, "limit": "ten"}, "limit"),
        ({"text": EXAMPLE, "lang": 7}, "lang"),
        ({"text": EXAMPLE, "language": "en"}, "language"),  # an unknown key is named, not dropped
        ({"text": "x" * 20_001}, "text"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_member(api: LiveServer, body: dict, parameter: str) -> None:
    answer = problem(api.client.post(f"{api.url}/api/skills/extract", json=body), 422)
    assert answer["errors"][0]["parameter"] == parameter, answer


def test_a_body_that_is_not_json_is_a_400_and_a_huge_one_a_413(api: LiveServer) -> None:
    url = f"{api.url}/api/skills/extract"
    bad = problem(api.client.post(url, content=b"{text: oops", headers={"Content-Type": "application/json"}), 400)
    assert bad["type"].endswith("/malformed-json"), bad
    problem(api.client.post(url, content=b"\xff\x00", headers={"Content-Type": "application/json"}), 400)
    assert problem(api.client.post(url, json=["a list"]), 422)["errors"][0]["parameter"] == "body"
    plain = api.client.post(url, content=json.dumps({"text": EXAMPLE}), headers={"Content-Type": "text/plain"})
    assert plain.status_code == 200 and plain.json()["items"], describe(plain)
    huge = problem(api.client.post(url, json={"text": "word " * 20_000}), 413)
    assert "65,536" in huge["detail"], huge


def test_the_route_is_described(api: LiveServer) -> None:
    spec = api.client.get(f"{api.url}/openapi.json").json()
    operation = spec["paths"]["/api/skills/extract"]["post"]
    assert {"200", "400", "408", "413", "422"} <= set(operation["responses"])
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert request["required"] == ["text"] and request["additionalProperties"] is False
    assert {"text", "lang", "limit"} == set(request["properties"])


# -- the command line ----------------------------------------------------------------------------------------------


def run(*args: str | Path, store: Path | Settings) -> subprocess.CompletedProcess[str]:
    arguments, named = store_arguments(store)
    env = {**os.environ, "COLUMNS": "200", **named}
    env.pop("SMARCO_STORE", None)
    command = [sys.executable, "-m", "smarco_kg", "skills", "extract", *map(str, args), *arguments]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)


def test_the_command_prints_a_table_for_a_text_and_json_for_a_file(demo_settings: Settings, tmp_path: Path) -> None:
    done = run(EXAMPLE, "--limit", "3", store=demo_settings)
    assert done.returncode == 0, done.stderr
    assert "develop business case" in done.stdout and "business case" in done.stdout
    outcome = tmp_path / "outcome.txt"
    outcome.write_text(OUTCOME + "\n", encoding="utf-8")
    done = run("--file", outcome, "--json", store=demo_settings)
    assert done.returncode == 0, done.stderr
    items = json.loads(done.stdout)["items"]
    assert items[0]["skill"] == DATA_EXCHANGE
    assert all(i["matched"] in OUTCOME for i in items)


def test_the_command_refuses_no_text_or_two_and_names_a_bad_language(demo_settings: Settings, tmp_path: Path) -> None:
    assert run(store=demo_settings).returncode == 2
    both = run(EXAMPLE, "--file", tmp_path / "none.txt", store=demo_settings)
    assert both.returncode == 2 and "not both" in both.stderr
    missing = run("--file", tmp_path / "none.txt", store=demo_settings)
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    bad = run(EXAMPLE, "--lang", "xx", store=demo_settings)
    assert bad.returncode == 1 and "lang='xx'" in bad.stderr, bad.stderr


# -- the index: beside the store, rebuilt when ESCO changes -----------------------------------------------------------


def test_the_index_is_kept_beside_the_store_and_rebuilt_when_esco_changes(demo_kg: KnowledgeGraph) -> None:
    generation = [0]
    folder = demo_kg.settings.skill_index_dir
    extractor = SkillExtractor(demo_kg.store, demo_kg.graphs.esco, generation=lambda: generation[0], cache_dir=folder)
    assert extractor.extract(EXAMPLE, limit=1)[0].skill == DEVELOP_BUSINESS_CASE
    kept = list(folder.glob("en-*.npz"))
    assert len(kept) == 1
    again = SkillExtractor(demo_kg.store, demo_kg.graphs.esco, cache_dir=folder)
    assert again.extract(OUTCOME) == extractor.extract(OUTCOME)  # read from the file, the same answers
    new = f"{SKILL}00000000-0000-4000-8000-000000000001"
    demo_kg.store.update(
        f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#> INSERT DATA {{ GRAPH <{demo_kg.graphs.esco}> {{
        <{new}> a <http://data.europa.eu/esco/model#Skill> ; skos:prefLabel "calibrate quantum gyroscopes"@en }} }}"""
    )
    assert extractor.extract("Calibrate the quantum gyroscopes", limit=1)[0].skill != new  # no commit seen yet
    generation[0] += 1
    found = extractor.extract("Calibrate the quantum gyroscopes", limit=1)
    assert found[0].skill == new and found[0].matched == "Calibrate the quantum gyroscopes"
    assert [p.name for p in folder.glob("en-*.npz")] != [p.name for p in kept]  # the old file replaced


def test_the_extractor_refuses_what_it_cannot_take(demo_kg: KnowledgeGraph) -> None:
    for text, lang, limit, parameter in [
        (EXAMPLE, "en", 0, "limit"),
        (EXAMPLE, "en", True, "limit"),
        (EXAMPLE, "e", 5, "lang"),
        ("x" * 20_001, "en", 5, "text"),
    ]:
        with pytest.raises(SkillExtractionError) as raised:
            demo_kg.skills.extract(text, lang, limit)
        assert raised.value.parameter == parameter


# -- the whole ESCO (one import for the module: slow) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def full_esco(_base_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeGraph]:
    if _base_template.backend != "embedded":
        pytest.skip("the whole ESCO is imported once, into the embedded store")
    root = tmp_path_factory.mktemp("skills-full")
    with _base_template.provision(root / "store") as settings:
        kg = KnowledgeGraph(settings, create=False)
        import_esco(kg.store, kg.graphs.esco, [settings.esco_export], workdir=root)
        yield kg
        kg.close()


def test_the_whole_esco_finds_technical_and_transversal_skills(full_esco: KnowledgeGraph) -> None:
    found = full_esco.skills.extract("Strong Java and SQL skills, and you work well in a team.", limit=5)
    labels = {m.label for m in found}
    assert {"Java (computer programming)", "SQL", "work in teams"} <= labels, labels
    assert len(full_esco.skills.index("en")) == 13_896
