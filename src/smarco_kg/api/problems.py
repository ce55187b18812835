"""Errors as RFC 9457 problem details (``application/problem+json``): a status, a title, what went wrong."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

PROBLEM = "application/problem+json"


class Problem(Exception):
    """Raise to answer with a problem document; ``extra`` adds members (``errors``, ``offered``…)."""

    def __init__(
        self, status: int, title: str, detail: str = "", headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers or {}, extra

    def response(self) -> JSONResponse:
        body = {"type": "about:blank", "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM, headers=self.headers)
