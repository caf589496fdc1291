"""One context, two renderings: an HTML page or the same data as JSON.

:func:`respond` renders a context builder's result for every route of the site
(through :func:`saylau.web.pages.page`, or directly for downloads).  It answers
conditional GETs with 304 from the store's change counter before building
anything, and caches the rendered body per (key, version, language, format), so
polling clients cost almost nothing between changes.  Responses say
``Cache-Control: no-cache``: a client revalidates every time, so a changed
protocol shows on the next poll.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from saylau.web.encode import to_json_bytes
from saylau.web.jinja import page_globals_for
from saylau.web.site import Site, Version

__all__ = [
    "page_globals",
    "page_globals_for",
    "page_path",
    "page_path_of",
    "respond",
    "site_of",
    "to_json_bytes",
    "validators",
]

JSON_MEDIA = "application/json"
HTML_MEDIA = "text/html; charset=utf-8"


def _etag(*parts: str) -> str:
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def validators(
    key: str,
    version: str,
    lang: str,
    fmt_name: str,
    instance: str,
    last_modified: dt.datetime | None,
) -> tuple[str, str]:
    """The ETag and Last-Modified header values of one rendering."""
    modified = (
        format_datetime(last_modified.astimezone(dt.UTC), usegmt=True) if last_modified else ""
    )
    return _etag(key, version, lang, fmt_name, instance), modified


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


def site_of(request: Request) -> Site:
    """The :class:`~saylau.web.site.Site` of the app serving ``request``."""
    site: Site = request.app.state.site
    return site


def page_globals(request: Request) -> dict[str, Any]:
    """What every template gets besides its context: translation, formatting, the
    language switcher and the current path."""
    lang: str = getattr(request.state, "lang", "en")
    return page_globals_for(lang, page_path(request))


def page_path(request: Request) -> str:
    """The request's path, percent-encoded as received, for links back to this page
    (the language switch).  The decoded path would break such a link on an id holding
    ``#``, ``?`` or a space (ids are data)."""
    return page_path_of(request.scope)


def page_path_of(scope: Mapping[str, Any]) -> str:
    """:func:`page_path` of an ASGI ``scope``."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        path = quote(raw, safe="/%:@!$&'()*+,;=-._~")
    else:
        path = quote(str(scope.get("path", "/")), safe="/:@!$&'()*+,;=-._~")
    return "/" + path.lstrip("/")  # "//host" in an href leaves the site


async def _in_worker(site: Site, fn: Callable[..., bytes], *args: Any) -> bytes | None:
    """``fn(*args)`` in one of the site's worker processes; None without a pool or when
    the pool is broken or refuses (the caller then builds in a thread instead)."""
    workers = site.workers
    if workers is None:
        return None
    try:
        made: bytes = await asyncio.wrap_future(workers.submit(fn, *args))
    except Exception as exc:  # a broken or refusing pool: build here instead
        site.worker_error = repr(exc)
        return None
    site.worker_builds += 1
    return made


def _register_hot(
    site: Site,
    key: str,
    contest_id: str | None,
    build: Callable[[], Mapping[str, Any]],
    recipe: tuple[str, tuple[str, ...]] | None = None,
) -> None:
    """Let :mod:`saylau.web.fastpath` answer and rebuild the API resource ``key``.

    With a ``recipe`` (a :mod:`saylau.web.model` builder's name and arguments) and a
    site with worker processes, rebuilds run in a worker instead of a thread."""
    if key in site.hot:
        return
    instance = site.instance

    async def rebuild(version: Version) -> bytes:
        made: bytes | None = None
        if recipe is not None:
            from saylau.web.workers import build_json

            made = await _in_worker(site, build_json, site.db, recipe[0], recipe[1])
        if made is None:
            made = await run_in_threadpool(lambda: to_json_bytes(dict(build())))
        site.cache.put((key, version[0], "", "json"), made)
        site.served[key] = version
        return made

    # Polls ask for the same version thousands of times: compute its headers once.
    last: list[tuple[Version, tuple[str, str]]] = []

    def etag_for(v: Version) -> tuple[str, str]:
        if last and last[0][0] == v:
            return last[0][1]
        made = validators(key, v[0], "", "json", instance, v[1])
        last[:] = [(v, made)]
        return made

    site.hot[key] = (contest_id, etag_for, rebuild)


def _register_hot_page(
    site: Site,
    key: str,
    scope: Mapping[str, Any],
    contest_id: str | None,
    build: Callable[[], Mapping[str, Any]],
    template: str,
    recipe: tuple[str, tuple[str, ...]] | None = None,
) -> None:
    """Let :mod:`saylau.web.fastpath` answer and rebuild the HTML page ``key`` in every
    language, as it does the JSON (see :func:`_register_hot`).

    The page links back to itself (the language switch) by the path as received, so
    the fast path serves it only to requests of that same raw path."""
    if key in site.hot_pages:
        return
    instance = site.instance
    path = page_path_of(scope)
    raw = scope.get("raw_path")
    raw_path = raw if isinstance(raw, bytes) and raw else key.encode("utf-8")

    async def rebuild(version: Version, lang: str) -> bytes:
        made: bytes | None = None
        if recipe is not None:
            from saylau.web.workers import build_html

            args = (site.db, recipe[0], recipe[1], template, lang, path)
            made = await _in_worker(site, build_html, *args)
        if made is None:

            def _make() -> bytes:
                context = dict(build())
                context.update(page_globals_for(lang, path))
                html: str = site.templates.get_template(template).render(context)
                return html.encode("utf-8")

            made = await run_in_threadpool(_make)
        site.cache.put((key, version[0], lang, "html", path), made)
        site.served_pages[(key, lang)] = version
        return made

    # One (version, language) -> headers memo per language.
    last: dict[str, tuple[Version, tuple[str, str]]] = {}

    def etag_for(v: Version, lang: str) -> tuple[str, str]:
        hit = last.get(lang)
        if hit is not None and hit[0] == v:
            return hit[1]
        made = validators(key, v[0], lang, "html", instance, v[1])
        last[lang] = (v, made)
        return made

    site.hot_pages[key] = (contest_id, raw_path, path, etag_for, rebuild)


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
    contest_id: str | None = None,
    recipe: tuple[str, tuple[str, ...]] | None = None,
) -> Response:
    """Render ``build()`` as the page ``template`` (``api=False``) or as JSON.

    ``key`` names the resource (e.g. the path and query), ``version`` changes
    whenever the data may have changed (the store's change counter).  A matching
    ``If-None-Match``/``If-Modified-Since`` gets 304 without calling ``build``.
    ``build`` runs in the thread pool (it may query the store).  With ``raw``,
    ``build()`` returns ``{"body": bytes}`` sent as is (downloads).  API resources
    of one contest (``contest_id``) are then served by :mod:`saylau.web.fastpath`;
    ``recipe`` (a :mod:`saylau.web.model` builder's name and arguments, the same data as
    ``build``) lets a worker process rebuild them (:mod:`saylau.web.workers`).
    """
    site = site_of(request)
    lang = "" if api else getattr(request.state, "lang", "en")
    fmt_name = "json" if api else "html"
    etag, modified_text = validators(key, version, lang, fmt_name, site.instance, last_modified)
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language"}
    if modified_text:
        headers["Last-Modified"] = modified_text
    if status_code == 200 and _not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    cache_key: tuple[str, ...] = (key, version, lang, fmt_name)
    if not api:
        # A page links back to its path as received (the language switch): two raw
        # forms of one path are two renderings.
        cache_key += (page_path(request),)
    body = site.cache.get(cache_key)
    if body is None:

        def _make() -> bytes:
            if raw:
                data: bytes = build()["body"]
                return data
            if api:
                return to_json_bytes(dict(build()))
            context = dict(build())
            context.update(page_globals(request))
            html: str = site.templates.get_template(template).render(context)
            return html.encode("utf-8")

        async def _build_and_cache() -> bytes:
            made = await run_in_threadpool(_make)
            site.cache.put(cache_key, made)
            return made

        body = await site.flights.run(cache_key, _build_and_cache)
    if not raw and status_code == 200 and key == request.url.path:
        if api:
            _register_hot(site, key, contest_id, build, recipe)
            site.served[key] = (version, last_modified)
        else:
            _register_hot_page(site, key, request.scope, contest_id, build, template, recipe)
            if site.hot_pages[key][2] == cache_key[-1]:
                site.served_pages[(key, lang)] = (version, last_modified)
    return Response(
        content=body,
        status_code=status_code,
        media_type=JSON_MEDIA if api else HTML_MEDIA,
        headers=headers,
    )
