"""One context, two renderings: an HTML page or the same data as JSON.

:func:`respond` is the helper every router of the site uses (also the trust,
analysis and institutions routers).  It answers conditional GETs with 304 from
the store's change counter before building anything, and caches the rendered
body per (key, version, language, format), so polling clients cost almost
nothing between changes.  Responses say ``Cache-Control: no-cache``: a client
revalidates every time, so a changed protocol shows on the next poll.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from saylau.web.i18n import Formatter

JSON_MEDIA = "application/json"
HTML_MEDIA = "text/html; charset=utf-8"


class RenderCache:
    """A small LRU of rendered bodies, keyed by what determines them."""

    def __init__(self, size: int = 512) -> None:
        self._items: OrderedDict[tuple[str, ...], bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ...]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        with self._lock:
            self._items[key] = body
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def to_json_bytes(data: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII kept as is)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def _etag(*parts: str) -> str:
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def _not_modified(request: Request, etag: str, last_modified: dt.datetime | None) -> bool:
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = {t.strip() for t in inm.split(",")}
        return etag in tags or "*" in tags or etag.removeprefix("W/") in tags
    ims = request.headers.get("if-modified-since")
    if ims and last_modified is not None:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=dt.UTC)
        return last_modified.replace(microsecond=0) <= since
    return False


def page_globals(request: Request) -> dict[str, Any]:
    """What every template gets besides its context: translation, formatting, the
    language switcher and the current path."""
    lang: str = getattr(request.state, "lang", "en")
    fmt = Formatter(lang)
    return {"_": fmt.gettext, "fmt": fmt, "lang": lang, "path": request.url.path}


async def respond(
    request: Request,
    *,
    build: Callable[[], Mapping[str, Any]],
    template: str,
    api: bool,
    key: str,
    version: str,
    last_modified: dt.datetime | None = None,
    status_code: int = 200,
    raw: bool = False,
) -> Response:
    """Render ``build()`` as the page ``template`` (``api=False``) or as JSON.

    ``key`` names the resource (e.g. the path and query), ``version`` changes
    whenever the data may have changed (the store's change counter).  A matching
    ``If-None-Match``/``If-Modified-Since`` gets 304 without calling ``build``.
    ``build`` runs in the thread pool (it may query the store).  With ``raw``,
    ``build()`` returns ``{"body": bytes}`` sent as is (downloads).
    """
    site = request.app.state.site
    lang = "" if api else getattr(request.state, "lang", "en")
    fmt_name = "json" if api else "html"
    etag = _etag(key, version, lang, fmt_name, site.instance)
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"}
    if last_modified is not None:
        headers["Last-Modified"] = format_datetime(last_modified.astimezone(dt.UTC), usegmt=True)
    if status_code == 200 and _not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    cache_key = (key, version, lang, fmt_name)
    body = site.cache.get(cache_key)
    if body is None:
        if raw:
            body = (await run_in_threadpool(build))["body"]
        elif api:
            body = to_json_bytes(await run_in_threadpool(lambda: dict(build())))
        else:

            def _render() -> bytes:
                context = dict(build())
                context.update(page_globals(request))
                html: str = site.templates.get_template(template).render(context)
                return html.encode("utf-8")

            body = await run_in_threadpool(_render)
        site.cache.put(cache_key, body)
    return Response(
        content=body,
        status_code=status_code,
        media_type=JSON_MEDIA if api else HTML_MEDIA,
        headers=headers,
    )
