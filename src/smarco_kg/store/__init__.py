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


def open_store(location: Path | str, *, create: bool = True) -> GraphStore:
    """The store at ``location``: a directory for the embedded store."""
    from smarco_kg.store.embedded import EmbeddedStore

    return EmbeddedStore(Path(location), create=create)


def open_scratch_store() -> GraphStore:
    """An empty in-memory store for staging data before it is validated and committed."""
    from smarco_kg.store.embedded import EmbeddedStore

    return EmbeddedStore(None)


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
