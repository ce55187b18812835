"""What a page for people shows of a resource: its title, its facts in words and the lists that matter for its class.

A view is built from a member's description (``catalogue.read.describe``) and a few reads of what refers to it. Which
facts a resource has comes from the shapes that target its classes (or, for ESCO's classes, the properties their
catalogue entry names); this module only says each property in words, in the order people read them, and how its
values read ("75 hours", "3 ECTS", "EQF level 5", "español"). People never see an IRI, an ISO duration or a code:
a label missing in the page's language falls back to another, marked with its language.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SH, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF
from rdflib.term import BNode, Node

from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.read import (
    Labelled,
    courses_teaching,
    label_of,
    narrower,
    pick_label,
    referrers,
    roles,
    workloads,
)
from smarco_kg.catalogue.vocabulary import ISOTHES, local_name, shapes_graph
from smarco_kg.namespaces import ELM, ESCO, ROV, SMARCO
from smarco_kg.schemaorg import language_tag, skills_in
from smarco_kg.store import GraphStore
from smarco_kg.web import words
from smarco_kg.web.i18n import gettext


def _(message: str) -> str:
    """Marks a message for the catalogues; it is translated (``gettext``) when a view is built."""
    return message


# What each property is called on a page, in the order a page lists its facts. Properties sharing a name are one
# fact (the main language and the languages of instruction).
NAMES: dict[URIRef, str] = {
    ELM.providedBy: _("Provider"),
    SMARCO.contributedBy: _("Contributed by"),
    ROV.legalName: _("Legal name"),
    ELM.location: _("Country"),
    DCTERMS.spatial: _("Where"),
    ELM.EQFLevel: _("Level"),
    ELM.volumeOfLearning: _("Workload"),
    ELM.creditPoint: _("Credits"),
    ELM.defaultLanguage: _("Languages of instruction"),
    DCTERMS.language: _("Languages of instruction"),
    ELM.mode: _("Mode"),
    ELM.learningSchedule: _("Schedule"),
    ELM.targetGroup: _("Target groups"),
    SMARCO.targetOccupation: _("Prepares for"),
    SMARCO.targetCredential: _("Leads to"),
    ELM.awardingOpportunity: _("Awarded by"),
    ELM.provenBy: _("Assessment"),
    ELM.accreditation: _("Quality assurance"),
    SMARCO.stacksInto: _("Stacks into"),
    SKOS.altLabel: _("Also known as"),
    SKOS.scopeNote: _("Scope"),
    ESCO.skillType: _("Skill type"),
    ESCO.skillReuseLevel: _("Reuse level"),
    ESCO.memberOfISCOGroup: _("ISCO group"),
    SKOS.notation: _("Code"),
    SMARCO.aim: _("SMARCO aims"),
    FOAF.homepage: _("Website"),
    DCTERMS.modified: _("Last updated"),
}
# Properties a page shows elsewhere than among the facts (the title, the summary, the sections), or never.
SHOWN_ELSEWHERE: frozenset[URIRef] = frozenset(
    {
        RDF.type,
        DCTERMS.title,
        DCTERMS.description,
        RDFS.comment,
        RDFS.label,
        SKOS.prefLabel,
        SKOS.hiddenLabel,
        SKOS.inScheme,
        SKOS.broader,
        URIRef(ISOTHES + "status"),
        SMARCO.isSampleData,
        SMARCO.step,
        SMARCO.relatedSkill,
        ELM.learningAchievementSpecification,
        ELM.learningOutcome,
        ELM.relatedESCOSkill,
        ESCO.relatedEssentialSkill,
        ESCO.relatedOptionalSkill,
    }
)
_ORDER = {prop: n for n, prop in enumerate(NAMES)}
# ISO 639-2 codes of the EU language authority that ``schemaorg.LANGUAGE_TAGS`` (the EU's official languages) lacks.
_TAGS = {"EUS": "eu", "CAT": "ca", "GLG": "gl", "NOR": "no", "ISL": "is", "TUR": "tr", "UKR": "uk", "SRP": "sr"}


@dataclass
class Text:
    """Something a person reads: a label, maybe a link, with its language when it is not the page's."""

    text: str
    href: str | None = None
    lang: str | None = None  # the text's language, when it differs from the page's
    note: str | None = None  # "(in English)": the text is not in the language asked for
    external: bool = False
    detail: str | None = None  # a line under it: "EQF level 6 · 125 hours · 5 ECTS"


@dataclass
class Fact:
    name: str
    values: list[Text]


@dataclass
class Outcome:
    statement: Text
    skills: list[Text]


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


# -- reading a description in words ------------------------------------------------------------------------------


def _shape_paths(catalogue: Catalogue) -> dict[URIRef, tuple[URIRef, ...]]:
    """Class -> the property paths the shapes targeting it declare."""
    shapes = shapes_graph(catalogue.shapes_dir)
    declared = catalogue.vocabulary.shape_properties
    paths: dict[URIRef, tuple[URIRef, ...]] = {}
    for shape, target in shapes.subject_objects(SH.targetClass):
        if isinstance(shape, URIRef) and isinstance(target, URIRef):
            paths[target] = paths.get(target, ()) + declared.get(shape, ())
    return paths


def fact_properties(catalogue: Catalogue, classes: Iterable[Node], entry: ClassEntry | None = None) -> list[URIRef]:
    """The properties a page lists as facts of a resource of ``classes``: those the shapes targeting them declare
    (or its entry names, for classes without shapes), in the order of ``NAMES``."""
    paths = _shape_paths(catalogue)
    found: set[URIRef] = set(entry.properties if entry is not None else ())
    for cls in classes:
        found.update(paths.get(cls, ()) if isinstance(cls, URIRef) else ())
    shown = [p for p in found if p not in SHOWN_ELSEWHERE]
    return sorted(shown, key=lambda p: (_ORDER.get(p, len(_ORDER)), str(p)))


def _words_of(iri: str) -> str:
    """A local name in words, when nothing names a property: ``targetGroup`` -> target group."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", local_name(iri)).lower()


def _system(framework: Node, graph: Graph) -> str:
    """The credit system's short name: ECTS, ECVET."""
    label = label_of(graph, framework, "en")
    return "ECVET" if label is not None and "vocational" in str(label).lower() else "ECTS"


class Reader:
    """Says the nodes of one description in words, in the language asked for, with links to their pages."""

    def __init__(self, graph: Graph, catalogue: Catalogue, lang: str) -> None:
        self.graph, self.catalogue, self.lang = graph, catalogue, lang
        self.primary = lang.split("-")[0].lower()

    def literal(self, value: Literal) -> Text:
        tag = value.language
        if tag and tag.split("-")[0].lower() != self.primary:
            return Text(str(value), lang=tag, note=words.in_language(tag))
        return Text(str(value), lang=tag)

    def pick(self, node: Node, prop: URIRef) -> Text | None:
        """The value of ``prop`` in the language asked for (else a fallback, marked)."""
        values = [v for v in self.graph.objects(node, prop) if isinstance(v, Literal)]
        picked = pick_label(values, self.lang)
        return self.literal(picked) if picked is not None else None

    def proper(self, node: Node, text: Text) -> Text:
        """An organisation's name is the same in every language: no note that it is in another."""
        member = self.catalogue.member_of(str(node)) if isinstance(node, URIRef) else None
        if member is not None and member[0].label == ROV.legalName:
            text.note = None
        return text

    def name(self, node: Node, prop: URIRef | None = None) -> Text:
        """A node's label (``prop``, else its first label property), linked to its page when it has one."""
        values = [v for v in self.graph.objects(node, prop) if isinstance(v, Literal)] if prop is not None else []
        label = pick_label(values, self.lang) if values else label_of(self.graph, node, self.lang)
        text = self.literal(label) if label is not None else Text(_words_of(str(node)))
        page = self.catalogue.page_of(node) if isinstance(node, URIRef) else None
        text.href = page
        return self.proper(node, text)

    def labelled(self, item: Labelled, detail: str | None = None) -> Text:
        """A resource read with its labels (by ``catalogue.read``), linked to its page."""
        label = pick_label(item.labels, self.lang)
        text = self.literal(label) if label is not None else Text(_words_of(str(item.iri)))
        text.href, text.detail = self.catalogue.page_of(item.iri), detail
        return self.proper(item.iri, text)

    def values(self, node: Node, prop: URIRef) -> list[Text]:
        """The values of ``prop`` of ``node`` in words."""
        objects = sorted(self.graph.objects(node, prop), key=str)
        if objects and all(isinstance(o, Literal) and o.language for o in objects) and prop != SKOS.altLabel:
            picked = self.pick(node, prop)
            return [picked] if picked is not None else []
        said: list[Text] = []
        for value in objects:
            said.extend(self.value(prop, value))
        unique: dict[tuple[str, str | None], Text] = {}
        for text in said:
            unique.setdefault((text.text, text.href), text)
        return sorted(unique.values(), key=lambda t: words_key(t.text))

    def value(self, prop: URIRef, value: Node) -> list[Text]:
        g = self.graph
        if prop == ELM.volumeOfLearning:
            return [Text(words.hours(str(value)))]
        if prop == ELM.creditPoint:
            points = next(g.objects(value, ELM.point), None)
            framework = next(g.objects(value, ELM.framework), None)
            system = _system(framework, g) if framework is not None else "ECTS"
            return [Text(words.credits(str(points), system))] if points is not None else []
        if prop == ELM.EQFLevel:
            return [Text(words.eqf_level(local_name(str(value))))]
        if prop in (ELM.defaultLanguage, DCTERMS.language):
            return [self.language(value)]
        if prop == ELM.awardingOpportunity:
            return [self.name(body) for body in g.objects(value, ELM.awardingBody)]
        if prop == ELM.location:
            return [self.name(c) for a in g.objects(value, ELM.address) for c in g.objects(a, ELM.countryCode)]
        if prop == FOAF.homepage:
            urls = [str(u) for u in g.objects(value, ELM.contentUrl)] if isinstance(value, BNode) else [str(value)]
            return [Text(re.sub(r"^https?://(www\.)?|/$", "", url), href=url, external=True) for url in urls]
        if prop == ROV.legalName and isinstance(value, Literal):
            return [Text(str(value), lang=value.language)]  # a name, the same in every language
        if prop in (ELM.provenBy, ELM.accreditation):
            return [self.described(value)]
        if isinstance(value, Literal):
            if value.datatype == XSD.boolean:
                return []
            if value.datatype in (XSD.dateTime, XSD.date):
                return [Text(words.day(str(value)))]
            return [self.literal(value)]
        if isinstance(value, URIRef):
            return [self.name(value)]
        return [self.described(value)]

    def described(self, node: Node) -> Text:
        """A part without a page of its own (an assessment, a quality assurance): its title, its kind and who."""
        title = self.pick(node, DCTERMS.title) or Text("")
        kinds = [str(self.name(t).text) for t in self.graph.objects(node, DCTERMS.type)]
        agents = [self.name(a) for a in self.graph.objects(node, ELM.accreditingAgent)]
        if not title.text:
            title = Text(", ".join(kinds)) if kinds else Text(_words_of(str(node)))
            kinds = []
        title.detail = " · ".join([*kinds, *(a.text for a in agents)]) or None
        return title

    def language(self, iri: Node) -> Text:
        """A language of instruction named in the page's language ("español"), from its authority code."""
        tag = _TAGS.get(local_name(str(iri)).upper()) or language_tag(iri)
        named = words.language_name(tag)
        if named != tag:
            return Text(named)
        return self.name(iri)

    def facts(self, node: Node, properties: Iterable[URIRef]) -> list[Fact]:
        """``node``'s facts, one per name, in the order given."""
        facts: dict[str, Fact] = {}
        for prop in properties:
            said = self.values(node, prop)
            if not said:
                continue
            name = gettext(NAMES[prop]) if prop in NAMES else _words_of(str(prop))
            fact = facts.setdefault(name, Fact(name, []))
            for text in said:
                if all(text.text != known.text for known in fact.values):
                    fact.values.append(text)
        return list(facts.values())

    def outcomes(self, holder: Node) -> list[Outcome]:
        """What a specification's outcomes say, each with the ESCO skills it points at, in their order."""
        found = []
        for outcome in sorted(self.graph.objects(holder, ELM.learningOutcome), key=_natural):
            statement = self.pick(outcome, DCTERMS.title) or self.name(outcome)
            skills = sorted(
                (self.name(s) for s in self.graph.objects(outcome, ELM.relatedESCOSkill)), key=lambda t: t.text
            )
            found.append(Outcome(statement, skills))
        return found

    def links(self, node: Node, prop: URIRef) -> list[Text]:
        return sorted((self.name(o) for o in self.graph.objects(node, prop)), key=lambda t: words_key(t.text))


def words_key(text: str) -> str:
    return text.casefold()


def _natural(node: Node) -> tuple:
    """``outcome/2`` before ``outcome/10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(node)))


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

    @property
    def reader(self) -> Reader:
        return Reader(self.graph, self.catalogue, self.lang)


def _grouped(context: Context) -> dict[str, list[Labelled]]:
    """What refers to the member, by the collection it belongs to."""
    groups: dict[str, list[Labelled]] = {}
    for item in referrers(context.store, context.iri):
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
    taught = skills_in(graph)
    related = [c for c in courses_teaching(context.store, taught, limit=6) if c.iri != context.iri][:5]
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
            "%(count)s courses, %(hours)s and %(credits)s in all.",
            count=len(items),
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
    return facts, sections, []


def partner_view(context: Context) -> tuple[list[Fact], list[Section], list[Text]]:
    reader, graph = context.reader, context.graph
    classes = list(graph.objects(context.iri, RDF.type))
    facts = reader.facts(context.iri, fact_properties(context.catalogue, classes, context.entry))
    held = [reader.labelled(role) for role in roles(context.store, context.iri)]
    if held:
        facts.insert(0, Fact(gettext("Role in SMARCO"), held))
    groups = _grouped(context)
    sections = _section("courses", _("Its courses"), _members(reader, groups.get("courses", [])))
    sections += _section("credentials", _("Credentials it awards"), _members(reader, groups.get("credentials", [])))
    sections += _section("practices", _("Best practices it shared"), _members(reader, groups.get("practices", [])))
    return facts, sections, []


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
    courses = courses_teaching(context.store, essential, limit=10)
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
    "skills": _("ESCO skill"),
    "occupations": _("ESCO occupation"),
}


def member_view(
    store: GraphStore, catalogue: Catalogue, entry: ClassEntry, graph: Graph, iri: URIRef, lang: str
) -> MemberView:
    """The page of member ``iri`` of ``entry``'s collection, described by ``graph``, in ``lang``."""
    context = Context(store, catalogue, entry, graph, iri, lang)
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
    sample = any(graph.objects(iri, SMARCO.isSampleData)) and str(next(graph.objects(iri, SMARCO.isSampleData))) in (
        "true",
        "1",
    )
    kind = gettext(KINDS[entry.collection]) if entry.collection in KINDS else entry.name
    if entry.collection == "credentials" and (iri, RDF.type, SMARCO.MicroCredential) in graph:
        kind = gettext("Micro-credential")
    elif entry.collection == "credentials" and (iri, RDF.type, SMARCO.Certificate) in graph:
        kind = gettext("Certificate")
    return MemberView(kind, title, summary, sample, facts, sections, actions)


# -- lists of members -------------------------------------------------------------------------------------------


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
) -> list[Row]:
    """Each listed member's title (from ``titles``, in every language) and cells, read from the listing's graph (its
    summary and the labels of what it links to); the cells are said in words when built, so build them in the
    page's language."""
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
        title = reader.labelled(Labelled(member, titles.get(member, []), {}))
        table.append(Row(title, cells))
    return table
