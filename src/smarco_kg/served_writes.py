"""Loads and harvests done by a running server for a command (``smarco-kg load``, ``validate``, ``harvest``), and
the lines it answers with.

The server answers such a request with newline-delimited JSON: ``{"progress": …}`` lines while the write is
validated, then one last line, ``{"result": …}`` or ``{"problem": <problem document>}``. A result carries what the
command prints on a stopped store (triples, graphs, seconds, the validation report); a problem is the one the
same write would raise there (``WriteRejected`` with its report, ``ParseError``…), so the command prints the same
lines and exits with the same code either way.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

from smarco_kg.errors import SmarcoError, error_for
from smarco_kg.formats import RdfSyntax
from smarco_kg.harvest import HarvestError
from smarco_kg.harvest import harvest as run_harvest
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.validation import Problem, Report

Event = dict[str, Any]
Progress = Callable[[int, int], None]
SEVERITIES = ("violation", "warning", "info")
PROGRESS_EVERY = 0.25  # seconds between two progress lines: a terminal's bar needs no more


@dataclass(frozen=True)
class LoadJob:
    """A ``load`` (or with ``dry_run`` a ``validate``) of files the server can read."""

    sources: list[Path]
    syntax: RdfSyntax | None
    graph: str | None
    base_iri: str | None
    dry_run: bool
    name: str
    actor: str

    def run(self, kg: KnowledgeGraph, progress: Progress) -> Event:
        """Validate and (unless a dry run) store the files; the last line for the command."""
        try:
            result = kg.commit(
                self.sources,
                self.syntax,
                actor=self.actor,
                graph=self.graph,
                base_iri=self.base_iri or kg.settings.base_iri,
                dry_run=self.dry_run,
                progress=progress,
                name=self.name,
            )
        except SmarcoError as error:
            return problem_event(error)
        return {
            "result": {
                "quads": result.quads,
                "graphs": result.graphs,
                "seconds": result.seconds,
                "focusNodes": result.report.focus_nodes,
                "problems": problems_json(result.report),
            }
        }


@dataclass(frozen=True)
class HarvestJob:
    """A ``harvest`` of a partner node into this store."""

    node: str
    name: str
    timeout: float

    def run(self, kg: KnowledgeGraph, progress: Progress) -> Event:
        """Harvest the node; the last line for the command (a node that cannot be read is a 502)."""
        try:
            with httpx.Client(timeout=self.timeout) as client:
                report = run_harvest(kg, self.node, self.name, client)
        except HarvestError as error:
            return problem_event(error_for(502, f"cannot harvest {self.node}", str(error)))
        except SmarcoError as error:
            return problem_event(error)
        return {"result": asdict(report)}


def problem_event(error: SmarcoError) -> Event:
    return {"problem": error.problem()}


def throttled(emit: Callable[[Event], None]) -> Progress:
    """A write path's progress callback that emits at most one line every ``PROGRESS_EVERY`` seconds (and the
    last one)."""
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY or done >= total:
            last = now
            emit({"progress": {"done": done, "total": total}})

    return progress


def line(event: Event) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode("utf-8") + b"\n"


def problems_json(report: Report) -> list[dict[str, Any]]:
    """A report's problems as ``WriteRejected`` lists them in a problem document."""
    return [
        {
            "focusNode": p.focus_node,
            "path": p.path,
            "value": p.value,
            "message": p.message,
            "severity": p.severity,
            "shape": p.shape,
        }
        for p in report.problems
    ]


def report_from(problems: list[dict[str, Any]], focus_nodes: int = 0) -> Report:
    """The report a command prints, from the problems of a result or of a shapes-violation problem document."""
    return Report(
        [
            Problem(
                focus_node=str(p.get("focusNode", "")),
                path=p.get("path"),
                value=p.get("value"),
                message=str(p.get("message", "")),
                severity=p["severity"] if p.get("severity") in SEVERITIES else "warning",
                shape=p.get("shape"),
            )
            for p in problems
        ],
        focus_nodes,
    )
