"""The load-time checks of a named query's text against its header: what would bind wrongly stops the server."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from smarco_kg.queries.header import Header
from smarco_kg.queries.model import Parameter, QueryFileError
from smarco_kg.sparql_text import keywords, tokens
from smarco_kg.store import QuerySyntaxError

Parse = Callable[[str], None]
"""Parses a query, raising ``QuerySyntaxError`` (the store's parser)."""

FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
_ERROR_AT = re.compile(r"error at (\d+):(\d+)")


@dataclass
class QueryText:
    """A query file's text as tokens, with where each is, and the words outside any ``{ }``."""

    path: Path
    text: str
    tokens: list[re.Match[str]] = field(init=False)
    words: list[str] = field(init=False)
    top: list[tuple[int, str]] = field(init=False)  # (index, UPPER word) of the words outside any { }

    def __post_init__(self) -> None:
        self.tokens = list(tokens(self.text))
        self.words = [m.group() for m in self.tokens]
        self.top = []
        depth = 0
        for index, word in enumerate(self.words):
            if word == "{":
                depth += 1
            elif word == "}":
                depth -= 1
            elif depth == 0:
                self.top.append((index, word.upper()))

    def line(self, token: int) -> int:
        """The line of the token at ``token``."""
        return self.text.count("\n", 0, self.tokens[token].start()) + 1

    def error(self, line: int, message: str) -> QueryFileError:
        return QueryFileError(self.path, line, message)


def check_query(path: Path, text: str, header: Header, parse: Parse | None) -> str:
    """The query's form, after checking that it parses and that its parameters bind as they should."""
    query = QueryText(path, text)
    form = next((word for _, word in query.top if word in FORMS), None)
    if form is None:
        raise query.error(text.count("\n") + 1, "no SELECT, CONSTRUCT, ASK or DESCRIBE query")
    if "SERVICE" in keywords(text):
        at = next(i for i, w in enumerate(query.words) if w.upper() == "SERVICE")
        raise query.error(query.line(at), "named queries may not use SERVICE")
    if parse is not None:
        _parse(path, text, parse)
    for parameter in header.parameters:
        _check_parameter(query, form, parameter, header.parameter_lines[parameter.name])
    if header.pagination:
        _check_pagination(query, form, header.key_lines["pagination"], parse)
    return form


def _parse(path: Path, text: str, parse: Parse) -> None:
    try:
        parse(text)
    except QuerySyntaxError as error:
        message = " ".join(str(error).split())
        line, at = _position(text, message)
        detail = _ERROR_AT.sub("", message, count=1).lstrip(": ")
        raise QueryFileError(path, line, f"not valid SPARQL{at}: {detail}") from error


def _position(text: str, message: str) -> tuple[int, str]:
    """Where a query the store refused goes wrong. pyoxigraph reports how far it got, often the end of the text;
    rdflib's parser names the statement it stopped at, so ask it first."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        parseQuery(text)
    except ParseBaseException as error:
        return error.lineno, f" at column {error.col}"
    except Exception:
        pass
    where = _ERROR_AT.search(message)
    if where is None:
        return 1, ""
    last = len(text.rstrip().splitlines())
    if int(where[1]) > last:
        return last, " by the end of the query"
    return int(where[1]), f" at column {where[2]}"


def _check_parameter(query: QueryText, form: str, parameter: Parameter, line: int) -> None:
    words = query.words
    names = {f"?{parameter.name}", f"${parameter.name}"}
    uses = [i for i, word in enumerate(words) if word in names]
    if not uses:
        raise query.error(line, f"parameter {parameter.name!r} binds ?{parameter.name}, which the query lacks")

    def misuse(token: int, what: str) -> QueryFileError:
        return query.error(query.line(token), f"?{parameter.name} (a parameter) {what}")

    for i in uses:
        before = [w.upper() for w in words[max(0, i - 2) : i]]
        if before[-1:] == ["AS"]:
            raise misuse(i, "is assigned (AS): a parameter's value comes from outside")
        if before == ["BOUND", "("]:
            raise misuse(i, "is tested with BOUND(): use COALESCE(?x, default)")
    for i, word in enumerate(words):
        if word.upper() == "BIND" and any(w in names for w in _parenthesised(words, i + 1)):
            raise misuse(i, "is used in a BIND, where pyoxigraph does not bind it")
    if form == "SELECT":
        projected = _projection(query)
        if projected is not None and parameter.name not in projected:
            raise query.error(
                line, f"parameter {parameter.name!r}: name ?{parameter.name} in the SELECT clause, so it binds"
            )


def _parenthesised(words: list[str], start: int) -> list[str]:
    """The words inside the parentheses that open at ``start``."""
    if start >= len(words) or words[start] != "(":
        return []
    depth, inside = 0, []
    for word in words[start:]:
        depth += word == "("
        depth -= word == ")"
        if depth == 0:
            break
        inside.append(word)
    return inside


def _projection(query: QueryText) -> set[str] | None:
    """The variables a SELECT projects (``None`` for ``SELECT *``)."""
    words = query.words
    start = next(i for i, word in query.top if word == "SELECT")
    projected: set[str] = set()
    depth = 0
    for index in range(start + 1, len(words)):
        word = words[index]
        if word == "{" or (depth == 0 and word.upper() in ("WHERE", "FROM")):
            break
        if word == "*" and depth == 0:
            return None
        depth += word == "("
        depth -= word == ")"
        if word[0] in "?$" and (depth == 0 or words[index - 1].upper() == "AS"):
            projected.add(word[1:])
    return projected


def _check_pagination(query: QueryText, form: str, line: int, parse: Parse | None) -> None:
    if form != "SELECT":
        raise query.error(line, f"only SELECT queries are paginated; this is a {form}")
    top_words = [word for _, word in query.top]
    for word in ("LIMIT", "OFFSET", "VALUES"):
        index = next((i for i, w in query.top if w == word), None)
        if index is not None:
            raise query.error(query.line(index), f"a paginated query may not end with {word}: the page adds it")
    if not any(a == "ORDER" and b == "BY" for a, b in itertools.pairwise(top_words)):
        raise query.error(line, "a paginated query needs ORDER BY (a total order), so pages are stable")
    if parse is not None:
        _parse(query.path, f"{query.text.rstrip()}\nLIMIT 1 OFFSET 0\n", parse)
