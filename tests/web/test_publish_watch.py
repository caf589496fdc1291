"""``saylau publish --watch``: a commit to the store is published without a restart."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from test_publish import amend_station_001
from webdata import build_store

from saylau.web.publish import Report, store_state, watch


def test_watch_republishes_after_a_commit(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    build_store(db, tmp_path).close()
    out = tmp_path / "site"
    reports: list[tuple[float, Report]] = []
    published = threading.Event()

    def said(report: Report) -> None:
        reports.append((time.monotonic(), report))
        published.set()

    watcher = threading.Thread(
        target=watch, args=(db, out), kwargs={"on_publish": said, "rounds": 2, "period": 0.1}
    )
    watcher.start()
    try:
        assert published.wait(120), "the first publish did not finish"
        first = out.resolve()
        before = store_state(db)
        amend_station_001(db, tmp_path)
        assert store_state(db) != before  # the counter the watcher polls moved
        watcher.join(120)
    finally:
        watcher.join(120)
    assert not watcher.is_alive()
    assert len(reports) == 2
    second = reports[1][1]
    assert out.resolve() == second.snapshot != first
    assert "ru/contests/majilis/stations/001/index.html" in second.written
    assert "ru/contests/majilis/stations/002/index.html" not in second.written
