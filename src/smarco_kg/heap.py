"""The server's heap. glibc gives each thread that finds the heap busy an arena of its own (up to eight per core),
and the pages freed objects leave in an arena are seldom handed back: with uvicorn's pool of request threads the
server's resident memory grew by more than a fifth over a schemathesis pass after it was warm (541 to 660 MiB).
Two arenas, as ``MALLOC_ARENA_MAX=2`` would give, kept it within that (the conformance test's check). Set before
the threads start; an operator's own ``MALLOC_ARENA_MAX`` wins, and elsewhere than glibc nothing is done."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os

M_ARENA_MAX = -8  # glibc's malloc.h
ARENAS = 2


def cap_arenas(count: int = ARENAS) -> bool:
    """At most ``count`` malloc arenas for this process; False where that cannot be said (no glibc) or the
    environment already says how many."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        return bool(ctypes.CDLL(name).mallopt(M_ARENA_MAX, count))
    except (OSError, AttributeError):  # not glibc: no mallopt
        return False


def freeze_startup() -> int:
    """Leave what start-up built (modules, shapes, vocabularies, indexes: about 200,000 tracked objects) out of
    the cyclic garbage collector's passes from now on; how many objects that is. Under 8 clients each full pass
    scanned them all again, 100-200 ms about every second (bench/README.md, REST API)."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def trim() -> bool:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``, every arena); False where that
    cannot be done or nothing went back. Bulk work (start-up's text index of a fresh store, a large load, the skill
    extractor's index) frees most of what it allocates, but glibc keeps the pages unless asked: the server stayed
    near its peak after a large load (measured in one process: 592 MiB after a 100 MB load, 187 MiB once trimmed).
    Takes milliseconds: for after such work, not every request."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        return bool(ctypes.CDLL(name).malloc_trim(0))
    except (OSError, AttributeError):  # not glibc: no malloc_trim
        return False
