"""Bounded bodies and slow clients, against a real server on loopback spoken to over raw sockets: a body over its
route's limit is refused (413) before it is read, a request that trickles its headers or its body is answered 408
and closed, an admin load goes to disk, and the server's memory stays near idle under a 200 MB body."""

from __future__ import annotations

import contextlib
import json
import select
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.backends import Template
from tests.server import LiveServer, describe, live_server, problem

PARTNER = "cefriel"
LIMIT = 64 << 10  # the small routes' limit on the server under test
LOAD_LIMIT = 8 << 20  # /store's
TIMEOUT = 2.0  # seconds for the headers, and for a small route's body
LIMITS = {
    "SMARCO_BODY_LIMIT": str(LIMIT),
    "SMARCO_SPARQL_BODY_LIMIT": str(LIMIT),
    "SMARCO_API_BODY_LIMIT": str(LIMIT),
    "SMARCO_VERIFY_BODY_LIMIT": str(LIMIT),
    "SMARCO_LOAD_BODY_LIMIT": str(LOAD_LIMIT),
    "SMARCO_BODY_TIMEOUT": str(TIMEOUT),
    "SMARCO_HEADER_TIMEOUT": str(TIMEOUT),
    "SMARCO_HEADER_LIMIT": str(8 << 10),
}


@pytest.fixture(scope="module")
def server(_demo_template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(_demo_template, tmp_path_factory.mktemp("limits"), partner=PARTNER, env=LIMITS) as live:
        yield live


# -- raw HTTP ----------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    closed: bool  # the server closed the connection after it
    seconds: float  # from the start of the exchange to the end of the answer

    def problem(self) -> dict:
        assert self.headers.get("content-type", "").startswith("application/problem+json"), self
        return json.loads(self.body)


def connect(server: LiveServer) -> socket.socket:
    port = urlsplit(server.url).port
    assert port is not None
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer(sock: socket.socket, started: float, wait: float = 10.0) -> Answer:
    """Read one response; ``closed`` says whether the connection ended right after it (within a second)."""
    data = b""
    deadline = time.monotonic() + wait
    while b"\r\n\r\n" not in data:
        data += _recv(sock, deadline)
    header_block, _, rest = data.partition(b"\r\n\r\n")
    status_line, *lines = header_block.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines)}
    size = int(headers.get("content-length", "0"))
    while len(rest) < size:
        rest += _recv(sock, deadline)
    seconds = time.monotonic() - started
    try:
        closed = _recv(sock, time.monotonic() + 1.0, allow_eof=True) == b""
    except TimeoutError:
        closed = False
    return Answer(int(status_line.split()[1]), headers, rest[:size], closed, seconds)


def _recv(sock: socket.socket, deadline: float, *, allow_eof: bool = False) -> bytes:
    sock.settimeout(max(deadline - time.monotonic(), 0.01))
    try:
        chunk = sock.recv(65536)
    except TimeoutError:
        raise
    except ConnectionResetError:
        chunk = b""
    if not chunk and not allow_eof:
        raise ConnectionError("the server closed the connection without an answer")
    return chunk


def has_answer(sock: socket.socket) -> bool:
    """Whether the server has written something (or closed), without waiting."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable)


def trickle(sock: socket.socket, pieces: Iterator[bytes], every: float, within: float) -> float:
    """Send a piece every ``every`` seconds until the server answers or closes; the seconds that took."""
    started = time.monotonic()
    for piece in pieces:
        if has_answer(sock):
            break
        try:
            sock.sendall(piece)
        except (BrokenPipeError, ConnectionResetError):
            break
        if time.monotonic() - started > within:
            break
        time.sleep(every)
    return time.monotonic() - started


def forever(piece: bytes) -> Iterator[bytes]:
    while True:
        yield piece


# -- sizes -------------------------------------------------------------------------------------------------------


def test_a_body_whose_length_is_over_the_limit_is_413_before_it_is_sent(server: LiveServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        length = 200 << 20
        sock.sendall(head("POST", "/sparql", {"Content-Type": "application/sparql-update", "Content-Length": length}))
        got = answer(sock, started)
    assert got.status == 413, got
    assert got.problem()["limit"] == LIMIT and f"{LIMIT:,}" in got.problem()["detail"], got
    assert got.closed, "the connection is closed: the body is never read"


def test_an_unauthenticated_200_mb_update_is_refused_at_once(server: LiveServer) -> None:
    """The body is being sent; the 413 comes after the headers, not after 200 MB."""
    length = 200 << 20
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(head("POST", "/sparql", {"Content-Type": "application/sparql-update", "Content-Length": length}))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(b"INSERT DATA { <urn:x:a> <urn:x:b> '" + b"x" * (1 << 20))
        got = answer(sock, started)
    assert got.status == 413 and got.closed, got
    assert got.seconds < 1.0, f"the refusal took {got.seconds:.2f} s"


def test_a_chunked_body_is_413_as_soon_as_it_passes_the_limit(server: LiveServer) -> None:
    piece = b"#" * 8192
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(
            head("POST", "/sparql", {"Content-Type": "application/sparql-query", "Transfer-Encoding": "chunked"})
        )
        sent = 0
        while sent < 64 * LIMIT and not has_answer(sock):
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
            time.sleep(0.002)
        got = answer(sock, started)
    assert got.status == 413 and got.closed, got
    assert sent < 2 * LIMIT + (1 << 20), f"{sent:,} bytes went out before the refusal"


def test_a_body_within_the_limit_is_read(server: LiveServer) -> None:
    query = b"ASK { ?s ?p ?o }" + b" " * (LIMIT - 100)
    response = server.client.post(
        server.sparql,
        content=query,
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200 and response.json()["boolean"] is True, describe(response)


@pytest.mark.parametrize(
    "path", ["/api/courses", "/api/credentials/verify", "/api/pathways/plan", "/occupations/some-occupation/gap"]
)
def test_api_bodies_over_their_limit_are_413(server: LiveServer, path: str) -> None:
    body = b'{"a": "' + b"x" * LIMIT + b'"}'
    headers = {"Content-Type": "application/json", **server.auth(server.partner)}
    refused = problem(server.client.post(f"{server.url}{path}", content=body, headers=headers), 413)
    assert refused["limit"] == LIMIT


def test_a_write_refused_for_want_of_a_token_closes_rather_than_reading_the_body(server: LiveServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        headers = {"Content-Type": "application/n-triples", "Content-Length": LOAD_LIMIT // 2}
        sock.sendall(head("PUT", "/store?graph=urn:x:g", headers))
        got = answer(sock, started)
    assert got.status == 401 and got.closed, got


def test_an_admin_load_over_the_small_limit_goes_through_to_disk(server: LiveServer) -> None:
    graph = "urn:smarco:test:large-load"
    lines = [f'<urn:x:s{i}> <urn:x:label> "{"v" * 200} {i}" .\n' for i in range(2000)]
    body = "".join(lines).encode()
    assert LIMIT < len(body) < LOAD_LIMIT
    headers = {**server.auth(), "Content-Type": "application/n-triples"}
    put = server.client.put(server.store, params={"graph": graph}, content=body, headers=headers)
    assert put.status_code == 201, describe(put)
    rows = server.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    assert rows == [{"n": "2000"}]


def test_an_admin_load_over_its_own_limit_is_413_at_once(server: LiveServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        headers = {**server.auth(), "Content-Type": "application/n-triples", "Content-Length": LOAD_LIMIT + 1}
        sock.sendall(head("PUT", "/store?graph=urn:x:g", headers))
        got = answer(sock, started)
    assert got.status == 413 and got.closed and got.problem()["limit"] == LOAD_LIMIT, got


# -- slow clients ------------------------------------------------------------------------------------------------


def test_headers_sent_a_line_every_half_second_are_cut_off_at_the_header_timeout(server: LiveServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        took = trickle(sock, forever(b"X-Slow: a\r\n"), 0.5, within=4 * TIMEOUT)
        got = answer(sock, started)
    assert got.status == 408 and got.closed, got
    assert TIMEOUT - 0.2 < took < TIMEOUT + 1.5, f"cut off after {took:.1f} s"


def test_a_connection_that_sends_nothing_is_closed_at_the_header_timeout(server: LiveServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        got = answer(sock, started, wait=4 * TIMEOUT)
    assert got.status == 408 and got.closed and got.seconds < TIMEOUT + 1.5, got


def test_headers_over_the_header_limit_are_431(server: LiveServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        for _ in range(20):
            if has_answer(sock):
                break
            sock.sendall(b"X-Big: " + b"b" * 1000 + b"\r\n")
        got = answer(sock, started)
    assert got.status == 431 and got.closed, got


def test_a_body_sent_a_byte_every_half_second_is_408_at_the_body_timeout(server: LiveServer) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(head("POST", "/sparql", {"Content-Type": "application/sparql-query", "Content-Length": 1000}))
        took = trickle(sock, forever(b" "), 0.5, within=4 * TIMEOUT)
        got = answer(sock, started)
    assert got.status == 408 and got.closed, got
    assert got.problem()["type"].endswith("request-timeout")
    assert TIMEOUT - 0.2 < took < TIMEOUT + 1.5, f"cut off after {took:.1f} s"


def test_a_kept_alive_connection_still_serves_a_second_request(server: LiveServer) -> None:
    """The header deadline is per request: a connection reused within the keep-alive time goes on working."""
    with connect(server) as sock:
        for _ in range(2):
            started = time.monotonic()
            sock.sendall(head("GET", "/health", {}))
            got = answer(sock, started)
            assert got.status == 200 and not got.closed, got


# -- memory ------------------------------------------------------------------------------------------------------


def server_rss(server: LiveServer) -> int:
    """The resident memory (bytes) of the server process listening on the server's port."""
    port = str(urlsplit(server.url).port)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")
            status = (proc / "status").read_text()
        except OSError:
            continue
        if b"serve" in command and port.encode() in command:
            kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
            return int(kib) << 10
    raise AssertionError(f"no server process on port {port}")


def test_memory_stays_near_idle_while_a_200_mb_body_is_refused(server: LiveServer) -> None:
    before = server_rss(server)
    piece = b"#" * (1 << 20)
    chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
    with connect(server) as sock:
        started = time.monotonic()
        sock.sendall(
            head("POST", "/sparql", {"Content-Type": "application/sparql-update", "Transfer-Encoding": "chunked"})
        )
        for _ in range(200):
            if has_answer(sock):
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        got = answer(sock, started)
    after = server_rss(server)
    assert got.status == 413, got
    assert after - before < 20 << 20, f"RSS {before >> 20} MiB before, {after >> 20} MiB after"


# -- the empty PUT -----------------------------------------------------------------------------------------------


def test_a_put_without_triples_is_400_and_leaves_the_graph_as_it_was(server: LiveServer) -> None:
    graph = "urn:smarco:test:kept"
    headers = {**server.auth(), "Content-Type": "text/turtle"}
    created = server.client.put(
        server.store, params={"graph": graph}, content=b"<urn:x:a> <urn:x:b> 1 .", headers=headers
    )
    assert created.status_code == 201, describe(created)
    empty = b"@prefix ex: <urn:x:> .\n# nothing else\n"
    refused = problem(server.client.put(server.store, params={"graph": graph}, content=empty, headers=headers), 400)
    assert "empty graphs" in refused["detail"]
    kept = server.client.get(server.store, params={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert kept.status_code == 200 and b"<urn:x:a>" in kept.content, describe(kept)


def test_a_put_without_triples_to_a_new_graph_is_400_and_the_graph_stays_absent(server: LiveServer) -> None:
    graph = "urn:smarco:test:never"
    headers = {**server.auth(), "Content-Type": "text/turtle"}
    problem(server.client.put(server.store, params={"graph": graph}, content=b"", headers=headers), 400)
    problem(server.client.get(server.store, params={"graph": graph}), 404)


def test_a_post_without_triples_creates_no_graph(server: LiveServer) -> None:
    headers = {**server.auth(), "Content-Type": "text/turtle"}
    problem(server.client.post(server.store, content=b"", headers=headers), 400)
    graph = "urn:smarco:test:posted-nothing"
    problem(server.client.post(server.store, params={"graph": graph}, content=b"", headers=headers), 400)
    problem(server.client.get(server.store, params={"graph": graph}), 404)
