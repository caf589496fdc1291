"""One page, two routes: :func:`page` registers an HTML page and its ``/api/v1`` twin.

A view is a plain function of the route's parameters that returns a :class:`View`:
how to build the context from the store and what its version depends on.  Both
routes answer from that one view, so the page and the JSON always hold the same
figures; the language, the version, ETag/Last-Modified/304 and the cache are
handled here and in :func:`saylau.web.render.respond`, for every page alike::

    @page(router, "/contests/{contest_id}/mine", template="mine.html", tags=["results"])
    def mine(contest_id: str) -> View:
        \"\"\"The API description (the OpenAPI text of the twin).\"\"\"
        return View(lambda store: my_context(store, contest_id), contest_id=contest_id)
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from saylau.store import Store
from saylau.web.i18n import LANGUAGES, pick_language
from saylau.web.render import respond, site_of
from saylau.web.site import Site, Version

#: Where the JSON twin of a page lives: this prefix and the page's path.
API_PREFIX = "/api/v1"
#: How long the language chosen by ``?lang=`` is remembered (the ``lang`` cookie).
COOKIE_SECONDS = 365 * 86400


@dataclass(frozen=True)
class View:
    """What one request of a page shows and what its version depends on.

    ``build`` makes the context from the store (in a thread).  The version is the
    change counter of ``contest_id`` (None: of every contest), followed by
    ``extra(site)`` for data that changes apart from the protocols (lists,
    decisions, observers); ``version(site)`` replaces it entirely.  ``query`` is the
    part of the request, beside the path, that selects the answer (part of the cache
    key).  ``recipe`` names the :mod:`saylau.web.model` builder and arguments that
    make the same JSON in a worker process (:mod:`saylau.web.workers`).
    """

    build: Callable[[Store], Mapping[str, Any]]
    contest_id: str | None = None
    extra: Callable[[Site], str] | None = None
    version: Callable[[Site], Version] | None = None
    query: str = ""
    recipe: tuple[str, tuple[str, ...]] | None = None


def set_language(request: Request) -> str:
    """Resolve and record the page language (422 for an unsupported ``?lang=``)."""
    query = request.query_params.get("lang")
    lang = pick_language(query, request.cookies.get("lang"), request.headers.get("accept-language"))
    if lang is None:
        request.state.lang = pick_language(None, request.cookies.get("lang"), None) or "en"
        raise HTTPException(422, f"unsupported language '{query}': use en, ru or kk")
    request.state.lang = lang
    return lang


def check_api_language(request: Request) -> None:
    """The JSON is the same in every language, but an unsupported ``?lang=`` is still
    a bad parameter, as on the pages (422)."""
    query = request.query_params.get("lang")
    if query is not None and query.strip().lower() not in LANGUAGES:
        raise HTTPException(422, f"unsupported language '{query}'")


def remember_language(request: Request, response: Response) -> Response:
    """Keep the language asked for by ``?lang=`` in a cookie (on success only)."""
    if request.query_params.get("lang") and response.status_code < 400:
        # The resolved code (``RU`` was asked, ``ru`` is kept).
        lang = getattr(request.state, "lang", "en")
        response.set_cookie("lang", lang, max_age=COOKIE_SECONDS, samesite="lax")
    return response


async def version_of(site: Site, view: View) -> Version:
    """The version of ``view``'s data (see :class:`View`)."""
    if view.version is not None:
        return await run_in_threadpool(view.version, site)
    version, modified = await site.current_version(view.contest_id)
    if view.extra is not None:
        version = f"{version};{await run_in_threadpool(view.extra, site)}"
    return version, modified


async def serve(request: Request, view: View, *, template: str, api: bool) -> Response:
    """Answer ``request`` with ``view``: the page ``template`` or its JSON."""
    site = site_of(request)
    version, modified = await version_of(site, view)
    key = request.url.path + (f"?{view.query}" if view.query else "")
    if view.extra is not None or view.version is not None:
        # Off the fast path, which knows the contests' change counters only.
        key += "#extra"
    store = site.store
    response = await respond(
        request,
        build=lambda: view.build(store),
        template=template,
        api=api,
        key=key,
        version=version,
        last_modified=modified,
        contest_id=view.contest_id,
        recipe=view.recipe,
    )
    return response if api else remember_language(request, response)


ViewFunction = Callable[..., View]
Endpoint = Callable[..., Awaitable[Response]]
#: Every endpoint registered by :func:`page` (the page's and its twin's): its view,
#: template and whether it answers JSON.  ``saylau publish`` renders these from the
#: view directly (:mod:`saylau.web.publish_direct`), as :func:`serve` does.
VIEWS: dict[Endpoint, tuple[ViewFunction, str, bool]] = {}


def _endpoint(view: ViewFunction, name: str, template: str, api: bool) -> Endpoint:
    """A route endpoint taking ``view``'s parameters (path and query, as FastAPI reads
    them from its signature) besides the request.  The view's annotations are resolved
    here, in its own module's globals: define views at module level."""

    async def endpoint(request: Request, **params: Any) -> Response:
        if api:
            check_api_language(request)
        else:
            set_language(request)
        return await serve(request, view(**params), template=template, api=api)

    signature = inspect.signature(view, eval_str=True)
    first = inspect.Parameter(
        "request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request
    )
    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = view.__doc__
    endpoint.__module__ = view.__module__
    # FastAPI reads the parameters from the signature: the view's, after the request.
    params = [first, *signature.parameters.values()]
    joined = signature.replace(parameters=params, return_annotation=Response)
    setattr(endpoint, "__signature__", joined)  # noqa: B010 (mypy knows no __signature__)
    return endpoint


def page(
    router: APIRouter,
    path: str,
    *,
    template: str,
    api_path: str | None = None,
    **api_options: Any,
) -> Callable[[ViewFunction], ViewFunction]:
    """Register the view decorated as ``GET path`` (the HTML ``template``, named
    ``<view>_page``, not in the API schema) and ``GET api_path`` (default
    ``/api/v1`` + ``path``: the same context as JSON, named ``<view>_api``, with
    ``api_options`` such as ``tags`` and ``responses``; the view's docstring is its
    description)."""

    def register(view: ViewFunction) -> ViewFunction:
        name = view.__name__
        html = _endpoint(view, f"{name}_page", template, api=False)
        router.add_api_route(path, html, methods=["GET"], include_in_schema=False)
        twin = _endpoint(view, f"{name}_api", template, api=True)
        VIEWS[html], VIEWS[twin] = (view, template, False), (view, template, True)
        router.add_api_route(api_path or API_PREFIX + path, twin, methods=["GET"], **api_options)
        return view

    return register
