"""Routes of the institutions: deputies, lists, chamber, president, Assembly, maslikhats
and the observers.

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

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from saylau.institutions import persist, stored_presidential, stored_sessions, views
from saylau.store import Store
from saylau.web.pages import View, page, serve, set_language
from saylau.web.render import site_of
from saylau.web.site import Site, Version

router = APIRouter(tags=["institutions"])

#: A context builder of one contest's institution page.
ContestContext = Callable[[Store, str], Mapping[str, Any]]


@router.get("/api/v1/observers/summary")
async def observers_summary(request: Request) -> JSONResponse:
    """Accredited observers: international (by organisation, individual), countries, domestic."""
    summary = persist.load_registry(site_of(request).store).summary()
    return JSONResponse({"ok": True, **summary.to_dict()})


@router.get("/api/v1/contests/{contest_id}/irregularities/{station_id:path}")
def station_irregularities(request: Request, contest_id: str, station_id: str) -> JSONResponse:
    """Observers' reports of irregularities attached to one polling station, oldest first.

    An unknown contest or station is a 404 naming it.  Reports change apart from the
    contest's protocols, so the answer is never served from the results cache.
    """
    store = site_of(request).store
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


def _observers_context(store: Store) -> dict[str, Any]:
    summary = persist.load_registry(store).summary()
    return {**summary.to_dict(), "lines": summary.lines()}


def _observers_version(site: Site) -> Version:
    # The registry changes apart from every contest: its digest is the version.
    digest = hashlib.blake2b(digest_size=8)
    for observer in persist.load_registry(site.store).observers:
        digest.update(repr(sorted(observer.to_dict().items())).encode("utf-8"))
    return digest.hexdigest(), None


@router.get("/observers", include_in_schema=False)
async def observers_page(request: Request) -> Response:
    """The CEC-style summary of the accredited observers, in the site's layout."""
    set_language(request)
    view = View(_observers_context, version=_observers_version)
    return await serve(request, view, template="inst_observers.html", api=False)


def _institution(contest_id: str, build: ContestContext) -> View:
    # Lists, decisions and vacancies change apart from the protocols: part of the version.
    return View(
        lambda store: build(store, contest_id),
        contest_id=contest_id,
        extra=lambda site: views.fingerprint(site.store, contest_id),
    )


@page(router, "/contests/{contest_id}/deputies", template="inst_deputies.html")
def deputies(contest_id: str) -> View:
    """Party -> deputies (list order or the party's decision), vacancies filled."""
    return _institution(contest_id, views.deputies_context)


@page(router, "/contests/{contest_id}/lists", template="inst_lists.html")
def lists(contest_id: str) -> View:
    """Registered candidate lists in order, with the results of the law's list rules."""
    return _institution(contest_id, views.lists_context)


@page(router, "/contests/{contest_id}/chamber", template="inst_chamber.html")
def chamber(contest_id: str) -> View:
    """Factions, majority and opposition, committee chair/secretary posts, convocation."""
    return _institution(contest_id, views.chamber_context)


@page(router, "/contests/{contest_id}/president", template="inst_president.html")
def president(contest_id: str) -> View:
    """A presidential round: status (elected / runoff required / tie), shares on the
    law's base, the runoff's two candidates and the linked round."""
    return View(
        lambda store: stored_presidential.presidential_context(store, contest_id),
        contest_id=contest_id,
        # the linked round (runoff or first round) is another contest
        extra=lambda site: f"{site.version(None)[0]}:{views.fingerprint(site.store, contest_id)}",
    )


@page(router, "/contests/{contest_id}/assembly", template="inst_assembly.html")
def assembly(contest_id: str) -> View:
    """The session electing the contest's indirect tier: quorum, votes needed, elected."""
    return _institution(contest_id, stored_sessions.session_context)


def _maslikhats_version(site: Site) -> Version:
    ids = views.maslikhat_ids(site.store)
    versions = [site.version(c) for c in ids]
    stamps = [m for _, m in versions if m is not None]
    return ",".join([*ids, *(v for v, _ in versions)]), max(stamps) if stamps else None


@page(router, "/maslikhats", template="inst_maslikhats.html")
def maslikhats() -> View:
    """Every maslikhat's seats (missing ones listed) and each party's combined seats."""
    return View(views.maslikhats_context, version=_maslikhats_version)
