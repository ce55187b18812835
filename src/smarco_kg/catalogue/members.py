"""Each collection's members in title order (then IRI), kept in memory between writes.

A page of a collection needs a stable order, and Oxigraph sorts a whole collection for every ``ORDER BY`` (about
30 µs a member): 0.3 s a page at 10,000 courses. Sorting the members once in Python and slicing the sorted list
costs that once per write instead. People read a list by its titles, so the order is by the label in the language
asked (accents and case set aside), then by IRI. Filters are matched by a query without ``ORDER BY`` that starts
from the filter's value, and the matches are put in order by the list. The lists are keyed by the service's write
generation, so a write (through any route of this server) makes the next listing read the store again.

One list is kept per collection and *order*, not per language asked: a language no title is written in orders the
titles as every other such language does (English, then untagged, then the rest), so ``?lang=zu`` and ``?lang=fy``
share one list. Kept per language tag, a client naming tag after tag grew the server by about 10 MB a tag on the
demo's 14,000 skills (each list its own copy of every IRI, its positions and the heap the read left behind).
"""

from __future__ import annotations

import json
import sys
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import Literal, URIRef

from smarco_kg.catalogue.classes import ClassEntry
from smarco_kg.formats import result_format
from smarco_kg.store import GraphStore


@dataclass(frozen=True)
class Members:
    """The members of one collection in title order, then IRI order, as of one write generation."""

    generation: int
    iris: tuple[str, ...]
    positions: dict[str, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if not self.positions:
            self.positions.update((iri, n) for n, iri in enumerate(self.iris))

    def __len__(self) -> int:
        return len(self.iris)

    def __contains__(self, iri: object) -> bool:
        return str(iri) in self.positions

    def page(self, offset: int, limit: int) -> list[URIRef]:
        return [URIRef(iri) for iri in self.iris[offset : offset + limit]]

    def ordered(self, matches: Iterable[object]) -> list[str]:
        """The matches that are members, in the collection's order."""
        positions = self.positions
        return sorted({str(m) for m in matches if str(m) in positions}, key=positions.__getitem__)


def membership(entry: ClassEntry, base_iri: str, subject: str = "?s") -> str:
    """SPARQL for 'subject is a member': typed with one of the classes, with an IRI in the collection's namespace."""
    classes = " ".join(f"<{c}>" for c in entry.classes)
    namespace = Literal(entry.namespace(base_iri)).n3()
    return (
        f"VALUES ?member_class {{ {classes} }} {subject} a ?member_class . "
        f"FILTER(STRSTARTS(STR({subject}), {namespace}))"
    )


def sort_key(text: str) -> str:
    """A title as lists compare it: accents and case set aside (Ávila sorts with avila)."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _rank(tag: str, lang: str) -> int:
    """How well a title's language fits ``lang``: the language itself, its primary, English, none, any other."""
    tag = tag.lower()
    primary = tag.split("-")[0]
    if tag == lang:
        return 0
    if tag and primary == lang.split("-")[0]:
        return 1
    return {"en": 2, "": 3}.get(primary, 4)


Title = tuple[str, str | None, str | None]  # a member IRI, one of its titles (None: it has none) and its language


def order_of(tags: Iterable[str], lang: str) -> tuple[int, ...]:
    """What decides the title order ``lang`` gives a collection whose titles carry ``tags`` (sorted, lower case,
    "" for none): how well each tag fits ``lang``. Two languages that give the same ranks give the same order."""
    lang = lang.lower()
    return tuple(_rank(tag, lang) for tag in tags)


def title_order(rows: Iterable[Title], lang: str) -> tuple[str, ...]:
    """Members (a row per title) ordered by the title ``lang`` picks (as ``catalogue.read.pick_label`` does), then
    IRI; a member without a title sorts after those with one."""
    lang = lang.lower()
    best: dict[str, tuple[int, str, str]] = {}
    for iri, text, tag in rows:
        if text is None:
            best.setdefault(iri, (9, "", ""))
            continue
        candidate = (_rank(tag or "", lang), tag or "", text)
        known = best.get(iri)
        if known is None or candidate < known:
            best[iri] = candidate
    return tuple(sorted(best, key=lambda iri: (best[iri][0] == 9, sort_key(best[iri][2]), best[iri][2], iri)))


def _titles(body: bytes, namespace: str) -> Iterator[Title]:
    """The rows of SPARQL JSON results binding ``?s`` and ``?label``: a member IRI in ``namespace`` with a title.
    Read from JSON rather than as rdflib terms: making 20,000 rdflib literals took most of the time at 10,000
    courses. IRIs are interned, so that the lists of one collection in different orders share them."""
    for binding in json.loads(body)["results"]["bindings"]:
        member = binding["s"]
        if member["type"] != "uri" or not member["value"].startswith(namespace):
            continue
        label = binding.get("label")
        if label is not None and label["type"] in ("literal", "typed-literal"):
            yield sys.intern(member["value"]), label["value"], label.get("xml:lang")
        else:
            yield sys.intern(member["value"]), None, None


def title_tags(rows: Iterable[Title]) -> tuple[str, ...]:
    """The language tags the titles carry, sorted, in lower case ("" for a title without one)."""
    return tuple(sorted({(tag or "").lower() for _, text, tag in rows if text is not None}))


MAX_LISTS = 64  # lists kept (per collection and order): a bound whatever the data's languages


class MemberIndex:
    """The ordered member lists of every collection and order, rebuilt on the first listing after a write."""

    def __init__(self) -> None:
        self._lists: dict[tuple[str, tuple[int, ...]], Members] = {}
        self._tags: dict[str, tuple[int, tuple[str, ...]]] = {}  # per collection: (generation, its titles' tags)
        self._lock = threading.Lock()

    def members(
        self, store: GraphStore, entry: ClassEntry, base_iri: str, generation: int, lang: str = "en"
    ) -> Members:
        """The collection's members as of ``generation``, by title in ``lang`` (read before the store is queried,
        so a write that lands while the list is being read leaves it keyed to the older generation and read again
        next time)."""
        tags = self._tags.get(entry.collection)
        if tags is not None and tags[0] == generation:
            known = self._lists.get((entry.collection, order_of(tags[1], lang)))
            if known is not None and known.generation == generation:
                return known
        # The namespace is checked here rather than by FILTER(STRSTARTS(…)) in the query: beside the OPTIONAL it
        # costs pyoxigraph about half as much again (0.4 s rather than 0.28 s at 10,000 courses, on a loaded machine).
        classes = " ".join(f"<{c}>" for c in entry.classes)
        query = (
            f"SELECT ?s ?label WHERE {{ VALUES ?member_class {{ {classes} }} ?s a ?member_class . "
            f"OPTIONAL {{ ?s <{entry.label}> ?label }} }}"
        )
        body = store.query(query, union_default_graph=True).serialize(result_format("json"))
        labelled = list(_titles(body, entry.namespace(base_iri)))
        present = title_tags(labelled)
        fresh = Members(generation, title_order(labelled, lang))
        key = (entry.collection, order_of(present, lang))
        with self._lock:
            newest = self._tags.get(entry.collection)
            if newest is None or newest[0] <= generation:
                self._tags[entry.collection] = (generation, present)
            current = self._lists.get(key)
            if current is None or current.generation <= generation:
                for older in [k for k, v in self._lists.items() if k[0] == key[0] and v.generation < generation]:
                    del self._lists[older]  # never served again, whatever order they were kept for
                self._lists.pop(key, None)
                self._lists[key] = fresh  # newest last
                while len(self._lists) > MAX_LISTS:
                    del self._lists[next(iter(self._lists))]
        return fresh

    def __len__(self) -> int:
        """How many lists are kept."""
        return len(self._lists)
