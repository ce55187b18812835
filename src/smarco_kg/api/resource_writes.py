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

OpenAPI: a POST/PUT body's JSON schema is the one a GET of the member answers with (``resource_schema``, from
the shapes; ``@context`` and ``id`` optional), with an example per media type made from a demo member
(``data/*.trig``) so that it validates; every error is a problem document, and Location / ETag are headers.
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
import warnings
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node
from starlette.concurrency import run_in_threadpool

from smarco_kg.api.context import Service, authenticate, service
from smarco_kg.api.jsonld import compact, resource_schema
from smarco_kg.api.problems import Problem
from smarco_kg.api.resources import JSON_MEDIA, JSONLD, describe, etag
from smarco_kg.auth import Principal, log_write
from smarco_kg.config import Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.ingest.demo import demo_files
from smarco_kg.registry import CONTEXT_PREFIXES, ResourceClass, Vocabulary, local_name, registry, vocabulary
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
    *,
    actor: str,
    operation: str,
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
    subjects = {str(s) for s in data.subjects() if isinstance(s, URIRef)} | {s for _, s in remove}
    await run_in_threadpool(svc.committed, [graph], actor=actor, operation=operation, subjects=subjects)
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
        added = await _store(svc, data, graph, [], actor=principal.name, operation="create")
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
        added = await _store(svc, data, graph, remove, actor=principal.name, operation="update")
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
        await run_in_threadpool(
            svc.committed, [graph], actor=principal.name, operation="delete", subjects=[s for _, s in remove]
        )
    log_write(principal, graph, 0, len(current), f"api-delete-{collection}")
    return Response(status_code=204)


# -- OpenAPI: request and response schemas from the shapes, examples from the demo data --------------------

PROBLEM_MEDIA = "application/problem+json"
_PROBLEM_SCHEMA = {
    "type": "object",
    "title": "problem details (RFC 9457)",
    "properties": {
        "type": {"type": "string", "format": "uri-reference", "default": "about:blank"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}, "description": "422: one entry per SHACL result"},
    },
    "required": ["type", "title", "status"],
}
_PROBLEMS = {
    400: "the body is empty, not JSON-LD / RDF, or names a remote @context; or ?graph is missing or bad",
    401: "no valid bearer token",
    403: "the token may not write the graph that holds (or would hold) the member",
    404: "no such member",
    409: "the member exists already (POST), or its description lives in more than one graph",
    412: "If-Match does not match the member's current ETag (the current one is in the ETag header)",
    415: "a Content-Type other than JSON-LD, JSON, Turtle or N-Triples",
    422: "the description violates the shapes (each violation listed in errors), or describes another member",
    428: "If-Match is missing",
}
_ETAG = {"description": "the tag of the member's description; send it back in If-Match", "schema": {"type": "string"}}
_LOCATION = {"description": "the URL of the new member", "schema": {"type": "string", "format": "uri"}}


def _problem(status: int) -> dict:
    response: dict = {
        "description": _PROBLEMS[status],
        "content": {PROBLEM_MEDIA: {"schema": _PROBLEM_SCHEMA}},
    }
    if status == 412:
        response["headers"] = {"ETag": _ETAG}
    return response


def request_schema(entry: ResourceClass, vocab: Vocabulary) -> dict:
    """The body of a POST or PUT: the schema a GET of the member answers with, ``@context`` and ``id`` optional
    (the served context applies when it is left out; POST mints the IRI, PUT takes it from the URL)."""
    schema = resource_schema(entry, vocab)
    schema["required"] = [key for key in schema["required"] if key not in ("@context", "id")]
    return schema


def demo_members(data_dir: Path, base_iri: str) -> Graph | None:
    """The demo data (``data/*.trig``), every graph's triples in one, or None when it is missing or unreadable."""
    try:
        dataset = Dataset(default_union=True)
        with warnings.catch_warnings():  # rdflib's TriG parser warns about its own use of ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            for path in demo_files(data_dir):
                dataset.parse(path, format="trig", publicID=base_iri)
            union = Graph()
            for s, p, o, _ in dataset.quads():
                union.add((s, p, o))
    except Exception:  # an example is a nicety: the routes stand without one
        return None
    return union


def _description(data: Graph, iri: URIRef) -> Graph:
    """What a write of ``iri`` covers: its triples, those of the IRIs under it and of the blank nodes they reach."""
    prefix = f"{iri}/"
    out = Graph()
    queue: list[Node] = [s for s in set(data.subjects()) if s == iri or str(s).startswith(prefix)]
    seen: set[Node] = set()
    while queue:
        subject = queue.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for s, p, o in data.triples((subject, None, None)):
            out.add((s, p, o))
            if isinstance(o, BNode):
                queue.append(o)
    return out


def write_example(entry: ResourceClass, vocab: Vocabulary, data: Graph, base_iri: str) -> tuple[URIRef, Graph] | None:
    """A demo member of ``entry`` and its description, or None when the demo data has none: one of the class a
    body without a type gets (a micro-credential rather than a certificate, which needs others stacking into
    it), embedding what it owns, the smallest of those."""
    namespace = entry.namespace(base_iri)
    members = sorted(
        {s for c in entry.classes for s in data.subjects(RDF.type, c) if str(s).startswith(namespace)}, key=str
    )
    ranked = []
    for member in members:
        graph = _description(data, member)
        if "/" in str(member).removeprefix(namespace) or not graph:
            continue
        other_class = (member, RDF.type, entry.classes[0]) not in data
        ranked.append(((other_class, _outside(entry, data, member), len(graph), str(member)), member, graph))
    if not ranked:
        return None
    _, member, graph = min(ranked, key=lambda item: item[0])
    return member, graph


def _outside(entry: ResourceClass, data: Graph, member: URIRef) -> int:
    """How many of the member's embedded values (a course's specification) are resources of their own: an example
    is clearer when it carries them nested."""
    prefix = f"{member}/"
    return sum(
        1
        for predicate in entry.embed
        for value in data.objects(member, predicate)
        if isinstance(value, URIRef) and not str(value).startswith(prefix)
    )


def _without_ids(node: object, iri: str) -> object:
    """A compact document without the ids of ``iri`` and the IRIs under it: POST mints them."""
    if isinstance(node, dict):
        return {
            key: _without_ids(value, iri)
            for key, value in node.items()
            if not (key == "id" and isinstance(value, str) and (value == iri or value.startswith(f"{iri}/")))
        }
    if isinstance(node, list):
        return [_without_ids(item, iri) for item in node]
    return node


def _examples(entry: ResourceClass, vocab: Vocabulary, data: Graph | None, base_iri: str) -> dict[str, dict]:
    """Per method, an example body per media type: a demo member in compact JSON-LD (no ``@context``: the served
    one applies), and the same triples in Turtle and N-Triples; POST's without the member's IRIs."""
    found = write_example(entry, vocab, data, base_iri) if data is not None else None
    if found is None:
        return {"POST": {}, "PUT": {}}
    member, graph = found
    keys = set(resource_schema(entry, vocab)["properties"]) - {"@context"}
    document = {k: v for k, v in compact(graph, member, vocab, "").items() if k in keys}  # no notes (comment)
    created = _without_ids(document, str(member))
    out: dict[str, dict] = {}
    for method, example in (("POST", created), ("PUT", document)):
        parsed = Graph()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            parsed.parse(data=json.dumps({"@context": vocab.context()["@context"], **example}), format="json-ld")
        for prefix, namespace in CONTEXT_PREFIXES.items():
            parsed.bind(prefix, namespace)
        out[method] = {
            JSONLD: example,
            JSON_MEDIA: example,
            TURTLE: parsed.serialize(format="turtle"),
            NTRIPLES: parsed.serialize(format="nt"),
        }
    return out


def _request_body(schema: dict, examples: dict) -> dict:
    content = {
        JSONLD: {"schema": schema},
        JSON_MEDIA: {"schema": schema},
        TURTLE: {"schema": {"type": "string", "description": "the member described in Turtle"}},
        NTRIPLES: {"schema": {"type": "string", "description": "the member described in N-Triples"}},
    }
    for media_type, example in examples.items():
        content[media_type]["example"] = example
    return {
        "required": True,
        "description": "the member as a GET returns it (compact JSON-LD, @context optional) or as Turtle / N-Triples",
        "content": content,
    }


_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "description": "the ETag of a GET of the member (any representation), or * for any existing member",
    "schema": {"type": "string"},
}
_GRAPH = {
    "name": "graph",
    "in": "query",
    "required": False,
    "description": "the named graph to write (admin tokens must name one; a partner's token writes its own)",
    "schema": {"type": "string", "format": "iri"},
}


# -- routes -------------------------------------------------------------------------------------------------


def _add_routes(entry: ResourceClass, vocab: Vocabulary, data: Graph | None, base_iri: str) -> None:
    collection = entry.collection

    async def create_member(request: Request) -> Response:
        return await _create(request, collection)

    async def replace_member(request: Request, id: str) -> Response:
        return await _replace(request, collection, id)

    async def delete_member(request: Request, id: str) -> Response:
        return await _delete(request, collection, id)

    body_schema = request_schema(entry, vocab)
    answer = {JSONLD: {"schema": resource_schema(entry, vocab)}}
    examples = _examples(entry, vocab, data, base_iri)
    router.add_api_route(
        f"/api/{collection}",
        create_member,
        methods=["POST"],
        name=f"create_{collection}",
        summary=f"Create a {entry.name} (validated); its IRI is minted from its title",
        response_class=Response,
        status_code=201,
        responses={
            201: {
                "description": f"created: the new {entry.name} as compact JSON-LD",
                "headers": {"Location": _LOCATION, "ETag": _ETAG},
                "content": answer,
            },
            **{code: _problem(code) for code in (400, 401, 403, 409, 415, 422)},
        },
        openapi_extra={"parameters": [_GRAPH], "requestBody": _request_body(body_schema, examples["POST"])},
    )
    router.add_api_route(
        f"/api/{collection}/{{id}}",
        replace_member,
        methods=["PUT"],
        name=f"replace_{collection}",
        summary=f"Replace a {entry.name}'s description (validated; If-Match required)",
        response_class=Response,
        responses={
            200: {
                "description": f"replaced: the {entry.name} as compact JSON-LD",
                "headers": {"ETag": _ETAG},
                "content": answer,
            },
            **{code: _problem(code) for code in (400, 401, 403, 404, 409, 412, 415, 422, 428)},
        },
        openapi_extra={"parameters": [_IF_MATCH], "requestBody": _request_body(body_schema, examples["PUT"])},
    )
    router.add_api_route(
        f"/api/{collection}/{{id}}",
        delete_member,
        methods=["DELETE"],
        name=f"delete_{collection}",
        summary=f"Delete a {entry.name} (If-Match required)",
        response_class=Response,
        status_code=204,
        responses={
            204: {"description": "deleted"},
            **{code: _problem(code) for code in (401, 403, 404, 409, 412, 428)},
        },
        openapi_extra={"parameters": [_IF_MATCH]},
    )


def _build() -> None:
    """The write routes of every registry entry with shapes; schemas from the shapes the environment names."""
    settings = Settings()
    vocab = vocabulary(settings.shapes_dir)
    data = demo_members(settings.data_dir, settings.base_iri)
    for entry in registry(settings.base_iri):
        if entry.shapes:  # ESCO skills and occupations are read-only: they come from ESCO
            _add_routes(entry, vocab, data, settings.base_iri)


_build()
