"""The coordinator's dashboard at scale: the demo data plus generated courses, pledges, events and issued credentials.

One run: ``initialise`` a fresh store with the demo data (ESCO subset included), bulk-load a generated community
(``--courses`` courses spread over the 22 partners, half awarding a micro-credential, each teaching two ESCO skills;
``--pledges`` pledges with two targets and a progress report each; ``--events`` events with two participant counts;
``--issued`` issued credentials over 2025-2027, one in twenty revoked), start ``smarco-kg serve`` on it and time:

  cold      the first ``/dashboard?year=2026`` (every figure computed: what the first view after a write costs)
  warm      ``--requests`` more of it (the figures cached for the write generation): p50 and p95
  partner   one partner's page, cold and warm
  download  a table as CSV and as XLSX, warm
  queries   each ``queries/dashboard-*.rq`` run once on the store, with the server stopped

The issue's goal: p50 <= 100 ms for the dashboard. The JSON goes to bench/out/dashboard.json.

    .venv/bin/python bench/dashboard.py [--courses 10000 --pledges 1000 --events 5000 --issued 100000]
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
from pathlib import Path

import httpx
from rdflib import Literal
from rdflib.namespace import XSD

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BASE = "https://w3id.org/smarco/"
SM, ELM, DCT, SCHEMA = (
    "https://w3id.org/smarco/ontology#",
    "http://data.europa.eu/snb/model/elm/",
    "http://purl.org/dc/terms/",
    "https://schema.org/",
)
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
AIMS = ("resilientCommunities", "flexibleRecognisedLearning", "communityOfStakeholders")
INDICATORS = ("peopleUpskilled", "peopleReskilled", "programmesCreatedOrUpdated", "microCredentialsIssued")
EVENT_TYPES = ("training", "webinar", "workshop", "studyVisit", "mobilityExchange")
COUNTRIES = ("BEL", "ITA", "ESP", "GRC", "IRL", "ROU", "NLD", "BGR")


def say(message: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value: str, datatype: str | None = None, lang: str | None = None) -> str:
    if lang:
        return Literal(value, lang=lang).n3()
    return Literal(value, datatype=datatype).n3() if datatype else Literal(value).n3()


def generate(out: Path, partners: list[str], skills: list[str], options: argparse.Namespace) -> int:
    """The generated community as N-Quads, each record in its organisation's graph (the register in its own)."""
    rnd = random.Random(options.seed)
    lines = 0
    with out.open("w", encoding="utf-8") as f:

        def quad(s: str, p: str, o: str, graph: str) -> None:
            nonlocal lines
            f.write(f"{s} <{p}> {o} <{graph}> .\n")
            lines += 1

        def date(year: int) -> str:
            return _lit(f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", str(XSD.date))

        for i in range(options.courses):
            org = partners[i % len(partners)]
            graph = f"{BASE}graph/partner/{org.rsplit('/', 1)[-1]}"
            course, spec, outcome = (f"{BASE}course/gen-{i}", f"{BASE}course/gen-{i}/specification",
                                     f"{BASE}course/gen-{i}/outcome/1")  # fmt: skip
            quad(_iri(course), RDF_TYPE, _iri(f"{ELM}LearningOpportunity"), graph)
            quad(_iri(course), f"{DCT}title", _lit(f"Generated course {i}", lang="en"), graph)
            quad(_iri(course), f"{ELM}providedBy", _iri(org), graph)
            quad(_iri(course), f"{SM}aim", _iri(SM + AIMS[i % 3]), graph)
            quad(_iri(course), f"{ELM}learningAchievementSpecification", _iri(spec), graph)
            kind = f"{SM}MicroCredential" if i % 2 else f"{ELM}LearningAchievementSpecification"
            quad(_iri(spec), RDF_TYPE, _iri(kind), graph)
            quad(_iri(spec), f"{ELM}learningOutcome", _iri(outcome), graph)
            if i % 2:
                quad(_iri(spec), f"{SM}aim", _iri(SM + AIMS[i % 3]), graph)
                quad(_iri(spec), f"{ELM}awardingOpportunity", f"_:w{i}", graph)
                quad(f"_:w{i}", f"{ELM}awardingBody", _iri(org), graph)
            for skill in rnd.sample(skills, 2):
                quad(_iri(outcome), f"{ELM}relatedESCOSkill", _iri(skill), graph)
        for i in range(options.pledges):
            org = partners[i % len(partners)]
            graph = f"{BASE}graph/partner/{org.rsplit('/', 1)[-1]}"
            pledge = f"{BASE}pledge/gen-{i}"
            quad(_iri(pledge), RDF_TYPE, _iri(f"{SM}Pledge"), graph)
            quad(_iri(pledge), f"{DCT}title", _lit(f"Generated pledge {i}", lang="en"), graph)
            quad(_iri(pledge), f"{SM}pledgedBy", _iri(org), graph)
            report = f"{pledge}/report/1"
            quad(_iri(pledge), f"{SM}progressReport", _iri(report), graph)
            quad(_iri(report), f"{SCHEMA}endDate", date(2026), graph)
            for t in range(2):
                target = f"{pledge}/target/{t}"
                quad(_iri(pledge), f"{SM}target", _iri(target), graph)
                quad(_iri(target), f"{SM}year", _lit(str(2025 + (i + t) % 3), str(XSD.gYear)), graph)
                quad(_iri(target), f"{SM}indicator", _iri(SM + INDICATORS[(i + t) % 4]), graph)
                quad(_iri(target), f"{SM}amount", _lit(str(rnd.randint(10, 500)), str(XSD.nonNegativeInteger)), graph)
                achievement = f"{report}/achievement/{t}"
                quad(_iri(report), f"{SM}achievement", _iri(achievement), graph)
                quad(_iri(achievement), f"{SM}againstTarget", _iri(target), graph)
                quad(
                    _iri(achievement), f"{SM}amount", _lit(str(rnd.randint(0, 400)), str(XSD.nonNegativeInteger)), graph
                )
        for i in range(options.events):
            org = partners[i % len(partners)]
            graph = f"{BASE}graph/partner/{org.rsplit('/', 1)[-1]}"
            event = f"{BASE}event/gen-{i}"
            quad(_iri(event), RDF_TYPE, _iri(f"{SM}Event"), graph)
            quad(_iri(event), f"{DCT}type", _iri(SM + EVENT_TYPES[i % 5]), graph)
            quad(_iri(event), f"{SCHEMA}organizer", _iri(org), graph)
            quad(_iri(event), f"{SCHEMA}startDate", date(2025 + i % 3), graph)
            quad(_iri(event), f"{SM}aim", _iri(SM + AIMS[i % 3]), graph)
            for c in range(2):
                quad(_iri(event), f"{SM}participants", f"_:p{i}x{c}", graph)
                quad(f"_:p{i}x{c}", f"{DCT}spatial", _iri(COUNTRY + COUNTRIES[(i + c) % 8]), graph)
                quad(f"_:p{i}x{c}", f"{SM}amount", _lit(str(rnd.randint(5, 80)), str(XSD.nonNegativeInteger)), graph)
        register = f"{BASE}graph/register"
        for i in range(options.issued):
            credential = f"urn:uuid:{uuid.UUID(int=rnd.getrandbits(128))}"
            org = partners[i % len(partners)]
            quad(_iri(credential), RDF_TYPE, _iri(f"{SM}IssuedCredential"), register)
            quad(
                _iri(credential),
                f"{SM}specification",
                _iri(f"{BASE}course/gen-{(i * 2 + 1) % options.courses}/specification"),
                register,
            )
            quad(_iri(credential), f"{ELM}awardingBody", _iri(org), register)
            quad(_iri(credential), f"{DCT}issued", date(2025 + i % 3), register)
            if i % 20 == 0:
                quad(_iri(credential), f"{SM}revoked", date(2027), register)
    return lines


def _timed(client: httpx.Client, path: str, n: int) -> dict:
    start = time.perf_counter()
    first = client.get(path)
    cold = time.perf_counter() - start
    assert first.status_code == 200, (path, first.status_code, first.text[:300])
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path)
        times.append(time.perf_counter() - start)
    times.sort()
    return {"cold_ms": round(cold * 1000, 1), "p50_ms": round(statistics.median(times) * 1000, 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--courses", type=int, default=10_000)
    parser.add_argument("--pledges", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--issued", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "dashboard.json")
    options = parser.parse_args()

    from smarco_kg.config import Settings
    from smarco_kg.formats import rdf_syntax
    from smarco_kg.ingest.demo import initialise
    from smarco_kg.kg import KnowledgeGraph
    from smarco_kg.queries import load_queries
    from smarco_kg.store import store_for
    from tests.processes import free_port, stop

    work = Path(tempfile.mkdtemp(prefix="smarco-dashboard-bench-"))
    settings = Settings(store=work / "store")
    kg = KnowledgeGraph(settings)
    initialise(kg, demo=True)
    rows = kg.store.query(
        "SELECT DISTINCT ?o WHERE { ?m <http://www.w3.org/ns/org#member> ?o }", union_default_graph=True
    ).rows()
    partners = sorted(str(r["o"]) for r in rows)
    skills = sorted(
        str(r["s"])
        for r in kg.store.query(
            "SELECT ?s WHERE { ?s a <http://data.europa.eu/esco/model#Skill> }", union_default_graph=True
        ).rows()
    )
    generated = work / "community.nq"
    start = time.perf_counter()
    quads = generate(generated, partners, skills, options)
    say(f"generated {quads:,} quads in {time.perf_counter() - start:.1f} s ({len(partners)} organisations)")
    start = time.perf_counter()
    kg.store.bulk_load(generated, rdf_syntax("nquads"))
    say(f"loaded in {time.perf_counter() - start:.1f} s")
    kg.close()

    port = free_port()
    env = {**os.environ, "SMARCO_STORE": str(settings.store), "SMARCO_LOG_LEVEL": "warning"}
    server = subprocess.Popen([sys.executable, "-m", "smarco_kg", "serve", "--port", str(port)], env=env)
    results: dict = {"courses": options.courses, "pledges": options.pledges, "events": options.events,
                     "issued": options.issued, "quads_generated": quads}  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=url, timeout=600) as client:
            for _ in range(600):
                try:
                    if client.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            partner = partners[0].rsplit("/", 1)[-1]
            results["dashboard"] = _timed(client, "/dashboard?year=2026", options.requests)
            results["partner"] = _timed(client, f"/dashboard/partners/{partner}?year=2026", options.requests)
            results["csv"] = _timed(client, "/dashboard/partners.csv?year=2026", options.requests)
            results["xlsx"] = _timed(client, "/dashboard/partners.xlsx?year=2026", options.requests)
    finally:
        stop(server, 30)
    queries = load_queries(ROOT / "queries")
    with store_for(settings) as store:
        results["queries_ms"] = {}
        for name, query in queries.items():
            if not name.startswith("dashboard-"):
                continue
            bindings = {"year": Literal("2026", datatype=XSD.integer)} if query.parameter("year") else {}
            start = time.perf_counter()
            list(store.query(query.text, union_default_graph=True, bindings=bindings).rows())
            results["queries_ms"][name] = round((time.perf_counter() - start) * 1000, 1)
    shutil.rmtree(work, ignore_errors=True)
    options.out.parent.mkdir(parents=True, exist_ok=True)
    options.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    print(
        f"dashboard p50 {results['dashboard']['p50_ms']} ms (goal <= 100 ms); cold {results['dashboard']['cold_ms']} ms"
    )


if __name__ == "__main__":
    main()
