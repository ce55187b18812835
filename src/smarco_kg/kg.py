"""The knowledge graph as the CLI and the server see it: settings, store, catalogue, shapes and one commit call."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from smarco_kg.catalogue import CLASSES, Catalogue, ClassEntry
from smarco_kg.changes import ChangeLog, PendingWrite
from smarco_kg.config import Settings
from smarco_kg.dumps import Dumps
from smarco_kg.errors import SmarcoError
from smarco_kg.formats import RdfSyntax
from smarco_kg.graphs import Graphs
from smarco_kg.ownership import Owner
from smarco_kg.search import SearchIndex
from smarco_kg.store import Changeset, GraphStore, StoreError, open_store, store_for
from smarco_kg.updates import UpdateResult, apply_update
from smarco_kg.validation import ShapesValidator
from smarco_kg.write_path import WritePath, WriteResult

if TYPE_CHECKING:
    from smarco_kg.skill_extraction import SkillExtractor

Listener = Callable[[], object]  # told of every commit; what it returns is not used


class WriteObserver(Protocol):
    """Told of each write around its store commit, to keep a statistic exact by differences (``register_tally``):
    ``before`` right before the store commits (the write's graphs and resources), ``after`` once it has, before
    the write ``generation`` moves on."""

    def before(self, write: PendingWrite) -> None: ...

    def after(self, write: PendingWrite | None, graphs: Sequence[str], subjects: Sequence[str]) -> None: ...


CRASH_EXIT = 70  # the exit status of a process ended by the test fault injection (``Settings.test_crash``)
log = logging.getLogger("smarco_kg.changes")


@dataclass
class KnowledgeGraph:
    """One open store with the pieces built on it; open it once per process and close it at the end.

    Every write goes through one call (``commit`` for validated data, ``apply`` for removals, ``update`` for
    SPARQL Update): it writes, records the change in the feed, brings the text index in step, marks the dumps
    stale, moves the write ``generation`` on and tells the listeners (the server's query workers). A write
    with an ``owner`` (a partner's) may state or remove only what that owner owns (``ownership``): anything
    else is refused before the store is touched."""

    settings: Settings
    store: GraphStore = field(init=False)
    create: bool = True
    classes: Sequence[ClassEntry] = CLASSES
    checkpoint: Path | None = None  # a reader process's: the store's checkpoint it reads, never writes
    generation: int = field(default=0, init=False)  # commits so far: what cached views of the store are keyed by
    listeners: list[Listener] = field(default_factory=list, init=False)
    observers: list[WriteObserver] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if self.checkpoint is not None:  # what a crash left is put right by the writer, not by its readers
            self.store = open_store(self.checkpoint, read_only=True)
            return
        self.store = store_for(self.settings, create=self.create)
        self._replay()

    @cached_property
    def catalogue(self) -> Catalogue:
        return Catalogue(self.settings.base_iri, self.settings.shapes_dir, self.classes)

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
        catalogue = self.catalogue
        return SearchIndex(
            self._beside(self.settings.search_index), catalogue.search_types, catalogue.described_search_types
        )

    @cached_property
    def skills(self) -> SkillExtractor:
        """ESCO skills from text, built from the ESCO graph on first use."""
        from smarco_kg.skill_extraction import SkillExtractor  # numpy and the model: only for those who ask

        return SkillExtractor(
            self.store,
            self.graphs.esco,
            generation=lambda: self.generation,
            cache_dir=self._beside(self.settings.skill_index_dir),
        )

    @cached_property
    def changes(self) -> ChangeLog:
        """The change feed beside the store."""
        return ChangeLog(self._beside(self.settings.changes_log))

    @cached_property
    def dumps(self) -> Dumps:
        """The dataset's dumps beside the store."""
        return Dumps(self.settings.dumps_dir)

    # -- writes -------------------------------------------------------------------------------------------------

    def commit(
        self,
        data: bytes | Path | Sequence[Path],
        syntax: RdfSyntax | None,
        *,
        actor: str = "cli",
        operation: str = "replace",
        subjects: Iterable[str] = (),
        owner: Owner | None = None,
        **options: Any,
    ) -> WriteResult:
        """Validate and store ``data`` (``WritePath.write`` takes ``options``), then everything a commit implies;
        a dry run commits nothing."""
        with self.journalled(actor, operation, subjects) as write:
            result = self.write_path.write(
                data, syntax, guard=self._guard(owner), before_commit=write.intend, **options
            )
            if not options.get("dry_run"):
                self.committed(result.graphs, actor=actor, operation=operation, subjects=subjects, write=write)
        return result

    def apply(
        self,
        changes: Changeset,
        *,
        graphs: Iterable[str],
        actor: str,
        operation: str,
        subjects: Iterable[str] = (),
        owner: Owner | None = None,
    ) -> None:
        """Apply trusted changes (removals of a member's description, a whole graph dropped) unvalidated, then
        commit; the resources removed by name (``changes.remove_resources``) must be ``owner``'s."""
        if owner is not None:
            owner.check(self.store, [subject for _, subject in changes.remove_resources], self.graphs)
        with self.journalled(actor, operation, subjects) as write:
            write.intend(graphs)
            self.store.apply(changes)
            self.committed(graphs, actor=actor, operation=operation, subjects=subjects, write=write)

    def update(
        self, sparql: str, *, actor: str, base_iri: str | None = None, owner: Owner | None = None
    ) -> UpdateResult:
        """Apply a SPARQL Update through the validated path, then commit the graphs it changed."""
        with self.journalled(actor, "update") as write:
            result = apply_update(
                self.store,
                self.write_path,
                sparql,
                base_iri=base_iri,
                guard=self._guard(owner),
                before_commit=write.intend,
            )
            changed = set(result.added) | set(result.removed)
            self.committed(changed, actor=actor, operation="update", subjects=result.subjects, write=write)
        return result

    @contextmanager
    def journalled(self, actor: str, operation: str, subjects: Iterable[str] = ()) -> Iterator[PendingWrite]:
        """A write's way into the change feed (``changes``): the body hands ``write.intend`` to the write path,
        which journals the events right before the store commits, and ends with ``committed(…, write=write)``.
        A write refused after its journal entry (a 4xx error: nothing changed) drops the entry; one that fails
        otherwise (its outcome at the store unknown) is committed all the same."""
        write = PendingWrite(self.changes, actor, operation, sorted(set(subjects)))
        write.after_intent = lambda: self._intended(write)
        try:
            yield write
        except BaseException as error:
            if write.entry is not None and not write.published:
                self._settle(write, refused=isinstance(error, SmarcoError) and error.status < 500)
            raise

    def _intended(self, write: PendingWrite) -> None:
        """Right before the store commits ``write``: the observers read what it is about to change."""
        for observer in self.observers:
            observer.before(write)
        self._crash("before-commit")

    def _guard(self, owner: Owner | None) -> Callable[[Sequence[str]], None] | None:
        """What holds a write to ``owner``'s resources; None for a writer held to nothing (admin, operator)."""
        if owner is None:
            return None
        return lambda subjects: owner.check(self.store, subjects, self.graphs)

    def committed(
        self,
        graphs: Iterable[str],
        *,
        actor: str = "cli",
        operation: str = "replace",
        subjects: Iterable[str] = (),
        write: PendingWrite | None = None,
    ) -> None:
        """After a write: the feed (with its journal entry, ``write``), the text index, the dumps, the generation
        and the listeners. ``subjects``: the resources written (none: the graphs as a whole)."""
        self._crash("after-commit")
        graphs = [g for g in graphs if g]
        pending = write.entry if write is not None else None
        if write is not None:
            write.published = True
        if not graphs:
            if pending is not None:  # journalled, but nothing changed after all
                self.changes.record([], actor=actor, operation=operation, pending=pending)
            return
        written = list(subjects)
        # The observers first: whatever is computed for the new generation (by a reader who sees it, or by the
        # listeners) reads their statistics, which must already include this write.
        for observer in self.observers:
            observer.after(write, graphs, written)
        self.generation += 1
        self.changes.record(graphs, actor=actor, operation=operation, subjects=written, pending=pending)
        # The register of issued credentials holds no text (its closed shape admits none) and re-reading it took
        # 3.5 s a write at 100,000 entries (bench/register.py): the text index skips it.
        self.search.reindex(self.store, [g for g in graphs if g != self.graphs.register])
        self.dumps.invalidate()
        for listener in self.listeners:
            listener()

    def _settle(self, write: PendingWrite, *, refused: bool) -> None:
        """A write that failed after its journal entry: refused, it changed nothing (the entry goes); otherwise
        its outcome at the store is unknown, and it is committed all the same (at least once)."""
        if refused:
            self.changes.record([], actor=write.actor, operation=write.operation, pending=write.entry)
            return
        try:
            self.committed(
                write.graphs, actor=write.actor, operation=write.operation, subjects=write.subjects, write=write
            )
        except Exception:  # the write's own error is the one to report
            log.exception("the events of a failed write stay in the journal until the next start")

    def _replay(self) -> None:
        """Publish the events a crash left in the journal and bring the text index in step for their graphs."""
        graphs = self.changes.recover()
        if graphs:
            log.warning(
                "published the change events of write(s) interrupted by a crash (at least once: a write killed "
                "before its store commit has its event too); reindexed %s",
                ", ".join(graphs),
            )
            self.dumps.invalidate()
            try:
                self.search.reindex(self.store, graphs)
            except StoreError as error:  # a remote store not answering yet: the events are out, the index lags
                log.warning("the text index of %s could not be brought in step: %s", ", ".join(graphs), error)

    def _crash(self, moment: str) -> None:
        """The test fault injection ``Settings.test_crash``: end the process at once at ``moment``."""
        if self.settings.test_crash == moment:
            os._exit(CRASH_EXIT)

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
