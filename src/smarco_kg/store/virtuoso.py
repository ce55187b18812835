"""Query- and update-text rewrites that undo ways Virtuoso departs from the standard, found lexically (no parse):

- a ``GROUP_CONCAT`` separator outside ASCII comes back as ``?`` (Virtuoso narrows it to Latin-1 and then to
  ASCII): such a separator goes to the store as an ASCII marker, and the marker is put back in the answers;
- a boolean value (``true``, a comparison, ``BOUND``, ``EXISTS``…) bound to a variable comes back as the integer
  0 or 1: the variables bound to a boolean expression (``(expr AS ?v)``, ``BIND(expr AS ?v)``) are known, and
  their 0/1 integers read back as ``false``/``true``;
- an ``INSERT { … } WHERE`` whose template writes to a variable graph or to more than one graph is applied and then
  answered with a 500 (``SR002 string_output_string``, raised while wording the report): such an operation goes
  with a ``DELETE`` template of a triple that is never stored, which makes it the modify form Virtuoso reports
  without failing (``update_text``);
- blank nodes in ``INSERT DATA`` (standard) are refused: such data goes in a template of that form, ``WHERE {}``;
- a group holding only a ``VALUES`` block gives no solution as a ``UNION`` branch: it gets a ``FILTER(true)``;
- an empty group in a group or as a ``UNION`` branch is dropped rather than giving its one empty solution: it goes
  as a subquery;
- ``GRAPH ?g`` in an update's pattern matches every graph Virtuoso holds, its own included: an update that names
  graphs is told the dataset in ``USING`` / ``USING NAMED`` clauses.

``MINUS`` and ``FILTER NOT EXISTS`` over such groups give wrong answers too; no rewrite was found for them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import pairwise

from rdflib import XSD, Literal

from smarco_kg.sparql_text import bare_words, closing_brace, tokens
from smarco_kg.terms import RdfTerm

NOTHING = "<urn:x-smarco:nothing>"  # a term never stored: a DELETE template of it deletes nothing

_BOOLEAN_CALLS = {
    "BOUND", "EXISTS", "ISIRI", "ISURI", "ISBLANK", "ISLITERAL", "ISNUMERIC", "SAMETERM", "LANGMATCHES", "REGEX",
    "CONTAINS", "STRSTARTS", "STRENDS", "TRUE", "FALSE",
}  # fmt: skip
_BOOLEAN_OPERATORS = {"=", "<", ">", "&", "|", "!", "IN", "NOT"}  # comparisons, logic, (NOT) IN, NOT EXISTS
_MARKER = "~x-smarco-separator-{}~"
_MARKER_RE = re.compile(r"~x-smarco-separator-(\d+)~")


@dataclass
class Rewritten:
    """A query as sent to the store, and how to read its answers back."""

    sparql: str
    separators: list[str] = field(default_factory=list)  # marker n stands for separators[n]
    booleans: set[str] = field(default_factory=set)  # variables bound to boolean expressions
    words: list[str] = field(default_factory=list)  # the query's tokens, read once for the caller too

    def restore_text(self, text: str, json_text: bool = False) -> str:
        """Put the separators back in an answer's text (JSON-escaped in a SPARQL JSON answer)."""
        if not self.separators:
            return text

        def back(match: re.Match[str]) -> str:
            separator = self.separators[int(match.group(1))]
            return json.dumps(separator, ensure_ascii=False)[1:-1] if json_text else separator

        return _MARKER_RE.sub(back, text)

    def restore_row(self, row: dict[str, RdfTerm]) -> dict[str, RdfTerm]:
        for name in self.booleans & row.keys():
            value = row[name]
            if isinstance(value, Literal) and value.datatype == XSD.integer and str(value) in ("0", "1"):
                row[name] = Literal(str(value) == "1")
        return row


def rewrite(sparql: str) -> Rewritten:
    """The query with ASCII separators, lone VALUES blocks filtered and empty UNION branches as subqueries; and the
    variables it binds to boolean expressions."""
    found = list(tokens(sparql))
    words = [m.group() for m in found]
    rewritten = Rewritten(sparql)
    edits = [*_lone_values(found, words), *_empty_groups(found, words)]
    for index, word in enumerate(words):
        if word.upper() == "SEPARATOR" and index + 2 < len(found) and words[index + 1] == "=":
            literal = found[index + 2]
            if literal.group()[:1] in "\"'" and not literal.group().isascii():
                quoted = literal.group()
                quote = 3 if quoted[:3] in ('"""', "'''") else 1
                rewritten.separators.append(quoted[quote:-quote])
                marker = f'"{_MARKER.format(len(rewritten.separators) - 1)}"'
                edits.append((literal.start(), literal.end(), marker))
    rewritten.sparql = _edited(sparql, edits)
    rewritten.booleans = _boolean_variables(words)
    rewritten.words = words
    return rewritten


def _lone_values(found: list[re.Match[str]], words: list[str]) -> list[tuple[int, int, str]]:
    """A ``FILTER(true)`` in each group that holds nothing but a VALUES block: Virtuoso answers no solution for
    ``{ VALUES ?x { … } } UNION { … }`` (a SERVICE clause answered by its node is inlined in that form)."""
    edits = []
    for index, word in enumerate(words):
        if word != "{" or index + 2 >= len(words) or words[index + 1].upper() != "VALUES":
            continue
        opening = index + 2
        while opening < len(words) and words[opening] != "{":  # the variables: ?x or ( ?x ?y )
            opening += 1
        data_end = closing_brace(words, opening)
        if data_end is not None and data_end + 1 < len(words) and words[data_end + 1] == "}":
            edits.append((found[data_end].end(), found[data_end].end(), " FILTER(true)"))
    return edits


def _empty_groups(found: list[re.Match[str]], words: list[str]) -> list[tuple[int, int, str]]:
    """Each empty group that is an element of a group or a ``UNION`` branch, as a subquery of the empty group:
    Virtuoso drops such a group (``{ … } UNION { { } }``), where SPARQL gives its one empty solution (a failed
    ``SERVICE SILENT`` is inlined as one). Empty groups after a keyword (``WHERE {}``, ``OPTIONAL {}``) stay."""
    edits = []
    for index in range(1, len(words) - 1):
        if words[index] == "{" and words[index + 1] == "}":
            after = words[index + 2].upper() if index + 2 < len(words) else ""
            if words[index - 1].upper() in ("{", "}", ".", "UNION") or after == "UNION":
                edits.append((found[index].start(), found[index + 1].end(), "{ SELECT * WHERE { } }"))
    return edits


def _edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    """``text`` with each (start, end, replacement), the spans apart from one another."""
    pieces, last = [], 0
    for start, end, replacement in sorted(edits):
        pieces += [text[last:start], replacement]
        last = end
    return "".join([*pieces, text[last:]])


def _boolean_variables(words: list[str]) -> set[str]:
    opened: list[int] = []  # where each open parenthesis is
    found: set[str] = set()
    for index, word in enumerate(words):
        if word == "(":
            opened.append(index)
        elif word == ")" and opened:
            start = opened.pop()
            bound = index - start >= 3 and words[index - 2].upper() == "AS" and words[index - 1][:1] in "?$"
            if bound and _is_boolean(words[start + 1 : index - 2]):
                found.add(words[index - 1][1:])
    return found


def _top_level(expr: list[str]) -> list[tuple[int, str]]:
    depth, top = 0, []
    for index, word in enumerate(expr):
        if depth == 0:
            top.append((index, word))
        if word in ("(", "{"):
            depth += 1
        elif word in (")", "}"):
            depth -= 1
    return top


def _arguments(expr: list[str]) -> list[list[str]]:
    """The comma-separated arguments of a call ``NAME ( … )``."""
    inner, depth = expr[2:-1], 0
    args: list[list[str]] = []
    current: list[str] = []
    for word in inner:
        if word == "," and depth == 0:
            args.append(current)
            current = []
            continue
        depth += word in ("(", "{")
        depth -= word in (")", "}")
        current.append(word)
    return [*args, current]


def _is_boolean(expr: list[str]) -> bool:
    while len(expr) >= 2 and expr[0] == "(" and len(_top_level(expr)) == 1:
        expr = expr[1:-1]  # (( expr ))
    if not expr:
        return False
    top = _top_level(expr)
    if any(word.upper() in _BOOLEAN_OPERATORS for _, word in top):
        return True
    head = expr[0].upper()
    if head in ("IF", "COALESCE") and len(top) == 2 and expr[1] == "(":
        args = _arguments(expr)
        chosen = args[1:] if head == "IF" else args
        return len(args) == (3 if head == "IF" else len(args)) and all(_is_boolean(a) for a in chosen)
    return head in _BOOLEAN_CALLS and all(word in ("(", "{") for _, word in top[1:])


_NOTHING_DELETED = f"DELETE {{ GRAPH {NOTHING} {{ {NOTHING} {NOTHING} {NOTHING} }} }} "


def insert_template(data: str) -> str:
    """An ``INSERT DATA { … }`` as the template Virtuoso takes when the data has blank nodes."""
    return f"{_NOTHING_DELETED}INSERT {data.strip().removeprefix('INSERT DATA')} WHERE {{}}"


def update_text(sparql: str, dataset: str = "") -> str:
    """The update as Virtuoso takes it: each insert-only ``INSERT { … }`` template after a ``DELETE`` template of
    nothing, and an ``INSERT DATA`` with blank nodes (which Virtuoso refuses) as such a template ``WHERE {}``.
    ``dataset``: ``USING`` / ``USING NAMED`` clauses for each operation whose pattern names a graph by a variable
    and that has none of its own (``DELETE WHERE`` spelt out to take them): Virtuoso matches ``GRAPH ?g`` in every
    graph it holds, its own included, where a query is told its dataset."""
    found = list(tokens(sparql))
    words = [m.group() for m in found]
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the text, in order
    depth, deleting, first = 0, False, 0
    for index, word in enumerate(words):
        upper = word.upper()
        if depth == 0 and word == ";":
            deleting, first = False, index + 1
        elif depth == 0 and upper == "DELETE":
            deleting = True
        elif depth == 0 and upper == "INSERT" and not deleting:
            following = [w.upper() for w in words[index + 1 : index + 3]]
            if following[:1] == ["{"]:
                edits.append((found[index].start(), found[index].start(), _NOTHING_DELETED))
            elif following == ["DATA", "{"]:
                close = closing_brace(words, index + 2)
                if close is not None and _has_blank_node(words[index + 3 : close]):
                    edits.append((found[index].start(), found[index + 1].end(), _NOTHING_DELETED + "INSERT"))
                    edits.append((found[close].end(), found[close].end(), " WHERE {}"))
        elif depth == 0 and upper == "WHERE" and dataset:
            edits += _using(found, words, first, index, dataset)
        depth += word == "{"
        depth -= word == "}"
    return _edited(sparql, [*edits, *_lone_values(found, words), *_empty_groups(found, words)])


def _using(
    found: list[re.Match[str]], words: list[str], first: int, where: int, dataset: str
) -> list[tuple[int, int, str]]:
    """The dataset clauses before an operation's ``WHERE``, if it names a graph by a variable and has no dataset of
    its own (a graph named by its IRI is matched exactly)."""
    close = closing_brace(words, where + 1)
    if close is None:
        return []
    operation = words[first : close + 1]
    variable_graph = any(a.upper() == "GRAPH" and b[:1] in "?$" for a, b in pairwise(operation))
    if not variable_graph or bare_words(operation) & {"WITH", "USING"}:
        return []
    at = found[where].start()
    if words[where - 1].upper() == "DELETE":  # DELETE WHERE { quads } is DELETE { quads } WHERE { quads }
        quads = found[0].string[found[where + 1].start() : found[close].end()]
        return [(at, at, f"{quads} {dataset} ")]
    return [(at, at, f"{dataset} ")]


def _has_blank_node(words: list[str]) -> bool:
    """Whether data holds a blank node: a label (``_`` then ``:b1``), ``[ … ]`` or a collection ``( … )``."""
    return any(
        word in ("[", "(") or (word == "_" and index + 1 < len(words) and words[index + 1].startswith(":"))
        for index, word in enumerate(words)
    )
