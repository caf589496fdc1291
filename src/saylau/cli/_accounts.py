"""``saylau users list`` as a table in the one table style (:mod:`saylau.cli._table`).

Kept apart from :mod:`saylau.cli.trust` so the listing's look changes here alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from saylau.cli._table import Column, console, plural, show, tables
from saylau.trust.accounts import Account


def account_rows(found: Sequence[Account]) -> list[list[str]]:
    """One row per account: name, role, scope, status, expiry (never a token)."""
    return [
        [a.name, str(a.role), a.scope or "all", a.status(), _minute(a.expires_at)] for a in found
    ]


def _minute(stamp: str | None) -> str:
    """``2027-03-06T05:45:40.89Z`` as ``2027-03-06 05:45 UTC``: a token's expiry to the
    minute (``--json`` has the stored instant)."""
    if not stamp:
        return "never"
    return f"{stamp[:10]} {stamp[11:16]} UTC"


def print_accounts(found: Sequence[Account]) -> None:
    """The accounts as a titled table, or a sentence saying there are none
    (an empty listing looked like a failed command)."""
    out = console()
    if not found:
        # The database is not named: a postgresql:// URL may hold a password.
        out.print("No accounts yet: add one with `saylau users add`.", markup=False)
        return
    columns = [
        Column("Name"),
        Column("Role"),
        Column("Scope"),
        Column("Status"),
        Column("Expires", True),  # a timestamp: never folded
    ]
    title = f"Commission accounts: {plural(len(found), 'account')}"
    show(out, tables(title, columns, account_rows(found), width=out.width))
