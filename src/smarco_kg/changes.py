"""The change feed: every accepted write, as an event (which graph, which resources, when, by whom).

Kept in an SQLite file beside the store (like the text index) and recorded right after each commit, so partner
nodes can harvest only what changed since their last cursor (``/api/changes?since=``, an ActivityStreams
``OrderedCollectionPage``). An event without resources means a whole graph was written (a Graph Store PUT, an
import): a harvester reads that graph again.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from smarco_kg.sidecar import open_sidecar

_SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, graph TEXT NOT NULL, actor TEXT NOT NULL,
  operation TEXT NOT NULL, subjects TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Event:
    seq: int
    at: str
    graph: str
    actor: str
    operation: str  # create | update | delete | replace (a whole graph)
    subjects: list[str]


class ChangeLog:
    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._db = open_sidecar(path, _SCHEMA)

    def close(self) -> None:
        self._db.close()

    def record(self, graphs: Iterable[str], *, actor: str, operation: str, subjects: Iterable[str] = ()) -> None:
        at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        listed = json.dumps(sorted(set(subjects)))
        with self._lock, self._db:
            self._db.executemany(
                "INSERT INTO event(at, graph, actor, operation, subjects) VALUES (?, ?, ?, ?, ?)",
                [(at, g, actor, operation, listed) for g in sorted(set(graphs)) if g],
            )

    def since(self, cursor: int, limit: int) -> list[Event]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, at, graph, actor, operation, subjects FROM event WHERE seq > ? ORDER BY seq LIMIT ?",
                (cursor, limit),
            ).fetchall()
        return [
            Event(seq, at, graph, actor, operation, json.loads(subjects))
            for seq, at, graph, actor, operation, subjects in rows
        ]

    def last(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM event").fetchone()[0])
