"""Filter values in people's words: the filters of ``/api``, of the pages and of the planner's course filters take
labels (in any language the store holds) and codes as well as IRIs. An unknown value is a 422 quoting it, an
ambiguous one a 422 listing the candidates; matching folds case and accents and never guesses from a prefix.

The HTTP tests run against a live server over a private copy of the demo store; the matching rules are checked
through ``bind`` over a private copy of it too, with a few concepts of our own loaded beside the demo data.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from rdflib import URIRef

from smarco_kg.api.params import language
from smarco_kg.catalogue.filters import CREDIT_SYSTEM, EQF_LEVEL, SCHEDULE, Lookup, Value, bind, concept_of
from smarco_kg.errors import BadParameter
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
SMARCO = "https://w3id.org/smarco/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
LANG = "http://publications.europa.eu/resource/authority/language/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
EQF = "http://data.europa.eu/snb/eqf/"
ONLINE = "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"
URBAN_PLANNING = "http://data.europa.eu/esco/skill/7f18039d-dfae-471b-9daa-507f6b2d2842"
ENERGY_MANAGER = "http://data.europa.eu/esco/occupation/a005f8a2-2d8a-433e-8d89-13575f822fd4"
PLANNERS = "smart-city planners and procurers"
ARCHITECT = "http://data.europa.eu/esco/occupation/e1c72b5f-4c5c-487c-a6df-e84b64a51dae"  # ICT system architect


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    # a Virtuoso server of its own: after other modules' large imports, Virtuoso answered the skill filter
    # over narrower skills with no rows (docs/stores.md)
    with live_server(
        _demo_template, tmp_path_factory.mktemp("filter-values"), private_server=True, partner="cefriel"
    ) as server:
        yield server


def get(api: LiveServer, path: str, **params: str | int) -> httpx.Response:
    return api.client.get(f"{api.url}{path}", params=params, headers={"Accept": "application/ld+json"})


def listed(api: LiveServer, collection: str, **params: str) -> list[str]:
    response = get(api, f"/api/{collection}", limit=100, **params)
    assert response.status_code == 200, describe(response)
    return [item["id"] for item in response.json()["items"]]


# (collection, filter, the canonical value, other ways of naming the same concept)
SAME: list[tuple[str, str, str, list[str]]] = [
    ("courses", "skill", URBAN_PLANNING, ["urban planning", "Urban Planning", "urban-planning", " URBAN  planning "]),
    ("courses", "occupation", ENERGY_MANAGER, ["energy manager", "Energy Manager", ENERGY_MANAGER.rsplit("/", 1)[1]]),
    ("courses", "language", "SPA", ["spa", "es", "ES", "Spanish", "español", "ESPAÑOL", "espagnol", f"{LANG}SPA"]),
    ("courses", "language", "ELL", ["el", "Greek", "ελληνικά", "Ελληνικά", "greco", "Griechisch"]),
    ("courses", "country", "ESP", ["esp", "ES", "Spain", "España", "espana", "Spagna", "Ισπανία", f"{COUNTRY}ESP"]),
    ("courses", "eqf", "6", ["EQF 6", "eqf6", "EQF level 6", "Level 6", f"{EQF}6"]),
    ("courses", "mode", "online", ["Online", "ONLINE", ONLINE]),
    ("courses", "provider", "cefriel", ["Cefriel", "CEFRIEL", "Cefriel S.c.a r.l.", f"{BASE}organisation/cefriel"]),
    ("courses", "target_group", "plannersProcurers", [PLANNERS, PLANNERS.upper(), PLANNERS.replace("-", " ")]),
    ("practices", "country", "IRL", ["Ireland", "IE", "Irlanda", "Éire"]),
    ("partners", "country", "ITA", ["Italy", "Italia", "IT", "Italie"]),
    ("pathways", "occupation", ARCHITECT, ["ICT system architect", "ict system architect"]),
    ("credentials", "awarding_body", "european-digital-sme-alliance", ["European DIGITAL SME Alliance"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("collection", "name", "canonical", "others"), SAME, ids=[f"{c}-{n}={v}" for c, n, v, _ in SAME]
)
def test_a_concept_named_by_label_or_code_filters_as_its_iri_does(
    api: LiveServer, collection: str, name: str, canonical: str, others: list[str]
) -> None:
    expected = listed(api, collection, **{name: canonical})
    assert 0 < len(expected) < len(listed(api, collection)), "pick a value that narrows"
    for other in others:
        assert listed(api, collection, **{name: other}) == expected, other


def test_a_course_page_filters_by_a_skill_label(api: LiveServer) -> None:
    by_label = api.client.get(f"{api.url}/courses", params={"skill": "urban planning", "lang": "es"})
    by_iri = api.client.get(f"{api.url}/courses", params={"skill": URBAN_PLANNING, "lang": "es"})
    assert by_label.status_code == 200, describe(by_label)
    (course,) = listed(api, "courses", skill=URBAN_PLANNING)
    assert f'href="/course/{course.rsplit("/", 1)[1]}"' in by_label.text
    assert by_label.text.count('href="/course/') == by_iri.text.count('href="/course/')


@pytest.mark.parametrize(
    ("name", "value"),
    [("skill", "basket weaving underwater"), ("language", "Parseltongue"), ("country", "Atlantis"), ("eqf", "EQF 9")],
)
def test_an_unknown_value_is_a_422_quoting_it(api: LiveServer, name: str, value: str) -> None:
    body = problem(get(api, "/api/courses", **{name: value}), 422)
    [error] = body["errors"]
    assert error["parameter"] == name and error["value"] == value
    assert repr(value) in body["detail"]


def test_a_prefix_of_a_label_is_not_a_guess(api: LiveServer) -> None:
    assert listed(api, "courses", skill="urban planning")
    problem(get(api, "/api/courses", skill="urban plann"), 422)
    problem(get(api, "/api/courses", country="Spai"), 422)


def test_a_label_several_concepts_share_is_a_422_listing_each_with_its_code_and_iri(api: LiveServer) -> None:
    body = problem(get(api, "/api/courses", occupation="smart city planner"), 422)
    [error] = body["errors"]
    assert "ambiguous" in error["message"]
    candidates = error["candidates"]
    assert len(candidates) >= 2
    for candidate in candidates:
        assert candidate["id"].startswith("http://data.europa.eu/esco/occupation/")
        assert candidate["label"] in error["message"] and candidate["code"] in error["message"]
    chosen = candidates[0]["id"]
    assert get(api, "/api/courses", occupation=chosen).status_code == 200  # the IRI settles it


def test_two_language_codes_named_alike_are_ambiguous_but_each_code_is_not(api: LiveServer) -> None:
    body = problem(get(api, "/api/courses", language="Nepali"), 422)
    assert {c["code"] for c in body["errors"][0]["candidates"]} == {"NEP", "NPI"}
    assert get(api, "/api/courses", language="NPI").status_code == 200


def test_the_openapi_description_says_what_a_filter_takes(api: LiveServer) -> None:
    spec = api.client.get(f"{api.url}/openapi.json").json()
    parameters = {p["name"]: p for p in spec["paths"]["/api/courses"]["get"]["parameters"]}
    for name in ("skill", "language", "country", "eqf", "provider", "occupation"):
        assert "label" in parameters[name]["description"] and "422" in parameters[name]["description"]
        assert parameters[name]["schema"]["type"] == "string"
    member = {p["name"] for p in spec["paths"]["/api/courses/{id}"]["get"]["parameters"]}
    assert "lang" in member


def test_lang_is_taken_by_lists_and_members(api: LiveServer) -> None:
    course = listed(api, "courses", lang="it")[0]
    assert get(api, f"/api/courses/{course.rsplit('/', 1)[1]}", lang="it").status_code == 200
    problem(get(api, f"/api/courses/{course.rsplit('/', 1)[1]}", lang="not a tag"), 422)


# -- the matching rules, through bind over a private copy of the demo store ---------------------------------------

OURS = f"""
@prefix smarco: <{SMARCO}> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
smarco:testStewards a smarco:TargetGroup ; skos:prefLabel "Data stewards"@en, "Responsables de datos"@es .
smarco:testKeepers a smarco:TargetGroup ; skos:prefLabel "Data keepers"@en ; skos:altLabel "data stewards"@en .
smarco:testGuardians a smarco:TargetGroup ; skos:prefLabel "Gardiens"@fr, "Guardians"@en ;
    skos:altLabel "Curators"@en .
smarco:testCurators a smarco:TargetGroup ; skos:prefLabel "Custodes"@la ; skos:altLabel "Curators"@fr .
smarco:testNurses a smarco:TargetGroup ; skos:prefLabel "Enfermeras"@es .
smarco:testNurses2 a smarco:TargetGroup ; skos:prefLabel "ENFERMERAS"@es .
"""


@pytest.fixture
def kg(demo_kg: KnowledgeGraph) -> KnowledgeGraph:
    demo_kg.store.bulk_load(OURS.encode(), rdf_syntax("turtle"), graph="urn:test:target-groups")
    return demo_kg


def target_group(kg: KnowledgeGraph, value: str, generation: int = 1, lang: str | None = None) -> URIRef:
    filters = kg.catalogue.entry("courses").filters
    _, bindings = bind(kg.store, filters, {"target_group": value}, kg.settings.base_iri, generation, lang)
    (bound,) = bindings.values()
    assert isinstance(bound, URIRef)
    return bound


def test_a_preferred_label_wins_over_another_concepts_alternative_label(kg: KnowledgeGraph) -> None:
    assert target_group(kg, "data stewards") == URIRef(SMARCO + "testStewards")
    assert target_group(kg, "responsables de datos") == URIRef(SMARCO + "testStewards")


def test_a_label_written_exactly_as_asked_wins_over_one_equal_only_case_aside(kg: KnowledgeGraph) -> None:
    assert target_group(kg, "Enfermeras") == URIRef(SMARCO + "testNurses")
    assert target_group(kg, "ENFERMERAS") == URIRef(SMARCO + "testNurses2")
    with pytest.raises(BadParameter) as raised:
        target_group(kg, "enfermeras")
    assert len(raised.value.errors[0]["candidates"]) == 2


def test_a_label_in_the_asked_language_wins_when_several_concepts_share_it(kg: KnowledgeGraph) -> None:
    assert target_group(kg, "Curators", lang="en") == URIRef(SMARCO + "testGuardians")
    assert target_group(kg, "Curators", lang="fr") == URIRef(SMARCO + "testCurators")
    with pytest.raises(BadParameter, match="ambiguous"):
        target_group(kg, "Curators", lang="de")


def test_accents_and_case_are_folded(kg: KnowledgeGraph) -> None:
    assert target_group(kg, "GARDIENS") == URIRef(SMARCO + "testGuardians")
    assert target_group(kg, "gardiéns") == URIRef(SMARCO + "testGuardians")


def provider(kg: KnowledgeGraph, value: str, generation: int) -> URIRef:
    filters = kg.catalogue.entry("courses").filters
    _, bindings = bind(kg.store, filters, {"provider": value}, kg.settings.base_iri, generation)
    (bound,) = bindings.values()
    assert isinstance(bound, URIRef)
    return bound


def test_an_organisation_written_is_found_by_name_on_the_next_generation(kg: KnowledgeGraph) -> None:
    with pytest.raises(BadParameter):
        provider(kg, "Wardens Ltd", generation=7)
    iri = f"{BASE}organisation/wardens"
    extra = f'<{iri}> a <http://data.europa.eu/snb/model/elm/Organisation> ; <{SKOS}prefLabel> "Wardens Ltd"@en .'
    kg.store.bulk_load(extra.encode(), rdf_syntax("turtle"), graph="urn:test:organisations")
    with pytest.raises(BadParameter):
        provider(kg, "Wardens Ltd", generation=7)  # the same generation: the names as read
    assert provider(kg, "wardens ltd", generation=8) == URIRef(iri)


def test_a_vocabulary_imports_change_is_read_again_in_the_background(kg: KnowledgeGraph) -> None:
    with pytest.raises(BadParameter):
        target_group(kg, "Wardens", generation=7)
    extra = f'<{SMARCO}testWardens> a <{SMARCO}TargetGroup> ; <{SKOS}prefLabel> "Wardens"@en .'
    kg.store.bulk_load(extra.encode(), rdf_syntax("turtle"), graph="urn:test:target-groups")
    deadline = time.monotonic() + 60
    while True:  # the first look-up of generation 8 may answer from generation 7's names while they are read again
        try:
            assert target_group(kg, "Wardens", generation=8) == URIRef(SMARCO + "testWardens")
            break
        except BadParameter:
            assert time.monotonic() < deadline, "the names were not read again"
            time.sleep(0.05)


def test_lang_is_the_answers_language_and_an_older_name_stays_an_alias() -> None:
    assert language({"lang": "es"}) == "es"
    assert language({"language": "el"}, aliases=("language",)) == "el"
    assert language({"lang": "it", "language": "it"}, aliases=("language",)) == "it"
    assert language({}) == "en"
    with pytest.raises(BadParameter, match="differ"):
        language({"lang": "it", "language": "es"}, aliases=("language",))
    with pytest.raises(BadParameter) as raised:
        language({"language": "not a tag"}, aliases=("language",))
    assert raised.value.parameter == "language"


@pytest.mark.parametrize(
    ("value", "names", "iri"),
    [
        (SCHEDULE, ["Full time", "full-time", "FULL TIME"], "http://data.europa.eu/snb/learning-schedule/72a0ab92fa"),
        (CREDIT_SYSTEM, ["European Credit Transfer System"], "http://data.europa.eu/snb/education-credit/6fcec5c5af"),
        (EQF_LEVEL, ["Level 4", "EQF level 4"], f"{EQF}4"),
    ],
)
def test_the_europass_lists_name_their_concepts_by_label(
    demo_kg: KnowledgeGraph, value: Value, names: list[str], iri: str
) -> None:
    for name in names:
        found = concept_of(demo_kg.store, "value", value, name, Lookup(None, name), demo_kg.settings.base_iri, 1)
        assert found == URIRef(iri), name
