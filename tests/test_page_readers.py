"""People's pages drawn by reader processes (``api.readers``), on a real server over the demo store: readers answer
anonymous page requests and nothing else, byte for byte as the server draws them, never older than a write
answered before the request, and the server carries on when a reader ends."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from smarco_kg.api.readers import FORK_NAME, PROCESS_NAME
from smarco_kg.store.embedded import EmbeddedStore
from tests.backends import Template
from tests.server import LiveServer, describe, live_server

BASE = "https://w3id.org/smarco/"
COURSE = "course/standards-and-interoperability-for-smart-cities"
GRAPH = f"{BASE}graph/partner/european-digital-sme-alliance"
READERS = 2
PRIVATE = {"Cookie": "smarco-test=1"}  # a request with a cookie is the server's own (a provider's session is one)
PAGES = (
    "/courses",
    "/courses?lang=es&offset=2",
    f"/{COURSE}",
    f"/{COURSE}?lang=it",
    "/course/no-such-course",
    "/search?q=urban+planning",
    "/search?q=data&eqf=6",
    "/search?q=",
    "/skills?lang=de",
    "/api/courses?limit=5",
    "/api/courses?skill=no-such-skill",
    f"/api/courses/{COURSE.rsplit('/', 1)[1]}",
    "/api/skills?limit=3&offset=40",
    "/organisations",
)


def readers(server: LiveServer) -> dict[int, float]:
    """The server's reader processes (children of the readers' fork, a child of the server): pid -> CPU seconds so
    far (every thread's, exact to the nanosecond)."""
    found: dict[int, float] = {}
    for pid in descendants(server_pid(server)):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != PROCESS_NAME:
                continue
            threads = Path(f"/proc/{pid}/task").iterdir()
            found[pid] = sum(int((t / "schedstat").read_text().split()[0]) for t in threads) / 1e9
        except OSError:  # it ended meanwhile
            continue
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``: its children, theirs, and so on."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        with contextlib.suppress(OSError):
            for child in map(int, (task / "children").read_text().split()):
                found += [child, *descendants(child)]
    return found


def server_pid(server: LiveServer) -> int:
    who = server.client.get(f"{server.url}/admin/server", headers=server.auth())
    assert who.status_code == 200, describe(who)
    return int(who.json()["pid"])


def until_ready(server: LiveServer, count: int, timeout: float = 180.0) -> dict[int, float]:
    """Wait until ``count`` readers draw pages: each, done starting (its CPU still while nothing is asked), has
    answered (its CPU moves) a request meant for readers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = readers(server)
        time.sleep(0.3)
        if len(before) == count and readers(server) == before:
            busy(server, 8 * count)
            after = readers(server)
            if len(after) == count and all(after.get(pid, 0) - cpu > 0.001 for pid, cpu in before.items()):
                return after
        time.sleep(0.5)
    raise AssertionError(f"{count} readers did not start drawing pages within {timeout:.0f} s: {readers(server)}")


def busy(server: LiveServer, requests: int) -> None:
    """``requests`` pages asked eight at a time, so that every reader has one (one at a time, the last reader
    to answer answers each)."""
    with ThreadPoolExecutor(8) as pool:
        search = f"{server.url}/search"
        asked = pool.map(lambda n: server.client.get(search, params={"q": f"data {n}"}), range(requests))
        assert all(answered.status_code == 200 for answered in asked)


def drawn_by_readers(server: LiveServer, headers: dict[str, str], repeats: int = 10) -> float:
    """The readers' CPU seconds spent while the server answers every page ``repeats`` times with ``headers``."""
    before = readers(server)
    for _ in range(repeats):
        for path in PAGES:
            server.client.get(f"{server.url}{path}", headers=headers)
    after = readers(server)
    return sum(after.get(pid, cpu) - cpu for pid, cpu in before.items())


@pytest.fixture(scope="module")
def server(_demo_store: EmbeddedStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server over a copy of the demo store with two page readers (readers need the embedded store's
    checkpoints: on a remote store the server draws every page)."""
    template = Template(_demo_store, "embedded", None)
    env = {"SMARCO_PAGE_READERS": str(READERS)}
    with live_server(template, tmp_path_factory.mktemp("readers"), partner="cefriel", env=env) as running:
        until_ready(running, READERS)
        yield running


def test_readers_answer_anonymous_page_requests_and_the_server_the_rest(server: LiveServer) -> None:
    assert drawn_by_readers(server, {}) > 0.05, "people's pages, anonymous: the readers draw them"
    assert drawn_by_readers(server, PRIVATE, repeats=3) < 0.01, "with a cookie: the server draws them"
    assert drawn_by_readers(server, server.auth(), repeats=3) < 0.01, "with a token: the server draws them"
    before = readers(server)
    for path in ("/sparql?query=ASK%7B%7D", "/api/changes", "/.well-known/void", "/health", "/"):
        assert server.client.get(f"{server.url}{path}").status_code == 200, path
    after = readers(server)
    assert sum(after[pid] - cpu for pid, cpu in before.items()) < 0.01, "SPARQL and the rest: the server's own"


def test_one_request_at_a_time_goes_to_the_reader_that_answered_last(server: LiveServer) -> None:
    """A free reader that has just drawn a page draws the next: its caches are warm (alternating, each page cost
    the readers about 1.4 times the CPU)."""
    until_ready(server, READERS)
    before = readers(server)
    for _ in range(20):
        assert server.client.get(f"{server.url}/{COURSE}").status_code == 200
    after = readers(server)
    moved = sorted(after[pid] - cpu for pid, cpu in before.items())
    assert moved[-1] > 0.005 and moved[0] == 0.0, moved


def test_a_reader_that_ends_while_idle_is_replaced_before_any_page_is_asked_of_it(server: LiveServer) -> None:
    until_ready(server, READERS)
    before = readers(server)
    for _ in range(5):
        assert server.client.get(f"{server.url}/{COURSE}").status_code == 200
    after = readers(server)
    idle = next(pid for pid, cpu in before.items() if after[pid] == cpu)  # the last to answer answers each
    os.kill(idle, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # no request meanwhile: the server saw its pipe close
        now = readers(server)
        if len(now) == READERS and idle not in now:
            break
        time.sleep(0.2)
    assert len(now) == READERS and idle not in now, now
    until_ready(server, READERS)


def test_readers_come_from_one_fork_and_share_the_pages_of_its_imports(server: LiveServer) -> None:
    """Forked from a process that imported the app (and froze the collector), readers share those pages: spawned,
    each held its own copy."""
    found = until_ready(server, READERS)
    parents = {int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1]) for pid in found}
    assert len(parents) == 1, parents
    (fork,) = parents
    assert Path(f"/proc/{fork}/comm").read_text().strip() == FORK_NAME
    assert fork in descendants(server_pid(server))
    for pid in found:
        shared = _smaps(pid)["Shared_Dirty"]  # written by the fork before it forked, still one copy for all
        assert shared > 20 * 1024, f"reader {pid} shares only {shared} kB with the fork"


def _smaps(pid: int) -> dict[str, int]:
    """A process's memory in kB, by kind (``/proc/<pid>/smaps_rollup``)."""
    fields = (line.split() for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:])
    return {f[0].rstrip(":"): int(f[1]) for f in fields if len(f) >= 2 and f[1].isdigit()}


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_reader_answers_byte_for_byte_what_the_server_draws(server: LiveServer, method: str) -> None:
    for path in PAGES:
        for accept in ("text/html", "application/ld+json", "text/turtle"):
            headers = {"Accept": accept, "Accept-Language": "fr, en;q=0.5"}
            read = server.client.request(method, f"{server.url}{path}", headers=headers)
            drawn = server.client.request(method, f"{server.url}{path}", headers={**headers, **PRIVATE})
            assert read.status_code == drawn.status_code, (describe(read), describe(drawn))
            assert read.content == drawn.content, f"{method} {path} ({accept})"
            assert _without_date(read.headers) == _without_date(drawn.headers), f"{method} {path} ({accept})"
    compressed = server.client.get(f"{server.url}/api/skills?limit=100", headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip" and compressed.json()["items"], describe(compressed)


def test_a_page_is_never_older_than_a_write_answered_before_it(server: LiveServer) -> None:
    for n in range(1, 7):
        title = f"Interoperable city platforms, edition {n} zyxwv{n}"
        update = server.update(
            f"""PREFIX dct: <http://purl.org/dc/terms/>
            DELETE {{ GRAPH <{GRAPH}> {{ <{BASE}{COURSE}> dct:title ?old }} }}
            INSERT {{ GRAPH <{GRAPH}> {{ <{BASE}{COURSE}> dct:title "{title}"@en }} }}
            WHERE {{ GRAPH <{GRAPH}> {{ <{BASE}{COURSE}> dct:title ?old }} }}""",
            server.admin,
        )
        assert update.status_code in (200, 204), describe(update)
        page = server.client.get(f"{server.url}/{COURSE}")
        assert page.status_code == 200 and title in page.text, describe(page)
        assert f"edition {n - 1} " not in page.text
        member = server.client.get(f"{server.url}/api/courses/{COURSE.rsplit('/', 1)[1]}")
        assert member.json()["title"]["en"] == title, describe(member)
        listed = server.client.get(f"{server.url}/api/courses", params={"limit": 100})
        assert title in listed.text and f"edition {n - 1} " not in listed.text
        found = server.client.get(f"{server.url}/search", params={"q": f"zyxwv{n}"})
        assert found.status_code == 200 and title in found.text, describe(found)
        gone = server.client.get(f"{server.url}/search", params={"q": f"zyxwv{n - 1}"})
        assert title not in gone.text and f"edition {n - 1} " not in gone.text
    assert drawn_by_readers(server, {}, repeats=1) > 0.0, "the readers drew these pages, not the server"


def test_the_server_answers_while_a_reader_is_replaced(server: LiveServer) -> None:
    first = readers(server)
    assert len(first) == READERS
    ended = min(first)
    os.kill(ended, signal.SIGKILL)
    for _ in range(3):
        for path in PAGES:
            answered = server.client.get(f"{server.url}{path}")
            assert answered.status_code < 500, describe(answered)
    replaced = until_ready(server, READERS)
    assert ended not in replaced and len(set(replaced) & set(first)) == READERS - 1
    page = server.client.get(f"{server.url}/{COURSE}", headers={"Accept-Language": "es"})
    assert page.status_code == 200 and "<html" in page.text, describe(page)


def _without_date(headers: httpx.Headers) -> list[tuple[str, str]]:
    """The headers an answer carries, but its date (the second may turn between the two requests)."""
    return sorted((k, v) for k, v in headers.multi_items() if k != "date")
