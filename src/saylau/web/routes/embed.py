"""``/embed/contests/{id}``: a contest's hemicycle, party bars and counted stations,
small enough for a news site's iframe (``docs/publish.md`` has the snippet).

The page is the contest page's context in a template of its own; unlike every other
page it may be framed by any site (``frame-ancestors *``), and it loads nothing but
saylau's own stylesheet.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from saylau.web import model
from saylau.web.pages import View, serve, set_language

router = APIRouter()

#: The page CSP, but any site may frame the embed.
EMBED_CSP = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; frame-ancestors *; form-action 'none'; base-uri 'none'"
)


@router.get("/embed/contests/{contest_id}", include_in_schema=False, name="embed_page")
async def embed(request: Request, contest_id: str) -> Response:
    """The embeddable summary of a contest, in the page's language."""
    set_language(request)
    view = View(lambda s: model.contest_page(s, contest_id), contest_id=contest_id)
    response = await serve(request, view, template="embed.html", api=False)
    response.headers["Content-Security-Policy"] = EMBED_CSP
    return response
