"""Browser sessions and sign-in throttling: the rules, with no storage.

A session id is 256 random bits shown only to the browser (in an HttpOnly cookie);
the server keeps its SHA-256, so a copy of the database does not hand out sessions.
A session ends after ``Policy.idle`` without a request or ``Policy.absolute`` after
sign-in, whichever comes first.  The CSRF token of a session is an HMAC of a fixed
label under the session id: it is bound to the session, needs no storage and
cannot be computed by a page that cannot read the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

#: The cookie holding the session id.
COOKIE = "saylau_session"


@dataclass(frozen=True)
class Policy:
    """Session and throttling limits (configuration, read at the edge)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=14)  # an election night, not longer
    #: Failed sign-ins allowed per account, and per client address, within ``window``.
    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


DEFAULT_POLICY = Policy()


def new_session_id() -> str:
    """A fresh random session id (the cookie value)."""
    return secrets.token_urlsafe(32)


def session_key(session_id: str) -> str:
    """What the server stores for ``session_id``: its SHA-256."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def csrf_token(session_id: str) -> str:
    """The CSRF token every form of the session carries."""
    return hmac.new(session_id.encode(), b"saylau-csrf-v1", hashlib.sha256).hexdigest()


def csrf_ok(session_id: str, token: str | None) -> bool:
    """True when ``token`` is the session's CSRF token (constant-time)."""
    return bool(token) and hmac.compare_digest(csrf_token(session_id), str(token))


def expired(created: datetime, seen: datetime, now: datetime, policy: Policy) -> bool:
    """True when a session created at ``created`` and last used at ``seen`` is over."""
    return now - seen > policy.idle or now - created > policy.absolute


def throttled(account_failures: int, address_failures: int, policy: Policy) -> bool:
    """True when another sign-in attempt must be refused without checking the password."""
    return account_failures >= policy.per_account or address_failures >= policy.per_address
