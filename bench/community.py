"""Community benchmark: the Pact for Skills report and the coordinator's dashboard over a large community.

One run generates the catalogue of ``foundation.generate`` (enough triples for >= 10,000 courses) and, in the
vocabulary of issue 20, a community over its organisations: stakeholder memberships, ``--pledges`` pledges (three
targets and two progress reports each), ``--events`` events (participant counts by country, related skills) and
``--credentials`` entries of the register of issued credentials (some revoked); 5% of the courses carry a
``dct:modified`` date. Everything is bulk-loaded into a fresh on-disk store made by ``smarco-kg init --no-demo``;
``smarco-kg serve`` then runs on a free loopback port and, with ``--clients`` keep-alive clients, times:

  report           GET /api/reports/pact-for-skills?year=2026 (JSON), cached for the write generation
  report, fresh    the same right after a write (a SPARQL Update adding one issued credential): computed again
  dashboard        GET /dashboard?year=2026, when the server has the page (else: not measured)

    .venv/bin/python bench/community.py [--triples 520000] [--pledges 1000] [--events 5000] [--credentials 100000]

Goals (issue 20): the report <= 1 s (fresh, p50 and p95), the dashboard p50 <= 100 ms. JSON in bench/out/community.json.
"""

from __future__ import annotations

import argparse
import asyncio
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
from pathlib import Path

import foundation
from foundation import BASE, DCT, ELM, RDF_TYPE, SMARCO, XSD, generate, iri, lit, run_benchmark, say
from sparql import Server, free_port

GOALS = {"report_fresh_p95_ms": 1000.0, "report_fresh_p50_ms": 1000.0, "dashboard_p50_ms": 100.0}
MIN_COURSES = 10_000
YEAR = 2026
REPORT = f"/api/reports/pact-for-skills?year={YEAR}"
DASHBOARD = f"/dashboard?year={YEAR}"
PARTNERS_PAGE = "/dashboard/partners/{}?year=" + str(YEAR)  # one partner's page: org-2, or a partner of the demo
DOWNLOADS = (f"/dashboard/partners.csv?year={YEAR}", f"/dashboard/partners.xlsx?year={YEAR}")
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
COUNTRIES = ("BEL", "ITA", "ROU", "BGR", "ESP", "IRL", "GRC", "DEU", "FRA", "NLD", "AUT", "PRT", "POL", "FIN", "CYP")
INDICATORS = ("peopleUpskilled", "peopleReskilled", "programmesCreatedOrUpdated", "microCredentialsIssued")
EVENT_TYPES = ("training", "webinar", "workshop", "studyVisit", "mobilityExchange")
STAKEHOLDER_TYPES = ("industry", "publicAdministration", "educationProvider", "cluster", "socialPartner", "research")
MODES = ("OnlineEventAttendanceMode", "OfflineEventAttendanceMode", "MixedEventAttendanceMode")
REVOKED_SHARE = 0.03
PARTNERS = 22  # the consortium: organisation 1 coordinates, 2-22 are partners
SKOS = "http://www.w3.org/2004/02/skos/core#"
DIGITAL = "http://data.europa.eu/esco/concept-scheme/6c930acd-c104-4ece-acf7-f44fd7333036"
GREEN = "http://data.europa.eu/esco/concept-scheme/green"
AIMS = ("resilientCommunities", "flexibleRecognisedLearning", "communityOfStakeholders")


# -- the community, as N-Quads -----------------------------------------------------------------------------------


def _date(rng: random.Random, first: int, last: int) -> str:
    return lit(f"{rng.randint(first, last)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}", datatype=XSD + "date")


def _count(n: int) -> str:
    return lit(str(n), datatype=XSD + "nonNegativeInteger")


def community(
    path: Path, info: foundation.Generated, pledges: int, events: int, credentials: int, seed: int
) -> dict[str, int]:
    """Append the community over ``info``'s organisations, courses and skills to ``path``; what was written."""
    rng = random.Random(seed)
    organisations = info.organisations
    lines: list[str] = []
    written = {"memberships": 0, "pledges": 0, "events": 0, "credentials": 0, "dated_courses": 0, "triples": 0}
    coordinator = iri(f"{BASE}graph/partner/org-1")

    def graph_of(organisation: str) -> str:
        return iri(f"{BASE}graph/partner/{organisation.rsplit('/', 1)[-1]}")

    for number, organisation in enumerate(organisations):  # the first 22 are the partners, the others stakeholders
        slug = organisation.rsplit("/", 1)[-1]
        m, g = iri(f"{BASE}membership/{slug}"), graph_of(organisation)
        role = "coordinator" if number == 0 else "partner" if number < PARTNERS else "stakeholder"
        lines += [
            f"{m} {RDF_TYPE} <{ORG}Membership> {coordinator} .",
            f"{m} <{ORG}member> {iri(organisation)} {coordinator} .",
            f"{m} <{ORG}organization> <{BASE}partnership/smarco> {coordinator} .",
            f"{m} <{ORG}role> <{SMARCO}{role}> {coordinator} .",
            f"{m} <{SCHEMA}startDate> {_date(rng, 2023, 2027)} {coordinator} .",
            f"{iri(organisation)} <{ORG}classification> <{SMARCO}{rng.choice(STAKEHOLDER_TYPES)}> {g} .",
        ]
        written["memberships"] += role == "stakeholder"
    esco = iri(f"{BASE}graph/esco")
    for skill in info.skills:  # ESCO's digital and green collections, for the dashboard's skills covered
        if rng.random() < 0.10:
            lines.append(f"{iri(skill)} <{SKOS}inScheme> <{DIGITAL}> {esco} .")
        if rng.random() < 0.05:
            lines.append(f"{iri(skill)} <{SKOS}inScheme> <{GREEN}> {esco} .")
    for n in range(1, pledges + 1):
        organisation = rng.choice(organisations)
        p, g = f"{BASE}pledge/bench-{n}", graph_of(organisation)
        lines += [
            f"{iri(p)} {RDF_TYPE} <{SMARCO}Pledge> {g} .",
            f"{iri(p)} <{DCT}title> {lit(f'Pledge {n}', 'en')} {g} .",
            f"{iri(p)} <{SMARCO}pledgedBy> {iri(organisation)} {g} .",
            f"{iri(p)} <{DCT}issued> {_date(rng, 2024, 2025)} {g} .",
        ]
        targets = []
        for k, year in enumerate((2025, 2026, 2027), start=1):
            t = iri(f"{p}/target/{k}")
            targets.append(t)
            lines += [
                f"{iri(p)} <{SMARCO}target> {t} {g} .",
                f"{t} {RDF_TYPE} <{SMARCO}PledgeTarget> {g} .",
                f"{t} <{SMARCO}year> {lit(str(year), datatype=XSD + 'gYear')} {g} .",
                f"{t} <{SMARCO}indicator> <{SMARCO}{rng.choice(INDICATORS)}> {g} .",
                f"{t} <{SMARCO}amount> {_count(rng.randint(50, 500))} {g} .",
            ]
            if rng.random() < 0.5:
                lines.append(f"{t} <{DCT}spatial> <{COUNTRY}{rng.choice(COUNTRIES)}> {g} .")
        for k, (start, end) in enumerate((("2025-01-01", "2025-12-31"), ("2026-01-01", "2026-12-31")), start=1):
            r = iri(f"{p}/report/{k}")
            lines += [
                f"{iri(p)} <{SMARCO}progressReport> {r} {g} .",
                f"{r} {RDF_TYPE} <{SMARCO}ProgressReport> {g} .",
                f"{r} <{DCT}issued> {lit(end, datatype=XSD + 'date')} {g} .",
                f"{r} <{SCHEMA}startDate> {lit(start, datatype=XSD + 'date')} {g} .",
                f"{r} <{SCHEMA}endDate> {lit(end, datatype=XSD + 'date')} {g} .",
            ]
            for j, target in enumerate(rng.sample(targets, 2), start=1):
                a = iri(f"{p}/report/{k}/achievement/{j}")
                lines += [
                    f"{r} <{SMARCO}achievement> {a} {g} .",
                    f"{a} {RDF_TYPE} <{SMARCO}Achievement> {g} .",
                    f"{a} <{SMARCO}againstTarget> {target} {g} .",
                    f"{a} <{SMARCO}amount> {_count(rng.randint(0, 300))} {g} .",
                ]
        written["pledges"] += 1
    for n in range(1, events + 1):
        organisation = rng.choice(organisations)
        e, g = iri(f"{BASE}event/bench-{n}"), graph_of(organisation)
        lines += [
            f"{e} {RDF_TYPE} <{SMARCO}Event> {g} .",
            f"{e} <{DCT}title> {lit(f'Event {n}', 'en')} {g} .",
            f"{e} <{DCT}type> <{SMARCO}{rng.choice(EVENT_TYPES)}> {g} .",
            f"{e} <{SCHEMA}startDate> {_date(rng, 2024, 2027)} {g} .",
            f"{e} <{SCHEMA}eventAttendanceMode> <{SCHEMA}{rng.choice(MODES)}> {g} .",
            f"{e} <{SCHEMA}organizer> {iri(organisation)} {g} .",
            f"{e} <{SMARCO}aim> <{SMARCO}{rng.choice(AIMS)}> {g} .",
            f"{e} <{DCT}spatial> <{COUNTRY}{rng.choice(COUNTRIES)}> {g} .",
            *(f"{e} <{SMARCO}relatedSkill> {iri(s)} {g} ." for s in rng.sample(info.skills, 2)),
        ]
        for k, country in enumerate(rng.sample(COUNTRIES, rng.randint(1, 3)), start=1):
            c = iri(f"{BASE}event/bench-{n}/participants/{k}")
            lines += [
                f"{e} <{SMARCO}participants> {c} {g} .",
                f"{c} {RDF_TYPE} <{SMARCO}ParticipantCount> {g} .",
                f"{c} <{DCT}spatial> <{COUNTRY}{country}> {g} .",
                f"{c} <{SMARCO}amount> {_count(rng.randint(5, 80))} {g} .",
            ]
        written["events"] += 1
    register = iri(f"{BASE}graph/register")
    courses_per = foundation.COURSES_PER_ORGANISATION
    for n in range(1, credentials + 1):
        number = rng.randrange(info.courses)
        slug = f"org-{number // courses_per + 1}"
        spec = iri(f"{BASE}credential/{slug}-course-{number % courses_per + 1}")
        c = iri(f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}")
        lines += [
            f"{c} {RDF_TYPE} <{SMARCO}IssuedCredential> {register} .",
            f"{c} <{SMARCO}specification> {spec} {register} .",
            f"{c} <{ELM}awardingBody> {iri(f'{BASE}organisation/{slug}')} {register} .",
            f"{c} <{DCT}issued> {_date(rng, 2024, 2027)} {register} .",
            f"{c} <{DCT}conformsTo> <{SMARCO}{rng.choice(('europeanDigitalCredential', 'openBadge'))}> {register} .",
            f"{c} <{SMARCO}statusListIndex> {_count(n)} {register} .",
        ]
        if rng.random() < 0.8:
            lines.append(f"{c} <{SMARCO}learnerCountry> <{COUNTRY}{rng.choice(COUNTRIES)}> {register} .")
        if rng.random() < REVOKED_SHARE:
            lines.append(f"{c} <{SMARCO}revoked> {_date(rng, 2026, 2027)} {register} .")
        written["credentials"] += 1
    for number in range(info.courses):  # micro-credentials and certificates serve aims, as the demo data's do
        slug = f"org-{number // courses_per + 1}"
        spec = iri(f"{BASE}credential/{slug}-course-{number % courses_per + 1}")
        lines.append(f"{spec} <{SMARCO}aim> <{SMARCO}{rng.choice(AIMS)}> {graph_of(slug)} .")
    for number in rng.sample(range(info.courses), info.courses // 20):
        slug = f"org-{number // courses_per + 1}"
        course = iri(f"{BASE}course/{slug}-course-{number % courses_per + 1}")
        stamp = f"{rng.randint(2024, 2027)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z"
        lines.append(f"{course} <{DCT}modified> {lit(stamp, datatype=XSD + 'dateTime')} {graph_of(slug)} .")
        written["dated_courses"] += 1
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    written["triples"] = len(lines)
    return written


# -- steps (each in a fresh interpreter) --------------------------------------------------------------------------


def task_prepare(args: dict) -> dict:
    started = time.perf_counter()
    path = Path(args["path"])
    info = generate(path, args["triples"], args["seed"])
    written = community(path, info, args["pledges"], args["events"], args["credentials"], args["seed"] + 1)
    return {
        "catalogue_triples": info.triples,
        "courses": info.courses,
        "organisations": len(info.organisations),
        **written,
        "seconds": time.perf_counter() - started,
    }


def task_load(args: dict) -> dict:
    from smarco_kg.config import Settings
    from smarco_kg.formats import rdf_syntax
    from smarco_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph(Settings(store=Path(args["store"])), create=False)
    started = time.perf_counter()
    kg.store.bulk_load(Path(args["path"]), rdf_syntax("nquads"))
    seconds = time.perf_counter() - started
    triples = sum(kg.store.graph_sizes().values())
    started = time.perf_counter()
    kg.search.ensure_fresh(kg.store)  # what the server would do at start, outside the timed server start
    index_seconds = time.perf_counter() - started
    kg.close()
    return {"seconds": seconds, "store_triples": triples, "index_seconds": index_seconds}


def task_count(args: dict) -> dict:
    """What a store holds, in the units of the table (for the demo data, which nothing here generated)."""
    from smarco_kg.config import Settings
    from smarco_kg.store import store_for

    kinds = {
        "courses": "<http://data.europa.eu/snb/model/elm/LearningOpportunity>",
        "pledges": f"<{SMARCO}Pledge>",
        "events": f"<{SMARCO}Event>",
        "credentials": f"<{SMARCO}IssuedCredential>",
    }
    found: dict = {}
    with store_for(Settings(store=Path(args["store"]))) as store:
        for name, kind in kinds.items():
            text = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a {kind} }}"
            found[name] = int(next(iter(store.query(text, union_default_graph=True).rows()))["n"])
        text = f"SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE {{ ?m <{ORG}role> <{SMARCO}stakeholder> }}"
        found["memberships"] = int(next(iter(store.query(text, union_default_graph=True).rows()))["n"])
        found["store_triples"] = sum(store.graph_sizes().values())
        text = (  # what the benchmark's writes issue: a micro-credential of the store and its awarding body
            f"SELECT ?s ?o WHERE {{ ?s a <{SMARCO}MicroCredential> ; "
            f"<{ELM}awardingOpportunity>/<{ELM}awardingBody> ?o }} ORDER BY ?s LIMIT 1"
        )
        row = next(iter(store.query(text, union_default_graph=True).rows()))
        found["specification"], found["awarding_body"] = str(row["s"]), str(row["o"])
    return found


def _summary(latencies: list[float]) -> dict:
    ordered = sorted(latencies)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")

    return {
        "requests": len(ordered),
        "p50_ms": statistics.median(ordered) if ordered else float("nan"),
        "p95_ms": at(0.95),
        "max_ms": ordered[-1] if ordered else float("nan"),
    }


def task_client(args: dict) -> dict:
    """The phases against the running server, with httpx keep-alive clients."""
    import httpx

    url, admin = args["url"], args["admin"]
    PARTNER = PARTNERS_PAGE.format(args["partner"])

    def insert() -> str:
        credential = f"urn:uuid:{uuid.uuid4()}"
        return (
            f"PREFIX smarco: <{SMARCO}>\nPREFIX elm: <{ELM}>\nPREFIX dct: <{DCT}>\nPREFIX xsd: <{XSD}>\n"
            f"INSERT DATA {{ GRAPH <{BASE}graph/register> {{ <{credential}> a smarco:IssuedCredential ; "
            f"smarco:specification <{args['specification']}> ; elm:awardingBody <{args['awarding_body']}> ; "
            f'dct:issued "{YEAR}-05-05"^^xsd:date ; dct:conformsTo smarco:openBadge ; '
            f'smarco:statusListIndex "{random.randint(10**6, 10**9)}"^^xsd:nonNegativeInteger . }} }}'
        )

    async def load(path: str, clients: int, seconds: float) -> tuple[list[float], dict[int, int]]:
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        stop = time.perf_counter() + seconds

        async def one(client: httpx.AsyncClient) -> None:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.get(path)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            await asyncio.gather(*(one(client) for _ in range(clients)))
        return latencies, statuses

    def written(client: httpx.Client) -> None:
        response = client.post(
            "/sparql",
            content=insert().encode(),
            headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/sparql-update"},
        )
        if response.status_code not in (200, 204):
            raise SystemExit(f"the write answered {response.status_code}: {response.text[:500]}")

    def timed(client: httpx.Client, path: str) -> tuple[float, httpx.Response]:
        started = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.text[:500]}")
        return elapsed, response

    results: dict = {}
    with httpx.Client(base_url=url, timeout=600) as client:
        results["report_first_ms"], first = timed(client, REPORT)
        figures = first.json()["partnership"]
        results["figures"] = {name: figure["value"] for name, figure in figures.items()}
        results["pledges_in_report"] = len(first.json()["pledges"])
        results["dashboard_first_ms"], _ = timed(client, DASHBOARD)
        results["partner_first_ms"], _ = timed(client, PARTNER)
        # first view after a write: the write starts the background computation of what was asked before it;
        # the request right after it waits for that computation (never an older generation)
        fresh: dict[str, list[float]] = {"report": [], "dashboard": []}
        for _ in range(args["fresh"]):
            for name, path in (("report", REPORT), ("dashboard", DASHBOARD)):
                written(client)
                elapsed, again = timed(client, path)
                fresh[name].append(elapsed)
                if name == "report":
                    issued = again.json()["partnership"]["credentialsIssued"]["value"]
                    if issued <= figures["credentialsIssued"]["value"]:
                        raise SystemExit("the report did not change after a write: stale")
                    figures = again.json()["partnership"]
        results["report_fresh"] = _summary(fresh["report"])
        results["dashboard_fresh"] = _summary(fresh["dashboard"])
        for path in (DASHBOARD, PARTNER, *DOWNLOADS):
            timed(client, path)  # computed for this generation before the cached phases
    for name, path in (("report", REPORT), ("dashboard", DASHBOARD), ("partner", PARTNER), ("csv", DOWNLOADS[0]),
                       ("xlsx", DOWNLOADS[1])):  # fmt: skip
        latencies, statuses = asyncio.run(load(path, args["clients"], args["seconds"]))
        results[name] = {**_summary(latencies), "statuses": statuses, "clients": args["clients"]}
        say(f"{name}: p50 {results[name]['p50_ms']:.1f} ms, p95 {results[name]['p95_ms']:.1f} ms")
    return results


def task_inprocess(args: dict) -> dict:
    """Each named query of the report and of the dashboard on the store opened directly, and the dashboard's whole
    computation: where the time of a first view after a write goes."""
    from smarco_kg.config import PROJECT_ROOT, Settings
    from smarco_kg.dashboard import compute
    from smarco_kg.pact_report import QUERIES, run_query
    from smarco_kg.queries import load_queries
    from smarco_kg.store import store_for

    registry = load_queries(PROJECT_ROOT / "queries")
    names = [*QUERIES, *sorted(n for n in registry if n.startswith("dashboard-"))]
    found: dict[str, dict] = {}
    with store_for(Settings(store=Path(args["store"]))) as store:
        for name in names:
            times, rows = [], 0
            for _ in range(args["repeats"]):
                started = time.perf_counter()
                rows = len(run_query(store, registry[name], YEAR))
                times.append((time.perf_counter() - started) * 1000)
            found[name] = {"p50_ms": statistics.median(times), "rows": rows}
        started = time.perf_counter()
        compute(store, registry, YEAR)
        found["dashboard compute()"] = {"p50_ms": (time.perf_counter() - started) * 1000, "rows": 1}
    return found


TASKS: dict[str, Callable[[dict], dict]] = {
    "prepare": task_prepare,
    "load": task_load,
    "client": task_client,
    "inprocess": task_inprocess,
    "count": task_count,
}


def run_child(task: str, args: dict, timeout: float) -> dict:
    return foundation.run_child(task, args, timeout, script=__file__)


# -- orchestration ------------------------------------------------------------------------------------------------


def wanted(options: argparse.Namespace) -> dict:
    """What a kept store was built from: another run reuses it only for the same."""
    if options.demo:
        return {"demo": True}
    return {k: getattr(options, k) for k in ("triples", "seed", "pledges", "events", "credentials")}


def _init(store: Path, *, demo: bool, timeout: float) -> None:
    """``smarco-kg init`` of ``store``, with the demo data or without (the generated community goes in after)."""
    command = [sys.executable, "-m", "smarco_kg", "init", *([] if demo else ["--no-demo"]), "--store", str(store)]
    init = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if init.returncode != 0:
        raise SystemExit(f"smarco-kg init failed:\n{init.stdout}\n{init.stderr}")


def built(options: argparse.Namespace, work: Path) -> tuple[dict, dict]:
    """The scale store: generated and bulk-loaded into ``work`` (or ``--store``, kept there for the next run)."""
    import json

    home = options.store if options.store is not None else work
    marker = home / "built.json"
    if options.store is not None and marker.exists():
        kept = json.loads(marker.read_text())
        if kept["options"] == wanted(options):
            say(f"reusing the store built in {home}")
            return kept["data"], kept["loaded"]
        raise SystemExit(
            f"{home} was built with {kept['options']}, not {wanted(options)}: remove it or give another --store"
        )
    home.mkdir(parents=True, exist_ok=True)
    data_path, store = home / "data.nq", home / "store"
    if options.demo:
        _init(store, demo=True, timeout=options.timeout)
        counted = run_child("count", {"store": str(store)}, options.timeout)
        data, loaded = {**counted, "seconds": 0.0}, {"seconds": 0.0, "store_triples": counted["store_triples"]}
        if options.store is not None:
            marker.write_text(json.dumps({"options": wanted(options), "data": data, "loaded": loaded}, indent=2))
        return data, loaded
    data = run_child(
        "prepare",
        {
            "path": str(data_path),
            "triples": options.triples,
            "seed": options.seed,
            "pledges": options.pledges,
            "events": options.events,
            "credentials": options.credentials,
        },
        options.timeout,
    )
    say(
        f"generated {data['courses']:,} courses, {data['pledges']:,} pledges, {data['events']:,} events, "
        f"{data['credentials']:,} issued credentials in {data['seconds']:.1f} s"
    )
    if data["courses"] < MIN_COURSES:
        say(f"WARNING: only {data['courses']:,} courses; the goals are for >= 10,000 (give more --triples)")
    _init(store, demo=False, timeout=options.timeout)
    loaded = run_child("load", {"path": str(data_path), "store": str(store)}, options.timeout)
    say(
        f"store ready: {loaded['store_triples']:,} triples (bulk load {loaded['seconds']:.1f} s, "
        f"text index {loaded['index_seconds']:.1f} s)"
    )
    data_path.unlink()
    if options.store is not None:
        marker.write_text(json.dumps({"options": wanted(options), "data": data, "loaded": loaded}, indent=2))
    return data, loaded


def run(options: argparse.Namespace) -> dict:
    from smarco_kg.auth import TokenStore

    work = Path(tempfile.mkdtemp(prefix="smarco-bench-community-", dir=options.workdir))
    say(f"working in {work}")
    server = None
    try:
        data, loaded = built(options, work)
        store = work / "store"
        if options.store is not None:  # a copy: the writes below must not change the kept store
            started = time.perf_counter()
            for kept in options.store.glob("store*"):  # the store and the files beside it (text index, feed)
                copy = shutil.copytree if kept.is_dir() else shutil.copy2
                copy(kept, work / kept.name)
            say(f"copied the kept store from {options.store} in {time.perf_counter() - started:.1f} s")
        inprocess = run_child("inprocess", {"store": str(store), "repeats": options.repeats}, options.timeout)
        tokens = TokenStore(work / "tokens.json")
        admin, _ = tokens.create(partner=None, admin=True, label="bench")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMARCO_")}
        env.update(SMARCO_LOG_LEVEL="warning", SMARCO_TOKENS_FILE=str(tokens.path))
        port = free_port()
        command = [sys.executable, "-m", "smarco_kg", "serve", "--store", str(store), "--port", str(port)]
        server = Server("smarco-kg serve", command, port, work / "serve.log", env)
        ready = server.wait_ready(900)
        say(f"server ready in {ready:.1f} s")
        client = run_child(
            "client",
            {
                "url": server.url,
                "admin": admin,
                "clients": options.clients,
                "seconds": options.seconds,
                "fresh": options.fresh,
                "partner": "national-college-of-ireland" if options.demo else "org-2",
                "specification": data.get("specification", f"{BASE}credential/org-1-course-1"),
                "awarding_body": data.get("awarding_body", f"{BASE}organisation/org-1"),
            },
            options.timeout,
        )
    finally:
        if server is not None:
            server.stop()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return summarise(options, data, loaded, client, inprocess)


def summarise(options: argparse.Namespace, data: dict, loaded: dict, client: dict, inprocess: dict) -> dict:
    from importlib.metadata import version

    goals = {
        "report_fresh_p50_ms": client["report_fresh"]["p50_ms"],
        "report_fresh_p95_ms": client["report_fresh"]["p95_ms"],
    }
    goals["dashboard_p50_ms"] = client["dashboard"]["p50_ms"]
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "loadavg_at_end": os.getloadavg(),
            **{n: version(n) for n in ("pyoxigraph", "uvicorn", "fastapi")},
        },
        "options": {k: v for k, v in vars(options).items() if k not in ("child", "child_args")},
        "data": {**data, "store_triples": loaded["store_triples"], "bulk_load_seconds": loaded["seconds"]},
        "client": client,
        "queries_inprocess": inprocess,
        "goals": {name: {"goal": GOALS[name], "value": v, "met": v <= GOALS[name]} for name, v in goals.items()},
    }


def table(report: dict) -> str:
    data, client = report["data"], report["client"]
    goals = report["goals"]

    def mark(name: str) -> str:
        return "ok" if goals[name]["met"] else "MISS"

    fresh, cached = client["report_fresh"], client["report"]
    lines = [
        f"store: {data['store_triples']:,} triples: {data['courses']:,} courses, {data['pledges']:,} pledges, "
        f"{data['events']:,} events, {data['credentials']:,} issued credentials, {data['memberships']:,} "
        "stakeholders",
        "",
        f"report JSON {REPORT}",
        f"  first request                 {client['report_first_ms']:8.1f} ms",
        f"  after a write (computed)  p50 {fresh['p50_ms']:8.1f} ms  p95 {fresh['p95_ms']:8.1f} ms  "
        f"({fresh['requests']} writes)  goal <= 1000 ms  {mark('report_fresh_p50_ms')}/{mark('report_fresh_p95_ms')}",
        f"  cached, {cached['clients']} clients       p50 {cached['p50_ms']:8.1f} ms  p95 {cached['p95_ms']:8.1f} ms  "
        f"({cached['requests']} requests)",
        "named queries in-process (p50 ms, rows): "
        + ", ".join(
            f"{n} {q['p50_ms']:.0f} ({q['rows']})"
            for n, q in report["queries_inprocess"].items()
            if isinstance(q, dict)
        ),
        "",
    ]
    d, dfresh = client["dashboard"], client["dashboard_fresh"]
    lines += [
        f"dashboard {DASHBOARD}",
        f"  first request                 {client['dashboard_first_ms']:8.1f} ms",
        f"  after a write (computed)  p50 {dfresh['p50_ms']:8.1f} ms  p95 {dfresh['p95_ms']:8.1f} ms  "
        f"({dfresh['requests']} writes)",
        f"  cached, {d['clients']} clients       p50 {d['p50_ms']:8.1f} ms  p95 {d['p95_ms']:8.1f} ms  "
        f"({d['requests']} requests)  goal p50 <= 100 ms  {mark('dashboard_p50_ms')}",
        f"  one partner's page: first {client['partner_first_ms']:.1f} ms, "
        f"cached p50 {client['partner']['p50_ms']:.1f} ms;"
        f" CSV p50 {client['csv']['p50_ms']:.1f} ms, XLSX p50 {client['xlsx']['p50_ms']:.1f} ms",
    ]
    lines.append("figures for 2026: " + ", ".join(f"{k} {v:,}" for k, v in client["figures"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=520_000, help="catalogue triples (>= 10,000 courses)")
    parser.add_argument("--pledges", type=int, default=1000)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--credentials", type=int, default=100_000, help="entries of the register")
    parser.add_argument("--clients", type=int, default=4, help="concurrent loopback clients")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per multi-client phase")
    parser.add_argument(
        "--fresh", type=int, default=5, help="writes followed by the report, and as many by the dashboard"
    )
    parser.add_argument("--repeats", type=int, default=1, help="runs of each named query in-process (the median)")
    parser.add_argument("--demo", action="store_true", help="the demo data alone (smarco-kg init), nothing generated")
    parser.add_argument(
        "--store", type=Path, default=None, help="build the scale store here once and reuse it (a copy) on later runs"
    )
    run_benchmark(parser, TASKS, run, table, name="community", timeout=1800)


if __name__ == "__main__":
    main()
