"""REST API and pages benchmark: ``GET /api/courses`` and people's pages under 8 concurrent clients, and one named
query end to end.

One run generates a SMARCO-shaped dataset with ``foundation.generate`` (enough triples for >= 10,000 courses),
bulk-loads it into a fresh store made by ``smarco-kg init --no-demo``, starts ``smarco-kg serve`` on a free
loopback port and, with ``--clients`` keep-alive connections for ``--seconds`` each, times:

  first      GET /api/courses                          (the first page, 20 courses)
  deep       GET /api/courses?offset=<random>          (a page in the second half of the courses)
  skill      GET /api/courses?skill=<random taught skill>
  narrower   GET /api/courses?skill=<random skill with narrower skills>  (a 4th-level node of the generated tree)
  course_page   GET /course/<random course>            (HTML, as a person reads it)
  list_page     GET /courses?offset=<random>           (HTML: the course list, a page in the second half)
  search_page   GET /search?q=<a word of the titles>   (HTML)

then the named query ``courses-per-skill`` with ``skill=`` through ``/api/queries/courses-per-skill`` with one
client, against the same SPARQL (the page the route asks its worker for, the same binding) run in-process on the
store opened directly after the server stopped. In-process, it also splits each ``/api/courses`` kind into the
page's reading (members and summaries kept, then both read again as after a write) and its compact JSON-LD (the
items' JSON kept, as the route keeps it), to show where the time goes.

    .venv/bin/python bench/api.py [--triples 520000] [--seconds 10] [--clients 8] [--page-readers N]

``--page-readers`` sets the server's ``SMARCO_PAGE_READERS`` (0: the server draws every page itself).

The goals (from the issue) are checked and printed; the JSON goes to bench/out/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

import foundation
from foundation import ELM, _source_fingerprint, generate, run_benchmark, say
from sparql import STARTUP_SECONDS, Server, _phase, free_port, quiet, summary

GOALS = {"p50_ms": 20.0, "p95_ms": 50.0}
RSS_GOAL_MB = 500.0  # the server's resident memory with 8 clients, its query workers and page readers included
MIN_COURSES = 10_000
NAMED_QUERY = "courses-per-skill"
KINDS = {
    "first": "GET /api/courses (first page)",
    "deep": "GET /api/courses?offset=<deep>",
    "skill": "GET /api/courses?skill=<taught>",
    "narrower": "GET /api/courses?skill=<+narrower>",
    "course_page": "GET /course/<id> (HTML)",
    "list_page": "GET /courses?offset=<deep> (HTML)",
    "search_page": "GET /search?q=<word> (HTML)",
}
PAGES = {"course_page": "/course/", "list_page": "/courses", "search_page": "/search"}  # people's pages: text/html
VARIANTS = 300  # distinct requests per parameterised kind
JSONLD = "application/ld+json"
JSON_RESULTS = "application/sparql-results+json"


# -- measurements (each runs in a child process) ---------------------------------------------------------------


def task_prepare(args: dict) -> dict:
    """Generate the data; keep the skill IRIs (in generation order: skill i is broader of 8i+1..8i+8)."""
    info = generate(Path(args["path"]), args["triples"], args["seed"])
    Path(args["skills"]).write_text(json.dumps(info.skills))
    return {"triples": info.triples, "courses": info.courses, "skills": len(info.skills), "seconds": info.seconds}


def task_load(args: dict) -> dict:
    """The trusted bulk load ``smarco-kg init`` uses; then the skills courses actually teach."""
    from smarco_kg.config import Settings
    from smarco_kg.formats import rdf_syntax
    from smarco_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph(Settings(store=Path(args["store"])), create=False)
    before = sum(kg.store.graph_sizes().values())
    started = time.perf_counter()
    kg.store.bulk_load(Path(args["path"]), rdf_syntax("nquads"))
    seconds = time.perf_counter() - started
    after = sum(kg.store.graph_sizes().values())
    rows = kg.store.query(
        f"SELECT DISTINCT ?k WHERE {{ ?o <{ELM}relatedESCOSkill> ?k }}", union_default_graph=True
    ).rows()
    taught = sorted(str(row["k"]) for row in rows)
    courses = kg.store.query(
        f"SELECT (COUNT(?c) AS ?n) WHERE {{ ?c a <{ELM}LearningOpportunity> }}", union_default_graph=True
    ).rows()
    listed = kg.store.query(f"SELECT ?c WHERE {{ ?c a <{ELM}LearningOpportunity> }}", union_default_graph=True)
    course_iris = sorted(str(row["c"]) for row in listed.rows())
    kg.close()
    Path(args["taught"]).write_text(json.dumps(taught))
    Path(args["courses"]).write_text(json.dumps(course_iris))
    return {
        "seconds": seconds,
        "reference_triples": before,
        "store_triples": after,
        "taught_skills": len(taught),
        "courses_in_store": int(next(iter(courses))["n"]),
    }


def task_client(args: dict) -> dict:
    """The load phases in order against the server; its CPU per phase."""
    host = f"127.0.0.1:{args['port']}"

    def get(path: str, accept: str) -> bytes:
        return (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: {accept}\r\nAccept-Encoding: gzip, deflate\r\n"
            "User-Agent: smarco-bench\r\n\r\n"
        ).encode()

    requests = {
        kind: [get(path, "text/html" if kind in PAGES else JSONLD) for path in paths]
        for kind, paths in args["paths"].items()
    }
    requests["named"] = [get(path, JSON_RESULTS) for path in args["named_paths"]]

    async def main() -> list[dict]:
        done = []
        for phase in args["phases"]:
            phase = {**phase, "host": "127.0.0.1", "port": args["port"]}
            done.append(await _phase(phase, requests, {"serve": args["pid"]}))
            say(f"{phase['name']}: {done[-1]['requests_per_s']:,.0f} req/s, p50 {done[-1]['all']['p50_ms']:.2f} ms")
        return done

    try:
        import uvloop

        return {"phases": uvloop.run(main()), "loop": "uvloop"}
    except ImportError:
        return {"phases": asyncio.run(main()), "loop": "asyncio"}


def _timed(call: Callable[[int], Any], count: int, budget: float) -> list[float]:
    for i in range(3):  # warm-up
        call(i)
    latencies: list[float] = []
    stop = time.perf_counter() + budget
    while len(latencies) < count and (time.perf_counter() < stop or len(latencies) < 5):
        started = time.perf_counter()
        call(len(latencies))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def task_inprocess(args: dict) -> dict:
    """On the store opened directly: the named query's SPARQL as its worker runs it, and the course listing's
    parts as the route runs them: with the member list in memory, with it re-read (the first listing after a write),
    and with JSON-LD compaction."""
    from rdflib import URIRef

    from smarco_kg.catalogue.jsonld import compact
    from smarco_kg.catalogue.members import MemberIndex
    from smarco_kg.catalogue.page_items import PageItems, page_json
    from smarco_kg.catalogue.read import Kept, Listing, taught_in
    from smarco_kg.catalogue.summaries import MemberSummaries
    from smarco_kg.catalogue.vocabulary import HYDRA
    from smarco_kg.config import Settings
    from smarco_kg.generation_cache import GenerationCache
    from smarco_kg.jsontext import json_bytes
    from smarco_kg.kg import KnowledgeGraph
    from smarco_kg.queries import load_queries
    from smarco_kg.query_workers import QueryRequest, answer

    settings = Settings(store=Path(args["store"]))
    kg = KnowledgeGraph(settings, create=False)
    query = load_queries(settings.queries_dir)[NAMED_QUERY]
    limit = query.pagination or 50
    named = [
        QueryRequest(
            query.page(limit + 1, 0), format="tsv", base_iri=settings.base_iri, bindings=query.bindings({"skill": [s]})
        )
        for s in args["named_skills"]
    ]
    named_ms = _timed(lambda i: answer(kg.store, named[i % len(named)]), args["repeats"], args["budget"])
    rows = len(answer(kg.store, named[0]).body.split(b"\n")) - 2

    courses = kg.catalogue.entry("courses")
    item = URIRef(HYDRA + "member")
    vocabulary = kg.catalogue.vocabulary

    def kept() -> Kept:
        """What the server keeps per write generation and a listing reads: the skills below each skill; and where it
        reads the courses of each skill, its text index."""
        return Kept(0, GenerationCache("labels"), GenerationCache("below", kept=5000), taught_in(kg.search))

    setup = Listing(kg.store, MemberIndex(), MemberSummaries(), settings.base_iri, kept())
    items, context = PageItems(), "http://127.0.0.1/api/context.jsonld"
    parts: dict[str, dict] = {}
    for kind, variants in args["params"].items():
        variants = variants[:50]

        def listing(i: int, variants: list[dict] = variants, generation: int = 0) -> Any:
            params = dict(variants[i % len(variants)])
            offset = int(params.pop("offset", 0))
            return setup.page(courses, params, 20, offset, "en", generation)

        def after_a_write(i: int, variants: list[dict] = variants) -> Any:
            params = dict(variants[i % len(variants)])
            offset = int(params.pop("offset", 0))
            fresh = replace(setup, index=MemberIndex(), summaries=MemberSummaries(), kept=kept())  # all read again
            return fresh.page(courses, params, 20, offset, "en", 0)

        def whole(i: int, variants: list[dict] = variants) -> bytes:
            """The page as the route writes it: its items kept as JSON (``page_items``), or the page whole."""
            page = listing(i, variants)
            here = URIRef("http://127.0.0.1/api/courses")
            kept = items.of(courses.collection, page.items, vocabulary, page.shown, 0)
            if kept is not None:
                return page_json(compact([], here, vocabulary, context), kept)
            triples = [*page.triples, *((here, item, member) for member in page.members)]
            return json_bytes(compact(triples, here, vocabulary, context))

        count, budget = args["repeats"] // 2, args["budget"] / 3
        parts[kind] = {
            "list_p50_ms": statistics.median(_timed(listing, count, budget)),
            "list_after_write_p50_ms": statistics.median(_timed(after_a_write, count, budget)),
            "list_and_compact_p50_ms": statistics.median(_timed(whole, count, budget)),
        }
    kg.close()
    return {"named": {**summary(named_ms), "rows": rows, "limit": limit}, "route_parts": parts}


def run_child(task: str, args: dict, timeout: float) -> dict:
    """One task of this file in a fresh interpreter (see ``foundation.run_child``)."""
    return foundation.run_child(task, args, timeout, script=__file__)


TASKS: dict[str, Callable[[dict], dict]] = {
    "prepare": task_prepare,
    "load": task_load,
    "client": task_client,
    "inprocess": task_inprocess,
}


# -- orchestration ------------------------------------------------------------------------------------------------


def workload(
    skills: list[str], taught: list[str], courses: int, seed: int, course_iris: Sequence[str] = ()
) -> dict[str, list[dict]]:
    """Query parameters per kind. ``narrower``: 4th-level nodes of the generator's tree (8^3 + 8^2 + 8 + 1 ...),
    so each has 8 children and about len(skills)/512 skills below it. The pages: random courses' own pages
    (``id``, the path's last part), deep list pages, and searches for one word of the generator's titles."""
    rng = random.Random(seed)
    deep = [{"offset": str(rng.randint(courses // 2, courses - 20))} for _ in range(VARIANTS)]
    level3 = skills[73:585] or skills[1:]
    picked = rng.sample(list(course_iris), min(VARIANTS, len(course_iris)))
    return {
        "first": [{}],
        "deep": deep,
        "skill": [{"skill": s} for s in rng.sample(taught, min(VARIANTS, len(taught)))],
        "narrower": [{"skill": s} for s in rng.sample(level3, min(VARIANTS, len(level3)))],
        "course_page": [{"id": iri.rsplit("/", 1)[1]} for iri in picked],
        "list_page": [{"offset": str(rng.randint(courses // 2, courses - 20))} for _ in range(VARIANTS)],
        "search_page": [{"q": word} for word in foundation.WORDS],
    }


def _kind_path(kind: str, params: dict[str, str]) -> str:
    """The request of one kind with its parameters: a page's ``id`` is its path's last part."""
    if kind == "course_page":
        return PAGES[kind] + quote(params["id"], safe="")
    return _path(PAGES.get(kind, "/api/courses"), params)


def _path(base: str, params: dict[str, str]) -> str:
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
    return f"{base}?{query}" if query else base


def plan(options: argparse.Namespace) -> list[dict]:
    phases: list[dict] = [
        {
            "name": "warm-up (all kinds)",
            "clients": options.clients,
            "seconds": 3.0,
            "max_requests": 10**9,
            "weights": dict.fromkeys(KINDS, 1),
        }
    ]
    for kind in KINDS:
        phases.append(
            {
                "name": f"{options.clients} clients {kind}",
                "kind": kind,
                "clients": options.clients,
                "seconds": options.seconds + 0.5,
                "warmup_seconds": 0.5,
                "max_requests": 10**7,
                "weights": {kind: 1},
                "seed": len(phases),
            }
        )
    for kind in KINDS:  # what one request costs with no queue: the latency a single user sees
        phases.append(
            {
                "name": f"1 client {kind}",
                "single": kind,
                "clients": 1,
                "seconds": min(options.seconds, 4.0) + 0.5,
                "warmup_seconds": 0.5,
                "max_requests": 10**7,
                "weights": {kind: 1},
                "seed": len(phases),
            }
        )
    phases.append(
        {
            "name": f"1 client /api/queries/{NAMED_QUERY}",
            "clients": 1,
            "seconds": 6.0,
            "max_requests": 400,
            "warmup_requests": 5,
            "weights": {"named": 1},
        }
    )
    return phases


def run(options: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="smarco-bench-api-", dir=options.workdir))
    say(f"working in {work}")
    timeout, server = options.timeout, None
    try:
        data_path, store = work / "data.nq", work / "store"
        skills_path, taught_path = work / "skills.json", work / "taught.json"
        courses_path = work / "courses.json"
        args = {"path": str(data_path), "skills": str(skills_path), "triples": options.triples, "seed": options.seed}
        data = run_child("prepare", args, timeout)
        say(f"generated {data['triples']:,} triples ({data['courses']:,} courses) in {data['seconds']:.1f} s")
        if data["courses"] < MIN_COURSES:
            say(f"WARNING: only {data['courses']:,} courses; the goals are for >= 10,000 (give more --triples)")
        started = time.perf_counter()
        init = subprocess.run(
            [sys.executable, "-m", "smarco_kg", "init", "--no-demo", "--store", str(store)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if init.returncode != 0:
            raise SystemExit(f"smarco-kg init failed:\n{init.stdout}\n{init.stderr}")
        init_seconds = time.perf_counter() - started
        loaded = run_child(
            "load",
            {"path": str(data_path), "store": str(store), "taught": str(taught_path), "courses": str(courses_path)},
            timeout,
        )
        if loaded["store_triples"] - loaded["reference_triples"] != data["triples"]:
            raise SystemExit(f"the bulk load stored {loaded['store_triples']:,} triples; expected more")
        say(f"store ready: {loaded['store_triples']:,} triples, {loaded['courses_in_store']:,} courses")
        data_path.unlink()

        skills, taught = json.loads(skills_path.read_text()), json.loads(taught_path.read_text())
        taught = [s for s in taught if s in set(skills)]
        course_iris = json.loads(courses_path.read_text())
        params = workload(skills, taught, data["courses"], options.seed, course_iris)
        named_skills = random.Random(options.seed + 1).sample(taught, min(100, len(taught)))

        env = {k: v for k, v in os.environ.items() if not k.startswith("SMARCO_")}
        env.update(SMARCO_LOG_LEVEL="warning")
        if options.page_readers is not None:
            env.update(SMARCO_PAGE_READERS=str(options.page_readers))
        port = free_port()
        command = [sys.executable, "-m", "smarco_kg", "serve", "--store", str(store), "--port", str(port)]
        server = Server("smarco-kg serve", command, port, work / "serve.log", env)
        ready = server.wait_ready(STARTUP_SECONDS)
        say(f"server ready in {ready:.1f} s")
        settled = quiet(server, timeout)
        client = run_child(
            "client",
            {
                "port": port,
                "pid": server.process.pid,
                "paths": {k: [_kind_path(k, p) for p in v] for k, v in params.items()},
                "named_paths": [_path(f"/api/queries/{NAMED_QUERY}", {"skill": s}) for s in named_skills],
                "phases": plan(options),
            },
            timeout,
        )
        server.stop()
        serve_log = (work / "serve.log").read_text()
        say("in-process: the named query's SPARQL and the listing's parts on the store opened directly")
        inprocess = run_child(
            "inprocess",
            {
                "store": str(store),
                "named_skills": named_skills,
                "params": {k: v for k, v in params.items() if k not in PAGES},
                "repeats": 300,
                "budget": 6.0,
            },
            timeout,
        )
    finally:
        if server is not None:
            server.stop()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    return summarise(options, data, loaded, init_seconds, (ready, settled), client, inprocess, serve_log)


def summarise(
    options: argparse.Namespace,
    data: dict,
    loaded: dict,
    init_seconds: float,
    started: tuple[float, float],
    client: dict,
    inprocess: dict,
    serve_log: str,
) -> dict:
    from importlib.metadata import version

    ready, settled = started
    phases = client["phases"]
    kinds: dict[str, dict] = {}
    goals: dict[str, dict] = {}
    by_name = {p["name"]: p for p in phases}
    plan_kinds = {p["name"]: p.get("kind") for p in plan(options)}
    for name, kind in plan_kinds.items():
        if kind is None:
            continue
        phase = by_name[name]
        cpu = phase["server_cpu_seconds"]["serve"]
        kinds[kind] = {
            "label": KINDS[kind],
            **phase["all"],
            "requests_per_s": phase["requests_per_s"],
            "errors": phase["errors"],
            "server_cpu_ms_per_request": (cpu["main"] + cpu["workers"]) / phase["completed"] * 1000,
            "server_rss_mb": phase["server_rss_mb"]["serve"]["main"],
            "workers_rss_mb": phase["server_rss_mb"]["serve"]["workers"],
            "client_cpu_ms_per_request": phase["client_cpu_seconds"] / phase["completed"] * 1000,
            "inprocess": inprocess["route_parts"].get(kind),  # (none for people's pages)
            "one_client": by_name[f"1 client {kind}"]["all"],
        }
        for goal, limit in GOALS.items():
            value = kinds[kind][goal]
            goals[f"{kind}_{goal}"] = {"goal": limit, "value": value, "met": value <= limit}
    rss = max(k["server_rss_mb"] + k["workers_rss_mb"] for k in kinds.values())
    goals["rss_mb"] = {"goal": RSS_GOAL_MB, "value": rss, "met": rss <= RSS_GOAL_MB}
    http = by_name[f"1 client /api/queries/{NAMED_QUERY}"]
    named = {
        "query": NAMED_QUERY,
        "http": {**http["all"], "worker_p50_ms": http["kinds"]["named"]["worker_p50_ms"], "errors": http["errors"]},
        "inprocess": inprocess["named"],
        "overhead_ratio": http["all"]["p50_ms"] / inprocess["named"]["p50_ms"],
        "added_p50_ms": http["all"]["p50_ms"] - inprocess["named"]["p50_ms"],
    }
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "loadavg_at_end": os.getloadavg(),
            **{n: version(n) for n in ("pyoxigraph", "rdflib", "uvicorn", "fastapi", "starlette")},
        },
        "source": _source_fingerprint(),
        "options": {k: v for k, v in vars(options).items() if k not in ("child", "child_args")},
        "data": {
            **{k: v for k, v in data.items() if k not in ("seconds", "child_wall_seconds")},
            "generate_seconds": data["seconds"],
            "init_seconds": init_seconds,
            "bulk_load_seconds": loaded["seconds"],
            "reference_triples": loaded["reference_triples"],
            "store_triples": loaded["store_triples"],
            "courses_in_store": loaded["courses_in_store"],
            "taught_skills": loaded["taught_skills"],
        },
        "server": {"ready_seconds": ready, "settled_seconds": settled, "client_loop": client["loop"]},
        "kinds": kinds,
        "named_query": named,
        "phases": phases,
        "server_warnings": [line for line in serve_log.splitlines() if "WARNING" in line or "ERROR" in line][:20],
        "goals": goals,
    }


def table(report: dict) -> str:
    data, kinds, named = report["data"], report["kinds"], report["named_query"]
    clients = report["options"]["clients"]
    lines = [
        f"store: {data['store_triples']:,} triples ({data['triples']:,} generated): {data['courses_in_store']:,} "
        f"courses, {data['skills']:,} skills ({data['taught_skills']:,} taught)",
        "",
        f"{f'{clients} clients, ms':<38}{'req/s':>7}{'p50':>8}{'p95':>8}{'max':>8}{'errors':>7}"
        f"{'CPU ms/req':>11}{'1 client p50':>13}   in-process p50: list / after a write / +JSON-LD",
    ]
    for kind, k in kinds.items():
        marks = " ".join(
            "ok" if report["goals"][f"{kind}_{g}"]["met"] else f"MISS({g[:3]})" for g in ("p50_ms", "p95_ms")
        )
        parts = k["inprocess"]
        split = (
            f"{parts['list_p50_ms']:6.1f} / {parts['list_after_write_p50_ms']:6.1f} / "
            f"{parts['list_and_compact_p50_ms']:6.1f}"
            if parts
            else f"{'-':>6} / {'-':>6} / {'-':>6}"
        )
        lines.append(
            f"  {k['label']:<36}{k['requests_per_s']:>7,.0f}{k['p50_ms']:>8.1f}{k['p95_ms']:>8.1f}{k['max_ms']:>8.1f}"
            f"{sum(k['errors'].values()):>7}{k['server_cpu_ms_per_request']:>11.2f}"
            f"{k['one_client']['p50_ms']:>13.1f}   {split}  {marks}"
        )
    http, inproc = named["http"], named["inprocess"]
    rss = report["goals"]["rss_mb"]
    worst = max(kinds.values(), key=lambda k: k["server_rss_mb"] + k["workers_rss_mb"])
    lines += [
        f"  goals: p50 <= {GOALS['p50_ms']:.0f} ms, p95 <= {GOALS['p95_ms']:.0f} ms at {clients} loopback clients",
        f"  server RSS at the end of the {clients}-client phases, at most: {rss['value']:.0f} MiB "
        f"({worst['server_rss_mb']:.0f} the server, PSS {worst['workers_rss_mb']:.0f} its query workers and "
        "page readers), "
        f"goal <= {RSS_GOAL_MB:.0f} MiB  {'ok' if rss['met'] else 'MISS'}",
        "",
        f"named query /api/queries/{named['query']}?skill=<taught> (1 client, {inproc['limit']}-row page, "
        f"{inproc['rows']} rows for the first skill):",
        f"  HTTP end to end p50 {http['p50_ms']:.2f} ms (p95 {http['p95_ms']:.2f}, "
        f"in worker {http['worker_p50_ms']:.2f}); same SPARQL in-process p50 {inproc['p50_ms']:.2f} ms "
        f"(p95 {inproc['p95_ms']:.2f})",
        f"  overhead ratio {named['overhead_ratio']:.2f} (+{named['added_p50_ms']:.2f} ms)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=520_000, help="generated triples (>= 10,000 courses)")
    parser.add_argument("--seconds", type=float, default=10.0, help="seconds per 8-client phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent loopback clients")
    parser.add_argument("--page-readers", type=int, help="the server's page readers (default: the server's own)")
    run_benchmark(parser, TASKS, run, table, name="api", timeout=600)


if __name__ == "__main__":
    main()
