"""Concurrent writers through the trust workflow, on SQLite and on PostgreSQL.

``WORKERS`` processes each submit ``PER_WORKER`` protocols through the workflow (the
path the API takes): the first ``SINGLE`` one by one with ``workflow.submit``, the
rest with ``workflow.submit_many`` in chunks of ``CHUNK`` (as the bulk upload does),
each as its own account (CEC or the territorial
commission of the region).  Neighbouring workers share ``OVERLAP`` stations and
submit the same protocol for them, so every shared station is raced by two
writers.  Afterwards: every station is there exactly once at version 1, the
totals are the sum of the protocols (nothing lost, nothing counted twice), the
stored aggregates equal a recount, and ``saylau audit verify`` finds nothing.
"""

from __future__ import annotations

import multiprocessing as mp
import time
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from saylau.cli import main
from saylau.store import Store
from saylau.store import engine as store_engine
from saylau.trust import accounts, workflow

CONTEST = "kz"
WORKERS = 4
PER_WORKER = 1000  # as the issue asks
OVERLAP = 100  # stations each worker shares with the next one
SINGLE = 50  # submitted one by one (interleaving with the others' chunks)
CHUNK = 50
STRIDE = PER_WORKER - OVERLAP


def protocol(n: int) -> dict[str, Any]:
    """Station n's protocol: a function of n alone, so two writers of it agree."""
    a, b = 100 + n % 97, 50 + n % 31
    return {
        "station": f"S{n:05d}",
        "region": "Almaty",
        "district": f"D{n % 7}",
        "registered": 1000,
        "valid": a + b,
        "invalid": n % 5,
        "party:Amanat": a,
        "party:Auyl": b,
    }


def worker(url: str, account: str, first: int, out: Any) -> None:
    """Submit stations first..first+PER_WORKER-1 as ``account``; report the statuses."""
    store = Store.open(url)
    with store.engine.connect() as conn:
        acc = accounts.get_account(conn, account)
    statuses: dict[str, int] = {}
    got = [workflow.submit(store, acc, CONTEST, protocol(n)) for n in range(first, first + SINGLE)]
    for start in range(first + SINGLE, first + PER_WORKER, CHUNK):
        batch = [protocol(n) for n in range(start, min(start + CHUNK, first + PER_WORKER))]
        got += workflow.submit_many(store, acc, CONTEST, batch)
    for o in got:
        statuses[o.status] = statuses.get(o.status, 0) + 1
    store.close()
    out.put(statuses)


@pytest.mark.slow
def test_four_writers_nothing_lost_nothing_twice(db_url: str) -> None:
    store = Store.open(db_url)
    store.init_election("Majilis 2023", "2023-03-19", CONTEST, "kz-majilis-2023")
    every = range(STRIDE * (WORKERS - 1) + PER_WORKER)
    store.register(CONTEST, stations=[protocol(n) for n in every], parties=["Amanat", "Auyl"], actor="test")  # fmt: skip
    names = []
    with store_engine.write_transaction(store.engine) as conn:
        for i in range(WORKERS):
            role, scope = ("cec", None) if i % 2 == 0 else ("territorial", "region:Almaty")
            accounts.add_account(conn, f"w{i}", role, scope, by="test")
            names.append(f"w{i}")

    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(db_url, names[i], i * STRIDE, out)) for i in range(WORKERS)
    ]
    started = time.monotonic()
    for p in procs:
        p.start()
    results = [out.get(timeout=600) for _ in procs]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    print(f"{WORKERS}x{PER_WORKER} submissions in {time.monotonic() - started:.1f} s")

    stations = range(0, (WORKERS - 1) * STRIDE + PER_WORKER)
    statuses: dict[str, int] = {}
    for r in results:
        for k, v in r.items():
            statuses[k] = statuses.get(k, 0) + v
    # Each station accepted once; the second writer of a shared one sees it unchanged.
    assert statuses == {"accepted": len(stations), "unchanged": (WORKERS - 1) * OVERLAP}

    with store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT COUNT(*), MIN(version), MAX(version) FROM protocols WHERE contest_id = :c"
            ),
            {"c": CONTEST},
        ).one()
        versions = conn.execute(
            text("SELECT COUNT(*) FROM protocol_versions WHERE contest_id = :c"), {"c": CONTEST}
        ).scalar_one()
    assert tuple(rows) == (len(stations), 1, 1)
    assert versions == len(stations)

    stored, fresh = store.aggregates(CONTEST), store.recount(CONTEST)
    assert stored == fresh
    root = store.results(CONTEST).totals
    assert root.stations_reporting == len(stations)
    assert root.valid == sum(protocol(n)["valid"] for n in stations)
    assert root.votes["Amanat"] == sum(protocol(n)["party:Amanat"] for n in stations)
    store.close()

    verified = CliRunner().invoke(main, ["audit", "verify", db_url])
    assert verified.exit_code == 0, verified.output
    assert "INTACT" in verified.output
