"""Write authentication: bearer tokens, each belonging to one partner (its own graph only) or to an administrator.

Reads stay public; every write needs a token. Tokens live in a tokens file (``Settings.tokens_file``,
``SMARCO_TOKENS_FILE``, default ``var/tokens.json``) that holds only their SHA-256 hashes, never the tokens;
``smarco-kg token create|list|revoke`` manages it, and a running server sees its changes without a restart.
Every write is logged on the ``smarco_kg.writes`` logger: who, which graph, which operation, how many triples.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from smarco_kg.graphs import Graphs

try:  # POSIX: serialise concurrent `smarco-kg token` commands on the same file
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]  # a module cannot be annotated as optional

DEFAULT_TOKENS_FILE = Path("var/tokens.json")
TOKEN_PREFIX = "smarco_"
FILE_VERSION = 1
PARTNER_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TOKEN68 = re.compile(r"^[A-Za-z0-9._~+/-]+=*$")

write_log = logging.getLogger("smarco_kg.writes")


class TokenFileError(ValueError):
    """The tokens file exists but cannot be read as one (bad JSON, wrong version, malformed records, unreadable)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: not a usable tokens file ({reason})")
        self.path = path
        self.reason = reason


class UnknownToken(KeyError):
    """No token with this id in the tokens file."""

    def __init__(self, token_id: str, path: Path) -> None:
        super().__init__(token_id)
        self.token_id = token_id
        self.path = path

    def __str__(self) -> str:  # KeyError would quote the whole message
        return f"no token with id {self.token_id!r} in {self.path}"


def check_partner_slug(slug: str) -> str:
    """Return ``slug`` if it names a partner graph (lower-case letters and digits, single hyphens), else ValueError."""
    if not isinstance(slug, str) or not PARTNER_SLUG.match(slug):
        raise ValueError(
            f"{slug!r} is not a partner slug: use lower-case letters and digits, words joined by single hyphens "
            "(e.g. cefriel, city-of-oulu)"
        )
    return slug


def tokens_path(settings: object) -> Path:
    """The tokens file of these settings: ``settings.tokens_file``, else ``$SMARCO_TOKENS_FILE``, else the default."""
    configured = getattr(settings, "tokens_file", None)
    if configured is not None:
        return Path(configured)
    return Path(os.environ.get("SMARCO_TOKENS_FILE") or DEFAULT_TOKENS_FILE)


@dataclass(frozen=True)
class Principal:
    """Who is writing: the holder of one token, either a partner (its own graph only) or an administrator."""

    token_id: str
    partner: str | None
    admin: bool
    label: str = ""

    def __post_init__(self) -> None:
        if self.admin and self.partner is not None:
            raise ValueError("a token belongs to one partner or is an admin token, not both")
        if not self.admin and self.partner is None:
            raise ValueError("a token needs a partner or must be an admin token")

    def may_write(self, graph: str, graphs: Graphs) -> bool:
        """An admin may write any graph; a partner only its own partner graph, ``graphs.partner(slug)``."""
        if self.admin:
            return True
        return self.partner is not None and graph == graphs.partner(self.partner)

    @property
    def actor(self) -> str:
        """Who wrote, as the change feed names them: the partner's slug, or ``admin``; never the token."""
        return "admin" if self.admin else str(self.partner)

    @property
    def name(self) -> str:
        """For logs and messages, e.g. ``cefriel (token 3f9a1b2c)`` or ``admin (token 0d4e5f60)``."""
        return f"{'admin' if self.admin else self.partner} (token {self.token_id})"


@dataclass(frozen=True)
class TokenRecord:
    """What the tokens file keeps of one token: never the token itself, only its SHA-256 hash."""

    id: str
    sha256: str
    partner: str | None
    admin: bool
    label: str
    created: str

    @property
    def principal(self) -> Principal:
        return Principal(token_id=self.id, partner=self.partner, admin=self.admin, label=self.label)

    @property
    def scope(self) -> str:
        """``admin`` or ``partner <slug>``, for listings."""
        return "admin" if self.admin else f"partner {self.partner}"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sha256": self.sha256,
            "partner": self.partner,
            "admin": self.admin,
            "label": self.label,
            "created": self.created,
        }

    @classmethod
    def from_json(cls, data: object) -> TokenRecord:
        """Raise ValueError unless ``data`` is one well-formed record."""
        if not isinstance(data, dict):
            raise ValueError("a token record is not a JSON object")
        token_id, digest, partner = data.get("id"), data.get("sha256"), data.get("partner")
        admin, label, created = data.get("admin", False), data.get("label", ""), data.get("created", "")
        if not isinstance(token_id, str) or not token_id:
            raise ValueError("a token record has no id")
        if not isinstance(digest, str) or not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ValueError(f"token {token_id} has no valid sha256 hash")
        if not isinstance(admin, bool) or not isinstance(label, str) or not isinstance(created, str):
            raise ValueError(f"token {token_id} has a malformed admin, label or created field")
        if admin and partner is not None:
            raise ValueError(f"token {token_id} has both a partner and admin rights")
        if not admin:
            if partner is None:
                raise ValueError(f"token {token_id} has neither a partner nor admin rights")
            check_partner_slug(partner)
        return cls(id=token_id, sha256=digest, partner=partner, admin=admin, label=label, created=created)


def hash_token(secret: str) -> str:
    """The SHA-256 hex digest of a token.

    A plain fast hash is enough here: tokens are 256 bits from ``secrets.token_urlsafe(32)``, not passwords a
    person chose, so no dictionary exists to try and brute force over 2**256 is out of reach; a salt or a slow
    hash (bcrypt, scrypt, argon2) would add cost to every write request and nothing to security.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_Signature = tuple[int, int, int, int]


class TokenStore:
    """The tokens file: create, revoke, list and authenticate tokens.

    The file is JSON, ``{"version": 1, "tokens": [record, ...]}``, mode 0600, replaced atomically on every change.
    A missing file is an empty store. Every lookup first checks the file's identity (inode, mtime, ctime, size)
    and reloads it if it changed, so a server sees ``smarco-kg token create``/``revoke`` at its next request. A
    file that becomes corrupt raises :class:`TokenFileError` rather than keeping stale tokens: authentication
    fails closed.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._signature: _Signature | None = None
        self._records: tuple[TokenRecord, ...] = ()
        self._loaded = False

    # reading -----------------------------------------------------------------------------------------------

    def _stat(self) -> _Signature | None:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise TokenFileError(self.path, error.strerror or str(error)) from error
        return (info.st_ino, info.st_mtime_ns, info.st_ctime_ns, info.st_size)

    def _read(self) -> tuple[TokenRecord, ...]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ()
        except (OSError, UnicodeDecodeError) as error:
            raise TokenFileError(self.path, getattr(error, "strerror", None) or str(error)) from error
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise TokenFileError(self.path, f"invalid JSON: {error}") from error
        if not isinstance(data, dict) or data.get("version") != FILE_VERSION:
            raise TokenFileError(self.path, f'expected a JSON object with "version": {FILE_VERSION}')
        tokens = data.get("tokens")
        if not isinstance(tokens, list):
            raise TokenFileError(self.path, '"tokens" is not a list')
        try:
            records = tuple(TokenRecord.from_json(item) for item in tokens)
        except ValueError as error:
            raise TokenFileError(self.path, str(error)) from error
        if len({record.id for record in records}) != len(records):
            raise TokenFileError(self.path, "two tokens share an id")
        return records

    def _current(self) -> tuple[TokenRecord, ...]:
        """The records, reloaded if the file changed since they were read."""
        with self._lock:
            signature = self._stat()
            if not self._loaded or signature != self._signature:
                self._records = self._read()  # if the file changes meanwhile, the next call reads it again
                self._signature = signature
                self._loaded = True
            return self._records

    def list(self) -> list[TokenRecord]:
        """Every token's record, oldest first; never a token itself."""
        return list(self._current())

    def authenticate(self, secret: str) -> Principal | None:
        """The principal of this token, or None if it is not (or no longer) in the file.

        Compares the token's hash with every stored hash in constant time (``hmac.compare_digest``).
        """
        if not isinstance(secret, str) or not secret:
            return None
        digest = hash_token(secret).encode("ascii")
        found: TokenRecord | None = None
        for record in self._current():
            if hmac.compare_digest(digest, record.sha256.encode("ascii")):
                found = record
        return found.principal if found is not None else None

    # writing -----------------------------------------------------------------------------------------------

    @contextmanager
    def _changing(self) -> Iterator[builtins.list[TokenRecord]]:  # `list` alone names the method
        """Hold the file for a read-modify-write (one process and thread at a time); yield the records to edit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                if fcntl is not None:
                    fcntl.flock(folder, fcntl.LOCK_EX)
                records = list(self._read())
                yield records
                self._write(records)
                self._records = tuple(records)
                self._signature = self._stat()
                self._loaded = True
            finally:
                os.close(folder)  # closing releases the lock

    def _write(self, records: builtins.list[TokenRecord]) -> None:
        payload = {"version": FILE_VERSION, "tokens": [record.to_json() for record in records]}
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(handle, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(payload, stream, indent=2)
                stream.write("\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        with suppress(OSError):  # make the rename durable; not every platform can fsync a folder
            folder = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)

    def create(self, *, partner: str | None, admin: bool = False, label: str = "") -> tuple[str, TokenRecord]:
        """Make a token for one partner or an administrator; return it (the only time it exists) and its record."""
        if admin and partner is not None:
            raise ValueError("a token belongs to one partner or is an admin token, not both")
        if not admin:
            if partner is None:
                raise ValueError("a token needs a partner (its slug) or admin rights")
            check_partner_slug(partner)
        if not isinstance(label, str):
            raise ValueError("a token's label is text")
        label = " ".join(label.split())  # one line in listings and logs
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self._changing() as records:
            taken = {record.id for record in records}
            token_id = secrets.token_hex(4)
            while token_id in taken:
                token_id = secrets.token_hex(4)
            record = TokenRecord(
                id=token_id,
                sha256=hash_token(secret),
                partner=None if admin else partner,
                admin=admin,
                label=label,
                created=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            records.append(record)
        return secret, record

    def revoke(self, token_id: str) -> TokenRecord:
        """Remove a token from the file, so it no longer authenticates; return its record. UnknownToken if absent."""
        with self._changing() as records:
            for index, record in enumerate(records):
                if record.id == token_id:
                    del records[index]
                    return record
            raise UnknownToken(token_id, self.path)


def bearer_secret(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header; None without a header; ValueError if malformed.

    The scheme is case-insensitive (RFC 7235); any other scheme, a missing token or more than one is malformed.
    """
    if authorization is None:
        return None
    parts = authorization.strip().split()
    if not parts:
        raise ValueError("the Authorization header is empty; send 'Authorization: Bearer <token>'")
    if parts[0].lower() != "bearer":
        raise ValueError(f"the Authorization scheme must be Bearer, not {parts[0][:20]!r}")
    if len(parts) != 2 or not _TOKEN68.match(parts[1]):
        raise ValueError("the Authorization header must be 'Bearer <token>', with one token")
    return parts[1]


def log_write(principal: Principal, graph: str, added: int, removed: int, operation: str) -> None:
    """Log one write on ``smarco_kg.writes`` (INFO): one ``key=value`` line, the same fields in ``extra``."""
    fields = {
        "token_id": principal.token_id,
        "partner": principal.partner,
        "admin": principal.admin,
        "graph": graph,
        "operation": operation,
        "added": added,
        "removed": removed,
    }
    write_log.info(
        "write by=%s token=%s graph=<%s> operation=%s added=%d removed=%d",
        "admin" if principal.admin else principal.partner,
        principal.token_id,
        graph,
        operation,
        added,
        removed,
        extra={"write": fields},
    )


__all__ = [
    "DEFAULT_TOKENS_FILE",
    "TOKEN_PREFIX",
    "Principal",
    "TokenFileError",
    "TokenRecord",
    "TokenStore",
    "UnknownToken",
    "bearer_secret",
    "check_partner_slug",
    "hash_token",
    "log_write",
    "tokens_path",
    "write_log",
]
