"""A course listing filtered by a skill, answered from the courses of each skill in the text index and the skills
kept below each (``read.Listing._taught``), on both backends: the courses teaching the skill or one below it, worked
out here from every course-skill pair and every ``skos:broader`` of the store, alone and beside another filter,
before and after a write. A skill with more than ``MAX_BELOW`` below it is left to the store. On the embedded store
the store's own match of the filter's pattern gives the same; Virtuoso's join of ``skos:broader+`` with the course's
outcomes and a second filter does not always (``docs/stores.md``), which the index and the kept lists do not ask it
for."""

from __future__ import annotations

from collections import defaultdict

from rdflib import URIRef

from smarco_kg.catalogue.members import MemberIndex
from smarco_kg.catalogue.read import MAX_BELOW, Kept, Listing, taught_in
from smarco_kg.catalogue.summaries import MemberSummaries
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM
from smarco_kg.store import Changeset, GraphStore

BROADER = "http://www.w3.org/2004/02/skos/core#broader"
TEACHES = f"""SELECT DISTINCT ?s ?skill WHERE {{
  ?s <{ELM.learningAchievementSpecification}> ?spec . ?spec <{ELM.learningOutcome}> ?o .
  ?o <{ELM.relatedESCOSkill}> ?skill .
}}"""


def kept(kg: KnowledgeGraph, generation: int = 0) -> Kept:
    """What a server keeps, the courses of each skill read from ``kg``'s text index (as ``Service.kept``)."""
    return Kept(generation, GenerationCache("labels"), GenerationCache("below", kept=5000), taught_in(kg.search))


def expected(store: GraphStore) -> tuple[dict[str, set[str]], dict[str, int]]:
    """Each skill that a course teaches or that is above one, with the courses teaching it or a skill below it,
    and how many skills are below it: from the store's plain pairs, closed here."""
    teaches: dict[str, set[str]] = defaultdict(set)
    for row in store.query(TEACHES, union_default_graph=True).rows():
        teaches[str(row["skill"])].add(str(row["s"]))
    narrower: dict[str, set[str]] = defaultdict(set)
    for row in store.query(f"SELECT ?n ?b WHERE {{ ?n <{BROADER}> ?b }}", union_default_graph=True).rows():
        narrower[str(row["b"])].add(str(row["n"]))

    def below(skill: str) -> set[str]:
        found, todo = set(), [skill]
        while todo:
            for n in narrower.get(todo.pop(), ()):
                if n not in found:
                    found.add(n)
                    todo.append(n)
        return found

    above = set(teaches)
    parents: dict[str, set[str]] = defaultdict(set)
    for b, ns in narrower.items():
        for n in ns:
            parents[n].add(b)
    todo = list(above)
    while todo:
        for b in parents.get(todo.pop(), ()):
            if b not in above:
                above.add(b)
                todo.append(b)
    courses, sizes = {}, {}
    for skill in above:
        under = below(skill)
        sizes[skill] = len(under)
        courses[skill] = {c for s in (skill, *under) for c in teaches.get(s, ())}
    return courses, sizes


def test_a_skill_filter_from_kept_lists_finds_every_course_teaching_it(demo_kg: KnowledgeGraph, backend: str) -> None:
    entry, base, store = demo_kg.catalogue.entry("courses"), demo_kg.settings.base_iri, demo_kg.store
    courses, sizes = expected(store)
    assert len(courses) > 20
    lists = kept(demo_kg)
    plain = Listing(store, MemberIndex(), MemberSummaries(), base)
    fast = Listing(store, MemberIndex(), MemberSummaries(), base, lists)
    members = MemberIndex().members(store, entry, base, 0)
    level = set(map(str, plain.page(entry, {"eqf": "6"}, 100, 0, "en", 0).members))
    assert 0 < len(level) < len(members)
    from_lists = 0
    for skill, teaching in sorted(courses.items()):
        exact = backend == "embedded" or sizes[skill] <= MAX_BELOW  # else the store's own match, as before
        from_lists += sizes[skill] <= MAX_BELOW
        for params, wanted in (({"skill": skill}, teaching), ({"skill": skill, "eqf": "6"}, teaching & level)):
            found = fast.page(entry, params, 100, 0, "en", 0)
            if exact:
                assert found.members == [URIRef(iri) for iri in members.ordered(wanted)], params
            if backend == "embedded":
                assert found.members == plain.page(entry, params, 100, 0, "en", 0).members, params
    assert 20 < from_lists < len(courses)  # both ways: ESCO's upper groups have hundreds of skills below them
    assert len(lists.below) == len(courses)  # each read once


def test_a_write_shows_in_the_skill_filter_as_soon_as_it_is_committed(demo_kg: KnowledgeGraph) -> None:
    """A course taught a skill shows in the next listing: the commit re-indexes its graph before it returns."""
    entry, base, store = demo_kg.catalogue.entry("courses"), demo_kg.settings.base_iri, demo_kg.store
    rows = store.query(
        f"SELECT ?skill WHERE {{ ?o <{ELM.relatedESCOSkill}> ?skill }} LIMIT 1", union_default_graph=True
    )
    skill = next(iter(rows.rows()))["skill"]
    generation = demo_kg.generation
    fast = Listing(store, MemberIndex(), MemberSummaries(), base, kept(demo_kg, generation))
    before = fast.page(entry, {"skill": str(skill)}, 100, 0, "en", generation)
    course = f"{base}course/kept-lists-test"
    graph = f"{base}graph/partner/kept-lists-test"
    added = f"""<{course}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{ELM.LearningOpportunity}> <{graph}> .
<{course}> <http://purl.org/dc/terms/title> "Kept lists test"@en <{graph}> .
<{course}> <{ELM.learningAchievementSpecification}> <{course}/spec> <{graph}> .
<{course}/spec> <{ELM.learningOutcome}> <{course}/outcome> <{graph}> .
<{course}/outcome> <{ELM.relatedESCOSkill}> <{skill}> <{graph}> .
"""
    demo_kg.apply(Changeset(add=added.encode()), graphs=[graph], actor="test", operation="replace")
    assert demo_kg.generation == generation + 1
    fast = Listing(store, MemberIndex(), MemberSummaries(), base, kept(demo_kg, demo_kg.generation))
    after = fast.page(entry, {"skill": str(skill)}, 100, 0, "en", demo_kg.generation)
    assert after.total == before.total + 1 and URIRef(course) in after.members
