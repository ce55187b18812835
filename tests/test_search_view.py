"""The search page's words and links (``web.search_view``): its links are encoded as ``urlencode`` encodes them,
and the values chosen are those the facets mark, in their order."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from smarco_kg.web.search_view import Choice, Facet, chosen_choices, url


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("q", "urban data"), ("lang", "en")],
        [("q", "café & co/2+2=4"), ("eqf", "6"), ("eqf", "7"), ("provider", "https://w3id.org/smarco/organisation/x")],
        [("q", "Ελληνικά ~!*()'"), ("language", "el"), ("lang", "pt-PT")],
    ],
)
def test_a_link_is_encoded_as_urlencode_encodes_it(pairs: list[tuple[str, str]]) -> None:
    for _ in range(2):  # the second time from the pairs kept encoded
        assert url(pairs) == "/search?" + urlencode(pairs)
        assert url(pairs, offset=20) == "/search?" + urlencode([*pairs, ("offset", "20")])


def test_the_chosen_values_are_those_the_facets_mark_in_their_order() -> None:
    def choice(facet: str, value: str, chosen: bool) -> Choice:
        return Choice(facet, value, value.upper(), 3, chosen, f"/search?{facet}={value}")

    facets = [
        Facet("Level", "eqf", [choice("eqf", "5", False), choice("eqf", "6", True), choice("eqf", "7", True)]),
        Facet("Mode", "mode", [choice("mode", "online", False)]),
        Facet("Language", "language", [choice("language", "es", True)]),
    ]
    assert [(c.facet, c.value) for c in chosen_choices(facets)] == [("eqf", "6"), ("eqf", "7"), ("language", "es")]
    assert chosen_choices(facets[1:2]) == []
