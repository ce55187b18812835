"""Which queries are cheap by their shape: every triple pattern reached from a constant subject.

A query whose patterns each have a constant subject, or a subject bound by a pattern before it, costs at most the
product of the out-degrees along its chains (a course's properties, its outcomes' labels…): the store finds each
pattern's matches by the SPO index with the subject known, tens of microseconds on millions of quads. Such a
query is answered in the server's own process (``QueryWorkers.answer_now``), without the hand-off to a worker.
Everything else (an unbound subject, a property path, an aggregate, a subquery, ``UNION``, ``EXISTS``, ``SERVICE``,
text this reader does not follow) is not anchored and goes to the workers, which a timeout can stop.

The reader follows a small part of SPARQL's grammar on the tokens of ``sparql_text``: prologue, the four query
forms, dataset clauses, groups of triples, ``OPTIONAL``, ``GRAPH``, ``FILTER`` without ``EXISTS``, ``ORDER BY``,
``LIMIT`` and ``OFFSET``. Variables bound only inside an ``OPTIONAL`` do not anchor what follows it (they may be
unbound there), and patterns anchor each other only within a run of triples or through groups before them, so
the store's join order cannot start from an unbound subject.
"""

from __future__ import annotations

import functools
import re

from smarco_kg.sparql_text import CACHED_TEXT, TOKENS

NUMBER = r"[+-]?(?:\d+\.\d*[eE][+-]?\d+|\.?\d+[eE][+-]?\d+|\d*\.\d+|\d+)"
WORDS = re.compile(rf"{NUMBER}(?![\w:])|_:[\w-]+|{TOKENS.pattern}")  # numbers and blank nodes as one word
PATH_SIGNS = frozenset("/^|*+?!(")  # after a predicate: a path (a sequence of IRIs alone is anchored)
FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


class NotAnchored(Exception):
    """The text leaves the part of the grammar that ``anchored`` follows, or a pattern is not anchored."""


def anchored(text: str) -> bool:
    """Whether every triple pattern of query ``text`` is reached from a constant subject (see the module); kept
    for the short texts seen last."""
    return _kept(text) if len(text) <= CACHED_TEXT else _anchored(text)


def _anchored(text: str) -> bool:
    words = [m.group() for m in WORDS.finditer(text) if not m.group().startswith("#")]
    try:
        return _Reader(words).query()
    except (NotAnchored, IndexError):
        return False


_kept = functools.lru_cache(maxsize=4096)(_anchored)


def _constant(word: str) -> bool:
    """An IRI or a prefixed name: a term the query fixes."""
    return word.startswith("<") or (":" in word and not word.startswith(("_:", '"', "'", "?", "$")))


def _variable(word: str) -> bool:
    return word.startswith(("?", "$", "_:")) and len(word) > 1


class _Reader:
    """A recursive-descent reader of the anchored part of SPARQL; raises ``NotAnchored`` where it stops."""

    def __init__(self, words: list[str]) -> None:
        self.words = words
        self.at = 0

    # -- tokens ------------------------------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> str:
        index = self.at + ahead
        return self.words[index] if index < len(self.words) else ""

    def take(self) -> str:
        word = self.peek()
        if not word:
            raise NotAnchored("the text ends early")
        self.at += 1
        return word

    def keyword(self, *names: str) -> str | None:
        """Take the next word if it is one of ``names`` (any case)."""
        if self.peek().upper() in names:
            return self.take().upper()
        return None

    def expect(self, word: str) -> None:
        if self.take() != word:
            raise NotAnchored(f"expected {word}")

    # -- the query ---------------------------------------------------------------------------------------------

    def query(self) -> bool:
        while word := self.keyword("PREFIX", "BASE"):
            if word == "PREFIX":
                self.take()  # the prefix's name
            if not self.take().startswith("<"):
                raise NotAnchored("a prologue IRI")
        form = self.keyword(*FORMS)
        if form is None:
            raise NotAnchored("not a query")
        bound: set[str] = set()
        if form == "SELECT":
            self.keyword("DISTINCT", "REDUCED")
            if not self.keyword("*"):
                if not _variable(self.peek()):
                    raise NotAnchored("a projected expression")
                while _variable(self.peek()):
                    self.take()
        elif form == "CONSTRUCT":
            if self.peek() == "{":
                self.template()
            elif not self.shorthand_construct():
                raise NotAnchored("CONSTRUCT without a template")
            else:
                return self.modifiers()
        elif form == "DESCRIBE":
            described = []
            if not self.keyword("*"):
                while _constant(self.peek()) or _variable(self.peek()):
                    described.append(self.take())
            self.datasets()
            if self.peek().upper() != "WHERE" and self.peek() != "{":
                if not described or not all(_constant(word) for word in described):
                    raise NotAnchored("DESCRIBE of what no pattern binds")
                return self.modifiers()
        self.datasets()
        self.keyword("WHERE")
        self.group(bound)
        return self.modifiers()

    def shorthand_construct(self) -> bool:
        """``CONSTRUCT WHERE { triples }``: its template is its pattern."""
        self.datasets()
        if not self.keyword("WHERE"):
            return False
        self.expect("{")
        self.triples(set())
        self.expect("}")
        return True

    def datasets(self) -> None:
        while self.keyword("FROM"):
            self.keyword("NAMED")
            if not _constant(self.take()):
                raise NotAnchored("a dataset clause without an IRI")

    def template(self) -> None:
        """A CONSTRUCT template: triples of the solutions, as many as the pattern gives (no cost of its own)."""
        self.expect("{")
        depth = 1
        while depth:
            word = self.take()
            depth += (word == "{") - (word == "}")

    def modifiers(self) -> bool:
        """``ORDER BY``, ``LIMIT`` and ``OFFSET``, then the end of the text: over anchored solutions, cheap."""
        if self.keyword("ORDER"):
            if not self.keyword("BY"):
                raise NotAnchored("ORDER without BY")
            while _variable(self.peek()) or self.peek().upper() in ("ASC", "DESC"):
                if self.keyword("ASC", "DESC"):
                    self.expect("(")
                    if not _variable(self.take()):
                        raise NotAnchored("an ordering expression")
                    self.expect(")")
                else:
                    self.take()
        while self.keyword("LIMIT", "OFFSET"):
            if not self.take().isdigit():
                raise NotAnchored("LIMIT or OFFSET without a number")
        if self.peek():
            raise NotAnchored(f"{self.peek()} after the query")
        return True

    # -- groups ------------------------------------------------------------------------------------------------

    def group(self, bound: set[str], graph: str | None = None) -> None:
        """``{ … }``: each run of triples anchored with what ``bound`` holds before it; adds what it binds."""
        self.expect("{")
        while True:
            word = self.peek()
            upper = word.upper()
            if word == "}":
                self.take()
                return
            if not word:
                raise NotAnchored("a group that does not close")
            if word == ".":
                self.take()
            elif upper == "OPTIONAL":
                self.take()
                self.group(set(bound), graph)  # what it binds may stay unbound: it anchors nothing after it
            elif upper == "GRAPH":
                self.take()
                name = self.take()
                if not (_constant(name) or _variable(name)):
                    raise NotAnchored("GRAPH without a graph name")
                self.group(bound, name if _variable(name) else graph)
                if _variable(name):
                    bound.add(name)
            elif upper == "FILTER":
                self.take()
                self.constraint()
            elif word == "{":
                self.alternatives(bound, graph)
            else:
                self.triples(bound, graph)

    def alternatives(self, bound: set[str], graph: str | None) -> None:
        """``{ … } UNION { … }``: each branch anchored with what ``bound`` holds; a variable anchors what follows
        only if every branch binds it (a lone group is joined: all it binds)."""
        branches = []
        while True:
            branch = set(bound)
            self.group(branch, graph)
            branches.append(branch)
            if not self.keyword("UNION"):
                break
        bound.update(set.intersection(*branches))

    def constraint(self) -> None:
        """A FILTER's expression: evaluated once per solution, so any function but ``EXISTS`` (a pattern)."""
        if self.peek() != "(":
            self.take()  # a function's name
        self.expect("(")
        depth = 1
        while depth:
            word = self.take()
            if word in ("{", "}") or word.upper() == "EXISTS":
                raise NotAnchored("a pattern inside a FILTER")
            depth += (word == "(") - (word == ")")

    def triples(self, bound: set[str], graph: str | None = None) -> None:
        """A run of triples up to the next group keyword or ``}``: every pattern anchored within the run."""
        patterns: list[tuple[str, set[str]]] = []
        while self.peek() not in ("}", "") and self.peek().upper() not in ("OPTIONAL", "GRAPH", "FILTER"):
            if self.peek() == ".":
                self.take()
                continue
            subject = self.term(subject=True)
            while True:
                predicate = self.take()
                if not (_constant(predicate) or _variable(predicate) or predicate == "a"):
                    raise NotAnchored("a predicate that is not a term")
                while self.peek() == "/" and not _variable(predicate):
                    self.take()  # a sequence of IRIs: a chain of patterns, each from the one before
                    if not (_constant(self.take()) or self.words[self.at - 1] == "a"):
                        raise NotAnchored("a property path other than a sequence of IRIs")
                if self.peek() in PATH_SIGNS:
                    raise NotAnchored("a property path other than a sequence of IRIs")
                while True:
                    obj = self.term(subject=False)
                    names = {w for w in (predicate, obj, graph) if w and _variable(w)}
                    patterns.append((subject, names))
                    if self.peek() != ",":
                        break
                    self.take()
                if self.peek() != ";":
                    break
                while self.peek() == ";":
                    self.take()
                if self.peek() in (".", "}", ""):
                    break
        _anchor(patterns, bound)

    def term(self, *, subject: bool) -> str:
        word = self.take()
        if _constant(word) or _variable(word):
            return word
        if subject:
            raise NotAnchored("a subject that is not an IRI or a variable")
        if word[0] in "\"'":
            if self.peek() == "@":
                self.take()
                self.take()
            elif self.peek() == "^" and self.peek(1) == "^":
                self.at += 2
                if not _constant(self.take()):
                    raise NotAnchored("a datatype that is not an IRI")
            return word
        if re.fullmatch(NUMBER, word) or word in ("true", "false"):
            return word
        raise NotAnchored(f"an object this reader does not follow: {word}")


def _anchor(patterns: list[tuple[str, set[str]]], bound: set[str]) -> None:
    """Mark patterns anchored until none is left (a constant subject, or one bound by an anchored pattern);
    raise ``NotAnchored`` when some never are."""
    left = list(patterns)
    while left:
        ready = [(subject, names) for subject, names in left if _constant(subject) or subject in bound]
        if not ready:
            raise NotAnchored(f"a pattern whose subject {left[0][0]} nothing before it binds")
        for _, names in ready:
            bound.update(names)
        left = [(subject, names) for subject, names in left if not (_constant(subject) or subject in bound)]
