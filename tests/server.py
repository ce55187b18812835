"""A real smarco-kg server on 127.0.0.1, started as a user would (``smarco-kg serve``), for HTTP tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from smarco_kg.auth import TokenStore
from smarco_kg.config import Settings
from smarco_kg.errors import PROBLEM_TYPES
from smarco_kg.store import GraphStore, store_for
from tests.backends import Template, settings_env
from tests.processes import free_port, stop


@contextmanager
def running_server(
    store: Path | Settings, *, timeout: float = 120.0, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start ``smarco-kg serve`` on a free loopback port over ``store`` (a directory, or settings naming any
    store); yield its base URL; stop it afterwards.

    ``env`` adds to (or overrides) the environment the server inherits, e.g. ``SMARCO_TOKENS_FILE``. ``timeout``:
    a start-up takes about 3 s of CPU on the demo store, but on two cores shared with the rest of the suite (its
    browsers, Virtuoso servers and schemathesis runs) one has taken more than 30 s."""
    port = free_port()
    named = settings_env(store) if isinstance(store, Settings) else {"SMARCO_STORE": str(store)}
    command = [sys.executable, "-m", "smarco_kg", "serve", "--port", str(port)]
    # PYTHONFAULTHANDLER: a server that does not answer in time is stopped with SIGABRT, which prints every
    # thread's stack: the error then says where start-up was
    environment = {**os.environ, "SMARCO_LOG_LEVEL": "warning", "PYTHONFAULTHANDLER": "1", **named, **(env or {})}
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
                process.send_signal(signal.SIGABRT)
                output, _ = process.communicate(timeout=30)
                raise RuntimeError(f"no answer to /health in {timeout:.0f} s; the server was at:\n{output[-6000:]}")
            time.sleep(0.1)
        yield url
    finally:
        stop(process, 10)


PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class LiveServer:
    """A running server over a private store, with an admin token and one partner's token."""

    url: str
    admin: str
    partner: str
    tokens: TokenStore
    client: httpx.Client
    settings: Settings  # the store the server runs on

    @property
    def sparql(self) -> str:
        return f"{self.url}/sparql"

    @property
    def store(self) -> str:
        return f"{self.url}/store"

    def select(self, query: str) -> list[dict[str, str]]:
        """The solutions of a SELECT sent to ``/sparql``, each variable's value as text."""
        response = self.client.post(
            self.sparql,
            content=query.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200, describe(response)
        return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]

    def update(self, sparql: str, token: str | None = None) -> httpx.Response:
        """A SPARQL Update POSTed to ``/sparql`` with a bearer token (the partner's by default)."""
        return self.client.post(
            self.sparql,
            content=sparql.encode(),
            headers={**self.auth(token or self.partner), "Content-Type": "application/sparql-update"},
        )

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.admin}"}


@contextmanager
def live_server(
    template: Template,
    root: Path,
    *,
    partner: str,
    seed: Callable[[GraphStore], None] | None = None,
    env: dict[str, str] | None = None,
    private_server: bool = False,
) -> Iterator[LiveServer]:
    """Provision a private store from ``template`` under ``root``, let ``seed`` add data, create the tokens,
    start a server on it. ``private_server``: on Virtuoso, a server of the module's own (``Template.provision``)."""
    with template.provision(root / "store", private_server=private_server) as settings:
        if seed is not None:
            with store_for(settings) as seeded:
                seed(seeded)
        tokens = TokenStore(root / "tokens.json")
        admin, _ = tokens.create(partner=None, admin=True, label="tests")
        partner_token, _ = tokens.create(partner=partner, label="tests")
        environment = {"SMARCO_TOKENS_FILE": str(tokens.path), **(env or {})}
        with (
            running_server(settings, env=environment) as url,
            httpx.Client(timeout=60.0, follow_redirects=True) as client,
        ):
            yield LiveServer(url, admin, partner_token, tokens, client, settings)


def describe(response: httpx.Response) -> str:
    """The exchange, for assertion messages."""
    request = response.request
    return f"{request.method} {request.url} -> {response.status_code} {response.text[:800]!r}"


def problem(response: httpx.Response, status: int) -> dict:
    """The RFC 9457 problem document of an error answer with this status."""
    assert response.status_code == status, describe(response)
    assert response.headers["content-type"].startswith(PROBLEM), describe(response)
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    assert body["type"].startswith(PROBLEM_TYPES) and isinstance(body["errors"], list), body  # the same members, always
    return body
