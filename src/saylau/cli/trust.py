"""``saylau users``, ``saylau audit``, ``saylau keygen``, ``saylau sign``, ``saylau verify``.

Thin: parse, call ``saylau.trust``, render.  Tokens are printed once, on stdout
alone (so ``TOKEN=$(saylau users add …)`` works), and never again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from saylau.cli._db import open_store
from saylau.cli._options import (
    EXISTING_FILE,
    in_file_option,
    json_option,
    key_option,
    out_file_option,
)
from saylau.cli._table import plural
from saylau.errors import InputError
from saylau.trust import accounts, audit, signing


def _write_atomic(out: Path, text: str, encoding: str) -> None:
    """Write ``out`` via ``OUT.part`` and a rename: nothing half-written is left behind."""
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_text(text, encoding=encoding)
        tmp.replace(out)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{out}: cannot write: {err.strerror or err}") from None


@click.group("users")
def users() -> None:
    """Commission accounts: add, list, revoke."""


# `users add` (with --password-stdin) and `users passwd` live in saylau.cli.commission
# and join this group through install(users) at the end of this module.


@users.command("list")
@click.argument("db")
@json_option()
def users_list(db: str, as_json: bool) -> None:
    """List accounts (never tokens)."""
    with open_store(db) as store, store.engine.connect() as conn:
        found = accounts.list_accounts(conn)
    if as_json:
        click.echo(json.dumps([a.to_dict() for a in found], indent=2, ensure_ascii=False))
        return
    from saylau.cli._accounts import print_accounts

    print_accounts(found)


@users.command("revoke")
@click.argument("db")
@click.argument("name")
@click.option(
    "--by", default="cli", show_default=True, help="Who revokes (recorded in the audit log)."
)
def users_revoke(db: str, name: str, by: str) -> None:
    """Revoke an account's token now."""
    from saylau.store.engine import write_transaction

    with open_store(db) as store, write_transaction(store.engine) as conn:
        account = accounts.revoke_account(conn, name)
        audit.append(conn, by, "account-revoke", subject=name, detail=account.to_dict())
    click.echo(f"account '{name}' revoked at {account.revoked_at}")


@click.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log: verify, export."""


@audit_group.command("verify", short_help="Check the audit chain and every fact it vouches for.")
@click.argument("db")
@click.option(
    "--head",
    "head_text",
    default=None,
    metavar="SEQ:HASH",
    help="A published chain head (results page footer, contest JSON): the log must extend it.",
)
@in_file_option(
    "--since", "A signed export (contest JSON): the log must extend the head it carries."
)
def audit_verify(db: str, head_text: str | None, since: Path | None) -> None:
    """Replay the audit log and compare it with every table, both ways.

    Checks the hash chain, every protocol version and status, the counted
    version, the law, ballot and divisions, accounts, settings, approvals,
    certifications, decisions and aggregates.  With --head/--since, also that
    the log still extends a head published outside the database.  Exits 1 and
    names each table/row found changed; 0 when all is intact.
    """
    from saylau.trust import integrity

    published = None
    try:
        if head_text is not None:
            published = integrity.parse_head(head_text)
        elif since is not None:
            published = _head_of(since)
    except ValueError as err:
        raise InputError(f"--head: {err}" if head_text else f"{since}: {err}") from None
    with open_store(db) as store:
        report = integrity.verify(store.engine, published)
    for finding in report.findings:
        click.echo(f"TAMPERED: {finding}", err=True)
    click.echo(report.summary())
    if report.findings:
        sys.exit(1)


def _head_of(export: Path) -> tuple[int, str]:
    """The ``audit_head`` a contest JSON (signed export) carries."""
    try:
        doc = json.loads(export.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"cannot read JSON: {err}") from None
    head = doc.get("audit_head") if isinstance(doc, dict) else None
    if not isinstance(head, dict) or "seq" not in head or "hash" not in head:
        raise ValueError("carries no audit_head {seq, hash}")
    from saylau.trust import integrity

    return integrity.parse_head(f"{head['seq']}:{head['hash']}")


@audit_group.command("export")
@click.argument("db")
@out_file_option("File (default stdout).")
def audit_export(db: str, out: Path | None) -> None:
    """Write the whole audit log (with the head hash) as JSON."""
    with open_store(db) as store, store.engine.connect() as conn:
        seq, digest = audit.head(conn)
        doc = {"head": {"seq": seq, "hash": digest}, "entries": audit.export(audit.entries(conn))}
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    _write_atomic(out, text, "utf-8")
    click.echo(f"{plural(len(doc['entries']), 'entry')} written to {out}", err=True)


@click.command("keygen")
@out_file_option("Writes OUT.key and OUT.pub.", required=True)
def keygen(out: Path) -> None:
    """Create an Ed25519 key pair for signing published results."""
    key = signing.generate_key()
    private, public = out.with_name(out.name + ".key"), out.with_name(out.name + ".pub")
    if private.exists():
        raise InputError(f"{private}: exists; refusing to overwrite a signing key")
    try:
        private.touch(mode=0o600)
        private.write_bytes(signing.private_pem(key))
        public.write_bytes(signing.public_pem(key))
    except OSError as err:
        # Half a key pair is worse than none: the next keygen would refuse to run.
        private.unlink(missing_ok=True)
        public.unlink(missing_ok=True)
        raise InputError(f"{err.filename or out}: cannot write: {err.strerror or err}") from None
    click.echo(f"private key {private} (keep secret), public key {public} (publish)")


@click.command("sign", short_help="Sign a JSON results snapshot (Ed25519).")
@click.argument("snapshot", type=EXISTING_FILE)
@key_option("Secret key file (from saylau keygen).")
@out_file_option("Default SNAPSHOT.sig.")
def sign(snapshot: Path, key_path: Path, out: Path | None) -> None:
    """Sign a JSON results snapshot (Ed25519 over its canonical JSON)."""
    signature = signing.sign_file(snapshot, key_path)
    target = out or snapshot.with_name(snapshot.name + ".sig")
    _write_atomic(target, signature + "\n", "ascii")
    click.echo(f"signature written to {target}")


@click.command("verify", short_help="Check a signed results snapshot.")
@click.argument("snapshot", type=EXISTING_FILE)
@click.argument("signature", type=EXISTING_FILE)
@key_option("Public key file of the signer (.pub).")
def verify(snapshot: Path, signature: Path, key_path: Path) -> None:
    """Check a downloaded results snapshot against its signature and the public key."""
    if signing.verify_file(snapshot, signature, key_path):
        click.echo(f"OK: {snapshot} is signed by {key_path}")
        return
    click.echo(
        f"FAILED: {snapshot} does not match signature {signature} under {key_path}", err=True
    )
    sys.exit(1)


# `verify` is registered by saylau.cli.publish, which adds --manifest and calls this one.
COMMANDS: list[click.Command] = [users, audit_group, keygen, sign]

from saylau.cli.commission import install  # noqa: E402  (adds add --password-stdin, passwd)

install(users)
