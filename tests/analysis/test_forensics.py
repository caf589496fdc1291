"""Forensics: exact integer-percentage arithmetic, the null model, bad input."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from saylau.analysis import forensics as F
from saylau.errors import InputError


def _frame(rows: list[tuple[str, int, int, int, int, int]]) -> pl.DataFrame:
    """(region, registered, issued, valid, invalid, leader votes); one other party."""
    return pl.DataFrame(
        {
            "station": [str(i) for i in range(len(rows))],
            "region": [r[0] for r in rows],
            "registered": [r[1] for r in rows],
            "issued_at_station": [r[2] for r in rows],
            "valid": [r[3] for r in rows],
            "invalid": [r[4] for r in rows],
            "party:Leader": [r[5] for r in rows],
            "party:Other": [r[3] - r[5] for r in rows],
        }
    )


def test_is_integer_percent_is_exact() -> None:
    # 1755 voters, 1492 ballots = 85.0142 %: within 0.05 pp of 85 (the authors'
    # example in Significance 2016); 1001 / 2000 = 50.05 % is exactly on the edge
    # and does not count (strictly within); 999/2000 = 49.95 % neither.
    assert F.is_integer_percent(
        [1492, 1001, 999, 1000, 7], [1755, 2000, 2000, 2000, 9]
    ).tolist() == [
        True,
        False,
        False,
        True,
        False,
    ]


def test_integer_probability_matches_direct_binomial_simulation() -> None:
    rng = np.random.default_rng(5)
    n = rng.integers(100, 3000, 300)
    k = (n * rng.uniform(0.2, 0.9, 300)).astype(np.int64)
    q = F.integer_probability(k, n)
    draws = rng.binomial(n[None, :], (k / n)[None, :], size=(4000, 300))
    hits = F.is_integer_percent(draws, np.broadcast_to(n, draws.shape)).mean(axis=0)
    # 4000 draws: sd of each frequency <= 0.008; the sums agree closely.
    assert np.abs(hits - q).max() < 0.04
    assert abs(hits.sum() - q.sum()) < 3 * np.sqrt((q * (1 - q)).sum() / 4000) + 0.5


def test_degenerate_stations() -> None:
    # Turnout 100 % is always an integer, under the null too; 0 votes likewise.
    q = F.integer_probability(np.array([200, 0, 37]), np.array([200, 150, 37]))
    assert q.tolist() == [1.0, 1.0, 1.0]


def test_excess_on_planted_integers() -> None:
    rng = np.random.default_rng(1)
    rows = []
    for i in range(3000):
        reg = int(rng.integers(300, 2500))
        issued = int(reg * rng.uniform(0.3, 0.8))
        if i < 300:  # a region reporting whole-percent turnouts
            issued = round(reg * int(rng.integers(60, 90)) / 100)
        leader = int(issued * rng.uniform(0.3, 0.6))
        rows.append(("Planted" if i < 300 else "Clean", reg, issued, issued - 3, 3, leader))
    report = F.analyse(_frame(rows), "Leader", draws=500, seed=3)
    planted = report.integer_regions["Planted"]
    clean = report.integer_regions["Clean"]
    # About 300 planted stations minus the ~20 % that would be integer anyway.
    assert 200 < planted.excess < 280
    assert planted.excess > planted.p999
    assert abs(clean.excess) < 4 * clean.sd
    assert report.integer.observed == planted.observed + clean.observed
    assert report.integer.stations == 3000


def test_seeded_and_reproducible() -> None:
    rows = [("R", 500 + i, 250 + i // 2, 240 + i // 2, 10, 100 + i // 3) for i in range(200)]
    a = F.analyse(_frame(rows), "Leader", draws=200, seed=9).to_dict()
    b = F.analyse(_frame(rows), "Leader", draws=200, seed=9).to_dict()
    assert a == b


def test_exclusions_are_counted_not_divided() -> None:
    rows = [
        ("R", 0, 0, 0, 0, 0),  # zero registered voters
        ("R", 50, 30, 30, 0, 10),  # under 100 voters
        ("R", 400, 0, 0, 0, 0),  # nobody voted
        ("R", 400, 500, 400, 0, 100),  # more ballots issued than voters
        ("R", 400, 200, 190, 10, 100),
    ]
    report = F.analyse(_frame(rows), "Leader", draws=50)
    assert report.excluded == {
        "zero_registered": 1,
        "under_100_registered": 1,
        "no_ballots": 1,
        "inconsistent": 1,
    }
    d = report.to_dict()
    assert d["stations"] == 1
    assert all(v is None or v == v for v in d.values() if isinstance(v, float))  # no NaN


def test_unknown_leader_lists_the_parties() -> None:
    with pytest.raises(
        InputError,
        match=r"--leader 'Nobody' is not a party in the file \(parties: 'Leader'; 'Other'\)",
    ):
        F.analyse(_frame([("R", 400, 200, 190, 10, 100)]), "Nobody")


def test_last_digit_test() -> None:
    uniform = np.arange(10, 10010)
    t = F.last_digit_test(uniform)
    assert t.counts == [1000] * 10 and t.chi2 == 0.0 and t.p_value == 1.0
    heaped = np.concatenate([uniform, np.full(500, 100)])  # extra zeros
    t = F.last_digit_test(heaped)
    assert t.counts[0] == 1500 and (t.p_value or 1) < 1e-10
    assert F.last_digit_test(np.array([1, 5, 9])).n == 0  # all below 10: no test, no NaN


def test_chi2_sf_known_values() -> None:
    # Critical values of the chi-square distribution with 9 df (standard tables).
    assert F.chi2_sf(16.919, 9) == pytest.approx(0.05, abs=1e-4)
    assert F.chi2_sf(21.666, 9) == pytest.approx(0.01, abs=1e-4)
    assert F.chi2_sf(4.168, 9) == pytest.approx(0.90, abs=1e-4)
    assert F.chi2_sf(0.0, 9) == 1.0
