"""The home page (what the graph holds) and the health check (is the store there, how big is each graph)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from smarco_kg import __version__
from smarco_kg.api.templating import templates
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store import StoreError

router = APIRouter()


def _kg(request: Request) -> KnowledgeGraph:
    return request.app.state.kg


@router.get("/health", summary="Is the store reachable, and how many triples does each named graph hold")
def health(request: Request) -> JSONResponse:
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
    return templates.TemplateResponse(request, "home.html", context)
