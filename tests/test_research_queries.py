"""The researchers' named queries, checked row by row against an independent computation.

The catalogue side (courses, who provides them, the ESCO skills they teach, partner names) is read with rdflib from
the demo TriG files; the ESCO side (occupation-skill links, skos:broader, collections, labels) comes from plain
single-pattern SELECTs through the server's ``/sparql`` endpoint. Coverage, counts, shares and orders are then
worked out in Python and compared with what ``GET /api/queries/{name}`` answers on a live server over the demo
store."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import httpx
import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SKOS

from smarco_kg.config import PROJECT_ROOT, Settings
from smarco_kg.queries import load_queries
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

REGISTRY = load_queries(PROJECT_ROOT / "queries")
JSON_RESULTS = "application/sparql-results+json"
ELM = Namespace("http://data.europa.eu/snb/model/elm/")
ESCO = "http://data.europa.eu/esco/model#"
DIGITAL = "http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"
GREEN = "http://data.europa.eu/esco/concept-scheme/green"
OCCUPATIONS = "occupations-served-by-the-catalogue"
SHARED = "skills-shared-by-occupations"
PARTNERS = "partner-digital-and-green-coverage"


# ---- talking to the server ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("research-queries"), partner="cefriel") as live:
        yield live


def run(server: LiveServer, name: str, **params: str) -> httpx.Response:
    return server.client.get(f"{server.url}/api/queries/{name}", params=params, headers={"Accept": JSON_RESULTS})


def rows(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, describe(response)
    assert response.headers["content-type"].startswith(JSON_RESULTS), describe(response)
    return [{k: v["value"] for k, v in b.items()} for b in response.json()["results"]["bindings"]]


def links(response: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("link", ""))}


def every_page(server: LiveServer, name: str, limit: int, **params: str) -> tuple[list[dict[str, str]], int]:
    """All the rows of a paginated query, following its ``Link: next`` headers; and the number of pages."""
    response = run(server, name, limit=str(limit), **params)
    found: list[dict[str, str]] = []
    pages = 0
    while True:
        page = rows(response)
        pages += 1
        assert len(page) <= limit, describe(response)
        found.extend(page)
        following = links(response).get("next")
        if following is None:
            return found, pages
        assert len(page) == limit, "a next link after a short page"
        response = server.client.get(following, headers={"Accept": JSON_RESULTS})


def select(server: LiveServer, query: str) -> list[dict[str, str]]:
    """A plain SELECT through ``/sparql`` (the union of every graph)."""
    response = server.client.post(
        server.sparql,
        content=f"PREFIX esco: <{ESCO}>\nPREFIX skos: <{SKOS}>\n{query}",
        headers={"Content-Type": "application/sparql-query", "Accept": JSON_RESULTS},
    )
    return rows(response)


# ---- the independent computation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    taught: dict[str, set[str]]  # partner -> ESCO skills its courses teach directly
    partner_names: dict[str, str]
    essential: dict[str, set[str]]  # occupation -> essential skills
    optional: dict[str, set[str]]
    broader: dict[str, set[str]]  # concept -> its direct broader concepts
    members: dict[str, set[str]]  # collection scheme -> its skills
    labels: dict[str, str]

    def ancestors_or_self(self, concept: str) -> set[str]:
        seen, todo = {concept}, [concept]
        while todo:
            for parent in self.broader.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def covered(self, taught: set[str]) -> set[str]:
        """The skills taught directly or through a narrower skill."""
        return set().union(*(self.ancestors_or_self(skill) for skill in taught))

    @property
    def all_taught(self) -> set[str]:
        return set().union(*self.taught.values())


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> URIRef | BNode | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    return Literal(term.value, lang=term.language, datatype=None if term.language else URIRef(term.datatype.value))


@pytest.fixture(scope="module")
def facts(server: LiveServer) -> Facts:
    graph = Graph()  # every partner graph together, as the queries see them
    for path in sorted((PROJECT_ROOT / "data").glob("*.trig")):
        for quad in ox.parse(path=path, format=ox.RdfFormat.TRIG, base_iri=Settings().base_iri):
            graph.add(tuple(_term(t) for t in (quad.subject, quad.predicate, quad.object)))
    taught: dict[str, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for course in set(graph.subjects(RDF.type, ELM.LearningOpportunity)):
        for partner in graph.objects(course, ELM.providedBy):
            taught.setdefault(str(partner), set())  # a provider even if it teaches nothing
            for spec in graph.objects(course, ELM.learningAchievementSpecification):
                for outcome in graph.objects(spec, ELM.learningOutcome):
                    taught[str(partner)] |= {str(s) for s in graph.objects(outcome, ELM.relatedESCOSkill)}
            for label in graph.objects(partner, SKOS.prefLabel):
                if isinstance(label, Literal) and label.language == "en":
                    names[str(partner)] = str(label)
    essential: dict[str, set[str]] = defaultdict(set)
    optional: dict[str, set[str]] = defaultdict(set)
    for row in select(server, "SELECT ?o ?p ?s WHERE { ?o a esco:Occupation ; ?p ?s }"):
        if row["p"] == ESCO + "relatedEssentialSkill":
            essential[row["o"]].add(row["s"])
        elif row["p"] == ESCO + "relatedOptionalSkill":
            optional[row["o"]].add(row["s"])
    broader: dict[str, set[str]] = defaultdict(set)
    for row in select(server, "SELECT ?n ?b WHERE { ?n skos:broader ?b }"):
        broader[row["n"]].add(row["b"])
    members: dict[str, set[str]] = defaultdict(set)
    for scheme in (DIGITAL, GREEN):
        members[scheme] = {r["s"] for r in select(server, f"SELECT ?s WHERE {{ ?s skos:inScheme <{scheme}> }}")}
    labels = {
        r["c"]: r["l"] for r in select(server, 'SELECT ?c ?l WHERE { ?c skos:prefLabel ?l FILTER(lang(?l) = "en") }')
    }
    return Facts(dict(taught), names, dict(essential), dict(optional), dict(broader), dict(members), labels)


def test_the_facts_are_the_demo_catalogue_and_the_esco_subset(facts: Facts) -> None:
    assert len(facts.taught) == 22 and all(facts.taught.values())  # every member provides a course teaching a skill
    assert len(facts.essential) >= 50 and len(facts.members[DIGITAL]) == 1201 and len(facts.members[GREEN]) == 570
    assert facts.all_taught <= set(facts.labels)


# ---- occupations best and worst served ----------------------------------------------------------------------------


def occupation_coverage(facts: Facts) -> dict[str, tuple[int, int]]:
    covered = facts.covered(facts.all_taught)
    return {o: (len(skills), len(skills & covered)) for o, skills in facts.essential.items() if skills}


def test_each_occupation_s_essential_and_covered_skills_are_counted(server: LiveServer, facts: Facts) -> None:
    found = rows(run(server, OCCUPATIONS, limit="1000"))
    expected = occupation_coverage(facts)
    assert {r["occupation"]: (int(r["essentialSkills"]), int(r["coveredSkills"])) for r in found} == expected
    for row in found:
        essential, covered = expected[row["occupation"]]
        assert float(row["coverage"]) == pytest.approx(covered / essential, abs=1e-12)
        assert row["occupationLabel"] == facts.labels[row["occupation"]]
        assert row["order"] == "best"


def test_a_skill_counts_as_covered_when_a_course_teaches_a_narrower_one(server: LiveServer, facts: Facts) -> None:
    found = {r["occupation"]: int(r["coveredSkills"]) for r in rows(run(server, OCCUPATIONS, limit="1000"))}
    direct = {o: len(skills & facts.all_taught) for o, skills in facts.essential.items() if skills}
    through_narrower = [o for o in found if found[o] > direct[o]]
    assert through_narrower, "the demo has no occupation covered through a narrower skill: the test proves nothing"
    assert all(found[o] >= direct[o] for o in found)


def test_best_puts_the_highest_coverage_first_and_worst_the_biggest_gaps(server: LiveServer, facts: Facts) -> None:
    expected = occupation_coverage(facts)

    def best_key(o: str) -> tuple:
        essential, covered = expected[o]
        return (-Fraction(covered, essential), -covered, facts.labels[o], o)

    def worst_key(o: str) -> tuple:
        essential, covered = expected[o]
        return (Fraction(covered, essential), -(essential - covered), facts.labels[o], o)

    best = [r["occupation"] for r in rows(run(server, OCCUPATIONS, order="best", limit="1000"))]
    worst = rows(run(server, OCCUPATIONS, order="worst", limit="1000"))
    assert best == sorted(expected, key=best_key)
    assert [r["occupation"] for r in worst] == sorted(expected, key=worst_key)
    assert {r["order"] for r in worst} == {"worst"}
    assert float(worst[0]["coverage"]) == 0 < float(rows(run(server, OCCUPATIONS, limit="1"))[0]["coverage"])
    assert [r["occupation"] for r in rows(run(server, OCCUPATIONS))] == best[: REGISTRY[OCCUPATIONS].pagination]


def test_occupation_pages_follow_next_links_without_gaps_or_repeats(server: LiveServer) -> None:
    everything = [r["occupation"] for r in rows(run(server, OCCUPATIONS, order="worst", limit="1000"))]
    paged, pages = every_page(server, OCCUPATIONS, 7, order="worst")
    assert [r["occupation"] for r in paged] == everything
    assert pages == -(-len(everything) // 7)
    last = run(server, OCCUPATIONS, order="worst", limit="7", offset=str(len(everything) - 7))
    assert len(rows(last)) == 7 and "next" not in links(last)
    assert "offset=" in links(run(server, OCCUPATIONS, limit="7", offset=str(len(everything) - 8)))["next"]


# ---- skills shared by the most occupations ------------------------------------------------------------------------


def shared_counts(facts: Facts, relation: str) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    occupations = set(facts.essential) | set(facts.optional)
    for occupation in occupations:
        skills: set[str] = set()
        if relation in ("essential", "any"):
            skills |= facts.essential.get(occupation, set())
        if relation in ("optional", "any"):
            skills |= facts.optional.get(occupation, set())
        for skill in skills:
            counts[skill] += 1
    return dict(counts)


@pytest.mark.parametrize("relation", ["essential", "optional", "any"])
def test_each_skill_counts_the_occupations_that_list_it(server: LiveServer, facts: Facts, relation: str) -> None:
    found, pages = every_page(server, SHARED, 1000, relation=relation)
    expected = shared_counts(facts, relation)
    assert {r["skill"]: int(r["occupations"]) for r in found} == expected
    assert len(found) == len(expected)  # one row per skill
    assert {r["relation"] for r in found} == {relation}
    assert all(r["skillLabel"] == facts.labels[r["skill"]] for r in found)
    assert [r["skill"] for r in found] == sorted(expected, key=lambda s: (-expected[s], facts.labels[s], s))
    assert pages == -(-len(expected) // 1000)


def test_the_default_relation_is_essential_and_any_adds_the_optional_links(server: LiveServer, facts: Facts) -> None:
    default = rows(run(server, SHARED))
    assert default == rows(run(server, SHARED, relation="essential"))
    assert len(default) == REGISTRY[SHARED].pagination and "next" in links(run(server, SHARED))
    essential, optional, either = (shared_counts(facts, r) for r in ("essential", "optional", "any"))
    top = {r["skill"]: int(r["occupations"]) for r in rows(run(server, SHARED, relation="any", limit="20"))}
    assert all(either[s] == n <= essential.get(s, 0) + optional.get(s, 0) for s, n in top.items())
    assert max(top.values()) > max(essential.values()) and max(top.values()) > max(optional.values())


def test_skill_to_skill_links_are_not_counted_as_occupations(server: LiveServer, facts: Facts) -> None:
    links_between_skills = select(
        server,
        "SELECT ?a ?b WHERE { ?a esco:relatedEssentialSkill ?b FILTER NOT EXISTS { ?a a esco:Occupation } } LIMIT 50",
    )
    assert links_between_skills, "the ESCO graph has no skill-to-skill links: the test proves nothing"
    counts = {r["skill"]: int(r["occupations"]) for r in every_page(server, SHARED, 1000)[0]}
    expected = shared_counts(facts, "essential")
    assert all(counts.get(link["b"]) == expected.get(link["b"]) for link in links_between_skills)


# ---- partners' coverage of the digital and green collections ------------------------------------------------------


def test_each_partner_s_share_of_each_collection(server: LiveServer, facts: Facts) -> None:
    found = rows(run(server, PARTNERS, limit="1000"))
    expected = {}
    for partner, taught in facts.taught.items():
        covered = facts.covered(taught)
        for name, scheme in (("digital", DIGITAL), ("green", GREEN)):
            expected[name, partner] = len(covered & facts.members[scheme])
    assert {(r["collection"], r["partner"]): int(r["skills"]) for r in found} == expected
    for row in found:
        size = len(facts.members[DIGITAL if row["collection"] == "digital" else GREEN])
        assert int(row["collectionSize"]) == size
        assert float(row["share"]) == pytest.approx(int(row["skills"]) / size, abs=1e-12)
        assert row["partnerName"] == facts.partner_names[row["partner"]]
    assert any(r["skills"] == "0" for r in found), "no partner teaches nothing of a collection: zeros untested"
    order = sorted(expected, key=lambda k: (k[0], -expected[k], facts.partner_names[k[1]], k[1]))
    assert [(r["collection"], r["partner"]) for r in found] == order


def test_narrower_skills_add_to_a_partner_s_collection_coverage(server: LiveServer, facts: Facts) -> None:
    found = {(r["collection"], r["partner"]): int(r["skills"]) for r in rows(run(server, PARTNERS, limit="1000"))}
    direct = {
        (name, partner): len(taught & facts.members[scheme])
        for partner, taught in facts.taught.items()
        for name, scheme in (("digital", DIGITAL), ("green", GREEN))
    }
    assert any(found[key] > direct[key] for key in direct)


@pytest.mark.parametrize("collection", ["digital", "green"])
def test_a_collection_picks_its_rows(server: LiveServer, collection: str) -> None:
    both = rows(run(server, PARTNERS, limit="1000"))
    one = rows(run(server, PARTNERS, collection=collection))
    assert len(one) == len(both) // 2 == 22
    assert one == [r for r in both if r["collection"] == collection]
    first = run(server, PARTNERS, collection=collection, limit="10")
    assert len(rows(first)) == 10 and "offset=10" in links(first)["next"]


# ---- parameters ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parameter", "value"),
    [
        (OCCUPATIONS, "order", "sideways"),
        (OCCUPATIONS, "order", "BEST"),
        (SHARED, "relation", "both"),
        (PARTNERS, "collection", "transversal"),
    ],
)
def test_a_value_outside_the_enum_is_a_422_naming_it(server: LiveServer, name: str, parameter: str, value: str) -> None:
    body = problem(run(server, name, **{parameter: value}), 422)
    assert body["errors"][0]["parameter"] == parameter and value in body["detail"]


def test_the_queries_declare_their_enums_and_defaults() -> None:
    assert REGISTRY[OCCUPATIONS].parameter("order").enum == ("best", "worst")
    assert REGISTRY[OCCUPATIONS].parameter("order").default == "best"
    assert REGISTRY[SHARED].parameter("relation").enum == ("essential", "optional", "any")
    assert REGISTRY[PARTNERS].parameter("collection").default is None
    assert all(REGISTRY[name].pagination for name in (OCCUPATIONS, SHARED, PARTNERS))


def test_a_bad_limit_is_a_422(server: LiveServer) -> None:
    assert problem(run(server, SHARED, limit="1001"), 422)["errors"][0]["parameter"] == "limit"
