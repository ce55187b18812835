"""The SHACL shapes, exercised through the validated write path on a real store.

``CATALOGUE`` is one small conforming partner graph that reaches every shape with a target class and every node
shape those use. Each negative test changes one thing in it and asserts which resource, which property and which
of the shapes' own messages a course provider is shown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from rdflib import RDF, SH, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, RDFS, SKOS
from rdflib.term import Node

from smarco_kg.catalogue import Catalogue
from smarco_kg.config import PROJECT_ROOT, Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM, ROV, SMARCO, SMSH
from smarco_kg.validation import Problem, ShapesError, ShapesValidator
from smarco_kg.write_path import WriteRejected, WriteResult

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # rdflib's closed XSD namespace warns when pytest inspects it
BASE = "https://w3id.org/smarco/"
GRAPH = f"{BASE}graph/partner/cefriel"

PREFIXES = """
@prefix smarco:  <https://w3id.org/smarco/ontology#> .
@prefix elm:     <http://data.europa.eu/snb/model/elm/> .
@prefix org:     <http://www.w3.org/ns/org#> .
@prefix rov:     <http://www.w3.org/ns/regorg#> .
@prefix dct:     <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix lang:    <http://publications.europa.eu/resource/authority/language/> .
@prefix eqf:     <http://data.europa.eu/snb/eqf/> .
@prefix mode:    <http://data.europa.eu/snb/learning-assessment/> .
@prefix skill:   <http://data.europa.eu/esco/skill/> .
"""

RECORDS = """
<organisation/cefriel> a elm:Organisation ;
  rov:legalName "Cefriel S.c.a r.l."@it ;
  skos:prefLabel "Cefriel"@en ;
  elm:location [ a dct:Location ; elm:address [ a elm:Address ; elm:countryCode country:ITA ] ] ;
  foaf:homepage [ a elm:WebResource ; elm:contentUrl "https://www.cefriel.com/"^^xsd:anyURI ] .

<partnership/smarco> a smarco:Partnership ;
  skos:prefLabel "Smart Communities Skills Partnership (SMARCO)"@en .

<membership/cefriel> a org:Membership ;
  org:member <organisation/cefriel> ;
  org:organization <partnership/smarco> ;
  org:role smarco:partner .

<course/urban-data-platforms> a elm:LearningOpportunity ;
  dct:title "Urban data platforms"@en , "Piattaforme di dati urbani"@it ;
  dct:description "Design and run the data platform of a smart city."@en ;
  elm:providedBy <organisation/cefriel> ;
  elm:defaultLanguage lang:ENG ;
  elm:learningSchedule <http://data.europa.eu/snb/learning-schedule/67395e6b5a> ;
  elm:learningAchievementSpecification <credential/urban-data-platforms> ;
  foaf:homepage [ a elm:WebResource ; elm:contentUrl "https://www.cefriel.com/udp"^^xsd:anyURI ] ;
  smarco:aim smarco:resilientCommunities ;
  smarco:isSampleData true .

<credential/urban-data-platforms> a smarco:MicroCredential , elm:LearningAchievementSpecification ;
  dct:title "Micro-credential in urban data platforms"@en ;
  elm:learningOutcome <course/urban-data-platforms/outcome/1> ;
  elm:EQFLevel eqf:6 ;
  elm:creditPoint [ a elm:CreditPoint ;
      elm:framework <http://data.europa.eu/snb/education-credit/6fcec5c5af> ; elm:point "3" ] ;
  elm:volumeOfLearning "PT75H"^^xsd:duration ;
  dct:language lang:ENG ;
  elm:mode mode:9191af2ed9 ;
  elm:targetGroup smarco:smartCityEngineers ;
  smarco:aim smarco:flexibleRecognisedLearning ;
  smarco:stacksInto <certificate/smart-city-data> ;
  elm:awardingOpportunity [ a elm:AwardingOpportunity ; elm:awardingBody <organisation/cefriel> ] ;
  elm:provenBy [ a elm:LearningAssessmentSpecification ;
      dct:title "Project"@en ; dct:type <http://data.europa.eu/snb/assessment/6a4db9f11d> ] ;
  elm:accreditation [ a elm:Accreditation ;
      dct:type <http://data.europa.eu/snb/accreditation/820101cba6> ;
      dct:title "Programme quality assurance"@en ;
      elm:accreditingAgent <organisation/cefriel> ] .

<course/urban-data-platforms/outcome/1> a elm:LearningOutcome ;
  dct:title "Manage the data of a smart-city platform"@en ;
  elm:relatedESCOSkill skill:0da6cab1-0ee9-4391-a299-f71fbf21db56 .

<course/sensor-networks> a elm:LearningOpportunity ;
  dct:title "Sensor networks for air quality"@en ;
  dct:description "Plan, deploy and maintain a network of air-quality sensors."@en ;
  elm:providedBy <organisation/cefriel> ;
  elm:defaultLanguage lang:ITA ;
  elm:learningAchievementSpecification <specification/sensor-networks> ;
  smarco:aim smarco:resilientCommunities .

<specification/sensor-networks> a elm:LearningAchievementSpecification ;
  dct:title "Sensor networks for air quality"@en ;
  elm:learningOutcome <course/sensor-networks/outcome/1> ;
  elm:EQFLevel eqf:5 ;
  elm:volumeOfLearning "PT40H"^^xsd:duration ;
  dct:language lang:ITA , lang:ENG .

<course/sensor-networks/outcome/1> a elm:LearningOutcome ;
  dct:title "Design a sensor network for air-quality monitoring"@en ;
  elm:relatedESCOSkill skill:09f2f811-a3fb-4de3-a70f-6420a6935575 .

<certificate/smart-city-data> a smarco:Certificate , elm:LearningAchievementSpecification ;
  dct:title "Certificate in smart-city data engineering"@en ;
  elm:learningOutcome <course/urban-data-platforms/outcome/1> ;
  elm:EQFLevel eqf:6 ;
  elm:creditPoint [ a elm:CreditPoint ;
      elm:framework <http://data.europa.eu/snb/education-credit/6fcec5c5af> ; elm:point "12.5" ] ;
  dct:language lang:ENG ;
  elm:awardingOpportunity [ a elm:AwardingOpportunity ; elm:awardingBody <organisation/cefriel> ] .

<practice/open-air-quality-data> a smarco:BestPractice ;
  dct:title "Open air-quality data for citizens"@en ;
  dct:description "A city publishes its sensor readings as open data and trains its officers to reuse them."@en ;
  smarco:contributedBy <organisation/cefriel> ;
  smarco:relatedSkill skill:09f2f811-a3fb-4de3-a70f-6420a6935575 ;
  smarco:aim smarco:communityOfStakeholders ;
  dct:spatial country:ITA ;
  foaf:homepage [ a elm:WebResource ; elm:contentUrl "https://www.cefriel.com/air"^^xsd:anyURI ] ;
  smarco:isSampleData true .

<pathway/smart-city-data-engineer> a smarco:TrainingPathway ;
  dct:title "From sensors to urban data platforms"@en ;
  dct:description "Two courses towards smart-city data engineering."@en ;
  smarco:step [ a smarco:PathwayStep ; smarco:position 1 ;
                smarco:course <course/sensor-networks> ] ,
              [ a smarco:PathwayStep ; smarco:position 2 ;
                smarco:course <course/urban-data-platforms> ] ;
  smarco:targetOccupation <http://data.europa.eu/esco/occupation/02eb0ae6-ecdd-4602-9c8e-60ffe6dbe1e2> ;
  smarco:targetCredential <certificate/smart-city-data> ;
  smarco:aim smarco:resilientCommunities ;
  smarco:isSampleData true .
"""


CATALOGUE = f"{PREFIXES}\n<graph/partner/cefriel> {{\n{RECORDS}\n}}\n"
"""The whole catalogue as TriG: a partner graph holding one of everything."""


def iri(path: str) -> URIRef:
    return URIRef(BASE + path)


ORGANISATION = iri("organisation/cefriel")
PARTNERSHIP = iri("partnership/smarco")
MEMBERSHIP = iri("membership/cefriel")
COURSE = iri("course/urban-data-platforms")
MICRO_CREDENTIAL = iri("credential/urban-data-platforms")
OUTCOME = iri("course/urban-data-platforms/outcome/1")
SECOND_COURSE = iri("course/sensor-networks")
SPECIFICATION = iri("specification/sensor-networks")
SECOND_OUTCOME = iri("course/sensor-networks/outcome/1")
CERTIFICATE = iri("certificate/smart-city-data")
PRACTICE = iri("practice/open-air-quality-data")
PATHWAY = iri("pathway/smart-city-data-engineer")
UNKNOWN_ORGANISATION = iri("organisation/nobody")

ESCO_SKILL = URIRef("http://data.europa.eu/esco/skill/0da6cab1-0ee9-4391-a299-f71fbf21db56")
SKILL_NOT_IN_ESCO_GRAPH = URIRef("http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000")
OCCUPATION = URIRef("http://data.europa.eu/esco/occupation/02eb0ae6-ecdd-4602-9c8e-60ffe6dbe1e2")
OCCUPATION_NOT_IN_ESCO_GRAPH = URIRef("http://data.europa.eu/esco/occupation/00000000-0000-0000-0000-000000000000")
ITALIAN = URIRef("http://publications.europa.eu/resource/authority/language/ITA")
ISO_ENGLISH = URIRef("http://id.loc.gov/vocabulary/iso639-1/en")
ECVET = URIRef("http://data.europa.eu/snb/education-credit/60b314e826")
FULL_TIME = URIRef("http://data.europa.eu/snb/learning-schedule/72a0ab92fa")
NOT_A_CODE = URIRef("http://example.org/not-a-code")


EXERCISED_SHAPES = (
    "Course",
    "LearningAchievementSpecification",
    "LearningOutcome",
    "MicroCredential",
    "Certificate",
    "Organisation",
    "Partnership",
    "Membership",
    "TrainingPathway",
    "BestPractice",
    "IssuedCredential",  # conforming and refused entries: tests/test_credential_register.py
)


# -- variants of the catalogue -------------------------------------------------------------------------------------

Edit = Callable[[Graph], None]
Ref = Node | Callable[[Graph], Node]
"""A resource of the catalogue: an IRI, or how to reach a blank node from one (see ``at``)."""


def at(start: URIRef, *predicates: URIRef) -> Callable[[Graph], Node]:
    """The node reached from ``start`` along ``predicates``, one value each: e.g. a course's home page."""

    def find(graph: Graph) -> Node:
        node: Node = start
        for predicate in predicates:
            values = list(graph.objects(node, predicate))
            assert len(values) == 1, f"{node} has {len(values)} value(s) for {predicate}"
            node = values[0]
        return node

    return find


def step(position: int) -> Callable[[Graph], Node]:
    """The pathway step at ``position``."""
    value = Literal(position)
    return lambda graph: next(s for s in graph.objects(PATHWAY, SMARCO.step) if (s, SMARCO.position, value) in graph)


def _node(graph: Graph, ref: Ref) -> Node:
    return ref(graph) if callable(ref) else ref


def _drop_owned(graph: Graph, node: Node) -> None:
    if isinstance(node, BNode):
        for _, predicate, value in list(graph.triples((node, None, None))):
            graph.remove((node, predicate, value))
            _drop_owned(graph, value)


def drop(subject: Ref, predicate: URIRef, value: Ref | None = None) -> Edit:
    """Remove ``subject``'s ``predicate`` (that ``value``, or every value) with the blank nodes it owns."""

    def edit(graph: Graph) -> None:
        node = _node(graph, subject)
        values = [_node(graph, value)] if value is not None else list(graph.objects(node, predicate))
        assert values and all((node, predicate, v) in graph for v in values), f"{node} has no {predicate} {value}"
        for v in values:
            graph.remove((node, predicate, v))
            _drop_owned(graph, v)

    return edit


def add(subject: Ref, predicate: URIRef, value: Node) -> Edit:
    def edit(graph: Graph) -> None:
        node = _node(graph, subject)
        assert (node, predicate, value) not in graph
        graph.add((node, predicate, value))

    return edit


def replace(subject: Ref, predicate: URIRef, value: Node) -> Edit:
    """Make ``value`` the only ``predicate`` of ``subject``."""

    def edit(graph: Graph) -> None:
        node = _node(graph, subject)
        drop(node, predicate)(graph)
        graph.add((node, predicate, value))

    return edit


def untype(subject: Ref, cls: URIRef) -> Edit:
    return drop(subject, RDF.type, cls)


def together(*edits: Edit) -> Edit:
    """Several edits that make one change, e.g. removing both of a pathway's targets."""

    def edit(graph: Graph) -> None:
        for each in edits:
            each(graph)

    return edit


def catalogue_graph() -> Graph:
    return Graph().parse(data=PREFIXES + RECORDS, format="turtle", publicID=BASE)


def variant(*edits: Edit) -> bytes:
    """The catalogue's partner graph as N-Triples after ``edits``."""
    graph = catalogue_graph()
    for edit in edits:
        edit(graph)
    return graph.serialize(format="nt", encoding="utf-8")


def records(*subjects: URIRef) -> bytes:
    """Only the descriptions of ``subjects`` (with the blank nodes they own), as N-Triples."""
    source, out = catalogue_graph(), Graph()
    todo: list[Node] = list(subjects)
    while todo:
        for triple in source.triples((todo.pop(), None, None)):
            out.add(triple)
            if isinstance(triple[2], BNode):
                todo.append(triple[2])
    return out.serialize(format="nt", encoding="utf-8")


def write(kg: KnowledgeGraph, data: bytes, *, dry_run: bool = True) -> WriteResult:
    return kg.write_path.write(data, rdf_syntax("ntriples"), graph=GRAPH, dry_run=dry_run)


def violations_of(kg: KnowledgeGraph, data: bytes) -> list[Problem]:
    with pytest.raises(WriteRejected) as caught:
        write(kg, data)
    return caught.value.report.violations


# -- what a course provider is told --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """A violation as a course provider sees it: where, on which property, and words of the shape's message."""

    focus: URIRef
    path: str | None
    says: str


def assert_violations(
    violations: Iterable[Problem],
    expected: Iterable[Expected],
    shape_messages: set[str],
) -> None:
    """Exactly the ``expected`` violations (no more, no fewer), each with its shape's own message."""
    violations, expected = list(violations), list(expected)
    actual = Counter((p.focus_node, p.path) for p in violations)
    wanted = Counter((str(e.focus), e.path) for e in expected)
    assert wanted - actual == Counter(), f"missing violations; got {[p.as_line() for p in violations]}"
    for e in expected:
        for problem in violations:
            if (problem.focus_node, problem.path) == (str(e.focus), e.path):
                assert e.says in problem.message
                assert problem.message in shape_messages, f"not a message of the shapes: {problem.message!r}"
    assert actual - wanted == Counter(), f"unexpected violations: {[p.as_line() for p in violations]}"


@pytest.fixture(scope="module")
def shapes() -> Graph:
    graph = Graph()
    for path in sorted(Settings().shapes_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="module")
def shape_messages(shapes: Graph) -> set[str]:
    return {str(message) for message in shapes.objects(None, SH.message)}


def test_every_property_shape_has_an_english_message(shapes: Graph) -> None:
    property_shapes = set(shapes.objects(None, SH.property))
    assert len(property_shapes) > 50
    silent = [
        shapes.value(shape, SH.path)
        for shape in property_shapes
        if not any(getattr(message, "language", None) == "en" for message in shapes.objects(shape, SH.message))
    ]
    assert silent == []


def test_every_shape_message_is_in_english(shapes: Graph) -> None:
    messages = list(shapes.subject_objects(SH.message))
    assert len(messages) > 50
    assert [(shape, message) for shape, message in messages if getattr(message, "language", None) != "en"] == []


def test_every_targeted_node_shape_has_an_english_label(shapes: Graph) -> None:
    targeted = set(shapes.subjects(SH.targetClass, None))
    assert targeted
    unlabelled = [
        s for s in targeted if not any(getattr(x, "language", None) == "en" for x in shapes.objects(s, RDFS.label))
    ]
    assert unlabelled == []


def test_every_shape_with_a_target_class_is_exercised(shapes: Graph) -> None:
    """A targeted shape is exercised here (the variants below) or through its class entry (each member shape's
    required values, by ``test_demo_data``); a shape neither reaches fails this test."""
    targeted = set(shapes.subjects(SH.targetClass, None))
    by_entry = {shape for entry in Catalogue(BASE, PROJECT_ROOT / "shapes") for shape in entry.shapes}
    here = {SMSH[name] for name in EXERCISED_SHAPES}
    assert here <= targeted
    assert targeted - here - by_entry == set()


# -- conforming data -----------------------------------------------------------------------------------------------


def test_catalogue_conforms_without_warnings(base_kg: KnowledgeGraph) -> None:
    result = base_kg.write_path.write(CATALOGUE.encode(), rdf_syntax("trig"), base_iri=BASE, dry_run=True)
    assert result.report.problems == []
    assert result.report.focus_nodes == 12  # every IRI described in the catalogue
    assert result.graphs == [GRAPH]


def test_unedited_variant_conforms(base_kg: KnowledgeGraph) -> None:
    """The negative tests write N-Triples variants: the unedited one must conform for them to mean anything."""
    assert write(base_kg, variant()).report.problems == []


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(replace(at(MICRO_CREDENTIAL, ELM.creditPoint), ELM.framework, ECVET), id="ecvet-credits"),
        pytest.param(replace(at(CERTIFICATE, ELM.creditPoint), ELM.point, Literal("7")), id="whole-credit-points"),
        pytest.param(drop(MICRO_CREDENTIAL, ELM.volumeOfLearning), id="workload-in-credits-only"),
        pytest.param(replace(COURSE, ELM.learningSchedule, FULL_TIME), id="full-time-schedule"),
        pytest.param(drop(COURSE, FOAF.homepage), id="course-without-home-page"),
        pytest.param(drop(COURSE, SMARCO.isSampleData), id="course-not-sample-data"),
        pytest.param(drop(ORGANISATION, SKOS.prefLabel), id="organisation-without-short-name"),
        pytest.param(add(PRACTICE, SMARCO.relatedSkill, ESCO_SKILL), id="practice-with-two-skills"),
        pytest.param(drop(PATHWAY, SMARCO.targetOccupation), id="pathway-towards-a-certificate-only"),
        pytest.param(drop(PATHWAY, SMARCO.targetCredential), id="pathway-towards-an-occupation-only"),
        pytest.param(drop(PATHWAY, DCTERMS.description), id="pathway-without-description"),
        pytest.param(replace(step(2), SMARCO.position, Literal(7)), id="pathway-positions-with-a-gap"),
    ],
)
def test_optional_and_alternative_values_conform(base_kg: KnowledgeGraph, edit: Edit) -> None:
    assert write(base_kg, variant(edit)).report.problems == []


def test_micro_credential_without_credit_points_is_accepted_with_a_warning(base_kg: KnowledgeGraph) -> None:
    """Annex I asks for ECTS credits where possible; hours alone satisfy the workload rule but earn a warning."""
    report = write(base_kg, variant(drop(MICRO_CREDENTIAL, ELM.creditPoint))).report
    assert report.conforms
    [warning] = report.warnings
    assert (warning.focus_node, warning.path, warning.severity) == (str(MICRO_CREDENTIAL), "elm:creditPoint", "warning")
    assert "ECTS" in warning.message


@pytest.mark.parametrize(
    ("edit", "focus", "path", "value"),
    [
        pytest.param(
            replace(OUTCOME, ELM.relatedESCOSkill, SKILL_NOT_IN_ESCO_GRAPH),
            OUTCOME,
            "elm:relatedESCOSkill",
            SKILL_NOT_IN_ESCO_GRAPH,
            id="outcome-skill",
        ),
        pytest.param(
            replace(PRACTICE, SMARCO.relatedSkill, SKILL_NOT_IN_ESCO_GRAPH),
            PRACTICE,
            "smarco:relatedSkill",
            SKILL_NOT_IN_ESCO_GRAPH,
            id="practice-skill",
        ),
        pytest.param(
            replace(PATHWAY, SMARCO.targetOccupation, OCCUPATION_NOT_IN_ESCO_GRAPH),
            PATHWAY,
            "smarco:targetOccupation",
            OCCUPATION_NOT_IN_ESCO_GRAPH,
            id="pathway-occupation",
        ),
    ],
)
def test_esco_iri_missing_from_the_esco_graph_is_accepted_with_a_warning(
    base_kg: KnowledgeGraph, edit: Edit, focus: URIRef, path: str, value: URIRef
) -> None:
    """Well-formed ESCO IRIs pass; one the catalogue's ESCO graph does not know is worth a second look, no more."""
    report = write(base_kg, variant(edit)).report
    assert report.conforms
    [warning] = report.warnings
    assert (warning.focus_node, warning.path, warning.value, warning.severity) == (
        str(focus),
        path,
        str(value),
        "warning",
    )
    assert "not in the catalogue's ESCO graph" in warning.message


def test_course_whose_provider_is_unknown_to_the_store_is_rejected(base_kg: KnowledgeGraph) -> None:
    """sh:class elm:Organisation fails: the provider's type is neither in the data nor in the store."""
    violations = violations_of(base_kg, records(SECOND_COURSE, SPECIFICATION, SECOND_OUTCOME))
    assert [(p.focus_node, p.path, p.value) for p in violations] == [
        (str(SECOND_COURSE), "elm:providedBy", str(ORGANISATION))
    ]
    assert "known to the catalogue" in violations[0].message


def test_course_whose_provider_is_already_in_the_store_is_accepted(base_kg: KnowledgeGraph) -> None:
    assert write(base_kg, records(ORGANISATION), dry_run=False).report.conforms
    result = write(base_kg, records(SECOND_COURSE, SPECIFICATION, SECOND_OUTCOME))
    assert result.report.problems == []


# -- non-conforming data, shape by shape ---------------------------------------------------------------------------


def rejects(edit: Edit, *expected: Expected, id: str) -> object:
    return pytest.param(edit, expected, id=id)


def course(path: str, says: str) -> Expected:
    return Expected(COURSE, path, says)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(drop(COURSE, DCTERMS.title), course("dct:title", "needs a title"), id="without-title"),
        rejects(
            replace(COURSE, DCTERMS.title, Literal("Urban data platforms")),
            course("dct:title", "with a language tag"),
            id="title-without-language",
        ),
        rejects(
            add(COURSE, DCTERMS.title, Literal("Urban data", lang="en")),
            course("dct:title", "at most one title per language"),
            id="two-english-titles",
        ),
        rejects(drop(COURSE, DCTERMS.description), course("dct:description", "description"), id="without-description"),
        rejects(drop(COURSE, ELM.providedBy), course("elm:providedBy", "needs a provider"), id="without-provider"),
        rejects(
            replace(COURSE, ELM.providedBy, PARTNERSHIP),
            course("elm:providedBy", "an organisation (elm:Organisation)"),
            id="provider-not-an-organisation",
        ),
        rejects(
            drop(COURSE, ELM.learningAchievementSpecification),
            course("elm:learningAchievementSpecification", "exactly one specification"),
            id="without-specification",
        ),
        rejects(
            add(COURSE, ELM.learningAchievementSpecification, SPECIFICATION),
            course("elm:learningAchievementSpecification", "exactly one specification"),
            id="two-specifications",
        ),
        rejects(
            replace(COURSE, ELM.learningAchievementSpecification, SECOND_OUTCOME),
            course("elm:learningAchievementSpecification", "typed elm:LearningAchievementSpecification"),
            id="specification-not-a-specification",
        ),
        rejects(
            drop(COURSE, ELM.defaultLanguage),
            course("elm:defaultLanguage", "main language of instruction"),
            id="without-language",
        ),
        rejects(
            replace(COURSE, ELM.defaultLanguage, ISO_ENGLISH),
            course("elm:defaultLanguage", "EU language authority IRI"),
            id="language-not-eu-authority",
        ),
        rejects(
            replace(COURSE, ELM.defaultLanguage, Literal("en")),
            course("elm:defaultLanguage", "EU language authority IRI"),
            id="language-as-text",
        ),
        rejects(
            add(COURSE, ELM.defaultLanguage, ITALIAN),
            course("elm:defaultLanguage", "exactly one main language"),
            id="two-languages",
        ),
        rejects(
            replace(COURSE, ELM.learningSchedule, NOT_A_CODE),
            course("elm:learningSchedule", "one Europass schedule"),
            id="schedule-not-europass",
        ),
        rejects(
            drop(at(COURSE, FOAF.homepage), ELM.contentUrl),
            course("foaf:homepage", "home page"),
            id="home-page-without-address",
        ),
        rejects(drop(COURSE, SMARCO.aim), course("smarco:aim", "at least one SMARCO aim"), id="without-aim"),
        rejects(
            replace(COURSE, SMARCO.aim, SMARCO.smartCityEngineers),
            course("smarco:aim", "SMARCO aim"),
            id="aim-not-an-aim",
        ),
        rejects(
            replace(COURSE, SMARCO.isSampleData, Literal("yes")),
            course("smarco:isSampleData", "true or false"),
            id="sample-flag-not-boolean",
        ),
    ],
)
def test_course_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def spec(path: str | None, says: str, focus: URIRef = SPECIFICATION) -> Expected:
    return Expected(focus, path, says)


CREDITS = at(MICRO_CREDENTIAL, ELM.creditPoint)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(drop(SPECIFICATION, DCTERMS.title), spec("dct:title", "needs a title"), id="without-title"),
        rejects(
            drop(SPECIFICATION, ELM.learningOutcome),
            spec("elm:learningOutcome", "at least one learning outcome"),
            id="without-outcome",
        ),
        rejects(
            replace(SPECIFICATION, ELM.learningOutcome, SECOND_COURSE),
            spec("elm:learningOutcome", "typed elm:LearningOutcome"),
            id="outcome-not-an-outcome",
        ),
        rejects(drop(SPECIFICATION, ELM.EQFLevel), spec("elm:EQFLevel", "exactly one EQF level"), id="without-eqf"),
        rejects(
            replace(SPECIFICATION, ELM.EQFLevel, URIRef("http://data.europa.eu/snb/eqf/9")),
            spec("elm:EQFLevel", "EQF level"),
            id="eqf-level-9",
        ),
        rejects(
            replace(SPECIFICATION, ELM.EQFLevel, Literal("5")),
            spec("elm:EQFLevel", "EQF level"),
            id="eqf-level-as-text",
        ),
        rejects(
            add(SPECIFICATION, ELM.EQFLevel, URIRef("http://data.europa.eu/snb/eqf/6")),
            spec("elm:EQFLevel", "exactly one EQF level"),
            id="two-eqf-levels",
        ),
        rejects(
            replace(SPECIFICATION, ELM.volumeOfLearning, Literal("40 hours")),
            spec("elm:volumeOfLearning", "xsd:duration"),
            id="workload-as-text",
        ),
        rejects(
            add(SPECIFICATION, ELM.volumeOfLearning, Literal("PT41H", datatype=XSD.duration)),
            spec("elm:volumeOfLearning", "one xsd:duration"),
            id="two-workloads",
        ),
        rejects(
            drop(SPECIFICATION, ELM.volumeOfLearning),
            spec(None, "needs its workload"),
            id="without-workload",
        ),
        rejects(
            drop(SPECIFICATION, DCTERMS.language),
            spec("dct:language", "language(s) of instruction"),
            id="without-language",
        ),
        rejects(
            add(SPECIFICATION, DCTERMS.language, ISO_ENGLISH),
            spec("dct:language", "EU language authority IRIs"),
            id="language-not-eu-authority",
        ),
        rejects(
            add(SPECIFICATION, ELM.mode, FULL_TIME),
            spec("elm:mode", "Europass mode"),
            id="mode-not-europass",
        ),
        rejects(
            add(SPECIFICATION, ELM.targetGroup, NOT_A_CODE),
            spec("elm:targetGroup", "SKOS concept"),
            id="target-group-not-a-concept",
        ),
        rejects(
            add(SPECIFICATION, SMARCO.aim, SMARCO.partner),
            spec("smarco:aim", "one of the SMARCO aims"),
            id="aim-not-an-aim",
        ),
        rejects(
            replace(CREDITS, ELM.framework, NOT_A_CODE),
            spec("elm:creditPoint", "ECTS or ECVET", MICRO_CREDENTIAL),
            id="credit-framework-unknown",
        ),
        rejects(
            drop(CREDITS, ELM.framework),
            spec("elm:creditPoint", "one framework", MICRO_CREDENTIAL),
            id="credits-without-framework",
        ),
        rejects(
            drop(CREDITS, ELM.point),
            spec("elm:creditPoint", "one number of points", MICRO_CREDENTIAL),
            id="credits-without-points",
        ),
        rejects(
            replace(CREDITS, ELM.point, Literal(3)),
            spec("elm:creditPoint", "number of points", MICRO_CREDENTIAL),
            id="credit-points-as-integer",
        ),
        rejects(
            replace(CREDITS, ELM.point, Literal("three")),
            spec("elm:creditPoint", "number of points", MICRO_CREDENTIAL),
            id="credit-points-not-a-number",
        ),
        rejects(
            untype(CREDITS, ELM.CreditPoint),
            spec("elm:creditPoint", "an elm:CreditPoint", MICRO_CREDENTIAL),
            id="credits-not-typed",
        ),
    ],
)
def test_learning_specification_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def outcome(path: str, says: str) -> Expected:
    return Expected(OUTCOME, path, says)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(drop(OUTCOME, DCTERMS.title), outcome("dct:title", "needs a statement"), id="without-statement"),
        rejects(
            add(OUTCOME, DCTERMS.title, Literal("Manage data", lang="en")),
            outcome("dct:title", "needs a statement"),
            id="two-english-statements",
        ),
        rejects(
            drop(OUTCOME, ELM.relatedESCOSkill),
            outcome("elm:relatedESCOSkill", "at least one ESCO skill"),
            id="without-skill",
        ),
        rejects(
            replace(OUTCOME, ELM.relatedESCOSkill, OCCUPATION),
            outcome("elm:relatedESCOSkill", "http://data.europa.eu/esco/skill/"),
            id="skill-is-an-occupation",
        ),
        rejects(
            replace(OUTCOME, ELM.relatedESCOSkill, Literal("data management")),
            outcome("elm:relatedESCOSkill", "ESCO skill"),
            id="skill-as-text",
        ),
    ],
)
def test_learning_outcome_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def micro(path: str | None, says: str) -> Expected:
    return Expected(MICRO_CREDENTIAL, path, says)


AWARD = at(MICRO_CREDENTIAL, ELM.awardingOpportunity)
ASSESSMENT = at(MICRO_CREDENTIAL, ELM.provenBy)
QUALITY = at(MICRO_CREDENTIAL, ELM.accreditation)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(
            untype(MICRO_CREDENTIAL, ELM.LearningAchievementSpecification),
            micro(None, "must also be typed elm:LearningAchievementSpecification"),
            course("elm:learningAchievementSpecification", "typed elm:LearningAchievementSpecification"),
            id="not-typed-as-specification",
        ),
        rejects(
            drop(MICRO_CREDENTIAL, ELM.awardingOpportunity),
            micro("elm:awardingOpportunity", "awarding body (Annex I, 4)"),
            id="without-awarding-opportunity",
        ),
        rejects(
            drop(AWARD, ELM.awardingBody),
            micro("elm:awardingOpportunity", "awarding body"),
            id="without-awarding-body",
        ),
        rejects(
            replace(AWARD, ELM.awardingBody, UNKNOWN_ORGANISATION),
            micro("elm:awardingOpportunity", "awarding body"),
            id="awarding-body-unknown",
        ),
        rejects(
            untype(AWARD, ELM.AwardingOpportunity),
            micro("elm:awardingOpportunity", "a elm:AwardingOpportunity"),
            id="awarding-opportunity-not-typed",
        ),
        rejects(
            drop(MICRO_CREDENTIAL, ELM.mode),
            micro("elm:mode", "form of participation (Annex I, 10)"),
            id="without-mode",
        ),
        rejects(
            drop(MICRO_CREDENTIAL, ELM.provenBy),
            micro("elm:provenBy", "type of assessment (Annex I, 9)"),
            id="without-assessment",
        ),
        rejects(
            drop(ASSESSMENT, DCTERMS.type), micro("elm:provenBy", "type of assessment"), id="without-assessment-type"
        ),
        rejects(
            replace(ASSESSMENT, DCTERMS.type, URIRef("http://data.europa.eu/snb/learning-assessment/9191af2ed9")),
            micro("elm:provenBy", "Europass assessment type"),
            id="assessment-type-not-europass",
        ),
        rejects(drop(ASSESSMENT, DCTERMS.title), micro("elm:provenBy", "type of assessment"), id="assessment-untitled"),
        rejects(
            untype(ASSESSMENT, ELM.LearningAssessmentSpecification),
            micro("elm:provenBy", "a elm:LearningAssessmentSpecification"),
            id="assessment-not-typed",
        ),
        rejects(
            drop(MICRO_CREDENTIAL, ELM.accreditation),
            micro("elm:accreditation", "type of quality assurance (Annex I, 11)"),
            id="without-quality-assurance",
        ),
        rejects(
            replace(QUALITY, DCTERMS.type, NOT_A_CODE),
            micro("elm:accreditation", "type of quality assurance"),
            id="quality-assurance-type-not-europass",
        ),
        rejects(
            add(QUALITY, DCTERMS.type, URIRef("http://data.europa.eu/snb/accreditation/003293d2ce")),
            micro("elm:accreditation", "type of quality assurance"),
            id="two-quality-assurance-types",
        ),
        rejects(
            drop(QUALITY, DCTERMS.title),
            micro("elm:accreditation", "type of quality assurance"),
            id="quality-assurance-untitled",
        ),
        rejects(
            drop(QUALITY, ELM.accreditingAgent),
            micro("elm:accreditation", "elm:accreditingAgent"),
            id="without-accrediting-agent",
        ),
        rejects(
            replace(QUALITY, ELM.accreditingAgent, UNKNOWN_ORGANISATION),
            micro("elm:accreditation", "elm:accreditingAgent"),
            id="accrediting-agent-unknown",
        ),
        rejects(
            untype(QUALITY, ELM.Accreditation),
            micro("elm:accreditation", "a elm:Accreditation"),
            id="quality-assurance-not-typed",
        ),
        rejects(
            add(MICRO_CREDENTIAL, SMARCO.stacksInto, SPECIFICATION),
            micro("smarco:stacksInto", "certificates only"),
            id="stacks-into-a-non-certificate",
        ),
    ],
)
def test_micro_credential_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def certificate(path: str | None, says: str) -> Expected:
    return Expected(CERTIFICATE, path, says)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(
            untype(CERTIFICATE, ELM.LearningAchievementSpecification),
            certificate(None, "must also be typed elm:LearningAchievementSpecification"),
            Expected(PATHWAY, "smarco:targetCredential", "must be a certificate or micro-credential"),
            id="not-typed-as-specification",
        ),
        rejects(
            drop(CERTIFICATE, ELM.awardingOpportunity),
            certificate("elm:awardingOpportunity", "A certificate needs its awarding body"),
            id="without-awarding-opportunity",
        ),
        rejects(
            replace(at(CERTIFICATE, ELM.awardingOpportunity), ELM.awardingBody, UNKNOWN_ORGANISATION),
            certificate("elm:awardingOpportunity", "A certificate needs its awarding body"),
            id="awarding-body-unknown",
        ),
        rejects(
            drop(MICRO_CREDENTIAL, SMARCO.stacksInto),
            certificate("^smarco:stacksInto", "at least one micro-credential that stacks into it"),
            id="nothing-stacks-into-it",
        ),
        rejects(
            drop(CERTIFICATE, ELM.creditPoint),
            certificate(None, "needs its workload"),
            id="without-workload",
        ),
    ],
)
def test_certificate_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def test_certificate_stacked_into_by_a_micro_credential_in_the_store_is_accepted(base_kg: KnowledgeGraph) -> None:
    """^smarco:stacksInto is followed into the store, not only the data being written."""
    write(base_kg, variant(), dry_run=False)
    assert write(base_kg, records(CERTIFICATE)).report.problems == []


def organisation(path: str, says: str) -> Expected:
    return Expected(ORGANISATION, path, says)


LOCATION = at(ORGANISATION, ELM.location)
ADDRESS = at(ORGANISATION, ELM.location, ELM.address)
HOME_PAGE = at(ORGANISATION, FOAF.homepage)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(
            drop(ORGANISATION, ROV.legalName), organisation("rov:legalName", "legal name"), id="without-legal-name"
        ),
        rejects(
            replace(ORGANISATION, ROV.legalName, Literal("Cefriel")),
            organisation("rov:legalName", "with a language tag"),
            id="legal-name-without-language",
        ),
        rejects(
            add(ORGANISATION, ROV.legalName, Literal("Cefriel scarl", lang="it")),
            organisation("rov:legalName", "at most one per language"),
            id="two-italian-legal-names",
        ),
        rejects(
            drop(ORGANISATION, ELM.location), organisation("elm:location", "needs a location"), id="without-location"
        ),
        rejects(
            untype(LOCATION, DCTERMS.Location), organisation("elm:location", "a dct:Location"), id="location-not-typed"
        ),
        rejects(
            drop(LOCATION, ELM.address), organisation("elm:location", "elm:address"), id="location-without-address"
        ),
        rejects(untype(ADDRESS, ELM.Address), organisation("elm:location", "a elm:Address"), id="address-not-typed"),
        rejects(
            drop(ADDRESS, ELM.countryCode), organisation("elm:location", "gives its country"), id="without-country"
        ),
        rejects(
            replace(ADDRESS, ELM.countryCode, URIRef("http://publications.europa.eu/resource/authority/country/IT")),
            organisation("elm:location", "gives its country"),
            id="country-code-two-letters",
        ),
        rejects(
            replace(ADDRESS, ELM.countryCode, Literal("ITA")),
            organisation("elm:location", "gives its country"),
            id="country-as-text",
        ),
        rejects(
            replace(ORGANISATION, SKOS.prefLabel, Literal("Cefriel")),
            organisation("skos:prefLabel", "language tag"),
            id="short-name-without-language",
        ),
        rejects(drop(HOME_PAGE, ELM.contentUrl), organisation("foaf:homepage", "home page"), id="home-page-no-address"),
        rejects(
            replace(HOME_PAGE, ELM.contentUrl, Literal("https://www.cefriel.com/")),
            organisation("foaf:homepage", "elm:contentUrl"),
            id="home-page-address-not-any-uri",
        ),
        rejects(
            replace(HOME_PAGE, ELM.contentUrl, Literal("ftp://cefriel.com/", datatype=XSD.anyURI)),
            organisation("foaf:homepage", "elm:contentUrl"),
            id="home-page-address-not-web",
        ),
        rejects(
            untype(HOME_PAGE, ELM.WebResource),
            organisation("foaf:homepage", "an elm:WebResource"),
            id="home-page-not-typed",
        ),
    ],
)
def test_organisation_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def membership(path: str, says: str) -> Expected:
    return Expected(MEMBERSHIP, path, says)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(
            drop(PARTNERSHIP, SKOS.prefLabel),
            Expected(PARTNERSHIP, "skos:prefLabel", "A partnership needs a name"),
            id="partnership-without-name",
        ),
        rejects(
            replace(PARTNERSHIP, SKOS.prefLabel, Literal("SMARCO")),
            Expected(PARTNERSHIP, "skos:prefLabel", "with a language tag"),
            id="partnership-name-without-language",
        ),
        rejects(drop(MEMBERSHIP, ORG.member), membership("org:member", "one member organisation"), id="without-member"),
        rejects(
            replace(MEMBERSHIP, ORG.member, PARTNERSHIP),
            membership("org:member", "an elm:Organisation"),
            id="member-not-an-organisation",
        ),
        rejects(
            add(MEMBERSHIP, ORG.member, iri("organisation/cefriel-2")),
            membership("org:member", "exactly one member organisation"),
            membership("org:member", "exactly one member organisation"),
            id="two-members",
        ),
        rejects(
            drop(MEMBERSHIP, ORG.organization),
            membership("org:organization", "exactly one partnership"),
            id="without-partnership",
        ),
        rejects(
            replace(MEMBERSHIP, ORG.organization, ORGANISATION),
            membership("org:organization", "a smarco:Partnership"),
            id="partnership-not-a-partnership",
        ),
        rejects(drop(MEMBERSHIP, ORG.role), membership("org:role", "exactly one role"), id="without-role"),
        rejects(
            replace(MEMBERSHIP, ORG.role, SMARCO.resilientCommunities),
            membership("org:role", "smarco:associatedPartner or smarco:stakeholder"),
            id="role-not-a-partnership-role",
        ),
        rejects(
            add(MEMBERSHIP, ORG.role, SMARCO.coordinator),
            membership("org:role", "exactly one role"),
            id="two-roles",
        ),
    ],
)
def test_partnership_or_membership_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def practice(path: str, says: str) -> Expected:
    return Expected(PRACTICE, path, says)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(drop(PRACTICE, DCTERMS.title), practice("dct:title", "needs a title"), id="without-title"),
        rejects(
            drop(PRACTICE, DCTERMS.description),
            practice("dct:description", "needs a description"),
            id="without-description",
        ),
        rejects(
            replace(PRACTICE, DCTERMS.description, Literal("Open data")),
            practice("dct:description", "language tag"),
            id="description-without-language",
        ),
        rejects(
            drop(PRACTICE, SMARCO.contributedBy),
            practice("smarco:contributedBy", "organisation that shares it"),
            id="without-contributor",
        ),
        rejects(
            replace(PRACTICE, SMARCO.contributedBy, UNKNOWN_ORGANISATION),
            practice("smarco:contributedBy", "known to the catalogue"),
            id="contributor-unknown",
        ),
        rejects(
            drop(PRACTICE, SMARCO.relatedSkill),
            practice("smarco:relatedSkill", "at least one ESCO skill"),
            id="without-skill",
        ),
        rejects(
            replace(PRACTICE, SMARCO.relatedSkill, OCCUPATION),
            practice("smarco:relatedSkill", "ESCO skill"),
            id="skill-is-an-occupation",
        ),
        rejects(drop(PRACTICE, SMARCO.aim), practice("smarco:aim", "at least one SMARCO aim"), id="without-aim"),
        rejects(
            replace(PRACTICE, SMARCO.aim, SMARCO.Aims),
            practice("smarco:aim", "SMARCO aim"),
            id="aim-is-the-scheme",
        ),
        rejects(
            replace(PRACTICE, DCTERMS.spatial, Literal("Milan")),
            practice("dct:spatial", "EU country authority IRI"),
            id="place-as-text",
        ),
        rejects(
            drop(at(PRACTICE, FOAF.homepage), ELM.contentUrl),
            practice("foaf:homepage", "web page"),
            id="web-page-without-address",
        ),
        rejects(
            add(PRACTICE, SMARCO.isSampleData, Literal(False)),
            practice("smarco:isSampleData", "a single true or false"),
            id="sample-flag-twice",
        ),
    ],
)
def test_best_practice_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


# -- training pathways -------------------------------------------------------------------------------------------------


def pathway(path: str | None, says: str) -> Expected:
    return Expected(PATHWAY, path, says)


def pathway_step() -> Expected:
    """A step breaking smsh:PathwayStep is reported through sh:node, so in the words of the pathway's smarco:step."""
    return pathway("smarco:step", "Each pathway step is a smarco:PathwayStep")


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        rejects(drop(PATHWAY, DCTERMS.title), pathway("dct:title", "needs a title"), id="without-title"),
        rejects(
            replace(PATHWAY, DCTERMS.description, Literal("Two courses")),
            pathway("dct:description", "language tag"),
            id="description-without-language",
        ),
        rejects(drop(PATHWAY, SMARCO.step), pathway("smarco:step", "at least two steps"), id="without-steps"),
        rejects(
            drop(PATHWAY, SMARCO.step, step(2)),
            pathway("smarco:step", "at least two steps"),
            id="one-step",
        ),
        rejects(drop(step(2), SMARCO.position), pathway_step(), id="step-without-position"),
        rejects(add(step(2), SMARCO.position, Literal(3)), pathway_step(), id="step-with-two-positions"),
        rejects(replace(step(2), SMARCO.position, Literal(0)), pathway_step(), id="step-position-zero"),
        rejects(replace(step(2), SMARCO.position, Literal("2")), pathway_step(), id="step-position-as-text"),
        rejects(
            replace(step(2), SMARCO.position, Literal("1.5", datatype=XSD.decimal)),
            pathway_step(),
            id="step-position-not-whole",
        ),
        rejects(drop(step(2), SMARCO.course), pathway_step(), id="step-without-course"),
        rejects(replace(step(2), SMARCO.course, CERTIFICATE), pathway_step(), id="step-course-not-a-course"),
        rejects(untype(step(2), SMARCO.PathwayStep), pathway_step(), id="step-not-typed"),
        rejects(
            replace(PATHWAY, SMARCO.targetOccupation, ESCO_SKILL),
            pathway("smarco:targetOccupation", "ESCO occupation IRI"),
            id="target-occupation-is-a-skill",
        ),
        rejects(
            replace(PATHWAY, SMARCO.targetCredential, COURSE),
            pathway("smarco:targetCredential", "certificate or micro-credential"),
            id="target-credential-is-a-course",
        ),
        rejects(
            together(drop(PATHWAY, SMARCO.targetOccupation), drop(PATHWAY, SMARCO.targetCredential)),
            pathway(None, "needs a target"),
            id="without-target",
        ),
        rejects(
            replace(PATHWAY, SMARCO.aim, SMARCO.smartCityEngineers),
            pathway("smarco:aim", "one of the SMARCO aims"),
            id="aim-not-an-aim",
        ),
        rejects(
            replace(PATHWAY, SMARCO.isSampleData, Literal("true")),
            pathway("smarco:isSampleData", "xsd:boolean"),
            id="sample-flag-as-text",
        ),
    ],
)
def test_training_pathway_is_rejected(
    base_kg: KnowledgeGraph, edit: Edit, expected: tuple[Expected, ...], shape_messages: set[str]
) -> None:
    assert_violations(violations_of(base_kg, variant(edit)), expected, shape_messages)


def test_pathway_steps_sharing_a_position_are_rejected(base_kg: KnowledgeGraph) -> None:
    """The SPARQL constraint, whose message names the shared position."""
    violations = violations_of(base_kg, variant(replace(step(2), SMARCO.position, Literal(1))))
    assert [(p.focus_node, p.path, p.constraint, p.message) for p in violations] == [
        (
            str(PATHWAY),
            None,
            "sh:SPARQLConstraintComponent",
            "Two steps of this pathway share position 1; each step needs its own place in the order.",
        )
    ]


def test_shapes_that_cannot_be_read_are_the_deployments_fault(tmp_path) -> None:
    """A folder without shapes, or a shapes file that does not parse, is a server error naming the file."""
    with pytest.raises(ShapesError, match="no shapes") as missing:
        ShapesValidator(tmp_path)
    assert missing.value.status == 500 and isinstance(missing.value, ValueError)
    (tmp_path / "broken.ttl").write_text("<urn:x:a> <urn:x:b> .\n", encoding="utf-8")
    with pytest.raises(ShapesError, match=r"broken\.ttl"):
        ShapesValidator(tmp_path)
