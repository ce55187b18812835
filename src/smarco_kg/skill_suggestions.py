"""ESCO skills suggested for a learning outcome's text, for the provider to accept: never stored by themselves.

``suggest`` is the one call the editor makes. It asks ``skill_extraction.SkillExtractor`` when that module is
installed; without it, a small stand-in: the store's English skill labels whose words (their first five letters,
so "developing" finds "develop") all occur in the text, longest labels first.
"""

from __future__ import annotations

import importlib
import re
import threading
from dataclasses import dataclass
from typing import Any

from smarco_kg.namespaces import ESCO
from smarco_kg.store import GraphStore

_WORD = re.compile(r"[^\W\d_]{3,}")
_STEM = 5
_lock = threading.Lock()
_labels: dict[int, tuple[GraphStore, list[tuple[str, str, frozenset[str]]]]] = {}  # by the store's id()
_extractors: dict[int, tuple[GraphStore, Any]] = {}


@dataclass(frozen=True)
class Suggestion:
    skill: str  # the ESCO skill's IRI
    label: str
    score: float


def suggest(store: GraphStore, text: str, lang: str = "en", limit: int = 5) -> list[Suggestion]:
    """Up to ``limit`` ESCO skills the text names, best first."""
    if not text.strip():
        return []
    extractor = _extractor(store)
    if extractor is not None:
        return [Suggestion(m.skill, m.label, m.score) for m in extractor.extract(text, lang=lang, limit=limit)]
    return _by_label_words(store, text, limit)


def _extractor(store: GraphStore) -> Any:
    try:  # imported by name: the module comes with the extractor, and this one works without it
        extraction = importlib.import_module("smarco_kg.skill_extraction")
    except ImportError:
        return None
    with _lock:
        held = _extractors.get(id(store))
        if held is None or held[0] is not store:
            held = _extractors[id(store)] = (store, extraction.SkillExtractor(store))
        return held[1]


def _stems(text: str) -> frozenset[str]:
    return frozenset(word[:_STEM] for word in _WORD.findall(text.casefold()))


def _by_label_words(store: GraphStore, text: str, limit: int) -> list[Suggestion]:
    with _lock:
        held = _labels.get(id(store))
        if held is None or held[0] is not store:
            query = (
                "SELECT ?s ?l WHERE { GRAPH ?g { ?s a ?type ; <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } "
                'FILTER(LANGMATCHES(LANG(?l), "en")) }'
            )
            rows = store.query(query, bindings={"type": ESCO.Skill}).rows()
            held = _labels[id(store)] = (store, [(str(r["s"]), str(r["l"]), _stems(str(r["l"]))) for r in rows])
        labels = held[1]
    words = _stems(text)
    found = [(len(stems), iri, label) for iri, label, stems in labels if stems and stems <= words]
    found.sort(key=lambda item: (-item[0], item[2]))
    return [Suggestion(iri, label, float(n)) for n, iri, label in found[:limit]]


__all__ = ["Suggestion", "suggest"]
