"""The Pact for Skills report: the figures the Pact's members' survey asks for, for one year, per pledge and for
the partnership, each read from a named query of ``queries/`` (``pact-*.rq``) so a researcher can re-run it.

The report adds nothing the queries do not give: a figure is the sum of its query's rows (or of two queries' rows,
for programmes created or updated), broken down by country and, where the survey asks, by type, role or kind. Its
``sources`` name the query and the part of its rows each value comes from. Reports are kept per year for one write
generation by the server: the next write makes them be computed again, so a report is never older than the last
write. On the embedded store that costs little after the commonest write, a credential issued or revoked: the
register's figures come from its tally, and the other queries' rows are kept across writes of register entries
only (``KeptRows``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from rdflib import Literal
from rdflib.namespace import XSD

from smarco_kg.catalogue.sheets import Sheet, write
from smarco_kg.errors import BadParameter
from smarco_kg.queries import NamedQuery, QueryRegistry
from smarco_kg.register_tally import RegisterTally
from smarco_kg.store import GraphStore

ACHIEVEMENTS = "pact-achievements"
TARGETS = "pact-pledge-targets"
LEARNERS = "pact-learners-reached"
CREDENTIALS = "pact-credentials-issued"
STAKEHOLDERS = "pact-stakeholders"
PROGRAMMES = "pact-programmes"
PARTICIPANTS = "pact-event-participants"
QUERIES = (ACHIEVEMENTS, TARGETS, LEARNERS, CREDENTIALS, STAKEHOLDERS, PROGRAMMES, PARTICIPANTS)
"""The named queries the report is made of; the server refuses to serve the report without them."""
COUNTED = (CREDENTIALS, LEARNERS)
"""The queries over the register, whose rows a ``RegisterTally`` gives (``PARTICIPANTS``: the rest of LEARNERS)."""
KEPT = (ACHIEVEMENTS, TARGETS, STAKEHOLDERS, PROGRAMMES, PARTICIPANTS)
"""The queries that read no register entry: each reaches the resources it reads by their type (a pledge, an event,
a course…) or from another such resource, never an issued credential's. Their rows hold across writes that change
register entries only (``tests/test_register_tally`` compares them with the store's after such writes)."""
T = TypeVar("T")

INDICATORS = ("peopleUpskilled", "peopleReskilled", "programmesCreatedOrUpdated", "microCredentialsIssued")
"""The pledge indicators (local names of ``smarco:PledgeIndicator`` concepts), in the survey's order."""

FIRST_YEAR, LAST_YEAR = 2000, 2100  # a year outside these is a typing mistake, not a Pact for Skills year
SMARCO = "https://w3id.org/smarco/ontology#"
_PARALLEL = 3  # queries run at once: pyoxigraph evaluates without the GIL, a remote store in its own processes

Row = dict[str, str]
Link = Callable[[str], str]
"""The URL of a named query run for the report's year (``/api/queries/{name}?year=Y``)."""


class UnknownYear(BadParameter):
    """A ``year`` that is no four-digit year within the report's range."""

    def __init__(self, value: object) -> None:
        super().__init__("year", value, f"a year such as 2026, from {FIRST_YEAR} to {LAST_YEAR}")


def parse_year(raw: str | None) -> int:
    """The report's year from the request's text; ``UnknownYear`` (422) for anything else."""
    text = (raw or "").strip()
    if not (len(text) == 4 and text.isascii() and text.isdigit()) or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise UnknownYear(raw)
    return int(text)


def missing_queries(registry: QueryRegistry) -> list[str]:
    """The report's named queries that ``registry`` lacks (a deployment with its own ``queries/`` folder)."""
    return [name for name in QUERIES if name not in registry]


def local(iri: str | None) -> str | None:
    """A code from an IRI: a country authority's ``ITA``, a SMARCO concept's ``peopleUpskilled``."""
    if not iri:
        return None
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]


def _number(text: str | None) -> int:
    return int(float(text)) if text else 0  # sums come back as integers, or decimals from some stores


def _percent(achieved: int, amount: int) -> float | None:
    return round(100 * achieved / amount, 1) if amount else None


# ---- running the queries --------------------------------------------------------------------------------------


def run_query(store: GraphStore, query: NamedQuery, year: int) -> list[Row]:
    """The rows of a named query for ``year``, bound as the REST route binds it, over the union of the graphs."""
    bindings = {"year": Literal(str(year), datatype=XSD.integer)}
    result = store.query(query.text, union_default_graph=True, bindings=bindings)
    return [{k: str(v) for k, v in row.items() if v is not None} for row in result.rows()]


def _labels(store: GraphStore, iris: Iterable[str]) -> dict[str, str]:
    """English labels (pledge titles, organisation names) of the IRIs, for people reading the report."""
    wanted = sorted(set(iris))
    if not wanted:
        return {}
    values = " ".join(f"<{iri}>" for iri in wanted)
    text = (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nPREFIX dct: <http://purl.org/dc/terms/>\n"
        f"SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?s {{ {values} }} ?s skos:prefLabel|dct:title ?l "
        'FILTER(langMatches(lang(?l), "en")) } GROUP BY ?s'
    )
    return {str(row["s"]): str(row["label"]) for row in store.query(text, union_default_graph=True).rows()}


# ---- the figures ------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """A figure being summed: its total, its values per breakdown (country, type…), and per source."""

    value: int = 0

    def __post_init__(self) -> None:
        self.by: dict[str, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
        self.sources: dict[tuple[str, str | None], int] = defaultdict(int)

    def add(self, amount: int, query: str, part: str | None = None, **keys: str | None) -> None:
        self.value += amount
        self.sources[(query, part)] += amount
        for dimension, key in keys.items():
            self.by[dimension][key] += amount

    def document(self, link: Link, sources: Iterable[tuple[str, str | None]] = ()) -> dict[str, Any]:
        for source in sources:  # listed even when they gave nothing, so the reader knows where to look
            self.sources.setdefault(source, 0)
        found: dict[str, Any] = {"value": self.value}
        for dimension, values in self.by.items():
            found[f"by{dimension[0].upper()}{dimension[1:]}"] = [
                {dimension: key, "value": value}
                for key, value in sorted(values.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
            ]
        found["sources"] = [
            {"query": query, **({"part": part} if part else {}), "url": link(query), "value": value}
            for (query, part), value in self.sources.items()
        ]
        return found


def _figures(
    achievements: list[Row], learners: list[Row], credentials: list[Row], programmes: list[Row]
) -> tuple[dict[str, Tally], dict[str, dict[str, Tally]]]:
    """The partnership's tallies, and each pledge's (by pledge IRI)."""
    partnership: dict[str, Tally] = {}

    def tally(name: str) -> Tally:
        return partnership.setdefault(name, Tally())

    for name in (*INDICATORS, "learnersReached", "credentialsIssued", "credentialsRevoked"):
        tally(name)  # present, as 0, in a year without data
    pledges: dict[str, dict[str, Tally]] = defaultdict(dict)
    for row in achievements:
        indicator = local(row.get("indicator")) or ""
        if indicator not in INDICATORS:
            continue
        amount, country = _number(row.get("achieved")), local(row.get("country"))
        kinds = {"kind": None} if indicator == "programmesCreatedOrUpdated" else {}  # each breakdown sums to the value
        tally(indicator).add(amount, ACHIEVEMENTS, "pledges", country=country, **kinds)
        pledges[row["pledge"]].setdefault(indicator, Tally()).add(amount, ACHIEVEMENTS, country=country)
    for row in programmes:
        tally("programmesCreatedOrUpdated").add(
            _number(row.get("programmes")), PROGRAMMES, "catalogue", country=local(row.get("country")), kind=row["kind"]
        )
    reached = tally("learnersReached")
    for row in learners:
        reached.add(_number(row.get("learners")), LEARNERS, row["source"], country=local(row.get("country")))
    issued = tally("credentialsIssued")
    for row in credentials:
        count, country = _number(row.get("issued")), local(row.get("country"))
        issued.add(count, CREDENTIALS, country=country, kind=row["kind"])
        tally("credentialsRevoked").add(_number(row.get("revoked")), CREDENTIALS, country=country)
    return partnership, pledges


def _stakeholders(rows: list[Row]) -> Tally:
    members = Tally()
    for row in rows:
        members.add(
            _number(row.get("organisations")),
            STAKEHOLDERS,
            role=local(row.get("role")),
            type=local(row.get("type")),
            country=local(row.get("country")),
        )
    return members


class KeptRows:
    """What a server keeps between reports over the embedded store: the register's ``tally``, and the rows (and
    labels) of the ``KEPT`` queries per year, kept while the writes change register entries only (the tally's
    ``other_writes`` stays put). Rows computed across a write that changed more are not kept."""

    def __init__(self, tally: RegisterTally, years: int = 8) -> None:
        self.tally = tally
        self._most = years * (len(KEPT) + 1)  # a year's rows of each query, and its labels
        self._kept: OrderedDict[Hashable, tuple[int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.runs = 0  # queries run rather than kept: what a test watches

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept for ``key`` if no other write came since it was computed, else ``compute()``'s."""
        since = self.tally.other_writes
        with self._lock:
            found = self._kept.get(key)
            if found is not None and found[0] == since:
                self._kept.move_to_end(key)
                return found[1]
        value = compute()
        with self._lock:
            self.runs += 1
            if self.tally.other_writes == since:
                self._kept[key] = (since, value)
                self._kept.move_to_end(key)
                while len(self._kept) > self._most:
                    self._kept.popitem(last=False)
        return value


def _rows(
    store: GraphStore, registry: Mapping[str, NamedQuery], year: int, kept: KeptRows | None
) -> dict[str, list[Row]]:
    """Each query's rows for ``year``: with ``kept``, the register's from its tally (the same rows, followed
    write by write) and the others as kept; the rest from the store, side by side (pyoxigraph evaluates without
    the GIL), the longest first."""
    tally = kept.tally if kept is not None else None
    skipped = COUNTED if tally is not None else (PARTICIPANTS,)  # without a tally, LEARNERS holds the events' rows
    names = sorted((n for n in QUERIES if n not in skipped), key=lambda n: n != PROGRAMMES)

    def rows_of(name: str) -> list[Row]:
        if kept is None:
            return run_query(store, registry[name], year)
        return kept.get((name, year), lambda: run_query(store, registry[name], year))

    with ThreadPoolExecutor(max_workers=_PARALLEL) as pool:
        answers = {name: pool.submit(rows_of, name) for name in names}
        if tally is not None:  # read beside the queries
            issued = pool.submit(tally.credentials_issued, year)
            reached = pool.submit(tally.learners_reached, year)
        rows = {name: answer.result() for name, answer in answers.items()}
        if tally is not None:
            rows[CREDENTIALS] = issued.result()
            rows[LEARNERS] = reached.result() + [_as_reached(row) for row in rows[PARTICIPANTS]]
    return rows


def _as_reached(row: Row) -> Row:
    """A row of ``pact-event-participants`` as the "events" row of ``pact-learners-reached`` it equals."""
    found = {k: v for k, v in row.items() if k != "participants"}
    return {**found, "source": "events", "learners": row.get("participants", "0")}


def build_report(
    store: GraphStore,
    registry: Mapping[str, NamedQuery],
    year: int,
    link: Link,
    kept: KeptRows | None = None,
) -> dict[str, Any]:
    """The report for ``year``: every figure with its breakdowns and sources, the pledges with their targets.
    ``kept``: the register's tally and the rows kept between reports (without, every query runs: the definition)."""
    rows = _rows(store, registry, year, kept)
    partnership, per_pledge = _figures(rows[ACHIEVEMENTS], rows[LEARNERS], rows[CREDENTIALS], rows[PROGRAMMES])
    issued_by: dict[str, Tally] = defaultdict(Tally)
    for row in rows[CREDENTIALS]:
        issued_by[row["awardingBody"]].add(_number(row.get("issued")), CREDENTIALS, country=local(row.get("country")))
    targets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    owners: dict[str, str] = {}
    for row in rows[TARGETS]:
        amount, achieved = _number(row.get("amount")), _number(row.get("achieved"))
        owners.setdefault(row["pledge"], row["organisation"])
        targets[row["pledge"]].append(
            {
                "id": row["target"],
                "indicator": local(row.get("indicator")),
                "amount": amount,
                "country": local(row.get("country")),
                "collection": row.get("collection"),
                "achieved": achieved,
                "percent": _percent(achieved, amount),
            }
        )
    for row in rows[ACHIEVEMENTS]:
        owners.setdefault(row["pledge"], row["organisation"])
    named = tuple(sorted({*owners, *owners.values()}))
    labels = _labels(store, named) if kept is None else kept.get(("labels", named), lambda: _labels(store, named))
    sources: dict[str, list[tuple[str, str | None]]] = {
        "peopleUpskilled": [(ACHIEVEMENTS, "pledges")],
        "peopleReskilled": [(ACHIEVEMENTS, "pledges")],
        "programmesCreatedOrUpdated": [(ACHIEVEMENTS, "pledges"), (PROGRAMMES, "catalogue")],
        "microCredentialsIssued": [(ACHIEVEMENTS, "pledges")],
        "learnersReached": [(LEARNERS, "credentials"), (LEARNERS, "events")],
        "credentialsIssued": [(CREDENTIALS, None)],
        "credentialsRevoked": [(CREDENTIALS, None)],
    }
    figures = {name: partnership[name].document(link, sources[name]) for name in sources}
    figures["stakeholders"] = _stakeholders(rows[STAKEHOLDERS]).document(link, [(STAKEHOLDERS, None)])
    pledges = []
    for pledge in sorted(owners, key=lambda p: (labels.get(p, ""), p)):
        organisation = owners[pledge]
        own = per_pledge.get(pledge, {})
        pledge_figures = {name: own.get(name, Tally()).document(link, [(ACHIEVEMENTS, None)]) for name in INDICATORS}
        pledge_figures["credentialsIssued"] = issued_by.get(organisation, Tally()).document(link, [(CREDENTIALS, None)])
        pledges.append(
            {
                "id": pledge,
                "title": labels.get(pledge),
                "organisation": {"id": organisation, "name": labels.get(organisation)},
                "figures": pledge_figures,
                "targets": sorted(
                    targets.get(pledge, []),
                    key=lambda t: (
                        INDICATORS.index(t["indicator"]) if t["indicator"] in INDICATORS else len(INDICATORS),
                        t["id"],
                    ),
                ),
            }
        )
    return {
        "year": year,
        "partnership": figures,
        "pledges": pledges,
        "queries": {name: link(name) for name in QUERIES},
    }


@dataclass(frozen=True)
class Computed:
    """One report: the document, and its JSON bytes (serialised once: a thousand pledges take milliseconds)."""

    document: dict[str, Any]
    body: bytes


def computed(
    store: GraphStore,
    registry: Mapping[str, NamedQuery],
    year: int,
    link: Link,
    kept: KeptRows | None = None,
) -> Computed:
    """The report for ``year``, serialised: what the server keeps per write generation (``generation_cache``)."""
    document = build_report(store, registry, year, link, kept)
    return Computed(document, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())


# ---- as a table ---------------------------------------------------------------------------------------------------

COLUMNS = ["year", "scope", "pledge", "organisation", "figure", "breakdown", "key", "value", "amount", "percent",
           "query"]  # fmt: skip
"""The table's columns: one row per figure and breakdown value (CSV and XLSX carry the JSON's numbers)."""


def table(report: dict[str, Any]) -> Sheet:
    """The report as one long table: a row per figure's total, per breakdown value, and per pledge target."""
    year = report["year"]
    rows: list[list[Any]] = []

    def figure_rows(scope: str, pledge: str | None, organisation: str | None, name: str, figure: dict) -> None:
        url = " ".join(dict.fromkeys(source["url"] for source in figure["sources"]))
        rows.append([year, scope, pledge, organisation, name, "total", None, figure["value"], None, None, url])
        for source in figure["sources"]:
            if source.get("part"):
                rows.append([year, scope, pledge, organisation, name, "source", source["part"], source["value"],
                             None, None, source["url"]])  # fmt: skip
        for breakdown, values in figure.items():
            if breakdown.startswith("by"):
                dimension = breakdown[2:].lower()
                for item in values:
                    rows.append([year, scope, pledge, organisation, name, dimension, item[dimension], item["value"],
                                 None, None, url])  # fmt: skip

    for name, figure in report["partnership"].items():
        figure_rows("partnership", None, None, name, figure)
    for pledge in report["pledges"]:
        organisation = pledge["organisation"]["name"] or pledge["organisation"]["id"]
        title = pledge["title"] or pledge["id"]
        for name, figure in pledge["figures"].items():
            figure_rows("pledge", title, organisation, name, figure)
        for target in pledge["targets"]:
            key = " ".join(str(v) for v in (target["country"], local(target["collection"])) if v) or None
            rows.append([year, "pledge", title, organisation, target["indicator"], "target", key, target["achieved"],
                         target["amount"], target["percent"], report["queries"][TARGETS]])  # fmt: skip
    return Sheet("pact-for-skills", COLUMNS, rows)


def spreadsheet(report: dict[str, Any], kind: str) -> bytes:
    """The report's table as ``csv`` or ``xlsx`` bytes."""
    return write([table(report)], kind)


# ---- the JSON's shape, for OpenAPI --------------------------------------------------------------------------------

_COUNT = {"type": "integer", "minimum": 0}
_SOURCE = {
    "type": "object",
    "description": "A named query the value comes from (part: which of its rows), and its URL for the year",
    "properties": {
        "query": {"type": "string"},
        "part": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "value": _COUNT,
    },
    "required": ["query", "url", "value"],
}


def _breakdown(key: str, description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "description": description,
        "items": {
            "type": "object",
            "properties": {key: {"type": ["string", "null"]}, "value": _COUNT},
            "required": [key, "value"],
        },
    }


FIGURE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One figure: its value, its breakdowns (present when the data has them) and its sources",
    "properties": {
        "value": _COUNT,
        "byCountry": _breakdown("country", "Per country (EU authority code such as ITA; null: not given)"),
        "byKind": _breakdown("kind", "Per kind: course or credential; micro-credential, certificate or other"),
        "byType": _breakdown("type", "Per stakeholder type (industry, publicAdministration…; null: not given)"),
        "byRole": _breakdown("role", "Per role in the partnership (coordinator, partner, associatedPartner…)"),
        "sources": {"type": "array", "items": _SOURCE},
    },
    "required": ["value", "sources"],
}
TARGET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "indicator": {"type": ["string", "null"], "description": "peopleUpskilled, peopleReskilled, …"},
        "amount": _COUNT,
        "country": {"type": ["string", "null"]},
        "collection": {"type": ["string", "null"], "description": "The ESCO collection's IRI, when named"},
        "achieved": _COUNT,
        "percent": {"type": ["number", "null"], "description": "100 * achieved / amount, one decimal"},
    },
    "required": ["id", "indicator", "amount", "achieved", "percent"],
}
PARTNERSHIP_FIGURES = (
    *INDICATORS,
    "learnersReached",
    "credentialsIssued",
    "credentialsRevoked",
    "stakeholders",
)
REPORT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "year": {"type": "integer"},
        "partnership": {
            "type": "object",
            "properties": {name: FIGURE_SCHEMA for name in PARTNERSHIP_FIGURES},
            "required": list(PARTNERSHIP_FIGURES),
        },
        "pledges": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "title": {"type": ["string", "null"]},
                    "organisation": {
                        "type": "object",
                        "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]}},
                        "required": ["id", "name"],
                    },
                    "figures": {
                        "type": "object",
                        "properties": {name: FIGURE_SCHEMA for name in (*INDICATORS, "credentialsIssued")},
                    },
                    "targets": {"type": "array", "items": TARGET_SCHEMA},
                },
                "required": ["id", "title", "organisation", "figures", "targets"],
            },
        },
        "queries": {
            "type": "object",
            "description": "Each named query of the report and its URL for the year",
            "additionalProperties": {"type": "string", "format": "uri"},
        },
    },
    "required": ["year", "partnership", "pledges", "queries"],
}
