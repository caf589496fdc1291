"""``saylau webhooks add|list|remove|log``: the URLs told of each published snapshot.

The secret that signs the requests is read from standard input (one line), never
from the command line where other users of the machine could read it, and it is
never printed (``list`` shows the URLs only).
"""

from __future__ import annotations

import json
import sys

import click

from saylau.cli._db import open_store
from saylau.cli._table import Column, console, show, tables


@click.group("webhooks", short_help="Announce each published snapshot to URLs (signed POST).")
def webhooks() -> None:
    """URLs that receive a signed POST for every snapshot `saylau publish` writes."""


@webhooks.command("add", short_help="Configure a URL for a contest (secret from stdin).")
@click.argument("db")
@click.argument("url")
@click.option("--contest", required=True, help="The contest whose snapshots are announced.")
@click.option(
    "--secret-stdin",
    is_flag=True,
    required=True,
    help="Read the signing secret (at least 16 characters) from standard input.",
)
def add(db: str, url: str, contest: str, secret_stdin: bool) -> None:
    """Announce every published snapshot of CONTEST to URL, signed with the secret
    read from standard input (HMAC-SHA256, header X-Saylau-Signature)."""
    from saylau.errors import InputError
    from saylau.store import webhooks as stored

    if not secret_stdin:
        raise InputError("--secret-stdin: the signing secret is read from standard input")
    secret = sys.stdin.readline().rstrip("\r\n")
    store = open_store(db)
    try:
        hook = stored.add(store, contest, url, secret)
    finally:
        store.close()
    click.echo(f"webhook {hook.id}: {hook.url} for contest '{hook.contest}'")


@webhooks.command("list", short_help="List the configured webhooks (never their secrets).")
@click.argument("db")
@click.option("--contest", default=None, help="Only this contest's webhooks.")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
def list_(db: str, contest: str | None, as_json: bool) -> None:
    """List the webhooks: id, contest, URL, when added."""
    from saylau.store import webhooks as stored

    store = open_store(db)
    try:
        rows = stored.listed(store, contest)
    finally:
        store.close()
    if not rows and not as_json:
        click.echo("no webhooks")
        return
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in rows], indent=2, ensure_ascii=False))
        return
    table = [[str(h.id), h.contest, h.url, h.created_at] for h in rows]
    columns = [Column("Id", figure=True), Column("Contest"), Column("URL"), Column("Added")]
    out = console()
    show(out, tables("Webhooks", columns, table, width=out.width))


@webhooks.command("remove", short_help="Remove a webhook (its delivery log stays).")
@click.argument("db")
@click.argument("webhook_id", metavar="ID", type=int)
def remove(db: str, webhook_id: int) -> None:
    """Remove the webhook ID (see `saylau webhooks list`)."""
    from saylau.store import webhooks as stored

    store = open_store(db)
    try:
        hook = stored.remove(store, webhook_id)
    finally:
        store.close()
    click.echo(f"removed webhook {hook.id}: {hook.url} for contest '{hook.contest}'")


@webhooks.command("log", short_help="Show the delivery log: every attempt and its answer.")
@click.argument("db")
@click.option("--id", "webhook_id", type=int, default=None, help="Only this webhook's attempts.")
@click.option(
    "--limit", type=click.IntRange(1), default=50, show_default=True, help="How many attempts."
)
def log(db: str, webhook_id: int | None, limit: int) -> None:
    """The newest attempts, oldest first: time, webhook id (its URL: `webhooks list`),
    snapshot, attempt, the HTTP status or the error."""
    from saylau.store import webhooks as stored

    store = open_store(db)
    try:
        rows = stored.deliveries(store, webhook_id, limit)
    finally:
        store.close()
    if not rows:
        click.echo("no deliveries")
        return
    table = [
        [
            d.at[:19].replace("T", " "),  # UTC, to the second
            str(d.webhook),
            d.snapshot,
            str(d.attempt),
            str(d.status) if d.status is not None else f"error: {d.error}",
        ]
        for d in rows
    ]
    columns = [
        Column("Time (UTC)", figure=True),
        Column("Webhook", figure=True),
        Column("Snapshot"),
        Column("Attempt", figure=True),
        Column("Answer"),
    ]
    out = console()
    show(out, tables("Webhook deliveries", columns, table, width=out.width))


COMMANDS: list[click.Command] = [webhooks]
