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
