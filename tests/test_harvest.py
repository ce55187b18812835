"""The change feed and harvesting between real nodes: node B serves the demo catalogue on loopback; node A (a
store without courses) harvests it twice, and the second run copies only the change made on B in between;
a course deleted on B disappears from A; a run with nothing new changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smarco_kg.config import Settings
from smarco_kg.store import store_for
from tests.backends import Template, store_arguments
from tests.server import LiveServer, describe, live_server, problem

BASE = "https://w3id.org/smarco/"
JSONLD = "application/ld+json"
GRAPH = f"{BASE}graph/harvest/node-b"
COURSE = f"{BASE}course/urban-data-platforms"  # cefriel's


@pytest.fixture(scope="module")
def node_b(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("node-b"), partner="cefriel") as server:
        yield server


@pytest.fixture(scope="module")
def node_a(_base_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with _base_template.provision(tmp_path_factory.mktemp("node-a") / "store") as settings:
        yield settings


def harvest(
    node_a: Settings, node_b: LiveServer | str, name: str = "node-b", timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``smarco-kg harvest`` into A, as a user runs it; ``node_b``: the node or any URL."""
    arguments, named = store_arguments(node_a)
    url = node_b if isinstance(node_b, str) else node_b.url
    command = [sys.executable, "-m", "smarco_kg", "harvest", url, "--name", name, *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env={**os.environ, **named})


def harvested(node_a: Settings) -> dict[str, set[str]]:
    """Course -> its titles, in A's harvest graph; and the graph's size under ''."""
    with store_for(node_a) as store:
        rows = store.query(
            f"SELECT ?c ?t WHERE {{ GRAPH <{GRAPH}> {{ ?c a <http://data.europa.eu/snb/model/elm/LearningOpportunity> ;"
            " <http://purl.org/dc/terms/title> ?t } }"
        ).rows()
        found: dict[str, set[str]] = {}
        for row in rows:
            found.setdefault(str(row["c"]), set()).add(str(row["t"]))
        found[""] = {str(store.graph_size(GRAPH))}
    return found


def test_the_change_feed_pages_through_the_writes(node_b: LiveServer) -> None:
    start = node_b.client.get(f"{node_b.url}/api/changes").json()
    assert start["type"] == "OrderedCollectionPage" and start["orderedItems"] == [] and start["cursor"] == 0
    graph = f"{BASE}graph/partner/cefriel"
    for n in range(3):  # three real changes (a write that changes nothing records nothing)
        update = (
            f"PREFIX dct: <http://purl.org/dc/terms/> "
            f"DELETE {{ GRAPH <{graph}> {{ <{COURSE}> dct:title ?old }} }} "
            f"INSERT {{ GRAPH <{graph}> {{ <{COURSE}> dct:title 'Plataformas urbanas {n}'@es }} }} "
            f"WHERE {{ OPTIONAL {{ GRAPH <{graph}> {{ <{COURSE}> dct:title ?old FILTER(LANG(?old) = 'es') }} }} }}"
        )
        response = node_b.update(update)
        assert response.status_code == 204, describe(response)
    page = node_b.client.get(f"{node_b.url}/api/changes", params={"since": 0, "limit": 2})
    body = page.json()
    assert [i["type"] for i in body["orderedItems"]] == ["Update", "Update"] and "next" in page.links
    item = body["orderedItems"][0]
    assert item["object"] == [COURSE] and item["target"] == f"{BASE}graph/partner/cefriel" and item["actor"]
    rest = node_b.client.get(page.links["next"]["url"]).json()
    assert len(rest["orderedItems"]) == 1 and "next" not in rest and rest["cursor"] == rest["latest"]
    problem(node_b.client.get(f"{node_b.url}/api/changes", params={"since": -1}), 422)


def test_harvesting_twice_copies_only_the_new_change(node_a: Settings, node_b: LiveServer) -> None:
    first = harvest(node_a, node_b)
    assert first.returncode == 0, first.stderr
    assert "full copy" in first.stdout and "36 course(s) copied" in first.stdout
    before = harvested(node_a)
    assert len(before) - 1 == 36 and "Urban data platforms" in before[COURSE]

    again = harvest(node_a, node_b)
    assert again.returncode == 0, again.stderr
    assert "changes only" in again.stdout and "0 course(s) copied" in again.stdout
    assert harvested(node_a) == before, "nothing new: nothing changes"

    course = node_b.client.get(f"{node_b.url}/api/courses/urban-data-platforms", headers={"Accept": JSONLD})
    body = course.json()
    body["title"] = {"en": "Urban data platforms, revised"}
    put = node_b.client.put(
        f"{node_b.url}/api/courses/urban-data-platforms",
        json=body,
        headers={**node_b.auth(node_b.partner), "Content-Type": JSONLD, "If-Match": course.headers["ETag"]},
    )
    assert put.status_code == 200, describe(put)
    third = harvest(node_a, node_b)
    assert third.returncode == 0, third.stderr
    assert "changes only" in third.stdout and "1 course(s) copied" in third.stdout
    after = harvested(node_a)
    assert after[COURSE] == {"Urban data platforms, revised"}
    assert {c: t for c, t in after.items() if c not in (COURSE, "")} == {
        c: t for c, t in before.items() if c not in (COURSE, "")
    }


def test_a_course_deleted_upstream_disappears_downstream(node_a: Settings, node_b: LiveServer) -> None:
    assert COURSE in harvested(node_a), "harvested by the test before"
    etag = node_b.client.get(f"{node_b.url}/api/courses/urban-data-platforms").headers["ETag"]
    deleted = node_b.client.delete(
        f"{node_b.url}/api/courses/urban-data-platforms", headers={**node_b.auth(node_b.partner), "If-Match": etag}
    )
    assert deleted.status_code == 204, describe(deleted)
    run = harvest(node_a, node_b)
    assert run.returncode == 0, run.stderr
    assert "1 removed" in run.stdout
    assert COURSE not in harvested(node_a)


def test_a_node_that_is_not_there_is_a_clear_failure(node_a: Settings, tmp_path: Path) -> None:
    done = harvest(node_a, "http://127.0.0.1:9", "x", timeout=60)
    assert done.returncode == 1 and "cannot harvest" in done.stderr
    bad = harvest(node_a, "not-a-url", "x", timeout=60)
    assert bad.returncode == 2
