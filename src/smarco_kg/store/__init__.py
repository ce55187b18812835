"""GraphStore backends; ``open_store`` picks one from the settings."""

from pathlib import Path

from smarco_kg.store.base import (
    Changeset,
    GraphStore,
    QueryResult,
    QuerySyntaxError,
    StoreError,
    StoreLockedError,
)


def open_store(location: Path | str, *, create: bool = True, read_only: bool = False) -> GraphStore:
    """The store at ``location``: a directory for the embedded store."""
    from smarco_kg.store.embedded import EmbeddedStore

    return EmbeddedStore(Path(location), create=create, read_only=read_only)


def open_scratch_store(directory: Path | None = None) -> GraphStore:
    """An empty store for staging data before it is validated and committed: in memory, or in ``directory``
    (a temporary folder) when the data is large or other processes must read it."""
    from smarco_kg.store.embedded import EmbeddedStore

    return EmbeddedStore(directory)


__all__ = [
    "Changeset",
    "GraphStore",
    "QueryResult",
    "QuerySyntaxError",
    "StoreError",
    "StoreLockedError",
    "open_scratch_store",
    "open_store",
]
