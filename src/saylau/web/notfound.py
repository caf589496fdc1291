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
  the stored ids, re-read (one shared query) when the contest's version moves on or
  after ``KNOWN_TTL`` seconds.

The answers are the ones the full path gives (the same status, message, language and
body); a test compares them.  Anything this module is not sure of passes through.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from itertools import zip_longest
from typing import Any
from urllib.parse import parse_qsl

from markupsafe import escape
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.routing import BaseRoute, Mount, Route

from saylau.store import reads
from saylau.web.i18n import pick_language
from saylau.web.jinja import page_globals_for
from saylau.web.render import page_path_of
from saylau.web.site import Site

Scope = MutableMapping[str, Any]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

#: Seconds a reading of the stored ids is reused while the contest's version has not
#: moved (divisions registered without a protocol do not move it: such a station's
#: page may answer 404 for up to this long after its registration).
KNOWN_TTL = 1.0

#: The message of the 404 of an address no route knows (the page names no path: the
#: address is in the browser's bar, and a path in a link could leave the site).
NO_PAGE = "There is no page at this address."
_MESSAGE = "\x1esaylau-message\x1e"
_PATH = "/\x1esaylau-path\x1e"

#: The results views whose misses are answered here: route name -> what it shows.
_KINDS = {
    "contest_page": "contest",
    "contest_api": "contest",
    "division_page": "division",
    "division_api": "division",
    "station_page": "station",
    "station_api": "station",
}
_RESULTS_MODULE = "saylau.web.routes.results"


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


#: How many leading literal segments of a route path index it.
DEPTH = 3
#: (pattern, kind, leading literal segments, literal end, the route's path template)
Pattern = tuple[re.Pattern[str], str | None, tuple[str, ...], str, str]
#: (place, pattern, kind, literal end, the other patterns that may match its paths too)
Candidate = tuple[int, re.Pattern[str], str | None, str, tuple[re.Pattern[str], ...]]
_REST, _END = object(), object()


def _shape(template: str) -> list[object]:
    """A route path template's segments: the literal text, None for a parameter, and
    ``_REST`` for a ``:path`` parameter (any number of segments, so the end)."""
    out: list[object] = []
    for segment in template.split("/")[1:]:
        if ":path}" in segment:
            out.append(_REST)
            break
        out.append(None if "{" in segment else segment)
    return out


def _overlap(a: str, b: str) -> bool:
    """Whether some path may match both templates (False only when a literal segment
    or the number of segments tells them apart)."""
    for x, y in zip_longest(_shape(a), _shape(b), fillvalue=_END):
        if x is _REST or y is _REST:
            return True
        if x is _END or y is _END:
            return False
        if x is not None and y is not None and x != y:
            return False
    return True


def _literal(path: str) -> tuple[str, ...]:
    """The leading literal segments of a route path (at most ``DEPTH``): a path it
    matches begins with them."""
    out: list[str] = []
    for segment in path.split("/")[1 : DEPTH + 1]:
        if "{" in segment:
            break
        out.append(segment)
    return tuple(out)


def _suffix(path: str) -> str:
    """The literal end of a route path (after its last parameter): a path it matches
    ends with it (a cheap test before the pattern's)."""
    return path[path.rfind("}") + 1 :] if "}" in path else path


def _patterns(routes: Iterable[BaseRoute]) -> list[Pattern] | None:
    """(path pattern, kind, leading literal segments) of every HTTP route, in order; None when a
    route's paths cannot be known from here (then no address is declared unknown)."""
    out: list[Pattern] = []
    for route in routes:
        original = getattr(route, "original_router", None)  # FastAPI's included router
        if original is not None:
            context = getattr(route, "include_context", None)
            if getattr(context, "prefix", "") != "":
                return None
            inner = _patterns([*getattr(original, "_low_priority_routes", ()), *original.routes])
            if inner is None:
                return None
            out += inner
        elif isinstance(route, Route):
            endpoint = getattr(route, "endpoint", None)
            own = getattr(endpoint, "__module__", "") == _RESULTS_MODULE
            kind = _KINDS.get(route.name) if own else None
            path = route.path
            out.append((route.path_regex, kind, _literal(path), _suffix(path), path))
        elif isinstance(route, Mount):  # anything below its path
            below = route.path + "/{path:path}"
            out.append((route.path_regex, None, _literal(route.path), "", below))
        elif type(route).__name__ != "WebSocketRoute":
            return None
    return out


def _index(patterns: list[Pattern] | None) -> dict[tuple[str, ...], list[Candidate]] | None:
    """The patterns by their leading literal segments, each with its place in the
    routes' order and, for a results view, the other patterns that may match a path
    it matches (the view answers only when none of them does)."""
    if patterns is None:
        return None
    out: dict[tuple[str, ...], list[Candidate]] = {}
    for i, (regex, kind, literal, suffix, template) in enumerate(patterns):
        others: tuple[re.Pattern[str], ...] = ()
        if kind is not None:
            others = tuple(
                p[0] for j, p in enumerate(patterns) if j != i and _overlap(template, p[4])
            )
        out.setdefault(literal, []).append((i, regex, kind, suffix, others))
    return out


def _candidates(
    index: dict[tuple[str, ...], list[Candidate]],
    merged: dict[tuple[tuple[str, ...], ...], list[Candidate]],
    path: str,
) -> list[Candidate]:
    """The patterns that may match ``path`` (their literal segments begin it), in
    order; ``merged`` keeps each combination of index entries met (a bounded set:
    only the index's keys make one)."""
    segments = path.split("/")[1 : DEPTH + 1]
    keys = tuple(k for k in (tuple(segments[:n]) for n in range(len(segments) + 1)) if k in index)
    found = merged.get(keys)
    if found is None:
        found = merged[keys] = sorted((c for k in keys for c in index[k]), key=_place)
    return found


def _place(candidate: Candidate) -> int:
    return candidate[0]


class NotFound:
    """The 404s of one site (see the module)."""

    def __init__(self, site: Site, routes: Callable[[], Iterable[BaseRoute]]) -> None:
        self.site = site
        self._routes = routes
        #: The routes' path patterns by their leading literal segments.
        self._index: dict[tuple[str, ...], list[Candidate]] | None = None
        self._merged: dict[tuple[tuple[str, ...], ...], list[Candidate]] = {}
        self._built = False
        #: The no-route 404 page per language (rendered on first use).
        self.pages: dict[str, bytes] = {}
        self._templates: dict[str, bytes] = {}
        self._contests: tuple[float, frozenset[str]] | None = None
        self._divisions: dict[str, tuple[float, str, dict[str, str]]] = {}

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
        page = self._templates.get(lang)
        if page is None:
            page = self._templates[lang] = self._render(lang, _MESSAGE, _PATH)
            if page.count(_MESSAGE.encode()) != 1:
                raise RuntimeError("error.html must show the message once")
        # The path first: a quoted path holds no marker, a message may.
        filled = page.replace(_PATH.encode(), str(escape(path)).encode("utf-8"))
        return filled.replace(_MESSAGE.encode(), str(escape(message)).encode("utf-8"))

    # -- what exists ------------------------------------------------------------------
    def classify(self, path: str) -> tuple[str, dict[str, str]] | None:
        """What answers a GET of ``path``: ``("none", {})`` when no route can, the kind
        (contest, division, station) and parameters when only that results view can,
        else None (the full path decides)."""
        if not self._built:
            self._index = _index(_patterns(self._routes()))
            self._built = True
        index = self._index
        if index is None:
            return None
        for _, regex, kind, suffix, others in _candidates(index, self._merged, path):
            if not path.endswith(suffix):
                continue
            match = regex.match(path)
            if match is None:
                continue
            if kind is None or any(other.match(path) for other in others):
                return None
            # No pattern before it matched, and none after it can (see _index).
            return (kind, match.groupdict())
        if path != "/":  # the router redirects to the other form of a trailing slash
            other = path[:-1] if path.endswith("/") else path + "/"
            candidates = _candidates(index, self._merged, other)
            if any(
                other.endswith(end) and regex.match(other) for _, regex, _, end, _ in candidates
            ):
                return None
        return ("none", {})

    def _ttl(self) -> float:
        # A site that reads the version on every request (no TTL) re-reads these too.
        return KNOWN_TTL if self.site.counter_ttl > 0 else 0.0

    def _fresh_contest_ids(self) -> frozenset[str] | None:
        hit = self._contests
        if hit is not None and time.monotonic() - hit[0] < self._ttl():
            return hit[1]
        return None

    def _fresh_levels(self, contest_id: str) -> dict[str, str] | None:
        version = self.site.cached_version(contest_id)
        hit = self._divisions.get(contest_id)
        if version is None or hit is None or hit[1] != version[0]:
            return None
        return hit[2] if time.monotonic() - hit[0] < self._ttl() else None

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

    async def missing(self, kind: str, params: Mapping[str, str]) -> str | None:
        """The full path's 404 message when ``kind``'s ids in ``params`` name nothing
        stored, else None (the resource exists: it is served)."""
        cid = params.get("contest_id", "")
        # Flooded: answered from the sets in memory, without a coroutine's round trip.
        ids = self._fresh_contest_ids()
        if ids is None:
            ids = await self._contest_ids()
        if cid not in ids:
            return f"contest {cid!r} not found"
        if kind == "contest":
            return None
        did = params.get("station_id" if kind == "station" else "division_id", "")
        levels = self._fresh_levels(cid)
        if levels is None:
            levels = await self._levels(cid)
        level = levels.get(did)
        if level is None:
            return f"division {did!r} not found in contest {cid!r}"
        if kind == "station" and level != "station":
            return f"station {did!r} not found in contest {cid!r} ({level})"
        if kind == "division" and level == "station":
            from saylau.web.model import station_url

            return f"division '{did}' is a polling station: see {station_url(cid, did)}"
        return None

    # -- answering --------------------------------------------------------------------
    async def answer(self, scope: Scope, send: Send) -> bool:
        """Answer a GET ``scope`` that is a 404 (True), or leave it (False)."""
        path: str = scope["path"]
        found = self.classify(path)
        if found is None:
            return False
        kind, params = found
        api = path.startswith("/api/")
        if kind == "none":
            if api:
                await _send(send, *_json(f"no page at {path}"))
            else:
                # As before: the cookie and the browser choose, ?lang= is not read.
                lang = language(scope) or "en"
                await _send(send, _HTML, self.no_route_page(lang))
            return True
        query = scope.get("query_string") or b""
        asked: str | None = None
        if query:
            pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if any(k != "lang" for k, _ in pairs):
                return False  # another parameter: the route validates it
            asked = pairs[-1][1] if pairs else None
        # The JSON is the same in every language, but ?lang= must name one (else 422).
        chosen = language(scope, asked) if not api else pick_language(asked, None, None)
        if chosen is None:
            return False  # an unsupported ?lang= is a 422: the full path says so
        try:
            message = await self.missing(kind, params)
        except Exception:  # e.g. the database is gone: the full path answers properly
            return False
        if message is None:
            return False
        if api:
            await _send(send, *_json(message))
        else:
            await _send(send, _HTML, self.missing_page(chosen, message, page_path_of(scope)))
        return True


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
