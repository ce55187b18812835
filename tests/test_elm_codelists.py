"""SKOS code lists built from the vendored ELM v3 XSDs (real files, no mocks)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from smarco_kg.config import Settings
from smarco_kg.ingest.elm_codelists import CodelistError, codelist_graph, scheme_for

ELM_VENDOR = Settings().elm_dir
CV_DIR = ELM_VENDOR / "xsd" / "loq" / "cv"
XS = "{http://www.w3.org/2001/XMLSchema}"

SNB = "http://data.europa.eu/snb/"
AUTH = "http://publications.europa.eu/resource/authority/"

needs_vendor = pytest.mark.skipif(not CV_DIR.is_dir(), reason=f"vendored ELM XSD code lists not found at {CV_DIR}")


@pytest.fixture(scope="module")
def graph() -> Graph:
    if not CV_DIR.is_dir():
        pytest.skip(f"vendored ELM XSD code lists not found at {CV_DIR}")
    return codelist_graph(CV_DIR)


def _concepts(g: Graph) -> set[URIRef]:
    return set(g.subjects(RDF.type, SKOS.Concept))


def _enumerated_iris(path: Path) -> set[str]:
    root = ET.parse(path).getroot()
    return {e.get("value") for e in root.iter(f"{XS}enumeration") if e.get("value", "").startswith("http")}


# --- known concepts ------------------------------------------------------------------------------


def test_eqf_level_6(graph: Graph) -> None:
    c = URIRef(f"{SNB}eqf/6")
    assert (c, RDF.type, SKOS.Concept) in graph
    assert list(graph.objects(c, SKOS.prefLabel)) == [Literal("Level 6", lang="en")]
    assert list(graph.objects(c, SKOS.inScheme)) == [URIRef(f"{SNB}eqf/25831c2")]
    assert graph.value(c, SKOS.notation) == Literal("6")


def test_ects_credit_system(graph: Graph) -> None:
    c = URIRef(f"{SNB}education-credit/6fcec5c5af")
    assert (c, RDF.type, SKOS.Concept) in graph
    assert graph.value(c, SKOS.prefLabel) == Literal("European Credit Transfer System", lang="en")
    assert graph.value(c, SKOS.inScheme) == URIRef(f"{SNB}education-credit/25831c2")


def test_multiline_label_is_whitespace_normalised(graph: Graph) -> None:
    # credit-points.xsd wraps this label over two lines with indentation.
    c = URIRef(f"{SNB}education-credit/60b314e826")
    assert graph.value(c, SKOS.prefLabel) == Literal(
        "European credit system for vocational education and training", lang="en"
    )


def test_country_belgium(graph: Graph) -> None:
    c = URIRef(f"{AUTH}country/BEL")
    assert (c, RDF.type, SKOS.Concept) in graph
    assert graph.value(c, SKOS.prefLabel) == Literal("Belgium", lang="en")
    assert list(graph.objects(c, SKOS.inScheme)) == [URIRef(f"{AUTH}country")]
    assert graph.value(c, SKOS.notation) == Literal("BEL")


def test_language_english(graph: Graph) -> None:
    c = URIRef(f"{AUTH}language/ENG")
    assert (c, RDF.type, SKOS.Concept) in graph
    assert graph.value(c, SKOS.prefLabel) == Literal("English", lang="en")
    assert graph.value(c, SKOS.inScheme) == URIRef(f"{AUTH}language")


def test_presential_mode(graph: Graph) -> None:
    c = URIRef(f"{SNB}learning-assessment/9191af2ed9")
    assert (c, RDF.type, SKOS.Concept) in graph
    assert graph.value(c, SKOS.prefLabel) == Literal("Presential", lang="en")
    assert graph.value(c, SKOS.inScheme) == URIRef(f"{SNB}learning-assessment/25831c2")


def test_unlabelled_enumeration_is_a_concept_without_empty_label(graph: Graph) -> None:
    # language.xsd has thousands of codes with an empty <xs:documentation/>.
    c = URIRef(f"{AUTH}language/AAA")
    assert (c, RDF.type, SKOS.Concept) in graph
    assert graph.value(c, SKOS.prefLabel) is None
    assert not [o for o in graph.objects(None, SKOS.prefLabel) if not str(o).strip()]


# --- graph-wide invariants -----------------------------------------------------------------------


def test_every_used_scheme_is_a_titled_concept_scheme(graph: Graph) -> None:
    used = set(graph.objects(None, SKOS.inScheme))
    assert used
    typed = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert used == typed
    for scheme in used:
        titles = list(graph.objects(scheme, DCTERMS.title))
        assert len(titles) == 1 and titles[0].language == "en" and str(titles[0]), scheme


def test_every_concept_has_one_scheme_and_notation(graph: Graph) -> None:
    for c in _concepts(graph):
        assert len(list(graph.objects(c, SKOS.inScheme))) == 1, c
        assert list(graph.objects(c, SKOS.notation)) == [Literal(str(c).rsplit("/", 1)[-1])], c
        assert len({lbl.language for lbl in graph.objects(c, SKOS.prefLabel)}) == len(
            list(graph.objects(c, SKOS.prefLabel))
        ), f"more than one prefLabel per language on {c}"


def test_counts(graph: Graph) -> None:
    per_scheme = Counter(graph.objects(None, SKOS.inScheme))
    assert per_scheme[URIRef(f"{SNB}eqf/25831c2")] == 8
    assert per_scheme[URIRef(f"{SNB}learning-assessment/25831c2")] == 6
    assert per_scheme[URIRef(f"{SNB}education-credit/25831c2")] == 2
    assert per_scheme[URIRef(f"{AUTH}country")] == 253
    assert len(per_scheme) == 23
    assert len(_concepts(graph)) == sum(per_scheme.values())


@needs_vendor
def test_scheme_rule_matches_each_xsd_target_namespace(graph: Graph) -> None:
    # The XSDs declare the scheme IRI as targetNamespace: an independent check of scheme_for's rules.
    concepts = _concepts(graph)
    checked = 0
    for path in sorted(CV_DIR.glob("*.xsd")):
        if path.stem in {"nuts", "loq_individuals"}:
            continue
        target = ET.parse(path).getroot().get("targetNamespace")
        iris = _enumerated_iris(path)
        assert iris, path.name
        assert {URIRef(i) for i in iris} <= concepts, path.name
        assert {str(graph.value(URIRef(i), SKOS.inScheme)) for i in iris} == {target}, path.name
        checked += 1
    assert checked == 23


@needs_vendor
def test_iris_outside_both_families_are_skipped(graph: Graph) -> None:
    skipped = _enumerated_iris(CV_DIR / "nuts.xsd") | _enumerated_iris(CV_DIR / "loq_individuals.xsd")
    assert len(skipped) > 2000
    assert not {URIRef(i) for i in skipped} & _concepts(graph)
    assert not [s for s in graph.subjects() if str(s).startswith("http://data.europa.eu/nuts")]


# --- scheme_for ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("concept", "scheme"),
    [
        (f"{SNB}eqf/6", f"{SNB}eqf/25831c2"),
        (f"{SNB}learning-assessment/9191af2ed9", f"{SNB}learning-assessment/25831c2"),
        (f"{SNB}qdr/c_009d9566", f"{SNB}qdr/25831c2"),
        (f"{SNB}isced-f/0613", f"{SNB}isced-f/25831c2"),
        (f"{SNB}dcf/abc123", f"{SNB}dcf/25831c2"),
        (f"{AUTH}country/BEL", f"{AUTH}country"),
        (f"{AUTH}language/ENG", f"{AUTH}language"),
        (f"{AUTH}atu/BEL_ANT", f"{AUTH}atu"),
        (f"{AUTH}file-type/PDF", f"{AUTH}file-type"),
    ],
)
def test_scheme_for(concept: str, scheme: str) -> None:
    assert scheme_for(concept) == scheme


@pytest.mark.parametrize(
    "iri",
    [
        "http://data.europa.eu/nuts/code/BE224",  # NUTS: neither family
        "http://data.europa.eu/esco/skill/abc",  # ESCO
        f"{SNB}status/released",  # not a Europass list named in the vendor notes
        f"{SNB}qualification-topics#assessment",
        f"{SNB}model/elm/LearningOpportunity",  # the ELM vocabulary, not a code list
        f"{SNB}eqf/25831c2",  # a scheme, not a concept
        f"{SNB}eqf/",
        f"{SNB}eqf/6/extra",
        f"{AUTH}country",  # the scheme itself
        f"{AUTH}corporate-body/PUBL",  # authority table not used by ELM
        "https://publications.europa.eu/resource/authority/country/BEL",  # https is a different IRI
        "",
    ],
)
def test_scheme_for_rejects_other_iris(iri: str) -> None:
    with pytest.raises(ValueError):
        scheme_for(iri)


# --- small synthetic inputs and errors -----------------------------------------------------------

_XSD_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">\n'


def test_languages_and_several_labels(tmp_path: Path) -> None:
    (tmp_path / "europass-modes.xsd").write_text(
        _XSD_HEAD
        + """<xs:simpleType name="T"><xs:restriction base="xs:anyURI">
  <xs:enumeration value="http://data.europa.eu/snb/learning-assessment/x1">
    <xs:annotation>
      <xs:documentation>Online</xs:documentation>
      <xs:documentation xml:lang="fr">En ligne</xs:documentation>
      <xs:documentation xml:lang="en">Remote</xs:documentation>
    </xs:annotation>
  </xs:enumeration>
</xs:restriction></xs:simpleType></xs:schema>""",
        encoding="utf-8",
    )
    (tmp_path / "plain-strings.xsd").write_text(
        _XSD_HEAD
        + """<xs:simpleType name="S"><xs:restriction base="xs:string">
  <xs:enumeration value="A"/><xs:enumeration value="B"/>
</xs:restriction></xs:simpleType></xs:schema>""",
        encoding="utf-8",
    )
    g = codelist_graph(tmp_path)
    c = URIRef(f"{SNB}learning-assessment/x1")
    assert _concepts(g) == {c}
    assert set(g.objects(c, SKOS.prefLabel)) == {Literal("Online", lang="en"), Literal("En ligne", lang="fr")}
    assert set(g.objects(c, SKOS.altLabel)) == {Literal("Remote", lang="en")}
    scheme = URIRef(f"{SNB}learning-assessment/25831c2")
    assert set(g.subjects(RDF.type, SKOS.ConceptScheme)) == {scheme}
    assert g.value(scheme, DCTERMS.title) == Literal("Europass modes", lang="en")


def test_malformed_xsd_raises_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken-list.xsd"
    bad.write_text(_XSD_HEAD + '<xs:enumeration value="http://data.europa.eu/snb/eqf/1">', encoding="utf-8")
    with pytest.raises(CodelistError, match=re.escape(bad.name)):
        codelist_graph(tmp_path)


def test_missing_directory_raises(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    with pytest.raises(CodelistError, match="no-such-dir"):
        codelist_graph(missing)
    assert issubclass(CodelistError, ValueError)
