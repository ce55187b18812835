"""The register of issued credentials over HTTP: its entries (by token), its counts (public), revocation by the
awarding partner, and the revocation status list (a W3C ``BitstringStatusListCredential``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from smarco_kg import openbadges, status_list
from smarco_kg.api.context import authenticate, service
from smarco_kg.api.credentials import STATUS_LIST_PATH, status_list_url
from smarco_kg.api.params import integer, query_params
from smarco_kg.api.problems import PARAMETERS, problem_responses
from smarco_kg.credential_register import Filters, Register, filters
from smarco_kg.errors import Conflict, Forbidden, NotFound, ServiceUnavailable, Unauthorized
from smarco_kg.europass import seal

router = APIRouter(tags=["Register of issued credentials"])
FILTERS = {"year", "specification", "country", "format", "revoked", "partner"}
VC_JWT = "application/vc+jwt"
_lists: dict[tuple, tuple[bytes, str, str]] = {}  # (kg, generation, url, media) -> (body, ETag, media type)

_NULLABLE = {"type": ["string", "null"]}
_ENTRY = {
    "type": "object",
    "properties": {
        "id": {"type": "string", "description": "the credential's own id, urn:uuid:…"},
        "specification": {"type": "string", "format": "iri"},
        "awardingBody": {"type": "string", "format": "iri"},
        "issued": {"type": "string", "format": "date"},
        "format": {"type": "string", "enum": ["edc", "openbadge"]},
        "statusListIndex": {"type": "integer", "minimum": 0},
        "learnerCountry": _NULLABLE,
        "revoked": _NULLABLE,
        "isSampleData": {"type": "boolean"},
    },
    "required": ["id", "specification", "awardingBody", "issued", "format", "statusListIndex"],
}
_COUNTS = {"type": "array", "items": {"type": "object", "properties": {"count": {"type": "integer"}}}}
_FILTER_PARAMETERS = [
    {"name": "year", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{4}$"}, "description": "issued in"},
    {"name": "specification", "in": "query", "schema": {"type": "string"}, "description": "its IRI or id"},
    {"name": "country", "in": "query", "schema": {"type": "string"}, "description": "the learner's: ITA or IRI"},
    {"name": "format", "in": "query", "schema": {"type": "string", "enum": ["edc", "openbadge"]}},
    {"name": "revoked", "in": "query", "schema": {"type": "string", "enum": ["true", "false"]}},
    {"name": "partner", "in": "query", "schema": {"type": "string"}, "description": "the awarding body's id"},
]


def _filters(request: Request, register: Register, allowed: set[str]) -> tuple[Filters, dict[str, str]]:
    params = query_params(request, allowed)
    catalogue = service(request).catalogue
    return filters(register, params, lambda v: catalogue.member_value("credentials", "specification", v)), params


@router.get(
    "/api/credentials/issued",
    summary="The register of issued credentials: its entries, the facts only (awarding partner or coordinator)",
    description="A partner's token lists the credentials it awarded; the coordinator's or an admin's lists all. "
    "Each entry holds the facts only (id, specification, awarding body, day of issue, format, learner's country, "
    "status-list index, revocation day), never the learner. Newest first; `limit` (at most 100) and `offset`.",
    openapi_extra={
        "parameters": [
            *_FILTER_PARAMETERS,
            {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 999999999}},
        ]
    },
    responses={
        200: {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "totalItems": {"type": "integer"},
                            "scope": {"type": "string"},
                            "items": {"type": "array", "items": _ENTRY},
                        },
                    }
                }
            }
        },
        **problem_responses(*PARAMETERS, Unauthorized),
    },
)
async def issued(request: Request) -> JSONResponse:
    principal = authenticate(request)
    register = Register(service(request).kg)
    chosen, params = _filters(request, register, FILTERS | {"limit", "offset"})
    limit, offset = integer(params, "limit", 20, 1, 100), integer(params, "offset", 0, 0, None)
    page = await run_in_threadpool(register.page, chosen, principal, limit, offset)
    return JSONResponse(
        {
            "totalItems": page.total,
            "scope": page.scope,
            "limit": limit,
            "offset": offset,
            "items": [e.facts() for e in page.entries],
        }
    )


@router.get(
    "/api/credentials/issued/counts",
    summary="How many credentials were issued and revoked: in all, by year, format, specification, partner and "
    "learner's country (public)",
    openapi_extra={"parameters": _FILTER_PARAMETERS},
    responses={
        200: {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "issued": {"type": "integer"},
                            "revoked": {"type": "integer"},
                            "byYear": _COUNTS,
                            "byFormat": _COUNTS,
                            "bySpecification": _COUNTS,
                            "byAwardingBody": _COUNTS,
                            "byLearnerCountry": _COUNTS,
                        },
                    }
                }
            }
        },
        **problem_responses(*PARAMETERS),
    },
)
async def counts(request: Request) -> JSONResponse:
    register = Register(service(request).kg)
    chosen, _ = _filters(request, register, FILTERS)
    return JSONResponse(await run_in_threadpool(register.counts, chosen))


@router.post(
    "/api/credentials/issued/{id}/revoke",
    summary="Revoke an issued credential (its awarding partner's token, or an admin's)",
    description="`id` is the credential's UUID (or its urn:uuid: id). Records the day (smarco:revoked) and sets "
    "the credential's bit in the revocation status list. Another partner's token is a 403; an id never issued "
    "here a 404; a second revocation a 409 whose `revoked` member gives the day of the first, which stands.",
    responses={
        200: {"content": {"application/json": {"schema": _ENTRY}}},
        **problem_responses(Unauthorized, Forbidden, NotFound, Conflict),
    },
)
async def revoke(request: Request, id: str) -> JSONResponse:
    principal = authenticate(request)
    svc = service(request)
    register = Register(svc.kg)
    credential = register.credential_id(id)
    async with svc.write_lock:
        entry = await run_in_threadpool(register.revoke, credential, principal)
    return JSONResponse(entry.facts())


def _status_list(request: Request, media: str) -> tuple[bytes, str, str]:
    """The status list credential as JSON or as a VC-JWT, built once per write generation."""
    svc = service(request)
    url = status_list_url(request)
    key = (id(svc.kg), svc.generation, url, media)
    made = _lists.get(key)
    if made is not None:
        return made
    revoked, size = Register(svc.kg).revoked_indexes()
    document = status_list.credential(
        url, svc.settings.issuer_iri, status_list.encode(revoked, size), dt.datetime.now(dt.UTC)
    )
    if media == VC_JWT:
        body = openbadges.vc_jwt(document, seal.load(svc.settings.issuer_dir)).encode("ascii")
    else:
        body = json.dumps(document).encode("utf-8")
    made = (body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', media)
    if len(_lists) > 16:
        _lists.clear()
    _lists[key] = made
    return made


@router.get(
    STATUS_LIST_PATH,
    summary="The revocation status list: a W3C BitstringStatusListCredential (VC 2.0)",
    description="Its `encodedList` is the GZIP-compressed bitstring (at least 131,072 bits), base64url without "
    "padding with the multibase prefix `u`; bit n (from the left) is set when the credential whose "
    "`statusListIndex` is n was revoked. `Accept: application/vc+jwt` gives it signed as a VC-JWT (RS256, the "
    "key of /.well-known/jwks.json). Cacheable: an ETag per write, `If-None-Match` answers 304.",
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                VC_JWT: {"schema": {"type": "string"}},
            },
            "headers": {"ETag": {"schema": {"type": "string"}}},
        },
        304: {"description": "not modified since the ETag given in If-None-Match"},
        **problem_responses(ServiceUnavailable),
    },
)
async def revocation_list(request: Request) -> Response:
    media = VC_JWT if VC_JWT in request.headers.get("accept", "") else "application/json"
    body, etag, media = await run_in_threadpool(_status_list, request, media)
    headers = {"ETag": etag, "Cache-Control": "public, max-age=60, must-revalidate", "Vary": "Accept"}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)
