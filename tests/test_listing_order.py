"""The order collections list in: by title in the language asked (accents and case set aside), then by IRI."""

from __future__ import annotations

from rdflib import URIRef

from smarco_kg.catalogue.members import MemberIndex, Members, order_of, sort_key, title_order, title_tags
from smarco_kg.kg import KnowledgeGraph


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


TAGGED = [
    ("x:a", "Zoning", "en"),
    ("x:a", "Zonage", "fr"),
    ("x:b", "Colour", "en-GB"),
    ("x:b", "Color", "en"),
    ("x:c", "Mobilidade", "pt"),
    ("x:c", "Mobilidade urbana", "pt-BR"),
    ("x:d", "Datos", "es"),
    ("x:e", "Untagged", None),
    ("x:f", None, None),
]
LANGUAGES = ("en", "en-GB", "en-US", "fr", "fr-BE", "pt", "pt-BR", "pt-PT", "es", "es-MX", "zu", "fy", "de", "el")


def test_languages_that_rank_the_titles_tags_alike_give_the_same_order() -> None:
    tags = title_tags(TAGGED)
    assert tags == ("", "en", "en-gb", "es", "fr", "pt", "pt-br")
    orders: dict[tuple[int, ...], tuple[str, ...]] = {}
    for lang in LANGUAGES:
        assert orders.setdefault(order_of(tags, lang), title_order(TAGGED, lang)) == title_order(TAGGED, lang), lang
    assert order_of(tags, "zu") == order_of(tags, "fy") == order_of(tags, "DE")  # no title in them: one order
    assert order_of(tags, "pt-PT") != order_of(tags, "pt-BR") != order_of(tags, "pt")
    assert len(orders) < len(LANGUAGES)


def test_a_collection_keeps_one_list_for_every_language_none_of_its_titles_is_in(demo_kg: KnowledgeGraph) -> None:
    """Kept per language tag, ``?lang=`` naming tag after tag grew the server by about 10 MB a tag."""
    index, entry, base = MemberIndex(), demo_kg.catalogue.entry("skills"), demo_kg.settings.base_iri
    english = index.members(demo_kg.store, entry, base, 0, "en")
    absent = [index.members(demo_kg.store, entry, base, 0, lang) for lang in ("zu", "fy", "x-klingon", "ab-CD", "yo")]
    assert len(index) == 2  # English, and one for the rest
    assert all(members is absent[0] for members in absent)
    assert absent[0].iris == english.iris  # the skills' titles are in English: the fallback finds the same titles
    assert len(english) > 100
    assert index.members(demo_kg.store, entry, base, 1, "zu").generation == 1  # a write: read again
    assert len(index) == 1  # and the older generation's lists dropped
