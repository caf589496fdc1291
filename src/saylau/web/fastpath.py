"""A fast path for polling clients, in front of FastAPI's routing.

Election-night traffic is mostly clients re-fetching the same JSON.  Once
:func:`saylau.web.render.respond` has rendered an API resource, it registers the
path here; later plain GETs of that path are answered straight from the render
cache (or with 304), without routing, dependency resolution or a thread hop.

The contest's version (its change counter) is re-read at most every
``counter_ttl`` seconds, by one query that concurrent requests share.  When it has
moved on, the newest rendering is served (with its own ETag) while one background
task rebuilds: polling clients never queue behind a rebuild, and a change shows
once the TTL has passed and the rebuild is done (well within a second).  Anything
else passes through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from saylau.web.site import Site

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class FastPath:
    """ASGI middleware serving registered API paths from the site's render cache."""

    def __init__(self, app: ASGIApp, site: Site) -> None:
        self.app = app
        self.site = site
        self._tasks: set[asyncio.Task[Any]] = set()

    def _background(self, key: tuple[str, ...], make: Callable[[], Awaitable[Any]]) -> None:
        if self.site.flights.running(key):
            return
        task = asyncio.get_running_loop().create_task(self.site.flights.run(key, make))
        self._tasks.add(task)

        def _done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled():
                t.exception()  # a failed refresh is retried by the next request

        task.add_done_callback(_done)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        hot = self.site.hot.get(scope["path"])
        if hot is None or self.site.counter_ttl <= 0:  # no TTL: always read the version
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        contest_id, etag_for, rebuild = hot
        version = self.site.cached_version(contest_id)
        if version is None:
            # Read the version now (one small query, shared by concurrent requests and
            # reused for counter_ttl): serving the last body until a background read
            # finished left slow pollers, who always arrive after the TTL, stale forever.
            site = self.site
            try:
                version = await site.flights.run(
                    ("version", contest_id or "*"),
                    lambda: run_in_threadpool(site.version, contest_id),
                )
            except Exception:  # e.g. the contest is gone: the full path answers properly
                await self.app(scope, receive, send)
                return
        if self.site.cache.get((path, version[0], "", "json")) is None:
            current = version
            self._background((path, current[0], "", "json"), lambda: rebuild(current))
            version = self.site.served.get(path)
        body = None if version is None else self.site.cache.get((path, version[0], "", "json"))
        if body is None or version is None:
            await self.app(scope, receive, send)
            return
        etag, last_modified = etag_for(version)
        inm = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                inm = value.decode("latin-1")
            elif name == b"if-modified-since":
                await self.app(scope, receive, send)  # rare: let the full path decide
                return
        headers = [
            (b"etag", etag.encode()),
            (b"cache-control", b"no-cache"),
            (b"vary", b"Cookie, Accept-Language"),
        ]
        if last_modified:
            headers.append((b"last-modified", last_modified.encode()))
        if inm is not None and etag in {t.strip() for t in inm.split(",")}:
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
