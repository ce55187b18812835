"""Issuing and verifying European Digital Credentials: ``POST /api/credentials/{id}/issue``,
``POST /api/credentials/verify`` and the issuer's public keys at ``/.well-known/jwks.json``.

Only the awarding partner (a token of the partner whose graph describes the micro-credential) or an admin
issues; the answer is the sealed envelope. Issued credentials are not stored: they carry personal data and
belong to the learner. Their facts, without the learner, go to the register of issued credentials
(``credential_register``) in the same request, and each credential names its bit in the revocation status list.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from rdflib import RDF, Graph, URIRef
from starlette.concurrency import run_in_threadpool

from smarco_kg import openbadges, status_list
from smarco_kg.api.context import authenticate, service
from smarco_kg.api.problems import BODY, WRITE, Problem, problem_responses
from smarco_kg.auth import Principal
from smarco_kg.credential_register import Register
from smarco_kg.errors import BadParameter, Forbidden, NotFound, ServiceUnavailable
from smarco_kg.europass import seal
from smarco_kg.europass.edc import Award, Issuer, Learner, issue
from smarco_kg.europass.jsonld import read_document
from smarco_kg.europass.official_shapes import check
from smarco_kg.europass.projection import concepts_of, gather
from smarco_kg.jsontext import read_json
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM

router = APIRouter(tags=["Europass"])
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_ISSUE_EXAMPLE = {
    "learner": {
        "givenName": "Ana",
        "familyName": "Andromeda",
        "identifier": "L-2026-0042",
        "dateOfBirth": "1999-10-02",
    },
    "date": "2026-11-20",
    "grade": "Pass",
    "assessment": "Prototype project with a technical report",
    "country": "IRL",
}
STATUS_LIST_PATH = "/api/credentials/status/revocation"


def status_list_url(request: Request) -> str:
    """Where this server publishes the revocation status list (``statusListCredential`` in the credentials)."""
    return str(request.base_url).rstrip("/") + STATUS_LIST_PATH


def _issuer(request: Request) -> tuple[Issuer, seal.IssuerKey]:
    settings = service(request).settings
    if not settings.issuer_legal_identifier:
        raise Problem(503, "issuing is not configured", "set SMARCO_ISSUER_LEGAL_IDENTIFIER (the eIDAS identifier)")
    key = seal.load(settings.issuer_dir)
    organisation = URIRef(settings.issuer_iri)
    country = URIRef(COUNTRY + settings.issuer_country.upper())
    return Issuer(organisation, settings.issuer_legal_identifier, country), key


def _text(body: dict, key: str, *, required: bool = True, limit: int = 200) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _invalid(key, value, f"a text of 1 to {limit} characters")
    return value.strip()


def _date(body: dict, key: str, *, required: bool) -> dt.date | None:
    value = body.get(key)
    if value is None and not required:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise _invalid(key, value, "a date such as 2026-11-20") from error


def _invalid(field: str, value: object, message: str) -> Problem:
    return Problem(
        422, f"bad value for '{field}'", f"{field}={value!r}: {message}", errors=[{"field": field, "message": message}]
    )


def _award(body: object) -> Award:
    if not isinstance(body, dict):
        raise Problem(422, "the body must be a JSON object", "give learner, date, grade, assessment and outcomes")
    unknown = sorted(set(body) - {"learner", "date", "grade", "assessment", "outcomes", "country"})
    if unknown:
        raise _invalid(
            unknown[0], body[unknown[0]], "unknown field; use learner, date, grade, assessment, outcomes, country"
        )
    learner = body.get("learner")
    if not isinstance(learner, dict):
        raise _invalid("learner", learner, "an object with givenName, familyName, identifier (and dateOfBirth)")
    email = _text(learner, "email", required=False)
    if email is not None and not _EMAIL.match(email):
        raise _invalid("learner.email", email, "an e-mail address")
    born = _date(learner, "dateOfBirth", required=False)
    awarded = _date(body, "date", required=False) or dt.date.today()
    if born is not None and born >= awarded:
        raise _invalid("learner.dateOfBirth", learner.get("dateOfBirth"), "a date before the award")
    outcomes = body.get("outcomes", [])
    if not isinstance(outcomes, list) or not all(isinstance(o, str) and o.startswith("http") for o in outcomes):
        raise _invalid("outcomes", outcomes, "a list of outcome IRIs of this micro-credential")
    return Award(
        Learner(
            _text(learner, "givenName") or "",
            _text(learner, "familyName") or "",
            _text(learner, "identifier") or "",
            date_of_birth=born,
            email=email,
        ),
        awarded,
        grade=_text(body, "grade", required=False, limit=100),
        assessment=_text(body, "assessment", required=False),
        outcomes=[URIRef(o) for o in outcomes],
    )


async def _awarded(request: Request, id: str) -> tuple[URIRef, Award, str | None, Principal]:
    """The credential to award, the award asked for, the learner's country (its IRI) if given and who asks: only
    its awarding partner (or an admin)."""
    principal = authenticate(request)
    svc = service(request)
    spec = service(request).catalogue.member_iri("credentials", id)
    graphs = [
        str(r["g"]) for r in svc.kg.store.query(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ <{spec}> a ?t }} }}").rows()
    ]
    if not graphs:
        raise Problem(404, "no such credential", f"<{spec}> is not a credential of this catalogue")
    if not principal.admin and not any(principal.may_write(g, svc.kg.graphs) for g in graphs):
        raise Problem(403, "not the awarding partner", f"{principal.name} does not describe <{spec}>")
    body = read_json(await request.body() or b"null")
    award = _award(body)
    given = body.get("country")
    try:
        country = Register(svc.kg).country(given) if given is not None else None
    except BadParameter as error:
        raise _invalid("country", given, error.message) from error
    return spec, award, country, principal


_TEXT = {"type": "string", "minLength": 1, "pattern": "\\S"}
_AWARD_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "additionalProperties": False,
                "required": ["learner"],
                "properties": {
                    "learner": {
                        "type": "object",
                        "required": ["givenName", "familyName", "identifier"],
                        "properties": {
                            "givenName": _TEXT,
                            "familyName": _TEXT,
                            "identifier": _TEXT,
                            "email": {"type": "string", "format": "email"},
                            "dateOfBirth": {"type": "string", "format": "date"},
                        },
                    },
                    "date": {"type": "string", "format": "date"},
                    "grade": _TEXT,
                    "assessment": _TEXT,
                    "outcomes": {"type": "array", "items": {"type": "string", "format": "iri"}},
                    "country": {
                        "type": "string",
                        "description": "The learner's country, recorded in the register of issued credentials: "
                        "a three-letter code (ITA) or its EU authority IRI",
                        "pattern": "^([A-Za-z]{3}|http://publications\\.europa\\.eu/resource/authority/country/"
                        "[A-Z]{3})$",
                    },
                },
            },
            "example": _ISSUE_EXAMPLE,
        }
    },
}


@router.post(
    "/api/credentials/{id}/issue",
    summary="Issue the micro-credential to a learner as a sealed European Digital Credential",
    description="Token of the awarding partner (or an admin). The answer is the JWS JSON envelope (RS256, "
    "unencoded payload, x5c) of an EDC JSON-LD credential conforming to the official EDC-generic-full shapes. "
    "Its facts (id, specification, awarding body, day, format, the learner's country if given) are recorded in "
    "the register of issued credentials, never the learner; the credential names its bit in the revocation "
    "status list (credentialStatus).",
    status_code=201,
    responses={
        201: {"headers": {"Location": {"schema": {"type": "string", "format": "uri"}}}},
        **problem_responses(*WRITE, Forbidden, NotFound, ServiceUnavailable),
    },
    openapi_extra={"requestBody": _AWARD_BODY},
)
async def issue_credential(request: Request, id: str) -> JSONResponse:
    spec, award, country, principal = await _awarded(request, id)
    svc = service(request)
    base = svc.settings.base_iri
    entries = svc.catalogue.entries
    issuer, key = _issuer(request)
    register = Register(svc.kg)
    async with svc.write_lock:  # from drawing the status index to recording it: no two credentials share one
        entry = await run_in_threadpool(register.prepare, str(spec), "edc", country)
        issued = await run_in_threadpool(
            partial(
                issue,
                svc.kg.store,
                spec,
                award,
                issuer,
                entries["credentials"],
                entries["partners"],
                svc.settings.elm_dir,
                base,
                credential=URIRef(entry.id),
                status=status_list.entry(status_list_url(request), entry.index),
            )
        )
        envelope = seal.seal(issued.document, key)
        await run_in_threadpool(register.record, entry, principal.actor)
    return JSONResponse(envelope, status_code=201, headers={"Location": str(issued.credential)})


@router.get(
    "/.well-known/jwks.json",
    summary="The public keys credentials are sealed with (JWK set)",
    responses=problem_responses(ServiceUnavailable),
)
async def jwks(request: Request) -> JSONResponse:
    try:
        keys = [seal.load(service(request).settings.issuer_dir).jwk()]
    except seal.SealError:
        keys = []
    return JSONResponse({"keys": keys}, headers={"Cache-Control": "max-age=300"})


@router.post(
    "/api/credentials/verify",
    summary="Verify a sealed credential or an Open Badge: its seal, its issuer, the official EDC shapes and whether "
    "it was revoked",
    description="Each check is reported with what failed: the envelope's form, the signature, the issuer's "
    "certificate, the issuer named in the credential and its eIDAS identifier, the EDC shapes, and revocation "
    "(the register of issued credentials): `revoked` says whether it was, `revokedOn` the day. An Open Badge is "
    "given as its VC-JWT (a JSON string, or the issuing route's answer with its `jwt`): its signature, its issuer "
    "and revocation are checked.",
    responses=problem_responses(*BODY),
)
async def verify(request: Request) -> JSONResponse:
    envelope = read_json(await request.body() or b"null")
    svc = service(request)
    checks: list[dict] = []
    try:
        trusted = [seal.load(svc.settings.issuer_dir)]
    except seal.SealError:
        trusted = []
    if isinstance(envelope, str) or (isinstance(envelope, dict) and isinstance(envelope.get("jwt"), str)):
        return await run_in_threadpool(_verify_badge, svc.kg, envelope, trusted)
    try:
        opened = seal.open_envelope(envelope, trusted)
        checks.append({"check": "seal", "passed": True, "detail": "RS256 signature by this issuer's certificate"})
    except seal.SealError as error:
        checks.append({"check": "seal", "passed": False, "detail": str(error)})
        return JSONResponse({"verified": False, "checks": checks})
    try:
        graph = await run_in_threadpool(read_document, opened.payload, svc.settings.elm_dir)
    except ValueError as error:
        checks.append({"check": "document", "passed": False, "detail": f"not an EDC JSON-LD document: {error}"})
        return JSONResponse({"verified": False, "checks": checks})
    issuer = URIRef(svc.settings.issuer_iri)
    named = {str(o) for o in graph.objects(None, URIRef("https://www.w3.org/2018/credentials#issuer"))}
    identifier = seal.legal_identifier(opened.certificate)
    issuer_ok = named == {str(issuer)} and identifier == svc.settings.issuer_legal_identifier
    checks.append(
        {
            "check": "issuer",
            "passed": issuer_ok,
            "detail": f"issuer {sorted(named)}, certificate organisationIdentifier {identifier!r}"
            + ("" if issuer_ok else f"; expected <{issuer}> and {svc.settings.issuer_legal_identifier!r}"),
        }
    )
    problems = await run_in_threadpool(check, graph, svc.settings.elm_dir, "edc")
    checks.append(
        {
            "check": "shapes",
            "passed": not problems,
            "detail": "conforms to EDC-generic-no-cv + EDC-generic-full"
            if not problems
            else f"{len(problems)} violation(s) of the EDC shapes",
            **(
                {"errors": [{"focusNode": p.focus, "path": p.path, "message": p.message} for p in problems]}
                if problems
                else {}
            ),
        }
    )
    revocation = await run_in_threadpool(_revocation, svc.kg, graph)
    checks.append(revocation)
    status = {"revoked": revocation["revoked"] is not None}
    if revocation["revoked"] is not None:
        status["revokedOn"] = revocation["revoked"]
    del revocation["revoked"]
    return JSONResponse({"verified": all(c["passed"] for c in checks), **status, "checks": checks})


def _verify_badge(kg: KnowledgeGraph, given: str | dict, trusted: list[seal.IssuerKey]) -> JSONResponse:
    """An Open Badge's VC-JWT (alone, or as the issuing route answers it): its signature, its issuer, revocation."""
    token = given if isinstance(given, str) else given["jwt"]
    checks: list[dict] = []
    try:
        credential = openbadges.open_vc_jwt(token, trusted)
        checks.append({"check": "seal", "passed": True, "detail": "RS256 VC-JWT signed with this issuer's key"})
    except seal.SealError as error:
        checks.append({"check": "seal", "passed": False, "detail": str(error)})
        return JSONResponse({"verified": False, "checks": checks})
    named = credential.get("issuer")
    named_id = named.get("id") if isinstance(named, dict) else named
    issuer_ok = named_id == kg.settings.issuer_iri
    checks.append(
        {
            "check": "issuer",
            "passed": issuer_ok,
            "detail": f"issuer {named_id!r}" + ("" if issuer_ok else f"; expected <{kg.settings.issuer_iri}>"),
        }
    )
    identifier = credential.get("id")
    revocation = _revocation(kg, [identifier] if isinstance(identifier, str) else [])
    day = revocation.pop("revoked")
    checks.append(revocation)
    status: dict = {"revoked": day is not None, **({"revokedOn": day} if day is not None else {})}
    return JSONResponse({"verified": all(c["passed"] for c in checks), **status, "checks": checks})


def _revocation(kg: KnowledgeGraph, given: Graph | list[str]) -> dict:
    """The revocation check of a credential (its EDC graph, or its id): the register's record of its id."""
    if isinstance(given, Graph):
        ids = sorted(str(s) for s in given.subjects(RDF.type, ELM.EuropeanDigitalCredential))
    else:
        ids = given
    register = Register(kg)
    entry = None
    if len(ids) == 1 and ids[0].startswith("urn:uuid:"):
        try:
            entry = register.get(register.credential_id(ids[0]))
        except NotFound:  # not a UUID: not an id this service gives
            entry = None
    if entry is None:
        detail = "not in the register of issued credentials (issued before it was kept): no revocation recorded"
        return {"check": "revocation", "passed": True, "detail": detail, "revoked": None}
    if entry.revoked is not None:
        day = entry.revoked.isoformat()
        return {"check": "revocation", "passed": False, "detail": f"revoked on {day}", "revoked": day}
    return {"check": "revocation", "passed": True, "detail": "not revoked", "revoked": None}


# -- Open Badges 3.0 --------------------------------------------------------------------------------------------


def _badge_source(request: Request, id: str) -> tuple[URIRef, Graph, dict[str, str]]:
    svc = service(request)
    base = svc.settings.base_iri
    catalogue = svc.catalogue
    entries = catalogue.entries
    spec = catalogue.member_iri("credentials", id)
    data = gather(svc.kg.store, [(entries["credentials"], spec)], entries["partners"], base)
    data += concepts_of(svc.kg.store, (o for o in data.objects() if isinstance(o, URIRef)))
    root = str(request.base_url).rstrip("/")
    pages = {
        str(n): f"{root}{catalogue.page_of(n)}"
        for n in data.all_nodes()
        if isinstance(n, URIRef) and catalogue.page_of(n)
    }
    return spec, data, pages


@router.get(
    "/api/credentials/{id}/openbadge",
    summary="The credential as an Open Badges 3.0 Achievement (criteria, ESCO alignments, credits, creator)",
    responses=problem_responses(NotFound),
)
async def openbadge(request: Request, id: str) -> JSONResponse:
    spec, data, pages = await run_in_threadpool(_badge_source, request, id)
    body = {"@context": [openbadges.VC2_CONTEXT, openbadges.OB3_CONTEXT], **openbadges.achievement(data, spec, pages)}
    return JSONResponse(body)


@router.post(
    "/api/credentials/{id}/openbadge",
    summary="Issue the credential to a learner as an Open Badges 3.0 OpenBadgeCredential (VC 2.0, VC-JWT)",
    description="The same request body and token as the Europass issuing route. The answer carries the credential "
    "and its VC-JWT (RS256, signed with the key published at /.well-known/jwks.json).",
    status_code=201,
    responses=problem_responses(*WRITE, Forbidden, NotFound, ServiceUnavailable),
    openapi_extra={"requestBody": _AWARD_BODY},
)
async def issue_openbadge(request: Request, id: str) -> JSONResponse:
    _, award, country, principal = await _awarded(request, id)
    svc = service(request)
    spec, data, pages = await run_in_threadpool(_badge_source, request, id)
    issuer, key = _issuer(request)
    partners = svc.catalogue.entry("partners")
    issuer_data = await run_in_threadpool(
        gather, svc.kg.store, [(partners, issuer.organisation)], partners, svc.settings.base_iri
    )
    issuer_profile = openbadges.profile(
        issuer_data, issuer.organisation, pages.get(str(issuer.organisation), str(issuer.organisation))
    )
    learner = award.learner
    register = Register(svc.kg)
    async with svc.write_lock:  # from drawing the status index to recording it: no two credentials share one
        entry = await run_in_threadpool(register.prepare, str(spec), "openbadge", country)
        badge = openbadges.credential(
            openbadges.achievement(data, spec, pages),
            issuer_profile,
            openbadges.BadgeAward(
                learner.identifier, f"{learner.given_name} {learner.family_name}", award.awarded_on, award.grade
            ),
            id=entry.id,
            status=status_list.entry(status_list_url(request), entry.index),
        )
        signed = openbadges.vc_jwt(badge, key)
        await run_in_threadpool(register.record, entry, principal.actor)
    return JSONResponse({"credential": badge, "jwt": signed}, status_code=201)
