"""``/sparql``: the SPARQL 1.1 Protocol for queries and updates, the service description and the query page."""

from __future__ import annotations

import math
import re
from functools import partial
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import Service, authenticate, client, service
from smarco_kg.api.problems import QUERY as QUERY_ERRORS
from smarco_kg.api.problems import WRITE, Problem, problem_responses
from smarco_kg.auth import log_write
from smarco_kg.errors import BadGateway, Forbidden
from smarco_kg.federation import resolve_services
from smarco_kg.formats import RDF_SYNTAXES, rdf_syntax
from smarco_kg.iri_syntax import HTTP_IRI, URN
from smarco_kg.negotiation import NotAcceptable, accepts_html, negotiate
from smarco_kg.ownership import Owner
from smarco_kg.query_workers import GRAPH_FORMATS, RESULT_MEDIA_TYPES, QueryError, QueryRequest
from smarco_kg.service_description import service_description
from smarco_kg.sparql_text import keywords
from smarco_kg.store import QuerySyntaxError
from smarco_kg.updates import ANY_GRAPH, DEFAULT_GRAPH, plan, with_protocol_dataset

router = APIRouter(tags=["SPARQL"])

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"


class Params:
    """Protocol parameters from the URL and, for form posts, the body; repeated names kept."""

    def __init__(self, url: dict[str, list[str]], body: dict[str, list[str]] | None = None) -> None:
        self.values = {k: list(v) for k, v in url.items()}
        for key, values in (body or {}).items():
            self.values.setdefault(key, []).extend(values)

    def all(self, name: str) -> list[str]:
        return self.values.get(name, [])

    def one(self, name: str) -> str | None:
        values = self.all(name)
        if len(values) > 1:
            raise Problem(400, f"more than one '{name}' parameter", f"the request gives {len(values)} '{name}' values")
        return values[0] if values else None


def _url_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


_ASK = "ASK { ?s ?p ?o }"
_ANSWERS = {
    **{media: {"schema": {} if "json" in media else {"type": "string"}} for media in RESULT_MEDIA_TYPES},
    **{media: {"schema": {} if "json" in media else {"type": "string"}} for media in GRAPH_FORMATS},
    "text/html": {"schema": {"type": "string"}},
}
_QUERY_PROBLEMS = problem_responses(
    *QUERY_ERRORS, BadGateway, described={400: "the query is not SPARQL, or a parameter is given twice or is bad"}
)
_GRAPH_IRI = re.compile(rf"^({HTTP_IRI}|{URN})$")
_IRIS = {"type": "array", "items": {"type": "string", "format": "iri", "pattern": _GRAPH_IRI.pattern}}
MIN_TIMEOUT = 1.0  # a budget below a second times out even a cheap query on a busy machine: a 503, not an answer
_DATASET = ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")
_GET_PARAMETERS = [
    {
        "name": "query",
        "in": "query",
        "description": "a SPARQL 1.1 query; without one, the service description (RDF) or the query page (HTML)",
        "schema": {"type": "string", "format": "sparql-query"},
        "example": _ASK,
    },
    {
        "name": "format",
        "in": "query",
        "description": "overrides Accept: json, xml, csv, tsv (results) or an RDF syntax (graphs)",
        "schema": {"type": "string", "enum": ["json", "xml", "csv", "tsv", "turtle", "ntriples", "rdfxml", "jsonld"]},
    },
    {"name": "default-graph-uri", "in": "query", "schema": _IRIS, "style": "form", "explode": True},
    {"name": "named-graph-uri", "in": "query", "schema": _IRIS, "style": "form", "explode": True},
    {
        "name": "timeout",
        "in": "query",
        "description": f"seconds, at least {MIN_TIMEOUT:g}; more than the server's limit counts as the limit",
        "schema": {"type": "number", "minimum": MIN_TIMEOUT},
    },
]


@router.get(
    "/sparql",
    summary="SPARQL query by GET; without a query, the service description or the query page",
    response_class=Response,
    responses={200: {"content": _ANSWERS}, **_QUERY_PROBLEMS},
    openapi_extra={"parameters": _GET_PARAMETERS},
)
async def sparql_get(request: Request) -> Response:
    params = _checked(Params(_url_params(request)))
    if params.all("update"):
        raise Problem(400, "updates must be POSTed", "SPARQL Update is not allowed by GET (SPARQL 1.1 Protocol §2.2)")
    query = params.one("query")
    if query is None:
        accept = request.headers.get("accept")
        if accepts_html(accept):
            from smarco_kg.api.query_page import query_page

            return query_page(request)
        return _describe_service(request, accept, params.one("format"))
    return await _query(request, query, params)


@router.post(
    "/sparql",
    summary="SPARQL query or update by POST (form, sparql-query or sparql-update body)",
    response_class=Response,
    responses={
        200: {"description": "the query's answer", "content": _ANSWERS},
        204: {"description": "the update was applied"},
        **problem_responses(
            *QUERY_ERRORS,
            *WRITE,
            Forbidden,
            BadGateway,
            described={400: "not SPARQL, not UTF-8, no query or update, both, or a Content-Type it does not take"},
        ),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "description": "query=… or update=… (not both), with the protocol's dataset parameters",
                        "oneOf": [{"required": ["query"]}, {"required": ["update"]}],
                        "properties": {
                            "query": {"type": "string", "format": "sparql-query"},
                            "update": {"type": "string", "format": "sparql-update"},
                            **{name: _IRIS for name in _DATASET},
                        },
                    },
                    "example": {
                        "query": "SELECT ?c WHERE { ?c a <http://data.europa.eu/snb/model/elm/LearningOpportunity> }"
                    },
                },
                QUERY: {"schema": {"type": "string", "format": "sparql-query"}, "example": _ASK},
                UPDATE: {
                    "schema": {"type": "string", "format": "sparql-update"},
                    "example": "INSERT DATA { GRAPH <urn:x:graph> { <urn:x:a> <urn:x:b> 1 } }",
                },
            },
        }
    },
)
async def sparql_post(request: Request) -> Response:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    body = await request.body()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise Problem(400, "the request body is not UTF-8", f"byte {error.start}: {error.reason}") from error
    url = _url_params(request)
    if content_type == FORM:
        try:
            form = parse_qs(text, keep_blank_values=True, errors="strict")
        except UnicodeDecodeError as error:
            raise Problem(400, "a form value is not UTF-8", str(error)) from error
        params = _checked(Params(url, form))
        queries, updates = params.all("query"), params.all("update")
        if queries and updates:
            raise Problem(400, "both 'query' and 'update' given", "send a query or an update, not both")
        if queries:
            return await _query(request, params.one("query") or "", params)
        if updates:
            return await _update(request, params.one("update") or "", params)
        raise Problem(400, "no 'query' or 'update' parameter", "a form post carries query=… or update=…")
    params = _checked(Params(url))
    if content_type == QUERY:
        return await _query(request, text, params)
    if content_type == UPDATE:
        return await _update(request, text, params)
    shown = content_type or "none"
    raise Problem(400, "unsupported media type", f"Content-Type {shown}; use {FORM}, {QUERY} or {UPDATE}")


def _checked(params: Params) -> Params:
    """``params`` once the timeout and the graph IRIs are as the description states them, whatever is asked."""
    given = params.one("timeout")
    if given is not None:
        _seconds(given)
    for name in _DATASET:
        bad = [iri for iri in params.all(name) if not _GRAPH_IRI.fullmatch(iri)]
        if bad:
            raise Problem(400, f"bad {name}", f"{name}={bad[0]!r} is not an absolute http(s) or urn: IRI")
    return params


def _seconds(given: str) -> float:
    try:
        value = float(given)
    except ValueError as error:
        raise Problem(400, "bad timeout", f"timeout={given!r} is not a number of seconds") from error
    if not math.isfinite(value) or value < MIN_TIMEOUT:
        raise Problem(400, "bad timeout", f"timeout must be a number of seconds, at least {MIN_TIMEOUT:g}")
    return value


def _timeout(svc: Service, params: Params) -> float:
    given = params.one("timeout")
    limit = svc.settings.query_timeout
    if given is None:
        return limit
    return min(_seconds(given), limit)


async def _query(request: Request, sparql: str, params: Params) -> Response:
    svc = service(request)
    partial: list[str] = []
    if "SERVICE" in keywords(sparql):
        resolved = await resolve_services(sparql, list(svc.settings.federation_nodes), svc.http)
        sparql, partial = resolved.sparql, resolved.failed
    default_graphs, named_graphs = params.all("default-graph-uri"), params.all("named-graph-uri")
    query = QueryRequest(
        sparql=sparql,
        accept=request.headers.get("accept"),
        format=params.one("format"),
        default_graphs=default_graphs or None,
        named_graphs=named_graphs or None,
        base_iri=svc.settings.base_iri,
    )
    timeout = _timeout(svc, params)
    try:
        answer = await svc.queries.run(query, timeout, client(request))
    except QueryError as error:
        if error.kind == "syntax":
            raise Problem(400, "the query is not valid SPARQL", str(error)) from error
        if error.kind == "not-acceptable":
            raise Problem(406, "no acceptable result format", str(error), offered=error.offered) from error
        if error.kind == "store":
            raise Problem(502, "the store could not answer the query", str(error)) from error
        raise Problem(400, "the query could not be evaluated", str(error)) from error
    headers = {"Vary": "Accept", "X-Query-Seconds": f"{answer.seconds:.4f}"}
    if partial:  # SERVICE SILENT nodes that failed: the answer lacks their part
        headers["X-Federation-Partial"] = "; ".join(partial)[:1000]
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def _update(request: Request, sparql: str, params: Params) -> Response:
    svc = service(request)
    principal = authenticate(request)
    using, using_named = params.all("using-graph-uri"), params.all("using-named-graph-uri")
    try:
        shape = await run_in_threadpool(plan, sparql, svc.settings.base_iri)  # seconds for a large update
        text = with_protocol_dataset(sparql, using, using_named)
    except QuerySyntaxError as error:
        raise Problem(400, "the update is not valid SPARQL", str(error)) from error
    if not shape.operations:  # only BASE, PREFIX or comments, which the grammar allows: nothing to do
        return Response(status_code=204)
    if shape.has_dataset and (using or using_named):
        detail = "using-graph-uri/using-named-graph-uri may not be combined with USING, USING NAMED or WITH"
        raise Problem(400, "dataset given twice", detail)
    graphs = svc.kg.graphs
    if not principal.admin:
        if DEFAULT_GRAPH in shape.targets:
            detail = f"{principal.name} writes only its partner graph: name it with GRAPH <…> or WITH <…>"
            raise Problem(403, "not allowed to write the default graph", detail)
        refused = sorted(g for g in shape.targets if g == ANY_GRAPH or not principal.may_write(g, graphs))
        if refused:
            where = "graphs chosen at run time" if ANY_GRAPH in refused else ", ".join(f"<{g}>" for g in refused)
            raise Problem(403, "not allowed to write there", f"{principal.name} may not write {where}")
    async with svc.write_lock:
        try:
            result = await run_in_threadpool(
                partial(
                    svc.kg.update,
                    actor=principal.actor,
                    base_iri=svc.settings.base_iri,
                    owner=Owner.of(principal, graphs),
                ),
                text,
            )
        except QuerySyntaxError as error:
            raise Problem(400, "the update is not valid SPARQL", str(error)) from error
    for graph in sorted(set(result.added) | set(result.removed)):
        log_write(principal, graph, result.added.get(graph, 0), result.removed.get(graph, 0), "sparql-update")
    return Response(status_code=204)


def _describe_service(request: Request, accept: str | None, fmt: str | None) -> Response:
    svc = service(request)
    offered = [s.media_type for s in RDF_SYNTAXES]
    if fmt is not None and fmt.strip().lower() in ("json", "xml", "csv", "tsv"):
        fmt = None  # a results format names what a query answers with: the description goes by Accept
    try:
        media_type = rdf_syntax(fmt).media_type if fmt else negotiate(accept, offered)
    except (NotAcceptable, ValueError) as error:
        raise Problem(406, "no acceptable format for the service description", str(error), offered=offered) from error
    endpoint = str(request.url_for("sparql_get"))
    graph = service_description(
        endpoint,
        svc.kg.store,
        graph_store=str(request.url_for("graph_store_get")),
        dataset_description=str(request.url_for("void")),
    )
    body = graph.serialize(format=rdf_syntax(media_type).rdflib_name, encoding="utf-8")
    return Response(body, media_type=media_type, headers={"Vary": "Accept"})
