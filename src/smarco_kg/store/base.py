"""The one store interface: everything above it works the same on the embedded store and a remote one.

Data crosses the interface as SPARQL text, serialized RDF (N-Quads) and rdflib terms, which every SPARQL 1.1
store understands, so a backend is a translation, never a new model.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

import pyoxigraph as ox
from rdflib.term import Node, URIRef

from smarco_kg.errors import BadGateway, BadRequest, ServiceUnavailable
from smarco_kg.formats import RdfSyntax, ResultFormat
from smarco_kg.terms import RdfTerm, sparql_term

Progress = Callable[[int], None]
"""Called with the number of bytes (or items) done so far, for progress bars."""


class StoreError(BadGateway):
    """The store cannot be opened or used; the message says why and what to do."""

    def problem(self) -> dict[str, Any]:
        """A remote store's answer can be long and spread over lines: one line, at most 1,000 characters."""
        body = super().problem()
        body["detail"] = " ".join(str(body["detail"]).split())[:1000]
        return body


class StoreLockedError(ServiceUnavailable, StoreError):
    """Another process holds the store open for writing: busy until it closes the store."""


class StoreTimeout(ServiceUnavailable, StoreError):
    """The store stopped a query at its time limit (Virtuoso's ``timeout`` parameter or its
    ``MaxQueryExecutionTime``). Virtuoso then answers 200 with whatever it had found so far: an incomplete result,
    which is refused rather than passed on as the answer."""


class QuerySyntaxError(BadRequest, ValueError):
    """A SPARQL query or update (or RDF data) that does not parse; the message gives the position."""

    @classmethod
    def of_data(cls, source: Path | bytes, error: SyntaxError) -> QuerySyntaxError:
        """Data that does not parse: the parser's message, after the file's name when it came from a file."""
        return cls(f"{source}: {error}" if isinstance(source, Path) else str(error))


def check_dataset(default_graphs: Sequence[str] | None, named_graphs: Sequence[str] | None) -> None:
    """A protocol dataset names graphs by absolute IRIs (``""``: the default graph); anything else is a
    ``QuerySyntaxError``, never text a store pastes into a query (``FROM <…>``)."""
    for parameter, names in (("default-graph-uri", default_graphs), ("named-graph-uri", named_graphs)):
        for name in names or ():
            if name == "" and parameter == "default-graph-uri":
                continue
            try:
                ox.NamedNode(name)
            except ValueError as error:
                raise QuerySyntaxError(f"{parameter}={name!r} is not an absolute IRI: {error}") from None


@dataclass
class Changeset:
    """One all-or-nothing write: clear or drop graphs, remove resources' descriptions, then add quads.

    ``add`` is N-Quads; quads without a graph go to ``default_graph`` (required then).
    ``remove_resources`` lists (graph, subject IRI) pairs whose triples, and the blank nodes they own,
    are removed from that graph.
    """

    add: bytes = b""
    default_graph: str | None = None
    clear_graphs: Sequence[str] = ()  # emptied; ``""`` is the default graph
    drop_graphs: Sequence[str] = ()  # removed altogether
    remove_resources: Sequence[tuple[str, str]] = ()

    @property
    def is_additive(self) -> bool:
        return not self.clear_graphs and not self.drop_graphs and not self.remove_resources


class QueryResult(ABC):
    """The answer to a SPARQL query: solutions, a boolean or triples."""

    kind: Literal["solutions", "boolean", "graph"]

    @property
    @abstractmethod
    def variables(self) -> list[str]: ...

    @abstractmethod
    def rows(self) -> Iterator[dict[str, RdfTerm]]:
        """Solutions as dicts from variable name to rdflib term (unbound variables left out)."""

    @property
    @abstractmethod
    def boolean(self) -> bool: ...

    @abstractmethod
    def triples(self) -> Iterator[tuple[RdfTerm, RdfTerm, RdfTerm]]: ...

    @abstractmethod
    def serialize(self, fmt: ResultFormat | RdfSyntax) -> bytes:
        """The results in a SPARQL results format (solutions, boolean) or an RDF syntax (graph)."""


OWNED_PATTERN = """{ ?n ?p ?o . BIND(?n AS ?x) }
  UNION { ?n ?q1 ?x . FILTER(isBlank(?x)) ?x ?p ?o . }
  UNION { ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?x . FILTER(isBlank(?x)) ?x ?p ?o . }
  UNION { ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?b2 . FILTER(isBlank(?b2)) ?b2 ?q3 ?x . FILTER(isBlank(?x))
          ?x ?p ?o . }"""
"""The statements ``?x ?p ?o`` of a node ``?n`` and of the blank nodes it owns, up to ``BLANK_LEVELS`` below it: what
a description of ``?n`` holds (a course's credit points and assessment are blank nodes, nested up to three deep)."""
BLANK_LEVELS = 3


@dataclass
class GraphStore(ABC):
    """Query, update, validated writes (``apply``), trusted bulk loads, named graphs and dumps."""

    description: str = field(default="", init=False)

    @abstractmethod
    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = False,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        base_iri: str | None = None,
        time_limit: float | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; ``bindings`` pre-bind variables to values (as if the query began with a ``VALUES``
        block), written as escaped terms by the store, never pasted from user text. ``time_limit``: seconds after
        which a store that can stop a query itself is asked to (a remote Virtuoso; ``StoreTimeout`` then); the
        embedded store's queries are stopped by ending their worker process instead.

        ``default_graphs`` / ``named_graphs`` are the SPARQL protocol's dataset (``default-graph-uri``,
        ``named-graph-uri``): given either, the query runs over exactly that dataset, which replaces the query's own
        ``FROM`` / ``FROM NAMED``; the part not given is empty (no named graphs, or an empty default graph), as
        ``FROM`` without ``FROM NAMED`` means (SPARQL 1.1 Protocol §2.1.4, Query §13.2). ``""`` names the store's
        default graph. Without them, the query's own dataset; else the default graph (``union_default_graph``:
        the union of every graph) and every named graph."""

    @abstractmethod
    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL update as one transaction (callers: the validated write path only)."""

    @abstractmethod
    def apply(self, changes: Changeset) -> None:
        """Apply one changeset atomically: all of it or, on any error, nothing."""

    @abstractmethod
    def bulk_load(
        self,
        source: Path | bytes,
        syntax: RdfSyntax,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Load trusted data fast (no validation); all or nothing."""

    @abstractmethod
    def replace_graph(
        self, graph: str, sources: Sequence[tuple[Path, RdfSyntax]], *, progress: Progress | None = None
    ) -> int:
        """Replace a named graph with trusted files, atomically: a failure at any point (a file that cannot be
        parsed included) leaves the old graph as it was. ``progress`` is told the bytes loaded so far.
        Returns the new graph's size."""

    @abstractmethod
    def graphs(self) -> list[str]:
        """The named graphs, cheaply (no counting)."""

    @abstractmethod
    def graph_sizes(self) -> dict[str, int]:
        """Triples per named graph (the default graph as ``""``)."""

    @abstractmethod
    def dump(self, output: BinaryIO, syntax: RdfSyntax, *, graph: str | None = None) -> None:
        """Write the dataset (or one graph) to ``output``."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def recover(self) -> list[str]:
        """Put right what a process killed in the middle of a write left behind (a graph half replaced, staging
        data); called when the store is opened for writing. One line for each thing done, for the log."""
        return []

    def snapshot(self, target: Path) -> bool:
        """Write a consistent read-only copy to ``target`` if the backend can; other processes open it with
        ``open_store(target, read_only=True)``. Backends without local checkpoints return False."""
        return False

    def bounded_description(
        self, nodes: Sequence[Node], graphs: Sequence[str]
    ) -> list[tuple[RdfTerm, RdfTerm, RdfTerm]]:
        """The distinct statements of ``nodes`` and of the blank nodes they own (``OWNED_PATTERN``) in the merge of
        ``graphs``: a concise bounded description, as a page reads a member. One query; a store that reads its
        indexes directly does it without SPARQL."""
        if not nodes:
            return []
        values = " ".join(sparql_term(node) for node in nodes)
        query = f"SELECT DISTINCT ?x ?p ?o WHERE {{ VALUES ?n {{ {values} }}\n  {OWNED_PATTERN}\n}}"
        rows = self.query(query, default_graphs=graphs).rows()
        return [(row["x"], row["p"], row["o"]) for row in rows]

    def typing_graphs(self, node: URIRef, classes: Sequence[URIRef] | None = None) -> list[str]:
        """The named graphs that type ``node`` (with one of ``classes``, when given), in order: where a resource's own
        statements are read and written."""
        typed = f"VALUES ?c {{ {' '.join(sparql_term(c) for c in classes)} }} " if classes is not None else ""
        query = f"SELECT DISTINCT ?g WHERE {{ {typed}GRAPH ?g {{ ?s a ?c }} }} ORDER BY ?g"
        return [str(row["g"]) for row in self.query(query, bindings={"s": node}).rows()]

    def reachable(self, start: URIRef, predicates: Sequence[URIRef], graphs: Sequence[str]) -> list[URIRef]:
        """The IRIs ``start`` reaches by zero or more of ``predicates`` in the merge of ``graphs``, in order (``start``
        among them): the nodes a member's description embeds (its specification, their outcomes). The start is
        written into the path, not bound by ``VALUES``: Virtuoso refuses a transitive path whose start is a variable
        (``TR…: transitive start not given``)."""
        if not predicates:
            return [start]
        path = "|".join(sparql_term(p) for p in predicates)
        query = f"SELECT DISTINCT ?n WHERE {{ {sparql_term(start)} ({path})* ?n . FILTER(isIRI(?n)) }}"
        return sorted(
            n for row in self.query(query, default_graphs=graphs).rows() if isinstance(n := row.get("n"), URIRef)
        )

    def referring(self, target: URIRef, paths: Sequence[Sequence[URIRef]], limit: int) -> list[URIRef]:
        """The IRIs other than ``target`` that reach it along one of ``paths`` in any graph, each path the
        predicates from the referring resource on (``(spec, outcome, skill)``: a course teaching a skill), sorted,
        at most ``limit``: what a page lists from the other side. One query; a store that reads its indexes directly
        walks them back from ``target`` instead."""
        direct = [p[0] for p in paths if len(p) == 1]
        branches = [f"?s ?p ?r . FILTER(?p IN ({', '.join(sparql_term(p) for p in direct)}))"] if direct else []
        for path in (p for p in paths if len(p) > 1):
            hops = [f"?s{n}" for n in range(1, len(path))]
            nodes = ["?s", *hops, "?r"]
            branches.append(" ".join(f"{nodes[n]} {sparql_term(p)} {nodes[n + 1]} ." for n, p in enumerate(path)))
        if not branches:
            return []
        query = (
            f"SELECT DISTINCT ?s WHERE {{ {{ {' } UNION { '.join(branches)} }} FILTER(isIRI(?s) && ?s != ?r) }}"
            f" ORDER BY ?s LIMIT {int(limit)}"
        )
        rows = self.query(query, union_default_graph=True, bindings={"r": target}).rows()
        return [s for row in rows if isinstance(s := row.get("s"), URIRef)]

    def graph_size(self, graph: str) -> int:
        """Triples in one graph (``""``: the default graph)."""
        pattern = "?s ?p ?o" if graph == "" else f"GRAPH <{graph}> {{ ?s ?p ?o }}"  # "" is the default graph
        result = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        return int(next(result.rows())["n"])

    def clear(self) -> None:
        """Empty the dataset: every graph of it (a remote store's own system graphs are not part of it)."""
        self.update("CLEAR ALL")

    def is_empty(self) -> bool:
        result = self.query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
        return not result.boolean
