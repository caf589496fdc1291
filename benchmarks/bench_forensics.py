"""Benchmark: the integer-percentage Monte Carlo, 1,000 draws x ~96,000 stations (goal < 15 s),
under the authors' criteria (the default), and the last-digit test's exact binomial null.

Baseline, measured in the same run: a per-station loop in the style of the authors'
notebook (``np.random.binomial(n, p, 1000)`` for turnout and leader per station,
then the integer check), on a sample of stations, extrapolated.  Uses the real
Russian 2021 file when present (../shared/data/ru-duma-2021.csv.zip), otherwise
96,000 synthetic stations.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import polars as pl

from saylau.analysis import digits as D
from saylau.analysis import forensics as F

DATA = (
    Path(os.environ.get("SAYLAU_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    / "data"
    / "ru-duma-2021.csv.zip"
)
LEADER = 'Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"'
SAMPLE = 2000


def _stations() -> tuple[F.Stations, str, pl.DataFrame]:
    if DATA.exists():
        from saylau.tabulate import read_protocols

        frame = read_protocols(DATA, profile="ru-cik").frame
        return F.stations_from_frame(frame, LEADER), "real Duma 2021", frame
    from saylau.tabulate.synth import synth_load

    rng = np.random.default_rng(0)
    reg = rng.integers(100, 3000, 96_000)
    issued = (reg * rng.uniform(0.3, 0.9, reg.size)).astype(np.int64)
    leader = (issued * rng.uniform(0.2, 0.8, reg.size)).astype(np.int64)
    region = np.array([f"R{i % 85}" for i in range(reg.size)])
    return (
        F.Stations(reg, issued, issued, leader, region),
        "synthetic",
        synth_load(96_000, 14, seed=0),
    )


def main() -> None:
    st, label, frame = _stations()
    t0 = time.perf_counter()
    F.integer_test(st, draws=1000, seed=0)
    fast = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    idx = rng.choice(st.registered.size, SAMPLE, replace=False)
    t0 = time.perf_counter()
    for i in idx:
        n, k, b, v = int(st.registered[i]), int(st.issued[i]), int(st.ballots[i]), int(st.leader[i])
        t = rng.binomial(n, k / n, 1000)
        lv = rng.binomial(b, v / b, 1000)
        F.is_integer_percent(t, np.full(1000, n)) | F.is_integer_percent(lv, np.full(1000, b))
    loop = (time.perf_counter() - t0) / SAMPLE * st.registered.size
    print(
        f"forensics: 1,000 Monte Carlo draws x {st.registered.size:,} stations ({label}), country + regions"
    )
    print(
        f"  vectorised (exact event sampling): {fast:8.2f} s   (goal < 15 s: {'met' if fast < 15 else 'NOT met'})"
    )
    print(
        f"  per-station binomial loop:         {loop:8.2f} s   (extrapolated from {SAMPLE} stations)"
    )
    print(f"  speed-up:                          {loop / fast:8.1f}x")
    t0 = time.perf_counter()
    digits, _, _ = D.last_digit_tests(frame)
    took = time.perf_counter() - t0
    print(
        f"last digits: {frame.height:,} stations, {digits.n:,} party counts >= {D.MIN_COUNT}, "
        f"exact binomial null, country + regions: {took:.2f} s"
    )


if __name__ == "__main__":
    main()
