"""``/api/courses/{id}/europass``: a course as ELM v3 for Europass's Qualification Dataset Register (LOQ profile).

The answer conforms to the official LOQ shapes (it is checked on every request); a course that cannot be made to
conform is a 422 listing what the official shapes say it lacks. ``qualification=true`` asks for the
specification as an ``elm:Qualification``, as QDR lists qualifications (an NQF level is then required).
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.params import query_params
from smarco_kg.api.problems import NEGOTIATED, Problem, problem_responses
from smarco_kg.errors import BadParameter, NotFound
from smarco_kg.europass.loq import FORMATS, export_courses, serialize
from smarco_kg.negotiation import negotiate

router = APIRouter(tags=["Europass"])
_OFFERED = ("application/ld+json", "text/turtle", "application/rdf+xml", "application/n-triples")
_BY_MEDIA = {media: name for name, (_, media) in FORMATS.items()}


def _format(request: Request, params: dict[str, str]) -> str:
    if "format" in params:
        name = params["format"].strip().lower()
        if name not in FORMATS:
            raise Problem(
                406, "unknown format", f"format={name!r}; use ttl, rdfxml, jsonld or nt", offered=list(_OFFERED)
            )
        return name
    return _BY_MEDIA[negotiate(request.headers.get("accept"), _OFFERED)]


@router.get(
    "/api/courses/{id}/europass",
    summary="The course as ELM v3 (LOQ profile) for Europass, conforming to the official shapes",
    response_class=Response,
    responses={
        200: {"content": {media: {"schema": {} if "json" in media else {"type": "string"}} for media in _OFFERED}},
        **problem_responses(
            NotFound,
            *NEGOTIATED,
            described={422: "a bad parameter, or the course lacks what the LOQ profile requires (the shapes' report)"},
        ),
    },
)
async def course_europass(
    request: Request,
    id: str,
    format: str | None = Query(
        None,
        description="ttl, rdfxml, jsonld or nt (else by Accept; JSON-LD first)",
        json_schema_extra={"enum": [*FORMATS]},
    ),
    qualification: bool = Query(False, description="Export the specification as an elm:Qualification (needs NQF)"),
) -> Response:
    params = query_params(request, {"format", "qualification"})
    as_qualification = params.get("qualification", "false").lower()
    if as_qualification not in ("true", "false"):
        raise BadParameter("qualification", params["qualification"], "true or false")
    fmt = _format(request, params)
    svc = service(request)
    base = svc.settings.base_iri
    entries = service(request).catalogue.entries
    iri = service(request).catalogue.member_iri("courses", id)
    export = await run_in_threadpool(
        export_courses,
        svc.kg.store,
        [iri],
        entries["courses"],
        entries["partners"],
        svc.settings.elm_dir,
        base,
        qualification=as_qualification == "true",
    )
    body, media_type = serialize(export.graph, fmt)
    headers = {"Vary": "Accept", "Content-Disposition": f'inline; filename="{id}-elm.{fmt}"'}
    return Response(body, media_type=media_type, headers=headers)
