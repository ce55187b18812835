"""A page's items written once per write generation (``catalogue.page_items``): on the demo store, every
collection's pages come out byte for byte as the whole page's writer writes them, and a page whose items describe
or link to each other's nodes is left to that writer."""

from __future__ import annotations

import json

import pytest
from rdflib import RDF, RDFS, BNode, Literal, URIRef

from smarco_kg.catalogue.jsonld import compact
from smarco_kg.catalogue.members import MemberIndex
from smarco_kg.catalogue.page_items import PageItems, independent, item_of, page_json
from smarco_kg.catalogue.read import Listing
from smarco_kg.catalogue.summaries import MemberSummaries, Triple
from smarco_kg.catalogue.vocabulary import HYDRA, Vocabulary
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.namespaces import ELM

HERE = URIRef("http://127.0.0.1/api/things?offset=0")
CONTEXT = "http://127.0.0.1/api/context.jsonld"
AROUND: list[Triple] = [
    (HERE, URIRef(HYDRA + "first"), URIRef("http://127.0.0.1/api/things")),
    (HERE, URIRef(HYDRA + "totalItems"), Literal(2)),
]
C = [URIRef(f"https://w3id.org/smarco/course/c{i}") for i in range(2)]


def whole(members: dict[URIRef, list[Triple]], vocabulary: Vocabulary) -> bytes:
    """The page as the whole page's writer writes it (what ``GET /api/{collection}`` answered before)."""
    triples = [t for own in members.values() for t in own]
    triples += [(HERE, URIRef(HYDRA + "member"), member) for member in members] + AROUND
    document = compact(list(dict.fromkeys(triples)), HERE, vocabulary, CONTEXT)
    document.setdefault("items", [])
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def test_every_collections_pages_are_written_as_the_whole_page_writer_writes_them(demo_kg: KnowledgeGraph) -> None:
    listing = Listing(demo_kg.store, MemberIndex(), MemberSummaries(), demo_kg.settings.base_iri)
    vocabulary, items = demo_kg.catalogue.vocabulary, PageItems()
    pages = 0
    for entry in demo_kg.catalogue:
        for lang in ("en", "it", "en"):  # the second English round is written from the kept items
            total = listing.page(entry, {}, 1, 0, lang, 0).total
            for offset in sorted({0, total // 3, max(total - 5, 0)}):
                page = listing.page(entry, {}, 20, offset, lang, 0)
                kept = items.of(entry.collection, page.items, vocabulary, page.shown, 0)
                assert kept is not None, (entry.collection, offset)
                expected = whole(page.items, vocabulary)
                assert page_json(compact(AROUND, HERE, vocabulary, CONTEXT), kept) == expected
                pages += 1
    assert pages > 30
    written = len(items)
    page = listing.page(demo_kg.catalogue.entry("courses"), {}, 20, 0, "en", 0)
    assert items.of("courses", page.items, vocabulary, page.shown, 0) is not None and len(items) == written  # kept
    for lang in ("zu", "fy", "x-fuzzed"):  # no label in them: the English labels shown, the English items kept
        elsewhere = listing.page(demo_kg.catalogue.entry("courses"), {}, 20, 0, lang, 0)
        assert elsewhere.shown == page.shown
        assert items.of("courses", elsewhere.items, vocabulary, elsewhere.shown, 0) is not None
    assert len(items) == written
    assert items.of("courses", page.items, vocabulary, page.shown, 1) is not None
    assert len(items) == len(page.members)  # a newer generation: the older one's objects dropped, these written


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    from smarco_kg.catalogue import Catalogue
    from smarco_kg.config import Settings

    settings = Settings()
    return Catalogue(settings.base_iri, settings.shapes_dir).vocabulary


def course(i: int, *more: Triple) -> list[Triple]:
    return [(C[i], RDF.type, ELM.LearningOpportunity), (C[i], RDFS.label, Literal(f"Course {i}")), *more]


def test_a_page_whose_items_share_nothing_is_written_from_its_items(vocabulary: Vocabulary) -> None:
    spec = URIRef("https://w3id.org/smarco/course/c0/specification")
    members = {
        C[1]: course(1, (C[1], ELM.providedBy, URIRef("https://w3id.org/smarco/partner/p"))),
        C[0]: course(0, (C[0], ELM.learningAchievementSpecification, spec), (spec, ELM.EQFLevel, Literal("5"))),
    }
    kept = PageItems().of("courses", members, vocabulary, {}, 0)
    assert kept is not None and [json.loads(item.json)["id"] for item in kept] == [str(C[0]), str(C[1])]  # by title
    assert page_json(compact(AROUND, HERE, vocabulary, CONTEXT), kept) == whole(members, vocabulary)


@pytest.mark.parametrize(
    "shared",
    ["an IRI described alike", "an IRI described differently", "a blank node", "a link to the other item"],
)
def test_items_that_share_a_node_leave_the_page_to_the_whole_page_writer(vocabulary: Vocabulary, shared: str) -> None:
    """Written alone, such items would differ from the whole page but in the first case (two runs of one course):
    the check is simpler than that, and every such page is written whole."""
    node: URIRef | BNode = URIRef("https://w3id.org/smarco/course/shared/specification")
    if shared == "a blank node":
        node = BNode()
    link = ELM.learningAchievementSpecification
    first = course(0, (C[0], link, node), (node, ELM.EQFLevel, Literal("5")))
    if shared == "a link to the other item":
        second = course(1, (C[1], ELM.providedBy, C[0]))
    elif shared == "an IRI described differently":
        second = course(1, (C[1], link, node), (node, ELM.EQFLevel, Literal("6")))
    else:
        second = course(1, (C[1], link, node), (node, ELM.EQFLevel, Literal("5")))
    members = {C[0]: first, C[1]: second}
    alone = [item_of(member, triples, vocabulary) for member, triples in members.items()]
    assert not independent(alone)
    assert PageItems().of("courses", members, vocabulary, {}, 0) is None
    written = page_json(compact(AROUND, HERE, vocabulary, CONTEXT), alone)
    assert (written == whole(members, vocabulary)) is (shared == "an IRI described alike")
