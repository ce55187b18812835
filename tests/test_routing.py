"""Every route answers its own paths: none is hidden behind one the app tries before it. FastAPI tries routes in the
order the routers were included, and the app includes the most-read ones first (people's pages: FastAPI's matching
cost 0.4-0.6 ms a page when they came last), which is right only while this holds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import BaseRoute, Match

from smarco_kg.api.app import create_app
from smarco_kg.api.readers import opened
from smarco_kg.config import Settings
from smarco_kg.kg import KnowledgeGraph

SAMPLES = ("x1", "x1/y2", "course/x1/outcome/1")
"""What a path parameter is replaced by, tried in turn until the route itself takes the path."""


def scope(path: str, method: str) -> dict[str, Any]:
    return {"type": "http", "path": path, "method": method, "root_path": "", "headers": [], "query_string": b""}


def example(route: BaseRoute, method: str) -> str | None:
    """A path the route takes with ``method``: its template with each parameter replaced by a sample."""
    template = getattr(route, "path", "")
    if getattr(route, "app", None) is not None and not hasattr(route, "endpoint"):  # a mount: a path below it
        template += "/{path}"
    for sample in SAMPLES:
        path = re.sub(r"\{[^}]+\}", sample, template)
        if route.matches(scope(path, method))[0] == Match.FULL:
            return path
    return None


def test_no_route_is_hidden_behind_one_tried_before_it(backend: str, request: pytest.FixtureRequest) -> None:
    if backend != "embedded":  # before a server is leased for nothing
        pytest.skip("the routes are the same whichever store answers")
    settings: Settings = request.getfixturevalue("demo_settings")
    routes = opened(create_app(settings).router.routes)
    checked, untested, hidden = 0, [], []
    for route in routes:
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            path = example(route, method)
            if path is None:
                untested.append(f"{method} {getattr(route, 'path', route)}")
                continue
            first = next(r for r in routes if r.matches(scope(path, method))[0] == Match.FULL)
            checked += 1
            if getattr(first, "path", None) != getattr(route, "path", None):
                hidden.append(
                    f"{method} {path}: {getattr(route, 'path', '')} is answered by {getattr(first, 'path', '')}"
                )
    assert not untested, untested
    assert not hidden, hidden
    assert checked > 150, "every route of the app, each of its methods"


def test_a_readers_app_takes_every_read_with_the_servers_route_and_has_no_writes(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A page reader builds the app without the write routes (it is sent none, and their models are 12.7 MiB a
    process): every GET or HEAD still goes to the route the server's app would choose."""
    if backend != "embedded":
        pytest.skip("readers read the embedded store's checkpoints")
    settings: Settings = request.getfixturevalue("demo_settings")
    server = create_app(settings)
    assert server.state.kg.store.snapshot(tmp_path / "checkpoint")
    reader_kg = KnowledgeGraph(settings, create=False, checkpoint=tmp_path / "checkpoint")
    try:
        served, read = (
            opened(server.router.routes),
            opened(create_app(settings, knowledge_graph=reader_kg).router.routes),
        )
        compared = 0
        for route in served:
            for method in {"GET", "HEAD"} & set(getattr(route, "methods", None) or {"GET"}):
                path = example(route, method)
                assert path is not None
                chosen = [
                    next(r for r in routes if r.matches(scope(path, method))[0] == Match.FULL)
                    for routes in (served, read)
                ]
                assert getattr(chosen[0], "name", None) == getattr(chosen[1], "name", None), f"{method} {path}"
                compared += 1
        assert compared > 100

        def writes(routes: list[BaseRoute]) -> set[str]:
            """The members' writes: POST to a collection, PUT and DELETE of a member."""
            return {
                f"{method} {getattr(r, 'path', '')}"
                for r in routes
                for method in {"POST", "PUT", "DELETE"} & set(getattr(r, "methods", None) or ())
                if re.fullmatch(r"/api/[a-z]+(/\{id\})?", getattr(r, "path", ""))
            }

        assert {"POST /api/courses", "PUT /api/courses/{id}", "DELETE /api/courses/{id}"} <= writes(served)
        assert writes(read) == set()
    finally:
        reader_kg.close()
        server.state.kg.close()
