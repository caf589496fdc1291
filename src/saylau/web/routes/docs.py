"""``/docs``: the API reference as a plain page (no CDN, no script), every language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from saylau.web.api_docs import docs_context
from saylau.web.pages import remember_language, set_language
from saylau.web.render import page_globals, site_of

router = APIRouter()


@router.get("/docs", include_in_schema=False)
async def api_docs(request: Request) -> Response:
    set_language(request)
    ctx = docs_context(request.app.openapi())
    ctx.update(page_globals(request))
    html = site_of(request).templates.get_template("api_docs.html").render(ctx)
    return remember_language(request, HTMLResponse(html))
