"""What each member of a collection shows in a list (its summary paths and its labels), kept between writes.

A page's summary query costs pyoxigraph about 4 ms for 20 courses (240 rows: one index lookup per step of each
summary path, across every graph), two thirds of a listing's work. A member's summary changes only with a write,
so it is read once per write generation and kept: a page reads from the store only the members it has not shown
since the last write, in one query. The summaries are keyed by the service's write generation, like the member
lists (``members``), and a write (through any route of this server) drops them all (``GenerationCache``); at most
``MAX_MEMBERS`` are kept, the least recently shown dropped first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rdflib import RDF, BNode, Literal, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.store import GraphStore

MAX_MEMBERS = 50_000  # about 1.5 kB each (a course's dozen triples; their IRIs are shared)

Triple = tuple[Node, Node, Node]


@dataclass(frozen=True)
class Summary:
    """One member's summary triples (a triple found in several graphs once) and its labels in every language."""

    triples: tuple[Triple, ...]
    labels: tuple[Literal, ...]


def summary_branches(entry: ClassEntry) -> list[str]:
    """One UNION branch per step of each summary path: the triple ``?x ?p ?o`` at that step, from ``?s``."""
    first = sorted({str(RDF.type), str(entry.label)} | {str(path[0]) for path in entry.summary})
    # FILTER(?p IN …), not VALUES ?p: pyoxigraph would scan every triple of those predicates before joining.
    branches = [f"?s ?p ?o . FILTER(?p IN ({', '.join(f'<{p}>' for p in first)})) BIND(?s AS ?x)"]
    steps = sorted({path[:length] for path in entry.summary for length in range(2, len(path) + 1)})
    for step in steps:
        hops, previous = [], "?s"
        for index, predicate in enumerate(step[:-1]):
            hops.append(f"{previous} <{predicate}> ?h{index} .")
            previous = f"?h{index}"
        hops.append(f"{previous} <{step[-1]}> ?o . BIND(<{step[-1]}> AS ?p) BIND({previous} AS ?x)")
        branches.append(" ".join(hops))
    return branches


def summary_query(entry: ClassEntry, members: Sequence[URIRef]) -> str:
    """What each of ``members`` shows: one ``UNION`` branch per summary path, from the members' IRIs."""
    listed = " ".join(f"<{iri}>" for iri in members)
    union = "\n  UNION\n  ".join(f"{{ {branch} }}" for branch in summary_branches(entry))
    return f"SELECT ?s ?x ?p ?o WHERE {{\n  VALUES ?s {{ {listed} }}\n  {union}\n}}"


def read_summaries(store: GraphStore, entry: ClassEntry, members: Sequence[URIRef]) -> dict[URIRef, Summary]:
    """The summaries of ``members`` from the store, in one query (a member the store says nothing of has an empty
    one). Blank nodes get labels of this read: a store may label them per result (SPARQL allows it), and summaries
    read by different queries meet on one page."""
    triples: dict[URIRef, dict[Triple, None]] = {member: {} for member in members}
    labels: dict[URIRef, list[Literal]] = {member: [] for member in members}
    label_property = entry.label
    blanks: dict[BNode, BNode] = {}
    for row in store.query(summary_query(entry, members), union_default_graph=True).rows():
        s, x, p, o = row["s"], row["x"], row["p"], row["o"]
        if not isinstance(s, URIRef) or s not in triples:
            continue
        if p == label_property and x == s:
            if isinstance(o, Literal):
                labels[s].append(o)
            continue
        if isinstance(x, BNode):
            x = blanks.get(x) or blanks.setdefault(x, BNode())
        if isinstance(o, BNode):
            o = blanks.get(o) or blanks.setdefault(o, BNode())
        triples[s][(x, p, o)] = None
    return {member: Summary(tuple(triples[member]), tuple(labels[member])) for member in members}


class MemberSummaries:
    """The summaries read since the last write, by member, for the write generation they were read at."""

    def __init__(self, limit: int = MAX_MEMBERS) -> None:
        self.kept: GenerationCache[tuple[str, URIRef], Summary] = GenerationCache("member-summaries", kept=limit)

    def of(
        self, store: GraphStore, entry: ClassEntry, members: Sequence[URIRef], generation: int
    ) -> dict[URIRef, Summary]:
        """The summaries of ``members`` as of write ``generation`` (read before the store is queried: summaries read
        while a write lands are kept for the older generation, never served for the newer one)."""

        def read(keys: list[tuple[str, URIRef]]) -> dict[tuple[str, URIRef], Summary]:
            found = read_summaries(store, entry, [member for _, member in keys])
            return {(entry.collection, member): summary for member, summary in found.items()}

        kept = self.kept.get_many(generation, [(entry.collection, m) for m in members], read)
        return {member: kept[(entry.collection, member)] for member in members}

    def __len__(self) -> int:
        return len(self.kept)
