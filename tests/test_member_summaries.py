"""Members' summaries kept between writes (``catalogue.summaries``), on a real embedded store: read once per write
generation, never served for a newer one, never kept from a read an older generation made."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from rdflib import SKOS, BNode, Graph, Literal, URIRef

from smarco_kg.catalogue.classes import COURSES
from smarco_kg.catalogue.read import Kept, LinkedLabels, graph_of, teaching, with_labels
from smarco_kg.catalogue.summaries import MemberSummaries, read_summaries
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.namespaces import ELM
from smarco_kg.store import Changeset, GraphStore, open_store

G = "https://w3id.org/smarco/graph/partner/test"
LEVEL = ELM.EQFLevel
EQF = "http://data.europa.eu/snb/eqf/"
COURSE = [URIRef(f"https://w3id.org/smarco/course/c{i}") for i in range(3)]


def _course(i: int, level: int, graph: str = G) -> bytes:
    course, spec = COURSE[i], f"https://w3id.org/smarco/course/c{i}/specification"
    return f"""<{course}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ELM}LearningOpportunity> <{graph}> .
<{course}> <http://purl.org/dc/terms/title> "Course {i}"@en <{graph}> .
<{course}> <http://purl.org/dc/terms/title> "Corso {i}"@it <{graph}> .
<{course}> <{ELM}learningAchievementSpecification> <{spec}> <{graph}> .
<{spec}> <{ELM}EQFLevel> <{EQF}{level}> <{graph}> .
<{spec}> <{ELM}creditPoint> _:cp{i} <{graph}> .
_:cp{i} <{ELM}point> "5" <{graph}> .
""".encode()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[GraphStore]:
    with open_store(tmp_path / "store") as opened:
        opened.apply(Changeset(add=b"".join(_course(i, 5) for i in range(3))))
        yield opened


def _level(summaries: MemberSummaries, store: GraphStore, member: URIRef, generation: int) -> str:
    found = summaries.of(store, COURSES, [member], generation)[member]
    return next(str(o) for _, p, o in found.triples if p == LEVEL)


def _set_level(store: GraphStore, i: int, level: int) -> None:
    """Course ``i``'s specification described again with ``level``."""
    spec = f"https://w3id.org/smarco/course/c{i}/specification"
    again = b"".join(
        line + b"\n" for line in _course(i, level).splitlines() if line.startswith((f"<{spec}>".encode(), b"_:"))
    )
    store.apply(Changeset(add=again, remove_resources=[(G, spec)]))


def test_a_summary_holds_the_members_paths_and_labels_in_every_language(store: GraphStore) -> None:
    summary = read_summaries(store, COURSES, [COURSE[0], URIRef("https://w3id.org/smarco/course/none")])
    first = summary[COURSE[0]]
    assert sorted((str(v), v.language) for v in first.labels) == [("Corso 0", "it"), ("Course 0", "en")]
    predicates = {p for _, p, _ in first.triples}
    assert {LEVEL, ELM.creditPoint, ELM.point, ELM.learningAchievementSpecification} <= predicates
    assert Literal("5") in {o for _, _, o in first.triples}
    assert not summary[URIRef("https://w3id.org/smarco/course/none")].triples  # nothing known: an empty summary


def test_blank_nodes_are_labelled_per_read(store: GraphStore) -> None:
    """A store may label blank nodes per result: two reads never share a blank node label."""
    one = read_summaries(store, COURSES, [COURSE[0]])[COURSE[0]]
    two = read_summaries(store, COURSES, [COURSE[0]])[COURSE[0]]
    blanks = [{n for t in s.triples for n in t if isinstance(n, BNode)} for s in (one, two)]
    assert len(blanks[0]) == 1 and len(blanks[1]) == 1 and not blanks[0] & blanks[1]


def test_summaries_are_kept_within_a_generation_and_read_again_after_a_write(store: GraphStore) -> None:
    summaries = MemberSummaries()
    assert _level(summaries, store, COURSE[1], 0) == f"{EQF}5"
    _set_level(store, 1, 7)  # written behind the service's back: generation 0 still keeps what it read
    assert _level(summaries, store, COURSE[1], 0) == f"{EQF}5"
    assert _level(summaries, store, COURSE[1], 1) == f"{EQF}7"  # the next generation reads the store again
    assert len(summaries) == 1


def test_a_read_for_an_older_generation_is_answered_but_not_kept(store: GraphStore) -> None:
    summaries = MemberSummaries()
    summaries.of(store, COURSES, COURSE[:1], 3)
    _set_level(store, 2, 8)
    assert _level(summaries, store, COURSE[2], 2) == f"{EQF}8"  # a request that began before write 3
    assert len(summaries) == 1  # ... is not kept for generation 3
    summaries.of(store, COURSES, COURSE, 3)
    assert len(summaries) == 3


def test_at_most_the_limit_is_kept_the_least_recently_shown_dropped_first(store: GraphStore) -> None:
    summaries = MemberSummaries(limit=2)
    for member in COURSE:
        summaries.of(store, COURSES, [member], 0)
    assert len(summaries) == 2
    _set_level(store, 0, 6)
    assert _level(summaries, store, COURSE[0], 0) == f"{EQF}6"  # dropped, so read again
    _set_level(store, 2, 6)
    assert _level(summaries, store, COURSE[2], 0) == f"{EQF}5"  # kept


def test_linked_labels_are_kept_per_generation_and_nothing_is_a_label_too(store: GraphStore) -> None:
    """A list page's linked resources (here: the EQF levels) are named once per write generation; one the store
    names nowhere is remembered as unnamed, not asked for again on every page."""
    level = URIRef(f"{EQF}5")
    kept: LinkedLabels = GenerationCache("linked-labels", kept=1000)

    def page(generation: int) -> Graph:
        summaries = MemberSummaries().of(store, COURSES, COURSE, generation)
        graph = graph_of(t for s in summaries.values() for t in s.triples)
        below = GenerationCache("skills-below", kept=10)
        return with_labels(store, graph, Kept(generation, kept, below, partial(teaching, store)))

    assert not list(page(0).objects(level, SKOS.prefLabel)) and len(kept) == 4  # the level, 3 specifications
    store.apply(Changeset(add=f'<{level}> <{SKOS.prefLabel}> "Level 5"@en <{G}> .\n'.encode()))
    assert not list(page(0).objects(level, SKOS.prefLabel))  # the same generation: as read before
    assert [str(v) for v in page(1).objects(level, SKOS.prefLabel)] == ["Level 5"]
