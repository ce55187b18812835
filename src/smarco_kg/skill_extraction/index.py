"""The skill index: ESCO's labels and descriptions as stems (phrase and BM25 matching) and as static embeddings.

A text is scored against every skill in four ways, each in [0, 1], mixed by ``Weights``:

- **labels**: a label (preferred, alternative or hidden) whose stems the text contains, weighted by the stems'
  rarity among all labels: "time management" covers "manage time" whole. A skill takes its best label.
- **bm25**: BM25 of the text's stems over each skill's document (its labels, its description and the labels of
  its broader skills and skill groups: the hierarchy), divided by the best skill's score for this text.
- **vectors**: the cosine between the text's embedding (and each clause's) and the skill's preferred label or the
  mean of its other labels.
- **demand**: how many ESCO occupations ask for the skill (log scale), a prior: job ads and outcomes name the
  skills work needs.

Then the best-scored skills (``Weights.candidates``) are scored once more, **spans**: every label of theirs against
every run of one to five words of the text, by embedding; the best run is also what the answer quotes.

Built once per ESCO and language from ``SkillRecord``s; scoring is numpy over arrays, a few milliseconds a text.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from smarco_kg.skill_extraction.esco_skills import SkillRecord
from smarco_kg.skill_extraction.text import Word, content_stems, words
from smarco_kg.skill_extraction.vectors import Embeddings

KIND_WEIGHTS = {"preferred": 1.0, "alternative": 0.95, "hidden": 0.85}
_CLAUSE = re.compile(r"[^,;:.!?()\[\]/•*|\n]+")


@dataclass(frozen=True)
class Weights:
    """How the scores mix and the parameters of each (chosen on the development set, see bench/skills.py)."""

    labels: float = 1.0
    bm25: float = 0.6
    vectors: float = 2.0
    spans: float = 2.0
    demand: float = 0.3
    coverage_power: float = 2.0  # a label half covered counts a quarter of one covered whole
    min_coverage: float = 0.5
    k1: float = 1.2
    b: float = 0.75
    description_weight: float = 0.5  # a word of the description counts half a word of a label
    broader_weight: float = 0.3  # a word of a broader skill's or group's label
    clauses: int = 4  # the text's first clauses embedded besides the whole text
    candidates: int = 120  # skills scored by spans
    span_words: int = 5  # the longest run of words compared with labels
    max_spans: int = 600  # beyond this many runs (long texts), only runs of up to three words


@dataclass(frozen=True)
class Scored:
    index: int  # the skill's row
    score: float
    start: int  # the part of the text that matched (offsets)
    end: int


class _Postings:
    """stem -> (rows, values), stored flat (CSR) so that a text's rows are gathered with a few numpy calls."""

    def __init__(self, vocabulary: dict[str, int], terms: array, rows: array, values: array) -> None:
        """From parallel arrays of (term id in ``vocabulary``, row, value), each (term, row) once: arrays of
        machine numbers, not dicts, keep the build of ESCO's postings to ~10 MB."""
        ordered = sorted(vocabulary, key=vocabulary.__getitem__)
        term_ids = np.frombuffer(terms, dtype=np.int32)
        row_ids = np.frombuffer(rows, dtype=np.int32)
        order = np.lexsort((row_ids, term_ids))
        self.vocabulary = {stem: i for i, stem in enumerate(ordered)}
        self.ids = row_ids[order].copy()
        self.values = np.frombuffer(values, dtype=np.float32)[order].copy()
        counts = np.bincount(term_ids, minlength=len(ordered))
        self.offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.df = counts.astype(np.float32)

    ARRAYS = ("offsets", "ids", "values", "df")

    @classmethod
    def restored(cls, vocabulary: list[str], arrays: dict[str, np.ndarray]) -> _Postings:
        postings = cls.__new__(cls)
        postings.vocabulary = {stem: i for i, stem in enumerate(vocabulary)}
        for name in cls.ARRAYS:
            setattr(postings, name, arrays[name])
        return postings

    def gather(self, stems: Sequence[str]) -> list[tuple[int, np.ndarray, np.ndarray]]:
        found = []
        for stem in stems:
            term = self.vocabulary.get(stem)
            if term is not None:
                start, end = self.offsets[term], self.offsets[term + 1]
                found.append((term, self.ids[start:end], self.values[start:end]))
        return found

    def terms_of(self, row: int, stems: Sequence[str]) -> set[str]:
        """Which of ``stems`` row ``row`` has."""
        found = set()
        for stem in stems:
            term = self.vocabulary.get(stem)
            if term is not None:
                start, end = self.offsets[term], self.offsets[term + 1]
                position = np.searchsorted(self.ids[start:end], row)
                if position < end - start and self.ids[start + position] == row:
                    found.add(stem)
        return found


class SkillIndex:
    """Every skill of one ESCO in one language, ready to score texts against."""

    def __init__(self, records: Sequence[SkillRecord], lang: str, embeddings: Embeddings, weights: Weights) -> None:
        self.lang, self.weights, self.embeddings = lang, weights, embeddings
        self.iris = [r.iri for r in records]
        self.labels = [r.label for r in records]
        self._labels(records)
        self._documents(records)
        demand = np.log1p(np.asarray([r.occupations for r in records], dtype=np.float32))
        self.demand = demand / max(float(demand.max()) if demand.size else 0.0, 1e-6)

    def _labels(self, records: Sequence[SkillRecord]) -> None:
        """One row per (skill, label), skills' rows together: stems, IDF mass and vectors."""
        texts: list[str] = []
        skill_of: list[int] = []
        kinds: list[float] = []
        vocabulary: dict[str, int] = {}
        terms, rows_of, ones = array("i"), array("i"), array("f")
        for row, record in enumerate(records):
            named = [(record.label, "preferred")]
            named += [(t, "alternative") for t in record.alternatives]
            named += [(t, "hidden") for t in record.hidden]
            for text, kind in named:
                label = len(texts)
                texts.append(text)
                skill_of.append(row)
                kinds.append(KIND_WEIGHTS[kind])
                stems = set(content_stems(text, self.lang))
                for stem in stems:
                    terms.append(vocabulary.setdefault(stem, len(vocabulary)))
                    rows_of.append(label)
                    ones.append(1.0)
        self.label_texts = texts
        self.label_skill = np.asarray(skill_of, dtype=np.int32)
        self.label_kind = np.asarray(kinds, dtype=np.float32)
        self.label_postings = _Postings(vocabulary, terms, rows_of, ones)
        count = max(len(texts), 1)
        self.label_idf = np.log1p(count / np.maximum(self.label_postings.df, 1)).astype(np.float32)
        total = np.zeros(len(texts), dtype=np.float32)
        np.add.at(total, self.label_postings.ids, np.repeat(self.label_idf, self.label_postings.df.astype(np.int64)))
        self.label_total = np.maximum(total, 1e-6)
        rows = np.arange(len(records))
        self.first_label = np.searchsorted(self.label_skill, rows)
        self.end_label = np.searchsorted(self.label_skill, rows, side="right")
        # half precision: 25 MB instead of 50 with the whole ESCO; cosines agree to 1e-3, a few candidates' labels are
        # widened back to float32 per text
        self.label_vectors = self.embeddings.encode(texts, dtype=np.float16)
        # per skill: the preferred label's vector plus the mean of its other labels' (its own alone without), unit
        dimensions = self.embeddings.dimensions
        mixed = np.zeros((len(records), dimensions), dtype=np.float32)
        for first in range(0, len(records), 2048):
            last = min(first + 2048, len(records))
            low, high = int(self.first_label[first]), int(self.end_label[last - 1]) if last > first else 0
            block = self.label_vectors[low:high].astype(np.float32)
            starts = self.first_label[first:last] - low
            sums = np.add.reduceat(block, starts, axis=0) if block.size else np.zeros((0, dimensions), np.float32)
            preferred = block[starts]
            counts = (self.end_label[first:last] - self.first_label[first:last] - 1)[:, None]
            others = np.where(counts > 0, (sums - preferred) / np.maximum(counts, 1), preferred)
            others /= np.maximum(np.linalg.norm(others, axis=1, keepdims=True), 1e-6)
            mixed[first:last] = preferred + others
        self.skill_vectors = mixed / np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-6)

    def _documents(self, records: Sequence[SkillRecord]) -> None:
        w = self.weights
        vocabulary: dict[str, int] = {}
        terms, rows_of, values = array("i"), array("i"), array("f")
        lengths = np.zeros(len(records), dtype=np.float32)
        for row, record in enumerate(records):
            counts: defaultdict[str, float] = defaultdict(float)
            for text in [record.label, *record.alternatives, *record.hidden]:
                for stem in content_stems(text, self.lang):
                    counts[stem] += 1.0
            for stem, times in Counter(content_stems(record.description, self.lang)).items():
                counts[stem] += w.description_weight * times
            for text in record.broader:
                for stem in content_stems(text, self.lang):
                    counts[stem] += w.broader_weight
            for stem, weight in counts.items():
                terms.append(vocabulary.setdefault(stem, len(vocabulary)))
                rows_of.append(row)
                values.append(weight)
            lengths[row] = sum(counts.values())
        self.doc_postings = _Postings(vocabulary, terms, rows_of, values)
        skills = max(len(records), 1)
        df = self.doc_postings.df
        self.doc_idf = np.log1p((skills - df + 0.5) / (df + 0.5)).astype(np.float32)
        mean = max(float(lengths.mean()) if lengths.size else 0.0, 1e-6)
        self.doc_norm = (w.k1 * (1 - w.b + w.b * lengths / mean)).astype(np.float32)

    def __len__(self) -> int:
        return len(self.iris)

    # -- kept on disk -------------------------------------------------------------------------------------------------

    _ARRAYS = ("label_skill", "label_kind", "label_idf", "label_total", "first_label", "end_label", "label_vectors",
               "skill_vectors", "doc_idf", "doc_norm", "demand")  # fmt: skip

    def save(self, path: Path) -> None:
        """Write the index to ``path`` (``.npz``, no pickles), through a temporary file: a reader sees all or none."""
        texts = {"iris": self.iris, "labels": self.labels, "label_texts": self.label_texts,
                 "label_vocabulary": list(self.label_postings.vocabulary),
                 "doc_vocabulary": list(self.doc_postings.vocabulary), "weights": asdict(self.weights)}  # fmt: skip
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        for prefix, postings in (("label", self.label_postings), ("doc", self.doc_postings)):
            arrays.update({f"{prefix}_{name}": getattr(postings, name) for name in _Postings.ARRAYS})
        arrays["texts"] = np.frombuffer(json.dumps(texts, ensure_ascii=False).encode(), dtype=np.uint8)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        with partial.open("wb") as handle:
            np.savez(handle, **arrays)
        partial.replace(path)

    @classmethod
    def load(cls, path: Path, lang: str, embeddings: Embeddings, weights: Weights) -> SkillIndex | None:
        """The index saved at ``path`` if it was built with these weights (None otherwise, or when unreadable)."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in saved.files}
            texts = json.loads(arrays.pop("texts").tobytes().decode())
        except (OSError, ValueError, KeyError):
            return None
        if texts.get("weights") != asdict(weights):
            return None
        index = cls.__new__(cls)
        index.lang, index.weights, index.embeddings = lang, weights, embeddings
        index.iris, index.labels, index.label_texts = texts["iris"], texts["labels"], texts["label_texts"]
        for name in cls._ARRAYS:
            setattr(index, name, arrays[name])
        for prefix in ("label", "doc"):
            own = {name: arrays[f"{prefix}_{name}"] for name in _Postings.ARRAYS}
            setattr(index, f"{prefix}_postings", _Postings.restored(texts[f"{prefix}_vocabulary"], own))
        return index

    # -- the four first scores --------------------------------------------------------------------------------------

    def label_scores(self, stems: set[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per skill, the best label's coverage score, and that label (-1 when none)."""
        w = self.weights
        matched = np.zeros(len(self.label_texts), dtype=np.float32)
        for term, ids, _ in self.label_postings.gather(sorted(stems)):
            matched[ids] += self.label_idf[term]
        touched = np.flatnonzero(matched >= w.min_coverage * self.label_total)
        best = np.zeros(len(self.iris), dtype=np.float32)
        label = np.full(len(self.iris), -1, dtype=np.int64)
        if touched.size:
            coverage = matched[touched] / self.label_total[touched]
            # a whole label beats a part of one; a label of rarer words beats one of common words
            values = (coverage**w.coverage_power) * self.label_kind[touched] * (1.0 - np.exp(-matched[touched] / 4.0))
            order = np.argsort(values, kind="stable")  # ascending: each skill's best label is written last
            skills = self.label_skill[touched[order]]
            best[skills] = values[order]
            label[skills] = touched[order]
        return best, label

    def bm25_scores(self, stems: Sequence[str]) -> np.ndarray:
        w = self.weights
        scores = np.zeros(len(self.iris), dtype=np.float32)
        for term, ids, tf in self.doc_postings.gather(sorted(set(stems))):
            scores[ids] += self.doc_idf[term] * tf * (w.k1 + 1) / (tf + self.doc_norm[ids])
        top = float(scores.max()) if scores.size else 0.0
        return scores / top if top > 0 else scores

    def vector_scores(self, texts: list[str]) -> np.ndarray:
        sims = self.skill_vectors @ self.embeddings.encode(texts).T  # (skills, texts)
        return sims.max(axis=1).clip(min=0.0)

    # -- spans ------------------------------------------------------------------------------------------------------

    def _spans(self, text: str, found: list[Word]) -> tuple[np.ndarray, list[tuple[int, int]]]:
        """Vectors of the runs of one to ``span_words`` words that begin and end with a content word, and each
        run's offsets."""
        w = self.weights
        vectors = self.embeddings.word_vectors([text[wd.start : wd.end] for wd in found])
        cumulative = np.vstack([np.zeros((1, vectors.shape[1]), np.float32), np.cumsum(vectors, axis=0)])
        content = [i for i, wd in enumerate(found) if wd.content]
        longest = w.span_words if len(content) * w.span_words <= w.max_spans else 3
        runs: list[tuple[int, int]] = []
        for n, first in enumerate(content):
            for last in content[n : n + longest]:
                runs.append((first, last))
        if not runs:
            return np.zeros((0, vectors.shape[1]), np.float32), []
        starts = np.asarray([a for a, _ in runs])
        ends = np.asarray([b + 1 for _, b in runs])
        span_vectors = cumulative[ends] - cumulative[starts]
        span_vectors /= np.maximum(np.linalg.norm(span_vectors, axis=1, keepdims=True), 1e-6)
        return span_vectors, [(found[a].start, found[b].end) for a, b in runs]

    def span_scores(self, text: str, found: list[Word], candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray, list]:
        """For the candidate skills: the best cosine between any of their labels and any run of words, and which
        run (index into the offsets returned)."""
        vectors, offsets = self._spans(text, found)
        best = np.zeros(len(candidates), dtype=np.float32)
        where = np.full(len(candidates), -1, dtype=np.int64)
        if not offsets or not len(candidates):
            return best, where, offsets
        rows = np.concatenate([np.arange(self.first_label[c], self.end_label[c]) for c in candidates])
        owner = np.concatenate([np.full(self.end_label[c] - self.first_label[c], i) for i, c in enumerate(candidates)])
        sims = self.label_vectors[rows].astype(np.float32) @ vectors.T  # (labels, runs)
        run = sims.argmax(axis=1)
        top = sims[np.arange(len(rows)), run]
        order = np.argsort(top, kind="stable")
        best[owner[order]] = top[order]
        where[owner[order]] = run[order]
        return best.clip(min=0.0), where, offsets

    # -- together ---------------------------------------------------------------------------------------------------

    def rank(self, text: str, limit: int) -> list[Scored]:
        """The ``limit`` best skills for ``text``, best first, each with the part of the text that matched."""
        w = self.weights
        if limit <= 0 or not self.iris:
            return []
        found = words(text, self.lang)
        stems = [wd.stem for wd in found if wd.content]
        if not stems:
            return []
        labels, best_label = self.label_scores(set(stems))
        clauses = [c.strip() for c in _CLAUSE.findall(text) if len(c.split()) >= 2]
        first = (
            w.labels * labels
            + w.bm25 * self.bm25_scores(stems)
            + w.vectors * self.vector_scores([text, *clauses[: w.clauses]])
            + w.demand * self.demand
        )
        count = min(w.candidates, len(first))
        candidates = np.argpartition(-first, count - 1)[:count]
        spans, where, offsets = self.span_scores(text, found, candidates)
        total = first[candidates] + w.spans * spans
        order = np.argsort(-total, kind="stable")[:limit]
        ranked = []
        for i in order:
            skill = int(candidates[i])
            label = int(best_label[skill])
            if label >= 0:
                start, end = self._quote(found, label)
            elif where[i] >= 0:
                start, end = offsets[int(where[i])]
            else:
                continue  # nothing in the text to show for it
            ranked.append(Scored(skill, float(total[i]), start, end))
        return ranked

    def _quote(self, found: list[Word], label: int) -> tuple[int, int]:
        """The shortest stretch of the text holding every stem the label shares with it."""
        shared = self.label_postings.terms_of(label, [wd.stem for wd in found if wd.content])
        positions = [i for i, wd in enumerate(found) if wd.stem in shared and wd.content]
        if not positions:
            return found[0].start, found[-1].end
        best = (positions[0], positions[-1])
        for i, first in enumerate(positions):
            seen: set[str] = set()
            for last in positions[i:]:
                seen.add(found[last].stem)
                if seen == shared:
                    if last - first < best[1] - best[0]:
                        best = (first, last)
                    break
        return found[best[0]].start, found[best[1]].end
