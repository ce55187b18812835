"""SPARQL Update through the validated write path.

An update is first applied to a sandbox, a writable checkpoint of the store (hard links, milliseconds).
The resources it changed are then validated against the sandbox, which is the store as it would become,
and only if they conform is the same update applied to the store, in one transaction. Which graphs an
update writes is read from its syntax before anything runs, so that a partner's token is held to its own
graph, and writes to the default graph (which has no provenance) are refused.

A store that cannot make checkpoints (a remote one) gets a sandbox of the graphs the update names: they are
copied into a scratch store, the update runs there, the resources it changed are validated against the store
with their new descriptions in place of the old, and the graphs it changed are swapped in by one update
request. The store thus ends exactly as validated, whatever its own reading of the update would be.
"""

from __future__ import annotations

import functools
import io
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyparsing import ParseResults
from rdflib.plugins.sparql.algebra import translatePName, translatePrologue, traverse
from rdflib.plugins.sparql.parser import parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

from smarco_kg.errors import BadRequest
from smarco_kg.formats import rdf_syntax
from smarco_kg.sparql_text import keywords, tokens
from smarco_kg.store import Changeset, GraphStore, QuerySyntaxError, open_scratch_store, open_store
from smarco_kg.store.sparql_changes import owned_construct
from smarco_kg.validation import Report
from smarco_kg.write_path import Staged, SubjectsGuard, WritePath, WriteRejected

ANY_GRAPH = "*"
DEFAULT_GRAPH = ""


class UpdateError(BadRequest, ValueError):
    """An update that cannot be applied (it would reach the network, names a protocol graph that is not an IRI,
    or fails as it runs); nothing changed."""

    title = "the update cannot be applied"


@dataclass
class UpdatePlan:
    """What an update writes, read from its syntax: graph IRIs, ``*`` for any, ``""`` for the default graph."""

    targets: set[str] = field(default_factory=set)
    has_dataset: bool = False  # USING, USING NAMED or WITH appear in it
    named: set[str] = field(default_factory=set)  # every IRI in it (the graphs it reads are among them)
    reads_any_graph: bool = False  # a GRAPH pattern with a variable: it may read any graph
    operations: int = 0  # none for an update of only BASE, PREFIX and comments, which the grammar allows


@dataclass
class UpdateResult:
    report: Report
    added: dict[str, int]
    removed: dict[str, int]
    subjects: list[str] = field(default_factory=list)  # the IRIs whose descriptions changed


def check_syntax(sparql: str, base_iri: str | None = None) -> None:
    """Raise ``QuerySyntaxError`` with the line and column of the first error, before anything runs.

    Oxigraph's parser gives the position; it only parses on execution, so the update runs on an empty
    in-memory store, once LOAD and SERVICE (the two operations that reach the network) are refused."""
    words = keywords(sparql)
    if "LOAD" in words:
        raise UpdateError(
            "LOAD is not supported: the server fetches nothing from the web; PUT or POST the data to /store",
            title="LOAD is not accepted",
        )
    if "SERVICE" in words:
        raise UpdateError(
            "SERVICE is not allowed in updates: the server sends no requests to other servers",
            title="SERVICE is not accepted in updates",
        )
    scratch = open_scratch_store()
    try:
        scratch.update(sparql, base_iri=base_iri)
    except QuerySyntaxError:
        raise
    except (OSError, RuntimeError, ValueError):
        pass  # valid syntax that fails on an empty store (CREATE twice, say): the real run reports it
    finally:
        scratch.close()


def plan(sparql: str, base_iri: str | None = None) -> UpdatePlan:
    """Parse ``sparql`` (raising ``QuerySyntaxError``; ``UpdateError`` for LOAD and SERVICE) and list the graphs
    it may write."""
    check_syntax(sparql, base_iri)
    try:
        operations = _operations(sparql, base_iri)
    except Exception as error:  # pyparsing and rdflib raise several types for bad input
        raise QuerySyntaxError(" ".join(str(error).split())) from error
    result = UpdatePlan(operations=len(operations))
    _names(operations, result)
    for request in operations:
        name = request.name
        if name in ("InsertData", "DeleteData", "DeleteWhere"):
            _template_targets(request.quads, None, result)
        elif name == "Modify":
            with_graph = str(request.withClause) if request.withClause else None
            result.has_dataset |= bool(request.withClause or request.using)
            for template in (request.delete, request.insert):
                if template is not None:
                    _template_targets(template.quads, with_graph, result)
        elif name in ("Load", "Clear", "Drop", "Create"):
            target = request.get("graphiri") or request.get("graph")
            result.targets.add(_graph_ref(target))
        elif name in ("Add", "Move", "Copy"):
            graphs = request.graph
            result.targets.add(_graph_ref(graphs[-1]))
            if name == "Move":
                result.targets.add(_graph_ref(graphs[0]))
        else:
            result.targets.add(ANY_GRAPH)
    return result


def _operations(sparql: str, base_iri: str | None) -> list[CompValue]:
    """The operations of an update as rdflib parses them, prefixed names and relative IRIs resolved.

    Not rdflib's ``translateUpdate``, which orders the triples of each template by a quadratic sort: planning an
    INSERT DATA of 1000 triples took 2.8 s and of 2000 12.6 s (measured); nothing here needs the order."""
    parsed = parseUpdate(sparql)
    operations: list[CompValue] = []
    prologue = None
    for declarations, operation in zip(parsed.prologue or [], parsed.request or [], strict=False):
        prologue = translatePrologue(declarations, base_iri, None, prologue)
        operations.append(traverse(operation, visitPost=functools.partial(translatePName, prologue=prologue)))
    return operations


def _names(node: object, result: UpdatePlan) -> None:
    """Collect every IRI of the operations, and whether a GRAPH pattern reads a variable graph."""
    if isinstance(node, URIRef):
        result.named.add(str(node))
    elif isinstance(node, dict):
        if getattr(node, "name", None) == "GraphGraphPattern" and isinstance(node.get("term"), Variable):
            result.reads_any_graph = True
        for key, value in node.items():
            _names(key, result)
            _names(value, result)
    elif isinstance(node, list | tuple | set | ParseResults):
        for item in node:
            _names(item, result)


def _graph_ref(ref: object) -> str:
    if isinstance(ref, URIRef):
        return str(ref)
    if ref is None:
        return ANY_GRAPH
    text = str(getattr(ref, "graphiri", None) or ref).upper()
    if text == "DEFAULT":
        return DEFAULT_GRAPH
    return ANY_GRAPH  # NAMED, ALL or a variable


def _template_targets(quads: CompValue | None, with_graph: str | None, result: UpdatePlan) -> None:
    """The graphs a template or data block writes: each ``GRAPH`` block that holds triples, and the default graph
    (or the ``WITH`` graph) when triples stand outside any."""
    if quads is None:
        return
    for block in quads.quadsNotTriples or []:  # a CompValue answers None for a missing member
        if block.triples:
            result.targets.add(ANY_GRAPH if isinstance(block.term, Variable) else str(block.term))
    if quads.triples:
        result.targets.add(with_graph if with_graph is not None else DEFAULT_GRAPH)


def with_protocol_dataset(sparql: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """Apply ``using-graph-uri``/``using-named-graph-uri``: a USING clause before every top-level WHERE that
    follows a template (SPARQL 1.1 Protocol §2.2.3). Each must be an absolute IRI (``UpdateError`` if not): it
    goes into the text, which must run as it was planned and authorised."""
    for name, graphs in (("using-graph-uri", using), ("using-named-graph-uri", using_named)):
        for graph in graphs:
            try:
                ox.NamedNode(graph)
            except ValueError as error:
                raise UpdateError(f"{name}={graph!r} is not an absolute IRI: {error}", title=f"bad {name}") from None
    clauses = " ".join([*(f"USING <{g}>" for g in using), *(f"USING NAMED <{g}>" for g in using_named)])
    if not clauses:
        return sparql
    out: list[str] = []
    depth, previous, position = 0, "", 0
    for match in tokens(sparql):
        token = match.group()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and token.upper() == "WHERE" and previous == "}":
            out.append(sparql[position : match.start()])
            out.append(clauses + " ")
            position = match.start()
        previous = token
    out.append(sparql[position:])
    return "".join(out)


def lenient_clear(sparql: str) -> str:
    """``CLEAR`` of a graph that does not exist succeeds, as the SPARQL 1.1 Protocol tests expect of a store
    that keeps no empty graphs: Oxigraph keeps them, so every CLEAR is made SILENT."""
    out: list[str] = []
    position = 0
    pending = False
    for match in tokens(sparql):
        word = match.group().upper()
        if pending and word != "SILENT":
            out.append(sparql[position : match.start()] + "SILENT ")
            position = match.start()
        pending = word == "CLEAR"
    out.append(sparql[position:])
    return "".join(out)


def apply_update(
    store: GraphStore,
    write_path: WritePath,
    sparql: str,
    *,
    base_iri: str | None = None,
    guard: SubjectsGuard | None = None,
    before_commit: Callable[[list[str], list[str]], object] | None = None,
) -> UpdateResult:
    """Apply ``sparql`` to a sandbox, validate what changed there, then apply it to ``store``; raises
    ``WriteRejected`` (nothing written) when the result breaks the shapes. ``guard`` is shown the IRIs whose
    statements the update adds or removes before the store is touched, and raises to refuse them;
    ``before_commit`` is told the graphs and resources that change right before the store commits."""
    sparql = lenient_clear(sparql)
    update_plan = plan(sparql, base_iri)
    if not update_plan.operations:
        return UpdateResult(Report(), {}, {})
    folder = Path(tempfile.mkdtemp(prefix="smarco-update-"))
    try:
        sandbox_path = folder / "sandbox"
        if not store.snapshot(sandbox_path):
            return _apply_by_graph_swap(store, write_path, sparql, base_iri, update_plan, guard, before_commit)
        sandbox = open_store(sandbox_path)
        try:
            _run(sandbox, sparql, base_iri)
            graphs = _written_graphs(update_plan.targets, store.graphs(), sandbox)
            before = {g: _graph_lines(store, g) for g in graphs}
            added, removed, changed = _differences(before, {g: _graph_lines(sandbox, g) for g in graphs})
            subjects = set().union(*changed.values()) if changed else set()
            if guard is not None:
                guard(sorted(subjects))
            report = _validate(sandbox, write_path, subjects, graphs)
        finally:
            sandbox.close()
        if not report.conforms:
            raise WriteRejected(report)
        if before_commit is not None:
            before_commit(sorted({*added, *removed}), sorted(subjects))
        store.update(sparql, base_iri=base_iri)
        return UpdateResult(report, added, removed, sorted(subjects))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _apply_by_graph_swap(
    store: GraphStore,
    write_path: WritePath,
    sparql: str,
    base_iri: str | None,
    update_plan: UpdatePlan,
    guard: SubjectsGuard | None,
    before_commit: Callable[[list[str], list[str]], object] | None,
) -> UpdateResult:
    """The sandbox of a store without checkpoints: the graphs the update names (all of them if it names a
    graph by a variable), copied; the changed graphs then replace the stored ones in one update request."""
    existing = store.graphs()
    if ANY_GRAPH in update_plan.targets or update_plan.reads_any_graph:
        copied = existing
    else:
        copied = sorted((update_plan.targets | update_plan.named) & set(existing))
    sandbox = open_scratch_store()
    try:
        ntriples = rdf_syntax("ntriples")
        for graph in [*copied, DEFAULT_GRAPH]:
            buffer = io.BytesIO()
            store.dump(buffer, ntriples, graph=graph)
            if buffer.getvalue().strip():
                sandbox.bulk_load(buffer.getvalue(), ntriples, graph=graph or None)
        before = {g: _graph_lines(sandbox, g) for g in _written_graphs(update_plan.targets, existing, sandbox)}
        _run(sandbox, sparql, base_iri)
        graphs = _written_graphs(update_plan.targets, existing, sandbox)  # with the graphs the update made
        before.update({g: set() for g in graphs if g not in before})
        after = {g: _graph_lines(sandbox, g) for g in graphs}
        added, removed, by_graph = _differences(before, after)
        changed = [g for g in graphs if before[g] != after[g]]
        if guard is not None:
            guard(sorted(set().union(*by_graph.values())) if by_graph else [])
        report = _validate_against(store, sandbox, write_path, by_graph)
        if not report.conforms:
            raise WriteRejected(report)
        subjects = set().union(*by_graph.values()) if by_graph else set()
        if changed:
            buffer = io.BytesIO()
            for graph in changed:
                for line in sorted(after[graph]):
                    buffer.write(line[:-1].rstrip() + (f" <{graph}> .\n" if graph else " .\n").encode())
            if before_commit is not None:
                before_commit(changed, sorted(subjects))
            store.apply(Changeset(add=buffer.getvalue(), default_graph=None, clear_graphs=changed))
        return UpdateResult(report, added, removed, sorted(subjects))
    finally:
        sandbox.close()


def _run(sandbox: GraphStore, sparql: str, base_iri: str | None) -> None:
    try:
        sandbox.update(sparql, base_iri=base_iri)
    except (OSError, RuntimeError, ValueError) as error:
        raise UpdateError(" ".join(str(error).split())) from error


def _written_graphs(targets: set[str], before: Iterable[str], after: GraphStore) -> list[str]:
    if ANY_GRAPH not in targets:
        return sorted(targets)
    return sorted({DEFAULT_GRAPH, *before, *after.graphs()})


def _graph_lines(store: GraphStore, graph: str) -> set[bytes]:
    if graph != DEFAULT_GRAPH and graph not in store.graphs():
        return set()
    buffer = io.BytesIO()
    store.dump(buffer, rdf_syntax("ntriples"), graph=graph)
    return {line for line in buffer.getvalue().splitlines() if line.strip()}


def _differences(
    before: dict[str, set[bytes]], after: dict[str, set[bytes]]
) -> tuple[dict[str, int], dict[str, int], dict[str, set[str]]]:
    """Triples (N-Triples lines) added and removed per graph, and per graph the IRIs whose description changed: a
    changed statement of a blank node changes the IRIs that own it (a credit point's points change its
    specification), before or after the update, which are validated with it."""
    added: dict[str, int] = {}
    removed: dict[str, int] = {}
    subjects: dict[str, set[str]] = {}
    for graph, old in before.items():
        new = after[graph]
        plus, minus = new - old, old - new
        if plus:
            added[graph] = len(plus)
        if minus:
            removed[graph] = len(minus)
        changed = {line[1 : line.index(b">")].decode() for line in plus | minus if line.startswith(b"<")}
        blank = {line.split(b" ", 1)[0] for line in plus | minus if line.startswith(b"_:")}
        if blank:
            changed |= _owners(blank, old | new)
        if changed:
            subjects[graph] = changed
    return added, removed, subjects


_BLANK_OBJECT = re.compile(rb"(\S+) \S+ (_:[^\s\"<>]+) \.$")


def _owners(blank: set[bytes], lines: Iterable[bytes]) -> set[str]:
    """The IRIs that reach one of the ``blank`` nodes (N-Triples labels) through blank nodes only, in ``lines``."""
    parents: dict[bytes, set[bytes]] = {}
    for line in lines:
        found = _BLANK_OBJECT.match(line.rstrip())
        if found is not None:
            parents.setdefault(found[2], set()).add(found[1])
    owners: set[str] = set()
    seen, frontier = set(blank), set(blank)
    while frontier:
        above = {subject for node in frontier for subject in parents.get(node, ())}
        owners |= {subject[1:-1].decode() for subject in above if subject.startswith(b"<")}
        frontier = {subject for subject in above if subject.startswith(b"_:")} - seen
        seen |= frontier
    return owners


def _validate_against(
    store: GraphStore, sandbox: GraphStore, write_path: WritePath, changed: dict[str, set[str]]
) -> Report:
    """Validate the changed IRIs that are still described, with their descriptions as the sandbox has them in
    place of the stored ones, and the store as their neighbourhood (as a write that replaces resources is)."""
    subjects = set().union(*changed.values()) if changed else set()
    if not subjects:
        return Report()
    values = " ".join(f"<{s}>" for s in sorted(subjects))
    kept = {
        str(row["s"])
        for row in sandbox.query(
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}", union_default_graph=True
        ).rows()
    }
    if not kept:  # every changed resource is gone: nothing left to check
        return Report()
    values = "VALUES ?s { " + " ".join(f"<{s}>" for s in sorted(kept)) + " }"
    scratch = open_scratch_store()
    for graph in changed:
        described = sandbox.query(owned_construct("?s", graph or None, values)).serialize(rdf_syntax("ntriples"))
        if described.strip():
            scratch.bulk_load(described, rdf_syntax("ntriples"), graph=graph or "urn:smarco:changed")
    staged = Staged(scratch, [g for g in changed if g], 0)
    try:
        remove = [(g, s) for g, names in sorted(changed.items()) if g for s in sorted(names & kept)]
        return write_path.check(staged, remove_resources=remove)
    finally:
        staged.close()


def _validate(sandbox: GraphStore, write_path: WritePath, subjects: set[str], graphs: list[str]) -> Report:
    """Validate the changed IRIs as they are in the sandbox, with the sandbox as their neighbourhood. The blank
    nodes they own (a credit point, its parts) are staged with them: staged alone, a blank node would be
    a new one without its statements (a course's credits refused after an update that changed only its level)."""
    if not subjects:
        return Report()
    scratch = open_scratch_store()
    values = "VALUES ?s { " + " ".join(f"<{s}>" for s in sorted(subjects)) + " }"
    staged = Staged(scratch, [], 0)
    try:
        for graph in graphs:
            owned = owned_construct("?s", graph or None, values)
            described = sandbox.query(owned).serialize(rdf_syntax("ntriples"))
            if described:
                scratch.bulk_load(described, rdf_syntax("ntriples"), graph="urn:smarco:changed")
        checker = WritePath(sandbox, write_path.validator, batch_size=write_path.batch_size, workers=1)
        return checker.check(staged)
    finally:
        staged.close()
