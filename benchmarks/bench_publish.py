"""Publishing benchmark: the demo as static files, one amended station, nginx vs serve.

1. A full ``saylau publish`` of the demo (Majilis and 4 maslikhats, 11,262 station
   pages of 10,060 polling stations, three languages).  Goal: < 60 s on 2 cores.
2. One station's protocol amended through the store, then republished: seconds until
   the results are switched in (the first of two snapshots: the slow contest-wide
   documents follow in the second) and in all, files rendered and rewritten.  Goal:
   the results in < 2 s.  Run three times: the first
   republish after a full one also fills the second snapshot folder (hard links, once).
Both report the CPU seconds spent (worker processes included) and the load average:
the machine may be shared, and the wall-clock time then says more about the others.
3. The published folder served by nginx (Debian's package, started here on loopback
   with its own config) against ``saylau serve`` answering the same URLs, with the
   load driver ``bench_serve.py`` uses (``_load.py``: keep-alive asyncio clients):
   req/s, p50, p99 and the ratio, for the Russian contest page and the contest's JSON.

    python benchmarks/bench_publish.py [--clients 100] [--seconds 5] [--skip-serve]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _load import free_port, hammer, start_nginx, start_serve, stop, wait_http  # the same load tool

URLS = ("/ru/contests/majilis/", "/api/v1/contests/majilis.json")


def amend_one_station(db: str, tmp: Path, round_: int) -> str:
    """Move 3 votes between two parties at one station (totals unchanged, so the
    protocol stays accepted) through the store's write path; returns the station."""
    from saylau.store import Store
    from saylau.tabulate import read_protocols
    from saylau.tabulate.fields import COUNT_FIELDS

    with Store.open(db) as store:
        frame = store.iter_protocols("majilis")
        row = frame.row(137 + round_, named=True)
        parties = [c for c in frame.columns if c.startswith("party:")]
        # Every count field of the protocol as it is: only the 3 votes change.
        counts = [c for c in COUNT_FIELDS if c in frame.columns and row.get(c) is not None]
        header = ["station", "region", "district", "country", *counts, *parties]
        values = {k: row.get(k) for k in header}
        donor = max(parties, key=lambda p: int(row[p]))
        other = next(p for p in parties if p != donor)
        values[donor] = int(row[donor]) - 3
        values[other] = int(row[other]) + 3
        path = tmp / f"amend{round_}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerow(["" if values[k] is None else values[k] for k in header])
        store.ingest("majilis", read_protocols(path), reason="benchmark amendment")
        return str(row["station"])


def cpu_seconds() -> float:
    """CPU seconds (user and system) of this process and of its ended children (the
    worker processes of a publish): the figure a shared machine does not distort."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--processes", type=int, default=None)
    ap.add_argument("--skip-serve", action="store_true", help="publishing figures only")
    args = ap.parse_args()

    from saylau.web.publish import publish

    tmp = Path(tempfile.mkdtemp(prefix="saylau-bench-publish-"))
    tmp.chmod(0o755)  # nginx's workers run as an unprivileged user
    db = str(tmp / "demo.db")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run(
            [sys.executable, "-c", "from saylau.cli import main; main()", "demo", "--db", db],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out = tmp / "site"
        load = os.getloadavg()
        cpu = cpu_seconds()
        full = publish(db, out, processes=args.processes)
        cpu = cpu_seconds() - cpu
        print(
            f"bench_publish: {os.cpu_count()} CPUs, load average "
            "{:.2f} {:.2f} {:.2f} before, ".format(*load)
            + "{:.2f} {:.2f} {:.2f} after".format(*os.getloadavg())
        )
        print(
            f"full publish: {full.files:,} files in {full.seconds:.1f} s, "
            f"{cpu:.1f} CPU seconds ({len(full.broken)} broken links; goal < 60 s)"
        )
        for round_ in (1, 2, 3):
            station = amend_one_station(db, tmp, round_)
            cpu = cpu_seconds()
            started = time.perf_counter()
            switches: list[tuple[float, float]] = []  # wall, CPU at each switch

            def switched(
                report: object,
                switches: list[tuple[float, float]] = switches,
                started: float = started,
                cpu: float = cpu,
            ) -> None:
                switches.append((time.perf_counter() - started, cpu_seconds() - cpu))

            again = publish(db, out, on_switch=switched)
            took = time.perf_counter() - started
            cpu = cpu_seconds() - cpu
            first = again.first or again
            print(
                f"one amended station ({station}), republish {round_}: results switched in "
                f"after {switches[0][0]:.2f} s, {switches[0][1]:.2f} CPU seconds "
                f"({first.rendered} files rendered, {len(first.written)} rewritten, "
                f"{len(first.pending)} pending; goal < 2 s); all of it {took:.2f} s, "
                f"{cpu:.2f} CPU seconds, {again.rendered} files rendered, "
                f"{len(again.written)} rewritten of {again.files:,} in {len(switches)} "
                "snapshots; load average {:.2f}".format(os.getloadavg()[0])
            )
        if args.skip_serve:
            return
        port, nginx_port = free_port(), free_port()
        procs.append(start_serve(db, port))
        nginx = start_nginx(tmp, nginx_port, f"root {out};\nindex index.html;", mime_types=True)
        if nginx is not None:
            procs.append(nginx)
        print(f"{'url':<34}{'server':<16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
        for url in URLS:
            body = wait_http(f"http://127.0.0.1:{port}{url}", timeout=60)
            rows = [("saylau serve", port)]
            if nginx is not None:
                static = wait_http(f"http://127.0.0.1:{nginx_port}{url}")
                assert static == body, f"{url}: nginx and saylau answer different bytes"
                rows.append(("nginx (static)", nginx_port))
            rates = {}
            for name, p in rows:
                load = asyncio.run(hammer(p, url, args.clients, args.seconds))
                rates[name] = load.rps
                print(
                    f"{url:<34}{name:<16}{load.rps:>10,.0f}{load.p50:>9.2f}{load.p99:>9.2f}"
                    f"{load.errors:>8}"
                )
            if nginx is not None and rates["saylau serve"]:
                ratio = rates["nginx (static)"] / rates["saylau serve"]
                print(f"  nginx / saylau serve: {ratio:.1f}x the requests per second")
        if nginx is None:
            print("nginx: not installed (apt-get install nginx); only saylau's figures shown")
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
