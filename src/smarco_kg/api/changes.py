"""``/api/changes``: the change feed, an ActivityStreams ``OrderedCollectionPage`` of the accepted writes.

Each item is an activity (``Create``, ``Update``, ``Delete``; ``Update`` of a whole graph for a replacement)
with the resources written as its ``object`` (empty when the graph was written as a whole), the graph as its
``target``, who wrote it (``actor``) and when (``published``). ``since`` is the cursor a harvester keeps: the
number of the last change it saw (opaque to it; ``0`` or nothing for the beginning). ``next`` is given exactly
when more changes exist.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from smarco_kg.api.context import service
from smarco_kg.api.params import MAX_OFFSET, integer, query_params
from smarco_kg.api.problems import PARAMETERS, problem_responses

router = APIRouter(tags=["Federation"])
AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
_TYPES = {"create": "Create", "update": "Update", "delete": "Delete", "replace": "Update"}


@router.get(
    "/api/changes",
    summary="The changes since a cursor (ActivityStreams OrderedCollectionPage)",
    responses=problem_responses(*PARAMETERS),
)
async def changes(
    request: Request,
    since: int = Query(0, description="The cursor: the last change seen (0: from the beginning)", ge=0, le=MAX_OFFSET),
    limit: int = Query(100, description="At most 1000", ge=1, le=1000),
) -> JSONResponse:
    params = query_params(request, {"since", "limit"})
    cursor = integer(params, "since", 0, 0, MAX_OFFSET)
    size = integer(params, "limit", 100, 1, 1000)
    svc = service(request)
    log = svc.kg.changes
    events = log.since(cursor, size + 1)
    more, events = len(events) > size, events[:size]
    base = svc.settings.base_iri
    items = [
        {
            "id": f"{base}change/{e.seq}",
            "type": _TYPES.get(e.operation, "Update"),
            "published": e.at,
            "actor": e.actor,
            "target": e.graph,
            "object": e.subjects,
            "summary": f"{e.operation} in <{e.graph}>" + (f" of {len(e.subjects)} resource(s)" if e.subjects else ""),
        }
        for e in events
    ]
    last = events[-1].seq if events else cursor
    body: dict = {
        "@context": AS_CONTEXT,
        "id": str(request.url),
        "type": "OrderedCollectionPage",
        "partOf": str(request.url_for("changes")),
        "startIndex": cursor,
        "orderedItems": items,
        "cursor": last,
        "latest": log.last(),
    }
    if more:
        body["next"] = str(request.url.include_query_params(since=last, limit=size))
    headers = {"Link": f'<{body["next"]}>; rel="next"'} if more else {}
    return JSONResponse(body, headers=headers)
