"""Which graphs make a remote store's dataset, and how each query and update is told them.

A store's own system graphs (Virtuoso's ``virtrdf#``…) and this backend's own graphs (``urn:x-smarco:``: staging
graphs of a load in progress, the default graph below) are not part of the dataset: they are left out of
``graphs()`` and of the union default graph, which is named explicitly (``FROM`` clauses) on each query, or on
Virtuoso by the graphs it leaves out (its ``input:default-graph-exclude`` pragma: its planner weighs a long ``FROM``
list badly, 1.2 s for a query that takes 4 ms over every graph). The store's own default graph is never used: the
"default graph" of the dataset is a named graph of this backend's own (``DEFAULT_GRAPH``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from itertools import pairwise

from smarco_kg.sparql_text import bare_words, dataset_clause_start, tokens, without_dataset_clauses
from smarco_kg.store.base import check_dataset
from smarco_kg.store.remote.transport import Transport

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
DEFAULT_GRAPH = f"{OWN_GRAPHS}default-graph"  # what this backend uses for the dataset's default graph
EMPTY_GRAPH = f"{OWN_GRAPHS}empty-graph"  # never written: names an empty graph where the dataset has no graphs
_GRAPHS_TTL = 1.0  # seconds the list of graphs that a union query names is reused (writes here refresh it)


def left_out(graph: str) -> bool:
    """A graph the store holds that is not part of the dataset: the store's or this backend's own."""
    return graph.startswith((*SYSTEM_GRAPHS, OWN_GRAPHS))


class Dataset:
    """The dataset's graphs, read cheaply and reused for a second (a write through this store refreshes them), so
    a query costs one request rather than two; another client's new graph shows within that second."""

    def __init__(self, transport: Transport, query_url: str) -> None:
        self._transport, self._query_url = transport, query_url
        self._read: tuple[float, list[str], list[str]] | None = None  # when read, the dataset's, the left-out
        self.staging: set[str] = set()  # staging graphs of this store's loads in progress

    def graphs(self) -> list[str]:
        """The dataset's graphs, read now: no counting."""
        # GROUP BY rather than DISTINCT: Virtuoso answers it from an index (20 ms rather than 1.3 s at 120k quads)
        rows = self._transport.select(self._query_url, "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        names = sorted(row["g"]["value"] for row in rows)
        graphs = [n for n in names if not left_out(n)]
        self._read = (time.monotonic(), graphs, [n for n in names if left_out(n) and n != DEFAULT_GRAPH])
        return graphs

    def forget(self) -> None:
        """Read the graphs afresh for the next query (after a write)."""
        self._read = None

    def _recent(self) -> tuple[float, list[str], list[str]]:
        if self._read is None or time.monotonic() - self._read[0] >= _GRAPHS_TTL:
            self.graphs()
        assert self._read is not None
        return self._read

    def named(self) -> list[str]:
        """The dataset's graphs, read within the last second."""
        return self._recent()[1]

    def left_out(self) -> list[str]:
        """The graphs the store holds that a union default graph leaves out: its system graphs, this backend's
        staging graphs (those of this store's loads at once; another client's within the second above)."""
        return sorted({*self._recent()[2], *self.staging})

    def using(self) -> str:
        """The dataset as an update's ``USING`` / ``USING NAMED`` clauses, as a query is told it."""
        return f"USING <{DEFAULT_GRAPH}> " + " ".join(f"USING NAMED <{g}>" for g in self.named())

    def query_fields(
        self,
        sparql: str,
        lexed: list[str],
        *,
        union_default_graph: bool,
        default_graphs: Sequence[str] | None,
        named_graphs: Sequence[str] | None,
    ) -> list[tuple[str, str]]:
        """The request's form fields: the query, its dataset written into it as ``FROM`` / ``FROM NAMED`` clauses.

        In the text, not as ``default-graph-uri`` / ``named-graph-uri`` fields: Virtuoso takes ~60 ms to read 500
        graph fields and ~1 ms to read 500 clauses. Graphs are named only where the query can reach them (no
        ``FROM NAMED`` without a ``GRAPH`` pattern). A query's own ``FROM`` clauses stand unless the protocol gives
        a dataset, which replaces them (SPARQL 1.1 Protocol §2.1.4). The protocol's dataset is exactly what it
        names: a default graph it names none of is empty, and so is the set of named graphs (Query §13.2). On
        Virtuoso a union default graph is written as the graphs it leaves out, unless a ``GRAPH`` pattern needs the
        named graphs listed."""
        words = bare_words(lexed)
        protocol = default_graphs is not None or named_graphs is not None
        if protocol and "FROM" in words:  # Virtuoso would add the protocol's graphs to the query's, not replace them
            sparql = without_dataset_clauses(sparql)
            lexed = [m.group() for m in tokens(sparql)]
            words = bare_words(lexed)
        if "FROM" in words and not protocol:
            return [("query", sparql)]
        if union_default_graph and not protocol and "GRAPH" not in words:
            excluded = self.left_out()  # read first: the answer says whether the store is Virtuoso
            if self._transport.virtuoso:  # every graph but those: no list of the dataset's graphs for its planner
                return [("query", "".join(f"define input:default-graph-exclude <{g}>\n" for g in excluded) + sparql)]
        if protocol:
            check_dataset(default_graphs, named_graphs)  # pasted into the text below: IRIs only
            defaults = [g or DEFAULT_GRAPH for g in default_graphs or ()] or [EMPTY_GRAPH]
            named = list(named_graphs or ()) or [EMPTY_GRAPH]
        elif union_default_graph:  # the union of the dataset's graphs, the store's system graphs left out
            defaults = named = [*self.named(), DEFAULT_GRAPH]
        else:  # the default graph alone (as in the embedded store), and every graph for GRAPH patterns
            defaults, named = [DEFAULT_GRAPH], self.named()
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


def _named_in(lexed: list[str]) -> list[str]:
    """The absolute IRIs written after ``GRAPH`` in a query's tokens, the store's own graphs left out."""
    return [
        token[1:-1]
        for before, token in pairwise(lexed)
        if before.upper() == "GRAPH" and token.startswith("<") and ":" in token and not left_out(token[1:-1])
    ]
