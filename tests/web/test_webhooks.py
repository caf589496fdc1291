"""Webhooks: a real receiver on loopback gets a signed POST for each published snapshot.

The receiver is ``http.server`` in a thread; it checks the signature with the shared
secret exactly as the documented snippet does (docs/publish.md), answers what the
test tells it (500 first, then 200; or it blocks), and records every request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st
from test_publish import amend_station_001
from webdata import build_store

from saylau.cli import main
from saylau.errors import InputError, NotFoundError
from saylau.store import Store
from saylau.store import webhooks as stored
from saylau.store.audit import head
from saylau.web import webhooks
from saylau.web.publish import publish, watch

SECRET = "s3cret-shared-with-the-newsroom"
#: Fast retries for the tests: 0.05, 0.1, 0.2 s (the default waits 1, 2, 4 … s).
FAST = webhooks.Policy(attempts=4, first_delay=0.05, max_delay=0.2, timeout=5.0)


@dataclass
class Receiver:
    """What the loopback receiver was sent, and what it answers next."""

    url: str
    answers: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    got: threading.Event = field(default_factory=threading.Event)
    block: bool = False


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            rec = box[0]
            body = self.rfile.read(int(self.headers["Content-Length"]))
            rec.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            rec.got.set()
            if rec.block:
                rec.release.wait(30)  # a slow receiver: holds the request
            status = rec.answers.pop(0) if rec.answers else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}/hook"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box[0]
    box[0].release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "w.db")
    build_store(path, tmp_path).close()
    return path


def _dispatcher(db: str, policy: webhooks.Policy = FAST) -> webhooks.Dispatcher:
    """The process's dispatcher of ``db``, made here with ``policy``."""
    found = webhooks.dispatcher(db, policy)
    assert found.policy == policy
    return found


def _verify(secret: str, body: bytes, header: str) -> bool:
    """The receiver's check, as docs/publish.md shows it (standard library only)."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def _cli(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, prog_name="saylau")


def test_a_500_is_retried_and_every_attempt_is_logged(
    db: str, tmp_path: Path, receiver: Receiver
) -> None:
    result = _cli("webhooks", "add", db, receiver.url, "--contest", "majilis", "--secret-stdin",
                  input=SECRET + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    receiver.answers = [500]
    dispatcher = _dispatcher(db)
    report = publish(db, tmp_path / "site")
    assert dispatcher.drain(30)
    assert len(receiver.requests) == 2  # the 500, then the retry that got 200
    (h1, b1), (h2, b2) = receiver.requests
    assert b1 == b2 and h1["x-saylau-signature"] == h2["x-saylau-signature"]
    assert h1["x-saylau-delivery"] == h2["x-saylau-delivery"]
    assert _verify(SECRET, b1, h1["x-saylau-signature"])
    assert not _verify("another secret of some length", b1, h1["x-saylau-signature"])
    assert h1["content-type"] == "application/json"
    assert h1["x-saylau-event"] == "snapshot.published"
    doc = json.loads(b1)
    assert h1["x-saylau-timestamp"] == str(doc["timestamp"])
    with Store.open(db) as store:
        info = store.contest("majilis")
        with store.engine.connect() as conn:
            seq, digest = head(conn)
        log = stored.deliveries(store)
    assert doc["event"] == "snapshot.published" and doc["contest"] == "majilis"
    assert doc["snapshot"] == report.snapshot.name == (tmp_path / "site").resolve().name
    assert doc["version"] == info.change_counter and doc["status"] == info.status
    assert doc["head"] == f"{seq}:{digest}"
    assert doc["changed_total"] == len(report.written) > doc["changed"] > 0
    assert doc["removed"] == 0
    version = json.loads((tmp_path / "site" / "version.json").read_bytes())
    assert doc["published"] == version["published"]
    assert [(d.attempt, d.status, d.error) for d in log] == [(1, 500, None), (2, 200, None)]
    assert {d.url for d in log} == {receiver.url}
    assert {d.snapshot for d in log} == {report.snapshot.name}
    shown = _cli("webhooks", "log", db)
    assert shown.exit_code == 0 and "500" in shown.output and SECRET not in shown.output


def test_a_notification_pending_when_the_publisher_is_killed_is_sent_by_the_next(
    db: str, tmp_path: Path, receiver: Receiver
) -> None:
    with Store.open(db) as store:
        stored.add(store, "majilis", receiver.url, SECRET)
    receiver.block = True  # holds the request: the publisher dies while it is under way
    src = Path(webhooks.__file__).parents[2]
    command = [sys.executable, "-c", "from saylau.cli import main; main()", "publish", db]
    proc = subprocess.Popen(
        [*command, str(tmp_path / "site")],
        env={**os.environ, "PYTHONPATH": str(src)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert receiver.got.wait(300), "the publisher sent nothing"
        with Store.open(db) as store:
            (row,) = stored.outbox(store)
        assert row.state == stored.PENDING and row.attempts == 0
        proc.send_signal(signal.SIGKILL)  # no atexit, no drain: gone mid-request
        assert proc.wait(30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    ((cut_headers, cut_body),) = receiver.requests
    assert cut_headers["x-saylau-delivery"] == row.delivery and cut_body == row.body
    receiver.block = False
    receiver.release.set()  # the held request answers a closed connection
    dispatcher = _dispatcher(db)
    second = publish(db, tmp_path / "site")  # the next start sends what was pending
    assert dispatcher.drain(30)
    (_, _), (again_headers, again_body), (_, new_body) = receiver.requests
    assert again_headers["x-saylau-delivery"] == row.delivery and again_body == cut_body
    assert again_headers["x-saylau-timestamp"] == cut_headers["x-saylau-timestamp"]
    assert _verify(SECRET, again_body, again_headers["x-saylau-signature"])
    assert json.loads(cut_body)["snapshot"] == "000001"
    assert json.loads(new_body)["snapshot"] == second.snapshot.name == "000002"
    with Store.open(db) as store:
        rows = stored.outbox(store)
        log = stored.deliveries(store)
    assert [(r.snapshot, r.state, r.attempts) for r in rows] == [
        ("000001", stored.DELIVERED, 1),  # the killed attempt was never answered
        ("000002", stored.DELIVERED, 1),
    ]
    assert [(d.snapshot, d.attempt, d.status) for d in log] == [
        ("000001", 1, 200),
        ("000002", 1, 200),
    ]
    assert stored.PENDING not in {r.state for r in rows}


def test_a_snapshot_switched_in_but_never_announced_is_announced_by_the_next_publish(
    db: str, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies after switching the snapshot in, before writing its
    notifications (a few milliseconds; simulated: the announcement does not happen)."""
    from saylau.web import publish as publishing

    with Store.open(db) as store:
        stored.add(store, "majilis", receiver.url, SECRET)
    with monkeypatch.context() as patch:  # the process that dies: no dispatcher at all
        patch.setattr(webhooks, "announce", lambda db, report: None)
        patch.setattr(webhooks, "resume", lambda db, served=None: None)
        first = publish(db, tmp_path / "site")
    with Store.open(db) as store:
        assert stored.outbox(store) == []
    assert publishing.current_snapshot(tmp_path / "site") == first.snapshot
    dispatcher = _dispatcher(db)
    second = publish(db, tmp_path / "site")
    assert dispatcher.drain(30)
    sent = [json.loads(body) for _, body in receiver.requests]
    assert [d["snapshot"] for d in sent] == [first.snapshot.name, second.snapshot.name]
    assert sent[0]["changed_total"] == len(first.written) > 0  # from its version.json
    with Store.open(db) as store:
        assert [(r.snapshot, r.state) for r in stored.outbox(store)] == [
            (first.snapshot.name, stored.DELIVERED),
            (second.snapshot.name, stored.DELIVERED),
        ]


def test_a_slow_receiver_does_not_delay_publishing(
    db: str, tmp_path: Path, receiver: Receiver
) -> None:
    with Store.open(db) as store:
        stored.add(store, "majilis", receiver.url, SECRET)
    # A timeout longer than the test, so that the held request is not retried.
    dispatcher = _dispatcher(db, webhooks.Policy(attempts=2, timeout=120.0))
    receiver.block = True  # the receiver holds every request until released
    first = publish(db, tmp_path / "site")
    assert receiver.got.wait(30)  # the POST is under way ...
    second = publish(db, tmp_path / "site")  # ... and publishing goes on meanwhile
    assert not receiver.release.is_set()
    assert (tmp_path / "site").resolve() == second.snapshot != first.snapshot
    receiver.release.set()
    assert dispatcher.drain(30)
    snapshots = [json.loads(body)["snapshot"] for _, body in receiver.requests]
    assert snapshots == [first.snapshot.name, second.snapshot.name]  # in order


def test_a_receiver_that_is_down_is_retried_a_bounded_number_of_times(
    db: str, tmp_path: Path
) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/hook"
    with Store.open(db) as store:
        hook = stored.add(store, "majilis", dead, SECRET)
    dispatcher = _dispatcher(db)
    publish(db, tmp_path / "site")
    assert dispatcher.drain(30)
    with Store.open(db) as store:
        log = stored.deliveries(store, hook.id)
    assert [d.attempt for d in log] == [1, 2, 3, 4]  # FAST.attempts, then it gives up
    assert all(d.status is None and d.error for d in log)
    assert "refused" in (log[0].error or "").lower()


def test_publish_watch_announces_each_snapshot(db: str, tmp_path: Path, receiver: Receiver) -> None:
    with Store.open(db) as store:
        stored.add(store, "majilis", receiver.url, SECRET)
    dispatcher = _dispatcher(db)
    first = threading.Event()
    watcher = threading.Thread(
        target=watch,
        args=(db, tmp_path / "site"),
        kwargs={"on_publish": lambda report: first.set(), "rounds": 2, "period": 0.1},
    )
    watcher.start()
    try:
        assert first.wait(120), "the first publish did not finish"
        amend_station_001(db, tmp_path)  # a commit: the watcher publishes again
    finally:
        watcher.join(120)
    assert dispatcher.drain(30)
    sent = [json.loads(body) for _, body in receiver.requests]
    # The amendment is published in two snapshots: the results, then the slow
    # contest-wide documents (statement PDFs, forensics, exports, NIST report).
    assert [d["snapshot"] for d in sent] == ["000001", "000002", "000003"]
    assert sent[2]["version"] == sent[1]["version"] > sent[0]["version"]
    assert 0 < sent[1]["changed"] < sent[0]["changed"]  # the amended station's files
    assert 0 < sent[2]["changed"] < sent[1]["changed"]


def test_a_4xx_is_final(db: str, tmp_path: Path, receiver: Receiver) -> None:
    with Store.open(db) as store:
        stored.add(store, "majilis", receiver.url, SECRET)
    receiver.answers = [410]
    dispatcher = _dispatcher(db)
    publish(db, tmp_path / "site")
    assert dispatcher.drain(30)
    assert len(receiver.requests) == 1
    with Store.open(db) as store:
        assert [(d.attempt, d.status) for d in stored.deliveries(store)] == [(1, 410)]


@given(secret=st.text(min_size=16, max_size=64), body=st.binary(max_size=512), at=st.integers(0))
def test_a_signature_verifies_its_body_only(secret: str, body: bytes, at: int) -> None:
    header = webhooks.sign(secret, body)
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert webhooks.verify(secret, body, header) and _verify(secret, body, header)
    changed = bytearray(body or b"x")
    changed[at % len(changed)] ^= 1  # one bit of the body flipped
    assert not webhooks.verify(secret, bytes(changed), header)
    assert not webhooks.verify(secret + "x", body, header)


def test_backoff_doubles_up_to_its_bound() -> None:
    policy = webhooks.Policy(first_delay=1.0, factor=2.0, max_delay=5.0)
    assert [policy.delay(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_webhooks_are_stored_listed_and_removed(db_url: str, tmp_path: Path) -> None:
    store = build_store(db_url, tmp_path)
    try:
        hook = stored.add(store, "majilis", "https://news.example/hook", SECRET)
        other = stored.add(store, "majilis", "http://127.0.0.1:9/x", SECRET + "2")
        assert [h.url for h in stored.listed(store, "majilis")] == [hook.url, other.url]
        assert [s for _, s in stored.targets(store)] == [SECRET, SECRET + "2"]
        assert "secret" not in hook.to_dict()
        with pytest.raises(InputError, match="already configured"):
            stored.add(store, "majilis", hook.url, SECRET)
        with pytest.raises(InputError, match="'ftp://x/'"):
            stored.add(store, "majilis", "ftp://x/", SECRET)
        with pytest.raises(InputError, match="at least 16"):
            stored.add(store, "majilis", "https://a.example/", "short")
        with pytest.raises(NotFoundError, match="nope"):
            stored.add(store, "nope", "https://a.example/", SECRET)
        stored.log(store, hook, "d1", "000001", 1, status=503)
        assert stored.remove(store, hook.id) == hook
        assert [h.id for h in stored.listed(store)] == [other.id]
        with pytest.raises(NotFoundError, match=str(hook.id)):
            stored.remove(store, hook.id)
        # The log outlives the webhook.
        assert [(d.webhook, d.status) for d in stored.deliveries(store)] == [(hook.id, 503)]
    finally:
        store.close()


def test_cli_add_list_remove_and_bad_input(db: str) -> None:
    added = _cli("webhooks", "add", db, "https://news.example/h", "--contest", "majilis",
                 "--secret-stdin", input=SECRET + "\n")  # fmt: skip
    assert added.exit_code == 0 and "webhook 1" in added.output
    listed = _cli("webhooks", "list", db, "--json")
    assert json.loads(listed.output)[0]["url"] == "https://news.example/h"
    assert SECRET not in _cli("webhooks", "list", db).output
    weak = _cli("webhooks", "add", db, "https://b.example/", "--contest", "majilis",
                "--secret-stdin", input="short\n")  # fmt: skip
    assert weak.exit_code == 2 and weak.stderr.startswith("error: webhook secret")
    assert len(weak.stderr.splitlines()) == 1 and "short" not in weak.stderr
    bad = _cli("webhooks", "add", db, "not-a-url", "--contest", "majilis", "--secret-stdin",
               input=SECRET + "\n")  # fmt: skip
    assert bad.exit_code == 2 and "'not-a-url'" in bad.stderr
    unknown = _cli("webhooks", "add", db, "https://c.example/", "--contest", "zzz",
                   "--secret-stdin", input=SECRET + "\n")  # fmt: skip
    assert unknown.exit_code == 2 and "zzz" in unknown.stderr
    missing = _cli("webhooks", "remove", db, "7")
    assert missing.exit_code == 2 and "webhook 7" in missing.stderr
    removed = _cli("webhooks", "remove", db, "1")
    assert removed.exit_code == 0 and "removed webhook 1" in removed.output
    assert _cli("webhooks", "list", db).output.strip() == "no webhooks"
