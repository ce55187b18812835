"""CORS: any origin may read; only the configured origins may write (send a bearer token) from a browser.

A browser sends ``Authorization`` cross-origin only after a preflight allows that header, so allowing it
for the configured origins alone keeps tokens, and therefore writes, away from every other site, while
queries (GET, or POST without a token) stay open to all.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

READ_METHODS = "GET, HEAD, POST, OPTIONS"
WRITE_METHODS = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
READ_HEADERS = "Accept, Content-Type"
WRITE_HEADERS = "Accept, Content-Type, Authorization, If-Match, If-None-Match"
EXPOSED = "Location, ETag, Link, Retry-After, X-Query-Seconds"


class CorsMiddleware:
    def __init__(self, app: ASGIApp, write_origins: Iterable[str] = ()) -> None:
        self.app = app
        self.write_origins = frozenset(o.rstrip("/") for o in write_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        writer = origin.rstrip("/") in self.write_origins
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            preflight = {
                "Access-Control-Allow-Origin": origin if writer else "*",
                "Access-Control-Allow-Methods": WRITE_METHODS if writer else READ_METHODS,
                "Access-Control-Allow-Headers": WRITE_HEADERS if writer else READ_HEADERS,
                "Access-Control-Max-Age": "600",
                "Vary": "Origin",
            }
            await Response(status_code=204, headers=preflight)(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                response = MutableHeaders(scope=message)
                response["Access-Control-Allow-Origin"] = origin if writer else "*"
                response["Access-Control-Expose-Headers"] = EXPOSED
                response.add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
