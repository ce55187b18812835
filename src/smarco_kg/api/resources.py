"""``/api/{collection}`` and ``/api/{collection}/{id}``: the classes of the registry as REST collections (reads).

One route pair per registry entry, so each collection's filters and response schema appear in the OpenAPI
description. A listing is one SPARQL query: the page of members (filters bound as values, never pasted into
the text; ``ORDER BY`` the IRI; ``LIMIT limit+1`` to know whether a next page exists) joined with what each
item shows. A member is its description (its triples, the blank nodes it owns and the resources the registry
embeds) plus the labels of the resources it links to. Both come as compact JSON-LD by default, or as expanded
JSON-LD, Turtle, N-Triples or RDF/XML by ``Accept`` or ``format=``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import service
from smarco_kg.api.jsonld import compact, page_schema, resource_schema
from smarco_kg.api.members import MemberIndex
from smarco_kg.api.negotiation import NotAcceptable, negotiate
from smarco_kg.api.problems import Problem
from smarco_kg.config import Settings
from smarco_kg.registry import (
    CONTEXT_PREFIXES,
    HYDRA,
    LABEL_PROPERTIES,
    BadValue,
    Filter,
    Lookup,
    ResourceClass,
    Vocabulary,
    registry,
    vocabulary,
)
from smarco_kg.store import GraphStore
from smarco_kg.terms import sparql_term

router = APIRouter(tags=["Collections"])

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
JSONLD, JSON_MEDIA = "application/ld+json", "application/json"
EXPANDED = "http://www.w3.org/ns/json-ld#expanded"
OFFERED = (JSONLD, JSON_MEDIA, "text/turtle", "application/n-triples", "application/rdf+xml")
_RDFLIB_NAMES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}
_FORMAT_NAMES = {
    "jsonld": (JSONLD, False),
    "json-ld": (JSONLD, False),
    "json": (JSON_MEDIA, False),
    "jsonld-full": (JSONLD, True),
    "jsonld-expanded": (JSONLD, True),
    "expanded": (JSONLD, True),
    "turtle": ("text/turtle", False),
    "ttl": ("text/turtle", False),
    "ntriples": ("application/n-triples", False),
    "nt": ("application/n-triples", False),
    "n-triples": ("application/n-triples", False),
    "rdfxml": ("application/rdf+xml", False),
    "rdf/xml": ("application/rdf+xml", False),
    "xml": ("application/rdf+xml", False),
    **{media_type: (media_type, False) for media_type in OFFERED},
}
_LANG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")
_PAGE = URIRef(HYDRA + "member")
_LINK_RELS = {"first": HYDRA + "first", "prev": HYDRA + "previous", "next": HYDRA + "next", "last": HYDRA + "last"}
_TOTAL = URIRef(HYDRA + "totalItems")
PREFIXES_SPARQL = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in CONTEXT_PREFIXES.items())


# -- the registry and vocabulary of this deployment ------------------------------------------------------------


@lru_cache(maxsize=8)
def _entries(base_iri: str) -> dict[str, ResourceClass]:
    return {entry.collection: entry for entry in registry(base_iri)}


@dataclass(frozen=True)
class _Setup:
    base_iri: str
    entry: ResourceClass
    vocabulary: Vocabulary
    store: GraphStore
    index: MemberIndex


def _setup(request: Request, collection: str) -> _Setup:
    svc = service(request)
    settings = svc.settings
    return _Setup(
        settings.base_iri,
        _entries(settings.base_iri)[collection],
        vocabulary(settings.shapes_dir),
        svc.kg.store,
        svc.members,
    )


def member_of(base_iri: str, iri: object) -> tuple[ResourceClass, str] | None:
    """The collection an IRI is a member IRI of, and its id there; None for any other IRI."""
    for entry in _entries(base_iri).values():
        namespace = entry.namespace(base_iri)
        if isinstance(iri, str) and iri.startswith(namespace):
            local = iri[len(namespace) :]
            if entry.iri(base_iri, local) is not None:
                return entry, local
    return None


def member_iri(request: Request, collection: str, id: str) -> URIRef:
    """The IRI of the collection's member named by the id in a URL; 404 when the id cannot name one."""
    base = service(request).settings.base_iri
    entry = _entries(base)[collection]
    iri = entry.iri(base, id)
    if iri is None:
        raise Problem(404, f"no such {entry.name}", f"{id!r} is not a {entry.name} id")
    return iri


def member_value(request: Request, collection: str, parameter: str, raw: str) -> URIRef:
    """A parameter naming a member of the collection by IRI or id; 422 naming the parameter otherwise."""
    base = service(request).settings.base_iri
    entry = _entries(base)[collection]
    namespace = entry.namespace(base)
    iri = entry.iri(base, raw.strip().removeprefix(namespace))
    if iri is None:
        raise _bad(parameter, raw, f"a {entry.name} IRI ({namespace}…) or its id")
    return iri


# -- parameters --------------------------------------------------------------------------------------------------


def _params(request: Request, allowed: set[str]) -> dict[str, str]:
    """The query parameters, each at most once and all of them known; 422 otherwise."""
    values: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        values.setdefault(key, []).append(value)
    unknown = sorted(set(values) - allowed)
    if unknown:
        raise _bad(
            unknown[0], values[unknown[0]][0], f"unknown parameter; this path takes {', '.join(sorted(allowed))}"
        )
    for key, given in values.items():
        if len(given) > 1:
            raise _bad(key, given[0], f"given {len(given)} times; give it once")
    return {key: given[0] for key, given in values.items()}


def _bad(parameter: str, value: str, message: str, **extra: object) -> Problem:
    return Problem(
        422,
        f"bad value for '{parameter}'",
        f"{parameter}={value!r}: {message}",
        errors=[{"parameter": parameter, "value": value, "message": message, **extra}],
    )


def _integer(params: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
    if not re.fullmatch(r"\d{1,9}", raw.strip()) or not (low <= int(raw) <= (high if high is not None else 10**9)):
        raise _bad(name, raw, f"a whole number {bounds}")
    return int(raw)


@dataclass(frozen=True)
class _Representation:
    media_type: str
    expanded: bool = False


def _representation(request: Request, fmt: str | None) -> _Representation:
    """What to answer with: ``format=`` wins over ``Accept``; 406 when nothing offered is acceptable."""
    offered = [*OFFERED, f'{JSONLD};profile="{EXPANDED}"']
    if fmt is not None:
        chosen = _FORMAT_NAMES.get(fmt.strip().lower())
        if chosen is None:
            detail = f"format={fmt!r}; use one of jsonld, jsonld-full, json, turtle, ntriples, rdfxml"
            raise Problem(406, "unknown format", detail, offered=offered)
        return _Representation(*chosen)
    accept = request.headers.get("accept")
    try:
        media_type = negotiate(accept, OFFERED)
    except NotAcceptable as error:
        raise Problem(406, "no acceptable representation", str(error), offered=offered) from error
    return _Representation(media_type, media_type == JSONLD and _asks_expanded(accept))


def _asks_expanded(accept: str | None) -> bool:
    """Whether an ``application/ld+json`` range of ``Accept`` names the expanded profile."""
    for part in (accept or "").split(","):
        media, _, params = part.partition(";")
        if media.strip().lower() == JSONLD and "profile" in params and EXPANDED in params:
            return True
    return False


def _render(
    graph: Graph, root: Node, setup: _Setup, representation: _Representation, request: Request
) -> tuple[bytes, str]:
    if representation.media_type in (JSONLD, JSON_MEDIA) and not representation.expanded:
        context = str(request.url_for("jsonld_context"))
        body = compact(graph, root, setup.vocabulary, context)
        return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"), representation.media_type
    for prefix, namespace in CONTEXT_PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    if representation.expanded:
        data = graph.serialize(format="json-ld", encoding="utf-8")
        return data, f'{JSONLD}; profile="{EXPANDED}"'
    media_type = representation.media_type
    return graph.serialize(format=_RDFLIB_NAMES[media_type], encoding="utf-8"), media_type


# -- filters -------------------------------------------------------------------------------------------------------


def _resolve(store: GraphStore, item: Filter, raw: str, lookup: Lookup) -> URIRef:
    """The vocabulary concept a filter value names by IRI, local name or label; 422 when none does.

    (pyoxigraph binds values in triple patterns and filters but not in ``BIND`` expressions: hence ``FILTER``. The
    vocabulary pattern appears once: Virtuoso fails with SP031 on a ``UNION`` nested in filtered ``UNION`` branches.)"""
    vocabulary_pattern = item.value.vocabulary
    query = f"""{PREFIXES_SPARQL}
SELECT DISTINCT ?c WHERE {{
  {{ {vocabulary_pattern} }}
  OPTIONAL {{ ?c skos:prefLabel|rdfs:label|dct:title ?label }}
  FILTER(?c = ?iri || REPLACE(LCASE(STR(?label)), "[-_\\\\s]+", " ") = ?text)
}} ORDER BY ?c"""
    rows = store.query(query, union_default_graph=True, bindings={"iri": lookup.iri, "text": Literal(lookup.text)})
    found = [row["c"] for row in rows.rows() if isinstance(row.get("c"), URIRef)]
    if found:
        exact = [c for c in found if c == lookup.iri]
        return exact[0] if exact else found[0]  # type: ignore[return-value]
    known_query = f"""{PREFIXES_SPARQL}
SELECT ?c (MIN(STR(?label)) AS ?name) WHERE {{ {vocabulary_pattern} OPTIONAL {{ ?c skos:prefLabel ?label }} }}
GROUP BY ?c ORDER BY ?c LIMIT 50"""
    known = [
        {"id": str(row["c"]), **({"label": str(row["name"])} if "name" in row else {})}
        for row in store.query(known_query, union_default_graph=True).rows()
    ]
    names = ", ".join(k.get("label", k["id"]) for k in known[:12])
    raise _bad(item.name, raw, f"no such value; known values include {names}", known=known)


def _bound_filters(setup: _Setup, params: dict[str, str]) -> tuple[list[str], dict[str, Node]]:
    patterns: list[str] = []
    bindings: dict[str, Node] = {}
    for item in setup.entry.filters:
        raw = params.get(item.name)
        if raw is None:
            continue
        try:
            value = item.value.parse(raw)
        except BadValue as error:
            raise _bad(item.name, raw, str(error) or item.value.hint) from error
        if isinstance(value, Lookup):
            value = _resolve(setup.store, item, raw, value)
        pattern, variable = item.sparql()
        patterns.append(pattern)
        bindings[variable] = value
    return patterns, bindings


# -- listing -------------------------------------------------------------------------------------------------------


def _summary_branches(entry: ResourceClass) -> list[str]:
    """One UNION branch per step of each summary path: the triple ``?x ?p ?o`` at that step, from ``?s``."""
    first = sorted({str(RDF.type), str(entry.label)} | {str(path[0]) for path in entry.summary})
    # FILTER(?p IN …), not VALUES ?p: pyoxigraph would scan every triple of those predicates before joining.
    branches = [f"?s ?p ?o . FILTER(?p IN ({', '.join(f'<{p}>' for p in first)})) BIND(?s AS ?x)"]
    steps = sorted({path[:length] for path in entry.summary for length in range(2, len(path) + 1)})
    for step in steps:
        hops, previous = [], "?s"
        for index, predicate in enumerate(step[:-1]):
            hops.append(f"{previous} <{predicate}> ?h{index} .")
            previous = f"?h{index}"
        hops.append(f"{previous} <{step[-1]}> ?o . BIND(<{step[-1]}> AS ?p) BIND({previous} AS ?x)")
        branches.append(" ".join(hops))
    return branches


def _matches_query(patterns: list[str]) -> str:
    """The subjects matching every filter, unordered (the filter values are bound first: see ``GraphStore.query``)."""
    filters = "\n  ".join(patterns)
    return f"{PREFIXES_SPARQL}SELECT DISTINCT ?s WHERE {{\n  {filters}\n}}"


def _summary_query(setup: _Setup, page: list[URIRef]) -> str:
    """What each member of the page shows: one ``UNION`` branch per summary path, from the page's IRIs."""
    members = " ".join(f"<{iri}>" for iri in page)
    union = "\n  UNION\n  ".join(f"{{ {branch} }}" for branch in _summary_branches(setup.entry))
    return f"SELECT ?s ?x ?p ?o WHERE {{\n  VALUES ?s {{ {members} }}\n  {union}\n}}"


def _pick_label(values: list[Literal], lang: str) -> Literal | None:
    """The label in ``lang``, else English, else one without a language, else the first in order."""
    if not values:
        return None
    ordered = sorted(values, key=lambda v: (v.language or "", str(v)))
    lang = lang.lower()
    for test in (
        lambda v: (v.language or "").lower() == lang,
        lambda v: (v.language or "").lower().split("-")[0] == lang.split("-")[0],
        lambda v: (v.language or "").lower().split("-")[0] == "en",
        lambda v: not v.language,
    ):
        chosen = [v for v in ordered if test(v)]
        if chosen:
            return chosen[0]
    return ordered[0]


@dataclass(frozen=True)
class _Page:
    graph: Graph
    members: list[URIRef]
    total: int


def _list(setup: _Setup, params: dict[str, str], limit: int, offset: int, lang: str, generation: int) -> _Page:
    patterns, bindings = _bound_filters(setup, params)
    members = setup.index.members(setup.store, setup.entry, setup.base_iri, generation)
    if patterns:
        rows = setup.store.query(_matches_query(patterns), bindings=bindings, union_default_graph=True)
        matches = members.ordered(row["s"] for row in rows.rows())
        total, page = len(matches), [URIRef(iri) for iri in matches[offset : offset + limit]]
    else:
        total, page = len(members), members.page(offset, limit)
    graph = Graph()
    if not page:
        return _Page(graph, [], total)
    labels: dict[Node, list[Literal]] = {}
    for row in setup.store.query(_summary_query(setup, page), union_default_graph=True).rows():
        x, p, o = row["x"], row["p"], row["o"]
        if x == row["s"] and p == setup.entry.label:
            if isinstance(o, Literal):
                labels.setdefault(x, []).append(o)
            continue
        graph.add((x, p, o))
    for member in page:
        label = _pick_label(labels.get(member, []), lang)
        if label is not None:
            graph.add((member, RDFS.label, Literal(str(label))))
    return _Page(graph, page, total)


async def _list_response(request: Request, collection: str) -> Response:
    setup = _setup(request, collection)
    allowed = {f.name for f in setup.entry.filters} | {"limit", "offset", "lang", "format"}
    params = _params(request, allowed)
    limit = _integer(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _integer(params, "offset", 0, 0, None)
    lang = params.get("lang", "en")
    if not _LANG.fullmatch(lang):
        raise _bad("lang", lang, "a language tag such as en, it or pt-PT")
    representation = _representation(request, params.get("format"))
    page = await run_in_threadpool(_list, setup, params, limit, offset, lang, service(request).generation)

    here = URIRef(str(request.url))
    links = {"first": str(request.url.include_query_params(offset=0))}
    if offset > 0:
        links["prev"] = str(request.url.include_query_params(offset=max(0, min(offset - limit, page.total - limit))))
    if offset + limit < page.total:
        links["next"] = str(request.url.include_query_params(offset=offset + limit))
    links["last"] = str(request.url.include_query_params(offset=max(0, (page.total - 1) // limit * limit)))
    graph = page.graph
    for member in page.members:
        graph.add((here, _PAGE, member))
    for rel, url in links.items():
        graph.add((here, URIRef(_LINK_RELS[rel]), URIRef(url)))
    graph.add((here, _TOTAL, Literal(page.total)))
    body, media_type = _render(graph, here, setup, representation, request)
    headers = {"Vary": "Accept", "Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())}
    return Response(body, media_type=media_type, headers=headers)


# -- one member ------------------------------------------------------------------------------------------------------


def description_query(nodes: list[URIRef]) -> str:
    """One query for ``nodes``, the blank nodes they own (three levels deep) and the labels of what they link to.
    Description rows bind ``?p ?o``, label rows ``?lp ?lo``: the kind of a row shows in which variables it binds,
    not in a constant bound per branch, which Virtuoso's compiler refuses beside a FILTER in a UNION (``SP031
    sparp_gp_deprecate()``). The nodes are given, not found by a path in the same query: Virtuoso's planner, its
    statistics freshly sampled, joins such a path to the UNION in whole seconds where the given nodes take
    milliseconds."""
    labels = f"FILTER(?lp IN ({', '.join(f'<{p}>' for p in LABEL_PROPERTIES)}))"  # not VALUES: see above
    return f"""{PREFIXES_SPARQL}
SELECT DISTINCT ?x ?p ?o ?lp ?lo WHERE {{
  VALUES ?n {{ {" ".join(sparql_term(node) for node in nodes)} }}
  {{ ?n ?p ?o . BIND(?n AS ?x) }}
  UNION {{ ?n ?q1 ?x . FILTER(isBlank(?x)) ?x ?p ?o . }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?x . FILTER(isBlank(?x)) ?x ?p ?o . }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?b2 . FILTER(isBlank(?b2)) ?b2 ?q3 ?x . FILTER(isBlank(?x))
           ?x ?p ?o . }}
  UNION {{ ?n ?q1 ?x . FILTER(isIRI(?x) && ?q1 != rdf:type) ?x ?lp ?lo . {labels} }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?x . FILTER(isIRI(?x) && ?q2 != rdf:type)
           ?x ?lp ?lo . {labels} }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?b2 . FILTER(isBlank(?b2)) ?b2 ?q3 ?x .
           FILTER(isIRI(?x) && ?q3 != rdf:type) ?x ?lp ?lo . {labels} }}
}}"""


@lru_cache(maxsize=64)
def _nodes_query(member_classes: tuple[URIRef, ...], embed: tuple[URIRef, ...]) -> str:
    """The nodes a member's description holds: the member (``?r`` of one of ``member_classes``) and the nodes it
    embeds; none when ``?r`` is no member."""
    classes = " ".join(f"<{c}>" for c in member_classes)
    if embed:
        path = "|".join(f"<{p}>" for p in embed)
        described = f"?r a ?member_class . ?r ({path})* ?n . FILTER(isIRI(?n))"
    else:
        described = "?r a ?member_class . BIND(?r AS ?n)"
    return f"SELECT DISTINCT ?n WHERE {{ VALUES ?member_class {{ {classes} }} {described} }}"


def read_description(store: GraphStore, nodes: list[URIRef]) -> Graph:
    """The triples of a ``description_query`` for ``nodes``, with one label property (the first it has) for each
    linked node that is not described itself."""
    graph = Graph()
    labels: dict[Node, dict[Node, list[Node]]] = {}
    for row in store.query(description_query(nodes), union_default_graph=True).rows():
        if row.get("p") is not None:
            graph.add((row["x"], row["p"], row["o"]))
        elif row.get("lp") is not None:
            labels.setdefault(row["x"], {}).setdefault(row["lp"], []).append(row["lo"])
    described = set(graph.subjects())
    for linked, by_property in labels.items():
        if linked in described:
            continue
        chosen = next(p for p in LABEL_PROPERTIES if p in by_property)  # the first label property it has
        for value in by_property[chosen]:
            graph.add((linked, chosen, value))
    return graph


def describe(store: GraphStore, entry: ResourceClass, iri: URIRef) -> Graph | None:
    """The member's description with the labels of what it links to; None when ``iri`` is no member."""
    rows = store.query(_nodes_query(entry.classes, entry.embed), union_default_graph=True, bindings={"r": iri}).rows()
    nodes = sorted(row["n"] for row in rows if isinstance(row.get("n"), URIRef))
    if not nodes:
        return None
    graph = read_description(store, nodes)
    return graph if len(graph) else None


def etag(graph: Graph) -> str:
    """A digest of the description: the same triples give the same tag, whatever their order."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


async def _member_response(request: Request, collection: str, local: str) -> Response:
    setup = _setup(request, collection)
    params = _params(request, {"format"})
    representation = _representation(request, params.get("format"))
    iri = setup.entry.iri(setup.base_iri, local)
    graph = await run_in_threadpool(describe, setup.store, setup.entry, iri) if iri is not None else None
    if graph is None:
        shown = iri or local
        raise Problem(404, f"no such {setup.entry.name}", f"{shown} is not a {setup.entry.name} of this catalogue")
    digest = etag(graph)
    suffix = "jsonld" if representation.media_type == JSONLD and not representation.expanded else None
    tag = f'"{digest}-{suffix or _tag_suffix(representation)}"'
    headers = {"Vary": "Accept", "ETag": tag}
    if tag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    body, media_type = _render(graph, iri, setup, representation, request)
    return Response(body, media_type=media_type, headers=headers)


def _tag_suffix(representation: _Representation) -> str:
    if representation.expanded:
        return "expanded"
    return {JSON_MEDIA: "json", "text/turtle": "ttl", "application/n-triples": "nt"}.get(
        representation.media_type, "rdf"
    )


# -- routes -------------------------------------------------------------------------------------------------------


@router.get(
    "/api/context.jsonld",
    name="jsonld_context",
    summary="The JSON-LD context of every /api representation, derived from the shapes",
    response_class=JSONResponse,
)
def jsonld_context(request: Request) -> Response:
    body = vocabulary(service(request).settings.shapes_dir).context()
    data = json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")
    tag = f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    return Response(data, media_type=JSONLD, headers={"ETag": tag, "Cache-Control": "public, max-age=3600"})


def _parameters(entry: ResourceClass) -> list[dict]:
    common = [
        {
            "name": "limit",
            "in": "query",
            "description": f"Items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT})",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        {
            "name": "offset",
            "in": "query",
            "description": "Items to skip; follow the Link header's next instead of computing it",
            "schema": {"type": "integer", "minimum": 0, "default": 0},
        },
        {
            "name": "lang",
            "in": "query",
            "description": "Language of the item labels (falls back to English, then any)",
            "schema": {"type": "string", "default": "en"},
        },
        _format_parameter(),
    ]
    return [
        *(
            {"name": f.name, "in": "query", "description": f.description, "schema": f.value.schema}
            for f in entry.filters
        ),
        *common,
    ]


def _format_parameter() -> dict:
    names = ["jsonld", "jsonld-full", "json", "turtle", "ntriples", "rdfxml"]
    return {
        "name": "format",
        "in": "query",
        "description": "Overrides Accept: compact JSON-LD (default), expanded JSON-LD, Turtle, N-Triples, RDF/XML",
        "schema": {"type": "string", "enum": names},
    }


def _rdf_content(schema: dict) -> dict:
    return {
        JSONLD: {"schema": schema},
        JSON_MEDIA: {"schema": schema},
        "text/turtle": {"schema": {"type": "string"}},
        "application/n-triples": {"schema": {"type": "string"}},
        "application/rdf+xml": {"schema": {"type": "string"}},
    }


def _add_routes(entry: ResourceClass, shapes: Vocabulary) -> None:
    collection = entry.collection

    async def list_members(request: Request) -> Response:
        return await _list_response(request, collection)

    async def get_member(request: Request, id: str) -> Response:
        return await _member_response(request, collection, id)

    problem = {"description": "a problem document (application/problem+json)"}
    router.add_api_route(
        f"/api/{collection}",
        list_members,
        methods=["GET"],
        name=f"list_{collection}",
        summary=f"List {collection}, filtered and paged (Link: next, prev, first)",
        response_class=Response,
        responses={200: {"content": _rdf_content(page_schema(entry, shapes))}, 406: problem, 422: problem},
        openapi_extra={"parameters": _parameters(entry)},
    )
    router.add_api_route(
        f"/api/{collection}/{{id}}",
        get_member,
        methods=["GET"],
        name=f"get_{collection}",
        summary=f"One {entry.name}: its description and the labels of what it links to",
        response_class=Response,
        responses={200: {"content": _rdf_content(resource_schema(entry, shapes))}, 404: problem, 406: problem},
        openapi_extra={"parameters": [_format_parameter()]},
    )


def _build() -> None:
    """The routes of every registry entry; their OpenAPI schemas come from the shapes the environment names."""
    settings = Settings()
    shapes = vocabulary(settings.shapes_dir)
    for entry in registry(settings.base_iri):
        _add_routes(entry, shapes)


_build()
