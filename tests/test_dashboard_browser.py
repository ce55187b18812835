"""The dashboard in a real headless Chromium (Debian's ``chromium`` through Playwright), on the embedded demo store with
the community fixture: no chart's text leaves its SVG (each text's box lies inside the SVG's view box and inside the
element as drawn), at a desktop's and a phone's width, with screenshots kept as artefacts; axe-core finds no serious
or critical violation; and the year is chosen with the plain form, scripts off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from smarco_kg.store import store_for
from tests.accessibility import counts, describe, serious, violations
from tests.backends import Template
from tests.community import load_community
from tests.server import running_server

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
PAGES = {"dashboard": "/dashboard?year=2026", "partner": "/dashboard/partners/european-digital-sme-alliance?year=2026"}

# Every chart's texts against the SVG: in user units against the view box (getBBox), and on screen against the
# element as drawn (getBoundingClientRect), half a pixel allowed for anti-aliasing.
CLIPPED = """() => [...document.querySelectorAll('svg.dashboard-chart')].flatMap(svg => {
  const view = svg.viewBox.baseVal, drawn = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].flatMap(text => {
    const box = text.getBBox(), screen = text.getBoundingClientRect(), out = [];
    if (box.x < view.x - 0.5 || box.y < view.y - 0.5 || box.x + box.width > view.x + view.width + 0.5
        || box.y + box.height > view.y + view.height + 0.5) out.push('viewBox');
    if (screen.left < drawn.left - 0.5 || screen.top < drawn.top - 0.5 || screen.right > drawn.right + 0.5
        || screen.bottom > drawn.bottom + 0.5) out.push('element');
    return out.length ? [{chart: svg.closest('section').id, text: text.textContent, out}] : [];
  });
})"""


@pytest.fixture(scope="module")
def server(_demo_template: Template, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend != "embedded":
        pytest.skip("the browser tests check what people see, on the embedded store; the HTTP tests check both")
    with _demo_template.provision(tmp_path_factory.mktemp("dashboard-browser") / "store") as settings:
        with store_for(settings) as store:
            load_community(store)
        with running_server(settings) as url:
            yield url


def _open(browser: Any, width: str, scripts: bool = True) -> Any:
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, java_script_enabled=scripts)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_chart_label_is_clipped_and_the_page_fits(
    server: str, browser, artefacts: Path, name: str, width: str
) -> None:
    page = _open(browser, width)
    try:
        response = page.goto(server + PAGES[name], wait_until="networkidle")
        assert response is not None and response.status == 200
        charts = page.locator("svg.dashboard-chart")
        assert charts.count() >= (7 if name == "dashboard" else 3)
        texts = page.locator("svg.dashboard-chart text").count()
        assert texts > 20
        assert page.evaluate(CLIPPED) == []
        # each chart has its title, description and label, and a table beside it
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert chart.get_attribute("role") == "img" and chart.get_attribute("aria-label")
            assert chart.locator("title").count() == 1 and chart.locator("desc").count() == 1
            assert chart.locator("xpath=ancestor::section//table").count() == 1
        # on a phone nothing but the tables' own scrolling regions is wider than the screen
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"the page is {overflow}px wider than the screen"
        page.screenshot(path=str(artefacts / f"{name}-{width}.png"), full_page=True)
    finally:
        page.context.close()


@pytest.mark.parametrize("name", PAGES)
def test_the_dashboard_has_no_serious_accessibility_violation(
    server: str, browser, axe: str, artefacts: Path, record_property, name: str
) -> None:
    page = _open(browser, "desktop")
    try:
        page.goto(server + PAGES[name], wait_until="networkidle")
        found = violations(page, axe)
        record_property("axe-core", counts(found))
        print(f"axe-core {name}: {counts(found)}\n{describe(found)}")
        assert serious(found) == []
    finally:
        page.context.close()


def test_the_year_is_chosen_with_the_form_without_scripts(server: str, browser) -> None:
    page = _open(browser, "phone", scripts=False)
    try:
        page.goto(server + "/dashboard?year=2026&lang=es")
        assert "2026" in page.get_by_role("heading", level=1).inner_text()
        page.get_by_label("Año").fill("2025")
        page.get_by_role("button", name="Mostrar").click()
        page.wait_for_url("**year=2025**")
        assert "lang=es" in page.url and "2025" in page.get_by_role("heading", level=1).inner_text()
        # numbers in the page's language: Spanish writes the digital coverage with a decimal comma
        assert "," in page.locator("[data-measure=digitalSkills] dd").inner_text()
    finally:
        page.context.close()
