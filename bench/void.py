"""Dataset description and health benchmark: ``/.well-known/void`` and ``/health`` after a start and after a write.

One run makes a store as ``smarco-kg init --esco full`` does (the full English ESCO export, ~545k triples; or uses
``--store``, an initialised store it copies first), starts ``smarco-kg serve`` on a free loopback port and times:

  start       the first void after a start with nothing kept (no figures, no dumps), then --calls more;
              whether the dumps existed when it answered, and when the dumps became current
  write       an admin SPARQL Update, then the first void after it, --calls more, and when the description's
              figures and the dumps show the write (the description's dates say so)
  restart     the first void after a restart with nothing changed (the figures kept beside the store)
  health      --calls GET /health (liveness, from memory) and 20 GET /health/store (reads the store)

    .venv/bin/python bench/void.py [--store DIR] [--calls 200] [--workdir DIR]

The goals (void <= 50 ms always, health < 5 ms) are checked on the p50 and the first call and printed; the JSON goes
to bench/out/void.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sparql import VOID_DOC, Server, currency, free_port, until_current

GOALS = {"void_ms": 50.0, "health_ms": 5.0}


def say(message: str) -> None:
    print(message, flush=True)


def timed(client: httpx.Client, url: str, **options: object) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url, **options)  # type: ignore[arg-type]
    return (time.perf_counter() - started) * 1000, response


def figures(latencies: list[float]) -> dict:
    ordered = sorted(latencies)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        "max_ms": round(ordered[-1], 2),
    }


def voids(client: httpx.Client, url: str, calls: int) -> tuple[float, list[float], str]:
    """The first call's latency, the others', and the first body."""
    first, response = timed(client, url + VOID_DOC, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text[:500]
    rest = []
    for _ in range(calls):
        ms, again = timed(client, url + VOID_DOC, headers={"Accept": "text/turtle"})
        assert again.status_code == 200
        rest.append(ms)
    return first, rest, response.text


def serve(store: Path, tokens: Path, work: Path, name: str) -> Server:
    env = {**os.environ, "SMARCO_STORE": str(store), "SMARCO_TOKENS_FILE": str(tokens), "SMARCO_LOG_LEVEL": "info"}
    port = free_port()
    command = [sys.executable, "-m", "smarco_kg", "serve", "--port", str(port)]
    server = Server(name, command, port, work / f"{name}.log", env)
    server.wait_ready(600)
    return server


def run(options: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="smarco-bench-void-", dir=options.workdir))
    say(f"working in {work}")
    store = work / "store"
    try:
        if options.store:
            from smarco_kg.store import open_store

            with open_store(Path(options.store), create=False) as source:
                source.snapshot(store)
        else:
            init = [sys.executable, "-m", "smarco_kg", "init", "--esco", "full", "--store", str(store)]
            subprocess.run(init, check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(work / "store.dumps", ignore_errors=True)  # nothing kept: the first start reads everything
        from smarco_kg.auth import TokenStore

        tokens = TokenStore(work / "tokens.json")
        admin, _ = tokens.create(partner=None, admin=True, label="bench")
        report: dict = {"calls": options.calls}
        with httpx.Client(timeout=120) as client:
            server = serve(store, tokens.path, work, "first-start")
            try:
                dumps_before = (work / "store.dumps" / "smarco.nq.gz").exists()
                first, rest, body = voids(client, server.url, options.calls)
                report["start"] = {
                    "first_ms": round(first, 2),
                    "steady": figures(rest),
                    "dumps_existed_at_first_call": dumps_before,
                    "current_at_first_call": currency(body, server.url),
                    "until_current_s": until_current(client, server.url, options.timeout),
                }
                say(f"start: {report['start']}")
                update = "INSERT DATA { GRAPH <https://w3id.org/smarco/graph/bench> { <urn:bench:x> <urn:bench:p> 1 } }"
                written = client.post(
                    server.url + "/sparql",
                    content=update.encode(),
                    headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/sparql-update"},
                )
                assert written.status_code == 204, written.text[:500]
                first, rest, body = voids(client, server.url, options.calls)
                report["write"] = {
                    "first_ms": round(first, 2),
                    "steady": figures(rest),
                    "current_at_first_call": currency(body, server.url),
                    "until_current_s": until_current(client, server.url, options.timeout),
                }
                say(f"write: {report['write']}")
                health = [timed(client, server.url + "/health")[0] for _ in range(options.calls)]
                deep = [timed(client, server.url + "/health/store")[0] for _ in range(20)]
                report["health"] = {"liveness": figures(health), "store": figures(deep)}
                say(f"health: {report['health']}")
            finally:
                server.stop()
            server = serve(store, tokens.path, work, "restart")
            try:
                first, rest, body = voids(client, server.url, options.calls)
                report["restart"] = {
                    "first_ms": round(first, 2),
                    "steady": figures(rest),
                    "current_at_first_call": currency(body, server.url),
                }
                say(f"restart: {report['restart']}")
            finally:
                server.stop()
        return report
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)


def verdict(report: dict) -> list[str]:
    lines = []
    for phase in ("start", "write", "restart"):
        first, steady = report[phase]["first_ms"], report[phase]["steady"]
        ok = "ok" if max(first, steady["p50_ms"]) <= GOALS["void_ms"] else "MISS"
        lines.append(
            f"void after {phase:<8} first {first:8.1f} ms  p50 {steady['p50_ms']:6.1f}  p95 {steady['p95_ms']:6.1f}"
            f"  goal <= {GOALS['void_ms']:.0f} ms  {ok}"
        )
    liveness = report["health"]["liveness"]
    ok = "ok" if liveness["p50_ms"] < GOALS["health_ms"] else "MISS"
    lines.append(f"/health        p50 {liveness['p50_ms']:6.2f} ms  p95 {liveness['p95_ms']:6.2f}  goal < 5 ms  {ok}")
    deep = report["health"]["store"]
    lines.append(f"/health/store  p50 {deep['p50_ms']:6.1f} ms  (reads the store; not a goal)")
    for phase in ("start", "write"):
        lines.append(f"current after {phase}: {report[phase]['until_current_s']} s")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", help="an initialised store to copy (default: make one with init --esco full)")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for current dumps")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "void.json"))
    options = parser.parse_args()
    report = run(options)
    lines = verdict(report)
    for line in lines:
        say(line)
    out = Path(options.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**report, "verdict": lines}, indent=2))


if __name__ == "__main__":
    main()
