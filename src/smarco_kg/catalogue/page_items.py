"""A page's items as compact JSON-LD, each member written once per write generation and label shown.

Writing a page of 20 courses as compact JSON-LD (``jsonld.Compactor``) was more than half of what a listing cost
the server once the summaries were kept (``summaries``): the same member is written again on every page that shows
it. A member's object depends only on its summary, the label the page shows for it and the vocabulary, so it is
kept beside the summaries, for the generation it was read at (``GenerationCache``: never served after a write),
and for that label rather than the language asked: every language that shows the same label shares the object
(kept per language, pages asked in ever new languages each wrote and kept every member again).

Written alone, a member's object is the one the whole page's writer gives it as long as no other item on the page
describes a node it describes or links to (the page's writer nests what any item says of a node into every
mention of it, and writes a blank node twice mentioned once, by id). ``PageItems.of`` checks that on each page and
returns None when it does not hold, and the page is written whole as before. About 2.5 kB a course are kept.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rdflib import RDFS, Literal, URIRef

from smarco_kg.catalogue.jsonld import Compactor, title_order
from smarco_kg.catalogue.summaries import MAX_MEMBERS, Triple
from smarco_kg.catalogue.vocabulary import Vocabulary
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.jsontext import json_bytes


@dataclass(frozen=True)
class Item:
    """One member's compact object as JSON, where it goes among a page's items, the nodes it describes (its own
    and the nested ones, by node key: see ``jsonld``) and those its triples link to without describing them."""

    json: bytes
    order: tuple
    described: frozenset[str]
    foreign: frozenset[str]


def item_of(member: URIRef, triples: Sequence[Triple], vocabulary: Vocabulary) -> Item:
    """``member``'s object as the page's writer would nest it, from its summary ``triples`` and its label triple.
    The keys of the nodes linked to are interned: the same code list concepts and partners, item after item."""
    writer = Compactor(triples, vocabulary)
    body = writer.node(member)
    described = frozenset(writer.index)
    label = next((o for s, p, o in triples if p == RDFS.label and s == member and isinstance(o, Literal)), None)
    foreign = frozenset(sys.intern(key) for key in writer.references if key not in described)
    return Item(json_bytes(body), title_order(label, member), described, foreign)


def independent(items: Sequence[Item]) -> bool:
    """Whether each item, written alone, is what the whole page's writer would write: no node is described by two
    items, nor linked to by an item that does not describe it while another does (the page's writer would nest
    into each mention what all items say of it, and write a blank node once). Pages of several runs of one
    course, sharing its specification, are written whole."""
    described: set[str] = set()
    for item in items:
        if not described.isdisjoint(item.described):
            return False
        described |= item.described
    return all(item.foreign.isdisjoint(described) for item in items)


def page_json(document: dict[str, Any], items: Sequence[Item]) -> bytes:
    """The JSON of a page: ``document``, written without its items (``jsonld.compact``), with ``items`` among its
    keys where the writer puts them (``@context``, ``id``, then the others by name), each item's JSON as kept.
    ``"items":[]`` is written as a placeholder and replaced: inside a JSON string its quotes would be escaped."""
    head = {key: document[key] for key in ("@context", "id") if key in document}
    rest = {key: value for key, value in document.items() if key not in head}
    rest["items"] = []
    written = json_bytes({**head, **dict(sorted(rest.items()))})
    return written.replace(b'"items":[]', b'"items":[' + b",".join(item.json for item in items) + b"]", 1)


class PageItems:
    """The members' compact objects written since the last write, by collection, member and label shown."""

    def __init__(self, limit: int = MAX_MEMBERS) -> None:
        self.kept: GenerationCache[tuple[str, URIRef, str], Item] = GenerationCache("page-items", kept=limit)

    def of(
        self,
        collection: str,
        members: dict[URIRef, list[Triple]],
        vocabulary: Vocabulary,
        shown: Mapping[URIRef, str],
        generation: int,
    ) -> list[Item] | None:
        """The items of ``members`` (each with its summary and the label the page shows for it, ``shown``, as of
        write ``generation``) in the order a page shows them, or None when the page must be written whole (see
        ``independent``)."""

        def write(keys: list[tuple[str, URIRef, str]]) -> dict[tuple[str, URIRef, str], Item]:
            return {key: item_of(key[1], members[key[1]], vocabulary) for key in keys}

        keys = [(collection, member, shown.get(member, "")) for member in members]
        kept = self.kept.get_many(generation, keys, write)
        items = list(kept.values())
        return sorted(items, key=lambda item: item.order) if independent(items) else None

    def __len__(self) -> int:
        return len(self.kept)
