"""Open Badges 3.0 (1EdTech) for the platforms that read badges rather than Europass.

A micro-credential or certificate of the catalogue becomes an OB 3.0 ``Achievement``; an award becomes an
``OpenBadgeCredential`` in the W3C Verifiable Credentials 2.0 data model, secured as a VC-JWT (JWS compact,
RS256) with the same key that seals the Europass credentials. The mapping from ELM:

    elm:LearningAchievementSpecification   -> Achievement (achievementType MicroCredential or Certificate)
      dct:title / dct:description          -> name / description
      elm:learningOutcome (titles)         -> criteria.narrative (one outcome a line) and resultDescription
      elm:relatedESCOSkill                 -> alignment: targetFramework "ESCO", targetUrl/targetCode the IRI
      elm:creditPoint (ECTS) / elm:point   -> creditsAvailable
      elm:EQFLevel                         -> tag "EQF level n"
      elm:awardingOpportunity/awardingBody -> creator: Profile (name = legal name, address.addressCountry)
    the award: learner, date, grade        -> credentialSubject: AchievementSubject (identifier, hashed), validFrom,
                                              result (value = grade)

The OB 3.0 context is referenced, not bundled (its licence does not allow redistribution): documents name it by
URL as the specification asks, and nothing here needs to read it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from smarco_kg.europass.seal import IssuerKey, SealError
from smarco_kg.namespaces import ELM, SMARCO

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DCT = "http://purl.org/dc/terms/"
ROV_LEGAL_NAME = URIRef("http://www.w3.org/ns/regorg#legalName")
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
SKOS_PREF = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")


def _text(graph: Graph, node: Node, predicate: URIRef, lang: str = "en") -> str:
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    chosen = [v for v in values if v.language == lang] or values
    return str(sorted(chosen, key=str)[0]) if chosen else ""


def profile(graph: Graph, organisation: Node, page: str) -> dict:
    countries = [
        str(c).rsplit("/", 1)[-1]
        for loc in graph.objects(organisation, ELM.location)
        for address in graph.objects(loc, ELM.address)
        for c in graph.objects(address, ELM.countryCode)
    ]
    out: dict = {"id": str(organisation), "type": ["Profile"], "name": _text(graph, organisation, ROV_LEGAL_NAME)}
    out["url"] = page
    if countries:
        out["address"] = {"type": ["Address"], "addressCountry": countries[0]}
    return out


def achievement(graph: Graph, spec: URIRef, pages: dict[str, str]) -> dict:
    """The OB 3.0 Achievement of a catalogue credential (``graph``: its description with its organisations)."""
    types = set(graph.objects(spec, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")))
    kind = "Certificate" if SMARCO.Certificate in types else "MicroCredential"
    outcomes = sorted(graph.objects(spec, ELM.learningOutcome), key=str)
    lines = [_text(graph, o, URIRef(DCT + "title")) for o in outcomes]
    skills = sorted({s for o in outcomes for s in graph.objects(o, ELM.relatedESCOSkill)}, key=str)
    out: dict = {
        "id": pages.get(str(spec), str(spec)),
        "type": ["Achievement"],
        "achievementType": kind,
        "name": _text(graph, spec, URIRef(DCT + "title")),
        "description": _text(graph, spec, URIRef(DCT + "description")) or _text(graph, spec, URIRef(DCT + "title")),
        "criteria": {
            "narrative": "Achieve these learning outcomes:\n" + "\n".join(f"- {line}" for line in lines if line)
        },
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": _text(graph, s, SKOS_PREF) or str(s),
                "targetUrl": str(s),
                "targetCode": str(s).rsplit("/", 1)[-1],
                "targetFramework": "ESCO",
                "targetType": "ext:ESCOSkill",
            }
            for s in skills
        ],
        "inLanguage": "en",
    }
    credits = [
        float(str(p))
        for c in graph.objects(spec, ELM.creditPoint)
        if str(graph.value(c, ELM.framework)) == ECTS
        for p in graph.objects(c, ELM.point)
    ]
    if credits:
        out["creditsAvailable"] = credits[0]
    eqf = graph.value(spec, ELM.EQFLevel)
    if eqf is not None:
        out["tag"] = [f"EQF level {str(eqf).rsplit('/', 1)[-1]}"]
    bodies = [b for o in graph.objects(spec, ELM.awardingOpportunity) for b in graph.objects(o, ELM.awardingBody)]
    if bodies:
        out["creator"] = profile(graph, bodies[0], pages.get(str(bodies[0]), str(bodies[0])))
    return out


@dataclass(frozen=True)
class BadgeAward:
    identifier: str  # the learner's identifier (hashed into the credential, as OB 3.0 recommends)
    name: str
    awarded_on: dt.date
    grade: str | None = None


def credential(
    achieved: dict,
    issuer: dict,
    award: BadgeAward,
    salt: str | None = None,
    *,
    id: str | None = None,
    status: dict | None = None,
) -> dict:
    """An OpenBadgeCredential (VC 2.0) for ``award``: ``id`` its ``urn:uuid:`` id (a new one if None), ``status``
    its ``credentialStatus`` (a W3C ``BitstringStatusListEntry``, ``status_list.entry``)."""
    salt = salt or uuid.uuid4().hex
    identity = "sha256$" + hashlib.sha256((award.identifier + salt).encode()).hexdigest()
    subject: dict = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity,
                "identityType": "identifier",
                "hashed": True,
                "salt": salt,
            }
        ],
        "name": award.name,
        "achievement": achieved,
    }
    if award.grade:
        subject["result"] = [{"type": ["Result"], "value": award.grade}]
    out = {
        "@context": [VC2_CONTEXT, OB3_CONTEXT],
        "id": id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": f"{award.awarded_on.isoformat()}T00:00:00Z",
        "name": achieved["name"],
        "credentialSubject": subject,
    }
    if status is not None:
        out["credentialStatus"] = status
    return out


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def vc_jwt(document: dict, key: IssuerKey) -> str:
    """The credential secured as a VC-JWT (JWS compact serialization, RS256; the header names the key)."""
    header = {"alg": "RS256", "typ": "vc+jwt", "kid": key.thumbprint, "x5c": key.jwk()["x5c"]}
    signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(document).encode())}"
    signature = key.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{_b64url(signature)}"


def open_vc_jwt(token: object, trusted: list[IssuerKey]) -> dict:
    """The credential of a VC-JWT after checking its form, that it is RS256 and that one of ``trusted`` signed
    it; ``SealError`` saying which check failed."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise SealError("not a VC-JWT: expected three base64url parts joined by dots")
    header_text, body_text, signature_text = token.split(".")
    try:
        header = json.loads(_b64url_decode(header_text))
        document = json.loads(_b64url_decode(body_text))
        signature = _b64url_decode(signature_text)
    except ValueError as error:
        raise SealError(f"the VC-JWT's parts are not base64url JSON: {error}") from error
    if not isinstance(header, dict) or header.get("alg") != "RS256" or not isinstance(document, dict):
        raise SealError("unsupported VC-JWT: expected alg RS256 and a credential object")
    signed = f"{header_text}.{body_text}".encode()
    for key in trusted:
        try:
            key.key.public_key().verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            continue
        return document
    raise SealError("the signature is not this issuer's, or the credential was changed after signing")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
