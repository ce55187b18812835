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
