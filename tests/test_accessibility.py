"""Accessibility of the pages people use, checked in Chromium: axe-core (the npm package) finds no serious or
critical violation on any of them, and the home page works by keyboard alone (skip link, search, language)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.accessibility import counts, describe, serious, violations
from tests.backends import Template
from tests.server import LiveServer, live_server

ARCHITECT = "e1c72b5f-4c5c-487c-a6df-e84b64a51dae"  # ESCO's ICT system architect, whose gap the demo data fills
# (name, address): every page type people meet; the search and plan pages may not be served yet, and then skip.
PAGES = [
    ("home", "/"),
    ("search", "/search?q=urban planning"),
    ("course", "/course/urban-data-platforms"),
    ("gap", f"/occupations/{ARCHITECT}/gap"),
    ("plan", "/plan?occupation=ICT system architect"),
    ("docs", "/docs"),
    ("sparql", "/sparql"),
    ("publish-sign-in", "/publish"),
    ("dashboard", "/dashboard?year=2026"),
    ("partner-dashboard", "/dashboard/partners/cefriel?year=2026"),
]
MAY_BE_ABSENT = {"search", "plan"}


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def _open_operation(page: Any, operation: str) -> None:
    """Swagger UI with one operation opened and its form out ("Try it out"), so its fields are checked too."""
    block = page.locator(f"#{operation}")
    block.locator(".opblock-summary-control").click()
    block.get_by_role("button", name="Try it out").click()
    block.get_by_role("button", name="Execute").wait_for()


@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_no_page_has_a_serious_or_critical_violation(
    page_server: str, page, axe: str, artefacts: Path, record_property, name: str, path: str
) -> None:
    response = page.goto(page_server + path, wait_until="networkidle")
    assert response is not None
    if response.status == 404 and name in MAY_BE_ABSENT:
        pytest.skip(f"the {name} page ({path}) is not served here")
    assert response.status == 200, f"{path}: {response.status}"
    if name == "docs":
        page.wait_for_selector(".opblock")
        _open_operation(page, "operations-SPARQL-sparql_get_sparql_get")
        _open_operation(page, "operations-SPARQL-sparql_post_sparql_post")
    if name == "sparql":  # with a table of results drawn by its script
        page.get_by_role("button", name="Run query").click()
        page.wait_for_selector("#results-table tbody tr")
    found = violations(page, axe)
    tally = counts(found)
    record_property("axe-core", tally)
    print(f"axe-core {name} {path}: {tally}\n{describe(found)}")
    page.screenshot(path=str(artefacts / f"{name}.png"), full_page=name != "docs")
    assert serious(found) == []


def _focused(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => { const e = document.activeElement; const style = getComputedStyle(e);
                  const box = e.getBoundingClientRect();
                  return { tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, text: e.textContent.trim(),
                           hreflang: e.getAttribute('hreflang'), outline: style.outlineStyle,
                           inLangs: !!e.closest('nav.langs'), left: box.left, top: box.top }; }"""
    )


def _tab_until(page: Any, wanted, limit: int = 40) -> int:
    """Press Tab until ``wanted(focused)``; the number of presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if wanted(_focused(page)):
            return presses
    raise AssertionError(f"not reached in {limit} presses of Tab; last focused: {_focused(page)}")


def test_the_home_page_is_usable_by_keyboard_alone(page_server: str, page, artefacts: Path) -> None:
    page.goto(page_server + "/?lang=en")
    # the first Tab shows the skip link, on screen; Enter on it passes the navigation by
    page.keyboard.press("Tab")
    skip = _focused(page)
    assert skip["cls"] == "skip" and skip["left"] >= 0 and skip["top"] >= 0, skip
    assert skip["outline"] != "none"  # the focus is visible
    page.keyboard.press("Enter")
    # the move to #main is a navigation within the page: the URL changes once the browser reports it
    page.wait_for_url("**/?lang=en#main")
    links_passed = page.locator("header.site a").count()
    presses = _tab_until(page, lambda f: f["id"] == "home-q")
    assert presses < links_passed, f"{presses} presses from the skip link to the search box"
    assert _focused(page)["outline"] != "none"
    page.keyboard.type("urban planning")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?**")
    assert "q=urban+planning" in page.url and "lang=en" in page.url
    # from the top of the home page again: the language switcher, and Enter on Español
    page.goto(page_server + "/?lang=en")
    _tab_until(page, lambda f: f["inLangs"] and f["hreflang"] == "es")
    assert _focused(page)["outline"] != "none"
    page.keyboard.press("Enter")
    page.wait_for_url("**lang=es**")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", level=1).inner_text() != ""
    assert page.locator("nav.langs a[aria-current]").inner_text() == "Español"
    page.screenshot(path=str(artefacts / "home-es.png"), full_page=True)


@pytest.fixture(scope="module")
def publishing(
    _demo_template: Template, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """A server with a partner's token, for the web editor's pages behind its sign-in."""
    if backend != "embedded":
        pytest.skip("the pages are checked on the embedded store")
    with live_server(_demo_template, tmp_path_factory.mktemp("publish-a11y"), partner="cefriel") as server:
        yield server


PUBLISH_PAGES = [
    ("publish-courses", "/publish"),
    ("publish-edit", "/publish/courses/urban-data-platforms"),
    ("publish-new-with-errors", "/publish/courses/new"),
    ("publish-upload", "/publish/upload"),
]


@pytest.mark.parametrize(("name", "path"), PUBLISH_PAGES, ids=[name for name, _ in PUBLISH_PAGES])
def test_no_publishing_page_has_a_serious_or_critical_violation(
    publishing: LiveServer, page, axe: str, artefacts: Path, record_property, name: str, path: str
) -> None:
    page.goto(publishing.url + "/publish")
    page.get_by_label("Publishing token").fill(publishing.partner)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    response = page.goto(publishing.url + path, wait_until="networkidle")
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    if name == "publish-new-with-errors":  # the messages next to their fields, the suggestions drawn
        page.get_by_label("What the learner can do afterwards").fill("Develop a business case")
        page.get_by_role("button", name="Save the course").last.click()
        page.wait_for_selector(".field-errors")
    found = violations(page, axe)
    tally = counts(found)
    record_property("axe-core", tally)
    print(f"axe-core {name} {path}: {tally}\n{describe(found)}")
    page.screenshot(path=str(artefacts / f"{name}.png"), full_page=True)
    assert serious(found) == []
