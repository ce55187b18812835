"""What a page for people shows of a member: its title, summary, key facts and the lists that matter for its class
(a course's outcomes with their ESCO skills, its micro-credential, pathways and related courses; a pathway's courses
in order with their total workload; a skill's courses and occupations; an occupation's skills and its skill gap).

A view is built from the member's description (``catalogue.read.describe``) and a few reads of what refers to it,
in the language of the page (build it with that language in use: ``i18n.use``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import RDF, SKOS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.term import Node

from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.read import (
    Kept,
    Labelled,
    courses_teaching,
    narrower,
    referrers,
    roles,
    workloads,
)
from smarco_kg.catalogue.vocabulary import local_name
from smarco_kg.namespaces import ELM, ESCO, SCHEMA, SMARCO
from smarco_kg.schemaorg import skills_in
from smarco_kg.store import GraphStore
from smarco_kg.web import words
from smarco_kg.web.i18n import gettext
from smarco_kg.web.reading import NAMES, Fact, Outcome, Reader, Text, fact_properties, words_key


def _(message: str) -> str:
    """Marks a message for the catalogues; it is translated (``gettext``) when a view is built."""
    return message


@dataclass
class Section:
    key: str  # the section's id on the page
    heading: str
    items: list[Text] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    ordered: bool = False
    intro: str | None = None


@dataclass
class MemberView:
    """The page of one member, in words."""

    kind: str  # the class in words: "Course"
    title: Text
    summary: Text | None
    sample: bool  # an illustrative sample record
    facts: list[Fact]
    sections: list[Section]
    actions: list[Text]  # what one can do from here: the skill gap, the Europass export


# -- the views of each class ------------------------------------------------------------------------------------


@dataclass
class Context:
    """What building a view reads from."""

    store: GraphStore
    catalogue: Catalogue
    entry: ClassEntry
    graph: Graph
    iri: URIRef
    lang: str
    kept: Kept | None = None  # what the server keeps for its write generation

    @property
    def reader(self) -> Reader:
        return Reader(self.graph, self.catalogue, self.lang)


def _grouped(context: Context) -> dict[str, list[Labelled]]:
    """What refers to the member, by the collection it belongs to."""
    groups: dict[str, list[Labelled]] = {}
    for item in referrers(context.store, context.iri, context.kept):
        found = context.catalogue.member_of(str(item.iri))
        if found is not None:
            groups.setdefault(found[0].collection, []).append(item)
    return groups


def _section(key: str, heading: str, items: list[Text], **more: object) -> list[Section]:
    """A section of links, when there is something to list."""
    if not items:
        return []
    return [Section(key, gettext(heading), sorted(items, key=lambda t: words_key(t.text)), **more)]  # type: ignore[arg-type]


def _members(reader: Reader, items: Iterable[Labelled]) -> list[Text]:
    return [reader.labelled(item) for item in items]


def _course_details(context: Context, courses: list[URIRef]) -> tuple[dict[URIRef, str], float, float]:
    """Each course's level, workload and credits in one line; the total hours and ECTS credits of them all."""
    found = workloads(context.store, courses)
    lines, total_hours, total_credits = {}, 0.0, 0.0
    for course, item in found.items():
        parts = []
        if (level := item.values.get("level")) is not None:
            parts.append(words.eqf_level(local_name(str(level))))
        if (duration := item.values.get("hours")) is not None:
            parts.append(words.hours(str(duration)))
            total_hours += words.duration_hours(str(duration)) or 0.0
        if (points := item.values.get("points")) is not None:
            parts.append(words.credits(str(points)))
            with contextlib.suppress(ValueError):
                total_credits += float(str(points))
        lines[course] = " · ".join(parts)
    return lines, total_hours, total_credits


def _spec_of(context: Context) -> URIRef | None:
    spec = next(context.graph.objects(context.iri, ELM.learningAchievementSpecification), None)
    return spec if isinstance(spec, URIRef) else None


def course_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader, graph, catalogue = context.reader, context.graph, context.catalogue
    spec = _spec_of(context)
    course_classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(catalogue, course_classes))
    sections: list[Section] = []
    credential_section: list[Section] = []
    if spec is not None:
        spec_classes = list(graph.objects(spec, RDF.type))
        plain = fact_properties(catalogue, [ELM.LearningAchievementSpecification])
        facts = _merged(facts, reader.facts(spec, plain))
        outcomes = reader.outcomes(spec)
        if outcomes:
            sections.append(Section("learn", gettext("What you will learn"), outcomes=outcomes))
        credential = catalogue.member_of(str(spec))
        if credential is not None and credential[0].collection == "credentials":
            own = [p for p in fact_properties(catalogue, spec_classes) if p not in plain]
            link = reader.name(spec)
            credential_section = [
                Section(
                    "credential",
                    gettext("The micro-credential it leads to"),
                    items=[link],
                    facts=reader.facts(spec, own),
                    intro=gettext("Completing the course earns this credential, which certifies what you will learn."),
                )
            ]
    sections.extend(credential_section)
    groups = _grouped(context)
    sections += _section("pathways", _("Training pathways it belongs to"), _members(reader, groups.get("pathways", [])))
    sections += _section("events", _("Events about it"), _members(reader, groups.get("events", [])))
    taught = skills_in(graph)
    teaching = courses_teaching(context.store, taught, limit=6, kept=context.kept)
    related = [c for c in teaching if c.iri != context.iri][:5]
    sections += _section(
        "related",
        _("Related courses"),
        _members(reader, related),
        intro=gettext("Courses that teach some of the same skills."),
    )
    local = catalogue.member_of(str(context.iri))
    actions = []
    if local is not None:
        actions.append(Text(gettext("Export for Europass (ELM)"), href=f"/api/courses/{local[1]}/europass"))
    return facts, sections, actions


def _merged(first: list[Fact], second: list[Fact]) -> list[Fact]:
    """Facts of two nodes as one list (a course and its specification), one per name, in ``NAMES`` order."""
    merged: dict[str, Fact] = {}
    for fact in [*first, *second]:
        known = merged.setdefault(fact.name, Fact(fact.name, []))
        known.values += [v for v in fact.values if all(v.text != k.text for k in known.values)]
    order = {gettext(name): n for n, name in enumerate(dict.fromkeys(NAMES.values()))}
    return sorted(merged.values(), key=lambda f: order.get(f.name, len(order)))


def credential_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader, graph = context.reader, context.graph
    classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(context.catalogue, classes, context.entry))
    sections: list[Section] = []
    outcomes = reader.outcomes(context.iri)
    if outcomes:
        sections.append(Section("certifies", gettext("What it certifies"), outcomes=outcomes))
    groups = _grouped(context)
    sections += _section("courses", _("Courses leading to it"), _members(reader, groups.get("courses", [])))
    sections += _section(
        "stacked", _("Credentials that stack into it"), _members(reader, groups.get("credentials", []))
    )
    sections += _section("pathways", _("Training pathways leading to it"), _members(reader, groups.get("pathways", [])))
    return facts, sections, []


def pathway_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader, graph = context.reader, context.graph
    classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(context.catalogue, classes, context.entry))
    steps = []
    for step in graph.objects(context.iri, SMARCO.step):
        position = next(graph.objects(step, SMARCO.position), None)
        for course in graph.objects(step, SMARCO.course):
            if isinstance(course, URIRef):
                steps.append((int(str(position)) if position is not None else 0, course))
    steps.sort(key=lambda s: (s[0], str(s[1])))
    details, hours, credits = _course_details(context, [c for _, c in steps])
    items = []
    for _position, course in steps:
        text = reader.name(course)
        text.detail = details.get(course) or None
        items.append(text)
    sections = []
    if items:
        total = gettext(
            "In all: %(hours)s and %(credits)s.",
            hours=words.hours(f"PT{round(hours)}H"),
            credits=words.credits(credits),
        )
        sections.append(Section("steps", gettext("Courses, in order"), items=items, ordered=True, intro=total))
    return facts, sections, []


def practice_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader, graph = context.reader, context.graph
    classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(context.catalogue, classes, context.entry))
    sections = _section("skills", _("Skills it builds"), reader.links(context.iri, SMARCO.relatedSkill))
    home = next(graph.objects(context.iri, DCTERMS.spatial), None)
    adoptions = []
    for adoption in graph.objects(context.iri, SMARCO.adoption):
        where = next(graph.objects(adoption, DCTERMS.spatial), None)
        parts = [words.country(str(where))] if where is not None else []
        parts += [words.day(str(d)) for d in graph.objects(adoption, DCTERMS.date)]
        if where is not None and home is not None and where != home:
            parts.append(gettext("across borders"))
        said = reader.pick(adoption, DCTERMS.description)
        if said is not None:
            parts.append(said.text)
        adoptions += [_with(reader.name(by), " · ".join(parts)) for by in graph.objects(adoption, SMARCO.adoptedBy)]
    sections += _section("adoptions", _("Adopted by"), adoptions, intro=gettext("Organisations that reused it."))
    endorsements = [
        _with(reader.name(by), " · ".join(words.day(str(d)) for d in graph.objects(endorsement, DCTERMS.date)))
        for endorsement in graph.objects(context.iri, SMARCO.endorsement)
        for by in graph.objects(endorsement, SMARCO.endorsedBy)
    ]
    sections += _section("endorsements", _("Endorsed by"), endorsements)
    sections += _section("events", _("Events about it"), _members(reader, _grouped(context).get("events", [])))
    return facts, sections, []


def _with(text: Text, detail: str) -> Text:
    text.detail = detail or None
    return text


def _amount(graph: Graph, node: Node) -> int:
    value = next(graph.objects(node, SMARCO.amount), None)
    try:
        return int(str(value)) if isinstance(value, Literal) else 0
    except ValueError:
        return 0


def _target_line(context: Context, target: Node) -> tuple[str, str, list[str]]:
    """A target in words: its year, "120 people upskilled", and where and for which skills."""
    graph, reader = context.graph, context.reader
    year = str(next(graph.objects(target, SMARCO.year), ""))
    indicators = [reader.name(i).text for i in graph.objects(target, SMARCO.indicator)]
    what = f"{words.number(_amount(graph, target))} {words.listing(indicators)}"
    scope = [words.country(str(c)) for c in graph.objects(target, DCTERMS.spatial)]
    scope += [reader.name(c).text for c in graph.objects(target, SMARCO.skillCollection)]
    return year, what, scope


def pledge_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    """A pledge's targets, year by year, each with what its progress reports achieved against it."""
    reader, graph = context.reader, context.graph
    classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(context.catalogue, classes, context.entry))
    reports = list(graph.objects(context.iri, SMARCO.progressReport))
    achieved: dict[Node, int] = {}
    for report in reports:
        for achievement in graph.objects(report, SMARCO.achievement):
            for target in graph.objects(achievement, SMARCO.againstTarget):
                achieved[target] = achieved.get(target, 0) + _amount(graph, achievement)
    targets = []
    for target in graph.objects(context.iri, SMARCO.target):
        year, what, scope = _target_line(context, target)
        done = gettext(
            "achieved so far: %(achieved)s of %(amount)s",
            achieved=words.number(achieved.get(target, 0)),
            amount=words.number(_amount(graph, target)),
        )
        targets.append((year, what, Text(gettext("%(year)s: %(what)s", year=year, what=what)), [*scope, done]))
    targets.sort(key=lambda t: (t[0], t[1]))
    sections = []
    if targets:
        items = [_with(text, " · ".join(detail)) for _year, _what, text, detail in targets]
        sections.append(Section("targets", gettext("Targets"), items=items, ordered=True))
    said_reports = []
    for report in sorted(reports, key=lambda r: str(next(graph.objects(r, SCHEMA.endDate), ""))):
        start = next(graph.objects(report, SCHEMA.startDate), None)
        end = next(graph.objects(report, SCHEMA.endDate), None)
        period = gettext("%(start)s to %(end)s", start=words.day(str(start)), end=words.day(str(end)))
        lines = []
        for achievement in graph.objects(report, SMARCO.achievement):
            for target in graph.objects(achievement, SMARCO.againstTarget):
                year, _what, scope = _target_line(context, target)
                indicators = [reader.name(i).text for i in graph.objects(target, SMARCO.indicator)]
                towards = ", ".join([year, *scope])
                lines.append(f"{words.number(_amount(graph, achievement))} {words.listing(indicators)} ({towards})")
        issued = [words.day(str(d)) for d in graph.objects(report, DCTERMS.issued)]
        detail = " · ".join(sorted(lines)) + (" · " + gettext("reported on %(day)s", day=issued[0]) if issued else "")
        said_reports.append(_with(Text(period), detail))
    if said_reports:
        sections.append(Section("reports", gettext("Progress reports"), items=said_reports, ordered=True))
    return facts, sections, []


def event_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    """An event's facts, its participants by country (counts only) and the skills it is about."""
    reader, graph = context.reader, context.graph
    classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(context.catalogue, classes, context.entry))
    counts = [
        (words.country(str(country)), _amount(graph, count))
        for count in graph.objects(context.iri, SMARCO.participants)
        for country in graph.objects(count, DCTERMS.spatial)
    ]
    counts.sort(key=lambda c: (-c[1], c[0]))
    sections = []
    if counts:
        total = sum(n for _, n in counts)
        intro = gettext(
            "%(total)s participants from %(countries)s countries, counted by country (never named).",
            total=words.number(total),
            countries=words.number(len(counts)),
        )
        items = [Text(gettext("%(country)s: %(count)s", country=c, count=words.number(n))) for c, n in counts]
        sections.append(Section("participants", gettext("Participants"), items=items, intro=intro))
    sections += _section("skills", _("Skills it is about"), reader.links(context.iri, SMARCO.relatedSkill))
    return facts, sections, []


def partner_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader, graph = context.reader, context.graph
    classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(context.catalogue, classes, context.entry))
    held = [reader.labelled(role) for role in roles(context.store, context.iri)]
    facts.insert(0, Fact(gettext("Role in SMARCO"), held or [Text(gettext("no role"))]))
    groups = _grouped(context)
    sections = _section("courses", _("Its courses"), _members(reader, groups.get("courses", [])))
    sections += _section("credentials", _("Credentials it awards"), _members(reader, groups.get("credentials", [])))
    sections += _section("practices", _("Best practices it shared"), _members(reader, groups.get("practices", [])))
    sections += _section("pledges", _("Its pledges"), _members(reader, groups.get("pledges", [])))
    sections += _section("events", _("Events it organised"), _members(reader, groups.get("events", [])))
    local = context.catalogue.member_of(str(context.iri))
    actions = []
    if held and local is not None:  # a member of the partnership: its figures on the coordinator's dashboard
        actions.append(Text(gettext("See its figures on the dashboard"), href=f"/dashboard/partners/{local[1]}"))
    return facts, sections, actions


def skill_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader = context.reader
    facts = reader.facts(context.iri, fact_properties(context.catalogue, [], context.entry))
    groups = _grouped(context)
    sections = _section("broader", _("Broader skills"), reader.links(context.iri, SKOS.broader))
    sections += _section("narrower", _("Narrower skills"), _members(reader, narrower(context.store, context.iri)))
    sections += _section("courses", _("Courses teaching it"), _members(reader, groups.get("courses", [])))
    sections += _section("credentials", _("Credentials certifying it"), _members(reader, groups.get("credentials", [])))
    sections += _section("practices", _("Best practices building it"), _members(reader, groups.get("practices", [])))
    sections += _section("occupations", _("Occupations needing it"), _members(reader, groups.get("occupations", [])))
    return facts, sections, []


def occupation_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader, graph = context.reader, context.graph
    facts = reader.facts(context.iri, fact_properties(context.catalogue, [], context.entry))
    essential = [s for s in graph.objects(context.iri, ESCO.relatedEssentialSkill) if isinstance(s, URIRef)]
    sections = _section("essential", _("Essential skills"), reader.links(context.iri, ESCO.relatedEssentialSkill))
    sections += _section("optional", _("Optional skills"), reader.links(context.iri, ESCO.relatedOptionalSkill))
    courses = courses_teaching(context.store, essential, limit=10, kept=context.kept)
    sections += _section(
        "courses",
        _("Courses teaching its essential skills"),
        _members(reader, courses),
        intro=gettext("The courses that teach the most of its essential skills."),
    )
    sections += _section(
        "pathways", _("Training pathways towards it"), _members(reader, _grouped(context).get("pathways", []))
    )
    local = context.catalogue.member_of(str(context.iri))
    actions = []
    if local is not None:
        actions.append(Text(gettext("See the skill gap for this occupation"), href=f"/occupations/{local[1]}/gap"))
    return facts, sections, actions


Builder = Callable[[Context], tuple[list[Fact], list[Section], list[Text]]]
BUILDERS: dict[str, Builder] = {
    "courses": course_view,
    "credentials": credential_view,
    "pathways": pathway_view,
    "practices": practice_view,
    "partners": partner_view,
    "pledges": pledge_view,
    "events": event_view,
    "skills": skill_view,
    "occupations": occupation_view,
}
# The class of each collection in words, as a page's kicker says it.
KINDS: dict[str, str] = {
    "courses": _("Course"),
    "credentials": _("Credential"),
    "pathways": _("Training pathway"),
    "practices": _("Best practice"),
    "partners": _("Organisation"),
    "pledges": _("Pledge"),
    "events": _("Event"),
    "skills": _("ESCO skill"),
    "occupations": _("ESCO occupation"),
}


def member_view(
    store: GraphStore,
    catalogue: Catalogue,
    entry: ClassEntry,
    graph: Graph,
    iri: URIRef,
    lang: str,
    kept: Kept | None = None,
) -> MemberView:
    """The page of member ``iri`` of ``entry``'s collection, described by ``graph``, in ``lang``."""
    context = Context(store, catalogue, entry, graph, iri, lang, kept)
    reader = context.reader
    title = reader.name(iri, entry.label)
    title.href = None
    summary = reader.pick(iri, DCTERMS.description)
    builder = BUILDERS.get(entry.collection)
    if builder is not None:
        facts, sections, actions = builder(context)
    else:
        classes = list(graph.objects(iri, RDF.type))
        facts, sections, actions = reader.facts(iri, fact_properties(catalogue, classes, entry)), [], []
    flag = next(graph.objects(iri, SMARCO.isSampleData), None)
    sample = flag is not None and str(flag).lower() in ("true", "1")
    kind = gettext(KINDS[entry.collection]) if entry.collection in KINDS else entry.name
    if entry.collection == "credentials" and (iri, RDF.type, SMARCO.MicroCredential) in graph:
        kind = gettext("Micro-credential")
    elif entry.collection == "credentials" and (iri, RDF.type, SMARCO.Certificate) in graph:
        kind = gettext("Certificate")
    return MemberView(kind, title, summary, sample, facts, sections, actions)
