"""``saylau audit verify`` benchmark: 100,000 protocol versions in a fresh SQLite store.

    python benchmarks/bench_verify.py [--stations N] [--db PATH] [--profile]

Builds N stations (default 50,000 x 12 parties) through ``Store.ingest`` twice — the
second file swaps two parties' votes at every station, so each station has two
versions (2N in all) and the audit log records both — then times ``integrity.verify``
(chain, replay, both-way checks, content hashes, recount).  The baseline, measured
in the same run on the same file: reading the same protocol_versions rows with one
SELECT.  Goal: verify under 10 s for 100,000 versions.  The figure is in the README.

``--db PATH`` keeps the built store at PATH (and reuses it when it exists), so that
``--profile`` (cProfile, the 25 costliest functions) can be run again without the
build.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from saylau.store import Store, reads
from saylau.store import integrity as rows
from saylau.tabulate import read_protocols
from saylau.tabulate.synth import synth_load, write_synthetic
from saylau.trust import content_hashes, integrity


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stations", type=int, default=50_000)
    ap.add_argument("--db", type=Path, help="keep the built store here (reused if it exists)")
    ap.add_argument("--profile", action="store_true", help="print verify's cProfile")
    args = ap.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, load average {load}")
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "verify.db"
        if not db.exists():
            build(db, Path(tmp), args.stations)
        with Store.open(db) as store:
            with store.engine.connect() as conn:
                t0 = time.perf_counter()
                n = len(conn.execute(text("SELECT * FROM protocol_versions")).all())
                baseline = time.perf_counter() - t0
            profiler = cProfile.Profile() if args.profile else None
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            report = integrity.verify(store.engine)
            took = time.perf_counter() - t0
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            # The content hashes alone, bulk against the one-row reference, same rows.
            with store.engine.connect() as conn:
                versions = list(rows.versions(conn))
                parties = reads.parties(conn, "c")
            t0 = time.perf_counter()
            assert content_hashes.mismatched(versions, parties) == []
            bulk = time.perf_counter() - t0
            t0 = time.perf_counter()
            assert all(content_hashes.reference_hash(r) == r[3] for r in versions)
            one_by_one = time.perf_counter() - t0
    print(report.summary())
    print(
        f"content hashes of {len(versions):,} versions: bulk {bulk:.2f} s, one row at a "
        f"time (the reference, as verify did before) {one_by_one:.2f} s: "
        f"{one_by_one / bulk:.1f}x faster"
    )
    print(
        f"audit verify: {report.versions:,} protocol versions in {took:.2f} s "
        f"(goal 10 s: ratio {took / 10:.2f}); baseline one SELECT of the {n:,} rows "
        f"{baseline:.2f} s: verify is {took / baseline:.1f}x the baseline"
    )


def build(db: Path, tmp: Path, stations: int) -> None:
    """The store: ``stations`` x 12 parties ingested, then again with two parties swapped."""
    frame = synth_load(stations, 12, seed=1)
    first, second = tmp / "a.csv", tmp / "b.csv"
    write_synthetic(frame, first, "benchmark")
    swapped = frame.with_columns(
        frame["party:Party 1"].alias("party:Party 2"),
        frame["party:Party 2"].alias("party:Party 1"),
    )
    write_synthetic(swapped, second, "benchmark")
    with Store.open(db) as store:
        store.init_election("bench", None, "c", "kz-majilis-2021")
        for path in (first, second):
            store.ingest("c", read_protocols(path), actor="bench")


if __name__ == "__main__":
    main()
