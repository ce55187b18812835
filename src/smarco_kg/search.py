"""Full-text search, suggest and course facets: an SQLite FTS5 index kept beside the store.

Oxigraph has no text index, so labels of ESCO skills and occupations (preferred, alternative, hidden) and the
titles and descriptions of courses, credentials and practices are indexed here, one row per text, with the
graph it came from; so are the values courses are faceted by (skill, EQF level, language, mode, credits,
provider, aim, target group) and the links facets follow (skill -> occupation, organisation -> country), since
counting them here costs a few milliseconds where a SPARQL GROUP BY per facet costs tens. Every commit re-indexes
the graphs it touched (``reindex``); the index also records the size of every graph it indexed, so a store
changed behind its back (a crash between commit and re-index, a load by another process) is noticed on opening
and re-indexed (``ensure_fresh``). Accents and case are folded by the ``unicode61`` tokenizer; every text is also
indexed as Snowball stems in its own language, so "photovoltaic system" finds "photovoltaic systems" and
"sistemas fotovoltaicos" finds "sistema fotovoltaico"; ranking is BM25 weighted by the kind of text (preferred
label first, a whole-word match above a stem's), then the title.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import snowballstemmer  # type: ignore[import-untyped]  # ships no type information

from smarco_kg.course_table import CourseTable, Mask, Scores
from smarco_kg.errors import BadParameter
from smarco_kg.sidecar import open_sidecar
from smarco_kg.store import GraphStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ELM = "http://data.europa.eu/snb/model/elm/"
ESCO = "http://data.europa.eu/esco/model#"
ROV = "http://www.w3.org/ns/regorg#"
SMARCO = "https://w3id.org/smarco/ontology#"
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"

# kind of text -> (predicate, weight: a match in a text of higher weight ranks lower)
KINDS: dict[str, tuple[str, float]] = {
    "preferred": (f"{SKOS}prefLabel", 1.0),
    "title": (f"{DCT}title", 1.0),
    "alternative": (f"{SKOS}altLabel", 1.6),
    "hidden": (f"{SKOS}hiddenLabel", 2.5),
    "description": (f"{DCT}description", 4.0),
}
_KIND_OF = {predicate: kind for kind, (predicate, _) in KINDS.items()}
LABEL_KINDS = ("preferred", "title", "alternative")
"""The texts suggest completes: what people call a thing, not what describes it."""

_SPEC = f"<{ELM}learningAchievementSpecification>"
COURSE_FACETS: dict[str, str] = {
    "skill": f"{_SPEC}/<{ELM}learningOutcome>/<{ELM}relatedESCOSkill>",
    "eqf": f"{_SPEC}/<{ELM}EQFLevel>",
    "language": f"<{ELM}defaultLanguage>|{_SPEC}/<{DCT}language>",
    "mode": f"{_SPEC}/<{ELM}mode>",
    "credits": f"{_SPEC}/<{ELM}creditPoint>",  # an ECTS credit point: its elm:point
    "provider": f"<{ELM}providedBy>",
    "aim": f"<{SMARCO}aim>",
    "target_group": f"{_SPEC}/<{ELM}targetGroup>",
}
"""What a course is faceted by, stored per course: the property path from the course to the value."""
DERIVED_FACETS: dict[str, tuple[str, str]] = {"occupation": ("skill", "occupation"), "country": ("provider", "country")}
"""Facets that follow a link from a stored facet's value: (the facet, the link)."""
FACETS: tuple[str, ...] = (
    "skill", "occupation", "eqf", "language", "mode", "country", "credits", "provider", "aim", "target_group",
)  # fmt: skip
_LINKS: dict[str, str] = {
    "occupation": f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?o a <{ESCO}Occupation> ; <{ESCO}relatedEssentialSkill> ?s }} }}",
    "country": f"SELECT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{ELM}location>/<{ELM}address>/<{ELM}countryCode> ?o }} }}",
}
# label property -> rank (lower first): an organisation's legal name before its short name
_LABELS: dict[str, int] = {f"{ROV}legalName": 0, f"{SKOS}prefLabel": 1, f"{DCT}title": 2, f"{RDFS}label": 3}
_ORDERED_BY_VALUE = frozenset({"eqf", "credits"})

_VERSION = 5  # of the schema below: a file of another version is emptied and re-indexed
_TABLES = ("entry_text", "entry", "scheme", "indexed", "course", "course_facet", "link", "label")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entry (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL, graph TEXT NOT NULL, type TEXT NOT NULL,
  kind TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL, folded TEXT NOT NULL, stemmed TEXT NOT NULL,
  sort TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entry_graph ON entry(graph);
CREATE INDEX IF NOT EXISTS entry_iri ON entry(iri);
CREATE INDEX IF NOT EXISTS entry_folded ON entry(folded);
CREATE TABLE IF NOT EXISTS scheme (iri TEXT NOT NULL, graph TEXT NOT NULL, scheme TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS scheme_iri ON scheme(iri, scheme);
CREATE INDEX IF NOT EXISTS scheme_graph ON scheme(graph);
CREATE TABLE IF NOT EXISTS indexed (graph TEXT PRIMARY KEY, triples INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS entry_text USING fts5(
  folded, stemmed, content='entry', content_rowid='id', tokenize='unicode61 remove_diacritics 2',
  prefix='1 2 3');
CREATE TABLE IF NOT EXISTS course (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, graph TEXT NOT NULL, sort TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS course_graph ON course(graph);
CREATE TABLE IF NOT EXISTS course_facet (
  course INTEGER NOT NULL, facet TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (facet, value, course))
  WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS course_facet_course ON course_facet(course, facet, value);
CREATE TABLE IF NOT EXISTS link (
  relation TEXT NOT NULL, subject TEXT NOT NULL, object TEXT NOT NULL, graph TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS link_subject ON link(relation, subject, object);
CREATE INDEX IF NOT EXISTS link_object ON link(relation, object, subject);
CREATE INDEX IF NOT EXISTS link_graph ON link(graph);
CREATE TABLE IF NOT EXISTS label (
  iri TEXT NOT NULL, graph TEXT NOT NULL, rank INTEGER NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL,
  folded TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS label_iri ON label(iri);
CREATE INDEX IF NOT EXISTS label_folded ON label(folded);
CREATE INDEX IF NOT EXISTS label_graph ON label(graph);
"""
_MAX_TEXT = 200
_MAX_PARAMETERS = 900  # values bound in one statement (SQLite before 3.32 allows 999)
_WORD = re.compile(r"[^\W_]+")
# two-letter language -> the Snowball algorithm for it (those snowballstemmer has; other languages are not stemmed)
_ALGORITHMS = {
    "ar": "arabic", "ca": "catalan", "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "eo": "esperanto", "es": "spanish", "et": "estonian", "eu": "basque", "fa": "persian", "fi": "finnish",
    "fr": "french", "ga": "irish", "hi": "hindi", "hu": "hungarian", "hy": "armenian", "id": "indonesian",
    "it": "italian", "lt": "lithuanian", "nb": "norwegian", "ne": "nepali", "nl": "dutch", "nn": "norwegian",
    "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "st": "sesotho", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}  # fmt: skip


class SearchError(BadParameter, ValueError):
    """A search request that cannot be answered: the parameter, its value and a message for the user."""


@dataclass(frozen=True)
class Hit:
    iri: str
    type: str
    label: str  # the preferred label or title in the language asked for, else English, else any
    matched: str  # the text that matched best
    matched_kind: str
    lang: str
    score: float


@dataclass(frozen=True)
class Term:
    """A value as people read it: its IRI (or the number, for credits) and its label in the language asked."""

    value: str
    label: str


@dataclass(frozen=True)
class FacetValue:
    value: str
    label: str
    count: int  # courses that have it among those the other facets' choices leave
    chosen: bool


@dataclass(frozen=True)
class CourseHit:
    iri: str
    title: str
    title_lang: str  # the language of the title ('' when it has none): may differ from the one asked for
    score: float  # higher is better; 0 without text
    values: dict[str, list[Term]]  # facet -> the course's values (the stored facets)
    matched_skills: list[Term]  # its skills that the text or the chosen skills and occupations name


@dataclass(frozen=True)
class CourseResults:
    hits: list[CourseHit]
    total: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)


def fold(text: str) -> str:
    """Lower case without accents: how the index compares texts."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@cache
def _stemmer(lang: str) -> Any:
    algorithm = _ALGORITHMS.get(lang.split("-")[0] or "en")
    return snowballstemmer.stemmer(algorithm) if algorithm in snowballstemmer.algorithms() else None


def stems(text: str, lang: str) -> list[str]:
    """The words of ``text`` as Snowball stems in ``lang`` (its primary subtag; none: English), accents folded;
    the folded words themselves in a language without a stemmer."""
    words = _WORD.findall(text.casefold())
    stemmer = _stemmer(lang.lower())
    if stemmer is not None:
        words = stemmer.stemWords(words)
    return [fold(w) for w in words]


def stemmed_languages() -> list[str]:
    """The languages (two-letter tags) whose words are stemmed."""
    return sorted(lang for lang in _ALGORITHMS if _stemmer(lang) is not None)


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


class SearchIndex:
    """The index file beside the store; safe to share between the server's threads."""

    def __init__(
        self, path: Path | None, types: dict[str, tuple[str, ...]], described: frozenset[str] = frozenset()
    ) -> None:
        """``types``: what ``type=`` names -> the classes of that type (the catalogue's search types);
        ``described``: the types whose descriptions are searched too."""
        self.path = path
        self.types = types
        self.described = described
        self._type_of = {cls: name for name, classes in types.items() for cls in classes}
        self._lock = threading.Lock()
        self._db = open_sidecar(path, "")
        if self._db.execute("PRAGMA user_version").fetchone()[0] != _VERSION:
            with self._db:
                for table in _TABLES:
                    self._db.execute(f"DROP TABLE IF EXISTS {table}")
            self._db.execute(f"PRAGMA user_version = {_VERSION}")
        self._db.executescript(_SCHEMA)
        self._languages: list[str] | None = None
        self._resolved: dict[tuple[str, str], tuple[str, ...]] = {}
        self._table: CourseTable | None = None
        self._matched: dict[str, tuple[Scores, set[str]]] = {}
        self._suggested: dict[tuple[str, tuple[str, ...], str, int], list[Hit]] = {}
        self._version = 0  # re-indexes so far: what is remembered is remembered for one version
        self._label_cache: dict[str, dict[str, str | None]] = {}

    def close(self) -> None:
        self._db.close()

    # -- keeping it in step with the store

    def reindex(self, store: GraphStore, graphs: Iterable[str]) -> int:
        """Re-read the texts and course facets of these graphs from the store, in one SQLite transaction; returns
        the texts written."""
        graphs = sorted(set(graphs))
        texts = [row for graph in graphs for row in _texts(store, graph, self._type_of, self.described)]
        schemes = [row for graph in graphs for row in _schemes(store, graph)]
        courses = _courses(store, graphs, self.types.get("course", ()))
        facets = _course_facets(store, graphs, self.types.get("course", ()))
        links = [row for relation in _LINKS for row in _links(store, graphs, relation)]
        labels = list(_term_labels(store, graphs))
        sizes = {graph: store.graph_size(graph) for graph in graphs}
        marks = ",".join("?" * len(graphs))
        with self._lock, self._db:
            self._db.execute(
                "INSERT INTO entry_text(entry_text, rowid, folded, stemmed) SELECT 'delete', id, folded, stemmed "
                f"FROM entry WHERE graph IN ({marks})",
                graphs,
            )
            self._db.execute(
                f"DELETE FROM course_facet WHERE course IN (SELECT id FROM course WHERE graph IN ({marks}))", graphs
            )
            for table in ("entry", "scheme", "indexed", "course", "link", "label"):
                self._db.execute(f"DELETE FROM {table} WHERE graph IN ({marks})", graphs)
            self._db.executemany(
                "INSERT INTO entry(iri, graph, type, kind, lang, text, folded, stemmed, sort) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                texts,
            )
            self._db.execute(
                "INSERT INTO entry_text(rowid, folded, stemmed) SELECT id, folded, stemmed FROM entry "
                f"WHERE graph IN ({marks})",
                graphs,
            )
            self._db.executemany("INSERT INTO scheme(iri, graph, scheme) VALUES (?, ?, ?)", schemes)
            sorts = {row[0]: row[8] for row in texts}
            self._db.executemany(
                "INSERT OR IGNORE INTO course(iri, graph, sort) VALUES (?, ?, ?)",
                [(iri, graph, sorts.get(iri, "")) for iri, graph in courses],
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO course_facet(course, facet, value) SELECT id, ?, ? FROM course WHERE iri = ?",
                [(facet, value, iri) for iri, facet, value in facets],
            )
            self._db.executemany("INSERT INTO link(relation, subject, object, graph) VALUES (?, ?, ?, ?)", links)
            self._db.executemany(
                "INSERT INTO label(iri, graph, rank, lang, text, folded) VALUES (?, ?, ?, ?, ?, ?)",
                [(*row, fold(row[4])) for row in labels],
            )
            self._db.executemany(
                "INSERT INTO indexed(graph, triples) VALUES (?, ?)", [(g, n) for g, n in sizes.items() if n]
            )
            self._forget()
        return len(texts)

    def reread(self) -> None:
        """Forget what was read from the index file: another process re-indexed it (``search_catchup``)."""
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        """Drop what is remembered from the file (held under the lock)."""
        self._languages = None
        self._resolved.clear()
        self._table = None
        self._matched.clear()
        self._suggested.clear()
        self._version += 1
        self._label_cache.clear()

    def stale(self, store: GraphStore) -> dict[str, int]:
        """The graphs whose size in the store differs from when they were indexed (or that are new or gone), with
        the triples each holds now (0: gone)."""
        now = {g: n for g, n in store.graph_sizes().items() if g and n}
        with self._lock:
            then = dict(self._db.execute("SELECT graph, triples FROM indexed").fetchall())
        return {g: now.get(g, 0) for g in set(now) | set(then) if now.get(g) != then.get(g)}

    def stale_graphs(self, store: GraphStore) -> set[str]:
        """The graphs whose size in the store differs from when they were indexed (or that are new or gone)."""
        return set(self.stale(store))

    def ensure_fresh(self, store: GraphStore) -> set[str]:
        """Re-index whatever changed since the index last saw the store; returns those graphs."""
        stale = self.stale_graphs(store)
        if stale:
            self.reindex(store, stale)
        return stale

    # -- asking it

    def _match(self, words: list[str], prefix: bool, languages: Sequence[str]) -> str:
        """The FTS5 query: every word, whole (folded) or as its stem in any of ``languages``; the last one as a
        prefix of a whole word with ``prefix``."""
        clauses = []
        for i, word in enumerate(words):
            last = prefix and i == len(words) - 1
            options = [f"folded : {_quote(word)}{'*' if last else ''}"]
            if not last:
                found = {s for lang in languages for s in stems(word, lang)[:1]}
                options += [f"stemmed : {_quote(s)}" for s in sorted(found)]
            clauses.append("(" + " OR ".join(options) + ")")
        return " AND ".join(clauses)

    def _stem_languages(self, language: str | None) -> list[str]:
        """The languages a query's words are stemmed in: the one asked for, else every language indexed."""
        if language:
            return [language, "en"] if language.split("-")[0] != "en" else [language]
        if self._languages is None:
            rows = self._db.execute("SELECT DISTINCT lang FROM entry").fetchall()
            self._languages = sorted({(lang or "en").split("-")[0] for (lang,) in rows} | {"en"})
        return self._languages

    def search(
        self,
        text: str,
        *,
        types: Iterable[str] = (),
        language: str | None = None,
        scheme: str | None = None,
        limit: int = 20,
        offset: int = 0,
        prefix: bool = False,
        kinds: Iterable[str] = (),
        label_language: str | None = None,
    ) -> tuple[list[Hit], int]:
        """Ranked resources whose texts contain every word of ``text``, whole or stemmed (the last one as a prefix
        with ``prefix``); returns one page and the number of matching resources. ``language`` keeps texts in that
        language (and texts without one); ``kinds`` keeps those kinds of text; labels come in ``label_language``
        (default ``language``, else English). Text without a word (punctuation, spaces) matches nothing: an empty
        page, as any text that occurs nowhere."""
        words = _words(text)[:12]
        types = list(types)
        kinds = list(kinds)
        for t in types:
            if t not in self.types:
                raise SearchError("type", t, f"use one of {', '.join(self.types)}")
        if not words:
            return [], 0
        conditions: list[str] = []
        params: list[str] = []
        if types:
            conditions.append(f"e.type IN ({','.join('?' * len(types))})")
            params += types
        if kinds:
            conditions.append(f"e.kind IN ({','.join('?' * len(kinds))})")
            params += kinds
        if language:
            conditions.append("(e.lang = ? OR e.lang LIKE ? OR e.lang = '')")
            params += [language.lower(), f"{language.lower()}-%"]
        if scheme:
            conditions.append("EXISTS (SELECT 1 FROM scheme s WHERE s.iri = e.iri AND s.scheme = ?)")
            params.append(scheme)
        where = " AND ".join(conditions) or "1"
        weight = " ".join(f"WHEN '{kind}' THEN {w}" for kind, (_, w) in KINDS.items())
        exact = fold(" ".join(words))
        query = f"""
WITH found AS MATERIALIZED (
  SELECT rowid AS id, bm25(entry_text, 2.0, 1.0) AS relevance FROM entry_text WHERE entry_text MATCH ?),
matched AS (
  SELECT e.iri, e.type, e.kind, e.lang, e.text, e.sort,
         f.relevance / (CASE e.kind {weight} ELSE 5 END)
         * (CASE WHEN e.folded = ? THEN 5 WHEN e.folded LIKE ? THEN 2 ELSE 1 END) AS score
  FROM found f JOIN entry e ON e.id = f.id
  WHERE {where}
), best AS (
  SELECT iri, type, kind, lang, text, sort, MIN(score) AS score FROM matched GROUP BY iri
)
SELECT iri, type, kind, lang, text, score, COUNT(*) OVER () FROM best ORDER BY score, sort, iri LIMIT ? OFFSET ?"""
        count_query = f"""
WITH found AS (SELECT rowid AS id FROM entry_text WHERE entry_text MATCH ?)
SELECT COUNT(DISTINCT e.iri) FROM found f JOIN entry e ON e.id = f.id WHERE {where}"""
        with self._lock:
            match = self._match(words, prefix, self._stem_languages(language))
            try:
                rows = self._db.execute(query, [match, exact, exact + "%", *params, limit, offset]).fetchall()
                total = rows[0][6] if rows else self._db.execute(count_query, [match, *params]).fetchone()[0]
            except sqlite3.OperationalError as error:
                raise SearchError("text", text, f"cannot search for it: {error}") from error
            labels = self._labels([r[0] for r in rows], label_language or language or "en")
        hits = [Hit(iri, t, labels.get(iri, matched), matched, kind, lang, -score)
                for iri, t, kind, lang, matched, score, _ in rows]  # fmt: skip
        return hits, total

    def suggest(
        self, text: str, *, types: Iterable[str] = ("skill", "occupation", "course"), lang: str = "en", limit: int = 8
    ) -> list[Hit]:
        """Type-ahead: resources whose labels or titles (in any language) start with the words typed, shortest
        first, then those holding the words anywhere (the last one completed as a prefix); labels in ``lang``."""
        known = [t for t in types if t in self.types]
        words = _words(text)[:12]
        if not words or not known:
            return []
        key = (" ".join(words), tuple(known), lang, limit)
        with self._lock:  # remembered until the next re-index, as the words' courses are
            version = self._version
            if key in self._suggested:
                return list(self._suggested[key])
        hits = self._suggest(words, known, lang, limit)
        with self._lock:
            if self._version == version:  # not re-indexed meanwhile
                if len(self._suggested) >= 256:
                    self._suggested.pop(next(iter(self._suggested)))
                self._suggested[key] = hits
        return list(hits)

    def _suggest(self, words: list[str], known: list[str], lang: str, limit: int) -> list[Hit]:
        typed = " ".join(words)
        conditions = f"e.type IN ({','.join('?' * len(known))}) AND e.kind IN ({','.join('?' * len(LABEL_KINDS))})"
        found: dict[str, tuple[str, str, str, str]] = {}
        with self._lock:
            starting = self._db.execute(
                f"SELECT e.iri, e.type, e.kind, e.lang, e.text FROM entry e "
                f"WHERE e.folded >= ? AND e.folded < ? AND {conditions} ORDER BY length(e.folded), e.folded LIMIT 200",
                [typed, typed + "\U0010ffff", *known, *LABEL_KINDS],
            ).fetchall()
            for iri, type_, kind, lang_, label in starting:
                found.setdefault(iri, (type_, kind, lang_, label))
            if len(found) < limit:
                match = self._match(words, True, ())
                anywhere = self._db.execute(
                    "SELECT e.iri, e.type, e.kind, e.lang, e.text FROM (SELECT rowid AS id, rank FROM entry_text "
                    f"WHERE entry_text MATCH ? ORDER BY rank LIMIT 400) f JOIN entry e ON e.id = f.id "
                    f"WHERE {conditions} ORDER BY f.rank",
                    [match, *known, *LABEL_KINDS],
                ).fetchall()
                for iri, type_, kind, lang_, label in anywhere:
                    found.setdefault(iri, (type_, kind, lang_, label))
            chosen = list(found.items())[:limit]
            labels = self._labels([iri for iri, _ in chosen], lang)
        return [
            Hit(iri, type_, labels.get(iri, label), label, kind, lang_, float(limit - i))
            for i, (iri, (type_, kind, lang_, label)) in enumerate(chosen)
        ]

    def _labels(self, iris: list[str], language: str) -> dict[str, str]:
        return {iri: label for iri, (label, _) in self._labels_in(iris, language).items()}

    def _labels_in(self, iris: list[str], language: str) -> dict[str, tuple[str, str]]:
        """iri -> (preferred label or title, its language): in ``language``, else English, else any."""
        if not iris:
            return {}
        marks = ",".join("?" * len(iris))
        rows = self._db.execute(
            f"SELECT iri, lang, text FROM entry WHERE kind IN ('preferred', 'title') AND iri IN ({marks})", iris
        ).fetchall()
        chosen: dict[str, tuple[int, str, str]] = {}
        for iri, lang, label in rows:
            rank = _language_rank(lang, language)
            if iri not in chosen or (rank, label) < chosen[iri][:2]:
                chosen[iri] = (rank, label, lang)
        return {iri: (label, lang) for iri, (_, label, lang) in chosen.items()}

    def term_labels(self, iris: Iterable[str], language: str = "en") -> dict[str, str]:
        """The labels of terms (skills, organisations, code-list concepts…) in ``language``, else English, else
        any; a term without one is left out."""
        iris = sorted(set(iris))
        if not iris:
            return {}
        with self._lock:
            return self._term_labels(iris, language)

    def _term_labels(self, iris: list[str], language: str) -> dict[str, str]:
        known = self._label_cache.setdefault(language, {})
        if len(known) > 100_000:
            known.clear()
        missing = [iri for iri in iris if iri not in known]
        if missing:
            found = self._read_term_labels(missing, language)
            known.update({iri: found.get(iri) for iri in missing})
        return {iri: label for iri in iris if (label := known.get(iri)) is not None}

    def _read_term_labels(self, iris: list[str], language: str) -> dict[str, str]:
        chosen: dict[str, tuple[int, int, str]] = {}
        for start in range(0, len(iris), _MAX_PARAMETERS):
            part = iris[start : start + _MAX_PARAMETERS]
            marks = ",".join("?" * len(part))
            for iri, rank, lang, label in self._db.execute(
                f"SELECT iri, rank, lang, text FROM label WHERE iri IN ({marks})", part
            ):
                key = (_language_rank(lang, language), rank, label)
                if iri not in chosen or key < chosen[iri]:
                    chosen[iri] = key
        return {iri: label for iri, (_, _, label) in chosen.items()}

    def resolve(self, facet: str, raw: str) -> tuple[str, ...]:
        """The values of ``facet`` that ``raw`` names: the value itself (an IRI, a number of credits), its last
        segment (an ESCO id, a code such as ESP or 6, a slug; any case) or its label in any language (accents and
        case folded); none when nothing does."""
        raw = raw.strip()
        if facet not in FACETS:
            raise SearchError(facet, raw, f"facet by one of {', '.join(FACETS)}")
        key = (facet, raw)
        with self._lock:
            if key not in self._resolved:
                if len(self._resolved) > 10_000:
                    self._resolved.clear()
                self._resolved[key] = self._resolve(facet, raw)
            return self._resolved[key]

    def _resolve(self, facet: str, raw: str) -> tuple[str, ...]:
        if facet == "credits":
            number = _number(raw)
            return (number,) if number is not None else ()
        if facet in DERIVED_FACETS:
            known = "SELECT DISTINCT object FROM link WHERE relation = ?"
            param = DERIVED_FACETS[facet][1]
        else:
            known = "SELECT DISTINCT value FROM course_facet WHERE facet = ?"
            param = facet
        exact = self._db.execute(f"{known} AND {_column(facet)} = ?", [param, raw]).fetchall()
        if exact:
            return (raw,)
        tail = raw.rsplit("/", 1)[-1]
        if tail and not re.search(r"[%_\s]", tail):
            found = [v for (v,) in self._db.execute(f"{known} AND {_column(facet)} LIKE ?", [param, f"%/{tail}"])]
            found += [v for (v,) in self._db.execute(f"{known} AND {_column(facet)} LIKE ?", [param, f"%#{tail}"])]
            if found:
                return tuple(sorted(set(found)))
        named = [
            v
            for (v,) in self._db.execute(
                f"{known} AND {_column(facet)} IN (SELECT iri FROM label WHERE folded = ?)", [param, fold(raw)]
            )
        ]
        return tuple(sorted(set(named)))

    def courses(
        self,
        text: str = "",
        chosen: Mapping[str, Iterable[str]] | None = None,
        *,
        lang: str = "en",
        limit: int = 20,
        offset: int = 0,
        facet_limit: int = 12,
    ) -> CourseResults:
        """Courses whose texts, or the labels of the skills they teach, hold every word of ``text`` (all courses
        without text), that have one of the ``chosen`` values of each facet; ranked by relevance, then title. With
        the page, the counts of every facet's values among the courses the other facets' choices leave (the
        ``facet_limit`` most frequent, and every chosen one)."""
        picked = {f: tuple(dict.fromkeys(v for v in values if v)) for f, values in (chosen or {}).items()}
        picked = {f: values for f, values in picked.items() if values}
        for facet in picked:
            if facet not in FACETS:
                raise SearchError(facet, ",".join(picked[facet]), f"facet by one of {', '.join(FACETS)}")
        words = _words(text)[:12]
        with self._lock:
            table = self._course_table()
            scores: Scores | None = None
            found_skills: set[str] = set()
            if words:
                try:
                    scores, found_skills = self._matches(table, words)
                except sqlite3.OperationalError as error:
                    raise SearchError("text", text, f"cannot search for it: {error}") from error
            having = {f: table.having(f, values) for f, values in picked.items()}
            found = None if scores is None else np.isfinite(scores)
            everything = self._restrict(found, having, but="")
            total = table.size if everything is None else int(np.count_nonzero(everything))
            order = table.ranked(everything, scores, offset, limit)
            facets: dict[str, list[tuple[str, int, bool]]] = {}
            for facet in FACETS:
                among = everything if facet not in having else self._restrict(found, having, but=facet)
                by_value = facet in _ORDERED_BY_VALUE
                facets[facet] = table.counts(facet, among, picked.get(facet, ()), facet_limit, by_value=by_value)
            wanted = set(picked.get("skill", ())) | found_skills
            wanted |= self._skills_of(picked.get("occupation", ()))
            shown = {v for values in facets.values() for v, _, _ in values}
            values = {facet: table.values_of(facet, order) for facet in COURSE_FACETS}
            shown |= {v for per_course in values.values() for course_values in per_course for v in course_values}
            labels = self._term_labels(sorted(shown), lang)
            titles = self._labels_in([table.iris[c] for c in order], lang)
        hits = []
        for n, course in enumerate(order):
            iri = table.iris[course]
            terms = {facet: [Term(v, _named(labels, facet, v)) for v in values[facet][n]] for facet in COURSE_FACETS}
            terms = {facet: values for facet, values in terms.items() if values}
            matched = [t for t in terms.get("skill", []) if t.value in wanted]
            title, title_lang = titles.get(iri, (iri, ""))
            score = -float(scores[course]) if scores is not None else 0.0
            hits.append(CourseHit(iri, title, title_lang, score, terms, matched))
        named = {
            facet: [FacetValue(v, _named(labels, facet, v), n, c) for v, n, c in values]
            for facet, values in facets.items()
        }
        return CourseResults(hits, total, named)

    @staticmethod
    def _restrict(matched: Mask | None, having: Mapping[str, Mask], *, but: str) -> Mask | None:
        """The courses matching the text and every facet's choice (but ``but``'s); None for every course."""
        masks = [mask for facet, mask in having.items() if facet != but]
        if matched is not None:
            masks.append(matched)
        if len(masks) <= 1:
            return masks[0] if masks else None
        return np.logical_and.reduce(masks)

    def _course_table(self) -> CourseTable:
        """The courses and their facet values in memory, read once after each re-index: counting them here costs a
        few milliseconds at 10,000 courses where SQL over the text values costs hundreds."""
        if self._table is None:
            self._table = CourseTable.read(self._db, FACETS, DERIVED_FACETS)
        return self._table

    def _skills_of(self, occupations: Sequence[str]) -> set[str]:
        """The skills linked to any of ``occupations`` (read from the index, not held with the course table)."""
        if not occupations:
            return set()
        marks = ",".join("?" * len(occupations))
        relation = DERIVED_FACETS["occupation"][1]  # skill -> occupation, the link the facet follows
        rows = self._db.execute(
            f"SELECT subject FROM link WHERE relation = ? AND object IN ({marks})", [relation, *occupations]
        )
        return {subject for (subject,) in rows}

    def _matches(self, table: CourseTable, words: list[str]) -> tuple[Scores, set[str]]:
        """``_find_courses``, remembered until the next re-index: people change facets, not words, most often."""
        key = " ".join(words)
        if key not in self._matched:
            if len(self._matched) >= 64:
                self._matched.pop(next(iter(self._matched)))
            scored, skills = self._find_courses(table, words)
            self._matched[key] = (table.scores(scored), skills)
        return self._matched[key]

    def _find_courses(self, table: CourseTable, words: list[str]) -> tuple[dict[int, float], set[str]]:
        """Course -> score (lower is better) for the courses matching by their own texts, or through the labels of
        a skill they teach (ranked as a description); and the skills the words name. Words are stemmed in every
        language the index holds: a Spanish speaker's words find a Portuguese title too (an OR of stems costs about
        what the match of one word does, once no bm25() is computed over it)."""
        match = self._match(words, False, self._stem_languages(None))
        weight = " ".join(f"WHEN '{kind}' THEN {w}" for kind, (_, w) in KINDS.items())
        exact = fold(" ".join(words))
        whole = " AND ".join("instr(' ' || e.folded || ' ', ?) > 0" for _ in words)
        # Relevance without bm25(): every row holds every word, so what BM25 would tell apart is how much else the
        # text says (its length), the kind of text and whether the words occur whole or only as stems; bm25() over
        # the OR-ed stems cost five times the match itself (62 ms against 12 ms for 5,700 rows, 10,000 courses).
        rows = self._db.execute(
            f"""
SELECT e.iri, e.type,
       -1.0 / (CASE WHEN e.type = 'skill' THEN 4 ELSE CASE e.kind {weight} ELSE 5 END END)
       * (CASE WHEN e.type = 'skill' THEN 1 WHEN e.folded = ? THEN 5 WHEN e.folded LIKE ? THEN 2 ELSE 1 END)
       * (CASE WHEN {whole} THEN 2 ELSE 1 END) / (1 + length(e.folded) / 40.0)
FROM entry_text JOIN entry e ON e.id = entry_text.rowid
WHERE entry_text MATCH ?
  AND (e.type = 'course' OR (e.type = 'skill' AND e.kind IN ('preferred', 'alternative', 'hidden')))""",
            [exact, exact + "%", *(f" {w} " for w in words), match],
        ).fetchall()
        scores: dict[int, float] = {}
        skills: set[str] = set()
        for iri, type_, score in rows:
            if type_ == "course":
                found = table.index.get(iri)
                courses: Iterable[int] = () if found is None else (found,)
            else:
                skills.add(iri)
                courses = table.courses_with("skill", iri)
            for course in courses:
                if course not in scores or score < scores[course]:
                    scores[course] = score
        return scores, skills

    def courses_teaching(self, skills: Sequence[str]) -> dict[str, tuple[str, ...]]:
        """The courses teaching each of ``skills`` (those whose skill facet holds it: an outcome of their
        specification names it), sorted: one lookup of the facet's key, 0.14 ms for a course's six skills at 10,450
        courses where the store's four-pattern join took 6.9 ms. Read from the file, not the course table, which a
        write makes every process read again."""
        found: dict[str, list[str]] = {skill: [] for skill in skills}
        wanted = sorted(found)
        with self._lock:
            for start in range(0, len(wanted), _MAX_PARAMETERS):
                part = wanted[start : start + _MAX_PARAMETERS]
                rows = self._db.execute(
                    "SELECT f.value, c.iri FROM course_facet f JOIN course c ON c.id = f.course "
                    f"WHERE f.facet = 'skill' AND f.value IN ({','.join('?' * len(part))}) ORDER BY c.iri",
                    part,
                )
                for skill, course in rows:
                    found[skill].append(course)
        return {skill: tuple(courses) for skill, courses in found.items()}

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT type, COUNT(DISTINCT iri) FROM entry GROUP BY type").fetchall())


def _column(facet: str) -> str:
    return "object" if facet in DERIVED_FACETS else "value"


def token(facet: str, value: str) -> str:
    """The short form of a facet's value for URLs, which ``SearchIndex.resolve`` reads back: its last segment
    (an ESCO id, a code, a slug), or the number of credits."""
    if facet == "credits":
        return value
    return value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1] or value


def _named(labels: Mapping[str, str], facet: str, value: str) -> str:
    """``value``'s label, else its plain name (worked out only then: it was, for every value shown, 2.5 % of a
    search page)."""
    return labels[value] if value in labels else _plain_label(facet, value)


def _plain_label(facet: str, value: str) -> str:
    """What a value without a label in the index reads as: credits and EQF levels as numbers, else its last
    segment."""
    if facet == "credits":
        return value
    return value.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _language_rank(lang: str, wanted: str) -> int:
    """0 for the language asked for, then its variants, then English, then none, then any other."""
    if lang == wanted:
        return 0
    if lang.split("-")[0] == wanted.split("-")[0]:
        return 1
    return 2 if lang == "en" else 3 if not lang else 4


def _texts(
    store: GraphStore, graph: str, type_of: dict[str, str], described: frozenset[str]
) -> list[tuple[str, str, str, str, str, str, str, str, str]]:
    classes = " ".join(f"<{c}>" for c in type_of)
    predicates = ", ".join(f"<{p}>" for p, _ in KINDS.values())
    query = f"""SELECT ?s ?class ?p ?text WHERE {{ GRAPH <{graph}> {{
  VALUES ?class {{ {classes} }} ?s a ?class . ?s ?p ?text . FILTER(?p IN ({predicates}) && isLiteral(?text))
}} }}"""
    rows: list[tuple[str, str, str, str, str]] = []
    sort: dict[str, tuple[int, str]] = {}
    for row in store.query(query).rows():
        type_ = type_of[str(row["class"])]
        kind = _KIND_OF[str(row["p"])]
        if kind == "description" and type_ not in described:
            continue
        literal = row["text"]
        text = str(literal)
        lang = (getattr(literal, "language", None) or "").lower()
        iri = str(row["s"])
        rows.append((iri, type_, kind, lang, text))
        if kind in ("preferred", "title"):
            key = (_language_rank(lang, "en"), fold(text))
            if iri not in sort or key < sort[iri]:
                sort[iri] = key
    return [
        (iri, graph, type_, kind, lang, text, fold(text), " ".join(stems(text, lang)), sort.get(iri, (0, ""))[1])
        for iri, type_, kind, lang, text in rows
    ]


def _schemes(store: GraphStore, graph: str) -> Iterator[tuple[str, str, str]]:
    query = f"SELECT DISTINCT ?s ?scheme WHERE {{ GRAPH <{graph}> {{ ?s <{SKOS}inScheme> ?scheme }} }}"
    for row in store.query(query).rows():
        yield str(row["s"]), graph, str(row["scheme"])


def _values(graphs: Sequence[str]) -> str:
    return "VALUES ?g { " + " ".join(f"<{g}>" for g in graphs) + " }"


def _courses(store: GraphStore, graphs: Sequence[str], classes: Sequence[str]) -> list[tuple[str, str]]:
    if not graphs or not classes:
        return []
    types = " ".join(f"<{c}>" for c in classes)
    query = (
        f"SELECT DISTINCT ?c ?g WHERE {{ {_values(graphs)} VALUES ?class {{ {types} }} GRAPH ?g {{ ?c a ?class }} }}"
    )
    return [(str(row["c"]), str(row["g"])) for row in store.query(query).rows()]


def _course_facets(store: GraphStore, graphs: Sequence[str], classes: Sequence[str]) -> list[tuple[str, str, str]]:
    """(course, facet, value) for the courses of ``graphs``: one query per facet (no UNION, which some stores
    plan badly), each over the course's own graph."""
    if not graphs or not classes:
        return []
    found: list[tuple[str, str, str]] = []
    types = " ".join(f"<{c}>" for c in classes)
    for facet, path in COURSE_FACETS.items():
        if facet == "credits":
            pattern = f"?c {path} ?_cp . ?_cp <{ELM}framework> <{ECTS}> ; <{ELM}point> ?v ."
        else:
            pattern = f"?c {path} ?v ."
        query = (
            f"SELECT DISTINCT ?c ?v WHERE {{ {_values(graphs)} VALUES ?class {{ {types} }} "
            f"GRAPH ?g {{ ?c a ?class . {pattern} }} }}"
        )
        for row in store.query(query).rows():
            value = _number(str(row["v"])) if facet == "credits" else str(row["v"])
            if value is not None:
                found.append((str(row["c"]), facet, value))
    return found


def _number(text: str) -> str | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return f"{number:g}" if number >= 0 else None


def _links(store: GraphStore, graphs: Sequence[str], relation: str) -> Iterator[tuple[str, str, str, str]]:
    query = _LINKS[relation].replace("WHERE {", f"?g WHERE {{ {_values(graphs)}", 1)
    for row in store.query(query).rows():
        yield relation, str(row["s"]), str(row["o"]), str(row["g"])


def _term_labels(store: GraphStore, graphs: Sequence[str]) -> Iterator[tuple[str, str, int, str, str]]:
    predicates = " ".join(f"<{p}>" for p in _LABELS)
    query = f"""SELECT ?s ?p ?l ?g WHERE {{ {_values(graphs)} VALUES ?p {{ {predicates} }}
  GRAPH ?g {{ ?s ?p ?l FILTER(isIRI(?s) && isLiteral(?l)) }} }}"""
    for row in store.query(query).rows():
        literal = row["l"]
        lang = (getattr(literal, "language", None) or "").lower()
        yield str(row["s"]), str(row["g"]), _LABELS[str(row["p"])], lang, str(literal)[:_MAX_TEXT]
