"""The home page (what the graph holds) and the health check (is the store there, how big is each graph)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from smarco_kg import __version__
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store import StoreError

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")

# What the home page counts, by class: the label people read and the class IRI.
CATALOGUE = (
    ("courses", "http://data.europa.eu/snb/model/elm/LearningOpportunity"),
    ("micro-credentials", "https://w3id.org/smarco/ontology#MicroCredential"),
    ("certificates", "https://w3id.org/smarco/ontology#Certificate"),
    ("training pathways", "https://w3id.org/smarco/ontology#TrainingPathway"),
    ("best practices", "https://w3id.org/smarco/ontology#BestPractice"),
    ("organisations", "http://data.europa.eu/snb/model/elm/Organisation"),
    ("ESCO skills", "http://data.europa.eu/esco/model#Skill"),
    ("ESCO occupations", "http://data.europa.eu/esco/model#Occupation"),
)


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
    values = " ".join(f"<{iri}>" for _, iri in CATALOGUE)
    query = f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ VALUES ?c {{ {values} }} ?s a ?c }} GROUP BY ?c"
    found = {str(row["c"]): int(row["n"]) for row in kg.store.query(query, union_default_graph=True).rows()}
    return [(label, found.get(iri, 0)) for label, iri in CATALOGUE]


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
