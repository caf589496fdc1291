"""``/docs``: the API reference as a plain page (no CDN, no script), every language.

The example answers of the public operations are got from the app itself
(:func:`saylau.web.api_docs.collect_examples`) and asked again in the background once
they are ``EXAMPLES_TTL`` seconds old: a reference needs no live figures, and on
election night the data change every second.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from saylau.web.api_docs import PUBLIC, Example, collect_examples, docs_context, operations
from saylau.web.pages import remember_language, set_language
from saylau.web.render import page_globals, site_of

router = APIRouter()

#: Seconds the example answers are reused before they are asked again.
EXAMPLES_TTL = 600.0


async def examples_of(request: Request, openapi: dict[str, Any]) -> dict[str, Example | None]:
    """The example answers of the public operations.  The first request asks for them
    (the others wait for it); once they are ``EXAMPLES_TTL`` seconds old, a request
    starts asking again in the background and is answered with the kept ones."""
    state = request.app.state
    lock: asyncio.Lock | None = getattr(state, "api_examples_lock", None)
    if lock is None:
        lock = state.api_examples_lock = asyncio.Lock()

    async def ask() -> dict[str, Example | None]:
        public = [op for op in operations(openapi) if op["audience"] == PUBLIC]
        found = await collect_examples(request.app, public)
        state.api_examples = (time.monotonic(), found)
        return found

    kept: tuple[float, dict[str, Example | None]] | None = getattr(state, "api_examples", None)
    if kept is None:
        async with lock:
            kept = getattr(state, "api_examples", None)
            return kept[1] if kept is not None else await ask()
    if time.monotonic() - kept[0] >= EXAMPLES_TTL and not lock.locked():

        async def refresh() -> None:
            async with lock:
                await ask()

        # Kept on the state: a task nobody references may be collected mid-way.
        state.api_examples_refresh = asyncio.ensure_future(refresh())
    return kept[1]


@router.get("/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    set_language(request)
    openapi = request.app.openapi()
    page = page_globals(request)
    ctx = docs_context(openapi, await examples_of(request, openapi), page["fmt"].gettext)
    ctx.update(page)
    html = site_of(request).templates.get_template("api_docs.html").render(ctx)
    return remember_language(request, HTMLResponse(html))


@router.get("/api", include_in_schema=False)
async def api_root(request: Request) -> Response:
    """``/api`` (a natural guess for the API's address) leads to its reference."""
    query = request.url.query
    return RedirectResponse("/docs" + (f"?{query}" if query else ""), status_code=307)
