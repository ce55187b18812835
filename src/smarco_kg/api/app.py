"""The application factory: one store per process, query workers on its checkpoints, one writer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from smarco_kg import __version__
from smarco_kg.api import (
    changes,
    credentials,
    dataset,
    europass,
    federation,
    gaps,
    graph_store,
    home,
    named_queries,
    pages,
    planner,
    resource_writes,
    resources,
    search,
    sparql,
    stacking,
)
from smarco_kg.api.context import Service
from smarco_kg.api.cors import CorsMiddleware
from smarco_kg.api.problems import problem_response
from smarco_kg.auth import TokenStore
from smarco_kg.catalogue import CLASSES, ClassEntry
from smarco_kg.config import Settings
from smarco_kg.errors import SmarcoError, error_for
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.queries import load_queries
from smarco_kg.query_admission import QueryAdmission, Shares
from smarco_kg.query_workers import QueryWorkers, StoreQueries


def create_app(settings: Settings | None = None, classes: Sequence[ClassEntry] = CLASSES) -> FastAPI:
    """A FastAPI app over the store named by ``settings`` (default: the environment), serving ``classes``; every
    router is built from these, so two apps in one process serve their own base IRIs, shapes and classes."""
    settings = settings or Settings()
    named = load_queries(settings.queries_dir)  # first: a malformed .rq stops start-up (QueryFileError: file:line)
    kg = KnowledgeGraph(settings, create=False, classes=classes)
    catalogue = kg.catalogue
    runner: QueryWorkers | StoreQueries = (
        StoreQueries(kg.store, size=4 * settings.query_workers)  # the remote store's processes do the work
        if settings.remote
        else QueryWorkers(kg.store, settings.checkpoints_dir, size=settings.query_workers)
    )
    queries = QueryAdmission(runner, Shares.of(settings, runner.size))  # each client's fair share of the workers

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        kg.search.ensure_fresh(kg.store)  # the text index catches up with writes it missed
        queries.start()
        try:
            yield
        finally:
            await app.state.service.http.aclose()
            queries.close()
            kg.close()

    app = FastAPI(
        title="smarco-kg",
        version=__version__,
        summary="The SMARCO smart-community skills knowledge graph: courses, credentials, ESCO skills, partners.",
        lifespan=lifespan,
    )
    app.state.kg = kg
    app.state.service = Service(kg, queries, TokenStore(settings.tokens_file))
    kg.listeners.append(queries.refresh)  # after every commit, the next query sees it

    @app.exception_handler(SmarcoError)
    async def problem(_: Request, error: SmarcoError) -> JSONResponse:
        """Every error the project raises, in one place: its status, problem type, detail and errors."""
        return problem_response(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        """FastAPI's own parameter checks answer as problem documents too, naming each bad parameter."""
        errors = [
            {"parameter": str(e["loc"][-1]), "value": e.get("input"), "message": e.get("msg", "")}
            for e in error.errors()
        ]
        first = errors[0] if errors else {"parameter": "?", "message": "invalid"}
        detail = f"{first['parameter']}: {first['message']}"
        return problem_response(error_for(422, f"bad value for '{first['parameter']}'", detail, errors=errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_problem(request: Request, error: StarletteHTTPException) -> JSONResponse:
        """Framework errors (404, 405…) as problem documents too; a 405 lists every method the path takes."""
        headers = dict(error.headers or {})
        if error.status_code == 405:
            methods = {
                m
                for route in _flat(app.routes)
                if route.matches(request.scope)[0] != Match.NONE
                for m in getattr(route, "methods", None) or ()
            }
            headers["Allow"] = ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))
        return problem_response(error_for(error.status_code, str(error.detail), headers=headers))

    app.add_middleware(GZipMiddleware, minimum_size=4096)
    app.add_middleware(CorsMiddleware, write_origins=settings.cors_origins)
    app.include_router(home.router)
    app.include_router(sparql.router)
    app.include_router(graph_store.router)
    app.include_router(search.router(catalogue))
    app.include_router(federation.router)
    app.include_router(changes.router)
    app.include_router(dataset.router)
    app.include_router(gaps.router)
    app.include_router(europass.router)
    app.include_router(credentials.router)
    app.include_router(planner.router)  # before the collections: /api/pathways/plan is not a pathway's id
    app.include_router(stacking.router)
    app.include_router(resources.router(catalogue))
    app.include_router(resource_writes.router(catalogue, settings))
    app.include_router(named_queries.router(named))
    app.state.named_queries = named
    app.include_router(pages.router(catalogue))
    app.mount("/static", StaticFiles(packages=[("smarco_kg", "static")]), name="static")
    return app


def _flat(routes: list) -> list:
    """Routes with included routers opened up (FastAPI wraps them), for listing a path's methods."""
    flat = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        flat.extend(_flat(inner.routes) if inner is not None else [route])
    return flat
