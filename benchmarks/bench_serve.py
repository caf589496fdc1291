"""Serving benchmark: 100 clients poll a contest's results while protocols arrive.

Three targets: the results JSON, the contest page and a station page (HTML, in
Russian: ``Accept-Language: ru``).  Each is served side by side on loopback by
``saylau serve`` (uvicorn, one process) and by nginx serving the same bytes as a
static file (the ceiling), one after the other in the same run.  Each is hammered
for a fixed time by N keep-alive clients (a small asyncio HTTP/1.1 client, so the
client costs little CPU); all along, a writer process amends station protocols in
the store every 0.2 s, so saylau keeps rebuilding (every amendment changes every
page of the contest).  Prints requests/s and p50/p99 latency, and saylau's share of
nginx's throughput.  Goal: >= 20 %, p99 < 50 ms at 100 clients, for every target.

    python benchmarks/bench_serve.py [--clients 100] [--seconds 5] [--stations 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

from _load import (
    PARTIES,
    PATH,
    Load,
    bench_store,
    free_port,
    measured,
    start_nginx,
    start_serve,
    stop,
    wait_http,
    write_protocols,
)

#: What is measured: name -> (path, extra request headers, nginx content type).
TARGETS: dict[str, tuple[str, str, str]] = {
    "results JSON": (PATH, "Accept: application/json\r\n", "application/json"),
    "contest page (ru)": ("/contests/majilis", "Accept-Language: ru\r\n", "text/html"),
    "station page (ru)": (
        "/contests/majilis/stations/S00001",
        "Accept-Language: ru\r\n",
        "text/html",
    ),
}


WRITER = textwrap.dedent(
    """
    import random, sys, time, io, csv
    from saylau.store import Store
    from saylau.tabulate import read_protocols
    db, stations, stop_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    parties = sys.argv[4].split('|')
    store = Store.open(db)
    rng = random.Random(7)
    n = 0
    import os
    while not os.path.exists(stop_file):
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["station", "region", "district", "registered", "invalid", "valid"] + ["party:" + p for p in parties])
        for i in rng.sample(range(stations), 5):  # five different stations: one batch
            votes = [rng.randint(0, 400) for _ in parties]
            region = f"Region {i % 17}"
            w.writerow([f"S{i:05d}", region, f"{region} D{i % 11}", 2000, rng.randint(0, 20), sum(votes), *votes])
        store.ingest("majilis", read_protocols(buf.getvalue().encode(), name="amend.csv"), reason="bench")
        n += 1
        if n == 1:
            print("ready", flush=True)
        time.sleep(0.2)
    print(n)
    """
)


def freshness(db: str, tmp: Path, port: int, rounds: int = 5) -> list[float]:
    """Seconds from a committed amendment to the first poll (every 20 ms) that shows it."""
    from saylau.store import Store
    from saylau.tabulate import read_protocols

    url = f"http://127.0.0.1:{port}{PATH}"

    def shown() -> int:
        return int(json.loads(wait_http(url))["totals"]["valid"])

    out = []
    with Store.open(db) as store:
        for k in range(rounds):
            write_protocols(tmp / "amend.csv", 1, seed=100 + k)
            store.ingest("majilis", read_protocols(tmp / "amend.csv"), reason="benchmark")
            start = time.monotonic()
            truth = store.results("majilis").totals.valid
            while shown() != truth and time.monotonic() - start < 10:
                time.sleep(0.02)
            out.append(time.monotonic() - start)
            time.sleep(0.5)  # let the version TTL lapse, as for a slow poller
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--stations", type=int, default=2000)
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="saylau-bench-serve-"))
    tmp.chmod(0o755)  # nginx's workers run as an unprivileged user
    db = bench_store(tmp, args.stations)
    port = free_port()
    saylau = start_serve(db, port)
    procs: list[subprocess.Popen[bytes]] = [saylau]
    try:
        wait_http(f"http://127.0.0.1:{port}{PATH}")
        files: dict[str, tuple[str, str]] = {}
        sizes: dict[str, int] = {}
        for i, (name, (path, extra, ctype)) in enumerate(TARGETS.items()):
            headers = dict(line.split(": ", 1) for line in extra.split("\r\n") if line)
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
            with urllib.request.urlopen(request, timeout=30) as r:
                body = bytes(r.read())
            (tmp / f"target{i}").write_bytes(body)  # nginx serves the same bytes
            files[path] = (f"target{i}", ctype)
            sizes[name] = len(body)
        nginx_port = free_port()
        locations = "\n".join(
            f"location = {path} {{ alias {tmp}/{name}; default_type {ctype}; }}"
            for path, (name, ctype) in files.items()
        )
        nginx = start_nginx(tmp, nginx_port, locations)
        if nginx is not None:
            procs.append(nginx)
            wait_http(f"http://127.0.0.1:{nginx_port}{PATH}")

        stop_file = tmp / "stop"
        writer = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                db,
                str(args.stations),
                str(stop_file),
                "|".join(PARTIES),
            ],
            stdout=subprocess.PIPE,
        )
        procs.append(writer)
        assert writer.stdout is not None
        writer.stdout.readline()  # the first batch is in: ingest runs during the test
        time.sleep(0.3)
        # Printed with the figures: a busy machine (the client shares its cores) moves
        # p99 by several times, as runs at load average 2 showed.
        load_before = os.getloadavg()
        rows: list[tuple[str, str, tuple[Load, float | None, float | None]]] = []
        for name, (path, extra, _ctype) in TARGETS.items():
            # Side by side: saylau, then nginx with the same bytes, target by target.
            figures = measured(
                saylau.pid, port, path, args.clients, args.seconds, extra, alone=True
            )
            rows.append((name, "saylau", figures))
            if nginx is not None:
                figures = measured(nginx.pid, nginx_port, path, args.clients, args.seconds, extra)
                rows.append((name, "nginx", figures))
        load_after = os.getloadavg()
        stop_file.write_text("stop")
        batches = int((writer.communicate(timeout=60)[0] or b"0").strip() or 0) - 1

        print(
            f"bench_serve: {args.clients} clients, {args.seconds:.0f} s each, "
            f"{args.stations} stations, {os.cpu_count()} CPUs, load average "
            "{:.2f} {:.2f} {:.2f} before, ".format(*load_before)
            + "{:.2f} {:.2f} {:.2f} after".format(*load_after)
        )
        print("bytes: " + ", ".join(f"{name} {size:,}" for name, size in sizes.items()))
        print(
            f"{'target':<20}{'server':<9}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}"
            f"{'CPU us/req':>12}{'rebuild CPU s':>15}"
        )
        for name, server, (load, cpu, others) in rows:
            cost = "-" if cpu is None else f"{cpu:.0f}"
            rebuilt = "-" if others is None else f"{others:.2f}"
            print(
                f"{name:<20}{server:<9}{load.rps:>10,.0f}{load.p50:>10.2f}{load.p99:>10.2f}"
                f"{load.errors:>8}{cost:>12}{rebuilt:>15}"
            )
        print(
            "  CPU us/req: the serving processes (saylau: the uvicorn process; nginx: master"
            " and workers); rebuild CPU s: saylau's rebuild worker during the run"
        )
        print(f"  protocol batches ingested meanwhile: {batches} (5 stations each)")
        if nginx is None:
            print("nginx: not installed (apt-get install nginx); only saylau's figures shown")
        else:
            by = {(name, server): figures for name, server, figures in rows}
            for name in TARGETS:
                s_rps, s_p99 = by[(name, "saylau")][0].rps, by[(name, "saylau")][0].p99
                n_rps = by[(name, "nginx")][0].rps
                share = s_rps / n_rps if n_rps else 0.0
                print(
                    f"{name}: saylau / nginx throughput {share:.0%} (goal >= 20%); "
                    f"saylau p99 {s_p99:.1f} ms (goal < 50 ms)"
                )
        lags = sorted(freshness(db, tmp, port))
        print(
            f"  an amended protocol visible after: median {lags[len(lags) // 2] * 1000:.0f} ms,"
            f" worst {lags[-1] * 1000:.0f} ms of {len(lags)} (goal < 1 s)"
        )
    finally:
        stop(procs)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
