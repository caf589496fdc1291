"""``/docs``: the API reference as a plain page (no CDN, no script), every language.

The example answers of the public operations are got from the app itself
(:func:`saylau.web.api_docs.collect_examples`) and kept ``EXAMPLES_TTL`` seconds: a
reference needs no live figures, and on election night the data change every second.
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
    """The example answers of the public operations, asked at most every
    ``EXAMPLES_TTL`` seconds and by one request at a time (the others wait for it)."""
    state = request.app.state
    lock: asyncio.Lock | None = getattr(state, "api_examples_lock", None)
    if lock is None:
        lock = state.api_examples_lock = asyncio.Lock()
    async with lock:
        kept: tuple[float, dict[str, Example | None]] | None = getattr(state, "api_examples", None)
        if kept is not None and time.monotonic() - kept[0] < EXAMPLES_TTL:
            return kept[1]
        public = [op for op in operations(openapi) if op["audience"] == PUBLIC]
        found = await collect_examples(request.app, public)
        state.api_examples = (time.monotonic(), found)
        return found


@router.get("/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    set_language(request)
    openapi = request.app.openapi()
    ctx = docs_context(openapi, await examples_of(request, openapi))
    ctx.update(page_globals(request))
    html = site_of(request).templates.get_template("api_docs.html").render(ctx)
    return remember_language(request, HTMLResponse(html))


@router.get("/api", include_in_schema=False)
async def api_root(request: Request) -> Response:
    """``/api`` (a natural guess for the API's address) leads to its reference."""
    query = request.url.query
    return RedirectResponse("/docs" + (f"?{query}" if query else ""), status_code=307)
