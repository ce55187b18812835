"""The knowledge graph as the CLI and the server see it: settings, store, shapes and the write path."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from smarco_kg.changes import ChangeLog
from smarco_kg.config import Settings
from smarco_kg.graphs import Graphs
from smarco_kg.search import SearchIndex
from smarco_kg.store import GraphStore, store_for
from smarco_kg.validation import ShapesValidator
from smarco_kg.write_path import WritePath


@dataclass
class KnowledgeGraph:
    """One open store with the pieces built on it; open it once per process and close it at the end."""

    settings: Settings
    store: GraphStore = field(init=False)
    create: bool = True

    def __post_init__(self) -> None:
        self.store = store_for(self.settings, create=self.create)

    @cached_property
    def graphs(self) -> Graphs:
        return Graphs(self.settings.base_iri)

    @cached_property
    def validator(self) -> ShapesValidator:
        return ShapesValidator(self.settings.shapes_dir)

    @cached_property
    def write_path(self) -> WritePath:
        return WritePath(self.store, self.validator)

    def _beside(self, path: Path) -> Path | None:
        """Where a file kept beside the store goes: ``path`` for an on-disk or remote store, None (in memory) for
        a store in memory. A remote store's state directory is created on first use."""
        if self.settings.remote:
            path.parent.mkdir(parents=True, exist_ok=True)
            return path
        return path if getattr(self.store, "path", None) is not None else None

    @cached_property
    def search(self) -> SearchIndex:
        """The text index beside the store."""
        return SearchIndex(self._beside(self.settings.search_index))

    @cached_property
    def changes(self) -> ChangeLog:
        """The change feed beside the store."""
        return ChangeLog(self._beside(self.settings.changes_log))

    def changed(
        self, graphs: Iterable[str], *, actor: str = "cli", operation: str = "replace", subjects: Iterable[str] = ()
    ) -> None:
        """After a commit: record the change in the feed and bring what is derived from these graphs (the text
        index) in step with them. ``subjects``: the resources written (none: the graphs as a whole)."""
        graphs = [g for g in graphs if g]
        if graphs:
            self.changes.record(graphs, actor=actor, operation=operation, subjects=subjects)
            self.search.reindex(self.store, graphs)

    def close(self) -> None:
        if "search" in self.__dict__:
            self.search.close()
        if "changes" in self.__dict__:
            self.changes.close()
        self.store.close()

    def __enter__(self) -> KnowledgeGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
