"""Issuing micro-credentials as sealed European Digital Credentials, and verifying them, over HTTP: the payload
conforms to the official EDC shapes from the shared folder, carries every mandatory Annex I element at its ELM
path, and the seal is checked independently here with the published JWK."""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyshacl import validate
from rdflib import OWL, Graph, Literal, Namespace, URIRef

from smarco_kg.config import Settings
from smarco_kg.europass import seal
from smarco_kg.europass.jsonld import read_document
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

ELM = Namespace("http://data.europa.eu/snb/model/elm/")
CRED = Namespace("https://www.w3.org/2018/credentials#")
DCT = Namespace("http://purl.org/dc/terms/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
BASE = "https://w3id.org/smarco/"
ELM_DIR = Settings().elm_dir
AWARDER = "national-college-of-ireland"  # awards the IoT micro-credential in the demo data
CREDENTIAL = "iot-for-smart-cities"
LEGAL_ID = "BE0843123456"
ISSUE = {
    "learner": {"givenName": "Ana", "familyName": "Andromeda", "identifier": "L-0042", "dateOfBirth": "1999-10-02"},
    "date": "2026-11-20",
    "grade": "Pass with distinction",
    "assessment": "Prototype and technical report",
}


@pytest.fixture(scope="module")
def issuer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seal's key, made by the CLI as an operator would."""
    directory = tmp_path_factory.mktemp("issuer") / "keys"
    env = {**os.environ, "SMARCO_ISSUER_DIR": str(directory), "SMARCO_ISSUER_LEGAL_IDENTIFIER": LEGAL_ID}
    command = [sys.executable, "-m", "smarco_kg", "issuer", "keygen"]
    missing = {k: v for k, v in env.items() if k != "SMARCO_ISSUER_LEGAL_IDENTIFIER"}
    assert subprocess.run(command, env=missing, capture_output=True, text=True).returncode == 2
    made = subprocess.run(command, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert subprocess.run(command, env=env, capture_output=True, text=True).returncode == 1, "no silent overwrite"
    assert (directory / seal.KEY_FILE).stat().st_mode & 0o777 == 0o600
    return directory


@pytest.fixture(scope="module")
def api(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory, issuer_dir: Path) -> Iterator[LiveServer]:
    env = {"SMARCO_ISSUER_DIR": str(issuer_dir), "SMARCO_ISSUER_LEGAL_IDENTIFIER": LEGAL_ID}
    with live_server(_demo_template, tmp_path_factory.mktemp("edc"), partner=AWARDER, env=env) as server:
        yield server


@pytest.fixture(scope="module")
def envelope(api: LiveServer) -> dict:
    response = api.client.post(
        f"{api.url}/api/credentials/{CREDENTIAL}/issue", json=ISSUE, headers=api.auth(api.partner)
    )
    assert response.status_code == 201, describe(response)
    return response.json()


def payload_graph(envelope: dict) -> Graph:
    return read_document(json.loads(envelope["payload"]), ELM_DIR)


def edc_shapes() -> Graph:
    """The two official EDC files, read here straight from the shared folder (their owl:imports left out)."""
    shapes = Graph()
    for name in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
        shapes.parse(ELM_DIR / "shapes" / "edc" / name)
    shapes.remove((None, OWL.imports, None))
    return shapes


def test_the_issued_credential_conforms_to_the_official_edc_shapes(envelope: dict) -> None:
    document = json.loads(envelope["payload"])
    assert document["@context"] == [
        "https://www.w3.org/2018/credentials/v1",
        "http://data.europa.eu/snb/model/context/edc-ap",
    ]
    assert document["type"] == ["VerifiableCredential", "EuropeanDigitalCredential"]
    conforms, _, text = validate(
        payload_graph(envelope), shacl_graph=edc_shapes(), inference="none", do_owl_imports=False
    )
    assert conforms, text


def _one(graph: Graph, subject: object, *path: URIRef) -> list:
    nodes = [subject]
    for predicate in path:
        nodes = [o for n in nodes for o in graph.objects(n, predicate)]  # type: ignore[arg-type]
    return nodes


def test_every_mandatory_annex_i_element_is_at_its_elm_path(envelope: dict) -> None:
    g = payload_graph(envelope)
    credential = next(g.subjects(CRED.credentialSubject, None))
    person = _one(g, credential, CRED.credentialSubject)[0]
    achievement = _one(g, person, ELM.hasClaim)[0]
    spec = _one(g, achievement, ELM.specifiedBy)[0]
    body = _one(g, achievement, ELM.awardedBy, ELM.awardingBody)
    elements = {
        "1 learner": [str(v) for v in _one(g, person, FOAF.fullName)] == ["Ana Andromeda"]
        and str(_one(g, person, ELM.dateOfBirth)[0]).startswith("1999-10-02"),
        "2 title": str(_one(g, achievement, DCT.title)[0]) == "Micro-credential: IoT systems for smart cities",
        "3 country of the issuer": [str(c) for c in _one(g, body[0], ELM.location, ELM.address, ELM.countryCode)]
        == ["http://publications.europa.eu/resource/authority/country/IRL"],
        "4 awarding body": [str(b) for b in body] == [f"{BASE}organisation/{AWARDER}"]
        and bool(_one(g, body[0], URIRef("http://www.w3.org/ns/regorg#legalName"))),
        "5 date of issuing": bool(_one(g, credential, CRED.issued))
        and str(_one(g, achievement, ELM.awardedBy, ELM.awardingDate)[0]).startswith("2026-11-20"),
        "6 learning outcomes": len(_one(g, spec, ELM.learningOutcome)) == 3
        and len(_one(g, spec, ELM.learningOutcome, ELM.relatedESCOSkill)) >= 3,
        "7 workload": _one(g, spec, ELM.creditPoint, ELM.point) == [Literal("5")]
        and bool(_one(g, spec, ELM.volumeOfLearning)),
        "8 level": [str(x) for x in _one(g, spec, ELM.EQFLevel)] == ["http://data.europa.eu/snb/eqf/6"],
        "9 type of assessment": bool(_one(g, achievement, ELM.provenBy, ELM.specifiedBy, DCT.type))
        and [str(x) for x in _one(g, achievement, ELM.provenBy, ELM.grade, ELM.noteLiteral)]
        == ["Pass with distinction"],
        "10 form of participation": [str(x) for x in _one(g, spec, ELM.mode)]
        == ["http://data.europa.eu/snb/learning-assessment/920fbb3cbe"],
        "11 quality assurance": bool(_one(g, spec, ELM.accreditation, DCT.type))
        and [str(a) for a in _one(g, spec, ELM.accreditation, ELM.accreditingAgent)] == [f"{BASE}organisation/qqi"],
    }
    assert [name for name, ok in elements.items() if not ok] == []
    issuer = _one(g, credential, CRED.issuer)[0]
    assert [str(n) for n in _one(g, issuer, ELM.eidasLegalIdentifier, SKOS.notation)] == [LEGAL_ID]


def test_the_seal_checks_out_with_the_published_key(api: LiveServer, envelope: dict) -> None:
    keys = api.client.get(f"{api.url}/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["alg"] == "RS256"
    entry = envelope["signatures"][0]
    header = json.loads(base64.urlsafe_b64decode(entry["protected"] + "=" * (-len(entry["protected"]) % 4)))
    assert header["b64"] is False and "b64" in header["crit"] and header["kid"] == keys[0]["kid"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    assert base64.b64decode(keys[0]["x5c"][0]) == base64.b64decode(header["x5c"][0])
    public = certificate.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    n = int.from_bytes(base64.urlsafe_b64decode(keys[0]["n"] + "=" * (-len(keys[0]["n"]) % 4)), "big")
    assert public.public_numbers().n == n
    signature = base64.urlsafe_b64decode(entry["signature"] + "=" * (-len(entry["signature"]) % 4))
    public.verify(
        signature, f"{entry['protected']}.{envelope['payload']}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert seal.legal_identifier(certificate) == LEGAL_ID


def verify(api: LiveServer, envelope: object) -> dict:
    response = api.client.post(f"{api.url}/api/credentials/verify", json=envelope)
    assert response.status_code == 200, describe(response)
    return response.json()


def test_an_untouched_credential_verifies(api: LiveServer, envelope: dict) -> None:
    result = verify(api, envelope)
    assert result["verified"] is True and result["revoked"] is False
    assert [c["check"] for c in result["checks"]] == ["seal", "issuer", "shapes", "revocation"]


def test_one_flipped_character_is_caught_and_named(api: LiveServer, envelope: dict) -> None:
    tampered = copy.deepcopy(envelope)
    text = tampered["payload"]
    at = text.index("Andromeda")
    tampered["payload"] = text[:at] + "B" + text[at + 1 :]
    result = verify(api, tampered)
    assert result["verified"] is False
    assert result["checks"] == [
        {
            "check": "seal",
            "passed": False,
            "detail": "the signature does not match the payload: the document was changed after sealing",
        }
    ]


def test_a_credential_sealed_by_another_key_is_not_trusted(api: LiveServer, envelope: dict, tmp_path: Path) -> None:
    other = seal.generate(tmp_path, name="Somebody Else", legal_identifier=LEGAL_ID, country="BEL")
    forged = seal.seal(json.loads(envelope["payload"]), other)
    result = verify(api, forged)
    assert result["verified"] is False and "not one of this issuer's published keys" in result["checks"][0]["detail"]


def test_a_sealed_document_that_breaks_the_shapes_says_which_rule(
    api: LiveServer, envelope: dict, issuer_dir: Path
) -> None:
    document = json.loads(envelope["payload"])
    del document["credentialSubject"]
    result = verify(api, seal.seal(document, seal.load(issuer_dir)))
    assert result["verified"] is False
    shapes = next(c for c in result["checks"] if c["check"] == "shapes")
    assert not shapes["passed"] and any(e["path"].endswith("credentialSubject") for e in shapes["errors"])
    assert next(c for c in result["checks"] if c["check"] == "seal")["passed"]


@pytest.mark.parametrize("body", ["not json at all", {"payload": 3}, {"payload": "{}", "signatures": []}])
def test_garbage_is_not_verified(api: LiveServer, body: object) -> None:
    if isinstance(body, str):
        response = api.client.post(f"{api.url}/api/credentials/verify", content=body.encode())
        problem(response, 400)
    else:
        assert verify(api, body)["verified"] is False


def test_achieved_outcomes_narrow_the_credential(api: LiveServer) -> None:
    outcome = f"{BASE}course/{CREDENTIAL}/outcome/2"
    response = api.client.post(
        f"{api.url}/api/credentials/{CREDENTIAL}/issue",
        json={**ISSUE, "outcomes": [outcome]},
        headers=api.auth(api.partner),
    )
    assert response.status_code == 201, describe(response)
    g = payload_graph(response.json())
    assert [str(o) for o in g.objects(None, ELM.learningOutcome)] == [outcome]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({**ISSUE, "learner": {"givenName": "Ana"}}, 422),
        ({**ISSUE, "colour": "red"}, 422),
        ({**ISSUE, "date": "yesterday"}, 422),
        ({**ISSUE, "learner": {**ISSUE["learner"], "dateOfBirth": "2030-01-01"}}, 422),
        ({**ISSUE, "outcomes": [f"{BASE}course/urban-data-platforms/outcome/1"]}, 422),
        ({**ISSUE, "grade": None}, 422),
        ([1, 2], 422),
    ],
)
def test_bad_issue_requests_are_problems(api: LiveServer, body: object, status: int) -> None:
    response = api.client.post(
        f"{api.url}/api/credentials/{CREDENTIAL}/issue", json=body, headers=api.auth(api.partner)
    )
    problem(response, status)


def test_only_the_awarding_partner_issues(api: LiveServer) -> None:
    problem(api.client.post(f"{api.url}/api/credentials/{CREDENTIAL}/issue", json=ISSUE), 401)
    other, _ = api.tokens.create(partner="cefriel", label="tests")
    problem(api.client.post(f"{api.url}/api/credentials/{CREDENTIAL}/issue", json=ISSUE, headers=api.auth(other)), 403)
    problem(api.client.post(f"{api.url}/api/credentials/no-such/issue", json=ISSUE, headers=api.auth(api.partner)), 404)
    admin = api.client.post(f"{api.url}/api/credentials/{CREDENTIAL}/issue", json=ISSUE, headers=api.auth(api.admin))
    assert admin.status_code == 201, describe(admin)


# -- Open Badges 3.0 ---------------------------------------------------------------------------------------------


def _skills_of(api: LiveServer, credential: str) -> set[str]:
    query = (
        "PREFIX elm: <http://data.europa.eu/snb/model/elm/> SELECT DISTINCT ?s WHERE { "
        f"<{BASE}credential/{credential}> elm:learningOutcome/elm:relatedESCOSkill ?s }}"
    )
    response = api.client.post(
        api.sparql,
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    return {b["s"]["value"] for b in response.json()["results"]["bindings"]}


@pytest.mark.parametrize(
    ("credential", "kind"),
    [(CREDENTIAL, "MicroCredential"), ("smarco-certificate-smart-city-engineering", "Certificate")],
)
def test_a_credential_as_an_open_badge_achievement(api: LiveServer, credential: str, kind: str) -> None:
    response = api.client.get(f"{api.url}/api/credentials/{credential}/openbadge")
    assert response.status_code == 200, describe(response)
    badge = response.json()
    assert badge["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert badge["type"] == ["Achievement"] and badge["achievementType"] == kind
    for required in ("id", "name", "description", "criteria"):  # OB 3.0 Achievement's required properties
        assert badge[required], required
    assert badge["id"].startswith(api.url) and badge["criteria"]["narrative"].count("\n- ") >= 2
    aligned = {a["targetUrl"] for a in badge["alignment"]}
    assert aligned == _skills_of(api, credential) and all(
        a["targetFramework"] == "ESCO" and a["targetName"] for a in badge["alignment"]
    )
    assert badge["creditsAvailable"] > 0 and badge["creator"]["type"] == ["Profile"] and badge["creator"]["name"]
    problem(api.client.get(f"{api.url}/api/credentials/no-such/openbadge"), 404)


def test_an_award_as_an_open_badge_credential_signed_as_a_vc_jwt(api: LiveServer) -> None:
    response = api.client.post(
        f"{api.url}/api/credentials/{CREDENTIAL}/openbadge", json=ISSUE, headers=api.auth(api.partner)
    )
    assert response.status_code == 201, describe(response)
    body = response.json()
    vc = body["credential"]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"] and vc["validFrom"].startswith("2026-11-20")
    assert vc["issuer"]["type"] == ["Profile"] and vc["issuer"]["id"].endswith("european-digital-sme-alliance")
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"] and subject["achievement"]["type"] == ["Achievement"]
    identity = subject["identifier"][0]
    assert identity["hashed"] and identity["identityHash"] != "L-0042" and "L-0042" not in json.dumps(vc)
    assert subject["result"][0]["value"] == ISSUE["grade"]
    header_b64, payload_b64, signature_b64 = body["jwt"].split(".")
    pad = lambda text: text + "=" * (-len(text) % 4)  # noqa: E731
    assert json.loads(base64.urlsafe_b64decode(pad(payload_b64))) == vc
    header = json.loads(base64.urlsafe_b64decode(pad(header_b64)))
    key = api.client.get(f"{api.url}/.well-known/jwks.json").json()["keys"][0]
    assert header["alg"] == "RS256" and header["kid"] == key["kid"]
    certificate = x509.load_der_x509_certificate(base64.b64decode(key["x5c"][0]))
    certificate.public_key().verify(  # type: ignore[union-attr]
        base64.urlsafe_b64decode(pad(signature_b64)),
        f"{header_b64}.{payload_b64}".encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    problem(api.client.post(f"{api.url}/api/credentials/{CREDENTIAL}/openbadge", json=ISSUE), 401)
