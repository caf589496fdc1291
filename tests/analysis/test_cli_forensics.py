"""`saylau forensics` on the command line: criteria, the synthetic caveat, the notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from saylau.cli import main
from saylau.tabulate.synth import synth_load, write_synthetic

CAVEAT = "SYNTHETIC DATA: these are not real election results"


def _file(tmp_path: Path, *, empty_rows: int = 0, synthetic: bool = False) -> Path:
    frame = synth_load(400, 3, seed=5)
    path = tmp_path / "p.csv"
    if synthetic:
        write_synthetic(frame, path, "load test for the caveat")
        return path
    text = frame.write_csv()
    blank = "," * (frame.width - 3)
    text += "".join(f"E{i},Region 1,District {i}{blank}\n" for i in range(1, empty_rows + 1))
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_forensics_on_the_demo_database(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    built = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert built.exit_code == 0, built.output
    args = ["forensics", str(db), "--contest", "majilis", "--leader", "Nur Otan", "--draws", "200"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith(CAVEAT)
    assert "criteria: Kobak, Shpilkin & Pshenichnikov's anomaly()" in r.stdout
    d = json.loads(CliRunner().invoke(main, [*args, "--json"]).stdout)
    assert d["synthetic"] is True and d["criteria"]["key"] == "kobak"
    # issue #18: the demo's honest-by-construction digits no longer cry wolf
    assert d["last_digit"]["p_value"] > 0.01 and d["last_digit"]["n"] == 23_775
    assert d["last_digit"]["null"].startswith("each party count redrawn")


def test_synthetic_file_says_so_and_real_one_does_not(tmp_path: Path) -> None:
    path = _file(tmp_path, synthetic=True)
    r = CliRunner().invoke(main, ["forensics", str(path), "--leader", "Party 1", "--draws", "50"])
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0] == (
        f"{CAVEAT} (load test for the caveat); what the tests find says nothing about a real "
        "election."
    )
    (tmp_path / "plain").mkdir()
    plain = _file(tmp_path / "plain")
    r = CliRunner().invoke(main, ["forensics", str(plain), "--leader", "Party 1", "--draws", "50"])
    assert r.exit_code == 0, r.output
    assert CAVEAT not in r.stdout
    d = json.loads(
        CliRunner()
        .invoke(main, ["forensics", str(plain), "--leader", "Party 1", "--draws", "50", "--json"])
        .stdout
    )
    assert d["synthetic"] is False and "synthetic_note" not in d


@pytest.mark.parametrize("criteria", ["kobak", "strict-window-keep-over-99"])
def test_criteria_option_is_stated_in_text_and_json(tmp_path: Path, criteria: str) -> None:
    path = _file(tmp_path)
    args = ["forensics", str(path), "--leader", "Party 1", "--draws", "50", "--criteria", criteria]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    edge = "<=" if criteria == "kobak" else "< 0.05"
    assert f"integer: |p - round(p)| {edge}" in r.stdout
    d = json.loads(CliRunner().invoke(main, [*args, "--json"]).stdout)
    assert d["criteria"]["key"] == criteria
    r = CliRunner().invoke(main, [*args[:-1], "paper"])
    assert r.exit_code == 2 and "'paper' is not one of 'kobak', 'strict-window-keep-over-99'" in (
        r.output
    )


def test_rows_without_data_are_one_note_and_verbose_lists_them(tmp_path: Path) -> None:
    path = _file(tmp_path, empty_rows=5)
    args = ["forensics", str(path), "--leader", "Party 1", "--draws", "50"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines() == [
        "note: p.csv: skipped 5 row(s) without data (every count empty): "
        "stations 'E1', 'E2', 'E3' and 2 more (--verbose for all)"
    ]
    r = CliRunner().invoke(main, [*args, "--verbose"])
    lines = r.stderr.splitlines()
    assert lines[0].endswith("stations 'E1', 'E2', 'E3' and 2 more")
    assert lines[1:] == [
        f"note:   p.csv row {400 + i} (station 'E{i}'): no data, skipped" for i in range(1, 6)
    ]


@pytest.mark.parametrize("command", ["tabulate", "ingest"])
def test_every_command_reading_protocols_has_verbose(command: str) -> None:
    r = CliRunner().invoke(main, [command, "--help"])
    text = " ".join(r.output.split())  # help is wrapped to the terminal
    assert "--verbose" in text and "each row skipped without data" in text


def test_the_leader_defaults_to_the_party_with_the_most_votes(tmp_path: Path) -> None:
    """As on the site: `saylau forensics FILE` tests the national leader, and says so."""
    path = _file(tmp_path)
    frame = synth_load(400, 3, seed=5)
    totals = {c.split(":", 1)[1]: frame[c].sum() for c in frame.columns if c.startswith("party:")}
    top = max(totals, key=lambda p: totals[p])
    base = ["forensics", str(path), "--draws", "50"]
    r = CliRunner().invoke(main, base)
    assert r.exit_code == 0, r.output
    assert f"leader: {top} (the most votes; --leader to choose)" in r.stdout.splitlines()
    named = CliRunner().invoke(main, [*base, "--leader", top])
    assert named.stdout == r.stdout.replace(" (the most votes; --leader to choose)", "")
    d = json.loads(CliRunner().invoke(main, [*base, "--json"]).stdout)
    assert d["leader"] == top
