"""Routes of the results site: every page has a JSON twin under ``/api/v1``.

Each view names the context builder of :mod:`saylau.web.model` and the contest whose
change counter versions it; :func:`saylau.web.pages.page` registers the page and its
twin, and :func:`saylau.web.render.respond` answers 304, serves a cached rendering,
or builds and renders the context.  The downloads (statement PDF, CSV, JSON, NIST)
are plain API routes with the same versioning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from saylau.store import Store
from saylau.web import model
from saylau.web.encode import to_json_bytes
from saylau.web.pages import View, page, set_language, version_of
from saylau.web.render import respond, site_of
from saylau.web.responses import documented
from saylau.web.site import Site

router = APIRouter()

Level = Literal["country", "region", "district", "station", "all"]

CONTEST_KEYS = {
    "contest": "id, title, election, date, law, status (preliminary|final), stations "
    "expected/reporting, last_update, certified_at, urls, synthetic",
    "totals": "registered, ballots_issued, ballots_cast, valid, invalid, against_all, "
    "turnout (percent)",
}
#: A division's or a station's document names its contest without the contest's
#: progress (that moves with every protocol: see ``model.contest_identity``).
PLACE_KEYS = {
    **CONTEST_KEYS,
    "contest": "id, title, election, date, law, status (preliminary|final), certified_at, "
    "urls, synthetic",
}


def _worker_view(builder: str, contest_id: str, *args: str) -> View:
    """The view ``model.<builder>(store, contest_id, *args)`` builds, here or, by the
    same name and arguments, in a worker process (``saylau.web.workers.BUILDERS``)."""
    make = getattr(model, builder)
    return View(
        lambda s: make(s, contest_id, *args),
        contest_id=contest_id,
        recipe=(builder, (contest_id, *args)),
    )


#: The options every API twin of this module shares.
API: dict[str, Any] = {"tags": ["results"], "response_class": Response}


# Election day -------------------------------------------------------------------------


@page(
    router,
    "/",
    template="index.html",
    api_path="/api/v1/contests",
    responses=documented(
        "application/json",
        "Every contest of the day",
        {
            "contests": "one object per contest: its identity and progress (as `contest` "
            "of a contest), turnout, registered, ballots_cast, maslikhat (true for a "
            "local council), synthetic",
            "has_maslikhats": "whether maslikhats are stored",
        },
    ),
    **API,
)
def election_day() -> View:
    """Every contest: stations counted / expected, turnout, status, last update."""
    return View(model.election_day, recipe=("election_day", ()))


# Contest ------------------------------------------------------------------------------


@page(
    router,
    "/contests/{contest_id}",
    template="contest.html",
    responses=documented(
        "application/json",
        "The contest's results",
        {
            **CONTEST_KEYS,
            "threshold": "the threshold in percent (null without one)",
            "parties": "per party: name, votes, percent, passed, seats, seats_percent, color",
            "seat_groups": "the hemicycle's groups: label, seats, color, reserved (true "
            "for seats not chosen by the popular vote)",
            "seats_total": "every seat, reserved tiers included",
            "reserved_seats": "seats filled outside the popular vote",
            "allocation": "method, quota or divisor (exact 'p/q' and decimal), steps, ties",
            "children": "the top-level areas with their totals",
        },
    ),
    **API,
)
def contest(contest_id: str) -> View:
    """A contest's totals, votes and % per party, threshold, seats of every tier, the
    allocation step log and its top-level areas."""
    return _worker_view("contest_page", contest_id)


# Find a station ----------------------------------------------------------------------


@page(
    router,
    "/search",
    template="search.html",
    responses=documented(
        "application/json",
        "Divisions whose id or name holds the query",
        {
            "query": "the text searched for",
            "groups": "per contest: contest (as in a contest), results (id, name, level, url), "
            "up to 20 each",
        },
    ),
    **API,
)
def search(
    q: Annotated[
        str, Query(max_length=200, description="station id, commission number or place name")
    ] = "",
) -> View:
    """Find a polling station or an area by its id, its commission number or its name."""
    return View(lambda s: model.search(s, q), query=f"q={q}")


# Divisions and stations ---------------------------------------------------------------


@page(
    router,
    "/contests/{contest_id}/divisions/{division_id:path}",
    template="division.html",
    responses=documented(
        "application/json",
        "A division's results",
        {
            **PLACE_KEYS,
            "division": "id, name, level, parent_id, country, stations expected/reporting",
            "breadcrumbs": "the divisions from the contest down to this one",
            "parties": "per party: name, votes, percent, color",
            "children_heading": "Regions, Districts, Countries or Polling stations",
            "children": "per child: id, name, level, country, urls, stations, totals, leader",
        },
    ),
    **API,
)
def division(contest_id: str, division_id: str) -> View:
    """A division (region, district, country abroad): totals, votes, its children."""
    return _worker_view("division_page", contest_id, division_id)


@page(
    router,
    "/contests/{contest_id}/stations/{station_id:path}",
    template="station.html",
    responses=documented(
        "application/json",
        "A polling station",
        {
            **PLACE_KEYS,
            "station": "id, name, level, parent_id, country, status (accepted, flagged, "
            "rejected, missing), updated_at",
            "protocol": "the current protocol as submitted: version, fields, votes",
            "relations": "each control relation: name, description, ok, result, detail",
            "versions": "every version, newest first: version, created_at, actor, reason, "
            "status, hash, protocol, changes (field, party, old, new against the one before)",
            "irregularities": "observers' reports attached to the station",
        },
    ),
    **API,
)
def station(contest_id: str, station_id: str) -> View:
    """A polling station: its protocol as submitted, each control relation's result and
    the version history."""
    return _worker_view("station_page", contest_id, station_id)


# Statement and exports ----------------------------------------------------------------


@page(
    router,
    "/contests/{contest_id}/statement",
    template="statement.html",
    responses=documented(
        "application/json",
        "The statement's figures",
        {
            **CONTEST_KEYS,
            "parties": "per party: name, votes, percent, passed, seats",
            "seats_total": "every seat, reserved tiers included",
            "observers": "accredited observers: total, international, domestic, "
            "organisations, countries (null while none are accredited)",
            "generated": "the time of the data stated: the contest's last update (UTC)",
        },
    ),
    **API,
)
def statement(contest_id: str) -> View:
    """The official statement of results: voters, ballots, turnout, votes and % per
    party, who passed the threshold, seats of every tier, accredited observers
    (``null`` while none are accredited)."""
    return View(
        lambda s: model.statement(s, contest_id),
        contest_id=contest_id,
        extra=lambda site: model.observers_version(site.store, contest_id),
    )


async def _download(
    request: Request,
    contest_id: str,
    key: str,
    media: str,
    filename: str,
    make: Callable[[Store], bytes],
    extra: Callable[[Site], str] | None = None,
) -> Response:
    """A file of the contest (``make`` writes its bytes), versioned as its pages."""
    site = site_of(request)
    version, modified = await version_of(
        site, View(lambda _: {}, contest_id=contest_id, extra=extra)
    )
    response = await respond(
        request,
        build=lambda: {"body": make(site.store)},
        template="",
        api=True,
        key=key,
        version=version,
        last_modified=modified,
        raw=True,
    )
    if response.status_code == 200:
        response.headers["content-type"] = media
        response.headers["content-disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/contests/{contest_id}/statement.pdf",
    tags=["exports"],
    response_class=Response,
    responses=documented("application/pdf", "The statement as an A4 PDF"),
)
async def statement_pdf(request: Request, contest_id: str) -> Response:
    """The official statement of results as PDF (in the page language)."""
    lang = set_language(request)
    from saylau.web.statement import statement_pdf as render_pdf

    return await _download(
        request,
        contest_id,
        f"pdf|{contest_id}|{lang}",
        "application/pdf",
        f"statement-{model.file_stem(contest_id)}-{lang}.pdf",
        lambda s: render_pdf(model.statement(s, contest_id), lang),
        extra=lambda site: model.observers_version(site.store, contest_id),
    )


@router.get(
    "/api/v1/contests/{contest_id}/export.csv",
    tags=["exports"],
    response_class=Response,
    responses=documented(
        "text/csv",
        "UTF-8 CSV: id, name, level, parent, country, stations_expected, "
        "stations_reporting, registered, ballots_issued, ballots_cast, valid, invalid, "
        "against_all, turnout, then one party:<name> column per party",
    ),
)
async def export_csv(
    request: Request,
    contest_id: str,
    level: Annotated[Level, Query(description="division level of the rows")] = "region",
) -> Response:
    """One CSV row per division of ``level`` (formula-injection safe)."""
    return await _download(
        request,
        contest_id,
        f"csv|{contest_id}|{level}",
        "text/csv; charset=utf-8",
        f"{model.file_stem(contest_id)}-{level}.csv",
        lambda s: model.export_csv(s, contest_id, level).encode("utf-8"),
    )


@router.get(
    "/api/v1/contests/{contest_id}/export.json",
    tags=["exports"],
    response_class=Response,
    responses=documented(
        "application/json",
        "The contest's results and its divisions",
        {
            **CONTEST_KEYS,
            "level": "the level asked for",
            "divisions": "one record per division: id, name, level, parent, country, "
            "stations_expected, stations_reporting, totals, votes",
        },
    ),
)
async def export_json(
    request: Request,
    contest_id: str,
    level: Annotated[Level, Query(description="division level of the rows")] = "all",
) -> Response:
    """The contest's results and one record per division of ``level``."""
    return await _download(
        request,
        contest_id,
        f"json|{contest_id}|{level}",
        "application/json",
        f"{model.file_stem(contest_id)}-{level}.json",
        lambda s: to_json_bytes(model.export_json(s, contest_id, level)),
    )


@router.get(
    "/api/v1/contests/{contest_id}/nist.json",
    tags=["exports"],
    response_class=Response,
    responses=documented(
        "application/json",
        "A NIST SP 1500-100 v2 ElectionReport (Status unofficial-partial, "
        "unofficial-complete or certified)",
    ),
)
async def export_nist(request: Request, contest_id: str) -> Response:
    """NIST SP 1500-100 v2 ElectionReport (JSON) with every division as a GpUnit."""
    return await _download(
        request,
        contest_id,
        f"nist|{contest_id}",
        "application/json",
        f"{model.file_stem(contest_id)}-nist-1500-100.json",
        lambda s: to_json_bytes(model.export_nist(s, contest_id)),
    )
