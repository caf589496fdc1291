"""``saylau serve`` answers the published layout too (:mod:`saylau.web.publish_paths`).

A pure ASGI middleware: a request for a published path (``/ru/contests/a/``,
``/api/v1/contests/a.json``, ``/static/site.<hash>.css``) becomes the app's own
request (``/contests/a`` in Russian, ``/api/v1/contests/a``, ``/static/site.css``);
a page's root-relative links are then made relative to the layout.  ``saylau
publish`` renders every file by asking the app through this same middleware, so a
published file and the server's answer for its path cannot differ.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from saylau.web.publish_paths import (
    ROOT_INDEX,
    Target,
    file_for,
    rewrite_links,
    root_index,
    target_of,
)
from saylau.web.security import ASGIApp, Message, Receive, Scope, Send

#: Request headers that would choose another language than the path's.
_LANGUAGE_HEADERS = (b"cookie", b"accept-language")
#: Relinked pages kept (by page file, language and the app's ETag, which changes with
#: the data): a page polled by many readers is relinked once per change, not per request.
RELINKED_MAX = 4096


class Published:
    """Serve the published layout from the app it wraps (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.relinked: dict[tuple[str, str, bytes], bytes] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        target = target_of(scope["path"])
        if target is None:
            await self.app(scope, receive, send)
        elif isinstance(target, str):
            await _redirect(send, quote(target))
        elif target.path == "/" + ROOT_INDEX:
            await _send(send, 200, "text/html; charset=utf-8", root_index(), scope["method"])
        else:
            await self._forward(scope, receive, send, target)

    async def _forward(self, scope: Scope, receive: Receive, send: Send, target: Target) -> None:
        inner = dict(scope)
        inner["path"] = target.path
        inner["raw_path"] = quote(target.path).encode("latin-1")
        inner["query_string"] = target.query_string.encode("latin-1")
        if target.lang is None:
            await self.app(inner, receive, send)
            return
        # The page's language is the path's, whatever the cookie or the browser say.
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in _LANGUAGE_HEADERS]
        headers.append((b"accept-language", target.lang.encode("latin-1")))
        inner["headers"] = headers
        if scope["method"] == "HEAD":
            await self.app(inner, receive, send)
            return
        page_file = file_for(target.path, {}, target.lang) or ""
        relinker = _Relinker(send, page_file, target.lang, self.relinked)
        await self.app(inner, receive, relinker)


class _Relinker:
    """Buffers an HTML answer and rewrites its links; other answers pass through."""

    def __init__(
        self,
        send: Send,
        page_file: str,
        lang: str,
        cache: dict[tuple[str, str, bytes], bytes],
    ) -> None:
        self.send, self.page_file, self.lang, self.cache = send, page_file, lang, cache
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            is_html = headers.get(b"content-type", b"").startswith(b"text/html")
            if is_html and message["status"] == 200:
                self.start = message
                return
        if self.start is None or message["type"] != "http.response.body":
            await self.send(message)
            return
        self.body.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        etag = dict(self.start.get("headers", [])).get(b"etag")
        key = (self.page_file, self.lang, etag) if etag else None
        body = self.cache.get(key) if key else None
        if body is None:
            page = b"".join(self.body).decode("utf-8")
            body = rewrite_links(page, self.page_file, self.lang).encode("utf-8") if page else b""
            if key is not None and page:
                if len(self.cache) >= RELINKED_MAX:
                    self.cache.clear()
                self.cache[key] = body
        start = dict(self.start)
        start["headers"] = [
            (k, str(len(body)).encode() if k.lower() == b"content-length" else v)
            for k, v in self.start.get("headers", [])
        ]
        await self.send(start)
        await self.send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 308,
            "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


async def _send(send: Send, status: int, content_type: str, body: bytes, method: str) -> None:
    headers: list[tuple[bytes, Any]] = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-cache"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
