"""``import``: reference data (ESCO) and Europass ELM files into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from smarco_kg.catalogue.course_import import CellProblem
from smarco_kg.cli.common import Failure, StoreOption, err, graph_list, opened, out, print_report, require, run
from smarco_kg.esco import ATTRIBUTION
from smarco_kg.progress import progress_bar
from smarco_kg.store import QuerySyntaxError
from smarco_kg.write_path import WriteRejected

commands = typer.Typer(
    name="import", help="Import reference data (ESCO) into its own named graph.", no_args_is_help=True
)


@commands.command("esco")
def import_esco_command(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="ESCO CSV export folders (one per language) and/or ESCO RDF dumps (Turtle, N-Triples, RDF/XML)"
        ),
    ],
    store: StoreOption = None,
    version: Annotated[
        str | None, typer.Option("--version", help="ESCO version [default: from the path, e.g. v1.1.1]")
    ] = None,
) -> None:
    """Replace the ESCO graph with SOURCES, atomically; rows that cannot be read are listed and skipped."""

    def action() -> None:
        from smarco_kg.ingest.esco import LOADING, EscoImportError, import_esco

        require(sources, directories=True)
        with opened(store) as kg:
            with progress_bar("importing ESCO", unit="lines") as update:

                def progress(what: str, done: int, total: int) -> None:
                    update(done, total, stage=what if what == LOADING else None)

                try:
                    with kg.journalled("cli", "replace") as write:
                        report = import_esco(
                            kg.store,
                            kg.graphs.esco,
                            sources,
                            version=version,
                            progress=progress,
                            before_commit=write.intend,
                        )
                        kg.committed([kg.graphs.esco], write=write)
                except EscoImportError as error:
                    raise Failure(f"{error}", "\n".join(error.problems[:50]), 1) from error
                except QuerySyntaxError as error:
                    raise Failure("an RDF dump does not parse; nothing was changed", str(error), 1) from error
            for what, count in report.counts.items():
                out.print(f"{what:>30}: {count:>8,}", markup=False)
            out.print(f"{'triples in the ESCO graph':>30}: {report.triples:>8,}", markup=False)
            for line in report.skipped[:50]:
                err.print(f"skipped {line}", markup=False)
            if len(report.skipped) > 50:
                err.print(f"... and {len(report.skipped) - 50} more skipped rows", markup=False)
            for note in report.notes:
                err.print(f"note: {note}", markup=False)
            out.print(f"ESCO {report.version or ''} imported. {ATTRIBUTION}", markup=False)

    run(action)


@commands.command("elm")
def import_elm_command(
    files: Annotated[
        list[Path],
        typer.Argument(help="ELM v3 files: Turtle, RDF/XML, JSON-LD, signed (JWS) or uploadable credentials"),
    ],
    store: StoreOption = None,
    graph: Annotated[
        str | None,
        typer.Option("--graph", help="Named graph IRI for everything (default: each provider's partner graph)"),
    ] = None,
    aim: Annotated[
        list[str] | None,
        typer.Option("--aim", help="SMARCO aim of the courses (repeatable; ELM has none), e.g. resilientCommunities"),
    ] = None,
) -> None:
    """Import the courses, outcomes and organisations of Europass ELM v3 files: validated, all or nothing."""

    def action() -> None:
        from rdflib import URIRef

        from smarco_kg.europass.elm_import import ElmImport, NothingToImport, UnreadableFile, import_elm
        from smarco_kg.namespaces import SMARCO

        require(files)
        if graph is not None and not graph.startswith(("http://", "https://", "urn:")):
            raise Failure(f"--graph {graph!r} is not an absolute IRI", code=2)
        aims = [URIRef(a) if "://" in a else SMARCO[a.removeprefix("smarco:")] for a in aim or []]
        name = files[0].name if len(files) == 1 else f"{len(files)} files"
        planned: list[ElmImport] = []

        def mapping(plan: ElmImport, stream: Console) -> None:
            for original, course in plan.courses.items():
                stream.print(f"course {course} <- {original}", markup=False)
            for original, organisation in plan.organisations.items():
                stream.print(f"organisation {organisation} <- {original}", markup=False)
            for original, organisation in plan.existing.items():
                stream.print(f"organisation {organisation} (in the catalogue already) <- {original}", markup=False)
            for note in plan.notes:
                err.print(f"note: {note}", markup=False)

        with opened(store) as kg:
            try:
                with progress_bar(f"importing {name}", unit="resources") as update:
                    plan, result = import_elm(
                        kg,
                        files,
                        kg.settings.base_iri,
                        kg.settings.elm_dir,
                        graph=graph,
                        aims=aims,
                        progress=update,
                        before_write=planned.append,
                    )
            except UnreadableFile as error:
                raise Failure(str(error), code=2) from error
            except OSError as error:
                raise Failure(f"the vendored ELM files cannot be read: {error}", code=2) from error
            except NothingToImport as error:
                raise Failure(f"{name}: {error}; nothing was stored", "\n".join(error.problems)) from error
            except WriteRejected as rejected:
                mapping(planned[0], err)
                print_report(rejected.report, stream=err)
                raise Failure(
                    f"{name} does not conform: {len(rejected.report.violations)} violation(s); nothing was stored"
                ) from rejected
            mapping(plan, out)
            print_report(result.report, stream=err)
            out.print(
                f"imported {len(plan.courses)} course(s) and {len(plan.organisations)} new organisation(s): "
                f"{result.quads} triples into {graph_list(result.graphs)} in {result.seconds:.2f} s",
                markup=False,
            )

    run(action)


@commands.command("courses")
def import_courses_command(
    file: Annotated[Path, typer.Argument(help="A course spreadsheet (.xlsx, .ods or .csv) in the template's columns")],
    partner: Annotated[str, typer.Option("--partner", help="The partner whose graph the courses go to (its slug)")],
    store: StoreOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row and report; write nothing")] = False,
) -> None:
    """Import courses from a spreadsheet into a partner's graph: validated, all or nothing."""

    def action() -> None:
        from smarco_kg.catalogue.course_import import SheetRejected, import_courses
        from smarco_kg.catalogue.sheets import NotASpreadsheet
        from smarco_kg.errors import SmarcoError
        from smarco_kg.ownership import Owner

        require([file])
        with opened(store) as kg:
            organisation = kg.catalogue.member_iri("partners", partner)
            known = "ASK { ?o a <http://data.europa.eu/snb/model/elm/Organisation> }"
            if not kg.store.query(known, bindings={"o": organisation}, union_default_graph=True).boolean:
                raise Failure(f"--partner {partner!r} is no partner of the catalogue (no <{organisation}>)", code=2)
            owner = Owner(kg.graphs.partner(partner), f"partner {partner}")
            try:
                report = import_courses(
                    kg, file.read_bytes(), partner=partner, owner=owner, filename=file.name, dry_run=dry_run
                )
            except NotASpreadsheet as error:
                raise Failure(f"{file}: {error.detail}", code=2) from error
            except SheetRejected as rejected:
                lines = [_problem_line(p) for p in rejected.problems]
                raise Failure(f"{file}: {len(lines)} problem(s); nothing was stored", "\n".join(lines)) from rejected
            except SmarcoError as error:
                raise Failure(f"{file}: {error.detail}", "\n".join(str(e) for e in error.errors or [])) from error
            for row in report.rows:
                out.print(f"{row.sheet} row {row.row}: {row.action} {row.course}".rstrip(), markup=False)
            for problem in report.problems:
                err.print(_problem_line(problem), markup=False)
            if report.problems:
                raise Failure(f"{file}: {len(report.problems)} problem(s); nothing was stored")
            verb = "checked (dry run, nothing stored)" if dry_run else "imported"
            out.print(f"{len(report.rows)} course row(s) {verb}", markup=False)

    run(action)


def _problem_line(problem: CellProblem) -> str:
    where = f"{problem.sheet} row {problem.row}" + (f" column {problem.column}" if problem.column else "")
    shown = f" ({problem.value!r})" if problem.value is not None else ""
    return f"{where}{shown}: {problem.problem}" + (f" - {problem.message}" if problem.message else "")
