"""Errors as RFC 9457 problem details (``application/problem+json``): the one place errors become responses."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from smarco_kg.errors import PROBLEM_TYPES, SmarcoError, error_for

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {
    "type": "object",
    "title": "problem details (RFC 9457)",
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "the problem type, under " + PROBLEM_TYPES},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {"type": "object"},
            "description": "one entry per bad parameter, cell or SHACL result (empty when there is none)",
        },
    },
    "required": ["type", "title", "status", "detail", "errors"],
}


class Problem(SmarcoError):
    """An error raised in the HTTP layer by its status: ``Problem(404, title, detail)``. Its problem type is that
    of the error class for the status (``errors.NotFound``…); ``extra`` adds members (``errors``, ``offered``…)."""

    def __init__(
        self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, title=title, headers=headers, **extra)
        self.status = status
        self.kind = type(error_for(status, title)).kind
        self.args = (status, title, detail)  # so that it pickles across processes

    def response(self) -> JSONResponse:
        return problem_response(self)


def problem_response(error: SmarcoError) -> JSONResponse:
    """The problem document of ``error`` with its status and headers."""
    return JSONResponse(error.problem(), status_code=error.status, media_type=PROBLEM, headers=error.headers)
