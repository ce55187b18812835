"""The register of issued credentials: the facts of every credential issued, and their revocation.

Each European Digital Credential or Open Badge the service issues is recorded in ``<graph/register>`` in the same
request, through the one write path (validated by the closed shape ``smsh:IssuedCredential``), as the facts a
partnership reports and nothing about the learner but the country::

    <urn:uuid:…> a smarco:IssuedCredential ;          the credential's own id
        smarco:specification <credential/…> ;          the micro-credential or certificate awarded
        elm:awardingBody <organisation/…> ;            who awarded it (from the catalogue)
        dct:issued "2026-11-20"^^xsd:date ;            the day the service issued it (UTC)
        dct:conformsTo smarco:europeanDigitalCredential ;   or smarco:openBadge
        smarco:learnerCountry country:ITA ;            when the issuer gave it
        smarco:statusListIndex 83211 ;                 its bit in the revocation status list (xsd:integer ≥ 0)
        smarco:revoked "2026-12-01"^^xsd:date .        once revoked

Who sees what: the counts are public (``counts``); the entries are listed to the awarding partner (its own) and to
the coordinator or an admin (all); only the awarding partner (or an admin) revokes.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG

from smarco_kg.auth import Principal
from smarco_kg.errors import BadParameter, Conflict, Forbidden, NotFound, Unprocessable
from smarco_kg.formats import rdf_syntax
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM, SMARCO
from smarco_kg.ownership import homes, is_iri
from smarco_kg.status_list import size_for

DEMO_FILE = "register.trig"
"""Illustrative register entries loaded with the demo data (``data/register.trig``)."""
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
FORMATS = {"edc": SMARCO.europeanDigitalCredential, "openbadge": SMARCO.openBadge}
"""The formats by the short name the API uses."""
_FORMAT_NAMES = {str(iri): name for name, iri in FORMATS.items()}
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CODE = re.compile(r"^[A-Za-z]{3}$")
COUNTED: dict[tuple, dict] = {}  # (store, write generation, filters) -> counts: never stale after a write here
_TRIES = 64  # random draws for a free index; the list is at most half full, so 64 misses in a row are ~1e-19


class NotAwardable(Unprocessable, ValueError):
    """The credential names no awarding body, so its issue cannot be recorded."""

    title = "the credential cannot be issued"


class AlreadyRevoked(Conflict):
    """A second revocation: the first one's day stands (``revoked`` in the problem document)."""

    title = "the credential is already revoked"


@dataclass(frozen=True)
class Entry:
    """The facts of one issued credential."""

    id: str  # urn:uuid:…
    specification: str
    awarding_body: str
    issued: dt.date
    format: str  # a key of FORMATS
    index: int
    country: str | None = None
    revoked: dt.date | None = None
    sample: bool = False

    @property
    def uuid(self) -> str:
        return self.id.removeprefix("urn:uuid:")

    def graph(self) -> Graph:
        """The entry as RDF: exactly the properties of the shape, nothing else."""
        g = Graph()
        node = URIRef(self.id)
        g.add((node, RDF.type, SMARCO.IssuedCredential))
        g.add((node, SMARCO.specification, URIRef(self.specification)))
        g.add((node, ELM.awardingBody, URIRef(self.awarding_body)))
        g.add((node, DCTERMS.issued, Literal(self.issued.isoformat(), datatype=XSD.date)))
        g.add((node, DCTERMS.conformsTo, FORMATS[self.format]))
        g.add((node, SMARCO.statusListIndex, Literal(self.index)))  # xsd:integer: how pyoxigraph stores any integer
        if self.country:
            g.add((node, SMARCO.learnerCountry, URIRef(self.country)))
        if self.revoked:
            g.add((node, SMARCO.revoked, Literal(self.revoked.isoformat(), datatype=XSD.date)))
        if self.sample:
            g.add((node, SMARCO.isSampleData, Literal(True)))
            g.add((node, RDFS.comment, Literal(SAMPLE_COMMENT, lang="en")))
        return g

    def facts(self) -> dict:
        """The entry as the API lists it."""
        out: dict = {
            "id": self.id,
            "specification": self.specification,
            "awardingBody": self.awarding_body,
            "issued": self.issued.isoformat(),
            "format": self.format,
            "statusListIndex": self.index,
            "learnerCountry": self.country,
            "revoked": self.revoked.isoformat() if self.revoked else None,
        }
        if self.sample:
            out["isSampleData"] = True
        return out


SAMPLE_COMMENT = "Illustrative sample record: SMARCO has not yet published its catalogue."


@dataclass(frozen=True)
class Filters:
    """What a listing or a count is narrowed to; every value already checked (``filters``)."""

    year: int | None = None
    specification: str | None = None
    country: str | None = None
    format: str | None = None
    revoked: bool | None = None
    awarding_body: str | None = None

    def patterns(self, issued: bool = False) -> str:
        """The triple patterns (inside the register's GRAPH) that narrow ``?c`` to these filters, and nothing
        else: each one a look-up from ``?c``, since every join costs a few µs per entry (measured: pyoxigraph
        on disk), which the register's full pattern with its OPTIONALs would pay ten times over. ``issued``:
        bind ``?issued`` whatever the filters. Every IRI was checked by ``is_iri`` and every number is an int:
        nothing else is pasted."""
        parts = []
        if issued or self.year is not None:
            parts.append(f"?c <{DCTERMS.issued}> ?issued .")
        if self.year is not None:
            start, end = f'"{self.year:04d}-01-01"^^<{XSD.date}>', f'"{self.year + 1:04d}-01-01"^^<{XSD.date}>'
            parts.append(f"FILTER (?issued >= {start} && ?issued < {end})")
        for predicate, value in (
            (SMARCO.specification, self.specification),
            (ELM.awardingBody, self.awarding_body),
            (SMARCO.learnerCountry, self.country),
            (DCTERMS.conformsTo, FORMATS[self.format] if self.format else None),
        ):
            if value is not None:
                parts.append(f"?c <{predicate}> <{value}> .")
        if self.revoked is True:
            parts.append(f"?c <{SMARCO.revoked}> ?revoked .")
        elif self.revoked is False:
            parts.append(f"OPTIONAL {{ ?c <{SMARCO.revoked}> ?revoked }} FILTER (!BOUND(?revoked))")
        return "\n".join(parts)


@dataclass
class Page:
    entries: list[Entry]
    total: int
    limit: int
    offset: int
    scope: str  # "all" or the awarding body whose entries these are
    extra: dict = field(default_factory=dict)


def _pattern(graph: str, subject: str = "?c") -> str:
    """Every fact of the entries (``subject``: ``?c``, or one entry's IRI in brackets, which the store then looks
    up directly: a VALUES block is not always evaluated first)."""
    c = subject
    return f"""GRAPH <{graph}> {{
        {c} a <{SMARCO.IssuedCredential}> ; <{SMARCO.specification}> ?spec ; <{ELM.awardingBody}> ?body ;
           <{DCTERMS.issued}> ?issued ; <{DCTERMS.conformsTo}> ?format ; <{SMARCO.statusListIndex}> ?index .
        OPTIONAL {{ {c} <{SMARCO.learnerCountry}> ?country }}
        OPTIONAL {{ {c} <{SMARCO.revoked}> ?revoked }}
        OPTIONAL {{ {c} <{SMARCO.isSampleData}> ?sample }}
    }}"""


def _date(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def _entry(row: dict, credential: str | None = None) -> Entry:
    return Entry(
        id=credential or str(row["c"]),
        specification=str(row["spec"]),
        awarding_body=str(row["body"]),
        issued=_date(row["issued"]),
        format=_FORMAT_NAMES.get(str(row["format"]), str(row["format"])),
        index=int(str(row["index"])),
        country=str(row["country"]) if row.get("country") is not None else None,
        revoked=_date(row["revoked"]) if row.get("revoked") is not None else None,
        sample=str(row.get("sample") or "").lower() in ("true", "1"),
    )


class Register:
    """The register of one knowledge graph."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self.store = kg.store
        self.graph = kg.graphs.register

    # -- values ------------------------------------------------------------------------------------------------

    def country(self, value: object, field_name: str = "country") -> str:
        """A country given as a three-letter code (``ITA``) or its EU authority IRI, known to the store's country
        table; ``BadParameter`` naming ``field_name`` otherwise."""
        if not isinstance(value, str) or not value.strip():
            raise BadParameter(field_name, value, "a three-letter country code such as ITA, or its EU authority IRI")
        text = value.strip()
        iri = COUNTRY + text.upper() if _CODE.match(text) else text
        if not (iri.startswith(COUNTRY) and _CODE.match(iri.removeprefix(COUNTRY)) and is_iri(iri)):
            raise BadParameter(
                field_name, value, f"a three-letter country code such as ITA, or its EU authority IRI ({COUNTRY}ITA)"
            )
        if not self.store.query(f"ASK {{ GRAPH ?g {{ <{iri}> ?p ?o }} }}").boolean:
            raise BadParameter(field_name, value, "no country of the EU authority table has this code")
        return iri

    @staticmethod
    def credential_id(value: str) -> str:
        """The register's id of a credential named by its UUID (or ``urn:uuid:`` id); 404 for anything else."""
        text = value.strip().lower().removeprefix("urn:uuid:")
        if not _UUID.match(text):
            raise NotFound(f"{value!r} is not the UUID of an issued credential", title="no such issued credential")
        return f"urn:uuid:{text}"

    # -- issuing -------------------------------------------------------------------------------------------------

    def prepare(self, specification: str, format: str, country: str | None, today: dt.date | None = None) -> Entry:
        """A new entry for a credential about to be issued: a fresh id, a free random index, the awarding body the
        catalogue names. Nothing is written until ``record``; hold the server's write lock from here to there,
        so that no two credentials draw the same index."""
        bodies = sorted(
            str(r["b"])
            for r in self.store.query(
                f"SELECT DISTINCT ?b WHERE {{ GRAPH ?g {{ <{specification}> <{ELM.awardingOpportunity}> ?o . "
                f"?o <{ELM.awardingBody}> ?b }} }}"
            ).rows()
        )
        if not bodies:
            raise NotAwardable(f"<{specification}> names no awarding body (elm:awardingOpportunity/elm:awardingBody)")
        return Entry(
            id=f"urn:uuid:{uuid.uuid4()}",
            specification=specification,
            awarding_body=bodies[0],
            issued=today or dt.datetime.now(dt.UTC).date(),
            format=format,
            index=self.free_index(),
            country=country,
        )

    def free_index(self) -> int:
        """A random index no credential holds, in a list sized for one more credential: a random index says
        nothing about when, or after whom, a credential was issued. One count, then a point look-up per draw."""
        query = f"SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{self.graph}> {{ ?c <{SMARCO.statusListIndex}> ?i }} }}"
        size = size_for(int(str(next(self.store.query(query).rows())["n"])) + 1)
        for _ in range(_TRIES):
            index = secrets.randbelow(size)
            taken = f"ASK {{ GRAPH <{self.graph}> {{ ?c <{SMARCO.statusListIndex}> {index} }} }}"
            if not self.store.query(taken).boolean:
                return index
        raise Conflict("no free index found in the revocation status list; try again")  # ~1e-19 at half full

    def record(self, entry: Entry, actor: str) -> None:
        """Write ``entry`` through the validated write path (feed, index and dumps follow)."""
        self._write(entry, actor, "create")

    def _write(self, entry: Entry, actor: str, operation: str) -> None:
        data = entry.graph().serialize(format="nt", encoding="utf-8")
        self.kg.commit(
            data,
            rdf_syntax("ntriples"),
            actor=actor,
            operation=operation,
            subjects=[entry.id],
            graph=self.graph,
            remove_resources=[(self.graph, entry.id)] if operation == "update" else [],
        )

    # -- reading -------------------------------------------------------------------------------------------------

    def get(self, credential: str) -> Entry | None:
        """The entry of ``credential`` (an IRI already checked: ``credential_id``), or None."""
        rows = list(self.store.query(f"SELECT * WHERE {{ {_pattern(self.graph, f'<{credential}>')} }}").rows())
        return _entry(rows[0], credential) if rows else None

    def revoked_indexes(self) -> tuple[list[int], int]:
        """The indexes of the revoked credentials and the length of the list that holds every index (counted in
        the store: reading every index took 1.3 s at 100,000 entries)."""
        sized = next(
            self.store.query(
                f"SELECT (COUNT(?i) AS ?n) (MAX(?i) AS ?m) WHERE {{ GRAPH <{self.graph}> "
                f"{{ ?c <{SMARCO.statusListIndex}> ?i }} }}"
            ).rows()
        )
        count = int(str(sized["n"]))
        highest = int(str(sized["m"])) if count and sized.get("m") is not None else -1
        query = f"""SELECT ?i WHERE {{ GRAPH <{self.graph}> {{ ?c <{SMARCO.revoked}> ?r .
                    ?c <{SMARCO.statusListIndex}> ?i }} }}"""
        return sorted(int(str(r["i"])) for r in self.store.query(query).rows()), size_for(count, highest)

    def is_coordinator(self, principal: Principal) -> bool:
        """Whether the token is the partnership coordinator's (a member whose role is smarco:coordinator)."""
        if principal.partner is None:
            return False
        graph = self.kg.graphs.partner(principal.partner)
        return bool(
            self.store.query(
                f"ASK {{ ?m <{ORG.member}> ?o ; <{ORG.role}> <{SMARCO.coordinator}> . GRAPH <{graph}> {{ ?o a ?t }} }}",
                union_default_graph=True,
            ).boolean
        )

    def page(self, filters: Filters, principal: Principal, limit: int, offset: int) -> Page:
        """The entries ``principal`` may see (its own as the awarding partner; all for the coordinator or an
        admin), newest first, narrowed by ``filters``: the page's ids first (two or three look-ups an entry),
        then the facts of those ids only."""
        everything = principal.admin or self.is_coordinator(principal)
        scope = ""
        if not everything:
            own = [
                str(r["o"])
                for r in self.store.query(
                    f"SELECT DISTINCT ?o WHERE {{ GRAPH <{self.kg.graphs.partner(str(principal.partner))}> "
                    f"{{ ?o a <{ELM.Organisation}> }} }}"
                ).rows()
                if is_iri(str(r["o"]))
            ]
            scope = f"VALUES ?body {{ {' '.join(f'<{o}>' for o in own)} }} ?c <{ELM.awardingBody}> ?body ."
        where = f"GRAPH <{self.graph}> {{ {scope} {filters.patterns(issued=True)} }}"
        # Newest first without ORDER BY over every entry (it decodes and sorts them all: 0.6 s at 20,000): count
        # the entries of each day, find the days the page falls on, then read and sort only those days' ids.
        days = sorted(
            (
                (str(r["issued"])[:10], int(str(r["n"])))
                for r in self.store.query(
                    f"SELECT ?issued (COUNT(?c) AS ?n) WHERE {{ {where} }} GROUP BY ?issued"
                ).rows()
            ),
            reverse=True,
        )
        total = sum(n for _, n in days)
        chosen: list[str] = []  # the days the page [offset, offset + limit) falls on, newest first
        start = skipped = 0  # entries on the days before the current one; before the first chosen day
        for day, n in days:
            if start >= offset + limit:
                break
            if start + n > offset:
                skipped = skipped if chosen else start
                chosen.append(day)
            start += n
        ids: list[str] = []
        if chosen:
            low, high = f'"{chosen[-1]}"^^<{XSD.date}>', f'"{chosen[0]}"^^<{XSD.date}>'
            rows = self.store.query(
                f"SELECT ?c ?issued WHERE {{ {where} FILTER (?issued >= {low} && ?issued <= {high}) }}"
            ).rows()
            ordered = sorted(((str(r["issued"])[:10], str(r["c"])) for r in rows), key=lambda x: (x[0], x[1]))
            ordered.sort(key=lambda x: x[0], reverse=True)  # stable: newest day first, ids in order within a day
            ids = [c for _, c in ordered][offset - skipped : offset - skipped + limit]
        entries = [e for e in (self.get(i) for i in ids if is_iri(i)) if e is not None]
        return Page(entries, total, limit, offset, "all" if everything else str(principal.partner))

    def counts(self, filters: Filters) -> dict:
        """How many credentials were issued (and revoked), in all and by year, format, specification, awarding
        body and learner's country: the public face of the register. One grouped query per figure, each a
        look-up or two an entry."""
        key = (id(self.store), self.kg.generation, filters)
        if key in COUNTED:
            return COUNTED[key]
        narrowed = filters.patterns()
        base = f"?c a <{SMARCO.IssuedCredential}> . {narrowed}"

        def grouped(pattern: str, value: str) -> Counter[str]:
            query = f"""SELECT ?v (COUNT(?c) AS ?n) WHERE {{ GRAPH <{self.graph}> {{ {narrowed} {pattern}
                        BIND ({value} AS ?v) }} }} GROUP BY ?v"""
            return Counter(
                {
                    str(r["v"]) if r.get("v") is not None else "": int(str(r["n"]))
                    for r in self.store.query(query).rows()
                }
            )

        def total(pattern: str) -> int:
            query = f"SELECT (COUNT(?c) AS ?n) WHERE {{ GRAPH <{self.graph}> {{ {base} {pattern} }} }}"
            return int(str(next(self.store.query(query).rows())["n"]))

        issued = total("")
        revoked = (
            0 if filters.revoked is False else total("" if filters.revoked else f"?c <{SMARCO.revoked}> ?revoked .")
        )
        issued_pattern = "" if filters.year is not None else f"?c <{DCTERMS.issued}> ?issued ."
        by_year = grouped(issued_pattern, "SUBSTR(STR(?issued), 1, 4)")
        by_format = Counter(
            {_FORMAT_NAMES.get(k, k): n for k, n in grouped(f"?c <{DCTERMS.conformsTo}> ?f .", "?f").items()}
        )
        by_spec = grouped(f"?c <{SMARCO.specification}> ?s .", "?s")
        by_body = grouped(f"?c <{ELM.awardingBody}> ?b .", "?b")
        by_country = grouped(f"?c a <{SMARCO.IssuedCredential}> . OPTIONAL {{ ?c <{SMARCO.learnerCountry}> ?k }}", "?k")

        def listed(counter: Counter[str], key: str) -> list[dict]:
            ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
            return [{key: name or None, "count": n} for name, n in ranked]

        if len(COUNTED) > 64:
            COUNTED.clear()
        COUNTED[key] = counted = {
            "issued": issued,
            "revoked": revoked,
            "byYear": listed(by_year, "year"),
            "byFormat": listed(by_format, "format"),
            "bySpecification": listed(by_spec, "specification"),
            "byAwardingBody": listed(by_body, "awardingBody"),
            "byLearnerCountry": listed(by_country, "learnerCountry"),
        }
        return counted

    # -- revoking ------------------------------------------------------------------------------------------------

    def revoke(self, credential: str, principal: Principal, today: dt.date | None = None) -> Entry:
        """Revoke the credential for its awarding partner (or an admin): ``NotFound``, ``Forbidden`` for any other
        token, ``AlreadyRevoked`` (409) the second time, whose day stands."""
        entry = self.get(credential)
        if entry is None:
            raise NotFound(f"no credential <{credential}> was issued here", title="no such issued credential")
        if not principal.admin:
            own = homes(self.store, [entry.awarding_body]).get(entry.awarding_body, set())
            if not any(principal.may_write(g, self.kg.graphs) for g in own):
                raise Forbidden(
                    f"{principal.name} did not award <{credential}>: only its awarding body "
                    f"<{entry.awarding_body}> (or an admin) revokes it",
                    title="not the awarding partner",
                )
        if entry.revoked is not None:
            raise AlreadyRevoked(
                f"<{credential}> was revoked on {entry.revoked.isoformat()}; that revocation stands",
                revoked=entry.revoked.isoformat(),
            )
        revoked = replace(entry, revoked=today or dt.datetime.now(dt.UTC).date())
        self._write(revoked, principal.actor, "update")
        return revoked


def filters(register: Register, params: dict[str, str], specification_iri: Callable[[str], object]) -> Filters:
    """``Filters`` from query parameters (each checked; 422 naming the bad one). ``specification_iri`` turns a
    ``specification`` value (IRI or id) into the credential's IRI, raising for one that names none."""
    year = params.get("year")
    if year is not None and not re.fullmatch(r"\d{4}", year.strip()):
        raise BadParameter("year", year, "a year such as 2026")
    fmt = params.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise BadParameter("format", fmt, f"one of {', '.join(FORMATS)}")
    revoked = params.get("revoked")
    if revoked is not None and revoked not in ("true", "false"):
        raise BadParameter("revoked", revoked, "true or false")
    spec = params.get("specification")
    body = params.get("partner")
    body_iri = None
    if body is not None:
        slug = body.strip().rsplit("/", 1)[-1]
        body_iri = f"{register.kg.settings.base_iri}organisation/{slug}"
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
            raise BadParameter("partner", body, "a partner's id (its slug, e.g. cefriel) or its organisation IRI")
    return Filters(
        year=int(year) if year is not None else None,
        specification=str(specification_iri(spec)) if spec is not None else None,
        country=register.country(params["country"]) if "country" in params else None,
        format=fmt,
        revoked=None if revoked is None else revoked == "true",
        awarding_body=body_iri,
    )


__all__ = [
    "COUNTRY",
    "DEMO_FILE",
    "FORMATS",
    "SAMPLE_COMMENT",
    "AlreadyRevoked",
    "Entry",
    "Filters",
    "NotAwardable",
    "Page",
    "Register",
    "filters",
]
