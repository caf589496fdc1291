"""What a 404 costs: 100 clients ask ``saylau serve`` for pages that do not exist.

A flood of made-up addresses is the cheapest way to load a site, so a 404 must cost
no more than a cached page.  On the store of ``bench_serve.py`` (same stations, same
load generator), each target is hammered for a fixed time, one after the other in the
same run: the cached contest page and the results JSON (the baselines), then an
address no route knows, a station, a division and a contest that do not exist (HTML
in Russian, Kazakh by cookie, and JSON).  Every client asks for a new made-up id on
each request (``{n}`` in a target), so no answer can come from a cache of answers.
Prints requests/s, p50/p99 latency and the server's CPU time per request of each, and
that CPU time against the cached page's: on a machine shared with other work, the CPU
time an answer costs is the figure that does not move with the neighbours' load.  ``--rounds`` repeats the table (on a shared machine the rounds differ).

    python benchmarks/bench_not_found.py [--clients 100] [--seconds 5] [--stations 2000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import urllib.request
from pathlib import Path

from _load import PATH, bench_store, free_port, measured, start_serve, stop, wait_http

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--stations", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="saylau-bench-404-"))
    db = bench_store(tmp, args.stations)
    port = free_port()
    server = start_serve(db, port)
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
                f"{'CPU us/req':>12}{'vs page':>9}{'req/s vs page':>15}"
            )
            base: tuple[float, float | None] = (0.0, None)
            for name, (path, extra) in TARGETS.items():
                load, cpu, _ = measured(server.pid, port, path, args.clients, args.seconds, extra)
                rps, p50, p99 = load.rps, load.p50, load.p99
                status = ",".join(sorted(load.statuses))
                if name == BASELINE:
                    base = (rps, cpu)
                cost = "-" if cpu is None else f"{cpu:.0f}"
                ratio = "-" if cpu is None or not base[1] else f"{cpu / base[1]:.2f}"
                speed = f"{rps / base[0]:.2f}" if base[0] else "-"
                print(
                    f"{name:<32}{rps:>9,.0f}{p50:>9.2f}{p99:>9.2f}{status:>8}{cost:>12}"
                    f"{ratio:>9}{speed:>15}"
                )
            print("load average {:.2f} {:.2f} {:.2f} after".format(*os.getloadavg()))
    finally:
        stop([server])
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
