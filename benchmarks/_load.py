"""The load driver the serving benchmarks share (``bench_serve``, ``bench_not_found``,
``bench_publish``): a store of synthetic stations, ``saylau serve`` and nginx started on
loopback, and keep-alive asyncio HTTP/1.1 clients that hammer one target for a fixed
time (small and plain, so the client costs the machine little CPU).
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PARTIES = ("Nur Otan", "Ak Zhol", "Auyl", "Adal", "NSDP")
#: The results JSON of the benchmark store's contest.
PATH = "/api/v1/contests/majilis"


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


def bench_store(tmp: Path, stations: int) -> str:
    """The benchmark store in ``tmp``: the Majilis contest with ``stations`` synthetic
    stations ingested; returns its path."""
    from saylau.store import Store
    from saylau.tabulate import read_protocols

    db = str(tmp / "saylau.db")
    write_protocols(tmp / "p.csv", stations, seed=1)
    with Store.open(db) as store:
        store.init_election("Bench", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis")
        store.ingest("majilis", read_protocols(tmp / "p.csv"))
    return db


def start_serve(db: str, port: int) -> subprocess.Popen[bytes]:
    """``saylau serve db`` on ``port`` (one uvicorn process, as users start it)."""
    cmd = [sys.executable, "-c", "from saylau.cli import main; main()", "serve", db]
    return subprocess.Popen([*cmd, "--port", str(port)], stderr=subprocess.DEVNULL)


def start_nginx(
    root: Path, port: int, server: str, *, mime_types: bool = False
) -> subprocess.Popen[bytes] | None:
    """nginx on ``port`` (files and logs under ``root``) with ``server`` as the body of
    its one ``server`` block (``mime_types``: Debian's table of content types); None
    when nginx is not installed."""
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if nginx is None:
        return None
    types = "include /etc/nginx/mime.types;" if mime_types else ""
    (root / "nginx.conf").write_text(
        textwrap.dedent(
            f"""
            worker_processes 2;
            daemon off;
            pid {root}/nginx.pid;
            error_log {root}/error.log;
            events {{ worker_connections 1024; }}
            http {{
              {types}
              access_log off;
              client_body_temp_path {root}/tmp;
              proxy_temp_path {root}/tmp;
              fastcgi_temp_path {root}/tmp;
              uwsgi_temp_path {root}/tmp;
              scgi_temp_path {root}/tmp;
              keepalive_requests 1000000;
              server {{
                listen 127.0.0.1:{port};
                {server}
              }}
            }}
            """
        )
    )
    (root / "tmp").mkdir(exist_ok=True)
    conf = str(root / "nginx.conf")
    return subprocess.Popen([nginx, "-c", conf, "-p", str(root)], stderr=subprocess.DEVNULL)


def stop(procs: Iterable[subprocess.Popen[bytes]]) -> None:
    """Terminate the processes still running (killed after 10 s)."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


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


@dataclass(frozen=True)
class Load:
    """What one hammering measured: requests/s, p50 and p99 latency (ms), and how many
    answers came with each HTTP status."""

    rps: float
    p50: float
    p99: float
    statuses: Counter[str]

    @property
    def errors(self) -> int:
        """Answers other than 200."""
        return sum(n for status, n in self.statuses.items() if status != "200")


async def _client(
    port: int, path: str, extra: str, until: float, lat: list[float], statuses: Counter[str]
) -> None:
    """One keep-alive connection asking for ``path`` until ``until``; a ``{n}`` in the
    path is a new number on every request (so no cache of answers can serve it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    fixed = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()
    n = 0
    while time.perf_counter() < until:
        request = fixed
        if "{n}" in path:
            n += 1
            url = path.replace("{n}", f"{id(lat) % 9973}-{n}")
            request = f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()
        t0 = time.perf_counter()
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await reader.readexactly(length)
        statuses[head[9:12].decode()] += 1
        lat.append(time.perf_counter() - t0)
    writer.close()


async def latencies(
    port: int, path: str, clients: int, seconds: float, extra: str = ""
) -> tuple[list[float], float, Counter[str]]:
    """The raw measurement behind :func:`hammer`: every request's latency (s), the
    elapsed seconds and the statuses (for callers that pool several runs)."""
    lat: list[float] = []
    statuses: Counter[str] = Counter()
    until = time.perf_counter() + seconds
    start = time.perf_counter()
    await asyncio.gather(
        *(_client(port, path, extra, until, lat, statuses) for _ in range(clients))
    )
    return lat, time.perf_counter() - start, statuses


async def hammer(port: int, path: str, clients: int, seconds: float, extra: str = "") -> Load:
    """``clients`` connections ask for ``path`` (with the ``extra`` header lines) for
    ``seconds``."""
    lat, elapsed, statuses = await latencies(port, path, clients, seconds, extra)
    lat.sort()
    return Load(
        len(lat) / elapsed, lat[len(lat) // 2] * 1000, lat[int(len(lat) * 0.99)] * 1000, statuses
    )


def measured(
    pid: int,
    port: int,
    path: str,
    clients: int,
    seconds: float,
    extra: str = "",
    *,
    alone: bool = False,
) -> tuple[Load, float | None, float | None]:
    """:func:`hammer` plus the server's CPU microseconds per request (``alone``: of
    process ``pid`` alone, else with its children) and the CPU seconds of its children
    meanwhile (saylau's rebuild worker); None where unknown."""
    before = cpu_seconds(pid, not alone)
    tree_before = cpu_seconds(pid)
    load = asyncio.run(hammer(port, path, clients, seconds, extra))
    after = cpu_seconds(pid, not alone)
    tree_after = cpu_seconds(pid)
    requests = load.rps * seconds
    cpu = None
    if before is not None and after is not None and requests:
        cpu = (after - before) / requests * 1e6
    others = None
    if alone and None not in (before, after, tree_before, tree_after):
        others = (tree_after or 0) - (tree_before or 0) - ((after or 0) - (before or 0))
    return load, cpu, others
