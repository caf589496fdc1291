"""Routes of the results site: every page has a JSON twin under ``/api/v1``.

A view resolves the language, reads the contest's version (change counter) and
hands a context builder to :func:`saylau.web.render.respond`, which answers 304,
serves a cached rendering, or builds and renders the context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from saylau.web import model
from saylau.web.i18n import LANGUAGES, pick_language
from saylau.web.render import respond

router = APIRouter()

Level = Literal["country", "region", "district", "station", "all"]


class ErrorBody(BaseModel):
    """The body of every API error."""

    ok: Literal[False] = False
    error: str


ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown contest, division or station"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
}


NOT_MODIFIED = {
    "description": "Not Modified: the ETag sent in If-None-Match (or the time in "
    "If-Modified-Since) still holds; no body"
}


def _object(keys: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {k: {"description": text} for k, text in keys.items()},
    }


def documented(media: str, description: str, keys: Mapping[str, str] | None = None) -> Any:
    """The ``responses`` of an API route: its 200 answer in its real media type (the
    top-level keys of a JSON object described), 304, and the JSON errors."""
    if keys is not None:
        schema: dict[str, Any] = _object(keys)
    elif media == "application/pdf":
        schema = {"type": "string", "format": "binary"}
    elif media == "application/json":
        schema = {"type": "object"}
    else:
        schema = {"type": "string"}
    ok = {"description": description, "content": {media: {"schema": schema}}}
    return {200: ok, 304: NOT_MODIFIED, **ERRORS}


CONTEST_KEYS = {
    "contest": "id, title, election, date, law, status (preliminary|final), stations "
    "expected/reporting, last_update, certified_at, urls, synthetic",
    "totals": "registered, ballots_issued, ballots_cast, valid, invalid, against_all, "
    "turnout (percent)",
}


def set_language(request: Request) -> str:
    """Resolve and record the page language (422 for an unsupported ``?lang=``)."""
    query = request.query_params.get("lang")
    lang = pick_language(query, request.cookies.get("lang"), request.headers.get("accept-language"))
    if lang is None:
        request.state.lang = pick_language(None, request.cookies.get("lang"), None) or "en"
        raise HTTPException(422, f"unsupported language '{query}': use en, ru or kk")
    request.state.lang = lang
    return lang


def _with_cookie(request: Request, response: Response) -> Response:
    if request.query_params.get("lang") and response.status_code < 400:
        # The resolved code (``RU`` was asked, ``ru`` is kept).
        lang = getattr(request.state, "lang", "en")
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return response


async def _version(request: Request, contest_id: str | None) -> tuple[str, dt.datetime | None]:
    site = request.app.state.site
    cached = site.cached_version(contest_id)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    return await site.flights.run(  # type: ignore[no-any-return]
        ("version", contest_id or "*"), lambda: run_in_threadpool(site.version, contest_id)
    )


async def _page(
    request: Request,
    *,
    api: bool,
    template: str,
    contest_id: str | None,
    build: Any,
    recipe: tuple[str, tuple[str, ...]] | None = None,
    extra_version: Any = None,
) -> Response:
    if not api:
        set_language(request)
    elif request.query_params.get("lang", "en").strip().lower() not in LANGUAGES:
        # The JSON is the same in every language, but an unsupported language is
        # still a bad parameter, as on the pages.
        raise HTTPException(422, f"unsupported language '{request.query_params['lang']}'")
    version, modified = await _version(request, contest_id)
    store = request.app.state.site.store
    if extra_version is not None:
        version = f"{version};{await run_in_threadpool(extra_version, store)}"
    response = await respond(
        request,
        build=lambda: build(store),
        template=template,
        api=api,
        # A resource whose version has an extra part (the statement's observers) is
        # kept off the fast path, which knows the contest's change counter only.
        key=request.url.path if extra_version is None else request.url.path + "#extra",
        version=version,
        last_modified=modified,
        contest_id=contest_id,
        recipe=recipe,
    )
    return response if api else _with_cookie(request, response)


# Election day -------------------------------------------------------------------------


@router.get("/", include_in_schema=False)
async def election_day_page(request: Request) -> Response:
    return await _page(
        request, api=False, template="index.html", contest_id=None, build=model.election_day
    )


@router.get(
    "/api/v1/contests",
    tags=["results"],
    response_class=Response,
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
)
async def election_day_api(request: Request) -> Response:
    """Every contest: stations counted / expected, turnout, status, last update."""
    return await _page(
        request,
        api=True,
        template="",
        contest_id=None,
        build=model.election_day,
        recipe=("election_day", ()),
    )


# Contest ------------------------------------------------------------------------------


@router.get("/contests/{contest_id}", include_in_schema=False)
async def contest_page(request: Request, contest_id: str) -> Response:
    return await _page(
        request,
        api=False,
        template="contest.html",
        contest_id=contest_id,
        build=lambda s: model.contest_page(s, contest_id),
    )


@router.get(
    "/api/v1/contests/{contest_id}",
    tags=["results"],
    response_class=Response,
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
)
async def contest_api(request: Request, contest_id: str) -> Response:
    """A contest's totals, votes and % per party, threshold, seats of every tier, the
    allocation step log and its top-level areas."""
    return await _page(
        request,
        api=True,
        template="",
        contest_id=contest_id,
        build=lambda s: model.contest_page(s, contest_id),
        recipe=("contest_page", (contest_id,)),
    )


# Divisions and stations ---------------------------------------------------------------


@router.get("/contests/{contest_id}/divisions/{division_id:path}", include_in_schema=False)
async def division_page(request: Request, contest_id: str, division_id: str) -> Response:
    return await _page(
        request,
        api=False,
        template="division.html",
        contest_id=contest_id,
        build=lambda s: model.division_page(s, contest_id, division_id),
    )


@router.get(
    "/api/v1/contests/{contest_id}/divisions/{division_id:path}",
    tags=["results"],
    response_class=Response,
    responses=documented(
        "application/json",
        "A division's results",
        {
            **CONTEST_KEYS,
            "division": "id, name, level, parent_id, country, stations expected/reporting",
            "breadcrumbs": "the divisions from the contest down to this one",
            "parties": "per party: name, votes, percent, color",
            "children_heading": "Regions, Districts, Countries or Polling stations",
            "children": "per child: id, name, level, country, urls, stations, totals, leader",
        },
    ),
)
async def division_api(request: Request, contest_id: str, division_id: str) -> Response:
    """A division (region, district, country abroad): totals, votes, its children."""
    return await _page(
        request,
        api=True,
        template="",
        contest_id=contest_id,
        build=lambda s: model.division_page(s, contest_id, division_id),
        recipe=("division_page", (contest_id, division_id)),
    )


@router.get("/contests/{contest_id}/stations/{station_id:path}", include_in_schema=False)
async def station_page(request: Request, contest_id: str, station_id: str) -> Response:
    return await _page(
        request,
        api=False,
        template="station.html",
        contest_id=contest_id,
        build=lambda s: model.station_page(s, contest_id, station_id),
    )


@router.get(
    "/api/v1/contests/{contest_id}/stations/{station_id:path}",
    tags=["results"],
    response_class=Response,
    responses=documented(
        "application/json",
        "A polling station",
        {
            **CONTEST_KEYS,
            "station": "id, name, level, parent_id, country, status (accepted, flagged, "
            "rejected, missing), updated_at",
            "protocol": "the current protocol as submitted: version, fields, votes",
            "relations": "each control relation: name, description, ok, result, detail",
            "versions": "every version, newest first: version, created_at, actor, reason, "
            "status, hash, protocol, changes (field, party, old, new against the one before)",
            "irregularities": "observers' reports attached to the station",
        },
    ),
)
async def station_api(request: Request, contest_id: str, station_id: str) -> Response:
    """A polling station: its protocol as submitted, each control relation's result and
    the version history."""
    return await _page(
        request,
        api=True,
        template="",
        contest_id=contest_id,
        build=lambda s: model.station_page(s, contest_id, station_id),
        recipe=("station_page", (contest_id, station_id)),
    )


# Statement and exports ----------------------------------------------------------------


@router.get("/contests/{contest_id}/statement", include_in_schema=False)
async def statement_page(request: Request, contest_id: str) -> Response:
    return await _page(
        request,
        api=False,
        template="statement.html",
        contest_id=contest_id,
        build=lambda s: model.statement(s, contest_id),
        extra_version=lambda s: model.observers_version(s, contest_id),
    )


@router.get(
    "/api/v1/contests/{contest_id}/statement",
    tags=["results"],
    response_class=Response,
    responses=documented(
        "application/json",
        "The statement's figures",
        {
            **CONTEST_KEYS,
            "parties": "per party: name, votes, percent, passed, seats",
            "seats_total": "every seat, reserved tiers included",
            "observers": "accredited observers: total, international, domestic, "
            "organisations, countries (null while none are accredited)",
            "generated": "when the statement was made (UTC)",
        },
    ),
)
async def statement_api(request: Request, contest_id: str) -> Response:
    """The official statement of results: voters, ballots, turnout, votes and % per
    party, who passed the threshold, seats of every tier, accredited observers
    (``null`` while none are accredited)."""
    return await _page(
        request,
        api=True,
        template="",
        contest_id=contest_id,
        build=lambda s: model.statement(s, contest_id),
        extra_version=lambda s: model.observers_version(s, contest_id),
    )


async def _download(
    request: Request,
    contest_id: str,
    key: str,
    media: str,
    filename: str,
    make: Any,
    extra_version: Any = None,
) -> Response:
    version, modified = await _version(request, contest_id)
    site = request.app.state.site
    if extra_version is not None:
        version = f"{version};{await run_in_threadpool(extra_version, site.store)}"
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
        extra_version=lambda s: model.observers_version(s, contest_id),
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
    from saylau.web.render import to_json_bytes

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
    from saylau.web.render import to_json_bytes

    return await _download(
        request,
        contest_id,
        f"nist|{contest_id}",
        "application/json",
        f"{model.file_stem(contest_id)}-nist-1500-100.json",
        lambda s: to_json_bytes(model.export_nist(s, contest_id)),
    )
