"""The site works offline: every file a page loads comes from this server (the front-end packages are installed from
the npm registry by ``make``, never loaded from a CDN), checked in Chromium with every other address blocked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from smarco_kg.api.templating import templates
from smarco_kg.config import PROJECT_ROOT
from smarco_kg.web import assets

EXACT = re.compile(r"\d+\.\d+\.\d+")
VENDORED = ("swagger-ui-bundle.js", "swagger-ui.css")
LICENCES = ("swagger-ui.LICENSE", "swagger-ui.NOTICE", "swagger-ui-bundle.js.LICENSE.txt")


# ---- the packages -----------------------------------------------------------------------------------------------


def test_the_front_end_packages_are_pinned_to_exact_versions_in_the_lock_file() -> None:
    manifest = json.loads((PROJECT_ROOT / "package.json").read_text())
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    wanted = {**manifest["dependencies"], **manifest["devDependencies"]}
    assert set(manifest["dependencies"]) == {"swagger-ui-dist"}
    assert set(manifest["devDependencies"]) == {"axe-core"}
    for name, version in wanted.items():
        assert EXACT.fullmatch(version), f"{name}: {version} is not an exact version"
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")


def test_make_copies_exactly_the_files_the_pages_load_with_their_licences() -> None:
    if not assets.VENDOR.is_dir():
        pytest.skip("the front-end packages are not installed: run make (npm ci)")
    installed = {p.name for p in assets.VENDOR.iterdir() if not p.name.startswith(".")}
    assert installed == set(VENDORED) | set(LICENCES)
    modules = PROJECT_ROOT / "node_modules"
    if modules.is_dir():
        bundle = modules / "swagger-ui-dist/swagger-ui-bundle.js"
        assert (assets.VENDOR / "swagger-ui-bundle.js").read_bytes() == bundle.read_bytes()
    assert "Apache License" in (assets.VENDOR / "swagger-ui.LICENSE").read_text()


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert assets.missing(assets.SWAGGER_UI, tmp_path) == ["swagger-ui-bundle.js", "swagger-ui.css"]
    (tmp_path / "swagger-ui.css").write_text("/* */")
    assert assets.missing(assets.SWAGGER_UI, tmp_path) == ["swagger-ui-bundle.js"]


def test_without_swagger_ui_the_docs_page_says_so_and_loads_nothing_from_elsewhere() -> None:
    context = {"missing": ["swagger-ui-bundle.js"], "openapi_url": "/openapi.json", "version": "0", "page_lang": "en"}
    page = templates.env.get_template("api_docs.html").render(context)
    assert 'id="docs-missing"' in page and "are not installed on this server" in page
    assert '<a href="/openapi.json">' in page
    assert "swagger-ui-bundle.js" not in page and "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


# ---- over HTTP ----------------------------------------------------------------------------------------------------


def test_the_docs_load_swagger_ui_from_this_server_and_redoc_is_gone(page_server: str) -> None:
    docs = httpx.get(f"{page_server}/docs")
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    if assets.missing(assets.SWAGGER_UI):
        assert 'id="docs-missing"' in docs.text
        pytest.skip("Swagger UI is not installed: run make (npm ci)")
    assert 'src="/static/vendor/swagger-ui-bundle.js' in docs.text
    assert 'href="/static/vendor/swagger-ui.css' in docs.text and 'data-url="/openapi.json"' in docs.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", docs.text), "a file from another site"
    for name in ("swagger-ui-bundle.js", "swagger-ui.css"):
        served = httpx.get(f"{page_server}/static/vendor/{name}")
        assert served.status_code == 200 and served.content == (assets.VENDOR / name).read_bytes()
    assert httpx.get(f"{page_server}/redoc").status_code == 404
    assert httpx.get(f"{page_server}/openapi.json").json()["info"]["title"] == "smarco-kg"


# ---- in a browser, with every other address blocked -----------------------------------------------------------------


class Offline:
    """A browser context that lets requests to 127.0.0.1 through and blocks, and records, every other one."""

    def __init__(self, browser: Any) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        self.left: list[str] = []
        self.served: list[str] = []
        self.context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            self.served.append(url)
            route.continue_()
        else:
            self.left.append(url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(browser) -> Any:
    blocked = Offline(browser)
    yield blocked
    blocked.context.close()


def test_the_docs_show_the_apis_operations_offline(page_server: str, offline: Offline, artefacts: Path) -> None:
    if assets.missing(assets.SWAGGER_UI):
        pytest.skip("Swagger UI is not installed: run make (npm ci)")
    page = offline.context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{page_server}/docs", wait_until="networkidle")
    page.wait_for_selector(".opblock")
    spec = httpx.get(f"{page_server}/openapi.json").json()
    # Swagger UI lists an operation under each of its tags; from 100 rows on it draws only those near the view
    # (a virtual list), so read them as a person does, scrolling down the page
    listed = sum(len(o.get("tags") or ["default"]) for methods in spec["paths"].values() for o in methods.values())
    assert _scrolled_operations(page) == listed > 50
    assert page.locator(".opblock-summary-path", has_text="/sparql").count() >= 2
    page.screenshot(path=str(artefacts / "docs.png"))
    assert f"{page_server}/openapi.json" in offline.served
    assert offline.left == [] and errors == []


def test_the_home_and_query_pages_render_offline(page_server: str, offline: Offline, artefacts: Path) -> None:
    page = offline.context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{page_server}/", wait_until="networkidle")
    assert page.get_by_role("heading", level=1).inner_text() == "Skills for smart communities"
    assert page.locator("body").evaluate("b => getComputedStyle(b).fontFamily").startswith("system-ui")  # site.css
    page.screenshot(path=str(artefacts / "home.png"), full_page=True)
    page.goto(f"{page_server}/sparql", wait_until="networkidle")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_selector("#results-table tbody tr")
    assert page.locator("#results-table tbody tr").count() >= 30
    page.screenshot(path=str(artefacts / "sparql.png"), full_page=True)
    loaded = {urlsplit(url).path for url in offline.served}
    assert {"/static/site.css", "/static/sparql.css", "/static/sparql.js"} <= loaded
    assert offline.left == [] and errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=urban planning",
        "/course/urban-data-platforms",
        "/courses",
        "/occupations/e1c72b5f-4c5c-487c-a6df-e84b64a51dae/gap",
        "/plan?occupation=ICT system architect",
    ],
)
def test_every_other_page_for_people_loads_nothing_from_elsewhere(
    page_server: str, offline: Offline, path: str
) -> None:
    page = offline.context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(page_server + path, wait_until="networkidle")
    assert response is not None
    if response.status == 404 and path.startswith(("/search", "/plan")):
        pytest.skip(f"{path} is not served here")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).count() == 1
    assert offline.left == [] and errors == []


def _scrolled_operations(page: Any) -> int:
    """How many operations a person scrolling from the top to the bottom of the page passes (each block's id),
    back at the top afterwards."""
    seen: set[str] = set()
    page.evaluate("window.scrollTo(0, 0)")
    while True:
        seen.update(page.eval_on_selector_all(".opblock", "blocks => blocks.map(b => b.id)"))
        at_bottom = page.evaluate("window.scrollY + window.innerHeight >= document.body.scrollHeight - 2")
        if at_bottom:
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(100)
            return len(seen)
        page.mouse.wheel(0, 600)
        page.wait_for_timeout(50)
