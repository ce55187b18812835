"""Connections that must send each request's line and headers in time and within a size: uvicorn has neither limit.

Its keep-alive timeout runs only between requests and is reset by every byte, so a client that trickles a header
a byte at a time held a connection open indefinitely (measured: past 60 s at one chunk every 2 s). This protocol
(uvicorn's httptools one) arms a deadline when a connection opens and when a request begins, disarms it when the
headers are complete, and answers 408 and closes when it passes; headers larger than the limit get a 431. The
body's own time and size are the application's to bound (``api.limits``).
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from smarco_kg.errors import RequestTimeout, SmarcoError, error_for


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol with a time limit and a size limit on each request's line and headers."""

    header_timeout: float = 30.0
    header_limit: int = 64 << 10

    @classmethod
    def configured(cls, header_timeout: float, header_limit: int) -> type[HeaderDeadlineProtocol]:
        """The protocol class with these limits, to pass as ``uvicorn.run(http=…)``."""
        return type(cls.__name__, (cls,), {"header_timeout": header_timeout, "header_limit": header_limit})

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        super().connection_made(transport)
        self._arm()  # a connection that never sends a request is closed too

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_deadline is not None and not self.transport.is_closing():  # still in the headers
            self._header_bytes += len(data)
            if self._header_bytes > self.header_limit:
                detail = f"a request's line and headers may have at most {self.header_limit:,} bytes"
                self._refuse(error_for(431, "the request's headers are too large", detail))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        self._header_bytes = 0
        self._header_deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_late(self) -> None:
        self._header_deadline = None
        detail = f"a request's line and headers must arrive within {self.header_timeout:g} s"
        self._refuse(RequestTimeout(detail, title="the request's headers took too long to arrive"))

    def _refuse(self, error: SmarcoError) -> None:
        """Answer with the problem document, unless an earlier response is still being written, and close."""
        self._disarm()
        if self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            body = json.dumps(error.problem()).encode()
            head = (
                f"HTTP/1.1 {error.status} {HTTPStatus(error.status).phrase}\r\n"
                "content-type: application/problem+json\r\n"
                f"content-length: {len(body)}\r\n"
                "connection: close\r\n\r\n"
            )
            self.transport.write(head.encode("ascii") + body)
        self.transport.close()
