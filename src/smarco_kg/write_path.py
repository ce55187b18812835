"""The one write path for project data: parse, SHACL-validate what the write touches, commit atomically.

Incoming data is staged in a scratch store, then validated in batches of focus nodes, each batch with the
neighbourhood its shapes reach (the nodes' current descriptions, the types of what they point at, triples
that point at them along inverse paths), read from the staged data and from the store. Nothing is written
unless every batch conforms, and then all of it is written in one transaction. The cost of a write grows
with the write, not with the store.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from smarco_kg.errors import BadRequest, Unprocessable
from smarco_kg.formats import RdfSyntax, UnknownFormatError, rdf_syntax, rdf_syntax_for_path
from smarco_kg.store import Changeset, GraphStore, open_scratch_store
from smarco_kg.store.sparql_changes import owned_construct
from smarco_kg.validation import Report, ShapesValidator

BATCH_SIZE = 400
"""Focus nodes per pySHACL run: large enough to amortise a run, small enough to keep memory flat."""

PARALLEL_MIN_FOCUS_NODES = 4000
"""From this many focus nodes on, batches are checked by worker processes (one per core) on checkpoints."""

LARGE_INPUT_BYTES = 8 << 20
"""Inputs larger than this are staged on disk (in a temporary folder) rather than in memory."""

_NESTING = 4  # levels of sh:node a focus node's neighbourhood is described to (a pledge's achievements are at 2)

BatchProgress = Callable[[int, int], None]
"""Called with (focus nodes checked, focus nodes in all)."""

SubjectsGuard = Callable[[Sequence[str]], None]
"""Shown the IRIs a write states or removes something about, before it is written; raises to refuse it."""
BeforeCommit = Callable[[list[str]], object]
"""Called with the graphs a write changes right before the store commits it (the change feed's journal)."""


class ParseError(BadRequest, ValueError):
    """The input is not RDF in the format it claims, or puts triples where no graph is named."""

    title = "the body is not RDF in the format it claims"


class ForeignGraphs(BadRequest, PermissionError):
    """The data puts triples in graphs the write may not touch."""

    title = "the body names other graphs"


class WriteRejected(Unprocessable):
    """The data breaks the shapes; nothing was written. ``report`` says what and where, one entry per result."""

    kind = "shapes-violation"
    title = "the data does not conform to the shapes"

    def __init__(self, report: Report) -> None:
        super().__init__(
            f"{len(report.violations)} violation(s); nothing was stored",
            errors=[
                {
                    "focusNode": p.focus_node,
                    "path": p.path,
                    "value": p.value,
                    "message": p.message,
                    "severity": p.severity,
                    "shape": p.shape,
                }
                for p in report.problems
            ],
        )
        self.args = (report,)
        self.report = report


@dataclass
class WriteResult:
    report: Report
    quads: int
    graphs: list[str]
    seconds: float = 0.0


@dataclass
class Staged:
    """Parsed data waiting in a scratch store to be validated and committed."""

    store: GraphStore
    graphs: list[str]
    quads: int
    types: dict[Node, list[Node]] = field(default_factory=dict, repr=False)  # rdf:type of referenced IRIs
    directory: str | None = field(default=None, repr=False)  # the temporary folder of an on-disk stage
    # Stored triples the write removes (``remove_resources``): validation reads the store without them.
    hidden: frozenset = field(default_factory=frozenset, repr=False)
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if not self._closed:
            self.store.close()
            if self.directory:
                shutil.rmtree(self.directory, ignore_errors=True)
            self._closed = True


_TOP_LEVEL_BLANKS = """
CONSTRUCT { ?s ?p ?o . ?o ?p2 ?o2 . ?o2 ?p3 ?o3 }
WHERE {
  ?s ?p ?o .
  FILTER (isBlank(?s))
  OPTIONAL { ?x ?y ?s }
  FILTER (!BOUND(?x))
  OPTIONAL { ?o ?p2 ?o2 FILTER isBlank(?o) OPTIONAL { ?o2 ?p3 ?o3 FILTER isBlank(?o2) } }
}"""


class WritePath:
    """Parse → validate the touched focus nodes → commit in one transaction."""

    def __init__(
        self,
        store: GraphStore,
        validator: ShapesValidator,
        *,
        batch_size: int = BATCH_SIZE,
        workers: int | None = None,
        parallel_from: int = PARALLEL_MIN_FOCUS_NODES,
    ) -> None:
        self.store = store
        self.validator = validator
        self.batch_size = batch_size
        self.workers = workers if workers is not None else (os.cpu_count() or 1)
        self.parallel_from = parallel_from

    # -- parse ---------------------------------------------------------------------------------------------

    def stage(
        self,
        sources: Path | bytes | Sequence[Path],
        syntax: RdfSyntax | None = None,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        name: str | None = None,
    ) -> Staged:
        """Parse ``sources`` into one scratch store; triples outside a named graph go to ``graph``.

        A file's format comes from its extension unless ``syntax`` is given; bytes need ``syntax``."""
        items = [sources] if isinstance(sources, Path | bytes) else list(sources)
        label = name or (", ".join(s.name for s in items if isinstance(s, Path)) or "the data")
        size = sum(len(i) if isinstance(i, bytes) else (i.stat().st_size if i.is_file() else 0) for i in items)
        directory = tempfile.mkdtemp(prefix="smarco-stage-") if size > LARGE_INPUT_BYTES else None
        scratch = open_scratch_store(Path(directory) / "store" if directory else None)
        try:
            for item in items:
                self._parse_into(scratch, item, syntax, base_iri)
        except ParseError:
            scratch.close()
            if directory:
                shutil.rmtree(directory, ignore_errors=True)
            raise
        sizes = scratch.graph_sizes()
        if sizes.get("", 0) and graph != "":  # graph "" keeps triples in the default graph
            if graph is None:
                scratch.close()
                raise ParseError(
                    f"{label} has {sizes['']} triple(s) outside any named graph; say which graph they belong to "
                    "(--graph IRI, e.g. the partner graph <base>graph/partner/<slug>)"
                )
            scratch.update(f"ADD DEFAULT TO <{graph}> ; CLEAR DEFAULT")
            sizes = scratch.graph_sizes()
        names = sorted(g for g, n in sizes.items() if n and (g or graph == ""))
        return Staged(scratch, names, sum(sizes.values()), directory=directory)

    @staticmethod
    def _parse_into(scratch: GraphStore, item: Path | bytes, syntax: RdfSyntax | None, base_iri: str | None) -> None:
        label = item.name if isinstance(item, Path) else "the data"
        if isinstance(item, Path):
            if not item.is_file():
                raise ParseError(f"{item}: no such file")
            try:
                syntax = syntax or rdf_syntax_for_path(item)
            except UnknownFormatError as error:
                raise ParseError(str(error)) from error
        elif syntax is None:
            raise ParseError("say which RDF format the data is in")
        try:
            scratch.bulk_load(item, syntax, base_iri=base_iri)
        except (SyntaxError, ValueError, OSError) as error:
            raise ParseError(f"cannot parse {label} as {syntax.name}: {_one_line(error)}") from error

    # -- validate ------------------------------------------------------------------------------------------

    def check(
        self,
        staged: Staged,
        *,
        replace_graphs: Sequence[str] = (),
        progress: BatchProgress | None = None,
        remove_resources: Sequence[tuple[str, str]] = (),
    ) -> Report:
        """Validate every focus node the staged data touches, against the store as it would become.

        ``remove_resources`` ((graph, subject) pairs, as in ``Changeset``) are descriptions the write replaces:
        their stored triples (the subject's and those of the blank nodes it owns, in that graph) are read as
        absent, so the new description is checked on its own rather than merged with the old one."""
        context = self._context_graphs(replace_graphs)
        if remove_resources:
            staged.hidden = self._owned_triples(remove_resources)
        report = Report()
        subjects = [
            row["s"]
            for row in staged.store.query(
                "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER isIRI(?s) }", union_default_graph=True
            ).rows()
        ]
        total = len(subjects)
        parallel = total >= self.parallel_from and self.workers > 1 and not staged.hidden
        if not (parallel and self._check_in_workers(staged, subjects, context, report, progress)):
            for start in range(0, total, self.batch_size):
                batch = subjects[start : start + self.batch_size]
                report.extend(self._check_batch(staged, batch, context))
                if progress:
                    progress(min(start + self.batch_size, total), total)
        blanks = Graph()
        for triple in staged.store.query(_TOP_LEVEL_BLANKS, union_default_graph=True).triples():
            blanks.add(triple)
        top = [s for s in set(blanks.subjects()) if isinstance(s, BNode) and (None, None, s) not in blanks]
        if top:
            self._add_types(blanks, staged, context)
            report.extend(self.validator.validate(blanks, top))
        return report

    def _check_in_workers(
        self,
        staged: Staged,
        subjects: Sequence[Node],
        context: list[str] | None,
        report: Report,
        progress: BatchProgress | None,
    ) -> bool:
        """Check the batches in one worker process per core, each reading checkpoints of the stage and the
        store; False (and nothing checked) where a backend cannot make checkpoints."""
        with tempfile.TemporaryDirectory(prefix="smarco-check-") as folder:
            staged_copy, store_copy = Path(folder) / "staged", Path(folder) / "store"
            if not (staged.store.snapshot(staged_copy) and self.store.snapshot(store_copy)):
                return False
            batches = [
                [str(s) for s in subjects[start : start + self.batch_size]]
                for start in range(0, len(subjects), self.batch_size)
            ]
            arguments = (str(self.validator.shapes_dir), str(staged_copy), str(store_copy), context, self.batch_size)
            with ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=arguments,
            ) as pool:
                futures = {pool.submit(_check_in_worker, batch): len(batch) for batch in batches}
                done = 0
                for future in as_completed(futures):
                    report.extend(future.result())
                    done += futures[future]
                    if progress:
                        progress(done, len(subjects))
        return True

    def _check_batch(self, staged: Staged, batch: Sequence[Node], context: list[str] | None) -> Report:
        values = "VALUES ?s { " + " ".join(f"<{s}>" for s in batch) + " }"
        data = Graph()
        describe = owned_construct("?s", values=values)  # each node with the blank nodes it owns
        for triple in staged.store.query(describe, union_default_graph=True).triples():
            data.add(triple)
        for triple in self._store_triples(staged, describe, context):
            data.add(triple)
        self._describe_nested(data, staged, context)
        inverse = self.validator.inverse_predicates
        if inverse:
            pointing = (
                "CONSTRUCT { ?x ?p ?s } WHERE { "
                + values
                + " VALUES ?p { "
                + " ".join(f"<{p}>" for p in inverse)
                + " } ?x ?p ?s }"
            )
            for triple in staged.store.query(pointing, union_default_graph=True).triples():
                data.add(triple)
            for triple in self._store_triples(staged, pointing, context):
                data.add(triple)
        self._add_types(data, staged, context)
        return self.validator.validate(data, batch)

    def _describe_nested(self, data: Graph, staged: Staged, context: list[str] | None) -> None:
        """Describe the IRIs that nested shapes validate in depth (a home page ``<page/x>``, say) when they
        are not described yet, wherever they are: in this write, another batch of it, or the store. Nested
        shapes nest in turn (a pledge's report's achievements), so the descriptions are read level by level."""
        for _level in range(_NESTING):
            described = set(data.subjects())
            nested = {
                o
                for p in self.validator.nested_predicates
                for o in data.objects(None, p)
                if isinstance(o, URIRef) and o not in described
            }
            if not nested:
                return
            describe = owned_construct("?s", values="VALUES ?s { " + " ".join(f"<{o}>" for o in nested) + " }")
            for triple in staged.store.query(describe, union_default_graph=True).triples():
                data.add(triple)
            for triple in self._store_triples(staged, describe, context):
                data.add(triple)

    def _add_types(self, data: Graph, staged: Staged, context: list[str] | None) -> None:
        """The classes of every IRI the data points at, so ``sh:class`` checks see them.

        Looked up once per IRI and write: the same organisations, skills and code-list values recur in batch
        after batch, and neither the staged data nor the store changes while a write is checked."""
        described = set(data.subjects())
        targets = {o for o in data.objects() if isinstance(o, URIRef) and o not in described}
        targets |= {s for s in data.subjects() if isinstance(s, URIRef) and (s, RDF.type, None) not in data}
        known = staged.types
        unknown = [iri for iri in targets if iri not in known]
        if unknown:
            for iri in unknown:
                known[iri] = []
            query = "SELECT ?o ?t WHERE { VALUES ?o { " + " ".join(f"<{o}>" for o in unknown) + " } ?o a ?t }"
            for result in (staged.store.query(query, union_default_graph=True), self._query_store(query, context)):
                for row in result.rows():
                    if (row["o"], RDF.type, row["t"]) in staged.hidden:
                        continue  # a stored type the write removes (the staged data says it again if it keeps it)
                    known[row["o"]].append(row["t"])
        for iri in targets:
            for cls in known[iri]:
                data.add((iri, RDF.type, cls))

    def _context_graphs(self, replace_graphs: Sequence[str]) -> list[str] | None:
        """The store's graphs as the write sees them: all of them, minus those it replaces."""
        if not replace_graphs:
            return None
        dropped = set(replace_graphs)
        return [g for g in ("", *self.store.graphs()) if g not in dropped]  # "" is the default graph

    def _store_triples(self, staged: Staged, query: str, context: list[str] | None):
        """The triples a CONSTRUCT finds in the store, less those the write removes."""
        for triple in self._query_store(query, context).triples():
            if triple not in staged.hidden:
                yield triple

    def _owned_triples(self, resources: Sequence[tuple[str, str]]) -> frozenset:
        """The stored triples of each (graph, subject) and of the blank nodes it owns, three levels deep."""
        found: set = set()
        for graph, subject in resources:
            # what ``remove_resources`` removes (IRIs pasted in, not bound: the embedded store binds no GRAPH)
            query = owned_construct(URIRef(subject).n3(), graph)
            result = self.store.query(query)
            found.update(result.triples())
        return frozenset(found)

    def _query_store(self, query: str, context: list[str] | None):
        if context is None:
            return self.store.query(query, union_default_graph=True)
        return self.store.query(query, default_graphs=context)

    # -- commit --------------------------------------------------------------------------------------------

    def commit(
        self,
        staged: Staged,
        *,
        replace_graphs: Sequence[str] = (),
        remove_resources: Sequence[tuple[str, str]] = (),
        before_commit: BeforeCommit | None = None,
    ) -> None:
        """Write the staged data (replacing whole graphs or resources' descriptions if asked) in one transaction."""
        buffer = io.BytesIO()
        staged.store.dump(buffer, rdf_syntax("nquads"))
        changes = Changeset(
            add=buffer.getvalue(), clear_graphs=list(replace_graphs), remove_resources=list(remove_resources)
        )
        if before_commit is not None:
            before_commit(sorted({*staged.graphs, *replace_graphs, *(g for g, _ in remove_resources)}))
        self.store.apply(changes)

    def write(
        self,
        source: Path | bytes | Sequence[Path],
        syntax: RdfSyntax | None = None,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        replace_graphs: Sequence[str] = (),
        dry_run: bool = False,
        allowed_graphs: Callable[[str], bool] | None = None,
        progress: BatchProgress | None = None,
        name: str | None = None,
        remove_resources: Sequence[tuple[str, str]] = (),
        guard: SubjectsGuard | None = None,
        before_commit: BeforeCommit | None = None,
    ) -> WriteResult:
        """Parse, validate and (unless ``dry_run``) commit; raises ``WriteRejected`` and writes nothing on a
        violation, ``ParseError`` on bad input, ``PermissionError`` for a graph ``allowed_graphs`` refuses.

        ``remove_resources`` ((graph, subject IRI) pairs) replaces descriptions: each subject's triples and the
        blank nodes it owns are removed from that graph in the same transaction, and validation sees the store
        without them. ``guard`` is shown the IRIs the write states or removes something about before anything
        else is checked, and raises to refuse them;
        ``before_commit`` is told the graphs right before the store commits."""
        started = time.perf_counter()
        staged = self.stage(source, syntax, graph=graph, base_iri=base_iri, name=name)
        try:
            if allowed_graphs is not None:
                refused = [g for g in staged.graphs if not allowed_graphs(g)]
                if refused:
                    raise ForeignGraphs(
                        f"not allowed to write to graph(s): {', '.join(refused)}; send the triples of one graph"
                    )
            if guard is not None:
                guard([*staged_subjects(staged), *(subject for _, subject in remove_resources)])
            report = self.check(
                staged, replace_graphs=replace_graphs, progress=progress, remove_resources=remove_resources
            )
            if not report.conforms:
                raise WriteRejected(report)
            if not dry_run:
                self.commit(
                    staged,
                    replace_graphs=replace_graphs,
                    remove_resources=remove_resources,
                    before_commit=before_commit,
                )
            return WriteResult(report, staged.quads, staged.graphs, time.perf_counter() - started)
        finally:
            staged.close()


def staged_subjects(staged: Staged) -> list[str]:
    """The IRIs the staged data states something about, in any graph."""
    query = "SELECT DISTINCT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } FILTER isIRI(?s) }"
    return [str(row["s"]) for row in staged.store.query(query).rows()]


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


_WORKER: dict = {}


def _start_worker(shapes_dir: str, staged_dir: str, store_dir: str, context: list[str] | None, batch: int) -> None:
    """Open the checkpoints read-only and load the shapes once per worker process."""
    from smarco_kg.store import open_store

    validator = ShapesValidator(Path(shapes_dir))
    store = open_store(store_dir, read_only=True)
    staged = Staged(open_store(staged_dir, read_only=True), [], 0)
    _WORKER.update(path=WritePath(store, validator, batch_size=batch, workers=1), staged=staged, context=context)


def _check_in_worker(batch: list[str]) -> Report:
    return _WORKER["path"]._check_batch(_WORKER["staged"], [URIRef(s) for s in batch], _WORKER["context"])
