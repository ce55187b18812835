"""The dashboard's figures for a year (and optionally one organisation), read from the named queries
``queries/dashboard-*.rq`` so that a researcher reproduces each one over SPARQL (the server keeps them per write
generation: ``smarco_kg.generation_cache``).

A figure is a whole number: a count (courses, credentials, events…) or a sum (participants, learners reached).
The definitions are the queries' own descriptions; this module only runs them and arranges their rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from smarco_kg.catalogue.read import labels_query
from smarco_kg.catalogue.vocabulary import LABEL_PROPERTIES
from smarco_kg.errors import BadParameter
from smarco_kg.namespaces import SMARCO
from smarco_kg.queries import QueryRegistry
from smarco_kg.store import GraphStore

MEASURES = (
    "courses",
    "microCredentials",
    "certificates",
    "credentialsIssued",
    "learnersReached",
    "digitalSkills",
    "greenSkills",
    "events",
    "participants",
    "practicesShared",
    "practicesAdopted",
)
"""The figures of ``dashboard-figures-*.rq``, in the order the dashboard shows them."""

DIMENSIONS = {"aims": "aim", "partners": "organisation", "countries": "country"}
"""The dashboard's breakdowns: the table's name -> the variable its query groups by."""
QUERIES = {"aims": "dashboard-figures-per-aim", "partners": "dashboard-figures-per-partner",
           "countries": "dashboard-figures-per-country"}  # fmt: skip
TOTAL = "dashboard-figures-total"
PLEDGES, STAKEHOLDERS, EVENTS, COLLECTIONS = (
    "dashboard-pledges",
    "dashboard-stakeholders",
    "dashboard-events-per-type",
    "dashboard-skill-collections",
)
FIRST_YEAR, LAST_YEAR = 2000, 2100
PARTNER_ROLES = (SMARCO.coordinator, SMARCO.partner, SMARCO.associatedPartner)


def parse_year(value: str | None, today: date | None = None) -> int:
    """``?year=``: a year from 2000 to 2100; absent or empty, the current year; anything else a 422."""
    if value is None or not value.strip():
        return (today or date.today()).year
    text = value.strip()
    if not (text.isascii() and text.isdigit()) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise BadParameter("year", value, f"a year from {FIRST_YEAR} to {LAST_YEAR}, such as 2026")
    return int(text)


@dataclass(frozen=True)
class PledgeTarget:
    pledge: str
    organisation: str
    target: str
    indicator: str
    amount: int
    achieved: int


@dataclass
class Figures:
    """Everything the dashboard (or one organisation's page) shows for a year; labels in every language."""

    year: int
    organisation: str | None
    total: dict[str, int]
    by: dict[str, dict[str, dict[str, int]]]  # dimension -> member IRI -> measure -> value
    collections: dict[str, int]  # "digital" / "green" -> skills in the ESCO collection
    pledges: list[PledgeTarget]
    stakeholders: dict[str, int]  # stakeholder type IRI -> stakeholders
    events: dict[str, tuple[int, int]]  # event type IRI -> (events, participants)
    partners: list[str]  # the partnership's members with a partner role, for rows that are all zero
    labels: dict[str, list[Literal]] = field(default_factory=dict)

    def value(self, measure: str, dimension: str | None = None, member: str | None = None) -> int:
        if dimension is None:
            return self.total.get(measure, 0)
        return self.by.get(dimension, {}).get(member or "", {}).get(measure, 0)


def _int(node: Node | None) -> int:
    try:
        return int(float(str(node))) if node is not None else 0
    except ValueError:
        return 0


def _rows(store: GraphStore, queries: QueryRegistry, name: str, bindings: Mapping[str, Node]) -> list[dict]:
    query = queries[name]
    wanted = {p.name for p in query.parameters}
    bound = {k: v for k, v in bindings.items() if k in wanted}
    return list(store.query(query.text, union_default_graph=True, bindings=bound).rows())


def _measures(rows: list[dict], key: str | None) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        member = str(row.get(key)) if key else ""
        if key and row.get(key) is None:
            continue
        found.setdefault(member, {})[str(row["measure"])] = _int(row.get("value"))
    return found


def _partners(store: GraphStore) -> list[str]:
    roles = " ".join(f"<{r}>" for r in PARTNER_ROLES)
    query = f"""SELECT DISTINCT ?organisation WHERE {{
  ?membership <http://www.w3.org/ns/org#organization> ?partnership ; <http://www.w3.org/ns/org#member> ?organisation ;
              <http://www.w3.org/ns/org#role> ?role .
  ?partnership a <{SMARCO.Partnership}> . VALUES ?role {{ {roles} }} }}"""
    return sorted(str(row["organisation"]) for row in store.query(query, union_default_graph=True).rows())


def _labels(store: GraphStore, nodes: Sequence[str]) -> dict[str, list[Literal]]:
    """Every label of ``nodes``, of the first label property each has (as the pages name linked resources)."""
    found: dict[str, dict[Node, list[Literal]]] = {}
    for start in range(0, len(nodes), 200):
        chunk = [URIRef(n) for n in nodes[start : start + 200]]
        for row in store.query(labels_query(chunk), union_default_graph=True).rows():
            label = row.get("lo")
            if isinstance(label, Literal):
                found.setdefault(str(row["x"]), {}).setdefault(row["lp"], []).append(label)
    return {node: next(by[p] for p in LABEL_PROPERTIES if p in by) for node, by in found.items() if by}


def compute(store: GraphStore, queries: QueryRegistry, year: int, organisation: str | None = None) -> Figures:
    """The figures for ``year``: the partnership's (``organisation`` None) or one organisation's."""
    bindings: dict[str, Node] = {"year": Literal(str(year), datatype=XSD.integer)}
    if organisation is not None:
        bindings["organisation"] = URIRef(organisation)
        total = _measures(_rows(store, queries, QUERIES["partners"], bindings), "organisation").get(organisation, {})
        by: dict[str, dict[str, dict[str, int]]] = {}
    else:
        total = _measures(_rows(store, queries, TOTAL, bindings), None).get("", {})
        by = {d: _measures(_rows(store, queries, QUERIES[d], bindings), DIMENSIONS[d]) for d in QUERIES}
    collections = {str(r["collection"]): _int(r.get("skills")) for r in _rows(store, queries, COLLECTIONS, {})}
    pledges = [
        PledgeTarget(
            str(r["pledge"]),
            str(r["organisation"]),
            str(r["target"]),
            str(r["indicator"]),
            _int(r.get("amount")),
            _int(r.get("achievedTotal")),
        )
        for r in _rows(store, queries, PLEDGES, bindings)
    ]
    stakeholders = {str(r["type"]): _int(r.get("stakeholders")) for r in _rows(store, queries, STAKEHOLDERS, bindings)}
    events: dict[str, tuple[int, int]] = {}
    for r in _rows(store, queries, EVENTS, bindings):  # one row per organiser and type: summed over organisers
        held, came = events.get(str(r["type"]), (0, 0))
        events[str(r["type"])] = (held + _int(r.get("events")), came + _int(r.get("participants")))
    partners = _partners(store) if organisation is None else [organisation]
    named = {*partners, *(m for rows in by.values() for m in rows), *stakeholders, *events}
    named |= {n for p in pledges for n in (p.pledge, p.organisation, p.indicator)}
    figures = Figures(year, organisation, total, by, collections, pledges, stakeholders, events, partners)
    figures.labels = _labels(store, sorted(named))
    return figures
