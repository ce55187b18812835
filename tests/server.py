"""A real smarco-kg server on 127.0.0.1, started as a user would (``smarco-kg serve``), for HTTP tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_server(store: Path, *, timeout: float = 30.0, env: dict[str, str] | None = None) -> Iterator[str]:
    """Start ``smarco-kg serve`` on a free loopback port; yield its base URL; stop it afterwards.

    ``env`` adds to (or overrides) the environment the server inherits, e.g. ``SMARCO_TOKENS_FILE``."""
    port = free_port()
    command = [sys.executable, "-m", "smarco_kg", "serve", "--store", str(store), "--port", str(port)]
    environment = {**os.environ, "SMARCO_LOG_LEVEL": "warning", **(env or {})}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}: {process.stdout.read()}")
            try:
                if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer /health in time")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
