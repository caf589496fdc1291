"""``saylau verify`` refuses a signed export holding a duplicate JSON key (issue #19):
prepending ``"contest": {"EVIL": true},`` to a signed file used to verify "OK",
because the parser kept the last ``contest`` and the signature covered it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from saylau.cli import main

EXPORT = {"contest": {"id": "kz", "seats": 98}, "parties": {"Amanat": 62, "Auyl": 8}}


def test_verify_refuses_a_prepended_duplicate_key(tmp_path: Path) -> None:
    runner = CliRunner()
    snapshot = tmp_path / "results.json"
    snapshot.write_text(json.dumps(EXPORT, indent=2), encoding="utf-8")
    assert runner.invoke(main, ["keygen", "--out", str(tmp_path / "cec")]).exit_code == 0
    signed = runner.invoke(main, ["sign", str(snapshot), "--key", str(tmp_path / "cec.key")])
    assert signed.exit_code == 0, signed.output
    verify = ["verify", str(snapshot), str(tmp_path / "results.json.sig"), "--key", str(tmp_path / "cec.pub")]  # fmt: skip
    ok = runner.invoke(main, verify)
    assert ok.exit_code == 0 and ok.output.startswith("OK"), ok.output

    text = snapshot.read_text(encoding="utf-8")
    snapshot.write_text(text.replace("{", '{"contest": {"EVIL": true},', 1), encoding="utf-8")
    forged = runner.invoke(main, verify)
    assert forged.exit_code == 2, forged.output
    assert forged.output.strip().splitlines() == [
        f"error: {snapshot}: duplicate key 'contest' in a JSON object (refused)"
    ]
    assert "OK" not in forged.output
