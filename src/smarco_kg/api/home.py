"""The home page (what the graph holds) and the health checks: is the server alive (``/health``, from memory), can
the store be read and how big is each graph (``/health/store``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from smarco_kg import __version__
from smarco_kg.api.templating import html_page
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store import StoreError

router = APIRouter()


def _kg(request: Request) -> KnowledgeGraph:
    return request.app.state.kg


@router.get("/health", summary="Is the server alive: answered from memory, without touching the store")
async def health(request: Request) -> JSONResponse:
    """Liveness for a monitor polling often: costs microseconds (a monitor polling ``/health/store`` instead
    pays a count of the whole store, 0.1 to 0.5 s at 500k triples)."""
    kg = _kg(request)
    return JSONResponse({"status": "ok", "version": __version__, "store": kg.store.description})


@router.get(
    "/health/store",
    summary="Can the store be read, and how many triples does each named graph hold",
    responses={503: {"description": "The store cannot be read: the same members, `status` `unavailable` and `error`"}},
)
def store_health(request: Request) -> JSONResponse:
    """Readiness: reads the store (counts every graph, so it costs what a count of the store costs); 503 when the
    store cannot be read."""
    kg = _kg(request)
    try:
        sizes = kg.store.graph_sizes()
    except (StoreError, OSError) as error:
        body = {"status": "unavailable", "version": __version__, "store": kg.store.description, "error": str(error)}
        return JSONResponse(body, status_code=503)
    return JSONResponse(
        {
            "status": "ok",
            "version": __version__,
            "store": kg.store.description,
            "triples": sum(sizes.values()),
            "graphs": {graph or "default": count for graph, count in sorted(sizes.items())},
        }
    )


def counts(kg: KnowledgeGraph) -> list[tuple[str, int]]:
    """(label, members) for each count the catalogue's classes put on the home page."""
    wanted = kg.catalogue.home_counts()
    values = " ".join(sorted({f"<{c}>" for _, classes in wanted for c in classes}))
    query = f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} ?s a ?c }} GROUP BY ?c"
    found = {str(row["c"]): int(row["n"]) for row in kg.store.query(query, union_default_graph=True).rows()}
    return [(label, sum(found.get(str(c), 0) for c in classes)) for label, classes in wanted]


@router.get("/", response_class=HTMLResponse, summary="What the knowledge graph holds")
def home_page(request: Request) -> HTMLResponse:
    kg = _kg(request)
    context = {
        "version": __version__,
        "counts": counts(kg),
        "graphs": sorted(kg.store.graphs()),
        "base_iri": kg.settings.base_iri,
    }
    return html_page(request, "home.html", context)
