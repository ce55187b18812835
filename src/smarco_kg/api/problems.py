"""Errors as RFC 9457 problem details (``application/problem+json``): the one place errors become responses."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from smarco_kg.errors import (
    PROBLEM_TYPES,
    BadRequest,
    ContentTooLarge,
    NotAcceptable,
    RequestTimeout,
    ServiceUnavailable,
    SmarcoError,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
    error_for,
)

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


RETRY_AFTER = {"description": "seconds to wait before trying again", "schema": {"type": "integer", "minimum": 0}}
CHALLENGE = {"description": "how to authenticate: a bearer token", "schema": {"type": "string"}}

PARAMETERS = (Unprocessable,)
"""What any route with query parameters may answer: an unknown, repeated or bad one (422 naming it)."""
NEGOTIATED = (NotAcceptable, Unprocessable)
"""A read that negotiates its representation (``Accept``, ``format=``) and takes parameters."""
BODY = (BadRequest, RequestTimeout, ContentTooLarge, UnsupportedMediaType, Unprocessable)
"""A route that reads a body: malformed, sent too slowly or too large (``api/limits.py``), of a media type it does
not take, or unusable."""
WRITE = (Unauthorized, *BODY)
"""A write: a bearer token first, then the body."""
QUERY = (BadRequest, NotAcceptable, Unprocessable, TooManyRequests, ServiceUnavailable)
"""A SPARQL query: bad syntax or parameters, no acceptable format, the client's share or the service busy."""


def problem_responses(
    *errors: type[SmarcoError], described: dict[int, str] | None = None
) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of the errors a route can raise: one entry per status, each a problem document;
    ``described`` words a status for this route (else the titles of its classes say it)."""
    titles: dict[int, list[str]] = {}
    for cls in errors:
        seen = titles.setdefault(cls.status, [])
        if cls.title not in seen:
            seen.append(cls.title)
    out: dict[int | str, dict[str, Any]] = {}
    for status in sorted(titles):
        description = (described or {}).get(status) or "; ".join(titles[status])
        response: dict[str, Any] = {"description": description, "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}}}
        if status in (429, 503):
            response["headers"] = {"Retry-After": RETRY_AFTER}
        if status == 401:
            response["headers"] = {"WWW-Authenticate": CHALLENGE}
        out[status] = response
    return out
