"""Commands on the store's data: create and fill it (``init``), write validated files (``load``, ``validate``), read
it (``query``, ``dump``)."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from smarco_kg.cli.common import (
    BaseOption,
    Failure,
    FormatOption,
    GraphOption,
    StoreOption,
    err,
    graph_list,
    opened,
    out,
    print_report,
    require,
    run,
)
from smarco_kg.cli.served import ServerOption, TokenOption, running_server
from smarco_kg.formats import UnknownFormatError, rdf_syntax, result_format
from smarco_kg.progress import progress_bar
from smarco_kg.store import QuerySyntaxError
from smarco_kg.write_path import ParseError, WriteRejected

commands = typer.Typer()


@commands.command()
def init(
    store: StoreOption = None,
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Load the ontology and references only")] = False,
    force: Annotated[bool, typer.Option("--force", help="Empty a store that already holds data first")] = False,
    esco: Annotated[
        str,
        typer.Option("--esco", help="ESCO to load: full (the English CSV export in the shared folder), subset or none"),
    ] = "full",
) -> None:
    """Create the store and load the ontology, Europass code lists, ESCO and the demo data."""

    def action() -> None:
        from smarco_kg.ingest.demo import initialise
        from smarco_kg.ingest.esco import EscoImportError

        with opened(store, create=True) as kg:
            if not kg.store.is_empty():
                if not force:
                    sizes = kg.store.graph_sizes()
                    out.print(
                        f"The store at {kg.settings.store} already holds {sum(sizes.values())} triples "
                        f"in {len(sizes)} graph(s); nothing to do (--force reloads it).",
                        markup=False,
                    )
                    return
                kg.store.clear()
            try:
                report = initialise(
                    kg,
                    demo=not no_demo,
                    esco=esco,
                    say=lambda line: err.print(f"loading {line}", markup=False),
                    bar=lambda description, total: progress_bar(description, total, unit="bytes"),
                )
            except (FileNotFoundError, ValueError, SyntaxError, EscoImportError) as error:
                kg.store.clear()
                details = "\n".join([str(error), *getattr(error, "problems", [])[:20]])
                raise Failure("initialisation failed; the store was left empty", details) from error
            for source, count in report.loaded.items():
                out.print(f"{source:>13}: {count:>8} triples", markup=False)
            for line in report.skipped:
                err.print(f"skipped {line}", markup=False)
            out.print(f"Store ready at {kg.settings.store}", markup=False)

    run(action)


@commands.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML)")],
    store: StoreOption = None,
    graph: GraphOption = None,
    fmt: FormatOption = None,
    base: BaseOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Validate FILES against the shapes and store them, all or nothing; print a report on violations. While a
    server runs on the store, it does the load (found beside the store, or --server URL --token TOKEN)."""
    _write(files, store=store, graph=graph, fmt=fmt, base=base, dry_run=False, server=server, token=token)


@commands.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="RDF files to check")],
    store: StoreOption = None,
    graph: GraphOption = None,
    fmt: FormatOption = None,
    base: BaseOption = None,
    server: ServerOption = None,
    token: TokenOption = None,
) -> None:
    """Check FILES against the shapes (and the store they refer to) without storing anything."""
    _write(files, store=store, graph=graph, fmt=fmt, base=base, dry_run=True, server=server, token=token)


def _write(
    files: list[Path],
    *,
    store: str | None,
    graph: str | None,
    fmt: str | None,
    base: str | None,
    dry_run: bool,
    server: str | None,
    token: str | None,
) -> None:
    def action() -> None:
        require(files)
        try:
            syntax = rdf_syntax(fmt) if fmt else None
        except UnknownFormatError as error:
            raise Failure(str(error), code=2) from error
        name = files[0].name if len(files) == 1 else f"{len(files)} files"
        verb = "checking" if dry_run else "loading"
        served = running_server(store, server, token)
        with ExitStack() as stack:
            try:
                update = stack.enter_context(progress_bar(f"{verb} {name}", unit="resources"))
                if served is not None:
                    result = served.load(
                        files, fmt=fmt, graph=graph, base=base, dry_run=dry_run, name=name, progress=update
                    )
                else:
                    kg = stack.enter_context(opened(store))
                    base_iri = base or kg.settings.base_iri
                    result = kg.commit(
                        files, syntax, graph=graph, base_iri=base_iri, dry_run=dry_run, progress=update, name=name
                    )
            except ParseError as error:
                raise Failure(str(error), code=2) from error
            except WriteRejected as rejected:
                print_report(rejected.report, stream=err)
                raise Failure(
                    f"{name} does not conform: {len(rejected.report.violations)} violation(s); nothing was stored"
                ) from rejected
            print_report(result.report, stream=err)
            if dry_run:
                out.print(
                    f"{name} conforms: {result.report.focus_nodes} resource(s) checked, "
                    f"{len(result.report.warnings)} warning(s)",
                    markup=False,
                )
            else:
                out.print(
                    f"loaded {result.quads} triples into {graph_list(result.graphs)} "
                    f"({result.report.focus_nodes} resources validated) in {result.seconds:.2f} s",
                    markup=False,
                )

    run(action)


QUERY_FORMATS = "table, json, csv, tsv, xml for SELECT/ASK; ttl, nt, nq, trig, jsonld, rdfxml for CONSTRUCT/DESCRIBE"


@commands.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL query, or a file holding one (e.g. queries/x.rq)")],
    store: StoreOption = None,
    fmt: Annotated[str | None, typer.Option("--format", help=QUERY_FORMATS)] = None,
) -> None:
    """Run a SPARQL query over the whole dataset (the default graph is the union of all graphs)."""

    def action() -> None:
        text = sparql
        candidate = Path(sparql)
        if len(sparql) < 4096 and candidate.suffix in (".rq", ".sparql"):
            if not candidate.is_file():
                raise Failure(f"{candidate}: no such file", code=2)
            text = candidate.read_text(encoding="utf-8")
        from smarco_kg.namespaces import PREFIXES

        prologue = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items() if f"{p}:" in text)
        with opened(store) as kg:
            try:
                result = kg.store.query(prologue + text, union_default_graph=True, base_iri=kg.settings.base_iri)
            except QuerySyntaxError as error:
                raise Failure("the query is not valid SPARQL", str(error), 2) from error
            wanted = fmt or ("table" if result.kind == "solutions" and sys.stdout.isatty() else None)
            if wanted == "table" and result.kind == "solutions":
                table = Table(*result.variables)
                for row in result.rows():
                    table.add_row(*(str(row.get(v, "")) for v in result.variables))
                out.print(table)
                return
            try:
                graph_result = result.kind == "graph"
                target = rdf_syntax(wanted or "ttl") if graph_result else result_format(wanted or "json")
            except UnknownFormatError as error:
                kinds = "CONSTRUCT/DESCRIBE" if result.kind == "graph" else "SELECT/ASK"
                raise Failure(f"--format {wanted} does not fit a {kinds} query", QUERY_FORMATS, 2) from error
            sys.stdout.buffer.write(result.serialize(target))
            sys.stdout.buffer.flush()

    run(action)


@commands.command()
def dump(
    store: StoreOption = None,
    fmt: Annotated[str, typer.Option("--format", help="nq or trig (a single --graph also: ttl, nt, rdfxml)")] = "nq",
    graph: GraphOption = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write [default: stdout]")] = None,
) -> None:
    """Write the whole dataset (or one named graph) as N-Quads or TriG."""

    def action() -> None:
        try:
            syntax = rdf_syntax(fmt)
        except UnknownFormatError as error:
            raise Failure(str(error), code=2) from error
        if not syntax.datasets and graph is None:
            raise Failure(f"{syntax.name} holds one graph; give --graph IRI or use nq/trig", code=2)
        with opened(store) as kg:
            if graph is not None and graph not in kg.store.graphs():
                raise Failure(f"no graph <{graph}> in the store", code=1)
            if output is None:
                kg.store.dump(sys.stdout.buffer, syntax, graph=graph)
                sys.stdout.buffer.flush()
            else:
                with output.open("wb") as handle:
                    kg.store.dump(handle, syntax, graph=graph)

    run(action)
