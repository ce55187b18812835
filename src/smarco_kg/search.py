"""Full-text search and suggest over labels and titles: an SQLite FTS5 index kept beside the store.

Oxigraph has no text index, so labels of ESCO skills and occupations (preferred, alternative, hidden) and the
titles and descriptions of courses, credentials and practices are indexed here, one row per text, with the
graph it came from. Every commit re-indexes the graphs it touched (``reindex``); the index also records the
size of every graph it indexed, so a store changed behind its back (a crash between commit and re-index, a
load by another process) is noticed on opening and re-indexed (``ensure_fresh``). Accents and case are folded
by the ``unicode61`` tokenizer; ranking is BM25 weighted by the kind of text (preferred label first).
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from smarco_kg.errors import BadParameter
from smarco_kg.sidecar import open_sidecar
from smarco_kg.store import GraphStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"

# kind of text -> (predicate, weight: a match in a text of higher weight ranks lower)
KINDS: dict[str, tuple[str, float]] = {
    "preferred": (f"{SKOS}prefLabel", 1.0),
    "title": (f"{DCT}title", 1.0),
    "alternative": (f"{SKOS}altLabel", 1.6),
    "hidden": (f"{SKOS}hiddenLabel", 2.5),
    "description": (f"{DCT}description", 4.0),
}
_KIND_OF = {predicate: kind for kind, (predicate, _) in KINDS.items()}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entry (
  id INTEGER PRIMARY KEY, iri TEXT NOT NULL, graph TEXT NOT NULL, type TEXT NOT NULL,
  kind TEXT NOT NULL, lang TEXT NOT NULL, text TEXT NOT NULL, folded TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS entry_graph ON entry(graph);
CREATE INDEX IF NOT EXISTS entry_iri ON entry(iri);
CREATE TABLE IF NOT EXISTS scheme (iri TEXT NOT NULL, graph TEXT NOT NULL, scheme TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS scheme_iri ON scheme(iri, scheme);
CREATE INDEX IF NOT EXISTS scheme_graph ON scheme(graph);
CREATE TABLE IF NOT EXISTS indexed (graph TEXT PRIMARY KEY, triples INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS entry_text USING fts5(
  text, content='entry', content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
"""
_MAX_TEXT = 200


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


def fold(text: str) -> str:
    """Lower case without accents: how the index compares texts."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


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
        self._db = open_sidecar(path, _SCHEMA)

    def close(self) -> None:
        self._db.close()

    # -- keeping it in step with the store

    def reindex(self, store: GraphStore, graphs: Iterable[str]) -> int:
        """Re-read the texts of these graphs from the store, in one SQLite transaction; returns rows written."""
        graphs = sorted(set(graphs))
        texts = [row for graph in graphs for row in _texts(store, graph, self._type_of, self.described)]
        schemes = [row for graph in graphs for row in _schemes(store, graph)]
        sizes = {graph: store.graph_size(graph) for graph in graphs}
        with self._lock, self._db:
            for graph in graphs:
                self._db.execute(
                    "INSERT INTO entry_text(entry_text, rowid, text) SELECT 'delete', id, folded FROM entry "
                    "WHERE graph = ?",
                    (graph,),
                )
                self._db.execute("DELETE FROM entry WHERE graph = ?", (graph,))
                self._db.execute("DELETE FROM scheme WHERE graph = ?", (graph,))
                self._db.execute("DELETE FROM indexed WHERE graph = ?", (graph,))
            self._db.executemany(
                "INSERT INTO entry(iri, graph, type, kind, lang, text, folded) VALUES (?, ?, ?, ?, ?, ?, ?)", texts
            )
            marks = ",".join("?" * len(graphs))
            self._db.execute(
                f"INSERT INTO entry_text(rowid, text) SELECT id, folded FROM entry WHERE graph IN ({marks})", graphs
            )
            self._db.executemany("INSERT INTO scheme(iri, graph, scheme) VALUES (?, ?, ?)", schemes)
            self._db.executemany(
                "INSERT INTO indexed(graph, triples) VALUES (?, ?)", [(g, n) for g, n in sizes.items() if n]
            )
        return len(texts)

    def stale_graphs(self, store: GraphStore) -> set[str]:
        """The graphs whose size in the store differs from when they were indexed (or that are new or gone)."""
        now = {g: n for g, n in store.graph_sizes().items() if g and n}
        with self._lock:
            then = dict(self._db.execute("SELECT graph, triples FROM indexed").fetchall())
        return {g for g in set(now) | set(then) if now.get(g) != then.get(g)}

    def ensure_fresh(self, store: GraphStore) -> set[str]:
        """Re-index whatever changed since the index last saw the store; returns those graphs."""
        stale = self.stale_graphs(store)
        if stale:
            self.reindex(store, stale)
        return stale

    # -- asking it

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
    ) -> tuple[list[Hit], int]:
        """Ranked resources whose texts contain every word of ``text`` (the last one as a prefix with ``prefix``);
        returns one page and the number of matching resources. Text without a word (punctuation, spaces) matches
        nothing: an empty page, as any text that occurs nowhere."""
        words = _words(text)[:12]
        types = list(types)
        for t in types:
            if t not in self.types:
                raise SearchError("type", t, f"use one of {', '.join(self.types)}")
        if not words:
            return [], 0
        match = " ".join(f'"{w}"' for w in words[:-1])
        match = f'{match} "{words[-1]}"{"*" if prefix else ""}'.strip()
        conditions: list[str] = []
        params: list[str] = []
        if types:
            conditions.append(f"e.type IN ({','.join('?' * len(types))})")
            params += types
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
WITH found AS MATERIALIZED (SELECT rowid AS id, rank AS relevance FROM entry_text WHERE entry_text MATCH ?),
matched AS (
  SELECT e.iri, e.type, e.kind, e.lang, e.text,
         f.relevance / (CASE e.kind {weight} ELSE 5 END)
         * (CASE WHEN e.folded = ? THEN 5 WHEN e.folded LIKE ? THEN 2 ELSE 1 END) AS score
  FROM found f JOIN entry e ON e.id = f.id
  WHERE {where}
), best AS (
  SELECT iri, type, kind, lang, text, MIN(score) AS score FROM matched GROUP BY iri
)
SELECT iri, type, kind, lang, text, score, COUNT(*) OVER () FROM best ORDER BY score, iri LIMIT ? OFFSET ?"""
        count_query = f"""
WITH found AS (SELECT rowid AS id FROM entry_text WHERE entry_text MATCH ?)
SELECT COUNT(DISTINCT e.iri) FROM found f JOIN entry e ON e.id = f.id WHERE {where}"""
        with self._lock:
            try:
                rows = self._db.execute(query, [match, exact, exact + "%", *params, limit, offset]).fetchall()
                total = rows[0][6] if rows else self._db.execute(count_query, [match, *params]).fetchone()[0]
            except sqlite3.OperationalError as error:
                raise SearchError("text", text, f"cannot search for it: {error}") from error
            labels = self._labels([r[0] for r in rows], language or "en")
        hits = [Hit(iri, t, labels.get(iri, matched), matched, kind, lang, -score)
                for iri, t, kind, lang, matched, score, _ in rows]  # fmt: skip
        return hits, total

    def _labels(self, iris: list[str], language: str) -> dict[str, str]:
        if not iris:
            return {}
        marks = ",".join("?" * len(iris))
        rows = self._db.execute(
            f"SELECT iri, lang, text FROM entry WHERE kind IN ('preferred', 'title') AND iri IN ({marks})", iris
        ).fetchall()
        chosen: dict[str, tuple[int, str]] = {}
        for iri, lang, label in rows:
            rank = _language_rank(lang, language)
            if iri not in chosen or (rank, label) < chosen[iri]:
                chosen[iri] = (rank, label)
        return {iri: label for iri, (_, label) in chosen.items()}

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT type, COUNT(DISTINCT iri) FROM entry GROUP BY type").fetchall())


def _language_rank(lang: str, wanted: str) -> int:
    """0 for the language asked for, then its variants, then English, then none, then any other."""
    if lang == wanted:
        return 0
    if lang.split("-")[0] == wanted.split("-")[0]:
        return 1
    return 2 if lang == "en" else 3 if not lang else 4


def _texts(
    store: GraphStore, graph: str, type_of: dict[str, str], described: frozenset[str]
) -> Iterator[tuple[str, str, str, str, str, str, str]]:
    classes = " ".join(f"<{c}>" for c in type_of)
    predicates = ", ".join(f"<{p}>" for p, _ in KINDS.values())
    query = f"""SELECT ?s ?class ?p ?text WHERE {{ GRAPH <{graph}> {{
  VALUES ?class {{ {classes} }} ?s a ?class . ?s ?p ?text . FILTER(?p IN ({predicates}) && isLiteral(?text))
}} }}"""
    for row in store.query(query).rows():
        type_ = type_of[str(row["class"])]
        kind = _KIND_OF[str(row["p"])]
        if kind == "description" and type_ not in described:
            continue
        literal = row["text"]
        text = str(literal)
        lang = (getattr(literal, "language", None) or "").lower()
        yield str(row["s"]), graph, type_, kind, lang, text, fold(text)


def _schemes(store: GraphStore, graph: str) -> Iterator[tuple[str, str, str]]:
    query = f"SELECT DISTINCT ?s ?scheme WHERE {{ GRAPH <{graph}> {{ ?s <{SKOS}inScheme> ?scheme }} }}"
    for row in store.query(query).rows():
        yield str(row["s"]), graph, str(row["scheme"])
