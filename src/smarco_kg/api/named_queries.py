"""``/api/queries``: the named queries of ``queries/*.rq`` as REST routes, one per query, typed in OpenAPI.

``GET /api/queries`` lists them; ``GET /api/queries/{name}`` runs one with its parameters bound as RDF terms
(never pasted into the text), in a query worker like ``/sparql``. Results are negotiated as there (SPARQL
JSON, XML, CSV, TSV; an RDF syntax for CONSTRUCT), ``format=`` overriding ``Accept``. A paginated query takes
``limit`` (1 to ``MAX_LIMIT``; more is a 422, not a silent clamp) and ``offset``; the page is fetched with one
row more than asked, so a ``Link: rel="next"`` is given exactly when another row exists, and ``prev`` and
``first`` whenever the page is not the first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from rdflib import Literal
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import Service, client, service
from smarco_kg.api.problems import Problem
from smarco_kg.catalogue.filters import Lookup, concept_of, stored_label
from smarco_kg.errors import BadParameter
from smarco_kg.formats import RDF_SYNTAXES, RESULT_FORMATS, UnknownFormatError, result_format
from smarco_kg.langtag import LANGUAGE_TAG
from smarco_kg.negotiation import NotAcceptable, negotiate
from smarco_kg.queries import MAX_LIMIT, NamedQuery, ParameterError, QueryRegistry
from smarco_kg.queries.model import LABEL_TYPES, Parameter, Resolve
from smarco_kg.query_workers import RESULT_MEDIA_TYPES, QueryAnswer, QueryError, QueryRequest

TAG = "Named queries"
_OX_RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_PROBLEM = {"application/problem+json": {"schema": {"type": "object"}}}


def router(registry: QueryRegistry) -> APIRouter:
    """The routes for ``registry``: the listing, one documented route per query, and a 404 for other names."""
    routes = APIRouter()

    @routes.get("/api/queries", tags=[TAG], summary="The named queries: what each answers and its parameters")
    def list_queries(request: Request) -> JSONResponse:
        listed = []
        for query in registry.values():
            described = query.describe()
            described["url"] = str(request.url_for(_route_name(query)))
            listed.append(described)
        return JSONResponse({"queries": listed})

    for query in registry.values():
        routes.add_api_route(
            f"/api/queries/{query.name}",
            _endpoint(query),
            methods=["GET"],
            name=_route_name(query),
            operation_id=f"query_{query.name.replace('-', '_')}",
            summary=query.summary,
            description=_description(query),
            tags=list(query.tags) or [TAG],
            response_class=Response,
            responses=_responses(query),
            openapi_extra={"parameters": openapi_parameters(query)},
        )

    @routes.get("/api/queries/{name}", include_in_schema=False)
    async def unknown_query(name: str) -> Response:
        raise Problem(404, "no such named query", f"{name!r} is not one of: {', '.join(registry) or 'none'}")

    return routes


def _route_name(query: NamedQuery) -> str:
    return f"named_query:{query.name}"


def _endpoint(query: NamedQuery) -> Callable[[Request], Awaitable[Response]]:
    async def run_named_query(request: Request) -> Response:
        return await run(request, query)

    return run_named_query


async def run(request: Request, query: NamedQuery) -> Response:
    """Run ``query`` with the request's parameters; the page and its ``Link`` header if it is paginated."""
    svc = service(request)
    given: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        given.setdefault(key, []).append(value)
    lang = _lang(given)
    bindings = await run_in_threadpool(query.bindings, given, _resolver(svc, lang))
    limit, offset = _paging(query, given)
    fmt = _one(given, "format")
    if fmt is not None and not fmt.strip():
        raise BadParameter("format", fmt, f"one of {', '.join(_formats(query))}, or leave it out")
    base_iri = svc.settings.base_iri
    if not query.pagination:
        asked = QueryRequest(query.text, request.headers.get("accept"), fmt, base_iri=base_iri, bindings=bindings)
        answer = await _answer(request, asked)
        return Response(answer.body, media_type=answer.media_type, headers=_headers(answer))
    accept = request.headers.get("accept")
    try:
        media_type = result_format(fmt).media_type if fmt else negotiate(accept, RESULT_MEDIA_TYPES)
    except (NotAcceptable, UnknownFormatError) as error:
        raise Problem(406, "no acceptable result format", str(error), offered=list(RESULT_MEDIA_TYPES)) from error
    # One row more than the page: a next page exists exactly when it comes back. TSV has one line per row.
    page = QueryRequest(query.page(limit + 1, offset), format="tsv", base_iri=base_iri, bindings=bindings)
    answer = await _answer(request, page)
    lines = answer.body.split(b"\n")[:-1]
    more = len(lines) - 1 > limit
    body = b"".join(line + b"\n" for line in lines[: limit + 1])
    if media_type != "text/tab-separated-values":
        serialized = ox.parse_query_results(body, ox.QueryResultsFormat.TSV).serialize(format=_OX_RESULTS[media_type])
        assert serialized is not None  # without an output, serialize returns the bytes
        body = serialized
    headers = _headers(answer)
    links = _links(request, limit, offset, more)
    if links:
        headers["Link"] = links
    return Response(body, media_type=media_type, headers=headers)


def _lang(given: dict[str, list[str]]) -> str | None:
    """``lang``: the language labels given to parameters are looked for in (else any); a BCP 47 tag."""
    lang = _one(given, "lang")
    if lang is not None and not LANGUAGE_TAG.fullmatch(lang.strip()):
        raise ParameterError("lang", lang, "a language tag such as en, it or pt-PT")
    return lang.strip() if lang is not None else None


def _resolver(svc: Service, lang: str | None) -> Resolve:
    """Finds what a concept-naming parameter's value names, in the service's store, as the collections' filters do
    (names read once per store generation); labels in ``lang`` only, when it is given."""
    store, base_iri, generation = svc.kg.store, svc.settings.base_iri, svc.generation

    def resolve(parameter: Parameter, raw: str) -> Node:
        value = parameter.value
        assert value is not None, parameter.type
        if parameter.type in LABEL_TYPES:
            return _label(parameter, raw)
        read = parameter.read(raw, base_iri)
        if not isinstance(read, Lookup):
            return read
        return concept_of(store, parameter.name, value, raw, read, base_iri, generation, lang, only_lang=bool(lang))

    def _label(parameter: Parameter, raw: str) -> Node:
        """A label as the store holds it: ``text@tag`` looks in that language only and binds the text as given
        when no label matches (matching nothing); plain text looks in any language (or ``lang``), and no label
        matching is a 422."""
        value = parameter.value
        assert value is not None
        text, at, tag = raw.strip().rpartition("@")
        if at and text.strip() and LANGUAGE_TAG.fullmatch(tag):
            found = stored_label(store, parameter.name, value, text, base_iri, generation, tag, only_lang=True)
            return found if found is not None else Literal(text, lang=tag.lower())
        if not raw.strip():
            raise parameter.error(raw, "the value is empty")
        found = stored_label(store, parameter.name, value, raw, base_iri, generation, lang, only_lang=bool(lang))
        if found is None:
            where = f" in {lang!r}" if lang else ""
            raise parameter.error(raw, f"no {value.what or 'concept'} has this label{where}; {value.hint}")
        return found

    return resolve


def _one(given: dict[str, list[str]], name: str) -> str | None:
    values = given.get(name) or []
    if len(values) > 1:
        raise ParameterError(name, values, f"given {len(values)} times; give it once")
    return values[0] if values else None


def _paging(query: NamedQuery, given: dict[str, list[str]]) -> tuple[int, int]:
    if not query.pagination:
        for name in ("limit", "offset"):
            if name in given:
                raise ParameterError(
                    name, given[name][0], f"{query.name} is not paginated: it returns all its results at once"
                )
        return 0, 0
    limit = _integer(given, "limit", query.pagination)
    offset = _integer(given, "offset", 0)
    if not 1 <= limit <= MAX_LIMIT:
        raise ParameterError("limit", str(limit), f"out of range: a page holds 1 to {MAX_LIMIT} rows")
    if offset < 0:
        raise ParameterError("offset", str(offset), "negative")
    return limit, offset


def _integer(given: dict[str, list[str]], name: str, default: int) -> int:
    value = _one(given, name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise ParameterError(name, value, "not a whole number")
    return int(value)


def _links(request: Request, limit: int, offset: int, more: bool) -> str:
    def link(at: int, rel: str) -> str:
        return f'<{request.url.include_query_params(limit=limit, offset=at)}>; rel="{rel}"'

    links = []
    if more:
        links.append(link(offset + limit, "next"))
    if offset > 0:
        links.append(link(max(0, offset - limit), "prev"))
        links.append(link(0, "first"))
    return ", ".join(links)


def _headers(answer: QueryAnswer) -> dict[str, str]:
    return {"Vary": "Accept", "X-Query-Seconds": f"{answer.seconds:.4f}"}


async def _answer(request: Request, query: QueryRequest) -> QueryAnswer:
    svc = service(request)
    try:
        return await svc.queries.run(query, svc.settings.query_timeout, client(request))
    except QueryError as error:
        if error.kind == "not-acceptable":
            raise Problem(406, "no acceptable result format", str(error), offered=error.offered) from error
        if error.kind == "store":
            raise Problem(502, "the store could not answer the query", str(error)) from error
        raise Problem(500, "the named query failed", str(error)) from error


# ---- OpenAPI ----------------------------------------------------------------------------------------------------


def openapi_parameters(query: NamedQuery) -> list[dict]:
    """The query's parameters as OpenAPI parameter objects, then ``limit``/``offset`` (paginated) and ``format``."""
    parameters = []
    for parameter in query.parameters:
        description = parameter.description or f"binds ?{parameter.name} ({parameter.type})"
        if parameter.names_concept:
            description += (
                " Labels are matched case and accents aside, never by a prefix: one that no concept has is a 422"
                " quoting it, one that several concepts share a 422 listing them (`candidates`: label, code, IRI)."
            )
        described = {
            "name": parameter.name,
            "in": "query",
            "required": parameter.required,
            "description": description,
            "schema": parameter.schema(),
        }
        if parameter.example is not None:
            described["example"] = parameter.json_value(parameter.example)
        parameters.append(described)
    if query.pagination:
        parameters.append(
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Rows per page, at most {MAX_LIMIT} (more is a 422).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": query.pagination},
            }
        )
        parameters.append(
            {
                "name": "offset",
                "in": "query",
                "required": False,
                "description": "Rows to skip; follow the Link header's next/prev/first instead of counting.",
                "schema": {"type": "integer", "minimum": 0, "maximum": 999_999_999_999, "default": 0},  # 12 digits
            }
        )
    names = _formats(query)
    parameters.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "A results format that overrides the Accept header.",
            "schema": {"type": "string", "enum": names},
        }
    )
    parameters.append(
        {
            "name": "lang",
            "in": "query",
            "required": False,
            "description": "A language (BCP 47 tag): labels given to the parameters are looked for in it only "
            "(without it, in any language the store holds).",
            "schema": {"type": "string", "pattern": LANGUAGE_TAG.pattern},
        }
    )
    return parameters


def _formats(query: NamedQuery) -> list[str]:
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        return [s.name for s in RDF_SYNTAXES]
    return [f.name for f in RESULT_FORMATS]


def _media_types(query: NamedQuery) -> list[str]:
    if query.form in ("CONSTRUCT", "DESCRIBE"):
        return [s.media_type for s in RDF_SYNTAXES]
    return list(RESULT_MEDIA_TYPES)


def _description(query: NamedQuery) -> str:
    paging = (
        f"\n\nPaginated: `limit` (default {query.pagination}, at most {MAX_LIMIT}) and `offset`; the `Link` header "
        'gives `rel="next"` exactly when more rows exist, and `prev` and `first` after the first page.'
        if query.pagination
        else ""
    )
    return f"{query.description}{paging}\n\nThe query (`queries/{query.path.name}`):\n\n```sparql\n{query.text}```"


def _responses(query: NamedQuery) -> dict:
    ok: dict = {
        "description": "The results" + (", one page of them" if query.pagination else ""),
        "content": {media_type: {} for media_type in _media_types(query)},
    }
    if query.pagination:
        ok["headers"] = {
            "Link": {"description": "next / prev / first pages (RFC 8288)", "schema": {"type": "string"}},
        }
    return {
        200: ok,
        406: {"description": "No acceptable results format", "content": _PROBLEM},
        422: {"description": "A parameter value of the wrong type, or an unknown parameter", "content": _PROBLEM},
        429: {"description": "The client has as many queries running and waiting as it may", "content": _PROBLEM},
        503: {"description": "The query timed out, or every query worker stayed busy", "content": _PROBLEM},
    }
