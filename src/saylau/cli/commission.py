"""``saylau users add … --password-stdin`` and ``saylau users passwd``: passwords for
the commission workspace (``saylau.trust.desk``).

The ``users`` group lives in ``saylau.cli.trust``; :func:`install` adds these to it.
The password is read from standard input (one line), never from the command line,
where other users of the machine could read it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta

import click

from saylau.cli._db import check_exists, open_store
from saylau.cli._options import F
from saylau.trust import accounts, audit, passwords


def _by_option(help: str) -> Callable[[F], F]:
    """``--by``: who does it, as the audit log records it."""
    return click.option("--by", default="cli", show_default=True, help=help)


def _read_password() -> str:
    line = sys.stdin.readline().rstrip("\r\n")
    passwords.check_strength(line)
    return line


@click.command("add", short_help="Create an account; print its API token once.")
@click.argument("db")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in accounts.Role]),
    help="What the account may do.",
)
@click.option(
    "--scope",
    default=None,
    help="Division id: the station (station role) or region/district (territorial).",
)
@click.option(
    "--expires-days",
    default=90,
    show_default=True,
    type=click.IntRange(1, 3660),
    help="Token lifetime.",
)
@_by_option("Who creates the account (recorded in the audit log).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Also set a password for the browser workspace, read from standard input.",
)
@click.option(
    "--lang",
    default=None,
    type=click.Choice(accounts.LANGUAGES),
    help="The workspace's language at sign-in (default: the browser's).",
)
def users_add(
    db: str,
    name: str,
    role: str,
    scope: str | None,
    expires_days: int,
    by: str,
    password_stdin: bool,
    lang: str | None,
) -> None:
    """Create an account and print its API token ONCE (only its hash is stored)."""
    from saylau.store import commission as cs
    from saylau.store.engine import write_transaction
    from saylau.store.integrity import secret_digest

    # Hashed before the transaction: a weak password leaves nothing written.
    digest = passwords.hash_password(_read_password()) if password_stdin else None
    store = open_store(db)
    try:
        with write_transaction(store.engine) as conn:
            account, token = accounts.add_account(
                conn,
                name,
                role,
                scope,
                by=by,
                expires_in=timedelta(days=expires_days),
                lang=lang,
            )
            if digest is not None:
                cs.set_password_hash(conn, name, digest, account.created_at)
                detail = {"sessions_ended": 0, "hash": secret_digest(digest)}
                audit.append(conn, by, "password", subject=name, detail=detail)
    finally:
        store.close()
    click.echo(
        f"account '{name}' ({role}{', ' + scope if scope else ''}) expires {account.expires_at}"
        + ("; password set" if digest else "")
        + "; its token is shown once, below:",
        err=True,
    )
    click.echo(token)


@click.command("passwd", short_help="Set an account's workspace password.")
@click.argument("db")
@click.argument("name")
@_by_option("Who sets it (recorded in the audit log).")
def users_passwd(db: str, name: str, by: str) -> None:
    """Set NAME's workspace password from standard input (its sessions end)."""
    from saylau.store import Store
    from saylau.trust.desk import Desk

    password = _read_password()
    check_exists(db)  # a missing database is an error, not created
    store = Store.open(db)
    try:
        Desk(store).set_password(name, password, by=by)
    finally:
        store.close()
    click.echo(f"password of '{name}' set; its open sessions ended", err=True)


def install(users: click.Group) -> None:
    """Put ``add --password-stdin`` and ``passwd`` into the ``users`` group."""
    users.add_command(users_add, "add")
    users.add_command(users_passwd, "passwd")


__all__ = ["install"]
