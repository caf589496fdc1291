"""What a 404 costs: 100 clients ask ``saylau serve`` for pages that do not exist.

A flood of made-up addresses is the cheapest way to load a site, so a 404 must cost
no more than a cached page.  On the store of ``bench_serve.py`` (same stations, same
load generator), each target is hammered for a fixed time, one after the other in the
same run: the cached contest page and the results JSON (the baselines), then an
address no route knows, a station, a division and a contest that do not exist (HTML
in Russian, Kazakh by cookie, and JSON).  Every client asks for a new made-up id on
each request (``{n}`` in a target), so no answer can come from a cache of answers.
Prints requests/s, p50/p99 latency and the server's CPU time per request of each, and
that CPU time against the cached page's, measured in alternating slices with the
target's (``--slices``), so that both see the same neighbours: on a machine shared
with other work, the CPU time an answer costs against the page's in the same seconds
is the figure that does not move with the neighbours' load.  ``--rounds`` repeats the
table (on a shared machine the rounds differ).

    python benchmarks/bench_not_found.py [--clients 100] [--seconds 5] [--stations 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from _load import PATH, cpu_seconds, free_port, latencies, wait_http, write_protocols

RU = "Accept-Language: ru\r\n"
KK = "Cookie: lang=kk\r\n"
#: name -> (path, with {n} replaced by a new number on every request; extra headers)
TARGETS: dict[str, tuple[str, str]] = {
    "cached contest page (ru)": ("/contests/majilis", RU),
    "results JSON (cached)": (PATH, ""),
    "no route /no/such/{n} (ru)": ("/no/such/{n}", RU),
    "missing station (ru)": ("/contests/majilis/stations/NO-{n}", RU),
    "missing station (kk)": ("/contests/majilis/stations/NO-{n}", KK),
    "missing division (ru)": ("/contests/majilis/divisions/region:X{n}", RU),
    "missing contest (ru)": ("/contests/c{n}", RU),
    "missing station JSON": ("/api/v1/contests/majilis/stations/NO-{n}", ""),
}
#: The baseline a 404's throughput is compared with.
BASELINE = "cached contest page (ru)"


@dataclass
class Tally:
    """Requests, latencies, wall time and server CPU seconds of one target."""

    lat: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    cpu: float = 0.0
    seen: set[str] = field(default_factory=set)

    def add(
        self, pid: int, port: int, target: tuple[str, str], clients: int, seconds: float
    ) -> None:
        before = cpu_seconds(pid)
        path, extra = target
        lat, elapsed, seen = asyncio.run(latencies(port, path, clients, seconds, extra))
        after = cpu_seconds(pid)
        self.lat += lat
        self.elapsed += elapsed
        self.seen |= set(seen)
        if before is not None and after is not None:
            self.cpu += after - before

    def rps(self) -> float:
        return len(self.lat) / self.elapsed if self.elapsed else 0.0

    def cpu_us(self) -> float:
        return self.cpu / len(self.lat) * 1e6 if self.lat else 0.0

    def percentile(self, q: float) -> float:
        lat = sorted(self.lat)
        return lat[min(len(lat) - 1, int(len(lat) * q))] * 1000 if lat else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument(
        "--slices", type=int, default=5, help="alternating slices of target and cached page"
    )
    args = ap.parse_args()

    from saylau.store import Store
    from saylau.tabulate import read_protocols

    tmp = Path(tempfile.mkdtemp(prefix="saylau-bench-404-"))
    db = str(tmp / "saylau.db")
    write_protocols(tmp / "p.csv", args.stations, seed=1)
    with Store.open(db) as store:
        store.init_election("Bench", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis")
        store.ingest("majilis", read_protocols(tmp / "p.csv"))
    port = free_port()
    cmd = [
        sys.executable,
        "-c",
        "from saylau.cli import main; main()",
        "serve",
        db,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}{PATH}")
        page = urllib.request.Request(
            f"http://127.0.0.1:{port}/contests/majilis", headers={"Accept-Language": "ru"}
        )
        urllib.request.urlopen(page, timeout=30).read()  # rendered once: now cached
        print(
            f"bench_not_found: {args.clients} clients, {args.seconds:.0f} s each, "
            f"{args.stations} stations, {os.cpu_count()} CPUs, "
            "load average {:.2f} {:.2f} {:.2f} before".format(*os.getloadavg())
        )
        for _ in range(args.rounds):
            print(
                f"{'target':<32}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'status':>8}"
                f"{'CPU us/req':>12}{'page us':>9}{'vs page':>9}{'req/s vs page':>15}"
            )
            slice_ = args.seconds / args.slices
            for name, target in TARGETS.items():
                # The target and the cached page in alternating slices: on a shared
                # machine both then see the same neighbours, and the ratio holds.
                mine, page = Tally(), Tally()
                for _ in range(args.slices):
                    page.add(server.pid, port, TARGETS[BASELINE], args.clients, slice_)
                    if name != BASELINE:
                        mine.add(server.pid, port, target, args.clients, slice_)
                if name == BASELINE:
                    mine = page
                print(
                    f"{name:<32}{mine.rps():>9,.0f}{mine.percentile(0.5):>9.2f}"
                    f"{mine.percentile(0.99):>9.2f}{','.join(sorted(mine.seen)):>8}"
                    f"{mine.cpu_us():>12.0f}{page.cpu_us():>9.0f}"
                    f"{mine.cpu_us() / page.cpu_us():>9.2f}{mine.rps() / page.rps():>15.2f}"
                )
            print("load average {:.2f} {:.2f} {:.2f} after".format(*os.getloadavg()))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
