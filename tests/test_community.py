"""The community in the catalogue over HTTP: stakeholders, pledges, events, and the adoptions and endorsements of
best practices, through their REST collections, writes, search and pages, against a live server over a private copy
of the demo store. Expected figures come from SPARQL sent to the same server's ``/sparql`` endpoint."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
PARTNER = "cefriel"
JSONLD = "application/ld+json"
BROWSER = {"Accept": "text/html"}
PREFIXES = """PREFIX smarco: <https://w3id.org/smarco/ontology#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#> PREFIX elm: <http://data.europa.eu/snb/model/elm/>
PREFIX schema: <https://schema.org/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
PLEDGE = "upskilling-smart-city-engineers-in-italy"  # cefriel's: 72 of 60 in 2025, 95 of 120 in 2026
EVENT = "urban-data-platforms-bootcamp-milan"  # cefriel's: 24 from Italy, 3 from Greece, 2 from Cyprus
PRACTICE = "sme-friendly-lots-in-smart-city-tenders"  # adopted in the Netherlands and Cyprus, endorsed twice
STAKEHOLDER = "nordkamm-energie"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
DIGITAL = "http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("community"), partner=PARTNER) as server:
        yield server


def select(api: LiveServer, sparql: str) -> list[dict[str, str]]:
    return api.select(PREFIXES + sparql)


def get(api: LiveServer, path: str, **params: str) -> httpx.Response:
    response = api.client.get(f"{api.url}{path}", params=params, headers={"Accept": JSONLD})
    assert response.status_code == 200, describe(response)
    return response


def page(api: LiveServer, path: str, **params: str) -> str:
    response = api.client.get(f"{api.url}{path}", params=params, headers=BROWSER)
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith("text/html")
    return response.text


def readable(html: str) -> str:
    """What a person reads: the text without tags, scripts and the data embedded for machines."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.replace("&#39;", "'").replace("&amp;", "&").split())


def ref(value: object) -> str:
    """The IRI a value names: a linked resource comes as an object with its id and labels."""
    return value["id"] if isinstance(value, dict) else str(value)


def refs(values: list) -> list[str]:
    return [ref(v) for v in values]


def listed_ids(api: LiveServer, collection: str, **params: str) -> set[str]:
    body = get(api, f"/api/{collection}", limit="100", **params).json()
    assert body["totalItems"] == len(body.get("items", []))
    return {item["id"] for item in body.get("items", [])}


# -- stakeholders ---------------------------------------------------------------------------------------------------


def test_stakeholders_are_members_in_their_own_role(api: LiveServer) -> None:
    expected = {
        row["o"]
        for row in select(
            api, "SELECT ?o WHERE { ?m org:member ?o ; org:role smarco:stakeholder ; schema:startDate ?d }"
        )
    }
    assert len(expected) >= 12
    assert listed_ids(api, "partners", role="stakeholder") == expected
    partners = listed_ids(api, "partners", role="partner")
    assert partners and not partners & expected


def test_a_stakeholder_describes_its_type_sector_and_size(api: LiveServer) -> None:
    body = get(api, f"/api/partners/{STAKEHOLDER}").json()
    assert ref(body["classification"]) == "https://w3id.org/smarco/ontology#industry"
    assert refs(body["orgActivity"]) == ["http://data.europa.eu/ux2/nace2/35"]
    assert ref(body["organisationSize"]) == "https://w3id.org/smarco/ontology#large"


# -- pledges --------------------------------------------------------------------------------------------------------


def test_a_pledge_embeds_its_targets_reports_and_achievements(api: LiveServer) -> None:
    body = get(api, f"/api/pledges/{PLEDGE}").json()
    assert ref(body["pledgedBy"]) == f"{BASE}organisation/{PARTNER}"
    targets = {t["id"]: t for t in body["target"]}
    assert set(targets) == {f"{BASE}pledge/{PLEDGE}/target/{n}" for n in (1, 2, 3, 4)}
    first = targets[f"{BASE}pledge/{PLEDGE}/target/1"]
    assert (first["year"], first["amount"], refs(first["spatial"])) == ("2025", 60, [f"{COUNTRY}ITA"])
    assert ref(first["skillCollection"]) == DIGITAL
    achieved: dict[str, int] = {}
    for report in body["progressReport"]:
        assert report["startDate"] <= report["endDate"]
        for achievement in report["achievement"]:
            target = ref(achievement["againstTarget"])
            assert target in targets  # a target of its own pledge
            achieved[target] = achieved.get(target, 0) + achievement["amount"]
    rows = select(
        api,
        f"""SELECT ?t (SUM(?n) AS ?sum) WHERE {{ <{BASE}pledge/{PLEDGE}> smarco:progressReport/smarco:achievement ?a .
            ?a smarco:againstTarget ?t ; smarco:amount ?n }} GROUP BY ?t""",
    )
    assert achieved == {row["t"]: int(row["sum"]) for row in rows}
    assert achieved[f"{BASE}pledge/{PLEDGE}/target/1"] == 72


def test_pledges_behind_and_ahead_of_target_are_both_in_the_demo(api: LiveServer) -> None:
    rows = select(
        api,
        """SELECT ?t ?goal (SUM(?n) AS ?done) WHERE { ?p a smarco:Pledge ; smarco:target ?t .
           ?t smarco:amount ?goal . ?p smarco:progressReport/smarco:achievement ?a .
           ?a smarco:againstTarget ?t ; smarco:amount ?n } GROUP BY ?t ?goal""",
    )
    behind = [r for r in rows if int(r["done"]) < int(r["goal"])]
    ahead = [r for r in rows if int(r["done"]) > int(r["goal"])]
    assert len(behind) >= 3 and len(ahead) >= 3


def new_pledge(title: str, achieved_against: str = "_:t2026") -> dict:
    """A pledge as a client writes it: parts as nested objects, an achievement naming its target by a blank id."""
    return {
        "type": "Pledge",
        "title": {"en": title},
        "pledgedBy": f"{BASE}organisation/{PARTNER}",
        "issued": "2026-12-01",
        "target": [
            {"id": "_:t2026", "type": "PledgeTarget", "year": "2026", "indicator": "people reskilled",
             "amount": 20, "spatial": [f"{COUNTRY}ITA"]},
            {"id": "_:t2027", "type": "PledgeTarget", "year": "2027", "indicator": "people reskilled",
             "amount": 40},
        ],
        "progressReport": [
            {"type": "ProgressReport", "issued": "2026-12-02", "startDate": "2026-01-01", "endDate": "2026-11-30",
             "achievement": [{"type": "Achievement", "againstTarget": {"id": achieved_against}, "amount": 11}]},
        ],
    }  # fmt: skip


def post(api: LiveServer, collection: str, body: dict) -> httpx.Response:
    headers = {**api.auth(api.partner), "Content-Type": JSONLD}
    return api.client.post(f"{api.url}/api/{collection}", json=body, headers=headers)


def test_a_partner_creates_a_pledge_and_its_parts_get_iris_under_it(api: LiveServer) -> None:
    response = post(api, "pledges", new_pledge("Reskilling data stewards"))
    assert response.status_code == 201, describe(response)
    iri = response.headers["location"] if response.headers["location"].startswith("http") else None
    body = get(api, f"/api/pledges/{response.json()['id'].rsplit('/', 1)[1]}").json()
    iri = body["id"]
    assert iri.startswith(f"{BASE}pledge/reskilling-data-stewards-")
    targets = {t["year"]: t["id"] for t in body["target"]}
    assert set(targets) == {"2026", "2027"} and all(t.startswith(f"{iri}/target/") for t in targets.values())
    (achievement,) = body["progressReport"][0]["achievement"]
    assert ref(achievement["againstTarget"]) == targets["2026"] and achievement["id"].startswith(f"{iri}/achievement/")
    assert iri in listed_ids(api, "pledges", organisation=PARTNER, year="2027")


def test_an_achievement_against_another_pledges_target_is_refused(api: LiveServer) -> None:
    other = f"{BASE}pledge/green-reskilling-for-energy-communities/target/1"
    before = get(api, "/api/pledges").json()["totalItems"]
    body = problem(post(api, "pledges", new_pledge("Counting elsewhere", achieved_against=other)), 422)
    assert any("another pledge" in error["message"] for error in body["errors"]), body
    assert get(api, "/api/pledges").json()["totalItems"] == before


def test_a_negative_target_is_refused_in_the_shapes_words(api: LiveServer) -> None:
    body = new_pledge("Minus twenty")
    body["target"][0]["amount"] = -20
    found = problem(post(api, "pledges", body), 422)
    assert [error["pointer"] for error in found["errors"]] == ["/target/0/amount"], found


# -- events ---------------------------------------------------------------------------------------------------------


def test_an_event_counts_its_participants_by_country(api: LiveServer) -> None:
    body = get(api, f"/api/events/{EVENT}").json()
    assert refs(body["dctType"]) == ["https://w3id.org/smarco/ontology#training"]  # dct:type is a list elsewhere
    counts = {ref(c["spatial"][0]).rsplit("/", 1)[1]: c["amount"] for c in body["participants"]}
    assert counts == {"ITA": 24, "GRC": 3, "CYP": 2}
    total = select(
        api, f"SELECT (SUM(?n) AS ?t) WHERE {{ <{BASE}event/{EVENT}> smarco:participants/smarco:amount ?n }}"
    )
    assert int(total[0]["t"]) == sum(counts.values())


def test_every_event_type_occurs_in_2025_and_2026(api: LiveServer) -> None:
    for kind in ("training", "webinar", "workshop", "study visit", "mobility exchange"):
        assert listed_ids(api, "events", type=kind), kind
    assert listed_ids(api, "events", year="2025") and listed_ids(api, "events", year="2026")
    assert listed_ids(api, "events", year="2024") == set()


def test_an_in_person_event_without_a_country_is_refused(api: LiveServer) -> None:
    body = {
        "type": "Event",
        "title": {"en": "A workshop somewhere"},
        "dctType": "workshop",
        "startDate": "2027-02-01",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "organizer": [f"{BASE}organisation/{PARTNER}"],
        "participants": [{"type": "ParticipantCount", "spatial": [f"{COUNTRY}ITA"], "amount": 5}],
    }
    found = problem(post(api, "events", body), 422)
    assert any("needs the country where it takes place" in e["message"] for e in found["errors"]), found
    body["spatial"] = [f"{COUNTRY}ITA"]
    created = post(api, "events", body)
    assert created.status_code == 201, describe(created)


# -- practices ------------------------------------------------------------------------------------------------------


def test_a_practice_embeds_its_adoptions_and_endorsements(api: LiveServer) -> None:
    body = get(api, f"/api/practices/{PRACTICE}").json()
    adopters = {ref(a["adoptedBy"]): ref(a["spatial"][0]) for a in body["adoption"]}
    assert adopters == {
        f"{BASE}organisation/city-of-westerhaven": f"{COUNTRY}NLD",
        f"{BASE}organisation/nicosia-municipality": f"{COUNTRY}CYP",
    }
    assert len(body["endorsement"]) == 2 and all(e["date"].startswith("202") for e in body["endorsement"])


def test_practices_adopted_across_borders_are_in_the_demo(api: LiveServer) -> None:
    rows = select(
        api,
        """SELECT DISTINCT ?p WHERE { ?p smarco:adoption ?a ; dct:spatial ?home . ?a dct:spatial ?where .
           FILTER(?where != ?home) }""",
    )
    assert len(rows) >= 5


# -- search ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "text", "found"), [("pledge", "reskilling", "grid-technicians-reskilling"),
                                                      ("event", "bootcamp", EVENT)])  # fmt: skip
def test_search_finds_pledges_and_events(api: LiveServer, kind: str, text: str, found: str) -> None:
    response = api.client.get(f"{api.url}/api/search", params={"text": text, "type": kind})
    assert response.status_code == 200, describe(response)
    ids = [item["id"] for item in response.json()["items"]]
    assert f"{BASE}{kind}/{found}" in ids
    assert all(i.startswith(f"{BASE}{kind}/") for i in ids)


# -- pages ----------------------------------------------------------------------------------------------------------


def test_the_partners_page_shows_each_organisations_role(api: LiveServer) -> None:
    html = page(api, "/partners", limit="100")
    text = readable(html)
    assert "Role in SMARCO" in text
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", html, re.S)
    by_name = {readable(row.split("</th>")[0]): readable(row) for row in rows}
    assert "coordinator" in by_name["European DIGITAL SME Alliance"]
    assert "stakeholder" in by_name["Nordkamm Energie GmbH"]
    assert "associated partner" in by_name["DIGITAL SME France"]
    agency = by_name["Quality and Qualifications Ireland"]
    assert "no role" in agency and "partner" not in agency  # an agency is no member
    assert 'href="/partners?role=stakeholder"' in html
    stakeholders = readable(page(api, "/partners", role="stakeholder", limit="100"))
    assert "Nordkamm Energie" in stakeholders and "Cefriel" not in stakeholders


def test_a_stakeholders_page_says_its_role_type_sector_and_size_in_words(api: LiveServer) -> None:
    text = readable(page(api, f"/organisation/{STAKEHOLDER}"))
    for words in ("Role in SMARCO", "stakeholder", "Stakeholder type", "industry", "Sector (NACE)",
                  "Electricity, gas, steam and air conditioning supply", "Size", "large (250 staff or more)",
                  "Its pledges", "Reskilling grid technicians for smart grids"):  # fmt: skip
        assert words in text, words
    assert "nace2" not in text and "ontology#" not in text


def test_a_pledges_page_says_its_targets_and_progress(api: LiveServer) -> None:
    text = readable(page(api, f"/pledge/{PLEDGE}"))
    assert "Targets" in text and "Progress reports" in text
    assert "2025: 60 people upskilled" in text and "achieved so far: 72 of 60" in text
    assert "2026: 120 people upskilled" in text and "achieved so far: 95 of 120" in text
    assert "Italy" in text and "ontology#" not in text and "concept-scheme" not in text


def test_an_events_page_says_its_participants_by_country(api: LiveServer) -> None:
    text = readable(page(api, f"/event/{EVENT}"))
    assert "29 participants from 3 countries" in text
    assert "Italy: 24" in text and "Greece: 3" in text and "Cyprus: 2" in text
    for words in ("Kind", "training", "Attendance", "in person", "Organiser", "Cefriel", "Concerns"):
        assert words in text, words
    assert "OfflineEventAttendanceMode" not in text


def test_a_practices_page_lists_who_adopted_and_endorsed_it(api: LiveServer) -> None:
    text = readable(page(api, f"/practice/{PRACTICE}"))
    assert "Adopted by" in text and "City of Westerhaven" in text and "across borders" in text
    assert "Endorsed by" in text and "DIGITAL SME France" in text
    assert "Events about it" in text


@pytest.mark.parametrize("collection", ["pledges", "events"])
def test_the_index_pages_list_the_members(api: LiveServer, collection: str) -> None:
    total = get(api, f"/api/{collection}").json()["totalItems"]
    html = page(api, f"/{collection}")
    assert f"of {total}, by title" in readable(html)


def test_a_partner_replaces_its_pledge_with_what_a_get_returned(api: LiveServer) -> None:
    path = f"{api.url}/api/pledges/{PLEDGE}"
    current = api.client.get(path, headers={"Accept": JSONLD})
    body = current.json()
    for target in body["target"]:
        if target["id"].endswith("/target/3"):
            target["amount"] = 175
    headers = {**api.auth(api.partner), "Content-Type": JSONLD, "If-Match": current.headers["etag"]}
    replaced = api.client.put(path, json=body, headers=headers)
    assert replaced.status_code == 200, describe(replaced)
    after = get(api, f"/api/pledges/{PLEDGE}").json()
    amounts = {t["id"].rsplit("/", 1)[1]: t["amount"] for t in after["target"]}
    assert amounts == {"1": 60, "2": 120, "3": 175, "4": 2}
    assert sum(len(r["achievement"]) for r in after["progressReport"]) == 3
