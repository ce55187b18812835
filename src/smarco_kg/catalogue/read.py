"""Reading the catalogue: a member's description, a page of a collection, ETags and labels in a language.

A listing is two queries: the page of members (filters bound as values, never pasted into the text; ordered
by the member index, not ``ORDER BY``) and what each item shows, one ``UNION`` branch per summary path. A member
is its description (its triples, the blank nodes it owns and the resources its class embeds) plus the labels of
the resources it links to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.filters import bind
from smarco_kg.catalogue.members import MemberIndex
from smarco_kg.catalogue.vocabulary import LABEL_PROPERTIES, PREFIXES_SPARQL
from smarco_kg.store import GraphStore
from smarco_kg.terms import sparql_term

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


def pick_label(values: list[Literal], lang: str) -> Literal | None:
    """The label in ``lang``, else English, else one without a language, else the first in order."""
    if not values:
        return None
    ordered = sorted(values, key=lambda v: (v.language or "", str(v)))
    lang = lang.lower()
    for test in (
        lambda v: (v.language or "").lower() == lang,
        lambda v: (v.language or "").lower().split("-")[0] == lang.split("-")[0],
        lambda v: (v.language or "").lower().split("-")[0] == "en",
        lambda v: not v.language,
    ):
        chosen = [v for v in ordered if test(v)]
        if chosen:
            return chosen[0]
    return ordered[0]


def label_of(graph: Graph, node: Node, lang: str) -> Literal | None:
    """A node's label in ``lang`` (see ``pick_label``) from its first label property that has values."""
    for prop in LABEL_PROPERTIES:
        values = [v for v in graph.objects(node, prop) if isinstance(v, Literal)]
        if values:
            return pick_label(values, lang)
    return None


# -- listing -------------------------------------------------------------------------------------------------------


def _summary_branches(entry: ClassEntry) -> list[str]:
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


def _matches_query(patterns: list[str]) -> str:
    """The subjects matching every filter, unordered (the filter values are bound first: see ``GraphStore.query``)."""
    filters = "\n  ".join(patterns)
    return f"{PREFIXES_SPARQL}SELECT DISTINCT ?s WHERE {{\n  {filters}\n}}"


def _summary_query(entry: ClassEntry, page: list[URIRef]) -> str:
    """What each member of the page shows: one ``UNION`` branch per summary path, from the page's IRIs."""
    members = " ".join(f"<{iri}>" for iri in page)
    union = "\n  UNION\n  ".join(f"{{ {branch} }}" for branch in _summary_branches(entry))
    return f"SELECT ?s ?x ?p ?o WHERE {{\n  VALUES ?s {{ {members} }}\n  {union}\n}}"


@dataclass(frozen=True)
class Page:
    """One page of a collection: what its items show (with an ``rdfs:label`` each), its members, the total."""

    graph: Graph
    members: list[URIRef]
    total: int


@dataclass(frozen=True)
class Listing:
    """What a page of one collection is read from: the store, the member index and the deployment's base IRI."""

    store: GraphStore
    index: MemberIndex
    base_iri: str

    def page(
        self, entry: ClassEntry, params: dict[str, str], limit: int, offset: int, lang: str, generation: int
    ) -> Page:
        """Members matching the filters ``params`` gives values for, ``offset`` to ``offset + limit`` in IRI
        order, as of write ``generation``; a bad filter value is a 422 naming it."""
        patterns, bindings = bind(self.store, entry.filters, params, self.base_iri, generation, lang)
        members = self.index.members(self.store, entry, self.base_iri, generation)
        if patterns:
            rows = self.store.query(_matches_query(patterns), bindings=bindings, union_default_graph=True)
            matches = members.ordered(row["s"] for row in rows.rows())
            total, page = len(matches), [URIRef(iri) for iri in matches[offset : offset + limit]]
        else:
            total, page = len(members), members.page(offset, limit)
        graph = Graph()
        if not page:
            return Page(graph, [], total)
        labels: dict[Node, list[Literal]] = {}
        for row in self.store.query(_summary_query(entry, page), union_default_graph=True).rows():
            x, p, o = row["x"], row["p"], row["o"]
            if x == row["s"] and p == entry.label:
                if isinstance(o, Literal):
                    labels.setdefault(x, []).append(o)
                continue
            graph.add((x, p, o))
        for member in page:
            label = pick_label(labels.get(member, []), lang)
            if label is not None:
                graph.add((member, RDFS.label, Literal(str(label))))
        return Page(graph, page, total)


# -- one member ------------------------------------------------------------------------------------------------------


def description_query(nodes: list[URIRef], labels: bool = True) -> str:
    """One query for ``nodes``, the blank nodes they own (three levels deep) and (``labels``) the labels of what they
    link to. Description rows bind ``?p ?o``, label rows ``?lp ?lo``: the kind of a row shows in which variables it
    binds, not in a constant bound per branch, which Virtuoso's compiler refuses beside a FILTER in a UNION (``SP031
    sparp_gp_deprecate()``). The nodes are given, not found by a path in the same query: Virtuoso's planner, its
    statistics freshly sampled, joins such a path to the UNION in whole seconds where the given nodes take
    milliseconds."""
    label_filter = f"FILTER(?lp IN ({', '.join(f'<{p}>' for p in LABEL_PROPERTIES)}))"  # not VALUES: see above
    label_branches = f"""
  UNION {{ ?n ?q1 ?x . FILTER(isIRI(?x) && ?q1 != rdf:type) ?x ?lp ?lo . {label_filter} }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?x . FILTER(isIRI(?x) && ?q2 != rdf:type)
           ?x ?lp ?lo . {label_filter} }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?b2 . FILTER(isBlank(?b2)) ?b2 ?q3 ?x .
           FILTER(isIRI(?x) && ?q3 != rdf:type) ?x ?lp ?lo . {label_filter} }}"""
    return f"""{PREFIXES_SPARQL}
SELECT DISTINCT ?x ?p ?o ?lp ?lo WHERE {{
  VALUES ?n {{ {" ".join(sparql_term(node) for node in nodes)} }}
  {{ ?n ?p ?o . BIND(?n AS ?x) }}
  UNION {{ ?n ?q1 ?x . FILTER(isBlank(?x)) ?x ?p ?o . }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?x . FILTER(isBlank(?x)) ?x ?p ?o . }}
  UNION {{ ?n ?q1 ?b1 . FILTER(isBlank(?b1)) ?b1 ?q2 ?b2 . FILTER(isBlank(?b2)) ?b2 ?q3 ?x . FILTER(isBlank(?x))
           ?x ?p ?o . }}{label_branches if labels else ""}
}}"""


def labels_query(nodes: Sequence[Node]) -> str:
    """The label properties of ``nodes``, wherever they are stated."""
    label_filter = f"FILTER(?lp IN ({', '.join(f'<{p}>' for p in LABEL_PROPERTIES)}))"
    values = " ".join(sparql_term(node) for node in nodes)
    return f"SELECT DISTINCT ?x ?lp ?lo WHERE {{ VALUES ?x {{ {values} }} ?x ?lp ?lo . {label_filter} }}"


@lru_cache(maxsize=64)
def _homes_query(member_classes: tuple[URIRef, ...]) -> str:
    """The graphs that type ``?r`` with one of ``member_classes``: where a member's description is read."""
    classes = " ".join(f"<{c}>" for c in member_classes)
    return f"SELECT DISTINCT ?g WHERE {{ VALUES ?member_class {{ {classes} }} GRAPH ?g {{ ?r a ?member_class }} }}"


@lru_cache(maxsize=64)
def _nodes_query(member_classes: tuple[URIRef, ...], embed: tuple[URIRef, ...]) -> str:
    """The nodes a member's description holds: the member (``?r`` of one of ``member_classes``) and the nodes it
    embeds; none when ``?r`` is no member. Run over the member's home graphs: a path inside ``GRAPH ?g`` with
    ``?r`` bound by VALUES is one Virtuoso refuses (``TR…``: a transitive table with neither end bound)."""
    classes = " ".join(f"<{c}>" for c in member_classes)
    if embed:
        path = "|".join(f"<{p}>" for p in embed)
        described = f"?r a ?member_class . ?r ({path})* ?n . FILTER(isIRI(?n))"
    else:
        described = "?r a ?member_class . BIND(?r AS ?n)"
    return f"SELECT DISTINCT ?n WHERE {{ VALUES ?member_class {{ {classes} }} {described} }}"


def read_description(store: GraphStore, nodes: list[URIRef], graphs: list[str] | None = None) -> Graph:
    """The triples of a ``description_query`` for ``nodes``, with one label property (the first it has) for each
    linked node that is not described itself. ``graphs``: where the nodes' own statements are read (their homes;
    statements about them elsewhere are not shown); None: every graph. Labels of linked nodes come from anywhere."""
    graph = Graph()
    labels: dict[Node, dict[Node, list[Node]]] = {}
    if graphs is None:
        rows = store.query(description_query(nodes), union_default_graph=True).rows()
    else:
        rows = store.query(description_query(nodes, labels=False), default_graphs=graphs).rows()
    for row in rows:
        if row.get("p") is not None:
            graph.add((row["x"], row["p"], row["o"]))
        elif row.get("lp") is not None:
            labels.setdefault(row["x"], {}).setdefault(row["lp"], []).append(row["lo"])
    described = set(graph.subjects())
    if graphs is not None:
        linked = sorted({o for _, p, o in graph if isinstance(o, URIRef) and p != RDF.type and o not in described})
        if linked:
            for row in store.query(labels_query(linked), union_default_graph=True).rows():
                labels.setdefault(row["x"], {}).setdefault(row["lp"], []).append(row["lo"])
    for linked_node, by_property in labels.items():
        if linked_node in described:
            continue
        chosen = next(p for p in LABEL_PROPERTIES if p in by_property)  # the first label property it has
        for value in by_property[chosen]:
            graph.add((linked_node, chosen, value))
    return graph


def home_graphs(store: GraphStore, iri: URIRef) -> list[str]:
    """The graphs that type ``iri``: where its own statements are read."""
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s a ?t } } ORDER BY ?g"
    return [str(row["g"]) for row in store.query(query, bindings={"s": iri}).rows()]


def describe(store: GraphStore, entry: ClassEntry, iri: URIRef) -> Graph | None:
    """The member's description, as its home graph holds it, with the labels of what it links to; None when
    ``iri`` is no member."""
    homes = sorted(str(row["g"]) for row in store.query(_homes_query(entry.classes), bindings={"r": iri}).rows())
    if not homes:
        return None
    rows = store.query(_nodes_query(entry.classes, entry.embed), default_graphs=homes, bindings={"r": iri}).rows()
    nodes = sorted(n for n in (row.get("n") for row in rows) if isinstance(n, URIRef))
    if not nodes:
        return None
    graph = read_description(store, nodes, homes)
    return graph if len(graph) else None


def describe_node(store: GraphStore, iri: URIRef) -> Graph | None:
    """Any node's own description: its triples, the blank nodes it owns (three deep) and the labels of what it
    links to, as ``describe`` gives a member's, read from the graphs that type it (every graph for a node typed
    nowhere); None when the store has no triple about it."""
    graph = read_description(store, [iri], home_graphs(store, iri) or None)
    return graph if (iri, None, None) in graph else None


def etag(graph: Graph) -> str:
    """A digest of the description: the same triples give the same tag, whatever their order."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]
