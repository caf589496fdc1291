"""Security headers and request limits as one pure ASGI middleware.

It applies the API policy of :mod:`saylau.web.routes.trust` (the same headers from
``SECURITY_HEADERS``, the same body cap and the refusal of forms on ``/api/``) plus
the page Content-Security-Policy.  Starlette's ``@app.middleware("http")`` wrappers
run every response through a task group and memory streams; on the polling path that
cost more than the answer itself, so this one only edits the ``http.response.start``
message on its way out.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from saylau.web.door import LIMITS
from saylau.web.routes.trust import SECURITY_HEADERS

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Pages load only saylau's own assets; inline style attributes carry party colours.
PAGE_CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

_FORMS = (b"application/x-www-form-urlencoded", b"multipart/form-data")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


_API_V1 = _encoded(SECURITY_HEADERS)
_API_OTHER = _encoded({k: v for k, v in SECURITY_HEADERS.items() if k != "Cache-Control"})
_PAGE = _encoded(
    {
        "Content-Security-Policy": PAGE_CSP,
        **{
            k: v
            for k, v in SECURITY_HEADERS.items()
            if k not in ("Cache-Control", "Content-Security-Policy")
        },
    }
)


def defaults_for(path: str) -> list[tuple[bytes, bytes]]:
    """The security headers every answer for `path` carries (unless it set its own)."""
    if path.startswith("/api/v1/"):
        return _API_V1
    if path.startswith("/api/"):
        return _API_OTHER
    return _PAGE


class Hardening:
    """ASGI middleware: security headers on every answer (set only where the answer
    has not set them itself), 413 for a declared body over ``max_body`` bytes, 415 for
    a form posted to ``/api/`` (the write API authenticates by a Bearer header, never a
    cookie, so refusing forms is a second line of defence against CSRF)."""

    def __init__(self, app: ASGIApp, max_body: int = LIMITS.csv_bytes) -> None:
        self.app = app
        self.max_body = max_body

    async def _refuse(self, send: Send, path: str, status: int, message: str) -> None:
        body = json.dumps({"ok": False, "error": message}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *defaults_for(path),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        length = ctype = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"content-type":
                ctype = value
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            message = f"request body larger than {self.max_body} bytes"
            await self._refuse(send, path, 413, message)
            return
        if (
            ctype is not None
            and scope["method"] not in _SAFE_METHODS
            and path.startswith("/api/")
            and ctype.lower().startswith(_FORMS)
        ):
            message = "forms are not accepted by the API (send JSON or CSV)"
            await self._refuse(send, path, 415, message)
            return
        defaults = defaults_for(path)
        # HEAD is answered as GET without the body (the routes are GET only, so HEAD
        # got 405): link checkers and pollers ask for the headers (ETag) alone.
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name for name, _ in headers}  # ASGI names are lower case
                headers += [(k, v) for k, v in defaults if k not in present]
                message["headers"] = headers
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, send_with_headers)
