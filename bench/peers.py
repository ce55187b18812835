"""The SPARQL benchmark's peers, and a load client that is not the bottleneck.

The peers serve the same quads as the store under test: the Oxigraph server (``oxigraph serve-read-only
--union-default-graph``, the same engine version as pyoxigraph, loaded with ``oxigraph load``) and rdflib-endpoint
(rdflib's in-memory dataset, union default graph). ``make peers`` installs them into ``.venv-peers``, beside the
project's venv so that they never change its packages, and Debian's ``wrk`` as the load client: a Python client
spends more CPU per request than Oxigraph's server does, and would measure itself.

``wrk`` sends one fixed request per run; the runs of the servers alternate, so that the machine's noise falls on
all of them alike.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parent.parent
PEERS_BIN = ROOT / ".venv-peers" / "bin"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def missing() -> list[str]:
    """What ``make peers`` would install and is not there (empty: the peers can run)."""
    found = [name for name in ("oxigraph", "rdflib-endpoint") if not (PEERS_BIN / name).exists()]
    return found + ([] if shutil.which("wrk") else ["wrk"])


@dataclass
class Endpoint:
    """A SPARQL query endpoint under test: a name, its query URL, and its server process (None: not ours)."""

    name: str
    url: str
    process: subprocess.Popen | None = None

    def get(self, query: str, accept: str, timeout: float = 120.0) -> httpx.Response:
        return httpx.get(self.url, params={"query": query}, headers={"Accept": accept}, timeout=timeout)

    def wait_ready(self, timeout: float, log: Path) -> float:
        """Seconds until the endpoint answers ``ASK {}``; the log's end if the process exits first."""
        started = time.perf_counter()
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.process.returncode}:\n{log.read_text()[-3000:]}")
            try:
                status = self.get("ASK {}", "application/sparql-results+json", timeout=5.0).status_code
            except httpx.TransportError:
                status = None
            if status == 200:
                return time.perf_counter() - started
            if status is not None and status != 503:  # answering, but not as a SPARQL endpoint at this address
                raise SystemExit(f"{self.name} answered {status} at {self.url}")
            if time.perf_counter() - started > timeout:
                raise SystemExit(f"{self.name} did not answer within {timeout:.0f} s")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def oxigraph(quads: Path, location: Path, port: int, log: Path) -> tuple[Endpoint, float]:
    """Load ``quads`` into a new Oxigraph store at ``location`` and serve it read-only; the load's seconds."""
    started = time.perf_counter()
    loaded = subprocess.run(
        [str(PEERS_BIN / "oxigraph"), "load", "--location", str(location), "--file", str(quads)],
        capture_output=True,
        text=True,
        check=False,
    )
    if loaded.returncode != 0:
        raise SystemExit(f"oxigraph load failed:\n{loaded.stdout[-2000:]}\n{loaded.stderr[-2000:]}")
    seconds = time.perf_counter() - started
    command = [str(PEERS_BIN / "oxigraph"), "serve-read-only", "--location", str(location),
               "--bind", f"127.0.0.1:{port}", "--union-default-graph"]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    return Endpoint("Oxigraph server", f"http://127.0.0.1:{port}/query", process), seconds


def rdflib_endpoint(quads: Path, port: int, log: Path) -> Endpoint:
    """rdflib-endpoint over ``quads`` (parsed into memory at start: minutes at a million quads)."""
    command = [str(PEERS_BIN / "rdflib-endpoint"), "serve", str(quads), "--host", "127.0.0.1", "--port", str(port)]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    return Endpoint("rdflib-endpoint", f"http://127.0.0.1:{port}/", process)  # its endpoint is the root


def answer(endpoint: Endpoint, query: str, accept: str) -> object:
    """An endpoint's answer in a form the others' can be compared with: a SELECT's solutions as a sorted list of
    (variable, value) rows, a graph up to the names of its blank nodes (each server names them its own way)."""
    response = endpoint.get(query, accept)
    response.raise_for_status()
    if accept == "application/sparql-results+json":
        rows = response.json()["results"]["bindings"]
        return sorted(
            tuple(sorted((name, term["value"], term.get("datatype", ""), term.get("xml:lang", ""))
                         for name, term in row.items()))
            for row in rows
        )  # fmt: skip
    from rdflib import Graph
    from rdflib.compare import to_isomorphic

    return to_isomorphic(Graph().parse(data=response.text, format=response.headers["content-type"].split(";")[0]))


def wrk(endpoint: Endpoint, query: str, accept: str, *, connections: int, threads: int, seconds: float) -> dict:
    """One ``wrk`` run of one GET: requests per second, latency percentiles (ms), and the errors it saw."""
    url = f"{endpoint.url}?{urlencode({'query': query})}"
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
               "-H", f"Accept: {accept}", url]  # fmt: skip
    run = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if run.returncode != 0:
        raise SystemExit(f"wrk failed on {endpoint.name}:\n{run.stdout}\n{run.stderr}")
    return parse_wrk(run.stdout)


def parse_wrk(text: str) -> dict:
    """The figures of ``wrk --latency``'s report."""
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", text)
    if rate is None or total is None:
        raise SystemExit(f"wrk's report was not understood:\n{text}")
    latency = {f"p{p}_ms": _ms(v, u) for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(\w+)", text, re.MULTILINE)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    return {
        "requests_per_s": float(rate.group(1)),
        "requests": int(total.group(1)),
        **latency,
        "errors": (int(bad.group(1)) if bad else 0) + (sum(int(n) for n in sockets.groups()) if sockets else 0),
    }


def _ms(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def load_rounds(
    endpoints: list[Endpoint], query: str, accept: str, *, connections: int, rounds: int, seconds: float
) -> dict[str, dict]:
    """``rounds`` interleaved ``wrk`` runs per endpoint; per endpoint the summed rate and each round's figures."""
    runs: dict[str, list[dict]] = {e.name: [] for e in endpoints}
    threads = min(2, connections)
    for _ in range(rounds):
        for endpoint in endpoints:
            runs[endpoint.name].append(
                wrk(endpoint, query, accept, connections=connections, threads=threads, seconds=seconds)
            )
    return {
        name: {
            "requests_per_s": sum(r["requests_per_s"] for r in mine) / len(mine),
            "rounds": mine,
            "p50_ms": sorted(r["p50_ms"] for r in mine)[len(mine) // 2],
            "p99_ms": sorted(r["p99_ms"] for r in mine)[len(mine) // 2],
            "errors": sum(r["errors"] for r in mine),
        }
        for name, mine in runs.items()
    }


def same_answers(endpoints: list[Endpoint], queries: dict[str, tuple[str, str]]) -> dict[str, dict[str, bool]]:
    """For each query (name → text, Accept), whether each endpoint answers as the first one does."""
    result: dict[str, dict[str, bool]] = {}
    for name, (query, accept) in queries.items():
        first = answer(endpoints[0], query, accept)
        result[name] = {e.name: answer(e, query, accept) == first for e in endpoints[1:]}
    return result


if __name__ == "__main__":  # a check of the installation: what is missing, as JSON
    print(json.dumps({"missing": missing()}))
