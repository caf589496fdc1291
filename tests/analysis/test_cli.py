"""The analysis commands end to end (click runner, real files)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from saylau.cli import main

VOTES = "party,votes\nPeople's Party of Kazakhstan,659019\nNur Otan,5148074\nAuyl,383023\nAk Zhol,792828\nAdal,258618\n"


def test_whatif_kazakhstan_threshold(tmp_path: Path) -> None:
    votes = tmp_path / "kz2021.csv"
    votes.write_text(VOTES, encoding="utf-8")
    r = CliRunner().invoke(
        main,
        ["whatif", str(votes), "--law", "kz-majilis-2021", "--vary", "threshold=7,5", "--json"],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["scenarios"][1]["entered"] == ["Auyl"]
    assert data["scenarios"][1]["seats"]["Auyl"] == 6
    r = CliRunner().invoke(
        main, ["whatif", str(votes), "--law", "kz-majilis-2021", "--vary", "threshold=7,5"]
    )
    assert r.exit_code == 0 and "6 (+6)" in r.output and "threshold=5: Auyl enters\n" in r.output


def test_whatif_errors_are_one_line(tmp_path: Path) -> None:
    votes = tmp_path / "v.csv"
    votes.write_text(VOTES, encoding="utf-8")
    r = CliRunner().invoke(main, ["whatif", str(votes), "--vary", "threshold=5"])
    assert r.exit_code == 2 and "error: --vary needs exactly one base --law (got 0)" in r.output


def test_project_writes_json_and_charts(tmp_path: Path) -> None:
    polls = tmp_path / "polls.csv"
    polls.write_text(
        "pollster,end_date,sample_size,Nur Otan,Ak Zhol,People's Party,Auyl,Adal\n"
        "A,2021-01-05,1200,70.5,11.0,9.2,5.6,3.7\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = [
        "project",
        str(polls),
        "--law",
        "kz-majilis-2021",
        "--sims",
        "3000",
        "--seed",
        "4",
        "--json",
        "--out",
        str(out),
    ]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["sims"] == 3000 and data["seed"] == 4 and data["house_seats"] == 107
    assert json.loads((out / "projection.json").read_text(encoding="utf-8")) == data
    assert (out / "seats.svg").exists() and (out / "probabilities.png").exists()
    polls.write_text(
        "pollster,end_date,sample_size,A,B\nX,2024-01-01,100,60,30\n", encoding="utf-8"
    )
    r = CliRunner().invoke(main, ["project", str(polls), "--law", "kz-majilis-2021"])
    assert r.exit_code == 2
    assert (
        "error: polls.csv row 1: party shares add up to 90%, 10 points short of 100 (tolerance ±1.5)"
        in r.output
    )


def test_forensics_on_a_canonical_file(tmp_path: Path) -> None:
    n = 400
    frame = pl.DataFrame(
        {
            "station": [f"S{i}" for i in range(n)],
            "region": ["North" if i % 2 else "South" for i in range(n)],
            "registered": [1000 + i for i in range(n)],
            "issued_at_station": [500 + i // 3 for i in range(n)],
            "invalid": [5] * n,
            "valid": [495 + i // 3 for i in range(n)],
            "party:Leader": [300 + i // 5 for i in range(n)],
            "party:Other": [195 + i // 3 - i // 5 for i in range(n)],
        }
    )
    path = tmp_path / "protocols.csv"
    frame.write_csv(path)
    out = tmp_path / "fx"
    r = CliRunner().invoke(
        main,
        [
            "forensics",
            str(path),
            "--leader",
            "Leader",
            "--draws",
            "200",
            "--json",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["stations"] == n and set(data["regions"]) == {"North", "South"}
    assert {"integer_excess", "integer_excess_sd", "integer_excess_p999"} <= set(data)
    assert (out / "klimek.png").exists() and (out / "klimek-regions.png").exists()
    r = CliRunner().invoke(main, ["forensics", str(path), "--leader", "Nobody"])
    assert r.exit_code == 2
    assert (
        "error: --leader 'Nobody' is not a party in the file (parties: 'Leader'; 'Other')"
        in r.output
    )
