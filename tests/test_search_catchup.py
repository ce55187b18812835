"""The text index catching up with a store filled behind its back: the same index whether the graphs are read in
the server's process or, when there is much to read, in a process of its own from a checkpoint; and what the
server had read of the index file before is forgotten, so that searches see the new index at once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from smarco_kg.kg import KnowledgeGraph
from smarco_kg.search import SearchIndex
from smarco_kg.search_catchup import catch_up


def behind(kg: KnowledgeGraph, path: Path) -> SearchIndex:
    """An index file that has seen nothing of the demo store, its course table already read (empty)."""
    index = SearchIndex(path, kg.search.types, kg.search.described)
    assert index.courses().total == 0
    return index


def course_titles(index: SearchIndex, text: str) -> list[str]:
    return sorted(hit.title for hit in index.courses(text, limit=100).hits)


def test_a_large_catch_up_reads_a_checkpoint_in_a_process_of_its_own(
    demo_kg: KnowledgeGraph, backend: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    here, there = behind(demo_kg, tmp_path / "here.sqlite"), behind(demo_kg, tmp_path / "there.sqlite")
    stale = set(here.stale(demo_kg.store))
    assert catch_up(here, demo_kg.store, tmp_path / "scratch", in_a_process_from=10**9) == stale
    with caplog.at_level(logging.INFO, logger="smarco_kg.search"):
        assert catch_up(there, demo_kg.store, tmp_path / "scratch", in_a_process_from=1) == stale
    in_a_process = [r for r in caplog.records if "in a process of its own" in r.getMessage()]
    # A remote store makes no checkpoints: its graphs are read in this process, as a small catch-up's are
    assert len(in_a_process) == (1 if backend == "embedded" else 0), caplog.text
    assert not (tmp_path / "scratch" / "search-catchup").exists(), "the checkpoint goes when the catch-up ends"
    assert there.stale(demo_kg.store) == {} and here.stale(demo_kg.store) == {}
    everything = here.courses(limit=100)
    assert everything.total > 0 and there.courses(limit=100).total == everything.total
    assert course_titles(there, "smart") == course_titles(here, "smart") != []
    assert there.search("data", types=["skill"]) == here.search("data", types=["skill"])
    assert catch_up(there, demo_kg.store, tmp_path / "scratch", in_a_process_from=1) == set(), "nothing left"
