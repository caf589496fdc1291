"""What a 404 costs: 100 clients ask ``saylau serve`` for pages that do not exist.

A flood of made-up addresses is the cheapest way to load a site, so a 404 must cost
no more than a cached page.  On the store of ``bench_serve.py`` (same stations, same
load generator), each target is hammered for a fixed time: an address no route
knows (``/no/such/page``, served from the per-language 404 cache), a station that
does not exist (a route that looks it up), and, for reference, the polled results
JSON.  Prints requests/s and p50/p99 latency of each.

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
import time
from pathlib import Path

from bench_serve import PATH, free_port, wait_http, write_protocols

TARGETS = {
    "/no/such/page (no route)": "/no/such/page",
    "missing station page": "/contests/majilis/stations/NO-SUCH-STATION",
    "results JSON (reference)": PATH,
}


async def _client(port: int, path: str, until: float, lat: list[float], seen: set[str]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Language: ru\r\n\r\n".encode()
    while time.perf_counter() < until:
        t0 = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        seen.add(head[9:12].decode())
        lat.append(time.perf_counter() - t0)
    writer.close()


async def hammer(
    port: int, path: str, clients: int, seconds: float
) -> tuple[float, float, float, str]:
    lat: list[float] = []
    seen: set[str] = set()
    until = time.perf_counter() + seconds
    start = time.perf_counter()
    await asyncio.gather(*(_client(port, path, until, lat, seen) for _ in range(clients)))
    elapsed = time.perf_counter() - start
    lat.sort()
    return (
        len(lat) / elapsed,
        lat[len(lat) // 2] * 1000,
        lat[int(len(lat) * 0.99)] * 1000,
        ",".join(sorted(seen)),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--stations", type=int, default=2000)
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
        print(
            f"bench_not_found: {args.clients} clients, {args.seconds:.0f} s each, "
            f"{args.stations} stations, {os.cpu_count()} CPUs, "
            "load average {:.2f} {:.2f} {:.2f} before".format(*os.getloadavg())
        )
        print(f"{'target':<30}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'status':>8}")
        for name, path in TARGETS.items():
            rps, p50, p99, status = asyncio.run(hammer(port, path, args.clients, args.seconds))
            print(f"{name:<30}{rps:>10,.0f}{p50:>10.2f}{p99:>10.2f}{status:>8}")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
