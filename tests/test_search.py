"""``/api/search`` and ``/api/suggest`` over HTTP, and the text index beside the store (texts, stems, course facets)
staying in step with it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import URIRef

from smarco_kg.catalogue import Catalogue
from smarco_kg.catalogue.read import teaching
from smarco_kg.config import Settings
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.search import FACETS, SearchIndex, fold, stemmed_languages, stems, token
from smarco_kg.store import Changeset, open_store, store_for
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

ESCO_MODEL = "http://data.europa.eu/esco/model#"

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


# -- the service: stems, course facets, type-ahead

COURSE = f"{BASE}course/"
PARTNER_GRAPH = f"{BASE}graph/partner/politeknika-txorierri"
EQF = "http://data.europa.eu/snb/eqf/"


@pytest.mark.parametrize(
    ("lang", "one", "other"),
    [
        ("en", "photovoltaic system", "Photovoltaic Systems"),
        ("es", "sistemas fotovoltaicos", "sistema fotovoltaico"),
        ("el", "ενεργειακές κοινότητες", "ΕΝΕΡΓΕΙΑΚΗ κοινοτητα"),
        ("it", "gemelli digitali", "gemello digitale"),
    ],
)
def test_a_word_and_its_other_forms_have_one_stem(lang: str, one: str, other: str) -> None:
    assert stems(one, lang) == stems(other, lang) != fold(one).split()


def test_the_languages_of_the_data_and_the_pages_are_stemmed() -> None:
    assert {"en", "es", "el", "it", "de", "fr", "nl", "pt", "ro", "hu", "eu"} <= set(stemmed_languages())
    assert stems("Отворени данни", "bg") == ["отворени", "данни"]  # no Bulgarian stemmer: the words as they are


def test_suggest_completes_labels_of_skills_occupations_and_courses_in_any_language(demo_kg: KnowledgeGraph) -> None:
    hits = demo_kg.search.suggest("urban pl", lang="en")
    assert {"skill", "occupation", "course"} <= {h.type for h in hits}
    assert hits[0].label in ("urban planner", "urban planning")
    spanish = demo_kg.search.suggest("alumbr", lang="es")
    assert [h.label for h in spanish] == ["Sistemas de alumbrado público inteligente"]
    assert [h.label for h in demo_kg.search.suggest("alumbr", lang="en")] == ["Smart street lighting systems"]


def test_course_facets_are_counted_over_the_courses_the_other_facets_leave(demo_kg: KnowledgeGraph) -> None:
    index = demo_kg.search
    everything = index.courses(limit=100)
    assert everything.total == 36 and set(everything.facets) == set(FACETS)
    levels = {v.value: v.count for v in everything.facets["eqf"]}
    rows = demo_kg.store.query(
        "SELECT ?l (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a <http://data.europa.eu/snb/model/elm/LearningOpportunity> ;"
        " <http://data.europa.eu/snb/model/elm/learningAchievementSpecification>/"
        "<http://data.europa.eu/snb/model/elm/EQFLevel> ?l } GROUP BY ?l",
        union_default_graph=True,
    ).rows()
    assert levels == {str(r["l"]): int(r["n"]) for r in rows}
    six = index.courses("", {"eqf": [f"{EQF}6"]}, limit=100)
    assert six.total == levels[f"{EQF}6"]
    assert {v.value: v.count for v in six.facets["eqf"]} == levels  # its own choice does not narrow it
    assert sum(v.count for v in six.facets["mode"]) >= six.total
    assert all(f"{EQF}6" in [t.value for t in hit.values["eqf"]] for hit in six.hits)


def test_an_occupation_finds_the_courses_teaching_its_skills_and_marks_those_skills(demo_kg: KnowledgeGraph) -> None:
    """The occupation facet follows ESCO's links from the courses' skills; the skills matched are the occupation's."""
    index = demo_kg.search
    occupations = index.courses(limit=100).facets["occupation"]
    assert occupations, "the demo's courses teach skills of ESCO occupations"
    occupation = occupations[0]
    found = index.courses("", {"occupation": [occupation.value]}, limit=100)
    rows = demo_kg.store.query(
        f"SELECT DISTINCT ?s WHERE {{ <{occupation.value}> "
        "<http://data.europa.eu/esco/model#relatedEssentialSkill> ?s }",
        union_default_graph=True,
    ).rows()
    essential = {str(r["s"]) for r in rows}
    assert found.total == occupation.count > 0
    for hit in found.hits:
        skills = {t.value for t in hit.values["skill"]}
        assert hit.matched_skills and {t.value for t in hit.matched_skills} == skills & essential


def test_facet_values_are_named_by_iri_code_or_label(demo_kg: KnowledgeGraph) -> None:
    index = demo_kg.search
    spain = "http://publications.europa.eu/resource/authority/country/ESP"
    assert index.resolve("country", "ESP") == index.resolve("country", "spain") == index.resolve("country", spain)
    assert index.resolve("country", "esp") == (spain,)
    assert index.resolve("eqf", "6") == (f"{EQF}6",)
    assert index.resolve("language", "Spanish") == ("http://publications.europa.eu/resource/authority/language/SPA",)
    assert index.resolve("mode", "online") == ("http://data.europa.eu/snb/learning-assessment/920fbb3cbe",)
    assert index.resolve("credits", "4.0") == ("4",)
    assert index.resolve("country", "Atlantis") == ()
    assert token("country", spain) == "ESP" and token("aim", "https://w3id.org/smarco/ontology#aimX") == "aimX"


def test_a_commit_brings_the_course_facets_in_step(demo_kg: KnowledgeGraph) -> None:
    course = f"{COURSE}smart-street-lighting"  # presential; its specification has no blank nodes
    online = "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
    before = demo_kg.search.courses("", {"mode": [online]}).total
    mode = "<http://data.europa.eu/snb/model/elm/mode>"
    demo_kg.update(
        f"DELETE {{ GRAPH <{PARTNER_GRAPH}> {{ ?spec {mode} ?m }} }} "
        f"INSERT {{ GRAPH <{PARTNER_GRAPH}> {{ ?spec {mode} <{online}> }} }} "
        f"WHERE {{ GRAPH <{PARTNER_GRAPH}> {{ <{course}> "
        f"<http://data.europa.eu/snb/model/elm/learningAchievementSpecification> ?spec . ?spec {mode} ?m }} }}",
        actor="admin",
    )
    after = demo_kg.search.courses("", {"mode": [online]}, limit=100)
    assert after.total == before + 1 and course in [h.iri for h in after.hits]


def test_the_courses_teaching_each_skill_are_the_stores(demo_kg: KnowledgeGraph) -> None:
    """What course pages and skill filters read from the index (``courses_teaching``) is what the store's join of
    a course's specification, outcomes and skills gives, for every skill a demo course teaches and one none does."""
    taught = demo_kg.store.query(
        "SELECT DISTINCT ?skill WHERE { ?o <http://data.europa.eu/snb/model/elm/relatedESCOSkill> ?skill }",
        union_default_graph=True,
    )
    skills = sorted(row["skill"] for row in taught.rows())
    nobody = URIRef("http://data.europa.eu/esco/skill/no-course-teaches-this")
    from_store = teaching(demo_kg.store, [*skills, nobody])
    found = demo_kg.search.courses_teaching([str(skill) for skill in [*skills, nobody]])
    assert len(skills) > 20 and sum(len(courses) for courses in from_store.values()) > len(skills)
    assert found == {str(skill): tuple(map(str, courses)) for skill, courses in from_store.items()}
    assert found[str(nobody)] == () and demo_kg.search.courses_teaching([]) == {}


def test_an_index_of_an_older_layout_is_emptied_and_filled_again(base_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "old.search.sqlite"
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE entry (id INTEGER PRIMARY KEY, iri TEXT); CREATE TABLE indexed (graph TEXT);")
    old.close()
    catalogue = Catalogue(base_settings.base_iri, base_settings.shapes_dir)
    index = SearchIndex(path, catalogue.search_types, catalogue.described_search_types)
    with store_for(base_settings) as store:
        assert index.stale_graphs(store)
        index.ensure_fresh(store)
        assert not index.stale_graphs(store)
    assert index.search("urban planner", types=["occupation"])[1] > 0
    index.close()


def test_suggestions_are_remembered_only_until_the_next_reindex(tmp_path: Path) -> None:
    """``suggest`` answers the same words from memory (the search page asks for the skills its words name), and a
    re-index of a graph forgets them: a renamed skill is suggested by its new name at once."""
    skill, graph = "http://data.europa.eu/esco/skill/zz-kept", "https://w3id.org/smarco/graph/esco"

    def label(text: str) -> bytes:
        return (
            f"<{skill}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ESCO_MODEL}Skill> <{graph}> .\n"
            f'<{skill}> <http://www.w3.org/2004/02/skos/core#prefLabel> "{text}"@en <{graph}> .\n'
        ).encode()

    with open_store(tmp_path / "store") as store:
        store.apply(Changeset(add=label("zebra crossing design")))
        index = SearchIndex(None, {"skill": (f"{ESCO_MODEL}Skill",)})
        index.reindex(store, [graph])
        first = index.suggest("zebra", types=("skill",))
        assert [h.label for h in first] == ["zebra crossing design"]
        assert index.suggest("zebra", types=("skill",)) == first  # the same, remembered
        store.apply(Changeset(clear_graphs=[graph], add=label("zebra crossing planning")))
        assert [h.label for h in index.suggest("zebra", types=("skill",))] == ["zebra crossing design"]  # not yet
        index.reindex(store, [graph])
        assert [h.label for h in index.suggest("zebra", types=("skill",))] == ["zebra crossing planning"]
        index.close()
