"""The server caps glibc's malloc arenas (the conformance run's memory check is what it is for)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _capped(env: dict[str, str]) -> str:
    code = "from smarco_kg.heap import cap_arenas; print(cap_arenas())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout


def test_the_arenas_are_capped_on_glibc_unless_the_environment_says_how_many() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's mallopt: Linux only")
    assert _capped({"PATH": "/usr/bin:/bin"}).strip() == "True"
    assert _capped({"PATH": "/usr/bin:/bin", "MALLOC_ARENA_MAX": "4"}).strip() == "False"


def test_trimming_hands_freed_heap_pages_back() -> None:
    """Memory freed below a live allocation stays resident until trimmed (start-up's bulk reads leave such)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc's malloc_trim: Linux only")
    code = """
from smarco_kg.heap import cap_arenas, trim
cap_arenas()

def resident():
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) // 1024

blocks = [bytes(2048) for _ in range(100_000)]  # 200 MB from malloc (over pymalloc's 512 bytes)
kept = bytes(2048)  # allocated after them: the heap's top stays in use
del blocks
before = resident()
print(trim(), before - resident())
"""
    trimmed, freed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert trimmed == "True" and int(freed) > 150  # MiB
