"""Large bodies: the server's resident memory before, during and after a 200 MB body it refuses and a 200 MB admin
load it takes, measured on a real ``smarco-kg serve`` over a fresh demo store (``/proc/<pid>/status``).

    .venv/bin/python bench/bodies.py [--megabytes 200] [--out bench/out/bodies.json]

The refused bodies: a ``POST /sparql`` without a token whose ``Content-Length`` says 200 MB (refused from the
headers), the same sent chunked (refused once the count passes the limit), and a ``POST /api/credentials/verify``.
The load: ``PUT /store?graph=…`` with an admin token, N-Triples of 1 MiB literals (few triples, so that the
figure is the body's cost rather than validation's). Then the same file by ``smarco-kg load`` while the server
runs: found beside the store (the server reads the file from its path), and sent with ``--server URL --token``
(a multipart body streamed to disk); the status column is the command's exit code, and the command's own peak
is reported too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIB = 1 << 20


def rss(pid: int) -> int:
    """The resident memory of ``pid``; 0 once it has ended (a zombie has none)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) << 10
    return 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Peak:
    """The highest RSS of ``pid`` while the block runs, sampled every 20 ms."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()

    def __enter__(self) -> Peak:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss(self.pid))
            time.sleep(0.02)


def exchange(port: int, head: bytes, body: Iterator[bytes]) -> tuple[int, float]:
    """Send ``head`` then ``body`` until the server answers; the status and the seconds to the answer."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        answer = b""
        for piece in body:
            try:
                answer += sock.recv(65536)
                break
            except BlockingIOError:
                pass
            try:
                sock.setblocking(True)
                sock.sendall(piece)
                sock.setblocking(False)
            except (BrokenPipeError, ConnectionResetError):
                break
        sock.setblocking(True)
        sock.settimeout(600)
        while b"\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split()[1]), time.monotonic() - started


def run(megabytes: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="smarco-bench-bodies-"))
    store, tokens = work / "store", work / "tokens.json"
    env = {**os.environ, "SMARCO_LOG_LEVEL": "warning", "SMARCO_TOKENS_FILE": str(tokens)}
    cli = [sys.executable, "-m", "smarco_kg"]
    subprocess.run([*cli, "init", "--store", str(store)], env=env, check=True, capture_output=True)
    created = subprocess.run(
        [*cli, "token", "create", "--admin", "--label", "bench"], env=env, check=True, capture_output=True, text=True
    )
    token = next(w for w in created.stdout.split() if w.startswith("smarco_"))
    port = free_port()
    server = subprocess.Popen([*cli, "serve", "--store", str(store), "--port", str(port)], env=env)
    try:
        _wait(port)
        results: dict = {"idle_mib": rss(server.pid) / MIB}
        size = megabytes * MIB
        piece = b"x" * MIB

        def measure(name: str, send: Callable[[], tuple[int, float]]) -> None:
            with Peak(server.pid) as peak:
                status, seconds = send()
            time.sleep(2)
            results[name] = {
                "status": status,
                "seconds": round(seconds, 3),
                "peak_mib": round(peak.peak / MIB),
                "after_mib": round(rss(server.pid) / MIB),
            }
            print(name, results[name], flush=True)

        def pieces(count: int, chunked: bool = False) -> Iterator[bytes]:
            for _ in range(count):
                yield b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece

        update = f"Content-Type: application/sparql-update\r\nContent-Length: {size}\r\n\r\n"
        measure("sparql_no_token", lambda: exchange(port, _head("POST", "/sparql", update), pieces(megabytes)))
        chunked = "Content-Type: application/sparql-update\r\nTransfer-Encoding: chunked\r\n\r\n"
        measure(
            "sparql_no_token_chunked",
            lambda: exchange(port, _head("POST", "/sparql", chunked), pieces(megabytes, True)),
        )
        verify = f"Content-Type: application/json\r\nContent-Length: {size}\r\n\r\n"
        measure(
            "verify_no_token",
            lambda: exchange(port, _head("POST", "/api/credentials/verify", verify), pieces(megabytes)),
        )

        def triples() -> Iterator[bytes]:
            literal = b"x" * (MIB - 64)
            for i in range(megabytes):
                yield b'<urn:bench:s%d> <urn:bench:p> "%s" .\n' % (i, literal)

        load_size = sum(len(t) for t in triples())
        auth = f"Authorization: Bearer {token}\r\n"
        load = f"{auth}Content-Type: application/n-triples\r\nContent-Length: {load_size}\r\n\r\n"
        measure("admin_put_store", lambda: exchange(port, _head("PUT", "/store?graph=urn:bench:g", load), triples()))

        data = work / "load.nt"
        with data.open("wb") as handle:
            for triple in triples():
                handle.write(triple)

        def command(graph: str, *extra: str) -> Callable[[], tuple[int, float]]:
            """``smarco-kg load`` of the same N-Triples while the server runs; the command's own peak too."""

            def send() -> tuple[int, float]:
                started = time.monotonic()
                args = [*cli, "load", str(data), "--graph", graph, "--store", str(store), *extra]
                process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with Peak(process.pid) as own:
                    process.wait()
                results[f"command_peak_mib {graph}"] = round(own.peak / MIB)
                return process.returncode, time.monotonic() - started

            return send

        measure("cli_load_by_path", command("urn:bench:g2"))
        measure("cli_load_streamed", command("urn:bench:g3", "--server", f"http://127.0.0.1:{port}", "--token", token))
        return results
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(work, ignore_errors=True)


def _head(method: str, path: str, rest: str) -> bytes:
    return f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{rest}".encode()


def _wait(port: int) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                if sock.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "bodies.json")
    args = parser.parse_args()
    results = run(args.megabytes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
