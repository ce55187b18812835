"""Shared fixtures: real stores, provisioned cheaply from templates initialised once per session.

Every test that uses a template runs on both backends (``[embedded]`` and ``[virtuoso]``): the session's
``backend`` parameter. Without Virtuoso installed, the ``[virtuoso]`` runs are skipped, saying why."""

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
from tests.accessibility import axe_source
from tests.backends import BACKENDS, Template, VirtuosoPool
from tests.server import running_server

BASE = "https://w3id.org/smarco/"
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"  # screenshots the browser tests keep (git-ignored)
SHARED = Settings().shared_dir


def pytest_report_header() -> str:
    return f"shared reference files: {SHARED} ({'found' if SHARED.is_dir() else 'MISSING'})"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The axe-core counts the accessibility tests recorded (``record_property("axe-core", ...)``), page by page."""
    found = [
        (report.nodeid, value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for key, value in getattr(report, "user_properties", ())
        if key == "axe-core"
    ]
    if found:
        terminalreporter.section("axe-core violations per impact")
        for nodeid, value in sorted(found):
            terminalreporter.line(f"{nodeid.rsplit('::', 1)[-1]}: {value}")


def _initialised(root: Path, demo: bool) -> Iterator[EmbeddedStore]:
    kg = KnowledgeGraph(Settings(store=root / "template"))
    initialise(kg, demo=demo)
    yield kg.store  # type: ignore[misc]
    kg.close()


@pytest.fixture(scope="session")
def _base_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """Initialised once per session: the ontology, code lists and ESCO subset."""
    yield from _initialised(tmp_path_factory.mktemp("base"), demo=False)


@pytest.fixture(scope="session")
def _demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """Initialised once per session as `smarco-kg init` does, demo data included."""
    yield from _initialised(tmp_path_factory.mktemp("demo"), demo=True)


@pytest.fixture(scope="session")
def _virtuoso_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoPool]:
    pool = VirtuosoPool(tmp_path_factory.mktemp("virtuoso"))
    yield pool
    pool.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend the test runs on; the Virtuoso runs are skipped, with the reason, where it is not installed."""
    if request.param == "virtuoso" and not shutil.which("virtuoso-t"):
        pytest.skip("Virtuoso is not installed (virtuoso-t not found: apt-get install virtuoso-opensource-7-bin)")
    return request.param


def _on(backend: str, store: EmbeddedStore, request: pytest.FixtureRequest) -> Template:
    pool = request.getfixturevalue("_virtuoso_pool") if backend == "virtuoso" else None
    return Template(store, backend, pool)


@pytest.fixture(scope="session")
def _base_template(_base_store: EmbeddedStore, backend: str, request: pytest.FixtureRequest) -> Template:
    return _on(backend, _base_store, request)


@pytest.fixture(scope="session")
def _demo_template(_demo_store: EmbeddedStore, backend: str, request: pytest.FixtureRequest) -> Template:
    return _on(backend, _demo_store, request)


@pytest.fixture
def base_settings(_base_template: Template, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a private store holding the ontology, code lists and ESCO subset, no demo data."""
    with _base_template.provision(tmp_path / "store") as settings:
        yield settings


@pytest.fixture
def demo_settings(_demo_template: Template, tmp_path: Path) -> Iterator[Settings]:
    """Settings of a private store initialised as `smarco-kg init` does, demo data included."""
    with _demo_template.provision(tmp_path / "store") as settings:
        yield settings


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


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Where the browser tests keep a screenshot per page type (``tests/artefacts/``, not in git)."""
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS


@pytest.fixture(scope="module")
def page_server(_demo_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live server over a private copy of the embedded demo store, for the browser tests (which check what people
    see; the HTTP tests check both stores)."""
    template = Template(_demo_store, "embedded", None)
    with (
        template.provision(tmp_path_factory.mktemp("pages") / "store") as settings,
        running_server(settings) as url,
    ):
        yield url


@pytest.fixture(scope="session")
def axe() -> str:
    """axe-core's script (the npm package ``make`` installs); the accessibility tests skip, saying why, without it."""
    source = axe_source()
    if source is None:
        pytest.skip("axe-core is not installed (node_modules/axe-core): run make, which runs npm ci")
    return source
