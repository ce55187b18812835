"""The dataset's dumps (gzip N-Quads and TriG of the whole store) in a folder beside the store.

A commit marks them stale (``invalidate`` removes the stamp); the next reader writes them again, each into a
partial file moved into place, so a reader never sees half a dump.
"""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
import threading
from pathlib import Path

from smarco_kg.dataset_description import Dump
from smarco_kg.formats import rdf_syntax
from smarco_kg.store import GraphStore

FILES = {"smarco.nq.gz": ("nquads", "application/n-quads"), "smarco.trig.gz": ("trig", "application/trig")}
_STAMP = "fresh"


class Dumps:
    """The dump files of one store; thread-safe within a process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def invalidate(self) -> None:
        """After a commit: the dumps no longer show the store."""
        (self.folder / _STAMP).unlink(missing_ok=True)

    def fresh(self) -> bool:
        return (self.folder / _STAMP).is_file() and all((self.folder / name).is_file() for name in FILES)

    def current(self, store: GraphStore) -> list[Dump]:
        """The dumps as of the last commit, written first when they are stale or missing."""
        with self._lock:
            if not self.fresh():
                self.folder.mkdir(parents=True, exist_ok=True)
                for name, (syntax, _) in FILES.items():
                    partial = self.folder / f".{name}.partial"
                    with gzip.open(partial, "wb", compresslevel=6) as out:
                        # a GzipFile is a binary file, but typeshed does not make it a typing.BinaryIO
                        store.dump(out, rdf_syntax(syntax))  # type: ignore[arg-type]
                    shutil.move(partial, self.folder / name)
                (self.folder / _STAMP).write_text("")
        return [
            Dump(
                name, media, self.folder / name, dt.datetime.fromtimestamp((self.folder / name).stat().st_mtime, dt.UTC)
            )
            for name, (_, media) in FILES.items()
        ]
