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
import asyncio
import csv
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

PARTIES = ("Nur Otan", "Ak Zhol", "Auyl", "Adal", "NSDP")
PATH = "/api/v1/contests/majilis"
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int, children: bool = True) -> float | None:
    """CPU time (user + system) used so far by process ``pid`` and (``children``) its
    descendants alive now (Linux /proc; None elsewhere).  Per request, this is what an
    answer costs the server whatever else the machine runs, unlike throughput and
    latency."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / tick
        if children:
            for task in Path(f"/proc/{pid}/task").iterdir():
                for child in (task / "children").read_text().split():
                    total += cpu_seconds(int(child)) or 0.0
        return total
    except (OSError, ValueError, IndexError):
        return None


def write_protocols(path: Path, stations: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["station", "region", "district", "registered", "invalid", "valid"]
            + [f"party:{p}" for p in PARTIES]
        )
        for i in range(stations):
            votes = [rng.randint(0, 400) for _ in PARTIES]
            region = f"Region {i % 17}"
            w.writerow(
                [
                    f"S{i:05d}",
                    region,
                    f"{region} D{i % 11}",
                    2000,
                    rng.randint(0, 20),
                    sum(votes),
                    *votes,
                ]
            )


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
        for _ in range(5):
            i = rng.randrange(stations)
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


async def _client(
    host: str, port: int, path: str, until: float, lat: list[float], extra: str
) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode()
    errors = 0
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            errors += 1
        lat.append(time.perf_counter() - t0)
    writer.close()
    return errors


Figures = tuple[float, float, float, int, float | None, float | None]


def measured(
    pid: int,
    port: int,
    path: str,
    clients: int,
    seconds: float,
    extra: str = "",
    *,
    alone: bool = False,
) -> Figures:
    """:func:`hammer` plus the server's CPU microseconds per request (``alone``: of
    process ``pid`` alone, else with its children) and the CPU seconds of its children
    meanwhile (saylau's rebuild worker); None where unknown."""
    before = cpu_seconds(pid, not alone)
    tree_before = cpu_seconds(pid)
    rps, p50, p99, errors = asyncio.run(hammer(port, path, clients, seconds, extra))
    after = cpu_seconds(pid, not alone)
    tree_after = cpu_seconds(pid)
    requests = rps * seconds
    cpu = None
    if before is not None and after is not None and requests:
        cpu = (after - before) / requests * 1e6
    others = None
    if alone and None not in (before, after, tree_before, tree_after):
        others = (tree_after or 0) - (tree_before or 0) - ((after or 0) - (before or 0))
    return rps, p50, p99, errors, cpu, others


async def hammer(
    port: int, path: str, clients: int, seconds: float, extra: str = ""
) -> tuple[float, float, float, int]:
    lat: list[float] = []
    until = time.perf_counter() + seconds
    start = time.perf_counter()
    errors = await asyncio.gather(
        *(_client("127.0.0.1", port, path, until, lat, extra) for _ in range(clients))
    )
    elapsed = time.perf_counter() - start
    lat.sort()
    p50 = lat[len(lat) // 2] * 1000
    p99 = lat[int(len(lat) * 0.99)] * 1000
    return len(lat) / elapsed, p50, p99, sum(errors)


def wait_http(url: str, timeout: float = 30) -> bytes:
    deadline = time.time() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return bytes(r.read())
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.1)


def start_nginx(
    root: Path, port: int, files: dict[str, tuple[str, str]]
) -> subprocess.Popen[bytes] | None:
    """nginx on ``port`` serving ``files`` (request path -> (file under ``root``,
    content type)) and nothing else."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        return None
    conf = root / "nginx.conf"
    locations = "\n".join(
        f"location = {path} {{ alias {root}/{name}; default_type {ctype}; }}"
        for path, (name, ctype) in files.items()
    )
    conf.write_text(
        textwrap.dedent(
            f"""
            worker_processes 2;
            daemon off;
            pid {root}/nginx.pid;
            error_log {root}/error.log;
            events {{ worker_connections 1024; }}
            http {{
              access_log off;
              client_body_temp_path {root}/tmp;
              proxy_temp_path {root}/tmp;
              fastcgi_temp_path {root}/tmp;
              uwsgi_temp_path {root}/tmp;
              scgi_temp_path {root}/tmp;
              keepalive_requests 1000000;
              server {{
                listen 127.0.0.1:{port};
                {locations}
              }}
            }}
            """
        )
    )
    (root / "tmp").mkdir(exist_ok=True)
    return subprocess.Popen([nginx, "-c", str(conf), "-p", str(root)], stderr=subprocess.DEVNULL)


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

    from saylau.store import Store
    from saylau.tabulate import read_protocols

    tmp = Path(tempfile.mkdtemp(prefix="saylau-bench-serve-"))
    tmp.chmod(0o755)  # nginx's workers run as an unprivileged user
    db = str(tmp / "saylau.db")
    write_protocols(tmp / "p.csv", args.stations, seed=1)
    with Store.open(db) as store:
        store.init_election("Bench", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis")
        store.ingest("majilis", read_protocols(tmp / "p.csv"))

    port = free_port()
    saylau = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from saylau.cli import main; main()",
            "serve",
            db,
            "--port",
            str(port),
        ],
        stderr=subprocess.DEVNULL,
    )
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
        nginx = start_nginx(tmp, nginx_port, files)
        if nginx is not None:
            procs.append(nginx)
            wait_http(f"http://127.0.0.1:{nginx_port}{PATH}")

        stop = tmp / "stop"
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, db, str(args.stations), str(stop), "|".join(PARTIES)],
            stdout=subprocess.PIPE,
        )
        procs.append(writer)
        assert writer.stdout is not None
        writer.stdout.readline()  # the first batch is in: ingest runs during the test
        time.sleep(0.3)
        # Printed with the figures: a busy machine (the client shares its cores) moves
        # p99 by several times, as runs at load average 2 showed.
        load_before = os.getloadavg()
        rows: list[tuple[str, str, Figures]] = []
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
        stop.write_text("stop")
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
        for name, server, (rps, p50, p99, err, cpu, others) in rows:
            cost = "-" if cpu is None else f"{cpu:.0f}"
            rebuilt = "-" if others is None else f"{others:.2f}"
            print(
                f"{name:<20}{server:<9}{rps:>10,.0f}{p50:>10.2f}{p99:>10.2f}{err:>8}{cost:>12}"
                f"{rebuilt:>15}"
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
                s_rps, _, s_p99, _, _, _ = by[(name, "saylau")]
                n_rps = by[(name, "nginx")][0]
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
        for p in procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
