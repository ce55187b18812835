"""Concepts by name: what a vocabulary in the store calls each concept, read once per store generation.

A filter value may name a concept by IRI, id, code or label. The names come from the store: each concept's
``skos:notation``, its id (the IRI after the vocabulary's namespace) and its labels in every language the store
holds (``skos:prefLabel``, ``skos:altLabel``, ``skos:hiddenLabel``, ``rdfs:label``, ``dct:title``,
``rov:legalName``). The EU authority tables of languages and countries carry English labels and three-letter
codes only, so CLDR's data (through Babel) adds their two-letter ISO codes (``es``, ``ES``) and their names in the
EU's official languages (``español``, ``España``).

Matching folds case, accents, hyphens, underscores and spaces; never a prefix. Codes and ids come first, then
preferred labels, then other labels, then CLDR's names: the first of these ranks that matches decides. When it
names several concepts, the one whose name is written exactly as asked wins, then the one labelled in the asked
language; any others left make the value ambiguous.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from weakref import ReferenceType, ref

from babel import Locale
from babel.core import get_global
from rdflib import DCTERMS, RDFS, SKOS, Literal, URIRef

from smarco_kg.formats import result_format
from smarco_kg.namespaces import ROV
from smarco_kg.store import GraphStore

log = logging.getLogger(__name__)

CODE, PREFERRED, LABEL, CLDR = 0, 1, 2, 3
"""The ranks of names, best first: a code or id, a preferred label, another label, a name CLDR gives."""

NAMING: dict[URIRef, int] = {
    SKOS.notation: CODE,
    SKOS.prefLabel: PREFERRED,
    SKOS.altLabel: LABEL,
    SKOS.hiddenLabel: LABEL,
    RDFS.label: LABEL,
    DCTERMS.title: LABEL,
    ROV.legalName: LABEL,
}
"""The properties whose values name a concept, and the rank of each."""

EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip
"""The EU's official languages: the languages the EU authority tables are published in, whose CLDR names are added."""

_SEPARATORS = re.compile(r"[-_\s]+")


def fold(text: str) -> str:
    """``text`` as names are compared: no accents, case folded, runs of hyphens, underscores and spaces one space."""
    if text.isascii():  # most labels: no accents to take off (a fifth of the time of reading ESCO's skills)
        return _SEPARATORS.sub(" ", text.lower()).strip()
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


@dataclass(frozen=True)
class Name:
    """One name of a concept: its rank, the text as the data writes it, its language (none for codes)."""

    concept: URIRef
    rank: int
    text: str
    lang: str = ""
    stored: bool = False  # a label the store holds (not a code, an id or a name CLDR gives)

    @property
    def literal(self) -> Literal | None:
        """The label as the store holds it (RDF 1.1: a plain literal is an ``xsd:string``)."""
        return Literal(self.text, lang=self.lang or None) if self.stored else None


@dataclass(frozen=True)
class Concept:
    """A concept as a 422 lists it: its IRI, its label (English if it has one) and its code or id."""

    iri: URIRef
    label: str = ""
    code: str = ""

    def shown(self) -> str:
        label = self.label or str(self.iri)
        return f"{label} ({self.code})" if self.code and fold(self.code) != fold(label) else label

    def problem(self) -> dict[str, str]:
        described = {"id": str(self.iri), "label": self.label, "code": self.code}
        return {key: text for key, text in described.items() if text}


@dataclass(frozen=True)
class Vocabulary:
    """Where a filter's concepts are and what else names them; a table's key in the cache."""

    pattern: str  # SPARQL over ?c: the concepts
    namespace: str = ""  # absolute: a concept's id is its IRI after it
    local: str = ""  # the pattern of an id
    cldr: str = ""  # "language" or "country": add CLDR's codes and names for the EU authority table's codes
    qualifier: str = ""  # a word that may go before a code or a label: "EQF" 4, "EQF" Level 4
    written: bool = False  # partners write its concepts (organisations): read again at once after a write


class Ambiguous(Exception):
    """A name that several concepts answer to, equally well."""

    def __init__(self, candidates: list[Concept]) -> None:
        super().__init__(", ".join(c.shown() for c in candidates))
        self.candidates = candidates


@dataclass
class Table:
    """The names of one vocabulary's concepts, by folded text."""

    names: dict[str, list[Name]] = field(default_factory=dict)
    concepts: dict[URIRef, Concept] = field(default_factory=dict)

    def add(self, name: Name) -> None:
        key = fold(name.text)
        if key:
            self.names.setdefault(key, []).append(name)

    def find(self, raw: str, lang: str | None = None, *, only_lang: bool = False) -> list[Name]:
        """The best names ``raw`` matches (all of one concept unless it is ambiguous); ``only_lang``: labels in
        ``lang`` only (codes and ids still count)."""
        found = self.names.get(fold(raw), [])
        if only_lang and lang:
            found = [n for n in found if n.rank == CODE or _same_language(n.lang, lang)]
        if not found:
            return []
        best = min(n.rank for n in found)
        found = [n for n in found if n.rank == best]
        wanted = raw.strip()
        for keep in (lambda n: n.text == wanted, lambda n: bool(lang) and _same_language(n.lang, lang or "")):
            if len({n.concept for n in found}) > 1:
                found = [n for n in found if keep(n)] or found
        return found

    def concept(self, raw: str, lang: str | None = None, *, only_lang: bool = False) -> URIRef | None:
        """The one concept ``raw`` names, None when none does; ``Ambiguous`` when several do."""
        found = self.find(raw, lang, only_lang=only_lang)
        iris = sorted({n.concept for n in found})
        if len(iris) > 1:
            raise Ambiguous([self.concepts.get(i, Concept(i)) for i in iris])
        return iris[0] if iris else None

    def known(self, limit: int = 50) -> list[Concept]:
        return sorted(self.concepts.values(), key=lambda c: (c.label or str(c.iri)).casefold())[:limit]


def _same_language(tag: str, lang: str) -> bool:
    return bool(tag) and tag.split("-")[0].lower() == lang.split("-")[0].lower()


def read_table(store: GraphStore, vocabulary: Vocabulary) -> Table:
    """One query for every concept of ``vocabulary`` and the values of its naming properties."""
    properties = ", ".join(f"<{p}>" for p in NAMING)
    query = f"""SELECT ?c ?p ?name WHERE {{
  {{ {vocabulary.pattern} }}
  OPTIONAL {{ ?c ?p ?name . FILTER(?p IN ({properties})) }}
}}"""
    table = Table()
    labels: dict[URIRef, dict[str, str]] = {}
    codes: dict[URIRef, str] = {}
    ranks = {str(p): rank for p, rank in NAMING.items()}
    # SPARQL JSON, read as JSON: making rdflib terms of each row took most of the time (20,000 rows, ESCO's skills).
    results = json.loads(store.query(query, union_default_graph=True).serialize(result_format("json")))
    for row in results["results"]["bindings"]:
        found, predicate, name = row.get("c"), row.get("p"), row.get("name")
        if found is None or found["type"] != "uri":
            continue
        concept = URIRef(found["value"])
        table.concepts.setdefault(concept, Concept(concept))
        if name is None or predicate is None or name["type"] not in ("literal", "typed-literal"):
            continue
        rank, lang, text = ranks[predicate["value"]], name.get("xml:lang", "").lower(), name["value"]
        table.add(Name(concept, rank, text, lang, stored=rank != CODE))
        if rank == CODE:
            codes.setdefault(concept, text)
        elif rank == PREFERRED or concept not in labels:
            labels.setdefault(concept, {}).setdefault(lang if rank == PREFERRED else "~", text)
    local = re.compile(vocabulary.local) if vocabulary.local else None
    by_code: dict[str, list[URIRef]] = {}
    for iri in list(table.concepts):
        id_ = iri[len(vocabulary.namespace) :] if vocabulary.namespace and iri.startswith(vocabulary.namespace) else ""
        if id_ and local is not None and local.fullmatch(id_):
            table.add(Name(iri, CODE, id_))
        code = codes.get(iri, id_)
        named = labels.get(iri, {})
        label = named.get("en") or next((named[k] for k in sorted(named) if k != "~"), named.get("~", ""))
        table.concepts[iri] = Concept(iri, label, code)
        if vocabulary.cldr and code:
            by_code.setdefault(code, []).append(iri)
    if vocabulary.cldr:
        add_cldr_names(table, vocabulary.cldr, by_code)
    if vocabulary.qualifier:
        for names in list(table.names.values()):
            for known in list(names):
                if known.rank in (CODE, PREFERRED):
                    table.add(Name(known.concept, known.rank, f"{vocabulary.qualifier} {known.text}", known.lang))
    return table


@dataclass(frozen=True)
class CldrName:
    text: str
    lang: str


@cache
def _names(kind: str) -> tuple[tuple[str, dict[str, str]], ...]:
    """CLDR's names of languages or territories (``kind``), per EU language: read once (~0.4 s)."""
    locales = [Locale.parse(tag) for tag in EU_LANGUAGES]
    return tuple(
        (locale.language, dict(locale.languages if kind == "language" else locale.territories)) for locale in locales
    )


@cache
def cldr_names(kind: str, code: str) -> tuple[str, tuple[CldrName, ...]]:
    """What CLDR calls the language or country of an EU authority table's code: its two-letter ISO code (639-1
    or 3166-1 alpha-2; empty when it has none) and its names in the EU's official languages."""
    if kind == "language":
        alias = get_global("language_aliases").get(code.lower(), code.lower())
        short = alias if isinstance(alias, str) and re.fullmatch(r"[a-z]{2,3}", alias) else ""
    elif kind == "country":
        aliases = get_global("territory_aliases").get(code.upper(), [])
        short = aliases[0] if aliases and re.fullmatch(r"[A-Z]{2}", aliases[0]) else ""
    else:
        raise ValueError(f"no CLDR names for {kind!r}")
    names = [(lang, known.get(short)) for lang, known in _names(kind)] if short else []
    return (short if len(short) == 2 else ""), tuple(CldrName(text, lang) for lang, text in names if text)


def add_cldr_names(table: Table, kind: str, by_code: dict[str, list[URIRef]]) -> None:
    """CLDR's codes and names for the concepts of an EU authority table. Where several codes stand for one CLDR
    language (Estonian: EST and EKK, Standard Estonian), the concept whose English label is CLDR's English name
    takes them; if none or several do, they all do (and the name is ambiguous)."""
    takers: dict[str, list[tuple[URIRef, tuple[str, tuple[CldrName, ...]]]]] = {}
    for code, iris in by_code.items():
        short, names = cldr_names(kind, code)
        english = next((n.text for n in names if n.lang == "en"), "")
        for iri in iris:
            takers.setdefault(short or english or code, []).append((iri, (short, names)))
    for found in takers.values():
        if len(found) > 1:
            named = [
                (iri, given)
                for iri, given in found
                if any(n.lang == "en" and fold(n.text) == fold(table.concepts[iri].label) for n in given[1])
            ]
            found = named if len(named) == 1 else found
        for iri, (short, names) in found:
            if short:
                table.add(Name(iri, CODE, short))
            for name in names:
                table.add(Name(iri, CLDR, name.text, name.lang))


@dataclass(frozen=True)
class Reading:
    generation: int
    table: Table


class Tables:
    """The name tables of one store. After a write (a new store generation) a table is read again on its first use.
    One that partners write (organisations) is read at once (a few milliseconds); the others, which only imports
    and administrators change (ESCO's skills: 3,177 in the subset, ~0.4 s to read on an idle machine, ~14,000 in
    the full export; the 8,175 languages: ~0.5 s), answer from their previous reading while they are read again in
    the background, so that no request waits on them after a write."""

    def __init__(self) -> None:
        self._tables: dict[Vocabulary, Reading] = {}
        self._reading: set[Vocabulary] = set()
        self._lock = threading.Lock()

    def table(self, store: GraphStore, vocabulary: Vocabulary, generation: int | None) -> Table:
        """The table of ``vocabulary`` as of ``generation`` (None: read now, and keep nothing)."""
        if generation is None:
            return read_table(store, vocabulary)
        known = self._tables.get(vocabulary)
        if known is not None and known.generation == generation:
            return known.table
        if known is not None and not vocabulary.written:
            with self._lock:
                start = vocabulary not in self._reading
                self._reading.add(vocabulary)
            if start:
                threading.Thread(target=self._refresh, args=(store, vocabulary, generation), daemon=True).start()
            return known.table
        return self._read(store, vocabulary, generation)

    def _refresh(self, store: GraphStore, vocabulary: Vocabulary, generation: int) -> None:
        try:
            self._read(store, vocabulary, generation)
        except Exception as error:  # (a store closed meanwhile): the previous reading stays, the next use tries again
            log.debug("reading the names of %s again failed: %s", vocabulary.pattern, error)

    def _read(self, store: GraphStore, vocabulary: Vocabulary, generation: int) -> Table:
        try:
            table = read_table(store, vocabulary)
            with self._lock:
                current = self._tables.get(vocabulary)
                if current is None or current.generation <= generation:
                    self._tables[vocabulary] = Reading(generation, table)
            return table
        finally:
            with self._lock:
                self._reading.discard(vocabulary)


_STORES: dict[int, tuple[ReferenceType[GraphStore], Tables]] = {}  # by id(): stores are dataclasses, unhashable
_STORES_LOCK = threading.Lock()


def tables(store: GraphStore) -> Tables:
    """The name tables kept for ``store`` (as long as it lives)."""
    with _STORES_LOCK:
        found = _STORES.get(id(store))
        if found is not None and found[0]() is store:
            return found[1]
        for key in [k for k, (held, _) in _STORES.items() if held() is None]:
            del _STORES[key]
        kept = Tables()
        _STORES[id(store)] = (ref(store), kept)
        return kept


def shown(candidates: Iterable[Concept], limit: int = 12) -> str:
    """Candidates as a message lists them: label (code), …"""
    listed = list(candidates)
    more = f" and {len(listed) - limit} more" if len(listed) > limit else ""
    return ", ".join(c.shown() for c in listed[:limit]) + more
