"""``/api/credentials/{id}/stack``: which micro-credentials complete a certificate, and what a learner holding some of
them still lacks (micro-credentials, ECTS credits, learning outcomes and their ESCO skills). See ``smarco_kg.stacking``
for how a certificate's requirements are read from the data."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.problems import Problem, problem_responses
from smarco_kg.catalogue.filters import SOMETHING
from smarco_kg.errors import BadParameter, NotFound, Unprocessable
from smarco_kg.stacking import (
    CERTIFICATE,
    Completion,
    Credential,
    completion,
    read_credentials,
    read_scheme,
)
from smarco_kg.store import GraphStore

router = APIRouter(tags=["Credentials"])
_PARAMETERS = {"have"}


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)


def _brief(credential: Credential) -> dict:
    return {
        "id": credential.iri,
        "type": credential.kind,
        "title": credential.title,
        "ects": None if credential.ects is None else _number(credential.ects),
    }


def _have(request: Request) -> dict[str, str]:
    """The ``have`` values (IRI or id, repeated) as credential IRIs, in order, once each, mapped to the value as
    given (so an error names what the client sent); unknown parameters are refused first, as on every path."""
    given: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        given.setdefault(key, []).append(value)
    unknown = sorted(set(given) - _PARAMETERS)
    if unknown:
        raise BadParameter(unknown[0], given[unknown[0]][0], "unknown parameter; this path takes have")
    have: dict[str, str] = {}
    for raw in given.get("have", []):
        have.setdefault(str(service(request).catalogue.member_value("credentials", "have", raw)), raw)
    return have


def _analyse(store: GraphStore, iri: str, have: dict[str, str]) -> tuple[Credential, dict[str, Credential], list]:
    """The credential, the held micro-credentials and one completion per certificate concerned; 404 for an unknown
    credential, 422 naming every ``have`` value that is not a micro-credential of the catalogue."""
    found = read_credentials(store, [iri, *have])
    if iri not in found:
        raise Problem(404, "no such credential", f"<{iri}> is not a micro-credential or certificate of the catalogue")
    errors = [
        {
            "parameter": "have",
            "value": raw,
            "message": "not a credential of the catalogue"
            if h not in found
            else "a certificate; have takes the micro-credentials a learner holds",
        }
        for h, raw in have.items()
        if h not in found or found[h].kind == CERTIFICATE
    ]
    if errors:
        first, more = errors[0], f" (and {len(errors) - 1} more, listed in errors)" if len(errors) > 1 else ""
        detail = f"have={first['value']!r}: {first['message']}{more}"
        raise Problem(422, "bad value for 'have'", detail, errors=errors)
    credential = found[iri]
    if credential.kind == CERTIFICATE:
        certificates, held = [credential], list(have)
    else:
        certificates = list(read_credentials(store, credential.stacks_into).values())
        held = list(dict.fromkeys([*have, iri]))
    judged = [completion(read_scheme(store, c, held), held) for c in sorted(certificates, key=lambda c: c.title)]
    return credential, {h: found[h] for h in have}, judged


def _document(credential: Credential, have: dict[str, Credential], judged: list[Completion]) -> dict:
    def certificate(c: Completion) -> dict:
        scheme, held = c.scheme, {p.iri for p in c.held}
        required = scheme.required_ects
        return {
            "certificate": _brief(scheme.certificate),
            "complete": c.complete,
            "outcomesCovered": c.outcomes_covered,
            "microCredentials": [{**_brief(p), "held": p.iri in held} for p in scheme.parts],
            "ects": {"required": None if required is None else _number(required), "held": _number(c.held_ects)},
            "notCounted": [_brief(have[h]) for h in c.not_counted if h in have],
            "missing": {
                "microCredentials": [_brief(p) for p in c.missing],
                "ects": None if c.missing_ects is None else _number(c.missing_ects),
                "outcomes": [
                    {
                        "id": o.iri,
                        "title": o.title,
                        "skills": [{"id": s, "label": scheme.labels.get(s, "")} for s in o.skills],
                    }
                    for o in c.missing_outcomes
                ],
                "skills": [
                    {
                        "id": s,
                        "label": scheme.labels.get(s, ""),
                        "coveredBy": [{"id": p.iri, "title": p.title} for p in c.covered_by(s)],
                    }
                    for s in c.missing_skills
                ],
            },
        }

    return {
        "credential": {**_brief(credential), "stacksInto": list(credential.stacks_into)},
        "have": [_brief(h) for h in have.values()],
        "certificates": [certificate(c) for c in judged],
    }


@router.get(
    "/api/credentials/{id}/stack",
    summary="What completes a certificate: the micro-credentials stacking into it, and what a learner still lacks",
    description=(
        "For a certificate: the micro-credentials that stack into it (`smarco:stacksInto`) and, for the "
        "micro-credentials in `have`, whether they complete it and what is missing. For a micro-credential: the "
        "same for every certificate it stacks into, counting the micro-credential itself as held.\n\n"
        "A certificate is complete when every micro-credential stacking into it is held and their ECTS credits reach "
        "the certificate's own (`missing.ects` is the difference; held micro-credentials that stack elsewhere are "
        "listed in `notCounted`). `missing.skills` are the ESCO skills of the certificate's learning outcomes that no "
        "held micro-credential names (itself or through a narrower skill), each with the missing micro-credentials "
        "that would cover it: an empty `coveredBy` means no micro-credential of the scheme names it. Skill coverage "
        "is reported in `outcomesCovered`, not required for completion."
    ),
    responses=problem_responses(
        NotFound,
        Unprocessable,
        described={
            404: "no micro-credential or certificate has this id",
            422: "an unknown parameter, or a `have` value that is not a micro-credential of the catalogue",
        },
    ),
)
async def credential_stack(
    request: Request,
    id: str,
    have: list[str] = Query(
        [],
        description="Micro-credentials the learner holds (IRI or id); repeat the parameter. Default: none",
        json_schema_extra={"items": {"type": "string", "pattern": SOMETHING}},
    ),
) -> JSONResponse:
    held = _have(request)
    iri = service(request).catalogue.member_iri("credentials", id)
    store = service(request).kg.store
    credential, holding, judged = await run_in_threadpool(_analyse, store, str(iri), held)
    return JSONResponse(_document(credential, holding, judged))
