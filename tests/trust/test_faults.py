"""SIGKILL in the middle of a bulk upload and of ``saylau ingest``.

What a crash may leave, by design:

* Bulk upload: each protocol is its own write (audit entry written ahead, then the
  store's transaction), so a kill leaves a prefix of the file stored, every
  version whole, aggregates equal to a recount, and ``audit verify`` INTACT (an
  audit entry whose version never came is allowed: the log vouches for versions,
  not the reverse).  Uploading the same file again finishes the job: the stored
  ones answer ``unchanged``, the rest ``accepted``.
* ``saylau ingest`` loads a file all or nothing (one transaction; each batch's
  ``ingest`` audit entry commits with it): a kill mid-load leaves none of the file,
  ``audit verify`` INTACT, and the rerun loads it whole.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from saylau.cli import main
from saylau.store import Store
from saylau.store import engine as store_engine
from saylau.trust import accounts, integrity

CONTEST = "kz"
SAYLAU = str(Path(sys.executable).with_name("saylau"))
BULK_ROWS = 300
INGEST_ROWS = 20_000


def csv_text(rows: int) -> str:
    lines = ["station,region,district,registered,valid,invalid,party:Amanat,party:Auyl"]
    for n in range(rows):
        a, b = 100 + n % 97, 50 + n % 31
        lines.append(f"S{n:05d},Almaty,D{n % 7},1000,{a + b},{n % 5},{a},{b}")
    return "\n".join(lines) + "\n"


def stored(url: str) -> int:
    eng = store_engine.create(url)
    try:
        with eng.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT COUNT(*) FROM protocol_versions WHERE contest_id = :c"),
                    {"c": CONTEST},
                ).scalar_one()
            )
    finally:
        eng.dispose()


def loading(url: str) -> bool:
    """True while another process's load transaction holds the write lock (SQLite)
    or has written protocol versions it has not committed (PostgreSQL)."""
    if not url.startswith("postgresql"):
        conn = sqlite3.connect(url, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()
    eng = store_engine.create(url)
    try:
        with eng.connect() as conn:
            held = conn.execute(
                text(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                    "WHERE c.relname = 'protocol_versions' AND l.mode = 'RowExclusiveLock' "
                    "AND l.pid <> pg_backend_pid()"
                )
            ).scalar_one()
        return int(held) > 0
    finally:
        eng.dispose()


def wait_for(cond: Any, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def new_store(url: str, stations: int = 0) -> str:
    """A contest with ``stations`` of ``csv_text``'s stations registered (0: none, so
    the first ``saylau ingest`` registers its file's)."""
    store = Store.open(url)
    store.init_election("Majilis 2023", "2023-03-19", CONTEST, "kz-majilis-2023")
    if stations:
        rows = [dict(zip(("station", "region", "district"), line.split(",")[:3], strict=True))
                for line in csv_text(stations).splitlines()[1:]]  # fmt: skip
        store.register(CONTEST, stations=rows, parties=["Amanat", "Auyl"], actor="test")
    with store_engine.write_transaction(store.engine) as conn:
        _, token = accounts.add_account(conn, "cec", "cec", None, by="test")
    store.close()
    return token


def consistent(url: str) -> integrity.Report:
    """The store after a crash: versions whole, aggregates == recount."""
    store = Store.open(url)
    try:
        assert store.aggregates(CONTEST) == store.recount(CONTEST)
    finally:
        store.close()
    eng = store_engine.create(url)
    try:
        report = integrity.verify(eng)
    finally:
        eng.dispose()
    whole = [
        f
        for f in report.findings
        if "does not match its stored hash" in f.message or f.table.startswith("aggregate")
    ]
    assert whole == []
    return report


def serve(url: str, port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [SAYLAU, "serve", url, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).is_success
        except httpx.HTTPError:
            assert proc.poll() is None, "server exited"
            return False

    wait_for(up, 60)
    return proc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_sigkill_during_bulk_upload(db_url: str) -> None:
    token = new_store(db_url, BULK_ROWS)
    body = csv_text(BULK_ROWS)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api/v1/contests/{CONTEST}/protocols/bulk"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}

    server = serve(db_url, port)
    failed: list[BaseException] = []

    def upload() -> None:
        try:
            httpx.post(url, content=body, headers=headers, timeout=300)
        except httpx.HTTPError as err:  # the server dies under it
            failed.append(err)

    t = threading.Thread(target=upload)
    t.start()
    wait_for(lambda: stored(db_url) >= 20)
    os.kill(server.pid, signal.SIGKILL)
    server.wait(30)
    t.join(30)
    assert failed, "the upload finished before the kill"
    done = stored(db_url)
    assert 20 <= done < BULK_ROWS

    report = consistent(db_url)
    assert [str(f) for f in report.findings] == []  # INTACT: write-ahead log

    server = serve(db_url, port)
    try:
        again = httpx.post(url, content=body, headers=headers, timeout=300)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
    assert again.status_code == 200, again.text
    counts = again.json()["counts"]
    # A protocol written before the kill answers unchanged; the one in flight may
    # have its audit entry but no version yet, so it is accepted now.
    assert counts == {"unchanged": done, "accepted": BULK_ROWS - done}
    assert stored(db_url) == BULK_ROWS
    assert consistent(db_url).findings == []


@pytest.mark.slow
def test_sigkill_during_cli_ingest(db_url: str, tmp_path: Path) -> None:
    new_store(db_url)
    data = tmp_path / "protocols.csv"
    data.write_text(csv_text(INGEST_ROWS), encoding="utf-8")
    cmd = [SAYLAU, "ingest", db_url, str(data), "--batch-size", "200"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: loading(db_url) or proc.poll() is not None)
    time.sleep(0.5)  # some batches into the load's one transaction
    assert proc.poll() is None, "the load finished before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    # All or nothing: no half-loaded file that opens, verifies and reads as complete.
    assert stored(db_url) == 0
    report = consistent(db_url)
    assert [str(f) for f in report.findings] == []

    finished = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    assert stored(db_url) == INGEST_ROWS
    result = CliRunner().invoke(main, ["audit", "verify", db_url])
    assert result.exit_code == 0, result.output
    assert (
        result.output.startswith("INTACT") and f"{INGEST_ROWS:,} protocol versions" in result.output
    )


def descendants(pid: int) -> set[int]:
    """Every process started, directly or not, by ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_sigkill_of_serve_ends_its_workers(db_url: str) -> None:
    """``kill -9`` of ``saylau serve``: its rebuild worker and multiprocessing's
    resource tracker end with it, instead of running on under PID 1."""
    new_store(db_url)
    port = free_port()
    server = serve(db_url, port)
    try:
        # The rebuild worker is started at startup; it and the tracker must exist,
        # or this test would pass without testing anything.
        wait_for(lambda: len(descendants(server.pid)) >= 2, 60)
        helpers = descendants(server.pid)
    finally:
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
    wait_for(lambda: not any(alive(p) for p in helpers), 15)
