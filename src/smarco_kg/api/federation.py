"""Fan-out over the federation: ``/api/federation/courses`` and ``/api/federation/queries/{name}``.

This node and every configured partner node are asked concurrently (httpx's async client: one event loop, no
thread per node, each request bounded by min(the node's timeout, what is left of the total ``deadline``)). The
answers are merged, each item tagged with the node it came from; nodes that failed, timed out or answered
something that is not the expected JSON are listed, and the answer says ``partial: true``. A node is asked
through its REST API, the same routes and filters as here, so a partner running smarco-kg needs nothing more.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from smarco_kg.api.context import service
from smarco_kg.api.problems import PARAMETERS, Problem, problem_responses
from smarco_kg.errors import BadParameter, NotFound

router = APIRouter(tags=["Federation"])
DEFAULT_DEADLINE, MAX_DEADLINE = 5.0, 30.0
LOCAL = "this node"
Checked = TypeVar("Checked")  # a node's answer once its shape is checked


@dataclass(frozen=True)
class _Node:
    name: str
    api: str  # the node's root URL (its endpoint without /sparql)
    timeout: float


def _nodes(request: Request) -> list[_Node]:
    own = str(request.base_url).rstrip("/")
    nodes = [_Node(LOCAL, own, MAX_DEADLINE)]
    for node in service(request).settings.federation_nodes:
        nodes.append(_Node(node.name, node.endpoint.removesuffix("/").removesuffix("/sparql"), node.timeout))
    return nodes


def _deadline(request: Request) -> float:
    raw = request.query_params.get("deadline")
    if raw is None:
        return DEFAULT_DEADLINE
    try:
        value = float(raw)
    except ValueError as error:
        raise BadParameter("deadline", raw, f"seconds, more than 0 and at most {MAX_DEADLINE:g}") from error
    if not 0 < value <= MAX_DEADLINE:
        raise BadParameter("deadline", raw, f"seconds, more than 0 and at most {MAX_DEADLINE:g}")
    return value


async def _fan_out(
    request: Request, path: str, accept: str, check: Callable[[object], Checked]
) -> tuple[list[tuple[_Node, Checked]], list[dict]]:
    """Ask every node for ``path`` (with this request's query string, less ``deadline``); the good answers, and a
    report per node."""
    deadline = _deadline(request)
    params = tuple((k, v) for k, v in request.query_params.multi_items() if k != "deadline")
    started = time.perf_counter()
    nodes = _nodes(request)

    async def one(client: httpx.AsyncClient, node: _Node) -> Checked:
        remaining = deadline - (time.perf_counter() - started)
        timeout = max(0.05, min(node.timeout, remaining))
        response = await asyncio.wait_for(
            client.get(f"{node.api}{path}", params=params, headers={"Accept": accept}, timeout=timeout), timeout
        )
        if response.status_code == 404:
            raise LookupError("the node has no such route or query")
        response.raise_for_status()
        return check(response.json())

    client = service(request).http
    results = await asyncio.gather(*(one(client, n) for n in nodes), return_exceptions=True)
    good: list[tuple[_Node, Checked]] = []
    report: list[dict] = []
    for node, result in zip(nodes, results, strict=True):
        entry: dict = {"node": node.name, "url": node.api}
        if isinstance(result, (asyncio.TimeoutError, httpx.TimeoutException)):
            entry.update(status="timeout", error=f"no answer within {min(node.timeout, deadline):g} s")
        elif isinstance(result, LookupError):
            entry.update(status="missing", error=str(result))
        elif isinstance(result, BaseException):
            entry.update(status="failed", error=f"{type(result).__name__}: {result}"[:300])
        else:
            entry["status"] = "ok"
            good.append((node, result))
        report.append(entry)
    return good, report


def _page(body: object) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get("items", []), list):
        raise ValueError("not a page of items")
    items = body.get("items", [])
    if not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        raise ValueError("items without ids")
    return items


@router.get(
    "/api/federation/courses",
    summary="Courses from this node and every partner node, with the same filters as /api/courses",
    description="Each item carries `node`; `nodes` reports each node's status; `partial` is true when one failed, "
    "timed out or answered garbage. `deadline` (seconds, default 5, at most 30) bounds the whole request.",
    responses=problem_responses(*PARAMETERS),
)
async def federated_courses(
    request: Request,
    deadline: float = Query(DEFAULT_DEADLINE, description="Seconds for the whole request", gt=0, le=MAX_DEADLINE),
) -> JSONResponse:
    good, report = await _fan_out(request, "/api/courses", "application/json", _page)
    items = [{**item, "node": node.name} for node, page in good for item in page]
    items.sort(key=lambda i: (i["id"], i["node"]))
    partial = any(r["status"] != "ok" for r in report)
    return JSONResponse({"items": items, "nodes": report, "partial": partial})


def _results(body: object) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("results", {}).get("bindings"), list):
        raise ValueError("not SPARQL JSON results")
    return body


@router.get(
    "/api/federation/queries/{name}",
    summary="A named query run on every node that has it, the rows merged and tagged with their node",
    description="The parameters are the query's own (see /api/queries/{name}); each row gets a `node` binding.",
    responses=problem_responses(NotFound, *PARAMETERS),
)
async def federated_query(request: Request, name: str) -> JSONResponse:
    if name not in request.app.state.named_queries:
        raise Problem(404, "no such named query", f"{name!r} is not a query of this node; see /api/queries")
    good, report = await _fan_out(request, f"/api/queries/{name}", "application/sparql-results+json", _results)
    variables: list[str] = []
    rows: list[dict] = []
    for node, body in good:
        for var in body["head"].get("vars", []):
            if var not in variables:
                variables.append(var)
        for row in body["results"]["bindings"]:
            rows.append({**row, "node": {"type": "literal", "value": node.name}})
    return JSONResponse(
        {
            "head": {"vars": [*variables, "node"]},
            "results": {"bindings": rows},
            "nodes": report,
            "partial": any(r["status"] != "ok" for r in report),
        }
    )
