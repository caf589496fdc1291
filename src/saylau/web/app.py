"""The results site: ``create_app(db)`` builds the FastAPI application.

The app opens the store lazily (on the first request), serves the pages and the
JSON API of :mod:`saylau.web.views`, its own static assets, and includes the
routers of the other areas when they are installed (``router`` of
``saylau.trust.api``, ``saylau.analysis.web``, ``saylau.institutions.web``).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from saylau.errors import InputError, NotFoundError, SaylauError
from saylau.web.fastpath import FastPath
from saylau.web.i18n import LANGUAGE_NAMES, pick_language
from saylau.web.render import RenderCache, SingleFlight, page_globals
from saylau.web.security import Hardening
from saylau.web.steps import step_text, tie_text
from saylau.web.svg import hemicycle_chart, votes_vs_seats_chart

HERE = Path(__file__).parent
#: Routers contributed by other areas, included when importable.
EXTRA_ROUTERS: tuple[str, ...] = (
    "saylau.trust.api",
    "saylau.analysis.web",
    "saylau.institutions.web",
    "saylau.web.commission",
)
#: How long a change-counter reading is reused (seconds).  A changed protocol is
#: visible after at most this long; it spares the database under heavy polling.
COUNTER_TTL = 0.2


def template_environment(extra_dirs: list[Path] | None = None) -> Environment:
    """The Jinja2 environment: autoescaping on for every template."""
    env = Environment(
        loader=FileSystemLoader([HERE / "templates", *(extra_dirs or [])]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.globals["languages"] = list(LANGUAGE_NAMES.items())
    env.globals["hemicycle_chart"] = hemicycle_chart
    env.globals["votes_vs_seats_chart"] = votes_vs_seats_chart
    env.globals["step_text"] = step_text
    env.globals["tie_text"] = tie_text
    env.globals["method_title"] = method_title
    env.globals["statement_ballot_rows"] = _ballot_rows
    env.globals["statement_observer_rows"] = _observer_rows
    return env


def method_title(name: object) -> str:
    """A method's title (``hare`` → "Largest remainder, Hare quota"), for translation;
    an unknown name is shown as given."""
    from saylau.methods import REGISTRY

    spec = REGISTRY.get(str(name))
    return spec.title if spec is not None else str(name)


def _ballot_rows(ctx: Any, fmt: Any) -> list[tuple[str, str]]:
    # Imported on use: the statement module loads fpdf, which pages do not need.
    from saylau.web.statement import ballot_rows

    return ballot_rows(ctx, fmt)


def _observer_rows(ctx: Any, fmt: Any) -> list[tuple[str, str]]:
    from saylau.web.statement import observer_rows

    return observer_rows(ctx, fmt)


class Site:
    """Per-app state: the store (opened on first use), templates, caches."""

    def __init__(self, db: str, counter_ttl: float = COUNTER_TTL, processes: int = 0) -> None:
        self.db = db
        self.processes = processes
        self._workers: Any = None
        self.counter_ttl = counter_ttl
        self.templates = template_environment()
        self.cache = RenderCache()
        self.flights = SingleFlight()
        self.instance = f"{os.getpid()}-{time.time_ns()}"
        self._store: Any = None
        self._lock = threading.Lock()
        self._versions: dict[str, tuple[float, tuple[str, Any]]] = {}
        #: API paths the fast path may answer: path -> (contest id, validators).
        self.hot: dict[str, tuple[str | None, Any, Any]] = {}
        #: The newest version rendered per hot path (served while a rebuild runs).
        self.served: dict[str, tuple[str, Any]] = {}

    @property
    def store(self) -> Any:
        """The :class:`saylau.store.Store` (opened once, shared by all requests)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    from saylau.store import Store

                    self._store = Store.open(self.db)
        return self._store

    @property
    def workers(self) -> Any:
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

    def cached_version(self, contest_id: str | None) -> tuple[str, Any] | None:
        """The version read less than ``counter_ttl`` seconds ago, if any."""
        hit = self._versions.get(contest_id or "*")
        if hit is not None and time.monotonic() - hit[0] < self.counter_ttl:
            return hit[1]
        return None

    def version(self, contest_id: str | None) -> tuple[str, Any]:
        """(version text, last-modified datetime) of one contest or of all contests,
        read from the store at most every ``counter_ttl`` seconds."""
        key = contest_id or "*"
        now = time.monotonic()
        hit = self._versions.get(key)
        if hit is not None and now - hit[0] < self.counter_ttl:
            return hit[1]
        from saylau.web.model import contest_versions

        value = contest_versions(self.store, contest_id)
        self._versions[key] = (now, value)
        return value


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"ok": False, "error": message}, status_code=status)
    lang = pick_language(None, request.cookies.get("lang"), request.headers.get("accept-language"))
    request.state.lang = lang or "en"
    heading = {404: "Not found", 422: "Invalid request"}.get(status, "Something went wrong")
    ctx = {"heading": heading, "message": message, "status": status}
    ctx.update(page_globals(request))
    site: Site = request.app.state.site
    html = site.templates.get_template("error.html").render(ctx)
    return HTMLResponse(html, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotFoundError)
    async def _not_found(request: Request, exc: NotFoundError) -> Response:
        return _error_response(request, 404, str(exc))

    @app.exception_handler(InputError)
    async def _bad_input(request: Request, exc: InputError) -> Response:
        return _error_response(request, 422, "; ".join(exc.problems))

    @app.exception_handler(SaylauError)
    async def _saylau(request: Request, exc: SaylauError) -> Response:
        return _error_response(request, 422, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return _error_response(request, 422, "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no page at {request.url.path}"
        return _error_response(request, exc.status_code, detail)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        return _error_response(request, 500, "internal error: the results could not be shown")


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    site: Site = app.state.site
    if site.workers is not None:
        # Start the workers now: spawning one and importing saylau takes a second or
        # two, which would otherwise fall on the first rebuild under load.
        from saylau.web.workers import warm

        site.workers.submit(warm, site.db)
    yield
    site.close()


def create_app(db: str, *, counter_ttl: float = COUNTER_TTL, rebuild_processes: int = 0) -> FastAPI:
    """The results site and JSON API over the store at ``db`` (path or URL).

    ``counter_ttl``: seconds a reading of a contest's change counter is reused.
    ``rebuild_processes``: worker processes that rebuild the polled JSON resources
    (``saylau serve`` uses one; 0 rebuilds in threads).
    """
    from saylau.web import views

    app = FastAPI(
        lifespan=_lifespan,
        # FastAPI's native OpenTelemetry probes the global providers (reading
        # os.environ) on every request: a third of the cost of a polled answer.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # FastAPI's /docs and /redoc load their scripts from a CDN: the site serves
        # its own reference page instead (saylau.web.api_docs).
        docs_url=None,
        redoc_url=None,
        title="saylau results API",
        version="1",
        description=(
            "Election results as JSON: contests, divisions, polling stations and exports. "
            "Every response carries an ETag and Last-Modified; send If-None-Match to get "
            "304 Not Modified while nothing has changed. Errors are "
            '`{"ok": false, "error": "..."}`.'
        ),
    )
    app.state.site = Site(db, counter_ttl, rebuild_processes)
    app.add_middleware(FastPath, site=app.state.site)
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(views.router)
    _install_docs(app)
    for name in EXTRA_ROUTERS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if found:
            module = importlib.import_module(name)
            router = getattr(module, "router", None)
            if router is not None:
                app.include_router(router)
                templates = Path(module.__file__ or "").parent / "templates"
                if templates.is_dir():
                    app.state.site.templates = template_environment(
                        [*_extra_template_dirs(app), templates]
                    )
    # Outermost, so that every answer (the fast path's too) gets the headers; pure
    # ASGI because Starlette's http-middleware wrappers dominated polling latency.
    app.add_middleware(Hardening)
    return app


def _install_docs(app: FastAPI) -> None:
    """``/docs``: the API reference as a plain page (no CDN, no script), every language."""
    from saylau.web.api_docs import docs_context
    from saylau.web.views import set_language

    @app.get("/docs", include_in_schema=False)
    async def api_docs(request: Request) -> Response:
        lang = set_language(request)
        ctx = docs_context(app.openapi())
        ctx.update(page_globals(request))
        site: Site = request.app.state.site
        response = HTMLResponse(site.templates.get_template("api_docs.html").render(ctx))
        if request.query_params.get("lang"):
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
        return response


def _extra_template_dirs(app: FastAPI) -> list[Path]:
    loader = app.state.site.templates.loader
    assert isinstance(loader, FileSystemLoader)
    return [Path(p) for p in loader.searchpath[1:]]
