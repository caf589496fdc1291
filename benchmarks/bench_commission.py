"""Commission workspace benchmark: N operators sign in and save protocols at once.

Double entry on: N/2 stations, two station accounts each, every operator its own
session (cookie jar).  All sign in together, open their station's form and save the
same protocol as their partner; the save (POST of the form) is timed.  Afterwards
every station must hold exactly one counted version made of two agreeing entries:
nothing lost, nothing doubled.  Prints p50/p95/max save latency per backend.
Goal: p95 < 150 ms at 200 operators.

    python benchmarks/bench_commission.py [--operators 200] [--pg postgresql://…/db]
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
    base: str, name: str, station: str, start: asyncio.Event, ready: list[int], n: int
) -> float:
    async with httpx.AsyncClient(base_url=base, timeout=120) as c:
        page = await c.get("/commission/")
        ready[0] += 1
        if ready[0] == n:  # everyone holds a sign-in page: go, all at once
            start.set()
        await start.wait()
        r = await c.post(
            "/commission/sign-in",
            data={"csrf": CSRF.search(page.text).group(1), "name": name, "password": PASSWORD},  # type: ignore[union-attr]
        )
        assert r.status_code == 303, (name, r.status_code)
        form = await c.get(f"/commission/majilis/station/{station}")
        data = {
            "csrf": CSRF.search(form.text).group(1),  # type: ignore[union-attr]
            "opened": OPENED.search(form.text).group(1),  # type: ignore[union-attr]
            "action": "save",
            **{f"f-{k}": str(v) for k, v in PROTOCOL.items()},
        }
        t0 = time.perf_counter()
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
        return took


async def run(base: str, stations: int) -> list[float]:
    start = asyncio.Event()
    ready = [0]
    n = 2 * stations
    tasks = [
        asyncio.create_task(operator(base, f"op{i}-{k}", f"S{i:04d}", start, ready, n))
        for i in range(1, stations + 1)
        for k in (1, 2)
    ]
    return list(await asyncio.gather(*tasks))


def bench(url: str, label: str, operators: int) -> None:
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
            times = asyncio.run(run(f"http://127.0.0.1:{port}", stations))
        finally:
            server.should_exit = True
            thread.join(timeout=30)
        counted = [store.station("majilis", f"S{i:04d}") for i in range(1, stations + 1)]
        lost = [r.station.id for r in counted if r.version is None]
        doubled = [r.station.id for r in counted if r.version not in (None, 1)]
        store.close()
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(len(ms) * 0.95) - 1]
    print(
        f"{label:<11} operators={len(ms)} save p50={statistics.median(ms):.0f} ms "
        f"p95={p95:.0f} ms max={ms[-1]:.0f} ms lost={len(lost)} doubled={len(doubled)}"
    )
    if lost or doubled:
        sys.exit(f"{label}: lost {lost[:5]} doubled {doubled[:5]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--operators", type=int, default=200)
    ap.add_argument("--pg", default="", help="a PostgreSQL URL (a fresh, empty database)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench(str(Path(tmp) / "bench.db"), "sqlite", args.operators)
    if args.pg:
        bench(args.pg, "postgresql", args.operators)


if __name__ == "__main__":
    main()
