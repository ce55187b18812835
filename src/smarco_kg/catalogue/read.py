"""Reading the catalogue: a member's description, a page of a collection, ETags and labels in a language.

A listing is two queries: the page of members (filters bound as values, never pasted into the text; ordered
by title in the language asked, then IRI, by the member index, not ``ORDER BY``) and what each item shows, one
``UNION`` branch per summary path. A member is its description (its triples, the blank nodes it owns and the
resources its class embeds) plus the labels of the resources it links to. Pages for people read a little more:
what refers to a member, the courses teaching some skills, a pathway's workloads.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from rdflib import RDF, RDFS, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.catalogue.filters import bind
from smarco_kg.catalogue.members import MemberIndex
from smarco_kg.catalogue.summaries import MemberSummaries, Triple
from smarco_kg.catalogue.vocabulary import LABEL_PROPERTIES, LABELLING, PREFIXES_SPARQL
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.namespaces import ELM, ESCO, SCHEMA, SMARCO
from smarco_kg.store import GraphStore
from smarco_kg.store.base import OWNED_PATTERN
from smarco_kg.terms import sparql_term

DEFAULT_LIMIT, MAX_LIMIT = 20, 100


def plain_graph() -> Graph:
    """A graph for one request, freed as soon as nothing refers to it. rdflib's default store keeps each graph
    among its contexts, a reference cycle that only the cyclic garbage collector breaks: a page of 20 courses left
    about 2,300 objects to it, and under 8 clients its full passes took 100-200 ms about every second. The
    context-free store keeps no such reference (a graph serialized with prefixes still makes one, smaller)."""
    return Graph(store=SimpleMemory())


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


def _matches_query(patterns: list[str]) -> str:
    """The subjects matching every filter, unordered (the filter values are bound first: see ``GraphStore.query``)."""
    filters = "\n  ".join(patterns)
    return f"{PREFIXES_SPARQL}SELECT DISTINCT ?s WHERE {{\n  {filters}\n}}"


def graph_of(triples: Iterable[Triple]) -> Graph:
    """A ``plain_graph`` holding ``triples``."""
    graph = plain_graph()
    for triple in triples:
        graph.add(triple)
    return graph


@dataclass(frozen=True)
class Page:
    """One page of a collection: its members, the total, and what each item shows (its summary and an
    ``rdfs:label``). The triples stay lists: compact JSON-LD reads them as they are (adding each to an rdflib graph,
    then reading it back, was a sixth of a listing's Python time), and a list page's rows read their own members'."""

    members: list[URIRef]
    total: int
    titles: dict[URIRef, tuple[Literal, ...]] = field(default_factory=dict)  # every language: pages say them
    items: dict[URIRef, list[Triple]] = field(default_factory=dict)  # each member's own: its summary and label
    shown: dict[URIRef, str] = field(default_factory=dict)  # the label each item shows ("" for none)

    @cached_property
    def triples(self) -> list[Triple]:
        """What the items show, in the order read: a node two members share is written once."""
        return list(dict.fromkeys(triple for member in self.members for triple in self.items[member]))


@dataclass(frozen=True)
class Listing:
    """What a page of one collection is read from: the store, the member index, the members' summaries kept since
    the last write and the deployment's base IRI; and what the server keeps per write generation (``kept``), from
    which a skill filter's courses are found."""

    store: GraphStore
    index: MemberIndex
    summaries: MemberSummaries
    base_iri: str
    kept: Kept | None = None

    def page(
        self, entry: ClassEntry, params: dict[str, str], limit: int, offset: int, lang: str, generation: int
    ) -> Page:
        """Members matching the filters ``params`` gives values for, ``offset`` to ``offset + limit`` in title
        order (their label in ``lang``, then IRI), as of write ``generation``; a bad filter value is a 422 naming
        it."""
        patterns, bindings = bind(self.store, entry.filters, params, self.base_iri, generation, lang)
        members = self.index.members(self.store, entry, self.base_iri, generation, lang)
        taught = self._taught(entry, params, patterns, bindings, generation)
        if patterns or taught is not None:
            matched: Iterable[object] = taught or ()
            if patterns:
                rows = self.store.query(_matches_query(patterns), bindings=bindings, union_default_graph=True)
                found = (row["s"] for row in rows.rows())
                matched = found if taught is None else taught.intersection(str(s) for s in found)
            matches = members.ordered(matched)
            total, page = len(matches), [URIRef(iri) for iri in matches[offset : offset + limit]]
        else:
            total, page = len(members), members.page(offset, limit)
        if not page:
            return Page([], total)
        summaries = self.summaries.of(self.store, entry, page, generation)
        items: dict[URIRef, list[Triple]] = {}
        shown: dict[URIRef, str] = {}
        for member in page:
            summary = summaries[member]
            own = items[member] = list(summary.triples)
            label = pick_label(list(summary.labels), lang)
            shown[member] = str(label) if label is not None else ""
            if label is not None:
                own.append((member, RDFS.label, Literal(shown[member])))
        return Page(page, total, {member: summaries[member].labels for member in page}, items, shown)

    def _taught(
        self,
        entry: ClassEntry,
        params: dict[str, str],
        patterns: list[str],
        bindings: dict[str, Node],
        generation: int,
    ) -> set[str] | None:
        """The courses a ``taught`` filter matches (the courses teaching its skill or one below it), from the
        courses of each skill (``taught_by``) and the skills kept below each (``below``); its pattern and value
        are then taken out of ``patterns`` and ``bindings``. None when no such filter is given, nothing is kept, or
        the skill has more than ``MAX_BELOW`` below it (the store matches those). Reading a skill's courses
        through the store's ``skos:broader+`` took pyoxigraph 5-17 ms a page for a skill with eight below it."""
        kept = self.kept
        chosen = next((f for f in entry.filters if f.taught and f.name in params), None)
        if kept is None or chosen is None:
            return None
        pattern, variable = chosen.sparql()
        skill = bindings.get(variable)
        if not isinstance(skill, URIRef) or pattern not in patterns:
            return None
        narrower = kept.below.get_many(generation, [skill], lambda wanted: {s: below(self.store, s) for s in wanted})
        if len(narrower[skill]) > MAX_BELOW:
            return None
        skills = sorted({skill, *narrower[skill]})
        by_skill = kept.taught_by(skills)
        patterns.remove(pattern)
        del bindings[variable]
        return {str(course) for courses in by_skill.values() for course in courses}


# -- one member ------------------------------------------------------------------------------------------------------


def description_query(nodes: list[URIRef]) -> str:
    """One query for ``nodes``, the blank nodes they own (``OWNED_PATTERN``) and the labels of what they link to.
    Description rows bind ``?p ?o``, label rows ``?lp ?lo``: the kind of a row shows in which variables it binds, not
    in a constant bound per branch, which Virtuoso's compiler refuses beside a FILTER in a UNION (``SP031
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
  {OWNED_PATTERN}{label_branches}
}}"""


def labels_query(nodes: Sequence[Node]) -> str:
    """The label properties of ``nodes``, wherever they are stated."""
    label_filter = f"FILTER(?lp IN ({', '.join(f'<{p}>' for p in LABEL_PROPERTIES)}))"
    values = " ".join(sparql_term(node) for node in nodes)
    return f"SELECT DISTINCT ?x ?lp ?lo WHERE {{ VALUES ?x {{ {values} }} ?x ?lp ?lo . {label_filter} }}"


LinkedLabels = GenerationCache[URIRef, tuple[tuple[Node, Node], ...]]
"""The labels of linked resources kept per write generation: (label property, value) pairs, the first property each
has, every language."""
TaughtBy = Callable[[Sequence[URIRef]], Mapping[URIRef, tuple[URIRef, ...]]]
"""The courses teaching each of some skills, from an index a server keeps in step with every write (its text
index's skill facet)."""


class SkillFacet(Protocol):
    """An index of the courses teaching each skill, by IRI (``search.SearchIndex``)."""

    def courses_teaching(self, skills: Sequence[str]) -> Mapping[str, tuple[str, ...]]: ...


def taught_in(index: SkillFacet) -> TaughtBy:
    """``index``'s courses of each skill, as ``Kept.taught_by`` reads them."""

    def taught_by(skills: Sequence[URIRef]) -> dict[URIRef, tuple[URIRef, ...]]:
        found = index.courses_teaching([str(skill) for skill in skills])
        return {URIRef(skill): tuple(map(URIRef, courses)) for skill, courses in found.items()}

    return taught_by


SkillsBelow = GenerationCache[URIRef, tuple[URIRef, ...]]
"""The skills narrower than each skill, at any depth, kept per write generation."""
MAX_BELOW = 200
"""A skill filter whose skill has more skills than this below it is matched by the store, not from kept lists."""


@dataclass(frozen=True)
class Kept:
    """What a server's reads keep for its write ``generation``: what every page showing them would ask the store
    again (the labels of what a page links to; the skills below a skill a listing is filtered by). And where the
    courses teaching a skill are read (``taught_by``: a course's related courses, an occupation's, a skill filter):
    an index, not the store, whose join took 6.9 ms for a course's six skills at 10,450 courses; kept per skill,
    they were read again for most pages, the courses teaching 6,450 skills."""

    generation: int
    labels: LinkedLabels
    below: SkillsBelow
    taught_by: TaughtBy


def linked_labels(
    store: GraphStore, iris: Sequence[URIRef], kept: Kept | None = None
) -> dict[URIRef, tuple[tuple[Node, Node], ...]]:
    """The labels of each of ``iris``, wherever stated: (label property, value) pairs of the first label property
    it has, in every language (none: an empty tuple); those ``kept`` are not read again."""

    def read(missing: list[URIRef]) -> dict[URIRef, tuple[tuple[Node, Node], ...]]:
        found: dict[Node, dict[Node, list[Node]]] = {}
        for row in store.query(labels_query(missing), union_default_graph=True).rows():
            found.setdefault(row["x"], {}).setdefault(row["lp"], []).append(row["lo"])
        pairs: dict[URIRef, tuple[tuple[Node, Node], ...]] = {}
        for iri in missing:
            by_property = found.get(iri, {})
            chosen = next((p for p in LABEL_PROPERTIES if p in by_property), None)
            pairs[iri] = tuple((chosen, value) for value in by_property[chosen]) if chosen is not None else ()
        return pairs

    if not iris:
        return {}
    return kept.labels.get_many(kept.generation, iris, read) if kept is not None else read(list(iris))


def read_description(
    store: GraphStore, nodes: list[URIRef], graphs: list[str] | None = None, kept: Kept | None = None
) -> Graph:
    """The triples of a ``description_query`` for ``nodes``, with one label property (the first it has) for each
    linked node that is not described itself. ``graphs``: where the nodes' own statements are read (their homes;
    statements about them elsewhere are not shown); None: every graph. Labels of linked nodes come from anywhere (those
    ``kept`` are not read again)."""
    graph = plain_graph()
    labels: dict[Node, dict[Node, list[Node]]] = {}
    if graphs is None:
        for row in store.query(description_query(nodes), union_default_graph=True).rows():
            if row.get("p") is not None:
                graph.add((row["x"], row["p"], row["o"]))
            elif row.get("lp") is not None:
                labels.setdefault(row["x"], {}).setdefault(row["lp"], []).append(row["lo"])
    else:
        for triple in store.bounded_description(nodes, graphs):
            graph.add(triple)
    described = set(graph.subjects())
    if graphs is not None:
        linked = sorted({o for _, p, o in graph if isinstance(o, URIRef) and p != RDF.type and o not in described})
        for node, pairs in linked_labels(store, linked, kept).items():
            for predicate, value in pairs:
                graph.add((node, predicate, value))
    for linked_node, by_property in labels.items():
        if linked_node in described:
            continue
        chosen = next(p for p in LABEL_PROPERTIES if p in by_property)  # the first label property it has
        for value in by_property[chosen]:
            graph.add((linked_node, chosen, value))
    return graph


def describe(store: GraphStore, entry: ClassEntry, iri: URIRef, kept: Kept | None = None) -> Graph | None:
    """The member's description, as its home graph holds it, with the labels of what it links to (those ``kept``
    not read again); None when ``iri`` is no member."""
    homes = store.typing_graphs(iri, entry.classes)
    if not homes:
        return None
    graph = read_description(store, store.reachable(iri, entry.embed, homes), homes, kept)
    return graph if len(graph) else None


def describe_node(store: GraphStore, iri: URIRef) -> Graph | None:
    """Any node's own description: its triples, the blank nodes it owns (three deep) and the labels of what it
    links to, as ``describe`` gives a member's, read from the graphs that type it (every graph for a node typed
    nowhere); None when the store has no triple about it."""
    graph = read_description(store, [iri], store.typing_graphs(iri) or None)
    return graph if (iri, None, None) in graph else None


def etag(graph: Graph) -> str:
    """A digest of the description: the same triples give the same tag, whatever their order."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in graph)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


# -- what pages for people read besides a member's description ---------------------------------------------------

_LABELS = f"OPTIONAL {{ ?s ?lp ?label . FILTER(?lp IN ({', '.join(f'<{p}>' for p in LABEL_PROPERTIES)})) }}"
# How one resource refers to another that pages show from the other side: a course teaching a skill, an occupation
# needing it, a partner's courses and practices, a credential's courses, what stacks into it, the pathways a course
# is a step of or that target a credential or an occupation. Each path is the predicates from the referring
# resource to the one shown (``GraphStore.referring`` walks them back from there).
_DIRECT = (
    SMARCO.relatedSkill,
    ESCO.relatedEssentialSkill,
    ESCO.relatedOptionalSkill,
    SMARCO.targetOccupation,
    ELM.providedBy,
    SMARCO.contributedBy,
    SMARCO.targetCredential,
    ELM.learningAchievementSpecification,
    SMARCO.stacksInto,
    SMARCO.pledgedBy,
    SCHEMA.organizer,
    DCTERMS.subject,
)
_REFERRING: tuple[tuple[URIRef, ...], ...] = (
    *((p,) for p in _DIRECT),
    (ELM.learningOutcome, ELM.relatedESCOSkill),
    (ELM.learningAchievementSpecification, ELM.learningOutcome, ELM.relatedESCOSkill),
    (SMARCO.step, SMARCO.course),
    (ELM.awardingOpportunity, ELM.awardingBody),
)
MAX_REFERRERS = 5000  # what a page lists from the other side, at most (a skill's courses)


def _labelled(rows: Iterable[dict], extra: tuple[str, ...] = ()) -> dict[URIRef, Labelled]:
    found: dict[URIRef, Labelled] = {}
    for row in rows:
        node = row["s"]
        if not isinstance(node, URIRef):
            continue
        item = found.setdefault(node, Labelled(node, [], {}))
        label = row.get("label")
        if isinstance(label, Literal) and label not in item.labels:
            item.labels.append(label)
        for name in extra:
            value = row.get(name)
            if value is not None:
                item.values.setdefault(name, value)
    return found


@dataclass
class Labelled:
    """A resource found for a page, with its labels in every language and the values the query read for it."""

    iri: URIRef
    labels: list[Literal]
    values: dict[str, Node]


def referrers(store: GraphStore, iri: URIRef, kept: Kept | None = None) -> list[Labelled]:
    """The resources that refer to ``iri`` along the paths pages show from its side (courses teaching a skill,
    a partner's courses, the pathways a course is a step of…), in IRI order, with their labels (those ``kept``
    not read again)."""
    found = store.referring(iri, _REFERRING, MAX_REFERRERS)
    labels = linked_labels(store, found, kept)
    return [Labelled(node, [v for _, v in labels.get(node, ()) if isinstance(v, Literal)], {}) for node in found]


_TEACHING = f"""SELECT ?skill ?s WHERE {{
  VALUES ?skill {{ %s }}
  ?o <{ELM.relatedESCOSkill}> ?skill . ?spec <{ELM.learningOutcome}> ?o .
  ?s <{ELM.learningAchievementSpecification}> ?spec . ?s a <{ELM.LearningOpportunity}> .
}}"""


_BELOW = f"SELECT DISTINCT ?s WHERE {{ ?s <{SKOS.broader}>+ ?r }} LIMIT {MAX_BELOW + 1}"


def below(store: GraphStore, skill: URIRef) -> tuple[URIRef, ...]:
    """The skills narrower than ``skill`` at any depth: at most ``MAX_BELOW`` + 1 (more is too many to keep)."""
    rows = store.query(_BELOW, union_default_graph=True, bindings={"r": skill}).rows()
    return tuple(sorted(s for row in rows if isinstance(s := row.get("s"), URIRef)))


def teaching(store: GraphStore, skills: Sequence[URIRef]) -> dict[URIRef, tuple[URIRef, ...]]:
    """The courses teaching each of ``skills`` (through an outcome of their specification)."""
    found: dict[URIRef, set[URIRef]] = {skill: set() for skill in skills}
    query = _TEACHING % " ".join(sparql_term(s) for s in skills)
    for row in store.query(query, union_default_graph=True).rows():
        course, skill = row["s"], row["skill"]
        if isinstance(course, URIRef) and isinstance(skill, URIRef) and skill in found:
            found[skill].add(course)
    return {skill: tuple(sorted(courses)) for skill, courses in found.items()}


def courses_teaching(
    store: GraphStore, skills: Sequence[URIRef], limit: int = 10, kept: Kept | None = None
) -> list[Labelled]:
    """The courses teaching most of ``skills`` (each with ``n``, how many it teaches), most first, then by IRI;
    with their labels. The courses of each skill are counted here rather than grouped by the store, whose group-by
    and labels cost 4-5 ms at 10,000 courses; a server reads them from its index (``Kept.taught_by``)."""
    wanted = sorted(set(skills))
    if not wanted:
        return []
    by_skill = kept.taught_by(wanted) if kept is not None else teaching(store, wanted)
    counts = Counter(course for courses in by_skill.values() for course in courses)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:limit]
    labels = linked_labels(store, [course for course, _ in ranked], kept)
    return [
        Labelled(course, [v for _, v in labels.get(course, ()) if isinstance(v, Literal)], {"n": Literal(n)})
        for course, n in ranked
    ]


_NARROWER = f"""SELECT ?s ?label WHERE {{ ?s <{SKOS.broader}> ?r . {_LABELS} }} LIMIT 2000"""


def narrower(store: GraphStore, iri: URIRef) -> list[Labelled]:
    """The concepts whose ``skos:broader`` is ``iri``, with their labels."""
    return list(_labelled(store.query(_NARROWER, union_default_graph=True, bindings={"r": iri}).rows()).values())


_ROLES = f"""SELECT DISTINCT ?s ?label WHERE {{
  ?membership <{ORG.member}> ?r ; <{ORG.role}> ?s . {_LABELS}
}}"""


def roles(store: GraphStore, organisation: URIRef) -> list[Labelled]:
    """The roles an organisation holds in the partnerships it is a member of (coordinator, partner…)."""
    rows = store.query(_ROLES, union_default_graph=True, bindings={"r": organisation}).rows()
    return list(_labelled(rows).values())


_ROLES_OF = f"""SELECT DISTINCT ?r ?s ?label WHERE {{
  VALUES ?r {{ %s }} ?membership <{ORG.member}> ?r ; <{ORG.role}> ?s . {_LABELS}
}}"""


def roles_of(store: GraphStore, organisations: Sequence[URIRef]) -> dict[URIRef, list[Labelled]]:
    """The roles each of ``organisations`` holds (one query for a page of a list); those with none are absent."""
    if not organisations:
        return {}
    query = _ROLES_OF % " ".join(sparql_term(o) for o in sorted(set(organisations)))
    by_organisation: dict[URIRef, list[dict]] = {}
    for row in store.query(query, union_default_graph=True).rows():
        if isinstance(row["r"], URIRef):
            by_organisation.setdefault(row["r"], []).append(row)
    return {org: list(_labelled(rows).values()) for org, rows in by_organisation.items()}


_WORKLOADS = f"""SELECT ?s ?label ?hours ?points ?framework ?level WHERE {{
  VALUES ?s {{ %s }}
  ?s <{ELM.learningAchievementSpecification}> ?spec .
  OPTIONAL {{ ?spec <{ELM.volumeOfLearning}> ?hours }}
  OPTIONAL {{ ?spec <{ELM.creditPoint}> ?credit . ?credit <{ELM.point}> ?points .
             OPTIONAL {{ ?credit <{ELM.framework}> ?framework }} }}
  OPTIONAL {{ ?spec <{ELM.EQFLevel}> ?level }}
  {_LABELS}
}}"""


def workloads(store: GraphStore, courses: Sequence[URIRef]) -> dict[URIRef, Labelled]:
    """Each course's labels with its workload (``hours``, an ISO duration), credits (``points``, ``framework``)
    and EQF ``level`` (values it lacks are absent)."""
    if not courses:
        return {}
    query = _WORKLOADS % " ".join(sparql_term(c) for c in sorted(set(courses)))
    return _labelled(store.query(query, union_default_graph=True).rows(), ("hours", "points", "framework", "level"))


def with_labels(store: GraphStore, graph: Graph, kept: Kept | None = None) -> Graph:
    """``graph`` (a page of a listing) with the labels of the IRIs it links to and does not label, in every language
    (one label property each, the first each has); ``kept``: where those read are kept (the providers, levels and
    languages of a list recur on every page)."""
    return all_with_labels(store, [graph], kept)[0]


def all_with_labels(store: GraphStore, graphs: Sequence[Graph], kept: Kept | None = None) -> Sequence[Graph]:
    """Each of ``graphs`` as ``with_labels`` gives it, the labels of them all read at once (the rows of a list
    page are drawn from their own members' graphs: one read, not one a row)."""
    linked = []
    for graph in graphs:
        labelled = {s for s, p, o in graph if p in LABELLING and isinstance(o, Literal)}
        linked.append({o for _, p, o in graph if isinstance(o, URIRef) and o not in labelled and p != RDF.type})
    labels = linked_labels(store, sorted(set().union(*linked)), kept)
    for graph, nodes in zip(graphs, linked, strict=True):
        for node in sorted(nodes):
            for predicate, value in labels.get(node, ()):
                graph.add((node, predicate, value))
    return graphs
