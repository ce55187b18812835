"""EDC JSON-LD documents: written with the terms of the official contexts, read back with local copies of them.

rdflib's JSON-LD compaction against the ELM context loses triples, so documents are written here: a node tree
from the credential, each property under its term in the W3C credentials v1 context (its type-scoped
``VerifiableCredential`` terms included) or the ELM ``edc-ap`` context, texts as language maps where the
context says so. Reading never fetches a context: the two context IRIs map to the vendored files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.term import Node

W3C_CONTEXT = "https://www.w3.org/2018/credentials/v1"
EDC_CONTEXT = "http://data.europa.eu/snb/model/context/edc-ap"
LOCAL_CONTEXTS = {W3C_CONTEXT: "w3c-credentials-v1.jsonld", EDC_CONTEXT: "edc-ap-context.jsonld"}
XSD = "http://www.w3.org/2001/XMLSchema#"
CRED = "https://www.w3.org/2018/credentials#"


def context_documents(elm_dir: Path) -> dict[str, dict]:
    return {iri: _load(elm_dir / "context" / name) for iri, name in LOCAL_CONTEXTS.items()}


@lru_cache(maxsize=4)
def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))["@context"]


@dataclass(frozen=True)
class _Term:
    name: str
    kind: str  # id | language | typed | plain
    datatype: str | None = None


class Terms:
    """Property and class IRIs -> the short names the two contexts give them."""

    def __init__(self, contexts: list[dict]) -> None:
        flat: dict[str, object] = {}
        for context in contexts:
            for key, value in context.items():
                flat.setdefault(key, value)
            scoped = context.get("VerifiableCredential")
            if isinstance(scoped, dict) and isinstance(scoped.get("@context"), dict):
                for key, value in scoped["@context"].items():
                    flat.setdefault(key, value)
        self.prefixes = {k: v for k, v in flat.items() if isinstance(v, str) and v.endswith(("/", "#"))}
        self.properties: dict[str, _Term] = {}
        self.classes: dict[str, str] = {}
        for name, value in flat.items():
            if name.startswith("@") or name in ("id", "type") or name in self.prefixes:
                continue
            if isinstance(value, str):
                self.classes.setdefault(self.expand(value), name)
                continue
            if not isinstance(value, dict) or "@id" not in value:
                continue
            iri = self.expand(str(value["@id"]))
            if name[0].isupper():  # a class with a type-scoped context (VerifiableCredential)
                self.classes.setdefault(iri, name)
                continue
            kind, datatype = "plain", None
            if value.get("@container") == "@language":
                kind = "language"
            elif value.get("@type") == "@id":
                kind = "id"
            elif isinstance(value.get("@type"), str):
                kind, datatype = "typed", self.expand(value["@type"])
            if value.get("@container") == "@graph":
                continue
            if iri not in self.properties or (name[0].islower() and self.properties[iri].name[0].isupper()):
                self.properties[iri] = _Term(name, kind, datatype)

    def expand(self, value: str) -> str:
        prefix, _, local = value.partition(":")
        if prefix in self.prefixes and not local.startswith("//"):
            return f"{self.prefixes[prefix]}{local}"
        return value

    def curie(self, iri: str) -> str:
        for prefix, namespace in sorted(self.prefixes.items(), key=lambda p: -len(p[1])):
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri


def write_document(graph: Graph, root: Node, terms: Terms, contexts: list[str]) -> dict:
    """The graph as one JSON-LD tree from ``root``: every node written once, referenced by id after that."""
    written: set[Node] = set()

    def node(subject: Node) -> dict:
        written.add(subject)
        out: dict = {"id": str(subject)}
        classes = sorted(graph.objects(subject, RDF.type), key=lambda t: (not str(t).startswith(CRED), str(t)))
        types = [terms.classes.get(str(t), terms.curie(str(t))) for t in classes]  # VerifiableCredential first
        if types:
            out["type"] = types[0] if len(types) == 1 else types
        grouped: dict[Node, list[Node]] = defaultdict(list)
        for p, o in graph.predicate_objects(subject):
            if p != RDF.type:
                grouped[p].append(o)
        for predicate in sorted(grouped, key=str):
            term = terms.properties.get(str(predicate))
            key = term.name if term else terms.curie(str(predicate))
            values = sorted(grouped[predicate], key=lambda v: (isinstance(v, Literal), str(v)))
            texts = _by_language(values) if term and term.kind == "language" else None
            if texts is not None:
                out[key] = {lang: t[0] if len(t) == 1 else t for lang, t in sorted(texts.items())}
                continue
            written_values = [value(v, term) for v in values]
            out[key] = written_values[0] if len(written_values) == 1 else written_values
        return out

    def value(v: Node, term: _Term | None) -> object:
        if isinstance(v, Literal):
            datatype = str(v.datatype) if v.datatype else None
            if term and term.kind == "typed" and datatype == term.datatype:
                return str(v)
            if term and term.kind == "plain" and datatype is None and not v.language:
                return str(v)
            if v.language:
                return {"@value": str(v), "@language": v.language}
            return {"@value": str(v), "@type": datatype} if datatype else {"@value": str(v)}
        if v in written or (v, None, None) not in graph:
            return {"id": str(v)}  # written already (or described nowhere): a reference
        return node(v)

    document = {"@context": contexts}
    document.update(node(root))
    return document


def _by_language(values: list[Node]) -> dict[str, list[str]] | None:
    """The values' texts by language tag when every value is a literal with one; else None."""
    texts: dict[str, list[str]] = defaultdict(list)
    for v in values:
        if not isinstance(v, Literal) or not v.language:
            return None
        texts[v.language].append(str(v))
    return texts


def read_document(document: dict, elm_dir: Path) -> Graph:
    """An EDC JSON-LD document as RDF, its contexts resolved from the vendored copies (never fetched)."""
    local = context_documents(elm_dir)
    given = document.get("@context", [])
    contexts = given if isinstance(given, list) else [given]
    resolved = []
    for context in contexts:
        if isinstance(context, str):
            if context not in local:
                raise ValueError(f"unknown JSON-LD context {context!r}: only the credentials v1 and ELM edc-ap ones")
            resolved.append(local[context])
        else:
            resolved.append(context)
    inlined = {**document, "@context": resolved}
    graph = Graph()
    graph.parse(data=json.dumps(inlined), format="json-ld")
    return graph


def mint_ids(graph: Graph, prefix: str) -> Graph:
    """Blank nodes get ``urn:epass:<class>:<n>`` IRIs, as in the official samples, so every node has an id."""
    counters: dict[str, int] = defaultdict(int)
    renames: dict[Node, URIRef] = {}
    for subject in sorted({s for s in graph.subjects() if isinstance(s, BNode)}, key=str):
        cls = graph.value(subject, RDF.type)
        name = str(cls).rsplit("/", 1)[-1].rsplit("#", 1)[-1] if cls else "node"
        name = name[:1].lower() + name[1:]
        counters[name] += 1
        renames[subject] = URIRef(f"{prefix}{name}:{counters[name]}")
    out = Graph()
    for s, p, o in graph:
        out.add((renames.get(s, s), p, renames.get(o, o)))
    return out
