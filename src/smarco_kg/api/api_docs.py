"""``/docs``: Swagger UI over the OpenAPI description, every file of it served by this server (no CDN), so the
documentation works offline and in the site's look, language switcher and all."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from smarco_kg import __version__
from smarco_kg.api.templating import html_page
from smarco_kg.web.assets import SWAGGER_UI, missing

router = APIRouter()


@router.get("/docs", include_in_schema=False)
def api_docs(request: Request) -> HTMLResponse:
    """The interactive documentation; where Swagger UI is not installed, a page that says so and links the
    description itself."""
    context = {"version": __version__, "openapi_url": request.app.openapi_url, "missing": missing(SWAGGER_UI)}
    return html_page(request, "api_docs.html", context)
