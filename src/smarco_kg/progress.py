"""Progress bars for long loads: shown on a terminal once a load has run for a second, silent otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

DELAY_SECONDS = 1.0


@contextmanager
def progress_bar(description: str, total: int | None = None, *, unit: str = "") -> Iterator[Callable[..., None]]:
    """Yield ``update(done, total=None, stage=None)``; a bar appears on stderr only if it is a terminal and 1 s has
    passed. ``stage`` renames the bar for a later stage of the same load (e.g. from reading to storing)."""
    if not sys.stderr.isatty():
        yield lambda done, total=None, stage=None: None
        return
    started = time.monotonic()
    shown: tuple[Progress, TaskID] | None = None  # the bar and its task, once it appears

    def update(done: int, new_total: int | None = None, stage: str | None = None) -> None:
        nonlocal shown
        if shown is None:
            if time.monotonic() - started < DELAY_SECONDS:
                return
            columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
            bar = Progress(*columns, transient=True)
            bar.start()
            shown = bar, bar.add_task(f"{description}{(' (' + unit + ')') if unit else ''}", total=new_total or total)
        bar, task = shown
        if stage is not None:
            bar.update(task, description=stage)
        bar.update(task, completed=done, total=new_total or total)

    try:
        yield update
    finally:
        if shown is not None:
            shown[0].stop()
