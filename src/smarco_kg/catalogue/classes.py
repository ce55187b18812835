"""The class registry: each class the catalogue serves is one ``ClassEntry``, and everything else derives from it.

An entry names its collection path, its member shapes (whose ``sh:targetClass`` are the member classes: never
copied here), where its IRIs live, its label property, the filters its collection takes, what a list item shows,
what a member embeds, and how people meet it: its home-page label, its search type, its demo file, whether
partners create and own its members. REST routes and their OpenAPI schemas, HTML pages, search types, home-page
counts and the dataset description's examples are derived from the entries (see docs/architecture.md for the
recipe to add a class).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import SKOS, URIRef
from rdflib.namespace import DCTERMS, ORG

from smarco_kg.catalogue.filters import (
    COUNTRY_CODE,
    CREDENTIAL,
    CREDENTIAL_TYPE,
    CREDITS,
    EQF_LEVEL,
    ESCO_ID,
    ESCO_OCCUPATION,
    ESCO_SKILL,
    EVENT_TYPE,
    INDICATOR,
    LANGUAGE_CODE,
    MODE,
    OCCUPATION,
    ORGANISATION,
    ROLE,
    SKILL,
    STAKEHOLDER_TYPE,
    TARGET_GROUP,
    YEAR,
    Filter,
    aim_filter,
    back,
    ects,
    in_scheme_filter,
    itself_or_narrower,
    text_filter,
)
from smarco_kg.catalogue.vocabulary import ISOTHES
from smarco_kg.namespaces import ELM, ESCO, ROV, SCHEMA, SMARCO, SMSH

SummaryPath = tuple[URIRef, ...]


@dataclass(frozen=True)
class ClassEntry:
    """One class the catalogue serves: ``/api/{collection}``, ``/api/{collection}/{id}``, its pages and more.

    ``classes`` is filled from the shapes when a ``Catalogue`` is built (``sh:targetClass`` of ``shapes``); only
    classes without shapes of ours (ESCO's) name them here."""

    collection: str  # the REST path segment: courses
    name: str  # one member, in words: course
    prefix: str  # where member IRIs live: relative to the base IRI (course/) or absolute (ESCO)
    label: URIRef  # the property that names a member
    shapes: tuple[URIRef, ...] = ()  # the member shapes; their target classes are the member classes
    described_by: tuple[URIRef, ...] = ()  # further shapes describing members (not naming member classes)
    classes: tuple[URIRef, ...] = ()  # the member classes (from the shapes, unless the class has none)
    home: tuple[str, ...] = ()  # home-page labels: one for all members, or one per member class in order
    search_type: str | None = None  # what search's type= calls members (None: not searched)
    search_descriptions: bool = False  # whether search reads members' descriptions too
    demo_file: str | None = None  # the demo data file in data/ holding illustrative members
    owned: bool = False  # partners create, replace and delete members in their own graph (write routes)
    filters: tuple[Filter, ...] = ()
    summary: tuple[SummaryPath, ...] = ()  # what a list item shows besides id, type and label
    embed: tuple[URIRef, ...] = ()  # properties whose values (own resources) are described with the member
    part_names: dict[str, str] = field(default_factory=dict)  # embedded property -> the IRI segment it mints
    properties: tuple[URIRef, ...] = ()  # for classes without shapes: the properties their members show
    id_pattern: str = r"[a-z0-9][a-z0-9-]*"

    @property
    def own(self) -> bool:
        """Whether member IRIs are minted under the base IRI (else they are external, ESCO's)."""
        return not self.prefix.startswith(("http://", "https://"))

    @property
    def all_shapes(self) -> tuple[URIRef, ...]:
        return self.shapes + self.described_by

    def namespace(self, base_iri: str) -> str:
        return self.prefix if not self.own else base_iri + self.prefix

    def iri(self, base_iri: str, local: str) -> URIRef | None:
        """The member IRI for an id from a URL, or None when the id cannot be one."""
        return URIRef(self.namespace(base_iri) + local) if re.fullmatch(self.id_pattern, local) else None

    def home_counts(self) -> list[tuple[str, tuple[URIRef, ...]]]:
        """(label, classes counted under it) for the home page."""
        if len(self.home) == len(self.classes) > 1:
            return [(label, (cls,)) for label, cls in zip(self.home, self.classes, strict=True)]
        return [(label, self.classes) for label in self.home[:1]]


_ESCO_PROPERTIES = (
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.hiddenLabel,
    DCTERMS.description,
    SKOS.scopeNote,
    SKOS.notation,
    SKOS.broader,
    SKOS.inScheme,
    ESCO.skillType,
    ESCO.skillReuseLevel,
    ESCO.relatedEssentialSkill,
    ESCO.relatedOptionalSkill,
    ESCO.memberOfISCOGroup,
    DCTERMS.modified,
    URIRef(ISOTHES + "status"),
)
_SPEC = f"<{ELM.learningAchievementSpecification}>"

COURSES = ClassEntry(
    "courses",
    "course",
    "course/",
    DCTERMS.title,
    shapes=(SMSH.Course,),
    home=("courses",),
    search_type="course",
    search_descriptions=True,
    demo_file="courses.trig",
    owned=True,
    filters=(
        Filter(
            "skill",
            "An ESCO skill the course teaches, itself or through a narrower skill (skos:broader*)",
            SKILL,
            itself_or_narrower(
                "?_taught",
                back("?_taught", ELM.learningAchievementSpecification, ELM.learningOutcome, ELM.relatedESCOSkill),
            ),
            taught=True,
        ),
        Filter(
            "occupation",
            "An ESCO occupation: courses teaching one of its essential skills (esco:relatedEssentialSkill)",
            OCCUPATION,
            f"$v <{ESCO.relatedEssentialSkill}> ?_skill . "
            + back("?_skill", ELM.learningAchievementSpecification, ELM.learningOutcome, ELM.relatedESCOSkill),
        ),
        Filter("eqf", "EQF level, 1 to 8", EQF_LEVEL, back("$v", ELM.learningAchievementSpecification, ELM.EQFLevel)),
        Filter("ects_min", "At least this many ECTS credits", CREDITS, ects(f"{_SPEC}/", ">=")),
        Filter("ects_max", "At most this many ECTS credits", CREDITS, ects(f"{_SPEC}/", "<=")),
        Filter(
            "language",
            "Language of instruction (elm:defaultLanguage or dct:language): ENG, ITA… or the authority IRI",
            LANGUAGE_CODE,
            f"{{ ?s <{ELM.defaultLanguage}> $v }} UNION "
            f"{{ {back('$v', ELM.learningAchievementSpecification, DCTERMS.language)} }}",
        ),
        Filter(
            "mode",
            "Form of participation: a Europass mode IRI or its label (online, blended, presential…)",
            MODE,
            back("$v", ELM.learningAchievementSpecification, ELM.mode),
        ),
        Filter(
            "country",
            "Country of the provider (three-letter code such as ITA, or the authority IRI)",
            COUNTRY_CODE,
            back("$v", ELM.providedBy, ELM.location, ELM.address, ELM.countryCode),
        ),
        Filter("provider", "The providing organisation: its IRI or slug", ORGANISATION, f"?s <{ELM.providedBy}> $v ."),
        aim_filter(),
        Filter(
            "target_group",
            "A target group: IRI, SMARCO local name or label",
            TARGET_GROUP,
            back("$v", ELM.learningAchievementSpecification, ELM.targetGroup),
        ),
        text_filter(DCTERMS.title, DCTERMS.description),
    ),
    summary=(
        (ELM.providedBy,),
        (ELM.defaultLanguage,),
        (ELM.learningAchievementSpecification, ELM.EQFLevel),
        (ELM.learningAchievementSpecification, ELM.creditPoint, ELM.point),
        (ELM.learningAchievementSpecification, ELM.creditPoint, ELM.framework),
        (ELM.learningAchievementSpecification, ELM.mode),
        (ELM.learningAchievementSpecification, DCTERMS.language),
    ),
    embed=(ELM.learningAchievementSpecification, ELM.learningOutcome),
    part_names={"learningAchievementSpecification": "specification", "learningOutcome": "outcome"},
)

CREDENTIALS = ClassEntry(
    "credentials",
    "credential",
    "credential/",
    DCTERMS.title,
    shapes=(SMSH.MicroCredential, SMSH.Certificate),
    described_by=(SMSH.LearningAchievementSpecification,),
    home=("micro-credentials", "certificates"),
    search_type="credential",
    search_descriptions=True,
    demo_file="credentials.trig",
    owned=True,
    filters=(
        Filter("type", "micro-credential or certificate", CREDENTIAL_TYPE, "?s a $v ."),
        Filter("eqf", "EQF level, 1 to 8", EQF_LEVEL, f"?s <{ELM.EQFLevel}> $v ."),
        Filter(
            "skill",
            "An ESCO skill it certifies, itself or through a narrower skill",
            SKILL,
            itself_or_narrower("?_taught", back("?_taught", ELM.learningOutcome, ELM.relatedESCOSkill)),
        ),
        Filter("ects_min", "At least this many ECTS credits", CREDITS, ects("", ">=")),
        Filter("ects_max", "At most this many ECTS credits", CREDITS, ects("", "<=")),
        aim_filter(),
        Filter(
            "awarding_body",
            "The awarding organisation: its IRI or slug",
            ORGANISATION,
            back("$v", ELM.awardingOpportunity, ELM.awardingBody),
        ),
        text_filter(DCTERMS.title, DCTERMS.description),
    ),
    summary=((ELM.EQFLevel,), (ELM.creditPoint, ELM.point), (ELM.creditPoint, ELM.framework), (ELM.mode,)),
    embed=(ELM.learningOutcome,),
    part_names={"learningOutcome": "outcome"},
)

PATHWAYS = ClassEntry(
    "pathways",
    "training pathway",
    "pathway/",
    DCTERMS.title,
    shapes=(SMSH.TrainingPathway,),
    home=("training pathways",),
    demo_file="pathways.trig",
    owned=True,
    filters=(
        Filter("occupation", "The target ESCO occupation", OCCUPATION, f"?s <{SMARCO.targetOccupation}> $v ."),
        Filter(
            "credential", "The target credential: its IRI or slug", CREDENTIAL, f"?s <{SMARCO.targetCredential}> $v ."
        ),
        aim_filter(),
        text_filter(DCTERMS.title, DCTERMS.description),
    ),
    summary=((SMARCO.targetOccupation,), (SMARCO.targetCredential,)),
)

PRACTICES = ClassEntry(
    "practices",
    "best practice",
    "practice/",
    DCTERMS.title,
    shapes=(SMSH.BestPractice,),
    home=("best practices",),
    search_type="practice",
    search_descriptions=True,
    demo_file="practices.trig",
    owned=True,
    filters=(
        Filter(
            "skill",
            "An ESCO skill it builds, itself or through a narrower skill",
            SKILL,
            itself_or_narrower("?_related", f"?s <{SMARCO.relatedSkill}> ?_related ."),
        ),
        Filter("country", "Where it happened (dct:spatial)", COUNTRY_CODE, f"?s <{DCTERMS.spatial}> $v ."),
        Filter("partner", "The contributing organisation", ORGANISATION, f"?s <{SMARCO.contributedBy}> $v ."),
        aim_filter(),
        text_filter(DCTERMS.title, DCTERMS.description),
    ),
    summary=((SMARCO.contributedBy,), (DCTERMS.spatial,)),
    embed=(SMARCO.adoption, SMARCO.endorsement),
    part_names={"adoption": "adoption", "endorsement": "endorsement"},
)

PARTNERS = ClassEntry(
    "partners",
    "organisation",
    "organisation/",
    ROV.legalName,
    shapes=(SMSH.Organisation,),
    home=("organisations",),
    demo_file="partners.trig",
    owned=True,
    filters=(
        Filter(
            "country",
            "Country of the organisation's address",
            COUNTRY_CODE,
            back("$v", ELM.location, ELM.address, ELM.countryCode),
        ),
        Filter(
            "role",
            "Role in the partnership (coordinator, partner, associated partner, stakeholder): members only",
            ROLE,
            f"?_membership <{ORG.member}> ?s ; <{ORG.role}> $v .",
        ),
        Filter(
            "stakeholder_type",
            "The kind of organisation (org:classification): industry, public administration, education provider…",
            STAKEHOLDER_TYPE,
            f"?s <{ORG.classification}> $v .",
        ),
        text_filter(ROV.legalName, SKOS.prefLabel),
    ),
    summary=((SKOS.prefLabel,), (ELM.location, ELM.address, ELM.countryCode), (ORG.classification,)),
)

PLEDGES = ClassEntry(
    "pledges",
    "pledge",
    "pledge/",
    DCTERMS.title,
    shapes=(SMSH.Pledge,),
    home=("pledges",),
    search_type="pledge",
    search_descriptions=True,
    demo_file="pledges.trig",
    owned=True,
    filters=(
        Filter(
            "organisation",
            "The organisation that makes it: its IRI or slug",
            ORGANISATION,
            f"?s <{SMARCO.pledgedBy}> $v .",
        ),
        Filter(
            "year",
            "A year one of its targets is for (smarco:year)",
            YEAR,
            f"?s <{SMARCO.target}> ?_target . ?_target <{SMARCO.year}> ?_year . FILTER(STR(?_year) = $v)",
        ),
        Filter(
            "indicator",
            "What one of its targets counts: people upskilled, people reskilled, programmes, micro-credentials",
            INDICATOR,
            back("$v", SMARCO.target, SMARCO.indicator),
        ),
        Filter(
            "country",
            "A country one of its targets names (dct:spatial), or the pledging organisation's country",
            COUNTRY_CODE,
            f"{{ {back('$v', SMARCO.target, DCTERMS.spatial)} }} UNION "
            f"{{ {back('$v', SMARCO.pledgedBy, ELM.location, ELM.address, ELM.countryCode)} }}",
        ),
        text_filter(DCTERMS.title, DCTERMS.description),
    ),
    summary=((SMARCO.pledgedBy,), (DCTERMS.issued,)),
    embed=(SMARCO.target, SMARCO.progressReport, SMARCO.achievement),
    part_names={"target": "target", "progressReport": "report", "achievement": "achievement"},
)

EVENTS = ClassEntry(
    "events",
    "event",
    "event/",
    DCTERMS.title,
    shapes=(SMSH.Event,),
    home=("events",),
    search_type="event",
    search_descriptions=True,
    demo_file="events.trig",
    owned=True,
    filters=(
        Filter(
            "type",
            "The kind of event: training, webinar, workshop, study visit or mobility exchange",
            EVENT_TYPE,
            f"?s <{DCTERMS.type}> $v .",
        ),
        Filter(
            "country",
            "Where it takes place (dct:spatial), or a country its participants came from",
            COUNTRY_CODE,
            f"{{ ?s <{DCTERMS.spatial}> $v }} UNION {{ {back('$v', SMARCO.participants, DCTERMS.spatial)} }}",
        ),
        Filter(
            "organiser",
            "The organisation that holds it: its IRI or slug",
            ORGANISATION,
            f"?s <{SCHEMA.organizer}> $v .",
        ),
        Filter(
            "year",
            "The year it starts (schema:startDate)",
            YEAR,
            f"?s <{SCHEMA.startDate}> ?_start . FILTER(SUBSTR(STR(?_start), 1, 4) = $v)",
        ),
        Filter(
            "skill",
            "An ESCO skill it is about, itself or through a narrower skill",
            SKILL,
            itself_or_narrower("?_related", f"?s <{SMARCO.relatedSkill}> ?_related ."),
        ),
        aim_filter(),
        text_filter(DCTERMS.title, DCTERMS.description),
    ),
    summary=(
        (DCTERMS.type,),
        (SCHEMA.startDate,),
        (SCHEMA.organizer,),
        (DCTERMS.spatial,),
        (SCHEMA.eventAttendanceMode,),
    ),
    embed=(SMARCO.participants,),
    part_names={"participants": "participants"},
)

SKILLS = ClassEntry(
    "skills",
    "ESCO skill",
    ESCO_SKILL,
    SKOS.prefLabel,
    classes=(ESCO.Skill,),
    home=("ESCO skills",),
    search_type="skill",
    filters=(
        in_scheme_filter(),
        Filter("broader", "An ESCO skill: its narrower skills, at any depth", SKILL, f"?s <{SKOS.broader}>+ $v ."),
        text_filter(SKOS.prefLabel, SKOS.altLabel),
    ),
    summary=((ESCO.skillType,), (ESCO.skillReuseLevel,)),
    properties=_ESCO_PROPERTIES,
    id_pattern=ESCO_ID,
)

OCCUPATIONS = ClassEntry(
    "occupations",
    "ESCO occupation",
    ESCO_OCCUPATION,
    SKOS.prefLabel,
    classes=(ESCO.Occupation,),
    home=("ESCO occupations",),
    search_type="occupation",
    filters=(
        in_scheme_filter(),
        Filter(
            "skill",
            "An ESCO skill the occupation needs (essential or optional)",
            SKILL,
            f"?s <{ESCO.relatedEssentialSkill}>|<{ESCO.relatedOptionalSkill}> $v .",
        ),
        text_filter(SKOS.prefLabel, SKOS.altLabel),
    ),
    summary=((ESCO.memberOfISCOGroup,),),
    properties=_ESCO_PROPERTIES,
    id_pattern=ESCO_ID,
)

CLASSES: tuple[ClassEntry, ...] = (
    COURSES,
    CREDENTIALS,
    PATHWAYS,
    PRACTICES,
    PARTNERS,
    PLEDGES,
    EVENTS,
    SKILLS,
    OCCUPATIONS,
)
"""Every class the catalogue serves, in the order pages and the home page list them."""
