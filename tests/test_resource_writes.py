"""``POST /api/{collection}``, ``PUT``/``DELETE /api/{collection}/{id}`` over HTTP, against a live server over a
private copy of the demo store: validated writes, tokens and ownership, minted IRIs, ETag / If-Match."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from smarco_kg.catalogue.write import slug
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
PARTNER = "cefriel"
JSONLD = "application/ld+json"
EQF = "http://data.europa.eu/snb/eqf/"
COURSE = f"{BASE}course/urban-data-platforms"  # cefriel's
OTHER = f"{BASE}course/standards-and-interoperability-for-smart-cities"  # european-digital-sme-alliance's


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("writes"), partner=PARTNER) as server:
        yield server


def url(api: LiveServer, iri: str) -> str:
    return f"{api.url}/api/courses/{iri.rsplit('/', 1)[1]}"


def get(api: LiveServer, iri: str) -> httpx.Response:
    response = api.client.get(url(api, iri), headers={"Accept": JSONLD})
    assert response.status_code == 200, describe(response)
    return response


def strip_ids(node: object, old: str) -> object:
    """The document without the ids of ``old`` and of the resources under it."""
    if isinstance(node, dict):
        return {
            k: strip_ids(v, old)
            for k, v in node.items()
            if not (k == "id" and isinstance(v, str) and (v == old or v.startswith(old + "/")))
        }
    if isinstance(node, list):
        return [strip_ids(v, old) for v in node]
    return node


def new_course(api: LiveServer, title: str) -> dict:
    body = strip_ids(get(api, COURSE).json(), COURSE)
    assert isinstance(body, dict)
    body["title"] = {"en": title}
    body["learningAchievementSpecification"]["title"] = {"en": title}
    return body


def post(api: LiveServer, body: dict, token: str | None = None) -> httpx.Response:
    return api.client.post(
        f"{api.url}/api/courses", json=body, headers={**api.auth(token or api.partner), "Content-Type": JSONLD}
    )


def triples(api: LiveServer) -> int:
    return api.client.get(f"{api.url}/health/store").json()["triples"]


def test_slug() -> None:
    assert slug("Città sensibili: dati & IoT!") == "citta-sensibili-dati-iot"


def test_create_returns_201_and_location_that_reads_back(api: LiveServer) -> None:
    body = new_course(api, "Sensor networks for smart districts")
    response = post(api, body)
    assert response.status_code == 201, describe(response)
    location = response.headers["Location"]
    assert "/api/courses/sensor-networks-for-smart-districts-" in location
    assert response.headers["ETag"]
    back = api.client.get(location, headers={"Accept": JSONLD})
    assert back.status_code == 200, describe(back)
    data = back.json()
    assert data["title"] == {"en": "Sensor networks for smart districts"}
    assert data["providedBy"] == body["providedBy"]
    spec = data["learningAchievementSpecification"]
    assert spec["id"] == data["id"] + "/specification"
    assert [o["id"] for o in spec["learningOutcome"]] == [data["id"] + "/outcome/1", data["id"] + "/outcome/2"]
    assert back.headers["ETag"].split("-")[0] == response.headers["ETag"].split("-")[0]


def test_minted_iris_are_unique_for_the_same_title(api: LiveServer) -> None:
    first = post(api, new_course(api, "Twin title"))
    second = post(api, new_course(api, "Twin title"))
    assert first.status_code == second.status_code == 201, describe(second)
    assert first.headers["Location"] != second.headers["Location"]
    for response in (first, second):
        assert response.headers["Location"].rsplit("/", 1)[1].startswith("twin-title-")


def test_writes_need_a_token(api: LiveServer) -> None:
    response = api.client.post(f"{api.url}/api/courses", json=new_course(api, "No token"))
    problem(response, 401)
    problem(api.client.delete(url(api, COURSE)), 401)


def test_a_partner_may_not_change_another_partners_resource(api: LiveServer) -> None:
    current = get(api, OTHER)
    response = api.client.put(
        url(api, OTHER),
        json=current.json(),
        headers={**api.auth(api.partner), "If-Match": current.headers["ETag"], "Content-Type": JSONLD},
    )
    problem(response, 403)
    response = api.client.delete(url(api, OTHER), headers={**api.auth(api.partner), "If-Match": "*"})
    problem(response, 403)
    get(api, OTHER)


def test_a_violation_is_a_422_listing_the_problems_and_stores_nothing(api: LiveServer) -> None:
    before = triples(api)
    body = new_course(api, "Untitled")
    del body["title"]
    found = problem(post(api, body), 422)
    assert found["errors"], found
    assert any(e["path"] == "dct:title" and e["focusNode"] and e["message"] for e in found["errors"]), found
    assert triples(api) == before


def test_replace_with_if_match(api: LiveServer) -> None:
    created = post(api, new_course(api, "Course to edit"))
    assert created.status_code == 201, describe(created)
    location = created.headers["Location"]
    current = api.client.get(location, headers={"Accept": JSONLD})
    body = current.json()
    body["title"] = {"en": "Edited course", "it": "Corso modificato"}
    headers = {**api.auth(api.partner), "Content-Type": JSONLD}

    problem(api.client.put(location, json=body, headers=headers), 428)
    response = api.client.put(location, json=body, headers={**headers, "If-Match": current.headers["ETag"]})
    assert response.status_code == 200, describe(response)
    assert response.headers["ETag"] != current.headers["ETag"]
    after = api.client.get(location, headers={"Accept": JSONLD}).json()
    assert after["title"] == {"en": "Edited course", "it": "Corso modificato"}
    assert after["learningAchievementSpecification"] == body["learningAchievementSpecification"]

    stale = api.client.put(location, json=body, headers={**headers, "If-Match": current.headers["ETag"]})
    problem(stale, 412)


def test_replace_that_breaks_the_shapes_keeps_the_old_description(api: LiveServer) -> None:
    current = get(api, COURSE)
    body = current.json()
    del body["title"]
    headers = {**api.auth(api.partner), "Content-Type": JSONLD, "If-Match": current.headers["ETag"]}
    problem(api.client.put(url(api, COURSE), json=body, headers=headers), 422)
    assert get(api, COURSE).json() == current.json()


def test_delete_with_if_match(api: LiveServer) -> None:
    created = post(api, new_course(api, "Course to delete"))
    location = created.headers["Location"]
    before = triples(api)
    problem(api.client.delete(location, headers=api.auth(api.partner)), 428)
    problem(api.client.delete(location, headers={**api.auth(api.partner), "If-Match": '"0000-jsonld"'}), 412)
    response = api.client.delete(location, headers={**api.auth(api.partner), "If-Match": created.headers["ETag"]})
    assert response.status_code == 204, describe(response)
    problem(api.client.get(location, headers={"Accept": JSONLD}), 404)
    assert triples(api) < before
    iri = location.replace(f"{api.url}/api/courses/", f"{BASE}course/")
    outcome = api.client.post(
        api.sparql,
        data={"query": f"ASK {{ GRAPH ?g {{ <{iri}/outcome/1> ?p ?o }} }}"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert outcome.json()["boolean"] is False
    problem(api.client.delete(location, headers={**api.auth(api.partner), "If-Match": "*"}), 404)


def test_listings_see_a_write_at_once(api: LiveServer) -> None:
    """Collections keep their members in memory between writes: a create or delete shows on the next page."""

    def page() -> dict:
        response = api.client.get(f"{api.url}/api/courses", params={"provider": PARTNER, "limit": 100})
        assert response.status_code == 200, describe(response)
        return response.json()

    def everyone() -> int:
        return api.client.get(f"{api.url}/api/courses", params={"limit": 1}).json()["totalItems"]

    before, all_before = page(), everyone()
    created = post(api, new_course(api, "Listed at once"))
    assert created.status_code == 201, describe(created)
    iri = created.headers["Location"].replace(f"{api.url}/api/courses/", f"{BASE}course/")
    after = page()
    assert after["totalItems"] == before["totalItems"] + 1 and everyone() == all_before + 1
    assert iri in [item["id"] for item in after["items"]]
    etag = api.client.get(created.headers["Location"]).headers["ETag"]
    deleted = api.client.delete(created.headers["Location"], headers={**api.auth(api.partner), "If-Match": etag})
    assert deleted.status_code == 204, describe(deleted)
    assert iri not in [item["id"] for item in page()["items"]] and everyone() == all_before


def test_a_replaced_course_shows_its_new_summary_in_the_list_at_once(api: LiveServer) -> None:
    """What list items show is kept between writes (``catalogue.summaries``, ``catalogue.page_items``): a replace
    shows on the next page, its title and the values its specification's summary paths reach alike."""
    created = post(api, new_course(api, "Summary before"))
    assert created.status_code == 201, describe(created)
    location = created.headers["Location"]
    iri = location.replace(f"{api.url}/api/courses/", f"{BASE}course/")

    def item() -> dict:
        response = api.client.get(f"{api.url}/api/courses", params={"provider": PARTNER, "limit": 100})
        assert response.status_code == 200, describe(response)
        return next(i for i in response.json()["items"] if i["id"] == iri)

    before = item()
    assert before["label"] == "Summary before" and item() == before  # read twice: the second from memory
    current = api.client.get(location, headers={"Accept": JSONLD})
    body = current.json()
    body["title"] = {"en": "Summary after"}
    specification = body["learningAchievementSpecification"]
    specification["title"] = {"en": "Summary after"}
    specification["eqfLevel"] = f"{EQF}6" if specification.get("eqfLevel") == f"{EQF}7" else f"{EQF}7"
    headers = {**api.auth(api.partner), "Content-Type": JSONLD, "If-Match": current.headers["ETag"]}
    response = api.client.put(location, json=body, headers=headers)
    assert response.status_code == 200, describe(response)

    after = item()
    assert after["label"] == "Summary after"
    assert after["learningAchievementSpecification"]["eqfLevel"] == specification["eqfLevel"]
    assert before["learningAchievementSpecification"]["eqfLevel"] != specification["eqfLevel"]


def test_admin_writes_into_the_graph_it_names(api: LiveServer) -> None:
    body = new_course(api, "Admin course")
    problem(post(api, body, api.admin), 400)
    response = api.client.post(
        f"{api.url}/api/courses",
        params={"graph": f"{BASE}graph/partner/{PARTNER}"},
        json=body,
        headers={**api.auth(api.admin), "Content-Type": JSONLD},
    )
    assert response.status_code == 201, describe(response)


def test_turtle_bodies_are_accepted(api: LiveServer) -> None:
    current = get(api, COURSE)
    turtle = api.client.get(url(api, COURSE), headers={"Accept": "text/turtle"}).text
    headers = {**api.auth(api.partner), "Content-Type": "text/turtle", "If-Match": current.headers["ETag"]}
    response = api.client.put(url(api, COURSE), content=turtle.encode(), headers=headers)
    assert response.status_code == 200, describe(response)
    assert get(api, COURSE).json() == current.json()


@pytest.mark.parametrize(
    "context",
    [
        {"@import": "http://127.0.0.1:9/context.jsonld"},
        [{"title": "http://purl.org/dc/terms/title"}, "http://127.0.0.1:9/context.jsonld"],
    ],
)
def test_a_context_that_would_be_fetched_is_refused(api: LiveServer, context: object) -> None:
    body = {"@context": context, "type": "LearningOpportunity", "title": {"en": "Fetched"}}
    response = api.client.post(
        f"{api.url}/api/courses", json=body, headers={**api.auth(api.partner), "Content-Type": "application/ld+json"}
    )
    assert problem(response, 400)["title"] == "unsupported @context"


def test_a_scoped_context_naming_a_remote_document_is_refused(api: LiveServer) -> None:
    body = {"type": "LearningOpportunity", "description": {"@context": "http://127.0.0.1:9/c.jsonld", "en": "x"}}
    response = api.client.post(
        f"{api.url}/api/courses", json=body, headers={**api.auth(api.partner), "Content-Type": "application/ld+json"}
    )
    assert problem(response, 400)["title"] == "unsupported @context"


@pytest.mark.parametrize("key", ["`:}", "x:{y}", "a:b c"])
def test_a_key_that_makes_no_iri_is_a_400_not_a_server_error(api: LiveServer, key: str) -> None:
    """A key with a colon is taken as an IRI; one holding characters IRIs leave out names nothing (a key without a
    colon that is no term is dropped, as JSON-LD drops it)."""
    before = triples(api)
    body = {**new_course(api, f"Odd key {key}"), key: "x"}
    body.pop("@context", None)
    assert "is no IRI" in problem(post(api, body), 400)["detail"]
    assert triples(api) == before


def test_a_course_pages_related_courses_follow_writes_at_once(api: LiveServer) -> None:
    """The courses teaching each skill and the labels of what a page links to are kept between writes
    (``catalogue.read.Kept``): a course page's related courses follow a create, a rename and a delete at once."""

    def selected(query: str) -> set[str]:
        prefixes = (
            "PREFIX esco: <http://data.europa.eu/esco/model#> PREFIX elm: <http://data.europa.eu/snb/model/elm/> "
        )
        response = api.client.get(
            f"{api.url}/sparql",
            params={"query": prefixes + query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, describe(response)
        return {row["s"]["value"] for row in response.json()["results"]["bindings"]}

    taught = selected("SELECT DISTINCT ?s WHERE { ?o elm:relatedESCOSkill ?s }")
    skill = min(selected("SELECT ?s WHERE { ?s a esco:Skill } LIMIT 500") - taught)  # taught by no course

    def teaching_it(title: str) -> str:
        body = new_course(api, title)
        outcomes = body["learningAchievementSpecification"]["learningOutcome"]
        for outcome in outcomes if isinstance(outcomes, list) else [outcomes]:
            outcome["relatedESCOSkill"] = [skill]
        created = post(api, body)
        assert created.status_code == 201, describe(created)
        return created.headers["Location"]

    def related(location: str) -> str:
        page = api.client.get(location.replace("/api/courses/", "/course/"), headers={"Accept": "text/html"})
        assert page.status_code == 200, describe(page)
        found = re.search(r'<section id="related"[^>]*>(.*?)</section>', page.text, re.S)
        return found.group(1) if found is not None else ""

    first = teaching_it("Kept related first")
    assert "Kept related" not in related(first)  # no other course teaches its skill
    second = teaching_it("Kept related second")
    assert "Kept related second" in related(first)
    current = api.client.get(second, headers={"Accept": JSONLD})
    body = current.json()
    body["title"] = {"en": "Kept related renamed"}
    headers = {**api.auth(api.partner), "Content-Type": JSONLD, "If-Match": current.headers["ETag"]}
    assert api.client.put(second, json=body, headers=headers).status_code == 200
    shown = related(first)
    assert "Kept related renamed" in shown and "Kept related second" not in shown
    etag = api.client.get(second, headers={"Accept": JSONLD}).headers["ETag"]
    deleted = api.client.delete(second, headers={**api.auth(api.partner), "If-Match": etag})
    assert deleted.status_code == 204, describe(deleted)
    assert "Kept related" not in related(first)
