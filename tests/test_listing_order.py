"""The order collections list in: by title in the language asked (accents and case set aside), then by IRI."""

from __future__ import annotations

from rdflib import URIRef

from smarco_kg.catalogue.members import Members, sort_key, title_order


def test_titles_sort_without_regard_to_accents_or_case() -> None:
    rows = [("x:1", "Zebra", "en"), ("x:2", "Ávila", "es"), ("x:3", "avena", None)]
    assert title_order(rows, "en") == ("x:3", "x:2", "x:1")  # avena, Ávila, Zebra
    assert sort_key("Ávila") == "avila" and sort_key("ZONE") == "zone"


def test_the_title_in_the_language_asked_decides_then_english_then_any() -> None:
    rows = [
        ("x:a", "Mercados", "es"),
        ("x:a", "Markets", "en"),
        ("x:b", "Ciudad", "es"),
        ("x:b", "Urban", "en"),
        ("x:c", "Zoning", "en"),
        ("x:d", "Arbeit", "de"),
    ]
    assert title_order(rows, "es") == ("x:d", "x:b", "x:a", "x:c")  # Arbeit, Ciudad, Mercados, Zoning
    assert title_order(rows, "en") == ("x:d", "x:a", "x:b", "x:c")  # Arbeit, Markets, Urban, Zoning
    assert title_order(rows, "es-ES") == title_order(rows, "es")


def test_equal_titles_keep_a_stable_order_and_untitled_members_come_last() -> None:
    rows = [("x:2", "same", "en"), ("x:1", "same", "en"), ("x:0", None, None)]
    assert title_order(rows, "en") == ("x:1", "x:2", "x:0")


def test_matches_are_put_in_the_list_s_order() -> None:
    members = Members(0, ("x:c", "x:a", "x:b"))
    assert members.ordered(["x:b", "x:c", "x:z"]) == ["x:c", "x:b"]
    assert "x:a" in members and "x:z" not in members
    assert members.page(1, 5) == [URIRef("x:a"), URIRef("x:b")]
