"""Shared fixtures: real on-disk stores, copied cheaply from templates initialised once per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.config import Settings
from smarco_kg.ingest.demo import initialise
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.store.embedded import EmbeddedStore
from tests.server import copy_store

BASE = "https://w3id.org/smarco/"
SHARED = Settings().shared_dir


def pytest_report_header() -> str:
    return f"shared reference files: {SHARED} ({'found' if SHARED.is_dir() else 'MISSING'})"


def _template(root: Path, demo: bool) -> Iterator[EmbeddedStore]:
    kg = KnowledgeGraph(Settings(store=root / "template"))
    initialise(kg, demo=demo)
    yield kg.store  # type: ignore[misc]
    kg.close()


@pytest.fixture(scope="session")
def _base_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """Initialised once per session: the ontology, code lists and ESCO subset."""
    yield from _template(tmp_path_factory.mktemp("base"), demo=False)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """Initialised once per session as `smarco-kg init` does, demo data included."""
    yield from _template(tmp_path_factory.mktemp("demo"), demo=True)


def _copy(template: EmbeddedStore, target: Path) -> Settings:
    return Settings(store=copy_store(template, target))  # hard links: a private copy in milliseconds


@pytest.fixture
def base_settings(_base_template: EmbeddedStore, tmp_path: Path) -> Settings:
    """Settings of a private store holding the ontology, code lists and ESCO subset, no demo data."""
    return _copy(_base_template, tmp_path / "store")


@pytest.fixture
def demo_settings(_demo_template: EmbeddedStore, tmp_path: Path) -> Settings:
    """Settings of a private store initialised as `smarco-kg init` does, demo data included."""
    return _copy(_demo_template, tmp_path / "store")


@pytest.fixture
def base_kg(base_settings: Settings) -> Iterator[KnowledgeGraph]:
    with KnowledgeGraph(base_settings) as kg:
        yield kg


@pytest.fixture
def demo_kg(demo_settings: Settings) -> Iterator[KnowledgeGraph]:
    with KnowledgeGraph(demo_settings) as kg:
        yield kg


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven by Playwright; the browser tests skip, with the reason, where it is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("the Python package playwright is not installed (pip install -e '.[test]')")
    executable = os.environ.get("SMARCO_CHROMIUM") or shutil.which("chromium")
    if not executable:
        pytest.skip("Debian's chromium is not installed: run `make browser` as root (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()
