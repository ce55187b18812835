"""Just enough lexing of SPARQL text to find keywords and braces outside strings, IRIs and comments."""

from __future__ import annotations

import re
from collections.abc import Iterator

TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|#[^\n]*|<[^<>\"{}|^`\\\s]*>|[{}]|[?$]\w+|(?:[A-Za-z][\w.-]*)?:[\w.%-]*|[A-Za-z_][A-Za-z0-9_-]*|\S",
)


def tokens(text: str) -> Iterator[re.Match[str]]:
    """The tokens of ``text``, comments left out."""
    for match in TOKENS.finditer(text):
        if not match.group().startswith("#"):
            yield match


def keywords(text: str) -> set[str]:
    """The bare words of ``text`` in upper case (keywords, prefixed-name parts), strings and IRIs left out."""
    words = (m.group() for m in tokens(text))
    return {w.upper() for w in words if (w[0].isalpha() or w[0] == "_") and ":" not in w}
