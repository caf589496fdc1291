"""Two-level allocation: the Czech Chamber of Deputies 2021, and invariants.

Data and sources: tests/data/two_level/README.md.
"""

from __future__ import annotations

import csv
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import saylau
from saylau.cli import main
from saylau.errors import InputError, LawError
from saylau.law import parse_law
from saylau.two_level import allocate_two_level, round_half_up

DATA = Path(__file__).parent / "data" / "two_level" / "cz-poslanecka-snemovna-2021.csv"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COALITIONS = [(2, Fraction(8)), (3, Fraction(11))]


def read() -> tuple[dict[str, dict[str, int]], dict[str, int]]:
    votes: dict[str, dict[str, int]] = {}
    members: dict[str, int] = {}
    with open(DATA, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            votes.setdefault(row["party"], {})[row["region"]] = int(row["votes"])
            members[row["party"]] = int(row["members"])
    return votes, members


def test_czech_2021_reproduces_the_official_seats() -> None:
    """ANO 72, SPOLU 71, PirSTAN 37, SPD 20 (Czech Statistical Office, volby.cz, 9 Oct 2021)."""
    votes, members = read()
    law = saylau.load_law("cz-poslanecka-snemovna-2021")
    result = law.allocate(
        {p: sum(r.values()) for p, r in votes.items()}, regions=votes, members=members
    )
    assert {p: n for p, n in result.seats.items() if n} == {
        "SPD": 20,
        "SPOLU": 71,
        "Piráti+STAN": 37,
        "ANO": 72,
    }
    a = result.allocation
    assert a.total_votes == 5_375_090  # valid votes, as published
    # ČSSD 4.66 % and Přísaha 4.68 % miss 5 %; the coalitions pass 11 % (3 parties) and 8 % (2).
    assert a.threshold.reasons["ČSSD"] == "4.6585% < 5%"
    assert a.threshold.reasons["SPOLU"] == "27.7931% ≥ 11%"
    assert a.threshold.reasons["Piráti+STAN"] == "15.6235% ≥ 8%"
    extra = a.extra["two_level"]
    # Republic mandate number 5,375,090 / 200 = 26,875.45 -> 26,875; South Moravia 23 seats
    # ("V kraji se rozdělovalo 23 mandátů", Ohlasy, 11 Oct 2021).
    assert extra["mandate_number"] == 26_875
    assert extra["region_seats"]["Jihomoravský kraj"] == 23
    assert sum(extra["region_seats"].values()) == 200
    for p, n in result.seats.items():
        assert sum(extra["regional_seats"][p].values()) == n


def test_czech_2021_regional_quota_is_imperiali() -> None:
    votes, members = read()
    t = allocate_two_level(votes, 200, members=members, coalition_thresholds=COALITIONS)
    prague = "Hlavní město Praha"
    passing = sum(votes[p][prague] for p in ("ANO", "SPOLU", "Piráti+STAN", "SPD"))
    seats = t.region_seats[prague]
    assert t.regional_numbers[prague] == round_half_up(Fraction(passing, seats + 2))
    # Whole regional quotas fill all but the seats left for the national second scrutiny.
    first = sum(sum(r.values()) for r in t.first.values())
    assert first + sum(t.second.values()) == 200
    assert t.second_number == round_half_up(
        Fraction(sum(sum(t.remainders[p].values()) for p in t.second), 200 - first + 1)
    )


def test_round_half_up() -> None:
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(537509, 20)) == 26875  # 26,875.45
    assert round_half_up(Fraction(49, 2) - Fraction(1, 10**9)) == 24


def test_coalition_threshold_by_members() -> None:
    # A three-party coalition with 10 % fails 11 %; a single party would pass 5 %.
    votes = {"A": {"R": 600}, "B": {"R": 300}, "C": {"R": 100}}
    t = allocate_two_level(votes, 20, members={"C": 3}, coalition_thresholds=COALITIONS)
    # Quota 900 / 22 -> 41: A 14 (remainder 26), B 7 (13) = 21; B gives one back.
    assert t.seats == {"A": 14, "B": 6, "C": 0}
    assert t.allocation.threshold.reasons["C"] == "10.0000% < 11%"
    # Quota 1,000 / 22 -> 45: A 13, B 6, C 2 = 21 seats; C has the smallest remainder (10) and
    # gives one back.
    t = allocate_two_level(votes, 20, coalition_thresholds=COALITIONS)
    assert t.seats == {"A": 13, "B": 6, "C": 1}
    assert t.regional_numbers == {"R": 45}


def test_a_remainder_tie_is_reported() -> None:
    votes = {"A": {"R": 500}, "B": {"R": 500}}
    t = allocate_two_level(votes, 3, threshold=0, tie_break=("lot",), seed=7)
    assert sum(t.seats.values()) == 3
    assert len(t.allocation.ties) == 1
    tie = t.allocation.ties[0]
    assert tie.parties == ("A", "B") and tie.resolved_by == "lot" and tie.seed == 7


@st.composite
def elections(draw: st.DrawFn) -> tuple[dict[str, dict[str, int]], int]:
    regions = [f"r{j}" for j in range(draw(st.integers(1, 6)))]
    votes = {
        f"p{i}": {r: draw(st.integers(0, 10**6)) for r in regions}
        for i in range(draw(st.integers(1, 6)))
    }
    total = sum(sum(r.values()) for r in votes.values())
    house = draw(st.integers(1, 60))
    assume(total >= 2 * house)
    return votes, house


@given(elections(), st.sampled_from([0, 5]))
@SETTINGS
def test_house_size_and_tables_hold(case: tuple[dict[str, dict[str, int]], int], pct: int) -> None:
    votes, house = case
    try:
        t = allocate_two_level(votes, house, threshold=pct, seed=1)
    except InputError as err:
        assert "threshold" in str(err) or "too few" in str(err)
        return
    assert sum(t.seats.values()) == house
    assert sum(t.region_seats.values()) == house
    for p, n in t.seats.items():
        assert sum(t.regional[p].values()) == n
        if not t.allocation.threshold.passed[p]:
            assert n == 0
    for r, n in t.region_seats.items():
        assert sum(t.first[p][r] for p in votes) <= n


@given(elections())
@SETTINGS
def test_region_seats_follow_the_votes(case: tuple[dict[str, dict[str, int]], int]) -> None:
    """Largest remainders: a region with more valid votes never gets fewer seats."""
    votes, house = case
    t = allocate_two_level(votes, house, threshold=0, seed=1)
    valid = {r: sum(votes[p][r] for p in votes) for r in t.region_seats}
    for a in valid:
        for b in valid:
            if valid[a] > valid[b]:
                assert t.region_seats[a] >= t.region_seats[b]


def test_law_file_quota_keys_are_checked() -> None:
    text = '[law]\ntitle = "T"\n[[tiers]]\nseats = 10\nmethod = "imperiali"\nscheme = "two-level"\n'
    with pytest.raises(
        LawError, match=re.escape("key 'tiers[0].regional_quota' has invalid value 'droop'")
    ):
        parse_law(text + 'regional_quota = "droop"\n')
    law = parse_law(text)
    with pytest.raises(InputError, match="votes per region are needed"):
        law.allocate({"A": 10})


def test_cli_czech_2021() -> None:
    args = ["seats", str(DATA), "--law", "cz-poslanecka-snemovna-2021"]
    result = CliRunner().invoke(main, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["seats"]["ANO"] == 72 and data["seats"]["SPOLU"] == 71
    result = CliRunner().invoke(main, args)
    assert "Seats per party and region" in result.stdout


SEATS = Path(__file__).parent / "data" / "two_level" / "cz-poslanecka-snemovna-2021-seats.csv"


def test_czech_2021_seats_in_every_region() -> None:
    """All 14 × 4 official seats (sources: tests/data/two_level/README.md)."""
    parties = ["ANO", "SPOLU", "Piráti+STAN", "SPD"]
    with open(SEATS, encoding="utf-8") as f:
        official = {row["region"]: [int(row[p]) for p in parties] for row in csv.DictReader(f)}
    assert len(official) == 14
    # The published national totals hold in the table itself.
    assert [sum(r[k] for r in official.values()) for k in range(4)] == [72, 71, 37, 20]
    votes, members = read()
    law = saylau.load_law("cz-poslanecka-snemovna-2021")
    result = law.allocate(
        {p: sum(r.values()) for p, r in votes.items()}, regions=votes, members=members
    )
    extra = result.allocation.extra["two_level"]
    got = {
        region: [extra["regional_seats"][p].get(region, 0) for p in parties]
        for region in extra["region_seats"]
    }
    assert got == official
    assert {r: sum(s) for r, s in official.items()} == extra["region_seats"]
