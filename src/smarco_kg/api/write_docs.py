"""The OpenAPI description of the collections' writes: request bodies with the schema a GET answers with (from
the shapes) and an example per media type made from a demo member, so that it validates; every error a problem
document; ``Location`` and ``ETag`` as headers."""

from __future__ import annotations

import json
import re
import warnings
from collections import Counter
from pathlib import Path

from rdflib import RDF, BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from smarco_kg.api.params import LANGUAGE_TAG
from smarco_kg.api.problems import problem_responses
from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.jsonld import compact, resource_schema
from smarco_kg.catalogue.plain_values import defaulted_keys, iris_in, labels_of, plain_document
from smarco_kg.catalogue.vocabulary import CONTEXT_PREFIXES, Vocabulary, local_name
from smarco_kg.catalogue.write import JSON_MEDIA, JSONLD, NTRIPLES, TURTLE
from smarco_kg.errors import SmarcoError
from smarco_kg.store import GraphStore

PROBLEMS = {
    400: "the body is empty, not JSON-LD / RDF, or names a remote @context; or ?graph is missing or bad",
    401: "no valid bearer token",
    403: "the token may not write the graph that holds (or would hold) the member",
    404: "no such member",
    408: "the body did not arrive within the time a write is given",
    409: "the member exists already (POST), or its description lives in more than one graph",
    413: "the body is larger than a write takes",
    412: "If-Match does not match the member's current ETag (the current one is in the ETag header)",
    415: "a Content-Type other than JSON-LD, JSON, Turtle or N-Triples",
    422: "the description violates the shapes (each violation listed in errors), or describes another member",
    428: "If-Match is missing",
}
GRAPH_PARAMETER = {
    "name": "graph",
    "in": "query",
    "required": True,
    "description": "the named graph to write, an absolute IRI: any for an admin token, which must name one; for a "
    "partner's token its own partner graph (the one it writes when the parameter is left out)",
    "schema": {"type": "string", "format": "iri", "pattern": "^(https?://|urn:)"},
}
CONTEXT_SCHEMA = {
    "description": "the served context (its URL, ending in /api/context.jsonld) or one given inline; no other",
    "anyOf": [{"type": "string", "pattern": "/api/context\\.jsonld$"}, {"type": "object"}],
}
ETAG = {"description": "the tag of the member's description; send it back in If-Match", "schema": {"type": "string"}}
LOCATION = {"description": "the URL of the new member", "schema": {"type": "string", "format": "uri"}}


def problems(*errors: type[SmarcoError]) -> dict[int | str, dict]:
    """The OpenAPI responses of the errors a write can raise, worded for writes; a 412 carries the current ETag."""
    responses = problem_responses(*errors, described=PROBLEMS)
    if 412 in responses:
        responses[412]["headers"] = {"ETag": ETAG}
    return responses


def request_schema(entry: ClassEntry, vocab: Vocabulary) -> dict:
    """The body of a POST or PUT: the schema a GET of the member answers with, ``@context`` and ``id`` optional
    (the served context applies when it is left out; POST mints the IRI, PUT takes it from the URL), ``type`` too
    (a body without one describes a member of the collection's first class), and the provider (a partner's write
    provides its own); the values in the plain forms ``plain_values`` resolves as well."""
    schema = resource_schema(entry, vocab)
    defaulted = {"@context", "id", "type", *defaulted_keys(vocab, entry)}  # the provider: the partner's own
    schema["required"] = [key for key in schema["required"] if key not in defaulted]
    properties = schema["properties"]
    properties["@context"] = CONTEXT_SCHEMA
    context = vocab.context()["@context"]
    names = [local_name(c) for c in entry.classes if local_name(c) in context] + [str(c) for c in entry.classes]
    properties["type"] = {  # one of the collection's classes, alone or among others: the node the body describes
        "anyOf": [
            {"type": "string", "enum": names},
            {"type": "array", "items": {"type": "string"}, "contains": {"enum": names}},
        ]
    }
    for key in schema["required"]:  # a required value is there: an empty list or language map says nothing
        value = dict(properties[key])
        if value.get("type") == "array":
            value["minItems"] = 1
        elif value.get("type") == "object":
            value["minProperties"] = 1
        properties[key] = value
    embedded = {local_name(p) for p in entry.embed}
    for key in properties:
        if key not in embedded:  # a link to another resource: without its IRI it would be a blank node, never valid
            properties[key] = _link_by_id(properties[key])
    for key in list(properties):
        if key not in ("@context", "id", "type"):
            properties[key] = plain_forms(properties[key], key)
    stated = _member_names(_language_maps(schema))
    assert isinstance(stated, dict)  # as ``schema`` is
    return stated


PLAIN_NAME = {"type": "string", "minLength": 1, "description": "a code, an id or a label in any language"}
PLAIN_NUMBER = {"type": "number", "minimum": 0}


def plain_forms(schema: object, key: str = "") -> object:
    """A value's schema admitting what ``plain_values`` resolves: a code, label or number where an IRI goes (a
    language by ``es`` or ``Spanish``, a level by ``4``, credits by ``3``), a number or a number in words where an
    integer goes, hours or words (``75 hours``) where a duration goes, a number where a string goes."""
    if isinstance(schema, list):
        return [plain_forms(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "string" and schema.get("format") == "iri" and key != "id":
        return {"anyOf": [schema, PLAIN_NAME, PLAIN_NUMBER]}
    if schema.get("type") == "string" and schema.get("format") == "duration":
        return {"anyOf": [schema, {"type": "string", "description": 'hours in words: "75 hours"'}, PLAIN_NUMBER]}
    if schema.get("type") == "array" and key and isinstance(schema.get("items"), dict):
        item = plain_forms(schema["items"])  # one value alone where a list goes
        return {"anyOf": [{**schema, "items": item}, item]}
    if schema.get("type") == "integer":
        return {"anyOf": [schema, {"type": "string", "pattern": "^\\s*[0-9]+\\s*$"}]}
    if schema.get("type") == "string" and not schema.get("format") and key not in ("id", "type"):
        return {"anyOf": [schema, PLAIN_NUMBER]}
    out: dict[str, object] = {}
    for name, value in schema.items():
        if name == "properties" and isinstance(value, dict):
            out[name] = {k: v if k in ("id", "type") else plain_forms(v, k) for k, v in value.items()}
        elif name in ("items", "anyOf", "oneOf"):
            out[name] = plain_forms(value)
        else:
            out[name] = value
    return out


MEMBER_NAME = '^[^<>"{}|\\\\^`\\x00-\\x20\\x7f-\\x9f\\ue000-\\uf8ff\\ufdd0-\\ufdef\\ufff0-\\uffff]*$'
"""A member's name: a term, or an IRI. JSON-LD makes an IRI of a name the context does not define (against the
vocabulary), so a name may not hold the characters IRIs leave out: it would name nothing (a 400)."""


def _member_names(schema: object) -> object:
    """``schema`` with every object's member names stated (language maps keep their language tags)."""
    if isinstance(schema, list):
        return [_member_names(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    stated = {key: _member_names(value) for key, value in schema.items()}
    if (stated.get("type") == "object" or "properties" in stated) and "propertyNames" not in stated:
        stated["propertyNames"] = {"pattern": MEMBER_NAME}
    properties = stated.get("properties")
    if isinstance(properties, dict):
        stated["properties"] = {k: _named(v) if k in ("id", "type") else v for k, v in properties.items()}
    return stated


def _named(schema: object) -> object:
    """An ``id`` or ``type`` value's schema, its strings free of what IRIs leave out."""
    if not isinstance(schema, dict):
        return schema
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        return {**schema, "pattern": MEMBER_NAME}
    named = dict(schema)
    for key in ("items", "anyOf", "oneOf"):
        if isinstance(named.get(key), dict):
            named[key] = _named(named[key])
        elif isinstance(named.get(key), list):
            named[key] = [_named(option) for option in named[key]]
    return named


def _link_by_id(schema: dict) -> dict:
    """A property's schema with its object form (``{"id": …}``, for a link) requiring the ``id``."""
    if schema.get("type") == "object" and set(schema.get("properties", {})) == {"id"}:
        return {**schema, "required": ["id"]}
    if "anyOf" in schema:
        return {**schema, "anyOf": [_link_by_id(option) for option in schema["anyOf"]]}
    if isinstance(schema.get("items"), dict):
        return {**schema, "items": _link_by_id(schema["items"])}
    return schema


def _language_maps(schema: object) -> object:
    """``schema`` with every language map (at any depth) stated as a write reads it: well-formed tags, each with a
    string or a non-empty list of strings."""
    if isinstance(schema, list):
        return [_language_maps(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if schema.get("description") == "strings by language tag":
        texts = {"type": "array", "items": {"type": "string"}, "minItems": 1}
        return {
            **schema,
            "propertyNames": {"pattern": LANGUAGE_TAG.pattern},
            "additionalProperties": {"anyOf": [{"type": "string"}, texts]},
        }
    return {key: _language_maps(value) for key, value in schema.items()}


def demo_members(catalogue: Catalogue, data_dir: Path) -> Graph | None:
    """The demo data (the classes' demo files), every graph's triples in one, or None when it is missing or
    unreadable."""
    base_iri = catalogue.base_iri
    try:
        dataset = Dataset(default_union=True)
        with warnings.catch_warnings():  # rdflib's TriG parser warns about its own use of ConjunctiveGraph
            warnings.simplefilter("ignore", DeprecationWarning)
            for path in catalogue.demo_files(data_dir):
                dataset.parse(path, format="trig", publicID=base_iri)
            union = Graph()
            for s, p, o, _ in dataset.quads():
                union.add((s, p, o))
    except Exception:  # an example is a nicety: the routes stand without one
        return None
    return union


def _description(data: Graph, iri: URIRef, subjects: set[Node]) -> Graph:
    """What a write of ``iri`` covers: its triples, those of the IRIs under it and of the blank nodes they reach.
    ``subjects``: the data's subjects, gathered once for all the members compared (gathering them is a pass over
    every triple, and start-up compares a hundred members)."""
    prefix = f"{iri}/"
    out = Graph()
    queue: list[Node] = [s for s in subjects if s == iri or str(s).startswith(prefix)]
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


def write_example(entry: ClassEntry, vocab: Vocabulary, data: Graph, base_iri: str) -> tuple[URIRef, Graph] | None:
    """A demo member of ``entry`` and its description, or None when the demo data has none: one of the class a
    body without a type gets (a micro-credential rather than a certificate, which needs others stacking into
    it), embedding what it owns, the smallest of those."""
    namespace = entry.namespace(base_iri)
    typed = {s for c in entry.classes for s in data.subjects(RDF.type, c) if isinstance(s, URIRef)}
    members = sorted((s for s in typed if s.startswith(namespace)), key=str)
    ranked = []
    subjects = set(data.subjects())
    for member in members:
        graph = _description(data, member, subjects)
        if "/" in str(member).removeprefix(namespace) or not graph:
            continue
        other_class = (member, RDF.type, entry.classes[0]) not in data
        ranked.append(((other_class, _outside(entry, data, member), len(graph), str(member)), member, graph))
    if not ranked:
        return None
    _, member, graph = min(ranked, key=lambda item: item[0])
    return member, graph


def _outside(entry: ClassEntry, data: Graph, member: URIRef) -> int:
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
    """A compact document without the ids of ``iri`` and the IRIs under it: POST mints them. An IRI under it that
    the document names more than once (a pledge's target, which an achievement counts against) becomes a blank
    node's label, so that the parts still refer to one another."""
    named: Counter[str] = Counter()

    def count(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                count(item)
        elif isinstance(value, list):
            for item in value:
                count(item)
        elif isinstance(value, str) and value.startswith(f"{iri}/"):
            named[value] += 1

    count(node)
    labels = {name: "_:" + re.sub(r"[^A-Za-z0-9_.-]", "-", name[len(iri) + 1 :]) for name, n in named.items() if n > 1}

    def strip(value: object, key: str = "") -> object:
        if isinstance(value, dict):
            return {
                k: strip(v, k)
                for k, v in value.items()
                if not (
                    k == "id" and isinstance(v, str) and (v == iri or (v.startswith(f"{iri}/") and v not in labels))
                )
            }
        if isinstance(value, list):
            return [strip(item, key) for item in value]
        if isinstance(value, str) and value in labels:
            return labels[value] if key == "id" else {"id": labels[value]}
        return value

    return strip(node)


def examples(
    entry: ClassEntry, vocab: Vocabulary, data: Graph | None, base_iri: str, store: GraphStore | None = None
) -> dict[str, dict]:
    """Per method, an example body per media type: a demo member in compact JSON-LD (no ``@context``: the served
    one applies), the same in plain values as JSON (concepts by label or code, numbers, hours in words: the
    labels read from ``store``), and the same triples in Turtle and N-Triples; POST's without the member's IRIs."""
    found = write_example(entry, vocab, data, base_iri) if data is not None else None
    if found is None:
        return {"POST": {}, "PUT": {}}
    member, graph = found
    keys = set(resource_schema(entry, vocab)["properties"]) - {"@context"}
    document = {k: v for k, v in compact(graph, member, vocab, "").items() if k in keys}  # no notes (comment)
    created = _without_ids(document, str(member))
    assert isinstance(created, dict)  # as ``document`` is
    out: dict[str, dict] = {}
    for method, example in (("POST", created), ("PUT", document)):
        parsed = Graph()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            parsed.parse(data=json.dumps({"@context": vocab.context()["@context"], **example}), format="json-ld")
        for prefix, namespace in CONTEXT_PREFIXES.items():
            parsed.bind(prefix, namespace)
        plain = example
        if store is not None:
            try:
                labels = labels_of(store, iris_in(example))
            except Exception:  # an example is a nicety: without the labels it names concepts by IRI
                labels = {}
            plain = plain_document(example, entry.all_shapes, vocab, labels)
        out[method] = {
            JSONLD: example,
            JSON_MEDIA: plain,
            TURTLE: parsed.serialize(format="turtle"),
            NTRIPLES: parsed.serialize(format="nt"),
        }
    return out


def request_body(schema: dict, examples: dict) -> dict:
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
        "description": (
            "the member as a GET returns it (compact JSON-LD, @context optional) or as Turtle / N-Triples. "
            "The schema says what a body looks like; the SHACL shapes (the one truth about valid data) "
            "then say what it may mean, and some of what they ask no JSON Schema can state: a link must name a "
            "resource of the right class that the graph holds (an organisation for `providedBy`, an ESCO "
            "occupation for `targetOccupation`, a place of the EU's authority tables for `location`…). A body "
            "that breaks a shape is a 422 whose `errors` name each focus node, property, value and message."
        ),
        "content": content,
    }
