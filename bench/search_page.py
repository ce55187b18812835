"""Search page benchmark: ``/search`` with facets and its type-ahead at 10,000 generated courses, one client.

One run generates a SMARCO-shaped dataset with ``foundation.generate`` (enough triples for >= 10,000 courses),
bulk-loads it into a fresh store made by ``smarco-kg init --no-demo``, times indexing it (texts and course facets,
as a server does on opening a store its index has not seen), starts ``smarco-kg serve`` on a free loopback port and,
with one keep-alive client, times ``--requests`` answers of each kind:

  page       GET /search?q=<words>&<facets>…   the HTML page: results, ten facets with counts, labels in words
  cold       the same, every text new (no match remembered)
  landing    GET /search?lang=en               every course, every facet counted over all of them
  api        GET /api/search/courses?text=…    the same search as JSON
  suggest    GET /search/suggest?q=<prefix>    the type-ahead

    .venv/bin/python bench/search_page.py [--triples 520000] [--requests 300] [--esco subset]

The goal (p50 <= 30 ms for the page and the type-ahead, one client) is checked and printed; the JSON goes to
bench/out/search_page.json.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import foundation
from foundation import AIMS, LANGUAGES, MODES, TARGET_GROUPS, WORDS, generate, run_benchmark, say
from sparql import Server, free_port

GOAL_P50_MS = 30.0
MIN_COURSES = 10_000
KINDS = ("page", "cold", "landing", "api", "suggest")
FACETS = {
    "eqf": [str(n) for n in range(4, 9)],
    "language": list(LANGUAGES),
    "mode": list(MODES),
    "aim": list(AIMS),
    "target_group": list(TARGET_GROUPS),
    "credits": ["1", "2", "3", "4", "5", "6"],
}


def task_prepare(args: dict) -> dict:
    info = generate(Path(args["path"]), args["triples"], args["seed"])
    return {"triples": info.triples, "courses": info.courses, "seconds": info.seconds}


def task_load(args: dict) -> dict:
    """The trusted bulk load ``smarco-kg init`` uses, then the text index and course facets brought up to date."""
    from smarco_kg.config import Settings
    from smarco_kg.formats import rdf_syntax
    from smarco_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph(Settings(store=Path(args["store"])), create=False)
    started = time.perf_counter()
    kg.store.bulk_load(Path(args["path"]), rdf_syntax("nquads"))
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    graphs = kg.search.ensure_fresh(kg.store)
    index_seconds = time.perf_counter() - started
    counts = kg.search.counts()
    started = time.perf_counter()
    courses = kg.search.courses("", {}, limit=1).total  # reads the facet table, as the first search after a write
    table_seconds = time.perf_counter() - started
    kg.close()
    return {
        "load_seconds": load_seconds,
        "index_seconds": index_seconds,
        "table_seconds": table_seconds,
        "graphs_indexed": len(graphs),
        "indexed": counts,
        "courses": courses,
    }


def workload(seed: int, count: int) -> dict[str, list[str]]:
    """``count`` request paths of each kind: words from the generator's vocabulary, one to three facets. ``page``
    repeats words as people do while they tick facets (the index remembers the last 64 texts' matches); ``cold``
    and ``api`` never repeat a text, in the run or between them, so every answer matches its words afresh."""
    rng = random.Random(seed)
    paths: dict[str, list[str]] = {kind: [] for kind in KINDS}
    pairs = [f"{a} {b}" for a in WORDS for b in WORDS if a != b]
    rng.shuffle(pairs)
    fresh = iter(pairs)

    def facets() -> list[tuple[str, str]]:
        return [(facet, rng.choice(values)) for facet, values in rng.sample(sorted(FACETS.items()), rng.randint(1, 3))]

    for _ in range(count):
        words = " ".join(rng.sample(WORDS, rng.choice((1, 1, 2))))
        paths["page"].append("/search?" + urlencode([("q", words), *facets(), ("lang", "en")]))
        paths["cold"].append("/search?" + urlencode([("q", next(fresh)), *facets(), ("lang", "en")]))
        paths["api"].append("/api/search/courses?" + urlencode([("text", next(fresh)), *facets()]))
        word = rng.choice(WORDS)
        paths["suggest"].append("/search/suggest?" + urlencode({"q": word[: rng.randint(2, len(word))], "lang": "en"}))
    paths["landing"] = ["/search?lang=en"] * count
    return paths


def measure(port: int, paths: list[str]) -> dict:
    """One keep-alive client asking each path in turn, after a few warm-up requests that repeat no timed text;
    latencies of complete answers, in ms."""
    warm = ["/search?lang=en", "/search/suggest?q=ur", "/search?lang=en&eqf=5"] * 3
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    errors: dict[int, int] = {}
    sizes: list[int] = []
    for i, path in enumerate(warm + paths):
        started = time.perf_counter()
        connection.request("GET", path, headers={"Accept": "text/html,application/json"})
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if i < len(warm):
            continue
        if response.status != 200:
            errors[response.status] = errors.get(response.status, 0) + 1
        else:
            latencies.append(elapsed)
            sizes.append(len(body))
    connection.close()
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(ordered), 2) if ordered else None,
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2) if ordered else None,
        "max_ms": round(ordered[-1], 2) if ordered else None,
        "mean_bytes": round(statistics.fmean(sizes)) if sizes else 0,
        "errors": errors,
    }


def run_child(task: str, args: dict, timeout: float) -> dict:
    return foundation.run_child(task, args, timeout, script=__file__)


def run(options: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="smarco-bench-search-", dir=options.workdir))
    say(f"working in {work}")
    server = None
    try:
        data_path, store = work / "data.nq", work / "store"
        data = run_child(
            "prepare", {"path": str(data_path), "triples": options.triples, "seed": options.seed}, options.timeout
        )
        say(f"generated {data['triples']:,} triples ({data['courses']:,} courses) in {data['seconds']:.1f} s")
        if data["courses"] < MIN_COURSES:
            say(f"WARNING: only {data['courses']:,} courses; the goal is for >= 10,000 (give more --triples)")
        command = [
            sys.executable,
            "-m",
            "smarco_kg",
            "init",
            "--no-demo",
            "--esco",
            options.esco,
            "--store",
            str(store),
        ]
        init = subprocess.run(command, capture_output=True, text=True, timeout=options.timeout, check=False)
        if init.returncode != 0:
            raise SystemExit(f"smarco-kg init failed:\n{init.stdout}\n{init.stderr}")
        loaded = run_child("load", {"path": str(data_path), "store": str(store)}, options.timeout)
        say(
            f"loaded in {loaded['load_seconds']:.1f} s; indexed {loaded['graphs_indexed']} graphs in "
            f"{loaded['index_seconds']:.1f} s: {loaded['courses']:,} courses, {loaded['indexed']}"
        )
        data_path.unlink()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMARCO_")}
        env.update(SMARCO_LOG_LEVEL="warning")
        port = free_port()
        serve = [sys.executable, "-m", "smarco_kg", "serve", "--store", str(store), "--host", "127.0.0.1"]
        server = Server("smarco-kg serve", [*serve, "--port", str(port)], port, work / "serve.log", env)
        ready = server.wait_ready(300)
        say(f"server ready in {ready:.1f} s")
        paths = workload(options.seed, options.requests)
        results = {}
        for kind in KINDS:
            results[kind] = measure(port, paths[kind])
            say(f"{kind}: p50 {results[kind]['p50_ms']} ms, p95 {results[kind]['p95_ms']} ms")
    finally:
        if server is not None:
            server.stop()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return {"data": data, "loaded": loaded, "ready_seconds": ready, "results": results, "esco": options.esco}


def table(report: dict) -> str:
    lines = [
        f"search page at {report['loaded']['courses']:,} courses (ESCO {report['esco']}), one client, ms",
        f"{'kind':10} {'p50':>8} {'p95':>8} {'max':>8} {'bytes':>8}  errors  goal p50 <= {GOAL_P50_MS:.0f} ms",
    ]
    for kind, result in report["results"].items():
        ok = "ok" if result["p50_ms"] is not None and result["p50_ms"] <= GOAL_P50_MS else "MISS"
        lines.append(
            f"{kind:10} {result['p50_ms']:>8} {result['p95_ms']:>8} {result['max_ms']:>8} "
            f"{result['mean_bytes']:>8}  {sum(result['errors'].values()):>6}  {ok}"
        )
    lines.append(f"index of the whole store: {report['loaded']['index_seconds']:.1f} s")
    lines.append(f"first search after a write (reads the facet table): {report['loaded']['table_seconds']:.2f} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=520_000, help="size of the generated dataset")
    parser.add_argument("--requests", type=int, default=300, help="timed requests of each kind")
    parser.add_argument("--esco", default="subset", choices=("full", "subset", "none"), help="ESCO to load first")
    run_benchmark(parser, {"prepare": task_prepare, "load": task_load}, run, table, name="search_page", timeout=1800)


if __name__ == "__main__":
    main()
