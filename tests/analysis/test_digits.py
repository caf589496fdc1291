"""The last-digit test against the binomial null (issue #18 item 2)."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.analysis import digits as D
from saylau.tabulate.synth import synth_like_kz_2021, synth_load


def _exact(k: int, n: int, min_count: int) -> list[Fraction]:
    p = Fraction(k, n)
    return [
        sum(
            (comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(d, n + 1, 10) if x >= min_count),
            Fraction(0),
        )
        for d in range(10)
    ]


@given(
    n=st.integers(1, 80),
    frac=st.fractions(0, 1),
    min_count=st.sampled_from([0, 1, 10, 50]),
)
@settings(max_examples=200, deadline=None)
def test_digit_probabilities_are_the_exact_binomial_masses(
    n: int, frac: Fraction, min_count: int
) -> None:
    k = int(frac * n)
    got = D.digit_probabilities([k], [n], min_count=min_count)[0]
    want = _exact(k, n, min_count)
    assert np.abs(got - np.array([float(w) for w in want])).max() < 1e-12
    assert got.sum() == pytest.approx(float(sum(want)), abs=1e-12)


def test_large_counts_have_uniform_digits_and_counts_far_below_the_minimum_none() -> None:
    p = D.digit_probabilities([900, 3, 0, 40], [2000, 1000, 500, 40], min_count=50)
    assert p[0].tolist() == [0.1] * 10  # variance 495: uniform within 4e-13
    assert p[1].tolist() == [0.0] * 10  # 3 votes reach 50 with probability < 1e-16
    assert p[2].tolist() == [0.0] * 10 and p[3].tolist() == [0.0] * 10  # certain, < 50
    assert D.digit_probabilities([60], [60], min_count=50)[0].tolist() == [1.0] + [0.0] * 9


def test_the_demo_no_longer_cries_wolf() -> None:
    # Issue #18: on the demo's protocols (saylau demo: synth_like_kz_2021, seed 2021)
    # the digits of the counts >= 10 fall from 5,020 (0) to 4,416 (9), chi-square 89.8
    # against a flat expectation, p ~ 2e-15: the shape of small counts, not fraud.
    frame = synth_like_kz_2021(seed=2021)
    small = D.last_digit_tests(frame, min_count=10)[0]
    assert small.counts[0] == 5020 and small.counts[9] == 4416
    flat = small.n / 10
    assert sum((c - flat) ** 2 / flat for c in small.counts) == pytest.approx(89.8, abs=0.05)
    # The binomial null expects that very shape ...
    assert small.expected[0] > small.expected[9] + 600
    assert (small.p_value or 0) > 0.01
    # ... and the default test (counts >= 50, null cut the same way) passes.
    country, regions, left_out = D.last_digit_tests(frame)
    assert country.n == 23_775 and (country.p_value or 0) > 0.01 and country.df == 9
    assert left_out == 0
    assert sum(r.n for r in regions.values()) == country.n


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_honest_samples_pass(seed: int) -> None:
    # Multinomial votes at every station: honest by construction.
    test = D.last_digit_tests(synth_load(4000, 6, seed=seed))[0]
    assert test.n > 15_000
    assert (test.p_value or 0) > 0.01


def _plant(frame: pl.DataFrame, share: float, seed: int) -> pl.DataFrame:
    """Round a ``share`` of Party 1's counts to whole tens (valid follows)."""
    col = "party:Party 1"
    votes = frame[col].to_numpy().copy()
    rng = np.random.default_rng(seed)
    pick = rng.random(votes.size) < share
    votes[pick] = votes[pick] // 10 * 10
    diff = frame[col].to_numpy() - votes
    return frame.with_columns(
        pl.Series(col, votes), (pl.col("valid") - pl.Series(diff)).alias("valid")
    )


def test_planted_last_digits_fail() -> None:
    honest = synth_load(4000, 6, seed=1)
    planted = _plant(honest, 0.1, seed=2)  # ~400 of 24,000 counts rounded to tens
    test = D.last_digit_tests(planted)[0]
    assert test.counts[0] > test.expected[0] + 200
    assert (test.p_value or 1) < 1e-6


def test_the_null_matches_direct_binomial_draws() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(100, 2000, 400)
    k = (n * rng.uniform(0.01, 0.3, 400)).astype(np.int64)
    probs = D.digit_probabilities(k, n, min_count=50)
    draws = rng.binomial(n[None, :], (k / n)[None, :], size=(4000, 400))
    freq = np.stack([((draws % 10 == d) & (draws >= 50)).mean(axis=0) for d in range(10)], 1)
    assert np.abs(freq - probs).max() < 0.04  # sd of each frequency <= 0.008
    assert np.abs(freq.sum(axis=0) - probs.sum(axis=0)).max() < 4


def test_flat_digits_give_pearsons_chi_square() -> None:
    # Every count uniform under the null: the statistic is Pearson's, 9 df.
    digits = np.repeat(np.arange(10), [120, 100, 100, 100, 100, 100, 100, 100, 100, 80])
    test = D.digit_test(digits, np.full((digits.size, 10), 0.1))
    assert test.df == 9
    assert test.chi2 == pytest.approx((20**2 + 20**2) / 100)
    assert test.p_value == pytest.approx(D.chi2_sf(8.0, 9))
    assert D.digit_test([], np.zeros((0, 10))).chi2 is None


def test_chi2_sf_known_values() -> None:
    # Critical values of the chi-square distribution with 9 df (standard tables).
    assert D.chi2_sf(16.919, 9) == pytest.approx(0.05, abs=1e-4)
    assert D.chi2_sf(21.666, 9) == pytest.approx(0.01, abs=1e-4)
    assert D.chi2_sf(4.168, 9) == pytest.approx(0.90, abs=1e-4)
    assert D.chi2_sf(0.0, 9) == 1.0
