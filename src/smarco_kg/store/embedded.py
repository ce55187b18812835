"""The default backend: a pyoxigraph (RocksDB) store in a directory on this machine."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pyoxigraph as ox
from rdflib import RDF
from rdflib.term import Node, URIRef

from smarco_kg.formats import RdfSyntax, ResultFormat
from smarco_kg.namespaces import PREFIXES
from smarco_kg.sparql_text import prebinding_start, union_branch_starts
from smarco_kg.store.base import (
    BLANK_LEVELS,
    Changeset,
    GraphStore,
    Progress,
    QueryResult,
    QuerySyntaxError,
    StoreError,
    StoreLockedError,
    check_dataset,
)
from smarco_kg.store.replacement import recover, replacing
from smarco_kg.store.sparql_changes import changeset_update
from smarco_kg.terms import RdfTerm, from_sparql_json, ox_format, to_ox, to_rdflib, values_block

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_RESULTS_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}

_BULK_BYTES = 4 << 20
_RDF_TYPE = ox.NamedNode(str(RDF.type))
WHOLE_BYTES = 1 << 20  # SPARQL JSON results read at once (``EmbeddedQueryResult.rows``)


class EmbeddedQueryResult(QueryResult):
    """A pyoxigraph result, read once. Its solution and triple iterators are bound to the thread that made them
    (pyo3 ``unsendable``): one dropped on another thread (a traceback that reaches the event loop from the
    threadpool, a generator finalised elsewhere) is leaked with a ``RuntimeError`` in the log. So the first read
    consumes the iterator whole, on the calling thread, and lets it go there; what stays is plain Python."""

    def __init__(self, result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples) -> None:
        self._result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | None = result
        self._items: list | None = None
        if isinstance(result, ox.QuerySolutions):
            self.kind = "solutions"
            self._variables = [v.value for v in result.variables]
        elif isinstance(result, ox.QueryBoolean):
            self.kind = "boolean"
            self._variables = []
        else:
            self.kind = "graph"
            self._variables = []

    @property
    def variables(self) -> list[str]:
        return list(self._variables)

    def _consumed(self) -> list:
        """Every solution or triple, the iterator read to its end and released on this thread."""
        if self._items is None:
            iterator, self._result = self._result, None
            try:
                self._items = list(iterator or ())  # type: ignore[arg-type]  # (never a boolean here)
            finally:
                del iterator  # dropped here even when evaluation fails half-way (not from a traceback elsewhere)
        return self._items

    def rows(self) -> Iterator[dict[str, RdfTerm]]:
        """The solutions, evaluated and written by pyoxigraph in one call that releases the interpreter's lock, then
        read back. Iterating them in Python takes the lock back for every row, and a thread doing so beside a busy
        one (the server's event loop) waits up to a switch interval per row: a 240-row page took 4 ms alone, 0.5 s
        beside a busy thread (measured). A body of up to ``WHOLE_BYTES`` is read as JSON at once (a page's
        summary: 73 kB); a larger one (a bulk read of the search index) solution by solution, as its Python objects
        would take ten times its size at once."""
        if self.kind != "solutions":
            raise TypeError(f"a {self.kind} result has no rows")
        if self._items is None:
            result, self._result = self._result, None
            if result is None:
                raise RuntimeError("the solutions were serialized already; a result is read once")
            try:
                assert isinstance(result, ox.QuerySolutions)  # (the kind says so)
                body = result.serialize(format=ox.QueryResultsFormat.JSON) or b"{}"
            finally:
                del result  # released on this thread, as in ``_consumed``
            if len(body) <= WHOLE_BYTES:
                self._items = json.loads(body).get("results", {}).get("bindings", [])
            else:
                parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
                try:
                    self._items = list(parsed)  # type: ignore[arg-type]  # (solutions: a SELECT's body)
                finally:
                    del parsed
        if self._items and isinstance(self._items[0], ox.QuerySolution):
            return (_row(self._variables, solution) for solution in self._items)
        return _rows(self._items)

    @property
    def boolean(self) -> bool:
        if not isinstance(self._result, ox.QueryBoolean):
            raise TypeError(f"a {self.kind} result is not a boolean")
        return bool(self._result)

    def triples(self) -> Iterator[tuple[RdfTerm, RdfTerm, RdfTerm]]:
        if self.kind != "graph":
            raise TypeError(f"a {self.kind} result has no triples")
        return ((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)) for t in self._consumed())

    def serialize(self, fmt: ResultFormat | RdfSyntax) -> bytes:
        if isinstance(fmt, ResultFormat):
            if self.kind == "graph":
                raise TypeError("a graph result is serialized in an RDF syntax")
        elif self.kind != "graph":
            raise TypeError(f"a {self.kind} result is serialized in a SPARQL results format")
        if isinstance(self._result, ox.QueryBoolean):
            return self._result.serialize(format=_RESULTS_FORMATS[fmt.name]) or b""
        if self._result is None and self.kind == "solutions":
            raise RuntimeError("the solutions were read already; a result is read once")
        result, self._result = self._result, None
        try:
            if isinstance(fmt, ResultFormat):
                assert isinstance(result, ox.QuerySolutions)  # (checked above)
                return result.serialize(format=_RESULTS_FORMATS[fmt.name]) or b""
            triples = result if result is not None else self._items or []
            options: dict = {"prefixes": PREFIXES} if fmt.name in ("turtle", "trig") else {}  # formats people read
            return ox.serialize(triples, format=ox_format(fmt), **options) or b""
        finally:
            del result  # released on this thread, as in ``_consumed``


def _row(names: list[str], solution: ox.QuerySolution) -> dict[str, RdfTerm]:
    row: dict[str, RdfTerm] = {}
    for index, name in enumerate(names):
        term = solution[index]
        if term is not None:
            row[name] = to_rdflib(term)
    return row


def _rows(bindings: list[dict[str, dict[str, str]]]) -> Iterator[dict[str, RdfTerm]]:
    """Rows of rdflib terms from SPARQL JSON bindings, each distinct term made once per result: a page's summary
    repeats its predicates and many objects in every row, and equal terms that are one object are found in rdflib's
    indexes without a call to their ``__eq__``."""
    made: dict[tuple[str, str, str | None, str | None], RdfTerm] = {}
    for binding in bindings:
        row: dict[str, RdfTerm] = {}
        for name, term in binding.items():
            key = (term["type"], term["value"], term.get("xml:lang"), term.get("datatype"))
            known = made.get(key)
            if known is None:
                known = made[key] = from_sparql_json(*key)
            row[name] = known
        yield row


class EmbeddedStore(GraphStore):
    """pyoxigraph on disk. One process opens it for writing at a time; RocksDB enforces that."""

    def __init__(self, path: Path | None, *, create: bool = True, read_only: bool = False) -> None:
        super().__init__()
        self.read_only = read_only
        if read_only:  # a checkpoint (see ``snapshot``) read by another process
            if path is None:
                raise StoreError("a read-only store is a checkpoint on disk: name its directory")
            self.follow(Path(path))
            return
        if path is None:  # a scratch store in memory, for staging writes before they are validated
            self.path = None
            self._store = ox.Store()
            self.description = "in-memory pyoxigraph store"
            return
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path} is a file, not a store directory")
        if self.path.is_dir() and any(self.path.iterdir()) and not (self.path / "CURRENT").exists():
            raise StoreError(f"{self.path} is not a smarco-kg store (no RocksDB files in it); give another --store")
        if not self.path.exists():
            if not create:
                raise StoreError(f"no store at {self.path}; run 'smarco-kg init --store {self.path}' first")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._store = ox.Store(str(self.path))
        except OSError as error:
            message = str(error)
            if "lock" in message.lower():
                raise StoreLockedError(
                    f"the store at {self.path} is open in another process (a running server?); "
                    "stop it or use the server's endpoints"
                ) from error
            raise StoreError(f"cannot open the store at {self.path}: {message}") from error
        self.description = f"embedded pyoxigraph store at {self.path}"

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = False,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        base_iri: str | None = None,
        time_limit: float | None = None,  # pyoxigraph cannot stop a query: its worker process is ended instead
    ) -> EmbeddedQueryResult:
        options: dict = {"use_default_graph_as_union": union_default_graph, "base_iri": base_iri}
        if default_graphs is not None or named_graphs is not None:  # the protocol's dataset, exactly (see base)
            check_dataset(default_graphs, named_graphs)
            options["default_graph"] = [_graph_name(g) for g in default_graphs or ()]
            options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or ()]
        if bindings:
            block = values_block(bindings)  # refuses malformed IRIs
            start = prebinding_start(sparql, bindings)
            if start is not None:
                # The values first in the WHERE group, as escaped terms, where that means the same as substituting
                # them: Oxigraph joins in the order written, so the values drive the evaluation. Its own
                # substitutions join them last (seconds, not milliseconds, on a selective pattern in a large store).
                # The same block opens each branch of a union in the group too (``union_branch_starts``).
                for point in sorted({start, *union_branch_starts(sparql)}, reverse=True):
                    sparql = f"{sparql[:point]} {block}\n{sparql[point:]}"
            else:
                options["substitutions"] = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
        try:
            return EmbeddedQueryResult(self._store.query(sparql, **options))
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from error
        except RuntimeError as error:
            if not bindings or "substitutions" not in options or "does not contain" not in str(error):
                raise
        # pyoxigraph substitutes only projected variables; bind the others with a trailing VALUES block
        # of escaped terms, which SPARQL joins with the whole pattern.
        del options["substitutions"]
        return EmbeddedQueryResult(self._store.query(f"{sparql}\n{block}", **options))

    def bounded_description(
        self, nodes: Sequence[Node], graphs: Sequence[str]
    ) -> list[tuple[RdfTerm, RdfTerm, RdfTerm]]:
        """Read from the store's indexes, one subject at a time, with no SPARQL: a course's description in 0.4 ms
        where its query took 1.3 ms, and 0.7 ms beside a busy thread where the query, which releases the interpreter's
        lock and must take it back, took 13 ms (measured, 10,000 courses). Reading a pattern does not let go of the
        lock."""
        names = [_graph_name(g) for g in graphs]
        seen: set[tuple[object, object, object]] = set()
        found: list[tuple[RdfTerm, RdfTerm, RdfTerm]] = []
        made: dict[object, RdfTerm] = {}

        def term(value: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> RdfTerm:
            known = made.get(value)
            if known is None:
                known = made[value] = to_rdflib(value)
            return known

        level = [node for node in map(to_ox, nodes) if not isinstance(node, ox.Literal)]  # (a literal has nothing)
        for _ in range(BLANK_LEVELS + 1):
            owned: list[ox.NamedNode | ox.BlankNode] = []
            for subject in level:
                for graph in names:
                    for quad in self._store.quads_for_pattern(subject, None, None, graph):
                        triple = (quad.subject, quad.predicate, quad.object)
                        if triple in seen:
                            continue
                        seen.add(triple)
                        found.append((term(quad.subject), term(quad.predicate), term(quad.object)))
                        if isinstance(quad.object, ox.BlankNode):
                            owned.append(quad.object)
            level = owned
        return found

    def typing_graphs(self, node: URIRef, classes: Sequence[URIRef] | None = None) -> list[str]:
        """From the store's indexes, as ``bounded_description`` (the query's parsing alone cost 0.15 ms a page)."""
        types = [ox.NamedNode(str(c)) for c in classes] if classes is not None else [None]
        found = {
            quad.graph_name.value
            for kind in types
            for quad in self._store.quads_for_pattern(ox.NamedNode(str(node)), _RDF_TYPE, kind, None)
            if isinstance(quad.graph_name, ox.NamedNode)
        }
        return sorted(found)

    def reachable(self, start: URIRef, predicates: Sequence[URIRef], graphs: Sequence[str]) -> list[URIRef]:
        """From the store's indexes, as ``bounded_description``: a walk, where the path query took 0.35 ms a page."""
        names = [_graph_name(g) for g in graphs]
        steps = [ox.NamedNode(str(p)) for p in predicates]
        first = ox.NamedNode(str(start))
        seen: set[ox.NamedNode | ox.BlankNode] = {first}
        todo: list[ox.NamedNode | ox.BlankNode] = [first]
        while todo:
            node = todo.pop()
            for step in steps:
                for graph in names:
                    for quad in self._store.quads_for_pattern(node, step, None, graph):
                        reached = quad.object
                        if isinstance(reached, (ox.NamedNode, ox.BlankNode)) and reached not in seen:
                            seen.add(reached)
                            todo.append(reached)
        return sorted(URIRef(n.value) for n in seen if isinstance(n, ox.NamedNode))

    def referring(self, target: URIRef, paths: Sequence[Sequence[URIRef]], limit: int) -> list[URIRef]:
        """From the store's indexes, as ``bounded_description``: each path walked back from ``target``, the
        one-step paths in one pass over what links to it, where the query took 0.6 ms for a course nothing
        links to (10,000 courses)."""
        end, pattern = ox.NamedNode(str(target)), self._store.quads_for_pattern
        direct = {ox.NamedNode(str(p[0])) for p in paths if len(p) == 1}
        found: set[ox.NamedNode] = set()
        if direct:
            for quad in pattern(None, None, end, None):
                if quad.predicate in direct and isinstance(quad.subject, ox.NamedNode):
                    found.add(quad.subject)
        for path in (p for p in paths if len(p) > 1):
            level: set[ox.NamedNode | ox.BlankNode | ox.Triple] = {end}
            for predicate in reversed([ox.NamedNode(str(p)) for p in path]):
                level = {quad.subject for node in level for quad in pattern(None, predicate, node, None)}
            found.update(node for node in level if isinstance(node, ox.NamedNode))
        found.discard(end)
        return [URIRef(iri) for iri in sorted(node.value for node in found)[: max(limit, 0)]]

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        try:
            self._store.update(sparql, base_iri=base_iri)
        except SyntaxError as error:
            raise QuerySyntaxError(str(error)) from error

    def apply(self, changes: Changeset) -> None:
        default = ox.NamedNode(changes.default_graph) if changes.default_graph else None
        if changes.is_additive:
            if len(changes.add) > _BULK_BYTES:  # large: the bulk loader, which is atomic too, is 4-5x faster
                self._store.bulk_load(changes.add, ox.RdfFormat.N_QUADS, to_graph=default)
            elif changes.add:
                self._store.load(changes.add, ox.RdfFormat.N_QUADS, to_graph=default)
            return
        self._store.update(changeset_update(changes))  # one SPARQL update is one transaction in pyoxigraph

    def bulk_load(
        self,
        source: Path | bytes,
        syntax: RdfSyntax,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        to_graph = ox.NamedNode(graph) if graph else None
        fmt = ox_format(syntax)
        try:
            if isinstance(source, Path):
                with source.open("rb") as handle:
                    reader = _ProgressReader(handle, progress) if progress else handle
                    # pyoxigraph reads any object with read(); its stub asks for typing.IO, which io.RawIOBase is not
                    self._store.bulk_load(reader, fmt, base_iri=base_iri, to_graph=to_graph)  # type: ignore[arg-type]
            else:
                self._store.bulk_load(source, fmt, base_iri=base_iri, to_graph=to_graph)
        except SyntaxError as error:  # Oxigraph's loader keeps nothing of a file it cannot parse
            raise QuerySyntaxError.of_data(source, error) from error
        self._store.flush()

    def graphs(self) -> list[str]:
        return [g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode)]

    def graph_sizes(self) -> dict[str, int]:
        result = self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION { ?s ?p ?o } } GROUP BY ?g"
        )
        assert isinstance(result, ox.QuerySolutions)  # a SELECT query
        return {(row[0].value if row[0] is not None else ""): int(row[1].value) for row in result}

    def dump(self, output: BinaryIO, syntax: RdfSyntax, *, graph: str | None = None) -> None:
        fmt = ox_format(syntax)
        options: dict = {"prefixes": PREFIXES} if syntax.name in ("turtle", "trig", "rdfxml") else {}
        if graph is not None:
            self._store.dump(output, fmt, from_graph=_graph_name(graph), **options)
        elif syntax.datasets:
            self._store.dump(output, fmt, **options)
        else:
            self._store.dump(output, fmt, from_graph=ox.DefaultGraph(), **options)

    def replace_graph(
        self, graph: str, sources: Sequence[tuple[Path, RdfSyntax]], *, progress: Progress | None = None
    ) -> int:
        """Replace a named graph with trusted files. Every source is parsed first (a bad file changes nothing);
        then the old graph is saved beside the store, removed and the new one bulk-loaded (``replacement``: the
        bulk loader is ~6x faster than a transaction). A failure puts the saved graph back at once, a crash at any
        moment on the next open (``recover``): the graph is always the old one or the whole new one."""
        for path, syntax in sources:
            try:
                with path.open("rb") as handle:
                    for _ in ox.parse(handle, ox_format(syntax)):  # no base: relative IRIs are errors here
                        pass
            except SyntaxError as error:
                raise QuerySyntaxError.of_data(path, error) from error
        name = ox.NamedNode(graph)
        if self.path is None:  # in memory: nothing outlives a crash; the old quads are kept for a failure
            old = list(self._store.quads_for_pattern(None, None, None, name))
            try:
                self._load_graph(name, sources, progress)
            except BaseException:
                self._store.remove_graph(name)
                self._store.extend(old)
                raise
            return self.graph_size(graph)
        with replacing(self._store, self.path, name):
            self._load_graph(name, sources, progress)
        return self.graph_size(graph)

    def _load_graph(
        self, name: ox.NamedNode, sources: Sequence[tuple[Path, RdfSyntax]], progress: Progress | None
    ) -> None:
        """Empty the graph and bulk-load the sources into it."""
        self._store.remove_graph(name)
        done = 0
        for path, syntax in sources:
            with path.open("rb") as handle:
                told = (lambda n, before=done: progress(before + n)) if progress else None
                reader = _ProgressReader(handle, told) if told else handle
                self._store.bulk_load(reader, ox_format(syntax), to_graph=name)  # type: ignore[arg-type]  # as above
            done += path.stat().st_size

    def recover(self) -> list[str]:
        """Put back a graph whose replacement a crash interrupted (see ``replacement``)."""
        if self.path is None or self.read_only:
            return []
        return recover(self._store, self.path)

    def snapshot(self, target: Path) -> bool:
        """A consistent checkpoint in ``target`` (hard links, milliseconds) that other processes can open
        read-only while this one goes on writing."""
        if self.path is None:
            return False
        self._store.flush()
        self._store.backup(str(target))
        return True

    def follow(self, checkpoint: Path) -> None:
        """Read ``checkpoint`` from now on (when opened, and each newer one after): the same object, so what
        is kept per store (names, lists) stays, keyed by the write generation that comes with the checkpoint."""
        if not self.read_only:
            raise StoreError(f"{self.description} is not a checkpoint: it cannot follow another")
        try:
            opened = ox.Store.read_only(str(checkpoint))
        except OSError as error:
            raise StoreError(f"cannot open the store at {checkpoint} read-only: {error}") from error
        self._store, self.path = opened, Path(checkpoint)
        self.description = f"embedded pyoxigraph store at {checkpoint} (read-only)"

    def close(self) -> None:
        store = getattr(self, "_store", None)
        if store is None:
            return
        try:
            if not self.read_only:
                store.flush()
        finally:
            del self._store


def _graph_name(graph: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.DefaultGraph() if graph == "" else ox.NamedNode(graph)


class _ProgressReader(io.RawIOBase):
    """Wraps a file so that reading it reports progress in bytes."""

    def __init__(self, handle: BinaryIO, progress: Progress) -> None:
        self._handle = handle
        self._progress = progress
        self._done = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        with memoryview(buffer) as view:  # released on return: the caller may resize ``buffer``
            data = self._handle.read(len(view))
            view[: len(data)] = data
        self._done += len(data)
        self._progress(self._done)
        return len(data)


__all__ = ["EmbeddedStore"]
