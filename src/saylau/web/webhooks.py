"""Webhooks: each snapshot ``saylau publish`` switches in is announced, signed, to
the URLs configured for each contest (``saylau webhooks add``).

:func:`announce` writes the snapshot's notifications, one per configured webhook,
to the outbox (``webhook_outbox``) in one transaction and returns: one worker thread
per webhook POSTs, so a receiver that is down or slow delays neither the publish nor
the other receivers.  A notification is marked in the outbox when it is delivered or
given up; one still pending when the process dies (a kill, a crash, the machine
going down) is sent by the next publish that starts (:func:`resume`), with the same
delivery id, body and timestamp: a receiver may get a notification twice, never
none, and tells a repeat by its ``X-Saylau-Delivery``.  Each request::

    POST <url>
    Content-Type: application/json
    X-Saylau-Event: snapshot.published
    X-Saylau-Delivery: <id, the same on every retry>
    X-Saylau-Timestamp: <Unix seconds, the same as the body's "timestamp">
    X-Saylau-Signature: sha256=<hex HMAC-SHA256 of the body, keyed by the secret>

    {"event": "snapshot.published", "contest": ..., "snapshot": ..., "version": ...,
     "status": ..., "last_update": ..., "changed": ..., "changed_total": ...,
     "removed": ..., "head": "<seq>:<hash>", "published": ..., "time": ..., "timestamp": ...}

A 2xx answer is a delivery; a 5xx, 408, 429, a timeout or a refused connection is
retried after 1, 2, 4 … seconds (:class:`Policy`, bounded); any other answer is
final.  Every attempt is a row of the delivery log (``saylau webhooks log``).  The
body is built once, so a retry sends the same bytes, signature and timestamp.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import json
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from saylau.store import Store
from saylau.store import webhooks as stored
from saylau.store.webhooks import Webhook


class Report(Protocol):
    """What a publish reports (:class:`saylau.web.publish.Report`; not imported:
    publishing calls this module)."""

    snapshot: Path
    written: list[str]
    removed: list[str]


@dataclass
class Served:
    """A snapshot already switched in, as its ``version.json`` describes it."""

    snapshot: Path
    written: list[str]
    removed: list[str]


EVENT = "snapshot.published"
SIGNATURE_HEADER = "X-Saylau-Signature"
TIMESTAMP_HEADER = "X-Saylau-Timestamp"
DELIVERY_HEADER = "X-Saylau-Delivery"
EVENT_HEADER = "X-Saylau-Event"
#: Answers worth another try: the receiver may be back later.
_RETRY_STATUSES = frozenset({408, 429})


@dataclass(frozen=True)
class Policy:
    """How hard to try: ``attempts`` in all, waiting ``first_delay`` seconds after
    the first failure, ``factor`` times longer after each next (at most
    ``max_delay``); ``timeout`` seconds per request; at most ``queue`` notifications
    waiting per webhook (beyond that the oldest is dropped, and logged)."""

    attempts: int = 6
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0
    timeout: float = 10.0
    queue: int = 64

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.first_delay * self.factor ** (attempt - 1)))


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of ``body``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """True when ``header`` is the signature of ``body`` (compared in constant time)."""
    return hmac.compare_digest(sign(secret, body), header.strip())


@dataclass(frozen=True)
class Notification:
    """One signed request for one webhook: built once, sent until delivered."""

    hook: Webhook
    secret: str
    delivery: str
    snapshot: str
    body: bytes
    timestamp: str
    #: Its row in the outbox (None: not kept there), and the attempts made before.
    outbox: int | None = None
    tried: int = 0

    def headers(self) -> dict[str, str]:
        return {
            "Content-Type": "application/json",
            "User-Agent": "saylau-webhooks/1",
            EVENT_HEADER: EVENT,
            DELIVERY_HEADER: self.delivery,
            TIMESTAMP_HEADER: self.timestamp,
            SIGNATURE_HEADER: sign(self.secret, self.body),
        }


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _contest_files(cid: str, names: list[str]) -> int:
    """How many of the published ``names`` belong to contest ``cid`` (its pages in each
    language, its API documents and exports)."""
    from saylau.web.publish_paths import file_for

    own = file_for(f"/api/v1/contests/{cid}", {}, "en") or ""
    folder = own.removesuffix(".json").removeprefix("api/v1/") + "/"
    return sum(1 for n in names if n == own or folder in n)


def notification(hook: Webhook, secret: str, report: Report, now: datetime) -> Notification:
    """The notification of ``report``'s snapshot for ``hook``: its contest's version,
    status and audit head as the snapshot itself publishes them."""
    from saylau.web.publish_paths import file_for

    snap = report.snapshot
    doc = _read_json(snap / (file_for(f"/api/v1/contests/{hook.contest}", {}, "en") or ""))
    contest = doc.get("contest") if isinstance(doc.get("contest"), dict) else {}
    head = doc.get("audit_head") if isinstance(doc.get("audit_head"), dict) else {}
    assert isinstance(contest, dict) and isinstance(head, dict)
    version = _read_json(snap / "version.json")
    stamp = int(now.timestamp())
    body = {
        "event": EVENT,
        "contest": hook.contest,
        "snapshot": snap.name,
        "version": contest.get("change_counter"),
        "status": contest.get("status"),
        "last_update": contest.get("last_update"),
        "changed": _contest_files(hook.contest, report.written),
        "changed_total": len(report.written),
        "removed": len(report.removed),
        "head": f"{head['seq']}:{head['hash']}" if "seq" in head and "hash" in head else None,
        "published": version.get("published"),
        "time": now.isoformat(timespec="seconds"),
        "timestamp": stamp,
    }
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Notification(hook, secret, uuid.uuid4().hex, snap.name, data, str(stamp))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new target: the signed POST goes where it was
    configured to go (urllib would turn it into a GET elsewhere)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(note: Notification, timeout: float) -> tuple[int | None, str | None]:
    """POST ``note`` once: (HTTP status, None) or (None, the error met)."""
    request = urllib.request.Request(
        note.hook.url, data=note.body, headers=note.headers(), method="POST"
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return int(response.status), None
    except urllib.error.HTTPError as exc:
        return int(exc.code), None
    except urllib.error.URLError as exc:
        return None, str(exc.reason)[:500]
    except (OSError, ValueError) as exc:  # timeouts, resets, a malformed answer
        return None, (str(exc) or type(exc).__name__)[:500]


def _final(status: int | None) -> bool:
    """True when an attempt that got ``status`` needs no retry."""
    if status is None:
        return False
    return status < 500 and status not in _RETRY_STATUSES


class Dispatcher:
    """Delivers the notifications of one store's webhooks, each webhook by its own
    thread (in order), retrying per :class:`Policy` and logging every attempt."""

    def __init__(self, db: str, policy: Policy | None = None) -> None:
        self.db = db
        self.policy = policy or Policy()
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._queues: dict[int, deque[Notification]] = {}
        self._workers: dict[int, threading.Thread] = {}
        self._resumed = False

    @property
    def store(self) -> Store:
        with self._lock:
            if self._store is None:
                self._store = Store.open(self.db)
            return self._store

    def announce(self, report: Report) -> None:
        """Write the notifications of ``report``'s snapshot to the outbox (one
        transaction) and queue them; returns without waiting for any receiver."""
        self.resume()  # older notifications first
        try:
            now = datetime.now(UTC)
            notes = [
                notification(hook, secret, report, now)
                for hook, secret in stored.targets(self.store)
            ]
            rows = [(n.hook.id, n.delivery, n.snapshot, n.body, n.timestamp) for n in notes]
            kept = stored.enqueue(self.store, rows) if rows else []
        except Exception as exc:  # announcing must never fail the publish
            print(f"warning: webhooks of snapshot {report.snapshot.name}: {exc}", file=sys.stderr)
            return
        for note, row in zip(notes, kept, strict=True):
            self.submit(replace(note, outbox=row.id))

    def resume(self, served: Path | None = None) -> None:
        """Queue the notifications a previous process left pending in the outbox, and
        announce the ``served`` snapshot if it never was (the process died between
        switching it in and writing its notifications).  Once per dispatcher: later
        notifications are this process's own."""
        with self._lock:
            if self._resumed:
                return
            self._resumed = True
        try:
            hooks = {hook.id: (hook, secret) for hook, secret in stored.targets(self.store)}
            waiting = stored.pending(self.store)
            missed = (
                served is not None and bool(hooks) and not stored.announced(self.store, served.name)
            )
        except Exception as exc:
            print(f"warning: webhooks: pending notifications not read: {exc}", file=sys.stderr)
            return
        for row in waiting:
            found = hooks.get(row.webhook)
            if found is None:  # the webhook was removed meanwhile: nobody to tell
                self._mark(row.id, stored.DROPPED, row.attempts)
                continue
            hook, secret = found
            self.submit(
                Notification(
                    hook, secret, row.delivery, row.snapshot, row.body, row.timestamp,
                    row.id, row.attempts,
                )
            )  # fmt: skip
        if missed and served is not None:
            version = _read_json(served / "version.json")
            self.announce(
                Served(served, list(version.get("changed", [])), list(version.get("removed", [])))
            )

    def submit(self, note: Notification) -> None:
        """Queue ``note`` behind its webhook's earlier ones (dropping the oldest when
        more than ``policy.queue`` wait) and make sure its worker runs."""
        dropped: list[Notification] = []
        with self._lock:
            queue = self._queues.setdefault(note.hook.id, deque())
            queue.append(note)
            # The first may be in flight: drop the oldest of those still waiting.
            while len(queue) > max(1, self.policy.queue):
                dropped.append(queue[1])
                del queue[1]
            worker = self._workers.get(note.hook.id)
            if worker is None or not worker.is_alive():
                worker = threading.Thread(
                    target=self._work, args=(note.hook.id,), name="webhooks", daemon=True
                )
                self._workers[note.hook.id] = worker
                worker.start()
        for old in dropped:
            self._log(old, 0, None, f"dropped: more than {self.policy.queue} waiting")
            if old.outbox is not None:
                self._mark(old.outbox, stored.DROPPED, old.tried)

    def _work(self, hook_id: int) -> None:
        while True:
            with self._lock:
                queue = self._queues.get(hook_id)
                if not queue:
                    self._workers.pop(hook_id, None)
                    return
                note = queue[0]
            self._deliver(note)
            with self._lock:
                if queue and queue[0] is note:
                    queue.popleft()

    def _deliver(self, note: Notification) -> None:
        state = stored.FAILED
        tried = note.tried
        for attempt in range(1, self.policy.attempts + 1):
            status, error = post(note, self.policy.timeout)
            tried += 1
            self._log(note, tried, status, error)
            if status is not None and 200 <= status < 300:
                state = stored.DELIVERED
                break
            if _final(status):
                break
            if attempt < self.policy.attempts:
                if note.outbox is not None:  # what a resumed delivery counts from
                    self._mark(note.outbox, stored.PENDING, tried)
                time.sleep(self.policy.delay(attempt))
        if note.outbox is not None:
            self._mark(note.outbox, state, tried)

    def _mark(self, outbox_id: int, state: str, attempts: int) -> None:
        try:
            stored.mark(self.store, outbox_id, state, attempts)
        except Exception as exc:  # as with the log: deliveries go on
            print(
                f"warning: webhook outbox {outbox_id}: not marked {state}: {exc}", file=sys.stderr
            )

    def _log(self, note: Notification, attempt: int, status: int | None, error: str | None) -> None:
        try:
            stored.log(
                self.store, note.hook, note.delivery, note.snapshot, attempt,
                status=status, error=error,
            )  # fmt: skip
        except Exception as exc:  # a log that cannot be written must not stop deliveries
            print(f"warning: webhook {note.hook.id}: attempt not logged: {exc}", file=sys.stderr)

    def busy(self) -> bool:
        """True while a notification is being planned, waits or is being delivered."""
        with self._lock:
            return any(w.is_alive() for w in self._workers.values()) or any(self._queues.values())

    def drain(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every delivery to end; True if they did."""
        deadline = time.monotonic() + timeout
        while self.busy():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True


#: How long a process that published waits, when it exits, for deliveries under way
#: (the retry budget of the default policy: 1+2+4+8+16 s of waits plus the requests).
DRAIN_SECONDS = 90.0
_DISPATCHERS: dict[str, Dispatcher] = {}
_LOCK = threading.Lock()


def dispatcher(db: str, policy: Policy | None = None) -> Dispatcher:
    """The dispatcher of the store ``db`` (one per process; ``policy`` applies when
    it is made)."""
    with _LOCK:
        found = _DISPATCHERS.get(db)
        if found is None:
            if not _DISPATCHERS:
                atexit.register(drain_all, DRAIN_SECONDS)
            found = _DISPATCHERS[db] = Dispatcher(db, policy)
        return found


def drain_all(timeout: float) -> None:
    """Wait (up to ``timeout`` seconds in all) for every dispatcher's deliveries."""
    deadline = time.monotonic() + timeout
    if any(found.busy() for found in _DISPATCHERS.values()):
        print(
            f"webhooks: waiting up to {timeout:.0f} s for deliveries under way "
            "(saylau webhooks log shows them)",
            file=sys.stderr,
        )
    for found in list(_DISPATCHERS.values()):
        found.drain(max(0.0, deadline - time.monotonic()))


def announce(db: str, report: Report) -> None:
    """Announce ``report``'s new snapshot to the webhooks of the store ``db`` (see the
    module).  Called by :func:`saylau.web.publish.publish`."""
    dispatcher(db).announce(report)


def resume(db: str, served: Path | None = None) -> None:
    """Send what a previous process left pending in the outbox of the store ``db``
    and announce the ``served`` snapshot if it never was, in the background.  Called
    when a publish starts."""
    dispatcher(db).resume(served)
