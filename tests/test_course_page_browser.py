"""A course page as a learner in Spain meets it, in headless Chromium (Debian's ``chromium``, embedded store only):
the title, the workload in words and the skills in Spanish, a skill's page one click away, the data view one click
away; and a screenshot of each kind of page for people in ``tests/artefacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.store.embedded import EmbeddedStore
from tests.backends import Template
from tests.server import running_server

ARTEFACTS = Path(__file__).parent / "artefacts"
COURSE = "/course/smart-city-markets-for-technology-companies"
SKILL = "a4bbd0d9-a6be-4472-b05d-291e60cf6b4b"  # develop business case, taught by that course
PAGES = {
    "course": COURSE + "?lang=es",
    "credential": "/credential/iot-for-smart-cities",
    "pathway": "/pathway/smart-city-systems-engineer",
    "practice": "/practice/sme-friendly-lots-in-smart-city-tenders",
    "organisation": "/organisation/cefriel",
    "skill": f"/skills/{SKILL}",
    "occupation": "/occupations/3b129d8d-268e-465a-b0c5-bf32cae59a41",
    "courses": "/courses",
    "data-view": COURSE + "?view=data",
    "error": "/course/no-such-course?lang=el",
}


@pytest.fixture(scope="module")
def server(_demo_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    template = Template(_demo_store, "embedded", None)
    with (
        template.provision(tmp_path_factory.mktemp("course-page") / "store") as settings,
        running_server(settings) as url,
    ):
        yield url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="es-ES")
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


def test_a_learner_reads_a_course_in_spanish_follows_a_skill_and_opens_the_data_view(server: str, page) -> None:
    page.goto(server + COURSE + "?lang=es")
    assert page.locator("h1").inner_text() == "Mercados de ciudad inteligente para empresas tecnológicas"
    facts = page.locator("#facts")
    assert facts.get_by_text("50 horas").is_visible()
    assert facts.get_by_text("Nivel EQF 5").is_visible()
    assert facts.get_by_text("español").is_visible()
    learn = page.get_by_role("region", name="Lo que aprenderás")
    skills = learn.get_by_role("link")
    assert "develop business case" in skills.all_inner_texts()
    skills.filter(has_text="develop business case").click()
    page.wait_for_url(f"**/skills/{SKILL}")
    assert page.locator("h1").inner_text() == "develop business case"
    assert page.locator("html").get_attribute("lang") == "es"  # the visitor's language follows the link
    assert page.get_by_role("region", name="Cursos que la enseñan").get_by_role("link").count() >= 1
    page.go_back()
    page.get_by_role("link", name="Vista de datos: todas las propiedades de este registro").click()
    page.wait_for_url("**view=data*")
    assert page.get_by_text("elm:volumeOfLearning").is_visible()
    page.get_by_role("link", name="Volver a la página").click()
    page.wait_for_url("**view=page*")
    assert page.locator("#facts").get_by_text("50 horas").is_visible()


def test_the_language_switch_redraws_the_course_in_italian(server: str, page) -> None:
    page.goto(server + "/course/urban-data-platforms")
    page.get_by_role("navigation", name="Idioma").get_by_role("link", name="Italiano").click()  # a Spanish browser
    page.wait_for_url("**lang=it*")
    assert page.locator("h1").inner_text() == "Piattaforme di dati urbani"
    assert page.get_by_role("heading", name="Cosa imparerai").is_visible()


def test_on_a_phone_the_course_list_keeps_its_columns_readable(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(server + "/courses?lang=es")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the list scrolls sideways on a phone ({width}px)"
        first = phone.locator("#members-table tbody td").first
        label = first.evaluate("cell => getComputedStyle(cell, '::before').content")
        assert "Proveedor" in label
        ARTEFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTEFACTS / "courses-phone.png"), full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize("kind", sorted(PAGES))
def test_a_screenshot_of_each_kind_of_page(server: str, page, kind: str) -> None:
    response = page.goto(server + PAGES[kind])
    assert response is not None and response.status == (404 if kind == "error" else 200)
    assert page.locator("h1").count() == 1
    ARTEFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{kind}.png"), full_page=True)
    assert (ARTEFACTS / f"{kind}.png").stat().st_size > 10_000
