"""Finding training as people do: ``/api/search/courses`` and the ``/search`` page with its type-ahead, over HTTP on
both stores; the set of queries in ``tests/data/search_queries.json`` (English, Spanish, Greek, Italian) and what each
must find; and the page in Chromium (embedded store): a skill picked from the type-ahead, two facets, back."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
QUERIES = json.loads((Path(__file__).parent / "data" / "search_queries.json").read_text(encoding="utf-8"))
ARTEFACTS = Path(__file__).parent / "artefacts"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ELM = "http://data.europa.eu/snb/model/elm/"
PREFIXES = f"PREFIX elm: <{ELM}> PREFIX dct: <http://purl.org/dc/terms/> "


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("search-page"), partner="cefriel") as server:
        yield server


def courses(api: LiveServer, **params: object) -> dict:
    response = api.client.get(f"{api.url}/api/search/courses", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, describe(response)
    return response.json()


def slugs(body: dict) -> list[str]:
    return [item["id"].removeprefix(f"{BASE}course/") for item in body["items"]]


@pytest.mark.parametrize("case", QUERIES["courses"], ids=lambda c: f"{c['lang']}:{c['query']}")
def test_each_query_of_the_set_finds_its_courses(api: LiveServer, case: dict) -> None:
    body = courses(api, text=case["query"], lang=case["lang"], limit=100)
    found = slugs(body)
    assert set(case["expect"]) <= set(found), (case, found)
    if case.get("first"):
        assert found[0] == case["expect"][0], (case, found)
    if "same_as" in case:
        other = courses(api, text=case["same_as"], lang=case["lang"], limit=100)
        assert slugs(other) == found, (case["same_as"], slugs(other), found)


@pytest.mark.parametrize("case", QUERIES["suggest"], ids=lambda c: f"{c['lang']}:{c['query']}")
def test_the_type_ahead_offers_labels_in_the_language_asked(api: LiveServer, case: dict) -> None:
    response = api.client.get(f"{api.url}/search/suggest", params={"q": case["query"], "lang": case["lang"]})
    assert response.status_code == 200, describe(response)
    labels = [item["label"] for item in response.json()["items"]]
    assert set(case["expect"]) <= set(labels), (case, labels)


def test_the_query_set_covers_four_languages_and_twenty_queries() -> None:
    assert len(QUERIES["courses"]) >= 20
    assert {c["lang"] for c in QUERIES["courses"]} >= {"en", "es", "el", "it"}


def test_results_are_ordered_by_relevance_then_title(api: LiveServer) -> None:
    body = courses(api, text="smart city", limit=100)
    scores = [item["score"] for item in body["items"]]
    assert scores == sorted(scores, reverse=True) and body["totalItems"] > 5
    everything = courses(api, limit=100)
    titles = [item["title"].casefold() for item in everything["items"]]
    assert titles == sorted(titles) and everything["totalItems"] == 36


def test_facet_counts_are_what_the_graph_says(api: LiveServer) -> None:
    body = courses(api, limit=1)
    rows = api.select(
        PREFIXES + "SELECT ?level (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a elm:LearningOpportunity ; "
        "elm:learningAchievementSpecification/elm:EQFLevel ?level } GROUP BY ?level"
    )
    assert {v["id"]: v["count"] for v in body["facets"]["eqf"]} == {r["level"]: int(r["n"]) for r in rows}
    rows = api.select(
        PREFIXES + "SELECT ?country (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a elm:LearningOpportunity ; "
        "elm:providedBy/elm:location/elm:address/elm:countryCode ?country } GROUP BY ?country ORDER BY DESC(?n)"
    )
    countries = {v["id"]: v["count"] for v in body["facets"]["country"]}
    assert all(countries[r["country"]] == int(r["n"]) for r in rows[:5])
    assert set(body["facets"]) == {
        "skill", "occupation", "eqf", "language", "mode", "country", "credits", "provider", "aim", "target_group",
    }  # fmt: skip


def test_facets_take_codes_and_labels_and_narrow_the_results(api: LiveServer) -> None:
    by_code = courses(api, country="ESP", eqf="6", limit=100)
    by_label = courses(api, country="Spain", eqf="http://data.europa.eu/snb/eqf/6", limit=100)
    assert slugs(by_code) == slugs(by_label) and by_code["totalItems"] > 0
    rows = api.select(
        PREFIXES + "SELECT DISTINCT ?c WHERE { ?c a elm:LearningOpportunity ; elm:providedBy/elm:location/"
        "elm:address/elm:countryCode <http://publications.europa.eu/resource/authority/country/ESP> ; "
        "elm:learningAchievementSpecification/elm:EQFLevel <http://data.europa.eu/snb/eqf/6> }"
    )
    assert {item["id"] for item in by_code["items"]} == {r["c"] for r in rows}
    for item in by_code["items"]:
        assert [level["label"] for level in item["eqf"]]
        assert item["provider"] and item["title"]


def test_two_values_of_one_facet_are_either_and_its_counts_ignore_its_own_choice(api: LiveServer) -> None:
    spanish = courses(api, language="SPA", limit=100)
    greek = courses(api, language="Greek", limit=100)
    either = courses(api, language=["SPA", "ELL"], limit=100)
    assert set(slugs(either)) == set(slugs(spanish)) | set(slugs(greek))
    counts = {v["value"]: v for v in either["facets"]["language"]}
    assert counts["SPA"]["chosen"] and counts["ELL"]["chosen"] and not counts["ENG"]["chosen"]
    assert counts["ENG"]["count"] == courses(api, language="ENG", limit=1)["totalItems"]


def test_a_skill_facet_finds_its_courses_and_says_the_skill_matched(api: LiveServer) -> None:
    rows = api.select(
        PREFIXES + "SELECT ?k (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a elm:LearningOpportunity ; "
        "elm:learningAchievementSpecification/elm:learningOutcome/elm:relatedESCOSkill ?k } "
        "GROUP BY ?k ORDER BY DESC(?n) ?k LIMIT 1"
    )
    skill, count = rows[0]["k"], int(rows[0]["n"])
    body = courses(api, skill=skill.removeprefix(ESCO_SKILL), limit=100)
    assert body["totalItems"] == count > 1
    for item in body["items"]:
        assert skill in [s["id"] for s in item["skillsMatched"]]
    label = body["items"][0]["skillsMatched"][0]["label"]
    assert courses(api, skill=label, limit=100)["totalItems"] == count


def test_text_finds_courses_through_the_labels_of_the_skills_they_teach(api: LiveServer) -> None:
    body = courses(api, text="geographic information systems", limit=100)
    assert "gis-for-urban-planning" in slugs(body)
    item = next(i for i in body["items"] if i["id"].endswith("gis-for-urban-planning"))
    assert any("geographic information" in s["label"] for s in item["skillsMatched"])


def test_a_value_that_names_nothing_matches_nothing(api: LiveServer) -> None:
    assert courses(api, country="Atlantis")["totalItems"] == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/search/courses", {"colour": "blue"}),
        ("/api/search/courses", {"limit": "0"}),
        ("/api/search/courses", {"lang": "not a tag"}),
        ("/search/suggest", {"q": ""}),
        ("/search/suggest", {"q": "urb", "limit": "500"}),
    ],
)
def test_bad_course_search_parameters_are_422(api: LiveServer, path: str, params: dict) -> None:
    problem(api.client.get(f"{api.url}{path}", params=params), 422)


def test_lang_and_its_older_name_language_are_the_search_language(api: LiveServer) -> None:
    by_lang = api.client.get(f"{api.url}/api/search", params={"text": "città", "lang": "it"}).json()
    by_language = api.client.get(f"{api.url}/api/search", params={"text": "città", "language": "it"}).json()
    assert by_lang["items"] == by_language["items"] and by_lang["totalItems"] > 0
    both = api.client.get(f"{api.url}/api/search", params={"text": "città", "lang": "it", "language": "es"})
    problem(both, 422)


# -- the page


def page(api: LiveServer, **params: object) -> str:
    response = api.client.get(f"{api.url}/search", params=params, headers={"Accept": "text/html"})  # type: ignore[arg-type]
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def test_the_page_shows_results_and_facets_in_words_without_iris(api: LiveServer) -> None:
    html = page(api, q="smart grid", lang="es")
    assert "Buscar formación" in html and "Cursos encontrados" in html
    assert "Nivel EQF" in html and "ECTS" in html
    visible = re.sub(r"<[^>]+>", " ", html)
    assert "http://" not in visible and "https://" not in visible
    assert 'name="eqf"' in html and 'type="checkbox"' in html


def test_every_facet_link_toggles_its_value_in_the_url(api: LiveServer) -> None:
    html = page(api, lang="en", mode="online")
    links = re.findall(r'<a href="(/search\?[^"]+)" aria-label="Remove ([^"]+)"', html)
    assert links, html[:2000]
    href = links[0][0].replace("&amp;", "&")
    assert ("mode", "online") not in parse_qsl(urlsplit(href).query)


def test_the_page_works_in_greek_and_italian(api: LiveServer) -> None:
    assert "Εύρεση κατάρτισης" in page(api, q="ενεργεια", lang="el")
    html = page(api, q="città", lang="it")
    assert "Corsi trovati" in html and "Gemelli digitali per le città" in html


def test_a_bad_page_parameter_is_a_page_saying_so(api: LiveServer) -> None:
    response = api.client.get(f"{api.url}/search", params={"colour": "red"}, headers={"Accept": "text/html"})
    assert response.status_code == 422 and "colour" in response.text


def test_the_home_page_has_a_search_box_that_goes_to_the_search_page(api: LiveServer) -> None:
    html = api.client.get(f"{api.url}/", headers={"Accept": "text/html"}).text
    assert re.search(r'<form[^>]+action="/search"', html) and 'name="q"' in html


# -- in a browser


def test_a_person_finds_training_by_a_skill_and_two_facets_then_goes_back(
    api: LiveServer, backend: str, browser: object
) -> None:
    if backend != "embedded":
        pytest.skip("browser tests check what people see, on the embedded store")
    page_ = browser.new_page()  # type: ignore[attr-defined]
    try:
        page_.goto(f"{api.url}/search?lang=en")
        box = page_.get_by_role("combobox", name="What do you want to learn or become?")
        box.type("energy effic", delay=40)
        option = page_.get_by_role("option").filter(has_text="energy efficiency").first
        option.wait_for()
        assert box.get_attribute("aria-expanded") == "true"
        box.press("ArrowDown")
        while "skill" not in (page_.locator("[role=option][aria-selected=true]").inner_text()):
            box.press("ArrowDown")
        box.press("Enter")
        page_.wait_for_url(re.compile(r"skill="))
        heading = page_.locator("#results-heading")
        first_total = int(re.sub(r"\D", "", heading.inner_text()))
        assert first_total > 0
        chosen = page_.locator("ul.chosen a")
        assert chosen.count() == 1
        page_.locator("fieldset[data-facet=eqf] input[type=checkbox]").first.check()
        page_.wait_for_url(re.compile(r"eqf="))
        page_.locator("fieldset[data-facet=mode] input[type=checkbox]").first.check()
        page_.wait_for_url(re.compile(r"mode="))
        page_.wait_for_function("document.querySelectorAll('ul.chosen a').length === 3")
        results = page_.locator("ol.courses > li")
        titles = results.locator("h3").all_inner_texts()
        assert titles and len(titles) <= first_total
        assert all(text.strip() for text in titles)
        facts = results.first.locator("dl.facts").inner_text()
        assert "EQF level" in facts and "Skills matched" in facts and "energy efficiency" in facts
        ARTEFACTS.mkdir(exist_ok=True)
        page_.screenshot(path=str(ARTEFACTS / "search.png"), full_page=True)
        page_.go_back()
        page_.wait_for_function("document.querySelectorAll('ul.chosen a').length === 2")
        assert "mode=" not in page_.url and "eqf=" in page_.url
        assert page_.locator("fieldset[data-facet=mode] input:checked").count() == 0
    finally:
        page_.close()


def test_the_home_page_box_suggests_and_a_chosen_occupation_opens_its_courses(
    api: LiveServer, backend: str, browser: object
) -> None:
    if backend != "embedded":
        pytest.skip("browser tests check what people see, on the embedded store")
    page_ = browser.new_page()  # type: ignore[attr-defined]
    try:
        page_.goto(f"{api.url}/?lang=es")
        box = page_.get_by_role("combobox")
        box.type("urban plan", delay=40)
        option = page_.get_by_role("option").filter(has_text="urban planner").first
        option.click()
        page_.wait_for_url(re.compile(r"/search\?occupation="))
        assert "Buscar formación" in page_.locator("h1").inner_text()
        assert page_.locator("ul.chosen a").inner_text().startswith("urban planner")
        assert page_.locator("ol.courses > li").count() > 0
    finally:
        page_.close()
