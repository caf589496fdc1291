"""`saylau results --json` carries the proportionality indices of the seats."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from saylau.cli import main

CSV = """station,region,registered,invalid,valid,party:A,party:B,party:C
1,North,1000,10,790,500,200,90
2,South,800,5,595,300,250,45
"""


def test_results_json_has_proportionality(tmp_path: Path) -> None:
    db, csv = tmp_path / "r.db", tmp_path / "p.csv"
    csv.write_text(CSV, encoding="utf-8")
    runner = CliRunner()
    init = ["init", str(db), "--election", "Test", "--contest", "c", "--law", "kz-majilis-2021"]
    assert runner.invoke(main, init).exit_code == 0
    assert runner.invoke(main, ["ingest", str(db), str(csv), "--contest", "c"]).exit_code == 0
    out = runner.invoke(main, ["results", str(db), "--contest", "c", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    # A 800, B 450, C 135 of 1,385 (C 9.7% passes 7%). Hare, 98 seats: quotas 56.61 / 31.84 /
    # 9.55 -> 56 + 31 + 9, the two remainder seats to B (.84) and A (.61).
    assert data["seats"] == {"A": 57, "B": 32, "C": 9, "assembly": 9}
    prop = data["proportionality"]
    # Gallagher: vote % 57.76/32.49/9.75 vs seat % 58.16/32.65/9.18 -> sqrt(0.504/2) = 0.5026
    assert round(prop["gallagher"], 4) == 0.5026
    assert prop["wasted_vote_share"] == 0
