"""The catalogue layer: a class added as one entry (plus its shape and demo file) is served everywhere, and apps
built from different Settings in one process each serve their own IRIs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from rdflib import URIRef

from smarco_kg.api.app import create_app
from smarco_kg.catalogue import Catalogue, CatalogueError, ClassEntry
from smarco_kg.config import PROJECT_ROOT, Settings
from smarco_kg.ingest.demo import initialise
from smarco_kg.kg import KnowledgeGraph
from tests.processes import free_port, stop
from tests.throwaway import CLASSES_WITH_WORKSHOPS, EX, folders

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def workshops(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server (uvicorn on 127.0.0.1) over a store initialised with the workshop class."""
    root = tmp_path_factory.mktemp("throwaway")
    shapes, data = folders(root)
    settings = Settings(store=root / "store", shapes_dir=shapes, data_dir=data, tokens_file=root / "tokens.json")
    with KnowledgeGraph(settings, classes=CLASSES_WITH_WORKSHOPS) as kg:
        initialise(kg, esco="none")
    port = free_port()
    env = {
        **os.environ,
        "SMARCO_STORE": str(settings.store),
        "SMARCO_SHAPES_DIR": str(shapes),
        "SMARCO_DATA_DIR": str(data),
        "SMARCO_TOKENS_FILE": str(settings.tokens_file),
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.throwaway:create", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--log-level", "warning"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /health"
            time.sleep(0.1)
        yield url
    finally:
        stop(process, 10)


ID = "digital-twins-hands-on"


def test_a_new_class_is_a_rest_collection(workshops: str) -> None:
    listed = httpx.get(f"{workshops}/api/workshops").json()
    assert [item["id"] for item in listed["items"]] == [f"https://w3id.org/smarco/workshop/{ID}"]
    member = httpx.get(f"{workshops}/api/workshops/{ID}")
    assert member.status_code == 200
    assert member.json()["title"] == {
        "en": "Hands-on digital twins for city planners",
        "it": "Gemelli digitali per urbanisti",
    }
    found = httpx.get(f"{workshops}/api/workshops", params={"q": "district"}).json()
    assert found["totalItems"] == 1


def test_a_new_class_is_in_the_openapi_description_with_its_writes(workshops: str) -> None:
    paths = httpx.get(f"{workshops}/openapi.json").json()["paths"]
    assert set(paths["/api/workshops"]) == {"get", "post"}
    assert set(paths["/api/workshops/{id}"]) == {"get", "put", "delete"}
    assert set(paths["/workshop/{id}"]) == {"get"}


def test_a_new_class_has_html_pages(workshops: str) -> None:
    page = httpx.get(f"{workshops}/workshop/{ID}", headers=HTML, params={"lang": "it"})
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Gemelli digitali per urbanisti" in page.text
    index = httpx.get(f"{workshops}/workshops", headers=HTML)
    assert index.status_code == 200 and f'href="/workshop/{ID}"' in index.text


def test_a_new_class_is_searched(workshops: str) -> None:
    found = httpx.get(f"{workshops}/api/search", params={"text": "digital twins", "type": "workshop"}).json()
    assert [(hit["type"], hit["page"]) for hit in found["items"]] == [("workshop", f"/workshop/{ID}")]
    by_description = httpx.get(f"{workshops}/api/search", params={"text": "district", "type": "workshop"}).json()
    assert by_description["totalItems"] == 1


def test_a_new_class_is_counted_on_the_home_page(workshops: str) -> None:
    home = httpx.get(f"{workshops}/", headers=HTML).text
    assert '<tr><td>workshops</td><td class="n">1</td></tr>' in home
    assert '<tr><td>courses</td><td class="n">0</td></tr>' not in home


def test_a_class_whose_shape_names_no_target_class_is_refused(tmp_path: Path) -> None:
    ghost = ClassEntry("ghosts", "ghost", "ghost/", EX.title, shapes=(EX.NoSuchShape,))
    with pytest.raises(CatalogueError, match="no sh:targetClass"):
        _ = Catalogue("https://w3id.org/smarco/", PROJECT_ROOT / "shapes", (ghost,)).entries


def test_member_classes_are_read_from_the_shapes() -> None:
    entries = Catalogue("https://w3id.org/smarco/", PROJECT_ROOT / "shapes").entries
    assert [c.split("/")[-1].split("#")[-1] for c in entries["credentials"].classes] == [
        "MicroCredential",
        "Certificate",
    ]
    assert entries["courses"].classes == (URIRef("http://data.europa.eu/snb/model/elm/LearningOpportunity"),)


# -- two apps in one process --------------------------------------------------------------------------------------


def store_with_base(root: Path, base_iri: str) -> Settings:
    settings = Settings(store=root / "store", base_iri=base_iri, tokens_file=root / "tokens.json")
    with KnowledgeGraph(settings) as kg:
        initialise(kg, esco="none")
    return settings


def test_two_apps_in_one_process_serve_their_own_iris(tmp_path: Path) -> None:
    first = store_with_base(tmp_path / "first", "https://w3id.org/smarco/")
    second = store_with_base(tmp_path / "second", "https://kg.example.org/skills/")
    with TestClient(create_app(first)) as one, TestClient(create_app(second)) as two:
        ones = [item["id"] for item in one.get("/api/courses").json()["items"]]
        twos = [item["id"] for item in two.get("/api/courses").json()["items"]]
        assert ones and all(i.startswith("https://w3id.org/smarco/course/") for i in ones)
        assert twos and all(i.startswith("https://kg.example.org/skills/course/") for i in twos)
        local = twos[0].rsplit("/", 1)[1]
        assert two.get(f"/api/courses/{local}").json()["id"] == twos[0]
        assert (
            one.get(f"/course/{local}", params={"format": "jsonld"}).json()["id"]
            == ones[ones.index(f"https://w3id.org/smarco/course/{local}")]
        )
        page = two.get("/api/courses", params={"provider": "cefriel"}).json()
        assert page["items"] and all(i["id"].startswith("https://kg.example.org/skills/") for i in page["items"])
