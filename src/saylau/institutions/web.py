"""Web routes of the institutions (included by ``saylau.web.create_app`` when importable).

JSON API:

* ``GET /api/v1/observers/summary`` — the CEC-style summary of the stored registry;
* ``GET /api/v1/contests/{contest}/irregularities/{station}`` — observers'
  reports attached to a station (the station page can show them);
* ``GET /observers`` — the summary as a page (plain HTML inside the site's layout).

Pages with the same context as JSON (``/api/v1`` + the page's path):

* ``/contests/{contest}/deputies`` — party -> deputies, how each took the seat, vacancies;
* ``/contests/{contest}/lists`` — registered candidate lists with the list-rule check;
* ``/contests/{contest}/chamber`` — factions, majority/opposition, committee posts,
  convocation;
* ``/contests/{contest}/president`` — a presidential round: elected / runoff required,
  the linked round;
* ``/contests/{contest}/assembly`` — the session electing the contest's indirect tier
  (the Assembly of People's 9): quorum, votes needed, elected;
* ``/maslikhats`` — every maslikhat's seats and the combined party view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from saylau.institutions import persist, stored_presidential, stored_sessions, views

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


def _observers_context(store: Any) -> dict[str, Any]:
    summary = persist.load_registry(store).summary()
    return {**summary.to_dict(), "lines": summary.lines()}


def _observers_version(store: Any) -> str:
    digest = hashlib.blake2b(digest_size=8)
    with store.engine.connect() as conn:
        for row in conn.execute(sa.select(persist.observers_t).order_by(persist.observers_t.c.id)):
            digest.update(repr(tuple(row)).encode("utf-8"))
    return digest.hexdigest()


@router.get("/observers", include_in_schema=False)
async def observers_page(request: Request) -> Response:
    """The CEC-style summary of the accredited observers, in the site's layout."""
    from saylau.web.render import respond

    _language(request, api=False)
    site = request.app.state.site
    version = await run_in_threadpool(_observers_version, site.store)
    return await respond(
        request,
        build=lambda: _observers_context(site.store),
        template="inst_observers.html",
        api=False,
        key="/observers#institutions",
        version=version,
    )


_CONTEST_VIEWS: dict[str, tuple[Callable[[Any, str], Mapping[str, Any]], str]] = {
    "deputies": (views.deputies_context, "inst_deputies.html"),
    "lists": (views.lists_context, "inst_lists.html"),
    "chamber": (views.chamber_context, "inst_chamber.html"),
    "president": (stored_presidential.presidential_context, "inst_president.html"),
    "assembly": (stored_sessions.session_context, "inst_assembly.html"),
}


def _language(request: Request, api: bool) -> None:
    if not api:
        from saylau.web.views import set_language

        set_language(request)


async def _contest_view(request: Request, contest_id: str, view: str, api: bool) -> Response:
    from saylau.web.render import respond

    _language(request, api)
    site = request.app.state.site
    version, modified = site.version(contest_id)  # NotFoundError -> 404
    if view == "president":
        # the linked round (runoff or first round) is another contest
        version = f"{version}+{site.version(None)[0]}"
    # Lists, decisions and vacancies change apart from the protocols: part of the version.
    extra = await run_in_threadpool(views.fingerprint, site.store, contest_id)
    build, template = _CONTEST_VIEWS[view]
    return await respond(
        request,
        build=lambda: build(site.store, contest_id),
        template=template,
        api=api,
        # not the bare path: the fast path would re-serve it on the counter alone
        key=f"{request.url.path}#institutions",
        version=f"{version}:{extra}",
        last_modified=modified,
        contest_id=contest_id,
    )


@router.get("/contests/{contest_id}/deputies", include_in_schema=False)
async def deputies_page(request: Request, contest_id: str) -> Response:
    return await _contest_view(request, contest_id, "deputies", api=False)


@router.get("/api/v1/contests/{contest_id}/deputies")
async def deputies_api(request: Request, contest_id: str) -> Response:
    """Party -> deputies (list order or the party's decision), vacancies filled."""
    return await _contest_view(request, contest_id, "deputies", api=True)


@router.get("/contests/{contest_id}/lists", include_in_schema=False)
async def lists_page(request: Request, contest_id: str) -> Response:
    return await _contest_view(request, contest_id, "lists", api=False)


@router.get("/api/v1/contests/{contest_id}/lists")
async def lists_api(request: Request, contest_id: str) -> Response:
    """Registered candidate lists in order, with the results of the law's list rules."""
    return await _contest_view(request, contest_id, "lists", api=True)


@router.get("/contests/{contest_id}/chamber", include_in_schema=False)
async def chamber_page(request: Request, contest_id: str) -> Response:
    return await _contest_view(request, contest_id, "chamber", api=False)


@router.get("/api/v1/contests/{contest_id}/chamber")
async def chamber_api(request: Request, contest_id: str) -> Response:
    """Factions, majority and opposition, committee chair/secretary posts, convocation."""
    return await _contest_view(request, contest_id, "chamber", api=True)


@router.get("/contests/{contest_id}/president", include_in_schema=False)
async def president_page(request: Request, contest_id: str) -> Response:
    return await _contest_view(request, contest_id, "president", api=False)


@router.get("/api/v1/contests/{contest_id}/president")
async def president_api(request: Request, contest_id: str) -> Response:
    """A presidential round: status (elected / runoff required / tie), shares on the
    law's base, the runoff's two candidates and the linked round."""
    return await _contest_view(request, contest_id, "president", api=True)


@router.get("/contests/{contest_id}/assembly", include_in_schema=False)
async def assembly_page(request: Request, contest_id: str) -> Response:
    return await _contest_view(request, contest_id, "assembly", api=False)


@router.get("/api/v1/contests/{contest_id}/assembly")
async def assembly_api(request: Request, contest_id: str) -> Response:
    """The session electing the contest's indirect tier: quorum, votes needed, elected."""
    return await _contest_view(request, contest_id, "assembly", api=True)


async def _maslikhats_view(request: Request, api: bool) -> Response:
    from saylau.web.render import respond

    _language(request, api)
    site = request.app.state.site
    ids = await run_in_threadpool(views.maslikhat_ids, site.store)
    versions = [site.version(c) for c in ids]
    stamps = [m for _, m in versions if m is not None]
    return await respond(
        request,
        build=lambda: views.maslikhats_context(site.store),
        template="inst_maslikhats.html",
        api=api,
        key=f"{request.url.path}#institutions",
        version=",".join([*ids, *(v for v, _ in versions)]),
        last_modified=max(stamps) if stamps else None,
    )


@router.get("/maslikhats", include_in_schema=False)
async def maslikhats_page(request: Request) -> Response:
    return await _maslikhats_view(request, api=False)


@router.get("/api/v1/maslikhats")
async def maslikhats_api(request: Request) -> Response:
    """Every maslikhat's seats (missing ones listed) and each party's combined seats."""
    return await _maslikhats_view(request, api=True)
