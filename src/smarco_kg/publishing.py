"""The dataset's description figures and dumps, kept in step with the store in the background, so that no request
waits for them: reading the figures takes about a second at 500k triples, writing the dumps 8 s or more.

The work runs in a child process (at a lower priority) on a checkpoint of the embedded store, or on the remote
store itself: in a thread of the server it held the GIL long enough to make ``/health`` take 30 to 50 ms instead
of 1 ms while the dumps were written (measured on 2 busy cores).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path

from rdflib import URIRef

from smarco_kg.config import Settings
from smarco_kg.dataset_description import State, Summary, summarise
from smarco_kg.dumps import Dumps, replace_text
from smarco_kg.store import GraphStore, open_store, store_for

log = logging.getLogger("smarco_kg.publishing")
_SUMMARY = "description.json"  # the latest figures, beside the dumps: a restart with nothing changed reuses them
_CHECKPOINT = ".checkpoint"  # what the child process reads (embedded store), beside the dumps


class PublishingFailed(Exception):
    """Reading the figures or writing the dumps failed in the child process (the reason is logged)."""


class Publisher:
    """Rewrites the description's figures (a ``Summary``) and the dumps after writes: told by ``kick`` (a listener
    of the knowledge graph's commits, or a request that finds the figures older than the store's last write), and
    at ``start`` when what is kept is missing or stale.

    The figures follow ``delay`` seconds after a kick, so a burst of writes costs one reading; the dumps follow,
    but start no sooner than ``interval`` seconds after the start or the previous dumps began, so a steady stream
    of writes costs at most one dump per interval. A failure is logged and tried again ``retry`` seconds later."""

    def __init__(
        self,
        store: GraphStore,
        dumps: Dumps,
        settings: Settings,
        example_classes: Sequence[URIRef] = (),
        *,
        delay: float = 0.5,
        interval: float = 10.0,
        retry: float = 30.0,
    ) -> None:
        self.store = store
        self.dumps = dumps
        self.settings = settings
        self.example_classes = [str(c) for c in example_classes]
        self.delay, self.interval, self.retry = delay, interval, retry
        self._summary = self._kept()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._dumps_began = float("-inf")

    @property
    def summary(self) -> Summary | None:
        """The latest figures (perhaps of an earlier write than the last: compare its state with ``dumps.state()``);
        None only before the first reading finished."""
        return self._summary

    def start(self) -> None:
        """Read the figures here and now if none were ever kept (before the server answers, the description needs
        some), then leave the rest (stale figures, missing or stale dumps) to the background."""
        shutil.rmtree(self.dumps.folder / _CHECKPOINT, ignore_errors=True)  # left by a crash
        if self._summary is None:
            try:
                state = self.dumps.state()
                summary = summarise(
                    self.store, state, self.settings.base_iri, [URIRef(c) for c in self.example_classes]
                )
                replace_text(self.dumps.folder / _SUMMARY, summary.to_json())
                self._summary = summary
            except Exception:  # the store may be unreachable at start: the background tries again
                log.exception("could not read the dataset's figures at start; trying again in the background")
        self._dumps_began = time.monotonic()  # the first dumps wait an interval too: a start is often a burst
        self._thread = threading.Thread(target=self._run, name="smarco-publisher", daemon=True)
        self._thread.start()
        self.kick()

    def kick(self) -> None:
        """The store changed (or may have): bring the figures and the dumps in step soon."""
        self._wake.set()

    def close(self) -> None:
        """Stop: a child process at work is ended (dumps being written are abandoned; the previous ones stay)."""
        self._closing.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        timeout: float | None = None
        while not self._closing.is_set():
            self._wake.wait(timeout)
            if self._closing.wait(self.delay):
                return
            self._wake.clear()
            try:
                timeout = self._step()
            except Exception:
                if self._closing.is_set():
                    return
                log.exception("could not bring the figures and dumps in step; trying again in %ss", self.retry)
                timeout = self.retry

    def _step(self) -> float | None:
        """Do what is due; return in how many seconds the dumps fall due, if they are stale but not yet due."""
        state = self.dumps.state()
        figures = self._summary is None or self._summary.state.stamp != state.stamp
        dumps = not self.dumps.current(state)
        due = self._dumps_began + self.interval - time.monotonic()
        if figures or (dumps and due <= 0):
            self._job(state, figures=figures, dumps=dumps and due <= 0)
        return due if dumps and due > 0 else None

    def _job(self, state: State, *, figures: bool, dumps: bool) -> None:
        """One child process: the figures first (taken up as soon as they are written), then the dumps."""
        checkpoint = self.dumps.folder / _CHECKPOINT
        shutil.rmtree(checkpoint, ignore_errors=True)
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        location = str(checkpoint) if self.store.snapshot(checkpoint) else None
        if dumps:
            self._dumps_began = time.monotonic()
        started = time.perf_counter()
        context = multiprocessing.get_context("spawn")
        receiver, sender = context.Pipe(duplex=False)
        job = (location, None if location else self.settings, str(self.dumps.folder), state.stamp)
        wanted = (self.settings.base_iri, self.example_classes, figures, dumps)
        process = context.Process(target=_job_main, args=(sender, *job, *wanted), daemon=True, name="smarco-publish")
        try:
            process.start()
            sender.close()
            while True:
                if self._closing.is_set():
                    process.terminate()
                    return
                if not receiver.poll(0.1):
                    continue
                try:
                    message = receiver.recv()
                except EOFError:
                    break
                if message == "figures":
                    self._summary = self._kept()
                    log.info("figures read in %.1f s", time.perf_counter() - started)
                elif message == "dumps":
                    self.dumps.reread()
                    log.info("dumps written in %.1f s", time.perf_counter() - started)
                else:
                    raise PublishingFailed(str(message))
            process.join()
            if process.exitcode != 0:
                raise PublishingFailed(f"the publishing process exited with {process.exitcode}")
        finally:
            process.join(timeout=10)
            receiver.close()
            shutil.rmtree(checkpoint, ignore_errors=True)

    def _kept(self) -> Summary | None:
        try:
            return Summary.from_json((self.dumps.folder / _SUMMARY).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return None


def _job_main(
    connection: Connection,
    checkpoint: str | None,
    settings: Settings | None,
    folder: str,
    stamp: str,
    base_iri: str,
    example_classes: list[str],
    figures: bool,
    dumps: bool,
) -> None:
    """The child process: read a checkpoint (or the remote store ``settings`` name), write the figures and/or the
    dumps into ``folder``, and say so after each."""
    with contextlib.suppress(OSError):
        os.nice(10)  # requests come first
    try:
        if checkpoint is not None:
            store = open_store(Path(checkpoint), create=False, read_only=True)
        else:
            assert settings is not None
            store = store_for(settings, create=False)
        try:
            state = State.parse(stamp)
            if figures:
                summary = summarise(store, state, base_iri, [URIRef(c) for c in example_classes])
                replace_text(Path(folder) / _SUMMARY, summary.to_json())
                connection.send("figures")
            if dumps:
                Dumps(Path(folder)).write(store, state)
                connection.send("dumps")
        finally:
            store.close()
    except Exception as error:  # reported to the server, which logs it and tries again later
        connection.send(f"{type(error).__name__}: {error}")
    finally:
        connection.close()
