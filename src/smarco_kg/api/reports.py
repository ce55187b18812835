"""``GET /api/reports/pact-for-skills?year=``: the Pact for Skills report as JSON, CSV or XLSX (``format=`` or
``Accept``). Thin over ``smarco_kg.pact_report``, which runs the named queries and keeps reports per write
generation."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.params import query_params
from smarco_kg.api.problems import problem_responses
from smarco_kg.catalogue.sheets import MEDIA_TYPES
from smarco_kg.errors import BadParameter, NotAcceptable, Unprocessable
from smarco_kg.generation_cache import LANE, GenerationCache
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.negotiation import negotiate
from smarco_kg.pact_report import (
    QUERIES,
    REPORT_SCHEMA,
    Computed,
    KeptRows,
    computed,
    missing_queries,
    parse_year,
    spreadsheet,
)
from smarco_kg.queries import QueryRegistry
from smarco_kg.register_tally import RegisterTally

JSON = "application/json"
FORMATS = {"json": JSON, "csv": MEDIA_TYPES["csv"], "xlsx": MEDIA_TYPES["xlsx"]}
_PARAMETERS = {"year", "format"}


def router(registry: QueryRegistry, kg: KnowledgeGraph) -> APIRouter:
    """The report's route over ``registry``'s named queries; none when a ``pact-*`` query is missing."""
    routes = APIRouter(tags=["Reports"])
    if missing_queries(registry):
        return routes
    # a coordinator looks at a handful of years; those asked last are computed again after a write
    reports: GenerationCache[tuple[int, str], Computed] = GenerationCache(
        "pact-report", kept=8, warm=8, generation=lambda: kg.generation, priority=0
    )
    kg.listeners.append(reports.kick)  # after a write, the reports asked for are computed again
    # the register's figures kept exact by the writes, on the embedded store: counted once in the background (~7 s
    # at 100k), then followed write by write. A remote store groups the register itself (Virtuoso's group-by is
    # tens of times pyoxigraph's), and the tally's reads before and after every write would cross the network.
    # The other queries' rows are kept across writes of register entries only.
    kept = None
    if not kg.settings.remote:
        kept = KeptRows(RegisterTally(kg.store, kg.graphs.register))
        kg.observers.append(kept.tally)
        LANE.add(0, kept.tally.warm)

    @routes.get(
        "/api/reports/pact-for-skills",
        summary="The Pact for Skills report for a year: the members' survey figures, each from a named query",
        description=(
            "People upskilled and reskilled, learners reached, the partnership's members, training programmes "
            "created or updated, credentials issued and revoked, for the partnership (by country, and by type, "
            "role or kind where the survey asks) and per pledge, with each pledge's targets for the year and what "
            "was achieved against them. Every figure names the named queries (`sources`) it sums, with their URL "
            "for the year, so anyone can re-run it over SPARQL. JSON, or the same numbers as one table in CSV or "
            "XLSX (`format=` or `Accept`). A report is computed again after every write."
        ),
        response_class=Response,
        responses={
            200: {
                "description": "The report",
                "content": {
                    JSON: {"schema": REPORT_SCHEMA},
                    FORMATS["csv"]: {"schema": {"type": "string"}},
                    FORMATS["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
                },
            },
            **problem_responses(
                NotAcceptable,
                Unprocessable,
                described={422: "a missing or malformed year, an unknown format or an unknown parameter"},
            ),
        },
    )
    async def pact_for_skills(
        request: Request,
        year: str = Query(..., description="The year reported on, such as 2026 (2000 to 2100)"),
        format: str | None = Query(None, description="json, csv or xlsx; overrides Accept"),
    ) -> Response:
        params = query_params(request, _PARAMETERS)
        chosen = _format(params.get("format"), request.headers.get("accept"))
        reported = parse_year(params.get("year"))

        # a figure's every source names its query's URL: resolved once per query (Starlette walks its routes)
        links = {name: str(request.url_for(f"named_query:{name}").include_query_params(year=reported))
                 for name in QUERIES}  # fmt: skip

        at = kg.generation
        report = await run_in_threadpool(
            reports.get,
            at,
            (reported, str(request.base_url)),
            lambda: computed(kg.store, registry, reported, links.__getitem__, kept),
        )
        if chosen == "json":
            return Response(report.body, media_type=JSON)
        body = await run_in_threadpool(spreadsheet, report.document, chosen)
        name = f"pact-for-skills-{reported}.{chosen}"
        media = FORMATS[chosen] + ("; charset=utf-8" if chosen == "csv" else "")
        return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return routes


def _format(given: str | None, accept: str | None) -> str:
    """json, csv or xlsx: ``format=`` when given, else the media type ``Accept`` prefers (JSON by default)."""
    if given is not None:
        if given.strip().lower() not in FORMATS:
            raise BadParameter("format", given, f"one of {', '.join(FORMATS)}")
        return given.strip().lower()
    chosen = negotiate(accept, list(FORMATS.values()))
    return next(name for name, media in FORMATS.items() if media == chosen)
