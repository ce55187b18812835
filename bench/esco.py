"""ESCO at full scale: the import, search and suggest, a skill gap and a plan, with the whole English ESCO loaded.

One run:

  import    ``smarco-kg init --esco full`` is timed as a whole (ontology, code lists, the CSV import, the demo data,
            the text index), then ``smarco-kg import esco ../shared/data/esco/v1.1.1`` again over the full graph
            (the atomic replacement), each in its own process with its peak RSS (``resource.getrusage``)
  search    ``GET /api/search`` for 200 words drawn from ESCO labels, one client, keep-alive
  suggest   ``GET /api/suggest`` for 200 two- to four-letter prefixes of those words
  gap       ``GET /api/occupations/{id}/gap`` for the 20 occupations with the most essential skills (all 40+),
            and for the 20 smart-community occupations (of the ESCO subset) with the most, which the demo
            catalogue covers in part
  plan      ``GET /api/pathways/plan`` for the same two sets of occupations

The server is ``smarco-kg serve`` on a free loopback port over the store ``init`` made; the first request of each
kind is a warm-up (the catalogue read once per write generation). The goals (from the issue) are printed with
the figures; the JSON goes to bench/out/esco.json.

    .venv/bin/python bench/esco.py [--requests 200]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from foundation import run_benchmark, say
from sparql import Server, free_port

GOALS = {
    "import_seconds": 30.0,
    "search_p50_ms": 20.0,
    "suggest_p50_ms": 20.0,
    "gap_p50_ms": 100.0,
    "plan_p50_ms": 1000.0,
}
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "esco" / "v1.1.1"


def _timed_command(command: list[str], env: dict[str, str]) -> dict:
    """Run a command in a child process; its wall time and peak RSS."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(max(peak, before) / 1024, 1), "output": done.stdout}


def _workload(requests: int, seed: int) -> dict:
    rng = random.Random(seed)
    with (SHARED / "classification-en" / "skills_en.csv").open(newline="", encoding="utf-8") as handle:
        labels = [row["preferredLabel"] for row in csv.DictReader(handle)]
    words = sorted({w.lower() for label in labels for w in label.split() if len(w) >= 4 and w.isalpha()})
    chosen = rng.sample(words, min(requests, len(words)))
    prefixes = [w[: rng.randint(2, 4)] for w in chosen]
    essential: Counter[str] = Counter()
    with (SHARED / "relations" / "occupationSkillRelations.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["relationType"] == "essential":
                essential[row["occupationUri"]] += 1
    occupations = [(o, n) for o, n in essential.most_common(21) if "a9e54177" not in o][:20]
    subset = (SHARED.parents[0] / "esco-subset.ttl").read_text(encoding="utf-8")
    smart = set(re.findall(r"^<(http://data\.europa\.eu/esco/occupation/[^>]+)> a ", subset, re.MULTILINE))
    smart_community = sorted(((o, essential[o]) for o in smart), key=lambda o: (-o[1], o[0]))[:20]
    return {"words": chosen, "prefixes": prefixes, "occupations": occupations, "smart": smart_community}


def _measure(client: object, urls: list[str]) -> dict:
    latencies = []
    statuses: Counter[int] = Counter()
    for index, url in enumerate(urls):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        elapsed = (time.perf_counter() - started) * 1000
        statuses[response.status_code] += 1
        if index or len(urls) == 1:
            latencies.append(elapsed)
    latencies.sort()
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies), 2),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 2),
        "max_ms": round(latencies[-1], 2),
        "statuses": dict(statuses),
    }


def run(options: argparse.Namespace) -> dict:
    import httpx

    work = Path(tempfile.mkdtemp(prefix="smarco-bench-esco-", dir=options.workdir))
    say(f"working in {work}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMARCO_")}
    env.update(SMARCO_LOG_LEVEL="warning")
    store = work / "store"
    server = None
    try:
        say("smarco-kg init --esco full (ontology, code lists, ESCO import, demo data, text index)")
        init = _timed_command([sys.executable, "-m", "smarco_kg", "init", "--store", str(store)], env)
        say(f"init: {init['seconds']} s, peak RSS {init['peak_rss_mib']} MiB")
        say("smarco-kg import esco (replacing the full ESCO graph)")
        again = _timed_command(
            [sys.executable, "-m", "smarco_kg", "import", "esco", str(SHARED), "--store", str(store)], env
        )
        say(f"import over the full graph: {again['seconds']} s, peak RSS {again['peak_rss_mib']} MiB")
        load = {"init": init, "reimport": again}
        # the CSV import alone, in-process, with its own peak memory
        alone = _timed_command([sys.executable, "-c", _IMPORT_ALONE, str(work / "alone"), str(SHARED)], env)
        load["import_alone"] = json.loads(alone["output"].strip().splitlines()[-1]) | {
            "process_peak_rss_mib": alone["peak_rss_mib"]
        }
        say(f"CSV import into an empty graph: {load['import_alone']['seconds']} s")

        work_load = _workload(options.requests, options.seed)
        port = free_port()
        command = [sys.executable, "-m", "smarco_kg", "serve", "--store", str(store), "--port", str(port)]
        server = Server("smarco-kg serve", command, port, work / "serve.log", env)
        say(f"server ready in {server.wait_ready(120):.1f} s")
        base = f"http://127.0.0.1:{port}"
        ids = [o.rsplit("/", 1)[1] for o, _ in work_load["occupations"]]
        smart = [o.rsplit("/", 1)[1] for o, _ in work_load["smart"]]
        with httpx.Client(timeout=60.0) as client:
            kinds = {
                "search": [f"{base}/api/search?{urlencode({'text': w})}" for w in work_load["words"]],
                "suggest": [f"{base}/api/suggest?{urlencode({'text': p})}" for p in work_load["prefixes"]],
                "gap": [f"{base}/api/occupations/{i}/gap" for i in ids[:1] + ids],
                "gap (smart-community)": [f"{base}/api/occupations/{i}/gap" for i in smart[:1] + smart],
                "plan": [f"{base}/api/pathways/plan?occupation={i}" for i in ids[:1] + ids],
                "plan (smart-community)": [f"{base}/api/pathways/plan?occupation={i}" for i in smart[:1] + smart],
            }
            results = {}
            for kind, urls in kinds.items():
                results[kind] = _measure(client, urls)
                say(f"{kind}: p50 {results[kind]['p50_ms']} ms, p95 {results[kind]['p95_ms']} ms")
            sample = client.get(kinds["plan (smart-community)"][1]).json()
            gap = client.get(kinds["gap (smart-community)"][1]).json()
    finally:
        if server is not None:
            server.stop()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    figures = {
        "import_seconds": load["import_alone"]["seconds"],
        "search_p50_ms": results["search"]["p50_ms"],
        "suggest_p50_ms": results["suggest"]["p50_ms"],
        "gap_p50_ms": max(results["gap"]["p50_ms"], results["gap (smart-community)"]["p50_ms"]),
        "plan_p50_ms": max(results["plan"]["p50_ms"], results["plan (smart-community)"]["p50_ms"]),
    }
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_at_end": os.getloadavg()},
        "load": {k: {kk: vv for kk, vv in v.items() if kk != "output"} for k, v in load.items()},
        "requests": results,
        "occupations": work_load["occupations"],
        "smart_community_occupations": work_load["smart"],
        "sample": {
            "gap": {k: gap.get(k) for k in ("occupation", "total", "covered", "coverageRatio")},
            "plan": {k: sample.get(k) for k in ("method", "totalEcts", "lowerBoundEcts", "covered", "needed")},
        },
        "goals": {k: {"goal": GOALS[k], "value": v, "met": v <= GOALS[k]} for k, v in figures.items()},
    }


_IMPORT_ALONE = """
import json, resource, sys, time
from pathlib import Path
from smarco_kg.ingest.esco import import_esco
from smarco_kg.store import open_store
store = open_store(Path(sys.argv[1]))
started = time.perf_counter()
report = import_esco(store, "https://w3id.org/smarco/graph/esco", [Path(sys.argv[2])])
seconds = time.perf_counter() - started
store.close()
print(json.dumps({"seconds": round(seconds, 2), "triples": report.triples, "counts": dict(report.counts),
                  "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def table(report: dict) -> str:
    load, requests, goals = report["load"], report["requests"], report["goals"]
    alone = load["import_alone"]
    lines = [
        f"ESCO v1.1.1 English: {alone['triples']:,} triples; {alone['counts'].get('skills', 0):,} skills, "
        f"{alone['counts'].get('occupations', 0):,} occupations, "
        f"{alone['counts'].get('occupation-skill relations', 0):,} occupation-skill relations",
        "",
        f"CSV import into an empty ESCO graph   {alone['seconds']:>7.1f} s   peak RSS {alone['peak_rss_mib']:,.0f} MiB",
        f"import replacing the full ESCO graph  {load['reimport']['seconds']:>7.1f} s   "
        f"peak RSS {load['reimport']['peak_rss_mib']:,.0f} MiB (process)",
        f"smarco-kg init (all of it, + index)   {load['init']['seconds']:>7.1f} s   "
        f"peak RSS {load['init']['peak_rss_mib']:,.0f} MiB (process)",
        "",
        f"{'1 client, ms':<30}{'requests':>9}{'p50':>9}{'p95':>9}{'max':>9}",
    ]
    for kind, r in requests.items():
        lines.append(f"  {kind:<28}{r['requests']:>9}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['max_ms']:>9.1f}")
    lines.append("")
    for name, g in goals.items():
        lines.append(f"  {name:<16} {g['value']:>9} (goal <= {g['goal']:g})  {'ok' if g['met'] else 'MISS'}")
    lines.append(f"\nsample gap: {report['sample']['gap']}")
    lines.append(f"sample plan: {report['sample']['plan']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200, help="searches and suggestions to time")
    run_benchmark(parser, {}, run, table, name="esco", timeout=900)


if __name__ == "__main__":
    main()
