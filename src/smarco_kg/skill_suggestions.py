"""ESCO skills suggested for a learning outcome's text, for the provider to accept: never stored by themselves.

The one call the web editor and the spreadsheet import make: the knowledge graph's skill extractor (``kg.skills``),
its matches as suggestions. Call it from a worker thread: the first call after a start or an ESCO import waits
for the extractor's index.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from smarco_kg.catalogue.plain_values import at
from smarco_kg.errors import BadParameter

if TYPE_CHECKING:  # numpy and the model load only when suggestions are asked for
    from smarco_kg.skill_extraction import SkillExtractor


@dataclass(frozen=True)
class Suggestion:
    skill: str  # the ESCO skill's IRI
    label: str
    score: float
    matched: str  # the part of the text that named it

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def suggest(skills: SkillExtractor, text: str, lang: str = "en", limit: int = 5) -> list[Suggestion]:
    """Up to ``limit`` ESCO skills ``text`` names, best first. An outcome written in a language ESCO's labels in
    the store do not cover is matched against the English ones rather than given nothing."""
    if not text.strip():
        return []
    try:
        found = skills.extract(text, lang=lang, limit=limit)
    except BadParameter:
        if lang == "en":
            raise
        found = skills.extract(text, lang="en", limit=limit)
    return [Suggestion(m.skill, m.label, m.score, m.matched) for m in found]


_MOST_OUTCOMES = 5  # suggestions for the first few outcomes a report names: each costs a few milliseconds


def _text_of(outcome: object) -> str:
    """An outcome's words as sent: its title (a string or a language map), else its description."""
    if not isinstance(outcome, dict):
        return ""
    for key in ("title", "description"):
        value = outcome.get(key)
        if isinstance(value, dict):
            value = next((v for v in value.values() if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def for_outcomes_without_skills(skills: SkillExtractor, errors: list[dict], document: object) -> list[dict]:
    """A write's report with ``suggestions`` (ESCO skills from the outcome's own words) beside each result saying
    an outcome names no skill (its ``pointer`` ends in ``/relatedESCOSkill``), for the provider to choose from."""
    done = 0
    for error in errors:
        where = str(error.get("pointer") or "")
        if not where.endswith("/relatedESCOSkill") or done >= _MOST_OUTCOMES:
            continue
        text = _text_of(at(document, where.rsplit("/", 1)[0]))
        if text:
            error["suggestions"] = [found.as_json() for found in suggest(skills, text)]
            done += 1
    return errors


__all__ = ["Suggestion", "for_outcomes_without_skills", "suggest"]
