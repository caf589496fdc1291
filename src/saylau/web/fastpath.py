"""A fast path for polling clients, in front of FastAPI's routing.

Election-night traffic is mostly clients re-fetching the same JSON and pages.  Once
:func:`saylau.web.render.respond` has rendered an API resource or a page, it
registers the path here; later plain GETs of that path are answered straight from
the render cache (or with 304), in the language the cookie or the browser asks for,
without routing, dependency resolution or a thread hop.  A 404 (an address no route
knows, a contest, division or station not stored) is answered here too, by
:mod:`saylau.web.notfound`.

The contest's version (its change counter) is re-read at most every
``counter_ttl`` seconds, by one query that concurrent requests share.  When it has
moved on, the newest rendering is served (with its own ETag) while one background
task rebuilds (per language, for a page): polling clients never queue behind a
rebuild, and a change shows once the TTL has passed and the rebuild is done (well
within a second).  Anything else passes through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from saylau.web.notfound import NotFound, language
from saylau.web.site import Site, Version

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class FastPath:
    """ASGI middleware serving registered API paths and pages from the site's render
    cache, and 404s from :class:`saylau.web.notfound.NotFound`."""

    def __init__(self, app: ASGIApp, site: Site, not_found: NotFound | None = None) -> None:
        self.app = app
        self.site = site
        self.not_found = not_found
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

    async def _version(self, contest_id: str | None) -> Version | None:
        """The contest's version, read now if the last reading is older than the TTL
        (one small query, shared by concurrent requests and reused for counter_ttl):
        serving the last body until a background read finished left slow pollers, who
        always arrive after the TTL, stale forever.  None if it cannot be read (e.g.
        the contest is gone: the full path answers properly)."""
        version = self.site.cached_version(contest_id)
        if version is not None:
            return version
        site = self.site
        try:
            found: Version = await site.flights.run(
                ("version", contest_id or "*"),
                lambda: run_in_threadpool(site.version, contest_id),
            )
        except Exception:
            return None
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not scope.get("query_string") and self.site.counter_ttl > 0:
            # (No TTL: the full path reads the version on every request.)
            answered = False
            if path in self.site.hot:
                answered = await self._json(scope, send)
            elif path in self.site.hot_pages:
                answered = await self._page(scope, send)
            if answered:
                return
        if self.not_found is not None and await self.not_found.answer(scope, send):
            return
        await self.app(scope, receive, send)

    async def _json(self, scope: Scope, send: Send) -> bool:
        path = scope["path"]
        contest_id, etag_for, rebuild = self.site.hot[path]
        version = await self._version(contest_id)
        if version is None:
            return False
        if self.site.cache.get((path, version[0], "", "json")) is None:
            current = version
            self._background((path, current[0], "", "json"), lambda: rebuild(current))
            version = self.site.served.get(path)
        body = None if version is None else self.site.cache.get((path, version[0], "", "json"))
        if body is None or version is None:
            return False
        return await _answer(scope, send, body, etag_for(version), b"application/json")

    async def _page(self, scope: Scope, send: Send) -> bool:
        path = scope["path"]
        contest_id, raw_path, link_path, etag_for, rebuild = self.site.hot_pages[path]
        if scope.get("raw_path", raw_path) != raw_path:
            return False  # the page links back to the path as received: render its own
        lang = language(scope)
        if lang is None:
            return False
        version = await self._version(contest_id)
        if version is None:
            return False
        if self.site.cache.get((path, version[0], lang, "html", link_path)) is None:
            current = version
            self._background(
                (path, current[0], lang, "html", link_path), lambda: rebuild(current, lang)
            )
            version = self.site.served_pages.get((path, lang))
        body = None
        if version is not None:
            body = self.site.cache.get((path, version[0], lang, "html", link_path))
        if body is None or version is None:
            return False
        return await _answer(scope, send, body, etag_for(version, lang), HTML)


HTML = b"text/html; charset=utf-8"


async def _answer(
    scope: Scope, send: Send, body: bytes, validators: tuple[str, str], media: bytes
) -> bool:
    """Send ``body`` (or 304) with its validators; False if the full path must decide."""
    etag, last_modified = validators
    inm = None
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            inm = value.decode("latin-1")
        elif name == b"if-modified-since":
            return False  # rare: let the full path decide
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
        return True
    headers += [(b"content-type", media), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return True
