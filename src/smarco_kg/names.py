"""People name skills and occupations by their labels: one label resolves to one ESCO concept, or to the candidates
to choose from when it names several or none exactly."""

from __future__ import annotations

from dataclasses import dataclass, field

from smarco_kg.search import Hit, SearchIndex, fold

CANDIDATES = 10


@dataclass(frozen=True)
class Resolution:
    """What a label names: ``iri`` when it names one concept, else ``candidates`` (none when nothing matches)."""

    text: str
    iri: str | None = None
    label: str = ""
    candidates: list[Hit] = field(default_factory=list)


def resolve(index: SearchIndex, text: str, kind: str, *, loose: bool = True) -> Resolution:
    """The concept of type ``kind`` (``skill``, ``occupation``) whose label is ``text`` (accents and case aside).

    An exact preferred label of one concept resolves to it, else an exact alternative or hidden label of one
    concept. Without an exact match, one
    concept matching every word resolves to it when ``loose``; several are candidates."""
    hits, _ = index.search(text, types=[kind], limit=50)
    wanted = fold(" ".join(text.split()))
    exact: dict[str, Hit] = {}
    preferred: dict[str, Hit] = {}  # a preferred label first: "policy officer" is another occupation's alternative
    for hit in hits:
        if fold(hit.label) == wanted or (fold(hit.matched) == wanted and hit.matched_kind in ("preferred", "title")):
            preferred.setdefault(hit.iri, hit)
        if fold(hit.matched) == wanted or fold(hit.label) == wanted:
            exact.setdefault(hit.iri, hit)
    for found in (preferred, exact):
        if len(found) == 1:
            hit = next(iter(found.values()))
            return Resolution(text, hit.iri, hit.label)
    if exact:
        return Resolution(text, candidates=list(exact.values())[:CANDIDATES])
    if loose and len(hits) == 1:
        return Resolution(text, hits[0].iri, hits[0].label)
    return Resolution(text, candidates=hits[:CANDIDATES])
