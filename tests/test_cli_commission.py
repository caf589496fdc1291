"""``saylau users add --password-stdin`` and ``saylau users passwd``: passwords come
from standard input, a weak one leaves nothing written, and each is audited."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from saylau.cli import main
from saylau.store import Store
from saylau.store import commission as cs
from saylau.trust import accounts, audit, passwords


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, prog_name="saylau")


def _db(tmp_path: Path) -> str:
    db = str(tmp_path / "s.db")
    init = ["init", db, "--election", "Test", "--contest", "c", "--law", "kz-majilis-2021"]
    assert run(*init).exit_code == 0
    return db


def test_add_with_password_then_passwd(tmp_path: Path) -> None:
    db = _db(tmp_path)
    r = run("users", "add", db, "op1", "--role", "cec",
            "--password-stdin", input="first password 1\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert r.stdout.strip().startswith("sl_")  # the API token still comes, once
    store = Store.open(db)
    with store.engine.connect() as conn:
        assert passwords.verify_password("first password 1", cs.password_hash(conn, "op1"))
    r = run("users", "passwd", db, "op1", input="second password 2\n")
    assert r.exit_code == 0, r.output
    with store.engine.connect() as conn:
        stored = cs.password_hash(conn, "op1")
        assert passwords.verify_password("second password 2", stored)
        assert not passwords.verify_password("first password 1", stored)
        assert "first password" not in stored
        assert [e.action for e in audit.entries(conn)] == [
            "register",  # the contest's law and divisions, at init
            "account-add",
            "password",
            "password",
        ]
    store.close()


def test_weak_password_or_unknown_account_writes_nothing(tmp_path: Path) -> None:
    db = _db(tmp_path)
    r = run("users", "add", db, "op1", "--role", "cec",
            "--password-stdin", input="short\n")  # fmt: skip
    assert r.exit_code == 2
    assert r.output.strip() == "error: a password needs at least 10 characters"
    r = run("users", "passwd", db, "nobody", input="long enough password\n")
    assert r.exit_code == 2 and "account 'nobody' does not exist" in r.output
    store = Store.open(db)
    with store.engine.connect() as conn:
        assert accounts.list_accounts(conn) == []
        assert [e.action for e in audit.entries(conn)] == ["register"]  # init's only
    store.close()
