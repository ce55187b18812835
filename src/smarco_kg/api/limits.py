"""Bounded request bodies, in one place: each route's size limit and time to send it, enforced on ``receive``.

A body whose ``Content-Length`` is over the route's limit is refused (413) before a byte of it is read; a chunked
body is refused as soon as what arrived passes the limit, and one that does not arrive within the route's time is
refused with a 408. Any answer given before the whole body arrived closes the connection, so nothing reads (or
drains) the rest: a write refused for want of a token costs no more than its headers.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smarco_kg.api.problems import problem_response
from smarco_kg.config import Settings
from smarco_kg.errors import ContentTooLarge, RequestTimeout, SmarcoError

WRITES = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class BodyRule:
    """Bodies of ``methods`` (any method when empty) to paths that ``path`` matches whole: at most ``limit``
    bytes, sent within ``timeout`` seconds."""

    path: re.Pattern[str]
    limit: int
    timeout: float
    methods: frozenset[str] = frozenset()

    def applies(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and self.path.fullmatch(path) is not None


def body_rules(settings: Settings) -> list[BodyRule]:
    """The route table, first match wins; anything else gets ``settings.body_limit`` and ``body_timeout``."""
    short = settings.body_timeout
    return [
        BodyRule(re.compile(r"/store(/.*)?"), settings.load_body_limit, settings.load_body_timeout, WRITES),
        BodyRule(re.compile(r"/admin/load"), settings.load_body_limit, settings.load_body_timeout, WRITES),
        BodyRule(re.compile(r"/sparql"), settings.sparql_body_limit, short),
        BodyRule(re.compile(r"/api/credentials/verify"), settings.verify_body_limit, short),
        BodyRule(re.compile(r"/occupations/[^/]+/gap"), settings.verify_body_limit, short),  # a credential uploaded
        BodyRule(re.compile(r"/api/courses/import"), settings.sheet_body_limit, short, WRITES),  # a spreadsheet
        BodyRule(re.compile(r"/api/skills/extract"), settings.extract_body_limit, short),
        BodyRule(re.compile(r"/api/.*"), settings.api_body_limit, short),
    ]


class BodyTooLarge(ContentTooLarge):
    """The body passed its route's limit (``limit`` bytes)."""

    def __init__(self, method: str, path: str, limit: int, sent: int | None = None) -> None:
        size = f"this one has {sent:,}" if sent is not None else "this one has more"
        super().__init__(f"a body sent to {method} {path} may have at most {limit:,} bytes; {size}", limit=limit)


class BodyTimeout(RequestTimeout):
    """The body did not arrive within its route's time."""

    def __init__(self, method: str, path: str, timeout: float) -> None:
        super().__init__(f"a body sent to {method} {path} must arrive within {timeout:g} s", timeout=timeout)


class BodyLimits:
    """Pure ASGI middleware applying ``rules`` (else ``default_limit``/``default_timeout``) to every request."""

    def __init__(self, app: ASGIApp, *, rules: Sequence[BodyRule], default_limit: int, default_timeout: float) -> None:
        self.app = app
        self.rules = list(rules)
        self.default = (default_limit, default_timeout)

    def rule_for(self, method: str, path: str) -> tuple[int, float]:
        rule = next((r for r in self.rules if r.applies(method, path)), None)
        return (rule.limit, rule.timeout) if rule else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        limit, timeout = self.rule_for(method, path)
        length, chunked = _framing(scope)
        if length is not None and length > limit:
            await _refuse(BodyTooLarge(method, path, limit, length), scope, receive, send)
            return
        body = _Body(receive, limit, timeout, method, path, finished=not chunked and not length)
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if not body.finished:  # the rest of the body is never read: close rather than drain it
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, body.receive, guarded_send)
        except (BodyTooLarge, BodyTimeout) as error:
            if started:
                raise
            await _refuse(error, scope, receive, send)


class _Body:
    """``receive`` with a byte count and a deadline."""

    def __init__(self, receive: Receive, limit: int, timeout: float, method: str, path: str, *, finished: bool) -> None:
        self._receive = receive
        self.limit, self.timeout, self.method, self.path = limit, timeout, method, path
        self.deadline = time.monotonic() + timeout
        self.received = 0
        self.finished = finished

    async def receive(self) -> Message:
        if self.finished:
            return await self._receive()
        try:
            message = await asyncio.wait_for(self._receive(), max(self.deadline - time.monotonic(), 0.0))
        except TimeoutError:
            raise BodyTimeout(self.method, self.path, self.timeout) from None
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                raise BodyTooLarge(self.method, self.path, self.limit)
            self.finished = not message.get("more_body", False)
        else:
            self.finished = True  # the client went away
        return message


def _framing(scope: Scope) -> tuple[int | None, bool]:
    """The request's ``Content-Length`` (None without one) and whether its body is chunked."""
    length: int | None = None
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                length = None  # the server refuses a malformed length before the app sees it
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return (None if chunked else length), chunked


async def _refuse(error: SmarcoError, scope: Scope, receive: Receive, send: Send) -> None:
    """The problem document, on a connection closed after it."""
    response = problem_response(error)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)
