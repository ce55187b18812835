"""The filters of collections: how a parameter's text becomes an RDF term, and the SPARQL it binds.

A filter is a pattern over the member ``?s`` with the value as ``$v``; values are bound through the store's
``bindings`` (never pasted into the query text). A value names a concept by IRI, code, local name or label, and
is resolved against the vocabularies in the store; an unknown value is a 422 listing the values the store knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from rdflib import SKOS, XSD, Literal, URIRef
from rdflib.term import Node

from smarco_kg.catalogue.vocabulary import PREFIXES_SPARQL, curie
from smarco_kg.errors import BadParameter, Unprocessable
from smarco_kg.iri_syntax import HTTP_IRI
from smarco_kg.namespaces import ELM, SMARCO
from smarco_kg.store import GraphStore

LANGUAGE = "http://publications.europa.eu/resource/authority/language/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
EQF = "http://data.europa.eu/snb/eqf/"
ECTS = URIRef("http://data.europa.eu/snb/education-credit/6fcec5c5af")
MODES = URIRef("http://data.europa.eu/snb/learning-assessment/25831c2")
TARGET_GROUPS = URIRef("http://data.europa.eu/snb/target-group/25831c2")
ESCO_SKILL = "http://data.europa.eu/esco/skill/"
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ESCO_SCHEME = "http://data.europa.eu/esco/concept-scheme/"
ESCO_ID = r"[0-9a-zA-Z][0-9a-zA-Z.-]*"


class BadValue(Unprocessable, ValueError):
    """A filter value that cannot be read; the message says what is expected (``bind`` names the parameter)."""


@dataclass(frozen=True)
class Lookup:
    """A value named by IRI, local name or label, resolved against a vocabulary in the store."""

    iri: URIRef  # the IRI the value would be, when it is one (else a never-matching IRI)
    text: str  # the value as a label: lower case, hyphens and underscores as spaces


_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_NOTHING = URIRef("urn:smarco:nothing")
IRI_TEXT = HTTP_IRI
"""An IRI a filter takes as it is: http(s), as RFC 3986 lays it out (no brackets): what SPARQL then parses too."""
SOMETHING = r"[^\s\x1c-\x1f\x85]"
"""The pattern of a value that is not empty once the spaces around it are stripped (as Python strips them)."""


@dataclass(frozen=True)
class Value:
    """How a filter's text becomes an RDF term: ``parse`` returns the term (or a ``Lookup``) or raises."""

    kind: str  # code, eqf, decimal, text, iri-or-id, concept, choice
    namespace: str = ""  # the IRIs a short form expands under: absolute, or relative to the base IRI
    choices: tuple[tuple[str, URIRef], ...] = ()
    vocabulary: str = ""  # SPARQL pattern over ?c that a concept must match
    schema: dict = field(default_factory=dict)  # the OpenAPI schema of the parameter
    hint: str = ""
    local: str = r"[a-z0-9][a-z0-9-]*"  # iri-or-id: what the part after the namespace looks like

    def openapi_schema(self, base_iri: str) -> dict:
        """The parameter's OpenAPI schema with what ``parse`` asks of the text stated as a pattern (surrounding
        spaces are ignored; an empty value is refused)."""
        schema = dict(self.schema)
        if schema.get("type") != "string" or "enum" in schema:
            return schema
        namespace = re.escape(self.under(base_iri))
        iri = IRI_TEXT
        if self.kind == "code":
            schema["pattern"] = rf"^\s*([A-Za-z0-9]{{3}}|{namespace}[A-Z0-9]{{3}})\s*$"
        elif self.kind == "iri-or-id":
            schema["pattern"] = rf"^\s*({self.local}|{namespace}{self.local}|{iri})\s*$"
        else:
            schema["pattern"] = SOMETHING
        return schema

    def under(self, base_iri: str) -> str:
        """The namespace as an absolute IRI."""
        if not self.namespace or self.namespace.startswith(("http://", "https://")):
            return self.namespace
        return base_iri + self.namespace

    def parse(self, raw: str, base_iri: str = "") -> URIRef | Literal | Lookup:
        namespace = self.under(base_iri)
        raw = raw.strip()
        if not raw:
            raise BadValue("the value is empty")
        if self.kind == "code":  # ENG, ita or the full authority IRI
            if raw.startswith(namespace) and re.fullmatch(r"[A-Z0-9]{3}", raw[len(namespace) :]):
                return URIRef(raw)
            if re.fullmatch(r"[A-Za-z0-9]{3}", raw):
                return URIRef(namespace + raw.upper())
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
            local = raw[len(namespace) :] if raw.startswith(namespace) else raw
            if re.fullmatch(self.local, local):
                return URIRef(namespace + local)
            if re.fullmatch(IRI_TEXT, raw):
                return URIRef(raw)
        elif self.kind == "concept":
            if re.fullmatch(IRI_TEXT, raw):
                iri = URIRef(raw)
            elif namespace and _LOCAL.fullmatch(raw):
                iri = URIRef(namespace + raw)
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


def _concept(vocabulary: str, namespace: str = "", example: str = "") -> Value:
    return Value("concept", namespace, vocabulary=vocabulary, schema={"type": "string", "example": example})


LANGUAGE_CODE = _code(LANGUAGE, "ENG")
COUNTRY_CODE = _code(COUNTRY, "ITA")
EQF_LEVEL = Value("eqf", schema={"type": "integer", "minimum": 1, "maximum": 8}, hint="a whole number from 1 to 8")
CREDITS = Value("decimal", schema={"type": "number", "minimum": 0}, hint="a number of ECTS credits, such as 5 or 2.5")
TEXT = Value("text", schema={"type": "string", "maxLength": 200}, hint="some text")


def _esco(namespace: str, what: str) -> Value:
    return Value(
        "iri-or-id", namespace, schema={"type": "string"}, hint=f"an {what} IRI {namespace}… or its id", local=ESCO_ID
    )


SKILL = _esco(ESCO_SKILL, "ESCO skill")
OCCUPATION = _esco(ESCO_OCCUPATION, "ESCO occupation")
ORGANISATION = Value(
    "iri-or-id",
    "organisation/",
    schema={"type": "string", "example": "cefriel"},
    hint="an organisation IRI (<base>organisation/…) or its slug, such as cefriel",
)
CREDENTIAL = Value("iri-or-id", "credential/", schema={"type": "string"}, hint="a credential IRI or its slug")
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


def back(end: str, *path: URIRef) -> str:
    """``?s`` reaches ``end`` through ``path``, written from ``end`` back to ``?s``: Oxigraph joins in the order
    written, so starting from the filter's (bound) value visits only what leads to it, not every member."""
    hops = [f"?_hop{i}" for i in range(1, len(path))]
    nodes = ["?s", *hops, end]
    return " ".join(f"{nodes[i]} <{path[i]}> {nodes[i + 1]} ." for i in reversed(range(len(path))))


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


def resolve(store: GraphStore, item: Filter, raw: str, lookup: Lookup) -> URIRef:
    """The vocabulary concept a filter value names by IRI, local name or label; 422 when none does.

    (pyoxigraph binds values in triple patterns and filters but not in ``BIND`` expressions: hence ``FILTER``. The
    vocabulary pattern appears once: Virtuoso fails with SP031 on a ``UNION`` nested in filtered ``UNION`` branches.)"""
    vocabulary_pattern = item.value.vocabulary
    query = f"""{PREFIXES_SPARQL}
SELECT DISTINCT ?c WHERE {{
  {{ {vocabulary_pattern} }}
  OPTIONAL {{ ?c skos:prefLabel|rdfs:label|dct:title ?label }}
  FILTER(?c = ?iri || REPLACE(LCASE(STR(?label)), "[-_\\\\s]+", " ") = ?text)
}} ORDER BY ?c"""
    rows = store.query(query, union_default_graph=True, bindings={"iri": lookup.iri, "text": Literal(lookup.text)})
    found = [c for c in (row.get("c") for row in rows.rows()) if isinstance(c, URIRef)]
    if found:
        exact = [c for c in found if c == lookup.iri]
        return exact[0] if exact else found[0]
    known_query = f"""{PREFIXES_SPARQL}
SELECT ?c (MIN(STR(?label)) AS ?name) WHERE {{ {vocabulary_pattern} OPTIONAL {{ ?c skos:prefLabel ?label }} }}
GROUP BY ?c ORDER BY ?c LIMIT 50"""
    known = [
        {"id": str(row["c"]), **({"label": str(row["name"])} if "name" in row else {})}
        for row in store.query(known_query, union_default_graph=True).rows()
    ]
    names = ", ".join(k.get("label", k["id"]) for k in known[:12])
    raise BadParameter(item.name, raw, f"no such value; known values include {names}", known=known)


def known_names(store: GraphStore, value: Value, base_iri: str) -> list[str]:
    """The names ``resolve`` takes for a concept filter's values, for the description to list: each concept's
    local name (under the filter's namespace) and its labels as ``resolve`` compares them (lower case, spaces)."""
    query = f"""{PREFIXES_SPARQL}
SELECT ?c ?label WHERE {{ {{ {value.vocabulary} }} OPTIONAL {{ ?c skos:prefLabel|rdfs:label|dct:title ?label }} }}"""
    namespace = value.under(base_iri)
    names: set[str] = set()
    for row in store.query(query, union_default_graph=True).rows():
        concept = str(row["c"])
        if namespace and concept.startswith(namespace) and _LOCAL.fullmatch(concept[len(namespace) :]):
            names.add(concept[len(namespace) :])
        if "label" in row:
            names.add(re.sub(r"[-_\s]+", " ", str(row["label"]).lower()).strip())
    return sorted(name for name in names if name)


def bind(
    store: GraphStore, filters: tuple[Filter, ...], params: dict[str, str], base_iri: str
) -> tuple[list[str], dict[str, Node]]:
    """The patterns of the filters ``params`` gives values for, and the values to bind; 422 on a bad value."""
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
            value = resolve(store, item, raw, value)
        pattern, variable = item.sparql()
        patterns.append(pattern)
        bindings[variable] = value
    return patterns, bindings
