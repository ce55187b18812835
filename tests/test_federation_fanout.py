"""Fan-out over real nodes on loopback: three smarco-kg servers with their own stores and data, a node answering
garbage and one never answering; the federated course search and a named query merge what answers, tag it with
its node, and report the rest within the deadline."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from smarco_kg.store import GraphStore
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem
from tests.test_federation_service import Listener

BASE = "https://w3id.org/smarco/"
ONLY_ON_C = f"{BASE}course/only-on-node-c"


class _Garbage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<html>not what you asked for</html>"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def _seed_c(store: GraphStore) -> None:
    store.update(
        f"""PREFIX elm: <http://data.europa.eu/snb/model/elm/> PREFIX dct: <http://purl.org/dc/terms/>
INSERT DATA {{ GRAPH <{BASE}graph/partner/cefriel> {{
  <{ONLY_ON_C}> a elm:LearningOpportunity ; dct:title "A course only node C offers"@en ;
    elm:providedBy <{BASE}organisation/cefriel> . }} }}"""
    )


@pytest.fixture(scope="module")
def nodes(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("fanout")
    for name in "abc":
        Path(root, name).mkdir()
    garbage = ThreadingHTTPServer(("127.0.0.1", 0), _Garbage)
    threading.Thread(target=garbage.serve_forever, daemon=True).start()
    slow = Listener()
    with (
        live_server(_demo_template, Path(root, "b"), partner="cefriel") as b,
        live_server(_demo_template, Path(root, "c"), partner="cefriel", seed=_seed_c) as c,
    ):
        federation = [
            {"name": "node-b", "endpoint": f"{b.url}/sparql", "timeout": 10},
            {"name": "node-c", "endpoint": f"{c.url}/sparql", "timeout": 10},
            {"name": "garbage", "endpoint": f"http://127.0.0.1:{garbage.server_port}/sparql", "timeout": 5},
            {"name": "slow", "endpoint": slow.url, "timeout": 1},
        ]
        env = {"SMARCO_FEDERATION_NODES": json.dumps(federation)}
        with live_server(_demo_template, Path(root, "a"), partner="cefriel", env=env) as a:
            yield {"a": a, "b": b, "c": c}
    garbage.shutdown()
    slow.close()


def get(node: LiveServer, path: str, **params: object):  # -> httpx.Response
    return node.client.get(f"{node.url}{path}", params=params)


def test_a_federated_course_search_merges_tags_and_reports(nodes: dict) -> None:
    started = time.perf_counter()
    response = get(nodes["a"], "/api/federation/courses", limit=100)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, describe(response)
    body = response.json()
    status = {n["node"]: n["status"] for n in body["nodes"]}
    assert status == {"this node": "ok", "node-b": "ok", "node-c": "ok", "garbage": "failed", "slow": "timeout"}
    assert body["partial"] is True
    by_node: dict[str, set[str]] = {}
    for item in body["items"]:
        by_node.setdefault(item["node"], set()).add(item["id"])
    own = {i["id"] for i in get(nodes["a"], "/api/courses", limit=100).json()["items"]}
    assert by_node["this node"] == by_node["node-b"] == own and ONLY_ON_C in by_node["node-c"]
    assert ONLY_ON_C not in by_node["this node"]
    assert elapsed < 4, "the slow node costs at most its 1 s timeout, not the whole deadline"


def test_filters_travel_to_every_node(nodes: dict) -> None:
    body = get(nodes["a"], "/api/federation/courses", country="ITA", limit=100).json()
    local = {i["id"] for i in get(nodes["a"], "/api/courses", country="ITA", limit=100).json()["items"]}
    assert local and {i["id"] for i in body["items"] if i["node"] == "node-b"} == local


def test_the_deadline_bounds_the_whole_request(nodes: dict) -> None:
    started = time.perf_counter()
    body = get(nodes["a"], "/api/federation/courses", deadline=0.5).json()
    assert time.perf_counter() - started < 2.5
    assert {n["node"]: n["status"] for n in body["nodes"]}["slow"] == "timeout"
    problem(get(nodes["a"], "/api/federation/courses", deadline=99), 422)


def test_a_named_query_runs_on_every_node_that_has_it(nodes: dict) -> None:
    skill = "http://data.europa.eu/esco/skill/11430d93-c835-48ed-8e70-285fa69c9ae6"
    body = get(nodes["a"], "/api/federation/queries/courses-per-skill", skill=skill).json()
    assert {n["node"]: n["status"] for n in body["nodes"]}["node-b"] == "ok"
    assert "node" in body["head"]["vars"]
    per_node: dict[str, int] = {}
    for row in body["results"]["bindings"]:
        per_node[row["node"]["value"]] = per_node.get(row["node"]["value"], 0) + 1
    assert per_node["this node"] == per_node["node-b"] == per_node["node-c"] > 0
    problem(get(nodes["a"], "/api/federation/queries/no-such-query"), 404)


def test_three_nodes_search_and_service_then_one_stops(
    _demo_template: Template, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Three nodes with their own stores: a federated search and a SERVICE query across the other two, then node
    C stops and the same requests answer within the deadline with C reported (partial results)."""
    from contextlib import ExitStack

    root = tmp_path_factory.mktemp("three")
    for name in "abc":
        Path(root, name).mkdir()
    with ExitStack() as stack:
        b = stack.enter_context(live_server(_demo_template, Path(root, "b"), partner="cefriel"))
        c_stack = ExitStack()
        c = c_stack.enter_context(live_server(_demo_template, Path(root, "c"), partner="cefriel", seed=_seed_c))
        federation = [
            {"name": "node-b", "endpoint": f"{b.url}/sparql", "timeout": 5},
            {"name": "node-c", "endpoint": f"{c.url}/sparql", "timeout": 2},
        ]
        env = {"SMARCO_FEDERATION_NODES": json.dumps(federation)}
        a = stack.enter_context(live_server(_demo_template, Path(root, "a"), partner="cefriel", env=env))
        service = (
            "PREFIX elm: <http://data.europa.eu/snb/model/elm/> SELECT ?c WHERE { "
            f"{{ SERVICE SILENT <{b.url}/sparql> {{ ?c a elm:LearningOpportunity }} }} UNION "
            f"{{ SERVICE SILENT <{c.url}/sparql> {{ ?c a elm:LearningOpportunity }} }} }}"
        )

        def ask_service():  # -> httpx.Response
            return a.client.post(
                f"{a.url}/sparql",
                content=service.encode(),
                headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
            )

        everyone = get(a, "/api/federation/courses", limit=100).json()
        assert not everyone["partial"] and {n["node"] for n in everyone["nodes"]} == {"this node", "node-b", "node-c"}
        ids = [r["c"]["value"] for r in ask_service().json()["results"]["bindings"]]
        assert ids.count(ONLY_ON_C) == 1 and len(ids) == 36 + 37

        c_stack.close()  # node C stops
        started = time.perf_counter()
        partial = get(a, "/api/federation/courses", limit=100, deadline=3).json()
        assert time.perf_counter() - started < 3.5
        assert partial["partial"] and {n["node"]: n["status"] for n in partial["nodes"]}["node-c"] != "ok"
        assert {i["node"] for i in partial["items"]} == {"this node", "node-b"}
        response = ask_service()
        assert response.status_code == 200, describe(response)
        bindings = response.json()["results"]["bindings"]
        # SPARQL 1.1 Federated Query: a failed SERVICE SILENT is one solution with no bindings, so its branch adds {}
        assert len([r for r in bindings if r]) == 36 and bindings.count({}) == 1
        assert "node-c" in response.headers["x-federation-partial"]
