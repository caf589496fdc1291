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
    # example in Significance 2016); 1001 / 2000 = 50.05 % and 999 / 2000 = 49.95 %
    # are exactly on the edge: integer under the authors' `<=`, not under a strict `<`.
    # 621 / 2000 = 31.05 % is the station of the 2021 file that the notebook's floats
    # miss (31.05 - 31 = 0.0500000000000007 in float64).
    k, n = [1492, 1001, 999, 1000, 7, 621, 1002], [1755, 2000, 2000, 2000, 9, 2000, 2000]
    assert F.is_integer_percent(k, n).tolist() == [True, True, True, True, False, True, False]
    assert F.is_integer_percent(k, n, inclusive=False).tolist() == [
        True,
        False,
        False,
        True,
        False,
        False,
        False,
    ]


def test_integer_probability_matches_direct_binomial_simulation() -> None:
    rng = np.random.default_rng(5)
    n = rng.integers(100, 3000, 300)
    k = (n * rng.uniform(0.2, 0.9, 300)).astype(np.int64)
    q = F.integer_probability(k, n)
    draws = rng.binomial(n[None, :], (k / n)[None, :], size=(4000, 300))
    hits = F.is_integer_percent(draws, np.broadcast_to(n, draws.shape)).mean(axis=0)
    # the edge matters: the inclusive window is never less likely than the strict one
    assert (q >= F.integer_probability(k, n, inclusive=False)).all()
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
        ("R", 400, 397, 390, 7, 100),  # turnout 99.25 % > 99 %
        ("R", 400, 200, 190, 10, 199),  # leader 99.5 % > 99 %
        ("R", 400, 396, 386, 10, 100),  # turnout exactly 99 %: kept (<=)
        ("R", 400, 200, 190, 10, 198),  # leader exactly 99 %: kept
        ("R", 400, 200, 190, 10, 100),
    ]
    report = F.analyse(_frame(rows), "Leader", draws=50)
    assert report.excluded == {
        "zero_registered": 1,
        "under_100_registered": 1,
        "no_ballots": 1,
        "turnout_over_99_percent": 2,
        "leader_share_over_99_percent": 1,
    }
    d = report.to_dict()
    assert d["stations"] == 3
    assert all(v is None or v == v for v in d.values() if isinstance(v, float))  # no NaN
    legacy = F.analyse(_frame(rows), "Leader", draws=50, criteria=F.STRICT_KEEP_OVER_99)
    assert legacy.excluded == {
        "zero_registered": 1,
        "under_100_registered": 1,
        "no_ballots": 1,
        "inconsistent": 1,
    }
    assert legacy.integer.stations == 5


@pytest.mark.parametrize("key", list(F.CRITERIA))
def test_every_criteria_states_itself(key: str) -> None:
    crit = F.CRITERIA[key]
    rows = [("R", 500 + i, 250 + i // 2, 240 + i // 2, 10, 100 + i // 3) for i in range(200)]
    d = F.analyse(_frame(rows), "Leader", draws=100, criteria=key).to_dict()["criteria"]
    assert d["key"] == key and d["title"] == crit.title and d["source"] == crit.source
    assert d["max_turnout_percent"] == crit.max_percent
    assert ("<=" if crit.inclusive else "< ") in d["integer"]
    turnout = "valid + invalid: the file lacks the three issued lines"
    assert (
        d["turnout"] == f"({turnout if crit.paper_turnout else 'issued_at_station'}) / registered"
    )
    assert d["draws"] == 100 and d["seed"] == 0 and d["integer_window_pp"] == 0.05


def test_excess_is_over_the_mean_of_the_draws_as_in_anomaly() -> None:
    rows = [("R", 500 + i, 250 + i // 2, 240 + i // 2, 10, 100 + i // 3) for i in range(300)]
    st = F.stations_from_frame(_frame(rows), "Leader")
    paper, _ = F.integer_test(st, draws=300, seed=4)
    assert paper.excess == pytest.approx(paper.observed - paper.null_mean)
    # the mean of 300 draws is near the exact expectation, not equal to it
    assert paper.null_mean != paper.expected
    assert abs(paper.null_mean - paper.expected) < 4 * paper.sd / np.sqrt(300) + 1e-9
    legacy, _ = F.integer_test(st, draws=300, seed=4, criteria=F.STRICT_KEEP_OVER_99)
    assert legacy.excess == pytest.approx(legacy.observed - legacy.expected)


def test_paper_turnout_without_the_three_issued_lines() -> None:
    # The 2020 vote's protocol has one issued line; loaddata() then takes the ballots
    # in the boxes: here 300 of 1000 (30 %) rather than 296 issued (29.6 %).
    frame = _frame([("R", 1000, 296, 290, 10, 150)])
    st = F.stations_from_frame(frame, "Leader")
    assert st.issued.tolist() == [300] and st.turnout_basis.startswith("valid + invalid")
    legacy = F.stations_from_frame(frame, "Leader", criteria=F.STRICT_KEEP_OVER_99)
    assert legacy.issued.tolist() == [296] and legacy.turnout_basis == "issued_at_station"
    full = frame.with_columns(issued_early=pl.lit(4), issued_outside=pl.lit(0))
    st = F.stations_from_frame(full, "Leader")
    assert st.issued.tolist() == [300]
    assert st.turnout_basis == "issued_early + issued_at_station + issued_outside"


def test_unknown_criteria_names_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"--criteria 'paper': unknown \(known: kobak, strict"):
        F.get_criteria("paper")


def test_unknown_leader_lists_the_parties() -> None:
    with pytest.raises(
        InputError,
        match=r"--leader 'Nobody' is not a party in the file \(parties: 'Leader'; 'Other'\)",
    ):
        F.analyse(_frame([("R", 400, 200, 190, 10, 100)]), "Nobody")
