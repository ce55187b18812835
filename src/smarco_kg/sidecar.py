"""SQLite files kept beside the store (the text index, the change feed): what Oxigraph does not keep itself."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_sidecar(path: Path | None, schema: str) -> sqlite3.Connection:
    """The database at ``path`` (in memory for None) with ``schema`` applied; shared between the server's threads
    (callers hold their own lock), in WAL mode so a reader never waits for a writer."""
    connection = sqlite3.connect(":memory:" if path is None else str(path), check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.executescript(schema)
    return connection
