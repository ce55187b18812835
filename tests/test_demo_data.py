"""The demo catalogue: what the issue promises is there, it conforms to the shapes, and it uses real ESCO."""

from __future__ import annotations

import pytest
from rdflib import RDF, SH, Graph, URIRef

from smarco_kg.api.write_docs import demo_members, write_example
from smarco_kg.catalogue.vocabulary import curie, shapes_graph
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.write_path import WriteRejected

SEED_ORGANISATIONS = 22
SAMPLE_STAKEHOLDERS = 13


PREFIXES = """PREFIX elm: <http://data.europa.eu/snb/model/elm/> PREFIX smarco: <https://w3id.org/smarco/ontology#>
PREFIX org: <http://www.w3.org/ns/org#> PREFIX esco: <http://data.europa.eu/esco/model#>
PREFIX dct: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>"""


def _count(kg: KnowledgeGraph, where: str) -> int:
    query = f"{PREFIXES}\nSELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {where} }}"
    return int(next(kg.store.query(query, union_default_graph=True).rows())["n"])


def test_the_whole_demo_graph_conforms_through_the_validated_write_path(base_kg: KnowledgeGraph) -> None:
    result = base_kg.write_path.write(
        base_kg.catalogue.demo_files(base_kg.settings.data_dir), base_iri=base_kg.settings.base_iri
    )
    assert result.report.conforms
    assert result.report.problems == []  # no warnings either: every ESCO IRI is in the ESCO graph
    assert result.report.focus_nodes > 200


@pytest.mark.parametrize(
    ("role", "expected"),
    [("coordinator", 1), ("partner", 20), ("associatedPartner", 1)],
)
def test_every_seed_organisation_is_a_member_in_its_role(demo_kg: KnowledgeGraph, role: str, expected: int) -> None:
    where = f"?m a org:Membership ; org:member ?x ; org:role smarco:{role} . ?x a elm:Organisation"
    assert _count(demo_kg, where) == expected


def test_every_member_has_a_country_from_the_eu_authority_table(demo_kg: KnowledgeGraph) -> None:
    where = """?m org:member ?x . ?x elm:location/elm:address/elm:countryCode ?c
               FILTER STRSTARTS(STR(?c), "http://publications.europa.eu/resource/authority/country/")"""
    assert _count(demo_kg, where) == SEED_ORGANISATIONS + SAMPLE_STAKEHOLDERS


def test_the_coordinator_is_the_european_digital_sme_alliance(demo_kg: KnowledgeGraph) -> None:
    rows = demo_kg.store.query(
        f"{PREFIXES} SELECT ?name WHERE {{ ?m org:role smarco:coordinator ; "
        "org:member/<http://www.w3.org/2004/02/skos/core#prefLabel> ?name }",
        union_default_graph=True,
    ).rows()
    assert "european digital sme alliance" in {str(row["name"]).lower() for row in rows}


def test_at_least_thirty_courses_each_with_two_outcomes_linked_to_esco(demo_kg: KnowledgeGraph) -> None:
    courses = _count(demo_kg, "?x a elm:LearningOpportunity")
    assert courses >= 30
    well_formed = """?x a elm:LearningOpportunity ; elm:learningAchievementSpecification ?s .
        { SELECT ?s WHERE { ?s elm:learningOutcome ?o . ?o elm:relatedESCOSkill ?k . ?k a esco:Skill }
          GROUP BY ?s HAVING (COUNT(DISTINCT ?o) >= 2) }"""
    assert _count(demo_kg, well_formed) == courses


def test_courses_span_the_three_aims_and_both_target_groups(demo_kg: KnowledgeGraph) -> None:
    assert _count(demo_kg, "?c a elm:LearningOpportunity ; smarco:aim ?x") == 3
    assert _count(demo_kg, "?c elm:learningAchievementSpecification/elm:targetGroup ?x") == 2


def test_courses_carry_level_workload_language_and_mode(demo_kg: KnowledgeGraph) -> None:
    courses = _count(demo_kg, "?x a elm:LearningOpportunity")
    complete = """?x a elm:LearningOpportunity ; elm:providedBy ?p ;
        elm:learningAchievementSpecification [ elm:EQFLevel ?e ; dct:language ?l ; elm:mode ?m ] ."""
    assert _count(demo_kg, complete) == courses


def test_ten_micro_credentials_stacking_into_certificates(demo_kg: KnowledgeGraph) -> None:
    assert _count(demo_kg, "?x a smarco:MicroCredential") >= 10
    assert _count(demo_kg, "?x a smarco:MicroCredential ; smarco:stacksInto [ a smarco:Certificate ]") >= 10


def test_three_pathways_and_ten_best_practices(demo_kg: KnowledgeGraph) -> None:
    assert _count(demo_kg, "?x a smarco:TrainingPathway ; smarco:step/smarco:course ?c") >= 3
    assert _count(demo_kg, "?x a smarco:BestPractice ; smarco:relatedSkill [ a esco:Skill ]") >= 10


def test_illustrative_records_are_flagged_as_sample_data(demo_kg: KnowledgeGraph) -> None:
    for cls in ("elm:LearningOpportunity", "smarco:TrainingPathway", "smarco:BestPractice"):
        total = _count(demo_kg, f"?x a {cls}")
        flagged = _count(demo_kg, f"?x a {cls} ; smarco:isSampleData true")
        assert flagged == total, cls


def test_some_labels_are_in_a_partner_language(demo_kg: KnowledgeGraph) -> None:
    where = '?c a elm:LearningOpportunity ; dct:title ?x FILTER(lang(?x) != "en")'
    assert _count(demo_kg, where) >= 10
    languages = demo_kg.store.query(
        f"{PREFIXES} SELECT DISTINCT (lang(?t) AS ?l) WHERE {{ ?c dct:title ?t }}", union_default_graph=True
    )
    assert {str(r["l"]) for r in languages.rows()} >= {"en", "es", "el", "it"}


def test_each_partner_contributes_to_its_own_graph(demo_kg: KnowledgeGraph) -> None:
    partner_graphs = [g for g in demo_kg.store.graphs() if demo_kg.graphs.is_partner_graph(g)]
    assert len(partner_graphs) == SEED_ORGANISATIONS
    misplaced = demo_kg.store.query(
        f"""{PREFIXES} SELECT ?c ?g WHERE {{ GRAPH ?g {{ ?c a elm:LearningOpportunity ; elm:providedBy ?p }}
              ?p ^org:member/org:organization ?partnership .
              FILTER (!STRENDS(STR(?g), REPLACE(STR(?p), "^.*/", "/"))) }}"""
    )
    assert list(misplaced.rows()) == []


def required_paths(shapes: Graph, shape: URIRef) -> list[URIRef]:
    """The simple paths a node shape requires (``sh:minCount`` of at least 1 on its own property shapes, as a
    violation rather than a warning)."""
    return sorted(
        path
        for prop in shapes.objects(shape, SH.property)
        if isinstance(path := shapes.value(prop, SH.path), URIRef)
        and int(shapes.value(prop, SH.minCount) or 0) >= 1
        and shapes.value(prop, SH.severity) in (None, SH.Violation)
    )


def test_every_class_has_a_conforming_demo_member_and_its_shape_refuses_one_without_a_required_value(
    demo_kg: KnowledgeGraph,
) -> None:
    """Derived from the class entries, so a new class is covered by its entry, shape and demo file alone."""
    catalogue, settings = demo_kg.catalogue, demo_kg.settings
    shapes = shapes_graph(settings.shapes_dir)
    demo = demo_members(catalogue, settings.data_dir)
    assert demo is not None
    checked = 0
    for entry in catalogue.owned:
        found = write_example(entry, catalogue.vocabulary, demo, settings.base_iri)
        assert found is not None, entry.collection
        member, described = found
        graph = next(
            str(g)
            for g in demo_kg.store.graphs()
            if demo_kg.store.query(f"ASK {{ GRAPH <{g}> {{ <{member}> a ?c }} }}").boolean
        )
        owned = sorted({(graph, str(s)) for s in described.subjects() if isinstance(s, URIRef)})

        def check(data: Graph, owned: list[tuple[str, str]] = owned, graph: str = graph) -> list:
            result = demo_kg.write_path.write(
                data.serialize(format="nt", encoding="utf-8"),
                rdf_syntax("ntriples"),
                graph=graph,
                base_iri=settings.base_iri,
                dry_run=True,
                remove_resources=owned,
            )
            return result.report.violations

        assert check(described) == [], entry.collection
        for shape in entry.shapes:
            target = shapes.value(shape, SH.targetClass)
            if (member, RDF.type, target) not in described:
                continue
            for path in required_paths(shapes, shape):
                without = Graph()
                for triple in described:
                    if not (triple[0] == member and triple[1] == path):
                        without.add(triple)
                with pytest.raises(WriteRejected) as refused:
                    check(without)
                assert (str(member), curie(path)) in {(p.focus_node, p.path) for p in refused.value.report.violations}
                checked += 1
    assert checked >= 15
