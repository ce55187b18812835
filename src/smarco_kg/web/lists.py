"""What a collection page shows of each listed member: its title and the columns its class entry summarises
(a course's provider, level, credits, languages and mode), read from the listing's graph."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.read import Labelled
from smarco_kg.web.i18n import gettext
from smarco_kg.web.reading import NAMES, Reader, Text, words_key


def _(message: str) -> str:
    """Marks a message for the catalogues; it is translated (``gettext``) when a form is drawn."""
    return message


# What the filter form calls each filter a collection takes (a filter named nowhere here shows its own name).
FILTER_LABELS: dict[str, str] = {
    "q": _("Words in the title or description"),
    "skill": _("Skill"),
    "occupation": _("Occupation"),
    "eqf": _("EQF level"),
    "ects_min": _("At least this many ECTS credits"),
    "ects_max": _("At most this many ECTS credits"),
    "language": _("Language of instruction"),
    "mode": _("Mode"),
    "country": _("Country"),
    "provider": _("Provider"),
    "aim": _("SMARCO aim"),
    "target_group": _("Target group"),
    "type": _("Kind of credential"),
    "awarding_body": _("Awarding body"),
    "credential": _("Credential"),
    "partner": _("Partner"),
    "role": _("Role in SMARCO"),
    "stakeholder_type": _("Stakeholder type"),
    "organisation": _("Organisation"),
    "organiser": _("Organiser"),
    "year": _("Year"),
    "indicator": _("Indicator"),
    "events:type": _("Kind of event"),
    "scheme": _("Concept scheme"),
    "broader": _("Broader skill"),
}


# What a person may type in a filter's field (the API's descriptions, with their IRIs, are for machines).
FILTER_HINTS: dict[str, str] = {
    "q": _("Any words, in any language"),
    "skill": _("A skill's name, for example urban planning"),
    "occupation": _("An occupation's name, for example energy manager"),
    "broader": _("A skill's name, for example urban planning"),
    "eqf": _("A level from 1 to 8"),
    "language": _("A language's name or code, for example Spanish or es"),
    "country": _("A country's name or code, for example Spain or ES"),
    "mode": _("online, blended or presential"),
    "provider": _("An organisation's name"),
    "awarding_body": _("An organisation's name"),
    "partner": _("An organisation's name"),
    "role": _("coordinator, partner, associated partner or stakeholder"),
    "stakeholder_type": _("industry, public administration, education and training provider, cluster…"),
    "organisation": _("An organisation's name"),
    "organiser": _("An organisation's name"),
    "year": _("A year, for example 2026"),
    "indicator": _("people upskilled, people reskilled, training programmes created or updated…"),
    "events:type": _("training, webinar, workshop, study visit or mobility exchange"),
}

# Columns a collection's list shows besides those its entry summarises, read for the page by ``extra_cells``.
EXTRA_COLUMNS: dict[str, str] = {"partners": _("Role in SMARCO")}

# Links above a collection's list to the members of one kind (message, query): the roles of the organisations.
SHORTCUTS: dict[str, list[tuple[str, str]]] = {
    "partners": [
        (_("Coordinator"), "role=coordinator"),
        (_("Partners"), "role=partner"),
        (_("Associated partners"), "role=associatedPartner"),
        (_("Stakeholders"), "role=stakeholder"),
    ]
}


def filter_hint(name: str, collection: str = "") -> str | None:
    """What a person may type in a filter's field, in the page's language (None where its label says enough); a
    collection may say it its own way (``events:type``)."""
    key = f"{collection}:{name}" if f"{collection}:{name}" in FILTER_HINTS else name
    return gettext(FILTER_HINTS[key]) if key in FILTER_HINTS else None


def filter_label(name: str, collection: str = "") -> str:
    """A filter's label on the form, in the page's language; a collection may name it its own way."""
    key = f"{collection}:{name}" if f"{collection}:{name}" in FILTER_LABELS else name
    return gettext(FILTER_LABELS[key]) if key in FILTER_LABELS else name.replace("_", " ")


@dataclass
class Column:
    name: str
    paths: tuple[tuple[URIRef, ...], ...]  # each up to the step the column is named after


@dataclass
class Row:
    title: Text
    cells: list[list[Text]]


def columns(entry: ClassEntry) -> list[Column]:
    """A collection's columns besides the title: one per name of the first named step of its summary paths
    (``specification/creditPoint/point`` and ``…/framework`` are both the credits)."""
    found: dict[str, list[tuple[URIRef, ...]]] = {}
    for path in entry.summary:
        named = next((n for n, step in enumerate(path) if step in NAMES), None)
        if named is None:
            continue
        prefix = path[: named + 1]
        paths = found.setdefault(NAMES[path[named]], [])
        if prefix not in paths:
            paths.append(prefix)
    order = {name: n for n, name in enumerate(dict.fromkeys(NAMES.values()))}
    return [Column(name, tuple(paths)) for name, paths in sorted(found.items(), key=lambda i: order[i[0]])]


def column_names(entry: ClassEntry) -> list[str]:
    """The names of a collection's columns besides the title (messages: say each with ``gettext``)."""
    names = [column.name for column in columns(entry)]
    return names + ([EXTRA_COLUMNS[entry.collection]] if entry.collection in EXTRA_COLUMNS else [])


def _walk(graph: Graph, start: Node, path: tuple[URIRef, ...]) -> list[Node]:
    nodes = [start]
    for step in path:
        nodes = [o for n in nodes for o in graph.objects(n, step)]
    return nodes


def rows(
    graph: Graph,
    members: list[URIRef],
    entry: ClassEntry,
    catalogue: Catalogue,
    lang: str,
    titles: dict[URIRef, list[Literal]],
    extra: dict[URIRef, list[Labelled]] | None = None,
) -> list[Row]:
    """Each listed member's title (from ``titles``, in every language) and cells, read from the listing's graph (its
    summary and the labels of what it links to), then the cell of its ``EXTRA_COLUMNS`` from ``extra``; the cells
    are said in words when built, so build them in the page's language."""
    reader = Reader(graph, catalogue, lang)
    shown = columns(entry)
    table = []
    for member in members:
        cells = []
        for column in shown:
            said: list[Text] = []
            for path in column.paths:
                for value in _walk(graph, member, path):
                    said += reader.value(path[-1], value)
            unique = list({(t.text, t.href): t for t in said}.values())
            cells.append(sorted(unique, key=lambda t: words_key(t.text)))
        if extra is not None:  # an organisation outside the partnership says so, rather than leave a blank
            said = sorted((reader.labelled(item) for item in extra.get(member, [])), key=lambda t: t.text)
            cells.append(said or [Text(gettext("no role"))])
        title = reader.labelled(Labelled(member, titles.get(member, []), {}))
        table.append(Row(title, cells))
    return table
