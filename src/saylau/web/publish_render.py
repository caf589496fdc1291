"""Rendering the published site: every file is the app's own answer for its path.

A :class:`Renderer` asks the application in process (through
:class:`saylau.web.published.Published`, as ``saylau serve`` answers), over a
:class:`PublishStore` that remembers the contest-level reads of one publish (the
contest, its law and allocation, divisions, aggregates): a station page otherwise
re-reads and re-allocates the whole contest.

:func:`render_full` renders everything: the pages reachable from each language's
home page (following links), and every division and station of every contest (listed
from the store), split over worker processes.  :func:`render_paths` renders a given
set of URLs and whatever new page they link to: the incremental publish.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar, cast
from urllib.parse import unquote, urljoin, urlsplit

import anyio
from jinja2 import Environment

from saylau.errors import NotFoundError
from saylau.law import Law
from saylau.results import ContestInfo, ContestResult, DivisionInfo, StationRecord, Totals
from saylau.store import Store
from saylau.web import model
from saylau.web.i18n import LANGUAGES
from saylau.web.publish_paths import (
    ROOT_INDEX,
    Target,
    asset_hashes,
    file_for,
    hashed_name,
    target_of,
    url_of,
)
from saylau.web.security import ASGIApp, Message

#: Fewer place URLs than this are rendered here, not in worker processes; a worker
#: gets them in chunks of ``CHUNK``.
POOL_MIN, CHUNK = 400, 250
_T = TypeVar("_T")
_HREF = re.compile(b'(?:href|src)="([^"#]*)')
#: A published file of one division or station: (contest, "stations"|"divisions", id).
_PLACE = re.compile(
    r"^(?:(?:en|ru|kk)/|api/v1/)contests/(?P<cid>[^/]+)/(?P<kind>stations|divisions)/"
    r"(?P<id>.+?)(?:/index\.html|\.json)$"
)
#: A published file of one contest (its pages, documents, exports, embed).
_CONTEST = re.compile(
    r"^(?:(?:en|ru|kk)/(?:embed/)?|api/v1/)contests/(?P<cid>[^/]+?)(?:/|\.json$|\.csv$)"
)


#: The documents a two-pass publish renders last (:func:`saylau.web.publish.publish`):
#: each reads every station of its contest (forensics, the exports, the statement
#: and its PDFs, the NIST report) or every contest (the API reference's example
#: answers), and costs more than all the pages of an amended station put together.
_HEAVY = re.compile(
    r"^(?:(?:en|ru|kk)/(?:docs/index\.html"
    r"|contests/[^/]+/(?:forensics/index\.html|statement\.pdf))"
    r"|api/v1/contests/[^/]+/(?:forensics\.json|nist\.json"
    r"|export\.(?:[a-z]+\.)?(?:csv|json)))$"
)


def heavy(name: str) -> bool:
    """Whether the published file ``name`` is one of the slow contest-wide documents."""
    return _HEAVY.match(name) is not None


def place_of(name: str) -> tuple[str, str, str] | None:
    """(contest, kind, id) of a division's or station's published file, else None."""
    match = _PLACE.match(name)
    return (match["cid"], match["kind"], match["id"]) if match else None


def contest_of(name: str) -> str | None:
    """The contest a published file belongs to (None: a page of the whole site)."""
    match = _CONTEST.match(name)
    return match["cid"] if match else None


class PublishStore(Store):
    """A read-only view of a :class:`Store` that remembers the reads one publish
    repeats for every page (see the module).  It is a :class:`Store` (the views read
    it as one, and mypy checks them): the reads it remembers are overridden below,
    every other method is the store's own, over the same engine."""

    def __init__(self, store: Store) -> None:
        super().__init__(store.engine, store.url)
        self._store = store
        self._memo: dict[tuple[str | None, ...], object] = {}
        #: Contest → every station's record and figures, read at once (:meth:`prefetch`).
        self._stations: dict[str, dict[str, tuple[StationRecord, ContestResult]]] = {}
        #: Contest → station → its observers' reports (read by
        #: :func:`saylau.store.observers.report_rows`).
        self.reports_known: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def prefetch(self, contest_id: str) -> None:
        """Read every station of ``contest_id`` and its reports now, with a few
        queries, instead of a dozen per station page (a full publish renders them all)."""
        from saylau.store.observers import contest_report_rows
        from saylau.store.stations import every_station

        self._stations[contest_id] = every_station(self._store, contest_id)
        self.reports_known[contest_id] = contest_report_rows(self._store, contest_id)

    def _once(self, key: tuple[str | None, ...], make: Callable[[], _T]) -> _T:
        try:
            return cast("_T", self._memo[key])
        except KeyError:
            value = make()
            self._memo[key] = value
            return value

    def contest(self, contest_id: str) -> ContestInfo:
        return self._once(("contest", contest_id), lambda: self._store.contest(contest_id))

    def contests(self) -> list[ContestInfo]:
        return self._once(("contests",), self._store.contests)

    def law(self, contest_id: str) -> Law:
        return self._once(("law", contest_id), lambda: self._store.law(contest_id))

    def division(self, contest_id: str, division_id: str) -> DivisionInfo:
        read = self._stations.get(contest_id, {}).get(division_id)
        if read is not None:
            return read[0].station
        key = ("division", contest_id, division_id)
        return self._once(key, lambda: self._store.division(contest_id, division_id))

    def children(self, contest_id: str, division_id: str | None = None) -> list[DivisionInfo]:
        key = ("children", contest_id, division_id)
        return self._once(key, lambda: self._store.children(contest_id, division_id))

    def aggregates(self, contest_id: str) -> dict[str, Totals]:
        return self._once(("aggregates", contest_id), lambda: self._store.aggregates(contest_id))

    def results(self, contest_id: str, division_id: str | None = None) -> ContestResult:
        read = self._stations.get(contest_id, {}).get(division_id or "")
        if read is not None:
            return read[1]
        key = ("results", contest_id, division_id)
        return self._once(key, lambda: self._store.results(contest_id, division_id))

    def station(self, contest_id: str, station_id: str) -> StationRecord:
        read = self._stations.get(contest_id, {}).get(station_id)
        if read is not None:
            return read[0]
        # A station's four documents (three languages and the JSON) read it once.
        key = ("station", contest_id, station_id)
        return self._once(key, lambda: self._store.station(contest_id, station_id))

    def results_by_level(self, contest_id: str, level: str) -> list[ContestResult]:
        key = ("by_level", contest_id, level)
        return self._once(key, lambda: self._store.results_by_level(contest_id, level))

    # The store's own methods that read through the ones above: these stay unremembered
    # (a version or an ETag is the store's state now, not the publish's first read).
    def default_contest(self) -> str:
        return self._store.default_contest()

    def change_counter(self, contest_id: str) -> int:
        return self._store.change_counter(contest_id)

    def last_modified(self, contest_id: str) -> str:
        return self._store.last_modified(contest_id)


@cache
def _templates() -> Environment:
    """The site's template environment, shared by the publishes of one process (a
    ``--watch`` or a benchmark): compiling the templates costs more than a republish."""
    from saylau.web.jinja import template_environment

    return template_environment()


class Renderer:
    """The app over the store ``db``, asked in process for published URLs."""

    def __init__(self, db: str) -> None:
        from saylau.web.app import create_app
        from saylau.web.publish_direct import Direct

        app = create_app(db, counter_ttl=0)
        self.app: ASGIApp = app
        site = app.state.site
        site.templates = _templates()  # compiled once per process, not per publish
        self.store = Store.open(db)
        reads = PublishStore(self.store)
        site._store = reads  # the site's reads go through the memo
        self.direct = Direct(list(app.routes), reads, site.templates)
        #: Documents rendered from their view, and asked of the app.
        self.direct_count = self.app_count = 0

    def close(self) -> None:
        self.store.close()

    async def get(self, url: str) -> tuple[int, dict[str, str], bytes]:
        """GET ``url`` (a published URL path): status, headers, body."""
        made = self.direct.render(url)
        if made is not None:
            self.direct_count += 1
            return 200, {"content-type": made[0]}, made[1]
        self.app_count += 1
        return await fetch(self.app, url)

    def links(self, body: bytes, url: str) -> Iterable[str]:
        """The published URLs the page ``body`` at ``url`` links to (known without
        parsing when the page was just rendered from its view)."""
        last, files = self.direct.linked
        if last == url:
            return [url_of(f) for f in files]
        return links(body, url)


async def fetch(app: ASGIApp, url: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` (a published URL path) from ``app`` in process."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(url),
        "raw_path": url.encode("latin-1"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"publish")],
        "client": ("127.0.0.1", 0),
        "server": ("publish", 80),
    }
    status, headers, body = 0, {}, bytearray()
    done = anyio.Event()
    asked = False

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # a streaming answer listens for the client leaving
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {k.decode().lower(): v.decode("latin-1") for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, headers, bytes(body)


def links(page: bytes, url: str) -> Iterable[str]:
    """The published URLs a page at ``url`` links to."""
    for raw in _HREF.findall(page):
        link = raw.decode("utf-8").replace("&amp;", "&")
        if link.startswith(("http:", "https:", "mailto:", "data:")):
            continue
        parts = urlsplit(urljoin(url, link))
        if not parts.query and published(parts.path):
            yield parts.path


def file_of_url(url: str) -> str:
    """The published file (relative, decoded) that answers the URL path ``url``."""
    path = unquote(url).lstrip("/")
    if path == "" or path.endswith("/"):
        return path + ("index.html" if path else ROOT_INDEX)
    return path


def published(url: str) -> bool:
    path = unquote(url)
    if path in ("/" + ROOT_INDEX, "/openapi.json"):
        return True
    return target_of(path) is not None or path.startswith("/api/v1/contests/")


@cache
def _twin_routes() -> tuple[tuple[Any, Any], ...]:
    from saylau.web.routes import routers

    routes = [route for router in routers() for route in router.routes]
    names = {getattr(route, "name", ""): route for route in routes}
    pairs = []
    for route in routes:
        name = getattr(route, "name", "")
        twin = names.get(name.removesuffix("_page") + "_api")
        if name.endswith("_page") and twin is not None and hasattr(route, "path_regex"):
            pairs.append((route.path_regex, twin))
    return tuple(pairs)


def twin(target: Target) -> str | None:
    """The published URL of the JSON twin of the page ``target`` (None: it has none)."""
    for regex, route in _twin_routes():
        match = regex.match(target.path)
        if match is None:
            continue
        path = route.url_path_for(route.name, **match.groupdict())
        file = file_for(unquote(str(path)), {}, "en")
        return url_of(file) if file else None
    return None


def place_urls(cid: str, kind: str, pid: str) -> list[str]:
    """The URLs of a division's or station's pages (every language) and JSON twin."""
    path = (model.station_url if kind == "stations" else model.division_url)(cid, pid)
    files = [file_for(unquote(path), {}, lang) for lang in LANGUAGES]
    files.append(file_for(unquote("/api/v1" + path), {}, "en"))
    return [url_of(f) for f in files if f]


def hashed_assets() -> list[str]:
    return [url_of(f"static/{n}") for n in (hashed_name(a) for a in asset_hashes()) if n]


@dataclass
class Rendered:
    """Files rendered (name → bytes), links that did not answer 200, and the place
    URLs met (division and station pages, left to :func:`render_places`)."""

    files: dict[str, bytes] = field(default_factory=dict)
    broken: list[str] = field(default_factory=list)
    places: set[str] = field(default_factory=set)
    #: Files asked for that did not answer 200 (an incremental run drops them).
    failed: set[str] = field(default_factory=set)

    def __repr__(self) -> str:
        # Short: asyncio's runner formats the finished task, result included, when it
        # puts back the SIGINT handler, and the files are hundreds of megabytes.
        return f"<Rendered {len(self.files)} files, {len(self.broken)} broken>"


def document_of(url: str) -> tuple[str, str]:
    """What a published URL shows, the same for its three languages and its JSON twin
    (the app's path without the ``/api/v1`` prefix), and the URL."""
    target = target_of(unquote(url))
    path = target.path if isinstance(target, Target) else url
    return path.removeprefix("/api/v1"), url


def _is_place(url: str) -> bool:
    return place_of(file_of_url(url)) is not None


async def _crawl(
    renderer: Renderer, start: Iterable[str], *, known: set[str], defer_places: bool
) -> Rendered:
    """Render ``start`` and every published URL they link to that is not ``known``
    (with ``defer_places``, division and station pages are collected, not rendered)."""
    out = Rendered()
    # A document's language versions and JSON twin one after the other (their view's
    # context is built once for them), what they link to after.
    queue = deque((url, "") for url in sorted(dict.fromkeys(start), key=document_of))
    seen = set(known) | {url for url, _ in queue}
    while queue:
        url, source = queue.popleft()
        if defer_places and _is_place(url):
            out.places.add(url)
            continue
        status, headers, body = await renderer.get(url)
        if status != 200:
            out.broken.append(f"{status} {url}" + (f" (from {source})" if source else ""))
            out.failed.add(file_of_url(url))
            continue
        out.files[file_of_url(url)] = body
        found: list[str] = []
        if headers.get("content-type", "").startswith("text/html") and url != "/" + ROOT_INDEX:
            found = list(renderer.links(body, url))
            target = target_of(unquote(url))
            if isinstance(target, Target) and target.lang is not None:
                pair = twin(target)
                if pair:
                    found.append(pair)
        for link in found:
            if link not in seen:
                seen.add(link)
                queue.append((link, url))
    return out


def _contest_places(store: PublishStore, cid: str) -> list[str]:
    """Every division's and station's URLs of contest ``cid`` (the root is the
    contest's own page), from the store's division tree."""
    urls: list[str] = []
    todo = [d.id for d in store.children(cid, None)]
    root = set(todo)
    while todo:
        did = todo.pop()
        for child in store.children(cid, did):
            kind = "stations" if child.level == "station" else "divisions"
            urls += place_urls(cid, kind, child.id)
            if child.level != "station":
                todo.append(child.id)
    return [u for u in urls if u not in root]


# -- worker processes ----------------------------------------------------------------

_WORKER: Renderer | None = None


def _worker_start(db: str) -> None:
    global _WORKER
    if _WORKER is not None:
        # Forked: the parent's renderer, with every station already read, is this
        # process's copy; only its database connections must not be shared.
        _WORKER.store.engine.dispose(close=False)
        return
    _WORKER = Renderer(db)


def _worker_render(urls: Sequence[str]) -> Rendered:
    assert _WORKER is not None
    return anyio.run(_render_list, _WORKER, list(urls))


async def _render_list(renderer: Renderer, urls: list[str]) -> Rendered:
    out = Rendered()
    for url in urls:
        status, headers, body = await renderer.get(url)
        if status != 200:
            out.broken.append(f"{status} {url}")
            continue
        out.files[file_of_url(url)] = body
        if headers.get("content-type", "").startswith("text/html"):
            out.places.update(renderer.links(body, url))  # checked against the known URLs
    return out


def render_places(
    renderer: Renderer,
    db: str,
    urls: list[str],
    processes: int,
    meanwhile: Callable[[], Rendered] = Rendered,
) -> tuple[Rendered, set[str], Rendered]:
    """Render ``urls`` (over ``processes`` worker processes) and, in this process
    meanwhile, ``meanwhile()``; returns what was rendered, every URL the rendered pages
    link to, and what ``meanwhile()`` gave."""
    out = Rendered()
    linked: set[str] = set()
    if processes <= 1 or len(urls) < POOL_MIN:
        part = anyio.run(_render_list, renderer, urls)
        return part, part.places, meanwhile()
    global _WORKER
    chunks = [urls[i : i + CHUNK] for i in range(0, len(urls), CHUNK)]
    fork = os.name == "posix"
    context = multiprocessing.get_context("fork" if fork else "spawn")
    _WORKER = renderer if fork else None
    try:
        with context.Pool(processes, initializer=_worker_start, initargs=(db,)) as pool:
            parts = pool.imap_unordered(_worker_render, chunks)  # under way from here
            other = meanwhile()
            for part in parts:
                out.files.update(part.files)
                out.broken += part.broken
                linked |= part.places
    finally:
        _WORKER = None
    return out, linked, other


def render_full(db: str, *, processes: int | None = None) -> Rendered:
    """Every published file of the site over the store ``db`` (see the module)."""
    processes = processes or min(os.cpu_count() or 1, 4)
    renderer = Renderer(db)
    try:
        store = renderer.app.state.site.store  # type: ignore[attr-defined]
        # Every division and station, from the tree, in its order: a place's documents
        # one after the other, so that its context is built once for all four.
        places: dict[str, None] = {}
        for info in store.contests():
            store.prefetch(info.id)
            places.update(dict.fromkeys(_contest_places(store, info.id)))
        start = [
            "/" + ROOT_INDEX,
            "/openapi.json",
            *(f"/{lang}/" for lang in LANGUAGES),
            *hashed_assets(),
            *embed_urls(renderer),
        ]

        def the_rest() -> Rendered:
            # The pages that are not places (home pages, contests, downloads, the API
            # reference), rendered here while the worker processes render the places.
            return anyio.run(lambda: _crawl(renderer, start, known=set(places), defer_places=True))

        done, linked, first = render_places(
            renderer, db, list(places), processes, meanwhile=the_rest
        )
        first.files.update(done.files)
        first.broken += done.broken
        known = {url_of(name) for name in first.files} | set(places)
        # Places the tree does not list, and what only a place page links to.
        new = sorted(first.places - set(places))
        new += [u for u in linked if u not in known and url_of(file_of_url(u)) not in known]
        if new:
            more = anyio.run(lambda: _crawl(renderer, new, known=known, defer_places=False))
            first.files.update(more.files)
            first.broken += more.broken
        first.broken.sort()
        return first
    finally:
        renderer.close()


def render_paths(renderer: Renderer, urls: Iterable[str], known: set[str]) -> Rendered:
    """Render ``urls`` and any published URL they link to that is not ``known``."""
    return anyio.run(lambda: _crawl(renderer, list(urls), known=known, defer_places=False))


def embed_urls(renderer: Renderer) -> list[str]:
    """The embed page of every contest in every language (no page links to them)."""
    store = renderer.app.state.site.store  # type: ignore[attr-defined]
    return [
        url_of(f"{lang}/embed/contests/{info.id}/index.html")
        for info in store.contests()
        for lang in LANGUAGES
    ]


# -- what changed ----------------------------------------------------------------------


def build_digest() -> str:
    """What the rendering depends on besides the data: saylau's version, its templates,
    catalogs and assets (a change of any re-renders everything)."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    here = Path(__file__).parent
    digest = hashlib.sha256(version("saylau").encode())
    for folder in ("templates", "locale", "static"):
        for path in sorted((here / folder).rglob("*")):
            if path.is_file():
                digest.update(path.relative_to(here).as_posix().encode())
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def contest_state(store: Store, cid: str) -> dict[str, Any]:
    """What a publish remembers of contest ``cid``: its change counter, its identity
    (a change re-renders all its pages) and each station's protocol (version, status,
    hash, the newest version and its status), its observers' reports and its parent
    division."""
    from saylau.store.observers import contest_report_rows

    info = store.contest(cid)
    frame = store.iter_protocols(cid)
    cols = ["station", "version", "status", "hash", "latest_version", "latest_status", "parent_id"]
    reports = {
        sid: hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()[:16]
        for sid, rows in contest_report_rows(store, cid).items()
    }
    stations: dict[str, str] = {}
    for row in frame.select(cols).iter_rows():
        *protocol, parent = ("" if v is None else str(v) for v in row[1:])
        stations[row[0]] = "|".join([*protocol, reports.pop(row[0], ""), parent])
    for sid, digest in reports.items():  # reports on a station with no protocol yet
        try:
            parent = store.division(cid, sid).parent_id or ""
        except NotFoundError:
            continue  # a report naming a station the contest does not have
        stations[sid] = "|".join(["", "", "", "", "", digest, parent])
    identity = model.contest_identity(info)
    identity["parties"] = list(store.results(cid).totals.votes)
    return {"counter": info.change_counter, "identity": identity, "stations": stations}


def station_parent(digest: str) -> str:
    return digest.rsplit("|", 1)[-1]


def state_json(state: dict[str, Any]) -> bytes:
    return json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
