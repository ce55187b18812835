"""The web editor's sessions: a partner's token exchanged for a session cookie, and the CSRF tokens of its forms.

A provider signs in once with the token ``smarco-kg token create`` gave them; the server keeps, in memory, only
the session's random id, the token's *id* (never the token), its partner, the session's CSRF token and its
deadlines: no personal data. Every use checks the token is still in the tokens file, so revoking it ends its
sessions at the next request; signing out removes the session here, so a copied cookie is worth nothing after.
Sessions live as long as the process: a restart signs everyone out (one process serves writes, so one table).

CSRF: the forms of a session carry its synchronizer token; the sign-in form, which has no session yet, carries
a signed double-submit pair (a random nonce in a cookie, its HMAC under a per-process key in the form).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from smarco_kg.auth import Principal, TokenFileError, TokenStore

LIFETIME = 8 * 3600.0
"""A session's longest life, in seconds: a working day, then sign in again."""
IDLE = 2 * 3600.0
"""A session unused this long ends."""
SIGN_IN_LIFETIME = 30 * 60.0
"""How long a sign-in form stays usable."""


@dataclass
class Session:
    """One signed-in partner: whose token (its id), for whom, the forms' CSRF token and when it ends."""

    id: str
    token_id: str
    partner: str | None
    admin: bool
    csrf: str
    created: float
    used: float
    upload: tuple[str, bytes] | None = None  # a checked spreadsheet waiting to be imported: (file name, bytes)

    @property
    def principal(self) -> Principal:
        return Principal(token_id=self.token_id, partner=self.partner, admin=self.admin)


@dataclass
class Sessions:
    """The sessions of one process, checked against the tokens file on every use."""

    tokens: TokenStore
    lifetime: float = LIFETIME
    idle: float = IDLE
    _table: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def start(self, secret: str) -> Session | None:
        """A new session for this token, or None if the token is unknown or revoked."""
        try:
            principal = self.tokens.authenticate(secret)
        except TokenFileError:  # fail closed: a tokens file that cannot be read lets no one in
            principal = None
        if principal is None:
            return None
        now = time.monotonic()
        session = Session(
            id=secrets.token_urlsafe(32),
            token_id=principal.token_id,
            partner=principal.partner,
            admin=principal.admin,
            csrf=secrets.token_urlsafe(32),
            created=now,
            used=now,
        )
        with self._lock:
            self._forget_expired(now)
            self._table[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The live session of this cookie value: None if there is none, it expired or its token was revoked."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._table.get(session_id)
            if session is None:
                return None
            if self._expired(session, now) or not self._token_lives(session.token_id):
                del self._table[session_id]
                return None
            session.used = now
            return session

    def end(self, session_id: str | None) -> None:
        """Sign out: the session is gone, whoever holds its cookie."""
        if session_id:
            with self._lock:
                self._table.pop(session_id, None)

    def max_age(self) -> int:
        """The cookie's Max-Age: the session's longest life."""
        return int(self.lifetime)

    @staticmethod
    def csrf_ok(session: Session, given: str | None) -> bool:
        """Whether a form's CSRF token is the session's (compared in constant time)."""
        return bool(given) and hmac.compare_digest(session.csrf.encode(), str(given).encode())

    # the sign-in form: signed double submit ----------------------------------------------------------------

    def sign_in_pair(self) -> tuple[str, str]:
        """(nonce for the cookie, token for the form): the form's token is the nonce's HMAC with its time."""
        nonce = f"{int(time.time())}.{secrets.token_urlsafe(24)}"
        return nonce, self._sign(nonce)

    def sign_in_ok(self, nonce: str | None, given: str | None) -> bool:
        """Whether the sign-in form's token matches its cookie's nonce and the form is recent enough."""
        if not nonce or not given:
            return False
        issued, _, _ = nonce.partition(".")
        if not issued.isdigit() or time.time() - int(issued) > SIGN_IN_LIFETIME:
            return False
        return hmac.compare_digest(self._sign(nonce).encode(), str(given).encode())

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()

    # -------------------------------------------------------------------------------------------------------

    def _expired(self, session: Session, now: float) -> bool:
        return now - session.created > self.lifetime or now - session.used > self.idle

    def _token_lives(self, token_id: str) -> bool:
        try:
            return any(record.id == token_id for record in self.tokens.list())
        except TokenFileError:  # fail closed: a tokens file that cannot be read ends the sessions
            return False

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, s in self._table.items() if self._expired(s, now)]:
            del self._table[key]


__all__ = ["IDLE", "LIFETIME", "Session", "Sessions"]
