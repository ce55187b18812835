"""SPARQL ``SERVICE`` between real nodes on loopback: allow-listed nodes answer, anything else is refused before a
request is sent (a listener proves it receives nothing), ``SILENT`` gives partial results within the node's
timeout."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.federation import ServiceRefused, service_calls
from tests.backends import Template
from tests.processes import free_port
from tests.server import LiveServer, describe, live_server, problem

PREFIX = "PREFIX elm: <http://data.europa.eu/snb/model/elm/> PREFIX dct: <http://purl.org/dc/terms/> "
RESULTS = "application/sparql-results+json"


class Listener:
    """A loopback socket that records every connection; it answers nothing (a silent, slow node)."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.connections = 0
        self.open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.connections += 1
            self.open.append(connection)  # held open: the client waits until its own timeout

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def close(self) -> None:
        for connection in self.open:
            connection.close()
        self.socket.close()


@pytest.fixture(scope="module")
def nodes(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("federation")
    stranger, slow = Listener(), Listener()
    dead = f"http://127.0.0.1:{free_port()}/sparql"
    Path(root, "a").mkdir()
    Path(root, "b").mkdir()
    with live_server(_demo_template, Path(root, "b"), partner="cefriel") as b:
        federation = [
            {"name": "node-b", "endpoint": f"{b.url}/sparql", "timeout": 5},
            {"name": "dead", "endpoint": dead, "timeout": 1},
            {"name": "slow", "endpoint": slow.url, "timeout": 1},
        ]
        env = {"SMARCO_FEDERATION_NODES": json.dumps(federation)}
        with live_server(_demo_template, Path(root, "a"), partner="cefriel", env=env) as a:
            yield {"a": a, "b": b, "dead": dead, "slow": slow, "stranger": stranger}
    stranger.close()
    slow.close()


def ask(node: LiveServer, query: str):  # -> httpx.Response
    return node.client.post(
        f"{node.url}/sparql",
        content=(PREFIX + query).encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": RESULTS},
    )


def rows(response) -> list[dict]:
    assert response.status_code == 200, describe(response)
    return response.json()["results"]["bindings"]


def test_an_allowed_node_answers_its_part_of_the_query(nodes: dict) -> None:
    a, b = nodes["a"], nodes["b"]
    remote = rows(ask(a, f"SELECT ?c WHERE {{ SERVICE <{b.url}/sparql> {{ ?c a elm:LearningOpportunity }} }}"))
    assert len(remote) == len(rows(ask(b, "SELECT ?c WHERE { ?c a elm:LearningOpportunity }"))) > 0
    joined = rows(
        ask(
            a,
            f"SELECT ?c ?title ?there WHERE {{ ?c dct:title ?title FILTER(LANG(?title) = 'en') "
            f"SERVICE <{b.url}/sparql> {{ ?c dct:title ?there FILTER(LANG(?there) = 'it') }} }}",
        )
    )
    assert joined and all(r["title"]["xml:lang"] == "en" and r["there"]["xml:lang"] == "it" for r in joined)


@pytest.mark.parametrize(("pattern", "expected"), [("elm:LearningOpportunity", 36), ("elm:Nothing", 0)])
def test_a_service_group_without_variables_joins_as_yes_or_no(nodes: dict, pattern: str, expected: int) -> None:
    """The node's answer binds no variable: one empty solution (the identity) or none."""
    a, b = nodes["a"], nodes["b"]
    group = f"<https://w3id.org/smarco/course/solar-pv-installation> a {pattern}"
    query = f"SELECT ?c WHERE {{ ?c a elm:LearningOpportunity SERVICE <{b.url}/sparql> {{ {group} }} }}"
    assert len(rows(ask(a, query))) == expected


@pytest.mark.parametrize("target", ["stranger", "variable"])
def test_any_other_endpoint_is_refused_before_anything_is_sent(nodes: dict, target: str) -> None:
    stranger = nodes["stranger"]
    iri = f"<{stranger.url}>" if target == "stranger" else "?endpoint"
    body = problem(ask(nodes["a"], f"SELECT * WHERE {{ SERVICE {iri} {{ ?s ?p ?o }} }}"), 400)
    assert "federation" in body["detail"]
    time.sleep(0.3)
    assert stranger.connections == 0


def test_silent_gives_partial_results_when_a_node_is_down(nodes: dict) -> None:
    started = time.perf_counter()
    response = ask(
        nodes["a"],
        f"SELECT ?c WHERE {{ ?c a elm:LearningOpportunity SERVICE SILENT <{nodes['dead']}> {{ ?c dct:title ?t }} }}",
    )
    assert len(rows(response)) == 36 and "dead" in response.headers["x-federation-partial"]
    assert time.perf_counter() - started < 3


def test_a_slow_node_costs_at_most_its_timeout(nodes: dict) -> None:
    started = time.perf_counter()
    response = ask(
        nodes["a"],
        f"SELECT ?c WHERE {{ ?c a elm:LearningOpportunity SERVICE SILENT <{nodes['slow'].url}> {{ ?c ?p ?o }} }}",
    )
    elapsed = time.perf_counter() - started
    assert len(rows(response)) == 36 and "slow" in response.headers["x-federation-partial"]
    assert nodes["slow"].connections >= 1 and 0.9 < elapsed < 2.5


def test_without_silent_a_failing_node_fails_the_query(nodes: dict) -> None:
    body = problem(ask(nodes["a"], f"SELECT * WHERE {{ SERVICE <{nodes['dead']}> {{ ?s ?p ?o }} }}"), 502)
    assert "dead" in body["detail"]


def test_service_clauses_are_found_outside_strings_and_comments() -> None:
    text = (
        'SELECT * WHERE { ?s ?p "SERVICE <x> {}" # SERVICE <y> { }\n'
        " SERVICE SILENT <http://n/sparql> { ?s ?p ?o { ?a ?b ?c } } }"
    )
    [call] = service_calls(text)
    assert call.target == "<http://n/sparql>" and call.silent and call.group == "{ ?s ?p ?o { ?a ?b ?c } }"
    with pytest.raises(ServiceRefused):
        service_calls("SELECT * WHERE { SERVICE <http://n/sparql> ?s }")
