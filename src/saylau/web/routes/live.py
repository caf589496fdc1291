"""Live pages: ``GET /api/v1/events`` streams a Server-Sent Event whenever the data
behind the open pages changes, so ``static/live.js`` can update them in place.

The server learns of a commit as every page does: by the contests' change counters
(:meth:`saylau.web.site.Site.current_version`, the same version that makes the pages'
ETags; re-read at most every ``counter_ttl`` seconds and shared by concurrent
readers).  One :class:`Watch` per stream key (a contest, or every contest) reads it
while anybody listens, and wakes its listeners when it moves: a thousand open pages
cost one read, not a thousand.  On SQLite it reads every :data:`PERIOD` seconds; on
PostgreSQL the store announces each commit (``NOTIFY``, :mod:`saylau.store.notify`)
and the watch reads at once, polling only every :data:`FALLBACK` seconds as a
safety net.

The stream: ``retry: 3000``, then one ``event: version`` with the current version as
its ``id``; then an ``event: change`` (same ``data`` shape) at each change, and a
``: heartbeat`` comment every :data:`HEARTBEAT` seconds.  A client that reconnects
sends ``Last-Event-ID``; when the version moved meanwhile it gets ``change`` at once.
A stream ends after :data:`LIFETIME` seconds (the browser reconnects by itself), so
proxies and a server shutting down never hold a connection for ever.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from saylau.store import notify
from saylau.web.render import site_of
from saylau.web.site import Site, Version

router = APIRouter()

#: Seconds between two reads of the version while somebody listens (SQLite).
PERIOD = 1.0
#: The same where the store announces its commits (PostgreSQL): a safety net only.
FALLBACK = 10.0
#: Seconds between two heartbeat comments (proxies close silent connections).
HEARTBEAT = 15.0
#: Seconds a stream lasts before the server ends it (the client reconnects).
LIFETIME = 300.0
#: Milliseconds a browser waits before reconnecting.
RETRY_MS = 3000


def event_id(version: str) -> str:
    """The SSE id of a version text: short, opaque, equal for equal versions."""
    return hashlib.sha256(version.encode("utf-8")).hexdigest()[:16]


def message(kind: str, contest: str | None, version: Version) -> bytes:
    """One SSE message: ``event``, ``id`` and JSON ``data`` (contest, version id,
    the last change as ISO-8601)."""
    text, modified = version
    data = {
        "contest": contest,
        "version": event_id(text),
        "last_update": modified.isoformat() if modified is not None else None,
    }
    body = json.dumps(data, separators=(",", ":"))
    return f"event: {kind}\nid: {event_id(text)}\ndata: {body}\n\n".encode()


class Watch:
    """The version of one key (a contest id, or None: every contest), read by one
    task while it has listeners: every ``period`` seconds, and at once when
    :meth:`wake` is called (PostgreSQL announced a commit)."""

    def __init__(self, site: Site, contest: str | None, hub: Hub) -> None:
        self.site, self.contest, self.hub = site, contest, hub
        self.version: Version | None = None
        self.changed = asyncio.Event()
        self.woken = asyncio.Event()
        self.listeners = 0
        self.task: asyncio.Task[None] | None = None

    async def current(self) -> Version:
        """Read the version now (NotFoundError for an unknown contest); a change it
        finds is announced to the streams already open."""
        version = await self.site.current_version(self.contest)
        self._seen(version)
        return version

    def _seen(self, version: Version) -> None:
        if self.version is None or version[0] != self.version[0]:
            self.version = version
            # Wake every listener, then give later ones a fresh event to wait on.
            self.changed.set()
            self.changed = asyncio.Event()

    def join(self) -> None:
        self.listeners += 1
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def leave(self) -> None:
        self.listeners -= 1

    def wake(self) -> None:
        self.woken.set()

    async def _run(self) -> None:
        while self.listeners > 0:
            # Announced commits wake the watch; the poll stays as a safety net (a
            # change committed while the listening connection was being re-made).
            period = FALLBACK if self.hub.listening else PERIOD
            try:
                await asyncio.wait_for(self.woken.wait(), period)
                self.woken.clear()
                # A reading cached just before the commit must not hide it.
                await asyncio.sleep(self.site.counter_ttl)
            except TimeoutError:
                pass
            try:
                await self.current()
            except Exception:  # the store is busy, or the contest went: try again later
                continue
        self.hub.idle()


class Hub:
    """The watches of one app, and the PostgreSQL listener that wakes them."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.watches: dict[str | None, Watch] = {}
        self.listening = False
        self._started = False
        self._stop: threading.Event | None = None

    async def start(self) -> None:
        """Listen to the store's announcements while anybody listens here (on
        PostgreSQL; SQLite polls)."""
        if self._started:
            return
        self._started = True
        loop = asyncio.get_running_loop()

        def heard(contest: str) -> None:  # in the listener's thread
            loop.call_soon_threadsafe(self.wake, contest)

        store = await run_in_threadpool(lambda: self.site.store)
        self._stop = await run_in_threadpool(notify.listen, store, heard)
        self.listening = self._stop is not None

    def idle(self) -> None:
        """Stop listening once no stream is open (the next one starts again)."""
        if any(w.listeners > 0 for w in self.watches.values()):
            return
        if self._stop is not None:
            self._stop.set()
        self._stop, self.listening, self._started = None, False, False

    def wake(self, contest: str) -> None:
        for key in (contest, None):
            found = self.watches.get(key)
            if found is not None:
                found.wake()

    async def watch(self, contest: str | None) -> tuple[Watch, Version]:
        """The watch of ``contest`` and its version read now.  A watch is kept only
        for a contest that exists (an unknown one raises NotFoundError): made-up ids
        cannot fill the table."""
        await self.start()
        found = self.watches.get(contest) or Watch(self.site, contest, self)
        version = await found.current()
        return self.watches.setdefault(contest, found), version


def _hub(request: Request) -> Hub:
    hub: Hub | None = getattr(request.app.state, "live_hub", None)
    if hub is None:
        hub = request.app.state.live_hub = Hub(site_of(request))
    return hub


async def _stream(watch: Watch, first: bytes, seen: str | None) -> AsyncIterator[bytes]:
    watch.join()
    try:
        yield f"retry: {RETRY_MS}\n\n".encode() + first
        ends = time.monotonic() + LIFETIME
        while (left := ends - time.monotonic()) > 0:
            version = watch.version
            if version is not None and event_id(version[0]) != seen:
                seen = event_id(version[0])
                yield message("change", watch.contest, version)
                continue
            # Taken with no await since the check above: a change cannot slip between.
            waiting = watch.changed
            try:
                await asyncio.wait_for(waiting.wait(), min(HEARTBEAT, left))
            except TimeoutError:
                yield b": heartbeat\n\n"
    finally:
        watch.leave()


@router.get(
    "/api/v1/events",
    tags=["results"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "An event stream."}},
)
async def events(request: Request, contest: str | None = Query(None)) -> StreamingResponse:
    """Server-Sent Events: ``change`` whenever the data of ``contest`` (default:
    any contest) changes; ``data`` is ``{"contest", "version", "last_update"}``.
    Reconnect with ``Last-Event-ID`` to hear at once of a change you missed."""
    watch, version = await _hub(request).watch(contest)  # 404 for an unknown contest
    seen = request.headers.get("last-event-id")
    now = event_id(version[0])
    kind = "change" if seen is not None and seen != now else "version"
    headers = {
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",  # nginx: pass each event on as it comes
    }
    return StreamingResponse(
        _stream(watch, message(kind, contest, version), now),
        media_type="text/event-stream",
        headers=headers,
    )
