"""RDF representations of catalogue resources: which one a client asked for (``format=`` or ``Accept``) and the
bytes of it: compact JSON-LD with the served context by default, or expanded JSON-LD, Turtle, N-Triples, RDF/XML."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from rdflib import Graph
from rdflib.term import Node

from smarco_kg.api.problems import Problem
from smarco_kg.catalogue.jsonld import compact
from smarco_kg.catalogue.read import Triple, graph_of
from smarco_kg.catalogue.vocabulary import CONTEXT_PREFIXES, Vocabulary
from smarco_kg.catalogue.write import JSON_MEDIA, JSONLD
from smarco_kg.jsontext import json_bytes
from smarco_kg.negotiation import NotAcceptable, negotiate

EXPANDED = "http://www.w3.org/ns/json-ld#expanded"
OFFERED = (JSONLD, JSON_MEDIA, "text/turtle", "application/n-triples", "application/rdf+xml")
FORMAT_NAMES = ["jsonld", "jsonld-full", "json", "turtle", "ntriples", "rdfxml"]
_RDFLIB_NAMES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml"}
_FORMATS = {
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


@dataclass(frozen=True)
class Representation:
    media_type: str
    expanded: bool = False

    @property
    def compact(self) -> bool:
        """Whether this is compact JSON-LD (or plain JSON, the same bytes), written by ``catalogue.jsonld``."""
        return self.media_type in (JSONLD, JSON_MEDIA) and not self.expanded

    @property
    def tag_suffix(self) -> str:
        """What an ETag of this representation ends with: the same triples digest alike in every one."""
        if self.expanded:
            return "expanded"
        return {JSONLD: "jsonld", JSON_MEDIA: "json", "text/turtle": "ttl", "application/n-triples": "nt"}.get(
            self.media_type, "rdf"
        )


def representation(request: Request, fmt: str | None) -> Representation:
    """What to answer with: ``format=`` wins over ``Accept``; 406 when nothing offered is acceptable."""
    offered = [*OFFERED, f'{JSONLD};profile="{EXPANDED}"']
    if fmt is not None:
        chosen = _FORMATS.get(fmt.strip().lower())
        if chosen is None:
            detail = f"format={fmt!r}; use one of jsonld, jsonld-full, json, turtle, ntriples, rdfxml"
            raise Problem(406, "unknown format", detail, offered=offered)
        return Representation(*chosen)
    accept = request.headers.get("accept")
    try:
        media_type = negotiate(accept, OFFERED)
    except NotAcceptable as error:
        raise Problem(406, "no acceptable representation", str(error), offered=offered) from error
    return Representation(media_type, media_type == JSONLD and _asks_expanded(accept))


def _asks_expanded(accept: str | None) -> bool:
    """Whether an ``application/ld+json`` range of ``Accept`` names the expanded profile."""
    for part in (accept or "").split(","):
        media, _, params = part.partition(";")
        if media.strip().lower() == JSONLD and "profile" in params and EXPANDED in params:
            return True
    return False


def render(
    graph: Graph | list[Triple],
    root: Node,
    vocabulary: Vocabulary,
    chosen: Representation,
    request: Request,
    always: dict[str, Any] | None = None,
) -> tuple[bytes, str]:
    """The bytes and media type of ``graph`` from ``root`` in the chosen representation; ``always`` gives compact
    JSON-LD the members it has even when the graph says nothing of them (a page's empty ``items``). A list of
    triples is written as it is, put in a graph only for the other representations."""
    if chosen.compact:
        body = compact(graph, root, vocabulary, context_url(request))
        for key, value in (always or {}).items():
            body.setdefault(key, value)
        return json_bytes(body), chosen.media_type
    if not isinstance(graph, Graph):
        graph = graph_of(graph)
    for prefix, namespace in CONTEXT_PREFIXES.items():
        graph.bind(prefix, namespace, replace=True)
    if chosen.expanded:
        return graph.serialize(format="json-ld", encoding="utf-8"), f'{JSONLD}; profile="{EXPANDED}"'
    return graph.serialize(format=_RDFLIB_NAMES[chosen.media_type], encoding="utf-8"), chosen.media_type


def compact_response_body(graph: Graph, root: Node, vocabulary: Vocabulary, request: Request) -> bytes:
    """Compact JSON-LD of ``root`` with the served context, as writes answer."""
    return json_bytes(compact(graph, root, vocabulary, context_url(request)))


def context_url(request: Request) -> str:
    """The served JSON-LD context's address for this request's host. Its path is looked up by route name once per
    application: ``url_for`` walks every route of the application each time (0.7 ms a request, measured)."""
    state = request.app.state
    path = getattr(state, "jsonld_context_path", None)
    if path is None:
        path = state.jsonld_context_path = request.app.url_path_for("jsonld_context")
    return str(path.make_absolute_url(request.base_url))


EXPANDED_SCHEMA = {
    "type": "array",
    "items": {"type": "object"},
    "title": "expanded JSON-LD (format=jsonld-full, or Accept: application/ld+json with the expanded profile)",
}


def rdf_content(schema: dict) -> dict:
    """The OpenAPI content of an RDF answer: the JSON schema for JSON (and compact JSON-LD, which may also come
    expanded, under the same media type with the expanded profile), strings for the rest."""
    return {
        JSONLD: {"schema": {"anyOf": [schema, EXPANDED_SCHEMA]}},
        JSON_MEDIA: {"schema": schema},
        "text/turtle": {"schema": {"type": "string"}},
        "application/n-triples": {"schema": {"type": "string"}},
        "application/rdf+xml": {"schema": {"type": "string"}},
    }


def format_parameter() -> dict:
    return {
        "name": "format",
        "in": "query",
        "description": "Overrides Accept: compact JSON-LD (default), expanded JSON-LD, Turtle, N-Triples, RDF/XML",
        "schema": {"type": "string", "enum": FORMAT_NAMES},
    }
