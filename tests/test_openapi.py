"""``/openapi.json`` and ``/docs`` of a live server over the demo store: every collection's reads and writes, their
request and response schemas (derived from the registry and shapes), examples that the service accepts, the
named queries' parameters and the SPARQL endpoints' media types."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smarco_kg.api.write_docs import plain_forms
from smarco_kg.catalogue import Catalogue
from smarco_kg.catalogue.plain_values import defaulted_keys
from smarco_kg.config import PROJECT_ROOT
from smarco_kg.queries import load_queries
from smarco_kg.schema_check import problems as schema_problems
from tests.backends import Template
from tests.server import LiveServer, describe, live_server

BASE = "https://w3id.org/smarco/"
PARTNER = "cefriel"
JSONLD, JSON_MEDIA, TURTLE, NTRIPLES = "application/ld+json", "application/json", "text/turtle", "application/n-triples"
PROBLEM = "application/problem+json"
CATALOGUE = Catalogue(BASE, PROJECT_ROOT / "shapes")
ENTRIES = CATALOGUE.entries
WRITABLE = sorted(e.collection for e in CATALOGUE.owned)
READ_ONLY = set(ENTRIES) - set(WRITABLE)


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("openapi"), partner=PARTNER) as server:
        yield server


@pytest.fixture(scope="module")
def spec(api: LiveServer) -> dict:
    response = api.client.get(f"{api.url}/openapi.json")
    assert response.status_code == 200, describe(response)
    return response.json()


def derived_keys(collection: str) -> set[str]:
    """The keys a member of ``collection`` may have, as the registry derives them from the shapes."""
    entry = ENTRIES[collection]
    terms = CATALOGUE.vocabulary.properties_of(entry.all_shapes, entry.properties)
    return {"@context", "id", "type", *(t.key for t in terms)}


def test_the_description_is_openapi_3_1(spec: dict) -> None:
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] == "smarco-kg"


def test_every_operation_has_an_id_of_its_own(spec: dict) -> None:
    """OpenAPI requires it; clients generated from the description and /docs (one element per id) rely on it."""
    ids = [op["operationId"] for methods in spec["paths"].values() for op in methods.values()]
    assert len(ids) > 100 and sorted(ids) == sorted(set(ids))


@pytest.mark.parametrize("collection", sorted(ENTRIES))
def test_every_collection_has_its_reads_and_writes(spec: dict, collection: str) -> None:
    listing, member = spec["paths"][f"/api/{collection}"], spec["paths"][f"/api/{collection}/{{id}}"]
    assert "get" in listing and "get" in member
    if collection in READ_ONLY:
        assert "post" not in listing and not {"put", "delete"} & set(member)
    else:
        assert "post" in listing and {"put", "delete"} <= set(member)


def _loose(schema: object) -> object:
    """A schema without what a write states besides the answer's: member names, IRI syntax, links' ``id``."""
    if isinstance(schema, list):
        return [_loose(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    dropped = {"propertyNames", "required", "additionalProperties", "pattern"}
    return {key: _loose(value) for key, value in schema.items() if key not in dropped}


@pytest.mark.parametrize("collection", WRITABLE)
def test_write_bodies_have_the_schema_the_get_answers_with(spec: dict, collection: str) -> None:
    # (application/ld+json may also come expanded, a list: application/json is the compact form alone)
    got = spec["paths"][f"/api/{collection}/{{id}}"]["get"]["responses"]["200"]["content"][JSON_MEDIA]["schema"]
    assert set(got["properties"]) == derived_keys(collection)
    for path, method in ((f"/api/{collection}", "post"), (f"/api/{collection}/{{id}}", "put")):
        body = spec["paths"][path][method]["requestBody"]
        assert body["required"] is True
        content = body["content"]
        assert set(content) == {JSONLD, JSON_MEDIA, TURTLE, NTRIPLES}
        for media_type in (JSONLD, JSON_MEDIA):
            schema = content[media_type]["schema"]
            assert set(schema["properties"]) == set(got["properties"]) == derived_keys(collection)
            for key in set(got["properties"]) - set(schema["required"]) - {"@context", "type"}:
                # what a write asks besides: a language map's tags and texts, a link's IRI; what it admits besides:
                # the plain values it resolves (codes, labels, numbers, one value for a list)
                wanted = got["properties"][key] if key == "id" else plain_forms(got["properties"][key], key)
                assert _loose(schema["properties"][key]) == _loose(wanted), key
            assert schema["properties"]["type"]["anyOf"][0]["enum"]  # one of the collection's classes
            assert not {"id", "@context", "type"} & set(schema["required"])  # minted, served, the class's own
            provided = set(defaulted_keys(CATALOGUE.vocabulary, ENTRIES[collection]))  # the partner's, if left out
            assert set(schema["required"]) == set(got["required"]) - {"id", "@context", "type"} - provided
        assert content[TURTLE]["schema"]["type"] == content[NTRIPLES]["schema"]["type"] == "string"


def test_a_course_body_may_be_written_in_plain_values(spec: dict) -> None:
    schema = spec["paths"]["/api/courses"]["post"]["requestBody"]["content"][JSON_MEDIA]["schema"]
    plain = {
        "title": {"en": "Business cases for urban technology"},
        "description": {"en": "How to build the business case of a smart-city solution."},
        "defaultLanguage": "Spanish",
        "aim": "resilientCommunities",
        "learningSchedule": "full time",
        "learningAchievementSpecification": {
            "title": {"en": "Business cases"},
            "language": ["es", "eu"],
            "mode": "blended",
            "eqfLevel": 4,
            "creditPoint": 3,
            "volumeOfLearning": "75 hours",
            "targetGroup": "smart-city engineers",
            "learningOutcome": [
                {"title": {"en": "Build a business case"}, "relatedESCOSkill": "develop business plans"}
            ],
        },
    }
    assert schema_problems(plain, schema) == []
    example = spec["paths"]["/api/courses"]["post"]["requestBody"]["content"][JSON_MEDIA]["example"]
    assert not any(str(v).startswith("http") for v in (example["defaultLanguage"], example["aim"]))


@pytest.mark.parametrize("collection", WRITABLE)
def test_writes_document_their_answers_as_problems_and_headers(spec: dict, collection: str) -> None:
    post = spec["paths"][f"/api/{collection}"]["post"]
    put = spec["paths"][f"/api/{collection}/{{id}}"]["put"]
    delete = spec["paths"][f"/api/{collection}/{{id}}"]["delete"]
    assert set(post["responses"]) == {"201", "400", "401", "403", "408", "409", "413", "415", "422"}
    assert set(put["responses"]) == {"200", "400", "401", "403", "404", "408", "409", "412", "413", "415", "422", "428"}
    deleted = {"204", "401", "403", "404", "409", "412", "428"}
    assert deleted <= set(delete["responses"]) <= deleted | {"422"}  # a 422 for the path parameter
    assert {"Location", "ETag"} <= set(post["responses"]["201"]["headers"])
    assert "ETag" in put["responses"]["200"]["headers"]
    assert JSONLD in post["responses"]["201"]["content"] and JSONLD in put["responses"]["200"]["content"]
    for operation in (post, put, delete):
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                schema = response["content"][PROBLEM]["schema"]
                assert {"type", "title", "status"} <= set(schema["required"]), (collection, code)
    for operation in (put, delete):
        assert {"name": "If-Match", "in": "header"}.items() <= next(
            p for p in operation["parameters"] if p["name"] == "If-Match"
        ).items()
    assert "graph" in {p["name"] for p in post["parameters"]}


@pytest.mark.parametrize("collection", WRITABLE)
def test_the_examples_use_the_schemas_keys_and_the_service_accepts_them(
    api: LiveServer, spec: dict, collection: str
) -> None:
    keys = derived_keys(collection)
    content = spec["paths"][f"/api/{collection}"]["post"]["requestBody"]["content"]
    example = content[JSONLD]["example"]
    assert example["type"] and set(example) <= keys
    assert "id" not in example  # POST mints it
    put_example = spec["paths"][f"/api/{collection}/{{id}}"]["put"]["requestBody"]["content"][JSONLD]["example"]
    assert put_example["id"].startswith(ENTRIES[collection].namespace(BASE)) and set(put_example) <= keys

    graph = f"{BASE}graph/test/openapi"
    for media_type, body in ((JSONLD, example), (TURTLE, content[TURTLE]["example"])):
        response = api.client.post(
            f"{api.url}/api/{collection}",
            params={"graph": graph},
            content=body if isinstance(body, str) else None,
            json=None if isinstance(body, str) else body,
            headers={**api.auth(), "Content-Type": media_type},
        )
        assert response.status_code == 201, describe(response)

    local = put_example["id"].removeprefix(ENTRIES[collection].namespace(BASE))
    member = f"{api.url}/api/{collection}/{local}"
    before = api.client.get(member, headers={"Accept": JSONLD})
    assert before.status_code == 200, describe(before)
    replaced = api.client.put(
        member,
        json=put_example,
        headers={**api.auth(), "Content-Type": JSONLD, "If-Match": before.headers["ETag"]},
    )
    assert replaced.status_code == 200, describe(replaced)


def test_every_named_query_route_documents_its_parameters(spec: dict) -> None:
    queries = load_queries(PROJECT_ROOT / "queries")
    assert queries
    for query in queries.values():
        operation = spec["paths"][f"/api/queries/{query.name}"]["get"]
        documented = {p["name"]: p for p in operation["parameters"]}
        for parameter in query.parameters:
            assert documented[parameter.name]["in"] == "query"
            assert documented[parameter.name]["required"] is parameter.required


def test_sparql_endpoints_are_described_with_their_media_types(spec: dict) -> None:
    assert {"get", "post"} <= set(spec["paths"]["/sparql"])
    content = spec["paths"]["/sparql"]["post"]["requestBody"]["content"]
    assert {"application/x-www-form-urlencoded", "application/sparql-query", "application/sparql-update"} <= set(
        content
    )
    assert {"query", "update"} <= set(content["application/x-www-form-urlencoded"]["schema"]["properties"])
    assert "/store" in spec["paths"]


def test_docs_render_the_description(api: LiveServer) -> None:
    docs = api.client.get(f"{api.url}/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "openapi.json" in docs.text


def test_every_route_that_reads_a_body_documents_its_size_and_time_limits(spec: dict) -> None:
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert {"408", "413"} <= set(operation["responses"]), f"{method.upper()} {path}"
    assert "503" in spec["paths"]["/health/store"]["get"]["responses"]


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"title": {"en": "A title", "it": [None]}}, "title.it"),  # JSON-LD would drop a null without a word
        ({"title": {"e": "A title"}}, "title.e (the name)"),  # not a language tag
        ({"title": {"en": []}}, "title.en"),  # a tag with no text
        ({"providedBy": [7]}, "/providedBy/0"),  # a number where an organisation's IRI goes: named by its pointer
    ],
)
def test_a_json_body_off_its_schema_is_refused_naming_where(
    api: LiveServer, spec: dict, change: dict, named: str
) -> None:
    example = spec["paths"]["/api/courses"]["post"]["requestBody"]["content"][JSONLD]["example"]
    response = api.client.post(
        f"{api.url}/api/courses",
        params={"graph": f"{BASE}graph/test/openapi"},
        json={**example, **change},
        headers={**api.auth(), "Content-Type": JSONLD},
    )
    assert response.status_code == 422, describe(response)
    errors = response.json()["errors"]
    assert any(e["message"].startswith(f"{named}:") or e.get("pointer") == named for e in errors), errors
