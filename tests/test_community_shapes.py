"""The community's shapes, exercised through the validated write path on a real store: one small conforming graph
with a stakeholder, its membership, a pledge, an event and a practice with an adoption and an endorsement; each
violating variant changes one thing and is refused with the shape's own message about that resource and property."""

from __future__ import annotations

import pytest
from rdflib import SH, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, RDF

from smarco_kg.config import Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ROV, SCHEMA, SMARCO
from smarco_kg.write_path import WriteRejected, WriteResult

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
BASE = "https://w3id.org/smarco/"
GRAPH = f"{BASE}graph/partner/cefriel"
COUNTRY = Namespace("http://publications.europa.eu/resource/authority/country/")

RECORDS = """
@prefix smarco:  <https://w3id.org/smarco/ontology#> .
@prefix elm:     <http://data.europa.eu/snb/model/elm/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix rov:     <http://www.w3.org/ns/regorg#> .
@prefix schema:  <https://schema.org/> .
@prefix dct:     <http://purl.org/dc/terms/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix nace:    <http://data.europa.eu/ux2/nace2/> .
@prefix skill:   <http://data.europa.eu/esco/skill/> .

<organisation/cefriel> a elm:Organisation ;
  rov:legalName "Cefriel S.c.a r.l."@it ;
  elm:location [ a dct:Location ; elm:address [ a elm:Address ; elm:countryCode country:ITA ] ] .

<organisation/example-utility> a elm:Organisation ;
  rov:legalName "Example Utility GmbH"@de ;
  elm:location [ a dct:Location ; elm:address [ a elm:Address ; elm:countryCode country:DEU ] ] ;
  org:classification smarco:industry ;
  rov:orgActivity nace:35 ;
  smarco:organisationSize smarco:large .

<partnership/smarco> a smarco:Partnership ; skos:prefLabel "SMARCO"@en .

<membership/example-utility> a org:Membership ;
  org:member <organisation/example-utility> ;
  org:organization <partnership/smarco> ;
  org:role smarco:stakeholder ;
  schema:startDate "2026-02-01"^^xsd:date .

<practice/open-data> a smarco:BestPractice ;
  dct:title "Open data portal"@en ;
  dct:description "A city publishes its data as linked data."@en ;
  smarco:contributedBy <organisation/cefriel> ;
  smarco:relatedSkill skill:0da6cab1-0ee9-4391-a299-f71fbf21db56 ;
  smarco:aim smarco:resilientCommunities ;
  dct:spatial country:ITA ;
  smarco:adoption <practice/open-data/adoption/1> ;
  smarco:endorsement <practice/open-data/endorsement/1> .

<practice/open-data/adoption/1> a smarco:PracticeAdoption ;
  smarco:adoptedBy <organisation/example-utility> ; dct:date "2026-05-04"^^xsd:date ; dct:spatial country:DEU ;
  dct:description "Publishes its grid data the same way."@en .

<practice/open-data/endorsement/1> a smarco:Endorsement ;
  smarco:endorsedBy <organisation/example-utility> ; dct:date "2026-05-05"^^xsd:date .

<pledge/reskilling> a smarco:Pledge ;
  dct:title "Reskilling grid technicians"@en ;
  smarco:pledgedBy <organisation/example-utility> ;
  dct:issued "2025-10-15"^^xsd:date ;
  smarco:target <pledge/reskilling/target/1> , <pledge/reskilling/target/2> ;
  smarco:progressReport <pledge/reskilling/report/1> ;
  smarco:isSampleData true .

<pledge/reskilling/target/1> a smarco:PledgeTarget ;
  smarco:year "2026"^^xsd:gYear ; smarco:indicator smarco:peopleReskilled ; smarco:amount 40 ;
  dct:spatial country:DEU ; smarco:skillCollection <http://data.europa.eu/esco/concept-scheme/green> .

<pledge/reskilling/target/2> a smarco:PledgeTarget ;
  smarco:year "2027"^^xsd:gYear ; smarco:indicator smarco:programmesCreatedOrUpdated ; smarco:amount 2 .

<pledge/reskilling/report/1> a smarco:ProgressReport ;
  dct:issued "2026-12-01"^^xsd:date ; schema:startDate "2026-01-01"^^xsd:date ; schema:endDate "2026-11-30"^^xsd:date ;
  smarco:achievement <pledge/reskilling/achievement/1> .

<pledge/reskilling/achievement/1> a smarco:Achievement ;
  smarco:againstTarget <pledge/reskilling/target/1> ; smarco:amount 28 .

<event/workshop> a smarco:Event ;
  dct:title "Open data workshop"@en ;
  dct:type smarco:workshop ;
  schema:startDate "2026-03-18"^^xsd:date ; schema:endDate "2026-03-19"^^xsd:date ;
  schema:eventAttendanceMode schema:MixedEventAttendanceMode ;
  dct:spatial country:ITA ;
  schema:organizer <organisation/cefriel> ;
  dct:subject <practice/open-data> ;
  smarco:relatedSkill skill:0da6cab1-0ee9-4391-a299-f71fbf21db56 ;
  smarco:aim smarco:communityOfStakeholders ;
  smarco:participants <event/workshop/participants/1> , <event/workshop/participants/2> .

<event/workshop/participants/1> a smarco:ParticipantCount ; dct:spatial country:ITA ; smarco:amount 20 .
<event/workshop/participants/2> a smarco:ParticipantCount ; dct:spatial country:DEU ; smarco:amount 3 .
"""

ORGANISATION = URIRef(f"{BASE}organisation/example-utility")
MEMBERSHIP = URIRef(f"{BASE}membership/example-utility")
PRACTICE = URIRef(f"{BASE}practice/open-data")
ADOPTION = URIRef(f"{BASE}practice/open-data/adoption/1")
ENDORSEMENT = URIRef(f"{BASE}practice/open-data/endorsement/1")
PLEDGE = URIRef(f"{BASE}pledge/reskilling")
TARGET = URIRef(f"{BASE}pledge/reskilling/target/1")
REPORT = URIRef(f"{BASE}pledge/reskilling/report/1")
ACHIEVEMENT = URIRef(f"{BASE}pledge/reskilling/achievement/1")
EVENT = URIRef(f"{BASE}event/workshop")
COUNT = URIRef(f"{BASE}event/workshop/participants/2")
OTHER_TARGET = URIRef(f"{BASE}pledge/elsewhere/target/1")

# The community's shapes and what exercises each: the targeted ones here and through their class entries, the
# nested ones through the property of their owner whose sh:node they are.
EXERCISED = ("Pledge", "PledgeTarget", "ProgressReport", "Achievement", "Event", "ParticipantCount",
             "PracticeAdoption", "Endorsement", "Organisation", "Membership")  # fmt: skip


def graph_of(*edits: tuple[str, URIRef, URIRef, object]) -> bytes:
    """The records after ``edits``: ("set", s, p, value) makes value the only one, ("drop", s, p, None) removes
    every value, ("add", s, p, value) adds one."""
    graph = Graph().parse(data=RECORDS, format="turtle", publicID=BASE)
    for action, subject, predicate, value in edits:
        if action in ("set", "drop"):
            assert (subject, predicate, None) in graph, f"{subject} has no {predicate}"
            graph.remove((subject, predicate, None))
        if action in ("set", "add"):
            graph.add((subject, predicate, value))  # type: ignore[arg-type]
    return graph.serialize(format="nt", encoding="utf-8")


def write(kg: KnowledgeGraph, data: bytes) -> WriteResult:
    return kg.write_path.write(data, rdf_syntax("ntriples"), graph=GRAPH, dry_run=True)


@pytest.fixture(scope="module")
def messages() -> set[str]:
    shapes = Graph()
    for path in sorted(Settings().shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    return {str(message) for message in shapes.objects(None, SH.message)}


def test_the_community_records_conform_without_warnings(base_kg: KnowledgeGraph) -> None:
    result = write(base_kg, graph_of())
    assert result.report.problems == []
    assert result.report.focus_nodes >= 12


def test_every_community_shape_is_reached_by_the_records() -> None:
    shapes = Graph()
    for path in sorted(Settings().shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    smsh = Namespace("https://w3id.org/smarco/shapes#")
    for name in EXERCISED:
        assert (smsh[name], RDF.type, SH.NodeShape) in shapes, name
    nested = {smsh.PledgeTarget, smsh.ProgressReport, smsh.Achievement, smsh.ParticipantCount,
              smsh.PracticeAdoption, smsh.Endorsement}  # fmt: skip
    assert nested <= set(shapes.objects(None, SH.node))


VIOLATIONS = [
    # (id, edits, focus node, path, words of the shape's message)
    ("stakeholder-type-not-in-the-list", [("set", ORGANISATION, ORG.classification, SMARCO.partner)],
     ORGANISATION, "org:classification", "one stakeholder type"),
    ("sector-not-nace", [("set", ORGANISATION, ROV.orgActivity, URIRef("http://example.org/energy"))],
     ORGANISATION, "rov:orgActivity", "NACE Rev. 2 IRI"),
    ("size-not-in-the-list", [("set", ORGANISATION, SMARCO.organisationSize, SMARCO.huge)],
     ORGANISATION, "smarco:organisationSize", "smarco:micro, smarco:small"),
    ("membership-start-not-a-date", [("set", MEMBERSHIP, SCHEMA.startDate, Literal("soon"))],
     MEMBERSHIP, "schema:startDate", "The day a membership started"),
    ("pledge-without-organisation", [("drop", PLEDGE, SMARCO.pledgedBy, None)],
     PLEDGE, "smarco:pledgedBy", "exactly one organisation that makes it"),
    ("pledge-without-targets", [("drop", PLEDGE, SMARCO.target, None), ("drop", PLEDGE, SMARCO.progressReport, None)],
     PLEDGE, "smarco:target", "at least one target"),
    ("target-year-not-a-year", [("set", TARGET, SMARCO.year, Literal("26", datatype=XSD.gYear))],
     PLEDGE, "smarco:target", "one year (smarco:year"),
    ("target-negative", [("set", TARGET, SMARCO.amount, Literal(-5))], PLEDGE, "smarco:target", "one amount"),
    ("target-unknown-indicator", [("set", TARGET, SMARCO.indicator, SMARCO.happiness)],
     PLEDGE, "smarco:target", "one indicator"),
    ("report-period-backwards", [("set", REPORT, SCHEMA.endDate, Literal("2025-06-30", datatype=XSD.date))],
     PLEDGE, "smarco:progressReport", "its period"),
    ("achievement-without-amount", [("drop", ACHIEVEMENT, SMARCO.amount, None)],
     PLEDGE, "smarco:progressReport", "what was achieved"),
    ("achievement-against-another-pledge", [("set", ACHIEVEMENT, SMARCO.againstTarget, OTHER_TARGET),
                                            ("add", OTHER_TARGET, RDF.type, SMARCO.PledgeTarget)],
     PLEDGE, None, "a target of another pledge"),
    ("event-without-type", [("drop", EVENT, DCTERMS.type, None)], EVENT, "dct:type", "exactly one kind"),
    ("event-type-not-in-the-list", [("set", EVENT, DCTERMS.type, SMARCO.party)], EVENT, "dct:type", "exactly one kind"),
    ("event-ends-before-it-starts", [("set", EVENT, SCHEMA.endDate, Literal("2026-03-01", datatype=XSD.date))],
     EVENT, "schema:startDate", "no later than its end date"),
    ("in-person-event-nowhere", [("drop", EVENT, DCTERMS.spatial, None)],
     EVENT, None, "the country where it takes place"),
    ("event-about-an-organisation", [("set", EVENT, DCTERMS.subject, ORGANISATION)],
     EVENT, "dct:subject", "a course or a best practice"),
    ("participants-without-country", [("drop", COUNT, DCTERMS.spatial, None)],
     EVENT, "smarco:participants", "a count, never names"),
    ("participants-twice-from-one-country", [("set", COUNT, DCTERMS.spatial, COUNTRY.ITA)],
     EVENT, None, "give one count per country"),
    ("adoption-without-date", [("drop", ADOPTION, DCTERMS.date, None)], PRACTICE, "smarco:adoption", "when (dct:date)"),
    ("adoption-nowhere", [("set", ADOPTION, DCTERMS.spatial, URIRef("http://example.org/somewhere"))],
     PRACTICE, "smarco:adoption", "where (dct:spatial, a country)"),
    ("endorsement-by-nobody", [("drop", ENDORSEMENT, SMARCO.endorsedBy, None)],
     PRACTICE, "smarco:endorsement", "the organisation that endorses"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("edits", "focus", "path", "says"), [v[1:] for v in VIOLATIONS], ids=[v[0] for v in VIOLATIONS]
)
def test_a_violating_variant_is_refused_with_the_shapes_words(
    base_kg: KnowledgeGraph,
    messages: set[str],
    edits: list[tuple[str, URIRef, URIRef, object]],
    focus: URIRef,
    path: str | None,
    says: str,
) -> None:
    with pytest.raises(WriteRejected) as caught:
        write(base_kg, graph_of(*edits))
    violations = caught.value.report.violations
    assert [(p.focus_node, p.path) for p in violations] == [(str(focus), path)], [p.as_line() for p in violations]
    (problem,) = violations
    assert says in problem.message and problem.message in messages
