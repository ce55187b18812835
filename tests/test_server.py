"""The server as a browser or a monitor sees it: a live uvicorn on 127.0.0.1 over an initialised store."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import httpx
import pytest

from smarco_kg import __version__
from smarco_kg.config import Settings
from tests.server import running_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from smarco_kg.ingest.demo import initialise
    from smarco_kg.kg import KnowledgeGraph

    store = tmp_path_factory.mktemp("server") / "store"
    with KnowledgeGraph(Settings(store=store)) as kg:
        initialise(kg)
    with running_server(store) as url:
        yield url


def test_health_answers_from_memory_with_the_version_and_the_store(server: str) -> None:
    response = httpx.get(f"{server}/health")
    assert response.status_code == 200
    body = response.json()
    assert body == {"status": "ok", "version": __version__, "store": body["store"]}, "no figure read from the store"
    assert "embedded pyoxigraph store" in body["store"]


def test_health_costs_far_less_than_reading_the_store(server: str) -> None:
    with httpx.Client() as client:
        for path in ("/health", "/health/store"):  # warm both
            client.get(f"{server}{path}")

        def median_ms(path: str) -> float:
            times = []
            for _ in range(15):
                started = time.perf_counter()
                assert client.get(f"{server}{path}").status_code == 200
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)

        liveness, readiness = median_ms("/health"), median_ms("/health/store")
    assert liveness * 3 < readiness, f"/health {liveness:.1f} ms, /health/store {readiness:.1f} ms"


def test_the_store_health_reports_triples_per_graph(server: str) -> None:
    response = httpx.get(f"{server}/health/store")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == __version__
    assert "embedded pyoxigraph store" in body["store"]
    graphs = body["graphs"]
    assert graphs["https://w3id.org/smarco/graph/esco"] == 71566
    assert any(g.startswith("https://w3id.org/smarco/graph/partner/") for g in graphs)
    assert body["triples"] == sum(graphs.values())


def test_home_page_says_what_the_graph_holds(server: str) -> None:
    response = httpx.get(f"{server}/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<h1 id="intro">Skills for smart communities</h1>' in page
    assert 'action="/search"' in page  # the search box
    assert "This service uses the ESCO classification of the European Commission." in page
    for kind in ("courses", "micro-credentials", "training pathways", "best practices", "organisations"):
        assert f"<td>{kind}</td>" in page
    assert 'href="/health"' in page
    spanish = httpx.get(f"{server}/?lang=es", headers={"Accept": "text/html"})
    assert '<html lang="es">' in spanish.text and "Competencias para comunidades inteligentes" in spanish.text
    assert "<td>cursos</td>" in spanish.text
    greek = httpx.get(f"{server}/", headers={"Accept": "text/html", "Accept-Language": "el, en;q=0.5"})
    assert '<html lang="el">' in greek.text and "Εύρεση κατάρτισης" in greek.text
    assert "Accept-Language" in greek.headers["vary"]


def test_serve_refuses_a_store_that_does_not_exist(tmp_path) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "smarco_kg", "serve", "--store", str(tmp_path / "none"), "--port", "1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "run 'smarco-kg init' first" in done.stderr
