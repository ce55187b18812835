"""The official ELM v3 application profiles (vendored in the shared folder), loaded as pySHACL can run them.

The vendored files are never edited; their known traps are handled here, at load time:
- the LOQ and AMS shapes use a Java-only URL regex (``^(?i)`` in the middle, ``\\p{L}`` classes) that Python's
  ``re`` rejects, which would abort every validation: the flag is moved to the front and the classes become ``\\w``;
- every profile ``owl:imports`` remote IRIs (one with a typo): imports are never followed; the chain a profile
  needs is loaded file by file instead (EDC full = no-cv + full; LOQ = constraints + mdr);
- RDFS inference with the ELM ontology makes organisations persons (``groupMemberOf``'s domain): no inference.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pyshacl import validate
from rdflib import OWL, RDF, SH, Graph, Literal, URIRef
from rdflib.term import Node

PROFILES: dict[str, tuple[str, ...]] = {
    "loq": ("loq/LOQ-constraints.ttl", "loq/LOQ-constraints-mdr.ttl"),
    "edc": ("edc/EDC-generic-no-cv.ttl", "edc/EDC-generic-full.ttl"),
}


def _python_regex(text: str) -> str:
    """The shapes' Java regex patterns rewritten for Python (see the module docstring)."""
    text = text.replace('"^(?i)', '"(?i)^')
    return re.sub(r"\\\\p\{L\}\\\\p\{Nl\}\\\\p\{Nd\}", r"\\\\w", text)


@lru_cache(maxsize=4)
def profile(elm_dir: Path, name: str) -> Graph:
    """The shapes graph of one profile, its files merged, its imports dropped."""
    shapes = Graph()
    for relative in PROFILES[name]:
        text = (elm_dir / "shapes" / relative).read_text(encoding="utf-8")
        shapes.parse(data=_python_regex(text), format="turtle")
    shapes.remove((None, OWL.imports, None))
    return shapes


@dataclass(frozen=True)
class ShapeTerms:
    """What one shape of a profile says about its class: the properties it names, and whether it is closed."""

    shape: Node
    properties: frozenset[URIRef]
    closed: bool
    deactivated: bool


@lru_cache(maxsize=4)
def shape_terms(elm_dir: Path, name: str) -> dict[URIRef, ShapeTerms]:
    """Per target class, the core shape's properties (the first file of the profile: the ``-mdr``/``-full`` files
    only restrict values)."""
    core = Graph().parse(
        data=_python_regex((elm_dir / "shapes" / PROFILES[name][0]).read_text("utf-8")), format="turtle"
    )
    found: dict[URIRef, ShapeTerms] = {}
    for shape, target in core.subject_objects(SH.targetClass):
        if not isinstance(target, URIRef):  # a class is an IRI (every target in the profiles is)
            continue
        paths = frozenset(
            p for prop in core.objects(shape, SH.property) if isinstance(p := core.value(prop, SH.path), URIRef)
        )
        found[target] = ShapeTerms(
            shape,
            paths,
            core.value(shape, SH.closed) == Literal(True),
            core.value(shape, SH.deactivated) == Literal(True),
        )
    return found


@dataclass(frozen=True)
class OfficialProblem:
    focus: str
    path: str
    value: str
    message: str
    shape: str
    component: str


def check(data: Graph, elm_dir: Path, name: str) -> list[OfficialProblem]:
    """The violations of ``data`` against one official profile (no inference, no imports)."""
    with warnings.catch_warnings():  # the rewritten URL regex compiles with a harmless "nested set" warning
        warnings.simplefilter("ignore", FutureWarning)
        conforms, results, _ = validate(
            data, shacl_graph=profile(elm_dir, name), inference="none", do_owl_imports=False, advanced=True
        )
    if conforms:
        return []
    problems = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        if results.value(result, SH.resultSeverity) != SH.Violation:
            continue
        problems.append(
            OfficialProblem(
                str(results.value(result, SH.focusNode)),
                str(results.value(result, SH.resultPath) or ""),
                str(results.value(result, SH.value) or ""),
                str(results.value(result, SH.resultMessage) or ""),
                str(results.value(result, SH.sourceShape) or ""),
                str(results.value(result, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
            )
        )
    return sorted(problems, key=lambda p: (p.focus, p.path, p.value, p.message))
