"""``SkillExtractor``: ranked ESCO skills for a text, from the ESCO in the store; the index built once per ESCO.

The index of a language is built on first use (lazily: a server that is never asked holds no model) and kept in
memory until ESCO changes. Whether it changed is checked cheaply: when the knowledge graph's write generation has
moved (any commit, an ESCO import included) or a minute has passed (another process may have imported ESCO into a
remote store), one small query reads ESCO's stamp (import time and number of skills); only a new stamp rebuilds.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from smarco_kg.errors import BadParameter
from smarco_kg.heap import trim
from smarco_kg.skill_extraction.esco_skills import LANGUAGE, esco_stamp, read_skills, skill_languages
from smarco_kg.skill_extraction.index import SkillIndex, Weights
from smarco_kg.skill_extraction.vectors import Embeddings
from smarco_kg.store import GraphStore

MAX_LIMIT = 100
MAX_TEXT = 20_000  # characters: a course's outcomes, not a book
RECHECK_SECONDS = 60.0
KEPT_LANGUAGES = 2  # indexes kept in memory at once (each ~60 MB with the whole ESCO)
FORMAT = "1"  # of the index file: a change of the index's arrays changes it
log = logging.getLogger("smarco_kg.skills")


@dataclass(frozen=True)
class SkillMatch:
    """One suggested skill: its IRI, its preferred label, a score (higher is better; comparable within one answer
    only) and the part of the text that matched, quoted as it stands in the text."""

    skill: str
    label: str
    score: float
    matched: str


class SkillExtractionError(BadParameter, ValueError):
    """A text, language or limit the extractor cannot take: names the parameter and says why."""


class SkillExtractor:
    """Suggests ESCO skills for a text: ``extract(text, lang, limit)``."""

    def __init__(
        self,
        store: GraphStore,
        graph: str,
        *,
        generation: Callable[[], int] | None = None,
        embeddings: Embeddings | None = None,
        weights: Weights | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.store, self.graph, self.cache_dir = store, graph, cache_dir
        self.generation = generation or (lambda: 0)
        self.weights = weights or Weights()
        self._embeddings = embeddings
        self._indexes: dict[str, SkillIndex] = {}  # lang -> index, most recently used last
        self._stamp: str | None = None
        self._checked = (-1, 0.0)  # the generation and time of the last check of ESCO's stamp
        self._lock = threading.Lock()

    @property
    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            self._embeddings = Embeddings()
        return self._embeddings

    def extract(self, text: str, lang: str = "en", limit: int = 10) -> list[SkillMatch]:
        """The ``limit`` skills that best match ``text`` (in ``lang``), best first; none for a text without words."""
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise SkillExtractionError("text", _brief(text), f"some text of at most {MAX_TEXT:,} characters")
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise SkillExtractionError("limit", limit, f"a whole number from 1 to {MAX_LIMIT}")
        lang = lang.lower() if isinstance(lang, str) else lang
        if not isinstance(lang, str) or not LANGUAGE.match(lang):
            raise SkillExtractionError("lang", lang, "a two- or three-letter language code such as en, es or it")
        if not text.strip():
            return []
        index = self.index(lang)
        return [
            SkillMatch(index.iris[s.index], index.labels[s.index], round(s.score, 4), text[s.start : s.end])
            for s in index.rank(text, limit)
        ]

    def index(self, lang: str) -> SkillIndex:
        """The index of ``lang`` for the ESCO in the store now, built if needed (several seconds with all of
        ESCO; callers wait for one build rather than each making their own)."""
        with self._lock:
            self._refresh()
            index = self._indexes.pop(lang, None)
            if index is None:
                index = self._saved(lang) or self._build(lang)
                while len(self._indexes) >= KEPT_LANGUAGES:
                    self._indexes.pop(next(iter(self._indexes)))
            self._indexes[lang] = index  # most recently used last
            return index

    def _build(self, lang: str) -> SkillIndex:
        started = time.monotonic()
        records = read_skills(self.store, self.graph, lang)
        if not records:
            known = skill_languages(self.store, self.graph)
            have = ", ".join(known) if known else "none: import ESCO first (smarco-kg import esco)"
            raise SkillExtractionError("lang", lang, f"ESCO in this store has no skills in it; it has {have}")
        index = SkillIndex(records, lang, self.embeddings, self.weights)
        del records
        trim()  # the build's transient ~150 MB (labels as text, stems, token vectors) back to the system
        log.info("skill index (%s, %d skills) built in %.1f s", lang, len(index), time.monotonic() - started)
        path = self._path(lang)
        if path is not None:
            try:
                for old in path.parent.glob(f"{lang}-*.npz"):
                    old.unlink(missing_ok=True)
                index.save(path)
            except OSError as error:  # a read-only folder: the index lives in memory only
                log.warning("skill index not kept at %s: %s", path, error)
        return index

    def _saved(self, lang: str) -> SkillIndex | None:
        """The index kept beside the store for this ESCO, if any (read in about a second instead of built)."""
        path = self._path(lang)
        if path is None or not path.exists():
            return None
        return SkillIndex.load(path, lang, self.embeddings, self.weights)

    def _path(self, lang: str) -> Path | None:
        if self.cache_dir is None or self._stamp is None:
            return None
        key = hashlib.sha256(f"{FORMAT}|{self.graph}|{self._stamp}".encode()).hexdigest()[:16]
        return self.cache_dir / f"{lang}-{key}.npz"

    def _refresh(self) -> None:
        """Drop the indexes when ESCO's stamp changed (checked after a commit, or a minute after the last check)."""
        generation, now = self.generation(), time.monotonic()
        if generation == self._checked[0] and now - self._checked[1] < RECHECK_SECONDS and self._stamp is not None:
            return
        stamp = esco_stamp(self.store, self.graph)
        if stamp != self._stamp:
            self._indexes.clear()
            self._stamp = stamp
        self._checked = (generation, now)


def _brief(value: object) -> object:
    """What an error quotes of a value: a long text cut short."""
    return value[:80] + "…" if isinstance(value, str) and len(value) > 80 else value
