"""The server process: uvicorn, announcing itself in the server file (``server_file``) once it listens and
withdrawing it when it stops, so that commands find it only while it can answer. What start-up built is left out
of the garbage collector's passes from then on (``heap.freeze_startup``)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import uvicorn

from smarco_kg.heap import freeze_startup, trim
from smarco_kg.server_file import ServerRecord, loopback_url, publish, withdraw


class AnnouncedServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, path: Path, secret: str) -> None:
        super().__init__(config)
        self.path, self.secret = path, secret
        self.record: ServerRecord | None = None

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if not self.started or not self.servers or not self.servers[0].sockets:
            return
        port = self.servers[0].sockets[0].getsockname()[1]
        self.record = ServerRecord(loopback_url(self.config.host, port), os.getpid(), self.secret)
        publish(self.path, self.record)
        freeze_startup()  # one server per process: what start-up built lives as long as it does
        trim()  # and what it freed goes back to the system

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.record is not None:
            withdraw(self.path, self.record)  # first: a command started from now on uses the store directly
        await super().shutdown(sockets)
