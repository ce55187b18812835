"""What every command shares: the consoles, the --store and --graph options, opening the knowledge graph, and
failures as one line of cause, details and an exit code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from smarco_kg.config import Settings
from smarco_kg.errors import SmarcoError
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store import StoreError
from smarco_kg.validation import Report

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Store directory, or a remote store's SPARQL endpoint URL [default: $SMARCO_STORE or ./var/store]",
        show_default=False,
    ),
]
GraphOption = Annotated[str | None, typer.Option("--graph", help="Named graph IRI")]
FormatOption = Annotated[str | None, typer.Option("--format", help="RDF format (default: from the file extension)")]
BaseOption = Annotated[str | None, typer.Option("--base", help="Base IRI for relative IRIs")]


class Failure(SmarcoError):
    """A user-facing failure: one line of cause, optional details, an exit code (2: the command line is wrong)."""

    def __init__(self, cause: str, details: str = "", code: int = 1) -> None:
        super().__init__(cause)
        self.details = details
        self.code = code


def require(paths: list[Path], *, directories: bool = False) -> None:
    """Every path exists (a file, or with ``directories`` a folder too); exit 2 naming the first that does not."""
    for path in paths:
        if not (path.is_file() or (directories and path.is_dir())):
            raise Failure(f"{path}: no such file{' or directory' if directories else ''}", code=2)


def settings_for(store: str | None) -> Settings:
    """The settings, with ``--store`` in place of ``SMARCO_STORE`` when it is given."""
    try:
        return Settings(store=store) if store is not None else Settings()
    except ValueError as error:
        raise Failure("the SMARCO_* settings are invalid", str(error), 2) from error


@contextmanager
def opened(store: str | None, *, create: bool = False) -> Iterator[KnowledgeGraph]:
    """The knowledge graph on ``--store``, closed afterwards."""
    settings = settings_for(store)
    try:
        kg = KnowledgeGraph(settings, create=create)
    except StoreError as error:
        raise Failure(str(error)) from error
    try:
        yield kg
    finally:
        kg.close()


def run(action: Callable[[], None]) -> None:
    """Run a command's action: a failure prints its cause and details and exits with its code; any other error the
    project raises on purpose prints its detail and exits 1."""
    try:
        action()
    except Failure as failure:
        err.print(f"[bold red]error:[/] {failure}", markup=True)
        if failure.details:
            err.print(failure.details, markup=False)
        raise typer.Exit(failure.code) from None
    except SmarcoError as error:
        err.print("[bold red]error:[/]", end=" ", markup=True)
        err.print(f"{error.title}: {error.detail}" if error.detail else error.title, markup=False)
        raise typer.Exit(1) from None


def print_report(report: Report, *, stream: Console) -> None:
    """A validation report, one problem after another: severity, node, property, value, message."""
    for problem in report.problems:
        colour = "red" if problem.severity == "violation" else "yellow"
        stream.print(f"[{colour}]{problem.severity}[/]", end=" ", markup=True)
        stream.print(problem.focus_node, markup=False)
        if problem.path:
            stream.print(f"  property: {problem.path}", markup=False)
        if problem.value is not None:
            stream.print(f"  value:    {problem.value}", markup=False)
        stream.print(f"  {problem.message}", markup=False)


def graph_list(graphs: list[str], shown: int = 3) -> str:
    """Graphs named for people: all of a few, or how many and the first ``shown``."""
    if len(graphs) <= shown:
        return ", ".join(graphs)
    return f"{len(graphs)} graphs ({', '.join(graphs[:shown])}, …)"
