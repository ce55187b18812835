"""The visitor's gap and plan in a real headless Chromium (Debian's ``chromium`` through Playwright), on the embedded
demo store: held skills typed and picked from the suggestions (by mouse and by keyboard), a Europass credential
uploaded, the remaining skills shrinking, then the plan for what remains."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.config import Settings
from tests.backends import Template
from tests.server import running_server

POLICY_OFFICER = "caf7b8fb-b2d6-46b7-bffa-bea7f8e4aed8"
EDC_SAMPLE = Settings().shared_dir / "vendor" / "elm" / "examples" / "edc" / "Sample-MC-Annex1-signed.jsonld"
ARTEFACTS = Path(__file__).resolve().parent / "artefacts"


@pytest.fixture(scope="module")
def server(_demo_template: Template, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend != "embedded":
        pytest.skip("the browser tests check what people see, on the embedded store; the HTTP tests check both")
    with (
        _demo_template.provision(tmp_path_factory.mktemp("gap-plan") / "store") as settings,
        running_server(settings) as url,
    ):
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    errors: list[str] = []
    # what went wrong: script errors, and answers in error but the browser's own ask for /favicon.ico, which this
    # site does not have (its console line names no address, so failed answers are listed by theirs instead)
    opened.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    opened.on(
        "console",
        lambda m: m.type == "error" and not m.text.startswith("Failed to load resource") and errors.append(m.text),
    )
    opened.on(
        "response",
        lambda r: r.status >= 400 and not r.url.endswith("/favicon.ico") and errors.append(f"{r.status} {r.url}"),
    )
    opened.errors = errors
    yield opened
    context.close()


def _remaining(page) -> int:
    return page.locator("#remaining > li").count()


def _chips(page) -> list[str]:
    return page.locator("#held .chip span").all_inner_texts()


def test_a_visitor_adds_skills_uploads_a_credential_and_plans_what_remains(server: str, page) -> None:
    page.goto(f"{server}/occupations/{POLICY_OFFICER}/gap?optional=true")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Skill gap: policy officer")
    start = _remaining(page)
    assert start > 100 and _chips(page) == []

    # a first skill, by typing part of its name and clicking the suggestion
    field = page.get_by_label("Add a skill you have")
    field.press_sequentially("policy analy", delay=20)
    page.get_by_role("option", name="policy analysis", exact=True).click()
    page.wait_for_url("**have=*")
    assert _chips(page) == ["policy analysis"] and _remaining(page) == start - 1

    # a second one with the keyboard only: arrows to the suggestion, Enter to take it
    field = page.get_by_label("Add a skill you have")
    field.press_sequentially("present repor", delay=20)
    page.get_by_role("option", name="present reports", exact=True).wait_for()
    options = page.get_by_role("option").all_inner_texts()
    for _ in range(options.index("present reports") + 1):
        field.press("ArrowDown")
    field.press("Enter")
    page.wait_for_function("document.querySelectorAll('#held .chip').length === 2")
    assert sorted(_chips(page)) == ["policy analysis", "present reports"] and _remaining(page) == start - 2

    # the Europass sample: read in memory, its ESCO skills join the list
    assert "not stored" in page.locator("#credential-hint").inner_text()
    page.get_by_label("Read your skills from a credential").set_input_files(EDC_SAMPLE)
    page.get_by_role("button", name="Read skills").click()
    page.wait_for_selector("#read-note")
    assert "Your credential names 4 skills; 2 of them" in page.locator("#read-note").inner_text()
    assert sorted(_chips(page)) == [
        "develop digital content",
        "establish collaborative relations",
        "policy analysis",
        "present reports",
    ]
    assert _remaining(page) == start - 3  # "develop digital content" is no skill of a policy officer
    assert page.url.count("have=") == 4

    # every label of the chart is drawn whole, inside the view box
    boxes = page.evaluate(
        """() => {
        const svg = document.getElementById('gap-chart');
        const view = svg.viewBox.baseVal;
        return [...svg.querySelectorAll('text.label')].map(t => {
          const b = t.getBBox();
          return {text: [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' '),
                  x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height,
                  width: view.width, height: view.height, column: 250};
        });
    }"""
    )
    groups = page.locator("#groups tbody tr td:first-child").all_inner_texts()
    assert [b["text"] for b in boxes] == groups and any(len(g) > 40 for g in groups)
    for box in boxes:
        assert box["x"] >= 0 and box["y"] >= 0 and box["bottom"] <= box["height"], box
        assert box["right"] <= box["column"] <= box["width"], box
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "gap.png"), full_page=True)

    # the plan for what remains
    page.get_by_role("link", name="Plan courses for what remains").click()
    page.wait_for_selector("#steps")
    assert page.get_by_role("heading", level=1).inner_text() == "Your pathway to policy officer"
    held = page.locator("#held label").all_inner_texts()
    assert sorted(held) == sorted(_held_names())
    titles = page.locator("#steps > li h3").all_inner_texts()
    covers = page.locator("#steps > li p:not(.facts)").all_inner_texts()
    assert len(titles) >= 2 and all(c.startswith("Covers: ") and len(c) > len("Covers: ") for c in covers)
    assert "present reports" not in " ".join(covers)  # held: not planned for
    facts = page.locator("#steps > li .facts").all_inner_texts()
    levels = [int(f.split("EQF level ")[1].split(" ")[0]) for f in facts]
    assert levels == sorted(levels)
    assert "ECTS" in page.locator("#totals").inner_text()
    page.screenshot(path=str(ARTEFACTS / "plan.png"), full_page=True)

    # printed, the form and the site's chrome are left out
    page.emulate_media(media="print")
    assert page.locator("#plan-form").is_hidden() and page.locator("header.site").is_hidden()
    assert page.locator("#steps").is_visible()
    assert page.errors == []


def _held_names() -> list[str]:
    return ["develop digital content", "establish collaborative relations", "policy analysis", "present reports"]


def test_the_plan_page_takes_an_occupation_picked_from_the_suggestions(server: str, page) -> None:
    page.goto(f"{server}/plan")
    field = page.get_by_label("Occupation", exact=True)
    field.press_sequentially("energy man", delay=20)
    page.get_by_role("option", name="energy manager", exact=True).click()
    assert field.input_value() == "energy manager"
    page.get_by_label("Add a skill you have").press_sequentially("energy mark", delay=20)
    page.get_by_role("option", name="energy market", exact=True).click()
    assert page.locator("#held .chip input:checked").count() == 1
    page.get_by_label("Budget (ECTS credits)").fill("10")
    page.get_by_role("button", name="Plan", exact=True).click()
    page.wait_for_selector("#steps")
    assert "occupation=a005f8a2-2d8a-433e-8d89-13575f822fd4" in page.url and "max_ects=10" in page.url
    assert page.url.count("have=") == 1
    assert page.locator("#steps > li").count() >= 1
    assert page.errors == []
