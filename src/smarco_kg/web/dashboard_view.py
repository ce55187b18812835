"""The dashboard's page model in the page's language: for each section a chart (``dashboard.charts``) and the table
beside it (``dashboard.downloads.Table``, which the CSV and XLSX downloads write), and sentences a report can quote.

Raw figures come from ``dashboard.figures``; here they get their words: labels in the chosen language, numbers and
percentages formatted by Babel for the page's language, never a fraction."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from smarco_kg.catalogue.read import pick_label
from smarco_kg.dashboard.charts import Bar, chart
from smarco_kg.dashboard.downloads import Table
from smarco_kg.dashboard.figures import MEASURES, Figures
from smarco_kg.web.i18n import gettext as _
from smarco_kg.web.words import country, number, percent

COLLECTIONS = ("digital", "green")


def measure_names() -> dict[str, str]:
    """Each figure's name in the page's language (table headings, CSV and XLSX columns)."""
    return {
        "courses": _("Courses"),
        "microCredentials": _("Micro-credentials"),
        "certificates": _("Certificates"),
        "credentialsIssued": _("Credentials issued"),
        "learnersReached": _("Learners reached"),
        "digitalSkills": _("ESCO digital skills covered"),
        "greenSkills": _("ESCO green skills covered"),
        "events": _("Events"),
        "participants": _("Participants"),
        "practicesShared": _("Practices shared"),
        "practicesAdopted": _("Practices adopted"),
    }


@dataclass(frozen=True)
class Section:
    name: str  # the table's name in its download addresses
    heading: str
    note: str
    query: str  # the named query behind it
    chart_title: str
    chart: dict
    table: Table
    links: dict[int, str]  # row index -> the page the row's first cell links to
    ids: list[str]  # what each row is about (an IRI, a figure's name; "" for the whole partnership)


def _words(local: str) -> str:
    """A concept's local name as words, where the store has no label: ``peopleUpskilled`` → "people upskilled"."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", local).lower()


class Namer:
    def __init__(self, figures: Figures, lang: str) -> None:
        self.figures, self.lang = figures, lang

    def __call__(self, iri: str) -> str:
        if "/authority/country/" in iri:
            return country(iri)
        label = pick_label(self.figures.labels.get(iri, []), self.lang)
        if label is not None:
            return str(label)
        local = re.split(r"[#/]", iri.rstrip("/"))[-1]
        return _words(local) if "#" in iri else local


def coverage(figures: Figures, collection: str, covered: int) -> str:
    """ "12.4% of ESCO's digital skills (43 of 347)": a share a report can quote."""
    whole = figures.collections.get(collection, 0)
    values = {"percent": percent(covered, whole), "covered": number(covered), "total": number(whole)}
    if collection == "digital":
        return _("%(percent)s of ESCO's digital skills (%(covered)s of %(total)s)", **values)
    return _("%(percent)s of ESCO's green skills (%(covered)s of %(total)s)", **values)


def headlines(figures: Figures) -> list[tuple[str, str, str]]:
    """(figure, its value in words, the measure's name) for the summary at the top of the page."""
    names = measure_names()
    out = []
    for measure in MEASURES:
        value = figures.value(measure)
        if measure in ("digitalSkills", "greenSkills"):
            shown = coverage(figures, "digital" if measure == "digitalSkills" else "green", value)
        else:
            shown = number(value)
        out.append((measure, shown, names[measure]))
    return out


def _figure_section(
    figures: Figures, name: str, heading: str, first: str, members: list[str], namer: Callable[[str], str],
    query: str, chart_title: str, pages: Callable[[str], str | None], chart_measure: str = "courses",
) -> Section:  # fmt: skip
    names = measure_names()
    ordered = sorted(members, key=lambda m: namer(m).casefold())
    rows: list[list[str | int | float]] = [[namer(m), *(figures.value(x, name, m) for x in MEASURES)] for m in ordered]
    table = Table(name, heading, [first, *(names[x] for x in MEASURES)], rows, (False, *(True,) * len(MEASURES)))
    bars = [Bar(namer(m), figures.value(chart_measure, name, m), number(figures.value(chart_measure, name, m)))
            for m in ordered]  # fmt: skip
    links = {i: page for i, m in enumerate(ordered) if (page := pages(m))}
    return Section(name, heading, "", query, chart_title, chart(bars), table, links, ordered)


def sections(figures: Figures, lang: str, partner_page: Callable[[str], str | None]) -> list[Section]:
    """The partnership's dashboard: per aim, per partner, per country, skills, pledges, events, stakeholders."""
    namer = Namer(figures, lang)
    aims = sorted(figures.by.get("aims", {}))
    partners = sorted(set(figures.partners) | set(figures.by.get("partners", {})))
    countries = sorted(figures.by.get("countries", {}))
    none: Callable[[str], str | None] = lambda _iri: None  # noqa: E731
    out = [
        _figure_section(figures, "aims", _("Per aim"), _("Aim"), aims, namer, "dashboard-figures-per-aim",
                        _("Courses per aim"), none),
        _figure_section(figures, "partners", _("Per partner"), _("Organisation"), partners, namer,
                        "dashboard-figures-per-partner", _("Courses per partner"), partner_page),
        _figure_section(figures, "countries", _("Per country"), _("Country"), countries, namer,
                        "dashboard-figures-per-country", _("Courses per country"), none),
    ]  # fmt: skip
    out.append(skills_section(figures, namer, partners, partner_page))
    out += [indicators_section(figures, namer), events_section(figures, namer), stakeholders_section(figures, namer)]
    return out


def partner_sections(figures: Figures, lang: str) -> list[Section]:
    """One organisation's page: its figures, its pledges against their targets, its events."""
    namer = Namer(figures, lang)
    names = measure_names()
    rows: list[list[str | int | float]] = [[names[m], figures.value(m)] for m in MEASURES]
    table = Table("figures", _("Figures"), [_("Figure"), _("Value")], rows, (False, True))
    counted = [m for m in MEASURES if m not in ("digitalSkills", "greenSkills")]
    bars = [Bar(names[m], figures.value(m), number(figures.value(m))) for m in counted]
    figures_section = Section("figures", _("Figures"), "", "dashboard-figures-per-partner",
                              _("The organisation's figures for the year"), chart(bars), table, {},
                              list(MEASURES))  # fmt: skip
    return [figures_section, pledges_section(figures, namer), events_section(figures, namer)]


def skills_section(figures: Figures, namer: Namer, partners: list[str], pages: Callable[[str], str | None]) -> Section:
    ordered = sorted(partners, key=lambda m: namer(m).casefold())
    sizes = [figures.collections.get(c, 0) for c in COLLECTIONS]
    rows: list[list[str | int | float]] = []
    bars = []
    for member in [None, *ordered]:
        digital = figures.value("digitalSkills", "partners" if member else None, member)
        green = figures.value("greenSkills", "partners" if member else None, member)
        label = namer(member) if member else _("The whole partnership")
        rows.append([label, digital, _share(digital, sizes[0]), green, _share(green, sizes[1])])
        bars.append(Bar(label, digital, f"{percent(digital, sizes[0])} ({number(digital)})"))
    headings = [_("Organisation"), _("ESCO digital skills covered"), _("ESCO digital skills covered (%)"),
                _("ESCO green skills covered"), _("ESCO green skills covered (%)")]  # fmt: skip
    table = Table("skills", _("ESCO digital and green skills"), headings, rows, (False, True, True, True, True))
    links = {i + 1: page for i, m in enumerate(ordered) if (page := pages(m))}
    note = _("ESCO's digital collection holds %(digital)s skills and its green collection %(green)s; a skill is "
             "covered when a course teaches it or a narrower skill.", digital=number(sizes[0]),
             green=number(sizes[1]))  # fmt: skip
    title = _("ESCO digital skills covered, per organisation")
    return Section("skills", _("ESCO digital and green skills"), note, "dashboard-figures-per-partner", title,
                   chart(bars), table, links, ["", *ordered])  # fmt: skip


def _share(part: int, whole: int) -> float:
    """A percentage with one decimal for the tables and downloads (12.4, not 0.124)."""
    return round(100 * part / whole, 1) if whole else 0.0


def pledges_section(figures: Figures, namer: Namer) -> Section:
    rows: list[list[str | int | float]] = []
    bars = []
    for p in figures.pledges:
        rows.append([namer(p.pledge), namer(p.organisation), namer(p.indicator), p.amount, p.achieved,
                     _share(p.achieved, p.amount)])  # fmt: skip
        text = _("%(achieved)s of %(target)s (%(percent)s)", achieved=number(p.achieved), target=number(p.amount),
                 percent=percent(p.achieved, p.amount))  # fmt: skip
        bars.append(Bar(f"{namer(p.pledge)}: {namer(p.indicator)}", p.achieved, text, maximum=p.amount))
    headings = [_("Pledge"), _("Organisation"), _("Indicator"), _("Target"), _("Achieved"), _("Achieved (%)")]
    table = Table("pledges", _("Pledges against their targets"), headings, rows, (False,) * 3 + (True,) * 3)
    note = _("Targets for the year; what was achieved is the sum of the progress reports against each target.")
    title = _("Achieved of target, per pledge and indicator")
    return Section("pledges", _("Pledges against their targets"), note, "dashboard-pledges", title, chart(bars),
                   table, {}, [p.target for p in figures.pledges])  # fmt: skip


def indicators_section(figures: Figures, namer: Namer) -> Section:
    """The partnership's pledges summed per indicator: one progress bar each, however many pledges there are (the
    targets one by one are on each organisation's page and in its download)."""
    totals: dict[str, list[int]] = {}
    for p in figures.pledges:
        entry = totals.setdefault(p.indicator, [0, 0, 0])
        entry[0], entry[1], entry[2] = entry[0] + 1, entry[1] + p.amount, entry[2] + p.achieved
    ordered = sorted(totals, key=lambda i: namer(i).casefold())
    rows: list[list[str | int | float]] = [
        [namer(i), totals[i][0], totals[i][1], totals[i][2], _share(totals[i][2], totals[i][1])] for i in ordered
    ]
    bars = [
        Bar(namer(i), totals[i][2], _("%(achieved)s of %(target)s (%(percent)s)", achieved=number(totals[i][2]),
            target=number(totals[i][1]), percent=percent(totals[i][2], totals[i][1])), maximum=totals[i][1])
        for i in ordered
    ]  # fmt: skip
    headings = [_("Indicator"), _("Targets"), _("Target"), _("Achieved"), _("Achieved (%)")]
    table = Table("pledges", _("Pledges against their targets"), headings, rows, (False,) + (True,) * 4)
    note = _(
        "The year's targets of every pledge, summed per indicator; what was achieved is the sum of the "
        "progress reports against each target. Each organisation's page lists its targets one by one."
    )
    return Section("pledges", _("Pledges against their targets"), note, "dashboard-pledges",
                   _("Achieved of target, per indicator"), chart(bars), table, {}, ordered)  # fmt: skip


def events_section(figures: Figures, namer: Namer) -> Section:
    ordered = sorted(figures.events, key=lambda t: namer(t).casefold())
    rows: list[list[str | int | float]] = [[namer(t), *figures.events[t]] for t in ordered]
    bars = [Bar(namer(t), figures.events[t][1], number(figures.events[t][1])) for t in ordered]
    table = Table("events", _("Events and participants"), [_("Event type"), _("Events"), _("Participants")], rows,
                  (False, True, True))  # fmt: skip
    note = _("Events starting in the year; participants are counted by country, never by name.")
    return Section("events", _("Events and participants"), note, "dashboard-events-per-type",
                   _("Participants per event type"), chart(bars), table, {}, ordered)  # fmt: skip


def stakeholders_section(figures: Figures, namer: Namer) -> Section:
    def name(iri: str) -> str:
        return _("Type not given") if iri.endswith("#StakeholderTypes") else namer(iri)

    ordered = sorted(figures.stakeholders, key=lambda t: name(t).casefold())
    rows: list[list[str | int | float]] = [[name(t), figures.stakeholders[t]] for t in ordered]
    bars = [Bar(name(t), figures.stakeholders[t], number(figures.stakeholders[t])) for t in ordered]
    table = Table("stakeholders", _("Stakeholders by type"), [_("Stakeholder type"), _("Stakeholders")], rows,
                  (False, True))  # fmt: skip
    note = _("Organisations that joined the partnership as stakeholders in or before the year.")
    return Section("stakeholders", _("Stakeholders by type"), note, "dashboard-stakeholders",
                   _("Stakeholders per type"), chart(bars), table, {}, ordered)  # fmt: skip
