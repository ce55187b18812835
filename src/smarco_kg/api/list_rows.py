"""A collection page's rows, drawn once per write generation.

A row says one member in words: its title and its columns (a course's provider, level, credits, languages, mode),
read from its summary and the labels of what that links to, then drawn as a table row in the language of the
page's chrome. Reading the summary into a graph, saying each value and drawing the row was most of a list page's
work (about 6 of its 10 ms of CPU at 10,000 courses), and the same member shows on many pages: its row is kept
per (collection, member, data language, chrome language) for the write generation it was read at, like the items
of ``/api`` pages (``catalogue.page_items``). A write moves the generation on, so a row is never shown after a
write that changed it. A row is drawn from its member's own summary alone, so it is the same on every page that
lists the member."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from rdflib import URIRef

from smarco_kg.api.templating import templates
from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.read import Kept, Page, all_with_labels, graph_of, roles_of
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.store import GraphStore
from smarco_kg.web.i18n import gettext
from smarco_kg.web.lists import EXTRA_COLUMNS, rows

MAX_ROWS = 30_000
"""Rows kept: about 1 kB each drawn (a course's, in one pair of languages)."""

RowKey = tuple[str, URIRef, str, str]  # (collection, member, language of the data, language of the chrome)


@dataclass(frozen=True)
class ListRows:
    """The rows kept for the current write generation, and what a missing one is read from."""

    kept: GenerationCache[RowKey, Markup]

    @classmethod
    def empty(cls, limit: int = MAX_ROWS) -> ListRows:
        return cls(GenerationCache("list-rows", kept=limit))

    def drawn(
        self,
        store: GraphStore,
        catalogue: Catalogue,
        entry: ClassEntry,
        page: Page,
        lang: str,
        chrome: str,
        columns: Sequence[str],
        kept: Kept,
    ) -> list[Markup]:
        """The rows of ``page``'s members in order, in ``lang`` (their values) and ``chrome`` (the page's words,
        which the caller has made current: ``i18n.use``); those not kept are read and drawn, then kept for
        ``kept.generation``, the generation ``page`` was read at."""
        keys = [(entry.collection, member, lang, chrome) for member in page.members]

        def draw(missing: list[RowKey]) -> dict[RowKey, Markup]:
            members = [key[1] for key in missing]
            extra = roles_of(store, members) if entry.collection in EXTRA_COLUMNS else None
            macro = templates.env.get_template("_rows.html").module.member_row  # type: ignore[attr-defined]
            labels = [gettext(name) for name in columns]  # each cell's column, said once for the page's rows
            own = all_with_labels(store, [graph_of(page.items.get(member, ())) for member in members], kept)
            drawn: dict[RowKey, Markup] = {}
            for key, member, graph in zip(missing, members, own, strict=True):
                titles = {member: list(page.titles.get(member, ()))}
                mine = {member: extra.get(member, [])} if extra is not None else None
                (row,) = rows(graph, [member], entry, catalogue, lang, titles, mine)
                drawn[key] = Markup(macro(row, labels))
            return drawn

        found = self.kept.get_many(kept.generation, keys, draw)
        return [found[key] for key in keys]
