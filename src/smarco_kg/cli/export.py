"""``export``: the catalogue in other standards (Europass ELM v3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from smarco_kg.cli.common import Failure, StoreOption, err, opened, run

commands = typer.Typer(
    name="export", help="Export the catalogue in other standards (Europass ELM v3).", no_args_is_help=True
)


@commands.command("europass")
def export_europass(
    course: Annotated[list[str] | None, typer.Option("--course", help="A course IRI or id (repeatable)")] = None,
    all_courses: Annotated[bool, typer.Option("--all", help="Every course of the catalogue")] = False,
    fmt: Annotated[str, typer.Option("--format", help="ttl, rdfxml, jsonld or nt")] = "ttl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write [default: standard output]")
    ] = None,
    qualification: Annotated[
        bool, typer.Option("--qualification", help="Export specifications as elm:Qualification (needs NQF levels)")
    ] = False,
    store: StoreOption = None,
) -> None:
    """Courses as ELM v3 (LOQ profile) for Europass QDR, checked against the official LOQ shapes first."""

    def action() -> None:
        from rdflib import URIRef

        from smarco_kg.europass.loq import FORMATS, NotExportable, export_courses, serialize

        if fmt not in FORMATS:
            raise Failure(f"unknown format {fmt!r}; use ttl, rdfxml, jsonld or nt", code=2)
        if bool(course) == all_courses:
            raise Failure("name courses with --course, or give --all (not both)", code=2)
        with opened(store) as kg:
            base = kg.settings.base_iri
            entries = kg.catalogue.entries
            namespace = entries["courses"].namespace(base)
            if all_courses:
                query = (
                    "SELECT DISTINCT ?c WHERE { ?c a <http://data.europa.eu/snb/model/elm/LearningOpportunity> "
                    f'FILTER(STRSTARTS(STR(?c), "{namespace}")) }} ORDER BY ?c'
                )
                iris = [URIRef(str(r["c"])) for r in kg.store.query(query, union_default_graph=True).rows()]
            else:
                iris = []
                for given in course or []:
                    iri = entries["courses"].iri(base, given.removeprefix(namespace))
                    if iri is None:
                        raise Failure(f"{given!r} is not a course IRI ({namespace}…) or id", code=2)
                    iris.append(iri)
            try:
                export = export_courses(
                    kg.store,
                    iris,
                    entries["courses"],
                    entries["partners"],
                    kg.settings.elm_dir,
                    base,
                    qualification=qualification,
                )
            except LookupError as error:
                raise Failure(str(error), code=1) from error
            except NotExportable as error:
                details = "\n".join(f"  {p.focus} {p.path}: {p.message}" for p in error.problems)
                raise Failure(f"{error}; nothing was exported", details, code=1) from error
            body, _ = serialize(export.graph, fmt)
            for note in export.notes:
                err.print(f"note: {note}", markup=False)
            for line in export.left_out:
                err.print(f"left out: {line}", markup=False)
            if output is None:
                sys.stdout.buffer.write(body)
                sys.stdout.flush()
            else:
                output.write_bytes(body)
                err.print(
                    f"{len(iris)} course(s), {len(export.graph)} triples, conforming to LOQ: {output}", markup=False
                )

    run(action)
