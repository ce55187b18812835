"""The text index catching up with the store when a server starts, in a process of its own when there is much to
read.

A store filled outside the server (a bulk load, a restored backup, an index file deleted) leaves the index behind:
every text, label and course facet of it is read again at start-up. Read in the server's own process, what that
allocates is freed but stays in the heap, scattered among what lives on (at 10,450 courses and a million triples the
server held 433 MiB under load after indexing them itself, 315 MiB when the index was already in step). So a large
catch-up reads a checkpoint of the store (``GraphStore.snapshot``: hard links) in a spawned process that writes the
index file and ends; the server then forgets what it had read of the file (``SearchIndex.reread``). Small ones,
and stores that cannot make checkpoints (a remote store), are read in the server, where starting a process would
cost more than it saves."""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import time
from pathlib import Path

from smarco_kg.search import SearchIndex
from smarco_kg.store import GraphStore, open_store

log = logging.getLogger("smarco_kg.search")

IN_A_PROCESS_FROM = 100_000
"""The triples, in the graphs to read again, from which the catch-up runs in a process of its own (a spawned
process costs about a second to start; below this the reading costs less than that)."""


def catch_up(
    index: SearchIndex, store: GraphStore, scratch: Path, *, in_a_process_from: int = IN_A_PROCESS_FROM
) -> set[str]:
    """Re-index the graphs that changed since ``index`` last saw ``store``; returns them. ``scratch``: a directory
    beside the store (the same file system: a checkpoint is hard links) where a checkpoint may be written for the
    time of the catch-up; ``in_a_process_from``: the triples to read from which a process of its own reads them."""
    stale = index.stale(store)
    if not stale:
        return set()
    triples = sum(stale.values())
    if triples < in_a_process_from or index.path is None:
        index.reindex(store, stale)
        return set(stale)
    started = time.perf_counter()
    checkpoint = scratch / "search-catchup"
    shutil.rmtree(checkpoint, ignore_errors=True)  # left by a start-up that was killed
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        if not store.snapshot(checkpoint):
            index.reindex(store, stale)
            return set(stale)
        context = multiprocessing.get_context("spawn")
        reader = context.Process(
            target=reindex_checkpoint,
            args=(str(checkpoint), str(index.path), index.types, index.described, sorted(stale)),
            name="smarco-search-catchup",
        )
        reader.start()
        reader.join()
    finally:
        shutil.rmtree(checkpoint, ignore_errors=True)
    index.reread()  # whatever the process wrote, or rolled back
    if reader.exitcode != 0:  # its error is in the log above; the server does not start on a broken index
        raise RuntimeError(f"the text index's catch-up process ended with exit code {reader.exitcode}")
    log.info(
        "text index: %d graph(s), %d triples read again in a process of its own in %.1f s",
        len(stale),
        triples,
        time.perf_counter() - started,
    )
    return set(stale)


def reindex_checkpoint(
    checkpoint: str, path: str, types: dict[str, tuple[str, ...]], described: frozenset[str], graphs: list[str]
) -> None:
    """The catch-up process: ``graphs`` of the checkpoint, read into the index file at ``path``."""
    store = open_store(checkpoint, read_only=True)
    index = SearchIndex(Path(path), types, described)
    try:
        index.reindex(store, graphs)
    finally:
        index.close()
        store.close()
