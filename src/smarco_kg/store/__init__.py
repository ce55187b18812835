"""GraphStore backends; ``open_store`` picks one from the settings."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from smarco_kg.store.base import (
    Changeset,
    GraphStore,
    QueryResult,
    QuerySyntaxError,
    StoreError,
    StoreLockedError,
    StoreTimeout,
)

if TYPE_CHECKING:
    from smarco_kg.config import Settings

log = logging.getLogger("smarco_kg.store")


def open_store(location: Path | str, *, create: bool = True, read_only: bool = False) -> GraphStore:
    """The store at ``location``: an http(s) URL names a remote store's SPARQL endpoint (query, update and
    Graph Store Protocol at that URL; ``store_for`` takes the other settings), anything else the embedded
    store's directory, put right (``recovered``) when it is opened for writing."""
    if isinstance(location, str) and location.startswith(("http://", "https://")):
        from smarco_kg.store.remote import RemoteStore

        return RemoteStore(location)
    from smarco_kg.store.embedded import EmbeddedStore

    store = EmbeddedStore(Path(location), create=create, read_only=read_only)
    return store if read_only else recovered(store)


def store_for(settings: Settings, *, create: bool = True) -> GraphStore:
    """The store ``settings`` name, with a remote store's endpoints, credentials, timeout and retries."""
    if not settings.remote:
        return open_store(settings.store, create=create)
    from smarco_kg.store.remote import RemoteStore

    return recovered(RemoteStore.from_settings(settings))


def recovered(store: GraphStore) -> GraphStore:
    """``store``, once what a crashed process left in it is put right (``GraphStore.recover``), each step logged
    as a warning on ``smarco_kg.store``."""
    for line in store.recover():
        log.warning("%s", line)
    return store


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
    "StoreTimeout",
    "open_scratch_store",
    "open_store",
    "store_for",
]
