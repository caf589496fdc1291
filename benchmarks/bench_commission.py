"""Commission workspace benchmark: N operators sign in and save protocols at once.

Double entry on: N/2 stations, two station accounts each, every operator its own
session (cookie jar).  All sign in together, open their station's form and save the
same protocol as their partner; the save (POST of the form) is timed.  Afterwards
every station must hold exactly one counted version made of two agreeing entries:
nothing lost, nothing doubled.  Prints p50/p95/max save latency, saves per second and the sign-ins' p95
per backend.
Goal: p95 < 150 ms at 200 operators.

With ``--burst`` a second run has everyone sign in and open the form first, then all
press Save at once: the saves' own throughput, with no sign-ins between them.

    python benchmarks/bench_commission.py [--operators 200] [--pg postgresql://…/db] [--burst]

``--pg`` names a server and a database to connect through; each run creates and
drops a scratch database of its own there.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from saylau.store import Store
from saylau.store import commission as cs
from saylau.store.engine import write_transaction
from saylau.trust import accounts, passwords, workflow
from saylau.web.app import create_app

PASSWORD = "bench-password-2026"
PARTIES = ("Amanat", "Ak Zhol", "Auyl")
PROTOCOL = {
    "registered": 1000, "ballots_received": 1000, "issued_at_station": 640,
    "issued_outside": 20, "cancelled": 340, "in_mobile_boxes": 20,
    "in_stationary_boxes": 640, "invalid": 10, "valid": 650,
    "party:Amanat": 500, "party:Ak Zhol": 120, "party:Auyl": 30, "against_all": 0,
}  # fmt: skip
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
OPENED = re.compile(r'name="opened" value="([^"]*)"')


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database next to ``url``'s, dropped afterwards."""
    import psycopg

    name = f"saylau_bench_{uuid.uuid4().hex[:12]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(url: str, tmp: Path, stations: int) -> Store:
    rows = ["id,name,level,parent", "KZ,Kazakhstan,country,", "region:R,R,region,KZ"]
    rows += [f"S{i:04d},S{i:04d},station,region:R" for i in range(stations + 1)]
    (tmp / "divisions.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = Store.open(url)
    store.init_election(
        "Bench", "2026-12-06", "majilis", "kz-majilis-2021", divisions=tmp / "divisions.csv"
    )
    # The ballot is registered before results come in (a CEC act).
    store.register("majilis", parties=PARTIES, actor="bench")
    # One hash for every account: 200 scrypt runs would only measure set-up.
    digest = passwords.hash_password(PASSWORD)
    with write_transaction(store.engine) as conn:
        cec, _ = accounts.add_account(conn, "cec", "cec", None, by="bench")
        for i in range(1, stations + 1):
            for k in (1, 2):
                accounts.add_account(conn, f"op{i}-{k}", "station", f"S{i:04d}", by="bench")
                cs.set_password_hash(conn, f"op{i}-{k}", digest, "2026-12-06T00:00:00.000000Z")
    # Station S0000 is counted before double entry is switched on.
    workflow.submit(store, cec, "majilis", {"station": "S0000", "region": "R", **PROTOCOL})
    workflow.set_double_entry(store, cec, "majilis", True)
    return store


async def operator(
    base: str,
    name: str,
    station: str,
    start: asyncio.Event,
    ready: list[int],
    n: int,
    burst: asyncio.Event | None,
) -> tuple[float, float, float, float, float]:
    """(sign-in seconds, save seconds, save start, save end, sign-in start) of one
    operator."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        page = await c.get("/commission/")
        ready[0] += 1
        if ready[0] == n:  # everyone holds a sign-in page: go, all at once
            start.set()
        await start.wait()
        t_in = time.perf_counter()
        r = await c.post(
            "/commission/sign-in",
            data={"csrf": CSRF.search(page.text).group(1), "name": name, "password": PASSWORD},  # type: ignore[union-attr]
        )
        assert r.status_code == 303, (name, r.status_code)
        signed = time.perf_counter() - t_in
        form = await c.get(f"/commission/majilis/station/{station}")
        data = {
            "csrf": CSRF.search(form.text).group(1),  # type: ignore[union-attr]
            "opened": OPENED.search(form.text).group(1),  # type: ignore[union-attr]
            "action": "save",
            **{f"f-{k}": str(v) for k, v in PROTOCOL.items()},
        }
        if burst is not None:  # everyone holds an open form: all press Save at once
            ready[1] += 1
            if ready[1] == n:
                burst.set()
            await burst.wait()
        t0 = first = time.perf_counter()
        r = await c.post(f"/commission/majilis/station/{station}", data=data)
        took = time.perf_counter() - t0
        if r.status_code != 200:
            # The partner's entry landed between opening and saving: reopen, save again.
            form = await c.get(f"/commission/majilis/station/{station}")
            data["opened"] = OPENED.search(form.text).group(1)  # type: ignore[union-attr]
            t0 = time.perf_counter()
            r = await c.post(f"/commission/majilis/station/{station}", data=data)
            took = time.perf_counter() - t0
        assert r.status_code == 200 and 'data-status="' in r.text, (name, r.status_code)
        return signed, took, first, time.perf_counter(), t_in


async def run(base: str, stations: int, burst: bool) -> list[tuple[float, float, float, float]]:
    start = asyncio.Event()
    together = asyncio.Event() if burst else None
    ready = [0, 0]
    n = 2 * stations
    tasks = [
        asyncio.create_task(operator(base, f"op{i}-{k}", f"S{i:04d}", start, ready, n, together))
        for i in range(1, stations + 1)
        for k in (1, 2)
    ]
    return list(await asyncio.gather(*tasks))


def p95(sorted_ms: list[float]) -> float:
    return sorted_ms[max(0, int(len(sorted_ms) * 0.95) - 1)]


def bench(url: str, label: str, operators: int, burst: bool) -> None:
    stations = operators // 2
    with tempfile.TemporaryDirectory() as tmp:
        store = build(url, Path(tmp), stations)
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(url),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                timeout_keep_alive=300,  # clients wait for one another between requests
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        try:
            got = asyncio.run(run(f"http://127.0.0.1:{port}", stations, burst))
        finally:
            server.should_exit = True
            thread.join(timeout=30)
        counted = [store.station("majilis", f"S{i:04d}") for i in range(1, stations + 1)]
        lost = [r.station.id for r in counted if r.version is None]
        doubled = [r.station.id for r in counted if r.version not in (None, 1)]
        store.close()
    ms = sorted(t[1] * 1000 for t in got)
    sign_ms = sorted(t[0] * 1000 for t in got)
    if burst:  # saves per second from the first save sent to the last answered
        span = max(t[3] for t in got) - min(t[2] for t in got)
        rate = f"throughput={len(ms) / span:.1f} saves/s"
    else:  # the whole run: first sign-in sent to the last save answered
        span = max(t[3] for t in got) - min(t[4] for t in got)
        rate = f"run={span:.1f} s ({len(ms) / span:.1f} operators/s)"
    print(
        f"{label + (' burst' if burst else ''):<16} operators={len(ms)} "
        f"save p50={statistics.median(ms):.0f} ms p95={p95(ms):.0f} ms max={ms[-1]:.0f} ms  "
        f"{rate}  sign-in p95={p95(sign_ms):.0f} ms  lost={len(lost)} doubled={len(doubled)}"
    )
    if lost or doubled:
        sys.exit(f"{label}: lost {lost[:5]} doubled {doubled[:5]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--operators", type=int, default=200)
    ap.add_argument("--pg", default="", help="a PostgreSQL URL (a fresh, empty database)")
    ap.add_argument(
        "--burst",
        action="store_true",
        help="also: everyone signs in and opens the form first, then all save at once",
    )
    args = ap.parse_args()
    for burst in (False, True) if args.burst else (False,):
        with tempfile.TemporaryDirectory() as tmp:
            bench(str(Path(tmp) / "bench.db"), "sqlite", args.operators, burst)
        if args.pg:
            with scratch_database(args.pg) as url:
                bench(url, "postgresql", args.operators, burst)


if __name__ == "__main__":
    main()
