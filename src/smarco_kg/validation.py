"""SHACL validation with the project's shapes: the one truth about what valid data is.

The shapes are parsed and harvested once; each call validates only the focus nodes a write touches, over a
small graph that holds them and the neighbourhood their shapes reach. Reports become problems a course
provider can read: which node, which property, which value, what was expected.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal as Lit

import rdflib
from pyshacl import Validator
from pyshacl.graph_abstraction import DataGraph
from pyshacl.shapes_graph import ShapesGraph
from rdflib import SH, BNode, Graph, URIRef
from rdflib.term import Node

from smarco_kg.errors import SmarcoError
from smarco_kg.namespaces import PREFIXES

Severity = Lit["violation", "warning", "info"]
_SEVERITY: dict[URIRef, Severity] = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
SKOLEM = "urn:smarco:blank:"  # pySHACL takes focus nodes as IRIs; top-level blank nodes get one for the run


class ShapesError(SmarcoError, ValueError):
    """The shapes themselves cannot be read: the deployment's fault, never the client's (a 500)."""


@dataclass(frozen=True)
class Problem:
    """One validation result, in the words of the shape that produced it."""

    focus_node: str
    path: str | None
    value: str | None
    message: str
    severity: Severity
    shape: str | None = None
    constraint: str | None = None

    def as_line(self) -> str:
        where = f"{self.focus_node}" + (f" {self.path}" if self.path else "")
        value = f" (value: {self.value})" if self.value is not None else ""
        return f"{self.severity}: {where}{value}: {self.message}"


@dataclass
class Report:
    """What validation found; ``conforms`` when there is no violation (warnings do not block a write)."""

    problems: list[Problem] = field(default_factory=list)
    focus_nodes: int = 0

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "violation"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "violation"]

    def extend(self, other: Report) -> None:
        self.problems.extend(other.problems)
        self.focus_nodes += other.focus_nodes

    def as_text(self) -> str:
        head = "conforms" if self.conforms else f"{len(self.violations)} violation(s)"
        if self.warnings:
            head += f", {len(self.warnings)} warning(s)"
        return "\n".join([f"{head} ({self.focus_nodes} resource(s) checked)", *(p.as_line() for p in self.problems)])


class ShapesValidator:
    """The project's shapes, parsed and harvested once, applied to small focus-node graphs."""

    def __init__(self, shapes_dir: Path) -> None:
        self.shapes_dir = shapes_dir
        files = sorted(shapes_dir.glob("*.ttl"))
        if not files:
            raise ShapesError(f"no shapes (*.ttl) in {shapes_dir}")
        self.graph = Graph()
        for path in files:
            try:
                self.graph.parse(path, format="turtle")
            except Exception as error:  # rdflib raises several unrelated types for bad Turtle
                raise ShapesError(f"cannot read the shapes file {path}: {error}") from error
        for prefix, namespace in PREFIXES.items():
            self.graph.bind(prefix, namespace, replace=True)
        self._shapes = ShapesGraph(self.graph, False, logging.getLogger("pyshacl"))
        # Harvest now, once, not on the first write; keep the shapes that select focus nodes themselves.
        self._targeting = [shape for shape in self._shapes.shapes if any(any(True for _ in t) for t in shape.target())]
        self._options = {"inference": "none", "allow_warnings": True, "allow_infos": True}
        self.inverse_predicates = frozenset(self._inverse_predicates())
        self.nested_predicates = frozenset(self._nested_predicates())

    def _inverse_predicates(self) -> Iterable[URIRef]:
        """Predicates the shapes follow backwards: a focus node's neighbourhood includes triples pointing at it."""
        for path in self.graph.objects(None, SH.inversePath):
            if isinstance(path, URIRef):
                yield path

    def _nested_predicates(self) -> Iterable[URIRef]:
        """Predicates whose values the shapes validate in depth (``sh:node``): their descriptions are needed."""
        reads_triples = (SH.property, SH["class"], SH["or"], SH["and"], SH.xone, SH["not"], SH.sparql, SH.closed)
        for shape, node in self.graph.subject_objects(SH.node):
            path = self.graph.value(shape, SH.path)
            # A node shape that only looks at the IRI itself (sh:in, sh:pattern) needs no description.
            if isinstance(path, URIRef) and any((node, p, None) in self.graph for p in reads_triples):
                yield path

    def validate(self, data: Graph, focus_nodes: Sequence[Node]) -> Report:
        """Validate ``focus_nodes`` (IRIs or blank nodes of ``data``) against the shapes that target them."""
        if not focus_nodes:
            return Report()
        skolemised: dict[Node, URIRef] = {
            node: URIRef(f"{SKOLEM}{node}") for node in focus_nodes if isinstance(node, BNode)
        }
        if skolemised:
            data = _skolemise(data, skolemised)
        focus = {skolemised.get(node, node) for node in focus_nodes}
        graph = DataGraph.from_rdflib(data)
        validator = Validator(graph, shacl_graph=self.graph, options=dict(self._options))
        validator.shacl_graph = self._shapes  # reuse the harvested shapes
        executor = validator.make_executor()
        # pySHACL's own focus_nodes option also filters the nodes that sh:node reaches, which silently skips
        # nested shapes; so pick each targeting shape's focus nodes here and leave nested validation alone.
        results: list = []
        for shape in self._targeting:
            targets = [node for node in shape.focus_nodes(graph) if node in focus]
            if targets:
                _conforms, reports = shape.validate(executor, graph, focus=targets)
                results.extend(reports)
        report_graph, _text = Validator.create_validation_report(self._shapes, not results, results)
        return Report(list(self._problems(report_graph)), focus_nodes=len(focus_nodes))

    def _problems(self, report: Graph) -> Iterable[Problem]:
        names = self.graph.namespace_manager
        for result in report.objects(None, SH.result):  # top-level results; sh:detail ones are repeats
            path = report.value(result, SH.resultPath)
            value = report.value(result, SH.value)
            message = report.value(result, SH.resultMessage)
            focus = report.value(result, SH.focusNode)
            assert focus is not None  # SHACL: every result has exactly one focus node
            yield Problem(
                focus_node=_unskolemise(focus),
                path=_path_text(report, path, names) if path is not None else None,
                value=_unskolemise(value) if value is not None else None,
                message=str(message) if message is not None else "does not conform",
                severity=_severity(report.value(result, SH.resultSeverity)),
                shape=_shape_name(report.value(result, SH.sourceShape), names),
                constraint=_short(report.value(result, SH.sourceConstraintComponent), names),
            )


def _severity(node: Node | None) -> Severity:
    """A result's severity; a violation where it names none of SHACL's."""
    return _SEVERITY.get(node, "violation") if isinstance(node, URIRef) else "violation"


def _skolemise(data: Graph, mapping: dict[Node, URIRef]) -> Graph:
    out = Graph()
    for s, p, o in data:
        out.add((mapping.get(s, s), p, mapping.get(o, o)))
    return out


def _unskolemise(node: Node) -> str:
    text = str(node)
    if text.startswith(SKOLEM):
        return "_:" + text[len(SKOLEM) :]
    if isinstance(node, BNode):
        return f"_:{node}"
    return text


def _short(node: Node | None, names: rdflib.namespace.NamespaceManager) -> str | None:
    if node is None or isinstance(node, BNode):
        return None
    try:
        return names.qname(str(node))
    except ValueError:
        return str(node)


def _shape_name(node: Node | None, names: rdflib.namespace.NamespaceManager) -> str | None:
    return _short(node, names) if isinstance(node, URIRef) else None


def _path_text(report: Graph, path: Node, names: rdflib.namespace.NamespaceManager) -> str:
    """A property path as people write it: ``elm:creditPoint``, ``^smarco:stacksInto``."""
    if isinstance(path, URIRef):
        return _short(path, names) or str(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(report, inverse, names)
    return str(path)
