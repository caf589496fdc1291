"""Web routes of the institutions (included by ``saylau.web.create_app`` when importable).

JSON API:

* ``GET /api/v1/observers/summary`` — the CEC-style summary of the stored registry;
* ``GET /api/v1/contests/{contest}/irregularities/{station}`` — observers'
  reports attached to a station (the station page can show them);
* ``GET /observers`` — the summary as a page (plain HTML inside the site's layout).
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from saylau.institutions import persist

router = APIRouter(tags=["institutions"])


def _store(request: Request) -> Any:
    return request.app.state.site.store


@router.get("/api/v1/observers/summary")
async def observers_summary(request: Request) -> JSONResponse:
    """Accredited observers: international (by organisation, individual), countries, domestic."""
    summary = persist.load_registry(_store(request)).summary()
    return JSONResponse({"ok": True, **summary.to_dict()})


@router.get("/api/v1/contests/{contest_id}/irregularities/{station_id:path}")
def station_irregularities(request: Request, contest_id: str, station_id: str) -> JSONResponse:
    """Observers' reports of irregularities attached to one polling station, oldest first.

    An unknown contest or station is a 404 naming it.  Reports change apart from the
    contest's protocols, so the answer is never served from the results cache.
    """
    store = _store(request)
    store.contest(contest_id)
    store.division(contest_id, station_id)
    reports = persist.station_reports(store, station_id, contest_id)
    return JSONResponse(
        {
            "ok": True,
            "contest": contest_id,
            "station": station_id,
            "count": len(reports),
            "reports": [r.to_dict() for r in reports],
        },
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/observers", response_class=HTMLResponse, include_in_schema=False)
async def observers_page(request: Request) -> HTMLResponse:
    summary = persist.load_registry(_store(request)).summary()
    rows = "".join(
        f"<tr><td>{escape(o)}</td><td>{n}</td></tr>" for o, n in summary.organisations.items()
    )
    lines = "".join(f"<p>{escape(line)}</p>" for line in summary.lines())
    note = (
        f"<p><em>{summary.synthetic} records are synthetic placeholders.</em></p>"
        if summary.synthetic
        else ""
    )
    body = (
        f"<main><h1>Observers</h1>{lines}{note}<table><thead><tr><th>Organisation</th>"
        f"<th>Observers</th></tr></thead><tbody>{rows}</tbody></table></main>"
    )
    return HTMLResponse(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Observers"
        f"</title><link rel='stylesheet' href='/static/site.css'></head>"
        f"<body>{body}</body></html>"
    )
