"""The ``smarco-kg`` command: initialise, load, validate, query, dump and serve the knowledge graph."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from smarco_kg.config import Settings
from smarco_kg.esco import ATTRIBUTION
from smarco_kg.formats import RESULT_FORMATS, UnknownFormatError, rdf_syntax, result_format
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.progress import progress_bar
from smarco_kg.store import QuerySyntaxError, StoreError
from smarco_kg.validation import Report
from smarco_kg.write_path import ParseError, WriteRejected

app = typer.Typer(
    name="smarco-kg",
    help="The SMARCO smart-community skills knowledge graph: courses, credentials, ESCO skills, partners.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
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


class Failure(Exception):
    """A user-facing failure: one line of cause, optional details, an exit code."""

    def __init__(self, cause: str, details: str = "", code: int = 1) -> None:
        super().__init__(cause)
        self.details = details
        self.code = code


def _require(paths: list[Path], *, directories: bool = False) -> None:
    """Every path exists (a file, or with ``directories`` a folder too); exit 2 naming the first that does not."""
    for path in paths:
        if not (path.is_file() or (directories and path.is_dir())):
            raise Failure(f"{path}: no such file{' or directory' if directories else ''}", code=2)


def _settings(store: str | None) -> Settings:
    try:
        return Settings(store=store) if store is not None else Settings()
    except ValueError as error:
        raise Failure("the SMARCO_* settings are invalid", str(error), 2) from error


@contextmanager
def _open(store: str | None, *, create: bool = False) -> Iterator[KnowledgeGraph]:
    settings = _settings(store)
    try:
        kg = KnowledgeGraph(settings, create=create)
    except StoreError as error:
        raise Failure(str(error)) from error
    try:
        yield kg
    finally:
        kg.close()


def _run(action: callable) -> None:  # type: ignore[valid-type]
    try:
        action()
    except Failure as failure:
        err.print(f"[bold red]error:[/] {failure}", markup=True)
        if failure.details:
            err.print(failure.details, markup=False)
        raise typer.Exit(failure.code) from None


def _print_report(report: Report, *, stream: Console) -> None:
    for problem in report.problems:
        colour = "red" if problem.severity == "violation" else "yellow"
        stream.print(f"[{colour}]{problem.severity}[/]", end=" ", markup=True)
        stream.print(problem.focus_node, markup=False)
        if problem.path:
            stream.print(f"  property: {problem.path}", markup=False)
        if problem.value is not None:
            stream.print(f"  value:    {problem.value}", markup=False)
        stream.print(f"  {problem.message}", markup=False)


@app.command()
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

        with _open(store, create=True) as kg:
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

    _run(action)


FormatOption = Annotated[str | None, typer.Option("--format", help="RDF format (default: from the file extension)")]


@app.command()
def load(
    files: Annotated[list[Path], typer.Argument(help="RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML)")],
    store: StoreOption = None,
    graph: GraphOption = None,
    fmt: FormatOption = None,
    base: Annotated[str | None, typer.Option("--base", help="Base IRI for relative IRIs")] = None,
) -> None:
    """Validate FILES against the shapes and store them, all or nothing; print a report on violations."""
    _write(files, store=store, graph=graph, fmt=fmt, base=base, dry_run=False)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="RDF files to check")],
    store: StoreOption = None,
    graph: GraphOption = None,
    fmt: FormatOption = None,
    base: Annotated[str | None, typer.Option("--base", help="Base IRI for relative IRIs")] = None,
) -> None:
    """Check FILES against the shapes (and the store they refer to) without storing anything."""
    _write(files, store=store, graph=graph, fmt=fmt, base=base, dry_run=True)


def _write(
    files: list[Path], *, store: str | None, graph: str | None, fmt: str | None, base: str | None, dry_run: bool
) -> None:
    def action() -> None:
        _require(files)
        try:
            syntax = rdf_syntax(fmt) if fmt else None
        except UnknownFormatError as error:
            raise Failure(str(error), code=2) from error
        with _open(store) as kg:
            name = files[0].name if len(files) == 1 else f"{len(files)} files"
            base_iri = base or kg.settings.base_iri
            verb = "checking" if dry_run else "loading"
            try:
                with progress_bar(f"{verb} {name}", unit="resources") as update:
                    result = kg.commit(
                        files, syntax, graph=graph, base_iri=base_iri, dry_run=dry_run, progress=update, name=name
                    )
            except ParseError as error:
                raise Failure(str(error), code=2) from error
            except WriteRejected as rejected:
                _print_report(rejected.report, stream=err)
                raise Failure(
                    f"{name} does not conform: {len(rejected.report.violations)} violation(s); nothing was stored"
                ) from rejected
            _print_report(result.report, stream=err)
            if dry_run:
                out.print(
                    f"{name} conforms: {result.report.focus_nodes} resource(s) checked, "
                    f"{len(result.report.warnings)} warning(s)",
                    markup=False,
                )
            else:
                out.print(
                    f"loaded {result.quads} triples into {_graph_list(result.graphs)} "
                    f"({result.report.focus_nodes} resources validated) in {result.seconds:.2f} s",
                    markup=False,
                )

    _run(action)


def _graph_list(graphs: list[str], shown: int = 3) -> str:
    if len(graphs) <= shown:
        return ", ".join(graphs)
    return f"{len(graphs)} graphs ({', '.join(graphs[:shown])}, …)"


QUERY_FORMATS = "table, json, csv, tsv, xml for SELECT/ASK; ttl, nt, nq, trig, jsonld, rdfxml for CONSTRUCT/DESCRIBE"


@app.command()
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
        with _open(store) as kg:
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

    _run(action)


@app.command()
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
        with _open(store) as kg:
            if graph is not None and graph not in kg.store.graphs():
                raise Failure(f"no graph <{graph}> in the store", code=1)
            if output is None:
                kg.store.dump(sys.stdout.buffer, syntax, graph=graph)
                sys.stdout.buffer.flush()
            else:
                with output.open("wb") as handle:
                    kg.store.dump(handle, syntax, graph=graph)

    _run(action)


@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on", min=1, max=65535)] = 8000,
) -> None:
    """Start the HTTP server (home page, health; the SPARQL and REST endpoints build on it)."""

    def action() -> None:
        import logging

        import uvicorn

        from smarco_kg.api.app import create_app

        level = os.environ.get("SMARCO_LOG_LEVEL", "info").upper()
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        settings = _settings(store)
        if not settings.remote and not Path(settings.store).exists():
            raise Failure(f"no store at {settings.store}; run 'smarco-kg init' first")
        from smarco_kg.queries import QueryFileError

        try:
            application = create_app(settings)
        except StoreError as error:
            raise Failure(str(error)) from error
        except QueryFileError as error:
            raise Failure("a named query in queries/ is malformed; the server did not start", str(error)) from error
        uvicorn.run(application, host=host, port=port, log_level=os.environ.get("SMARCO_LOG_LEVEL", "info"))

    _run(action)


import_app = typer.Typer(
    name="import", help="Import reference data (ESCO) into its own named graph.", no_args_is_help=True
)


@import_app.command("esco")
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

        _require(sources, directories=True)
        with _open(store) as kg:
            with progress_bar("importing ESCO", unit="lines") as update:

                def progress(what: str, done: int, total: int) -> None:
                    update(done, total, stage=what if what == LOADING else None)

                try:
                    report = import_esco(kg.store, kg.graphs.esco, sources, version=version, progress=progress)
                except EscoImportError as error:
                    raise Failure(f"{error}", "\n".join(error.problems[:50]), 1) from error
                except QuerySyntaxError as error:
                    raise Failure("an RDF dump does not parse; nothing was changed", str(error), 1) from error
            kg.committed([kg.graphs.esco])
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

    _run(action)


@import_app.command("elm")
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

        _require(files)
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

        with _open(store) as kg:
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
                _print_report(rejected.report, stream=err)
                raise Failure(
                    f"{name} does not conform: {len(rejected.report.violations)} violation(s); nothing was stored"
                ) from rejected
            mapping(plan, out)
            _print_report(result.report, stream=err)
            out.print(
                f"imported {len(plan.courses)} course(s) and {len(plan.organisations)} new organisation(s): "
                f"{result.quads} triples into {_graph_list(result.graphs)} in {result.seconds:.2f} s",
                markup=False,
            )

    _run(action)


app.add_typer(import_app, name="import")

export_app = typer.Typer(
    name="export", help="Export the catalogue in other standards (Europass ELM v3).", no_args_is_help=True
)


@export_app.command("europass")
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
        with _open(store) as kg:
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

    _run(action)


app.add_typer(export_app, name="export")

issuer_app = typer.Typer(name="issuer", help="The key that seals issued credentials.", no_args_is_help=True)


@issuer_app.command("keygen")
def issuer_keygen(
    force: Annotated[bool, typer.Option("--force", help="Replace an existing key")] = False,
) -> None:
    """Generate the issuer's RSA key and self-signed certificate in $SMARCO_ISSUER_DIR (default var/issuer)."""

    def action() -> None:
        from smarco_kg.europass import seal

        settings = _settings(None)
        if not settings.issuer_legal_identifier:
            raise Failure("set SMARCO_ISSUER_LEGAL_IDENTIFIER (the issuer's eIDAS legal identifier) first", code=2)
        if (settings.issuer_dir / seal.KEY_FILE).exists() and not force:
            raise Failure(f"a key exists in {settings.issuer_dir}; --force replaces it", code=1)
        key = seal.generate(
            settings.issuer_dir,
            name=settings.issuer_organisation.replace("-", " ").title(),
            legal_identifier=settings.issuer_legal_identifier,
            country=settings.issuer_country,
        )
        out.print(f"issuer key {key.thumbprint} written to {settings.issuer_dir}", markup=False)

    _run(action)


app.add_typer(issuer_app, name="issuer")


@app.command()
def harvest(
    node: Annotated[str, typer.Argument(help="The partner node's URL (its home, e.g. https://b.example.org)")],
    name: Annotated[str, typer.Option("--name", help="A short name for the node: the harvest graph is named after it")],
    store: StoreOption = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for each request to the node")] = 30.0,
) -> None:
    """Mirror a partner node's courses into graph/harvest/NAME: everything the first time, then only the changes
    its change feed names since the last run; validated, one write per run."""

    def action() -> None:
        import httpx

        from smarco_kg.harvest import HarvestError
        from smarco_kg.harvest import harvest as run_harvest

        if not node.startswith(("http://", "https://")):
            raise Failure(f"{node!r} is not an http(s) URL", code=2)
        if not name.strip() or timeout <= 0:
            raise Failure("give --name (a short name) and a positive --timeout", code=2)
        with _open(store) as kg, httpx.Client(timeout=timeout) as client:
            try:
                report = run_harvest(kg, node, name, client)
            except HarvestError as error:
                raise Failure(f"cannot harvest {node}", str(error), 1) from error
            except WriteRejected as rejected:
                _print_report(rejected.report, stream=err)
                raise Failure(f"what {node} serves does not conform here; nothing was stored") from rejected
            how = "full copy" if report.full else "changes only"
            out.print(
                f"{node} -> {report.graph} ({how}): {len(report.copied)} course(s) copied, "
                f"{len(report.removed)} removed, cursor {report.cursor}",
                markup=False,
            )

    _run(action)


token_app = typer.Typer(
    help="Create, list and revoke the bearer tokens that may write: one partner's graph, or any graph (admin).",
    no_args_is_help=True,
)
TokensFileOption = Annotated[
    Path | None,
    typer.Option(
        "--tokens-file",
        help="Tokens file [default: $SMARCO_TOKENS_FILE or ./var/tokens.json]",
        show_default=False,
    ),
]


def _tokens(tokens_file: Path | None):  # -> smarco_kg.auth.TokenStore, imported when a token command runs
    from smarco_kg.auth import TokenStore, tokens_path

    return TokenStore(tokens_file if tokens_file is not None else tokens_path(_settings(None)))


@token_app.command("create")
def token_create(
    partner: Annotated[
        str | None, typer.Option("--partner", help="Partner slug (e.g. cefriel): may write only its graph")
    ] = None,
    admin: Annotated[bool, typer.Option("--admin", help="An admin token: may write any graph")] = False,
    label: Annotated[str, typer.Option("--label", help="A note for listings, e.g. who holds the token")] = "",
    tokens_file: TokensFileOption = None,
) -> None:
    """Create a token for one partner (--partner SLUG) or an administrator (--admin); print it, once."""

    def action() -> None:
        from smarco_kg.auth import TokenFileError

        if (partner is None) == (not admin):
            raise Failure("give exactly one of --partner SLUG or --admin", code=2)
        tokens = _tokens(tokens_file)
        try:
            secret, record = tokens.create(partner=partner, admin=admin, label=label)
        except TokenFileError as error:
            raise Failure(str(error)) from error
        except ValueError as error:
            raise Failure(str(error), code=2) from error
        except OSError as error:
            raise Failure(f"{tokens.path}: cannot write the tokens file ({error.strerror or error})") from error
        labelled = f", {record.label}" if record.label else ""
        out.print(f"created token {record.id} ({record.scope}{labelled})", markup=False)
        out.print(secret, markup=False)
        out.print(
            f"This is the only time the token is shown: it will not be shown again (only its hash is kept in "
            f"{tokens.path}). Revoke it with: smarco-kg token revoke {record.id}",
            markup=False,
        )

    _run(action)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id, as 'token list' shows it")],
    tokens_file: TokensFileOption = None,
) -> None:
    """Revoke a token: it stops authenticating at once, a running server included."""

    def action() -> None:
        from smarco_kg.auth import TokenFileError, UnknownToken

        tokens = _tokens(tokens_file)
        try:
            record = tokens.revoke(token_id)
        except (UnknownToken, TokenFileError) as error:
            raise Failure(str(error)) from error
        except OSError as error:
            raise Failure(f"{tokens.path}: cannot write the tokens file ({error.strerror or error})") from error
        out.print(f"revoked token {record.id} ({record.scope})", markup=False)

    _run(action)


@token_app.command("list")
def token_list(tokens_file: TokensFileOption = None) -> None:
    """List the tokens: id, partner or admin, label, creation time (never the tokens themselves)."""

    def action() -> None:
        from smarco_kg.auth import TokenFileError

        tokens = _tokens(tokens_file)
        try:
            records = tokens.list()
        except TokenFileError as error:
            raise Failure(str(error)) from error
        if not records:
            out.print(f"no tokens in {tokens.path}", markup=False)
            return
        width = max(len(record.scope) for record in records)
        for record in records:
            out.print(f"{record.id}  {record.scope:<{width}}  {record.created}  {record.label}".rstrip(), markup=False)

    _run(action)


app.add_typer(token_app, name="token")


__all__ = ["RESULT_FORMATS", "app"]
