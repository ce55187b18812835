"""A remote store's answers read as ``QueryResult``: SPARQL JSON solutions and N-Triples graphs, written back out
as the embedded store writes them.

Virtuoso answers ``typed-literal`` in SPARQL JSON (SPARQL 1.0 JSON); it is read as ``literal`` (``terms.from_json``).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Literal as Kind

import pyoxigraph as ox
from rdflib import Literal, Variable
from rdflib.plugins.sparql.results.jsonresults import JSONResultSerializer
from rdflib.query import Result

from smarco_kg.formats import RdfSyntax, ResultFormat
from smarco_kg.namespaces import PREFIXES
from smarco_kg.store.base import QueryResult
from smarco_kg.store.remote.datatypes import restored, restored_text
from smarco_kg.terms import RdfTerm, from_json, ox_format, to_ox, to_rdflib

Row = dict[str, RdfTerm]


class RemoteQueryResult(QueryResult):
    def __init__(
        self,
        kind: Kind["solutions", "boolean", "graph"],
        variables: list[str],
        rows: list[Row],
        boolean: bool | None,
        graph: list[ox.Triple] | None,
    ) -> None:
        self.kind = kind
        self._variables, self._rows, self._boolean, self._graph = variables, rows, boolean, graph

    @property
    def variables(self) -> list[str]:
        return self._variables

    def rows(self) -> Iterator[Row]:
        return iter(self._rows)

    @property
    def boolean(self) -> bool:
        return bool(self._boolean)

    def triples(self) -> Iterator[tuple[RdfTerm, RdfTerm, RdfTerm]]:
        for t in self._graph or []:
            yield to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)

    def serialize(self, fmt: ResultFormat | RdfSyntax) -> bytes:
        if self.kind == "graph":  # pyoxigraph's writers, as the embedded store's answers
            if isinstance(fmt, ResultFormat):
                raise TypeError("a graph result is serialized in an RDF syntax")
            triples = self._graph or []
            items = [ox.Quad(t.subject, t.predicate, t.object) for t in triples] if fmt.datasets else triples
            prefixes = PREFIXES if fmt.name in ("turtle", "trig") else None
            return ox.serialize(items, format=ox_format(fmt), prefixes=prefixes) or b""
        if not isinstance(fmt, ResultFormat):
            raise TypeError(f"a {self.kind} result is serialized in a SPARQL results format")
        result = Result("ASK" if self.kind == "boolean" else "SELECT")
        if self.kind == "boolean":
            result.askAnswer = bool(self._boolean)
        else:
            result.vars = [Variable(v) for v in self._variables]
            result.bindings = [{Variable(k): v for k, v in row.items()} for row in self._rows]
        if fmt.name == "json":
            out = io.StringIO()
            JSONResultSerializer(result).serialize(out)
            return out.getvalue().encode("utf-8")
        if fmt.name == "tsv":  # rdflib has no TSV results writer
            lines = ["\t".join(f"?{v}" for v in self._variables)]
            lines += ["\t".join(_tsv(row[v]) if v in row else "" for v in self._variables) for row in self._rows]
            return ("\n".join(lines) + "\n").encode("utf-8")
        return result.serialize(format=fmt.name) or b""


def graph_answer(ntriples: str) -> list[ox.Triple]:
    """The triples of an N-Triples answer, stand-in datatypes restored: a set, in the store's order."""
    return list(dict.fromkeys(ox.parse(restored_text(ntriples).encode("utf-8"), ox.RdfFormat.N_TRIPLES)))


def json_answer(body: dict, *, ask: bool, restore: Callable[[Row], Row]) -> RemoteQueryResult:
    """A SPARQL JSON answer: a boolean, or solutions (each row passed through ``restore``). ``ask``: the answer to
    an ASK sent as a SELECT, true when it has a solution."""
    if ask:
        return RemoteQueryResult("boolean", [], [], bool(body["results"]["bindings"]), None)
    if "boolean" in body:
        return RemoteQueryResult("boolean", [], [], bool(body["boolean"]), None)
    rows = [restore({k: restored(from_json(v)) for k, v in row.items()}) for row in body["results"]["bindings"]]
    return RemoteQueryResult("solutions", body["head"].get("vars", []), rows, None, None)


_BARE = {  # literals TSV writes bare (Turtle's short forms), as pyoxigraph writes them
    "http://www.w3.org/2001/XMLSchema#integer": re.compile(r"[+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#decimal": re.compile(r"[+-]?\d*\.\d+"),
    "http://www.w3.org/2001/XMLSchema#double": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+"),
    "http://www.w3.org/2001/XMLSchema#boolean": re.compile(r"true|false"),
}


def _tsv(term: RdfTerm) -> str:
    if isinstance(term, Literal) and term.datatype is not None:
        pattern = _BARE.get(str(term.datatype))
        if pattern is not None and pattern.fullmatch(str(term)):
            return str(term)
    return str(to_ox(term))
