"""What the dashboard should show, counted independently of its named queries: plain SELECTs of the raw facts
sent to ``/sparql``, each figure then counted here in Python (no query text shared with ``queries/``)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from openpyxl import load_workbook

from smarco_kg.formats import rdf_syntax
from smarco_kg.store import GraphStore

COMMUNITY = Path(__file__).resolve().parent / "data" / "community.trig"
BASE = "https://w3id.org/smarco/"

PREFIXES = """PREFIX smarco: <https://w3id.org/smarco/ontology#>
PREFIX elm: <http://data.europa.eu/snb/model/elm/>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX schema: <https://schema.org/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""
DIGITAL = "http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"
GREEN = "http://data.europa.eu/esco/concept-scheme/green"
Select = Callable[[str], list[dict[str, str]]]


def load_community(store: GraphStore) -> None:
    """The community fixture (issue 20's vocabulary) over whatever the store holds."""
    store.bulk_load(COMMUNITY, rdf_syntax("trig"), base_iri=BASE)


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value else None


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


def expected(select: Select, year: int) -> dict[str, Counts]:
    """The figures per dimension ("total", "aims", "partners", "countries") for ``year``."""
    aims: dict[str, set[str]] = defaultdict(set)
    for r in select(PREFIXES + "SELECT ?x ?aim WHERE { ?x smarco:aim ?aim }"):
        aims[r["x"]].add(r["aim"])
    countries: dict[str, set[str]] = defaultdict(set)
    for r in select(PREFIXES + "SELECT ?o ?c WHERE { ?o elm:location ?l . ?l elm:address ?a . ?a elm:countryCode ?c }"):
        countries[r["o"]].add(r["c"])
    dims = {d: Counts() for d in ("total", "aims", "partners", "countries")}

    def count(measure: str, item: object, organisation: str, subject: str) -> None:
        dims["total"].add(measure, {""}, item)
        dims["aims"].add(measure, aims.get(subject, set()), item)
        dims["partners"].add(measure, {organisation}, item)
        dims["countries"].add(measure, countries.get(organisation, set()), item)

    def offered(issued: str | None) -> bool:
        return issued is None or _year(issued) <= year  # type: ignore[operator]

    courses = select(PREFIXES + "SELECT ?c ?o ?i WHERE { ?c a elm:LearningOpportunity . ?c elm:providedBy ?o . "
                     "OPTIONAL { ?c dct:issued ?i } }")  # fmt: skip
    for r in courses:
        if offered(r.get("i")):
            count("courses", r["c"], r["o"], r["c"])
    for kind, measure in (("MicroCredential", "microCredentials"), ("Certificate", "certificates")):
        for r in select(PREFIXES + f"SELECT ?s ?o ?i WHERE {{ ?s a smarco:{kind} . ?s elm:awardingOpportunity ?w . "
                        "?w elm:awardingBody ?o OPTIONAL { ?s dct:issued ?i } }"):  # fmt: skip
            if offered(r.get("i")):
                count(measure, r["s"], r["o"], r["s"])
    for r in select(PREFIXES + "SELECT ?c ?o ?s ?d ?rev WHERE { ?c a smarco:IssuedCredential ; elm:awardingBody ?o ; "
                    "smarco:specification ?s ; dct:issued ?d OPTIONAL { ?c smarco:revoked ?rev } }"):  # fmt: skip
        if _year(r["d"]) == year:
            count("credentialsIssued", r["c"], r["o"], r["s"])
            if not r.get("rev"):
                count("learnersReached", (r["c"], 1), r["o"], r["s"])
    for r in select(
        PREFIXES + "SELECT ?e ?o ?d WHERE { ?e a smarco:Event ; schema:organizer ?o ; schema:startDate ?d }"
    ):
        if _year(r["d"]) == year:
            count("events", r["e"], r["o"], r["e"])
    for r in select(PREFIXES + "SELECT ?e ?o ?d ?p ?n WHERE { ?e a smarco:Event ; schema:organizer ?o ; "
                    "schema:startDate ?d ; smarco:participants ?p . ?p smarco:amount ?n }"):  # fmt: skip
        if _year(r["d"]) == year:
            count("participants", (r["p"], int(r["n"])), r["o"], r["e"])
            count("learnersReached", (r["p"], int(r["n"])), r["o"], r["e"])
    for r in select(PREFIXES + "SELECT ?p ?o ?i WHERE { ?p a smarco:BestPractice ; smarco:contributedBy ?o "
                    "OPTIONAL { ?p dct:issued ?i } }"):  # fmt: skip
        if offered(r.get("i")):
            count("practicesShared", r["p"], r["o"], r["p"])
    for r in select(PREFIXES + "SELECT ?p ?o ?a ?d WHERE { ?p a smarco:BestPractice ; smarco:contributedBy ?o ; "
                    "smarco:adoption ?a . ?a dct:date ?d }"):  # fmt: skip
        if _year(r["d"]) == year:
            count("practicesAdopted", r["a"], r["o"], r["p"])
    members = {scheme: {r["s"] for r in select(PREFIXES + f"SELECT ?s WHERE {{ ?s skos:inScheme <{scheme}> }}")}
               for scheme in (DIGITAL, GREEN)}  # fmt: skip
    up: dict[str, set[str]] = defaultdict(set)
    for r in select(PREFIXES + "SELECT DISTINCT ?t ?b WHERE { ?c a elm:LearningOpportunity ; "
                    "elm:learningAchievementSpecification ?x . ?x elm:learningOutcome ?l . "
                    "?l elm:relatedESCOSkill ?t . ?t skos:broader* ?b }"):  # fmt: skip
        up[r["t"]].add(r["b"])
    for r in select(PREFIXES + "SELECT ?c ?o ?t ?i WHERE { ?c a elm:LearningOpportunity ; elm:providedBy ?o ; "
                    "elm:learningAchievementSpecification ?x . ?x elm:learningOutcome ?l . ?l elm:relatedESCOSkill ?t "
                    "OPTIONAL { ?c dct:issued ?i } }"):  # fmt: skip
        if offered(r.get("i")):
            for skill in up[r["t"]] | {r["t"]}:
                for scheme, measure in ((DIGITAL, "digitalSkills"), (GREEN, "greenSkills")):
                    if skill in members[scheme]:
                        count(measure, skill, r["o"], r["c"])
    dims["sizes"] = Counts()
    dims["sizes"].items["digital"][""] = members[DIGITAL]
    dims["sizes"].items["green"][""] = members[GREEN]
    return dims


def pledges(select: Select, year: int) -> dict[str, tuple[str, int, int]]:
    """target -> (its indicator, amount pledged, achieved) for the targets of ``year``."""
    found: dict[str, tuple[str, int]] = {}
    achieved: dict[str, int] = defaultdict(int)
    for r in select(PREFIXES + "SELECT ?t ?i ?n ?y WHERE { ?p a smarco:Pledge ; smarco:target ?t . "
                    "?t smarco:amount ?n ; smarco:year ?y ; smarco:indicator ?i }"):  # fmt: skip
        if int(r["y"][:4]) == year:
            found[r["t"]] = (r["i"], int(r["n"]))
    for r in select(PREFIXES + "SELECT ?a ?t ?n WHERE { ?p smarco:progressReport ?r . ?r smarco:achievement ?a . "
                    "?a smarco:againstTarget ?t ; smarco:amount ?n }"):  # fmt: skip
        achieved[r["t"]] += int(r["n"])
    return {t: (i, n, achieved[t]) for t, (i, n) in found.items()}


def stakeholders(select: Select, year: int) -> int:
    rows = select(PREFIXES + "SELECT ?o ?d WHERE { ?m org:role smarco:stakeholder ; org:member ?o "
                  "OPTIONAL { ?m schema:startDate ?d } }")  # fmt: skip
    return len({r["o"] for r in rows if not r.get("d") or int(r["d"][:4]) <= year})


def events_by_type(select: Select, year: int) -> dict[str, tuple[int, int]]:
    """type IRI -> (events, participants)."""
    events: dict[str, set[str]] = defaultdict(set)
    people: dict[str, int] = defaultdict(int)
    for r in select(PREFIXES + "SELECT ?e ?t ?d WHERE { ?e a smarco:Event ; dct:type ?t ; schema:startDate ?d }"):
        if _year(r["d"]) == year:
            events[r["t"]].add(r["e"])
    for r in select(PREFIXES + "SELECT ?p ?t ?n ?d WHERE { ?e a smarco:Event ; dct:type ?t ; schema:startDate ?d ; "
                    "smarco:participants ?p . ?p smarco:amount ?n }"):  # fmt: skip
        if _year(r["d"]) == year:
            people[r["t"]] += int(r["n"])
    return {t: (len(events[t]), people[t]) for t in events}


# -- reading what the server answers ------------------------------------------------------------------------------


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
    return [["" if v is None else _text(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _text(value: object) -> str:
    return str(value)
