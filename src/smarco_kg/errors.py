"""One tree of errors: each class says its HTTP status and RFC 9457 problem type, so one handler maps them all.

Every error the project raises on purpose is a ``SmarcoError``. A subclass names its status (``status``), its
problem type (``kind``, a slug under ``PROBLEM_TYPES``) and a default ``title``; an instance adds the ``detail``
(what went wrong, in the words of what the client sent), ``errors`` (one entry per bad parameter, cell or SHACL
result) and headers. Every problem document has the same five members: ``type``, ``title``, ``status``,
``detail`` and ``errors``; some types add their own (``offered`` for a 406, ``known`` for an unknown value).
The CLI prints the same detail and exits non-zero. Anything else that escapes is a bug: a 500.
"""

from __future__ import annotations

from typing import Any

PROBLEM_TYPES = "https://w3id.org/smarco/problems/"
"""Where problem types live: ``<PROBLEM_TYPES><kind>``, described in docs/api.md."""


class SmarcoError(Exception):
    """The base of every error the project raises on purpose."""

    # Each class's own; an instance may say more (its title) or, in the HTTP layer, another status (``Problem``).
    status: int = 500
    kind: str = "internal-error"
    title: str = "internal error"

    def __init__(
        self,
        detail: str = "",
        *,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title or self.title)
        self.detail = detail
        if title is not None:
            self.title = title
        self.errors: list[dict[str, Any]] = errors or []
        self.headers: dict[str, str] = headers or {}
        self.extra: dict[str, Any] = extra

    def __str__(self) -> str:
        return self.detail or self.title

    @property
    def type(self) -> str:
        return PROBLEM_TYPES + self.kind

    def problem(self) -> dict[str, Any]:
        """The RFC 9457 problem document (``application/problem+json``)."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail or self.title,
            "errors": self.errors,
            **self.extra,
        }


class BadRequest(SmarcoError):
    status, kind, title = 400, "bad-request", "bad request"


class Unauthorized(SmarcoError):
    status, kind, title = 401, "unauthorized", "authentication required"


class Forbidden(SmarcoError):
    status, kind, title = 403, "forbidden", "not allowed"


class NotFound(SmarcoError):
    status, kind, title = 404, "not-found", "not found"


class NotAcceptable(SmarcoError):
    status, kind, title = 406, "not-acceptable", "no acceptable representation"


class Conflict(SmarcoError):
    status, kind, title = 409, "conflict", "conflict"


class RequestTimeout(SmarcoError):
    status, kind, title = 408, "request-timeout", "the request took too long to arrive"


class PreconditionFailed(SmarcoError):
    status, kind, title = 412, "precondition-failed", "precondition failed"


class ContentTooLarge(SmarcoError):
    status, kind, title = 413, "content-too-large", "the body is too large"


class UnsupportedMediaType(SmarcoError):
    status, kind, title = 415, "unsupported-media-type", "unsupported media type"


class Unprocessable(SmarcoError):
    status, kind, title = 422, "unprocessable", "the request cannot be processed"


class BadParameter(Unprocessable):
    """A parameter (query, form or body member) whose value cannot be used: names it, quotes it, says why."""

    kind = "bad-parameter"

    def __init__(self, parameter: str, value: object, message: str, **extra: Any) -> None:
        super().__init__(
            f"{parameter}={value!r}: {message}",
            title=f"bad value for '{parameter}'",
            errors=[{"parameter": parameter, "value": value, "message": message, **extra}],
        )
        self.args = (parameter, value, message)  # so that it pickles across processes
        self.parameter, self.value, self.message = parameter, value, message


class PreconditionRequired(SmarcoError):
    status, kind, title = 428, "precondition-required", "precondition required"


class TooManyRequests(SmarcoError):
    status, kind, title = 429, "too-many-requests", "too many requests"


class BadGateway(SmarcoError):
    status, kind, title = 502, "bad-gateway", "the store could not answer"


class ServiceUnavailable(SmarcoError):
    status, kind, title = 503, "service-unavailable", "the service is busy"


class GatewayTimeout(SmarcoError):
    status, kind, title = 504, "timeout", "the request took too long"


_BY_STATUS: dict[int, type[SmarcoError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        NotAcceptable,
        RequestTimeout,
        Conflict,
        PreconditionFailed,
        ContentTooLarge,
        UnsupportedMediaType,
        Unprocessable,
        PreconditionRequired,
        TooManyRequests,
        BadGateway,
        ServiceUnavailable,
        GatewayTimeout,
    )
}


def error_for(status: int, title: str, detail: str = "", **members: Any) -> SmarcoError:
    """An error of the class for ``status`` (framework errors such as a 405 come as a status and a text)."""
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = type(f"Status{status}", (SmarcoError,), {"status": status, "kind": f"status-{status}"})
    return cls(detail, title=title, **members)
