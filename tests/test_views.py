"""What pages for people derive from the shapes and the class entries: every fact a shape declares has a name in
the pages' messages, and each collection's columns come from its entry's summary."""

from __future__ import annotations

from rdflib import SH, URIRef

from smarco_kg.catalogue import Catalogue
from smarco_kg.catalogue.vocabulary import shapes_graph
from smarco_kg.config import Settings
from smarco_kg.web.lists import columns
from smarco_kg.web.reading import NAMES, fact_properties
from tests.test_messages import catalogue as messages

BASE = "https://w3id.org/smarco/"


def test_every_fact_a_shape_or_entry_declares_is_named_and_translated() -> None:
    catalogue = Catalogue(BASE, Settings().shapes_dir)
    targets = {t for t in shapes_graph(catalogue.shapes_dir).objects(None, SH.targetClass) if isinstance(t, URIRef)}
    shown: set[URIRef] = set()
    for target in targets:
        shown.update(fact_properties(catalogue, [target]))
    for entry in catalogue:
        shown.update(fact_properties(catalogue, entry.classes, entry))
    unnamed = sorted(str(p) for p in shown if p not in NAMES)
    assert unnamed == [] or set(unnamed) <= _MACHINE_ONLY, unnamed
    for language in ("es", "el", "it"):
        translated = messages(language)
        assert all(translated.get(NAMES[p]) for p in shown if p in NAMES), language


# Properties of shapes no page for people shows as a member's fact (the dataset description, memberships,
# pathway steps and web resources, which pages read through their owners).
_MACHINE_ONLY = {
    "http://rdfs.org/ns/void#subset",
    "http://rdfs.org/ns/void#triples",
    "http://rdfs.org/ns/void#classPartition",
    "http://rdfs.org/ns/void#sparqlEndpoint",
    "http://purl.org/dc/terms/license",
    "http://purl.org/dc/terms/publisher",
    "http://www.w3.org/ns/dcat#distribution",
    "http://www.w3.org/ns/dcat#accessURL",
    "http://www.w3.org/ns/org#organization",
    "http://www.w3.org/ns/org#role",
    "http://www.w3.org/ns/org#member",
    "https://w3id.org/smarco/ontology#position",
    "https://w3id.org/smarco/ontology#course",
    "http://data.europa.eu/snb/model/elm/contentUrl",
    "http://data.europa.eu/snb/model/elm/address",
    "http://data.europa.eu/snb/model/elm/countryCode",
    "http://data.europa.eu/snb/model/elm/framework",
    "http://data.europa.eu/snb/model/elm/point",
    "http://data.europa.eu/snb/model/elm/awardingBody",
    "http://data.europa.eu/snb/model/elm/accreditingAgent",
    "http://purl.org/dc/terms/type",
    # the register of issued credentials: counted on the dashboard and listed by REST, no page shows an entry
    "http://purl.org/dc/terms/conformsTo",
    "https://w3id.org/smarco/ontology#learnerCountry",
    "https://w3id.org/smarco/ontology#revoked",
    "https://w3id.org/smarco/ontology#specification",
    "https://w3id.org/smarco/ontology#statusListIndex",
}


def test_the_course_list_shows_the_columns_its_entry_summarises() -> None:
    catalogue = Catalogue(BASE, Settings().shapes_dir)
    names = [column.name for column in columns(catalogue.entry("courses"))]
    assert names == ["Provider", "Level", "Credits", "Languages of instruction", "Mode"]
    assert [c.name for c in columns(catalogue.entry("pathways"))] == ["Prepares for", "Leads to"]
