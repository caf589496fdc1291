"""Projections: the polls format, the average, the error model, reproducibility."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from saylau.analysis.projection import parse_polls, poll_average, project
from saylau.errors import InputError
from saylau.law import Law, parse_law

POLLS = """pollster,end_date,sample_size,Nur Otan,Ak Zhol,People's Party,Auyl,Adal
Institute A,2021-01-05,1200,70.5,11.0,9.2,5.6,3.7
Institute B,2020-12-22,1500,69.8,11.9,8.7,5.9,3.7
"""

LAW = """
[law]
name = "kz-test"
title = "98 list seats, Hare, 7 %, + 9"
[[tiers]]
kind = "party-list"
seats = 98
method = "hare"
threshold = "7"
[[tiers]]
name = "assembly"
kind = "indirect"
seats = 9
"""


@pytest.fixture
def law() -> Law:
    return parse_law(LAW)


def test_weights_follow_half_life_and_sqrt_n() -> None:
    polls = parse_polls(POLLS)
    avg = poll_average(polls, half_life=14)
    # B is 14 days older: weight 0.5 * sqrt(1500) against sqrt(1200).
    wa, wb = math.sqrt(1200), 0.5 * math.sqrt(1500)
    assert avg.weights[0] == pytest.approx(wa / (wa + wb))
    assert avg.shares[0] == pytest.approx((wa * 0.705 + wb * 0.698) / (wa + wb), rel=1e-3)
    assert sum(avg.shares) == pytest.approx(1.0)
    # Two polls that agree within sampling error: the systematic floor (1/400) rules.
    assert avg.systematic == pytest.approx(1 / 400)
    assert avg.effective_n == pytest.approx(1 / (1 / avg.n_avg + 1 / 400))


def test_house_effects_widen_the_error() -> None:
    spread = POLLS + "Institute C,2021-01-04,1000,60.0,16.0,12.0,8.0,4.0\n"
    avg = poll_average(parse_polls(spread))
    assert avg.house > 1 / 400 and avg.systematic == avg.house


def test_projection_is_seeded_and_sensible(law: Law) -> None:
    polls = parse_polls(POLLS)
    a = project(polls, law, sims=20_000, seed=7).to_dict()
    b = project(polls, law, sims=20_000, seed=7).to_dict()
    c = project(polls, law, sims=20_000, seed=8).to_dict()
    assert a == b and a != c
    parties = {p["party"]: p for p in a["parties"]}
    assert parties["Nur Otan"]["p_threshold"] == 1.0
    assert (
        parties["Nur Otan"]["p_majority_list"] == 1.0
        and parties["Nur Otan"]["p_majority_house"] == 1.0
    )
    assert 70 <= parties["Nur Otan"]["seats_median"] <= 80
    assert parties["Adal"]["seats_median"] == 0 and parties["Adal"]["p_threshold"] < 0.05
    assert 0.02 < parties["Auyl"]["p_threshold"] < 0.4
    for p in a["parties"]:
        assert p["seats_5"] <= p["seats_median"] <= p["seats_95"]
        assert sum(p["seat_distribution"].values()) == pytest.approx(1.0)
        assert all(
            not (isinstance(v, float) and math.isnan(v))
            for v in p.values()
            if not isinstance(v, dict)
        )


def test_seats_always_add_up(law: Law) -> None:
    r = project(parse_polls(POLLS), law, sims=5000, seed=1)
    mean_total = sum(p.seats_mean for p in r.parties)
    assert mean_total == pytest.approx(98)


def test_counts_rows_and_zero_parties(law: Law) -> None:
    text = "pollster,end_date,sample_size,unit,A,B,C\nX,2024-01-01,1000,count,600,400,0\n"
    polls = parse_polls(text)
    assert polls.polls[0].shares == (0.6, 0.4, 0.0)
    r = project(polls, law, sims=1000, seed=0)
    assert r.parties[2].seats_median == 0 and r.parties[2].p_threshold == 0.0


def test_bad_polls_are_reported_at_once() -> None:
    text = (
        "pollster,end_date,sample_size,A,B\n"
        "X,2024-01-01,1000,60,30\n"  # 90 %: 10 points short
        "Y,2024-13-01,,50,50\n"  # bad date, missing sample size
        "Z,2024-01-02,800,,40\n"  # blank cell
    )
    with pytest.raises(InputError) as err:
        parse_polls(text, "polls.csv")
    problems = err.value.problems
    assert (
        "polls.csv row 1: party shares add up to 90%, 10 points short of 100 (tolerance ±1.5)"
        in problems
    )
    assert any("row 2: end_date '2024-13-01'" in p for p in problems)
    assert any("row 2: sample_size is missing" in p for p in problems)
    assert any("row 3: party 'A' is blank" in p for p in problems)
    with pytest.raises(InputError, match="appears twice"):
        parse_polls("pollster,end_date,sample_size,A,A\nX,2024-01-01,10,50,50\n")
    with pytest.raises(InputError, match="required column 'sample_size'"):
        parse_polls("pollster,end_date,A,B\nX,2024-01-01,50,50\n")


def test_as_of_before_polls_is_an_error() -> None:
    with pytest.raises(InputError, match="before poll"):
        poll_average(parse_polls(POLLS), as_of=date(2020, 1, 1))


def test_charts_are_written_and_reproducible(law: Law, tmp_path: Path) -> None:
    from saylau.analysis.charts import projection_charts

    r = project(parse_polls(POLLS), law, sims=2000, seed=0)
    files = projection_charts(r, tmp_path / "a")
    again = projection_charts(r, tmp_path / "b")
    assert sorted(Path(f).name for f in files) == [
        "probabilities.png",
        "probabilities.svg",
        "seats.png",
        "seats.svg",
    ]
    for f, g in zip(files, again, strict=True):
        assert Path(f).read_bytes() == Path(g).read_bytes()
    assert np.frombuffer(Path(files[1]).read_bytes()[:8], dtype=np.uint8).tolist()[:4] == [
        137,
        80,
        78,
        71,
    ]


@pytest.mark.parametrize("half_life", [0.0, -1.0, math.inf, math.nan])
def test_half_life_must_be_positive_and_finite(half_life: float) -> None:
    polls = parse_polls(POLLS)
    with pytest.raises(InputError, match=r"half-life: .* must be > 0 and finite"):
        poll_average(polls, half_life=half_life)
