"""Writes in plain values over HTTP, against a live server over a private copy of the demo store: codes, labels,
numbers and durations in words resolved from the shapes and the code lists in the store; unknown keys and values
are a 422 quoting them (with a JSON pointer and the candidates), never a minted IRI; a bad write changes nothing."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from smarco_kg.catalogue.plain_values import duration
from smarco_kg.web.words import duration_hours
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

PARTNER = "politeknika-txorierri"
JSON = "application/json"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
SPA = LANGUAGE + "SPA"
BLENDED = "http://data.europa.eu/snb/learning-assessment/e92d221e4d"
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
FULL_TIME = "http://data.europa.eu/snb/learning-schedule/72a0ab92fa"
SMART_CITY_ENGINEERS = "https://w3id.org/smarco/ontology#smartCityEngineers"
BUSINESS_PLANS = "http://data.europa.eu/esco/skill/ead58f22-0af5-467c-ac1e-b750e4e1ac6a"  # develop business plans
MINTED = re.compile(r"https://w3id\.org/smarco/(?!ontology#)|_:")


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("plain"), partner=PARTNER) as server:
        yield server


def natural() -> dict[str, Any]:
    """A course as a provider writes it without knowing RDF (the issue's example, with the key for credits)."""
    return {
        "title": {"en": "Business cases for urban technology"},
        "description": {"en": "How to build the business case of a smart-city solution."},
        "defaultLanguage": "SPA",
        "aim": "resilientCommunities",
        "learningAchievementSpecification": {
            "title": {"en": "Business cases for urban technology"},
            "language": "SPA",
            "mode": "blended",
            "eqfLevel": 4,
            "creditPoint": 3,
            "learningOutcome": [
                {
                    "title": {"en": "Build a business case for an urban technology solution"},
                    "relatedESCOSkill": ["develop business plans"],
                }
            ],
        },
    }


def post(api: LiveServer, body: dict, collection: str = "courses") -> httpx.Response:
    headers = {**api.auth(api.partner), "Content-Type": JSON}
    return api.client.post(f"{api.url}/api/{collection}", content=json.dumps(body), headers=headers)


def created(api: LiveServer, body: dict, collection: str = "courses") -> dict:
    response = post(api, body, collection)
    assert response.status_code == 201, describe(response)
    return response.json()


def ids(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v["id"] if isinstance(v, dict) else v for v in values]


def with_spec(**values: Any) -> dict:
    body = natural()
    body["learningAchievementSpecification"].update(values)
    return body


def refused(api: LiveServer, body: dict, collection: str = "courses") -> dict:
    """The 422 of a bad body, after checking that it names nothing minted and changed nothing."""
    before = triples(api)
    found = problem(post(api, body, collection), 422)
    assert not MINTED.search(found["detail"]), found
    for error in found["errors"]:
        assert not MINTED.search(error["message"]), error
        assert not MINTED.search(json.dumps(error.get("value"))), error
        assert not MINTED.search(str(error.get("focusNode", ""))), error
    assert triples(api) == before
    return found


def triples(api: LiveServer) -> int:
    return api.client.get(f"{api.url}/health/store").json()["triples"]


def test_the_issues_course_names_the_unknown_key_then_the_corrected_one_is_written(api: LiveServer) -> None:
    body = natural()
    spec = body["learningAchievementSpecification"]
    spec["ects"] = spec.pop("creditPoint")
    found = refused(api, body)
    [error] = found["errors"]
    assert error["pointer"] == "/learningAchievementSpecification/ects" and error["value"] == 3
    assert "'ects'" in error["message"] and error["candidates"] == ["creditPoint"]
    assert found["type"].endswith("/bad-value")

    course = created(api, natural())
    assert ids(course["defaultLanguage"]) == [SPA]
    spec = course["learningAchievementSpecification"]
    assert ids(spec["language"]) == [SPA] and ids(spec["mode"]) == [BLENDED]
    assert ids(spec["eqfLevel"]) == ["http://data.europa.eu/snb/eqf/4"]
    [credits] = spec["creditPoint"]
    assert credits["point"] == "3" and ids(credits["framework"]) == [ECTS]
    [outcome] = spec["learningOutcome"]
    assert ids(outcome["relatedESCOSkill"]) == [BUSINESS_PLANS]


def test_the_provider_is_the_tokens_partner_when_the_body_names_none(api: LiveServer) -> None:
    course = created(api, natural())
    assert ids(course["providedBy"]) == [f"https://w3id.org/smarco/organisation/{PARTNER}"]


@pytest.mark.parametrize("language", ["es", "spa", "SPA", "Spanish", "español", "Espagnol", SPA])
def test_a_language_by_code_name_or_iri(api: LiveServer, language: str) -> None:
    course = created(api, {**natural(), "defaultLanguage": language})
    assert ids(course["defaultLanguage"]) == [SPA]


@pytest.mark.parametrize("mode", ["blended", "Blended", BLENDED])
def test_a_mode_by_label_or_iri(api: LiveServer, mode: str) -> None:
    spec = created(api, with_spec(mode=mode))["learningAchievementSpecification"]
    assert ids(spec["mode"]) == [BLENDED]


@pytest.mark.parametrize("schedule", ["full time", "Full-time", FULL_TIME])
def test_a_schedule_by_label_or_iri(api: LiveServer, schedule: str) -> None:
    course = created(api, {**natural(), "learningSchedule": schedule})
    assert ids(course["learningSchedule"]) == [FULL_TIME]


@pytest.mark.parametrize("group", ["smartCityEngineers", "smart-city engineers", SMART_CITY_ENGINEERS])
def test_a_target_group_by_name_label_or_iri(api: LiveServer, group: str) -> None:
    spec = created(api, with_spec(targetGroup=group))["learningAchievementSpecification"]
    assert ids(spec["targetGroup"]) == [SMART_CITY_ENGINEERS]


@pytest.mark.parametrize("level", [4, "4", "EQF 4", "Level 4", "http://data.europa.eu/snb/eqf/4"])
def test_an_eqf_level_by_number_or_name(api: LiveServer, level: object) -> None:
    spec = created(api, with_spec(eqfLevel=level))["learningAchievementSpecification"]
    assert ids(spec["eqfLevel"]) == ["http://data.europa.eu/snb/eqf/4"]


@pytest.mark.parametrize(
    ("given", "points"),
    [(3, "3"), ("3", "3"), (2.5, "2.5"), ("2,5 ECTS", "2.5"), ({"framework": "ECTS", "point": 6}, "6")],
)
def test_credits_as_a_number(api: LiveServer, given: object, points: str) -> None:
    spec = created(api, with_spec(creditPoint=given))["learningAchievementSpecification"]
    [credits] = spec["creditPoint"]
    assert credits["point"] == points and ids(credits["framework"]) == [ECTS]


@pytest.mark.parametrize(
    ("given", "hours"),
    [(75, 75), ("75 hours", 75), ("2 days 2 hours", 50), ("PT75H", 75), ("P2DT2H", 50), ("40 horas", 40)],
)
def test_hours_as_a_number_in_words_or_iso(api: LiveServer, given: object, hours: int) -> None:
    spec = created(api, with_spec(volumeOfLearning=given))["learningAchievementSpecification"]
    assert duration_hours(spec["volumeOfLearning"]) == hours  # the store keeps the duration in its canonical form


def test_durations_in_words() -> None:
    assert duration("1.5 hours") == "PT1H30M"
    assert duration("3 weeks") == "P21D"
    assert duration("2 días y 3 horas") == "P2DT3H"
    assert duration("3 parsecs") is None and duration("hours") is None


@pytest.mark.parametrize(
    "skill",
    ["develop business plans", "Develop Business Plans", BUSINESS_PLANS, BUSINESS_PLANS.rsplit("/", 1)[1]],
)
def test_a_skill_by_label_iri_or_id(api: LiveServer, skill: str) -> None:
    body = natural()
    body["learningAchievementSpecification"]["learningOutcome"][0]["relatedESCOSkill"] = skill
    spec = created(api, body)["learningAchievementSpecification"]
    assert ids(spec["learningOutcome"][0]["relatedESCOSkill"]) == [BUSINESS_PLANS]


@pytest.mark.parametrize("country", ["ES", "ESP", "Spain", "España", COUNTRY + "ESP"])
def test_a_country_by_code_or_name(api: LiveServer, country: str) -> None:
    practice = {
        "title": {"en": f"A practice in {country}"},
        "description": {"en": "Shared test sites."},
        "aim": "communityOfStakeholders",
        "spatial": country,
        "relatedSkill": "develop business plans",
    }
    written = created(api, practice, "practices")
    assert ids(written["spatial"]) == [COUNTRY + "ESP"]
    assert ids(written["contributedBy"]) == [f"https://w3id.org/smarco/organisation/{PARTNER}"]


def test_an_ambiguous_value_lists_the_candidates(api: LiveServer) -> None:
    found = refused(api, {**natural(), "defaultLanguage": "Nepali"})
    [error] = found["errors"]
    assert error["pointer"] == "/defaultLanguage" and error["value"] == "Nepali"
    assert "ambiguous" in error["message"]
    assert any("NEP" in c for c in error["candidates"]) and any("NPI" in c for c in error["candidates"])


def test_unknown_values_are_quoted_with_their_pointers(api: LiveServer) -> None:
    body = with_spec(mode="telepathic", eqfLevel=9, volumeOfLearning="a while")
    body["learningAchievementSpecification"]["learningOutcome"][0]["relatedESCOSkill"] = ["juggle flaming clouds"]
    found = refused(api, body)
    errors = {e["pointer"]: e for e in found["errors"]}
    spec = "/learningAchievementSpecification"
    assert set(errors) == {
        f"{spec}/mode",
        f"{spec}/eqfLevel",
        f"{spec}/volumeOfLearning",
        f"{spec}/learningOutcome/0/relatedESCOSkill/0",
    }
    assert errors[f"{spec}/mode"]["value"] == "telepathic"
    assert "Blended" in " ".join(errors[f"{spec}/mode"]["candidates"])  # a short list is given whole
    assert errors[f"{spec}/learningOutcome/0/relatedESCOSkill/0"]["value"] == "juggle flaming clouds"
    assert "'telepathic'" in found["detail"] or "telepathic" in json.dumps(found["errors"])


def test_unknown_keys_are_named(api: LiveServer) -> None:
    body = {**natural(), "titel": {"en": "x"}, "eqfLevel": 4}
    found = refused(api, body)
    errors = {e["pointer"]: e for e in found["errors"]}
    assert "'titel'" in errors["/titel"]["message"] and "title" in errors["/titel"]["candidates"]
    assert errors["/eqfLevel"]["candidates"] == ["learningAchievementSpecification"]


def test_the_shapes_report_speaks_of_the_body_not_of_minted_iris(api: LiveServer) -> None:
    body = natural()
    del body["description"]
    del body["learningAchievementSpecification"]["learningOutcome"][0]["title"]
    found = refused(api, body)
    assert found["type"].endswith("/shapes-violation")
    pointers = {e.get("pointer") for e in found["errors"]}
    assert "/description" in pointers
    assert "/learningAchievementSpecification/learningOutcome/0/title" in pointers
    focus = {e["focusNode"] for e in found["errors"]}
    assert focus <= {"#", "#/learningAchievementSpecification/learningOutcome/0"}, focus


def test_a_get_body_still_reads_back_unchanged(api: LiveServer) -> None:
    course = created(api, natural())
    location = course["id"].rsplit("/", 1)[1]
    current = api.client.get(f"{api.url}/api/courses/{location}", headers={"Accept": "application/ld+json"})
    body = copy.deepcopy(current.json())
    body["learningAchievementSpecification"]["mode"] = "online"
    headers = {**api.auth(api.partner), "Content-Type": JSON, "If-Match": current.headers["ETag"]}
    response = api.client.put(f"{api.url}/api/courses/{location}", content=json.dumps(body), headers=headers)
    assert response.status_code == 200, describe(response)
    assert ids(response.json()["learningAchievementSpecification"]["mode"]) != [BLENDED]


def test_a_value_the_course_gives_its_specification_is_named_where_it_belongs(api: LiveServer) -> None:
    found = refused(api, {**natural(), "language": "SPA"})
    [error] = found["errors"]
    assert error["pointer"] == "/language" and "learningAchievementSpecification" in error["message"]


def test_credits_that_are_no_number_are_refused_not_made_an_iri(api: LiveServer) -> None:
    found = refused(api, with_spec(creditPoint="many"))
    [error] = found["errors"]
    assert error["pointer"] == "/learningAchievementSpecification/creditPoint" and error["value"] == "many"
    assert "point" in error["message"]


def test_text_without_its_language_is_refused_saying_how_to_give_it(api: LiveServer) -> None:
    found = refused(api, {**natural(), "title": "Business cases"})
    [error] = found["errors"]
    assert error["pointer"] == "/title" and '"en"' in error["message"]


def test_an_outcome_naming_no_skill_gets_skills_suggested_from_its_words(api: LiveServer) -> None:
    body = natural()
    outcome = body["learningAchievementSpecification"]["learningOutcome"][0]
    del outcome["relatedESCOSkill"]
    found = refused(api, body)
    [missing] = [e for e in found["errors"] if str(e.get("pointer", "")).endswith("/relatedESCOSkill")]
    assert missing["pointer"] == "/learningAchievementSpecification/learningOutcome/0/relatedESCOSkill"
    suggested = missing["suggestions"]
    assert suggested, missing
    text = outcome["title"]["en"]
    for suggestion in suggested:
        assert suggestion["skill"].startswith("http://data.europa.eu/esco/skill/")
        assert suggestion["label"] and suggestion["matched"] in text
    assert any("business" in s["label"] for s in suggested), suggested  # "Build a business case…"
