"""Saying a resource's description in words: its facts named in the page's language and its values read as people
read them ("75 hours", "3 ECTS", "EQF level 5", "español"), with a link to the page of what has one.

Which facts a resource has comes from the shapes that target its classes (or, for ESCO's classes, the properties
their catalogue entry names); this module only names each property, in the order people read them, and says its
values. People never see an IRI, an ISO duration or a code: a label missing in the page's language falls back to
another, marked with its language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG
from rdflib.term import BNode, Node

from smarco_kg.catalogue import Catalogue, ClassEntry
from smarco_kg.catalogue.read import (
    Labelled,
    label_of,
    pick_label,
)
from smarco_kg.catalogue.vocabulary import ISOTHES, local_name
from smarco_kg.namespaces import ELM, ESCO, ROV, SCHEMA, SMARCO
from smarco_kg.schemaorg import language_tag
from smarco_kg.web import words
from smarco_kg.web.i18n import gettext


def _(message: str) -> str:
    """Marks a message for the catalogues; it is translated (``gettext``) when a fact is named."""
    return message


# What each property is called on a page, in the order a page lists its facts. Properties sharing a name are one
# fact (the main language and the languages of instruction).
NAMES: dict[URIRef, str] = {
    ELM.providedBy: _("Provider"),
    SMARCO.contributedBy: _("Contributed by"),
    SMARCO.pledgedBy: _("Pledged by"),
    DCTERMS.type: _("Kind"),
    SCHEMA.startDate: _("Starts"),
    SCHEMA.endDate: _("Ends"),
    SCHEMA.organizer: _("Organiser"),
    SCHEMA.eventAttendanceMode: _("Attendance"),
    ROV.legalName: _("Legal name"),
    ELM.location: _("Country"),
    ORG.classification: _("Stakeholder type"),
    ROV.orgActivity: _("Sector (NACE)"),
    SMARCO.organisationSize: _("Size"),
    DCTERMS.spatial: _("Where"),
    DCTERMS.issued: _("Made on"),
    DCTERMS.subject: _("Concerns"),
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
        SMARCO.target,
        SMARCO.progressReport,
        SMARCO.participants,
        SMARCO.adoption,
        SMARCO.endorsement,
        ELM.learningAchievementSpecification,
        ELM.learningOutcome,
        ELM.relatedESCOSkill,
        ESCO.relatedEssentialSkill,
        ESCO.relatedOptionalSkill,
    }
)
_ORDER = {prop: n for n, prop in enumerate(NAMES)}
# ISO 639-2 codes of the EU language authority that ``schemaorg.LANGUAGE_TAGS`` (the EU's official languages) lacks.
# How ``Reader.value`` says a property's values, when not by their kind of term: looked up once per value, where
# comparing with each property in turn built every one of them again (rdflib's namespaces make a term per access).
_SAID_AS: dict[URIRef, str] = {
    ELM.volumeOfLearning: "hours",
    ELM.creditPoint: "credits",
    ELM.EQFLevel: "level",
    ELM.defaultLanguage: "language",
    DCTERMS.language: "language",
    ELM.awardingOpportunity: "awarding",
    ELM.location: "location",
    FOAF.homepage: "homepage",
    ROV.legalName: "name",
    ELM.provenBy: "part",
    ELM.accreditation: "part",
}
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


# -- reading a description in words ------------------------------------------------------------------------------


def fact_properties(catalogue: Catalogue, classes: Iterable[Node], entry: ClassEntry | None = None) -> list[URIRef]:
    """The properties a page lists as facts of a resource of ``classes``: those the shapes targeting them declare
    (or its entry names, for classes without shapes), in the order of ``NAMES``."""
    paths = catalogue.class_paths
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
        kind = _SAID_AS.get(prop)
        if kind == "hours":
            return [Text(words.hours(str(value)))]
        if kind == "credits":
            points = next(g.objects(value, ELM.point), None)
            framework = next(g.objects(value, ELM.framework), None)
            system = _system(framework, g) if framework is not None else "ECTS"
            return [Text(words.credits(str(points), system))] if points is not None else []
        if kind == "level":
            return [Text(words.eqf_level(local_name(str(value))))]
        if kind == "language":
            return [self.language(value)]
        if kind == "awarding":
            return [self.name(body) for body in g.objects(value, ELM.awardingBody)]
        if kind == "location":
            return [self.name(c) for a in g.objects(value, ELM.address) for c in g.objects(a, ELM.countryCode)]
        if kind == "homepage":
            urls = [str(u) for u in g.objects(value, ELM.contentUrl)] if isinstance(value, BNode) else [str(value)]
            return [Text(re.sub(r"^https?://(www\.)?|/$", "", url), href=url, external=True) for url in urls]
        if kind == "name" and isinstance(value, Literal):
            return [Text(str(value), lang=value.language)]  # a name, the same in every language
        if kind == "part":
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
