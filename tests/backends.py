"""The stores the integration suite runs on: the embedded store, and a real Virtuoso reached over the SPARQL 1.1
protocols. A test asks a ``Template`` for a private store holding the template's data and gets the settings that
name it: a hard-linked copy of the embedded template, or a Virtuoso of a pool reset to the template's data."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from smarco_kg.config import Settings
from smarco_kg.formats import rdf_syntax
from smarco_kg.store.base import StoreError
from smarco_kg.store.embedded import EmbeddedStore
from smarco_kg.store.remote import OWN_GRAPHS, RemoteStore
from smarco_kg.store.remote.dataset import DEFAULT_GRAPH
from tests.virtuoso import checkpoint, virtuoso

BACKENDS = ("embedded", "virtuoso")
MAX_ROWS = 1_000_000  # the test Virtuoso's ResultSetMaxRows, which the backend is told
LOG_LIMIT = 200_000_000  # bytes of a pool server's transaction log past which a reset checkpoints it


def copy_index(template: EmbeddedStore, settings: Settings) -> None:
    """Copy the template's text index to where ``settings`` keep theirs (a server then starts without indexing)."""
    assert template.path is not None
    index = Settings(store=template.path).search_index
    if not index.is_file():
        return
    settings.search_index.parent.mkdir(parents=True, exist_ok=True)
    source, copy = sqlite3.connect(str(index)), sqlite3.connect(str(settings.search_index))
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that names the same store to a server or CLI started as a subprocess."""
    env = {"SMARCO_STORE": str(settings.store)}
    if settings.remote:
        env["SMARCO_STATE_DIR"] = str(settings.state_dir)
        if settings.store_graph_store_url:
            env["SMARCO_STORE_GRAPH_STORE_URL"] = settings.store_graph_store_url
        if settings.store_max_rows:
            env["SMARCO_STORE_MAX_ROWS"] = str(settings.store_max_rows)
    return env


POOL_TIMEOUT = 600.0  # seconds the pool waits on its own resets (a loaded machine can stretch one past 30 s)


@dataclass
class _Instance:
    root: Path
    url: str
    store: RemoteStore
    stack: ExitStack  # stops this server
    loaded: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # template → (kept copy, graph)
    busy: bool = False


@dataclass
class VirtuosoPool:
    """Virtuoso servers started on demand, one per store in use at a time, each reset for its next lease: graphs
    the template does not have dropped, and each template graph a test changed copied in again from a copy kept in
    the backend's own graphs (a server-side COPY: a fraction of a second, where loading the data again takes
    seconds). Graphs no test changed are left alone: most tests only read, and dropping and copying the ESCO and
    vocabulary graphs (115,000 triples) for each of them was most of a Virtuoso test's cost. A server whose reset
    fails is stopped and replaced, so one stuck server cannot fail every test after it."""

    root: Path
    _instances: list[_Instance] = field(default_factory=list)
    _started: int = 0

    @contextmanager
    def lease(self, template: EmbeddedStore, *, private: bool = False) -> Iterator[str]:
        """A server holding ``template``'s data. ``private``: a new server, stopped afterwards, for a test that
        leaves more than data behind: a large import changes the statistics Virtuoso plans by, and after one,
        Virtuoso answered a filter joining ``skos:broader*`` to a three-step path with no rows
        (docs/stores.md)."""
        instance = (None if private else next((i for i in self._instances if not i.busy), None)) or self._start()
        instance.busy = True
        try:
            try:
                self._reset(instance, template)
            except StoreError:
                self._discard(instance)
                instance = self._start()
                instance.busy = True
                self._reset(instance, template)
            yield instance.url
        finally:
            instance.busy = False
            if private:
                self._discard(instance)

    def _start(self) -> _Instance:
        root = self.root / f"virtuoso-{self._started}"
        self._started += 1
        stack = ExitStack()
        url = stack.enter_context(virtuoso(root, max_rows=MAX_ROWS))
        store = RemoteStore(f"{url}/sparql", graph_store_url=f"{url}/sparql-graph-crud", timeout=POOL_TIMEOUT)
        instance = _Instance(root, url, store, stack)
        self._instances.append(instance)
        return instance

    def _discard(self, instance: _Instance) -> None:
        self._instances.remove(instance)
        instance.store.close()
        instance.stack.close()

    def _reset(self, instance: _Instance, template: EmbeddedStore) -> None:
        store = instance.store
        key = id(template)
        if key not in instance.loaded:
            store.clear()
            kept = []
            for index, graph in enumerate(template.graphs()):
                buffer = io.BytesIO()
                template.dump(buffer, rdf_syntax("ntriples"), graph=graph)
                copy = f"{OWN_GRAPHS}test-template:{key}:{index}"
                store.bulk_load(buffer.getvalue(), rdf_syntax("ntriples"), graph=copy)
                kept.append((copy, graph))
            instance.loaded[key] = kept
            changed = kept
        else:
            kept = instance.loaded[key]
            wanted = {graph for _, graph in kept}
            extra = [g for g in store.graphs() if g not in wanted]
            store.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in [*extra, DEFAULT_GRAPH]))
            changed = [(copy, graph) for copy, graph in kept if not _same(store, copy, graph)]
        if changed:
            store.update(" ;\n".join(f"COPY SILENT GRAPH <{c}> TO GRAPH <{g}>" for c, g in changed))
        if (instance.root / "db" / "virtuoso.trx").stat().st_size > LOG_LIMIT:
            checkpoint(instance.root)

    def close(self) -> None:
        for instance in list(self._instances):
            self._discard(instance)


def _same(store: RemoteStore, copy: str, graph: str) -> bool:
    """Whether ``graph`` holds exactly the triples of ``copy``: as many, and none that ``copy`` lacks."""
    count = "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{}> {{ ?s ?p ?o }} }}"
    sizes = [int(str(next(store.query(count.format(g)).rows())["n"])) for g in (copy, graph)]
    if sizes[0] != sizes[1]:
        return False
    ask = f"ASK {{ GRAPH <{graph}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ GRAPH <{copy}> {{ ?s ?p ?o }} }} }}"
    return not store.query(ask).boolean()


@dataclass
class Template:
    """A store initialised once per session, and the backend its private copies live on."""

    store: EmbeddedStore
    backend: str
    pool: VirtuosoPool | None = None

    @contextmanager
    def provision(self, target: Path, *, private_server: bool = False) -> Iterator[Settings]:
        """Settings of a private store with the template's data; ``target``: a fresh folder for its files.
        ``private_server``: on Virtuoso, a server of its own (see ``VirtuosoPool.lease``)."""
        if self.pool is None:
            self.store.snapshot(target)  # hard links: a private copy in milliseconds
            settings = Settings(store=target)
            copy_index(self.store, settings)
            yield settings
            return
        with self.pool.lease(self.store, private=private_server) as url:
            target.mkdir(parents=True, exist_ok=True)
            settings = Settings(
                store=f"{url}/sparql",
                store_graph_store_url=f"{url}/sparql-graph-crud",
                store_max_rows=MAX_ROWS,
                state_dir=target,
            )
            copy_index(self.store, settings)
            yield settings


def store_arguments(store: Path | Settings) -> tuple[list[str], dict[str, str]]:
    """The command-line arguments and environment that name ``store`` to ``smarco-kg``: ``--store`` with the
    directory or URL, and a remote store's other settings in the environment."""
    if isinstance(store, Settings):
        return ["--store", str(store.store)], settings_env(store)
    return ["--store", str(store)], {}


def embedded_only(settings: Settings, why: str) -> None:
    """Skip a test of a property only the embedded store has (``why`` says which), on a remote store."""
    if settings.remote:
        pytest.skip(f"embedded store only: {why}")
