"""The SMARCO ontology: metadata, and every own term labelled, explained and aligned to a standard vocabulary."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef
from rdflib.namespace import DCTERMS

from smarco_kg.config import Settings
from smarco_kg.namespaces import SMARCO

ONTOLOGY = URIRef("https://w3id.org/smarco/ontology")
ALIGNMENTS = (RDFS.subClassOf, RDFS.subPropertyOf, SKOS.exactMatch, SKOS.closeMatch)
STANDARDS = (
    "http://data.europa.eu/snb/model/elm/",
    "http://data.europa.eu/esco/",
    "https://schema.org/",
    "http://www.w3.org/ns/org#",
    "http://www.w3.org/ns/dcat#",
    "http://purl.org/dc/terms/",
    "http://data.europa.eu/snb/",
)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(Settings().ontology_dir / "smarco.ttl")


def own_terms(graph: Graph) -> list[URIRef]:
    return sorted({s for s in graph.subjects() if isinstance(s, URIRef) and s.startswith(str(SMARCO))})


def test_ontology_metadata_names_title_version_licence_and_creator(ontology: Graph) -> None:
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology
    for prop in (DCTERMS.title, OWL.versionInfo, DCTERMS.license, DCTERMS.creator):
        assert ontology.value(ONTOLOGY, prop) is not None, prop


def test_the_terms_the_foundation_needs_are_minted(ontology: Graph) -> None:
    needed = {
        "BestPractice", "TrainingPathway", "stacksInto", "Partnership", "PartnershipRole", "coordinator",
        "partner", "associatedPartner", "smartCityEngineers", "plannersProcurers", "resilientCommunities",
        "flexibleRecognisedLearning", "communityOfStakeholders",
    }  # fmt: skip
    assert needed <= {term.removeprefix(str(SMARCO)) for term in own_terms(ontology)}


@pytest.mark.parametrize("prop", [RDFS.label, RDFS.comment])
def test_every_own_term_is_labelled_and_explained_in_english(ontology: Graph, prop: URIRef) -> None:
    missing = [
        term
        for term in own_terms(ontology)
        if not any(getattr(o, "language", None) == "en" for o in ontology.objects(term, prop))
    ]
    assert missing == []


def test_every_own_term_is_aligned_to_a_standard_vocabulary(ontology: Graph) -> None:
    unaligned = [
        term
        for term in own_terms(ontology)
        if not any(str(o).startswith(STANDARDS) for a in ALIGNMENTS for o in ontology.objects(term, a))
    ]
    assert unaligned == []
