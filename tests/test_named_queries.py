"""Named queries: ``queries/*.rq`` with a ``#+`` header become ``GET /api/queries/{name}``, typed in OpenAPI, with
parameters bound as RDF terms (never pasted into the query), strict header checks at start-up and pagination
that never truncates silently. Most tests talk HTTP to one live server over a private copy of the demo store."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smarco_kg.api.app import create_app
from smarco_kg.config import PROJECT_ROOT, Settings
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.queries import (
    CONCEPT_TYPES,
    LABEL_TYPES,
    MAX_LIMIT,
    TYPES,
    ParameterError,
    QueryFileError,
    load_queries,
    load_query,
)
from tests.backends import Template
from tests.community import load_community
from tests.server import LiveServer, describe, live_server, problem

REGISTRY = load_queries(PROJECT_ROOT / "queries")
JSON_RESULTS = "application/sparql-results+json"
SKILL = "http://data.europa.eu/esco/skill/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
LANGUAGE = "http://publications.europa.eu/resource/authority/language/"


@pytest.fixture(scope="module")
def server(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module, over a private copy of the demo store with the community fixture (stakeholders,
    pledges, events, issued credentials): the dashboard's, pact-* and community queries' examples need it."""
    root = tmp_path_factory.mktemp("named-queries")
    with live_server(_demo_template, root, partner="cefriel", seed=load_community) as live:
        yield live


def run(server: LiveServer, name: str, accept: str = JSON_RESULTS, **params: str) -> httpx.Response:
    return server.client.get(f"{server.url}/api/queries/{name}", params=params, headers={"Accept": accept})


def rows(response: httpx.Response) -> list[dict[str, str]]:
    """The solutions of a SPARQL JSON answer, each as variable -> value."""
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith(JSON_RESULTS), describe(response)
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def links(response: httpx.Response) -> dict[str, str]:
    """The ``Link`` header's targets by relation."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))}


def triples(server: LiveServer) -> int:
    health = server.client.get(f"{server.url}/health/store")
    assert health.status_code == 200, describe(health)
    return health.json()["triples"]


# ---- the files ----------------------------------------------------------------------------------------------------


def test_the_queries_directory_holds_at_least_twelve_documented_queries_using_every_type() -> None:
    assert len(REGISTRY) >= 12
    for query in REGISTRY.values():
        assert query.summary and query.description and query.tags, query.name
        for parameter in query.parameters:
            assert parameter.description and parameter.example is not None, (query.name, parameter.name)
    used = {p.type for q in REGISTRY.values() for p in q.parameters}
    assert used == set(TYPES) - {"langstring"}  # (read by the header test below)
    assert {q.form for q in REGISTRY.values()} >= {"SELECT", "CONSTRUCT", "ASK"}


def test_the_header_is_read_into_summary_description_tags_parameters_and_pagination(tmp_path: Path) -> None:
    path = tmp_path / "courses-at-a-level.rq"
    path.write_text(
        """\
#+ summary: Courses at an EQF level
#+ description: The courses at one level,
#+   on two lines.
#+ tags:
#+   - courses
#+   - "eqf, levels"
#+ params:
#+   - name: level
#+     type: enum
#+     enum: ["6", "7"]
#+     required: true
#+     description: The level.
#+   -  name: title
#+      type: langstring
#+      default: Urban data@en
#+      example: 'It''s data@en'
#+ pagination: 20
PREFIX dct: <http://purl.org/dc/terms/>
SELECT ?course ?level ?title WHERE { ?course dct:title ?title ; <urn:level> ?level } ORDER BY ?course
"""
    )
    query = load_query(path)
    assert (query.name, query.form, query.pagination) == ("courses-at-a-level", "SELECT", 20)
    assert query.summary == "Courses at an EQF level"
    assert query.description == "The courses at one level, on two lines."
    assert query.tags == ("courses", "eqf, levels")
    level, title = query.parameters
    assert (level.name, level.type, level.enum, level.required, level.description) == (
        "level",
        "enum",
        ("6", "7"),
        True,
        "The level.",
    )
    assert (title.type, title.default, title.example) == ("langstring", "Urban data@en", "It's data@en")
    bound = query.bindings({"level": ["7"]})
    assert bound["level"].toPython() == "7" and bound["title"].language == "en"
    with pytest.raises(ParameterError, match="required"):
        query.bindings({})
    assert query.page(21, 40).endswith("ORDER BY ?course\nLIMIT 21 OFFSET 40\n")


HEADER = "#+ summary: A test query\n"
SELECT = "SELECT ?s ?skill WHERE { ?s <urn:p> ?skill } ORDER BY ?s\n"
PARAM = "#+ params:\n#+   - name: skill\n#+     type: iri\n"

MALFORMED = {
    "no header": ("SELECT * WHERE { ?s ?p ?o }\n", 1, "no header"),
    "unknown key": (HEADER + "#+ endpoint: http://example.org/sparql\n" + SELECT, 2, "unknown key 'endpoint'"),
    "key twice": (HEADER + "#+ summary: again\n" + SELECT, 2, "given twice"),
    "no summary": ("#+ description: what\n" + SELECT, 1, "no 'summary"),
    "not key: value": (HEADER + "#+ just words\n" + SELECT, 2, "expected 'key: value'"),
    "xsd type name": (HEADER + "#+ params:\n#+   - name: skill\n#+     type: xsd:integer\n" + SELECT, 4, "'integer'"),
    "misaligned key": (HEADER + "#+ params:\n#+   - name: skill\n#+      type: iri\n" + SELECT, 4, "misaligned"),
    "unknown parameter key": (HEADER + PARAM + "#+     kind: x\n" + SELECT, 5, "unknown parameter key 'kind'"),
    "enum without values": (HEADER + "#+ params:\n#+   - name: skill\n#+     type: enum\n" + SELECT, 4, "needs 'enum"),
    "default of the wrong type": (HEADER + PARAM + "#+     default: not an iri\n" + SELECT, 5, "does not fit"),
    "example of the wrong type": (
        HEADER + "#+ params:\n#+   - name: skill\n#+     type: date\n#+     example: 2024-02-30\n" + SELECT,
        5,
        "not a date",
    ),
    "reserved name": (HEADER + "#+ params:\n#+   - name: limit\n#+     type: integer\n" + SELECT, 3, "reserved"),
    "variable not in the query": (HEADER + PARAM + "SELECT ?s WHERE { ?s ?p ?o }\n", 3, "lacks"),
    "variable not projected": (HEADER + PARAM + "SELECT ?s WHERE { ?s <urn:p> ?skill }\n", 3, "SELECT clause"),
    "tested with BOUND": (
        HEADER + PARAM + "SELECT ?s ?skill WHERE {\n  ?s ?p ?o FILTER(!BOUND(?skill))\n}\n",
        6,
        "BOUND()",
    ),
    "used in a BIND": (
        HEADER + PARAM + "SELECT ?s ?skill WHERE {\n  ?s ?p ?o\n  BIND(?skill AS ?x)\n}\n",
        7,
        "BIND",
    ),
    "not valid SPARQL": (HEADER + "SELECT ?s\nWHERE {\n  ?s ?p\n}\n", 4, "not valid SPARQL at column 3"),
    "a bad expression": (HEADER + "\nSELECT ?s WHERE { ?s ?p ?o FILTER(?o = ) }\n", 3, "expected one of"),
    "a bad filter mid-query": (HEADER + "SELECT ?s WHERE { ?s ?p ?o FILTER(?o = ) }\nORDER BY ?s\n", 2, "column 28"),
    "a header line after the query": (HEADER + SELECT + "#+ tags: [late]\n", 3, "after the query"),
    "pagination without ORDER BY": (HEADER + "#+ pagination: 10\nSELECT ?s WHERE { ?s ?p ?o }\n", 2, "ORDER BY"),
    "pagination with a LIMIT": (
        HEADER + "#+ pagination: 10\nSELECT ?s WHERE { ?s ?p ?o }\nORDER BY ?s\nLIMIT 5\n",
        5,
        "LIMIT",
    ),
    "pagination over the maximum": (HEADER + f"#+ pagination: {MAX_LIMIT + 1}\n" + SELECT, 2, "from 1 to"),
    "paginated CONSTRUCT": (HEADER + "#+ pagination: 10\nCONSTRUCT WHERE { ?s ?p ?o }\n", 2, "only SELECT"),
    "SERVICE": (HEADER + "SELECT * WHERE {\n SERVICE <http://x.example/sparql> { ?s ?p ?o }\n}\n", 3, "SERVICE"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
def test_a_malformed_file_is_refused_with_its_name_and_line(tmp_path: Path, case: str) -> None:
    text, line, message = MALFORMED[case]
    (tmp_path / "broken.rq").write_text(text)
    with pytest.raises(QueryFileError) as raised:
        load_queries(tmp_path)
    assert str(raised.value).startswith(f"{tmp_path / 'broken.rq'}:{line}: "), str(raised.value)
    assert message in str(raised.value)


def test_a_malformed_query_stops_app_creation_and_leaves_the_store_free(
    demo_settings: Settings, tmp_path: Path
) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "fine.rq").write_text(HEADER + SELECT)
    (queries / "typo.rq").write_text(HEADER + "#+ params:\n#+   - name: level\n#+     type: int\n" + SELECT)
    with pytest.raises(QueryFileError, match=r"typo\.rq:4: unknown type 'int'"):
        create_app(demo_settings.model_copy(update={"queries_dir": queries}))
    with KnowledgeGraph(demo_settings, create=False):  # not left open (locked) by the failed start
        pass
    (queries / "typo.rq").unlink()
    app = create_app(demo_settings.model_copy(update={"queries_dir": queries}))
    assert "/api/queries/fine" in app.openapi()["paths"]
    app.state.kg.close()


# ---- listing and running ----------------------------------------------------------------------------------------


def test_the_listing_gives_every_query_with_its_parameters(server: LiveServer) -> None:
    response = server.client.get(f"{server.url}/api/queries")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    listed = {q["name"]: q for q in response.json()["queries"]}
    assert list(listed) == list(REGISTRY)
    skill = listed["courses-per-skill"]
    assert (
        skill["summary"] == "Courses per ESCO skill" and skill["url"] == f"{server.url}/api/queries/courses-per-skill"
    )
    assert skill["parameters"][0]["name"] == "skill" and skill["parameters"][0]["type"] == "iri"
    assert skill["pagination"] == {"default": 50, "max": MAX_LIMIT}
    assert listed["micro-credentials-quality-assured"]["pagination"] is None
    assert listed["untaught-digital-and-green-skills"]["parameters"][0]["enum"] == ["digital", "green"]
    assert "SELECT" in skill["sparql"]


@pytest.mark.parametrize("name", list(REGISTRY), ids=list(REGISTRY))
def test_every_query_runs_with_its_examples_and_answers(server: LiveServer, name: str) -> None:
    query = REGISTRY[name]
    examples = {p.name: p.example for p in query.parameters}
    if query.form == "CONSTRUCT":
        response = run(server, name, accept="text/turtle", **examples)
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
        assert response.text.count(" .\n") >= 5, response.text
    elif query.form == "ASK":
        response = run(server, name, **examples)
        assert response.status_code == 200 and response.json()["boolean"] is True
    else:
        assert len(rows(run(server, name, **examples))) >= 1
        for parameter in query.parameters:  # each example bound alone narrows the answer, never to nothing
            assert rows(run(server, name, **{parameter.name: parameter.example}))


def test_an_iri_parameter_selects_that_resource(server: LiveServer) -> None:
    skill = SKILL + "f049d050-12da-4e40-813a-2b5eb6df6b51"
    (row,) = rows(run(server, "courses-per-skill", skill=skill))
    assert row["skill"] == skill and row["skillLabel"] == "Internet of Things" and int(row["courses"]) >= 1


def test_an_iri_parameter_reaches_narrower_skills(server: LiveServer) -> None:
    broad = SKILL + "1f2950c0-ef1e-44b4-9a55-125ccd7b78af"  # analysing and evaluating information and data
    found = rows(run(server, "courses-for-skill-and-narrower", skill=broad))
    assert {r["skill"] for r in found} == {broad}
    assert any(r["taughtSkill"] != broad for r in found)


def test_a_string_parameter_matches_text(server: LiveServer) -> None:
    found = rows(run(server, "course-search", text="ENERGY"))
    every = rows(run(server, "course-search"))
    assert 1 <= len(found) < len(every)
    assert any("energy" in r["title"].lower() for r in found)


def test_a_language_tagged_parameter_matches_the_label_and_its_language(server: LiveServer) -> None:
    found = rows(run(server, "courses-by-skill-label", label="Internet of Things@en"))
    assert found and {r["skill"] for r in found} == {SKILL + "f049d050-12da-4e40-813a-2b5eb6df6b51"}
    assert rows(run(server, "courses-by-skill-label", label="Internet of Things@de")) == []


@pytest.mark.parametrize("label", ["Internet of Things", "internet of things", "INTERNET OF THINGS"])
def test_a_plain_label_finds_the_skill_in_any_language_case_aside(server: LiveServer, label: str) -> None:
    tagged = rows(run(server, "courses-by-skill-label", label="Internet of Things@en"))
    assert tagged and rows(run(server, "courses-by-skill-label", label=label)) == tagged
    assert rows(run(server, "courses-by-skill-label", label=label, lang="en")) == tagged


def test_a_label_asked_for_in_a_language_it_lacks_is_a_422_quoting_it(server: LiveServer) -> None:
    body = problem(run(server, "courses-by-skill-label", label="Internet of Things", lang="de"), 422)
    assert body["errors"][0]["parameter"] == "label" and body["errors"][0]["value"] == "Internet of Things"
    assert "'de'" in body["errors"][0]["message"]


@pytest.mark.parametrize("country", ["ITA", "ita", "Italy", "IT", "Italia", "Ιταλία", f"{COUNTRY}ITA"])
def test_a_country_is_named_by_code_name_or_iri_as_the_collections_take_it(server: LiveServer, country: str) -> None:
    found = rows(run(server, "courses-by-country-and-eqf", country=country))
    assert found and {r["country"] for r in found} == {f"{COUNTRY}ITA"}
    listed = server.client.get(f"{server.url}/api/courses", params={"country": "ITA", "limit": 100}).json()["items"]
    assert sum(int(r["courses"]) for r in found) == len(listed)


def test_a_language_is_named_in_any_eu_language(server: LiveServer) -> None:
    by_iri = rows(run(server, "course-finder", language=f"{LANGUAGE}ELL", limit="1000"))
    assert by_iri
    for name in ("Greek", "ελληνικά", "el", "ELL", "grec"):
        assert rows(run(server, "course-finder", language=name, limit="1000")) == by_iri, name


def test_a_concept_parameter_names_an_occupation_or_organisation_by_label(server: LiveServer) -> None:
    occupation = "http://data.europa.eu/esco/occupation/a005f8a2-2d8a-433e-8d89-13575f822fd4"
    assert rows(run(server, "occupation-skill-coverage", occupation="Energy Manager")) == rows(
        run(server, "occupation-skill-coverage", occupation=occupation)
    )
    provider = "https://w3id.org/smarco/organisation/national-college-of-ireland"
    by_name = run(
        server, "courses-as-schema-org", accept="application/n-triples", provider="national college of ireland"
    )
    by_iri = run(server, "courses-as-schema-org", accept="application/n-triples", provider=provider)
    assert by_name.status_code == 200 and sorted(by_name.text.splitlines()) == sorted(by_iri.text.splitlines())


def test_a_label_several_skills_share_is_a_422_listing_them(server: LiveServer) -> None:
    body = problem(run(server, "best-practices-per-skill", skill="advise customers"), 422)
    [error] = body["errors"]
    assert error["parameter"] == "skill" and "ambiguous" in error["message"]
    assert len(error["candidates"]) >= 2
    assert all(c["id"].startswith(SKILL) and c["label"] and c["code"] for c in error["candidates"])


def test_lang_must_be_a_language_tag(server: LiveServer) -> None:
    assert problem(run(server, "courses-per-skill", lang="not a tag"), 422)["errors"][0]["parameter"] == "lang"


def test_integer_and_decimal_parameters_filter_numerically(server: LiveServer) -> None:
    found = rows(run(server, "course-finder", minEqf="7"))
    assert found and {int(r["eqfLevel"]) for r in found} == {7}
    assert rows(run(server, "course-finder", minEqf="8")) == []
    cheap = rows(run(server, "course-finder", maxEcts="2.5"))
    assert cheap and all(float(r["ects"]) <= 2.5 for r in cheap if "ects" in r)
    stacked = rows(run(server, "micro-credentials-stacking", minEcts="5"))
    assert stacked and all(float(r["ects"]) >= 5 for r in stacked)


def test_a_date_parameter_filters_by_day(server: LiveServer) -> None:
    since = rows(run(server, "taught-skills-changed-since", since="2022-01-01"))
    assert since and all(r["modified"] >= "2022-01-01" for r in since)
    assert len(since) < len(rows(run(server, "taught-skills-changed-since", limit="1000")))
    assert rows(run(server, "taught-skills-changed-since", since="2099-01-01")) == []


def test_an_enum_parameter_picks_one_value(server: LiveServer) -> None:
    green = rows(run(server, "untaught-digital-and-green-skills", collection="green", limit="1000"))
    assert green and {r["collection"] for r in green} == {"green"}
    eqf = rows(run(server, "courses-by-country-and-eqf", eqfLevel="6"))
    assert eqf and {r["eqfLevel"] for r in eqf} == {"6"}


def test_a_construct_query_takes_parameters_too(server: LiveServer) -> None:
    provider = "https://w3id.org/smarco/organisation/national-college-of-ireland"
    everyone = run(server, "courses-as-schema-org", accept="application/n-triples")
    one = run(server, "courses-as-schema-org", accept="application/n-triples", provider=provider)
    assert one.status_code == 200 and 0 < len(one.text.splitlines()) < len(everyone.text.splitlines())
    assert f"<{provider}>" in one.text


WRONG = [
    ("courses-per-skill", "skill", "not an iri"),
    ("courses-per-skill", "skill", "http://example.org/a b"),
    ("courses-per-skill", "skill", "http://example.org/a>"),
    ("course-finder", "minEqf", "6.5"),
    ("course-finder", "minEqf", "six"),
    ("course-finder", "maxEcts", "5,5"),
    ("course-finder", "maxEcts", "1e3"),
    ("taught-skills-changed-since", "since", "2022-13-01"),
    ("taught-skills-changed-since", "since", "01/02/2022"),
    ("untaught-digital-and-green-skills", "collection", "blue"),
    ("courses-by-skill-label", "label", "Internet of Thongs"),
    ("courses-by-country-and-eqf", "country", "Atlantis"),
    ("courses-by-skill-label", "label", "Internet of Things@"),
    ("course-search", "text", "x" * 2001),
]


@pytest.mark.parametrize(("name", "parameter", "value"), WRONG)
def test_a_value_of_the_wrong_type_is_a_422_naming_the_parameter(
    server: LiveServer, name: str, parameter: str, value: str
) -> None:
    body = problem(run(server, name, **{parameter: value}), 422)
    assert parameter in body["title"] and body["errors"][0]["parameter"] == parameter


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"skil": SKILL}, "skil"),  # a typo must not quietly mean "any skill"
        ({"limit": "0"}, "limit"),
        ({"limit": str(MAX_LIMIT + 1)}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-2"}, "offset"),
        ({"format": "json", "offset": "1", "limit": "2", "skill": [SKILL + "a", SKILL + "b"]}, "skill"),
    ],
)
def test_unknown_repeated_or_out_of_range_parameters_are_a_422(
    server: LiveServer, params: dict, parameter: str
) -> None:
    response = server.client.get(f"{server.url}/api/queries/courses-per-skill", params=params)
    assert problem(response, 422)["errors"][0]["parameter"] == parameter


REFUSED = [  # values that once reached a store, which failed on them (a 500); each is the client's 422
    ("courses-by-skill-label", "label", "@A"),  # no text, and a one-letter tag
    ("courses-by-skill-label", "label", "@en"),
    ("courses-by-skill-label", "label", "Internet of Things@a"),
    ("courses-by-skill-label", "label", "Internet of Things@en-"),
    ("courses-by-skill-label", "label", "Internet of Things@123"),
    ("courses-by-skill-label", "label", "Internet of Things@abcdefgh-x"),
    ("courses-by-skill-label", "label", "Internet\x00of Things@en"),
    ("course-search", "text", "energy\x00"),
    ("course-search", "text", "energy\x07"),
    ("course-search", "text", '"' * 2001),
    ("courses-per-skill", "skill", "http://[::1"),
    ("courses-per-skill", "skill", "http://example.org/%zz"),
    ("courses-per-skill", "skill", "http://example.org:port/"),
    ("courses-per-skill", "skill", "http://example.org/#a#b"),
    ("course-finder", "minEqf", "9223372036854775808"),
    ("course-finder", "minEqf", "-9223372036854775809"),
    ("course-finder", "minEqf", "7" * 1999),
    ("course-finder", "maxEcts", "1" * 41),
    ("course-finder", "maxEcts", "1" * 1000 + "." + "5" * 998),
]


@pytest.mark.parametrize(("name", "parameter", "value"), REFUSED)
def test_a_value_a_store_would_refuse_is_a_422_naming_the_parameter_and_the_value(
    server: LiveServer, name: str, parameter: str, value: str
) -> None:
    body = problem(run(server, name, **{parameter: value}), 422)
    [error] = body["errors"]
    assert error["parameter"] == parameter and parameter in body["title"]
    assert value.startswith(error["value"].rstrip("…")) and error["message"]
    assert body["detail"].startswith(f"{parameter}={error['value']!r}: ")


@pytest.mark.parametrize(
    ("name", "parameter", "value"),
    [
        ("course-finder", "minEqf", "-9223372036854775808"),
        ("course-finder", "minEqf", "9223372036854775807"),
        ("course-finder", "maxEcts", "9" * 40),
        ("course-finder", "maxEcts", "0." + "1" * 39),
        ("courses-by-skill-label", "label", "Internet of Things@zh-Hant-TW"),
        ("courses-by-skill-label", "label", "Internet of Things@x-smarco"),
        ("course-search", "text", "energy\tand\r\nsaving"),
        ("course-search", "text", "\"'\\" * 500),
    ],
)
def test_the_widest_values_that_fit_are_answered(server: LiveServer, name: str, parameter: str, value: str) -> None:
    response = run(server, name, **{parameter: value})
    assert response.status_code == 200, describe(response)
    assert isinstance(rows(response), list)


def test_a_paging_number_in_other_digits_is_a_422(server: LiveServer) -> None:
    body = problem(run(server, "courses-per-skill", limit="\u00b2"), 422)
    assert body["errors"][0]["parameter"] == "limit"


def test_an_unpaginated_query_refuses_limit(server: LiveServer) -> None:
    body = problem(run(server, "micro-credentials-quality-assured", limit="2"), 422)
    assert "not paginated" in body["detail"]


def test_an_unknown_query_is_a_404(server: LiveServer) -> None:
    body = problem(server.client.get(f"{server.url}/api/queries/no-such-query"), 404)
    assert "courses-per-skill" in body["detail"]


# ---- injection ----------------------------------------------------------------------------------------------------

ATTEMPTS = [
    '"',
    "}",
    "#",
    ">",
    "energy\n} ; DROP ALL ; {",
    '"} ; DROP ALL ; {',
    '") } } DELETE WHERE { ?s ?p ?o } #',
    '\\" ) } UNION { ?s ?p ?o } #',
    "'''\n}",
]


@pytest.mark.parametrize("value", ATTEMPTS)
def test_injection_attempts_are_bound_as_plain_values_and_change_nothing(server: LiveServer, value: str) -> None:
    before = triples(server)
    every = rows(run(server, "course-search"))
    assert rows(run(server, "course-search", text=value)) == []  # a literal that no title contains
    assert rows(run(server, "courses-by-skill-label", label=f"{value}@en")) == []
    assert rows(run(server, "course-search")) == every
    assert triples(server) == before


@pytest.mark.parametrize(
    "value", ["http://example.org/x> } ; DROP ALL ; { <y", "http://example.org/\n", 'http://example.org/"', "}"]
)
def test_an_iri_that_could_break_out_is_refused(server: LiveServer, value: str) -> None:
    before = triples(server)
    problem(run(server, "courses-per-skill", skill=value), 422)
    assert triples(server) == before


def test_an_odd_but_valid_iri_is_bound_as_an_iri(server: LiveServer) -> None:
    assert rows(run(server, "courses-per-skill", skill="http://example.org/a#b?c=d;e'f")) == []


# ---- pagination ---------------------------------------------------------------------------------------------------


def test_pages_follow_next_links_to_the_end_without_gaps_or_repeats(server: LiveServer) -> None:
    everything = rows(run(server, "courses-per-skill", limit=str(MAX_LIMIT)))
    assert "next" not in links(run(server, "courses-per-skill", limit=str(MAX_LIMIT)))
    first = run(server, "courses-per-skill", limit="2")
    assert len(rows(first)) == 2
    assert set(links(first)) == {"next"}
    seen, response, pages = [], first, 0
    while True:
        pages += 1
        seen.extend(rows(response))
        found = links(response)
        if pages > 1:
            assert {"prev", "first"} <= set(found)
            assert "offset=0" in found["first"] and "limit=2" in found["first"]
        if "next" not in found:
            break
        response = server.client.get(found["next"], headers={"Accept": JSON_RESULTS})
    assert [r["skill"] for r in seen] == [r["skill"] for r in everything]
    assert pages == (len(everything) + 1) // 2


def test_a_next_link_exists_exactly_when_another_row_does(server: LiveServer) -> None:
    total = len(rows(run(server, "courses-per-skill", limit=str(MAX_LIMIT))))
    exact = run(server, "courses-per-skill", limit="2", offset=str(total - 2))
    assert len(rows(exact)) == 2 and "next" not in links(exact)
    one_more = run(server, "courses-per-skill", limit="2", offset=str(total - 3))
    assert len(rows(one_more)) == 2 and links(one_more)["next"].endswith(f"offset={total - 1}")
    past = run(server, "courses-per-skill", limit="2", offset=str(total + 5))
    assert rows(past) == [] and "next" not in links(past) and "prev" in links(past)


def test_the_default_page_size_comes_from_the_header(server: LiveServer) -> None:
    response = run(server, "occupation-skill-coverage")
    assert len(rows(response)) == REGISTRY["occupation-skill-coverage"].pagination
    assert "limit=50" in links(response)["next"] and "offset=50" in links(response)["next"]


def test_prev_from_a_middle_offset_never_goes_below_zero(server: LiveServer) -> None:
    found = links(run(server, "courses-per-skill", limit="10", offset="3"))
    assert "offset=0" in found["prev"] and "offset=13" in found["next"]


@pytest.mark.parametrize(
    ("accept", "fmt", "media_type"),
    [
        ("text/csv", None, "text/csv"),
        ("text/tab-separated-values", None, "text/tab-separated-values"),
        ("application/sparql-results+xml", None, "application/sparql-results+xml"),
        ("text/csv", "json", JSON_RESULTS),
    ],
)
def test_a_page_comes_in_every_results_format(
    server: LiveServer, accept: str, fmt: str | None, media_type: str
) -> None:
    params = {"limit": "3", "offset": "1", **({"format": fmt} if fmt else {})}
    response = run(server, "courses-per-skill", accept=accept, **params)
    assert response.status_code == 200 and response.headers["content-type"].startswith(media_type), describe(response)
    assert "next" in links(response)
    expected = [r["skill"] for r in rows(run(server, "courses-per-skill", limit="3", offset="1"))]
    if media_type == "text/csv":
        assert [r["skill"] for r in csv.DictReader(io.StringIO(response.text))] == expected
    elif media_type == "text/tab-separated-values":
        assert [line.split("\t")[0] for line in response.text.splitlines()[1:]] == [f"<{s}>" for s in expected]
    elif media_type == JSON_RESULTS:
        assert [b["skill"]["value"] for b in response.json()["results"]["bindings"]] == expected
    else:
        assert response.text.count("<result>") == 3


def test_an_unacceptable_format_is_a_406(server: LiveServer) -> None:
    problem(run(server, "courses-per-skill", accept="image/png"), 406)


# ---- OpenAPI ------------------------------------------------------------------------------------------------------


def test_openapi_documents_every_query_route_with_its_typed_parameters(server: LiveServer) -> None:
    spec = server.client.get(f"{server.url}/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/queries" in spec["paths"]
    schemas = {"iri": "string", "string": "string", "langstring": "string", "integer": "integer"}
    schemas |= {"decimal": "string", "date": "string", "enum": "string"}  # a decimal as written: no exponent
    schemas |= dict.fromkeys([*CONCEPT_TYPES, *LABEL_TYPES], "string")  # a concept by IRI, code or label
    for query in REGISTRY.values():
        operation = spec["paths"][f"/api/queries/{query.name}"]["get"]
        assert operation["summary"] == query.summary
        documented = {p["name"]: p for p in operation["parameters"]}
        extra = ["limit", "offset", "format", "lang"] if query.pagination else ["format", "lang"]
        assert list(documented) == [p.name for p in query.parameters] + extra
        for parameter in query.parameters:
            described = documented[parameter.name]
            assert described["in"] == "query" and described["required"] is parameter.required
            assert described["schema"]["type"] == schemas[parameter.type]
            assert "example" in described
            if parameter.type == "enum":
                assert described["schema"]["enum"] == list(parameter.enum)
            if parameter.type in ("iri", "date"):
                assert described["schema"]["format"] == parameter.type
        if query.pagination:
            assert documented["limit"]["schema"]["maximum"] == MAX_LIMIT
            assert documented["limit"]["schema"]["default"] == query.pagination
            assert "Link" in operation["responses"]["200"]["headers"]
        assert "422" in operation["responses"]
    docs = server.client.get(f"{server.url}/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text
