"""``smarco-kg load``, ``validate`` and ``harvest`` while ``smarco-kg serve`` runs on the same store: the command
finds the server (the file beside the store) or is given it (``--server URL --token``), the server does the write
through its own writer, and the API, search and the change feed show it at once; refused data changes nothing
and is reported as on a stopped store; a file left by a killed server is said to be stale and the store is used
directly."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from smarco_kg.config import Settings
from smarco_kg.store import store_for
from tests.backends import Template, settings_env, store_arguments
from tests.processes import free_port, stop
from tests.server import LiveServer, describe, live_server

DATA = Path(__file__).parent / "data"
COURSE_FILE = DATA / "course.trig"
BASE = "https://w3id.org/smarco/"
COURSE = f"{BASE}course/urban-data-platforms"
PARTNER_GRAPH = f"{BASE}graph/partner/cefriel"
THROUGH = "through the server running on this store"
BODY_LIMIT = 200_000  # bytes a body sent to the module's server may have (course.trig has about 3 KB)


def cli(*args: str | Path, settings: Settings, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``smarco-kg`` as a user runs it on the store of ``settings``."""
    arguments, named = store_arguments(settings)
    command = [sys.executable, "-m", "smarco_kg", *map(str, args), *arguments]
    environment = {k: v for k, v in os.environ.items() if k != "SMARCO_TOKEN"}
    environment.update({"COLUMNS": "200", **named, **(env or {})})
    return subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600)


def bad_course(folder: Path) -> Path:
    """The course file without its learning mode: a violation of the shapes."""
    bad = folder / "bad.trig"
    bad.write_text(COURSE_FILE.read_text().replace("elm:mode mode:9191af2ed9 ;", ""))
    return bad


def course_copy(folder: Path, slug: str, title: str) -> Path:
    """The course file with another course (its own IRIs and title), by the same provider."""
    copy = folder / f"{slug}.trig"
    text = COURSE_FILE.read_text().replace("urban-data-platforms", slug)
    copy.write_text(text.replace("Urban data platforms", title))
    return copy


def latest(server: LiveServer) -> int:
    response = server.client.get(f"{server.url}/api/changes")
    assert response.status_code == 200, describe(response)
    return int(response.json()["latest"])


def changes_since(server: LiveServer, cursor: int) -> list[dict]:
    response = server.client.get(f"{server.url}/api/changes", params={"since": cursor})
    assert response.status_code == 200, describe(response)
    return response.json()["orderedItems"]


def without_note(text: str) -> str:
    """A command's stderr without the line saying which server it went through."""
    return "\n".join(line for line in text.splitlines() if THROUGH not in line)


@pytest.fixture(scope="module")
def server(_base_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server over a store without courses, taking bodies of at most ``BODY_LIMIT`` bytes on loads."""
    env = {"SMARCO_LOAD_BODY_LIMIT": str(BODY_LIMIT)}
    with live_server(_base_template, tmp_path_factory.mktemp("live"), partner="cefriel", env=env) as running:
        yield running


def test_the_server_announces_itself_beside_the_store_to_its_user_only(server: LiveServer) -> None:
    path = server.settings.server_file
    assert path.is_file(), "written once the server listens"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    record = json.loads(path.read_text())
    assert record["url"].startswith("http://127.0.0.1:") and record["url"] == server.url
    assert isinstance(record["pid"], int) and len(record["secret"]) >= 40
    who = server.client.get(f"{server.url}/admin/server", headers={"Authorization": f"Bearer {record['secret']}"})
    assert who.status_code == 200 and who.json()["pid"] == record["pid"], describe(who)
    anonymous = server.client.post(f"{server.url}/admin/load", json={"paths": [str(COURSE_FILE)]})
    assert anonymous.status_code == 401, describe(anonymous)
    partner = server.client.post(
        f"{server.url}/admin/load", json={"paths": [str(COURSE_FILE)]}, headers=server.auth(server.partner)
    )
    assert partner.status_code == 403, describe(partner)
    admin_by_path = server.client.post(
        f"{server.url}/admin/load", json={"paths": [str(COURSE_FILE)]}, headers=server.auth(server.admin)
    )
    assert admin_by_path.status_code == 403, "files on the server's disk are read for the operator only"


def test_invalid_data_is_refused_with_the_report_and_changes_nothing(server: LiveServer, tmp_path: Path) -> None:
    bad = bad_course(tmp_path)
    before = latest(server)
    done = cli("load", bad, settings=server.settings)
    assert done.returncode == 1, done.stderr
    assert THROUGH in done.stderr
    assert "violation" in done.stderr and "bad.trig does not conform" in done.stderr
    assert "nothing was stored" in done.stderr and done.stdout == ""
    assert latest(server) == before, "nothing changed: no event"
    assert server.client.get(f"{server.url}/api/courses/urban-data-platforms").status_code == 404

    unparsable = tmp_path / "broken.ttl"
    unparsable.write_text("<a> <b> .")
    parse = cli("load", unparsable, "--graph", PARTNER_GRAPH, settings=server.settings)
    assert parse.returncode == 2 and "cannot parse broken.ttl" in parse.stderr, parse.stderr
    assert latest(server) == before

    checked = cli("validate", COURSE_FILE, settings=server.settings)
    assert checked.returncode == 0, checked.stderr
    assert "course.trig conforms" in checked.stdout and THROUGH in checked.stderr
    assert latest(server) == before, "a check stores nothing"


def test_the_report_is_the_same_as_on_a_stopped_store(
    server: LiveServer, _base_template: Template, tmp_path: Path
) -> None:
    bad = bad_course(tmp_path)
    served = cli("load", bad, settings=server.settings)
    with _base_template.provision(tmp_path / "stopped") as stopped:
        direct = cli("load", bad, settings=stopped)
    assert served.returncode == direct.returncode == 1
    assert THROUGH not in direct.stderr
    assert without_note(served.stderr) == without_note(direct.stderr)


def test_a_load_is_seen_at_once_by_the_api_search_and_the_change_feed(server: LiveServer) -> None:
    before = latest(server)
    done = cli("load", COURSE_FILE, settings=server.settings)
    assert done.returncode == 0, done.stderr
    assert THROUGH in done.stderr
    assert done.stdout.startswith("loaded ") and PARTNER_GRAPH in done.stdout and "resources validated" in done.stdout

    course = server.client.get(f"{server.url}/api/courses/urban-data-platforms", headers={"Accept": "application/json"})
    assert course.status_code == 200, describe(course)
    assert "Urban data platforms" in course.text
    found = server.client.get(f"{server.url}/api/search", params={"text": "urban data platforms"})
    assert found.status_code == 200 and COURSE in [i["id"] for i in found.json()["items"]], describe(found)
    events = changes_since(server, before)
    assert len(events) == 1 and events[0]["target"] == PARTNER_GRAPH and events[0]["actor"] == "cli", events
    titles = server.select(f"SELECT ?t WHERE {{ <{COURSE}> <http://purl.org/dc/terms/title> ?t }}")
    assert {"t": "Urban data platforms"} in titles, "the query workers see it too"


def test_an_explicit_server_and_token_stream_the_file(server: LiveServer, tmp_path: Path) -> None:
    copy = course_copy(tmp_path, "streamed-platforms", "Streamed platforms")
    before = latest(server)
    explicit = ["--server", server.url]
    missing = cli("load", copy, *explicit, settings=server.settings)
    assert missing.returncode == 2 and "--token" in missing.stderr
    partner = cli("load", copy, *explicit, "--token", server.partner, settings=server.settings)
    assert partner.returncode == 1 and "admin token" in partner.stderr, partner.stderr
    done = cli("load", copy, *explicit, settings=server.settings, env={"SMARCO_TOKEN": server.admin})
    assert done.returncode == 0, done.stderr
    assert THROUGH not in done.stderr and "loaded " in done.stdout
    events = changes_since(server, before)
    assert [e["actor"] for e in events] == ["admin"], events
    course = server.client.get(f"{server.url}/api/courses/streamed-platforms", headers={"Accept": "application/json"})
    assert course.status_code == 200 and "Streamed platforms" in course.text, describe(course)

    large = tmp_path / "large.nt"
    triple = f'<{COURSE}> <http://purl.org/dc/terms/description> "padding"@en .\n'
    large.write_text(triple * (BODY_LIMIT // len(triple) + 10))
    refused = cli("load", large, "--graph", PARTNER_GRAPH, *explicit, "--token", server.admin, settings=server.settings)
    assert refused.returncode == 1 and "at most 200,000 bytes" in refused.stderr, refused.stderr
    assert latest(server) == before + 1, "a body over the limit changes nothing"


def test_harvesting_through_the_running_server(
    _base_template: Template, _demo_template: Template, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        live_server(_demo_template, tmp_path_factory.mktemp("node-b"), partner="cefriel") as node_b,
        live_server(_base_template, tmp_path_factory.mktemp("node-a"), partner="cefriel") as node_a,
    ):
        before = latest(node_a)
        done = cli("harvest", node_b.url, "--name", "node-b", settings=node_a.settings)
        assert done.returncode == 0, done.stderr
        assert THROUGH in done.stderr
        assert "full copy" in done.stdout and "36 course(s) copied" in done.stdout
        events = changes_since(node_a, before)
        assert [e["actor"] for e in events] == ["harvest"] and events[0]["target"] == f"{BASE}graph/harvest/node-b"
        course = node_a.client.get(f"{node_a.url}/api/courses/urban-data-platforms")
        assert course.status_code == 200, describe(course)
        found = node_a.client.get(f"{node_a.url}/api/search", params={"text": "urban data platforms"})
        assert COURSE in [i["id"] for i in found.json()["items"]], describe(found)

        explicit = ["--server", node_a.url, "--token", node_a.admin]
        again = cli("harvest", node_b.url, "--name", "node-b", *explicit, settings=node_a.settings)
        assert again.returncode == 0, again.stderr
        assert "changes only" in again.stdout and "0 course(s) copied" in again.stdout and THROUGH not in again.stderr
        gone = cli("harvest", "http://127.0.0.1:9", "--name", "x", "--timeout", "5", settings=node_a.settings)
        assert gone.returncode == 1 and "cannot harvest http://127.0.0.1:9" in gone.stderr, gone.stderr
        assert latest(node_a) == before + 1, "a run with nothing new and a node that is not there change nothing"


def start_server(settings: Settings) -> tuple[subprocess.Popen, str]:
    """``smarco-kg serve`` on ``settings``' store, up and answering."""
    port = free_port()
    command = [sys.executable, "-m", "smarco_kg", "serve", "--port", str(port)]
    environment = {**os.environ, "SMARCO_LOG_LEVEL": "warning", **settings_env(settings)}
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not settings.server_file.is_file():
        assert process.poll() is None and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.1)
    return process, url


def titles(settings: Settings) -> set[str]:
    with store_for(settings) as store:
        rows = store.query(f"SELECT ?t WHERE {{ GRAPH ?g {{ <{COURSE}> <http://purl.org/dc/terms/title> ?t }} }}")
        return {str(row["t"]) for row in rows.rows()}


def test_a_stopped_server_leaves_no_file_and_the_store_is_used_directly(
    _base_template: Template, tmp_path: Path
) -> None:
    with _base_template.provision(tmp_path / "store") as settings:
        process, _ = start_server(settings)
        stop(process, 30)
        assert process.returncode in (0, -signal.SIGTERM), "uvicorn ends by raising the signal it caught, once done"
        assert not settings.server_file.exists(), "removed at shutdown"
        done = cli("load", COURSE_FILE, settings=settings)
        assert done.returncode == 0, done.stderr
        assert THROUGH not in done.stderr and "gone" not in done.stderr and "loaded " in done.stdout
        assert "Urban data platforms" in titles(settings)


def test_a_killed_servers_file_is_said_to_be_stale_and_the_store_used_directly(
    _base_template: Template, tmp_path: Path
) -> None:
    with _base_template.provision(tmp_path / "store") as settings:
        process, url = start_server(settings)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
        assert settings.server_file.is_file(), "a killed server cannot remove its file"
        done = cli("load", COURSE_FILE, settings=settings)
        assert done.returncode == 0, done.stderr
        assert f"(process {process.pid}, {url}) is gone" in done.stderr and "used directly" in done.stderr
        assert not settings.server_file.exists() and "Urban data platforms" in titles(settings)


def test_a_file_naming_a_running_process_that_is_no_server_is_stale_too(
    _base_template: Template, tmp_path: Path
) -> None:
    """The process id was taken by another program, and nothing answers at the address: the command waits a few
    seconds for a server that may be starting, then says it is gone."""
    with _base_template.provision(tmp_path / "store") as settings:
        url = f"http://127.0.0.1:{free_port()}"
        settings.server_file.write_text(json.dumps({"url": url, "pid": os.getpid(), "secret": "x" * 43}))
        done = cli("validate", COURSE_FILE, settings=settings)
        assert done.returncode == 0, done.stderr
        assert f"(process {os.getpid()}, {url}) is gone" in done.stderr and "conforms" in done.stdout
        assert not settings.server_file.exists()
        settings.server_file.write_text("not json")
        broken = cli("load", COURSE_FILE, settings=settings)
        assert broken.returncode == 1 and "is not a server file" in broken.stderr, broken.stderr


def test_a_load_while_another_writes_waits_for_the_one_writer(server: LiveServer, tmp_path: Path) -> None:
    """Two loads at once through the server: both succeed, one after the other, each its own event."""
    before = latest(server)
    copies = [course_copy(tmp_path, f"platforms-{n}", f"Platforms {n}") for n in range(2)]
    arguments, named = store_arguments(server.settings)
    environment = {**os.environ, **named}
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "smarco_kg", "load", str(c), *arguments],
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for c in copies
    ]
    outcomes = [p.communicate(timeout=300) for p in running]
    assert all(p.returncode == 0 for p in running), outcomes
    assert len(changes_since(server, before)) == 2
    for n in range(2):
        response = httpx.get(f"{server.url}/api/courses/platforms-{n}", headers={"Accept": "application/json"})
        assert response.status_code == 200 and f"Platforms {n}" in response.text, describe(response)


def test_a_load_whose_command_went_away_still_ends_whole(server: LiveServer, tmp_path: Path) -> None:
    """The command is interrupted right after sending: the server finishes the write (or refuses it whole)."""
    copy = course_copy(tmp_path, "abandoned-platforms", "Abandoned platforms")
    secret = json.loads(server.settings.server_file.read_text())["secret"]
    body = json.dumps({"paths": [str(copy)]}).encode()
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(
            b"POST /admin/load HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {secret}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            + body
        )  # and gone, without reading a byte of the answer
    deadline = time.monotonic() + 120
    while True:
        response = server.client.get(f"{server.url}/api/courses/abandoned-platforms")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == 200, describe(response)


def test_on_a_remote_store_a_command_that_does_not_find_the_server_writes_behind_its_back(
    server: LiveServer, tmp_path: Path
) -> None:
    """Virtuoso serves many clients: a command with another state directory (another machine, say) finds no
    server file and writes to the store directly, validated; the server's SPARQL sees the data, but its change
    feed does not (docs/cli.md says so, and to give such a command --server)."""
    if not server.settings.remote:
        pytest.skip("remote store only: an embedded store is locked by the server, its state beside it")
    copy = course_copy(tmp_path, "behind-platforms", "Behind platforms")
    before = latest(server)
    done = cli("load", copy, settings=server.settings, env={"SMARCO_STATE_DIR": str(tmp_path / "elsewhere")})
    assert done.returncode == 0, done.stderr
    assert THROUGH not in done.stderr and "loaded " in done.stdout
    titles = server.select(f"SELECT ?t WHERE {{ <{BASE}course/behind-platforms> <http://purl.org/dc/terms/title> ?t }}")
    assert {"t": "Behind platforms"} in titles
    assert latest(server) == before, "the server's change feed did not see it"
