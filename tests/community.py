"""The community fixture (``tests/data/community.trig``) and the facts the community tests count by hand.

The facts are read with one plain SELECT through ``/sparql``: every triple of the predicates the community's
figures rest on (and the types they need), so blank nodes keep one name throughout. The tests then count, sum and
join them in Python: no query text is shared with the named queries they check."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from smarco_kg.config import PROJECT_ROOT
from smarco_kg.formats import rdf_syntax
from smarco_kg.store import GraphStore
from tests.server import LiveServer

FIXTURE = Path(__file__).resolve().parent / "data" / "community.trig"
BASE = "https://w3id.org/smarco/"
SMARCO = "https://w3id.org/smarco/ontology#"
SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
ELM = "http://data.europa.eu/snb/model/elm/"
ORG = "http://www.w3.org/ns/org#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
PARTNERSHIP = f"{BASE}partnership/smarco"
DIGITAL = "http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"
GREEN = "http://data.europa.eu/esco/concept-scheme/green"

PREDICATES = [
    *(SMARCO + p for p in ("pledgedBy", "progressReport", "achievement", "againstTarget", "amount", "indicator",
                            "target", "year", "skillCollection", "participants", "revoked", "learnerCountry",
                            "specification", "adoption", "adoptedBy", "relatedSkill")),
    *(SCHEMA + p for p in ("endDate", "startDate", "organizer")),
    *(DCT + p for p in ("spatial", "issued", "modified", "date")),
    *(ELM + p for p in ("awardingBody", "providedBy", "location", "address", "countryCode", "awardingOpportunity")),
    *(ORG + p for p in ("organization", "member", "role", "classification")),
]  # fmt: skip
TYPES = [
    *(SMARCO + t for t in ("Pledge", "Event", "IssuedCredential", "BestPractice", "MicroCredential", "Certificate")),
    ELM + "LearningOpportunity",
    ELM + "LearningAchievementSpecification",
    ORG + "Membership",
]


CATALOGUE_FILES = ("partners.trig", "courses.trig", "credentials.trig", "practices.trig")
"""The demo files the fixture builds on (partners, courses, credentials, practices): loaded alone, so the counts the
tests expect do not move when demo files of the community itself are added."""


def seed(store: GraphStore) -> None:
    """Load the fixture into a store, as trusted data (the community's shapes are not the report's concern)."""
    store.bulk_load(FIXTURE, rdf_syntax("trig"), base_iri=BASE)


def seed_world(store: GraphStore) -> None:
    """The catalogue's demo partners, courses, credentials and practices, then the fixture: into a store holding the
    ontology, code lists and ESCO (the base template)."""
    for name in CATALOGUE_FILES:
        store.bulk_load(PROJECT_ROOT / "data" / name, rdf_syntax("trig"), base_iri=BASE)
    seed(store)


def year_of(value: str) -> int:
    """The year of an xsd:date, xsd:dateTime or xsd:gYear as a store writes it."""
    return int(value.lstrip("-")[:4])


@dataclass
class Facts:
    """Triples as an index: subject and predicate to objects, predicate and object to subjects."""

    forward: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))
    backward: dict[tuple[str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, s: str, p: str, o: str) -> None:
        self.forward[(s, p)].append(o)
        self.backward[(p, o)].append(s)

    def objects(self, s: str, p: str) -> list[str]:
        return self.forward.get((s, p), [])

    def one(self, s: str, p: str) -> str | None:
        found = self.objects(s, p)
        assert len(found) <= 1, (s, p, found)
        return found[0] if found else None

    def subjects(self, p: str, o: str) -> list[str]:
        return self.backward.get((p, o), [])

    def of_type(self, t: str) -> list[str]:
        return sorted(set(self.subjects(RDF_TYPE, t)))

    def country(self, organisation: str) -> set[str]:
        return {
            c
            for location in self.objects(organisation, ELM + "location")
            for address in self.objects(location, ELM + "address")
            for c in self.objects(address, ELM + "countryCode")
        }


def read_facts(server: LiveServer) -> Facts:
    values = " ".join(f"<{p}>" for p in PREDICATES)
    types = " ".join(f"<{t}>" for t in TYPES)
    rows = server.select(
        f"SELECT ?s ?p ?o WHERE {{ {{ VALUES ?p {{ {values} }} ?s ?p ?o }} UNION "
        f"{{ VALUES ?o {{ {types} }} ?s a ?o BIND(<{RDF_TYPE}> AS ?p) }} }}"
    )
    facts = Facts()
    for row in rows:
        facts.add(row["s"], row["p"], row["o"])
    for scheme in (DIGITAL, GREEN):
        for row in server.select(f"SELECT ?s WHERE {{ ?s <{SKOS}inScheme> <{scheme}> }}"):
            facts.add(row["s"], SKOS + "inScheme", scheme)
    return facts


def code(iri: str | None) -> str | None:
    """The report's code for an IRI: its last segment after '#' or '/'."""
    if iri is None:
        return None
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]


def total(values: Iterable[int]) -> int:
    return sum(values)
