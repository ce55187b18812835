"""The file a running server leaves beside its store, so that the commands which write (``load``, ``validate``,
``harvest``) find it and have it do the work through its own single writer.

The file (``<store>.server.json``) names the server's loopback URL, its process and a secret made for this run.
It is created readable by its owner only (0600): whoever can read it may ask the server to load data, as the
owner of the store's files may anyway, so no token has to be typed. The server writes it once it listens and
removes it when it stops; a file left by a server that was killed names a process that is gone (or one that
does not answer), and the commands say so and use the store directly.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from smarco_kg.errors import SmarcoError


class ServerFileError(SmarcoError):
    """The server file exists but cannot be read (another user's server, or not a server file)."""

    title = "the running server's file cannot be used"


@dataclass(frozen=True)
class ServerRecord:
    """How to reach the server that runs on a store: its base URL, its process id and this run's secret."""

    url: str
    pid: int
    secret: str


def new_secret() -> str:
    """256 random bits: what proves, over loopback, that a request comes from someone who can read the file."""
    return secrets.token_urlsafe(32)


def publish(path: Path, record: ServerRecord) -> None:
    """Write ``record`` to ``path`` with mode 0600, atomically (a reader sees the old file or the whole new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(record), handle)
    os.replace(partial, path)


def withdraw(path: Path, record: ServerRecord) -> None:
    """Remove ``path`` if it is still ``record``'s (a server started since on the same store keeps its own)."""
    try:
        current = read(path)
    except ServerFileError:
        return
    if current == record:
        path.unlink(missing_ok=True)


def read(path: Path) -> ServerRecord | None:
    """The record at ``path``; None when there is none."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except PermissionError as error:
        raise ServerFileError(
            f"{path} is not readable by this user: the store is served by another user's server; run the command "
            "as that user, or give --server URL --token TOKEN"
        ) from error
    try:
        data = json.loads(text)
        return ServerRecord(url=str(data["url"]), pid=int(data["pid"]), secret=str(data["secret"]))
    except (ValueError, KeyError, TypeError) as error:
        raise ServerFileError(f"{path} is not a server file; remove it if no server runs on this store") from error


def process_exists(pid: int) -> bool:
    """Whether a process with this id runs on this machine (it may be another program that took the id)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def loopback_url(host: str, port: int) -> str:
    """The URL a command on this machine uses to reach a server listening on ``host``: a wildcard address is
    reached through loopback."""
    if host in ("", "0.0.0.0", "localhost"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
