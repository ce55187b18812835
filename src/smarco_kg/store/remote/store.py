"""The ``GraphStore`` over a remote SPARQL 1.1 store: queries, updates, changesets, loads and dumps as requests.

Stores differ from the standard in places, handled here (the dataset's in ``dataset``, the text's in ``virtuoso``):
- ``CLEAR ALL`` would empty Virtuoso's system graphs too: ``clear`` drops the dataset's graphs one by one;
- Virtuoso cuts results at ``ResultSetMaxRows``: a SELECT says so in a header (``X-SPARQL-MaxRows``), a
  CONSTRUCT not at all. A cut result is an error here, never a silently shorter answer: by the header, and for
  graph results by the cap this backend is told (``max_rows``). Whole graphs are read in pages below the cap,
  unsorted (Virtuoso refuses to sort more than ``MaxSortedTopRows``, 10,000 by default), and the rows read are
  checked against the graph's size.
Bulk loads go to a staging graph in Graph Store Protocol chunks and are added to their graph by one update.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import httpx
import pyoxigraph as ox
from rdflib.term import Node

from smarco_kg.formats import RdfSyntax
from smarco_kg.namespaces import PREFIXES
from smarco_kg.sparql_text import keywords, prebinding_start, query_form, substituted, tokens, where_group_start
from smarco_kg.store.base import Changeset, GraphStore, Progress, QuerySyntaxError, StoreError
from smarco_kg.store.remote.dataset import DEFAULT_GRAPH, OWN_GRAPHS, Dataset, left_out
from smarco_kg.store.remote.datatypes import restored_text
from smarco_kg.store.remote.results import RemoteQueryResult, graph_answer, json_answer
from smarco_kg.store.remote.transport import ResultCapError, Transport
from smarco_kg.store.remote.writes import chunks, parsed, split
from smarco_kg.store.sparql_changes import changeset_update, insert_data
from smarco_kg.store.virtuoso import insert_template, rewrite, update_text
from smarco_kg.terms import ox_format, sparql_term, values_block

if TYPE_CHECKING:
    from smarco_kg.config import Settings

PAGE = 10_000  # triples per page when a graph is read whole (Virtuoso's default ResultSetMaxRows)
STAGING = f"{OWN_GRAPHS}staging:"  # then the machine, the process, the time (ns) and a number: who may drop it
ABANDONED_AFTER = 24 * 3600.0  # seconds after which another machine's staging graph is taken as left by a crash


class RemoteStore(GraphStore):
    """A SPARQL 1.1 store at ``query_url`` (updates at ``update_url``, bulk loads by the Graph Store Protocol at
    ``graph_store_url`` when given, else by updates)."""

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        auth: httpx.Auth | tuple[str, str] | str | None = None,  # a string: a bearer token
        timeout: float = 30.0,
        retries: int = 3,
        max_rows: int | None = None,
    ) -> None:
        self.query_url, self.update_url = query_url, update_url or query_url
        self.graph_store_url = graph_store_url
        self.max_rows = max_rows  # the store's result cap, if it has one (Virtuoso's ResultSetMaxRows)
        self.transport = Transport(auth=auth, timeout=timeout, retries=retries)
        self.dataset = Dataset(self.transport, query_url)
        self.description = f"remote SPARQL store at {query_url}"

    @classmethod
    def from_settings(cls, settings: Settings) -> RemoteStore:
        """The store ``SMARCO_STORE`` (a URL) and the ``SMARCO_STORE_*`` settings name."""
        password = settings.store_password.get_secret_value() if settings.store_password else ""
        kind = settings.store_auth or ("basic" if settings.store_user else "none")
        auth: httpx.Auth | str | None = None
        if kind == "basic":
            auth = httpx.BasicAuth(settings.store_user or "", password)
        elif kind == "digest":
            auth = httpx.DigestAuth(settings.store_user or "", password)
        elif kind == "bearer":
            auth = settings.store_token.get_secret_value() if settings.store_token else ""
        return cls(
            str(settings.store),
            update_url=settings.store_update_url,
            graph_store_url=settings.store_graph_store_url,
            auth=auth,
            timeout=settings.store_timeout,
            retries=settings.store_retries,
            max_rows=settings.store_max_rows,
        )

    @property
    def virtuoso(self) -> bool:
        """The store said it is Virtuoso (its Server header, on the last answer)."""
        return self.transport.virtuoso

    # -- reading

    def query(
        self,
        sparql: str,
        *,
        union_default_graph: bool = False,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        bindings: Mapping[str, Node] | None = None,
        base_iri: str | None = None,
        time_limit: float | None = None,
    ) -> RemoteQueryResult:
        _check_syntax(sparql, base_iri)
        form = query_form(sparql)
        if form == "ASK":  # Virtuoso answers ASK with an odd SELECT-shaped result (__ASK_RETVAL) or nothing
            sparql = _ask_as_select(sparql)
        if bindings:
            block = values_block(bindings)
            start = prebinding_start(sparql, bindings)
            if start is None:  # substituted where a nested scope uses them; the block binds the projection
                terms = {n: sparql_term(v) for n, v in bindings.items()}
                sparql = substituted(sparql, terms) or sparql
                start = where_group_start(sparql)
            sparql = f"{sparql[:start]} {block}\n{sparql[start:]}" if start is not None else f"{sparql}\n{block}"
        if base_iri:
            sparql = f"BASE <{base_iri}>\n{sparql}"
        sent = rewrite(sparql)
        data = self.dataset.query_fields(
            sent.sparql,
            sent.words,
            union_default_graph=union_default_graph,
            default_graphs=default_graphs,
            named_graphs=named_graphs,
        )
        if time_limit is not None and self.virtuoso:
            # Virtuoso stops the query itself (milliseconds); abandoned without this, a runaway would go on using the
            # store's processors until its MaxQueryExecutionTime
            data.append(("timeout", str(max(1, round(time_limit * 1000)))))
        if form in ("CONSTRUCT", "DESCRIBE"):
            response = self.transport.answer(self.query_url, data, "application/n-triples", retry=True)
            graph = graph_answer(sent.restore_text(response.text))
            if self.max_rows is not None and len(graph) >= self.max_rows:
                raise ResultCapError(
                    f"the store may have cut this graph result at its limit of {self.max_rows} rows "
                    "(Virtuoso's ResultSetMaxRows, which it does not report for CONSTRUCT); narrow the query"
                )
            return RemoteQueryResult("graph", [], [], None, graph)
        response = self.transport.answer(self.query_url, data, "application/sparql-results+json", retry=True)
        body = json.loads(sent.restore_text(response.text, json_text=True))
        return json_answer(body, ask=form == "ASK", restore=sent.restore_row)

    def graphs(self) -> list[str]:
        """The dataset's graphs, cheaply: no counting."""
        return self.dataset.graphs()

    def graph_sizes(self) -> dict[str, int]:
        rows = self.transport.select(
            self.query_url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        return {
            ("" if row["g"]["value"] == DEFAULT_GRAPH else row["g"]["value"]): int(row["n"]["value"])
            for row in rows
            if row["g"]["value"] == DEFAULT_GRAPH or not left_out(row["g"]["value"])
        }

    def graph_size(self, graph: str) -> int:
        rows = self.transport.select(
            self.query_url, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph or DEFAULT_GRAPH}> {{ ?s ?p ?o }} }}"
        )
        return int(rows[0]["n"]["value"]) if rows else 0

    def is_empty(self) -> bool:
        return not self.graphs()

    def dump(self, output: BinaryIO, syntax: RdfSyntax, *, graph: str | None = None) -> None:
        """Written by pyoxigraph's writers, as the embedded store writes (N-Triples and N-Quads lines sorted)."""
        names = [graph] if graph is not None else [*self.graphs(), *([""] if self.graph_size("") else [])]
        items: list = []
        for name in names:
            into = ox.NamedNode(name) if name else ox.DefaultGraph()
            for triple in self._triples(name or DEFAULT_GRAPH):
                items.append(
                    ox.Quad(triple.subject, triple.predicate, triple.object, into) if syntax.datasets else triple
                )
        if not syntax.datasets:
            items = list(dict.fromkeys(items))  # one graph: all of them merged
        prefixes = PREFIXES if syntax.name in ("turtle", "trig", "rdfxml") else None
        data = ox.serialize(items, format=ox_format(syntax), prefixes=prefixes) or b""
        if syntax.name in ("nquads", "ntriples"):
            data = b"".join(sorted(data.splitlines(keepends=True)))
        output.write(data)

    def _triples(self, graph: str) -> list[ox.Triple]:
        """A whole graph: in one request below the store's cap (when it is known), else in pages of 10,000, parsed
        by pyoxigraph. A blank node keeps its label across pages (the store labels it the same way throughout);
        the triples read must add up to the graph's size."""
        expected = self.graph_size(graph)
        size = self.max_rows - 1 if self.max_rows else PAGE
        triples: set[ox.Triple] = set()
        offset = 0
        while offset < expected:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} LIMIT {size} OFFSET {offset}"
            response = self.transport.answer(self.query_url, [("query", query)], "application/n-triples", retry=True)
            page = list(ox.parse(restored_text(response.text).encode("utf-8"), ox.RdfFormat.N_TRIPLES))
            triples.update(page)
            if len(page) < size:
                break
            offset += size
        if len(triples) != expected:
            raise StoreError(
                f"reading graph <{graph}> gave {len(triples)} of its {expected} triples (cut by a result cap the "
                "backend was not told of, SMARCO_STORE_MAX_ROWS, or written to meanwhile)"
            )
        return sorted(triples, key=str)

    # -- writing

    def clear(self) -> None:
        """Drop the dataset's graphs one by one in one request (``CLEAR ALL`` would reach the system graphs)."""
        self._send(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in [*self.graphs(), DEFAULT_GRAPH]))

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Any update, rewritten where Virtuoso departs from the standard (``virtuoso.update_text``)."""
        dataset = self.dataset.using() if {"GRAPH", "WHERE"} <= keywords(sparql) else ""  # as a query is told it
        self._send(update_text(f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql, dataset))

    def _send(self, update: str) -> None:
        """An update as written: the backend's own, in the forms Virtuoso takes (no lexing of large data)."""
        self.dataset.forget()
        self.transport.answer(self.update_url, [("update", update)], "*/*", retry=False)

    def apply(self, changes: Changeset) -> None:
        """One update request, sent as built (graphs named by IRI, nothing to rewrite). Triples with blank nodes go
        in templates (``insert_template``): Virtuoso refuses blank nodes in INSERT DATA (a standard feature); in a
        template they are fresh per request, as in INSERT DATA."""

        def named(graph: str) -> str:  # the store's own default graph is never written
            return graph or DEFAULT_GRAPH

        removals = Changeset(
            b"",
            None,
            [named(g) for g in changes.clear_graphs],
            [named(g) for g in changes.drop_graphs],
            [(named(g), s) for g, s in changes.remove_resources],
        )
        operations = [changeset_update(removals)] if not removals.is_additive else []
        plain, blank = split(changes.add)
        default = changes.default_graph or DEFAULT_GRAPH
        if plain:  # INSERT DATA: Virtuoso compiles a template into code, minutes for thousands of triples
            operations.append(insert_data(plain, default))
        for group in blank:  # Virtuoso compiles a template to SQL of at most 10,000 lines: ~1,500 triples
            operations.append(insert_template(insert_data(group, default)))
        if operations:
            self._send(" ;\n".join(operations))

    def bulk_load(
        self,
        source: Path | bytes,
        syntax: RdfSyntax,
        *,
        graph: str | None = None,
        base_iri: str | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Parsed here; sent to a staging graph per target graph in Graph Store Protocol chunks; then one update
        adds the staging graphs to their graphs and drops them (all or nothing for the data already staged)."""
        self._load([(source, syntax)], graph=graph, base_iri=base_iri, progress=progress, replace=False)

    def replace_graph(
        self, graph: str, sources: Sequence[tuple[Path, RdfSyntax]], *, progress: Progress | None = None
    ) -> int:
        """Staged as a bulk load is; the one update that adds the staging graphs first drops the old graph."""
        self._load(list(sources), graph=graph, base_iri=None, progress=progress, replace=True)
        return self.graph_size(graph)

    def _load(
        self,
        sources: list[tuple[Path | bytes, RdfSyntax]],
        *,
        graph: str | None,
        base_iri: str | None,
        progress: Progress | None,
        replace: bool,
    ) -> None:
        """Each source parsed whole, then sent to staging graphs of this backend's own, which no query sees; one
        update then moves them into place. A failure (a later source that does not parse included) drops what
        was staged, so nothing changes."""
        stage = f"{STAGING}{this_machine()}:{os.getpid()}:{time.time_ns()}"
        staged: list[tuple[str, str]] = []
        try:
            done = 0
            for source, syntax in sources:
                by_graph = parsed(source, syntax, graph=graph, default=DEFAULT_GRAPH, base_iri=base_iri)
                for target, lines in sorted(by_graph.items()):
                    staging = f"{stage}:{len(staged)}"
                    staged.append((staging, target))
                    self.dataset.staging.add(staging)
                    for chunk in chunks(lines):
                        self._add_to_graph(staging, chunk)
                        done += len(chunk)
                        if progress:
                            progress(done)
            moves = [f"DROP SILENT GRAPH <{graph or DEFAULT_GRAPH}>"] if replace else []
            moves += [f"ADD SILENT GRAPH <{s}> TO GRAPH <{t}> ; DROP SILENT GRAPH <{s}>" for s, t in staged]
            if moves:
                self._send(" ;\n".join(moves))
        except BaseException:
            for staging, _ in staged:
                self._send(f"DROP SILENT GRAPH <{staging}>")
            raise
        finally:
            self.dataset.staging.difference_update(s for s, _ in staged)

    def recover(self) -> list[str]:
        """Drop the staging graphs of loads whose process was killed before it could: those of a process of this
        machine that no longer runs, and any older than ``ABANDONED_AFTER``."""
        try:
            self.dataset.graphs()
            left = [g for g in self.dataset.left_out() if g.startswith(STAGING) and _abandoned(g)]
            if left:
                self._send(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in left))
        except StoreError:  # not answering now: the first request says so, and the next open looks again
            return []
        if not left:
            return []
        return [
            f"dropped {len(left)} staging graph(s) that a load interrupted (by a crash or kill) left in the store; "
            "the graphs it was loading are as they were before it"
        ]

    def _add_to_graph(self, graph: str, ntriples: bytes) -> None:
        if self.graph_store_url is None:
            self.update(f"INSERT DATA {{ GRAPH <{graph}> {{ {ntriples.decode()} }} }}")
        else:
            self.transport.post_graph(self.graph_store_url, graph, ntriples)

    def close(self) -> None:
        self.transport.close()


def this_machine() -> str:
    """This machine, as a staging graph names it: a short hash of its host name."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _abandoned(staging: str) -> bool:
    """Whether the load that named this staging graph has ended without dropping it."""
    parts = staging.removeprefix(STAGING).split(":")
    started = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else "0"  # older names: time and number only
    if time.time() - int(started) / 1e9 > ABANDONED_AFTER:  # no load takes that long (a reused pid included)
        return True
    return len(parts) == 4 and parts[0] == this_machine() and parts[1].isdigit() and not _running(int(parts[1]))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


_PARSER = ox.Store()  # empty: queries are only parsed on it (pyoxigraph evaluates when results are read)


def _check_syntax(sparql: str, base_iri: str | None) -> None:
    """Parse the query here first, so a syntax error reads the same on every store (line and column of the
    query as written, before any rewriting) and costs no round trip."""
    try:
        _PARSER.query(sparql, base_iri=base_iri)
    except SyntaxError as error:
        raise QuerySyntaxError(str(error)) from error
    except (OSError, RuntimeError, ValueError):
        pass  # parsed; evaluation is the store's business


def _ask_as_select(sparql: str) -> str:
    """``ASK [FROM …] [WHERE] { … }`` as ``SELECT * [FROM …] [WHERE] { … } LIMIT 1``: true exactly when it has a
    solution."""
    for match in tokens(sparql):
        if match.group().upper() == "ASK":
            return f"{sparql[: match.start()]}SELECT *{sparql[match.end() :]}\nLIMIT 1"
    return sparql
