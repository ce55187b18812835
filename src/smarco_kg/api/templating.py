"""The one Jinja2 environment of every HTML page (templates in ``smarco_kg/web/templates``, autoescaped), and
``html_page``, which draws a page in the visitor's language."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from smarco_kg.api.problems import Problem
from smarco_kg.web import i18n, words
from smarco_kg.web.i18n import LANGUAGES, MESSAGES

_environment = Environment(
    loader=FileSystemLoader(MESSAGES.parent / "templates"),
    autoescape=select_autoescape(),
    extensions=["jinja2.ext.i18n"],
    auto_reload=False,  # the templates ship with the package: no stat() of each file a page includes, per page
)
_environment.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)
templates = Jinja2Templates(env=_environment)
templates.env.filters.update(
    hours=words.hours, credits=words.credits, eqf_level=words.eqf_level, day=words.day, number=words.number
)
templates.env.filters["listing"] = words.listing


def chosen_language(request: Request) -> str:
    """The language of the data's labels: ``?lang=``, else the client's preferred language, else English."""
    lang = request.query_params.get("lang", "").strip()
    if lang and not i18n.is_language_tag(lang):
        raise Problem(422, "bad value for 'lang'", f"lang={lang!r}: a language tag such as en, it or pt-PT")
    return i18n.data_language(lang, request.headers.get("accept-language"))


def language_links(request: Request, chrome: str) -> list[dict[str, Any]]:
    """The language switcher: each language the chrome is translated into, named in itself, with this page's URL
    (its query with ``lang`` last, as ``URL.include_query_params`` puts it; read once, not once a language)."""
    kept = [(name, value) for name, value in request.query_params.multi_items() if name != "lang"]
    path = request.url.path
    return [
        {
            "tag": tag,
            "name": i18n.language_name(tag),
            "href": f"{path}?{urlencode([*kept, ('lang', tag)])}",
            "current": tag == chrome,
        }
        for tag in LANGUAGES
    ]


def html_page(
    request: Request,
    name: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """The template ``name`` drawn in the visitor's language, with what every page's chrome needs.

    The chrome comes from the catalogue chosen by ``?lang=``, then ``Accept-Language``; the data's labels are asked
    in ``lang`` (which may be a language the chrome is not translated into)."""
    asked = request.query_params.get("lang", "").strip()
    if not i18n.is_language_tag(asked):
        asked = ""  # the route refused it already; its error page is drawn as if it had not been given
    accept = request.headers.get("accept-language")
    lang, chrome = i18n.data_language(asked, accept), i18n.chrome_language(asked, accept)
    i18n.use(chrome)
    full: dict[str, Any] = {
        "lang": lang,
        "page_lang": chrome,
        "language_switcher": language_links(request, chrome),  # not "languages": pages list the data's languages
    }
    kg = getattr(request.app.state, "kg", None)
    if kg is not None:
        full["collections"] = [(entry.collection, f"/{entry.collection}") for entry in kg.catalogue]
    full.update(context)
    merged = dict(headers or {})
    varies = [v.strip() for v in merged.get("Vary", "").split(",") if v.strip()]
    merged["Vary"] = ", ".join(dict.fromkeys([*varies, "Accept", "Accept-Language"]))
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers=merged)
