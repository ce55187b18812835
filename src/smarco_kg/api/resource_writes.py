"""``POST /api/{collection}``, ``PUT`` and ``DELETE /api/{collection}/{id}``: the collections' writes.

A body is the shape a GET returns: compact JSON-LD (``application/ld+json`` or ``application/json``; its
``@context`` the served ``/api/context.jsonld`` or left out, when the served context applies), or Turtle /
N-Triples. Everything goes through the validated write path: a SHACL violation is a 422 problem listing each
problem (focus node, path, value, message) and nothing is stored.

What a write covers: the member, the IRIs under it (``<course/x/specification>``, ``<course/x/outcome/1>``) and
blank nodes. Statements in the body about other resources (the labels a GET shows for what a member links to, a
shared credential it embeds) are ignored: those resources are written through their own collection.

- POST: the main node has no ``id`` (or a blank one): its IRI is minted as ``<namespace><slug>-<6 hex>``, the
  slug from its English (else any) label, and its nested blank nodes reached through the class's embedded
  properties get IRIs under it (``…/specification``, ``…/outcome/1``). A partner's token writes into its
  partner graph; an admin token names the graph with ``?graph=IRI``. 201, ``Location`` and ``ETag``.
- PUT: replaces the member's description (its triples, the IRIs under it and their blank nodes, in the graph
  holding it) in one validated transaction; validation reads the store without the old description
  (``WritePath.write(remove_resources=…)``). 200 with the new representation and ``ETag``.
- DELETE: removes the same description; not validated (as the Graph Store's DELETE). 204.

PUT and DELETE require ``If-Match`` (428 without it, 412 when it does not match the current description): any
ETag a GET of the member gave, in whatever representation, matches, since they all digest the same triples;
``*`` matches any existing member. A partner may change only members whose description lives in its own graph
(403 otherwise); an admin any. A member that does not exist is 404.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import Service, authenticate, service
from smarco_kg.api.jsonld import compact
from smarco_kg.api.problems import Problem
from smarco_kg.api.resources import JSON_MEDIA, JSONLD, describe, etag
from smarco_kg.auth import Principal, log_write
from smarco_kg.config import Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.registry import ResourceClass, Vocabulary, local_name, registry, vocabulary
from smarco_kg.store import Changeset
from smarco_kg.write_path import ParseError, WriteRejected

router = APIRouter(tags=["Collections"])

TURTLE, NTRIPLES = "text/turtle", "application/n-triples"
_PLACEHOLDER = "urn:smarco:new-member"
_SUFFIX_BYTES = 3  # six hex digits
_SLUG_LENGTH = 60
_OWNED_NAMES = {"learningAchievementSpecification": "specification", "learningOutcome": "outcome"}


# -- the body ----------------------------------------------------------------------------------------------


async def _body_graph(request: Request, vocab: Vocabulary, base_iri: str, main: str) -> Graph:
    """The body as a graph; a JSON-LD main node without an IRI is named ``main``."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data = await request.body()
    if not data.strip():
        raise Problem(400, "empty body", "send the description as JSON-LD, Turtle or N-Triples")
    graph = Graph()
    if content_type in (JSONLD, JSON_MEDIA):
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise Problem(400, "the body is not JSON", str(error)) from error
        if not isinstance(document, dict):
            raise Problem(400, "the body is not one JSON-LD object", "send one node object, as a GET returns")
        document = dict(document)
        document["@context"] = _context(document.get("@context"), vocab)
        if _fetches(document):
            raise Problem(400, "unsupported @context", "contexts may not import or name remote documents")
        node_id = document.get("id", document.get("@id"))
        if node_id is None or (isinstance(node_id, str) and node_id.startswith("_:")):
            document.pop("@id", None)
            document["id"] = main
        try:
            graph.parse(data=json.dumps(document), format="json-ld", base=base_iri)
        except Exception as error:
            raise Problem(400, "the body is not JSON-LD this service reads", " ".join(str(error).split())) from error
        return graph
    if content_type not in (TURTLE, NTRIPLES):
        detail = f"Content-Type {content_type or 'none'}; use {JSONLD}, {JSON_MEDIA}, {TURTLE} or {NTRIPLES}"
        raise Problem(415, "unsupported media type", detail)
    try:
        graph.parse(data=data, format=rdf_syntax(content_type).rdflib_name, publicID=base_iri)
    except Exception as error:
        raise Problem(400, "the body is not RDF in the format it claims", " ".join(str(error).split())) from error
    return graph


def _fetches(value: object) -> bool:
    """Whether a JSON-LD document would make its parser fetch something: a context given by URL, or @import,
    anywhere in it (the served context has already been put in place of its URL)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "@import" or (key == "@context" and _names_documents(item)):
                return True
            if _fetches(item):
                return True
    elif isinstance(value, list):
        return any(_fetches(item) for item in value)
    return False


def _names_documents(context: object) -> bool:
    if isinstance(context, str):
        return True
    if isinstance(context, list):
        return any(_names_documents(item) for item in context)
    return False


def _context(given: object, vocab: Vocabulary) -> object:
    """The served context for the served context's URL or none; inline contexts as given, never a remote one."""
    served = vocab.context()["@context"]
    if given is None or (isinstance(given, str) and given.endswith("/api/context.jsonld")):
        return served
    if isinstance(given, dict):
        return given
    if isinstance(given, list):
        return [_context(item, vocab) for item in given]
    raise Problem(
        400,
        "unsupported @context",
        "use the served /api/context.jsonld, leave @context out, or give the context inline; no other remote one",
    )


def _main_node(graph: Graph, entry: ResourceClass, iri: URIRef | None) -> Node:
    """The node the body describes: ``iri`` when given and described, else the one typed with the class."""
    if iri is not None and (iri, None, None) in graph:
        return iri
    typed = {s for c in entry.classes for s in graph.subjects(RDF.type, c)}
    if len(typed) == 1:
        return next(iter(typed))
    raise Problem(
        422,
        f"no {entry.name} in the body",
        f"the body must describe one {entry.name} (typed {', '.join(local_name(c) for c in entry.classes)})",
    )


def _rename(graph: Graph, renames: dict[Node, URIRef]) -> Graph:
    out = Graph()
    for s, p, o in graph:
        out.add((renames.get(s, s), p, renames.get(o, o)))
    return out


def _own(graph: Graph, main: URIRef, entry: ResourceClass, vocab: Vocabulary) -> Graph:
    """The part of the body a write of ``main`` covers, with embedded blank nodes named under ``main``."""
    renames: dict[Node, URIRef] = {}
    taken = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
    queue: list[Node] = [main]
    while queue:
        subject = queue.pop(0)
        for predicate in entry.embed:
            blanks = sorted((o for o in graph.objects(subject, predicate) if isinstance(o, BNode)), key=str)
            name = _OWNED_NAMES.get(local_name(predicate), local_name(predicate).lower())
            term = vocab.terms.get(predicate)
            for blank in blanks:
                if blank in renames:
                    continue
                base = f"{main}/{name}"
                candidate, n = base, 1
                if term is None or term.many:
                    while f"{base}/{n}" in taken:
                        n += 1
                    candidate = f"{base}/{n}"
                elif candidate in taken:
                    continue  # stays blank
                taken.add(candidate)
                renames[blank] = URIRef(candidate)
                queue.append(blank)
    graph = _rename(graph, renames)
    prefix = f"{main}/"
    kept = Graph()
    for s, p, o in graph:
        if s == main or isinstance(s, BNode) or str(s).startswith(prefix):
            kept.add((s, p, o))
    if not any(kept.objects(main, RDF.type)):
        kept.add((main, RDF.type, entry.classes[0]))
    return kept


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, at most 60 characters: ``Città sensibili`` -> ``citta-sensibili``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:_SLUG_LENGTH].rstrip("-")


def _title(graph: Graph, node: Node, entry: ResourceClass) -> str:
    values = [v for v in graph.objects(node, entry.label) if isinstance(v, Literal)]
    for test in (lambda v: (v.language or "").lower().startswith("en"), lambda v: not v.language, lambda v: True):
        chosen = sorted(str(v) for v in values if test(v))
        if chosen:
            return chosen[0]
    return ""


def _mint(svc: Service, entry: ResourceClass, title: str) -> URIRef:
    """``<namespace><slug>-<6 hex>``, unused in the store."""
    stem = slug(title) or slug(entry.name) or "item"
    namespace = entry.namespace(svc.settings.base_iri)
    while True:
        iri = URIRef(f"{namespace}{stem}-{secrets.token_hex(_SUFFIX_BYTES)}")
        if not svc.kg.store.query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", bindings={"s": iri}).boolean:
            return iri


# -- where a member lives, and who may change it ------------------------------------------------------------


def _home_graphs(svc: Service, entry: ResourceClass, iri: URIRef) -> list[str]:
    classes = " ".join(f"<{c}>" for c in entry.classes)
    query = f"SELECT DISTINCT ?g WHERE {{ VALUES ?c {{ {classes} }} GRAPH ?g {{ ?s a ?c }} }} ORDER BY ?g"
    return [str(row["g"]) for row in svc.kg.store.query(query, bindings={"s": iri}).rows()]


def _owned_subjects(svc: Service, graph: str, iri: URIRef) -> list[tuple[str, str]]:
    """(graph, subject) for the member and every IRI under it described in ``graph``."""
    prefix = Literal(f"{iri}/").n3()
    query = (
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
        f"FILTER(?s = <{iri}> || STRSTARTS(STR(?s), {prefix})) }}"
    )
    rows = svc.kg.store.query(query).rows()
    return [(graph, str(row["s"])) for row in rows]


def _write_graph(request: Request, svc: Service, principal: Principal) -> str:
    given = request.query_params.getlist("graph")
    if len(given) > 1:
        raise Problem(400, "more than one 'graph' parameter", "name one graph")
    if principal.admin:
        if not given:
            raise Problem(400, "no graph named", "an admin token names the graph to write with ?graph=IRI")
        if not given[0].startswith(("http://", "https://", "urn:")):
            raise Problem(400, "bad graph IRI", f"{given[0]!r} is not an absolute IRI")
        return given[0]
    own = svc.kg.graphs.partner(principal.partner or "")
    if given and given[0] != own:
        raise Problem(403, "not allowed to write there", f"{principal.name} may not write <{given[0]}>")
    return own


def _tag(graph: Graph) -> str:
    return f'"{etag(graph)}-jsonld"'


def _check_if_match(request: Request, current: Graph) -> None:
    header = request.headers.get("if-match")
    if header is None:
        raise Problem(
            428,
            "precondition required",
            "send If-Match with the ETag of your GET, so that you do not overwrite a change you have not seen",
        )
    digest = etag(current)
    for tag in header.split(","):
        tag = tag.strip()
        if tag == "*":
            return
        tag = tag.removeprefix("W/").strip('"')
        if tag.split("-", 1)[0] == digest:
            return
    raise Problem(
        412,
        "precondition failed",
        "the resource changed since your GET (If-Match does not match its ETag); GET it again and retry",
        headers={"ETag": _tag(current)},
    )


# -- the writes ---------------------------------------------------------------------------------------------


def _setup(request: Request, collection: str) -> tuple[Service, ResourceClass, Vocabulary]:
    svc = service(request)
    entries = {e.collection: e for e in registry(svc.settings.base_iri)}
    return svc, entries[collection], vocabulary(svc.settings.shapes_dir)


async def _store(
    svc: Service,
    data: Graph,
    graph: str,
    remove: list[tuple[str, str]],
) -> int:
    body = data.serialize(format="nt", encoding="utf-8")
    try:
        result = await run_in_threadpool(
            svc.kg.write_path.write,
            body,
            rdf_syntax("ntriples"),
            graph=graph,
            base_iri=svc.settings.base_iri,
            allowed_graphs=lambda g: g == graph,
            remove_resources=remove,
        )
    except ParseError as error:
        raise Problem(400, "the body cannot be stored", str(error)) from error
    except WriteRejected as rejected:
        raise svc.rejected(rejected) from rejected
    await run_in_threadpool(svc.committed)
    return result.quads


def _answer(
    request: Request, vocab: Vocabulary, described: Graph, iri: URIRef, status: int, **headers: str
) -> Response:
    context = str(request.url_for("jsonld_context"))
    body = json.dumps(compact(described, iri, vocab, context), ensure_ascii=False, indent=1).encode("utf-8")
    return Response(body, status_code=status, media_type=JSONLD, headers={"ETag": _tag(described), **headers})


async def _create(request: Request, collection: str) -> Response:
    svc, entry, vocab = _setup(request, collection)
    principal = authenticate(request)
    graph = _write_graph(request, svc, principal)
    parsed = await _body_graph(request, vocab, svc.settings.base_iri, _PLACEHOLDER)
    main = _main_node(parsed, entry, URIRef(_PLACEHOLDER))
    if main == URIRef(_PLACEHOLDER) or isinstance(main, BNode):
        async with svc.write_lock:
            iri = await run_in_threadpool(_mint, svc, entry, _title(parsed, main, entry))
        parsed = _rename(parsed, {main: iri})
    else:
        iri = URIRef(str(main))
        namespace = entry.namespace(svc.settings.base_iri)
        if entry.iri(svc.settings.base_iri, iri.removeprefix(namespace)) != iri:
            detail = f"<{iri}> is not a {entry.name} IRI ({namespace}…); leave id out to have one minted"
            raise Problem(422, "bad id", detail)
    data = _own(parsed, iri, entry, vocab)
    async with svc.write_lock:
        if await run_in_threadpool(describe, svc.kg.store, entry, iri) is not None:
            raise Problem(409, f"the {entry.name} exists", f"<{iri}> exists; PUT it to change it")
        added = await _store(svc, data, graph, [])
        described = await run_in_threadpool(describe, svc.kg.store, entry, iri)
    log_write(principal, graph, added, 0, f"api-post-{collection}")
    local = iri.removeprefix(entry.namespace(svc.settings.base_iri))
    location = str(request.url_for(f"get_{collection}", id=local))
    return _answer(request, vocab, described or Graph(), iri, 201, Location=location)


async def _existing(
    request: Request, svc: Service, entry: ResourceClass, local: str, principal: Principal
) -> tuple[URIRef, str, Graph]:
    """The member's IRI, its graph and current description; 404, 403 or 409 otherwise."""
    iri = entry.iri(svc.settings.base_iri, local)
    current = await run_in_threadpool(describe, svc.kg.store, entry, iri) if iri is not None else None
    if iri is None or current is None:
        raise Problem(404, f"no such {entry.name}", f"{iri or local} is not a {entry.name} of this catalogue")
    homes = await run_in_threadpool(_home_graphs, svc, entry, iri)
    if len(homes) != 1:
        detail = f"<{iri}> is described in {len(homes)} graphs; an admin must repair it through /store"
        raise Problem(409, "the resource has no single home graph", detail)
    graph = homes[0]
    if not principal.may_write(graph, svc.kg.graphs):
        raise Problem(403, "not allowed to change this resource", f"{principal.name} may not write <{graph}>")
    return iri, graph, current


async def _replace(request: Request, collection: str, local: str) -> Response:
    svc, entry, vocab = _setup(request, collection)
    principal = authenticate(request)
    iri = entry.iri(svc.settings.base_iri, local)
    if iri is not None:
        parsed = await _body_graph(request, vocab, svc.settings.base_iri, str(iri))
    async with svc.write_lock:
        iri, graph, current = await _existing(request, svc, entry, local, principal)
        _check_if_match(request, current)
        main = _main_node(parsed, entry, iri)
        if main != iri:
            raise Problem(422, "the body describes another resource", f"the body's id must be <{iri}> or left out")
        data = _own(parsed, iri, entry, vocab)
        remove = await run_in_threadpool(_owned_subjects, svc, graph, iri)
        added = await _store(svc, data, graph, remove)
        described = await run_in_threadpool(describe, svc.kg.store, entry, iri)
    log_write(principal, graph, added, len(current), f"api-put-{collection}")
    return _answer(request, vocab, described or Graph(), iri, 200)


async def _delete(request: Request, collection: str, local: str) -> Response:
    svc, entry, _ = _setup(request, collection)
    principal = authenticate(request)
    async with svc.write_lock:
        iri, graph, current = await _existing(request, svc, entry, local, principal)
        _check_if_match(request, current)
        remove = await run_in_threadpool(_owned_subjects, svc, graph, iri)
        await run_in_threadpool(svc.kg.store.apply, Changeset(remove_resources=remove))
        await run_in_threadpool(svc.committed)
    log_write(principal, graph, 0, len(current), f"api-delete-{collection}")
    return Response(status_code=204)


# -- routes -------------------------------------------------------------------------------------------------


def _body_content() -> dict:
    return {
        "requestBody": {
            "required": True,
            "content": {
                JSONLD: {"schema": {"type": "object"}},
                JSON_MEDIA: {"schema": {"type": "object"}},
                TURTLE: {"schema": {"type": "string"}},
                NTRIPLES: {"schema": {"type": "string"}},
            },
        }
    }


def _add_routes(entry: ResourceClass) -> None:
    collection = entry.collection

    async def create_member(request: Request) -> Response:
        return await _create(request, collection)

    async def replace_member(request: Request, id: str) -> Response:
        return await _replace(request, collection, id)

    async def delete_member(request: Request, id: str) -> Response:
        return await _delete(request, collection, id)

    problem = {"description": "a problem document (application/problem+json)"}
    errors = {code: problem for code in (400, 401, 403, 415, 422)}
    router.add_api_route(
        f"/api/{collection}",
        create_member,
        methods=["POST"],
        name=f"create_{collection}",
        summary=f"Create a {entry.name} (validated); its IRI is minted from its title",
        response_class=Response,
        status_code=201,
        responses={201: {"description": "created; Location and ETag headers"}, **errors, 409: problem},
        openapi_extra=_body_content(),
    )
    router.add_api_route(
        f"/api/{collection}/{{id}}",
        replace_member,
        methods=["PUT"],
        name=f"replace_{collection}",
        summary=f"Replace a {entry.name}'s description (validated; If-Match required)",
        response_class=Response,
        responses={**errors, 404: problem, 409: problem, 412: problem, 428: problem},
        openapi_extra=_body_content(),
    )
    router.add_api_route(
        f"/api/{collection}/{{id}}",
        delete_member,
        methods=["DELETE"],
        name=f"delete_{collection}",
        summary=f"Delete a {entry.name} (If-Match required)",
        response_class=Response,
        status_code=204,
        responses={401: problem, 403: problem, 404: problem, 409: problem, 412: problem, 428: problem},
    )


def _build() -> None:
    for entry in registry(Settings().base_iri):
        if entry.shapes:  # ESCO skills and occupations are read-only: they come from ESCO
            _add_routes(entry)


_build()
