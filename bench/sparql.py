"""SPARQL endpoint benchmark: what HTTP and the query workers add to a query, at a million triples.

One run generates a SMARCO-shaped dataset with ``foundation.generate``, bulk-loads it with the ontology, code
lists and ESCO subset into a fresh store, then times one query mix (point lookups, ``skos:broader*`` paths, a
group-by count, a CONSTRUCT of one course) three ways, each from a fresh interpreter:

  (a) through ``/sparql`` of ``smarco-kg serve`` (uvicorn, query worker processes on checkpoints);
  (b) in-process: ``query_workers.answer`` on the store opened directly, the same pyoxigraph serialisation;
  (c) a bare route on the same server stack (uvicorn, FastAPI, the same middleware) returning pre-serialised
      bytes of a point lookup's size: the floor of Python HTTP on this machine.

(a) is timed once its start-up's work in the background (the fresh store's dumps) is done: ``quiet``.

Then, side by side with the peers that ``make peers`` installs (``peers.py``), on the same quads: the Oxigraph
server (``serve-read-only --union-default-graph``: the same engine) and rdflib-endpoint, all driven by ``wrk``
in interleaved rounds once each has been seen to answer as the others do.

    .venv/bin/python bench/sparql.py [--triples 1000000] [--seconds 20] [--clients 8] [--no-peers] [--no-rdflib]

The goals (from the issue) are checked and printed; the JSON goes to bench/out/sparql.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import foundation
import httpx
import peers
from foundation import (
    BASE,
    COURSES_PER_ORGANISATION,
    ELM,
    SKOS,
    _source_fingerprint,
    child_command,
    generate,
    peak_rss_mib,
    percentile,
    run_benchmark,
    say,
)

STARTUP_SECONDS = 300
"""How long a server may take to answer after it starts: ``smarco-kg serve`` first indexes the texts of a store loaded
behind its back (77-104 s for a million triples on two busy cores)."""
GOALS = {"added_latency_ms": 1.5, "throughput_over_bare": 0.70, "heavy_over_inprocess": 1.10}
# against the Oxigraph server on the same data: point-lookup throughput with 8 connections, the milliseconds a
# light query's single-client p50 may add to its, and light queries' p95 in the 8-client mix (our own endpoint)
PEER_GOALS = {"throughput_over_oxigraph": 0.50, "single_added_ms": 0.3, "mix_light_p95_ms": 15.0}
DATASET = "https://w3id.org/smarco/dataset"
VOID_DOC = "/.well-known/void"
LIGHT = ("point", "construct")  # the light kinds compared with the peers one client at a time
HEAVY_MS = 50.0  # a query this slow in-process is "heavy": judged by ratio, not by added milliseconds
JSON_RESULTS = "application/sparql-results+json"
KINDS: dict[str, dict[str, Any]] = {  # label, Accept header, share of the mixed load
    "point": {"label": "point lookup (one course)", "accept": JSON_RESULTS, "mix": 70},
    "ancestors": {"label": "skos:broader* ancestors", "accept": JSON_RESULTS, "mix": 10},
    "descendants": {"label": "skos:broader* descendants", "accept": JSON_RESULTS, "mix": 5},
    "group_by": {"label": "group-by: courses/EQF", "accept": JSON_RESULTS, "mix": 5},
    "construct": {"label": "CONSTRUCT one course", "accept": "text/turtle", "mix": 10},
}
VARIANTS = 500  # distinct queries per parameterised kind (random courses, random leaf skills)
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the query mix --------------------------------------------------------------------------------------------


def workload(courses: int, organisations: int, skills: list[str], seed: int) -> dict[str, list[str]]:
    """The query texts per kind, drawn from what the generator wrote (full organisations only)."""
    rng = random.Random(seed)
    full_orgs = max(1, organisations - 1)  # the last organisation may have fewer courses
    picked = [
        f"{BASE}course/org-{rng.randint(1, full_orgs)}-course-{rng.randint(1, COURSES_PER_ORGANISATION)}"
        for _ in range(VARIANTS)
    ]
    if courses < COURSES_PER_ORGANISATION:
        picked = [f"{BASE}course/org-1-course-{rng.randint(1, courses)}" for _ in range(VARIANTS)]
    leaves = skills[len(skills) // 8 + 1 :]  # skill i is broader of 8i+1..8i+8, so these have no narrower skills
    prefixes = f"PREFIX skos: <{SKOS}>\nPREFIX elm: <{ELM}>\n"
    construct = (
        prefixes + "CONSTRUCT {{ <{c}> ?p ?o . ?spec ?sp ?so . ?lo ?lp ?lv }} WHERE {{\n"
        "  {{ <{c}> ?p ?o }}\n"
        "  UNION {{ <{c}> elm:learningAchievementSpecification ?spec . ?spec ?sp ?so }}\n"
        "  UNION {{ <{c}> elm:learningAchievementSpecification/elm:learningOutcome ?lo . ?lo ?lp ?lv }}\n}}"
    )
    return {
        "point": [f"SELECT ?p ?o WHERE {{ <{c}> ?p ?o }}" for c in picked],
        "ancestors": [
            prefixes + f"SELECT ?broader WHERE {{ <{s}> skos:broader* ?broader }}"
            for s in rng.sample(leaves, min(VARIANTS, len(leaves)))
        ],
        "descendants": [prefixes + f"SELECT (COUNT(?d) AS ?n) WHERE {{ ?d skos:broader* <{skills[0]}> }}"],
        "group_by": [
            prefixes + "SELECT ?level (COUNT(?course) AS ?courses) WHERE {\n"
            "  ?course elm:learningAchievementSpecification ?spec . ?spec elm:EQFLevel ?level\n"
            "} GROUP BY ?level ORDER BY ?level"
        ],
        "construct": [construct.format(c=c) for c in picked],
    }


# -- measurements (each runs in a child process) ---------------------------------------------------------------


def task_prepare(args: dict) -> dict:
    """Generate the data and write the query mix; the store is made by the CLI and ``task_load``."""
    info = generate(Path(args["path"]), args["triples"], args["seed"])
    queries = workload(info.courses, len(info.organisations), info.skills, args["seed"])
    Path(args["workload"]).write_text(json.dumps(queries))
    return {
        "triples": info.triples,
        "organisations": len(info.organisations),
        "courses": info.courses,
        "skills": len(info.skills),
        "seconds": info.seconds,
    }


def task_load(args: dict) -> dict:
    """The trusted bulk load ``smarco-kg init`` uses, into the store init made (ontology, code lists, ESCO)."""
    from smarco_kg.config import Settings
    from smarco_kg.formats import rdf_syntax
    from smarco_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph(Settings(store=Path(args["store"])), create=False)
    before = sum(kg.store.graph_sizes().values())
    started = time.perf_counter()
    kg.store.bulk_load(Path(args["path"]), rdf_syntax("nquads"))
    seconds = time.perf_counter() - started
    after = sum(kg.store.graph_sizes().values())
    if args.get("dump"):  # the same quads for the peers
        from smarco_kg.formats import rdf_syntax as syntax

        with Path(args["dump"]).open("wb") as out:
            kg.store.dump(out, syntax("nquads"))
    kg.close()
    return {"seconds": seconds, "reference_triples": before, "store_triples": after}


def _time_kinds(store: Any, queries: dict[str, list[str]], repeats: int, budget: float) -> dict[str, dict]:
    """p50 etc. per kind of ``answer`` (query + pyoxigraph serialisation), as a worker computes it."""
    from smarco_kg.query_workers import QueryRequest, answer

    results: dict[str, dict] = {}
    for kind, texts in queries.items():
        request = [QueryRequest(sparql=t, accept=KINDS[kind]["accept"], base_iri=BASE) for t in texts]
        first = answer(store, request[0])  # also a warm-up
        for r in request[1:4]:
            answer(store, r)
        latencies, sizes = [], []
        stop = time.perf_counter() + budget
        while len(latencies) < repeats and (time.perf_counter() < stop or len(latencies) < 5):
            started = time.perf_counter()
            body = answer(store, request[len(latencies) % len(request)]).body
            latencies.append((time.perf_counter() - started) * 1000)
            sizes.append(len(body))
        results[kind] = {
            **summary(latencies),
            "bytes_p50": statistics.median(sizes),
            "media_type": first.media_type,
            "first_digest": digest(first.body, first.media_type),
        }
        if kind == "point":
            results[kind]["first_body"] = first.body.decode("utf-8")
    return results


def task_inprocess(args: dict) -> dict:
    """(b): the store opened directly, as a library user would; then read-only, as the workers open checkpoints."""
    from smarco_kg.config import Settings
    from smarco_kg.kg import KnowledgeGraph
    from smarco_kg.store import open_store

    queries = json.loads(Path(args["workload"]).read_text())
    kg = KnowledgeGraph(Settings(store=Path(args["store"])), create=False)
    direct = _time_kinds(kg.store, queries, args["repeats"], args["budget"])
    kg.close()
    store = open_store(Path(args["store"]), read_only=True)
    read_only = _time_kinds(store, queries, args["repeats"] // 2, args["budget"] / 2)
    store.close()
    return {"direct": direct, "read_only": read_only, "peak_rss_mib": peak_rss_mib()}


def task_bare_server(args: dict) -> dict:
    """(c): uvicorn as ``smarco-kg serve`` runs it, FastAPI with the app's middleware, fixed bytes per GET."""
    import uvicorn
    from fastapi import FastAPI
    from fastapi.middleware.gzip import GZipMiddleware
    from fastapi.responses import JSONResponse, Response

    from smarco_kg.api.cors import CorsMiddleware

    body = Path(args["body"]).read_bytes()
    media_type = args["media_type"]
    app = FastAPI(title="bare")
    app.add_middleware(GZipMiddleware, minimum_size=4096)
    app.add_middleware(CorsMiddleware, write_origins=())

    @app.get("/sparql")
    async def sparql() -> Response:  # the same headers /sparql sends
        return Response(body, media_type=media_type, headers={"Vary": "Accept", "X-Query-Seconds": "0.0000"})

    @app.get("/health")
    async def health() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    uvicorn.run(app, host="127.0.0.1", port=args["port"], log_level="warning")
    return {}


def digest(body: bytes, media_type: str) -> str:
    """A hash of the body; of its sorted triples for RDF, as pyoxigraph writes CONSTRUCT triples in hash order."""
    if media_type.startswith("application/sparql-results") or media_type.startswith("text/csv"):
        return hashlib.sha256(body).hexdigest()
    import pyoxigraph as ox

    triples = sorted(str(t) for t in ox.parse(body, ox.RdfFormat.from_media_type(media_type)))
    return "sorted-triples:" + hashlib.sha256("\n".join(triples).encode()).hexdigest()


def summary(latencies: list[float]) -> dict:
    if not latencies:
        return {"n": 0}
    return {
        "n": len(latencies),
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 95),
        "min_ms": min(latencies),
        "max_ms": max(latencies),
    }


def _head(head: bytes) -> tuple[int, int, float]:
    """Status, Content-Length and X-Query-Seconds of a response head (uvicorn always sends a length here)."""
    status, length, seconds = int(head[9:12]), -1, 0.0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"x-query-seconds":
            seconds = float(value)
    if length < 0:
        raise RuntimeError(f"a response without Content-Length: {head[:200]!r}")
    return status, length, seconds


def currency(body: str, site: str) -> dict[str, bool]:
    """Whether the description's figures and each dump show the last write: their dct:modified is the dataset's."""
    from rdflib import Graph, URIRef  # here: the benchmark's children (the in-process run's memory) never load it
    from rdflib.namespace import DCTERMS, FOAF

    g = Graph().parse(data=body, format="turtle")
    last = g.value(URIRef(DATASET), DCTERMS.modified)
    document = URIRef(f"{site}{VOID_DOC}")
    assert g.value(document, FOAF.primaryTopic) == URIRef(DATASET)
    state = {"figures": g.value(document, DCTERMS.modified) == last}
    for name in ("smarco.nq.gz", "smarco.trig.gz"):
        state[name] = g.value(URIRef(f"{site}/dumps/{name}"), DCTERMS.modified) == last
    return state


def until_current(client: httpx.Client, url: str, timeout: float) -> dict[str, float | None]:
    """Seconds until the figures and every dump show the last write (None: not within ``timeout``)."""
    started = time.perf_counter()
    seen: dict[str, float | None] = {"figures": None, "dumps": None}
    while time.perf_counter() - started < timeout:
        state = currency(client.get(url + VOID_DOC, headers={"Accept": "text/turtle"}).text, url)
        elapsed = round(time.perf_counter() - started, 2)
        if state["figures"] and seen["figures"] is None:
            seen["figures"] = elapsed
        if state["smarco.nq.gz"] and state["smarco.trig.gz"] and seen["dumps"] is None:
            seen["dumps"] = elapsed
        if all(v is not None for v in seen.values()):
            break
        time.sleep(0.2)
    return seen


def settle(pid: int, timeout: float, idle: float = 0.1) -> float:
    """Seconds until the server and its children use less than ``idle`` s of CPU in a second: after a fresh
    store's dumps (written in a child process after start-up, for tens of seconds), the phases measure serving."""
    started = time.monotonic()
    before = sum(_cpu_seconds(pid))
    while time.monotonic() - started < timeout:
        time.sleep(1.0)
        now = sum(_cpu_seconds(pid))
        if now - before < idle:
            break
        before = now
    return time.monotonic() - started


def quiet(server: Server, timeout: float) -> float:
    """Wait until start-up's work in the background is done (a fresh store's dumps, written by a child process
    for tens of seconds at a million triples): the phases then measure serving, not serving beside a dump. Returns
    the seconds until the server and its children were idle, after the dumps were current."""
    with httpx.Client() as http:  # the description's own dates say when the dumps show the store
        current = until_current(http, server.url, timeout)
    settled = settle(server.process.pid, timeout)
    say(f"start-up's work in the background: dumps current {current['dumps']} s later, idle {settled:.1f} s after")
    return settled


def _children(pid: int) -> list[int]:
    """The processes ``pid``'s threads started, from /proc."""
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def _cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds of ``pid`` and of all its descendants (the query workers), from /proc.

    Summed over each thread's ``schedstat`` (nanoseconds, exact) rather than ``stat`` (sampled at clock ticks,
    too coarse for per-request figures); a process without schedstat falls back to ``stat``."""

    def own(p: int) -> float:
        try:
            return sum(int((t / "schedstat").read_text().split()[0]) for t in Path(f"/proc/{p}/task").iterdir()) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def reaped(p: int) -> float:
        """What the children ``p`` has waited for used (``cutime`` + ``cstime``): a process that ended during a
        phase (a background dump) leaves the live sum, and its CPU would be lost, the phase's figure negative."""
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[13]) + int(fields[14])) / CLK_TCK

    descendants, stack = reaped(pid), _children(pid)
    while stack:
        child = stack.pop()
        descendants += own(child) + reaped(child)
        stack += _children(child)
    return own(pid), descendants


def _rss_mb(pid: int) -> tuple[float, float]:
    """Resident memory (MiB) of ``pid``, and the proportional set size summed over its descendants (query workers
    and their fork server share the pages they were forked with: their RSS summed would count those each time)."""

    def own(p: int, field: str = "Pss:", file: str = "smaps_rollup") -> float:
        try:
            for line in Path(f"/proc/{p}/{file}").read_text().splitlines():
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError, IndexError):
            pass
        return 0.0

    descendants, stack = 0.0, _children(pid)
    while stack:
        child = stack.pop()
        descendants += own(child)
        stack += _children(child)
    return own(pid, "VmRSS:", "status"), descendants


async def _phase(phase: dict, requests: dict[str, list[bytes]], watch: dict[str, int]) -> dict:
    """``clients`` keep-alive connections, each sending the next request when the last answer is read in full.

    A minimal HTTP/1.1 client on asyncio streams: httpx would spend more CPU per request than the bare server
    does, and the client shares the two cores with the server."""
    kinds = list(phase["weights"])
    weights = [phase["weights"][k] for k in kinds]
    records: list[tuple[str, float, float, float, float]] = []  # kind, start, end, latency ms, worker ms
    errors: dict[int, int] = {}
    budget = [phase["max_requests"]]
    completed = [0]  # every response, warm-up included: the CPU figures cover the whole phase
    started = time.perf_counter()
    deadline = started + phase["seconds"]
    measure_from = started + phase.get("warmup_seconds", 0.0)

    async def client(index: int) -> None:
        rng = random.Random(phase.get("seed", 0) * 100 + index)
        reader, writer = await asyncio.open_connection(phase["host"], phase["port"])
        warmup = phase.get("warmup_requests", 0)
        try:
            while budget[0] > 0 and time.perf_counter() < deadline:
                kind = rng.choices(kinds, weights)[0] if len(kinds) > 1 else kinds[0]
                request = rng.choice(requests[kind])
                t0 = time.perf_counter()
                writer.write(request)
                status, length, worker = _head(await reader.readuntil(b"\r\n\r\n"))
                await reader.readexactly(length)
                t1 = time.perf_counter()
                completed[0] += 1
                if status != 200:
                    errors[status] = errors.get(status, 0) + 1
                elif warmup > 0:
                    warmup -= 1
                elif t0 >= measure_from:
                    budget[0] -= 1
                    records.append((kind, t0, t1, (t1 - t0) * 1000, worker * 1000))
        finally:
            writer.close()

    cpu_before = {name: _cpu_seconds(pid) for name, pid in watch.items()}
    own_before = time.process_time()
    await asyncio.gather(*(client(i) for i in range(phase["clients"])))
    client_cpu = time.process_time() - own_before
    wall = time.perf_counter() - started
    cpu = {
        name: [after - before for after, before in zip(_cpu_seconds(pid), cpu_before[name], strict=True)]
        for name, pid in watch.items()
    }
    rss = {name: _rss_mb(pid) for name, pid in watch.items()}  # at the end of the load, every client connected
    if not records:
        raise RuntimeError(f"phase {phase['name']} measured no request (errors: {errors})")
    window = max(r[2] for r in records) - min(r[1] for r in records)
    result: dict[str, Any] = {
        "name": phase["name"],
        "group": phase.get("group"),
        "clients": phase["clients"],
        "requests": len(records),
        "completed": completed[0],
        "seconds": window,
        "wall_seconds": wall,
        "requests_per_s": len(records) / window if window > 0 else 0.0,
        "errors": errors,
        "client_cpu_seconds": client_cpu,
        "server_cpu_seconds": {name: {"main": c[0], "workers": c[1]} for name, c in cpu.items()},
        "server_rss_mb": {name: {"main": r[0], "workers": r[1]} for name, r in rss.items()},
        "all": summary([r[3] for r in records]),
        "kinds": {},
    }
    for kind in kinds:
        mine = [r for r in records if r[0] == kind]
        result["kinds"][kind] = {**summary([r[3] for r in mine]), "worker_p50_ms": _median([r[4] for r in mine])}
    return result


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def task_client(args: dict) -> dict:
    """Run the load phases in order against the servers named in ``args``; CPU of those servers per phase."""
    queries = json.loads(Path(args["workload"]).read_text())
    servers = args["servers"]  # name -> {"port", "pid"}
    requests: dict[str, dict[str, list[bytes]]] = {}
    for name, server in servers.items():
        host = f"127.0.0.1:{server['port']}"
        requests[name] = {
            kind: [
                f"GET /sparql?query={quote(text, safe='')} HTTP/1.1\r\nHost: {host}\r\n"
                f"Accept: {KINDS[kind]['accept']}\r\nAccept-Encoding: gzip, deflate\r\n"
                f"User-Agent: smarco-bench\r\n\r\n".encode()
                for text in texts
            ]
            for kind, texts in queries.items()
        }
    watch = {name: server["pid"] for name, server in servers.items()}

    async def main() -> list[dict]:
        done = []
        for phase in args["phases"]:
            server = servers[phase["server"]]
            phase = {**phase, "host": "127.0.0.1", "port": server["port"]}
            done.append(await _phase(phase, requests[phase["server"]], watch))
            say(f"{phase['name']}: {done[-1]['requests_per_s']:,.0f} req/s, p50 {done[-1]['all']['p50_ms']:.2f} ms")
        return done

    try:
        import uvloop

        phases = uvloop.run(main())
        loop = "uvloop"
    except ImportError:
        phases = asyncio.run(main())
        loop = "asyncio"
    return {"phases": phases, "loop": loop}


def run_child(task: str, args: dict, timeout: float) -> dict:
    """One task of this file in a fresh interpreter (see ``foundation.run_child``)."""
    return foundation.run_child(task, args, timeout, script=__file__)


TASKS: dict[str, Callable[[dict], dict]] = {
    "prepare": task_prepare,
    "load": task_load,
    "inprocess": task_inprocess,
    "bare-server": task_bare_server,
    "client": task_client,
}


# -- servers --------------------------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A server process on a free loopback port, started as a user would; stopped (SIGTERM, then kill) on exit."""

    def __init__(self, name: str, command: list[str], port: int, log: Path, env: dict[str, str]) -> None:
        self.name, self.port, self.log = name, port, log
        with log.open("w") as out:
            self.process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float) -> float:
        started = time.perf_counter()
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=5.0).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"{self.name} did not answer /health within {timeout:.0f} s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- orchestration ------------------------------------------------------------------------------------------------


def run(options: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="smarco-bench-sparql-", dir=options.workdir))
    say(f"working in {work}")
    timeout = options.timeout
    servers: list[Server] = []
    try:
        data_path, queries_path, store = work / "data.nq", work / "workload.json", work / "store"
        args = {"path": str(data_path), "workload": str(queries_path), "triples": options.triples, "seed": options.seed}
        data = run_child("prepare", args, timeout)
        say(f"generated {data['triples']:,} triples in {data['seconds']:.1f} s")
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
        quads = work / "all.nq" if options.peers else None
        loaded = run_child("load", {"path": str(data_path), "store": str(store), "dump": str(quads or "")}, timeout)
        loaded["init_seconds"] = time.perf_counter() - started - loaded["child_wall_seconds"]
        if loaded["store_triples"] - loaded["reference_triples"] != data["triples"]:
            raise SystemExit(f"the bulk load stored {loaded['store_triples']:,} triples; expected more")
        say(f"store ready: {loaded['store_triples']:,} triples (bulk load {loaded['seconds']:.1f} s)")
        data_path.unlink()

        say("in-process (b): answer() on the store opened directly")
        inprocess = run_child(
            "inprocess", {"store": str(store), "workload": str(queries_path), "repeats": 400, "budget": 6.0}, timeout
        )
        point = inprocess["direct"]["point"]
        body_path = work / "point-body.json"
        body_path.write_text(point.pop("first_body"))
        inprocess["read_only"]["point"].pop("first_body")

        env = {k: v for k, v in os.environ.items() if not k.startswith("SMARCO_")}
        # the load's connections stand for as many clients: from one loopback address they would be one client,
        # whose queries beyond its fair share are refused (429)
        clients = str(options.clients)
        env.update(SMARCO_LOG_LEVEL="warning", SMARCO_QUERY_WORKERS=str(options.query_workers),
                   SMARCO_QUERY_CLIENT_LIMIT=clients, SMARCO_QUERY_CLIENT_QUEUE=clients)  # fmt: skip
        port = free_port()
        command = [sys.executable, "-m", "smarco_kg", "serve", "--store", str(store), "--port", str(port)]
        servers.append(Server("smarco-kg serve", command, port, work / "serve.log", env))
        bare_port = free_port()
        bare_args = {"port": bare_port, "body": str(body_path), "media_type": point["media_type"]}
        servers.append(
            Server("bare route", child_command(__file__, "bare-server", bare_args), bare_port, work / "bare.log", env)
        )
        ready = {s.name: s.wait_ready(STARTUP_SECONDS) for s in servers}
        say(f"servers ready (serve {ready['smarco-kg serve']:.1f} s, bare {ready['bare route']:.1f} s)")
        sparql_server, bare_server = servers
        quiet(sparql_server, timeout)

        same_bytes = check_bytes(sparql_server, json.loads(queries_path.read_text()), inprocess["direct"])
        phases = plan(options)
        client = run_child(
            "client",
            {
                "workload": str(queries_path),
                "servers": {
                    "sparql": {"port": sparql_server.port, "pid": sparql_server.process.pid},
                    "bare": {"port": bare_server.port, "pid": bare_server.process.pid},
                },
                "phases": phases,
            },
            timeout,
        )
        compared = None
        if quads is not None:
            compared = side_by_side(options, work, quads, sparql_server, json.loads(queries_path.read_text()))
        for server in servers:
            server.stop()
        serve_log = (work / "serve.log").read_text()
    finally:
        for server in servers:
            server.stop()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = summarise(options, data, loaded, inprocess, client, same_bytes, ready, serve_log)
    if compared is not None:
        add_peers(report, compared)
    return report


def side_by_side(
    options: argparse.Namespace, work: Path, quads: Path, server: Server, queries: dict[str, list[str]]
) -> dict:
    """The peers started on ``quads``, their answers compared with ours, then ``wrk`` rounds on each in turn:
    point lookups with ``--clients`` connections, and each light kind with one."""
    ours = peers.Endpoint("smarco-kg", f"{server.url}/sparql")
    started: list[peers.Endpoint] = []
    try:
        oxigraph, load_seconds = peers.oxigraph(quads, work / "oxigraph", free_port(), work / "oxigraph.log")
        started.append(oxigraph)
        ready = {oxigraph.name: oxigraph.wait_ready(120, work / "oxigraph.log")}
        say(f"Oxigraph server: loaded in {load_seconds:.1f} s, ready in {ready[oxigraph.name]:.1f} s")
        if options.rdflib:
            rdflib = peers.rdflib_endpoint(quads, free_port(), work / "rdflib.log")
            started.append(rdflib)
            ready[rdflib.name] = rdflib.wait_ready(options.timeout, work / "rdflib.log")
            say(f"rdflib-endpoint: ready in {ready[rdflib.name]:.1f} s (parsing the quads)")
        endpoints = [ours, *started]
        checked = {kind: (texts[0], KINDS[kind]["accept"]) for kind, texts in queries.items()}
        same = peers.same_answers(endpoints, checked)
        say("same answers: " + ", ".join(f"{k} {'yes' if all(v.values()) else 'NO'}" for k, v in same.items()))
        point = queries["point"][0]
        rounds, seconds = options.peer_rounds, options.peer_seconds
        load = peers.load_rounds(endpoints, point, JSON_RESULTS, connections=options.clients, rounds=rounds,
                                 seconds=seconds)  # fmt: skip
        say("point lookups, " + ", ".join(f"{n} {m['requests_per_s']:,.0f} req/s" for n, m in load.items()))
        single = {}
        for kind in LIGHT:
            accept = KINDS[kind]["accept"]
            single[kind] = peers.load_rounds(endpoints, queries[kind][0], accept, connections=1, rounds=1,
                                             seconds=seconds)  # fmt: skip
    finally:
        for endpoint in started:
            endpoint.stop()
    return {
        "load_seconds": {"Oxigraph server": load_seconds},
        "ready_seconds": ready,
        "same_answers": same,
        "point_load": load,
        "single": single,
        "connections": options.clients,
        "rounds": rounds,
        "seconds_per_round": seconds,
    }


def add_peers(report: dict, compared: dict) -> None:
    """The side-by-side figures and their goals, in the report."""
    report["peers"] = compared
    load, single = compared["point_load"], compared["single"]
    ratio = load["smarco-kg"]["requests_per_s"] / load["Oxigraph server"]["requests_per_s"]
    goals = report["goals"]
    answered = all(load[name]["errors"] == 0 for name in load)  # a refusal is not a request served
    goals["throughput_over_oxigraph"] = {
        "goal": PEER_GOALS["throughput_over_oxigraph"],
        "value": ratio,
        "met": answered and ratio >= PEER_GOALS["throughput_over_oxigraph"],
    }
    for kind in LIGHT:
        added = single[kind]["smarco-kg"]["p50_ms"] - single[kind]["Oxigraph server"]["p50_ms"]
        goals[f"single_added_over_oxigraph_ms_{kind}"] = {
            "goal": PEER_GOALS["single_added_ms"],
            "value": added,
            "met": added <= PEER_GOALS["single_added_ms"],
        }
    light_p95 = max(report["kinds"][kind]["under_load_p95_ms"] for kind in LIGHT)
    goals["mix_light_p95_ms"] = {
        "goal": PEER_GOALS["mix_light_p95_ms"],
        "value": light_p95,
        "met": light_p95 <= PEER_GOALS["mix_light_p95_ms"],
    }
    same = all(all(by.values()) for by in compared["same_answers"].values())
    goals["peers_answer_alike"] = {"goal": True, "value": same, "met": same}


def peers_table(report: dict) -> list[str]:
    """The side-by-side lines of the summary."""
    compared, goals = report["peers"], report["goals"]

    def mark(key: str) -> str:
        return "ok" if goals[key]["met"] else "MISS"

    load, single = compared["point_load"], compared["single"]
    names = list(load)
    lines = [
        "",
        f"side by side (wrk; {compared['rounds']} interleaved rounds of {compared['seconds_per_round']:g} s; "
        f"same answers on every kind: {'yes' if goals['peers_answer_alike']['met'] else 'NO'})",
        f"  {'':<34}" + "".join(f"{n:>18}" for n in names),
        f"  {'point lookups, ' + str(compared['connections']) + ' connections, req/s':<34}"
        + "".join(f"{load[n]['requests_per_s']:>18,.0f}" for n in names),
        f"  {'  p50 / p99 ms':<34}" + "".join(f"{load[n]['p50_ms']:>9.2f} /{load[n]['p99_ms']:>7.2f}" for n in names),
    ]
    for kind in LIGHT:
        lines.append(
            f"  {KINDS[kind]['label'] + ', 1 client, p50 ms':<34}"
            + "".join(f"{single[kind][n]['p50_ms']:>18.3f}" for n in names)
        )
    value = goals["throughput_over_oxigraph"]["value"]
    lines.append(
        f"  smarco-kg / Oxigraph server throughput {value:.2f}, goal >= "
        f"{PEER_GOALS['throughput_over_oxigraph']:.2f}  {mark('throughput_over_oxigraph')}"
    )
    for kind in LIGHT:
        key = f"single_added_over_oxigraph_ms_{kind}"
        lines.append(
            f"  {KINDS[kind]['label']}, 1 client: {goals[key]['value']:+.3f} ms over Oxigraph server, goal <= "
            f"{PEER_GOALS['single_added_ms']} ms  {mark(key)}"
        )
    clients, light_p95 = report["options"]["clients"], goals["mix_light_p95_ms"]["value"]
    lines.append(
        f"  light queries' p95 in the {clients}-client mix: {light_p95:.1f} ms, goal <= "
        f"{PEER_GOALS['mix_light_p95_ms']:g} ms  {mark('mix_light_p95_ms')}"
    )
    errors = {n: load[n]["errors"] for n in names if load[n]["errors"]}
    if errors:
        lines.append(f"  errors under load: {errors}")
    return lines


def check_bytes(server: Server, queries: dict[str, list[str]], inprocess: dict[str, dict]) -> dict[str, bool]:
    """Whether /sparql sends exactly the bytes ``answer`` makes in-process: pyoxigraph's serialisation, untouched."""
    same: dict[str, bool] = {}
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for kind, texts in queries.items():
            response = client.get("/sparql", params={"query": texts[0]}, headers={"Accept": KINDS[kind]["accept"]})
            response.raise_for_status()
            same[kind] = digest(response.content, inprocess[kind]["media_type"]) == inprocess[kind]["first_digest"]
    return same


def plan(options: argparse.Namespace) -> list[dict]:
    """The load phases, in order: a short warm-up, single-client latency per kind, then 8-client throughput of
    point lookups on (a) and (c) in alternating rounds (so machine noise hits both alike), then the mix on (a)."""
    clients, seconds = options.clients, options.seconds
    phases: list[dict] = [
        {
            "name": "warm-up (a) mix",
            "server": "sparql",
            "clients": clients,
            "seconds": 2.0,
            "max_requests": 10**9,
            "weights": {k: v["mix"] for k, v in KINDS.items()},
        }
    ]
    for kind in KINDS:
        phases.append(
            {
                "name": f"single (a) {kind}",
                "server": "sparql",
                "clients": 1,
                "seconds": 6.0,
                "max_requests": 1000,
                "warmup_requests": 5,
                "weights": {kind: 1},
            }
        )
    phases.append(
        {
            "name": "single (c) bare",
            "server": "bare",
            "clients": 1,
            "seconds": 6.0,
            "max_requests": 2000,
            "warmup_requests": 5,
            "weights": {"point": 1},
        }
    )
    for round_ in range(options.rounds):
        for server, label in (("sparql", "(a) /sparql"), ("bare", "(c) bare")):
            phases.append(
                {
                    "name": f"load {label} point #{round_ + 1}",
                    "group": f"point-{server}",
                    "server": server,
                    "clients": clients,
                    "seconds": seconds / options.rounds + 0.5,
                    "warmup_seconds": 0.5,
                    "max_requests": 10**7,
                    "weights": {"point": 1},
                    "seed": round_,
                }
            )
    phases.append(
        {
            "name": "load (a) mix",
            "server": "sparql",
            "clients": clients,
            "seconds": seconds + 0.5,
            "warmup_seconds": 0.5,
            "max_requests": 10**7,
            "weights": {k: v["mix"] for k, v in KINDS.items()},
            "seed": 99,
        }
    )
    return phases


def _merge(phases: list[dict], server: str) -> dict:
    """The point-lookup rounds of one server as one figure: requests over summed windows, pooled percentiles
    approximated by the median of the rounds' percentiles."""
    mine = [p for p in phases if p.get("group") == f"point-{server}"]
    requests = sum(p["requests"] for p in mine)
    seconds = sum(p["seconds"] for p in mine)
    main = sum(p["server_cpu_seconds"][server]["main"] for p in mine)
    workers = sum(p["server_cpu_seconds"][server]["workers"] for p in mine)
    completed = sum(p["completed"] for p in mine)
    wall = sum(p["wall_seconds"] for p in mine)
    client = sum(p["client_cpu_seconds"] for p in mine)
    return {
        "rounds": len(mine),
        "requests": requests,
        "seconds": seconds,
        "requests_per_s": requests / seconds,
        "rounds_requests_per_s": [p["requests_per_s"] for p in mine],
        "p50_ms": statistics.median(p["all"]["p50_ms"] for p in mine),
        "p95_ms": statistics.median(p["all"]["p95_ms"] for p in mine),
        "errors": sum(sum(p["errors"].values()) for p in mine),
        "server_main_cpu_ms_per_request": main / completed * 1000,
        "server_workers_cpu_ms_per_request": workers / completed * 1000,
        "client_cpu_ms_per_request": client / completed * 1000,
        "busy_cores": {"main": main / wall, "workers": workers / wall, "client": client / wall},
    }


def _cpu_per_request(phase: dict, server: str) -> dict[str, float]:
    cpu, n = phase["server_cpu_seconds"][server], phase["completed"]
    return {
        "main": cpu["main"] / n * 1000,
        "workers": cpu["workers"] / n * 1000,
        "client": phase["client_cpu_seconds"] / n * 1000,
    }


def _cpu_total(merged: dict) -> float:
    """CPU ms one request costs server and client together: on two shared cores, throughput is about its inverse."""
    return (
        merged["server_main_cpu_ms_per_request"]
        + merged["server_workers_cpu_ms_per_request"]
        + merged["client_cpu_ms_per_request"]
    )


def summarise(
    options: argparse.Namespace,
    data: dict,
    loaded: dict,
    inprocess: dict,
    client: dict,
    same_bytes: dict[str, bool],
    ready: dict[str, float],
    serve_log: str,
) -> dict:
    phases = client["phases"]
    by_name = {p["name"]: p for p in phases}
    direct = inprocess["direct"]
    kinds: dict[str, dict] = {}
    for kind in KINDS:
        single = by_name[f"single (a) {kind}"]["kinds"][kind]
        under_load = by_name["load (a) mix"]["kinds"][kind]
        b = direct[kind]["p50_ms"]
        kinds[kind] = {
            "heavy": b >= HEAVY_MS,
            "inprocess_p50_ms": b,
            "inprocess_p95_ms": direct[kind]["p95_ms"],
            "inprocess_read_only_p50_ms": inprocess["read_only"][kind]["p50_ms"],
            "single_client_p50_ms": single["p50_ms"],
            "single_client_p95_ms": single["p95_ms"],
            "single_client_worker_p50_ms": single["worker_p50_ms"],
            "added_p50_ms": single["p50_ms"] - b,
            "over_inprocess": single["p50_ms"] / b,
            "under_load_p50_ms": under_load.get("p50_ms"),
            "under_load_p95_ms": under_load.get("p95_ms"),
            "under_load_n": under_load["n"],
            "bytes_p50": direct[kind]["bytes_p50"],
            "media_type": direct[kind]["media_type"],
            "same_bytes_as_inprocess": same_bytes[kind],
        }
    sparql, bare = _merge(phases, "sparql"), _merge(phases, "bare")
    ratio = sparql["requests_per_s"] / bare["requests_per_s"]
    goals: dict[str, dict] = {}
    for kind, k in kinds.items():
        if k["heavy"]:
            value, goal = k["over_inprocess"], GOALS["heavy_over_inprocess"]
            goals[f"heavy_over_inprocess_{kind}"] = {"goal": goal, "value": value, "met": value <= goal}
        else:
            value, goal = k["added_p50_ms"], GOALS["added_latency_ms"]
            goals[f"added_latency_ms_{kind}"] = {"goal": goal, "value": value, "met": value <= goal}
    goals["throughput_over_bare"] = {
        "goal": GOALS["throughput_over_bare"],
        "value": ratio,
        "met": ratio >= GOALS["throughput_over_bare"],
    }
    same = all(same_bytes.values())
    goals["serialised_by_pyoxigraph"] = {"goal": True, "value": same, "met": same}
    from importlib.metadata import version

    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "loadavg_at_end": os.getloadavg(),
            **{n: version(n) for n in ("pyoxigraph", "uvicorn", "fastapi", "starlette", "httptools", "uvloop")},
        },
        "source": _source_fingerprint(),
        "options": {k: v for k, v in vars(options).items() if k not in ("child", "child_args")},
        "data": {
            **{k: v for k, v in data.items() if k not in ("seconds", "child_wall_seconds")},
            "generate_seconds": data["seconds"],
            "init_seconds": loaded["init_seconds"],
            "bulk_load_seconds": loaded["seconds"],
            "reference_triples": loaded["reference_triples"],
            "store_triples": loaded["store_triples"],
        },
        "servers": {"ready_seconds": ready, "query_workers": options.query_workers, "client_loop": client["loop"]},
        "kinds": kinds,
        "point_lookup_load": {"sparql": sparql, "bare": bare, "sparql_over_bare": ratio},
        "bare_single_client": by_name["single (c) bare"]["kinds"]["point"],
        "single_client_cpu_ms_per_request": {
            "sparql": _cpu_per_request(by_name["single (a) point"], "sparql"),
            "bare": _cpu_per_request(by_name["single (c) bare"], "bare"),
        },
        "mix_load": {k: v for k, v in by_name["load (a) mix"].items() if k != "kinds"},
        "inprocess_peak_rss_mib": inprocess["peak_rss_mib"],
        "phases": phases,
        "server_warnings": [line for line in serve_log.splitlines() if "WARNING" in line or "ERROR" in line][:20],
        "goals": goals,
    }


def table(report: dict) -> str:
    """The human-readable summary: one line per figure, goals marked."""
    data, kinds, goals = report["data"], report["kinds"], report["goals"]
    load, bare1 = report["point_lookup_load"], report["bare_single_client"]
    clients = report["options"]["clients"]

    def mark(key: str) -> str:
        return "ok" if goals[key]["met"] else "MISS"

    lines = [
        f"store: {data['store_triples']:,} triples ({data['triples']:,} generated + {data['reference_triples']:,} "
        f"ontology, code lists, ESCO subset): {data['courses']:,} courses, {data['skills']:,} skills; "
        f"{report['servers']['query_workers']} query workers",
        "",
        f"{'query, ms (p50)':<28}{'bytes':>7}{'(b) in-proc':>12}{'(a) 1 client':>13}{'in worker':>10}"
        f"{'added':>8}{'(a)/(b)':>8}{f'(a) {clients} mixed':>13}{'p95':>8}",
    ]
    for kind, k in kinds.items():
        goal = f"heavy_over_inprocess_{kind}" if k["heavy"] else f"added_latency_ms_{kind}"
        worker = k["single_client_worker_p50_ms"]
        lines.append(
            f"  {KINDS[kind]['label']:<26}{k['bytes_p50']:>7,.0f}{k['inprocess_p50_ms']:>12.3f}"
            f"{k['single_client_p50_ms']:>13.3f}{worker:>10.3f}{k['added_p50_ms']:>8.3f}{k['over_inprocess']:>8.2f}"
            f"{k['under_load_p50_ms']:>13.2f}{k['under_load_p95_ms']:>8.2f}  "
            f"{'heavy ' if k['heavy'] else ''}{mark(goal)}"
        )
    mix = report["mix_load"]
    lines += [
        f"  goals: added p50 <= {GOALS['added_latency_ms']} ms (light), (a)/(b) <= "
        f"{GOALS['heavy_over_inprocess']} (heavy: >= {HEAVY_MS:.0f} ms in-process); mixed load: "
        f"{mix['requests_per_s']:,.0f} req/s, {sum(mix['errors'].values())} errors",
        "  same bytes through /sparql as in-process (pyoxigraph's serialisation): "
        f"{'yes, every kind' if goals['serialised_by_pyoxigraph']['met'] else 'NO'}  "
        f"{mark('serialised_by_pyoxigraph')}",
        "  (b) read-only store, as workers open checkpoints (p50 ms):",
        "    " + ", ".join(f"{kind} {k['inprocess_read_only_p50_ms']:.3f}" for kind, k in kinds.items()),
        "",
        f"{f'point lookups, {clients} clients':<30}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'1 client':>10}"
        f"{'CPU ms/req: server':>20}{'workers':>9}{'client':>8}",
    ]
    for label, key, single in (
        ("(a) /sparql", "sparql", kinds["point"]["single_client_p50_ms"]),
        ("(c) bare route", "bare", bare1["p50_ms"]),
    ):
        m = load[key]
        lines.append(
            f"  {label:<28}{m['requests_per_s']:>9,.0f}{m['p50_ms']:>9.2f}{m['p95_ms']:>9.2f}{single:>10.3f}"
            f"{m['server_main_cpu_ms_per_request']:>20.3f}{m['server_workers_cpu_ms_per_request']:>9.3f}"
            f"{m['client_cpu_ms_per_request']:>8.3f}"
        )
    lines.append(
        f"  (a)/(c) = {load['sparql_over_bare']:.2f}  goal >= {GOALS['throughput_over_bare']:.2f}  "
        f"{mark('throughput_over_bare')}   rounds req/s: (a) "
        + ", ".join(f"{v:,.0f}" for v in load["sparql"]["rounds_requests_per_s"])
        + "; (c) "
        + ", ".join(f"{v:,.0f}" for v in load["bare"]["rounds_requests_per_s"])
    )
    a, c = load["sparql"], load["bare"]
    single = report["single_client_cpu_ms_per_request"]
    point = kinds["point"]
    busy_a, busy_c = a["busy_cores"], c["busy_cores"]
    workers = report["servers"]["query_workers"]
    lines += [
        f"  CPU ms per request, server + workers + client: (a) {a['server_main_cpu_ms_per_request']:.3f} + "
        f"{a['server_workers_cpu_ms_per_request']:.3f} + {a['client_cpu_ms_per_request']:.3f} = {_cpu_total(a):.3f}, "
        f"(c) {c['server_main_cpu_ms_per_request']:.3f} + {c['client_cpu_ms_per_request']:.3f} = {_cpu_total(c):.3f}",
        f"  busy cores under load (of {report['machine']['cpus']}): (a) server {busy_a['main']:.2f}, each worker "
        f"{busy_a['workers'] / workers:.2f}, client {busy_a['client']:.2f}; (c) server {busy_c['main']:.2f}, "
        f"client {busy_c['client']:.2f}",
        f"  1 client, point lookup p50: in-process {point['inprocess_p50_ms']:.3f} ms, HTTP floor (c) "
        f"{bare1['p50_ms']:.3f} ms, /sparql {point['single_client_p50_ms']:.3f} ms;",
        f"    CPU ms/request: (a) server {single['sparql']['main']:.3f} + workers {single['sparql']['workers']:.3f}, "
        f"(c) server {single['bare']['main']:.3f}",
    ]
    if "peers" in report:
        lines += peers_table(report)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="generated triples (>= 1M for the goals)")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per load phase")
    parser.add_argument("--clients", type=int, default=8, help="concurrent loopback clients in the load phases")
    parser.add_argument("--rounds", type=int, default=2, help="alternating (a)/(c) point-lookup rounds")
    parser.add_argument("--query-workers", type=int, default=2, help="SMARCO_QUERY_WORKERS for the server")
    parser.add_argument("--no-peers", dest="peers", action="store_false",
                        help="no side-by-side runs with the Oxigraph server and rdflib-endpoint")  # fmt: skip
    parser.add_argument("--no-rdflib", dest="rdflib", action="store_false",
                        help="only the Oxigraph server beside it (rdflib-endpoint parses for minutes)")  # fmt: skip
    parser.add_argument("--peer-rounds", type=int, default=3, help="interleaved wrk rounds per server")
    parser.add_argument("--peer-seconds", type=float, default=5.0, help="seconds per wrk round")
    options_missing = peers.missing()
    if options_missing and "--no-peers" not in sys.argv and "--child" not in sys.argv:
        raise SystemExit(f"the peers are not installed ({', '.join(options_missing)}): run `make peers`, "
                         "or pass --no-peers")  # fmt: skip
    run_benchmark(parser, TASKS, run, table, name="sparql", timeout=900)


if __name__ == "__main__":
    main()
