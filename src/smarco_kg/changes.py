"""The change feed: every accepted write, as an event (which graph, which resources, when, by whom).

Kept in an SQLite file beside the store (like the text index), so partner nodes can harvest only what changed
since their last cursor (``/api/changes?since=``, an ActivityStreams ``OrderedCollectionPage``). An event without
resources means a whole graph was written (a Graph Store PUT, an import): a harvester reads that graph again.

No commit is missed, whatever moment a crash comes at: right before the store commits a write, its events go into
a journal (``intend``, fsynced); right after, they move from the journal to the feed in one SQLite transaction
(``record``). Entries a crash leaves in the journal are published when the store is next opened (``recover``).
Delivery is thus at least once: a write killed after its journal entry but before its store commit still gets its
event, naming resources that did not change; a harvester reading them finds them as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from smarco_kg.sidecar import open_sidecar

_SCHEMA = """
CREATE TABLE IF NOT EXISTS event (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, graph TEXT NOT NULL, actor TEXT NOT NULL,
  operation TEXT NOT NULL, subjects TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pending (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, graphs TEXT NOT NULL, actor TEXT NOT NULL,
  operation TEXT NOT NULL, subjects TEXT NOT NULL);
"""
_TOKEN_ID = re.compile(r" \(token [^)]*\)$")  # older events named the writer's token: "cefriel (token 3f9a1b2c)"


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
        self._db.execute("PRAGMA synchronous=FULL")  # a journal entry is on disk before the store commits

    def close(self) -> None:
        self._db.close()

    def intend(self, graphs: Iterable[str], *, actor: str, operation: str, subjects: Iterable[str] = ()) -> int:
        """Journal the events of a write about to be committed to the store; the entry's number, for ``record``."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO pending(at, graphs, actor, operation, subjects) VALUES (?, ?, ?, ?, ?)",
                (_now(), json.dumps(sorted(set(graphs))), actor, operation, json.dumps(sorted(set(subjects)))),
            )
        return int(cursor.lastrowid or 0)

    def record(
        self,
        graphs: Iterable[str],
        *,
        actor: str,
        operation: str,
        subjects: Iterable[str] = (),
        pending: int | None = None,
    ) -> None:
        """The events of a committed write, one per graph; its journal entry (``pending``) goes in the same
        transaction."""
        with self._lock, self._db:
            self._insert(_now(), graphs, actor, operation, subjects)
            if pending is not None:
                self._db.execute("DELETE FROM pending WHERE id = ?", (pending,))

    def recover(self) -> list[str]:
        """Publish the journal's entries (writes a crash interrupted around their store commit) as events; the
        graphs they name, for the caller to bring in step."""
        graphs: set[str] = set()
        with self._lock, self._db:
            rows = self._db.execute("SELECT id, graphs, actor, operation, subjects FROM pending ORDER BY id").fetchall()
            for entry, names, actor, operation, subjects in rows:
                listed = json.loads(names)
                self._insert(_now(), listed, actor, operation, json.loads(subjects))
                self._db.execute("DELETE FROM pending WHERE id = ?", (entry,))
                graphs.update(listed)
        return sorted(graphs)

    def _insert(self, at: str, graphs: Iterable[str], actor: str, operation: str, subjects: Iterable[str]) -> None:
        listed = json.dumps(sorted(set(subjects)))
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
            Event(seq, at, graph, _TOKEN_ID.sub("", actor), operation, json.loads(subjects))
            for seq, at, graph, actor, operation, subjects in rows
        ]

    def latest(self, graph: str, limit: int = 10_000) -> dict[str, str]:
        """When each resource the last ``limit`` events of ``graph`` name last changed (ISO 8601, UTC)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, subjects FROM event WHERE graph = ? ORDER BY seq DESC LIMIT ?", (graph, limit)
            ).fetchall()
        found: dict[str, str] = {}
        for at, subjects in rows:
            for subject in json.loads(subjects):
                found.setdefault(subject, at)
        return found

    def last(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM event").fetchone()[0])


@dataclass
class PendingWrite:
    """One write's way into the feed: ``intend`` (given as the write path's ``before_commit``) journals its
    events right before the store commits; ``ChangeLog.record(pending=write.entry)`` publishes them after."""

    log: ChangeLog
    actor: str
    operation: str
    subjects: list[str] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)
    entry: int | None = None  # the journal entry, once intended
    published: bool = False
    after_intent: Callable[[], object] | None = None  # right after the entry: write observers, fault injection

    def intend(self, graphs: Iterable[str], subjects: Iterable[str] | None = None) -> None:
        """Journal the graphs (and resources, when the write path knows them better) about to be committed."""
        self.graphs = sorted({g for g in graphs if g})
        if subjects is not None:
            self.subjects = sorted(set(subjects))
        if self.graphs:
            self.entry = self.log.intend(
                self.graphs, actor=self.actor, operation=self.operation, subjects=self.subjects
            )
        if self.after_intent is not None:
            self.after_intent()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
