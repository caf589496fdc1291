"""The real 96,325 protocols of Russia's 2021 Duma list ballot (../shared/data)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from saylau.cli import main
from saylau.tabulate import ProtocolTable, check, read_protocols, totals
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
    # The CEC's turnout counts every voter who received a ballot: 56,484,685 of
    # 109,204,662 = 51.72 % (CEC protocol of 24 September 2021; dkobak/elections
    # analysis/duma2021 prints "Turnout: 51.72%" for this file).
    assert t.ballots_issued == 56_484_685
    assert t.turnout_percent == 51.72


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
    d = json.loads(res.stdout)
    won = {p: s for p, s in d["seats"].items() if s}
    for key, seats in SEATS.items():
        (party,) = [p for p in won if key in p]
        assert won[party] == seats
    assert len(won) == 5
    assert d["totals"]["registered"] == 109_204_662
    assert (d["totals"]["valid"], d["totals"]["invalid"]) == (55_158_109, 1_171_581)
    assert d["problems"] == [] and d["synthetic"] is False


def test_reads_without_a_profile(ru_duma_2021: Path, ru_table: ProtocolTable) -> None:
    # No --profile: the header picks ru-cik; the same 96,325 protocols and totals.
    auto = read_protocols(ru_duma_2021)
    assert auto.profile == "ru-cik"
    assert auto.warnings == [
        "ru-duma-2021.csv.zip:2021.csv: no profile given; the header is "
        "'Russian CEC (izbirkom.ru) station protocols' (profile 'ru-cik')"
    ]
    assert auto.frame.equals(ru_table.frame)
    t = totals(auto)
    assert (t.registered, t.valid, t.invalid) == (109_204_662, 55_158_109, 1_171_581)


def test_cli_without_profile(ru_duma_2021: Path) -> None:
    res = CliRunner().invoke(
        main, ["tabulate", str(ru_duma_2021), "--law", "ru-duma-2021", "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["profile"] == "ru-cik"
    assert d["totals"]["registered"] == 109_204_662
    assert (d["totals"]["valid"], d["totals"]["invalid"]) == (55_158_109, 1_171_581)


def test_cp1251_copy_reads_alike(ru_duma_2021: Path, ru_table: ProtocolTable) -> None:
    # The same protocols as a Windows-1251 file (as Excel in Russian locale saves it);
    # the real file's Latin look-alikes ("Cоветская" with a Latin C) must not stop it.
    with zipfile.ZipFile(ru_duma_2021) as zf:
        text = zf.read(zf.namelist()[0]).decode("utf-8")
    copy = read_protocols(text.encode("cp1251"), name="cp.csv")
    assert copy.warnings[0] == "cp.csv: not UTF-8, read as Windows-1251 (cp1251)"
    assert copy.frame.equals(ru_table.frame)
