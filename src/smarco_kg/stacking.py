"""Stacking: what completes a certificate of the SMARCO certification scheme, and what a learner still lacks.

The scheme has no requirement vocabulary of its own, so a certificate's requirements are read from what the
ontology, the shapes and the data already say (ontology/smarco.ttl, shapes/credential.ttl, data/credentials.trig):

- micro-credentials: every ``smarco:MicroCredential`` that declares ``smarco:stacksInto`` the certificate is
  required (the ontology: "completing all micro-credentials that stack into a certificate ... earns it");
- credits: the certificate's own ECTS ``elm:creditPoint`` is the total that the held micro-credentials stacking
  into it must reach (the sum of those micro-credentials' credits when the certificate states none);
- learning outcomes: the ESCO skills (``elm:relatedESCOSkill``) of the certificate's outcomes. A held
  micro-credential, stacking or not, covers a skill when one of its outcomes names it or a narrower skill (as the
  credentials' ``skill`` filter counts). Coverage is reported, not required: the scheme awards the certificate for
  its micro-credentials, whose assessments attest the outcomes, so a skill no micro-credential names is a gap in
  the scheme's data, which a learner cannot close.

Reading (``read_*``) is a few small SPARQL queries over the union of the graphs; judging (``completion``) is pure.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import URIRef

from smarco_kg.namespaces import ELM, SMARCO
from smarco_kg.store import GraphStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
MICRO_CREDENTIAL, CERTIFICATE = "micro-credential", "certificate"


@dataclass(frozen=True)
class Credential:
    iri: str
    kind: str  # micro-credential | certificate
    title: str
    ects: float | None  # its ECTS credit points, when it states them
    stacks_into: tuple[str, ...]  # the certificates it counts towards (micro-credentials only)


@dataclass(frozen=True)
class Outcome:
    iri: str
    title: str
    skills: tuple[str, ...]  # the ESCO skills it names


@dataclass(frozen=True)
class Scheme:
    """One certificate with everything its completion is judged on, as the store states it."""

    certificate: Credential
    parts: tuple[Credential, ...]  # the micro-credentials stacking into it, by title
    outcomes: tuple[Outcome, ...]
    labels: dict[str, str]  # ESCO skill -> preferred label (English)
    covers: dict[str, frozenset[str]]  # micro-credential -> the certificate's skills it covers

    @property
    def required_ects(self) -> float | None:
        if self.certificate.ects is not None:
            return self.certificate.ects
        stated = [p.ects for p in self.parts if p.ects is not None]
        return sum(stated) if stated else None

    @property
    def skills(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for o in self.outcomes for s in o.skills))


@dataclass(frozen=True)
class Completion:
    """How far a set of held micro-credentials gets towards one certificate."""

    scheme: Scheme
    held: tuple[Credential, ...]  # held micro-credentials that stack into the certificate
    not_counted: tuple[str, ...]  # held micro-credentials that do not (their credits do not count)
    missing: tuple[Credential, ...]  # required micro-credentials not held
    held_ects: float
    missing_ects: float | None  # None when neither the certificate nor its parts state credits
    missing_skills: tuple[str, ...]  # the certificate's skills no held micro-credential covers
    missing_outcomes: tuple[Outcome, ...]  # outcomes naming at least one of them

    @property
    def complete(self) -> bool:
        return not self.missing and not self.missing_ects

    @property
    def outcomes_covered(self) -> bool:
        return not self.missing_skills

    def covered_by(self, skill: str) -> tuple[Credential, ...]:
        """The not-yet-held micro-credentials of the certificate that would cover ``skill``: empty means the
        scheme itself does not teach it."""
        return tuple(p for p in self.missing if skill in self.scheme.covers.get(p.iri, ()))


def _iri(value: str) -> str:
    return URIRef(value).n3()  # rdflib refuses characters an IRI cannot hold, so nothing is pasted unchecked


def _values(values: Iterable[str]) -> str:
    return " ".join(_iri(v) for v in values)


def _points(value: object) -> float | None:
    with contextlib.suppress(TypeError, ValueError):
        return float(str(value))
    return None


def read_credentials(store: GraphStore, iris: Iterable[str]) -> dict[str, Credential]:
    """The micro-credentials and certificates among ``iris``; anything else (unknown, or another class) is left
    out, which is how callers tell a credential of the catalogue from a typo."""
    iris = list(dict.fromkeys(iris))
    if not iris:
        return {}
    query = f"""SELECT ?c ?type ?title ?ects ?into WHERE {{
  VALUES ?c {{ {_values(iris)} }}
  VALUES ?type {{ <{SMARCO.Certificate}> <{SMARCO.MicroCredential}> }}
  ?c a ?type .
  OPTIONAL {{ ?c <{DCT}title> ?title FILTER(LANGMATCHES(LANG(?title), "en") || LANG(?title) = "") }}
  OPTIONAL {{ ?c <{ELM.creditPoint}> ?credit . ?credit <{ELM.framework}> <{ECTS}> ; <{ELM.point}> ?ects }}
  OPTIONAL {{ ?c <{SMARCO.stacksInto}> ?into . ?into a <{SMARCO.Certificate}> }}
}}"""
    found: dict[str, dict] = {}
    for row in store.query(query, union_default_graph=True).rows():
        entry = found.setdefault(str(row["c"]), {"kinds": set(), "title": "", "ects": None, "into": set()})
        entry["kinds"].add(CERTIFICATE if row["type"] == SMARCO.Certificate else MICRO_CREDENTIAL)
        entry["title"] = entry["title"] or str(row.get("title") or "")
        entry["ects"] = entry["ects"] if entry["ects"] is not None else _points(row.get("ects"))
        if row.get("into") is not None:
            entry["into"].add(str(row["into"]))
    return {
        iri: Credential(
            iri,
            CERTIFICATE if CERTIFICATE in e["kinds"] else MICRO_CREDENTIAL,  # a certificate is judged as one
            e["title"] or iri,
            e["ects"],
            tuple(sorted(e["into"])) if CERTIFICATE not in e["kinds"] else (),
        )
        for iri, e in found.items()
    }


def read_scheme(store: GraphStore, certificate: Credential, held: Iterable[str] = ()) -> Scheme:
    """The certificate's parts, outcomes and skill labels, and which of its skills each part, and each ``held``
    micro-credential (stacking or not), covers."""
    cert = _iri(certificate.iri)
    parts_query = f"SELECT DISTINCT ?part WHERE {{ ?part <{SMARCO.stacksInto}> {cert} }}"
    part_iris = [str(r["part"]) for r in store.query(parts_query, union_default_graph=True).rows()]
    parts = read_credentials(store, part_iris)
    outcomes_query = f"""SELECT ?outcome ?title ?skill ?label WHERE {{
  {cert} <{ELM.learningOutcome}> ?outcome .
  OPTIONAL {{ ?outcome <{DCT}title> ?title FILTER(LANGMATCHES(LANG(?title), "en") || LANG(?title) = "") }}
  OPTIONAL {{ ?outcome <{ELM.relatedESCOSkill}> ?skill
    OPTIONAL {{ ?skill <{SKOS}prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }} }}
}}"""
    titles: dict[str, str] = {}
    named: dict[str, dict[str, None]] = {}  # outcome -> its skills, in order; an outcome naming none is kept
    labels: dict[str, str] = {}
    for row in store.query(outcomes_query, union_default_graph=True).rows():
        outcome = str(row["outcome"])
        titles[outcome] = titles.get(outcome) or str(row.get("title") or "")
        skills = named.setdefault(outcome, {})
        if row.get("skill") is not None:
            skills[str(row["skill"])] = None
            labels[str(row["skill"])] = labels.get(str(row["skill"])) or str(row.get("label") or "")

    def by_label(skill: str) -> tuple[str, str]:
        return labels.get(skill, "").lower(), skill

    outcomes = tuple(
        sorted(
            (Outcome(o, titles[o] or o, tuple(sorted(named[o], key=by_label))) for o in titles),
            key=lambda o: (o.title.lower(), o.iri),
        )
    )
    judged = [*(p for p in parts if parts[p].kind == MICRO_CREDENTIAL), *held]
    covers: dict[str, set[str]] = defaultdict(set)
    if labels and judged:
        coverage = f"""SELECT DISTINCT ?mc ?skill WHERE {{
  VALUES ?mc {{ {_values(dict.fromkeys(judged))} }}
  VALUES ?skill {{ {_values(labels)} }}
  ?mc <{ELM.learningOutcome}> ?outcome . ?outcome <{ELM.relatedESCOSkill}> ?taught .
  ?taught <{SKOS}broader>* ?skill .
}}"""
        for row in store.query(coverage, union_default_graph=True).rows():
            covers[str(row["mc"])].add(str(row["skill"]))
    return Scheme(
        certificate,
        tuple(
            sorted((p for p in parts.values() if p.kind == MICRO_CREDENTIAL), key=lambda p: (p.title.lower(), p.iri))
        ),
        outcomes,
        labels,
        {mc: frozenset(skills) for mc, skills in covers.items()},
    )


def completion(scheme: Scheme, have: Iterable[str]) -> Completion:
    """Judge a set of held micro-credentials against one certificate (pure: everything comes from ``scheme``)."""
    have = tuple(dict.fromkeys(have))
    part_iris = {p.iri for p in scheme.parts}
    held = tuple(p for p in scheme.parts if p.iri in have)
    held_ects = sum(p.ects or 0.0 for p in held)
    required = scheme.required_ects
    covered = set().union(*(scheme.covers.get(h, frozenset()) for h in have))
    missing_skills = tuple(s for s in scheme.skills if s not in covered)
    return Completion(
        scheme=scheme,
        held=held,
        not_counted=tuple(h for h in have if h not in part_iris),
        missing=tuple(p for p in scheme.parts if p.iri not in have),
        held_ects=held_ects,
        missing_ects=None if required is None else max(0.0, round(required - held_ects, 3)),
        missing_skills=missing_skills,
        missing_outcomes=tuple(o for o in scheme.outcomes if set(o.skills) & set(missing_skills)),
    )
