"""Skill gaps: which skills of an ESCO occupation or collection the catalogue's courses teach, and which not.

A course covers a skill when one of its learning outcomes names the skill itself (``direct``), a narrower skill
(``narrower``: the skill is reached from the taught one by ``skos:broader``), or a broader skill at most
``distance`` steps up (``broader``: a course on "programming" partly covers "Haskell"; weaker, and said so).
What the catalogue teaches and the ancestors of those skills are read once per write generation
(``Catalogue``), so a gap costs two small queries however large ESCO is.

A visitor's gap also sets aside the skills they hold: an occupation's skill is held when the visitor holds it or a
narrower skill (someone who can "develop digital content" has the broader "digital content creation").
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Literal

from smarco_kg.errors import NotFound
from smarco_kg.esco import COLLECTIONS
from smarco_kg.namespaces import ELM, ESCO
from smarco_kg.store import GraphStore

SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
MAX_DISTANCE = 3


@dataclass(frozen=True)
class Course:
    iri: str
    title: str
    ects: float | None
    eqf: int | None
    languages: frozenset[str]
    modes: frozenset[str]
    countries: frozenset[str] = frozenset()  # of the provider
    workload: str | None = None  # the notional workload, an ISO 8601 duration


@dataclass
class Catalogue:
    """What the catalogue's courses teach, with the ancestors of every taught skill."""

    courses: dict[str, Course] = field(default_factory=dict)
    taught: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # skill -> courses teaching it
    below: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # ancestor -> taught skills under it

    def teaching(self, skill: str) -> set[str]:
        """Courses teaching ``skill`` itself or a narrower skill."""
        courses = set(self.taught.get(skill, ()))
        for narrower in self.below.get(skill, ()):
            courses |= self.taught[narrower]
        return courses


def _given(variable: str, values: str) -> str:
    """``?variable`` bound to ``values`` ahead of a path from it: a subquery rather than a bare VALUES block, which
    Virtuoso does not take as the start of a transitive path ("transitive start not given")."""
    return f"{{ SELECT ?{variable} WHERE {{ VALUES ?{variable} {{ {values} }} }} }}"


def _label(value: object) -> str:
    return str(value) if value is not None else ""


def read_catalogue(store: GraphStore, course_namespace: str) -> Catalogue:
    catalogue = Catalogue()
    query = f"""SELECT ?course ?title ?ects ?eqf ?language ?mode ?country ?workload WHERE {{
  ?course a <{ELM.LearningOpportunity}> FILTER(STRSTARTS(STR(?course), {Literal(course_namespace).n3()}))
  OPTIONAL {{ ?course <{DCT}title> ?title FILTER(LANGMATCHES(LANG(?title), "en")) }}
  OPTIONAL {{ ?course <{ELM.learningAchievementSpecification}> ?spec .
    OPTIONAL {{ ?spec <{ELM.creditPoint}> ?credit . ?credit <{ELM.point}> ?ects }}
    OPTIONAL {{ ?spec <{ELM.EQFLevel}> ?eqf }}
    OPTIONAL {{ ?spec <{ELM.mode}> ?mode }}
    OPTIONAL {{ ?spec <{DCT}language> ?language }}
    OPTIONAL {{ ?spec <{ELM.volumeOfLearning}> ?workload }} }}
  OPTIONAL {{ ?course <{ELM.defaultLanguage}> ?language }}
  OPTIONAL {{ ?course <{ELM.providedBy}> ?provider . ?provider <{ELM.location}> ?place .
    ?place <{ELM.address}> ?address . ?address <{ELM.countryCode}> ?country }}
}}"""
    rows: dict[str, dict] = {}
    for row in store.query(query, union_default_graph=True).rows():
        iri = str(row["course"])
        entry = rows.setdefault(
            iri,
            {
                "title": "",
                "ects": None,
                "eqf": None,
                "languages": set(),
                "modes": set(),
                "countries": set(),
                "workload": None,
            },
        )
        if row.get("title") is not None and not entry["title"]:
            entry["title"] = str(row["title"])
        if row.get("ects") is not None and entry["ects"] is None:
            with contextlib.suppress(ValueError):
                entry["ects"] = float(str(row["ects"]))
        if row.get("eqf") is not None:
            tail = str(row["eqf"]).rstrip("/").rsplit("/", 1)[-1]
            entry["eqf"] = int(tail) if tail.isdigit() else entry["eqf"]
        if row.get("language") is not None:
            entry["languages"].add(str(row["language"]))
        if row.get("mode") is not None:
            entry["modes"].add(str(row["mode"]))
        if row.get("country") is not None:
            entry["countries"].add(str(row["country"]))
        if row.get("workload") is not None and entry["workload"] is None:
            entry["workload"] = str(row["workload"])
    for iri, e in rows.items():
        catalogue.courses[iri] = Course(
            iri,
            e["title"] or iri,
            e["ects"],
            e["eqf"],
            frozenset(e["languages"]),
            frozenset(e["modes"]),
            frozenset(e["countries"]),
            e["workload"],
        )
    teaches = f"""SELECT DISTINCT ?course ?skill WHERE {{
  ?course <{ELM.learningAchievementSpecification}> ?spec . ?spec <{ELM.learningOutcome}> ?outcome .
  ?outcome <{ELM.relatedESCOSkill}> ?skill .
}}"""
    for row in store.query(teaches, union_default_graph=True).rows():
        if str(row["course"]) in catalogue.courses:
            catalogue.taught[str(row["skill"])].add(str(row["course"]))
    if catalogue.taught:
        values = " ".join(f"<{s}>" for s in catalogue.taught)
        ancestors = f"SELECT DISTINCT ?skill ?up WHERE {{ {_given('skill', values)} ?skill <{SKOS}broader>+ ?up }}"
        for row in store.query(ancestors, union_default_graph=True).rows():
            catalogue.below[str(row["up"])].add(str(row["skill"]))
    return catalogue


# -- one occupation ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    course: str
    via: str  # direct | narrower | broader
    through: str  # the skill the course teaches
    distance: int  # steps of skos:broader between the skill and the taught one (0 for direct)


@dataclass
class SkillGap:
    skill: str
    label: str
    relation: str  # essential | optional
    group: str | None
    group_label: str
    covers: list[Cover]
    held_through: str | None = None  # the held skill that gives it: itself or a narrower one

    @property
    def covered(self) -> bool:
        return bool(self.covers)

    @property
    def held(self) -> bool:
        return self.held_through is not None


@dataclass
class OccupationGap:
    occupation: str
    label: str
    skills: list[SkillGap]
    distance: int
    have: list[str] = field(default_factory=list)  # the skills the visitor says they hold

    @property
    def covered(self) -> list[SkillGap]:
        return [s for s in self.skills if s.covered]

    @property
    def held(self) -> list[SkillGap]:
        return [s for s in self.skills if s.held]

    @property
    def remaining(self) -> list[SkillGap]:
        """The skills the visitor does not hold yet."""
        return [s for s in self.skills if not s.held]

    @property
    def missing(self) -> list[SkillGap]:
        """The skills neither the visitor holds nor a course covers."""
        return [s for s in self.skills if not s.covered and not s.held]

    @property
    def ratio(self) -> float:
        return len(self.covered) / len(self.skills) if self.skills else 1.0

    def groups(self) -> list[tuple[str | None, str, int, int, int]]:
        """(group, label, held, covered, missing) per skill group, the largest first; ``covered`` and ``missing``
        count the skills not held."""
        counts: dict[str | None, list] = {}
        for s in self.skills:
            entry = counts.setdefault(s.group, [s.group_label, 0, 0, 0])
            entry[1 if s.held else 2 if s.covered else 3] += 1
        rows = [(g, label, h, c, m) for g, (label, h, c, m) in counts.items()]
        return sorted(rows, key=lambda g: (-(g[2] + g[3] + g[4]), g[1]))


class UnknownOccupation(NotFound, LookupError):
    """No ESCO occupation by that IRI in the graph."""

    title = "no such occupation"


def occupation_skills(
    store: GraphStore, occupation: str, relations: Iterable[str]
) -> tuple[str, list[tuple[str, str, str]]]:
    """The occupation's label and its (skill, label, relation) in ESCO; UnknownOccupation when ESCO has none."""
    values = " ".join(f'(<{ESCO.relatedEssentialSkill if r == "essential" else ESCO.relatedOptionalSkill}> "{r}")'
                      for r in relations)  # fmt: skip
    query = f"""SELECT ?kind ?label ?skill ?skillLabel ?relation WHERE {{
  {{ <{occupation}> a <{ESCO.Occupation}> BIND("o" AS ?kind)
     OPTIONAL {{ <{occupation}> <{SKOS}prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }} }}
  UNION
  {{ VALUES (?p ?relation) {{ {values} }} <{occupation}> ?p ?skill . BIND("s" AS ?kind)
     OPTIONAL {{ ?skill <{SKOS}prefLabel> ?skillLabel FILTER(LANGMATCHES(LANG(?skillLabel), "en")) }} }}
}}"""
    label, found = "", False
    skills: dict[str, tuple[str, str, str]] = {}  # skill IRI -> (IRI, label, relation)
    for row in store.query(query, union_default_graph=True).rows():
        if str(row["kind"]) == "o":
            found = True
            label = label or _label(row.get("label"))
        else:
            skill = str(row["skill"])
            if skill not in skills or (row.get("skillLabel") is not None and not skills[skill][1]):
                skills[skill] = (skill, _label(row.get("skillLabel")), str(row["relation"]))
    if not found:
        raise UnknownOccupation(f"ESCO has no occupation <{occupation}> in this graph")
    return label, sorted(skills.values(), key=lambda s: (s[2], s[1].lower(), s[0]))


def skill_context(store: GraphStore, skills: list[str], distance: int) -> tuple[dict, dict]:
    """For each skill: its ancestors at up to ``distance`` steps ({skill: {ancestor: steps}}) and its skill group
    ({skill: (group, label)}: the ancestor just below a pillar's root, such as "communication, collaboration and
    creativity" under "skills"; the first by IRI when there are several)."""
    if not skills:
        return {}, {}
    values = " ".join(f"<{s}>" for s in skills)
    up: dict[str, dict[str, int]] = {s: {} for s in skills}
    frontier = {s: {s} for s in skills}
    for step in range(1, distance + 1):
        reached = {n for nodes in frontier.values() for n in nodes}
        if not reached:
            break
        query = f"SELECT ?n ?b WHERE {{ VALUES ?n {{ {' '.join(f'<{n}>' for n in reached)} }} ?n <{SKOS}broader> ?b }}"
        parents: dict[str, set[str]] = defaultdict(set)
        for row in store.query(query, union_default_graph=True).rows():
            parents[str(row["n"])].add(str(row["b"]))
        for skill, nodes in frontier.items():
            nxt = {b for n in nodes for b in parents.get(n, ())}
            for b in nxt:
                up[skill].setdefault(b, step)
            frontier[skill] = nxt
    top_query = f"""SELECT ?skill ?group ?label WHERE {{
  {_given("skill", values)} ?skill <{SKOS}broader>+ ?group . ?group <{SKOS}broader> ?root .
  FILTER NOT EXISTS {{ ?root <{SKOS}broader> ?higher }}
  OPTIONAL {{ ?group <{SKOS}prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
}}"""
    groups: dict[str, tuple[str, str]] = {}
    for row in store.query(top_query, union_default_graph=True).rows():
        candidate = (str(row["group"]), _label(row.get("label")))
        skill = str(row["skill"])
        if skill not in groups or candidate < groups[skill]:
            groups[skill] = candidate
    return up, groups


def covers_of(catalogue: Catalogue, skill: str, ancestors: dict[str, int]) -> list[Cover]:
    covers = [Cover(c, "direct", skill, 0) for c in sorted(catalogue.taught.get(skill, ()))]
    for narrower in sorted(catalogue.below.get(skill, ())):
        covers += [Cover(c, "narrower", narrower, -1) for c in sorted(catalogue.taught[narrower])]
    for ancestor, steps in sorted(ancestors.items(), key=lambda a: (a[1], a[0])):
        covers += [Cover(c, "broader", ancestor, steps) for c in sorted(catalogue.taught.get(ancestor, ()))]
    return covers


def held_reach(store: GraphStore, have: Iterable[str]) -> dict[str, str]:
    """Every skill the held skills give (each held skill and all its broader skills) -> the held skill giving it
    (the first by IRI when several do)."""
    held = sorted(set(have))
    reach = {s: s for s in held}
    if held:
        values = " ".join(f"<{s}>" for s in held)
        query = f"SELECT ?skill ?up WHERE {{ {_given('skill', values)} ?skill <{SKOS}broader>+ ?up }}"
        for row in sorted(store.query(query, union_default_graph=True).rows(), key=lambda r: str(r["skill"])):
            reach.setdefault(str(row["up"]), str(row["skill"]))
    return reach


def skill_labels(store: GraphStore, skills: Iterable[str]) -> dict[str, str]:
    """The English preferred labels of the ESCO skills among ``skills`` that the graph holds (others are absent)."""
    wanted = sorted(set(skills))
    if not wanted:
        return {}
    query = f"""SELECT ?skill ?label WHERE {{ VALUES ?skill {{ {" ".join(f"<{s}>" for s in wanted)} }}
  ?skill a <{ESCO.Skill}> OPTIONAL {{ ?skill <{SKOS}prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }} }}"""
    found: dict[str, str] = {}
    for row in store.query(query, union_default_graph=True).rows():
        found[str(row["skill"])] = found.get(str(row["skill"])) or _label(row.get("label"))
    return found


def occupation_gap(
    store: GraphStore,
    catalogue: Catalogue,
    occupation: str,
    *,
    optional: bool = False,
    distance: int = 1,
    have: Iterable[str] = (),
) -> OccupationGap:
    relations = ("essential", "optional") if optional else ("essential",)
    label, skills = occupation_skills(store, occupation, relations)
    ancestors, groups = skill_context(store, [s for s, _, _ in skills], distance)
    held = sorted(set(have))
    reach = held_reach(store, held)
    gaps = [
        SkillGap(
            skill,
            skill_label,
            relation,
            groups.get(skill, (None, ""))[0],
            groups.get(skill, (None, "ungrouped"))[1] or "ungrouped",
            covers_of(catalogue, skill, ancestors.get(skill, {})),
            reach.get(skill),
        )
        for skill, skill_label, relation in skills
    ]
    return OccupationGap(occupation, label, gaps, distance, held)


# -- one collection --------------------------------------------------------------------------------------------


def collection_gaps(store: GraphStore, catalogue: Catalogue, collection: str) -> tuple[str, int, dict]:
    """The skills of an ESCO collection that no course teaches (itself or through a narrower skill), grouped by
    their skill group: (scheme, members, {(group, label): [(skill, label)]})."""
    scheme = COLLECTIONS[collection]
    query = f"""SELECT ?skill ?label WHERE {{
  ?skill <{SKOS}inScheme> <{scheme}> . ?skill a <{ESCO.Skill}> .
  OPTIONAL {{ ?skill <{SKOS}prefLabel> ?label FILTER(LANGMATCHES(LANG(?label), "en")) }}
}}"""
    members = {str(r["skill"]): _label(r.get("label")) for r in store.query(query, union_default_graph=True).rows()}
    untaught = sorted(s for s in members if not catalogue.teaching(s))
    _, groups = skill_context(store, untaught, 0)
    grouped: dict[tuple[str | None, str], list[tuple[str, str]]] = defaultdict(list)
    for skill in untaught:
        group = groups.get(skill, (None, "ungrouped"))
        grouped[(group[0], group[1] or "ungrouped")].append((skill, members[skill]))
    return scheme, len(members), dict(grouped)
