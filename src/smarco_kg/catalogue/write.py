"""Writing members: a body read as RDF, IRIs minted from titles, who owns what, and create / replace / delete.

A body is the shape a GET returns: compact JSON-LD (its ``@context`` the served ``/api/context.jsonld`` or left
out, when the served context applies; never a remote one), or Turtle / N-Triples. What a write covers: the
member, the IRIs under it (``<course/x/specification>``, ``<course/x/outcome/1>``) and blank nodes; statements
about other resources (labels a GET shows for what a member links to) are ignored. New members get
``<namespace><slug>-<6 hex>``, the slug from the English (else any) label; their embedded blank nodes get IRIs
under them. Replacing or deleting needs the ETag of the current description (``If-Match``); a partner may change
only members whose description lives in its own graph. Every write is committed through the knowledge graph's
one commit call (store, search index, change feed, dumps).
"""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from smarco_kg.auth import Principal
from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.read import describe, etag
from smarco_kg.catalogue.vocabulary import Vocabulary, local_name
from smarco_kg.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
    UnsupportedMediaType,
)
from smarco_kg.formats import rdf_syntax
from smarco_kg.graphs import Graphs
from smarco_kg.iri_syntax import writable
from smarco_kg.jsontext import read_json
from smarco_kg.ownership import Owner
from smarco_kg.store import Changeset, GraphStore

JSONLD, JSON_MEDIA = "application/ld+json", "application/json"
TURTLE, NTRIPLES = "text/turtle", "application/n-triples"
PLACEHOLDER = URIRef("urn:smarco:new-member")
_SUFFIX_BYTES = 3  # six hex digits
_SLUG_LENGTH = 60


class Committer(Protocol):
    """What commits a member's write (the knowledge graph): validated data, or removals alone."""

    def commit(
        self, data: bytes, syntax: Any, *, actor: str, operation: str, owner: Owner | None, **options: Any
    ) -> Any: ...

    def apply(
        self,
        changes: Changeset,
        *,
        graphs: list[str],
        actor: str,
        operation: str,
        subjects: list[str],
        owner: Owner | None,
    ) -> None: ...


# -- the body ----------------------------------------------------------------------------------------------


def read_body(
    data: bytes,
    content_type: str,
    vocab: Vocabulary,
    base_iri: str,
    main: str,
    resolve: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Graph:
    """The body as a graph; a JSON-LD main node without an IRI is named ``main``. A JSON body goes through
    ``resolve`` first (``plain_values``: codes, labels, numbers and durations in words become the shapes' values)."""
    content_type = content_type.split(";")[0].strip().lower()
    if not data.strip():
        raise BadRequest("send the description as JSON-LD, Turtle or N-Triples", title="empty body")
    graph = Graph()
    if content_type in (JSONLD, JSON_MEDIA):
        document = read_json(data)
        if not isinstance(document, dict):
            raise BadRequest("send one node object, as a GET returns", title="the body is not one JSON-LD object")
        given = document.get("@context")
        served = given is None or (isinstance(given, str) and given.endswith("/api/context.jsonld"))
        document = resolve(document) if resolve is not None and served else dict(document)
        document["@context"] = _context(document.get("@context"), vocab)
        if _fetches(document):
            raise BadRequest("contexts may not import or name remote documents", title="unsupported @context")
        node_id = document.get("id", document.get("@id"))
        if node_id is None or (isinstance(node_id, str) and node_id.startswith("_:")):
            document.pop("@id", None)
            document["id"] = main
        try:
            graph.parse(data=json.dumps(document), format="json-ld", base=base_iri)
        except Exception as error:
            detail = " ".join(str(error).split())
            raise BadRequest(detail, title="the body is not JSON-LD this service reads") from error
        unwritable = sorted({str(t) for triple in graph for t in triple if isinstance(t, URIRef) and not writable(t)})
        if unwritable:
            detail = f"<{unwritable[0]}> is no IRI: a key this service does not know, or a malformed id"
            raise BadRequest(detail, title="the body names something that is no IRI")
        return graph
    if content_type not in (TURTLE, NTRIPLES):
        detail = f"Content-Type {content_type or 'none'}; use {JSONLD}, {JSON_MEDIA}, {TURTLE} or {NTRIPLES}"
        raise UnsupportedMediaType(detail)
    try:
        graph.parse(data=data, format=rdf_syntax(content_type).rdflib_name, publicID=base_iri)
    except Exception as error:
        detail = " ".join(str(error).split())
        raise BadRequest(detail, title="the body is not RDF in the format it claims") from error
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
    raise BadRequest(
        "use the served /api/context.jsonld, leave @context out, or give the context inline; no other remote one",
        title="unsupported @context",
    )


def main_node(graph: Graph, entry: ClassEntry, iri: URIRef | None) -> Node:
    """The node the body describes: ``iri`` when given and described, else the one typed with the class."""
    if iri is not None and (iri, None, None) in graph:
        return iri
    typed = {s for c in entry.classes for s in graph.subjects(RDF.type, c)}
    if len(typed) == 1:
        return next(iter(typed))
    if not typed:  # a body without a type: the one untyped node nothing refers to (a JSON-LD document's top node)
        referred = set(graph.objects())
        tops = {s for s in graph.subjects() if s not in referred and (s, RDF.type, None) not in graph}
        if len(tops) == 1:
            return next(iter(tops))
    raise Unprocessable(
        f"the body must describe one {entry.name} (typed {', '.join(local_name(c) for c in entry.classes)})",
        title=f"no {entry.name} in the body",
    )


def rename(graph: Graph, renames: dict[Node, URIRef]) -> Graph:
    out = Graph()
    for s, p, o in graph:
        out.add((renames.get(s, s), p, renames.get(o, o)))
    return out


def part_names(graph: Graph, main: URIRef, entry: ClassEntry, vocab: Vocabulary) -> dict[Node, URIRef]:
    """The IRIs under ``main`` that the embedded blank nodes of the body get (``<course/x/outcome/1>``), in the
    order of their labels."""
    renames: dict[Node, URIRef] = {}
    taken = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
    queue: list[Node] = [main]
    while queue:
        subject = queue.pop(0)
        for predicate in entry.embed:
            blanks = sorted((o for o in graph.objects(subject, predicate) if isinstance(o, BNode)), key=str)
            name = entry.part_names.get(local_name(predicate), local_name(predicate).lower())
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
    return renames


def owned_part(graph: Graph, main: URIRef, entry: ClassEntry, vocab: Vocabulary) -> Graph:
    """The part of the body a write of ``main`` covers, with embedded blank nodes named under ``main``."""
    graph = rename(graph, part_names(graph, main, entry, vocab))
    prefix = f"{main}/"
    kept = Graph()
    for s, p, o in graph:
        if s == main or isinstance(s, BNode) or str(s).startswith(prefix):
            kept.add((s, p, o))
    if not any(kept.objects(main, RDF.type)):
        kept.add((main, RDF.type, entry.classes[0]))
    return kept


def sent_names(body: Graph, main: Node, iri: URIRef, entry: ClassEntry, vocab: Vocabulary) -> dict[str, str]:
    """What the write names each node it mints by, as the body named it: ``main`` for the member's IRI, the blank
    node's label (``_:b1``) for each IRI minted under it; so that a report speaks of what was sent."""
    names = {str(iri): str(main) if isinstance(main, URIRef) else f"_:{main}"}
    renamed = rename(body, {main: iri}) if main != iri else body
    for blank, minted in part_names(renamed, iri, entry, vocab).items():
        names[str(minted)] = f"_:{blank}"
    return names


def renamed(errors: list[dict[str, Any]], names: dict[str, str]) -> list[dict[str, Any]]:
    """A report's results with the nodes in ``names`` (focus nodes and values, by their text) renamed."""
    out = []
    for error in errors:
        error = dict(error)
        for key in ("focusNode", "value"):
            if isinstance(error.get(key), str):
                error[key] = names.get(error[key], error[key])
        out.append(error)
    return out


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens, at most 60 characters: ``Città sensibili`` -> ``citta-sensibili``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return words[:_SLUG_LENGTH].rstrip("-")


def title_of(graph: Graph, node: Node, entry: ClassEntry) -> str:
    values = [v for v in graph.objects(node, entry.label) if isinstance(v, Literal)]
    for test in (lambda v: (v.language or "").lower().startswith("en"), lambda v: not v.language, lambda v: True):
        chosen = sorted(str(v) for v in values if test(v))
        if chosen:
            return chosen[0]
    return ""


def mint(store: GraphStore, entry: ClassEntry, base_iri: str, title: str) -> URIRef:
    """``<namespace><slug>-<6 hex>``, unused in the store."""
    stem = slug(title) or slug(entry.name) or "item"
    namespace = entry.namespace(base_iri)
    while True:
        iri = URIRef(f"{namespace}{stem}-{secrets.token_hex(_SUFFIX_BYTES)}")
        if not store.query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", bindings={"s": iri}).boolean:
            return iri


# -- where a member lives, and who may change it ------------------------------------------------------------


def owned_subjects(store: GraphStore, graph: str, iri: URIRef) -> list[tuple[str, str]]:
    """(graph, subject) for the member and every IRI under it described in ``graph``."""
    prefix = Literal(f"{iri}/").n3()
    query = (
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
        f"FILTER(?s = <{iri}> || STRSTARTS(STR(?s), {prefix})) }}"
    )
    return [(graph, str(row["s"])) for row in store.query(query).rows()]


def target_graph(principal: Principal, given: list[str], graphs: Graphs) -> str:
    """The graph a new member goes to: the partner's own, or the one an admin names with ``?graph=``."""
    if len(given) > 1:
        raise BadRequest("name one graph", title="more than one 'graph' parameter")
    if principal.admin:
        if not given:
            raise BadRequest("an admin token names the graph to write with ?graph=IRI", title="no graph named")
        if not given[0].startswith(("http://", "https://", "urn:")):
            raise BadRequest(f"{given[0]!r} is not an absolute IRI", title="bad graph IRI")
        return given[0]
    own = graphs.partner(principal.partner or "")
    if given and given[0] != own:
        raise Forbidden(f"{principal.name} may not write <{given[0]}>", title="not allowed to write there")
    return own


def tag(graph: Graph) -> str:
    """The ``ETag`` header value of a member's description in compact JSON-LD."""
    return f'"{etag(graph)}-jsonld"'


def check_if_match(header: str | None, current: Graph) -> None:
    """Any ETag a GET of the member gave (every representation digests the same triples), or ``*``."""
    if header is None:
        raise PreconditionRequired(
            "send If-Match with the ETag of your GET, so that you do not overwrite a change you have not seen"
        )
    digest = etag(current)
    for given in header.split(","):
        given = given.strip()
        if given == "*" or given.removeprefix("W/").strip('"').split("-", 1)[0] == digest:
            return
    raise PreconditionFailed(
        "the resource changed since your GET (If-Match does not match its ETag); GET it again and retry",
        headers={"ETag": tag(current)},
    )


# -- the writes ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """A member as written: its IRI, its graph, its description now and the triples added and removed."""

    iri: URIRef
    graph: str
    described: Graph
    added: int = 0
    removed: int = 0


@dataclass(frozen=True)
class MemberWrites:
    """Create, replace and delete members of one class; callers hold the single writer's lock around each."""

    store: GraphStore
    committer: Committer
    graphs: Graphs
    base_iri: str
    vocabulary: Vocabulary

    def create(self, entry: ClassEntry, body: Graph, graph: str, actor: str, owner: Owner | None = None) -> Written:
        """A new member from ``body`` (its main node named ``PLACEHOLDER`` or by a member IRI) in ``graph``;
        ``owner``: the partner the write is held to (none for an admin)."""
        main = main_node(body, entry, PLACEHOLDER)
        sent = body
        if main == PLACEHOLDER or isinstance(main, BNode):
            iri = mint(self.store, entry, self.base_iri, title_of(body, main, entry))
            body = rename(body, {main: iri})
        else:
            iri = URIRef(str(main))
            namespace = entry.namespace(self.base_iri)
            if entry.iri(self.base_iri, iri.removeprefix(namespace)) != iri:
                detail = f"<{iri}> is not a {entry.name} IRI ({namespace}…); leave id out to have one minted"
                raise Unprocessable(detail, title="bad id")
        data = owned_part(body, iri, entry, self.vocabulary)
        if describe(self.store, entry, iri) is not None:
            raise Conflict(f"<{iri}> exists; PUT it to change it", title=f"the {entry.name} exists")
        try:
            added = self._commit(data, graph, [], actor=actor, operation="create", owner=owner)
        except Unprocessable as error:  # the shapes' report speaks of the nodes as the body named them
            error.errors = renamed(error.errors, sent_names(sent, main, iri, entry, self.vocabulary))
            raise
        return Written(iri, graph, describe(self.store, entry, iri) or Graph(), added)

    def existing(self, entry: ClassEntry, local: str, principal: Principal) -> tuple[URIRef, str, Graph]:
        """The member's IRI, its graph and current description; 404, 403 or 409 otherwise."""
        iri = entry.iri(self.base_iri, local)
        current = describe(self.store, entry, iri) if iri is not None else None
        if iri is None or current is None:
            raise NotFound(f"{iri or local} is not a {entry.name} of this catalogue", title=f"no such {entry.name}")
        homes = self.store.typing_graphs(iri, entry.classes)
        if len(homes) != 1:
            detail = f"<{iri}> is described in {len(homes)} graphs; an admin must repair it through /store"
            raise Conflict(detail, title="the resource has no single home graph")
        if not principal.may_write(homes[0], self.graphs):
            raise Forbidden(f"{principal.name} may not write <{homes[0]}>", title="not allowed to change this resource")
        return iri, homes[0], current

    def replace(
        self, entry: ClassEntry, local: str, body: Graph, principal: Principal, if_match: str | None
    ) -> Written:
        """The member's description replaced by ``body`` in its home graph, validated in one transaction."""
        iri, graph, current = self.existing(entry, local, principal)
        check_if_match(if_match, current)
        if main_node(body, entry, iri) != iri:
            raise Unprocessable(
                f"the body's id must be <{iri}> or left out", title="the body describes another resource"
            )
        data = owned_part(body, iri, entry, self.vocabulary)
        remove = owned_subjects(self.store, graph, iri)
        owner = Owner.of(principal, self.graphs)
        try:
            added = self._commit(data, graph, remove, actor=principal.actor, operation="update", owner=owner)
        except Unprocessable as error:
            error.errors = renamed(error.errors, sent_names(body, iri, iri, entry, self.vocabulary))
            raise
        return Written(iri, graph, describe(self.store, entry, iri) or Graph(), added, len(current))

    def delete(self, entry: ClassEntry, local: str, principal: Principal, if_match: str | None) -> Written:
        """The member's description removed from its home graph (not validated, as the Graph Store's DELETE)."""
        iri, graph, current = self.existing(entry, local, principal)
        check_if_match(if_match, current)
        remove = owned_subjects(self.store, graph, iri)
        self.committer.apply(
            Changeset(remove_resources=remove),
            graphs=[graph],
            actor=principal.actor,
            operation="delete",
            subjects=[s for _, s in remove],
            owner=Owner.of(principal, self.graphs),
        )
        return Written(iri, graph, Graph(), 0, len(current))

    def _commit(
        self,
        data: Graph,
        graph: str,
        remove: list[tuple[str, str]],
        *,
        actor: str,
        operation: str,
        owner: Owner | None,
    ) -> int:
        subjects = sorted({str(s) for s in data.subjects() if isinstance(s, URIRef)} | {s for _, s in remove})
        result = self.committer.commit(
            data.serialize(format="nt", encoding="utf-8"),
            rdf_syntax("ntriples"),
            actor=actor,
            operation=operation,
            subjects=subjects,
            owner=owner,
            graph=graph,
            base_iri=self.base_iri,
            allowed_graphs=lambda g: g == graph,
            remove_resources=remove,
        )
        return result.quads
