"""Benchmark: 100,000 simulated elections for a 150-seat national list (goal < 1 s).

Baseline, measured in the same run: a Python loop over ``saylau.allocate`` (the
exact single-election allocator) on a sample, extrapolated to 100,000.
"""

from __future__ import annotations

import time

import numpy as np

from saylau.analysis.projection import Average, simulate_shares
from saylau.batch import allocate_batch
from saylau.core import allocate

SIMS = 100_000
SEATS = 150
SAMPLE = 500


def main() -> None:
    shares = (0.34, 0.22, 0.15, 0.09, 0.07, 0.05, 0.045, 0.035)
    avg = Average(
        tuple(f"P{i}" for i in range(len(shares))),
        shares,
        (1.0,),
        2000.0,
        0.0,
        1 / 400,
        350.0,
        None,
    )  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    votes = np.rint(simulate_shares(avg, SIMS, rng) * 10_000_000).astype(np.int64)
    seats = allocate_batch(votes, SEATS, "hare", threshold=5)
    fast = time.perf_counter() - t0
    assert (seats.sum(axis=1) == SEATS).all()
    names = list(avg.parties)
    t0 = time.perf_counter()
    for row in votes[:SAMPLE]:
        allocate(dict(zip(names, (int(v) for v in row), strict=True)), SEATS, "hare", threshold=5)
    loop = (time.perf_counter() - t0) / SAMPLE * SIMS
    print(
        f"projection: {SIMS:,} simulated elections, {SEATS} seats, {len(shares)} parties (Dirichlet + allocate_batch)"
    )
    print(
        f"  vectorised:            {fast:8.3f} s   (goal < 1 s: {'met' if fast < 1 else 'NOT met'})"
    )
    print(f"  loop over allocate():  {loop:8.3f} s   (extrapolated from {SAMPLE} elections)")
    print(f"  speed-up:              {loop / fast:8.1f}x")


if __name__ == "__main__":
    main()
