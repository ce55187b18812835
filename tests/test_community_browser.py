"""The community's pages in Chromium: the partners list with roles, an organisation, a pledge, an event and a
practice with its adoptions have no serious or critical axe-core violation, at a desktop's width and a phone's,
where the partners' table still shows each role (screenshots kept as artefacts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.accessibility import counts, describe, serious, violations

PAGES = [
    ("partners", "/partners?limit=100"),
    ("stakeholder", "/organisation/nordkamm-energie"),
    ("pledge", "/pledge/upskilling-smart-city-engineers-in-italy"),
    ("event", "/event/urban-data-platforms-bootcamp-milan"),
    ("practice", "/practice/sme-friendly-lots-in-smart-city-tenders"),
    ("events", "/events"),
]


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize(("name", "path"), PAGES, ids=[name for name, _ in PAGES])
def test_community_pages_have_no_serious_violation(
    page_server: str, browser, axe: str, artefacts: Path, record_property, name: str, path: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        response = page.goto(page_server + path, wait_until="networkidle")
        assert response is not None and response.status == 200, path
        found = violations(page, axe)
        record_property("axe-core", counts(found))
        print(f"axe-core {name} {path} at {width}px: {counts(found)}\n{describe(found)}")
        page.screenshot(path=str(artefacts / f"community-{name}-{width}.png"), full_page=True)
        assert serious(found) == []
        if name == "partners":
            row = page.get_by_role("row").filter(has_text="Nordkamm Energie GmbH")
            assert row.get_by_text("stakeholder", exact=True).is_visible()
            assert page.get_by_role("link", name="Stakeholders").is_visible()
    finally:
        context.close()
