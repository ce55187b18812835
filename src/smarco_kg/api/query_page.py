"""The query page people get when a browser opens ``/sparql``."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from smarco_kg.api.home import templates


def query_page(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "sparql.html", {"query": request.query_params.get("query", "")})
