"""`saylau audit verify` on a tampered database, and `saylau verify` on a tampered snapshot."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text
from trust_world import World

from saylau.cli import main


def test_clean_database_verifies(world: World) -> None:
    result = CliRunner().invoke(main, ["audit", "verify", world.url])
    assert result.exit_code == 0, result.output
    assert "INTACT" in result.output


def test_one_vote_changed_by_raw_sql_is_named(world: World) -> None:
    with world.store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE protocol_versions SET votes = :v WHERE contest_id = 'kz' AND station_id = 'S1'"
            ),
            {"v": json.dumps({"Amanat": 401, "Auyl": 200})},
        )
    result = CliRunner().invoke(main, ["audit", "verify", world.url])
    assert result.exit_code == 1
    assert (
        "TAMPERED: protocol_versions contest kz station S1 version 1: content does not match "
        "its stored hash" in result.output
    )


def test_vote_and_hash_changed_together_is_still_named(world: World) -> None:
    with world.store.engine.begin() as conn:
        conn.execute(
            text("UPDATE protocol_versions SET hash = :h WHERE station_id = 'S9'"), {"h": "f" * 64}
        )
        conn.execute(
            text("UPDATE protocols SET hash = :h WHERE station_id = 'S9'"), {"h": "f" * 64}
        )
    out = CliRunner().invoke(main, ["audit", "verify", world.url]).output
    assert (
        "protocol_versions contest kz station S9 version 1: no audit entry records this version's hash"
        in out
    )


def test_aggregate_changed_is_named(world: World) -> None:
    with world.store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE aggregate_votes SET votes = votes + 1000 "
                "WHERE contest_id = 'kz' AND division_id = 'region:Almaty' AND party = 'Amanat'"
            )
        )
    result = CliRunner().invoke(main, ["audit", "verify", world.url])
    assert result.exit_code == 1
    assert (
        "TAMPERED: aggregate_votes contest kz division region:Almaty: votes stored" in result.output
    )


def test_audit_entry_deleted_is_named(world: World) -> None:
    with world.store.engine.begin() as conn:
        conn.execute(text("DELETE FROM trust_audit WHERE seq = 1"))
    result = CliRunner().invoke(main, ["audit", "verify", world.url])
    assert result.exit_code == 1
    assert "trust_audit seq 1: entry missing (deleted)" in result.output


def test_export_round_trips(world: World, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(main, ["audit", "export", world.url, "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    # The contest's registered facts; the CEC's registration of the stations and
    # ballot, at once followed by the facts it changed (a ``register`` entry); the
    # accounts; then the two submissions, which register nothing.
    assert [e["action"] for e in doc["entries"]] == [
        "register",
        "registration",
        "register",
        *["account-add"] * 4,
        "submission",
        "submission",
    ]
    assert doc["head"]["hash"] == doc["entries"][-1]["hash"]


def test_sign_and_verify_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    snap = tmp_path / "results.json"
    snap.write_text(json.dumps({"contest": "kz", "seats": {"Amanat": 62, "Auyl": 8}}))
    assert runner.invoke(main, ["keygen", "--out", str(tmp_path / "cec")]).exit_code == 0
    signed = runner.invoke(main, ["sign", str(snap), "--key", str(tmp_path / "cec.key")])
    assert signed.exit_code == 0, signed.output
    args = [
        "verify",
        str(snap),
        str(tmp_path / "results.json.sig"),
        "--key",
        str(tmp_path / "cec.pub"),
    ]
    ok = runner.invoke(main, args)
    assert ok.exit_code == 0 and "OK" in ok.output
    snap.write_text(json.dumps({"contest": "kz", "seats": {"Amanat": 63, "Auyl": 7}}))
    bad = runner.invoke(main, args)
    assert bad.exit_code == 1 and "FAILED" in bad.output
    again = runner.invoke(main, ["keygen", "--out", str(tmp_path / "cec")])
    assert again.exit_code == 2 and "refusing to overwrite" in again.output


def test_users_cli(world: World) -> None:
    runner = CliRunner()
    added = runner.invoke(
        main, ["users", "add", world.url, "ps-101", "--role", "station", "--scope", "S1"]
    )
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("sl_")
    listed = runner.invoke(main, ["users", "list", world.url]).output
    assert re.search(
        r"│ ps-101 +│ station +│ S1 +│ active +│ 20\d\d-\d\d-\d\d \d\d:\d\d UTC │", listed
    )
    assert token not in listed, listed
    assert runner.invoke(main, ["users", "revoke", world.url, "ps-101"]).exit_code == 0
    listed = runner.invoke(main, ["users", "list", world.url]).output
    assert re.search(r"│ ps-101 +│ station +│ S1 +│ revoked +│", listed), listed
    bad = runner.invoke(main, ["users", "add", world.url, "x", "--role", "station"])
    assert bad.exit_code == 2 and "needs its station id" in bad.output
