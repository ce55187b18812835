"""Errors as RFC 9457 problem details (``application/problem+json``): the one place errors become responses."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from smarco_kg.errors import SmarcoError, error_for

PROBLEM = "application/problem+json"


class Problem(SmarcoError):
    """An error raised in the HTTP layer by its status: ``Problem(404, title, detail)``. Its problem type is that
    of the error class for the status (``errors.NotFound``…); ``extra`` adds members (``errors``, ``offered``…)."""

    def __init__(
        self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, title=title, headers=headers, **extra)
        self.status = status  # type: ignore[misc]
        self.kind = type(error_for(status, title)).kind  # type: ignore[misc]
        self.args = (status, title, detail)  # so that it pickles across processes

    def response(self) -> JSONResponse:
        return problem_response(self)


def problem_response(error: SmarcoError) -> JSONResponse:
    """The problem document of ``error`` with its status and headers."""
    return JSONResponse(error.problem(), status_code=error.status, media_type=PROBLEM, headers=error.headers)
