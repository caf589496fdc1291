"""Benchmark: ``saylau.tabulate.tabulate`` vs DuckDB's bare ``SELECT sum(...)`` on one file.

    python benchmarks/bench_tabulate.py [--stations 1000000] [--parties 12] [--keep FILE]

Generates load-test protocols with ``saylau synth``'s generator, then times in the same
run (best of ``--repeat``): saylau's read + validate + control relations + totals +
allocation, and DuckDB summing every count column of the same CSV.  Prints both, the
ratio (goal: within 3x) and saylau's peak resident memory (goal: under 2 GB).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from saylau.tabulate.engine import MethodLaw, tabulate
from saylau.tabulate.synth import synth


def _best(fn: object, repeat: int) -> float:
    assert callable(fn)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=1_000_000)
    ap.add_argument("--parties", type=int, default=12)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="write the generated CSV here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "protocols.csv"
        start = time.perf_counter()
        frame = synth(path, stations=args.stations, parties=args.parties, seed=1)
        gen = time.perf_counter() - start
        columns = [c for c in frame.columns if c not in ("station", "region", "district")]
        del frame
        size = path.stat().st_size / 1e6
        print(
            f"generated {args.stations:,} protocols x {args.parties} parties, {size:.0f} MB in {gen:.1f} s"
        )

        sums = ", ".join(f'sum("{c}")' for c in columns)
        query = f"SELECT {sums} FROM read_csv('{path}', comment='#', header=true)"
        con = duckdb.connect()
        duck = _best(lambda: con.execute(query).fetchall(), args.repeat)
        law = MethodLaw("hare", 98, "7", "valid")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ours = _best(lambda: tabulate(path, law), args.repeat)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        check = tabulate(path, law).totals.registered
        (duck_registered,) = con.execute(
            f"SELECT sum(registered) FROM read_csv('{path}', comment='#', header=true)"
        ).fetchone() or (None,)
        assert check == duck_registered, (check, duck_registered)
    ratio = ours / duck
    print(f"duckdb  SELECT sum(...)            {duck:7.3f} s")
    print(f"saylau  tabulate (read+check+sum+seats) {ours:7.3f} s")
    print(f"ratio saylau/duckdb: {ratio:.2f}x (goal <= 3x) {'OK' if ratio <= 3 else 'MISSED'}")
    print(
        f"peak RSS: {peak_mb:.0f} MB (goal < 2048 MB; {rss_before / 1024:.0f} MB before tabulating) "
        f"{'OK' if peak_mb < 2048 else 'MISSED'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
