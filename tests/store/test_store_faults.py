"""Process faults on SQLite: SIGKILL mid-ingest, and two ingest processes at once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from saylau.store import Store
from saylau.tabulate.synth import synth_load, write_synthetic

SAYLAU = [str(Path(sys.executable).with_name("saylau"))]


def _init(db: Path) -> None:
    with Store.open(db) as s:
        s.init_election("E", None, "majilis", "kz-majilis-2021")


def _protocols(tmp_path: Path, stations: int, seed: int = 1) -> Path:
    out = tmp_path / f"p{stations}-{seed}.csv"
    write_synthetic(synth_load(stations, 4, seed), out, "test")
    return out


def _versions_per_station(db: Path) -> set[int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT count(*) FROM protocol_versions GROUP BY station_id").fetchall()
    return {r[0] for r in rows}


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM protocols").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _loading(db: Path) -> bool:
    """True while another process holds the write lock (the load's one transaction)."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


@pytest.mark.slow
def test_sigkill_mid_ingest_leaves_nothing(tmp_path: Path) -> None:
    """A file is loaded all or nothing: killed mid-load, none of it is stored (no
    half-loaded file that reads as complete), and the rerun loads all of it."""
    db = tmp_path / "s.db"
    _init(db)
    n = 20_000
    src = _protocols(tmp_path, n)
    proc = subprocess.Popen(
        [*SAYLAU, "ingest", str(db), str(src), "--batch-size", "500"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not _loading(db) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(0.5)  # some batches into the transaction
    assert proc.poll() is None, "the load finished before the kill"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _stored(db) == 0
    with Store.open(db) as s:
        assert s.results("majilis").stations_reporting == 0
        assert s.aggregates("majilis") == s.recount("majilis")
    rerun = subprocess.run(
        [*SAYLAU, "ingest", str(db), str(src), "--json"], capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f'"accepted": {n}' in rerun.stdout or '"flagged"' in rerun.stdout
    with Store.open(db) as s:
        assert s.results("majilis").stations_reporting == n
        assert s.aggregates("majilis") == s.recount("majilis")
    assert _versions_per_station(db) == {1}


@pytest.mark.slow
def test_two_concurrent_ingests_on_one_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    _init(db)
    a = _protocols(tmp_path, 6_000, seed=1)
    b_frame = synth_load(6_000, 4, seed=1).head(3_000)  # overlaps a's first half exactly
    b = tmp_path / "b.csv"
    write_synthetic(b_frame, b, "test")
    procs = [
        subprocess.Popen(
            # --register: whichever comes second registers its file's new stations too.
            [*SAYLAU, "ingest", str(db), str(f), "--batch-size", "300", "--json", "--register"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in (a, b)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1] for o in outs]
    import json

    sa, sb = (json.loads(o[0]) for o in outs)
    # Every protocol is written once: the overlap is "unchanged" for whoever came second.
    assert sa["accepted"] + sb["accepted"] == 6_000
    assert sa["unchanged"] + sb["unchanged"] == 3_000
    assert _versions_per_station(db) == {1}
    with Store.open(db) as s:
        assert s.results("majilis").stations_reporting == 6_000
        assert s.aggregates("majilis") == s.recount("majilis")
