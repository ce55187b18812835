"""Content negotiation as RFC 9110 describes it: q-values, specificity, the server's order for ties."""

from __future__ import annotations

import pytest

from smarco_kg.negotiation import NotAcceptable, accepts_html, negotiate

OFFERED = ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
        ("*/*", "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("application/sparql-results+xml;q=0.9, text/csv;q=0.5", "application/sparql-results+xml"),
        ("text/*;q=0.9, application/*;q=0.1", "text/csv"),
        ("application/*, application/sparql-results+json;q=0", "application/sparql-results+xml"),
        ("TEXT/CSV", "text/csv"),
    ],
)
def test_the_preferred_acceptable_type_is_chosen(accept: str | None, chosen: str) -> None:
    assert negotiate(accept, OFFERED) == chosen


def test_nothing_acceptable_lists_what_is_offered() -> None:
    with pytest.raises(NotAcceptable) as caught:
        negotiate("image/png", OFFERED)
    assert caught.value.offered == OFFERED


def test_browsers_are_recognised_by_their_html_preference() -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert accepts_html(browser)
    assert not accepts_html("application/sparql-results+json, text/html;q=0.1")
    assert not accepts_html(None)
