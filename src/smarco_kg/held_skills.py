"""The skills a person holds, read from a credential they upload: a Europass EDC (JSON-LD, its JWS envelope or a
compact JWS/JWT) or an Open Badges 3.0 credential (JSON or VC-JWT).

The credential is read from the bytes given, in memory: nothing here writes a file or logs its content, and its
seal is not checked (the skills it names are a starting point the visitor can edit, not a claim the service makes).
ESCO skills come from the learning outcomes' ``relatedESCOSkill`` (EDC) and the achievement's alignments
(Open Badges); an outcome or alignment naming no ESCO IRI is kept by its label, for the caller to resolve.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass

from smarco_kg.errors import BadRequest, Unprocessable

ESCO_SKILL = "http://data.europa.eu/esco/skill/"
MAX_BYTES = 4 << 20  # a credential with its embedded images and PDFs; more is not a credential
EDC, OPEN_BADGES = "Europass", "Open Badges 3.0"


class UnreadableCredential(BadRequest, ValueError):
    """The upload is not a credential this service reads (not JSON, not a JWS, not an EDC or Open Badge)."""

    title = "the file is not a credential this service can read"


class NoSkills(Unprocessable, ValueError):
    """The credential names no skill: no learning outcome or alignment with an ESCO skill or a label."""

    title = "the credential names no skills"


@dataclass(frozen=True)
class Claimed:
    """A skill a credential names: by its ESCO IRI, or only by a label."""

    iri: str | None
    label: str


@dataclass(frozen=True)
class ReadCredential:
    kind: str  # EDC or OPEN_BADGES
    skills: list[Claimed]


def read_credential(data: bytes) -> ReadCredential:
    """The skills ``data`` (a credential file's bytes) names; ``UnreadableCredential`` or ``NoSkills`` otherwise."""
    if len(data) > MAX_BYTES:
        raise UnreadableCredential(
            f"a credential file may have at most {MAX_BYTES:,} bytes; this one has {len(data):,}"
        )
    document = _document(data)
    types = _types(document)
    contexts = json.dumps(document.get("@context", ""))
    if "EuropeanDigitalCredential" in types or "data.europa.eu/snb" in contexts:
        kind, skills = EDC, list(_edc_skills(document.get("credentialSubject")))
    elif types & {"OpenBadgeCredential", "AchievementCredential"}:
        kind, skills = OPEN_BADGES, list(_badge_skills(document.get("credentialSubject")))
    else:
        raise UnreadableCredential(
            "the document is neither a Europass credential (EDC) nor an Open Badges 3.0 credential "
            f"(its types: {', '.join(sorted(types)) or 'none'})"
        )
    unique = list(dict.fromkeys(skills))
    if not unique:
        raise NoSkills(f"the {kind} credential names no skill in its learning outcomes or alignments")
    return ReadCredential(kind, unique)


# -- the envelope ---------------------------------------------------------------------------------------------------


def _document(data: bytes) -> dict:
    """The credential object inside the bytes: JSON, a JWS JSON envelope, a compact JWS/JWT, or an upload wrapper."""
    try:
        text = data.decode("utf-8-sig").strip()
    except UnicodeDecodeError as error:
        raise UnreadableCredential("the file is not text: a credential is JSON or a JWS/JWT") from error
    if not text:
        raise UnreadableCredential("the file is empty")
    if text[0] in "{[":
        try:
            value = json.loads(text)
        except ValueError as error:
            raise UnreadableCredential(f"the file is not valid JSON: {error}") from error
    else:
        value = _compact(text)
    return _unwrap(value, depth=0)


def _compact(text: str) -> object:
    """The payload of a compact JWS (``header.payload.signature``), as a VC-JWT carries a credential."""
    parts = text.split(".")
    if len(parts) != 3:
        raise UnreadableCredential("the file is neither JSON nor a compact JWS/JWT (three base64url parts)")
    try:
        return json.loads(_b64url(parts[1]))
    except (ValueError, binascii.Error) as error:
        raise UnreadableCredential("the JWS payload is not base64url-encoded JSON") from error


def _b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unwrap(value: object, depth: int) -> dict:
    if not isinstance(value, dict) or depth > 3:
        raise UnreadableCredential("a credential is a JSON object")
    if isinstance(value.get("payload"), str) and isinstance(
        value.get("signatures") or value.get("signature"), list | str
    ):
        return _unwrap(_envelope_payload(value), depth + 1)  # a JWS JSON serialization (the sealed EDC)
    if isinstance(value.get("credential"), dict | str) and "credentialSubject" not in value:
        inner = value["credential"]  # Europass's "uploadable" form
        return _unwrap(_compact(inner) if isinstance(inner, str) else inner, depth + 1)
    if isinstance(value.get("vc"), dict):
        return _unwrap(value["vc"], depth + 1)  # a JWT's claims (VC 1.1 JWT)
    if "credentialSubject" not in value:
        raise UnreadableCredential("the JSON object has no credentialSubject: it is not a verifiable credential")
    return value


def _envelope_payload(envelope: dict) -> object:
    payload = envelope["payload"]
    signatures = envelope.get("signatures")
    entry = signatures[0] if isinstance(signatures, list) and signatures and isinstance(signatures[0], dict) else {}
    try:
        header = json.loads(_b64url(str(entry.get("protected", envelope.get("protected", "")))) or b"{}")
    except (ValueError, binascii.Error):
        header = {}
    try:
        if isinstance(header, dict) and header.get("b64") is False:
            return json.loads(payload)  # unencoded (RFC 7797), as the official samples are sealed
        return json.loads(_b64url(payload))
    except (ValueError, binascii.Error) as error:
        raise UnreadableCredential("the JWS payload is not JSON") from error


def _types(document: dict) -> set[str]:
    raw = document.get("type", document.get("@type", []))
    return {str(t) for t in (raw if isinstance(raw, list) else [raw])}


# -- the skills -------------------------------------------------------------------------------------------------------


def _many(value: object) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _text(value: object) -> str:
    """A label as JSON-LD writes it: a string, a language map (English first), a value object or a list of them."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return next((t for t in (_text(v) for v in value) if t), "")
    if isinstance(value, dict):
        if "@value" in value:
            return _text(value["@value"])
        for key in ("en", *sorted(value)):
            text = _text(value.get(key))
            if text:
                return text
    return ""


def _esco(iri: object) -> str | None:
    if not isinstance(iri, str):
        return None
    iri = iri.strip().replace("https://data.europa.eu/", "http://data.europa.eu/", 1)
    return iri if iri.startswith(ESCO_SKILL) and len(iri) > len(ESCO_SKILL) else None


def _edc_skills(subject: object) -> Iterator[Claimed]:
    """Every learning outcome's ESCO skills, wherever the claims nest them; an outcome without one by its title."""
    for node in _nodes(subject):
        outcomes = _many(node.get("learningOutcome"))
        for outcome in outcomes:
            if not isinstance(outcome, dict):
                continue
            related = [s for s in _many(outcome.get("relatedESCOSkill")) if s]
            for skill in related:
                iri = _esco(skill.get("id") if isinstance(skill, dict) else skill)
                label = _text(skill.get("prefLabel")) if isinstance(skill, dict) else ""
                if iri:
                    yield Claimed(iri, label)
                elif label:
                    yield Claimed(None, label)
            if not related and (title := _text(outcome.get("title") or outcome.get("prefLabel"))):
                yield Claimed(None, title)


def _badge_skills(subject: object) -> Iterator[Claimed]:
    """The ESCO alignments of the achievement(s): by ``targetUrl`` (or ``targetCode``), else by ``targetName``."""
    for node in _nodes(subject):
        for achievement in _many(node.get("achievement")):
            if not isinstance(achievement, dict):
                continue
            for alignment in _many(achievement.get("alignment")):
                if not isinstance(alignment, dict):
                    continue
                iri = _esco(alignment.get("targetUrl"))
                framework = str(alignment.get("targetFramework", "")).upper()
                code = alignment.get("targetCode")
                if iri is None and "ESCO" in framework and isinstance(code, str) and "/" not in code:
                    iri = _esco(ESCO_SKILL + code.strip())
                label = _text(alignment.get("targetName"))
                if iri:
                    yield Claimed(iri, label)
                elif label:
                    yield Claimed(None, label)


def _nodes(value: object) -> Iterator[dict]:
    """Every JSON object in ``value``, depth first."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(reversed(list(current.values())))
        elif isinstance(current, list):
            stack.extend(reversed(current))
