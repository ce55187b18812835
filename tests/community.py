"""The community fixture (``tests/data/community.trig``) and the facts the community's tests count by hand.

The facts are read with plain SELECTs through ``/sparql``: every triple of the predicates the community's figures
rest on (and the types they need) in one query, so blank nodes keep one name throughout, and the ESCO collections and
hierarchy beside it. The tests then count, sum and join them in Python: no query text is shared with the named
queries (``queries/``) whose answers they check."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import NamedTuple

from openpyxl import load_workbook

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
                            "specification", "adoption", "adoptedBy", "relatedSkill", "aim", "contributedBy")),
    *(SCHEMA + p for p in ("endDate", "startDate", "organizer")),
    *(DCT + p for p in ("spatial", "issued", "modified", "date", "type")),
    *(ELM + p for p in ("awardingBody", "providedBy", "location", "address", "countryCode", "awardingOpportunity",
                        "learningAchievementSpecification", "learningOutcome", "relatedESCOSkill")),
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
report's tests expect do not move when demo files of the community itself are added."""


def load_community(store: GraphStore) -> None:
    """Load the fixture into a store, as trusted data: its conformance to the shapes is checked once, by a test of
    its own, not on every load."""
    store.bulk_load(FIXTURE, rdf_syntax("trig"), base_iri=BASE)


def seed_world(store: GraphStore) -> None:
    """The catalogue's demo partners, courses, credentials and practices, then the fixture: into a store holding the
    ontology, code lists and ESCO (the base template)."""
    for name in CATALOGUE_FILES:
        store.bulk_load(PROJECT_ROOT / "data" / name, rdf_syntax("trig"), base_iri=BASE)
    load_community(store)


def year_of(value: str) -> int:
    """The year of an xsd:date, xsd:dateTime or xsd:gYear as a store writes it."""
    return int(value.lstrip("-")[:4])


def code(iri: str | None) -> str | None:
    """The report's code for an IRI: its last segment after '#' or '/'."""
    if iri is None:
        return None
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rsplit("/", 1)[-1]


# -- the raw facts -------------------------------------------------------------------------------------------------


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

    def broader(self, concept: str) -> set[str]:
        """The concept and every concept above it (``skos:broader*``)."""
        found, todo = {concept}, [concept]
        while todo:
            for parent in self.objects(todo.pop(), SKOS + "broader"):
                if parent not in found:
                    found.add(parent)
                    todo.append(parent)
        return found


def read_facts(server: LiveServer) -> Facts:
    """What the server holds now: the community's triples, the ESCO collections' members and ESCO's hierarchy."""
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
    for row in server.select(f"SELECT ?s ?o WHERE {{ ?s <{SKOS}broader> ?o }}"):
        facts.add(row["s"], SKOS + "broader", row["o"])
    return facts


# -- what several figures rest on ----------------------------------------------------------------------------------


class Target(NamedTuple):
    pledge: str
    indicator: str
    amount: int
    achieved: int


def targets(facts: Facts, year: int) -> dict[str, Target]:
    """The pledges' targets for ``year``, each with what the pledge's progress reports achieved against it (in any
    period)."""
    found: dict[str, Target] = {}
    for pledge in facts.of_type(SMARCO + "Pledge"):
        achievements = [
            a
            for r in facts.objects(pledge, SMARCO + "progressReport")
            for a in facts.objects(r, SMARCO + "achievement")
        ]
        for target in facts.objects(pledge, SMARCO + "target"):
            if year_of(facts.one(target, SMARCO + "year") or "0") != year:
                continue
            achieved = sum(
                int(facts.one(a, SMARCO + "amount") or 0)
                for a in achievements
                if facts.one(a, SMARCO + "againstTarget") == target
            )
            indicator = facts.one(target, SMARCO + "indicator") or ""
            found[target] = Target(pledge, indicator, int(facts.one(target, SMARCO + "amount") or 0), achieved)
    return found


def memberships(facts: Facts, year: int | None) -> list[tuple[str, str]]:
    """(organisation, role) for each membership of the partnership started by the end of ``year`` (any year if
    None) or without a start."""
    found: list[tuple[str, str]] = []
    for membership in facts.of_type(ORG + "Membership"):
        if PARTNERSHIP not in facts.objects(membership, ORG + "organization"):
            continue
        starts = facts.objects(membership, SCHEMA + "startDate")
        if year is not None and starts and not all(year_of(s) <= year for s in starts):
            continue
        for organisation in facts.objects(membership, ORG + "member"):
            found.extend((organisation, role) for role in facts.objects(membership, ORG + "role"))
    return found


def events_in(facts: Facts, year: int) -> list[str]:
    """The events starting in ``year``."""
    return [
        e
        for e in facts.of_type(SMARCO + "Event")
        if any(year_of(d) == year for d in facts.objects(e, SCHEMA + "startDate"))
    ]


class Participants(NamedTuple):
    event: str
    group: str  # the participant count's node: two groups of one size are two groups
    country: str | None
    amount: int


def participants_in(facts: Facts, year: int) -> list[Participants]:
    """The participant counts of the events starting in ``year``."""
    return [
        Participants(event, group, facts.one(group, DCT + "spatial"), int(facts.one(group, SMARCO + "amount") or 0))
        for event in events_in(facts, year)
        for group in facts.objects(event, SMARCO + "participants")
    ]


def credentials_in(facts: Facts, year: int) -> list[str]:
    """The register's credentials issued in ``year`` (revoked ones too)."""
    return [
        c
        for c in facts.of_type(SMARCO + "IssuedCredential")
        if any(year_of(d) == year for d in facts.objects(c, DCT + "issued"))
    ]


# -- the dashboard's figures ---------------------------------------------------------------------------------------


@dataclass
class Counts:
    """measure -> member ('' for the whole partnership) -> a set of counted things, or a sum."""

    items: dict[str, dict[str, set]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(set)))

    def add(self, measure: str, members: set[str], item: object) -> None:
        for member in members:
            self.items[measure][member].add(item)

    def value(self, measure: str, member: str) -> int:
        found = self.items[measure].get(member, set())
        if measure in ("participants", "learnersReached"):
            return sum(amount for _, amount in found)
        return len(found)


def expected(facts: Facts, year: int) -> dict[str, Counts]:
    """The dashboard's figures per dimension ("total", "aims", "partners", "countries") for ``year``, and the ESCO
    collections' "sizes"."""
    dims = {d: Counts() for d in ("total", "aims", "partners", "countries")}

    def count(measure: str, item: object, organisation: str, subject: str) -> None:
        dims["total"].add(measure, {""}, item)
        dims["aims"].add(measure, set(facts.objects(subject, SMARCO + "aim")), item)
        dims["partners"].add(measure, {organisation}, item)
        dims["countries"].add(measure, facts.country(organisation), item)

    def offered(subject: str) -> bool:
        """In the catalogue by the end of the year: issued by then, or with no day of issue."""
        issued = facts.objects(subject, DCT + "issued")
        return not issued or any(year_of(d) <= year for d in issued)

    members = {scheme: set(facts.subjects(SKOS + "inScheme", scheme)) for scheme in (DIGITAL, GREEN)}
    for course in filter(offered, facts.of_type(ELM + "LearningOpportunity")):
        taught = {
            skill
            for specification in facts.objects(course, ELM + "learningAchievementSpecification")
            for outcome in facts.objects(specification, ELM + "learningOutcome")
            for related in facts.objects(outcome, ELM + "relatedESCOSkill")
            for skill in facts.broader(related)
        }
        for organisation in facts.objects(course, ELM + "providedBy"):
            count("courses", course, organisation, course)
            for scheme, measure in ((DIGITAL, "digitalSkills"), (GREEN, "greenSkills")):
                for skill in taught & members[scheme]:
                    count(measure, skill, organisation, course)
    for kind, measure in (("MicroCredential", "microCredentials"), ("Certificate", "certificates")):
        for credential in filter(offered, facts.of_type(SMARCO + kind)):
            for opportunity in facts.objects(credential, ELM + "awardingOpportunity"):
                for organisation in facts.objects(opportunity, ELM + "awardingBody"):
                    count(measure, credential, organisation, credential)
    for credential in credentials_in(facts, year):
        for organisation in facts.objects(credential, ELM + "awardingBody"):
            for specification in facts.objects(credential, SMARCO + "specification"):
                count("credentialsIssued", credential, organisation, specification)
                if not facts.objects(credential, SMARCO + "revoked"):
                    count("learnersReached", (credential, 1), organisation, specification)
    for event in events_in(facts, year):
        for organisation in facts.objects(event, SCHEMA + "organizer"):
            count("events", event, organisation, event)
    for group in participants_in(facts, year):
        for organisation in facts.objects(group.event, SCHEMA + "organizer"):
            count("participants", (group.group, group.amount), organisation, group.event)
            count("learnersReached", (group.group, group.amount), organisation, group.event)
    for practice in facts.of_type(SMARCO + "BestPractice"):
        for organisation in facts.objects(practice, SMARCO + "contributedBy"):
            if offered(practice):
                count("practicesShared", practice, organisation, practice)
            for adoption in facts.objects(practice, SMARCO + "adoption"):
                if any(year_of(d) == year for d in facts.objects(adoption, DCT + "date")):
                    count("practicesAdopted", adoption, organisation, practice)
    dims["sizes"] = Counts()
    dims["sizes"].items["digital"][""] = members[DIGITAL]
    dims["sizes"].items["green"][""] = members[GREEN]
    return dims


def stakeholders(facts: Facts, year: int) -> int:
    """The organisations that are the partnership's stakeholders by the end of ``year``."""
    return len({o for o, role in memberships(facts, year) if role == SMARCO + "stakeholder"})


def events_by_type(facts: Facts, year: int) -> dict[str, tuple[int, int]]:
    """type IRI -> (events, participants) for the events starting in ``year``."""
    events: dict[str, set[str]] = defaultdict(set)
    people: dict[str, int] = defaultdict(int)
    for event in events_in(facts, year):
        for kind in facts.objects(event, DCT + "type"):
            events[kind].add(event)
    for group in participants_in(facts, year):
        for kind in facts.objects(group.event, DCT + "type"):
            people[kind] += group.amount
    return {t: (len(events[t]), people[t]) for t in events}


# -- reading what the dashboard answers ----------------------------------------------------------------------------


class Tables(HTMLParser):
    """The page's tables by their data-table name: rows of cells, a numeric cell read from its data-value."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.summary: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self.ids: dict[str, list[str]] = {}
        self._cell: list[str] | None = None
        self._value: str | None = None
        self._measure: str | None = None
        self._in_dd = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
            if a.get("data-id") is not None:
                self.ids.setdefault(self._table, []).append(a["data-id"] or "")
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._value = [], a.get("data-value")
        elif tag == "div" and a.get("data-measure"):
            self._measure = a["data-measure"]
        elif tag == "dd" and self._measure:
            self._in_dd, self.summary[self._measure] = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(self._value if self._value is not None else "".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "dd":
            self._in_dd, self._measure = False, None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_dd and self._measure:
            self.summary[self._measure] += data


def page_tables(html: str) -> Tables:
    parser = Tables()
    parser.feed(html)
    return parser


def csv_rows(body: bytes) -> list[list[str]]:
    """The cells, with decimal commas read back as points (the download is written for Excel in Europe)."""
    rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    return [[re.sub(r"^(-?\d+),(\d+)$", r"\1.\2", cell) for cell in row] for row in rows]


def xlsx_rows(body: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
