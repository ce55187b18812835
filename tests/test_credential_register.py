"""The register of issued credentials, through a real server on both backends: what issuing records (the facts,
never the learner), revocation from end to end with the W3C Bitstring Status List, who sees which entries, and
counts that equal an independent SPARQL count. The server logs at debug level into a file the test reads."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF

from smarco_kg import status_list
from smarco_kg.auth import TokenStore
from smarco_kg.config import Settings
from smarco_kg.credential_register import DEMO_FILE, Entry
from smarco_kg.europass import seal
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import SMARCO
from smarco_kg.write_path import WriteRejected
from tests.backends import Template, settings_env
from tests.processes import free_port, stop
from tests.server import describe, problem

BASE = "https://w3id.org/smarco/"
REGISTER = f"{BASE}graph/register"
AWARDER = "national-college-of-ireland"  # awards the IoT micro-credential in the demo data
OTHER = "cefriel"
COORDINATOR = "european-digital-sme-alliance"
CREDENTIAL = "iot-for-smart-cities"
LEGAL_ID = "BE0843123456"
LEARNER = {
    "givenName": "Zephyrine",
    "familyName": "Quillfeather-Vantablack",
    "identifier": "LRN-7Q4X-ZZ91",
    "email": "zephyrine.quillfeather@example.org",
    "dateOfBirth": "1987-03-29",
}
TRACES = (
    "Zephyrine",
    "Quillfeather",
    "Vantablack",
    "LRN-7Q4X-ZZ91",
    "zephyrine.quillfeather@example.org",
    "1987-03-29",
)
ISSUE = {"learner": LEARNER, "date": "2026-11-20", "grade": "Pass", "assessment": "Prototype", "country": "ITA"}
PREFIXES = """PREFIX smarco: <https://w3id.org/smarco/ontology#> PREFIX dct: <http://purl.org/dc/terms/>
PREFIX elm: <http://data.europa.eu/snb/model/elm/>"""


@dataclass(frozen=True)
class Served:
    url: str
    settings: Settings
    log: Path
    tokens: dict[str, str]  # admin, awarder, other, coordinator
    client: httpx.Client

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def select(self, query: str) -> list[dict[str, str]]:
        response = self.client.post(
            f"{self.url}/sparql",
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, describe(response)
        return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]

    def issue(self, kind: str = "issue", body: dict | None = None, who: str = "awarder") -> httpx.Response:
        return self.client.post(
            f"{self.url}/api/credentials/{CREDENTIAL}/{kind}", json=body or ISSUE, headers=self.auth(who)
        )


@pytest.fixture(scope="module")
def served(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A server over a private copy of the demo store, logging at debug level into a file, with an issuer key."""
    root = tmp_path_factory.mktemp("register")
    seal.generate(root / "issuer", name="European DIGITAL SME Alliance", legal_identifier=LEGAL_ID, country="BEL")
    with _demo_template.provision(root / "store") as settings:
        store = TokenStore(root / "tokens.json")
        tokens = {
            "admin": store.create(partner=None, admin=True, label="tests")[0],
            "awarder": store.create(partner=AWARDER, label="tests")[0],
            "other": store.create(partner=OTHER, label="tests")[0],
            "coordinator": store.create(partner=COORDINATOR, label="tests")[0],
        }
        environment = {
            **os.environ,
            **settings_env(settings),
            "SMARCO_TOKENS_FILE": str(store.path),
            "SMARCO_ISSUER_DIR": str(root / "issuer"),
            "SMARCO_ISSUER_LEGAL_IDENTIFIER": LEGAL_ID,
            "SMARCO_LOG_LEVEL": "debug",
            "PYTHONUNBUFFERED": "1",
        }
        port = free_port()
        log = root / "server.log"
        with log.open("w") as out:
            command = [sys.executable, "-m", "smarco_kg", "serve", "--port", str(port)]
            process = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT)
            url = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + 60
                while True:
                    assert process.poll() is None, log.read_text()
                    try:
                        if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    assert time.monotonic() < deadline, "the server did not answer /health in time"
                    time.sleep(0.1)
                with httpx.Client(timeout=60.0) as client:
                    yield Served(url, settings, log, tokens, client)
            finally:
                stop(process, 10)


def payload(envelope: dict) -> dict:
    return json.loads(envelope["payload"])


def entries(served: Served, who: str = "admin", **params: str) -> dict:
    response = served.client.get(f"{served.url}/api/credentials/issued", params=params, headers=served.auth(who))
    assert response.status_code == 200, describe(response)
    return response.json()


def entry_of(served: Served, credential_id: str) -> dict:
    found = [e for e in entries(served, limit="100")["items"] if e["id"] == credential_id]
    assert len(found) == 1, credential_id
    return found[0]


def status_bits(served: Served) -> tuple[bytes, str]:
    response = served.client.get(f"{served.url}/api/credentials/status/revocation")
    assert response.status_code == 200, describe(response)
    document = response.json()
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert document["credentialSubject"]["type"] == "BitstringStatusList"
    assert document["credentialSubject"]["statusPurpose"] == "revocation"
    return status_list.decode(document["credentialSubject"]["encodedList"]), response.headers["etag"]


def verify(served: Served, envelope: dict) -> dict:
    response = served.client.post(f"{served.url}/api/credentials/verify", json=envelope)
    assert response.status_code == 200, describe(response)
    return response.json()


# -- what issuing records --------------------------------------------------------------------------------------------


def test_issuing_records_the_facts_of_both_formats_and_the_credential_names_its_status(served: Served) -> None:
    edc = served.issue()
    assert edc.status_code == 201, describe(edc)
    document = payload(edc.json())
    badge = served.issue("openbadge")
    assert badge.status_code == 201, describe(badge)
    ob = badge.json()["credential"]
    today = dt.datetime.now(dt.UTC).date().isoformat()
    for credential, fmt in ((document, "edc"), (ob, "openbadge")):
        assert credential["id"].startswith("urn:uuid:")
        recorded = entry_of(served, credential["id"])
        status = credential["credentialStatus"]
        index = status.get("statusListIndex") or status[f"{status_list.STATUS}statusListIndex"]
        index = index["@value"] if isinstance(index, dict) else index  # the EDC writes the term's full IRI
        assert recorded == {
            "id": credential["id"],
            "specification": f"{BASE}credential/{CREDENTIAL}",
            "awardingBody": f"{BASE}organisation/{AWARDER}",
            "issued": today,
            "format": fmt,
            "statusListIndex": int(index),
            "learnerCountry": "http://publications.europa.eu/resource/authority/country/ITA",
            "revoked": None,
        }
    assert ob["credentialStatus"] == {
        "id": f"{served.url}/api/credentials/status/revocation#{ob['credentialStatus']['statusListIndex']}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": ob["credentialStatus"]["statusListIndex"],
        "statusListCredential": f"{served.url}/api/credentials/status/revocation",
    }
    assert "CredentialStatus" in document["credentialStatus"]["type"]  # the EDC's own class, with the W3C one


def test_no_trace_of_the_learner_anywhere(served: Served) -> None:
    """The issue's privacy test: both formats issued with a distinctive learner, then every place searched."""
    issued = [served.issue(), served.issue("openbadge")]
    assert [r.status_code for r in issued] == [201, 201], [describe(r) for r in issued]
    ids = [payload(issued[0].json())["id"], issued[1].json()["credential"]["id"]]
    assert LEARNER["familyName"] in issued[0].json()["payload"]  # the credential itself names the learner

    def clean(text: str, where: str) -> None:
        found = [t for t in TRACES if t.lower() in text.lower()]
        assert found == [], f"{found} found in {where}"

    # every quad of the store (every named graph and the default graph), through the server's SPARQL endpoint
    def mentioning(needle: str) -> list[dict[str, str]]:
        return served.select(
            f"""SELECT ?g ?s ?p ?o WHERE {{ {{ ?s ?p ?o }} UNION {{ GRAPH ?g {{ ?s ?p ?o }} }}
                FILTER (CONTAINS(LCASE(STR(?s)), "{needle}") || CONTAINS(LCASE(STR(?p)), "{needle}")
                        || CONTAINS(LCASE(STR(?o)), "{needle}")) }}"""
        )

    assert mentioning(ids[0].lower()), "the search finds what is there"
    for trace in TRACES:
        assert mentioning(trace.lower()) == [], trace
    # the change feed
    feed = served.client.get(f"{served.url}/api/changes", params={"limit": "1000"}).text
    assert ids[0] in feed and ids[1] in feed
    clean(feed, "the change feed")
    # the register listing, for the coordinator who sees everything
    listing = served.client.get(
        f"{served.url}/api/credentials/issued", params={"limit": "100"}, headers=served.auth("coordinator")
    ).text
    assert ids[0] in listing
    clean(listing, "the register listing")
    # the dumps, every format, once they show the write
    for name in ("smarco.nq.gz", "smarco.trig.gz"):
        deadline = time.monotonic() + 90
        while True:
            response = served.client.get(f"{served.url}/dumps/{name}")
            text = gzip.decompress(response.content).decode("utf-8") if response.status_code == 200 else ""
            if ids[1] in text:
                break
            assert time.monotonic() < deadline, f"{name} does not show the write"
            time.sleep(0.5)
        clean(text, name)
    # the files beside the store: the search index, the change feed, the dumps (bytes, stale pages included)
    settings = served.settings
    beside = [p for f in (settings.search_index, settings.changes_log) for p in f.parent.glob(f"{f.name}*")]
    assert {p.name for p in beside} >= {settings.search_index.name, settings.changes_log.name}
    for path in beside:
        clean(path.read_bytes().decode("latin-1"), str(path))
    # the server's own log at debug level
    log = served.log.read_text()
    assert f"/api/credentials/{CREDENTIAL}/issue" in log and " DEBUG " in log, "the log holds the requests, at debug"
    clean(log, "the server's log")


# -- revocation ------------------------------------------------------------------------------------------------------


def test_revocation_from_end_to_end(served: Served) -> None:
    response = served.issue()
    assert response.status_code == 201, describe(response)
    envelope = response.json()
    credential = payload(envelope)["id"]
    index = entry_of(served, credential)["statusListIndex"]
    before = verify(served, envelope)
    assert before["verified"] is True and before["revoked"] is False
    bits, etag = status_bits(served)
    assert len(bits) * 8 >= status_list.MIN_BITS and not status_list.is_set(bits, index)
    assert (
        served.client.get(
            f"{served.url}/api/credentials/status/revocation", headers={"If-None-Match": etag}
        ).status_code
        == 304
    )

    path = f"{served.url}/api/credentials/issued/{credential.removeprefix('urn:uuid:')}/revoke"
    problem(served.client.post(path, headers=served.auth("other")), 403)
    problem(served.client.post(path, headers=served.auth("coordinator")), 403)  # it sees, but did not award
    problem(served.client.post(path), 401)
    problem(
        served.client.post(
            f"{served.url}/api/credentials/issued/{uuid.uuid4()}/revoke", headers=served.auth("awarder")
        ),
        404,
    )
    problem(
        served.client.post(f"{served.url}/api/credentials/issued/not-a-uuid/revoke", headers=served.auth("awarder")),
        404,
    )
    assert not status_list.is_set(status_bits(served)[0], index), "a refused revocation changed nothing"

    revoked = served.client.post(path, headers=served.auth("awarder"))
    assert revoked.status_code == 200, describe(revoked)
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert revoked.json()["revoked"] == today and revoked.json()["id"] == credential
    again = problem(served.client.post(path, headers=served.auth("awarder")), 409)
    assert again["revoked"] == today

    bits, new_etag = status_bits(served)
    assert new_etag != etag and status_list.is_set(bits, index)
    assert sum(bin(b).count("1") for b in bits) == int(
        served.select(f"{PREFIXES} SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{REGISTER}> {{ ?c smarco:revoked ?d }} }}")[
            0
        ]["n"]
    )
    after = verify(served, envelope)
    assert after["verified"] is False and after["revoked"] is True and after["revokedOn"] == today
    assert [c for c in after["checks"] if c["check"] == "revocation"] == [
        {"check": "revocation", "passed": False, "detail": f"revoked on {today}"}
    ]


def test_an_open_badge_is_revoked_through_its_status_entry(served: Served) -> None:
    response = served.issue("openbadge")
    assert response.status_code == 201, describe(response)
    status = response.json()["credential"]["credentialStatus"]
    index = int(status["statusListIndex"])
    assert not status_list.is_set(status_bits(served)[0], index)
    before = verify(served, response.json())  # the issuing route's answer, its VC-JWT checked
    assert before["verified"] is True and before["revoked"] is False, before
    assert [c["check"] for c in before["checks"]] == ["seal", "issuer", "revocation"]
    head, body, signature = response.json()["jwt"].split(".")
    forged = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged["credentialSubject"]["name"] = "Somebody Else"
    changed = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
    assert verify(served, f"{head}.{changed}.{signature}")["checks"][0]["passed"] is False
    credential = response.json()["credential"]["id"].removeprefix("urn:uuid:")
    admin = served.client.post(f"{served.url}/api/credentials/issued/{credential}/revoke", headers=served.auth("admin"))
    assert admin.status_code == 200, describe(admin)
    fetched = served.client.get(status["statusListCredential"])  # the URL the badge names
    assert status_list.is_set(status_list.decode(fetched.json()["credentialSubject"]["encodedList"]), index)
    after = verify(served, response.json()["jwt"])  # the VC-JWT alone
    today = dt.datetime.now(dt.UTC).date().isoformat()
    assert after["verified"] is False and after["revoked"] is True and after["revokedOn"] == today


def test_the_status_list_comes_signed_as_a_vc_jwt_on_request(served: Served) -> None:
    response = served.client.get(
        f"{served.url}/api/credentials/status/revocation", headers={"Accept": "application/vc+jwt"}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/vc+jwt")
    header, body, _ = response.text.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert claims["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "RS256"


# -- bad requests ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", ["XXQ", "Italy", "IT", "http://example.org/country/ITA", 7])
def test_a_bad_country_is_a_problem_and_records_nothing(served: Served, country: object) -> None:
    before = served.client.get(f"{served.url}/api/credentials/issued/counts").json()["issued"]
    body = problem(served.issue(body={**ISSUE, "country": country}), 422)
    assert body["errors"][0]["field"] == "country"
    assert served.client.get(f"{served.url}/api/credentials/issued/counts").json()["issued"] == before


def test_a_country_may_be_given_by_its_iri_or_in_lower_case(served: Served) -> None:
    for given in ("http://publications.europa.eu/resource/authority/country/GRC", "grc"):
        response = served.issue("openbadge", {**ISSUE, "country": given})
        assert response.status_code == 201, describe(response)
        assert entry_of(served, response.json()["credential"]["id"])["learnerCountry"].endswith("/GRC")


# -- who sees what, and counts ---------------------------------------------------------------------------------------


def test_a_partner_lists_its_own_entries_the_coordinator_all(served: Served) -> None:
    total = int(
        served.select(
            f"{PREFIXES} SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{REGISTER}> {{ ?c a smarco:IssuedCredential }} }}"
        )[0]["n"]
    )
    own = int(
        served.select(
            f"{PREFIXES} SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{REGISTER}> {{ "
            f"?c elm:awardingBody <{BASE}organisation/{AWARDER}> }} }}"
        )[0]["n"]
    )
    assert entries(served, "coordinator")["totalItems"] == total == entries(served, "admin")["totalItems"]
    mine = entries(served, "awarder", limit="100")
    assert mine["totalItems"] == own > 0 and mine["scope"] == AWARDER
    assert {e["awardingBody"] for e in mine["items"]} == {f"{BASE}organisation/{AWARDER}"}
    assert entries(served, "other")["totalItems"] == 0  # cefriel awards no credential in the demo data
    problem(served.client.get(f"{served.url}/api/credentials/issued"), 401)


def test_the_listing_pages_newest_first(served: Served) -> None:
    everything = entries(served, limit="100")
    assert everything["totalItems"] <= 100, "the test reads every entry in one page"
    paged: list[dict] = []
    for offset in range(0, everything["totalItems"], 7):  # pages that cut through days holding several entries
        paged += entries(served, limit="7", offset=str(offset))["items"]
    assert [e["id"] for e in paged] == [e["id"] for e in everything["items"]]
    days = [e["issued"] for e in paged]
    assert days == sorted(days, reverse=True) and len(set(days)) < len(days)
    assert entries(served, limit="5", offset=str(everything["totalItems"]))["items"] == []


@pytest.mark.parametrize(
    "params",
    [
        {"year": "2025"},
        {"year": "2026", "format": "openbadge"},
        {"revoked": "true"},
        {"revoked": "false", "country": "GRC"},
        {"specification": "smarco-certificate-smart-city-engineering"},
        {"partner": "hellenic-open-university", "year": "2026"},
        {},
    ],
)
def test_counts_equal_an_independent_sparql_count(served: Served, params: dict[str, str]) -> None:
    conditions = []
    if "year" in params:
        conditions.append(f'FILTER (STRSTARTS(STR(?issued), "{params["year"]}-"))')
    if "format" in params:
        conditions.append("?c dct:conformsTo smarco:openBadge .")
    if params.get("revoked") == "true":
        conditions.append("?c smarco:revoked ?r .")
    if params.get("revoked") == "false":
        conditions.append("FILTER NOT EXISTS { ?c smarco:revoked ?r }")
    if "country" in params:
        conditions.append("?c smarco:learnerCountry <http://publications.europa.eu/resource/authority/country/GRC> .")
    if "specification" in params:
        conditions.append(f"?c smarco:specification <{BASE}credential/{params['specification']}> .")
    if "partner" in params:
        conditions.append(f"?c elm:awardingBody <{BASE}organisation/{params['partner']}> .")
    where = f"GRAPH <{REGISTER}> {{ ?c a smarco:IssuedCredential ; dct:issued ?issued . {' '.join(conditions)} }}"
    expected = int(served.select(f"{PREFIXES} SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {where} }}")[0]["n"])
    by_format = {
        r["f"].rsplit("#", 1)[-1]: int(r["n"])
        for r in served.select(
            f"{PREFIXES} SELECT ?f (COUNT(DISTINCT ?c) AS ?n) WHERE {{ {where} ?c dct:conformsTo ?f }} GROUP BY ?f"
        )
    }
    counts = served.client.get(f"{served.url}/api/credentials/issued/counts", params=params)
    assert counts.status_code == 200, describe(counts)
    got = counts.json()
    assert got["issued"] == expected
    names = {"europeanDigitalCredential": "edc", "openBadge": "openbadge"}
    assert {c["format"]: c["count"] for c in got["byFormat"]} == {names[k]: n for k, n in by_format.items()}
    assert sum(c["count"] for c in got["byYear"]) == expected
    listed = entries(served, "admin", **params)["totalItems"]
    assert listed == expected
    if not params:
        assert expected >= 60 and {c["year"] for c in got["byYear"]} >= {"2025", "2026"}


@pytest.mark.parametrize(
    "params", [{"year": "last"}, {"format": "pdf"}, {"revoked": "yes"}, {"country": "ZZZ"}, {"colour": "red"}]
)
def test_a_bad_filter_is_a_problem_naming_it(served: Served, params: dict[str, str]) -> None:
    body = problem(served.client.get(f"{served.url}/api/credentials/issued/counts", params=params), 422)
    assert body["errors"][0]["parameter"] == next(iter(params))


# -- the shape and the demo data -------------------------------------------------------------------------------------


def _entry(**changes: object) -> Entry:
    facts: dict = {
        "id": f"urn:uuid:{uuid.uuid4()}",
        "specification": f"{BASE}credential/{CREDENTIAL}",
        "awarding_body": f"{BASE}organisation/{AWARDER}",
        "issued": dt.date(2026, 11, 20),
        "format": "edc",
        "index": 17,
        "country": "http://publications.europa.eu/resource/authority/country/IRL",
    }
    return Entry(**{**facts, **changes})


def _check(kg: KnowledgeGraph, graph: Graph) -> list[tuple[str, str]]:
    try:
        kg.write_path.write(
            graph.serialize(format="nt", encoding="utf-8"), rdf_syntax("ntriples"), graph=REGISTER, dry_run=True
        )
    except WriteRejected as refused:
        return sorted({(p.path or "", p.message) for p in refused.report.violations})
    return []


def test_an_entry_conforms_to_its_shape(demo_kg: KnowledgeGraph) -> None:
    assert _check(demo_kg, _entry().graph()) == []
    assert _check(demo_kg, _entry(revoked=dt.date(2026, 12, 1), country=None, format="openbadge").graph()) == []


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (lambda g, c: g.add((c, FOAF.givenName, Literal("Zephyrine"))), "foaf:givenName"),  # closed: no name
        (
            lambda g, c: g.add((c, URIRef("https://schema.org/email"), Literal("z@example.org"))),
            "schema:email",
        ),
        (lambda g, c: g.remove((c, SMARCO.statusListIndex, None)), "smarco:statusListIndex"),
        (lambda g, c: g.set((c, SMARCO.statusListIndex, Literal(-1))), "smarco:statusListIndex"),
        (lambda g, c: g.add((c, SMARCO.learnerCountry, URIRef("http://example.org/Italy"))), "smarco:learnerCountry"),
        (lambda g, c: g.add((c, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), FOAF.Person)), "rdf:type"),
        (
            lambda g, c: g.add(
                (c, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal("Zephyrine", lang="en"))
            ),
            "rdfs:comment",
        ),
        (
            lambda g, c: g.set((c, SMARCO.specification, URIRef(f"{BASE}organisation/{AWARDER}"))),
            "smarco:specification",
        ),
    ],
)
def test_an_entry_refuses_what_the_register_may_not_hold(demo_kg: KnowledgeGraph, edit, path: str) -> None:
    entry = _entry()
    graph = entry.graph()
    edit(graph, URIRef(entry.id))
    assert path in {p for p, _ in _check(demo_kg, graph)}


def test_the_demo_register_conforms_and_shows_two_years_of_issuing(base_kg: KnowledgeGraph) -> None:
    settings = base_kg.settings
    files = [*base_kg.catalogue.demo_files(settings.data_dir), settings.data_dir / DEMO_FILE]
    result = base_kg.write_path.write(files, base_iri=settings.base_iri)
    assert result.report.problems == []
    rows = list(
        base_kg.store.query(
            f"""{PREFIXES} SELECT (COUNT(?c) AS ?n) (COUNT(?r) AS ?revoked) (COUNT(DISTINCT ?b) AS ?partners)
                (COUNT(DISTINCT ?country) AS ?countries) (MIN(STR(?d)) AS ?first) (MAX(STR(?d)) AS ?last)
                (SUM(IF(BOUND(?flag), 1, 0)) AS ?flagged)
            WHERE {{ GRAPH <{REGISTER}> {{ ?c a smarco:IssuedCredential ; elm:awardingBody ?b ; dct:issued ?d .
                OPTIONAL {{ ?c smarco:revoked ?r }} OPTIONAL {{ ?c smarco:learnerCountry ?country }}
                OPTIONAL {{ ?c smarco:isSampleData true BIND (true AS ?flag) }} }} }}"""
        ).rows()
    )
    facts = {k: str(v) for k, v in rows[0].items()}
    assert int(facts["n"]) == int(facts["flagged"]) >= 50
    assert 1 <= int(facts["revoked"]) <= 10 and int(facts["partners"]) >= 6 and int(facts["countries"]) >= 8
    assert facts["first"].startswith("2025") and facts["last"].startswith("2026")


# -- the status list itself ------------------------------------------------------------------------------------------


def test_the_bitstring_is_read_from_the_left_and_at_least_16_kb() -> None:
    encoded = status_list.encode([0, 9, status_list.MIN_BITS - 1], status_list.MIN_BITS)
    bits = status_list.decode(encoded)
    assert encoded.startswith("u") and "=" not in encoded and len(bits) == 16 * 1024
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    assert [i for i in range(status_list.MIN_BITS) if status_list.is_set(bits, i)] == [0, 9, status_list.MIN_BITS - 1]
    assert status_list.size_for(0) == status_list.MIN_BITS == status_list.size_for(65536)
    assert status_list.size_for(65537) == 2 * status_list.MIN_BITS
    assert status_list.size_for(3, highest=status_list.MIN_BITS) == 2 * status_list.MIN_BITS
