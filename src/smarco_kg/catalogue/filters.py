"""The filters of collections: how a parameter's text becomes an RDF term, and the SPARQL it binds.

A filter is a pattern over the member ``?s`` with the value as ``$v``; values are bound through the store's
``bindings`` (never pasted into the query text). A value names a concept by IRI, id, code or label in any language
the store holds, resolved against the vocabularies in the store by ``concepts`` (once per store generation): an
unknown value is a 422 quoting it, an ambiguous one a 422 listing the concepts it could name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from rdflib import SKOS, XSD, Literal, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.concepts import Ambiguous, Table, Vocabulary, fold, shown, tables
from smarco_kg.catalogue.vocabulary import curie
from smarco_kg.errors import BadParameter, Unprocessable
from smarco_kg.iri_syntax import HTTP_IRI
from smarco_kg.namespaces import ELM, ESCO, SMARCO
from smarco_kg.store import GraphStore

LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
EQF = "http://data.europa.eu/snb/eqf/"
ECTS = URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")
MODES = URIRef("http://data.europa.eu/snb/learning-assessment/25831c2")
TARGET_GROUPS = URIRef("http://data.europa.eu/snb/target-group/25831c2")
SCHEDULES = URIRef("http://data.europa.eu/snb/learning-schedule/25831c2")
CREDIT_SYSTEMS = URIRef("http://data.europa.eu/snb/education-credit/25831c2")
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ESCO_SCHEME = "http://data.europa.eu/esco/concept-scheme/"
ESCO_ID = r"[0-9a-zA-Z][0-9a-zA-Z.-]*"


class BadValue(Unprocessable, ValueError):
    """A filter value that cannot be read; the message says what is expected (``bind`` names the parameter)."""


@dataclass(frozen=True)
class Lookup:
    """A value to find among a vocabulary's concepts: the IRI it spells, if it spells one, and its text."""

    iri: URIRef | None  # the IRI the value is, or expands to as a code or id (None: it can only be a name)
    text: str  # the value as given, spaces around it stripped


_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
IRI_TEXT = HTTP_IRI
"""An IRI a filter takes as it is: http(s), as RFC 3986 lays it out (no brackets): what SPARQL then parses too."""
SOMETHING = r"[^\s\x1c-\x1f\x85]"
"""The pattern of a value that is not empty once the spaces around it are stripped (as Python strips them)."""
MAX_VALUE = 2000
"""The longest value a filter naming a concept takes (an IRI may be long; no label comes near it)."""
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EQF_CODE = re.compile(r"(?:eqf\s*(?:level\s*)?)?([1-8])", re.IGNORECASE)

NAMED = ("code", "eqf", "iri-or-id", "concept")
"""The kinds of value that also name a concept by label or code, looked up in the vocabulary the store holds."""


@dataclass(frozen=True)
class Value:
    """How a filter's text becomes an RDF term: ``parse`` returns the term (or a ``Lookup``) or raises."""

    kind: str  # code, eqf, decimal, text, year, iri-or-id, concept, choice
    namespace: str = ""  # the IRIs a short form expands under: absolute, or relative to the base IRI
    choices: tuple[tuple[str, URIRef], ...] = ()
    vocabulary: str = ""  # SPARQL pattern over ?c that a concept must match
    schema: dict = field(default_factory=dict)  # the OpenAPI schema of the parameter
    hint: str = ""
    local: str = r"[a-z0-9][a-z0-9-]*"  # iri-or-id: what the part after the namespace looks like
    cldr: str = ""  # "language" or "country": CLDR's two-letter codes and names name the concepts too
    qualifier: str = ""  # a word that may go before a code or label ("EQF 4")
    what: str = ""  # a concept, in words, for messages: "ESCO skill"
    written: bool = False  # partners write the concepts (organisations, credentials): names read again at once

    def openapi_schema(self, base_iri: str) -> dict:
        """The parameter's OpenAPI schema with what ``parse`` asks of the text stated as a pattern (surrounding
        spaces are ignored; an empty value is refused)."""
        schema = dict(self.schema)
        if schema.get("type") != "string" or "enum" in schema:
            return schema
        if self.kind in NAMED:
            schema.setdefault("maxLength", MAX_VALUE)
        schema["pattern"] = SOMETHING
        return schema

    def under(self, base_iri: str) -> str:
        """The namespace as an absolute IRI."""
        if not self.namespace or self.namespace.startswith(("http://", "https://")):
            return self.namespace
        return base_iri + self.namespace

    def names(self, base_iri: str) -> Vocabulary:
        """Where the concepts this value names are, and what names them."""
        local = self.local if self.kind == "iri-or-id" else _LOCAL.pattern[1:-1] if self.kind == "concept" else ""
        return Vocabulary(self.vocabulary, self.under(base_iri), local, self.cldr, self.qualifier, self.written)

    @property
    def open(self) -> bool:
        """Whether an IRI, code or id that no concept in the store has is taken as it is: a filter then matches
        nothing, as a query for any IRI would. Closed vocabularies (modes, aims, target groups…) refuse it."""
        return self.kind in ("code", "eqf", "iri-or-id")

    def parse(self, raw: str, base_iri: str = "") -> URIRef | Literal | Lookup:
        namespace = self.under(base_iri)
        raw = raw.strip()
        if not raw:
            raise BadValue("the value is empty")
        if self.kind in NAMED and len(raw) > MAX_VALUE:
            raise BadValue(f"longer than {MAX_VALUE} characters")
        # An IRI, or a code or UUID that can be no label, is bound as it is, with no look-up: as fast as ever.
        if self.kind == "code":  # ENG, ita, the full authority IRI, or a name
            if raw.startswith(namespace) and re.fullmatch(r"[A-Z0-9]{3}", raw[len(namespace) :]):
                return URIRef(raw)
            if re.fullmatch(r"[A-Za-z0-9]{3}", raw):
                return URIRef(namespace + raw.upper())
            if re.fullmatch(IRI_TEXT, raw):
                raise BadValue(self.hint)
            return Lookup(None, raw)
        if self.kind == "eqf":  # 4, EQF 4, EQF level 4, the IRI, or a label (Level 4)
            code = _EQF_CODE.fullmatch(raw[len(EQF) :] if raw.startswith(EQF) else raw)
            if code:
                return URIRef(f"{EQF}{code[1]}")
            if re.fullmatch(r"\d+|" + IRI_TEXT, raw):
                raise BadValue(self.hint)
            return Lookup(None, raw)
        if self.kind == "decimal":
            try:
                number = Decimal(raw)
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite() and number >= 0:
                return Literal(str(number), datatype=XSD.decimal)
        elif self.kind == "year":
            if re.fullmatch(r"[0-9]{4}", raw):
                return Literal(raw)  # compared with the year's text: xsd:gYear and dates' years alike
        elif self.kind == "text":
            if len(raw) <= 200:
                return Literal(raw.lower())
            raise BadValue("the text is longer than 200 characters")
        elif self.kind == "iri-or-id":  # a full IRI under the namespace, the part after it, any IRI, or a name
            local = raw[len(namespace) :] if raw.startswith(namespace) else raw
            if re.fullmatch(self.local, local):
                iri = URIRef(namespace + local)
                return iri if local != raw or _UUID.fullmatch(local) else Lookup(iri, raw)
            if re.fullmatch(IRI_TEXT, raw):
                return URIRef(raw)
            return Lookup(None, raw)
        elif self.kind == "concept":
            if re.fullmatch(IRI_TEXT, raw):
                return Lookup(URIRef(raw), raw)
            if namespace and _LOCAL.fullmatch(raw):
                return Lookup(URIRef(namespace + raw), raw)
            return Lookup(None, raw)
        elif self.kind == "choice":
            for name, iri in self.choices:
                if raw in (name, str(iri)) or raw.lower() == name:
                    return iri
            raise BadValue(f"use one of {', '.join(name for name, _ in self.choices)}")
        raise BadValue(self.hint)


def _code(namespace: str, example: str, what: str, cldr: str, codes: str) -> Value:
    hint = f"a {what} by code ({codes}), English or native name, or its IRI {namespace}{example}"
    return Value(
        "code",
        namespace,
        vocabulary=f"?c <{SKOS.inScheme}> <{namespace.rstrip('/')}> .",
        schema={"type": "string", "example": example},
        hint=hint,
        cldr=cldr,
        what=what,
    )


def _concept(vocabulary: str, namespace: str = "", example: str = "", what: str = "") -> Value:
    return Value("concept", namespace, vocabulary=vocabulary, schema={"type": "string", "example": example}, what=what)


LANGUAGE_CODE = _code(LANGUAGE, "ENG", "language", "language", "ENG, en")
COUNTRY_CODE = _code(COUNTRY, "ITA", "country", "country", "ITA, IT")
EQF_LEVEL = Value(
    "eqf",
    vocabulary=f"?c <{SKOS.inScheme}> <{EQF}25831c2> .",
    schema={"type": "string", "example": "6"},
    hint="an EQF level from 1 to 8: 4, EQF 4, Level 4 or its IRI",
    qualifier="EQF",
    what="EQF level",
)
CREDITS = Value("decimal", schema={"type": "number", "minimum": 0}, hint="a number of ECTS credits, such as 5 or 2.5")
YEAR = Value(
    "year", schema={"type": "integer", "minimum": 1000, "maximum": 9999}, hint="a year, four digits such as 2026"
)
TEXT = Value("text", schema={"type": "string", "maxLength": 200}, hint="some text")


def _esco(namespace: str, what: str, cls: URIRef) -> Value:
    return Value(
        "iri-or-id",
        namespace,
        vocabulary=f"?c a <{cls}> .",
        schema={"type": "string"},
        hint=f"an {what}: its label in any language, its IRI {namespace}… or its id",
        local=ESCO_ID,
        what=what,
    )


SKILL = _esco(ESCO_SKILL, "ESCO skill", ESCO.Skill)
OCCUPATION = _esco(ESCO_OCCUPATION, "ESCO occupation", ESCO.Occupation)
ORGANISATION = Value(
    "iri-or-id",
    "organisation/",
    vocabulary=f"?c a <{ELM.Organisation}> .",
    schema={"type": "string", "example": "cefriel"},
    hint="an organisation: its name, its IRI (<base>organisation/…) or its slug, such as cefriel",
    what="organisation",
    written=True,
)
CREDENTIAL = Value(
    "iri-or-id",
    "credential/",
    vocabulary=f"?c a ?_type . FILTER(?_type IN (<{SMARCO.MicroCredential}>, <{SMARCO.Certificate}>))",
    schema={"type": "string"},
    hint="a credential: its title, its IRI or its slug",
    what="credential",
    written=True,
)
MODE = _concept(f"?c <{SKOS.inScheme}> <{MODES}> .", example="online", what="mode")
AIM = _concept(f"?c a <{SMARCO.Aim}> .", str(SMARCO), "resilientCommunities", "aim")
TARGET_GROUP = _concept(
    f"{{ ?c a <{SMARCO.TargetGroup}> }} UNION {{ ?c <{SKOS.inScheme}> <{TARGET_GROUPS}> }}",
    str(SMARCO),
    "smartCityEngineers",
    "target group",
)
ROLE = _concept(f"?c a <{SMARCO.PartnershipRole}> .", str(SMARCO), "coordinator", "role")
STAKEHOLDER_TYPE = _concept(f"?c a <{SMARCO.StakeholderType}> .", str(SMARCO), "industry", "stakeholder type")
INDICATOR = _concept(f"?c a <{SMARCO.PledgeIndicator}> .", str(SMARCO), "peopleUpskilled", "pledge indicator")
EVENT_TYPE = _concept(f"?c a <{SMARCO.EventType}> .", str(SMARCO), "webinar", "event type")
SCHEME = _concept(
    f"?c a <{SKOS.ConceptScheme}> . FILTER(STRSTARTS(STR(?c), '{ESCO_SCHEME}'))", ESCO_SCHEME, "green", "scheme"
)
CREDENTIAL_TYPE = Value(
    "choice",
    choices=(("micro-credential", SMARCO.MicroCredential), ("certificate", SMARCO.Certificate)),
    schema={"type": "string", "enum": ["micro-credential", "certificate"]},
)
SCHEDULE = _concept(f"?c <{SKOS.inScheme}> <{SCHEDULES}> .", example="full time", what="schedule")
CREDIT_SYSTEM = _concept(
    f"?c <{SKOS.inScheme}> <{CREDIT_SYSTEMS}> .", example="European Credit Transfer System", what="credit system"
)

NAMED_VALUES: dict[str, Value] = {
    "skill": SKILL,
    "occupation": OCCUPATION,
    "language": LANGUAGE_CODE,
    "country": COUNTRY_CODE,
    "eqf": EQF_LEVEL,
    "mode": MODE,
    "schedule": SCHEDULE,
    "credit-system": CREDIT_SYSTEM,
    "target-group": TARGET_GROUP,
    "aim": AIM,
    "organisation": ORGANISATION,
    "credential": CREDENTIAL,
}
"""The values that name concepts, by the name a named query's parameter type gives them."""


# -- filters ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """A query parameter of a collection: ``pattern`` is SPARQL over the member ``?s``, with the parsed value as
    ``$v`` and its own variables written ``?_name`` (both renamed per filter, so filters never share one)."""

    name: str
    description: str
    value: Value
    pattern: str
    taught: bool = False
    """The pattern is the courses teaching ``$v`` or a skill below it (``itself_or_narrower`` over ``back`` to a
    course's outcomes): a listing may answer it from the courses kept per skill (``read.Listing``)."""

    def sparql(self) -> tuple[str, str]:
        """The pattern with its variables renamed, and the name of the variable that takes the value."""
        variable = f"f_{self.name}"
        return self.pattern.replace("$v", f"?{variable}").replace("?_", f"?{variable}_"), variable


def back(end: str, *path: URIRef) -> str:
    """``?s`` reaches ``end`` through ``path``, written from ``end`` back to ``?s``: Oxigraph joins in the order
    written, so starting from the filter's (bound) value visits only what leads to it, not every member."""
    hops = [f"?_hop{i}" for i in range(1, len(path))]
    nodes = ["?s", *hops, end]
    return " ".join(f"{nodes[i]} <{path[i]}> {nodes[i + 1]} ." for i in reversed(range(len(path))))


def itself_or_narrower(skill: str, pattern: str) -> str:
    """``pattern`` over ``skill`` where ``skill`` is ``$v`` itself or any skill narrower than it, at any depth.

    The same as ``skill skos:broader* $v . pattern``, written as a ``UNION`` of the skill itself and
    ``skos:broader+``: after a large import into the same server, Virtuoso answered the ``*`` path joined to a
    course's three-step path with no rows, even for courses teaching the skill itself; the union's first branch
    answers those right there (its second can still miss, docs/stores.md)."""
    return f"{{ {pattern.replace(skill, '$v')} }} UNION {{ {skill} <{SKOS.broader}>+ $v . {pattern} }}"


def text_filter(*properties: URIRef) -> Filter:
    """``q``: text in any of ``properties``, any language, case-insensitive."""
    path = "|".join(f"<{p}>" for p in properties)
    return Filter(
        "q",
        "Text in " + ", ".join(curie(p) for p in properties) + " (any language, case-insensitive)",
        TEXT,
        f"?s {path} ?_text . FILTER(CONTAINS(LCASE(STR(?_text)), $v))",
    )


def ects(path: str, comparison: str) -> str:
    """ECTS credits compared with ``$v``; ``path`` leads from the member to what has the credit points."""
    return (
        f"?s {path}<{ELM.creditPoint}> ?_credit . ?_credit <{ELM.framework}> <{ECTS}> ; <{ELM.point}> ?_points . "
        f"FILTER(xsd:decimal(?_points) {comparison} $v)"
    )


def aim_filter() -> Filter:
    return Filter("aim", "A SMARCO aim: IRI, local name or label", AIM, f"?s <{SMARCO.aim}> $v .")


def in_scheme_filter() -> Filter:
    return Filter("scheme", "An ESCO concept scheme: IRI, last segment or label", SCHEME, f"?s <{SKOS.inScheme}> $v .")


# -- binding ------------------------------------------------------------------------------------------------


def resolve(
    store: GraphStore,
    item: Filter,
    raw: str,
    lookup: Lookup,
    base_iri: str = "",
    generation: int | None = None,
    lang: str | None = None,
) -> URIRef:
    """The concept a filter value names by IRI, id, code or label (labels in ``lang`` preferred when several
    concepts share one); a 422 quoting the value when none does, or listing the candidates when several do.

    The names are read once per store ``generation`` (None: read now, for this value only)."""
    return concept_of(store, item.name, item.value, raw, lookup, base_iri, generation, lang)


def concept_of(
    store: GraphStore,
    parameter: str,
    value: Value,
    raw: str,
    lookup: Lookup,
    base_iri: str = "",
    generation: int | None = None,
    lang: str | None = None,
    *,
    only_lang: bool = False,
) -> URIRef:
    """``resolve`` for any parameter that takes ``value`` (a filter's, a named query's)."""
    table = tables(store).table(store, value.names(base_iri), generation)
    if lookup.iri is not None and lookup.iri in table.concepts:
        return lookup.iri
    try:
        found = table.concept(lookup.text, lang, only_lang=only_lang)
    except Ambiguous as error:
        raise ambiguous(parameter, raw, value, error) from None
    if found is not None:
        return found
    if lookup.iri is not None and (value.open or not table.concepts):
        return lookup.iri  # an IRI (or code or id) of a vocabulary the store lacks: it matches nothing
    raise unknown(parameter, raw, value, table)


def named(
    store: GraphStore,
    parameter: str,
    value: Value,
    raw: str,
    base_iri: str = "",
    generation: int | None = None,
    lang: str | None = None,
) -> URIRef:
    """The concept ``raw`` names, for a parameter outside the filters that takes ``value`` (an IRI, id, code or
    label): a 422 naming ``parameter`` when it is an IRI outside the vocabulary or when no concept or several
    answer to it."""
    try:
        parsed = value.parse(raw, base_iri)
    except BadValue as error:
        raise BadParameter(parameter, raw, str(error) or value.hint) from error
    if isinstance(parsed, Lookup):
        return concept_of(store, parameter, value, raw, parsed, base_iri, generation, lang)
    namespace = value.under(base_iri)
    if not isinstance(parsed, URIRef) or (namespace and not parsed.startswith(namespace)):
        raise BadParameter(parameter, raw, value.hint)  # here an IRI outside the vocabulary is a mistake
    return parsed


def stored_label(
    store: GraphStore,
    parameter: str,
    value: Value,
    text: str,
    base_iri: str = "",
    generation: int | None = None,
    lang: str | None = None,
    *,
    only_lang: bool = False,
) -> Literal | None:
    """The label of a concept of ``value``'s vocabulary that ``text`` is, as the store holds it (its case and
    language tag), to match labels exactly; None when no concept has it; a 422 listing the concepts when several
    labels differ in more than case and accents."""
    table = tables(store).table(store, value.names(base_iri), generation)
    found = [n for n in table.find(text, lang, only_lang=only_lang) if n.literal is not None]
    literals = {n.literal for n in found if n.literal is not None}
    if len(literals) > 1:
        iris = sorted({n.concept for n in found})
        raise ambiguous(parameter, text, value, Ambiguous([table.concepts[i] for i in iris if i in table.concepts]))
    return next(iter(literals), None)


def ambiguous(parameter: str, raw: str, value: Value, error: Ambiguous) -> BadParameter:
    """The 422 for a value several concepts answer to: each candidate's label and code, and its IRI for machines."""
    what = value.what or "concept"
    return BadParameter(
        parameter,
        raw,
        f"ambiguous: {len(error.candidates)} {what}s go by this name: {shown(error.candidates)}; "
        "give the code or IRI of the one you mean",
        candidates=[c.problem() for c in error.candidates],
    )


def unknown(parameter: str, raw: str, value: Value, table: Table) -> BadParameter:
    """The 422 for a value no concept answers to; a small vocabulary's concepts are listed."""
    what = value.what or "concept"
    if 0 < len(table.concepts) <= 50:
        known = table.known()
        return BadParameter(
            parameter,
            raw,
            f"no {what} has this name, code or IRI; known values include {shown(known)}",
            known=[c.problem() for c in known],
        )
    return BadParameter(parameter, raw, f"no {what} has this name, code or IRI; {value.hint}".rstrip("; "))


def known_names(store: GraphStore, value: Value, base_iri: str) -> list[str]:
    """Names ``resolve`` takes for a concept filter's values, for a description to list: each concept's local name
    (under the filter's namespace) and its labels, folded as ``resolve`` compares them."""
    table = tables(store).table(store, value.names(base_iri), None)
    namespace = value.under(base_iri)
    names: set[str] = set()
    for concept in table.concepts:
        if namespace and concept.startswith(namespace) and _LOCAL.fullmatch(concept[len(namespace) :]):
            names.add(concept[len(namespace) :])
    for key, found in table.names.items():
        if any(n.rank > 0 for n in found):
            names.add(key)
    return sorted(name for name in names if name and fold(name))


def bind(
    store: GraphStore,
    filters: tuple[Filter, ...],
    params: dict[str, str],
    base_iri: str,
    generation: int | None = None,
    lang: str | None = None,
) -> tuple[list[str], dict[str, Node]]:
    """The patterns of the filters ``params`` gives values for, and the values to bind; 422 on a bad value. Names
    are looked up once per store ``generation`` (see ``resolve``), labels in ``lang`` preferred."""
    patterns: list[str] = []
    bindings: dict[str, Node] = {}
    for item in filters:
        raw = params.get(item.name)
        if raw is None:
            continue
        try:
            value = item.value.parse(raw, base_iri)
        except BadValue as error:
            raise BadParameter(item.name, raw, str(error) or item.value.hint) from error
        if isinstance(value, Lookup):
            value = resolve(store, item, raw, value, base_iri, generation, lang)
        pattern, variable = item.sparql()
        patterns.append(pattern)
        bindings[variable] = value
    return patterns, bindings
