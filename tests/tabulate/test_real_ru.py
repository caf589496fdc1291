"""The real 96,325 protocols of Russia's 2021 Duma list ballot (../shared/data)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from saylau.cli import main
from saylau.tabulate import ProtocolTable, check, totals
from saylau.tabulate.engine import MethodLaw, tabulate

pytestmark = pytest.mark.slow

# CEC of Russia national figures (../shared/data/README.md, tests/data/official/ru-duma-2021.toml).
SEATS = {
    "ЕДИНАЯ РОССИЯ": 126,
    "КОММУНИСТИЧЕСКАЯ ПАРТИЯ РОССИЙСКОЙ": 48,
    "ЛДПР": 19,
    "СПРАВЕДЛИВАЯ РОССИЯ": 19,
    "НОВЫЕ ЛЮДИ": 13,
}


def test_reads_every_row_with_totals(ru_table: ProtocolTable) -> None:
    assert len(ru_table) == 96_325
    assert len(ru_table.parties) == 14
    assert ru_table.frame["station"].n_unique() == 96_325
    t = totals(ru_table)
    assert (t.registered, t.valid, t.invalid) == (109_204_662, 55_158_109, 1_171_581)
    assert t.ballots_cast == 56_329_690


def test_every_row_passes_every_relation(ru_table: ProtocolTable) -> None:
    assert check(ru_table) == []


def test_official_seats(ru_table: ProtocolTable) -> None:
    # 225 list seats, Hare + largest remainders, 5% of the ballots in the boxes
    result = tabulate(ru_table, MethodLaw("hare", 225, "5", "cast"))
    won = {p: s for p, s in result.seats.items() if s}
    assert len(won) == 5
    for key, seats in SEATS.items():
        (party,) = [p for p in won if key in p]
        assert won[party] == seats


def test_cli_with_law_preset(ru_duma_2021: Path) -> None:
    res = CliRunner().invoke(
        main,
        ["tabulate", str(ru_duma_2021), "--profile", "ru-cik", "--law", "ru-duma-2021", "--json"],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    won = {p: s for p, s in d["seats"].items() if s}
    for key, seats in SEATS.items():
        (party,) = [p for p in won if key in p]
        assert won[party] == seats
    assert len(won) == 5
    assert d["totals"]["registered"] == 109_204_662
    assert (d["totals"]["valid"], d["totals"]["invalid"]) == (55_158_109, 1_171_581)
    assert d["problems"] == [] and d["synthetic"] is False
