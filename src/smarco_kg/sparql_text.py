"""Just enough lexing of SPARQL text to find keywords and braces outside strings, IRIs and comments."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping

TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|#[^\n]*|<[^<>\"{}|^`\\\s]*>|[{}]|[?$]\w+|(?:[A-Za-z][\w.-]*)?:[\w.%-]*|[A-Za-z_][A-Za-z0-9_-]*|\S",
)


def tokens(text: str) -> Iterator[re.Match[str]]:
    """The tokens of ``text``, comments left out."""
    for match in TOKENS.finditer(text):
        if not match.group().startswith("#"):
            yield match


CACHED_TEXT = 8192  # characters: texts up to this long have what is read of them kept (queries asked again)


def keywords(text: str) -> frozenset[str]:
    """The bare words of ``text`` in upper case (keywords, prefixed-name parts), strings and IRIs left out; kept
    for the short texts seen last, as a query is asked again and again (tens of microseconds each time)."""
    return _kept_keywords(text) if len(text) <= CACHED_TEXT else _keywords(text)


def _keywords(text: str) -> frozenset[str]:
    return frozenset(bare_words(m.group() for m in tokens(text)))


_kept_keywords = functools.lru_cache(maxsize=1024)(_keywords)


def bare_words(words: Iterable[str]) -> set[str]:
    """``keywords`` of tokens already read."""
    return {w.upper() for w in words if (w[0].isalpha() or w[0] == "_") and ":" not in w}


def closing_brace(words: list[str], opening: int) -> int | None:
    """Where the brace opened at token ``opening`` closes; None when it does not."""
    depth = 0
    for index in range(opening, len(words)):
        depth += words[index] == "{"
        depth -= words[index] == "}"
        if depth == 0:
            return index
    return None


def _where_clause(text: str) -> tuple[int, int | None] | None:
    """The top-level WHERE clause of a query: where it starts (its ``WHERE`` keyword, or its ``{`` when the
    keyword is left out) and where its group opens (just after the ``{``; None for ``CONSTRUCT WHERE``, a
    template of triples only). None for an update, a DESCRIBE without one, or text this lexer cannot follow."""
    form: str | None = None
    template = False  # CONSTRUCT's template comes before its WHERE clause
    braces = parens = 0
    start: int | None = None
    for match in tokens(text):
        token = match.group()
        word = token.upper()
        if form is None:
            if word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
                form, template = word, word == "CONSTRUCT"
            elif word in ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"):
                return None
            continue
        if token == "(":
            parens += 1
        elif token == ")":
            parens -= 1
        elif token == "}":
            braces -= 1
        elif braces == 0 and parens == 0 and word == "WHERE":
            if template:
                return match.start(), None
            start = match.start()
        elif token == "{":
            if braces == 0 and parens == 0:
                if not template:
                    return (match.start() if start is None else start), match.end()
                template = False
            braces += 1
    return None


def where_group_start(text: str) -> int | None:
    """Where the top-level ``WHERE`` group of a query opens (just after its ``{``), or None when there is none to
    add patterns to (an update, ``CONSTRUCT WHERE`` shorthand, or text this lexer cannot follow)."""
    clause = _where_clause(text)
    return clause[1] if clause else None


def dataset_clause_start(text: str) -> int | None:
    """Where ``FROM`` / ``FROM NAMED`` clauses can go in a query: just before its top-level ``WHERE`` (or the
    ``{`` of its WHERE group when the keyword is left out); None for an update, a DESCRIBE without a WHERE
    clause, or text this lexer cannot follow."""
    clause = _where_clause(text)
    return clause[0] if clause else None


def without_dataset_clauses(text: str) -> str:
    """``text`` without its ``FROM`` / ``FROM NAMED`` clauses: what a query is when the protocol gives its dataset,
    which replaces the query's own (SPARQL 1.1 Protocol §2.1.4). Only a query's top level has them."""
    found = list(tokens(text))
    pieces, last, index = [], 0, 0
    while index < len(found):
        if found[index].group().upper() != "FROM":
            index += 1
            continue
        iri = index + 2 if index + 1 < len(found) and found[index + 1].group().upper() == "NAMED" else index + 1
        if iri >= len(found):
            break
        pieces.append(text[last : found[index].start()])
        last, index = found[iri].end(), iri + 1
    return "".join([*pieces, text[last:]])


def prebinding_start(text: str, names: Iterable[str]) -> int | None:
    """Where a ``VALUES`` block for ``names`` can open the WHERE group with the meaning of substituting the values
    into the query, or None where it cannot.

    A value joined at the start of the group reaches every triple pattern, nested ones included, and every
    expression of the top-level group, but not an expression (``FILTER``, ``BIND``) inside a nested group nor a
    subquery, which have scopes of their own; a variable in those makes this None. Kept for the short texts seen
    last, like ``keywords``: a page's queries are the same texts with other values bound."""
    wanted = frozenset(names)
    return _kept_prebinding_start(text, wanted) if len(text) <= CACHED_TEXT else _prebinding_start(text, wanted)


def _prebinding_start(text: str, wanted: frozenset[str]) -> int | None:
    start = where_group_start(text)
    if start is None:
        return None
    depth, parens = 1, 0
    subqueries: list[int] = []  # the depth at which each open subquery began
    for match in tokens(text[start:]):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            while subqueries and depth < subqueries[-1]:
                subqueries.pop()
        elif token == "(":
            parens += 1
        elif token == ")":
            parens -= 1
        elif token.upper() == "SELECT":
            subqueries.append(depth)
        elif token[0] in "?$" and token[1:] in wanted and (subqueries or (parens and depth != 1)):
            return None
    return start


_kept_prebinding_start = functools.lru_cache(maxsize=1024)(_prebinding_start)


def union_branch_starts(text: str) -> list[int]:
    """Where the branches of the ``UNION``s directly inside a query's WHERE group open (just after each ``{``).

    A ``VALUES`` block that opens the WHERE group can open each of these branches too, with the same meaning (a
    join distributes over a union), and Oxigraph needs it there: it evaluates a union apart from what it is
    joined with, so a skill's narrower skills were sought from every taught skill (2 s) instead of from the
    bound one (1 ms). Kept for the short texts seen last, as ``prebinding_start``."""
    found = _kept_union_branch_starts(text) if len(text) <= CACHED_TEXT else _union_branch_starts(text)
    return list(found)


def _union_branch_starts(text: str) -> tuple[int, ...]:
    start = where_group_start(text)
    if start is None:
        return ()
    found = [m for m in tokens(text) if m.start() >= start]
    starts: list[int] = []
    depth, opened, after_union = 1, 0, False
    for index, match in enumerate(found):
        token = match.group()
        if token == "{":
            depth += 1
            if depth == 2:
                opened = match.end()
                after_union = index > 0 and found[index - 1].group().upper() == "UNION"
                if index + 1 < len(found) and found[index + 1].group().upper() == "SELECT":
                    opened = 0  # a subquery: values cannot open it (its own WHERE group is its pattern)
        elif token == "}":
            depth -= 1
            if depth == 0:
                break
            before_union = index + 1 < len(found) and found[index + 1].group().upper() == "UNION"
            if depth == 1 and opened and (after_union or before_union):
                starts.append(opened)
    return tuple(starts)


_kept_union_branch_starts = functools.lru_cache(maxsize=1024)(_union_branch_starts)


def substituted(text: str, terms: Mapping[str, str]) -> str | None:
    """``text`` with the variables of ``terms`` replaced by those terms (SPARQL syntax) throughout the WHERE group,
    nested scopes included: what a store without pre-bound variables needs where a ``VALUES`` block first in the
    group would not reach (``prebinding_start``). None where one of them is assigned there (``AS``, ``VALUES``)
    or projected by a subquery, which a term cannot stand for."""
    start = where_group_start(text)
    if start is None:
        return None
    pieces, last, depth = [text[:start]], start, 1
    previous = ""
    header = False  # between SELECT and the group of a subquery, or between VALUES and its data block
    for match in tokens(text):
        if match.start() < start:
            continue
        token = match.group()
        if token == "{":
            depth, header = depth + 1, False
        elif token == "}":
            depth -= 1
            if depth == 0:
                break
        elif token.upper() in ("SELECT", "VALUES"):
            header = True
        elif token.upper() == "WHERE":
            header = False
        elif token[0] in "?$" and token[1:] in terms:
            if header or previous.upper() == "AS":
                return None
            pieces += [text[last : match.start()], terms[token[1:]]]
            last = match.end()
        previous = token
    return "".join([*pieces, text[last:]])


def query_form(text: str) -> str | None:
    """SELECT, CONSTRUCT, ASK or DESCRIBE: the first query-form keyword outside strings, IRIs and comments."""
    for match in tokens(text):
        word = match.group().upper()
        if word in ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE"):
            return word
    return None
