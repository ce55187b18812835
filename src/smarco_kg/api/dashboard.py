"""The coordinator's dashboard: ``/dashboard`` (the partnership), ``/dashboard/partners/{id}`` (one organisation),
and each of their tables as CSV or XLSX (``/dashboard/{table}.csv?year=``). The figures come from the named queries
``queries/dashboard-*.rq`` (``smarco_kg.dashboard``), cached per write generation; the page is drawn on the server,
charts included, and works without JavaScript (the year is chosen with a GET form)."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.pages import problem_page
from smarco_kg.api.params import query_params
from smarco_kg.api.templating import chosen_language, html_page
from smarco_kg.catalogue.read import pick_label
from smarco_kg.dashboard import Figures, compute, parse_year
from smarco_kg.dashboard.downloads import FORMATS, to_csv, to_xlsx
from smarco_kg.errors import NotFound, SmarcoError
from smarco_kg.web import i18n
from smarco_kg.web.dashboard_view import Section, headlines, partner_sections, sections

router = APIRouter(include_in_schema=False)
PARAMETERS = {"year", "lang"}


def _figures(request: Request, year: int, organisation: str | None = None, generation: int | None = None) -> Figures:
    svc = service(request)
    queries = request.app.state.named_queries
    at = svc.generation if generation is None else generation
    return svc.dashboard.get(at, (year, organisation), lambda: compute(svc.kg.store, queries, year, organisation))


def _organisation(request: Request, id: str) -> str:
    """The organisation an address's id names: 404 when it is no id or no organisation the store describes."""
    svc = service(request)
    iri = str(svc.catalogue.member_iri("partners", id))
    ask = f"ASK {{ <{iri}> a <http://data.europa.eu/snb/model/elm/Organisation> }}"
    if not svc.kg.store.query(ask, union_default_graph=True).boolean:
        raise NotFound(f"no organisation has the id {id!r}", title="no such organisation")
    return iri


def _year(request: Request) -> int:
    params = query_params(request, PARAMETERS)
    chosen_language(request)  # a bad lang= is a 422 too
    return parse_year(params.get("year"))


def _sections(request: Request, figures: Figures) -> list[Section]:
    lang = chosen_language(request)
    i18n.use(i18n.chrome_language(request.query_params.get("lang"), request.headers.get("accept-language")))
    if figures.organisation is not None:
        return partner_sections(figures, lang)
    catalogue = service(request).catalogue
    prefix = str(catalogue.entry("partners").namespace(service(request).settings.base_iri))

    def partner_page(iri: str) -> str | None:
        return f"/dashboard/partners/{iri[len(prefix) :]}" if iri.startswith(prefix) else None

    return sections(figures, lang, partner_page)


def _query(year: int, lang: str | None) -> str:
    return "?" + urlencode({"year": year, **({"lang": lang} if lang else {})})


async def _page(request: Request, organisation: str | None, base: str) -> Response:
    try:
        year = _year(request)
        generation = service(request).generation
        key = (request.url.path, request.url.query, request.headers.get("accept-language", ""))
        kept = service(request).dashboard_pages.peek(generation, key)
        if kept is not None:
            return HTMLResponse(kept[0], headers=kept[1])
        figures = await run_in_threadpool(_figures, request, year, organisation, generation)
        drawn = _sections(request, figures)
        lang = request.query_params.get("lang") or None
        catalogue = service(request).catalogue
        context = {
            "year": year,
            "figures": figures,
            "headlines": headlines(figures),
            "sections": drawn,
            "base": base,
            "suffix": _query(year, lang),
            "form_lang": lang,
            "organisation_name": _name(figures, organisation),
            "organisation_page": catalogue.page_of(organisation) if organisation else None,
        }
        page = html_page(request, "dashboard.html", context)
        service(request).dashboard_pages.keep(generation, key, (bytes(page.body), {"Vary": page.headers["Vary"]}))
        return page
    except SmarcoError as problem:
        return problem_page(request, problem)


def _name(figures: Figures, organisation: str | None) -> str:
    if organisation is None:
        return ""
    label = pick_label(figures.labels.get(organisation, []), "en")
    return str(label) if label is not None else organisation.rsplit("/", 1)[-1]


async def _download(request: Request, organisation: str | None, table: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise NotFound(f"{table}.{fmt}: the tables download as .csv or .xlsx", title="no such download")
    year = _year(request)
    figures = await run_in_threadpool(_figures, request, year, organisation)
    found = next((s.table for s in _sections(request, figures) if s.name == table), None)
    if found is None:
        raise NotFound(f"{table!r} is not one of the dashboard's tables", title="no such table")
    body = to_csv(found) if fmt == "csv" else to_xlsx(found)
    stem = (
        f"smarco-{table}-{year}" if organisation is None else f"smarco-{organisation.rsplit('/', 1)[-1]}-{table}-{year}"
    )
    headers = {"Content-Disposition": f'attachment; filename="{stem}.{fmt}"', "Vary": "Accept-Language"}
    return Response(body, media_type=FORMATS[fmt], headers=headers)


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request) -> Response:
    return await _page(request, None, "/dashboard")


@router.get("/dashboard/partners/{id}", response_class=HTMLResponse)
async def partner_dashboard(request: Request, id: str) -> Response:
    try:
        organisation = await run_in_threadpool(_organisation, request, id)
    except SmarcoError as problem:
        return problem_page(request, problem)
    return await _page(request, organisation, f"/dashboard/partners/{id}")


@router.get("/dashboard/partners/{id}/{table}.{fmt}")
async def partner_download(request: Request, id: str, table: str, fmt: str) -> Response:
    organisation = await run_in_threadpool(_organisation, request, id)
    return await _download(request, organisation, table, fmt)


@router.get("/dashboard/{table}.{fmt}")
async def download(request: Request, table: str, fmt: str) -> Response:
    return await _download(request, None, table, fmt)
