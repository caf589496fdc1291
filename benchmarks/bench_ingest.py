"""Ingest benchmark: synthetic protocols (default 1,000,000 × 12 parties) and the real
96,325-station Russian 2021 file into fresh SQLite stores.

    python benchmarks/bench_ingest.py [--stations N] [--parties K] [--skip-ru]

Prints wall times, protocols/s and the ratio to the goals (60 s for 1M, 10 s for RU).
Reading the CSV is timed separately from storing it; the process CPU time (all
threads) is printed beside the wall time because the shared machine's load changes
wall times by +-50 %.  The load average is printed before and after.  Figures are in
docs/store.md ("Performance").
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.tabulate.synth import synth_load, write_synthetic

RU = (
    Path(os.environ.get("SAYLAU_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    / "data"
    / "ru-duma-2021.csv.zip"
)


def run(
    label: str, path: Path, db: Path, law: str, goal: float, profile: str | None = None
) -> None:
    c0 = time.process_time()
    t0 = time.perf_counter()
    table = read_protocols(path, profile=profile)
    t1 = time.perf_counter()
    with Store.open(db) as store:
        store.init_election(label, None, "c", law)
        summary = store.ingest("c", table)
        t2 = time.perf_counter()
        c2 = time.process_time()
        again = store.ingest("c", table)
        t3 = time.perf_counter()
    n = len(table)
    total = t2 - t0
    print(
        f"{label}: {n:,} protocols; read {t1 - t0:.2f} s, store {t2 - t1:.2f} s, total {total:.2f} s "
        f"({n / total:,.0f} protocols/s; CPU {c2 - c0:.2f} s); goal {goal:.0f} s (ratio {total / goal:.2f}); "
        f"re-ingest unchanged {again.unchanged:,} in {t3 - t2:.2f} s; accepted {summary.accepted:,}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--stations", type=int, default=1_000_000)
    ap.add_argument("--parties", type=int, default=12)
    ap.add_argument("--skip-ru", action="store_true")
    args = ap.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        f", load average {_load()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "load.csv"
        write_synthetic(synth_load(args.stations, args.parties, seed=1), src, "benchmark")
        goal = 60.0 * args.stations / 1_000_000
        run(
            f"synthetic {args.stations:,}x{args.parties}",
            src,
            Path(tmp) / "load.db",
            "kz-majilis-2021",
            goal,
        )
        if not args.skip_ru and RU.exists():
            run("ru-duma-2021", RU, Path(tmp) / "ru.db", "ru-duma-2021", 10.0, profile="ru-cik")
        elif not args.skip_ru:
            print(f"skipped ru-duma-2021: {RU} not found")
    print(f"load average after: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
