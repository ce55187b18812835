"""Replacing a whole graph of the embedded store so that a crash at any moment leaves the old graph or the new one.

Oxigraph's transactions cost ~40 µs a triple and its bulk loader ~7 µs (a 500k-triple graph: 45 s to swap by
``MOVE``), so a replacement is not one transaction. The old graph is saved beside the store (``<store>.replacing/``)
and, once the copy is on disk, a marker naming the graph is written; then the graph is emptied, the new data
bulk-loaded and flushed, and the marker removed: that removal is the moment the new graph wins. A process killed
before it leaves the marker behind, and the next open of the store (``recover``) puts the saved graph back and
says so; a folder without a marker (killed while saving) is removed, the graph never having been touched.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

log = logging.getLogger("smarco_kg.store")

SAVED = "previous.nt"
MARKER = "graph"


def folder_beside(store: Path) -> Path:
    """Where a replacement in progress keeps the graph it replaces: ``<store>.replacing`` next to the store."""
    return store.parent / f"{store.name}.replacing"


@contextmanager
def replacing(store: ox.Store, path: Path, graph: ox.NamedNode) -> Iterator[None]:
    """Save ``graph`` beside the store at ``path`` and mark the replacement as begun; the body empties the graph
    and loads the new data. On return the new graph is kept (the marker removed); on an error the saved graph is
    put back at once; after a crash, ``recover`` puts it back on the next open."""
    folder = folder_beside(path)
    if folder.exists():  # an earlier replacement left it: put that right first
        for line in recover(store, path):
            log.warning("%s", line)
    folder.mkdir()
    saved = folder / SAVED
    with saved.open("wb") as handle:
        store.dump(handle, ox.RdfFormat.N_TRIPLES, from_graph=graph)
        os.fsync(handle.fileno())
    marker = folder / f"{MARKER}.new"
    marker.write_text(graph.value, encoding="utf-8")
    with marker.open("rb") as handle:
        os.fsync(handle.fileno())
    marker.replace(folder / MARKER)  # from here on the graph may change: the copy and the marker are on disk
    _sync_folder(folder)
    try:
        yield
        store.flush()
    except BaseException:
        _restore(store, graph, saved)  # if this fails too, the marker stays for the next open to finish
        _finish(folder)
        raise
    _finish(folder)


def recover(store: ox.Store, path: Path) -> list[str]:
    """Put right what a replacement interrupted by a crash left beside the store at ``path``: the graph it
    replaced is restored from the saved copy; one line for each thing done (none when nothing was left)."""
    folder = folder_beside(path)
    done: list[str] = []
    if folder.is_dir():
        marker = folder / MARKER
        if marker.is_file():
            graph = ox.NamedNode(marker.read_text(encoding="utf-8").strip())
            triples = _restore(store, graph, folder / SAVED)
            done.append(
                f"restored graph <{graph.value}> ({triples} triples) as it was before a replacement that was "
                f"interrupted (by a crash or kill); removed {folder}"
            )
        else:
            done.append(f"removed {folder}: a replacement interrupted before it changed the store")
        _finish(folder)
    for old in sorted(path.parent.glob("tmp*/previous.nq")):
        done.append(
            f"{old} is a graph an import of an earlier version saved and did not restore when it was interrupted; "
            "if the graph it replaced is empty, load it back into that graph (smarco-kg load --graph), then remove it"
        )
    return done


def _restore(store: ox.Store, graph: ox.NamedNode, saved: Path) -> int:
    store.remove_graph(graph)
    with saved.open("rb") as handle:
        store.bulk_load(handle, ox.RdfFormat.N_TRIPLES, to_graph=graph)
    store.flush()
    return sum(1 for _ in store.quads_for_pattern(None, None, None, graph))


def _finish(folder: Path) -> None:
    """The marker first (the replacement is over), then the rest."""
    (folder / MARKER).unlink(missing_ok=True)
    _sync_folder(folder)
    shutil.rmtree(folder, ignore_errors=True)


def _sync_folder(folder: Path) -> None:
    """Make a rename or removal in ``folder`` durable (POSIX: fsync the directory)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
