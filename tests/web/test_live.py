"""``GET /api/v1/events``: a real server (uvicorn on loopback) streams a change of the
store as a Server-Sent Event; a client reconnecting with ``Last-Event-ID`` hears of
a change it missed at once."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import serving
from test_publish import amend_station_001
from webdata import build_store

from saylau.store import notify
from saylau.web.routes import live


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    """(db, port, a scratch folder) of a server over a fresh store (SQLite, PostgreSQL)."""
    db, tmp = db_url, tmp_path
    build_store(db, tmp).close()
    # SQLite: the test need not wait a second per read.  PostgreSQL: the poll is
    # slower than the test's patience, so only the store's NOTIFY can bring a change.
    period, fallback = live.PERIOD, live.FALLBACK
    live.PERIOD, live.FALLBACK = 0.1, 600.0
    try:
        with serving(db) as url:
            yield db, int(url.rsplit(":", 1)[1]), tmp
    finally:
        live.PERIOD, live.FALLBACK = period, fallback


class Stream:
    """An open event stream, read event by event (heartbeat comments skipped)."""

    def __init__(self, port: int, path: str, headers: dict[str, str] | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", path, headers=headers or {})
        self.response = self.conn.getresponse()

    def next(self, within: float = 30.0) -> dict[str, str]:
        """The next event, which must come ``within`` seconds (heartbeats do not count)."""
        fields: dict[str, str] = {}
        deadline = time.monotonic() + within
        while True:
            assert time.monotonic() < deadline, f"no event within {within} s"
            line = self.response.readline().decode("utf-8").rstrip("\n")
            if not line:
                if "event" in fields:
                    return fields
                continue
            if line.startswith(":"):
                continue
            key, _, value = line.partition(": ")
            fields[key] = value

    def close(self) -> None:
        self.conn.close()


def test_a_commit_is_pushed_and_a_reconnect_hears_what_it_missed(
    server: tuple[str, int, Path],
) -> None:
    db, port, tmp = server
    stream = Stream(port, "/api/v1/events?contest=majilis")
    try:
        assert stream.response.status == 200
        assert stream.response.getheader("content-type", "").startswith("text/event-stream")
        assert stream.response.getheader("cache-control") == "no-cache"
        hello = stream.next()
        assert hello["event"] == "version" and hello["retry"] == "3000"
        first = json.loads(hello["data"])
        assert first["contest"] == "majilis" and first["version"] == hello["id"]
        amend_station_001(db, tmp)  # a recount of station 001, written to the store
        change = stream.next()
    finally:
        stream.close()
    assert change["event"] == "change" and change["id"] != hello["id"]
    data = json.loads(change["data"])
    assert data["contest"] == "majilis" and data["version"] == change["id"]
    assert data["last_update"] and data["last_update"] >= (first["last_update"] or "")
    # Back with the id it saw last: the change it missed comes first, as "change".
    again = Stream(port, "/api/v1/events?contest=majilis", {"Last-Event-ID": hello["id"]})
    try:
        missed = again.next()
    finally:
        again.close()
    assert missed["event"] == "change" and missed["id"] == change["id"]
    # Up to date: a plain "version".
    current = Stream(port, "/api/v1/events?contest=majilis", {"Last-Event-ID": change["id"]})
    try:
        assert current.next()["event"] == "version"
    finally:
        current.close()
    # Every contest: the same stream without the parameter.
    every = Stream(port, "/api/v1/events")
    try:
        assert json.loads(every.next()["data"])["contest"] is None
    finally:
        every.close()


def test_an_unknown_contest_is_a_404_not_a_stream(server: tuple[str, int, Path]) -> None:
    _, port, _ = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/api/v1/events?contest=nope")
        response = conn.getresponse()
        body = json.loads(response.read())
    finally:
        conn.close()
    assert response.status == 404
    assert body["ok"] is False and "nope" in body["error"]


def test_postgresql_announces_each_commit_and_sqlite_cannot(db_url: str, tmp_path: Path) -> None:
    store = build_store(db_url, tmp_path)
    heard: list[str] = []
    got = threading.Event()

    def on_change(contest: str) -> None:
        heard.append(contest)
        got.set()

    stop = notify.listen(store, on_change)
    try:
        if not db_url.startswith("postgresql"):
            assert stop is None and not notify.can_listen(store)
            return
        assert stop is not None
        time.sleep(1.0)  # the listener's LISTEN is in place
        amend_station_001(db_url, tmp_path)
        assert got.wait(30)
        assert heard[0] == "majilis"
    finally:
        if stop is not None:
            stop.set()
        store.close()


def test_event_ids_are_short_and_follow_the_version() -> None:
    assert live.event_id("majilis:3:preliminary") == live.event_id("majilis:3:preliminary")
    assert live.event_id("majilis:3:preliminary") != live.event_id("majilis:4:preliminary")
    assert len(live.event_id("x")) == 16
