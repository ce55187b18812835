"""The register of issued credentials counted, kept exact write by write: the Pact for Skills report's statistic.

At 100,000 issued credentials the report's two register queries (``pact-credentials-issued``,
``pact-learners-reached``) took 2.1 s of the store's time after every write, whatever the write changed. The tally
counts the register once (the same patterns as those queries, grouped by year, awarding body, specification and
learner's country instead of filtered by one year), then follows the writes by differences: right before a write
commits it reads what the resources about to change contribute (``before``), right after it reads it again and
adds the difference (``after``): a few bound look-ups per credential issued or revoked.

The tally also tells whether a write changed register entries only (``other_writes`` stays put): the report keeps
the rows of its other queries across such writes (``pact_report.KeptRows``), issuing a credential among them.

Exact, or counted again: a write that names no resources in the register (a graph replaced or dropped whole, a
bulk load) or that touches a register fact in another graph (a ``smarco:specification`` in a course's graph)
makes the next reader count everything again (about 2 s at 100k), as does any failure to read a difference. The
named queries remain the definition: the report's rows from the tally equal theirs (``tests/test_register_tally``).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import URIRef

from smarco_kg.changes import PendingWrite
from smarco_kg.namespaces import SMARCO
from smarco_kg.ownership import is_iri
from smarco_kg.store import GraphStore

log = logging.getLogger("smarco_kg.register_tally")

_PREFIXES = """PREFIX smarco: <https://w3id.org/smarco/ontology#>
PREFIX elm: <http://data.europa.eu/snb/model/elm/>
PREFIX dct: <http://purl.org/dc/terms/>
"""
# pact-credentials-issued's patterns, grouped by year and specification (the kind is the specification's, read
# when a report asks: a course's write may change it); a date whose year cannot be read counts in every year,
# as the query's filter lets it through
_ISSUED = (
    _PREFIXES
    + """SELECT ?year ?awardingBody ?specification ?country
       (COUNT(?credential) AS ?issued) (SUM(?isRevoked) AS ?revoked)
WHERE {
  %s
  ?credential dct:issued ?date ; smarco:specification ?specification ; elm:awardingBody ?awardingBody .
  OPTIONAL { ?credential smarco:learnerCountry ?country }
  OPTIONAL { ?credential smarco:revoked ?revokedOn }
  BIND(IF(BOUND(?revokedOn), 1, 0) AS ?isRevoked)
  BIND(YEAR(?date) AS ?year)
}
GROUP BY ?year ?awardingBody ?specification ?country"""
)
# pact-learners-reached's "credentials" part, grouped by year: the credentials not revoked (summed rather than
# filtered with !BOUND, which Virtuoso 7 ignores after a VALUES block)
_REACHED = (
    _PREFIXES
    + """SELECT ?year ?country (SUM(1 - ?isRevoked) AS ?learners)
WHERE {
  %s
  ?credential dct:issued ?date ; a smarco:IssuedCredential .
  OPTIONAL { ?credential smarco:revoked ?revoked }
  OPTIONAL { ?credential smarco:learnerCountry ?country }
  BIND(IF(BOUND(?revoked), 1, 0) AS ?isRevoked)
  BIND(YEAR(?date) AS ?year)
}
GROUP BY ?year ?country"""
)
# every micro-credential and certificate: one index range each (36 ms at 10k courses), where looking up the
# specifications the register names took 1.3 s
_KINDS = (
    _PREFIXES
    + """SELECT ?specification ?type WHERE {
  VALUES ?type { smarco:MicroCredential smarco:Certificate } ?specification a ?type }"""
)
# a graph other than the register holding a fact the two queries read of a credential: counted again
_FOREIGN = (
    _PREFIXES
    + """ASK { VALUES ?g { %s } GRAPH ?g {
  { ?s smarco:specification|smarco:learnerCountry|smarco:revoked ?o } UNION { ?s a smarco:IssuedCredential }
  UNION { ?s dct:issued|elm:awardingBody ?o { ?s smarco:specification ?x } UNION { ?s a smarco:IssuedCredential } }
} }"""
)
# a resource that is more than a register entry: typed otherwise, or the value of some property (the report's other
# queries reach every resource they read by a type or from another resource)
_MORE_THAN_AN_ENTRY = (
    _PREFIXES
    + """ASK { %s
  { ?credential a ?type FILTER(?type != smarco:IssuedCredential) } UNION { ?referrer ?property ?credential } }"""
)
KINDS = {str(SMARCO.MicroCredential): "micro-credential", str(SMARCO.Certificate): "certificate"}
_MOST = 2000  # resources changed in one write beyond which counting everything again is as quick
_CHUNK = 500  # resources per VALUES block

IssuedKey = tuple[int | None, str, str, str | None]  # year (None: every year), body, specification, country
Counts = tuple[Counter[IssuedKey], Counter[IssuedKey], Counter[tuple[int | None, str | None]]]


def _year(value: Any) -> int | None:
    return int(str(value)) if value is not None else None


def _text(value: Any) -> str | None:
    return sys.intern(str(value)) if value is not None else None  # a few hundred bodies, countries, specifications


def _values(subjects: Sequence[str]) -> str:
    return "VALUES ?credential { " + " ".join(URIRef(s).n3() for s in subjects) + " }"


def _row(year: int, **values: str | None) -> dict[str, str]:
    """A row as ``pact_report.run_query`` gives it: strings, an unbound value (no country) left out."""
    return {"year": str(year), **{k: v for k, v in values.items() if v is not None}}


def _merge(kept: Counter[Any], now: Counter[Any], before: Counter[Any]) -> None:
    kept.update(now)
    kept.subtract(before)
    for key in [k for k, n in kept.items() if n <= 0]:
        del kept[key]


def _nothing() -> Counts:
    return Counter(), Counter(), Counter()


@dataclass
class _Pending:
    write: PendingWrite
    subjects: list[str]
    before: Counts


class RegisterTally:
    """What the register's entries add up to per year, exact at every write generation (see the module's text).

    A ``KnowledgeGraph`` write observer: ``kg.observers.append(tally)``. Thread-safe; writes are one at a time."""

    def __init__(self, store: GraphStore, register: str) -> None:
        self.store, self.register = store, register
        self._lock = threading.Lock()
        self._counting = threading.Lock()  # one count at a time: a second reader waits for the first's
        self._counts: Counts | None = None  # None: to be counted (again) by the next reader
        self._pending: _Pending | None = None
        self._version = 0  # moved on by every write: a count read across one is read again
        self.recounts = 0  # how many times everything was counted: what a test of the differences watches
        self._entries_before: PendingWrite | None = None  # the write in flight, if its resources are entries only
        self.other_writes = 0  # writes that may have changed more than register entries (moved before they count)

    # -- following the writes -----------------------------------------------------------------------------------

    def before(self, write: PendingWrite) -> None:
        """Right before ``write`` commits: what the resources it changes contribute now."""
        with self._lock:
            self._pending, self._version = None, self._version + 1
            self._entries_before = write if self._entries_only(write.graphs, write.subjects) else None
            if self._counts is None:
                return
            try:
                subjects = self._changing(write.graphs, write.subjects)
                if subjects is not None:
                    self._pending = _Pending(write, subjects, self._read(subjects) if subjects else _nothing())
                    return
            except Exception:  # never the write's failure: count again instead
                log.exception("the register's tally could not read the write's resources; counting again")
            self._counts = None

    def after(self, write: PendingWrite | None, graphs: Sequence[str], subjects: Sequence[str]) -> None:
        """Right after a write committed: add what its resources contribute now, less what they did before."""
        with self._lock:
            pending, self._pending, self._version = self._pending, None, self._version + 1
            entries_before, self._entries_before = self._entries_before, None
            if write is None or entries_before is not write or not self._entries_only(graphs, subjects):
                self.other_writes += 1
            if self._counts is None:
                return
            try:
                followed = pending is not None and pending.write is write
                if pending is not None and followed and self._changing(graphs, pending.subjects) is not None:
                    if pending.subjects:
                        self._add(self._read(pending.subjects), pending.before)
                    return
            except Exception:
                log.exception("the register's tally could not read the write's resources; counting again")
            self._counts = None

    def _changing(self, graphs: Iterable[str], subjects: Sequence[str]) -> list[str] | None:
        """The resources whose contribution a write to ``graphs`` naming ``subjects`` may change; None when that
        cannot be told (everything is counted again)."""
        others = sorted({g for g in graphs if g and g != self.register})
        if others and self.store.query(_FOREIGN % " ".join(URIRef(g).n3() for g in others)).boolean:
            return None
        if self.register not in graphs:
            return []
        if not subjects or len(subjects) > _MOST or not all(is_iri(s) for s in subjects):
            return None
        return sorted(set(subjects))

    def _entries_only(self, graphs: Iterable[str], subjects: Sequence[str]) -> bool:
        """Whether a write to ``graphs`` naming ``subjects`` changes register entries and nothing else, as the store
        is now: the register alone written, each resource named, none more than an entry (read before the write
        and after it, so an entry that was or becomes anything else counts as another write)."""
        if {g for g in graphs if g} != {self.register}:
            return False
        if not subjects or len(subjects) > _MOST or not all(is_iri(s) for s in subjects):
            return False
        try:
            named = sorted(set(subjects))
            return not any(
                self.store.query(_MORE_THAN_AN_ENTRY % _values(named[i : i + _CHUNK]), union_default_graph=True).boolean
                for i in range(0, len(named), _CHUNK)
            )
        except Exception:  # not known: another write
            log.exception("could not tell whether a write changed register entries only")
            return False

    def _add(self, now: Counts, before: Counts) -> None:
        assert self._counts is not None
        for index in range(len(now)):
            _merge(self._counts[index], now[index], before[index])

    # -- counting ---------------------------------------------------------------------------------------------------

    def _read(self, subjects: Sequence[str] | None) -> Counts:
        """The contribution of ``subjects`` (None: of the whole store)."""
        issued, revoked, reached = _nothing()
        blocks = (
            [""] if subjects is None else [_values(subjects[i : i + _CHUNK]) for i in range(0, len(subjects), _CHUNK)]
        )
        for block in blocks:
            for row in self.store.query(_ISSUED % block, union_default_graph=True).rows():
                key = (_year(row.get("year")), sys.intern(str(row["awardingBody"])),
                       sys.intern(str(row["specification"])), _text(row.get("country")))  # fmt: skip
                issued[key] += int(float(str(row["issued"])))
                gone = int(float(str(row.get("revoked") or 0)))
                if gone:  # kept only where some were: a few percent of the keys
                    revoked[key] += gone
            for row in self.store.query(_REACHED % block, union_default_graph=True).rows():
                reached[(_year(row.get("year")), _text(row.get("country")))] += int(float(str(row["learners"])))
        return issued, revoked, reached

    def _current(self) -> Counts:
        """The counts, counted first if need be: outside the lock (a write does not wait seconds for it), again if
        a write committed meanwhile; one reader counts, the others wait for it."""
        with self._counting:
            for _ in range(3):
                with self._lock:
                    if self._counts is not None:
                        return self._counts
                    version = self._version
                counted = self._read(None)
                with self._lock:
                    self.recounts += 1
                    if self._version == version:
                        self._counts = counted
                        return counted
            with self._lock:  # writes kept coming: count with them held off
                if self._counts is None:
                    self._counts, self.recounts = self._read(None), self.recounts + 1
                return self._counts

    def credentials_issued(self, year: int) -> list[dict[str, str]]:
        """``pact-credentials-issued``'s rows for ``year`` (as ``pact_report.run_query`` gives them)."""
        issued, revoked, _ = self._current()
        with self._lock:  # the year's counts copied: a write may follow
            mine = [(key, n, revoked.get(key, 0)) for key, n in issued.items() if key[0] in (year, None)]
        kinds = self._kinds()
        rows: Counter[tuple[str, str, str | None]] = Counter()
        lost: Counter[tuple[str, str, str | None]] = Counter()
        for (_, body, specification, country), n, gone in mine:
            for kind in kinds.get(specification, ["other"]):
                rows[(body, kind, country)] += n
                lost[(body, kind, country)] += gone
        ordered = sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))
        return [
            _row(year, awardingBody=body, kind=kind, country=country, issued=str(n), revoked=str(lost[key]))
            for key, n in ordered
            for body, kind, country in [key]
        ]

    def learners_reached(self, year: int) -> list[dict[str, str]]:
        """``pact-learners-reached``'s "credentials" rows for ``year``."""
        _, _, reached = self._current()
        with self._lock:
            mine: Counter[str | None] = Counter()
            for (counted, country), n in reached.items():
                if counted in (year, None):
                    mine[country] += n
        return [
            _row(year, source="credentials", country=country, learners=str(n))
            for country, n in sorted(mine.items(), key=lambda kv: kv[0] or "")
            if n  # a country whose credentials were all revoked has no row
        ]

    def _kinds(self) -> dict[str, list[str]]:
        """Each specification's kinds (micro-credential, certificate; none: "other"), as the query's OPTIONAL."""
        found: dict[str, list[str]] = {}
        for row in self.store.query(_KINDS, union_default_graph=True).rows():
            found.setdefault(str(row["specification"]), []).append(KINDS[str(row["type"])])
        return found

    def warm(self) -> None:
        """Count now, if need be (a background warm-up at the server's start)."""
        try:
            self._current()
        except Exception as error:  # a remote store not answering yet: the first report counts
            log.warning("the register could not be counted in advance: %s", error)
