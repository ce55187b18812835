"""The dataset's dumps (gzip N-Quads and TriG of the whole store) in a folder beside the store, and the stamp of
the store's last write, which says whether they (and the description's figures) show it.

Every commit, in whichever process, replaces the stamp (``invalidate``); the server writes the dumps again in the
background (``smarco_kg.publishing``). ``write`` puts each dump in a partial file, syncs it, renames it into place,
then records what it made in a manifest, so a reader never sees half a dump and always knows which write it shows.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import secrets
import threading
from pathlib import Path

from smarco_kg.dataset_description import Dump, State
from smarco_kg.formats import rdf_syntax
from smarco_kg.store import GraphStore

FILES = {"smarco.nq.gz": ("nquads", "application/n-quads"), "smarco.trig.gz": ("trig", "application/trig")}
_STATE = "state"  # "<ISO time> <random>": replaced by every commit
_MANIFEST = "dumps.json"  # {"state": …, "made": …, "sizes": {name: bytes}}: written after the files


class Dumps:
    """The dump files of one store; one writer at a time within a process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._made: tuple[State, dt.datetime, dict[str, int]] | None = None
        self._read = False

    # -- the state stamp ----------------------------------------------------------------------------------------

    def invalidate(self) -> None:
        """After a commit: a new stamp, so the dumps and the description's figures no longer count as current."""
        now = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
        replace_text(self.folder / _STATE, f"{now} {secrets.token_hex(4)}")

    def state(self) -> State:
        """The store's last write as the stamp records it; a store without a stamp gets one now (written before
        stamps were kept, or by hand: its last write cannot be dated, so nothing made earlier counts as current)."""
        try:
            return State.parse((self.folder / _STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.invalidate()
            return State.parse((self.folder / _STATE).read_text(encoding="utf-8"))

    # -- the dumps ----------------------------------------------------------------------------------------------

    def made(self) -> list[Dump]:
        """Every dump, as last written (its size, when, which write it shows); one never written has no date."""
        made = self._manifest()
        return [
            Dump(name, media, made[2][name], made[1], made[0]) if made and name in made[2] else Dump(name, media)
            for name, (_, media) in FILES.items()
        ]

    def current(self, state: State) -> bool:
        """Every dump exists and shows the write ``state`` stamps."""
        made = self._manifest()
        return made is not None and made[0].stamp == state.stamp and all(name in made[2] for name in FILES)

    def path(self, name: str) -> Path | None:
        """The finished file of one dump; None before it was first written."""
        made = self._manifest()
        return self.folder / name if made is not None and name in made[2] else None

    def reread(self) -> None:
        """Another process wrote the dumps: read their manifest again."""
        self._read = False

    def write(self, store: GraphStore, state: State) -> list[Dump]:
        """Write every dump of the store as it is now, which is ``state`` (read before calling) or later."""
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            partials = {}
            try:
                for name, (syntax, _) in FILES.items():
                    partials[name] = partial = self.folder / f".{name}.partial"
                    with partial.open("wb") as raw:
                        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6) as out:
                            # a GzipFile is a binary file, but typeshed does not make it a typing.BinaryIO
                            store.dump(out, rdf_syntax(syntax))  # type: ignore[arg-type]
                        raw.flush()
                        os.fsync(raw.fileno())
                sizes = {name: partial.stat().st_size for name, partial in partials.items()}
                for name, partial in partials.items():
                    os.replace(partial, self.folder / name)
            finally:
                for partial in partials.values():
                    partial.unlink(missing_ok=True)
            made = dt.datetime.now(dt.UTC)
            manifest = {"state": state.stamp, "made": made.isoformat(), "sizes": sizes}
            replace_text(self.folder / _MANIFEST, json.dumps(manifest))
            (self.folder / "fresh").unlink(missing_ok=True)  # the stamp of an earlier layout
            self._made, self._read = (state, made, sizes), True
        return self.made()

    def _manifest(self) -> tuple[State, dt.datetime, dict[str, int]] | None:
        if not self._read:
            try:
                data = json.loads((self.folder / _MANIFEST).read_text(encoding="utf-8"))
                sizes = {str(k): int(v) for k, v in data["sizes"].items() if (self.folder / str(k)).is_file()}
                self._made = (State.parse(data["state"]), dt.datetime.fromisoformat(data["made"]), sizes)
            except (OSError, ValueError, KeyError, TypeError, AttributeError):
                self._made = None  # none written yet (or by an earlier layout): written again
            self._read = True
        return self._made


def replace_text(path: Path, text: str) -> None:
    """Replace a small file whole: written beside it, then renamed over it (readers see the old or the new)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
