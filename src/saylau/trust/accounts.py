"""Commission accounts: roles scoped to the division tree, bearer tokens.

A token is ``sl_<token id>.<secret>``: the id (public, indexed) finds the account,
the 256-bit secret is checked against its stored SHA-256 with a constant-time
compare.  Only the hash is stored; the token is shown once when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from saylau.errors import ConflictError, InputError, NotFoundError
from saylau.jsonable import json_fields
from saylau.store import accounts as rows
from saylau.store.engine import Tx


class Role(StrEnum):
    """What an account may do (see docs/trust.md for the full matrix)."""

    STATION = "station"  # submits its own station's protocol
    TERRITORIAL = "territorial"  # submits, corrects and approves within its subtree
    CEC = "cec"  # administers accounts, certifies contests, records decisions
    OBSERVER = "observer"  # reads everything including history; submits nothing


#: Roles that may write protocols.
SUBMITTERS = frozenset({Role.STATION, Role.TERRITORIAL, Role.CEC})
#: Roles that may read the audit log and protocol histories.
READERS = frozenset({Role.TERRITORIAL, Role.CEC, Role.OBSERVER})


def now() -> datetime:
    return datetime.now(UTC)


def iso(t: datetime) -> str:
    """Microsecond ISO-8601 UTC text (sorts as time; identical on every backend)."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_scope(role: Role, scope: str | None) -> str | None:
    """Validate the division id ``scope`` for ``role`` (``None`` = the whole tree).

    Scopes are division ids of the contests' trees (``region:Almaty``,
    ``district:Almaty/Bostandyk``, a station id); see ``saylau.store.divisions``.
    """
    scope = scope.strip() if scope else None
    if role is Role.STATION and not scope:
        raise InputError("a station account needs its station id as its scope")
    if role is Role.TERRITORIAL and not scope:
        raise InputError(
            "a territorial account needs a division id (region or district) as its scope"
        )
    if role in (Role.CEC, Role.OBSERVER) and scope:
        raise InputError(f"a {role} account covers every division; scope '{scope}' is not allowed")
    if scope is not None and (len(scope) > 300 or not scope.isprintable()):
        raise InputError(f"scope {scope!r} must be 1-300 printable characters")
    return scope


def in_scope(scope: str | None, path: Sequence[str]) -> bool:
    """True when a division with ancestors-or-self ``path`` lies inside ``scope``."""
    return scope is None or scope in path


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Account:
    """A commission's account as stored (never holds the token)."""

    name: str
    role: Role
    scope: str | None = None
    created_at: str = ""
    created_by: str = ""
    expires_at: str | None = None
    revoked_at: str | None = None

    def status(self, at: datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= iso(at or now()):
            return "expired"
        return "active"

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self, role=str(self.role), status=self.status())


def _account(row: Mapping[str, Any]) -> Account:
    return Account(
        name=row["name"],
        role=Role(row["role"]),
        scope=row["scope"] or None,
        created_at=row["created_at"],
        created_by=row["created_by"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


def add_account(
    conn: Tx,
    name: str,
    role: str,
    scope: str | None = None,
    *,
    by: str,
    expires_in: timedelta | None = timedelta(days=90),
    lang: str | None = None,
) -> tuple[Account, str]:
    """Create an account; return it and its token (the only time the token exists).

    ``lang``: its preferred language in the commission workspace (None: the browser's)."""
    check_language(lang)
    problems = []
    if not name or len(name) > 200 or not name.isprintable():
        problems.append(f"account name {name!r} must be 1-200 printable characters")
    try:
        role_ = Role(role)
    except ValueError:
        problems.append(f"role '{role}' is not one of {', '.join(r.value for r in Role)}")
        raise InputError(problems) from None
    if problems:
        raise InputError(problems)
    clean = parse_scope(role_, scope)
    if clean is not None and not rows.division_exists(conn, clean):
        raise InputError(f"scope '{clean}' is not a registered division of any contest")
    if rows.by_name(conn, name) is not None:
        raise InputError(f"account '{name}' already exists")
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)  # 256 bits
    created = now()
    created_at = iso(created)
    expires_at = iso(created + expires_in) if expires_in else None
    values = {
        "name": name,
        "role": role_.value,
        "scope": clean or "",
        "token_id": token_id,
        "token_hash": hash_secret(secret),
        "created_at": created_at,
        "created_by": by,
        "expires_at": expires_at,
        "revoked_at": None,
    }
    rows.insert(conn, values)
    if lang is not None:
        rows.set_language(conn, name, lang)
    account = Account(name, role_, clean, created_at, by, expires_at, None)
    return account, f"sl_{token_id}.{secret}"


#: The languages an account may prefer (the site's, ``saylau.web.i18n.LANGUAGES``;
#: a domain module does not import web/, tests/web/test_commission_language.py
#: checks the two agree).
LANGUAGES = ("en", "ru", "kk")


def check_language(lang: str | None) -> None:
    if lang is not None and lang not in LANGUAGES:
        raise InputError(f"lang '{lang}' is not one of {', '.join(LANGUAGES)}")


def language(conn: Tx, name: str) -> str | None:
    """``name``'s preferred language, or None (no preference, or no such account)."""
    return rows.language(conn, name)


def set_language(conn: Tx, name: str, lang: str | None) -> None:
    """Set (None: clear) ``name``'s preferred language.

    Not audited: a display preference decides nothing about seats, and ``audit
    verify`` does not read it (``integrity.ACCOUNT_FIELDS``)."""
    check_language(lang)
    get_account(conn, name)
    rows.set_language(conn, name, lang)


def list_accounts(conn: Tx) -> list[Account]:
    return [_account(r) for r in rows.all_rows(conn)]


def get_account(conn: Tx, name: str) -> Account:
    row = rows.by_name(conn, name)
    if row is None:
        raise NotFoundError(f"account '{name}' does not exist")
    return _account(row)


def revoke_account(conn: Tx, name: str) -> Account:
    """Revoke ``name``'s token now (idempotent: a revoked account stays revoked)."""
    account = get_account(conn, name)
    if account.revoked_at:
        return account
    at = iso(now())
    # Else nobody could administer accounts, certify or decide any more.
    last_cec = account.role is Role.CEC and account.status() == "active"
    if last_cec and rows.active_cec_count(conn, at) <= 1:
        raise ConflictError(f"account '{name}' is the last active CEC account")
    rows.set_revoked(conn, name, at)
    return get_account(conn, name)


class AuthError(Exception):
    """A token that does not authenticate (the reason is for logs, not for clients)."""


def authenticate(conn: Tx, token: str) -> Account:
    """The active account of ``token``; raises AuthError otherwise."""
    if not token.startswith("sl_") or "." not in token or len(token) > 200:
        raise AuthError("malformed token")
    token_id, _, secret = token[3:].partition(".")
    row = rows.by_token_id(conn, token_id)
    # Hash and compare even for an unknown id, so timing does not reveal which ids exist.
    expected = row["token_hash"] if row is not None else "0" * 64
    if not hmac.compare_digest(hash_secret(secret), expected) or row is None:
        raise AuthError("unknown token")
    account = _account(row)
    status = account.status()
    if status != "active":
        raise AuthError(f"token {status}")
    return account
