"""A collection page's rows drawn once per write generation (``api.list_rows``): on the demo store every
collection's rows are drawn as the whole page's graph draws them, in every pair of data and chrome languages; the
same member's row is the same on every page; and a write shows on the next list page, whether it changes the member
(its title, its level) or what its row links to (its provider's name)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial

import pytest
from markupsafe import Markup

from smarco_kg.api.list_rows import ListRows
from smarco_kg.api.templating import templates
from smarco_kg.catalogue.members import MemberIndex
from smarco_kg.catalogue.read import Kept, Listing, graph_of, roles_of, teaching, with_labels
from smarco_kg.catalogue.summaries import MemberSummaries
from smarco_kg.generation_cache import GenerationCache
from smarco_kg.kg import KnowledgeGraph
from smarco_kg.web import i18n
from smarco_kg.web.i18n import gettext
from smarco_kg.web.lists import EXTRA_COLUMNS, column_names, rows
from tests.backends import Template
from tests.server import LiveServer, describe, live_server

BASE = "https://w3id.org/smarco/"
BROWSER = {"Accept": "text/html"}


def kept_for(generation: int, kg: KnowledgeGraph) -> Kept:
    return Kept(
        generation, GenerationCache("linked-labels"), GenerationCache("skills-below"), partial(teaching, kg.store)
    )


def test_rows_are_drawn_as_from_the_whole_pages_graph(demo_kg: KnowledgeGraph) -> None:
    store, catalogue = demo_kg.store, demo_kg.catalogue
    listing = Listing(store, MemberIndex(), MemberSummaries(), demo_kg.settings.base_iri)
    macro = templates.env.get_template("_rows.html").module.member_row  # type: ignore[attr-defined]
    kept_rows, drawn_rows, said = ListRows.empty(), 0, dict[tuple[str, str], str]()
    for entry in catalogue:
        names = column_names(entry)
        for lang, chrome in (("en", "en"), ("it", "it"), ("it", "en"), ("en", "en")):  # the last: from the kept rows
            i18n.use(chrome)
            total = listing.page(entry, {}, 1, 0, lang, 0).total
            for offset in sorted({0, total // 2, max(total - 7, 0)}):
                page = listing.page(entry, {}, 20, offset, lang, 0)
                graph = with_labels(store, graph_of(page.triples))  # the whole page's graph
                extra = roles_of(store, page.members) if entry.collection in EXTRA_COLUMNS else None
                titles = {member: list(labels) for member, labels in page.titles.items()}
                expected = [
                    Markup(macro(row, [gettext(name) for name in names]))
                    for row in rows(graph, page.members, entry, catalogue, lang, titles, extra)
                ]
                drawn = kept_rows.drawn(store, catalogue, entry, page, lang, chrome, names, kept_for(0, demo_kg))
                assert drawn == expected, (entry.collection, lang, chrome, offset)
                drawn_rows += len(drawn)
                said[(entry.collection, chrome)] = said.get((entry.collection, chrome), "") + "".join(drawn)
    assert drawn_rows > 400
    assert "Livello EQF 6" in said[("courses", "it")] and "EQF level 6" in said[("courses", "en")]
    assert 'data-label="Ente erogatore"' in said[("courses", "it")], said[("courses", "it")][:500]


@pytest.fixture(scope="module")
def server(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("list-rows"), partner="cefriel") as running:
        yield running


def table_rows(server: LiveServer, query: str) -> list[str]:
    response = server.client.get(f"{server.url}/courses?{query}", headers=BROWSER)
    assert response.status_code == 200, describe(response)
    return re.findall(r"<tr><th scope=\"row\">.*?</tr>", response.text, re.S)


def row_of(found: list[str], title: str) -> str:
    (row,) = [r for r in found if f">{title}<" in r]
    return row


def test_a_members_row_is_the_same_on_every_page_that_lists_it(server: LiveServer) -> None:
    for lang in ("en", "it"):
        whole = table_rows(server, f"lang={lang}&limit=100")
        assert len(whole) > 20
        for offset in (1, 13, len(whole) - 5):
            assert table_rows(server, f"lang={lang}&limit=5&offset={offset}") == whole[offset : offset + 5]


def test_a_write_shows_on_the_next_list_page(server: LiveServer) -> None:
    course, spec, provider = (
        f"{BASE}course/urban-data-platforms",
        f"{BASE}course/urban-data-platforms/specification",
        f"{BASE}organisation/cefriel",
    )
    before = row_of(table_rows(server, "lang=en&limit=100"), "Urban data platforms")
    assert "EQF level 6" in before and ">Cefriel<" in before, before
    assert table_rows(server, "lang=en&limit=100") == table_rows(server, "lang=en&limit=100")  # drawn, then kept

    changed = server.update(
        f"""PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX elm: <http://data.europa.eu/snb/model/elm/>
        WITH <{BASE}graph/partner/cefriel>
        DELETE {{ <{course}> dct:title "Urban data platforms"@en . <{spec}> elm:EQFLevel ?level }}
        INSERT {{ <{course}> dct:title "Urban data platforms and twins"@en .
                  <{spec}> elm:EQFLevel <http://data.europa.eu/snb/eqf/7> }}
        WHERE {{ <{spec}> elm:EQFLevel ?level }}"""
    )
    assert changed.status_code in (200, 204), describe(changed)
    after = row_of(table_rows(server, "lang=en&limit=100"), "Urban data platforms and twins")
    assert "EQF level 7" in after and "EQF level 6" not in after, after
    assert not [r for r in table_rows(server, "lang=en&limit=100") if ">Urban data platforms<" in r]

    renamed = server.update(
        f"""PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        DELETE DATA {{ GRAPH <{BASE}graph/partner/cefriel> {{ <{provider}> skos:prefLabel "Cefriel"@en }} }} ;
        INSERT DATA {{ GRAPH <{BASE}graph/partner/cefriel> {{ <{provider}> skos:prefLabel "Cefriel (Milan)"@en }} }}"""
    )
    assert renamed.status_code in (200, 204), describe(renamed)
    row = row_of(table_rows(server, "lang=en&limit=100"), "Urban data platforms and twins")
    assert ">Cefriel (Milan)<" in row, row
