"""The change feed misses no commit, whatever moment a crash comes at, and names the partner who wrote, never the
token.

A real server is ended at an exact moment of a partner's SPARQL Update by the test fault injection
``SMARCO_TEST_CRASH`` (``os._exit``, as a SIGKILL there would), then started again on the same store."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from smarco_kg.changes import ChangeLog
from tests.backends import Template
from tests.server import LiveServer, describe, live_server, running_server

BASE = "https://w3id.org/smarco/"
GRAPH = f"{BASE}graph/partner/cefriel"
COURSE = f"{BASE}course/urban-data-platforms"  # cefriel's
TITLE = "Qwzrtx plataformas urbanas"
UPDATE = (
    f"PREFIX dct: <http://purl.org/dc/terms/> INSERT DATA {{ GRAPH <{GRAPH}> {{ <{COURSE}> dct:title '{TITLE}'@es }} }}"
)


def crashed(server: LiveServer) -> None:
    """Send the update; the server ends without answering it."""
    with pytest.raises(httpx.TransportError):
        server.update(UPDATE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # gone: nothing answers on its port any more
        try:
            httpx.get(f"{server.url}/health", timeout=1.0)
        except httpx.TransportError:
            return
        time.sleep(0.1)
    raise AssertionError("the server still answers after its fault injection")


def after_restart(server: LiveServer) -> tuple[list[dict], bool, int]:
    """The feed, whether the course has the new title, and search hits for it, from a server started again."""
    env = {"SMARCO_TOKENS_FILE": str(server.tokens.path)}
    with running_server(server.settings, env=env) as url, httpx.Client(timeout=60.0) as client:
        feed = client.get(f"{url}/api/changes").json()["orderedItems"]
        ask = client.post(
            f"{url}/sparql",
            content=f"ASK {{ GRAPH <{GRAPH}> {{ <{COURSE}> ?p '{TITLE}'@es }} }}".encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
        )
        assert ask.status_code == 200, describe(ask)
        found = client.get(f"{url}/api/search", params={"text": "qwzrtx"})
        assert found.status_code == 200, describe(found)
        return feed, ask.json()["boolean"], len(found.json()["items"])


def test_a_write_committed_just_before_a_crash_is_in_the_feed_after_the_restart(
    _demo_template: Template, tmp_path: Path
) -> None:
    env = {"SMARCO_TEST_CRASH": "after-commit"}
    with live_server(_demo_template, tmp_path, partner="cefriel", env=env) as server:
        crashed(server)
        feed, stored, hits = after_restart(server)
    assert stored and hits == 1  # the write was committed: in the store and, brought in step, in the index
    assert [(i["target"], i["object"], i["actor"]) for i in feed] == [(GRAPH, [COURSE], "cefriel")]


def test_a_write_killed_before_its_store_commit_still_has_its_event_at_least_once(
    _demo_template: Template, tmp_path: Path
) -> None:
    env = {"SMARCO_TEST_CRASH": "before-commit"}
    with live_server(_demo_template, tmp_path, partner="cefriel", env=env) as server:
        crashed(server)
        feed, stored, hits = after_restart(server)
    assert not stored and hits == 0  # never committed
    assert [(i["target"], i["object"]) for i in feed] == [(GRAPH, [COURSE])]  # an event, the course as it is


def test_the_feed_names_the_partner_and_never_a_token(_demo_template: Template, tmp_path: Path) -> None:
    with live_server(_demo_template, tmp_path, partner="cefriel") as server:
        response = server.update(UPDATE)
        assert response.status_code == 204, describe(response)
        admin = server.update(UPDATE.replace("INSERT DATA", "DELETE DATA"), token=server.admin)
        assert admin.status_code == 204, describe(admin)
        items = server.client.get(f"{server.url}/api/changes").json()["orderedItems"]
    assert [i["actor"] for i in items] == ["cefriel", "admin"]
    assert not any("token" in str(i) for i in items)


def test_events_recorded_with_a_token_id_show_the_partner_alone(tmp_path: Path) -> None:
    log = ChangeLog(tmp_path / "changes.sqlite")
    log.record([GRAPH], actor="cefriel (token 3f9a1b2c)", operation="update", subjects=[COURSE])
    log.record([GRAPH], actor="admin (token 0d4e5f60)", operation="delete")
    log.record([GRAPH], actor="harvest", operation="replace")
    assert [e.actor for e in log.since(0, 10)] == ["cefriel", "admin", "harvest"]
    log.close()


def test_journalled_events_are_published_once_when_the_log_is_opened_again(tmp_path: Path) -> None:
    path = tmp_path / "changes.sqlite"
    log = ChangeLog(path)
    done = log.intend([GRAPH], actor="cefriel", operation="update", subjects=[COURSE])
    log.record([GRAPH], actor="cefriel", operation="update", subjects=[COURSE], pending=done)
    log.intend([GRAPH, f"{BASE}graph/esco"], actor="cli", operation="replace")  # then the process dies
    log.close()
    reopened = ChangeLog(path)
    assert reopened.recover() == [f"{BASE}graph/esco", GRAPH]
    assert reopened.recover() == []
    events = reopened.since(0, 10)
    assert [(e.graph, e.actor) for e in events] == [(GRAPH, "cefriel"), (f"{BASE}graph/esco", "cli"), (GRAPH, "cli")]
    reopened.close()
