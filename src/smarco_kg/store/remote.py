"""A GraphStore over any SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB…): the Query, Update and Graph Store protocols.

Reads are retried with back-off on connection errors and 502/503/504 answers; writes are never retried (a write is one
SPARQL Update request, which the store applies as one transaction, so a failed write leaves it as it was).
Bulk loads go to a staging graph in Graph Store Protocol chunks and are added to their graph by one update.

Stores differ from the standard in places, handled here:
- a store's own system graphs (Virtuoso's ``virtrdf#``…), and this backend's own graphs (``urn:x-smarco:``:
  staging graphs of a load in progress, the default graph below) are not part of the dataset: they are left out
  of ``graphs()`` and of the union default graph, which is named explicitly (``FROM`` clauses) on each query,
  or on Virtuoso by the graphs it leaves out (its ``input:default-graph-exclude`` pragma: its planner weighs a
  long ``FROM`` list badly, 1.2 s for a query that takes 4 ms over every graph);
- Virtuoso answers ``typed-literal`` in SPARQL JSON (SPARQL 1.0 JSON); it is read as ``literal``;
- the store's default graph is never used: the "default graph" of a changeset is a named graph of its own;
- ``CLEAR ALL`` would empty Virtuoso's system graphs too: ``clear`` drops the dataset's graphs one by one;
- Virtuoso cuts results at ``ResultSetMaxRows``: a SELECT says so in a header (``X-SPARQL-MaxRows``), a
  CONSTRUCT not at all. A cut result is an error here, never a silently shorter answer: by the header, and for
  graph results by the cap this backend is told (``max_rows``). Whole graphs are read in pages below the cap,
  unsorted (Virtuoso refuses to sort more than ``MaxSortedTopRows``, 10,000 by default), and the rows read are
  checked against the graph's size.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlencode

import httpx
import pyoxigraph as ox
from rdflib import Literal, URIRef, Variable
from rdflib.plugins.sparql.results.jsonresults import JSONResultSerializer
from rdflib.query import Result
from rdflib.term import Node

from smarco_kg.formats import RdfSyntax, ResultFormat
from smarco_kg.namespaces import PREFIXES
from smarco_kg.sparql_text import (
    bare_words,
    dataset_clause_start,
    keywords,
    prebinding_start,
    query_form,
    substituted,
    tokens,
    where_group_start,
)
from smarco_kg.store.base import Changeset, GraphStore, Progress, QueryResult, QuerySyntaxError, StoreError
from smarco_kg.store.dialect import insert_template, rewrite, update_text
from smarco_kg.store.sparql_changes import changeset_update, insert_data
from smarco_kg.terms import from_json, ox_format, sparql_term, to_ox, to_rdflib, values_block

if TYPE_CHECKING:
    from smarco_kg.config import Settings

SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/schemas/virtrdf#",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
    "http://localhost:8890/",
    "http://localuriqaserver/",
    "http://www.openlinksw.com/schemas/",
    "urn:activitystreams-owl:map",
    "urn:core:services:sparql",
)
OWN_GRAPHS = "urn:x-smarco:"  # this backend's own graphs (staging, the default graph): not listed as the dataset's
DEFAULT_GRAPH = f"{OWN_GRAPHS}default-graph"  # what this backend uses for a changeset's default graph
_CHUNK = 2_000_000  # bytes of N-Triples per Graph Store Protocol request
_TEMPLATE = 500  # triples with blank nodes per INSERT template (see _split)
_PAGE = 10_000  # triples per page when a graph is read whole (Virtuoso's default ResultSetMaxRows)
_GRAPHS_TTL = 1.0  # seconds the list of graphs that a union query names is reused (writes here refresh it)


_TRANSIENT = (502, 503, 504)  # answers worth retrying a read after (a 500 is the query's own error)


# Datatypes a store cannot keep, written under a stand-in datatype and read back as themselves: Virtuoso turns
# an xsd:duration into a number of seconds (and refuses it in INSERT DATA).
STAND_INS = {"http://www.w3.org/2001/XMLSchema#duration": f"{OWN_GRAPHS}datatype:duration"}
_RESTORE = {URIRef(v): URIRef(k) for k, v in STAND_INS.items()}


def _stand_in(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
    if isinstance(term, ox.Literal) and term.datatype.value in STAND_INS:
        return ox.Literal(term.value, datatype=ox.NamedNode(STAND_INS[term.datatype.value]))
    return term


def _restored(term: Node) -> Node:
    if isinstance(term, Literal) and term.datatype in _RESTORE:
        return Literal(str(term), datatype=_RESTORE[term.datatype])
    return term


def _restored_text(ntriples: str) -> str:
    for datatype, stand_in in STAND_INS.items():
        ntriples = ntriples.replace(f"^^<{stand_in}>", f"^^<{datatype}>")
    return ntriples


def _split(nquads: bytes) -> tuple[bytes, list[bytes]]:
    """N-Quads without blank nodes; and those with them, in groups of at most ``_TEMPLATE`` lines that keep each
    set of connected blank nodes together (a template's blank nodes are fresh per operation). Stand-in datatypes
    written."""
    plain: list[str] = []
    blank: list[tuple[str, list[str]]] = []  # a line and its blank node labels
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for quad in ox.parse(nquads, ox.RdfFormat.N_QUADS):
        graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else f" {quad.graph_name}"
        line = f"{quad.subject} {quad.predicate} {_stand_in(quad.object)}{graph} ."
        labels = [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        if not labels:
            plain.append(line)
            continue
        blank.append((line, labels))
        for label in labels[1:]:
            parent[root(label)] = root(labels[0])
    components: dict[str, list[str]] = {}
    for line, labels in blank:
        components.setdefault(root(labels[0]), []).append(line)
    groups: list[list[str]] = []
    for lines in components.values():
        if not groups or len(groups[-1]) + len(lines) > _TEMPLATE:
            groups.append([])
        groups[-1].extend(lines)
    return "\n".join(plain).encode(), ["\n".join(group).encode() for group in groups]


class ResultCapError(StoreError):
    """The store cut a result short at its own row limit (Virtuoso's ``ResultSetMaxRows``)."""


class RemoteQueryResult(QueryResult):
    def __init__(
        self,
        kind: str,
        variables: list[str],
        rows: list[dict[str, Node]],
        boolean: bool | None,
        graph: list[ox.Triple] | None,
    ) -> None:
        self.kind = kind  # type: ignore[assignment]
        self._variables, self._rows, self._boolean, self._graph = variables, rows, boolean, graph

    @property
    def variables(self) -> list[str]:
        return self._variables

    def rows(self) -> Iterator[dict[str, Node]]:
        return iter(self._rows)

    @property
    def boolean(self) -> bool:
        return bool(self._boolean)

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        for t in self._graph or []:
            yield to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)

    def serialize(self, fmt: ResultFormat | RdfSyntax) -> bytes:
        if self.kind == "graph":  # pyoxigraph's writers, as the embedded store's answers
            if isinstance(fmt, ResultFormat):
                raise TypeError("a graph result is serialized in an RDF syntax")
            triples = self._graph or []
            items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if fmt.datasets else triples
            options = {"prefixes": PREFIXES} if fmt.name in ("turtle", "trig") else {}
            return ox.serialize(items, format=ox_format(fmt), **options) or b""
        if not isinstance(fmt, ResultFormat):
            raise TypeError(f"a {self.kind} result is serialized in a SPARQL results format")
        result = Result("ASK" if self.kind == "boolean" else "SELECT")
        if self.kind == "boolean":
            result.askAnswer = bool(self._boolean)
        else:
            result.vars = [Variable(v) for v in self._variables]
            result.bindings = [{Variable(k): v for k, v in row.items()} for row in self._rows]
        if fmt.name == "json":
            out = io.StringIO()
            JSONResultSerializer(result).serialize(out)
            return out.getvalue().encode("utf-8")
        if fmt.name == "tsv":  # rdflib has no TSV results writer
            lines = ["\t".join(f"?{v}" for v in self._variables)]
            lines += ["\t".join(_tsv(row[v]) if v in row else "" for v in self._variables) for row in self._rows]
            return ("\n".join(lines) + "\n").encode("utf-8")
        return result.serialize(format=fmt.name) or b""


_BARE = {  # literals TSV writes bare (Turtle's short forms), as pyoxigraph writes them
    "http://www.w3.org/2001/XMLSchema#integer": re.compile(r"[+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#decimal": re.compile(r"[+-]?\d*\.\d+"),
    "http://www.w3.org/2001/XMLSchema#double": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#boolean": re.compile(r"true|false"),
}


def _tsv(term: Node) -> str:
    if isinstance(term, Literal) and term.datatype is not None:
        pattern = _BARE.get(str(term.datatype))
        if pattern is not None and pattern.fullmatch(str(term)):
            return str(term)
    return str(to_ox(term))


class RemoteStore(GraphStore):
    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        auth: httpx.Auth | tuple[str, str] | str | None = None,  # a string: a bearer token
        timeout: float = 30.0,
        retries: int = 3,
        max_rows: int | None = None,
    ) -> None:
        self.query_url, self.update_url = query_url, update_url or query_url
        self.graph_store_url = graph_store_url
        self.retries = retries
        self.max_rows = max_rows  # the store's result cap, if it has one (Virtuoso's ResultSetMaxRows)
        headers = {}
        if isinstance(auth, str):  # a bearer token
            headers["Authorization"] = f"Bearer {auth}"
            auth = None
        self._client = httpx.Client(auth=auth, timeout=timeout, headers=headers)
        self._graphs: tuple[float, list[str], list[str]] | None = None  # when read, the dataset's, the left-out
        self._staging: set[str] = set()  # staging graphs of this store's loads in progress
        self.virtuoso = False  # the store said it is Virtuoso (its Server header): its own dataset pragmas serve
        self.description = f"remote SPARQL store at {query_url}"

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The store ``SMARCO_STORE`` (a URL) and the ``SMARCO_STORE_*`` settings name."""
        password = settings.store_password.get_secret_value() if settings.store_password else ""
        kind = settings.store_auth or ("basic" if settings.store_user else "none")
        auth: httpx.Auth | str | None = None
        if kind == "basic":
            auth = httpx.BasicAuth(settings.store_user or "", password)
        elif kind == "digest":
            auth = httpx.DigestAuth(settings.store_user or "", password)
        elif kind == "bearer":
            auth = settings.store_token.get_secret_value() if settings.store_token else ""
        return cls(
            str(settings.store),
            update_url=settings.store_update_url,
            graph_store_url=settings.store_graph_store_url,
            auth=auth,
            timeout=settings.store_timeout,
            retries=settings.store_retries,
            max_rows=settings.store_max_rows,
        )

    # -- reading

    def _post(self, url: str, data: list[tuple[str, str]], accept: str, *, retry: bool) -> httpx.Response:
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            try:
                response = self._client.post(
                    url,
                    content=urlencode(data).encode("ascii"),
                    headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                )
            except httpx.TransportError as error:
                if attempt + 1 == attempts:
                    raise StoreError(f"{url}: {error}") from error
            else:
                if response.status_code not in _TRANSIENT or attempt + 1 == attempts:
                    self.virtuoso = response.headers.get("server", "").lower().startswith("virtuoso")
                    return response
            time.sleep(0.2 * 2**attempt)
        raise StoreError(f"{url}: no answer")  # pragma: no cover

    def _answer(self, url: str, data: list[tuple[str, str]], accept: str, *, retry: bool) -> httpx.Response:
        """A successful answer, or the store's refusal as an error: a 400 is the request's syntax, anything else
        the store's failure; a result the store cut short is refused (``_check_cap``)."""
        response = self._post(url, data, accept, retry=retry)
        if response.status_code == 400:
            raise QuerySyntaxError(response.text.strip()[:500])
        if response.status_code >= 300:
            raise StoreError(f"{url}: {response.status_code} {response.text[:300]}")
        _check_cap(response)
        return response

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = False,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        base_iri: str | None = None,
    ) -> RemoteQueryResult:
        _check_syntax(sparql, base_iri)
        form = query_form(sparql)
        if form == "ASK":  # Virtuoso answers ASK with an odd SELECT-shaped result (__ASK_RETVAL) or nothing
            sparql = _ask_as_select(sparql)
        if bindings:
            block = values_block(bindings)
            start = prebinding_start(sparql, bindings)
            if start is None:  # substituted where a nested scope uses them; the block binds the projection
                terms = {n: sparql_term(v) for n, v in bindings.items()}
                sparql = substituted(sparql, terms) or sparql
                start = where_group_start(sparql)
            sparql = f"{sparql[:start]} {block}\n{sparql[start:]}" if start is not None else f"{sparql}\n{block}"
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        sent = rewrite(sparql)
        data = self._with_dataset(sent.sparql, sent.words, union_default_graph, default_graphs, named_graphs)
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        accept = "application/n-triples" if graph_form else "application/sparql-results+json"
        response = self._answer(self.query_url, data, accept, retry=True)
        if graph_form:
            text = sent.restore_text(_restored_text(response.text)).encode("utf-8")
            graph = list(dict.fromkeys(ox.parse(text, ox.RdfFormat.N_TRIPLES)))  # a set, in the store's order
            if self.max_rows is not None and len(graph) >= self.max_rows:
                raise ResultCapError(
                    f"the store may have cut this graph result at its limit of {self.max_rows} rows "
                    "(Virtuoso's ResultSetMaxRows, which it does not report for CONSTRUCT); narrow the query"
                )
            return RemoteQueryResult("graph", [], [], None, graph)
        body = json.loads(sent.restore_text(response.text, json_text=True))
        if form == "ASK":
            return RemoteQueryResult("boolean", [], [], bool(body["results"]["bindings"]), None)
        if "boolean" in body:
            return RemoteQueryResult("boolean", [], [], bool(body["boolean"]), None)
        variables = body["head"].get("vars", [])
        bindings = body["results"]["bindings"]
        rows = [sent.restore_row({k: _restored(from_json(v)) for k, v in row.items()}) for row in bindings]
        return RemoteQueryResult("solutions", variables, rows, None, None)

    def _select(self, sparql: str) -> list[dict]:
        """The bindings of a SELECT over the store's own dataset (its system graphs filtered out by the caller)."""
        response = self._answer(self.query_url, [("query", sparql)], "application/sparql-results+json", retry=True)
        return response.json()["results"]["bindings"]

    def _with_dataset(
        self,
        sparql: str,
        lexed: list[str],
        union_default_graph: bool,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
    ) -> list[tuple[str, str]]:
        """The request's form fields: the query, its dataset written into it as ``FROM`` / ``FROM NAMED`` clauses.
        In the text, not as ``default-graph-uri`` / ``named-graph-uri`` fields: Virtuoso takes ~60 ms to read 500
        graph fields and ~1 ms to read 500 clauses. Graphs are named only where the query can reach them (no
        ``FROM NAMED`` without a ``GRAPH`` pattern); a query's own ``FROM`` clauses stand unless the protocol
        gives a dataset, which then goes as fields (as the protocol says, they replace the query's). On Virtuoso
        a union default graph is written as the graphs it leaves out (see the module's notes), unless a ``GRAPH``
        pattern needs the named graphs listed."""
        words = bare_words(lexed)
        protocol = default_graphs is not None or named_graphs is not None
        if "FROM" in words and not protocol:
            return [("query", sparql)]
        if union_default_graph and not protocol and "GRAPH" not in words:
            left_out = self._left_out()  # read first: the answer says whether the store is Virtuoso
            if self.virtuoso:  # every graph but those: no list of the dataset's graphs for its planner to weigh
                return [("query", "".join(f"define input:default-graph-exclude <{g}>\n" for g in left_out) + sparql)]
        if protocol:
            defaults = [g or DEFAULT_GRAPH for g in default_graphs or [DEFAULT_GRAPH]]
            named = list(named_graphs) if named_graphs is not None else self._dataset_graphs()
        elif union_default_graph:  # the union of the dataset's graphs, the store's system graphs left out
            defaults = named = [*self._dataset_graphs(), DEFAULT_GRAPH]
        else:  # the default graph alone (as in the embedded store), and every graph for GRAPH patterns
            defaults, named = [DEFAULT_GRAPH], self._dataset_graphs()
        start = None if "FROM" in words else dataset_clause_start(sparql)
        if start is None:
            return [("query", sparql), *(("default-graph-uri", g) for g in defaults)] + [
                ("named-graph-uri", g) for g in named
            ]
        if "GRAPH" not in words:
            named = []
        elif not protocol:  # a graph a GRAPH pattern names, empty or not: Virtuoso counts 1 in one it is not told of
            named = [*named, *(g for g in _named_in(lexed) if g not in named)]
        clauses = " ".join([*(f"FROM <{g}>" for g in defaults), *(f"FROM NAMED <{g}>" for g in named)])
        return [("query", f"{sparql[:start]}{clauses}\n{sparql[start:]}")]

    def graphs(self) -> list[str]:
        """The dataset's graphs, cheaply: no counting."""
        # GROUP BY rather than DISTINCT: Virtuoso answers it from an index (20 ms rather than 1.3 s at 120k quads)
        rows = self._select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        names = sorted(row["g"]["value"] for row in rows)
        graphs = [n for n in names if not n.startswith((*SYSTEM_GRAPHS, OWN_GRAPHS))]
        left_out = [n for n in names if n.startswith((*SYSTEM_GRAPHS, OWN_GRAPHS)) and n != DEFAULT_GRAPH]
        self._graphs = (time.monotonic(), graphs, left_out)
        return graphs

    def _dataset_graphs(self) -> list[str]:
        """The graphs a query's dataset names: reused for a second (a write through this store refreshes them),
        so a query costs one request rather than two; another client's new graph shows within that second."""
        if self._graphs is None or time.monotonic() - self._graphs[0] >= _GRAPHS_TTL:
            self.graphs()
        return self._graphs[1]  # type: ignore[index]

    def _left_out(self) -> list[str]:
        """The graphs the store holds that a union default graph leaves out: its system graphs, this backend's
        staging graphs (those of this store's loads at once; another client's within the second above)."""
        self._dataset_graphs()
        return sorted({*self._graphs[2], *self._staging})  # type: ignore[index]

    def graph_sizes(self) -> dict[str, int]:
        rows = self._select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {
            ("" if row["g"]["value"] == DEFAULT_GRAPH else row["g"]["value"]): int(row["n"]["value"])
            for row in rows
            if row["g"]["value"] == DEFAULT_GRAPH or not row["g"]["value"].startswith((*SYSTEM_GRAPHS, OWN_GRAPHS))
        }

    def graph_size(self, graph: str) -> int:
        rows = self._select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph or DEFAULT_GRAPH}> {{ ?s ?p ?o }} }}")
        return int(rows[0]["n"]["value"]) if rows else 0

    def is_empty(self) -> bool:
        return not self.graphs()

    def dump(self, output: BinaryIO, syntax: RdfSyntax, *, graph: str | None = None) -> None:
        """Written by pyoxigraph's writers, as the embedded store writes (N-Triples and N-Quads lines sorted)."""
        names = [graph] if graph is not None else [*self.graphs(), *([""] if self.graph_size("") else [])]
        items: list = []
        for name in names:
            into = ox.NamedNode(name) if name else ox.DefaultGraph()
            for triple in self._triples(name or DEFAULT_GRAPH):
                items.append(
                    ox.Quad(triple.subject, triple.predicate, triple.object, into) if syntax.datasets else triple
                )
        if not syntax.datasets:
            items = list(dict.fromkeys(items))  # one graph: all of them merged
        options = {"prefixes": PREFIXES} if syntax.name in ("turtle", "trig", "rdfxml") else {}
        data = ox.serialize(items, format=ox_format(syntax), **options) or b""
        if syntax.name in ("nquads", "ntriples"):
            data = b"".join(sorted(data.splitlines(keepends=True)))
        output.write(data)

    def _triples(self, graph: str) -> list[ox.Triple]:
        """A whole graph: in one request below the store's cap (when it is known), else in pages of 10,000, parsed
        by pyoxigraph. A blank node keeps its label across pages (the store labels it the same way throughout);
        the triples read must add up to the graph's size."""
        expected = self.graph_size(graph)
        size = self.max_rows - 1 if self.max_rows else _PAGE
        triples: set[ox.Triple] = set()
        offset = 0
        while offset < expected:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} LIMIT {size} OFFSET {offset}"
            response = self._answer(self.query_url, [("query", query)], "application/n-triples", retry=True)
            page = list(ox.parse(_restored_text(response.text).encode("utf-8"), ox.RdfFormat.N_TRIPLES))
            triples.update(page)
            if len(page) < size:
                break
            offset += size
        if len(triples) != expected:
            raise StoreError(
                f"reading graph <{graph}> gave {len(triples)} of its {expected} triples (cut by a result cap the "
                "backend was not told of, SMARCO_STORE_MAX_ROWS, or written to meanwhile)"
            )
        return sorted(triples, key=str)

    # -- writing

    def clear(self) -> None:
        """Drop the dataset's graphs one by one in one request (``CLEAR ALL`` would reach the system graphs)."""
        self._send(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in [*self.graphs(), DEFAULT_GRAPH]))

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Any update, rewritten where Virtuoso departs from the standard (``dialect.update_text``)."""
        dataset = ""
        if {"GRAPH", "WHERE"} <= keywords(sparql):  # the dataset, as a query is told it
            named = " ".join(f"USING NAMED <{g}>" for g in self._dataset_graphs())
            dataset = f"USING <{DEFAULT_GRAPH}> {named}"
        self._send(update_text(f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql, dataset))

    def _send(self, update: str) -> None:
        """An update as written: the backend's own, in the forms Virtuoso takes (no lexing of large data)."""
        self._graphs = None
        self._answer(self.update_url, [("update", update)], "*/*", retry=False)

    def apply(self, changes: Changeset) -> None:
        """One update request, sent as built (graphs named by IRI, nothing to rewrite). Triples with blank nodes go
        in templates (``insert_template``): Virtuoso refuses blank nodes in INSERT DATA (a standard feature); in a
        template they are fresh per request, as in INSERT DATA."""

        def named(graph: str) -> str:  # the store's own default graph is never written
            return graph or DEFAULT_GRAPH

        removals = Changeset(
            b"",
            None,
            [named(g) for g in changes.clear_graphs],
            [named(g) for g in changes.drop_graphs],
            [(named(g), s) for g, s in changes.remove_resources],
        )
        operations = [changeset_update(removals)] if not removals.is_additive else []
        plain, blank = _split(changes.add)
        default = changes.default_graph or DEFAULT_GRAPH
        if plain:  # INSERT DATA: Virtuoso compiles a template into code, minutes for thousands of triples
            operations.append(insert_data(plain, default))
        for group in blank:  # Virtuoso compiles a template to SQL of at most 10,000 lines: ~1,500 triples
            operations.append(insert_template(insert_data(group, default)))
        if operations:
            self._send(" ;\n".join(operations))

    def bulk_load(
        self,
        source: Path | bytes,
        syntax: RdfSyntax,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Parsed here; sent to a staging graph per target graph in Graph Store Protocol chunks; then one update
        adds the staging graphs to their graphs and drops them (all or nothing for the data already staged)."""
        self._load([(source, syntax)], graph=graph, base_iri=base_iri, progress=progress, replace=False)

    def replace_graph(
        self, graph: str, sources: Sequence[tuple[Path, RdfSyntax]], *, progress: Progress | None = None
    ) -> int:
        """Staged as a bulk load is; the one update that adds the staging graphs first drops the old graph."""
        self._load(list(sources), graph=graph, base_iri=None, progress=progress, replace=True)
        return self.graph_size(graph)

    def _load(
        self,
        sources: list[tuple[Path | bytes, RdfSyntax]],
        *,
        graph: str | None,
        base_iri: str | None,
        progress: Progress | None,
        replace: bool,
    ) -> None:
        """Each source parsed whole, then sent to staging graphs of this backend's own, which no query sees; one
        update then moves them into place. A failure (a later source that does not parse included) drops what
        was staged, so nothing changes."""
        stage = f"{OWN_GRAPHS}staging:{time.time_ns()}"
        staged: list[tuple[str, str]] = []
        try:
            done = 0
            for source, syntax in sources:
                for target, lines in sorted(_parsed(source, syntax, graph, base_iri).items()):
                    staging = f"{stage}:{len(staged)}"
                    staged.append((staging, target))
                    self._staging.add(staging)
                    for chunk in _chunks(lines):
                        self._gsp_post(staging, chunk)
                        done += len(chunk)
                        if progress:
                            progress(done)
            moves = [f"DROP SILENT GRAPH <{graph or DEFAULT_GRAPH}>"] if replace else []
            moves += [f"ADD SILENT GRAPH <{s}> TO GRAPH <{t}> ; DROP SILENT GRAPH <{s}>" for s, t in staged]
            if moves:
                self._send(" ;\n".join(moves))
        except BaseException:
            for staging, _ in staged:
                self._send(f"DROP SILENT GRAPH <{staging}>")
            raise
        finally:
            self._staging.difference_update(s for s, _ in staged)

    def _gsp_post(self, graph: str, ntriples: bytes) -> None:
        if self.graph_store_url is None:
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {ntriples.decode()} }} }}")
            return
        response = self._client.post(
            self.graph_store_url,
            params={"graph": graph} if "graph-crud" not in self.graph_store_url else {"graph-uri": graph},
            content=ntriples,
            headers={"Content-Type": "text/turtle"},
        )
        if response.status_code >= 300:
            raise StoreError(f"{self.graph_store_url}: {response.status_code} {response.text[:300]}")

    def close(self) -> None:
        self._client.close()


def _named_in(lexed: list[str]) -> list[str]:
    """The absolute IRIs written after ``GRAPH`` in a query's tokens, the store's own graphs left out."""
    return [
        token[1:-1]
        for before, token in pairwise(lexed)
        if before.upper() == "GRAPH"
        and token.startswith("<")
        and ":" in token
        and not token[1:-1].startswith((*SYSTEM_GRAPHS, OWN_GRAPHS))
    ]


_PARSER = ox.Store()  # empty: queries are only parsed on it (pyoxigraph evaluates when results are read)


def _check_syntax(sparql: str, base_iri: str | None) -> None:
    """Parse the query here first, so a syntax error reads the same on every store (line and column of the
    query as written, before any rewriting) and costs no round trip."""
    try:
        _PARSER.query(sparql, base_iri=base_iri)
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from error
    except (OSError, RuntimeError, ValueError):
        pass  # parsed; evaluation is the store's business


def _check_cap(response: httpx.Response) -> None:
    """Refuse a result the store cut short (Virtuoso names its cap in ``X-SPARQL-MaxRows`` when it applied it)."""
    cap = response.headers.get("x-sparql-maxrows")
    if cap is not None:
        raise ResultCapError(
            f"the store cut the result at {cap} rows (its own limit, Virtuoso's ResultSetMaxRows); "
            "add a LIMIT, or raise the limit in the store's configuration"
        )


def _ask_as_select(sparql: str) -> str:
    """``ASK [FROM …] [WHERE] { … }`` as ``SELECT * [FROM …] [WHERE] { … } LIMIT 1``: true exactly when it has a
    solution."""
    for match in tokens(sparql):
        if match.group().upper() == "ASK":
            return f"{sparql[: match.start()]}SELECT *{sparql[match.end() :]}\nLIMIT 1"
    return sparql


def _parsed(source: Path | bytes, syntax: RdfSyntax, graph: str | None, base_iri: str | None) -> dict[str, list[bytes]]:
    """N-Triples lines per target graph (``graph``, else each quad's own), stand-in datatypes applied; a syntax
    error names the file."""
    data = source.read_bytes() if isinstance(source, Path) else source
    by_graph: dict[str, list[bytes]] = {}
    try:
        for quad in ox.parse(data, ox_format(syntax), base_iri=base_iri):
            named = quad.graph_name
            target = graph or (named.value if isinstance(named, ox.NamedNode) else DEFAULT_GRAPH)
            by_graph.setdefault(target, []).append(
                f"{quad.subject} {quad.predicate} {_stand_in(quad.object)} .\n".encode()
            )
    except SyntaxError as error:
        raise QuerySyntaxError.of_data(source, error) from error
    return by_graph


def _chunks(lines: list[bytes]) -> Iterator[bytes]:
    chunk: list[bytes] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line)
        if size >= _CHUNK:
            yield b"".join(chunk)
            chunk, size = [], 0
    if chunk:
        yield b"".join(chunk)
