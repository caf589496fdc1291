"""CORS on the public read-only API: browser dashboards on any site may read it.

``GET`` and ``HEAD`` of ``/api/v1/…`` (and ``/openapi.json``) answer
``Access-Control-Allow-Origin: *`` and expose the validators, so a dashboard can poll
with ``If-None-Match``; the preflight allows those methods and the two conditional
headers only.  Credentials are never allowed (no cookie, no ``Authorization`` crosses
origins), and the authenticated reads of the write API get no CORS header at all.
"""

from __future__ import annotations

from saylau.web.security import ASGIApp, Message, Receive, Scope, Send

#: Reads that need an account (the write API's GET routes): no CORS.
PRIVATE_API = ("/api/v1/audit", "/api/v1/accounts", "/api/v1/auth")
#: The CORS headers of a public read.
ALLOW = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"ETag, Last-Modified"),
]
_PREFLIGHT = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, HEAD"),
    (b"access-control-allow-headers", b"If-None-Match, If-Modified-Since"),
    (b"access-control-max-age", b"86400"),
    (b"content-length", b"0"),
]


def is_public_read(path: str) -> bool:
    """True for the public documents of the API (what ``saylau publish`` writes)."""
    if path == "/openapi.json":
        return True
    if not path.startswith("/api/v1/") or path.startswith(PRIVATE_API):
        return False
    return not path.rstrip("/").endswith("/entries")


class PublicCors:
    """Add the CORS headers of the public API (see the module)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_public_read(scope["path"]):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        headers = dict(scope["headers"])
        if method == "OPTIONS" and b"access-control-request-method" in headers:
            asked = headers[b"access-control-request-method"].upper()
            allowed = asked in (b"GET", b"HEAD")
            await send(
                {
                    "type": "http.response.start",
                    "status": 204,
                    "headers": _PREFLIGHT if allowed else [(b"content-length", b"0")],
                }
            )
            await send({"type": "http.response.body", "body": b""})
            return
        if method not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *ALLOW]
            await send(message)

        await self.app(scope, receive, send_with_cors)
