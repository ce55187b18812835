"""The web editor as a provider at CEFRIEL meets it, in headless Chromium (Debian's ``chromium`` through
Playwright, embedded demo store): sign in with the token, create a course with a mistake and read the message next
to its field, fix it, accept two suggested ESCO skills and one from the type-ahead, save, find the course on its
public page; sign out; a wrong token; a form without its CSRF token; a revoked token; a course edited in two tabs;
the form on a phone; and the spreadsheet upload's report (skipped until the import is installed)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.api.publish import import_available
from tests.accessibility import serious, violations
from tests.backends import Template
from tests.server import LiveServer, live_server

PARTNER = "cefriel"
OUTCOME = "Develop a business case and manage the budgets of a smart lighting project"
BUSINESS_CASE = "http://data.europa.eu/esco/skill/a4bbd0d9-a6be-4472-b05d-291e60cf6b4b"


@pytest.fixture(scope="module")
def api(_demo_template: Template, backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if backend != "embedded":
        pytest.skip("the browser tests check what people see, on the embedded store; the HTTP tests check both")
    with live_server(_demo_template, tmp_path_factory.mktemp("publish-browser"), partner=PARTNER) as server:
        yield server


@pytest.fixture
def context(browser):
    opened = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    yield opened
    opened.close()


@pytest.fixture
def page(context):
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    opened.errors = errors
    return opened


def sign_in(page, api: LiveServer, token: str | None = None) -> None:
    page.goto(api.url + "/publish")
    page.get_by_label("Publishing token").fill(token or api.partner)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def fill_course(page, title: str, *, eqf: bool = True) -> None:
    page.get_by_label(re.compile(r"^Title( \(needed\))?$")).fill(title)
    page.get_by_label("Description").fill("Planning, procuring and running networked street lighting.")
    page.get_by_role("group", name="SMARCO aims it serves").get_by_label("resilient and sustainable").check()
    page.get_by_label("Main language of instruction").select_option(label="English")
    if eqf:
        page.get_by_label("EQF level").select_option(label="Level 5")
    page.get_by_label("Languages of instruction").select_option(label="English")
    page.get_by_label("Workload in hours").fill("40")


def test_a_provider_creates_a_course_fixes_a_mistake_accepts_suggested_skills_and_finds_it_public(
    api: LiveServer, page, artefacts: Path
) -> None:
    sign_in(page, api)
    assert page.get_by_role("heading", name="Your courses").is_visible()
    assert page.locator("#publish-courses").get_by_role("link", name="Urban data platforms", exact=True).is_visible()
    page.get_by_role("navigation", name="Publishing").get_by_role("link", name="New course").click()
    fill_course(page, "Smart street lighting", eqf=False)  # the EQF level forgotten
    page.get_by_label("What the learner can do afterwards").fill(OUTCOME)
    page.get_by_role("button", name="Save the course").last.click()
    page.wait_for_load_state()
    # the shapes' message, next to the field it concerns, and the field marked invalid and described by it
    level = page.get_by_label("EQF level")
    assert level.get_attribute("aria-invalid") == "true"
    described = level.get_attribute("aria-describedby") or ""
    message = page.locator(f"#{described.split()[-1]}")
    assert message.is_visible() and "EQF level" in message.inner_text()
    assert page.locator("#publish-problems").is_visible()
    page.screenshot(path=str(artefacts / "publish-violation.png"), full_page=True)
    # what was typed is kept; the outcome's text brought suggestions: accept two
    assert page.get_by_label(re.compile(r"^Title( \(needed\))?$")).input_value() == "Smart street lighting"
    suggested = page.locator("#o0-suggested")
    assert suggested.is_visible()
    suggested.get_by_label("develop business case").check()
    suggested.get_by_label("manage budgets").check()
    # and one more from the type-ahead
    typed = page.get_by_label("Add a skill by its name")
    typed.press_sequentially("urban plann", delay=30)
    page.get_by_role("option", name="urban planning", exact=True).click()
    assert page.locator("#o0-chosen").get_by_label("urban planning", exact=True).is_checked()
    level.select_option(label="Level 5")
    page.get_by_role("button", name="Save the course").last.click()
    page.wait_for_url("**saved=1")
    assert page.locator("#publish-saved").is_visible()
    chosen = page.locator("#o0-chosen input:checked")
    assert chosen.count() == 3
    page.screenshot(path=str(artefacts / "publish-saved.png"), full_page=True)
    page.get_by_role("link", name="see its public page").click()
    page.wait_for_url("**/course/smart-street-lighting-*")
    assert page.locator("h1").inner_text() == "Smart street lighting"
    taught = page.get_by_role("region", name="What you will learn").get_by_role("link").all_inner_texts()
    assert {"develop business case", "manage budgets", "urban planning"} <= set(taught)
    assert page.errors == []


def test_signing_out_ends_the_session(api: LiveServer, page) -> None:
    sign_in(page, api)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_label("Publishing token").is_visible()
    page.goto(api.url + "/publish/courses/new")
    assert page.get_by_label("Publishing token").is_visible()  # back to signing in


def test_a_wrong_token_is_explained_at_its_field(api: LiveServer, page, artefacts: Path) -> None:
    sign_in(page, api, "smarco_this-is-not-a-token")
    field = page.get_by_label("Publishing token")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").inner_text().startswith("This token is unknown or was revoked")
    page.screenshot(path=str(artefacts / "publish-wrong-token.png"))


def test_a_form_without_its_csrf_token_is_refused(api: LiveServer, page) -> None:
    sign_in(page, api)
    page.goto(api.url + "/publish/courses/new")
    fill_course(page, "No CSRF here")
    page.evaluate("document.querySelector('form.course-form input[name=csrf]').remove()")
    with page.expect_response("**/publish/courses/new") as answer:
        page.get_by_role("button", name="Save the course").last.click()
    assert answer.value.status == 403
    assert page.get_by_role("heading", name="The form cannot be used").is_visible()


def test_revoking_the_token_ends_the_session(api: LiveServer, page) -> None:
    secret, record = api.tokens.create(partner=PARTNER, label="browser test")
    sign_in(page, api, secret)
    assert page.get_by_role("heading", name="Your courses").is_visible()
    api.tokens.revoke(record.id)
    page.reload()
    assert page.get_by_label("Publishing token").is_visible()


def test_a_course_saved_in_two_tabs_explains_the_conflict(api: LiveServer, context, page, artefacts: Path) -> None:
    sign_in(page, api)
    page.goto(api.url + "/publish/courses/urban-data-platforms")
    other = context.new_page()
    other.goto(api.url + "/publish/courses/urban-data-platforms")
    page.get_by_label("Description").fill("Changed in the first tab.")
    page.get_by_role("button", name="Save the course").last.click()
    page.wait_for_url("**saved=1")
    other.get_by_label("Description").fill("Changed in the second tab.")
    other.get_by_role("button", name="Save the course").last.click()
    other.wait_for_load_state()
    conflict = other.locator("#publish-conflict")
    assert conflict.get_by_role("heading", name="Someone else changed this course").is_visible()
    assert "nothing is lost" in conflict.inner_text()
    assert other.get_by_label("Description").input_value() == "Changed in the second tab."  # kept, not saved
    other.screenshot(path=str(artefacts / "publish-conflict.png"), full_page=True)
    with other.expect_popup() as opened:
        conflict.get_by_role("link", name="Open the current version").click()
    assert opened.value.get_by_label("Description").input_value() == "Changed in the first tab."


def test_the_form_is_readable_on_a_phone(api: LiveServer, browser, artefacts: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        sign_in(phone, api)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the course list scrolls sideways on a phone ({width}px)"
        phone.goto(api.url + "/publish/courses/new")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the form scrolls sideways on a phone ({width}px)"
        phone.screenshot(path=str(artefacts / "publish-form-phone.png"), full_page=True)
    finally:
        context.close()


def test_the_form_speaks_the_providers_language(api: LiveServer, page) -> None:
    sign_in(page, api)
    page.goto(api.url + "/publish/courses/new?lang=es")
    assert page.get_by_role("heading", name="Nuevo curso").is_visible()
    assert page.get_by_label("Nivel EQF").is_visible()
    assert page.get_by_label("Lengua principal de enseñanza").locator("option", has_text="español").count() == 1


def sheet_row(header: list[str], title: str, **cells: str) -> str:
    """One course row of the template's CSV, in plain values (labels from its drop-downs, numbers, words)."""
    row = {
        "title@en": title,
        "description@en": f"What {title} teaches.",
        "providedBy": "Cefriel",
        "defaultLanguage": "English",
        "aim": "resilient and sustainable smart communities",
        "eqfLevel": "Level 5",
        "language": "English",
        "mode": "Online",
        "volumeOfLearning": "40 hours",
        **cells,
    }
    return ";".join(row.get(column, "") for column in header)


@pytest.mark.skipif(not import_available(), reason="the spreadsheet import (catalogue.course_import) is not installed")
def test_a_sheet_with_three_bad_rows_is_reported_then_fixed_and_published(
    api: LiveServer, page, artefacts: Path, tmp_path: Path, axe: str
) -> None:
    template = api.client.get(f"{api.url}/api/courses/template.csv")
    assert template.status_code == 200
    lines = template.content.decode("utf-8-sig").splitlines()
    header = lines[0].split(";")
    outcome_header = next(line for line in lines if line.startswith("course;"))
    titles = [f"Sheet course {n}" for n in range(1, 5)]
    outcomes = [f"{t};;{BUSINESS_CASE};Develop the business case of {t.lower()}" for t in titles]

    def sheet(bad: bool) -> Path:
        rows = [
            sheet_row(header, t, **({"eqfLevel": "Level 42"} if bad and n > 0 else {})) for n, t in enumerate(titles)
        ]
        path = tmp_path / ("bad.csv" if bad else "fixed.csv")
        path.write_text("\r\n".join([";".join(header), *rows, "", outcome_header, *outcomes, ""]), "utf-8-sig")
        return path

    sign_in(page, api)
    page.get_by_role("navigation", name="Publishing").get_by_role("link", name="Upload a spreadsheet").click()
    page.get_by_label("Catalogue spreadsheet").set_input_files(str(sheet(bad=True)))
    page.get_by_role("button", name="Check the spreadsheet").click()
    report = page.get_by_role("table", name="What the check found, cell by cell")
    cells = report.locator("tbody tr")
    assert cells.count() >= 3
    found = [[cell.inner_text() for cell in row.locator("td").all()] for row in cells.all()]
    assert {(sheet, row, column, value) for sheet, row, column, value, _ in found} == {
        ("courses", str(n), "eqfLevel", "Level 42") for n in (3, 4, 5)
    }  # the three bad rows, each named by sheet, row, column and value
    assert all("EQF level" in says and "http" not in says for *_, says in found)
    assert page.get_by_role("button", name="Publish these courses").count() == 0
    page.screenshot(path=str(artefacts / "publish-upload-report.png"), full_page=True)
    assert serious(violations(page, axe)) == []  # the report is as readable as the rest
    page.get_by_label("Catalogue spreadsheet").set_input_files(str(sheet(bad=False)))
    page.get_by_role("button", name="Check the spreadsheet").click()
    assert page.locator("#upload-ready").is_visible()
    page.get_by_role("button", name="Publish these courses").click()
    assert page.locator("#upload-done").is_visible()
    page.get_by_role("link", name="See your courses").click()
    listed = page.locator("#publish-courses")
    for title in titles:
        assert listed.get_by_role("link", name=title, exact=True).is_visible()


def test_with_javascript_suggestions_follow_the_outcome_and_rows_are_added(api: LiveServer, page) -> None:
    sign_in(page, api)
    page.goto(api.url + "/publish/courses/new")
    suggested = page.locator("#o0-suggested")
    assert suggested.is_hidden()
    page.get_by_label("What the learner can do afterwards").fill("Analyse traffic data for urban planning")
    page.keyboard.press("Tab")  # leaving the text asks for suggestions, without sending the form
    suggested.get_by_label("urban planning", exact=True).wait_for()
    assert page.url.endswith("/publish/courses/new")
    page.get_by_role("button", name="Add an outcome").click()
    page.wait_for_load_state()
    assert page.locator("fieldset.outcome").count() == 2
    assert page.get_by_label("What the learner can do afterwards").first.input_value().startswith("Analyse traffic")
    assert page.errors == []


def test_suggestions_arriving_while_save_is_pressed_do_not_swallow_the_click(api: LiveServer, page) -> None:
    """Leaving the outcome's text for the Save button asks for suggestions; drawn between the press and the release,
    they would push the button from under the pointer and the course would silently not be sent."""
    sign_in(page, api)
    page.goto(api.url + "/publish/courses/new")
    page.get_by_label("What the learner can do afterwards").fill("Analyse traffic data for urban planning")
    save = page.locator("#publish-save")
    save.scroll_into_view_if_needed()
    box = save.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    with page.expect_response(lambda response: "/publish/suggestions" in response.url):
        page.mouse.down()  # the text loses its focus: suggestions are asked for
    page.wait_for_timeout(300)  # the answer is in: nothing may move while the button is held
    assert page.locator("#o0-suggested").is_hidden()
    assert save.bounding_box() == box
    page.mouse.up()
    page.locator(".field-errors").first.wait_for()  # the form was sent: the server's messages are beside the fields
    assert page.get_by_label("What the learner can do afterwards").input_value().startswith("Analyse traffic")
    assert page.errors == []
