"""The results site: ``create_app(db)`` builds the FastAPI application.

The app opens the store lazily (on the first request), serves its own static
assets and includes the routers declared in :mod:`saylau.web.routes`; errors of
the library become one-line answers here (JSON under ``/api/``, a page elsewhere).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from saylau.errors import InputError, NotFoundError, SaylauError
from saylau.web.cors import PublicCors
from saylau.web.fastpath import FastPath
from saylau.web.i18n import pick_language
from saylau.web.notfound import Front as NotFoundFront
from saylau.web.notfound import NotFound
from saylau.web.published import Published
from saylau.web.render import page_globals, site_of
from saylau.web.routes import routers
from saylau.web.security import Hardening
from saylau.web.site import COUNTER_TTL, Site

HERE = Path(__file__).parent


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"ok": False, "error": message}, status_code=status)
    cookie, accept = request.cookies.get("lang"), request.headers.get("accept-language")
    lang = pick_language(request.query_params.get("lang"), cookie, accept)
    request.state.lang = lang or pick_language(None, cookie, accept) or "en"
    heading = {404: "Not found", 422: "Invalid request"}.get(status, "Something went wrong")
    ctx = {"heading": heading, "message": message, "status": status}
    ctx.update(page_globals(request))
    html = site_of(request).templates.get_template("error.html").render(ctx)
    return HTMLResponse(html, status_code=status)


def _not_found_page(request: Request) -> Response:
    """The 404 of an address no route knows: rendered once per language and reused
    (:meth:`saylau.web.notfound.NotFound.no_route_page`).  The fast path answers most
    of these before routing; this is the same page for what reaches the router."""
    lang = pick_language(None, request.cookies.get("lang"), request.headers.get("accept-language"))
    not_found: NotFound = request.app.state.not_found
    html = not_found.no_route_page(lang or "en")
    return Response(html, status_code=404, media_type="text/html; charset=utf-8")


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
            if not _wants_json(request):
                return _not_found_page(request)
            detail = f"no page at {request.url.path}"
        return _error_response(request, exc.status_code, detail)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        return _error_response(request, 500, "internal error: the results could not be shown")


def _document_security(app: FastAPI) -> None:
    """The OpenAPI document declares the Bearer scheme the write routes use."""
    from fastapi.openapi.utils import get_openapi

    from saylau.web.door import document

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            made = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = document(made)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    site: Site = app.state.site
    workers = site.workers
    if workers is not None:
        # Start the workers now: spawning one and importing saylau takes a second or
        # two, which would otherwise fall on the first rebuild under load.
        from saylau.web.workers import warm

        workers.submit(warm, site.db)
    yield
    site.close()


def create_app(db: str, *, counter_ttl: float = COUNTER_TTL, rebuild_processes: int = 0) -> FastAPI:
    """The results site and JSON API over the store at ``db`` (path or URL).

    ``counter_ttl``: seconds a reading of a contest's change counter is reused.
    ``rebuild_processes``: worker processes that rebuild the polled JSON resources
    (``saylau serve`` uses one; 0 rebuilds in threads).
    """
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
    site = app.state.site = Site(db, counter_ttl, rebuild_processes)
    # The routes are read on the first request, once every router (and any route
    # added after this) is in.
    not_found = app.state.not_found = NotFound(site, lambda: app.router.routes)
    app.state.not_found_pages = not_found.pages
    app.add_middleware(FastPath, site=site, not_found=not_found)
    _install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in routers():
        app.include_router(router)
    _document_security(app)
    app.add_middleware(PublicCors)  # the public API is readable from any site
    app.add_middleware(Published)  # the published layout (saylau.web.published)
    # Outermost, so that every answer (the fast path's too) gets the headers; pure
    # ASGI because Starlette's http-middleware wrappers dominated polling latency.
    app.add_middleware(Hardening)
    # Outside even that: a 404 known from memory costs no more than a cached page
    # (it adds the headers the layers it skips would add).
    app.add_middleware(NotFoundFront, not_found=not_found)
    return app
