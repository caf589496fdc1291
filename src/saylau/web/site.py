"""The state of one running site: the store, the templates, the caches and versions."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor

from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from saylau.store import Store
from saylau.web.cache import RenderCache, SingleFlight
from saylau.web.jinja import template_environment
from saylau.web.model import contest_versions

#: How long a change-counter reading is reused (seconds).  A changed protocol is
#: visible after at most this long; it spares the database under heavy polling.
COUNTER_TTL = 0.2

#: A version of the data behind an answer: its text (it changes whenever the data
#: may have) and the last modification time, if known.
Version = tuple[str, dt.datetime | None]
#: What the fast path needs of a hot API path: its contest (None: every contest), the
#: (ETag, Last-Modified) of a version, and the rebuild of its body at a version.
Hot = tuple[str | None, Callable[[Version], tuple[str, str]], Callable[[Version], Awaitable[bytes]]]
#: The same for a hot HTML page: its contest, the raw path it was rendered for and
#: that path as its language switch links to it (part of its cache key), and the
#: headers and rebuild of a (version, language).
HotPage = tuple[
    str | None,
    bytes,
    str,
    Callable[[Version, str], tuple[str, str]],
    Callable[[Version, str], Awaitable[bytes]],
]


class Site:
    """Per-app state: the store (opened on first use), templates, caches."""

    def __init__(self, db: str, counter_ttl: float = COUNTER_TTL, processes: int = 0) -> None:
        self.db = db
        self.processes = processes
        self._workers: ProcessPoolExecutor | None = None
        self.counter_ttl = counter_ttl
        self.templates: Environment = template_environment()
        self.cache = RenderCache()
        self.flights = SingleFlight()
        self.instance = f"{os.getpid()}-{time.time_ns()}"
        self._store: Store | None = None
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[float, Version]] = {}
        #: API paths the fast path may answer (see :mod:`saylau.web.fastpath`).
        self.hot: dict[str, Hot] = {}
        #: The newest version rendered per hot path (served while a rebuild runs).
        self.served: dict[str, Version] = {}
        #: HTML pages the fast path may answer, and the newest version rendered per
        #: (path, language).
        self.hot_pages: dict[str, HotPage] = {}
        self.served_pages: dict[tuple[str, str], Version] = {}
        #: Rebuilds done by the worker processes, and the last error of the pool.
        self.worker_builds = 0
        self.worker_error: str | None = None

    @property
    def store(self) -> Store:
        """The store (opened once, shared by all requests)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = Store.open(self.db)
        return self._store

    @property
    def workers(self) -> ProcessPoolExecutor | None:
        """The worker processes that rebuild hot JSON (None without ``processes``)."""
        if self._workers is None and self.processes > 0:
            from saylau.web.workers import start_pool

            self._workers = start_pool(self.processes)
        return self._workers

    def close(self) -> None:
        """Stop the worker processes."""
        if self._workers is not None:
            self._workers.shutdown(wait=True, cancel_futures=True)
            self._workers = None

    def cached_version(self, contest_id: str | None) -> Version | None:
        """The version read less than ``counter_ttl`` seconds ago, if any."""
        hit = self._versions.get(contest_id or "*")
        if hit is not None and time.monotonic() - hit[0] < self.counter_ttl:
            return hit[1]
        return None

    def version(self, contest_id: str | None) -> Version:
        """(version text, last-modified datetime) of one contest or of all contests,
        read from the store at most every ``counter_ttl`` seconds.  An unknown
        contest raises :class:`saylau.errors.NotFoundError`."""
        key = contest_id or "*"
        now = time.monotonic()
        hit = self._versions.get(key)
        if hit is not None and now - hit[0] < self.counter_ttl:
            return hit[1]
        value = contest_versions(self.store, contest_id)
        self._versions[key] = (now, value)
        return value

    async def current_version(self, contest_id: str | None) -> Version:
        """:meth:`version` from the event loop: read in a thread, one read shared by
        the requests that arrive while it runs."""
        cached = self.cached_version(contest_id)
        if cached is not None:
            return cached
        result: Version = await self.flights.run(
            ("version", contest_id or "*"), lambda: run_in_threadpool(self.version, contest_id)
        )
        return result
