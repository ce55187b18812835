"""Foundation benchmark: how fast data gets into the store, and what one validated course write costs.

One run generates a SMARCO-shaped dataset (organisations, courses, specifications, micro-credentials,
learning outcomes, ESCO-like skills) that conforms to the project's shapes, then measures, each in a fresh
interpreter so that caches and memory are never shared:

  (a) raw ``pyoxigraph.Store(dir).bulk_load(path=file)``: the ceiling for any load;
  (b) the trusted load smarco-kg's ``init`` uses (``kg.store.bulk_load``);
  (c) the validated load ``smarco-kg load`` uses (``kg.write_path.write(Path)``), with its peak RSS;
  (d) one course through the validated write path, p50/p95 into the full store and a 10x smaller one,
      with the time split into stage, check (of which pySHACL) and commit.

    .venv/bin/python bench/foundation.py [--triples 1000000] [--out bench/out/foundation.json]

The goals (from the design: a write costs milliseconds at millions of triples) are checked and printed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASE = "https://w3id.org/smarco/"
SEED = 20250917
GOALS = {"trusted_over_raw": 0.70, "validated_over_raw": 0.30, "write_p50_ms": 10.0}
RESULT_MARK = "@@RESULT@@ "  # a child's last stdout line: the marker, then its JSON result

# -- vocabulary -----------------------------------------------------------------------------------------------

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
ELM = "http://data.europa.eu/snb/model/elm/"
SMARCO = "https://w3id.org/smarco/ontology#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ESCO_MODEL = "http://data.europa.eu/esco/model#"
XSD = "http://www.w3.org/2001/XMLSchema#"
ROV_LEGAL_NAME = "<http://www.w3.org/ns/regorg#legalName>"
FOAF_HOMEPAGE = "<http://xmlns.com/foaf/0.1/homepage>"
ISO_THES_STATUS = "<http://purl.org/iso25964/skos-thes#status>"
ESCO_SKILL = "http://data.europa.eu/esco/skill/"

COUNTRIES = ("BEL", "ITA", "ROU", "BGR", "ESP", "IRL", "GRC", "DEU", "FRA", "NLD", "AUT", "PRT", "POL", "FIN")
LANGUAGES = ("ENG", "ITA", "RON", "BUL", "SPA", "GLE", "ELL", "DEU", "FRA", "NLD", "POR", "POL", "FIN")
LANG_TAGS = ("it", "ro", "bg", "es", "ga", "el", "de", "fr", "nl", "pt", "pl", "fi")
AIMS = ("resilientCommunities", "flexibleRecognisedLearning", "communityOfStakeholders")
TARGET_GROUPS = ("smartCityEngineers", "plannersProcurers")
MODES = ("9191af2ed9", "ef8fd6c0c5", "d3a3ad1b1d")
ASSESSMENTS = ("6a4db9f11d", "1e2f3a4b5c")
ACCREDITATIONS = ("003293d2ce", "820101cba6", "bb4618238e", "e57dddfcf3")
SCHEDULES = ("67395e6b5a", "72a0ab92fa", "f230bae523")
ECTS = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
_WORD_TEXT = """
urban data platform sensor network energy mobility governance citizen design manage analyse deploy secure
procure plan measure digital twin green building water waste air quality public service open standard
interoperability cloud edge privacy ethics community stakeholder resilience climate transport lighting
"""
WORDS = _WORD_TEXT.split()

SKILL_SHARE = 0.16  # share of the triples that describe skills (ESCO's 13.9k skills are ~16% of 1M triples)
COURSES_PER_ORGANISATION = 50
MICRO_CREDENTIAL_SHARE = 0.5
OUTCOMES_PER_SPEC = 3


def iri(value: str) -> str:
    return f"<{value}>"


def lit(text: str, lang: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{escaped}"@{lang}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


# -- generator ------------------------------------------------------------------------------------------------


@dataclass
class Generated:
    """What the generator wrote, and what later writes may point at (organisations, skills)."""

    path: str
    triples: int
    organisations: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)
    courses: int = 0
    micro_credentials: int = 0
    outcomes: int = 0
    seconds: float = 0.0


class Generator:
    """Writes N-Quads lines directly (no RDF library), so 1M triples take seconds; deterministic per seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.blank = 0

    def words(self, n: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def bnode(self) -> str:
        self.blank += 1
        return f"_:b{self.blank}"

    def skill_iri(self) -> str:
        return f"{ESCO_SKILL}{uuid.UUID(int=self.rng.getrandbits(128), version=4)}"

    def skills(self, count: int, graph: str) -> tuple[list[str], list[str]]:
        """ESCO-like skills: typed esco:Skill, labelled in two languages, in a skos:broader tree."""
        g = iri(graph)
        iris = [self.skill_iri() for _ in range(count)]
        lines: list[str] = []
        for index, skill in enumerate(iris):
            s = iri(skill)
            label = self.words(3)
            lines += [
                f"{s} {RDF_TYPE} <{ESCO_MODEL}Skill> {g} .",
                f"{s} {RDF_TYPE} <{ESCO_MODEL}MemberConcept> {g} .",
                f"{s} {RDF_TYPE} <{SKOS}Concept> {g} .",
                f"{s} <{SKOS}prefLabel> {lit(label, 'en')} {g} .",
                f"{s} <{SKOS}prefLabel> {lit(label + ' (de)', 'de')} {g} .",
                f"{s} <{SKOS}altLabel> {lit(self.words(2), 'en')} {g} .",
                f"{s} <{DCT}description> {lit('The ability to ' + self.words(8) + '.', 'en')} {g} .",
                f"{s} <{ESCO_MODEL}skillType> <http://data.europa.eu/esco/skill-type/skill> {g} .",
                f"{s} <{ESCO_MODEL}skillReuseLevel> <http://data.europa.eu/esco/skill-reuse-level/sector-specific> "
                f"{g} .",
                f"{s} <{SKOS}inScheme> <http://data.europa.eu/esco/concept-scheme/skills> {g} .",
                f"{s} <{SKOS}inScheme> <http://data.europa.eu/esco/concept-scheme/member-skills> {g} .",
                f"{s} {ISO_THES_STATUS} {lit('released')} {g} .",
            ]
            if index:
                lines.append(f"{s} <{SKOS}broader> {iri(iris[(index - 1) // 8])} {g} .")
        return iris, lines

    def organisation(self, number: int) -> tuple[str, str, list[str]]:
        """An elm:Organisation in its own partner graph, with location/address/country and home page."""
        slug = f"org-{number}"
        o, g = iri(f"{BASE}organisation/{slug}"), iri(f"{BASE}graph/partner/{slug}")
        location, address, home = self.bnode(), self.bnode(), self.bnode()
        country = self.rng.choice(COUNTRIES)
        lines = [
            f"{o} {RDF_TYPE} <{ELM}Organisation> {g} .",
            f"{o} {ROV_LEGAL_NAME} {lit(f'Organisation {number} ' + self.words(2), self.rng.choice(LANG_TAGS))} {g} .",
            f"{o} <{SKOS}prefLabel> {lit(f'Organisation {number}', 'en')} {g} .",
            f"{o} <{ELM}location> {location} {g} .",
            f"{location} {RDF_TYPE} <{DCT}Location> {g} .",
            f"{location} <{ELM}address> {address} {g} .",
            f"{address} {RDF_TYPE} <{ELM}Address> {g} .",
            f"{address} <{ELM}countryCode> <http://publications.europa.eu/resource/authority/country/{country}> {g} .",
            f"{o} {FOAF_HOMEPAGE} {home} {g} .",
            f"{home} {RDF_TYPE} <{ELM}WebResource> {g} .",
            f"{home} <{ELM}contentUrl> {lit(f'https://{slug}.example.eu/', datatype=XSD + 'anyURI')} {g} .",
        ]
        return slug, f"{BASE}organisation/{slug}", lines

    def course(self, slug: str, number: int, skills: list[str], micro: bool) -> list[str]:
        """A course (elm:LearningOpportunity), its specification (a micro-credential or not) and outcomes."""
        name = f"{slug}-course-{number}"
        g = iri(f"{BASE}graph/partner/{slug}")
        c, spec, org = iri(f"{BASE}course/{name}"), iri(f"{BASE}credential/{name}"), iri(f"{BASE}organisation/{slug}")
        language = self.rng.choice(LANGUAGES)
        title = self.words(3).capitalize()
        lines = [
            f"{c} {RDF_TYPE} <{ELM}LearningOpportunity> {g} .",
            f"{c} <{DCT}title> {lit(title, 'en')} {g} .",
            f"{c} <{DCT}title> {lit(title + ' (' + language + ')', self.rng.choice(LANG_TAGS))} {g} .",
            f"{c} <{DCT}description> {lit('Learn to ' + self.words(12) + '.', 'en')} {g} .",
            f"{c} <{ELM}providedBy> {org} {g} .",
            f"{c} <{ELM}defaultLanguage> <http://publications.europa.eu/resource/authority/language/{language}> {g} .",
            f"{c} <{ELM}learningAchievementSpecification> {spec} {g} .",
            f"{c} <{SMARCO}aim> <{SMARCO}{self.rng.choice(AIMS)}> {g} .",
            f"{c} <{ELM}learningSchedule> <http://data.europa.eu/snb/learning-schedule/{self.rng.choice(SCHEDULES)}> "
            f"{g} .",
        ]
        credit = self.bnode()
        lines += [
            f"{spec} {RDF_TYPE} <{ELM}LearningAchievementSpecification> {g} .",
            f"{spec} <{DCT}title> {lit(('Micro-credential in ' if micro else '') + title, 'en')} {g} .",
            f"{spec} <{ELM}EQFLevel> <http://data.europa.eu/snb/eqf/{self.rng.randint(4, 8)}> {g} .",
            f"{spec} <{ELM}creditPoint> {credit} {g} .",
            f"{credit} {RDF_TYPE} <{ELM}CreditPoint> {g} .",
            f"{credit} <{ELM}framework> <{ECTS}> {g} .",
            f"{credit} <{ELM}point> {lit(str(self.rng.randint(1, 10)))} {g} .",
            f"{spec} <{ELM}volumeOfLearning> {lit(f'PT{self.rng.randint(10, 200)}H', datatype=XSD + 'duration')} {g} .",
            f"{spec} <{DCT}language> <http://publications.europa.eu/resource/authority/language/{language}> {g} .",
            f"{spec} <{ELM}mode> <http://data.europa.eu/snb/learning-assessment/{self.rng.choice(MODES)}> {g} .",
            f"{spec} <{ELM}targetGroup> <{SMARCO}{self.rng.choice(TARGET_GROUPS)}> {g} .",
        ]
        if micro:
            awarding, assessment, accreditation = self.bnode(), self.bnode(), self.bnode()
            accreditation_type = self.rng.choice(ACCREDITATIONS)
            assessment_type = self.rng.choice(ASSESSMENTS)
            lines += [
                f"{spec} {RDF_TYPE} <{SMARCO}MicroCredential> {g} .",
                f"{spec} <{ELM}awardingOpportunity> {awarding} {g} .",
                f"{awarding} {RDF_TYPE} <{ELM}AwardingOpportunity> {g} .",
                f"{awarding} <{ELM}awardingBody> {org} {g} .",
                f"{spec} <{ELM}provenBy> {assessment} {g} .",
                f"{assessment} {RDF_TYPE} <{ELM}LearningAssessmentSpecification> {g} .",
                f"{assessment} <{DCT}title> {lit('Project work', 'en')} {g} .",
                f"{assessment} <{DCT}type> <http://data.europa.eu/snb/assessment/{assessment_type}> {g} .",
                f"{spec} <{ELM}accreditation> {accreditation} {g} .",
                f"{accreditation} {RDF_TYPE} <{ELM}Accreditation> {g} .",
                f"{accreditation} <{DCT}type> <http://data.europa.eu/snb/accreditation/{accreditation_type}> {g} .",
                f"{accreditation} <{DCT}title> {lit('Programme quality assurance', 'en')} {g} .",
                f"{accreditation} <{ELM}accreditingAgent> {org} {g} .",
            ]
        for k in range(1, OUTCOMES_PER_SPEC + 1):
            outcome = iri(f"{BASE}course/{name}/outcome/{k}")
            lines += [
                f"{spec} <{ELM}learningOutcome> {outcome} {g} .",
                f"{outcome} {RDF_TYPE} <{ELM}LearningOutcome> {g} .",
                f"{outcome} <{DCT}title> {lit(self.words(4).capitalize(), 'en')} {g} .",
                *(f"{outcome} <{ELM}relatedESCOSkill> {iri(s)} {g} ." for s in self.rng.sample(skills, 2)),
            ]
        return lines


def generate(path: Path, triples: int, seed: int = SEED) -> Generated:
    """Write at least ``triples`` conforming quads to ``path`` (N-Quads): skills first, then organisations
    each with their courses, so any prefix of organisations is self-contained."""
    started = time.perf_counter()
    gen = Generator(seed)
    skill_count = max(20, round(triples * SKILL_SHARE / 12.9))
    skills, lines = gen.skills(skill_count, f"{BASE}graph/esco")
    result = Generated(str(path), 0)
    with path.open("w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
        result.triples = len(lines)
        number = 0
        while result.triples < triples or not result.organisations:
            number += 1
            slug, org, lines = gen.organisation(number)
            result.organisations.append(org)
            for course in range(1, COURSES_PER_ORGANISATION + 1):
                micro = gen.rng.random() < MICRO_CREDENTIAL_SHARE
                lines += gen.course(slug, course, skills, micro)
                result.courses += 1
                result.micro_credentials += micro
                result.outcomes += OUTCOMES_PER_SPEC
                if result.triples + len(lines) >= triples:
                    break
            out.write("\n".join(lines) + "\n")
            result.triples += len(lines)
    result.skills = skills
    result.seconds = time.perf_counter() - started
    return result


# -- one course, as a partner would write it --------------------------------------------------------------------

COURSE_TRIG = """\
@prefix smarco: <https://w3id.org/smarco/ontology#> .
@prefix elm:    <http://data.europa.eu/snb/model/elm/> .
@prefix dct:    <http://purl.org/dc/terms/> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix lang:   <http://publications.europa.eu/resource/authority/language/> .
@prefix eqf:    <http://data.europa.eu/snb/eqf/> .
@prefix mode:   <http://data.europa.eu/snb/learning-assessment/> .

<graph/partner/{slug}> {{
  <course/{name}> a elm:LearningOpportunity ;
    dct:title "Urban data platforms {n}"@en, "Piattaforme di dati urbani {n}"@it ;
    dct:description "Design and run the data platform of a smart city."@en ;
    elm:providedBy <organisation/{slug}> ;
    elm:defaultLanguage lang:ENG ;
    elm:learningAchievementSpecification <credential/{name}> ;
    smarco:aim smarco:resilientCommunities .

  <credential/{name}> a smarco:MicroCredential, elm:LearningAchievementSpecification ;
    dct:title "Micro-credential in urban data platforms {n}"@en ;
    elm:learningOutcome <course/{name}/outcome/1>, <course/{name}/outcome/2> ;
    elm:EQFLevel eqf:6 ;
    elm:creditPoint [ a elm:CreditPoint ; elm:framework <{ects}> ; elm:point "3" ] ;
    elm:volumeOfLearning "PT75H"^^xsd:duration ;
    dct:language lang:ENG ;
    elm:mode mode:9191af2ed9 ;
    elm:targetGroup smarco:smartCityEngineers ;
    elm:awardingOpportunity [ a elm:AwardingOpportunity ; elm:awardingBody <organisation/{slug}> ] ;
    elm:provenBy [ a elm:LearningAssessmentSpecification ; dct:title "Project"@en ;
                   dct:type <http://data.europa.eu/snb/assessment/6a4db9f11d> ] ;
    elm:accreditation [ a elm:Accreditation ; dct:type <http://data.europa.eu/snb/accreditation/820101cba6> ;
                        dct:title "QA"@en ; elm:accreditingAgent <organisation/{slug}> ] .

  <course/{name}/outcome/1> a elm:LearningOutcome ;
    dct:title "Manage data"@en ;
    elm:relatedESCOSkill <{skill1}>, <{skill2}> .

  <course/{name}/outcome/2> a elm:LearningOutcome ;
    dct:title "Secure the platform"@en ;
    elm:relatedESCOSkill <{skill3}> .
}}
"""


def course_document(n: int, tag: str, organisation: str, skills: list[str]) -> bytes:
    """A fresh course (unique IRIs) pointing at an organisation and skills that are already stored."""
    slug = organisation.rsplit("/", 1)[-1]
    text = COURSE_TRIG.format(
        slug=slug, name=f"bench-{tag}-{n}", n=n, ects=ECTS, skill1=skills[0], skill2=skills[1], skill3=skills[2]
    )
    return text.encode("utf-8")


# -- measurements (each runs in a child process) -------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM), so each child reports its own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux ``clear_refs`` 5), to isolate one phase's peak."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


class ChildMemory:
    """Samples the peak RSS (VmHWM) of this process's children (worker pools) while they live.

    ``RUSAGE_CHILDREN`` cannot be used for that: on exec Linux carries the forking parent's peak into the
    child's ``ru_maxrss``, so spawned workers would report the parent's memory."""

    def __init__(self, interval: float = 0.2) -> None:
        import threading

        self.peaks: dict[int, float] = {}
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ChildMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            for pid in self._children():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peaks[pid] = max(self.peaks.get(pid, 0.0), int(line.split()[1]) / 1024)

    @staticmethod
    def _children() -> list[int]:
        pids: list[int] = []
        for task in Path("/proc/self/task").iterdir():
            try:
                pids += [int(pid) for pid in (task / "children").read_text().split()]
            except OSError:
                continue
        return pids


def say(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def task_generate(args: dict) -> dict:
    info = generate(Path(args["path"]), args["triples"], args["seed"])
    sample = {"organisations": info.organisations[:: max(1, len(info.organisations) // 64)][:64]}
    sample["skills"] = random.Random(args["seed"]).sample(info.skills, min(3000, len(info.skills)))
    Path(args["manifest"]).write_text(json.dumps(sample))
    return {
        "triples": info.triples,
        "organisations": len(info.organisations),
        "courses": info.courses,
        "micro_credentials": info.micro_credentials,
        "outcomes": info.outcomes,
        "skills": len(info.skills),
        "bytes": Path(args["path"]).stat().st_size,
        "seconds": info.seconds,
    }


def _kg(store: Path) -> Any:
    from smarco_kg.config import Settings
    from smarco_kg.kg import KnowledgeGraph

    return KnowledgeGraph(Settings(store=store))


def task_sample(args: dict) -> dict:
    """Fail early and loudly if the generator's data does not conform, before timing anything."""
    from smarco_kg.ingest.demo import initialise
    from smarco_kg.write_path import WriteRejected

    kg = _kg(Path(args["store"]))
    initialise(kg, demo=False)
    try:
        result = kg.write_path.write(Path(args["path"]), dry_run=True)
    except WriteRejected as rejected:
        print(rejected.report.as_text()[:4000], file=sys.stderr)
        raise SystemExit("the generated sample does not conform to the shapes: fix the generator") from rejected
    finally:
        kg.close()
    return {"quads": result.quads, "focus_nodes": result.report.focus_nodes, "warnings": len(result.report.warnings)}


def task_raw(args: dict) -> dict:
    import pyoxigraph as ox

    store = ox.Store(args["store"])
    started = time.perf_counter()
    store.bulk_load(path=args["path"], format=ox.RdfFormat.N_QUADS)
    store.flush()
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "quads": len(store), "peak_rss_mib": peak_rss_mib()}


def task_trusted(args: dict) -> dict:
    from smarco_kg.formats import rdf_syntax

    kg = _kg(Path(args["store"]))
    started = time.perf_counter()
    kg.store.bulk_load(Path(args["path"]), rdf_syntax("nquads"))
    seconds = time.perf_counter() - started
    quads = sum(kg.store.graph_sizes().values())
    kg.close()
    return {"seconds": seconds, "quads": quads, "peak_rss_mib": peak_rss_mib()}


class Timer:
    """Accumulates the time spent in wrapped callables, to show where a long write goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed


def task_validated(args: dict) -> dict:
    """``smarco-kg load`` of the whole file into a store holding the ontology, code lists and ESCO subset."""
    from smarco_kg.ingest.demo import initialise
    from smarco_kg.write_path import WriteRejected

    kg = _kg(Path(args["store"]))
    started = time.perf_counter()
    initialise(kg, demo=False)
    init_seconds = time.perf_counter() - started
    before = sum(kg.store.graph_sizes().values())
    wp = kg.write_path
    timer = Timer()  # instance attributes shadow the methods: the code path stays the same
    for name in ("stage", "check", "commit", "_check_batch", "_add_types"):
        setattr(wp, name, timer.wrap(name, getattr(wp, name)))
    wp.validator.validate = timer.wrap("pyshacl", wp.validator.validate)  # type: ignore[method-assign]
    rss_before = peak_rss_mib()
    isolated = reset_peak_rss()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            say(f"validated {done}/{total} focus nodes")

    started = time.perf_counter()
    try:
        with ChildMemory() as children:
            result = wp.write(Path(args["path"]), dry_run=False, progress=progress)
    except WriteRejected as rejected:
        print(rejected.report.as_text()[:4000], file=sys.stderr)
        raise SystemExit("the validated load REJECTED the generated data") from rejected
    seconds = time.perf_counter() - started
    peak = peak_rss_mib()
    import resource

    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # CPU of the worker processes, joined by now
    after = sum(kg.store.graph_sizes().values())
    kg.close()
    return {
        "seconds": seconds,
        "quads": result.quads,
        "stored": after - before,
        "focus_nodes": result.report.focus_nodes,
        "warnings": len(result.report.warnings),
        "init_seconds": init_seconds,
        "store_triples_before": before,
        "peak_rss_mib": peak,
        "peak_rss_is_write_only": isolated,
        "worker_peak_rss_mib": max(children.peaks.values(), default=0.0),  # the largest child's, sampled
        "worker_peak_rss_sum_mib": sum(children.peaks.values()),  # all children's peaks, an upper bound
        "worker_cpu_seconds": workers.ru_utime + workers.ru_stime,  # all workers together
        "rss_before_write_mib": rss_before,
        "parts_seconds": validated_parts(timer.seconds, wp.workers if children.peaks else 1),
        "workers": wp.workers,
        "batches": timer.calls.get("pyshacl", 0),
    }


def validated_parts(seconds: dict[str, float], workers: int = 1) -> dict[str, float]:
    """Name the timed pieces as the write path's stages: parse, the neighbourhood queries, pySHACL, commit.

    With worker processes the batches are checked there, out of this process's timers: only the wall time
    of stage, check and commit is split then."""
    if workers > 1:
        parts = {
            "stage (parse into scratch store)": seconds.get("stage", 0.0),
            f"check ({workers} worker processes on checkpoints)": seconds.get("check", 0.0),
            "commit (dump + bulk load)": seconds.get("commit", 0.0),
        }
        return {name: round(value, 3) for name, value in parts.items()}
    batches, types, shacl = (
        seconds.get("_check_batch", 0.0),
        seconds.get("_add_types", 0.0),
        seconds.get("pyshacl", 0.0),
    )
    parts = {
        "stage (parse into scratch store)": seconds.get("stage", 0.0),
        "check": seconds.get("check", 0.0),
        "check: neighbourhood queries + rdflib graphs": batches - types - shacl,
        "check: types of referenced IRIs": types,
        "check: pySHACL": shacl,
        "check: other (subject list, blank nodes)": seconds.get("check", 0.0) - batches,
        "commit (dump + bulk load)": seconds.get("commit", 0.0),
    }
    return {name: round(value, 3) for name, value in parts.items()}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def task_writes(args: dict) -> dict:
    """Bulk-load the generated data plus the ontology (trusted), reopen, then write courses one by one."""
    from smarco_kg.formats import rdf_syntax
    from smarco_kg.write_path import WriteRejected

    store, tag = Path(args["store"]), args["tag"]
    kg = _kg(store)
    kg.store.bulk_load(kg.settings.ontology_dir / "smarco.ttl", rdf_syntax("turtle"), graph=kg.graphs.ontology)
    kg.store.bulk_load(Path(args["path"]), rdf_syntax("nquads"))
    triples = sum(kg.store.graph_sizes().values())
    kg.close()

    kg = _kg(store)  # a cold open, as a server starting on an existing store
    isolated = reset_peak_rss()  # the writes' memory, not the bulk load's
    manifest = json.loads(Path(args["manifest"]).read_text())
    rng = random.Random(args["seed"])
    trig = rdf_syntax("trig")
    counter = iter(range(10**9))

    def document() -> bytes:
        return course_document(
            next(counter), tag, rng.choice(manifest["organisations"]), rng.sample(manifest["skills"], 3)
        )

    def write_one() -> float:
        data = document()
        started = time.perf_counter()
        try:
            result = kg.write_path.write(data, trig, base_iri=BASE, dry_run=False)
        except WriteRejected as rejected:
            print(rejected.report.as_text(), file=sys.stderr)
            raise SystemExit("a course write was REJECTED") from rejected
        elapsed = time.perf_counter() - started
        if result.report.warnings:
            raise SystemExit(f"a course write raised warnings: {result.report.as_text()}")
        return elapsed * 1000

    first = write_one()  # cold: the first write pays for pySHACL's and the store's caches
    for _ in range(args["warmup"]):
        write_one()
    cpu_all, cpu_main = time.process_time(), time.thread_time()
    latencies = [write_one() for _ in range(args["writes"])]
    background = (time.process_time() - cpu_all) - (time.thread_time() - cpu_main)

    wp = kg.write_path
    timer = Timer()
    validate = wp.validator.validate
    wp.validator.validate = timer.wrap("pyshacl", validate)  # type: ignore[method-assign]
    parts: dict[str, list[float]] = {"stage": [], "check": [], "pyshacl": [], "commit": []}
    for _ in range(args["part_writes"]):
        data = document()
        timer.seconds.clear()
        t0 = time.perf_counter()
        staged = wp.stage(data, trig, base_iri=BASE)
        t1 = time.perf_counter()
        report = wp.check(staged)
        t2 = time.perf_counter()
        if not report.conforms:
            raise SystemExit(f"a course write does not conform: {report.as_text()}")
        wp.commit(staged)
        t3 = time.perf_counter()
        staged.close()
        for name, seconds in (("stage", t1 - t0), ("check", t2 - t1), ("commit", t3 - t2)):
            parts[name].append(seconds * 1000)
        parts["pyshacl"].append(timer.seconds.get("pyshacl", 0.0) * 1000)
    wp.validator.validate = validate  # type: ignore[method-assign]
    written = kg.store.query(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?c a <{ELM}LearningOpportunity> "
        f'FILTER STRSTARTS(STR(?c), "{BASE}course/bench-{tag}-") }} }}'
    )
    stored_courses = int(next(written.rows())["n"])
    kg.close()
    expected = 1 + args["warmup"] + args["writes"] + args["part_writes"]
    if stored_courses != expected:
        raise SystemExit(f"expected {expected} written courses in the store, found {stored_courses}")
    return {
        "store_triples": triples,
        "writes": len(latencies),
        "first_ms": first,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "max_ms": max(latencies),
        "mean_ms": statistics.fmean(latencies),
        "parts_p50_ms": {name: statistics.median(values) for name, values in parts.items()},
        "background_cpu_ms": background * 1000,
        "peak_rss_mib": peak_rss_mib(),
        "peak_rss_is_writes_only": isolated,
    }


TASKS: dict[str, Callable[[dict], dict]] = {
    "generate": task_generate,
    "sample": task_sample,
    "raw": task_raw,
    "trusted": task_trusted,
    "validated": task_validated,
    "writes": task_writes,
}


def child_command(script: str, task: str, args: dict) -> list[str]:
    """The command that runs one task of a benchmark ``script`` in a fresh interpreter."""
    return [sys.executable, script, "--child", task, "--child-args", json.dumps(args)]


def run_child(task: str, args: dict, timeout: float, script: str = __file__) -> dict:
    """Run one measurement in a fresh interpreter; its stderr streams through, its result comes back as JSON."""
    started = time.perf_counter()
    done = subprocess.run(
        child_command(script, task, args), stdout=subprocess.PIPE, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"benchmark step '{task}' failed (exit {done.returncode}); see the messages above")
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT_MARK)]
    if not lines:
        raise SystemExit(f"benchmark step '{task}' printed no result")
    result = json.loads(lines[-1][len(RESULT_MARK) :])
    result["child_wall_seconds"] = round(wall, 2)
    return result


# -- orchestration ------------------------------------------------------------------------------------------------


def fresh(directory: Path) -> Path:
    shutil.rmtree(directory, ignore_errors=True)
    return directory


def run(options: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="smarco-bench-", dir=options.workdir))
    say(f"working in {work}")
    timeout = options.timeout
    try:
        files: dict[str, dict] = {}
        for label, triples in (
            ("full", options.triples),
            ("small", options.triples // options.small_ratio),
            ("sample", 3000),
        ):
            path, manifest = work / f"{label}.nq", work / f"{label}.manifest.json"
            args = {"path": str(path), "manifest": str(manifest), "triples": triples, "seed": options.seed}
            files[label] = {**run_child("generate", args, timeout), "path": str(path), "manifest": str(manifest)}
            say(f"generated {label}: {files[label]['triples']:,} triples in {files[label]['seconds']:.1f} s")
        full = files["full"]

        sample = run_child("sample", {"path": files["sample"]["path"], "store": str(work / "sample-store")}, timeout)
        if sample["warnings"]:
            raise SystemExit(f"the generated sample raises {sample['warnings']} warning(s); fix the generator")
        say(f"sample conforms: {sample['quads']} quads, {sample['focus_nodes']} focus nodes, no warnings")

        loads: dict[str, list[dict]] = {"raw": [], "trusted": []}
        for repeat in range(options.repeats):  # interleaved, so machine noise hits both alike
            for kind in ("raw", "trusted"):
                store = fresh(work / f"{kind}-store")
                result = run_child(kind, {"path": full["path"], "store": str(store)}, timeout)
                if result["quads"] != full["triples"]:
                    raise SystemExit(f"{kind} load stored {result['quads']} quads, expected {full['triples']}")
                loads[kind].append(result)
                say(f"{kind} bulk load #{repeat + 1}: {result['seconds']:.2f} s")
                shutil.rmtree(store, ignore_errors=True)

        say("validated load (smarco-kg load's code path); this is the long one")
        validated = run_child(
            "validated", {"path": full["path"], "store": str(fresh(work / "validated-store"))}, timeout
        )
        if validated["quads"] != full["triples"] or validated["stored"] != full["triples"]:
            raise SystemExit(
                f"validated load: {validated['quads']} staged, {validated['stored']} stored, expected {full['triples']}"
            )
        shutil.rmtree(work / "validated-store", ignore_errors=True)
        say(f"validated load: {validated['seconds']:.1f} s")

        writes: dict[str, dict] = {}
        for label in ("full", "small"):
            args = {
                "path": files[label]["path"],
                "manifest": files[label]["manifest"],
                "store": str(fresh(work / f"w-{label}")),
                "tag": label,
                "seed": options.seed,
                "writes": options.writes,
                "warmup": 10,
                "part_writes": 50,
            }
            writes[label] = run_child("writes", args, timeout)
            say(f"course writes into {label} store: p50 {writes[label]['p50_ms']:.2f} ms")
            shutil.rmtree(work / f"w-{label}", ignore_errors=True)
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return summarise(options, files, sample, loads, validated, writes)


def summarise(
    options: argparse.Namespace, files: dict, sample: dict, loads: dict, validated: dict, writes: dict
) -> dict:
    triples = files["full"]["triples"]
    best = {kind: min(runs, key=lambda r: r["seconds"]) for kind, runs in loads.items()}
    rate = {kind: triples / best[kind]["seconds"] for kind in best}
    rate["validated"] = triples / validated["seconds"]
    ratios = {"trusted_over_raw": rate["trusted"] / rate["raw"], "validated_over_raw": rate["validated"] / rate["raw"]}
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], **_versions()},
        "source": _source_fingerprint(),
        "options": {k: v for k, v in vars(options).items() if k not in ("child", "child_args")},
        "data": {
            label: {k: v for k, v in info.items() if k not in ("path", "manifest")} for label, info in files.items()
        },
        "sample_check": sample,
        "loads": {
            "raw": {
                "runs_seconds": [r["seconds"] for r in loads["raw"]],
                "triples_per_s": rate["raw"],
                "peak_rss_mib": best["raw"]["peak_rss_mib"],
            },
            "trusted": {
                "runs_seconds": [r["seconds"] for r in loads["trusted"]],
                "triples_per_s": rate["trusted"],
                "peak_rss_mib": best["trusted"]["peak_rss_mib"],
            },
            "validated": {**validated, "triples_per_s": rate["validated"]},
        },
        "ratios": ratios,
        "writes": writes,
        "goals": {
            "trusted_over_raw": {
                "goal": GOALS["trusted_over_raw"],
                "value": ratios["trusted_over_raw"],
                "met": ratios["trusted_over_raw"] >= GOALS["trusted_over_raw"],
            },
            "validated_over_raw": {
                "goal": GOALS["validated_over_raw"],
                "value": ratios["validated_over_raw"],
                "met": ratios["validated_over_raw"] >= GOALS["validated_over_raw"],
            },
            **{
                f"write_p50_ms_{label}": {
                    "goal": GOALS["write_p50_ms"],
                    "value": w["p50_ms"],
                    "met": w["p50_ms"] <= GOALS["write_p50_ms"],
                }
                for label, w in writes.items()
            },
        },
    }


def _source_fingerprint() -> dict[str, str]:
    """Hashes of the code measured: src/ changes between runs, and figures must be traceable to it."""
    import hashlib

    root = Path(__file__).resolve().parents[1] / "src" / "smarco_kg"
    files = sorted(root.rglob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return {"src_sha256": digest.hexdigest()[:16], "files": str(len(files))}


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("pyoxigraph", "pyshacl", "rdflib")}


def table(report: dict) -> str:
    """The human-readable summary: one line per figure, goals marked."""
    loads, writes, goals = report["loads"], report["writes"], report["goals"]
    data = report["data"]["full"]

    def mark(key: str) -> str:
        return "ok " if goals[key]["met"] else "MISS"

    lines = [
        f"data: {data['triples']:,} triples ({data['bytes'] / 2**20:.0f} MiB N-Quads): {data['organisations']} "
        f"organisations, {data['courses']:,} courses ({data['micro_credentials']:,} micro-credentials), "
        f"{data['outcomes']:,} outcomes, {data['skills']:,} skills; generated in {data['seconds']:.1f} s",
        "",
        f"{'load':<34}{'seconds':>9}{'triples/s':>12}{'peak RSS':>11}",
    ]
    for kind, label in (
        ("raw", "(a) raw pyoxigraph bulk_load"),
        ("trusted", "(b) trusted kg.store.bulk_load"),
        ("validated", "(c) validated write_path.write"),
    ):
        entry = loads[kind]
        seconds = min(entry["runs_seconds"]) if "runs_seconds" in entry else entry["seconds"]
        line = f"{label:<34}{seconds:>9.2f}{entry['triples_per_s']:>12,.0f}{entry['peak_rss_mib']:>8.0f} MiB"
        if entry.get("worker_peak_rss_mib"):
            line += (
                f" + {entry['workers']} workers of <= {entry['worker_peak_rss_mib']:.0f} MiB "
                f"({entry['worker_cpu_seconds']:.0f} s CPU)"
            )
        lines.append(line)
    ratio = report["ratios"]
    lines += [
        f"  (b)/(a) = {ratio['trusted_over_raw']:.2f}  goal >= {GOALS['trusted_over_raw']:.2f}  "
        f"{mark('trusted_over_raw')}",
        f"  (c)/(a) = {ratio['validated_over_raw']:.3f} goal >= {GOALS['validated_over_raw']:.2f}  "
        f"{mark('validated_over_raw')}",
        f"  (c) where the time goes ({loads['validated']['focus_nodes']:,} focus nodes"
        + (
            f", {loads['validated']['batches']} pySHACL batches in this process):"
            if loads["validated"]["batches"]
            else "):"
        ),
        *(f"      {name:<48}{value:>8.1f} s" for name, value in loads["validated"]["parts_seconds"].items()),
        "",
        f"{'one course write (validated), ms':<34}{'store':>11}{'first':>8}{'p50':>8}{'p95':>8}{'max':>8}"
        f"{'peak RSS':>11}",
    ]
    for label, w in writes.items():
        lines.append(
            f"  into the {label} store{'':<{17 - len(label)}}{w['store_triples']:>11,}{w['first_ms']:>8.1f}"
            f"{w['p50_ms']:>8.2f}{w['p95_ms']:>8.2f}{w['max_ms']:>8.1f}{w['peak_rss_mib']:>8.0f} MiB"
            f"  {mark(f'write_p50_ms_{label}')}"
        )
    for label, w in writes.items():
        parts = w["parts_p50_ms"]
        lines.append(
            f"  parts, {label} store (p50 ms): stage {parts['stage']:.2f}, check {parts['check']:.2f} "
            f"(pySHACL {parts['pyshacl']:.2f}, queries {parts['check'] - parts['pyshacl']:.2f}), "
            f"commit {parts['commit']:.2f}; store's background threads used {w['background_cpu_ms']:.0f} ms CPU"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="size of the full dataset")
    parser.add_argument("--small-ratio", type=int, default=10, help="the small store is this many times smaller")
    parser.add_argument("--writes", type=int, default=200, help="timed course writes per store")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each bulk load (the best counts)")
    run_benchmark(parser, TASKS, run, table, name="foundation", timeout=3600)


def run_benchmark(
    parser: argparse.ArgumentParser,
    tasks: dict[str, Callable[[dict], dict]],
    run: Callable[[argparse.Namespace], dict],
    table: Callable[[dict], str],
    *,
    name: str,
    timeout: float,
) -> None:
    """The shared driver: in a child process run one task; else run the benchmark, write JSON, print a table."""
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / f"{name}.json")
    parser.add_argument("--workdir", type=Path, default=None, help="where the temp dir goes [default: $TMPDIR]")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and stores")
    parser.add_argument("--timeout", type=float, default=timeout, help="seconds allowed per step")
    parser.add_argument("--child", choices=sorted(tasks), help=argparse.SUPPRESS)
    parser.add_argument("--child-args", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        result = tasks[options.child](json.loads(options.child_args))
        print(RESULT_MARK + json.dumps(result), flush=True)
        return
    started = time.perf_counter()
    report = run(options)
    report["total_seconds"] = round(time.perf_counter() - started, 1)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(table(report))
    print(f"\n{report['total_seconds']:.0f} s in all; JSON in {options.out}")


if __name__ == "__main__":
    main()
