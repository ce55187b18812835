"""``/api/search`` and ``/api/suggest`` over HTTP, and the text index beside the store staying in step with it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smarco_kg.catalogue import Catalogue
from smarco_kg.config import Settings
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.search import SearchIndex, fold
from smarco_kg.store import store_for
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

PARTNER = "cefriel"
BASE = "https://w3id.org/smarco/"
GREEN = "http://data.europa.eu/esco/concept-scheme/green"
JSONLD = "application/ld+json"
URBAN_PLANNER = "http://data.europa.eu/esco/occupation/a45b3a64-4c9e-4b6c-9b9a-a2d83a0b2d51"


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("search"), partner=PARTNER) as server:
        yield server


def search(api: LiveServer, path: str = "/api/search", **params: object) -> dict:
    response = api.client.get(f"{api.url}{path}", params=params)
    assert response.status_code == 200, describe(response)
    return response.json()


def sparql(api: LiveServer, query: str) -> list[dict[str, str]]:
    return api.select(query)


def test_an_exact_preferred_label_ranks_first(api: LiveServer) -> None:
    body = search(api, text="urban planner", type="occupation")
    assert body["items"][0]["label"] == "urban planner"
    assert body["items"][0]["matched"]["kind"] == "preferred"
    assert body["items"][0]["id"].startswith("http://data.europa.eu/esco/occupation/")
    assert body["items"][0]["api"].startswith("/api/occupations/")


def test_every_word_must_occur_whole_or_stemmed_and_matches_are_what_the_labels_say(api: LiveServer) -> None:
    body = search(api, text="water", type="skill", limit=100)
    expected = sparql(
        api,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX esco: <http://data.europa.eu/esco/model#> "
        "SELECT DISTINCT ?s WHERE { ?s a esco:Skill ; skos:prefLabel|skos:altLabel|skos:hiddenLabel ?l "
        'FILTER(REGEX(STR(?l), "\\\\bwater(s|ing|ed)?\\\\b", "i")) }',
    )
    assert body["totalItems"] == len(expected) > 5
    assert {i["id"] for i in body["items"]} == {r["s"] for r in expected}
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_accents_and_case_are_folded(api: LiveServer) -> None:
    plain = search(api, text="smart city", type="course")
    folded = search(api, text="SMÁRT Cïty", type="course")
    assert plain["totalItems"] == folded["totalItems"] > 0
    assert [i["id"] for i in plain["items"]] == [i["id"] for i in folded["items"]]
    assert fold("Città Sensibili") == "citta sensibili"


def test_courses_are_found_in_any_language_and_filtered_by_it(api: LiveServer) -> None:
    italian = sparql(
        api,
        "PREFIX dct: <http://purl.org/dc/terms/> "
        "SELECT ?c ?t WHERE { ?c dct:title ?t FILTER(LANG(?t) = 'it') } LIMIT 1",
    )
    assert italian, "the demo data has Italian titles"
    word = max(italian[0]["t"].split(), key=len)
    found = search(api, text=word, type="course")
    assert italian[0]["c"] in {i["id"] for i in found["items"]}
    english_only = search(api, text=word, type="course", language="en")
    assert italian[0]["c"] not in {i["id"] for i in english_only["items"] if i["matched"].get("language") == "it"}


def test_scheme_restricts_to_an_esco_collection(api: LiveServer) -> None:
    body = search(api, text="waste", type="skill", scheme="green", limit=100)
    members = sparql(
        api,
        f"SELECT ?s WHERE {{ ?s <http://www.w3.org/2004/02/skos/core#inScheme> <{GREEN}> }}",
    )
    green = {r["s"] for r in members}
    assert body["items"] and {i["id"] for i in body["items"]} <= green
    everything = search(api, text="waste", type="skill", limit=100)
    assert everything["totalItems"] > body["totalItems"]


def test_paging_links_walk_all_results_once(api: LiveServer) -> None:
    first = api.client.get(f"{api.url}/api/search", params={"text": "data", "limit": 7})
    total, seen, response = first.json()["totalItems"], [], first
    assert total > 14
    while True:
        assert response.status_code == 200, describe(response)
        seen += [i["id"] for i in response.json()["items"]]
        if "next" not in response.links:
            break
        response = api.client.get(response.links["next"]["url"])
    assert len(seen) == len(set(seen)) == total


def test_suggest_completes_the_last_word(api: LiveServer) -> None:
    body = search(api, "/api/suggest", text="smart ci", type="course,skill")
    assert body["items"]
    for item in body["items"]:
        words = fold(item["matched"]["text"]).replace("-", " ").split()
        assert "smart" in words and any(w.startswith("ci") for w in words), item
    assert len(search(api, "/api/suggest", text="e", limit=3)["items"]) == 3


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/search", {}),
        ("/api/search", {"text": ""}),
        ("/api/suggest", {"text": ""}),
        ("/api/search", {"text": "water", "type": "river"}),
        ("/api/search", {"text": "water", "limit": "1000"}),
        ("/api/search", {"text": "water", "scheme": "http://example.org/x"}),
        ("/api/search", {"text": "water", "colour": "blue"}),
        ("/api/suggest", {"text": "wa", "offset": "2"}),
    ],
)
def test_bad_search_parameters_are_422(api: LiveServer, path: str, params: dict) -> None:
    problem(api.client.get(f"{api.url}{path}", params=params), 422)


@pytest.mark.parametrize("path", ["/api/search", "/api/suggest"])
@pytest.mark.parametrize("text", ["   ", "?!", "数据分析", "Ψηφιακές δεξιότητες ζζζζ"])
def test_any_text_is_searched_and_text_found_nowhere_is_an_empty_page(api: LiveServer, path: str, text: str) -> None:
    body = search(api, path, text=text)
    assert body["text"] == text
    assert body["totalItems"] == 0 and body["items"] == []


def test_injection_in_the_text_is_just_text(api: LiveServer) -> None:
    for text in ['water" OR "a', "water*", "NEAR(water planning)", "'); DROP TABLE entry; --", "water^2"]:
        response = api.client.get(f"{api.url}/api/search", params={"text": text})
        assert response.status_code == 200, describe(response)
    assert search(api, text="water")["totalItems"] > 0


def test_a_write_is_searchable_at_once_and_a_delete_is_gone(api: LiveServer) -> None:
    assert search(api, text="zyxwvut", type="course")["totalItems"] == 0
    course = api.client.get(f"{api.url}/api/courses/urban-data-platforms", headers={"Accept": JSONLD}).json()

    def strip(node: object) -> object:  # the ids of the course and what it owns, so new ones are minted
        own = course["id"]
        if isinstance(node, dict):
            return {
                k: strip(v)
                for k, v in node.items()
                if not (k == "id" and isinstance(v, str) and (v == own or v.startswith(own + "/")))
            }
        return [strip(v) for v in node] if isinstance(node, list) else node

    body = strip(course)
    assert isinstance(body, dict)
    body["title"] = {"en": "Zyxwvut districts"}
    body["learningAchievementSpecification"]["title"] = {"en": "Zyxwvut districts"}
    created = api.client.post(
        f"{api.url}/api/courses", json=body, headers={**api.auth(api.partner), "Content-Type": JSONLD}
    )
    assert created.status_code == 201, describe(created)
    hits = search(api, text="zyxwvut", type="course")["items"]
    assert [h["label"] for h in hits] == ["Zyxwvut districts"]
    etag = api.client.get(created.headers["Location"]).headers["ETag"]
    deleted = api.client.delete(created.headers["Location"], headers={**api.auth(api.partner), "If-Match": etag})
    assert deleted.status_code == 204, describe(deleted)
    assert search(api, text="zyxwvut")["totalItems"] == 0


def test_a_sparql_update_reaches_the_index(api: LiveServer) -> None:
    graph = f"{BASE}graph/partner/{PARTNER}"
    update = (
        f"PREFIX dct: <http://purl.org/dc/terms/> DELETE {{ GRAPH <{graph}> {{ ?c dct:title ?t }} }} "
        f"INSERT {{ GRAPH <{graph}> {{ ?c dct:title 'Qwertyuiop platforms'@en }} }} "
        f"WHERE {{ GRAPH <{graph}> {{ ?c dct:title ?t FILTER(?c = <{BASE}course/urban-data-platforms>) }} }}"
    )
    response = api.update(update)
    assert response.status_code == 204, describe(response)
    assert [h["id"] for h in search(api, text="qwertyuiop")["items"]] == [f"{BASE}course/urban-data-platforms"]


def test_the_index_catches_up_with_a_store_changed_behind_its_back(base_settings: Settings) -> None:
    """A load by another process (or a crash between commit and re-index) is noticed when the index opens."""
    with KnowledgeGraph(base_settings, create=False) as kg:
        assert kg.search.ensure_fresh(kg.store) == set()
        before = kg.search.search("asdfghjk", types=["skill"])[1]
    with store_for(base_settings) as store:
        store.update(
            "INSERT DATA { GRAPH <https://w3id.org/smarco/graph/esco> { <http://data.europa.eu/esco/skill/x-test> "
            "a <http://data.europa.eu/esco/model#Skill> ; <http://www.w3.org/2004/02/skos/core#prefLabel> "
            '"asdfghjk skill"@en } }'
        )
    catalogue = Catalogue(base_settings.base_iri, base_settings.shapes_dir)
    index = SearchIndex(base_settings.search_index, catalogue.search_types, catalogue.described_search_types)
    with store_for(base_settings) as store:
        assert index.stale_graphs(store) == {"https://w3id.org/smarco/graph/esco"}
        index.ensure_fresh(store)
        assert index.stale_graphs(store) == set()
    hits, total = index.search("asdfghjk", types=["skill"])
    assert before == 0 and total == 1 and hits[0].label == "asdfghjk skill"
    index.close()
