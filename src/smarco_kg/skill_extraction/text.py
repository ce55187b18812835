"""Words of a text with where they stand in it: stems for matching, offsets for quoting what matched."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from smarco_kg.search import fold, stems

# A word, keeping the signs that make a programming language's name ("C#", "C++") differ from a letter.
_WORD = re.compile(r"[^\W_]+(?:[#+]+(?![^\W_]))?")

# Function words and the words job ads and outcomes wrap skills in: they name no skill on their own. Measured on the
# development set: dropping them from matching raised R-precision@5 (see bench/skills.py).
_STOPWORDS = """
    a about above after again against all also am an and any are as at be been being below between both
    but by can could did do does doing down during each either etc even ever every few for from further
    had has have having he her here hers him his how i if in into is it its itself just may me might
    more most must my no nor not now of off on once only or other our ours out over own per please same
    shall she should so some such than that the their theirs them then there these they this those
    through thus to too under until up upon us very via was we well were what when where whether which
    while who whom whose why will with within without would yet you your yours able ability abilities
    candidate candidates experience experienced experiences excellent good great strong high highly
    ideal ideally including knowledge preferably proven relevant required requirement requirements skill
    skills solid successful understanding year years will role position team's e.g i.e like new
"""
STOPWORDS = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class Word:
    text: str  # folded (lower case, no accents)
    stem: str
    start: int  # offsets in the original text
    end: int

    @property
    def content(self) -> bool:
        return self.text not in STOPWORDS


@lru_cache(maxsize=50_000)  # ESCO has ~40,000 distinct words; a text adds a few
def stem(word: str, lang: str) -> str:
    """The Snowball stem of one folded word (words with signs, such as "c#", stay as they are)."""
    if not word.isalpha():
        return word
    found = stems(word, lang)
    return found[0] if len(found) == 1 else word


def words(text: str, lang: str) -> list[Word]:
    """Every word of ``text`` with its stem and offsets."""
    found = []
    for match in _WORD.finditer(text):
        folded = fold(match.group())
        found.append(Word(folded, stem(folded, lang), match.start(), match.end()))
    return found


def content_stems(text: str, lang: str) -> list[str]:
    """The stems of ``text``'s words that are not stop words, in order (without offsets: folds the text once,
    five times faster than ``words`` over ESCO's labels and descriptions)."""
    return [stem(w, lang) for w in _WORD.findall(fold(text)) if w not in STOPWORDS]
