"""What people read instead of codes: workloads, credits, levels, dates and lists in the page's language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smarco_kg.web import i18n, words


@pytest.fixture
def spanish() -> Iterator[None]:
    i18n.use("es")
    yield
    i18n.use("en")


def test_a_workload_reads_in_hours() -> None:
    assert words.hours("P2DT2H") == "50 hours"
    assert words.hours("PT75H") == "75 hours"
    assert words.hours("PT1H") == "1 hour"
    assert words.hours("PT90M") == "1.5 hours"
    assert words.hours("not a duration") == "not a duration"
    assert words.duration_hours("P") is None


def test_words_follow_the_page_language(spanish: None) -> None:
    assert words.hours("P2DT2H") == "50 horas"
    assert words.eqf_level(4) == "Nivel EQF 4"
    assert words.number(1500) == "1500" or words.number(1500) == "1.500"
    assert words.day("2026-12-04") == "4 de diciembre de 2026"
    assert words.listing(["inglés", "español"]) == "inglés y español"


def test_credits_name_their_system() -> None:
    assert words.credits("3") == "3\u00a0ECTS"
    assert words.credits(2.5) == "2.5\u00a0ECTS"


def test_a_number_said_in_one_language_is_said_anew_in_another() -> None:
    """Numbers are kept per locale once said: the same value in English, then Greek, then English again."""
    said = []
    for language in ("en", "el", "en", "el"):
        i18n.use(language)
        said.append((words.number(12500), words.number(2.5)))
    i18n.use("en")
    assert said[0] == said[2] == ("12,500", "2.5")
    assert said[1] == said[3] == ("12.500", "2,5")
