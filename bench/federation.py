"""Federated course search over three nodes: concurrency, not sequence, and what a dead node costs.

One run makes a demo store (``smarco-kg init --esco subset``), copies it for nodes A, B and C (and A' below),
starts ``smarco-kg serve`` for each on free loopback ports, and with one keep-alive client times:

  single    ``GET /api/courses?limit=N`` on A, B and C directly (each node's own answer time)
  federated ``GET /api/federation/courses?limit=N`` on A, configured with B and C (A asks itself, B and C)
  slow      the same on A', configured with B, C and a node that accepts connections but never answers
            (timeout 1 s)

Goals (from the issue): federated p50 <= 1.5 x the slowest single node's p50; a dead node costs at most its
configured timeout. JSON to bench/out/federation.json.

    .venv/bin/python bench/federation.py [--requests 60] [--limit 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from foundation import run_benchmark, say
from sparql import Server, free_port

GOAL_RATIO, SLOW_TIMEOUT = 1.5, 1.0


def _silent_listener() -> tuple[socket.socket, int]:
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return listener, listener.getsockname()[1]


def _time(client: object, url: str, requests: int) -> dict:
    for _ in range(3):
        client.get(url)  # type: ignore[attr-defined]
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} -> {response.status_code}: {response.text[:300]}")
    samples.sort()
    return {
        "requests": requests,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(0.95 * (requests - 1))], 2),
    }


def run(options: argparse.Namespace) -> dict:
    import httpx

    work = Path(tempfile.mkdtemp(prefix="smarco-bench-federation-", dir=options.workdir))
    servers: list[Server] = []
    listener = None
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMARCO_")}
        env.update(SMARCO_LOG_LEVEL="warning")
        say("making the demo store and three copies")
        subprocess.run([sys.executable, "-m", "smarco_kg", "init", "--esco", "subset", "--store", str(work / "a")],
                       env=env, check=True, capture_output=True)  # fmt: skip
        for name in ("b", "c", "a2"):
            shutil.copytree(work / "a", work / name)
        ports = {name: free_port() for name in ("b", "c", "a", "a2")}
        listener, slow_port = _silent_listener()

        def start(name: str, nodes: list[dict]) -> Server:
            extra = {"SMARCO_FEDERATION_NODES": json.dumps(nodes)} if nodes else {}
            command = [
                sys.executable,
                "-m",
                "smarco_kg",
                "serve",
                "--store",
                str(work / name),
                "--port",
                str(ports[name]),
            ]
            server = Server(f"node {name}", command, ports[name], work / f"{name}.log", {**env, **extra})
            servers.append(server)
            server.wait_ready(120)
            return server

        partners = [
            {"name": "node-b", "endpoint": f"http://127.0.0.1:{ports['b']}/sparql", "timeout": 10},
            {"name": "node-c", "endpoint": f"http://127.0.0.1:{ports['c']}/sparql", "timeout": 10},
        ]
        start("b", [])
        start("c", [])
        start("a", partners)
        slow = {"name": "slow", "endpoint": f"http://127.0.0.1:{slow_port}/sparql", "timeout": SLOW_TIMEOUT}
        start("a2", [*partners, slow])
        say("servers ready")
        results: dict[str, dict] = {}
        with httpx.Client(timeout=60.0) as client:
            for name in ("a", "b", "c"):
                results[f"single {name}"] = _time(
                    client, f"http://127.0.0.1:{ports[name]}/api/courses?limit={options.limit}", options.requests
                )
            results["federated (A, B, C)"] = _time(
                client, f"http://127.0.0.1:{ports['a']}/api/federation/courses?limit={options.limit}", options.requests
            )
            results["federated + a silent node"] = _time(
                client,
                f"http://127.0.0.1:{ports['a2']}/api/federation/courses?limit={options.limit}",
                max(10, options.requests // 6),
            )
            sample = client.get(f"http://127.0.0.1:{ports['a']}/api/federation/courses?limit={options.limit}").json()
        for name, r in results.items():
            say(f"{name}: p50 {r['p50_ms']} ms")
    finally:
        for server in servers:
            server.stop()
        if listener is not None:
            listener.close()
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    slowest = max(results[f"single {n}"]["p50_ms"] for n in "abc")
    ratio = results["federated (A, B, C)"]["p50_ms"] / slowest
    silent_cost = results["federated + a silent node"]["p50_ms"] / 1000
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "loadavg_at_end": os.getloadavg()},
        "requests": results,
        "items_merged": len(sample["items"]),
        "limit": options.limit,
        "goals": {
            "federated_over_slowest_single": {"goal": GOAL_RATIO, "value": round(ratio, 2), "met": ratio <= GOAL_RATIO},
            "silent_node_seconds": {
                "goal": SLOW_TIMEOUT,
                "value": round(silent_cost, 3),
                "met": silent_cost <= SLOW_TIMEOUT + 0.25,
            },
        },
    }


def table(report: dict) -> str:
    lines = [
        f"federated answer: {report['items_merged']} items from 3 nodes",
        "",
        f"{'1 client, ms':<30}{'p50':>9}{'p95':>9}",
    ]
    for name, r in report["requests"].items():
        lines.append(f"  {name:<28}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")
    lines.append("")
    for name, g in report["goals"].items():
        slack = " + 0.25 s" if "silent" in name else ""
        lines.append(f"  {name:<30}{g['value']:>8} (goal <= {g['goal']:g}{slack})  {'ok' if g['met'] else 'MISS'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--limit", type=int, default=20, help="page size asked of every node (the API's default)")
    run_benchmark(parser, {}, run, table, name="federation", timeout=900)


if __name__ == "__main__":
    main()
