"""The application factory: one store per process, query workers on its checkpoints, one writer."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from smarco_kg import __version__
from smarco_kg.api import (
    api_docs,
    changes,
    course_sheets,
    credential_register,
    credentials,
    dashboard,
    dataset,
    europass,
    federation,
    gaps,
    graph_store,
    home,
    named_queries,
    operator,
    pages,
    planner,
    publish,
    reports,
    resource_writes,
    resources,
    search,
    search_page,
    skill_extraction,
    sparql,
    stacking,
)
from smarco_kg.api.context import Service
from smarco_kg.api.cors import CorsMiddleware
from smarco_kg.api.limits import BodyLimits, body_rules
from smarco_kg.api.problems import problem_response, problem_responses
from smarco_kg.api.readers import WARM_UP, PageReaders, call, forwarding, opened
from smarco_kg.auth import TokenStore
from smarco_kg.catalogue import CLASSES, ClassEntry
from smarco_kg.config import Settings
from smarco_kg.errors import SmarcoError, Unprocessable, error_for
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.publishing import Publisher
from smarco_kg.queries import load_queries
from smarco_kg.query_admission import QueryAdmission, Shares
from smarco_kg.query_workers import QueryWorkers, StoreQueries
from smarco_kg.search_catchup import catch_up


def create_app(
    settings: Settings | None = None,
    classes: Sequence[ClassEntry] = CLASSES,
    *,
    operator_secret: str | None = None,
    knowledge_graph: KnowledgeGraph | None = None,
) -> FastAPI:
    """A FastAPI app over the store named by ``settings`` (default: the environment), serving ``classes``; every
    router is built from these, so two apps in one process serve their own base IRIs, shapes and classes.
    ``operator_secret``: what the server file (``server_file``) hands the commands that write through it.
    ``knowledge_graph``: a page reader's, over a checkpoint (``readers``); the app then starts nothing of its own and
    has no write routes. The routes before them are the server's, so a request a reader is sent finds the same one."""
    settings = settings or Settings()
    named = load_queries(settings.queries_dir)  # first: a malformed .rq stops start-up (QueryFileError: file:line)
    kg = knowledge_graph or KnowledgeGraph(settings, create=False, classes=classes)
    catalogue = kg.catalogue
    runner: QueryWorkers | StoreQueries = (
        StoreQueries(kg.store, size=4 * settings.query_workers)  # the remote store's processes do the work
        if settings.remote
        else QueryWorkers(kg.store, settings.checkpoints_dir, size=settings.query_workers)
    )
    examples = [entry.classes[0] for entry in catalogue.owned]
    publisher = Publisher(kg.store, kg.dumps, settings, examples, interval=settings.dumps_interval)
    queries = QueryAdmission(runner, Shares.of(settings, runner.size))  # each client's fair share of the workers
    readers = (
        PageReaders(settings, classes, runner, settings.page_readers)
        if isinstance(runner, QueryWorkers) and settings.page_readers and knowledge_graph is None
        else None
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        catch_up(kg.search, kg.store, settings.checkpoints_dir)  # the text index catches up with writes it missed
        queries.start()
        if readers is not None:
            readers.start()  # they start in the background, on the query workers' checkpoints
        publisher.start()  # the description's figures and the dumps, in the background
        await call(app, WARM_UP)  # through every router before serving (see ``WARM_UP``)
        try:
            yield
        finally:
            await operator.settle()  # a load or harvest whose client went away ends before the store closes
            if readers is not None:
                readers.close()
            await app.state.service.http.aclose()
            publisher.close()
            queries.close()
            kg.close()

    app = FastAPI(
        title="smarco-kg",
        version=__version__,
        summary="The SMARCO smart-community skills knowledge graph: courses, credentials, ESCO skills, partners.",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's own /docs and /redoc load their files from a CDN; api_docs serves Swagger UI here
        redoc_url=None,
    )
    app.state.kg = kg
    app.state.service = Service(kg, queries, TokenStore(settings.tokens_file), operator_secret=operator_secret)
    kg.listeners.append(queries.refresh)  # after every commit, the next query sees it
    kg.listeners.append(publisher.kick)
    kg.listeners.append(app.state.service.dashboard.kick)  # after a write, the figures asked for are computed again
    app.state.publisher = publisher

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
            methods = _allowed(opened(app.routes), request)
            headers["Allow"] = ", ".join(sorted(methods | ({"HEAD"} if "GET" in methods else set())))
        return problem_response(error_for(error.status_code, str(error.detail), headers=headers))

    app.add_middleware(
        BodyLimits,
        rules=body_rules(settings),
        default_limit=settings.body_limit,
        default_timeout=settings.body_timeout,
    )
    # zlib's own default level: Starlette's 9 took twice the CPU (0.39 against 0.17 ms for a 16 kB page of courses;
    # a large SPARQL answer the same in proportion) for 2 % smaller bodies
    app.add_middleware(GZipMiddleware, minimum_size=4096, compresslevel=6)
    app.add_middleware(CorsMiddleware, write_origins=settings.cors_origins)
    # FastAPI tries every route in this order until one takes the request (about 10 µs a route): the most asked come
    # first (SPARQL, the search page, the collections, people's pages): no route hides another (tests/test_routing.py)
    app.include_router(home.router)
    app.include_router(sparql.router)
    app.include_router(search_page.router)
    app.include_router(credential_register.router)  # before the collections: issued is no id
    app.include_router(course_sheets.router)  # before the collections: template.xlsx is no id
    app.include_router(planner.router(catalogue, kg.store, settings.base_iri))  # before the collections (not an id)
    collections = resources.router(catalogue, kg.store)  # the concept filters list the names it knows
    people_pages = pages.router(catalogue)
    app.include_router(collections)
    app.include_router(people_pages)
    if knowledge_graph is None:  # a reader is sent no writes: it builds none of their models (12.7 MiB each)
        app.include_router(resource_writes.router(catalogue, settings, kg.store))  # examples name concepts by label
    app.include_router(api_docs.router)
    app.include_router(graph_store.router)
    app.include_router(operator.router)
    app.include_router(search.router(catalogue))
    app.include_router(publish.router)
    app.include_router(skill_extraction.router)
    app.include_router(federation.router)
    app.include_router(changes.router)
    app.include_router(dataset.router)
    app.include_router(gaps.router)
    app.include_router(dashboard.router)
    app.include_router(europass.router)
    app.include_router(credentials.router)
    app.include_router(stacking.router)
    app.include_router(named_queries.router(named))
    app.state.named_queries = named
    app.include_router(reports.router(named, kg))  # the Pact for Skills report, from the pact-* named queries
    app.include_router(pages.nodes_router())  # last: any other IRI under the base IRI
    app.mount("/static", StaticFiles(packages=[("smarco_kg.web", "static")]), name="static")
    if readers is not None:  # outermost: what a reader answers passes none of this process's middleware
        forwarding(app, readers, [search_page.router, collections, people_pages])
    app.openapi = partial(_openapi, app, app.openapi)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI, generate: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The description FastAPI generates, with its own 422 (``HTTPValidationError`` JSON) replaced by what the
    server answers: a problem document naming each bad parameter (``invalid_request`` above)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = generate()
    problem = problem_responses(Unprocessable)[422]
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            response = operation.get("responses", {}).get("422")
            if response is not None and "HTTPValidationError" in json.dumps(response):
                operation["responses"]["422"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    app.openapi_schema = schema
    return schema


def _allowed(routes: list, request: Request) -> set[str]:
    """The methods a path takes: those of the routes whose template fits it most literally (``/api/pathways/plan``
    over ``/api/pathways/{id}``), as the description lists them under that path."""
    matching = [r for r in routes if r.matches(request.scope)[0] != Match.NONE and getattr(r, "methods", None)]
    fewest = min((len(getattr(r, "param_convertors", {})) for r in matching), default=0)
    return {m for r in matching if len(getattr(r, "param_convertors", {})) == fewest for m in r.methods}
