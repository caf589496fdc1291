"""Cheap 404s: a flood of made-up addresses must cost no more than a cached page.

A request for an address no route knows, or for a contest, division or polling
station that is not stored, is answered by :mod:`saylau.web.fastpath` from here,
before FastAPI's routing, without rendering a template or querying the database per
request:

* the 404 page is rendered once per language (with markers where the message and
  the page's own path go, filled in per request with escaped text);
* whether any route matches is decided by the routes' own path patterns, collected
  once and indexed by their leading literal segments (an address that no pattern
  matches, with or without a trailing slash, is a 404 whatever the router's order;
  one that only a results view matches is that view's);
* whether a contest, division or station exists is answered from in-memory sets of
  the stored ids, re-read in the background (one shared query) when the contest's
  version moves on or after ``KNOWN_TTL`` seconds;
* a miss the sets in memory answer is answered by the outermost layer
  (:class:`Front`), before any other, with the headers the others would add.

The answers are the ones the full path gives (the same status, message, language and
body); a test compares them.  Anything this module is not sure of passes through.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.routing import BaseRoute

from saylau.store import reads
from saylau.web.cors import ALLOW, is_public_read
from saylau.web.i18n import LANGUAGES, pick_language
from saylau.web.jinja import page_globals_for
from saylau.web.notfound_routes import Node, candidates, route_index
from saylau.web.publish_paths import target_of
from saylau.web.render import page_path_of
from saylau.web.security import ASGIApp, Receive, Scope, Send, defaults_for
from saylau.web.site import Site

#: Seconds a reading of the stored ids is reused while the contest's version has not
#: moved (divisions registered without a protocol do not move it: such a station's
#: page may answer 404 for up to this long after its registration, plus one read).
#: An older reading, or one of a contest whose version moved on, keeps answering
#: while one background read replaces it: a flood of misses never waits for a read
#: (requests queued behind one every second cost more than the misses themselves).
KNOWN_TTL = 1.0
#: Seconds after which a reading is no longer used while it is replaced (the reads
#: fail, e.g. the database is gone): requests then wait for a read, or fail over to
#: the full path.
KNOWN_MAX_AGE = 30.0

#: The message of the 404 of an address no route knows (the page names no path: the
#: address is in the browser's bar, and a path in a link could leave the site).
NO_PAGE = "There is no page at this address."
_MESSAGE = "\x1esaylau-message\x1e"
_PATH = "/\x1esaylau-path\x1e"


def language(scope: Scope, query: str | None = None) -> str | None:
    """The page language of a request, as :func:`saylau.web.pages.set_language`
    resolves it (None: ``query`` names an unsupported language)."""
    cookie = accept = None
    for name, value in scope["headers"]:
        if name == b"cookie":
            cookie = cookie_parser(value.decode("latin-1")).get("lang")
        elif name == b"accept-language":
            accept = value.decode("latin-1")
    return pick_language(query, cookie, accept)


class NotFound:
    """The 404s of one site (see the module)."""

    def __init__(self, site: Site, routes: Callable[[], Iterable[BaseRoute]]) -> None:
        self.site = site
        self._routes = routes
        #: The routes' path patterns by their leading literal segments.
        self._index: Node | None = None
        self._built = False
        #: The no-route 404 page per language (rendered on first use).
        self.pages: dict[str, bytes] = {}
        #: The missing-id 404 page per language: its pieces, with empty slots where the
        #: page's path goes and the one where the message goes.
        self._templates: dict[str, tuple[list[bytes], tuple[int, ...], int]] = {}
        self._contests: tuple[float, frozenset[str]] | None = None
        self._divisions: dict[str, tuple[float, str, dict[str, str]]] = {}
        #: The background reads under way (kept: a task nobody holds may be collected).
        self._refreshing: dict[tuple[str, ...], asyncio.Task[Any]] = {}

    # -- pages ----------------------------------------------------------------------
    def _render(self, lang: str, message: str, path: str) -> bytes:
        ctx: dict[str, Any] = {"heading": "Not found", "message": message, "status": 404}
        ctx.update(page_globals_for(lang, path))
        page: str = self.site.templates.get_template("error.html").render(ctx)
        return page.encode("utf-8")

    def no_route_page(self, lang: str) -> bytes:
        """The 404 page of an address no route knows, in ``lang`` (links lead to the
        site's root only)."""
        page = self.pages.get(lang)
        if page is None:
            page = self.pages[lang] = self._render(lang, NO_PAGE, "/")
        return page

    def missing_page(self, lang: str, message: str, path: str) -> bytes:
        """The 404 page of a missing contest, division or station: ``message`` and the
        language switch's ``path`` (as :func:`page_path_of` gives it) filled into the
        page rendered once per language, escaped as the template would."""
        cut = self._templates.get(lang)
        if cut is None:
            page = self._render(lang, _MESSAGE, _PATH)
            if page.count(_MESSAGE.encode()) != 1:
                raise RuntimeError("error.html must show the message once")
            # The page cut where the path and the message go, once: a request fills
            # the slots and joins (a quoted path holds no marker, a message may).
            pieces: list[bytes] = []
            at_path: list[int] = []
            slot = 0
            for i, chunk in enumerate(page.split(_MESSAGE.encode())):
                if i:
                    slot = len(pieces)
                    pieces.append(b"")
                for j, piece in enumerate(chunk.split(_PATH.encode())):
                    if j:
                        at_path.append(len(pieces))
                        pieces.append(b"")
                    pieces.append(piece)
            cut = self._templates[lang] = (pieces, tuple(at_path), slot)
        pieces, paths, slot = cut
        filled = pieces.copy()
        filled[slot] = _escape(message).encode("utf-8")
        where = _escape(path).encode("utf-8")
        for i in paths:
            filled[i] = where
        return b"".join(filled)

    # -- what exists ------------------------------------------------------------------
    def classify(self, path: str) -> tuple[str, dict[str, str]] | None:
        """What answers a GET of ``path``: ``("none", {})`` when no route can, the kind
        (contest, division, station) and parameters when only that results view can,
        else None (the full path decides)."""
        if not self._built:
            self._index = route_index(self._routes())
            self._built = True
        index = self._index
        if index is None:
            return None
        for _, regex, kind, suffix, others in candidates(index, path):
            if not path.endswith(suffix):
                continue
            match = regex.match(path)
            if match is None:
                continue
            if kind is None or (others and any(other.match(path) for other in others)):
                return None
            # No pattern before it matched, and none after it can (see notfound_routes).
            return (kind, match.groupdict())
        if path != "/":  # the router redirects to the other form of a trailing slash
            other = path[:-1] if path.endswith("/") else path + "/"
            if any(
                other.endswith(end) and regex.match(other)
                for _, regex, _, end, _ in candidates(index, other)
            ):
                return None
        return ("none", {})

    def _ttl(self) -> float:
        # A site that reads the version on every request (no TTL) re-reads these too.
        return KNOWN_TTL if self.site.counter_ttl > 0 else 0.0

    def _fresh_contest_ids(self) -> frozenset[str] | None:
        """The contest ids in memory (None: none usable, read them now); an old
        reading is used while a background read replaces it."""
        hit, ttl = self._contests, self._ttl()
        if hit is None or ttl == 0:
            return None
        age = time.monotonic() - hit[0]
        if age >= KNOWN_MAX_AGE:
            return None
        if age >= ttl:
            self._refresh(("contests",), self._contest_ids)
        return hit[1]

    def _fresh_levels(self, contest_id: str) -> dict[str, str] | None:
        """The contest's division levels in memory (None: none usable, read them
        now); an old reading, or one of a version the contest has moved on from, is
        used while a background read replaces it."""
        hit, ttl = self._divisions.get(contest_id), self._ttl()
        if hit is None or ttl == 0:
            return None
        age = time.monotonic() - hit[0]
        if age >= KNOWN_MAX_AGE:
            return None
        # The version is known while a request read it less than counter_ttl ago.
        version = self.site.cached_version(contest_id)
        if age >= ttl or (version is not None and version[0] != hit[1]):
            self._refresh(("levels", contest_id), lambda: self._levels(contest_id))
        return hit[2]

    def _refresh(self, key: tuple[str, ...], read: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run ``read`` in the background unless it runs already."""
        if key in self._refreshing:
            return
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(read())
        self._refreshing[key] = task

        def done(t: asyncio.Task[Any]) -> None:
            self._refreshing.pop(key, None)
            if not t.cancelled():
                t.exception()  # a failed read is tried again by a later miss

        task.add_done_callback(done)

    async def _contest_ids(self) -> frozenset[str]:
        store = self.site.store

        def read() -> frozenset[str]:
            with store.engine.connect() as conn:
                return frozenset(reads.contest_ids(conn))

        now = time.monotonic()
        ids: frozenset[str] = await self.site.flights.run(
            ("known", "contests"), lambda: run_in_threadpool(read)
        )
        self._contests = (now, ids)
        return ids

    async def _levels(self, contest_id: str) -> dict[str, str]:
        version = self.site.cached_version(contest_id)
        if version is None:
            version = await self.site.flights.run(
                ("version", contest_id),
                lambda: run_in_threadpool(self.site.version, contest_id),
            )
        hit = self._divisions.get(contest_id)
        if hit is not None and hit[1] == version[0] and time.monotonic() - hit[0] < self._ttl():
            return hit[2]
        store = self.site.store

        def read() -> dict[str, str]:
            with store.engine.connect() as conn:
                return reads.division_levels(conn, contest_id)

        now = time.monotonic()
        levels: dict[str, str] = await self.site.flights.run(
            ("known", contest_id, version[0]), lambda: run_in_threadpool(read)
        )
        self._divisions[contest_id] = (now, version[0], levels)
        return levels

    def _missing_now(self, kind: str, params: Mapping[str, str]) -> str | object | None:
        """:meth:`missing` from the sets in memory alone; ``_STALE`` when they are not
        fresh (a read is due: :meth:`missing` does it)."""
        cid = params.get("contest_id", "")
        ids = self._fresh_contest_ids()
        if ids is None:
            return _STALE
        if not _needs_levels(kind, cid, ids):
            return _contest_message(cid, ids)
        levels = self._fresh_levels(cid)
        if levels is None:
            return _STALE
        return _message(kind, cid, params, levels)

    async def missing(self, kind: str, params: Mapping[str, str]) -> str | None:
        """The full path's 404 message when ``kind``'s ids in ``params`` name nothing
        stored, else None (the resource exists: it is served)."""
        cid = params.get("contest_id", "")
        # Flooded: answered from the sets in memory, without a coroutine's round trip.
        ids = self._fresh_contest_ids()
        if ids is None:
            ids = await self._contest_ids()
        if not _needs_levels(kind, cid, ids):
            return _contest_message(cid, ids)
        levels = self._fresh_levels(cid)
        if levels is None:
            levels = await self._levels(cid)
        return _message(kind, cid, params, levels)

    # -- answering --------------------------------------------------------------------
    def _request(self, scope: Scope) -> tuple[str, dict[str, str], bool, str] | None:
        """(kind, parameters, whether it is the API, language) of a GET that a 404 may
        answer; None when the full path decides (a route answers it, another query
        parameter, an unsupported ``?lang=``)."""
        path: str = scope["path"]
        found = self.classify(path)
        if found is None:
            return None
        kind, params = found
        api = path.startswith("/api/")
        if kind == "none":
            # As before: the cookie and the browser choose, ?lang= is not read.
            return kind, params, api, "en" if api else (language(scope) or "en")
        query = scope.get("query_string") or b""
        asked: str | None = None
        if query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if any(k != "lang" for k, _ in pairs):
                return None  # another parameter: the route validates it
            asked = pairs[-1][1] if pairs else None
        # The JSON is the same in every language, but ?lang= must name one (else 422).
        chosen = language(scope, asked) if not api else pick_language(asked, None, None)
        if chosen is None:
            return None  # an unsupported ?lang= is a 422: the full path says so
        return kind, params, api, chosen

    def _body(self, scope: Scope, api: bool, lang: str, message: str | None) -> tuple[bytes, bytes]:
        """(content type, body) of the 404: ``message`` None is no route at all."""
        if message is None:
            if api:
                return _json(f"no page at {scope['path']}")
            return _HTML, self.no_route_page(lang)
        if api:
            return _json(message)
        return _HTML, self.missing_page(lang, message, _page_path(scope))

    def decide(self, scope: Scope) -> tuple[bytes, bytes] | None:
        """(content type, body) of the 404 a GET ``scope`` asks for when it is one and
        the sets in memory say so without a read; None otherwise (:meth:`answer` then
        decides, reading what it needs)."""
        found = self._request(scope)
        if found is None:
            return None
        kind, params, api, lang = found
        if kind == "none":
            return self._body(scope, api, lang, None)
        message = self._missing_now(kind, params)
        if not isinstance(message, str):
            return None  # found (served), or the sets are due for a read
        return self._body(scope, api, lang, message)

    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer a GET ``scope`` that is a 404 (True), or leave it (False)."""
        found = self._request(scope)
        if found is None:
            return False
        kind, params, api, lang = found
        message = None
        if kind != "none":
            try:
                message = await self.missing(kind, params)
            except Exception:  # e.g. the database is gone: the full path answers properly
                return False
            if message is None:
                return False
        await _send(send, *self._body(scope, api, lang, message))
        return True


_STALE = object()


#: The characters the templates escape.
_SPECIAL = re.compile("[&<>'\"]")


def _escape(text: str) -> str:
    """The text as the templates escape it (MarkupSafe's five entities), without
    MarkupSafe's wrapper: a short id is escaped faster by five replacements."""
    if _SPECIAL.search(text) is None:
        return text
    return (
        text.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


#: A raw path ``page_path_of`` would leave as it is (every byte is one its quoting keeps).
_PLAIN_PATH = re.compile(rb"[A-Za-z0-9/%:@!$&'()*+,;=\-._~]*")


def _page_path(scope: Scope) -> str:
    """:func:`page_path_of` ``scope``, with no quoting to do for a plain raw path."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw and _PLAIN_PATH.fullmatch(raw):
        return "/" + raw.decode("ascii").lstrip("/")
    return page_path_of(scope)


def _needs_levels(kind: str, cid: str, ids: frozenset[str]) -> bool:
    """Whether the answer for ``kind`` needs contest ``cid``'s division levels: it
    exists, and a division or a station of it is asked for."""
    return cid in ids and kind != "contest"


def _contest_message(cid: str, ids: frozenset[str]) -> str | None:
    """The full path's message when the contest alone decides (None: it exists)."""
    return None if cid in ids else f"contest {cid!r} not found"


def _message(
    kind: str, cid: str, params: Mapping[str, str], levels: Mapping[str, str]
) -> str | None:
    """The full path's message for a division or station id of contest ``cid`` given
    the levels of its divisions (None: it exists)."""
    did = params.get("station_id" if kind == "station" else "division_id", "")
    level = levels.get(did)
    if level is None:
        return f"division {did!r} not found in contest {cid!r}"
    if kind == "station" and level != "station":
        return f"station {did!r} not found in contest {cid!r} ({level})"
    if kind == "division" and level == "station":
        from saylau.web.model import station_url

        return f"division '{did}' is a polling station: see {station_url(cid, did)}"
    return None


_HTML = b"text/html; charset=utf-8"


def _json(message: str) -> tuple[bytes, bytes]:
    # As Starlette's JSONResponse renders {"ok": false, "error": message}.
    body = json.dumps(
        {"ok": False, "error": message}, ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    return b"application/json", body


async def _send(send: Send, content_type: bytes, body: bytes) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 404, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Front:
    """ASGI middleware, outermost: the 404s :meth:`NotFound.decide` can answer from
    memory are answered before any other layer runs, with the headers those layers
    would add (the security headers, CORS on the public API).  A flood of made-up
    addresses then costs less than a cached page, which passes through them all.

    It leaves everything else to the app: a cached path (the fast path serves it), a
    query string, a request with a body, a path of the published layout
    (:mod:`saylau.web.published` serves it), any answer that needs a read."""

    def __init__(self, app: ASGIApp, not_found: NotFound) -> None:
        self.app = app
        self.not_found = not_found
        self.site = not_found.site
        #: The headers after content-type and -length, by content type, whether the
        #: path is a public read (CORS) and the security headers' list for the path.
        self._tails: dict[tuple[bytes, bool, int], list[tuple[bytes, bytes]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and not scope.get("query_string")
            and scope["path"] not in self.site.hot
            and scope["path"] not in self.site.hot_pages
        ):
            answer = self.not_found.decide(scope)
            path: str = scope["path"]
            if answer is not None and not _published(path) and not _has_body(scope):
                ctype, body = answer
                security = defaults_for(path)
                key = (ctype, is_public_read(path), id(security))
                tail = self._tails.get(key)
                if tail is None:
                    tail = self._tails[key] = [*(ALLOW if key[1] else ()), *security]
                length = (b"content-length", str(len(body)).encode())
                headers = [(b"content-type", ctype), length, *tail]
                await send({"type": "http.response.start", "status": 404, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _published(path: str) -> bool:
    """Whether ``path`` is one of the published layout (every such path has a dot or
    begins with a language; the test before ``target_of`` keeps it off most 404s)."""
    first = path.lstrip("/").partition("/")[0]
    return ("." in path or first in LANGUAGES) and target_of(path) is not None


def _has_body(scope: Scope) -> bool:
    """Whether a request declares a body (the security layer checks its size)."""
    return any(k in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])
