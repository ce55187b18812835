"""Catalogue spreadsheets: ``GET /api/courses/template.{xlsx,ods,csv}``, ``GET /api/courses.{xlsx,ods,csv}`` (a
provider's courses) and ``POST /api/courses/import`` (a file, a partner's token; ``dry_run=true`` for the report
alone). Thin over ``catalogue.course_import``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import authenticate, service
from smarco_kg.api.problems import Problem, problem_responses
from smarco_kg.api.uploads import read_form
from smarco_kg.api.write_docs import demo_members, write_example
from smarco_kg.auth import log_write
from smarco_kg.catalogue import Catalogue
from smarco_kg.catalogue.course_import import export, import_courses, template
from smarco_kg.catalogue.jsonld import compact
from smarco_kg.catalogue.sheets import MEDIA_TYPES
from smarco_kg.errors import (
    BadParameter,
    BadRequest,
    ContentTooLarge,
    Forbidden,
    RequestTimeout,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)
from smarco_kg.ownership import Owner

router = APIRouter(tags=["Collections"])
Kind = Literal["xlsx", "ods", "csv"]
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the workbook: .xlsx or .ods (sheets courses and outcomes, header notes, drop-down lists) or "
        "CSV (UTF-8 with a byte-order mark, ';' between fields, the outcomes' table after the courses')",
        "content": {media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA_TYPES.values()},
    }
}
_UPLOAD = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": ".xlsx, .ods or .csv"},
                        "dry_run": {"type": "string", "enum": ["true", "false"]},
                    },
                    "required": ["file"],
                }
            }
        },
    },
    "parameters": [
        {
            "name": "dry_run",
            "in": "query",
            "required": False,
            "description": "true: check every row and answer the report; write nothing",
            "schema": {"type": "string", "enum": ["true", "false"]},
        }
    ],
}
_REPORT = {
    "type": "object",
    "properties": {
        "dryRun": {"type": "boolean"},
        "written": {"type": "boolean"},
        "rows": {"type": "array", "items": {"type": "object"}},
        "problems": {"type": "array", "items": {"type": "object"}},
    },
    "required": ["dryRun", "written", "rows", "problems"],
}


def _file(body: bytes, kind: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}.{kind}"'
    media = MEDIA_TYPES[kind] + ("; charset=utf-8" if kind == "csv" else "")
    return Response(body, media_type=media, headers={"Content-Disposition": disposition})


@lru_cache(maxsize=4)
def _example(catalogue: Catalogue, data_dir: Path, base_iri: str) -> dict[str, Any] | None:
    """The template's example row: the demo course the write routes show as their example, without its id (read
    once: parsing the demo data takes longer than writing the workbook)."""
    demo = demo_members(catalogue, data_dir)
    entry = catalogue.entry("courses")
    found = write_example(entry, catalogue.vocabulary, demo, base_iri) if demo is not None else None
    if found is None:
        return None
    member, graph = found
    return {k: v for k, v in compact(graph, member, catalogue.vocabulary, "").items() if k != "id"}


@router.get(
    "/api/courses/template.{kind}",
    summary="The course spreadsheet template (.xlsx, .ods or .csv), generated from the shapes and code lists",
    response_class=Response,
    responses={**_FILES, **problem_responses(BadParameter)},
)
async def course_template(request: Request, kind: Kind) -> Response:
    svc = service(request)

    def build() -> bytes:
        return template(svc.kg, _example(svc.catalogue, svc.settings.data_dir, svc.settings.base_iri), kind)

    return _file(await run_in_threadpool(build), kind, "courses-template")


@router.get(
    "/api/courses.{kind}",
    summary="A provider's courses as a spreadsheet, in the template's columns: edit it and import it again",
    response_class=Response,
    responses={**_FILES, **problem_responses(BadParameter)},
)
async def course_export(
    request: Request,
    kind: Kind,
    provider: str = Query(..., description="The providing organisation: its IRI or id (slug), such as cefriel"),
) -> Response:
    svc = service(request)
    organisation = svc.catalogue.member_value("partners", "provider", provider)
    body = await run_in_threadpool(export, svc.kg, organisation, kind)
    return _file(body, kind, f"courses-{provider.rsplit('/', 1)[-1]}")


@router.post(
    "/api/courses/import",
    summary="Import courses from a spreadsheet (a partner's token): all or nothing, or a dry run's report",
    response_class=JSONResponse,
    responses={
        200: {"description": "the report, row by row", "content": {"application/json": {"schema": _REPORT}}},
        **problem_responses(
            BadRequest, Unauthorized, Forbidden, RequestTimeout, ContentTooLarge, UnsupportedMediaType, Unprocessable
        ),
    },
    openapi_extra=_UPLOAD,
)
async def course_import(request: Request) -> Response:
    svc = service(request)
    principal = authenticate(request)
    if principal.partner is None:
        raise Problem(403, "a partner's token is needed", "courses are imported into the partner graph of the token")
    form = await read_form(request)
    data = form.files.get("file")
    if data is None:
        raise Problem(400, "no file", "send the spreadsheet in the form field 'file'")
    dry_run = (request.query_params.get("dry_run") or form.one("dry_run") or "").lower() in ("true", "1", "yes")
    owner = Owner.of(principal, svc.kg.graphs)
    async with svc.write_lock:
        report = await run_in_threadpool(
            import_courses, svc.kg, data, partner=principal.partner, owner=owner, dry_run=dry_run
        )
    if report.written:
        written = sum(1 for r in report.rows if r.action in ("create", "update"))
        log_write(principal, svc.kg.graphs.partner(principal.partner), written, 0, "api-import-courses")
    return JSONResponse(report.as_json(), status_code=200)
