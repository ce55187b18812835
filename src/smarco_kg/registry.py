"""The one class registry: each class the API serves is one ``ResourceClass`` entry.

An entry names the collection path, the class IRIs, where its IRIs live, its label property, the shapes that
describe it, the filters its collection takes and what a list item shows. Everything else is derived: the
JSON-LD keys and their cardinalities come from the shapes (``vocabulary``), so adding a class is one entry
here plus its shape, never a hand-kept field list.

Key naming rule (``key_for``): a property's key is its local name (after ``#`` or the last ``/``) in
lowerCamelCase, a leading acronym lowered as a whole (``elm:EQFLevel`` -> ``eqfLevel``,
``elm:relatedESCOSkill`` stays ``relatedESCOSkill``); a class keeps its local name (``LearningOpportunity``).
When a key is reserved (``id``, ``type``, ``label``, ``items``, ``next``, ``previous``, ``first``) or two
IRIs share it, every IRI involved is keyed by its vocabulary prefix plus the capitalised key instead
(``dct:type`` -> ``dctType``), whatever order the shapes come in.

Cardinality rule: a property takes a single value when every property shape declaring it (not the ones inside
``sh:or``/``sh:and``/``sh:xone``/``sh:not``) says ``sh:maxCount 1``; otherwise it always takes an array.
``rdf:langString`` values become language maps (``{"en": "…"}``: one string per language when a shape says
``sh:uniqueLang true``, else an array); ``sh:class``, ``sh:in``, ``sh:nodeKind sh:IRI`` and ``sh:node`` (of a
shape naming resources) make IRI values; ``sh:datatype`` types literals (integers and booleans as JSON numbers and
booleans). A value that does not fit its key's definition is written in expanded form (``{"@value": …}``), never
dropped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Literal as Lit

from rdflib import RDF, RDFS, SH, SKOS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, ORG
from rdflib.term import Node

from smarco_kg.namespaces import ELM, ESCO, PREFIXES, ROV, SMARCO, SMSH

ISOTHES = "http://purl.org/iso25964/skos-thes#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
CONTEXT_PREFIXES: dict[str, str] = {**PREFIXES, "isothes": ISOTHES, "hydra": HYDRA}

LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
EQF = "http://data.europa.eu/snb/eqf/"
ECTS = URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")
MODES = URIRef("http://data.europa.eu/snb/learning-assessment/25831c2")
TARGET_GROUPS = URIRef("http://data.europa.eu/snb/target-group/25831c2")
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ESCO_SCHEME = "http://data.europa.eu/esco/concept-scheme/"

LABEL_PROPERTIES: tuple[URIRef, ...] = (SKOS.prefLabel, DCTERMS.title, ROV.legalName, RDFS.label)
"""How a linked resource is named, in order of preference: its first property here that has values."""

RESERVED_KEYS = frozenset({"id", "type", "label", "items", "next", "previous", "first"})

Kind = Lit["iri", "literal", "language", "any"]


# -- values of filters ------------------------------------------------------------------------------------


class BadValue(ValueError):
    """A filter value that cannot be read; the message says what is expected."""


@dataclass(frozen=True)
class Lookup:
    """A value named by IRI, local name or label, resolved against a vocabulary in the store."""

    iri: URIRef  # the IRI the value would be, when it is one (else a never-matching IRI)
    text: str  # the value as a label: lower case, hyphens and underscores as spaces


_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
ESCO_ID = r"[0-9a-zA-Z][0-9a-zA-Z.-]*"
_NOTHING = URIRef("urn:smarco:nothing")


@dataclass(frozen=True)
class Value:
    """How a filter's text becomes an RDF term: ``parse`` returns the term (or a ``Lookup``) or raises."""

    kind: str  # code, eqf, decimal, text, iri-or-id, concept, choice
    namespace: str = ""  # the IRIs a short form expands under
    choices: tuple[tuple[str, URIRef], ...] = ()
    vocabulary: str = ""  # SPARQL pattern over ?c that a concept must match
    schema: dict = field(default_factory=dict)  # the OpenAPI schema of the parameter
    hint: str = ""
    local: str = r"[a-z0-9][a-z0-9-]*"  # iri-or-id: what the part after the namespace looks like

    def parse(self, raw: str) -> URIRef | Literal | Lookup:
        raw = raw.strip()
        if not raw:
            raise BadValue("the value is empty")
        if self.kind == "code":  # ENG, ita or the full authority IRI
            if raw.startswith(self.namespace) and re.fullmatch(r"[A-Z0-9]{3}", raw[len(self.namespace) :]):
                return URIRef(raw)
            if re.fullmatch(r"[A-Za-z0-9]{3}", raw):
                return URIRef(self.namespace + raw.upper())
        elif self.kind == "eqf":
            if raw.startswith(EQF):
                raw = raw[len(EQF) :]
            if raw.isdigit() and 1 <= int(raw) <= 8:
                return URIRef(f"{EQF}{int(raw)}")
        elif self.kind == "decimal":
            try:
                number = Decimal(raw)
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite() and number >= 0:
                return Literal(str(number), datatype=XSD.decimal)
        elif self.kind == "text":
            if len(raw) <= 200:
                return Literal(raw.lower())
            raise BadValue("the text is longer than 200 characters")
        elif self.kind == "iri-or-id":  # a full IRI under the namespace, or the part after it
            local = raw[len(self.namespace) :] if raw.startswith(self.namespace) else raw
            if re.fullmatch(self.local, local):
                return URIRef(self.namespace + local)
            if raw.startswith(("http://", "https://")) and not set('<>"{}|^`\\ ').intersection(raw):
                return URIRef(raw)
        elif self.kind == "concept":
            if raw.startswith(("http://", "https://")) and not set('<>"{}|^`\\ ').intersection(raw):
                iri = URIRef(raw)
            elif self.namespace and _LOCAL.fullmatch(raw):
                iri = URIRef(self.namespace + raw)
            else:
                iri = _NOTHING
            return Lookup(iri, re.sub(r"[-_\s]+", " ", raw.lower()))
        elif self.kind == "choice":
            for name, iri in self.choices:
                if raw in (name, str(iri)) or raw.lower() == name:
                    return iri
            raise BadValue(f"use one of {', '.join(name for name, _ in self.choices)}")
        raise BadValue(self.hint)


def _code(namespace: str, example: str) -> Value:
    hint = f"a three-letter code such as {example} or an IRI {namespace}{example}"
    return Value("code", namespace, schema={"type": "string", "example": example}, hint=hint)


LANGUAGE_CODE = _code(LANGUAGE, "ENG")
COUNTRY_CODE = _code(COUNTRY, "ITA")
EQF_LEVEL = Value("eqf", schema={"type": "integer", "minimum": 1, "maximum": 8}, hint="a whole number from 1 to 8")
CREDITS = Value("decimal", schema={"type": "number", "minimum": 0}, hint="a number of ECTS credits, such as 5 or 2.5")
TEXT = Value("text", schema={"type": "string", "maxLength": 200}, hint="some text")
SKILL = Value(
    "iri-or-id",
    ESCO_SKILL,
    schema={"type": "string"},
    hint="an ESCO skill IRI http://data.europa.eu/esco/skill/… or its id",
    local=ESCO_ID,
)
OCCUPATION = Value(
    "iri-or-id",
    ESCO_OCCUPATION,
    schema={"type": "string"},
    hint="an ESCO occupation IRI http://data.europa.eu/esco/occupation/… or its id",
    local=ESCO_ID,
)


def _organisation(base_iri: str) -> Value:
    return Value(
        "iri-or-id",
        f"{base_iri}organisation/",
        schema={"type": "string", "example": "cefriel"},
        hint=f"an organisation IRI ({base_iri}organisation/…) or its slug, such as cefriel",
    )


def _concept(vocabulary: str, namespace: str = "", example: str = "") -> Value:
    return Value("concept", namespace, vocabulary=vocabulary, schema={"type": "string", "example": example})


MODE = _concept(f"?c <{SKOS.inScheme}> <{MODES}> .", example="online")
AIM = _concept(f"?c a <{SMARCO.Aim}> .", str(SMARCO), "resilientCommunities")
TARGET_GROUP = _concept(
    f"{{ ?c a <{SMARCO.TargetGroup}> }} UNION {{ ?c <{SKOS.inScheme}> <{TARGET_GROUPS}> }}",
    str(SMARCO),
    "smartCityEngineers",
)
ROLE = _concept(f"?c a <{SMARCO.PartnershipRole}> .", str(SMARCO), "coordinator")
SCHEME = _concept(f"?c a <{SKOS.ConceptScheme}> . FILTER(STRSTARTS(STR(?c), '{ESCO_SCHEME}'))", ESCO_SCHEME, "green")
CREDENTIAL_TYPE = Value(
    "choice",
    choices=(("micro-credential", SMARCO.MicroCredential), ("certificate", SMARCO.Certificate)),
    schema={"type": "string", "enum": ["micro-credential", "certificate"]},
)


# -- filters ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """A query parameter of a collection: ``pattern`` is SPARQL over the member ``?s``, with the parsed value as
    ``$v`` and its own variables written ``?_name`` (both renamed per filter, so filters never share one)."""

    name: str
    description: str
    value: Value
    pattern: str

    def sparql(self) -> tuple[str, str]:
        """The pattern with its variables renamed, and the name of the variable that takes the value."""
        variable = f"f_{self.name}"
        return self.pattern.replace("$v", f"?{variable}").replace("?_", f"?{variable}_"), variable


def _back(end: str, *path: URIRef) -> str:
    """``?s`` reaches ``end`` through ``path``, written from ``end`` back to ``?s``: Oxigraph joins in the order
    written, so starting from the filter's (bound) value visits only what leads to it, not every member."""
    hops = [f"?_hop{i}" for i in range(1, len(path))]
    nodes = ["?s", *hops, end]
    return " ".join(f"{nodes[i]} <{path[i]}> {nodes[i + 1]} ." for i in reversed(range(len(path))))


def _q(*properties: URIRef) -> Filter:
    path = "|".join(f"<{p}>" for p in properties)
    return Filter(
        "q",
        "Text in " + ", ".join(curie(p) for p in properties) + " (any language, case-insensitive)",
        TEXT,
        f"?s {path} ?_text . FILTER(CONTAINS(LCASE(STR(?_text)), $v))",
    )


SPEC = f"<{ELM.learningAchievementSpecification}>"


def _course_filters(base_iri: str) -> tuple[Filter, ...]:
    return (
        Filter(
            "skill",
            "An ESCO skill the course teaches, itself or through a narrower skill (skos:broader*)",
            SKILL,
            f"?_taught <{SKOS.broader}>* $v . "
            + _back("?_taught", ELM.learningAchievementSpecification, ELM.learningOutcome, ELM.relatedESCOSkill),
        ),
        Filter(
            "occupation",
            "An ESCO occupation: courses teaching one of its essential skills (esco:relatedEssentialSkill)",
            OCCUPATION,
            f"$v <{ESCO.relatedEssentialSkill}> ?_skill . "
            + _back("?_skill", ELM.learningAchievementSpecification, ELM.learningOutcome, ELM.relatedESCOSkill),
        ),
        Filter("eqf", "EQF level, 1 to 8", EQF_LEVEL, _back("$v", ELM.learningAchievementSpecification, ELM.EQFLevel)),
        Filter("ects_min", "At least this many ECTS credits", CREDITS, _ects(f"{SPEC}/", ">=")),
        Filter("ects_max", "At most this many ECTS credits", CREDITS, _ects(f"{SPEC}/", "<=")),
        Filter(
            "language",
            "Language of instruction (elm:defaultLanguage or dct:language): ENG, ITA… or the authority IRI",
            LANGUAGE_CODE,
            f"{{ ?s <{ELM.defaultLanguage}> $v }} UNION "
            f"{{ {_back('$v', ELM.learningAchievementSpecification, DCTERMS.language)} }}",
        ),
        Filter(
            "mode",
            "Form of participation: a Europass mode IRI or its label (online, blended, presential…)",
            MODE,
            _back("$v", ELM.learningAchievementSpecification, ELM.mode),
        ),
        Filter(
            "country",
            "Country of the provider (three-letter code such as ITA, or the authority IRI)",
            COUNTRY_CODE,
            _back("$v", ELM.providedBy, ELM.location, ELM.address, ELM.countryCode),
        ),
        Filter(
            "provider",
            "The providing organisation: its IRI or slug",
            _organisation(base_iri),
            f"?s <{ELM.providedBy}> $v .",
        ),
        Filter("aim", "A SMARCO aim: IRI, local name or label", AIM, f"?s <{SMARCO.aim}> $v ."),
        Filter(
            "target_group",
            "A target group: IRI, SMARCO local name or label",
            TARGET_GROUP,
            _back("$v", ELM.learningAchievementSpecification, ELM.targetGroup),
        ),
        _q(DCTERMS.title, DCTERMS.description),
    )


def _ects(path: str, comparison: str) -> str:
    """ECTS credits compared with ``$v``; ``path`` leads from the member to what has the credit points."""
    return (
        f"?s {path}<{ELM.creditPoint}> ?_credit . ?_credit <{ELM.framework}> <{ECTS}> ; <{ELM.point}> ?_points . "
        f"FILTER(xsd:decimal(?_points) {comparison} $v)"
    )


# -- the registry ---------------------------------------------------------------------------------------------

SummaryPath = tuple[URIRef, ...]


@dataclass(frozen=True)
class ResourceClass:
    """One class the API serves: ``GET /api/{collection}`` and ``GET /api/{collection}/{id}``."""

    collection: str  # the REST path segment: courses
    name: str  # one member, in words: course
    classes: tuple[URIRef, ...]  # members are typed with one of these
    prefix: str  # where member IRIs live: relative to the base IRI (course/) or absolute (ESCO)
    label: URIRef  # the property that names a member
    shapes: tuple[URIRef, ...]  # the SHACL shapes describing members; () for classes the shapes do not cover
    filters: tuple[Filter, ...] = ()
    summary: tuple[SummaryPath, ...] = ()  # what a list item shows besides id, type and label
    embed: tuple[URIRef, ...] = ()  # properties whose values (own resources) are described with the member
    properties: tuple[URIRef, ...] = ()  # for classes without shapes: the properties their members show
    id_pattern: str = r"[a-z0-9][a-z0-9-]*"

    def namespace(self, base_iri: str) -> str:
        return self.prefix if self.prefix.startswith(("http://", "https://")) else base_iri + self.prefix

    def iri(self, base_iri: str, local: str) -> URIRef | None:
        """The member IRI for an id from a URL, or None when the id cannot be one."""
        return URIRef(self.namespace(base_iri) + local) if re.fullmatch(self.id_pattern, local) else None


def registry(base_iri: str) -> tuple[ResourceClass, ...]:
    """Every class the API serves, for one base IRI."""
    organisation = _organisation(base_iri)
    return (
        ResourceClass(
            "courses",
            "course",
            (ELM.LearningOpportunity,),
            "course/",
            DCTERMS.title,
            (SMSH.Course,),
            filters=_course_filters(base_iri),
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
        ),
        ResourceClass(
            "credentials",
            "credential",
            (SMARCO.MicroCredential, SMARCO.Certificate),
            "credential/",
            DCTERMS.title,
            (SMSH.LearningAchievementSpecification, SMSH.MicroCredential, SMSH.Certificate),
            filters=(
                Filter("type", "micro-credential or certificate", CREDENTIAL_TYPE, "?s a $v ."),
                Filter("eqf", "EQF level, 1 to 8", EQF_LEVEL, f"?s <{ELM.EQFLevel}> $v ."),
                Filter(
                    "skill",
                    "An ESCO skill it certifies, itself or through a narrower skill",
                    SKILL,
                    f"?_taught <{SKOS.broader}>* $v . " + _back("?_taught", ELM.learningOutcome, ELM.relatedESCOSkill),
                ),
                Filter("ects_min", "At least this many ECTS credits", CREDITS, _ects("", ">=")),
                Filter("ects_max", "At most this many ECTS credits", CREDITS, _ects("", "<=")),
                Filter("aim", "A SMARCO aim: IRI, local name or label", AIM, f"?s <{SMARCO.aim}> $v ."),
                Filter(
                    "awarding_body",
                    "The awarding organisation: its IRI or slug",
                    organisation,
                    _back("$v", ELM.awardingOpportunity, ELM.awardingBody),
                ),
                _q(DCTERMS.title, DCTERMS.description),
            ),
            summary=((ELM.EQFLevel,), (ELM.creditPoint, ELM.point), (ELM.creditPoint, ELM.framework), (ELM.mode,)),
            embed=(ELM.learningOutcome,),
        ),
        ResourceClass(
            "pathways",
            "training pathway",
            (SMARCO.TrainingPathway,),
            "pathway/",
            DCTERMS.title,
            (SMSH.TrainingPathway,),
            filters=(
                Filter("occupation", "The target ESCO occupation", OCCUPATION, f"?s <{SMARCO.targetOccupation}> $v ."),
                Filter(
                    "credential",
                    "The target credential: its IRI or slug",
                    Value("iri-or-id", f"{base_iri}credential/", schema={"type": "string"}, hint="a credential IRI"),
                    f"?s <{SMARCO.targetCredential}> $v .",
                ),
                Filter("aim", "A SMARCO aim: IRI, local name or label", AIM, f"?s <{SMARCO.aim}> $v ."),
                _q(DCTERMS.title, DCTERMS.description),
            ),
            summary=((SMARCO.targetOccupation,), (SMARCO.targetCredential,)),
        ),
        ResourceClass(
            "practices",
            "best practice",
            (SMARCO.BestPractice,),
            "practice/",
            DCTERMS.title,
            (SMSH.BestPractice,),
            filters=(
                Filter(
                    "skill",
                    "An ESCO skill it builds, itself or through a narrower skill",
                    SKILL,
                    f"?_related <{SKOS.broader}>* $v . ?s <{SMARCO.relatedSkill}> ?_related .",
                ),
                Filter("country", "Where it happened (dct:spatial)", COUNTRY_CODE, f"?s <{DCTERMS.spatial}> $v ."),
                Filter("partner", "The contributing organisation", organisation, f"?s <{SMARCO.contributedBy}> $v ."),
                Filter("aim", "A SMARCO aim: IRI, local name or label", AIM, f"?s <{SMARCO.aim}> $v ."),
                _q(DCTERMS.title, DCTERMS.description),
            ),
            summary=((SMARCO.contributedBy,), (DCTERMS.spatial,)),
        ),
        ResourceClass(
            "partners",
            "organisation",
            (ELM.Organisation,),
            "organisation/",
            ROV.legalName,
            (SMSH.Organisation,),
            filters=(
                Filter(
                    "country",
                    "Country of the organisation's address",
                    COUNTRY_CODE,
                    _back("$v", ELM.location, ELM.address, ELM.countryCode),
                ),
                Filter(
                    "role",
                    "Role in the partnership (coordinator, partner, associated partner): members only",
                    ROLE,
                    f"?_membership <{ORG.member}> ?s ; <{ORG.role}> $v .",
                ),
                _q(ROV.legalName, SKOS.prefLabel),
            ),
            summary=((SKOS.prefLabel,), (ELM.location, ELM.address, ELM.countryCode)),
        ),
        ResourceClass(
            "skills",
            "ESCO skill",
            (ESCO.Skill,),
            ESCO_SKILL,
            SKOS.prefLabel,
            (),
            filters=(
                Filter("scheme", "An ESCO concept scheme: IRI, last segment or label", SCHEME, _in_scheme()),
                Filter(
                    "broader",
                    "An ESCO skill: its narrower skills, at any depth",
                    SKILL,
                    f"?s <{SKOS.broader}>+ $v .",
                ),
                _q(SKOS.prefLabel, SKOS.altLabel),
            ),
            summary=((ESCO.skillType,), (ESCO.skillReuseLevel,)),
            properties=_ESCO_PROPERTIES,
            id_pattern=ESCO_ID,
        ),
        ResourceClass(
            "occupations",
            "ESCO occupation",
            (ESCO.Occupation,),
            ESCO_OCCUPATION,
            SKOS.prefLabel,
            (),
            filters=(
                Filter("scheme", "An ESCO concept scheme: IRI, last segment or label", SCHEME, _in_scheme()),
                Filter(
                    "skill",
                    "An ESCO skill the occupation needs (essential or optional)",
                    SKILL,
                    f"?s <{ESCO.relatedEssentialSkill}>|<{ESCO.relatedOptionalSkill}> $v .",
                ),
                _q(SKOS.prefLabel, SKOS.altLabel),
            ),
            summary=((ESCO.memberOfISCOGroup,),),
            properties=_ESCO_PROPERTIES,
            id_pattern=ESCO_ID,
        ),
    )


def _in_scheme() -> str:
    return f"?s <{SKOS.inScheme}> $v ."


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


# -- the vocabulary: JSON-LD terms derived from the shapes ------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One JSON key: the IRI it stands for and the values it takes."""

    key: str
    iri: URIRef
    kind: Kind  # iri, literal (typed by datatype), language (a language map) or any
    many: bool = True
    datatype: URIRef | None = None
    unique_lang: bool = False  # language maps: one string per language rather than an array
    required: bool = False
    node: URIRef | None = None  # sh:node: the shape nested values follow

    @property
    def native(self) -> bool:
        """Values written as JSON numbers or booleans, which JSON-LD reads back with this datatype."""
        return self.datatype in (XSD.integer, XSD.boolean)

    def definition(self) -> str | dict:
        """The term's definition in the JSON-LD context."""
        body: dict = {"@id": str(self.iri)}
        if self.kind == "iri":
            body["@type"] = "@id"
        elif self.kind == "language":
            body["@container"] = "@language"
        elif self.kind == "literal" and self.datatype is not None and self.datatype != XSD.string and not self.native:
            body["@type"] = str(self.datatype)
        return body if len(body) > 1 else str(self.iri)


# Properties the shapes do not declare but every representation may show; SKOS and ESCO terms for the ESCO
# classes (which have no shapes of ours), rdfs:comment for the sample-data notes.
_EXTRA: tuple[tuple[URIRef, Kind, bool, URIRef | None], ...] = (
    (RDFS.comment, "language", True, None),
    (SKOS.altLabel, "language", True, None),
    (SKOS.hiddenLabel, "language", True, None),
    (SKOS.scopeNote, "language", True, None),
    (SKOS.definition, "language", True, None),
    (SKOS.notation, "literal", True, XSD.string),
    (SKOS.broader, "iri", True, None),
    (SKOS.narrower, "iri", True, None),
    (SKOS.inScheme, "iri", True, None),
    (ESCO.skillType, "iri", False, None),
    (ESCO.skillReuseLevel, "iri", False, None),
    (ESCO.relatedEssentialSkill, "iri", True, None),
    (ESCO.relatedOptionalSkill, "iri", True, None),
    (ESCO.memberOfISCOGroup, "iri", True, None),
    (DCTERMS.modified, "literal", False, XSD.dateTime),
    (URIRef(ISOTHES + "status"), "literal", False, XSD.string),
)
_EXTRA_CLASSES = (ESCO.Skill, ESCO.Occupation, ESCO.MemberConcept, SKOS.Concept, SKOS.ConceptScheme)
_VIEW_TERMS = {
    "label": {"@id": str(RDFS.label)},
    "items": {"@id": HYDRA + "member", "@type": "@id", "@container": "@set"},
    "next": {"@id": HYDRA + "next", "@type": "@id"},
    "previous": {"@id": HYDRA + "previous", "@type": "@id"},
    "first": {"@id": HYDRA + "first", "@type": "@id"},
    "last": {"@id": HYDRA + "last", "@type": "@id"},
    "totalItems": {"@id": HYDRA + "totalItems", "@type": str(XSD.integer)},
}
VIEW_IRIS = {URIRef(body["@id"]): key for key, body in _VIEW_TERMS.items()}
_LOGICAL = (SH["or"], SH["and"], SH.xone, SH["not"])


@dataclass(frozen=True)
class Vocabulary:
    """The JSON-LD terms of every property and class, derived from the shapes; and the shapes' structure."""

    terms: dict[URIRef, Term]  # property IRI -> term
    classes: dict[URIRef, str]  # class IRI -> key
    shape_properties: dict[URIRef, tuple[URIRef, ...]]  # node shape -> the property paths it declares

    def context(self) -> dict:
        """The JSON-LD context document published at ``/api/context.jsonld``."""
        body: dict = {"id": "@id", "type": "@type", **CONTEXT_PREFIXES, **_VIEW_TERMS}
        for iri, key in sorted(self.classes.items(), key=lambda item: item[1]):
            body[key] = str(iri)
        for term in sorted(self.terms.values(), key=lambda t: t.key):
            body[term.key] = term.definition()
        return {"@context": body}

    def key_of_class(self, iri: URIRef) -> str:
        return self.classes.get(iri, str(iri))

    def properties_of(self, entry: ResourceClass) -> list[Term]:
        """The terms a member of ``entry`` can have, in key order."""
        iris: list[URIRef] = list(entry.properties)
        for shape in entry.shapes:
            iris.extend(self.shape_properties.get(shape, ()))
        seen: dict[URIRef, Term] = {}
        for iri in iris:
            if iri in self.terms and iri not in seen:
                seen[iri] = self.terms[iri]
        return sorted(seen.values(), key=lambda t: t.key)


def local_name(iri: str) -> str:
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


def key_for(iri: str, *, is_class: bool = False) -> str:
    """A property's key: its local name in lowerCamelCase, a leading acronym lowered whole (``EQFLevel`` ->
    ``eqfLevel``); a class keeps its local name."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", local_name(iri)) or "term"
    if is_class:
        return name
    run = re.match(r"[A-Z]+", name)
    if not run:
        return name
    upper = run.group(0)
    if len(upper) == len(name) or len(upper) == 1:
        return upper.lower() + name[len(upper) :]
    return upper[:-1].lower() + name[len(upper) - 1 :]  # EQFLevel -> eqf + Level


def _prefixed(iri: str, key: str) -> str:
    for prefix, namespace in sorted(CONTEXT_PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace):
            return prefix + key[0].upper() + key[1:]
    return "x" + key[0].upper() + key[1:]


def _assign_keys(iris: Iterable[URIRef], *, classes: bool) -> dict[URIRef, str]:
    wanted = {iri: key_for(iri, is_class=classes) for iri in iris}
    holders: dict[str, list[URIRef]] = defaultdict(list)
    for iri, key in wanted.items():
        holders[key].append(iri)
    taken = RESERVED_KEYS | set(CONTEXT_PREFIXES)
    return {iri: (_prefixed(iri, key) if len(holders[key]) > 1 or key in taken else key) for iri, key in wanted.items()}


def _declared_property_shapes(shapes: Graph) -> list[tuple[URIRef | None, Node]]:
    """(node shape or None, property shape) for every property shape outside logical constraints."""
    inside_logic: set = set()
    for predicate in _LOGICAL:
        for _, members in shapes.subject_objects(predicate):
            for member in Collection(shapes, members) if isinstance(members, BNode) else [members]:
                inside_logic.add(member)
    found: list = []
    for shape in set(shapes.subjects(SH.path, None)):
        if shape in inside_logic:
            continue
        owners = list(shapes.subjects(SH.property, shape))
        if not owners:
            found.append((None, shape))
        for owner in owners:
            found.append((owner if isinstance(owner, URIRef) else None, shape))
    return found


def vocabulary_from_shapes(shapes: Graph) -> Vocabulary:
    """The JSON-LD terms the shapes imply (see the module docstring for the rules)."""
    declared = _declared_property_shapes(shapes)
    by_path: dict[URIRef, list] = defaultdict(list)
    shape_properties: dict[URIRef, list[URIRef]] = defaultdict(list)
    for owner, shape in declared:
        path = shapes.value(shape, SH.path)
        if not isinstance(path, URIRef):
            continue  # inverse and sequence paths have no key of their own
        by_path[path].append(shape)
        if owner is not None and path not in shape_properties[owner]:
            shape_properties[owner].append(path)

    def names_resources(node: Node) -> bool:
        """A node shape whose values are IRIs or described resources, not literals."""
        return any(
            (node, predicate, None) in shapes for predicate in (SH.property, SH["class"], SH["in"])
        ) or shapes.value(node, SH.nodeKind) in (SH.IRI, SH.BlankNodeOrIRI)

    specs: dict[URIRef, dict] = {}
    for path, property_shapes in by_path.items():
        datatypes = {shapes.value(s, SH.datatype) for s in property_shapes} - {None}
        refers = any(
            (s, SH["class"], None) in shapes
            or shapes.value(s, SH.nodeKind) == SH.IRI
            or (s, SH["in"], None) in shapes
            or any(names_resources(n) for n in shapes.objects(s, SH.node))
            for s in property_shapes
        )
        max_counts = [shapes.value(s, SH.maxCount) for s in property_shapes]
        single = all(m is not None and int(m) <= 1 for m in max_counts)
        required = any(int(shapes.value(s, SH.minCount) or 0) >= 1 for s in property_shapes)
        node = next((n for s in property_shapes for n in shapes.objects(s, SH.node) if isinstance(n, URIRef)), None)
        if RDF.langString in datatypes:
            unique = any(bool(shapes.value(s, SH.uniqueLang)) for s in property_shapes)
            specs[path] = {"kind": "language", "many": not unique, "unique_lang": unique}
        elif len(datatypes) == 1:
            specs[path] = {"kind": "literal", "many": not single, "datatype": next(iter(datatypes))}
        elif refers:
            specs[path] = {"kind": "iri", "many": not single}
        else:
            specs[path] = {"kind": "any", "many": not single}
        specs[path]["required"] = required
        specs[path]["node"] = node
    for iri, kind, many, datatype in _EXTRA:
        specs.setdefault(iri, {"kind": kind, "many": many, "datatype": datatype})
    keys = _assign_keys(specs, classes=False)
    terms = {iri: Term(keys[iri], iri, **spec) for iri, spec in specs.items()}

    class_iris = {o for o in shapes.objects(None, SH.targetClass) if isinstance(o, URIRef)}
    class_iris |= {o for o in shapes.objects(None, SH["class"]) if isinstance(o, URIRef)}
    class_iris |= set(_EXTRA_CLASSES)
    for entry in registry("https://example.org/"):
        class_iris |= set(entry.classes)
    classes = _assign_keys(class_iris, classes=True)
    return Vocabulary(terms, classes, {k: tuple(v) for k, v in shape_properties.items()})


@lru_cache(maxsize=8)
def vocabulary(shapes_dir: Path) -> Vocabulary:
    """The vocabulary of the shapes in ``shapes_dir`` (parsed once per process)."""
    graph = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return vocabulary_from_shapes(graph)


def curie(iri: URIRef) -> str:
    for prefix, namespace in CONTEXT_PREFIXES.items():
        if str(iri).startswith(namespace):
            return f"{prefix}:{str(iri)[len(namespace) :]}"
    return str(iri)
