"""Dereferenceable IRIs and HTML pages: one page per resource of every registry class, one index per collection.

**IRIs.** Minted IRIs are ``<base>course/<id>``, ``<base>credential/<id>``, ``<base>pathway/<id>``,
``<base>practice/<id>`` and ``<base>organisation/<id>`` (the registry's prefixes). The server answers the path
part (``/course/<id>`` …) and maps it onto the configured base IRI, so ``http://127.0.0.1:8000/course/x``
describes ``https://w3id.org/smarco/course/x`` whatever host the request came to (a w3id redirect points the
base at this server). ESCO skills and occupations keep their official IRIs; their pages live at
``/skills/<uuid>`` and ``/occupations/<uuid>`` and link to the ESCO IRI.

**Negotiation: direct, no 303.** The IRI itself answers with the representation asked for, ``Vary: Accept``
(and ``Accept-Language``, which picks the page's language when ``lang=`` is absent). We chose direct negotiation
over a 303 to a document IRI because these are slash IRIs of information resources (records of a catalogue),
and one round trip is kinder to browsers and crawlers. Offered, in the server's order of preference:
``text/html`` (so a browser, or a client that says ``*/*`` or nothing, gets the page), Turtle, JSON-LD,
N-Triples, RDF/XML and JSON; ``?format=html|turtle|jsonld|jsonld-full|ntriples|rdfxml|json`` overrides
``Accept``. The RDF representations are exactly those of ``/api/{collection}/{id}`` (same description, same
serialisers); an unknown id is a 404 problem document, an unacceptable ``Accept`` a 406.

**Pages.** Server-rendered (Jinja2), no JavaScript: header, nav, main and footer landmarks, one ``h1``. A member's
page is for people (``web/views.py`` builds it, ``member.html`` draws it): its title in the chosen language
(``?lang=``, else ``Accept-Language``, else English, else any; a fallback is marked with its language), its summary,
its key facts in words (hours, credits, EQF level, languages by name; the facts its shapes declare) and the lists
that matter for its class (a course's outcomes with their ESCO skills, its micro-credential, pathways and related
courses; a pathway's courses in order; an occupation's skills and its skill gap…), and for courses a schema.org
``Course`` in JSON-LD. ``?view=data`` gives the data view one click away: the description as a definition list whose
linked resources show their labels and link to their own pages. Index pages (``/courses`` …) list members in a
table with the columns their entry summarises, by title in the chosen language, take the API's filters through a
plain GET form, and page with previous/next links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from smarco_kg.api.context import service
from smarco_kg.api.params import integer
from smarco_kg.api.problems import NEGOTIATED, PROBLEM, Problem, problem_response, problem_responses
from smarco_kg.api.representations import JSONLD, Representation, render, representation
from smarco_kg.api.templating import chosen_language, html_page
from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.read import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Kept,
    describe,
    describe_node,
    label_of,
    pick_label,
    referrers,
)
from smarco_kg.catalogue.vocabulary import LABEL_PROPERTIES, curie, local_name
from smarco_kg.errors import BadParameter, NotFound, SmarcoError
from smarco_kg.negotiation import NotAcceptable, negotiate
from smarco_kg.schemaorg import markup, name_of, skills_in
from smarco_kg.store import GraphStore
from smarco_kg.web import i18n
from smarco_kg.web.lists import SHORTCUTS, column_names, filter_hint, filter_label
from smarco_kg.web.views import member_view

HTML = "text/html"
OFFERED = (HTML, "text/turtle", JSONLD, "application/n-triples", "application/rdf+xml", "application/json")
VARY = "Accept, Accept-Language"
_MAX_DEPTH = 4
# The path of an IRI under the base: segments of IRI characters, none empty, no dot segments.
_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9._~%!$&'()*+,;=:@-]+"
_NODE_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
# First path segments the application answers itself: never an IRI of the catalogue.
_RESERVED = ("api", "static", "store", "sparql", "docs", "redoc", "openapi.json", "health")


class _IriPath(Convertor[str]):
    """Any path but those of the application's own routes and mounts (``/static`` is mounted after this router)."""

    regex = rf"(?!(?:{'|'.join(re.escape(r) for r in _RESERVED)})(?:/|$))[^/][^?#]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("smarco_iri", _IriPath())


# -- paths ------------------------------------------------------------------------------------------------------


def node_path(base_iri: str, iri: Node) -> str | None:
    """The path at which an IRI under the base IRI answers (``<base>course/x/outcome/1`` -> ``/course/x/outcome/1``),
    or None for IRIs elsewhere, hash IRIs and IRIs with a query."""
    if not isinstance(iri, URIRef) or not str(iri).startswith(base_iri):
        return None
    local = str(iri)[len(base_iri) :]
    if not local or set("#?").intersection(local) or not _NODE_PATH.fullmatch(local):
        return None
    return f"/{local}"


# -- languages --------------------------------------------------------------------------------------------------


# -- the page model ---------------------------------------------------------------------------------------------


@dataclass
class ValueView:
    text: str
    href: str | None = None  # a page of ours, or the external IRI
    external: bool = False
    lang: str | None = None
    children: list[PropertyView] = field(default_factory=list)


@dataclass
class PropertyView:
    name: str
    iri: str
    values: list[ValueView]


class _Builder:
    def __init__(self, graph: Graph, root: URIRef, catalogue: Catalogue, lang: str) -> None:
        self.graph, self.root, self.catalogue, self.lang = graph, root, catalogue, lang
        self.base_iri = catalogue.base_iri
        self.seen: set[Node] = {root}

    def link(self, node: URIRef) -> ValueView:
        page = self.catalogue.page_of(node) or node_path(self.base_iri, node)
        text = name_of(self.graph, node, self.lang)
        label = label_of(self.graph, node, self.lang)
        lang = label.language if label is not None else None
        return ValueView(text, page or str(node), external=page is None, lang=lang)

    def properties(self, node: Node, depth: int) -> list[PropertyView]:
        by_property: dict[Node, list[Node]] = {}
        for p, o in self.graph.predicate_objects(node):
            by_property.setdefault(p, []).append(o)
        views = []
        for prop in sorted(by_property, key=lambda p: curie(p)):
            views.append(PropertyView(curie(prop), str(prop), self.values(by_property[prop], depth)))
        return views

    def values(self, objects: list[Node], depth: int) -> list[ValueView]:
        literals = [o for o in objects if isinstance(o, Literal)]
        shown: list[ValueView] = []
        if literals and all(v.language for v in literals):
            picked = pick_label(literals, self.lang)
            literals = [picked] if picked is not None else []
        for value in sorted(literals, key=str):
            shown.append(ValueView(str(value), lang=value.language))
        nodes = sorted((o for o in objects if not isinstance(o, Literal)), key=lambda n: name_of(self.graph, n, "en"))
        for node in nodes:
            described = any(p not in LABEL_PROPERTIES for p in self.graph.predicates(node))  # not only its label
            if described and node not in self.seen and depth < _MAX_DEPTH and self.catalogue.page_of(node) is None:
                self.seen.add(node)
                view = self.link(node) if isinstance(node, URIRef) else ValueView("")
                if isinstance(node, URIRef) and view.external and str(node).startswith(self.base_iri):
                    view.href, view.external = node_path(self.base_iri, node), False  # a part with its own page
                view.children = self.properties(node, depth + 1)
                shown.append(view)
            elif isinstance(node, URIRef):
                shown.append(self.link(node))
            else:
                shown.append(ValueView("(blank node)"))
        return shown


def _languages(graph: Graph, root: URIRef, entry: ClassEntry) -> list[str]:
    return sorted({v.language for v in graph.objects(root, entry.label) if isinstance(v, Literal) and v.language})


def incoming(
    store: GraphStore, catalogue: Catalogue, iri: URIRef, lang: str, kept: Kept | None = None
) -> list[tuple[str, list[ValueView]]]:
    """What links to ``iri`` (courses teaching a skill, occupations needing it, a partner's courses…), by
    collection."""
    groups: dict[str, list[ValueView]] = {}
    for item in referrers(store, iri, kept):
        found = catalogue.member_of(str(item.iri))
        if found is None:
            continue
        label = pick_label(item.labels, lang)
        text = str(label) if label is not None else local_name(str(item.iri))
        view = ValueView(text, catalogue.page_of(item.iri), lang=label.language if label is not None else None)
        groups.setdefault(found[0].collection, []).append(view)
    order = [entry.collection for entry in catalogue]
    return [(name, sorted(groups[name], key=lambda v: v.text.lower())) for name in sorted(groups, key=order.index)]


def _script_json(body: dict) -> str:
    """JSON safe inside a ``<script>`` element: no ``</script>``, no ``<!--``."""
    text = json.dumps(body, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# -- the answers ------------------------------------------------------------------------------------------------


def _wants(request: Request) -> Representation | None:
    """None for HTML, else the RDF representation asked for by ``format=`` or ``Accept``; 406 when none fits."""
    fmt = request.query_params.get("format")
    if fmt is not None:
        if fmt.strip().lower() in ("html", HTML):
            return None
        return representation(request, fmt)
    media_type = negotiate(request.headers.get("accept"), OFFERED)
    return None if media_type == HTML else representation(request, None)


_FORMATS = [("Turtle", "turtle"), ("JSON-LD", "jsonld"), ("N-Triples", "ntriples"), ("RDF/XML", "rdfxml")]


def _data_view(request: Request) -> bool:
    """Whether the data view (the description as a property table) is asked for: ``?view=data``."""
    view = request.query_params.get("view", "").strip().lower()
    if view not in ("", "data", "page"):
        raise BadParameter("view", view, "page (the default: the page for people) or data (the property table)")
    return view == "data"


def _chrome(request: Request) -> str:
    """The language the page chrome (and the words of a view) are drawn in, as ``html_page`` chooses it."""
    asked = request.query_params.get("lang", "").strip()
    return i18n.chrome_language(asked if i18n.is_language_tag(asked) else None, request.headers.get("accept-language"))


def _view_in(chrome: str, build: Callable[..., Any], *args: Any) -> Any:
    """``build(*args)`` with its words in ``chrome`` (run in a worker thread, whose context is a copy)."""
    i18n.use(chrome)
    return build(*args)


def _lang_query(request: Request) -> str:
    """``?lang=…`` when the page was asked in a language, so that a link keeps it."""
    asked = request.query_params.get("lang", "").strip()
    return f"?{urlencode({'lang': asked})}" if asked and i18n.is_language_tag(asked) else ""


def _query(request: Request, **params: str) -> str:
    """This page's query string with ``params`` set: the language stays when one follows a link."""
    url = request.url.remove_query_params(["format"]).include_query_params(**params)
    return f"?{url.query}"


async def _resource_page(request: Request, entry: ClassEntry, local: str) -> Response:
    svc = service(request)
    catalogue, store = svc.catalogue, svc.kg.store
    chosen = _wants(request)
    lang = chosen_language(request)
    data_view = _data_view(request) if chosen is None else False
    iri = entry.iri(catalogue.base_iri, local)
    graph = await run_in_threadpool(describe, store, entry, iri, svc.kept) if iri is not None else None
    if graph is None or iri is None:
        detail = f"{iri or local} is not a {entry.name} of this catalogue"
        raise Problem(404, f"no such {entry.name}", detail, headers={"Vary": VARY})
    if chosen is not None:
        body, media_type = render(graph, iri, catalogue.vocabulary, chosen, request)
        return Response(body, media_type=media_type, headers={"Vary": VARY})
    schema = markup(graph, iri, catalogue.base_iri, lang)
    jsonld = _script_json(schema) if schema is not None else None
    if not data_view:
        view = await run_in_threadpool(
            _view_in, _chrome(request), member_view, store, catalogue, entry, graph, iri, lang, svc.kept
        )
        context = {
            "view": view,
            "collection": entry.collection,
            "iri": str(iri),
            "jsonld": jsonld,
            "data_href": _query(request, view="data"),
            "list_href": f"/{entry.collection}{_lang_query(request)}",
            "formats": _FORMATS,
            "api": f"/api/{entry.collection}/{local}",
            "external": not entry.own,
        }
        return html_page(request, "member.html", context, headers={"Vary": VARY})
    builder = _Builder(graph, iri, catalogue, lang)
    linked_from = await run_in_threadpool(incoming, store, catalogue, iri, lang, svc.kept)
    label = label_of(graph, iri, lang)
    context = {
        "kind": entry.name,
        "collection": entry.collection,
        "part_of": [],
        "iri": str(iri),
        "title": str(label) if label is not None else local,
        "title_lang": label.language if label is not None else None,
        "lang": lang,
        "label_languages": _languages(graph, iri, entry),
        "types": [curie(t) for t in sorted(graph.objects(iri, RDF.type), key=str)],
        "properties": builder.properties(iri, 0),
        "skills": sorted((builder.link(s) for s in skills_in(graph)), key=lambda v: v.text.lower()),
        "external": not entry.own,
        "incoming": linked_from,
        "formats": _FORMATS,
        "jsonld": jsonld,
        "collections": collections(catalogue),
        "api": f"/api/{entry.collection}/{local}",
        "page_href": _query(request, view="page"),
    }
    return html_page(request, "resource.html", context, headers={"Vary": VARY})


_PARENTS = f"""SELECT DISTINCT ?s ?label WHERE {{
  ?s ?p ?r . FILTER(isIRI(?s) && ?s != ?r && ?p != <{RDF.type}>)
  OPTIONAL {{ ?s ?lp ?label . FILTER(?lp IN ({", ".join(f"<{p}>" for p in LABEL_PROPERTIES)})) }}
}} LIMIT 5000"""


def part_of(store: GraphStore, catalogue: Catalogue, iri: URIRef, lang: str) -> list[ValueView]:
    """The pages a node is part of: the resources under the base IRI that link to it and whose IRI its own IRI
    belongs to the same record (``course/x/outcome/1`` -> ``course/x/specification`` -> ``course/x``), nearest
    first, up to the registry member that holds them; when none does, whatever under the base IRI links to it."""
    base_iri = catalogue.base_iri
    chain: list[ValueView] = []
    seen: set[Node] = {iri}
    current: Node = iri
    fallback: list[ValueView] = []
    for _ in range(_MAX_DEPTH):
        labels: dict[Node, list[Literal]] = {}
        for row in store.query(_PARENTS, union_default_graph=True, bindings={"r": current}).rows():
            values = labels.setdefault(row["s"], [])
            named = row.get("label")
            if isinstance(named, Literal):
                values.append(named)
        views = {}
        for node, values in labels.items():
            href = catalogue.page_of(node) or node_path(base_iri, node)
            if href is None or node in seen:
                continue
            label = pick_label(values, lang)
            text = str(label) if label is not None else curie(node)
            views[node] = ValueView(text, href, lang=label.language if label is not None else None)
        owners = sorted((n for n in views if _same_record(base_iri, n, iri)), key=lambda n: (-_prefix(n, iri), str(n)))
        if current == iri and not owners:
            fallback = sorted(views.values(), key=lambda v: v.text.lower())
        if not owners:
            break
        chain.append(views[owners[0]])
        seen.add(owners[0])
        if catalogue.page_of(owners[0]) is not None:
            break  # a registry member: the record this node belongs to
        current = owners[0]
    return chain or fallback


def _record(base_iri: str, iri: Node) -> str:
    """The first two segments of an IRI under the base: the record it belongs to (``course/x``)."""
    return "/".join(str(iri)[len(base_iri) :].split("/")[:2])


def _same_record(base_iri: str, node: Node, iri: Node) -> bool:
    return str(node).startswith(base_iri) and _record(base_iri, node) == _record(base_iri, iri)


def _prefix(node: Node, iri: Node) -> int:
    """How many characters ``node`` shares with ``iri`` from the start: the nearer owner shares more."""
    shared = 0
    for a, b in zip(str(node), str(iri), strict=False):
        if a != b:
            break
        shared += 1
    return shared


def _words(iri: Node) -> str:
    """A class's local name in words: ``LearningAchievementSpecification`` -> learning achievement specification."""
    name = local_name(str(iri))
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).lower() or "resource"


async def _node_page(request: Request, path: str) -> Response:
    """Any IRI under the base IRI the store describes, by the same negotiation as the members' pages."""
    svc = service(request)
    catalogue, store = svc.catalogue, svc.kg.store
    chosen = _wants(request)
    lang = chosen_language(request)
    base_iri = catalogue.base_iri
    iri = URIRef(base_iri + path)
    graph = None
    if _NODE_PATH.fullmatch(path) and node_path(base_iri, iri) is not None:
        graph = await run_in_threadpool(describe_node, store, iri)
    if graph is None:
        raise Problem(404, "no such resource", f"{iri} is not described in this catalogue", headers={"Vary": VARY})
    if chosen is not None:
        body, media_type = render(graph, iri, catalogue.vocabulary, chosen, request)
        return Response(body, media_type=media_type, headers={"Vary": VARY})
    builder = _Builder(graph, iri, catalogue, lang)
    label = label_of(graph, iri, lang)
    types = sorted(graph.objects(iri, RDF.type), key=str)
    parents = await run_in_threadpool(part_of, store, catalogue, iri, lang)
    collection = next((e.collection for e in catalogue if e.own and path.startswith(e.prefix)), None)
    languages = sorted(
        {v.language for p in LABEL_PROPERTIES for v in graph.objects(iri, p) if isinstance(v, Literal) and v.language}
    )
    context = {
        "kind": _words(types[0]) if types else "resource",
        "collection": collection,
        "iri": str(iri),
        "title": str(label) if label is not None else path,
        "title_lang": label.language if label is not None else None,
        "lang": lang,
        "label_languages": languages,
        "types": [curie(t) for t in types],
        "properties": builder.properties(iri, 0),
        "skills": sorted((builder.link(s) for s in skills_in(graph)), key=lambda v: v.text.lower()),
        "external": False,
        "incoming": [],
        "part_of": parents,
        "formats": _FORMATS,
        "jsonld": None,
        "collections": collections(catalogue),
        "api": None,
    }
    return html_page(request, "resource.html", context, headers={"Vary": VARY})


def collections(catalogue: Catalogue) -> list[tuple[str, str]]:
    """The navigation's collections: (name, path of its index page)."""
    return [(entry.collection, f"/{entry.collection}") for entry in catalogue]


async def _index_page(request: Request, entry: ClassEntry) -> Response:
    svc = service(request)
    catalogue = svc.catalogue
    lang = chosen_language(request)
    params = {k: v for k, v in request.query_params.items() if v.strip()}  # a GET form sends empty fields too
    error, members, total, status = None, [], 0, 200
    limit = offset = 0
    columns = column_names(entry)
    try:
        known = {f.name for f in entry.filters} | {"limit", "offset", "lang"}
        unknown = sorted(set(params) - known)
        if unknown:
            raise BadParameter(unknown[0], params[unknown[0]], f"unknown parameter; use {', '.join(sorted(known))}")
        limit = integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = integer(params, "offset", 0, 0, None)
        kept = svc.kept  # the generation the page is read at, and its rows kept
        page = await run_in_threadpool(svc.listing.page, entry, params, limit, offset, lang, kept.generation)
        chrome = _chrome(request)
        drawn = svc.list_rows.drawn
        members = await run_in_threadpool(
            _view_in, chrome, drawn, svc.kg.store, catalogue, entry, page, lang, chrome, columns, kept
        )
        total = page.total
    except SmarcoError as problem:
        error, status = problem.detail or problem.title, problem.status
    links = {}
    if offset > 0:
        links["previous"] = _relative(request, offset=max(0, offset - limit))
    if offset + limit < total:
        links["next"] = _relative(request, offset=offset + limit)
    context = {
        "entry": entry,
        "lang": lang,
        "asked_lang": request.query_params.get("lang", "").strip(),
        "filters": [(f, params.get(f.name, "")) for f in entry.filters],
        "filter_label": filter_label,
        "filter_hint": filter_hint,
        "columns": columns,
        "members": members,
        "shortcuts": SHORTCUTS.get(entry.collection, []),
        "links": links,
        "offset": offset,
        "total": total,
        "error": error,
        "collections": collections(catalogue),
        "api": f"/api/{entry.collection}",
        "limit": params.get("limit", ""),
    }
    return html_page(request, "collection.html", context, status_code=status, headers={"Vary": VARY})


# -- routes -----------------------------------------------------------------------------------------------------


def _relative(request: Request, **params: int) -> str:
    url = request.url.include_query_params(**params)
    return f"{url.path}?{url.query}"


def wants_html(request: Request) -> bool:
    """Whether a browser is asking: HTML named in ``Accept`` and preferred over JSON."""
    accept = request.headers.get("accept")
    if not accept or "html" not in accept.lower():
        return False
    try:
        return negotiate(accept, (HTML, PROBLEM, "application/json")) == HTML
    except NotAcceptable:
        return False


def problem_page(request: Request, problem: SmarcoError) -> Response:
    """The problem as an HTML page for a browser (same status and headers), else its problem document."""
    headers = {**problem.headers, "Vary": VARY}
    if not wants_html(request):
        response = problem_response(problem)
        response.headers["Vary"] = VARY
        return response
    context = {
        "status": problem.status,
        "problem_title": problem.title,
        "detail": problem.detail,
        "collections": collections(service(request).catalogue),
    }
    return html_page(request, "error.html", context, status_code=problem.status, headers=headers)


def _answering(handler: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """``handler`` with its problems answered as :func:`problem_page` does."""

    async def answer(request: Request, *args: Any) -> Response:
        try:
            return await handler(request, *args)
        except SmarcoError as problem:
            return problem_page(request, problem)

    return answer


_HTML = {"text/html": {"schema": {"type": "string"}}}
_RDF = {media_type: {"schema": {} if "json" in media_type else {"type": "string"}} for media_type in OFFERED}


def _page_responses(*errors: type[SmarcoError], rdf: bool) -> dict[int | str, dict[str, Any]]:
    """A page's answers: HTML (or, for a resource, its RDF by ``Accept`` or ``format=``); a problem as an HTML page
    for a browser, else as a problem document."""
    responses: dict[int | str, dict[str, Any]] = {200: {"content": {**_HTML, **(_RDF if rdf else {})}}}
    for status, response in problem_responses(*errors).items():
        responses[status] = {**response, "content": {**response["content"], **_HTML}}
    return responses


def _route(
    router: APIRouter,
    path: str,
    endpoint: Callable[..., Awaitable[Response]],
    *,
    name: str,
    summary: str,
    responses: dict[int | str, dict[str, Any]],
) -> None:
    """A GET route in the OpenAPI description, and the same for HEAD (same headers, no body) out of it."""
    router.add_api_route(
        path, endpoint, methods=["GET"], name=name, summary=summary, response_class=HTMLResponse, responses=responses
    )
    router.add_api_route(
        path, endpoint, methods=["HEAD"], name=f"{name}_head", include_in_schema=False, response_class=HTMLResponse
    )


def _add_routes(router: APIRouter, entry: ClassEntry, catalogue: Catalogue) -> None:
    async def resource_page(request: Request, id: str) -> Response:
        return await _answering(_resource_page)(request, entry, id)

    async def index_page(request: Request) -> Response:
        return await _answering(_index_page)(request, entry)

    _route(
        router,
        catalogue.member_path(entry),
        resource_page,
        name=f"page_{entry.collection}",
        summary=f"One {entry.name}: an HTML page, or its RDF by Accept or format= (direct negotiation, Vary: Accept)",
        responses=_page_responses(NotFound, *NEGOTIATED, rdf=True),
    )
    _route(
        router,
        f"/{entry.collection}",
        index_page,
        name=f"index_{entry.collection}",
        summary=f"The {entry.collection}, as an HTML page with the API's filters",
        responses=_page_responses(*NEGOTIATED, rdf=False),
    )


async def node_page(request: Request, path: str) -> Response:
    return await _answering(_node_page)(request, path)


def router(catalogue: Catalogue) -> APIRouter:
    """A page and an index per class of ``catalogue``: the pages people read most. No other route's path is one of
    theirs, so the app matches them ahead of the other routers (FastAPI tries every route before the one that
    answers: 0.4-0.6 ms a page when they came last)."""
    built = APIRouter(tags=["Pages"])
    for entry in catalogue:
        _add_routes(built, entry, catalogue)
    return built


def nodes_router() -> APIRouter:
    """Any other IRI under the base IRI: matched after every other route, which its pattern would take."""
    built = APIRouter(tags=["Pages"])
    _route(
        built,
        "/{path:smarco_iri}",
        node_page,
        name="page_node",
        summary="Any other IRI under the base IRI (course/{id}/specification, course/{id}/outcome/{n}…): an HTML "
        "page, or its own description in RDF by Accept or format=; 404 when the store does not describe it",
        responses=_page_responses(NotFound, *NEGOTIATED, rdf=True),
    )
    return built
