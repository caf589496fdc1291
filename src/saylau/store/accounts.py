"""The ``trust_accounts`` rows: the SQL behind ``saylau.trust.accounts``.

The rules (roles, scopes, tokens, expiry) are in ``saylau.trust.accounts``; this
module only reads and writes rows, in the caller's connection or transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, Connection, select, update

from saylau.store import audit, integrity
from saylau.store.schema import accounts, divisions


def _row(conn: Connection, where: ColumnElement[bool]) -> dict[str, Any] | None:
    row = conn.execute(select(accounts).where(where)).first()
    return None if row is None else dict(row._mapping)


def by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    """The account row named ``name``, or None."""
    return _row(conn, accounts.c.name == name)


def by_token_id(conn: Connection, token_id: str) -> dict[str, Any] | None:
    """The account row of the public token id ``token_id``, or None."""
    return _row(conn, accounts.c.token_id == token_id)


def all_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every account row, by name."""
    return [dict(r._mapping) for r in conn.execute(select(accounts).order_by(accounts.c.name))]


def insert(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert an account row and its ``account-add`` audit entry (one transaction)."""
    conn.execute(accounts.insert().values(**values))
    # Audited with the write, whoever calls: an account no entry records is what
    # ``audit verify`` reports as inserted behind the application's back.
    audit.append(
        conn,
        values["created_by"],
        "account-add",
        subject=values["name"],
        detail=integrity.account_detail(values),
    )


def language(conn: Connection, name: str) -> str | None:
    row = conn.execute(select(accounts.c.lang).where(accounts.c.name == name)).first()
    return None if row is None or row[0] is None else str(row[0])


def set_language(conn: Connection, name: str, lang: str | None) -> None:
    conn.execute(update(accounts).where(accounts.c.name == name).values(lang=lang))


def set_revoked(conn: Connection, name: str, at: str) -> None:
    conn.execute(update(accounts).where(accounts.c.name == name).values(revoked_at=at))


def division_exists(conn: Connection, division: str) -> bool:
    """True when some contest has a division with id ``division`` (an account's scope)."""
    row = conn.execute(select(divisions.c.id).where(divisions.c.id == division).limit(1)).first()
    return row is not None


def active_cec_count(conn: Connection, at: str) -> int:
    """Active (not revoked, not expired at ``at``) CEC accounts."""
    rows = conn.execute(
        select(accounts.c.expires_at).where(
            accounts.c.role == "cec", accounts.c.revoked_at.is_(None)
        )
    ).all()
    return sum(1 for r in rows if r.expires_at is None or r.expires_at > at)
