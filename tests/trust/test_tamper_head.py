"""The head leaves the database: the contest JSON and page carry it; verify checks it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text
from trust_world import CONTEST, S1, World

from saylau.cli import main
from saylau.trust import workflow


def _head(world: World) -> tuple[int, str]:
    with world.store.engine.connect() as conn:
        seq, digest = conn.execute(text("SELECT seq, hash FROM trust_audit_head")).one()
    return int(seq), str(digest)


def test_contest_json_and_page_publish_the_head(client: TestClient, world: World) -> None:
    seq, digest = _head(world)
    doc = client.get(f"/api/v1/contests/{CONTEST}").json()
    assert doc["audit_head"] == {"seq": seq, "hash": digest}
    page = client.get(f"/contests/{CONTEST}").text
    assert f"<code>{seq}:{digest}</code>" in page


def test_since_a_signed_export(client: TestClient, world: World, tmp_path: Path) -> None:
    """Sign the contest JSON, write more, then prove the DB extends the signed head."""
    export = tmp_path / "kz.json"
    export.write_text(client.get(f"/api/v1/contests/{CONTEST}").text, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main, ["keygen", "--out", str(tmp_path / "cec")]).exit_code == 0
    signed = runner.invoke(main, ["sign", str(export), "--key", str(tmp_path / "cec.key")])
    assert signed.exit_code == 0, signed.output
    workflow.submit(world.store, world.accounts["cec"], CONTEST, {**S1, "invalid": 12}, reason="r")

    ok = runner.invoke(main, ["audit", "verify", world.url, "--since", str(export)])
    assert ok.exit_code == 0 and ok.output.startswith("INTACT"), ok.output

    # Re-chaining everything after an edit keeps the in-database checks quiet; the
    # signed head does not match any more.
    seq = json.loads(export.read_text())["audit_head"]["seq"]
    with world.store.engine.begin() as conn:
        conn.execute(
            text("UPDATE trust_audit SET entry_hash = :h WHERE seq = :s"), {"h": "a" * 64, "s": seq}
        )
    bad = runner.invoke(main, ["audit", "verify", world.url, "--since", str(export)])
    assert bad.exit_code == 1
    assert (
        f"TAMPERED: trust_audit seq {seq}: hash aaaaaaaaaaaaaaaa is not the published head's"
        in bad.output
    )


def test_a_malformed_head_is_one_line(world: World, tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["audit", "verify", world.url, "--head", "12:xyz"])
    assert out.exit_code == 2
    assert out.output == (
        "error: --head: head '12:xyz' is not SEQ:HASH (a number, ':', 64 hex digits)\n"
    )
    empty = tmp_path / "plain.json"
    empty.write_text("{}", encoding="utf-8")
    out = CliRunner().invoke(main, ["audit", "verify", world.url, "--since", str(empty)])
    assert out.exit_code == 2
    assert out.output == f"error: {empty}: carries no audit_head {{seq, hash}}\n"
