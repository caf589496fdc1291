"""Contexts of the site's pages: plain JSON-able dicts built from the result model.

Each function builds one context from the store's :mod:`saylau.results` objects
(``Store.results``, ``Store.station``); the page renders it with a template, the
API returns it as JSON, and ``saylau results --json`` prints the same document,
so all of them show the same figures.  Percentages here are for display (rounded
floats); the exact figures are in ``turnout_exact`` and the allocation
(``Fraction`` strings).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import quote

from saylau.analysis.previous import contest_comparison, division_comparison
from saylau.analysis.proportionality import indices
from saylau.analysis.swing import Comparison
from saylau.errors import NotFoundError
from saylau.institutions import persist, stored_sessions, views
from saylau.results import ContestInfo, ContestResult, outcome, share
from saylau.results.exports import nist_report, to_csv
from saylau.results.tree import path_to_root
from saylau.store import Store
from saylau.store.audit import published_head
from saylau.store.divisions import LEVELS
from saylau.tabulate.fields import COUNT_FIELDS, PARTY_PREFIX
from saylau.web.colors import RESERVED_COLOR, party_colors

#: Headings of a division's children, by the children's level.
CHILD_HEADINGS: dict[str, str] = {
    "region": "Regions",
    "district": "Districts",
    "station": "Polling stations",
    "country": "Countries",
    "abroad": "Abroad",
}


def q(value: str) -> str:
    """A path segment for an id (ids are data: anything may be in them)."""
    return quote(value, safe="")


def contest_url(cid: str) -> str:
    return f"/contests/{q(cid)}"


def division_url(cid: str, did: str) -> str:
    return f"/contests/{q(cid)}/divisions/{q(did)}"


def station_url(cid: str, sid: str) -> str:
    return f"/contests/{q(cid)}/stations/{q(sid)}"


def contest_summary(info: ContestInfo) -> dict[str, Any]:
    """A contest's identity and progress (one card of the election-day page)."""
    return {
        "id": info.id,
        "title": info.title,
        "election": info.election,
        "date": info.date,
        "law": info.law,
        "status": info.status,
        "stations_expected": info.stations_expected,
        "stations_reporting": info.stations_reporting,
        "last_update": info.last_update,
        "certified_at": info.certified_at,
        "certified_by": getattr(info, "certified_by", None),
        "change_counter": info.change_counter,
        # Kept by the store for every ingested file (migration 0003 set it on older
        # databases), so every page and export of the demo says it is synthetic.
        "synthetic": bool(getattr(info, "synthetic", False)),
        "url": contest_url(info.id),
        "api_url": "/api/v1" + contest_url(info.id),
        "statement_url": contest_url(info.id) + "/statement",
    }


#: What changes with every protocol: left out of the documents of a division or a
#: station, so that one amended station changes its own documents and its ancestors'
#: (their figures), not the 10,000 others (a published mirror rewrites only those).
PROGRESS_KEYS = ("stations_expected", "stations_reporting", "last_update", "change_counter")


def contest_identity(info: ContestInfo) -> dict[str, Any]:
    """A contest's identity and status (:func:`contest_summary` without its progress)."""
    return {k: v for k, v in contest_summary(info).items() if k not in PROGRESS_KEYS}


def election_day(store: Store) -> dict[str, Any]:
    """Every contest with stations counted / expected, turnout, status, last update."""
    cards = []
    maslikhats = set(views.maslikhat_ids(store))
    for info in store.contests():
        card = contest_summary(info)
        res = store.results(info.id)
        card["turnout"] = res.totals.turnout_percent
        card["registered"] = res.totals.registered
        card["ballots_cast"] = res.totals.ballots_cast
        card.update(headline(res))
        # Maslikhats (local councils, up to ~200 on the day) are listed as one table
        # under the national contests rather than as a card each.
        card["maslikhat"] = info.id in maslikhats
        cards.append(card)
    return {"contests": cards, "has_maslikhats": bool(maslikhats)}


def headline(res: ContestResult, leaders: int = 3) -> dict[str, Any]:
    """A card's headline: the leading parties (by seats, then votes) with their seats
    and vote share, every seat group for the seat bar, and the share of stations
    counted (percent, None before any is expected)."""
    votes = dict(res.totals.votes)
    colors = party_colors(votes)
    seats = res.party_seats
    ranked = sorted(votes, key=lambda p: (-seats.get(p, 0), -votes[p]))
    expected = res.totals.stations_expected
    return {
        "leaders": [
            {
                "name": p,
                "seats": seats.get(p, 0),
                "percent": share(votes[p], res.totals.valid),
                "color": colors[p],
            }
            for p in ranked[:leaders]
            if votes[p] > 0
        ],
        "seat_bar": [
            {"name": p, "seats": seats[p], "color": colors[p], "reserved": False}
            for p in ranked
            if seats.get(p, 0)
        ]
        + [
            {
                "name": t.title or t.name or t.kind,
                "seats": t.seats,
                "color": RESERVED_COLOR,
                "reserved": True,
            }
            for t in res.reserved
        ],
        "seats_total": res.seats_total,
        "counted_percent": share(res.totals.stations_reporting, expected) if expected else None,
    }


def search(store: Store, query: str) -> dict[str, Any]:
    """Divisions of every contest whose id or name holds ``query`` (a station id,
    commission number or place name, in any of the site's languages: the store keeps
    names as ingested, so a Russian or Kazakh name is looked for as stored too),
    grouped by contest, with their pages' urls."""
    from saylau.store.model import DivisionInfo
    from saylau.store.search import find_divisions
    from saylau.web.names import stored_forms

    asked = [query, *stored_forms(query)]
    groups = []
    for info in store.contests():
        found: list[DivisionInfo] = []
        seen: set[str] = set()
        for text in asked:
            for d in find_divisions(store, info.id, text):
                if d.id not in seen and len(found) < 20:
                    seen.add(d.id)
                    found.append(d)
        if found:
            groups.append(
                {
                    "contest": contest_summary(info),
                    "results": [
                        {
                            "id": d.id,
                            "name": d.name,
                            "level": d.level,
                            "url": station_url(info.id, d.id)
                            if d.level == "station"
                            else division_url(info.id, d.id),
                        }
                        for d in found
                    ],
                }
            )
    return {"query": query, "groups": groups}


def ancestors(store: Store, cid: str, did: str) -> list[str]:
    """Ids from the root down to ``did``'s parent."""
    return path_to_root(did, lambda d: store.division(cid, d).parent_id)[:-1]


def parties(store: Store, cid: str) -> list[str]:
    """The contest's parties in ballot order."""
    return list(store.results(cid).totals.votes)


def _breadcrumbs(store: Store, cid: str, title: str, path: Sequence[str]) -> list[dict[str, Any]]:
    """Contest › region › district › … for the divisions of ``path`` (root excluded)."""
    crumbs: list[dict[str, Any]] = [{"name": title, "url": contest_url(cid), "id": None}]
    for did in list(path)[1:]:
        div = store.division(cid, did)
        url = station_url(cid, did) if div.level == "station" else division_url(cid, did)
        crumbs.append({"name": div.name, "url": url, "id": did, "level": div.level})
    return crumbs


def child_rows(store: Store, cid: str, division_id: str) -> list[dict[str, Any]]:
    """One row per child division: its totals, stations counted, leading party."""
    rows = []
    kids = store.children(cid, division_id)
    # One query for every non-station division's stored totals, not one per child.
    stored = store.aggregates(cid) if any(k.level != "station" for k in kids) else {}
    # The stored aggregates count the stations that reported where no list was
    # registered; shown as unknown, as ``Store.results`` gives them.
    listed = store.contest(cid).stations_expected is not None if stored else True
    for child in kids:
        totals = stored.get(child.id)
        if totals is None:
            totals = store.results(cid, child.id).totals
        elif not listed:
            totals = replace(totals, stations_expected=None)
        votes = totals.votes
        leader = max(votes, key=lambda p: votes[p]) if votes and max(votes.values()) > 0 else None
        is_station = child.level == "station"
        rows.append(
            {
                "id": child.id,
                "name": child.name,
                "level": child.level,
                "country": child.country,
                "url": station_url(cid, child.id) if is_station else division_url(cid, child.id),
                "api_url": "/api/v1"
                + (station_url(cid, child.id) if is_station else division_url(cid, child.id)),
                "stations_expected": totals.stations_expected,
                "stations_reporting": totals.stations_reporting,
                "totals": totals.to_dict(),
                "leader": leader,
            }
        )
    # Abroad is its own branch, listed after the country's own regions (it sorted
    # first in English, as "Abroad").
    rows.sort(key=lambda row: row["id"] == "abroad")
    return rows


def _has_session(store: Store, cid: str) -> bool:
    try:
        stored_sessions.stored_session(store, cid)
    except NotFoundError:
        return False
    return True


def contest_page(store: Store, cid: str) -> dict[str, Any]:
    """The contest: totals, votes, %, threshold, seats (all tiers), steps, areas.

    The API's document of a contest (``GET /api/v1/contests/{id}``) and what
    ``saylau results --json`` prints."""
    info = store.contest(cid)
    res = store.results(cid)
    return {
        "contest": contest_summary(info),
        "breadcrumbs": [{"name": info.title, "url": contest_url(cid), "id": None}],
        **results_document(res),
        # Which institution pages apply to this contest's law.
        "has_chamber": "chamber" in store.law(cid).sections,
        "has_session": _has_session(store, cid),
        "children": child_rows(store, cid, res.division.id),
        "audit_head": published_head(store.engine),  # the head leaves the database
        # Against the predecessor declared in data/previous.toml (None without one).
        "comparison": comparison_document(contest_comparison(store, cid)),
    }


def comparison_document(comparison: Comparison | None) -> dict[str, Any] | None:
    """The comparison with the previous election as the pages show it, party colours
    included (a party that stood only before gets its own colour)."""
    if comparison is None:
        return None
    doc = comparison.to_dict()
    names = [p["name"] or p["previous_name"] for p in doc["parties"]]
    colors = party_colors(names)
    for p, n in zip(doc["parties"], names, strict=True):
        p["color"] = colors[n]
    return doc


def results_document(res: ContestResult) -> dict[str, Any]:
    """The figures of a contest's result: the shared parts (``totals``, ``votes``,
    ``seats``, ``tiers``, ``allocation``, see :func:`saylau.results.outcome`), each
    party's row, the hemicycle's groups and the proportionality indices."""
    totals = res.totals
    votes = dict(totals.votes)
    colors = party_colors(votes)
    alloc = res.allocation
    seats = res.party_seats
    reserved = [
        {"label": t.title or t.name or t.kind, "seats": t.seats, "kind": t.kind}
        for t in res.reserved
    ]
    seats_total = res.seats_total
    passed = dict(alloc.threshold.passed) if alloc is not None else {}
    rows = [
        {
            "name": name,
            "votes": count,
            "percent": share(count, totals.valid),
            "passed": bool(passed.get(name, seats.get(name, 0) > 0)),
            "seats": seats.get(name, 0),
            # Of every seat of the chamber, the reserved tiers included (as the
            # hemicycle shows them), not of the list seats alone.
            "seats_percent": share(seats.get(name, 0), seats_total),
            "color": colors[name],
        }
        for name, count in votes.items()
    ]
    groups = [
        {"label": p["name"], "seats": p["seats"], "color": p["color"], "reserved": False}
        for p in rows
        if p["seats"]
    ] + [{**t, "color": RESERVED_COLOR, "reserved": True} for t in reserved]
    shared = outcome(totals, res.law_result)
    return {
        "totals": shared["totals"],
        "threshold": round(float(alloc.threshold.percent), 6) if alloc is not None else None,
        "parties": rows,
        "seat_groups": groups,
        "seats_total": seats_total,
        "reserved_seats": sum(t["seats"] for t in reserved),
        "allocation": shared["allocation"],
        "votes": shared["votes"],
        "seats": shared["seats"],
        "tiers": shared["tiers"],
        "proportionality": indices(votes, seats) if alloc is not None else None,
    }


def division_page(store: Store, cid: str, did: str) -> dict[str, Any]:
    """A division (region, district, country): totals, votes, its children."""
    info = store.contest(cid)
    div = store.division(cid, did)
    if div.level == "station":
        raise NotFoundError(f"division '{did}' is a polling station: see {station_url(cid, did)}")
    res = store.results(cid, did)
    colors = party_colors(res.totals.votes)
    children = child_rows(store, cid, did)
    level = children[0]["level"] if children else "station"
    if level != "station" and children and all(c["country"] for c in children):
        # Abroad's branch is stored as districts, one per country: head it as such.
        level = "country"
    return {
        "contest": contest_identity(info),
        "division": {
            **div.to_dict(),
            "stations_expected": res.totals.stations_expected,
            "stations_reporting": res.totals.stations_reporting,
        },
        "breadcrumbs": _breadcrumbs(store, cid, info.title, [*ancestors(store, cid, did), did]),
        "totals": res.totals.to_dict(),
        "parties": [
            {"name": p, "votes": v, "percent": share(v, res.totals.valid), "color": colors[p]}
            for p, v in res.totals.votes.items()
        ],
        "children_heading": CHILD_HEADINGS.get(level, "Areas"),
        "children": children,
        "comparison": comparison_document(division_comparison(store, cid, did)),
    }


def station_page(store: Store, cid: str, sid: str) -> dict[str, Any]:
    """A polling station: the protocol as submitted, its checks, its versions."""
    info = store.contest(cid)
    rec = store.station(cid, sid)
    colors = party_colors(parties(store, cid))
    protocol = None
    if rec.protocol is not None:
        fields = [
            {"field": f, "value": rec.protocol.get(f)}
            for f in COUNT_FIELDS
            if rec.protocol.get(f) is not None
        ]
        votes = {
            k[len(PARTY_PREFIX) :]: v for k, v in rec.protocol.items() if k.startswith(PARTY_PREFIX)
        }
        protocol = {
            "version": rec.version,
            "fields": fields,
            "votes": [
                {"name": p, "votes": v, "color": colors.get(p, RESERVED_COLOR)}
                for p, v in votes.items()
            ],
        }
    relations = [
        {
            "name": r.name,
            "description": r.description,
            "ok": None if r.result == "not_applicable" else r.result == "passed",
            "result": r.result,
            "detail": r.message or r.description,
        }
        for r in rec.relations
    ]
    versions: list[dict[str, Any]] = [
        {
            "version": v.version,
            "created_at": v.created_at,
            "actor": v.actor,
            "reason": v.reason,
            "status": v.status,
            "hash": v.hash,
            "protocol": v.protocol,
        }
        for v in sorted(rec.versions, key=lambda v: -v.version)
    ]
    # What each version changed against the one before it (newest first, like the list).
    for newer, older in itertools.pairwise(versions):
        newer["changes"] = protocol_changes(older["protocol"], newer["protocol"])
    if versions:
        versions[-1]["changes"] = []
    # The station's figures as counted (turnout included), like every other level.
    totals = store.results(cid, sid).totals.to_dict() if rec.protocol is not None else None
    return {
        "contest": contest_identity(info),
        "station": {
            **rec.station.to_dict(),
            "status": rec.status or "missing",
            "updated_at": versions[0]["created_at"] if versions else None,
            # A rejected amendment on top of the counted version: shown, not counted.
            "counted_version": rec.version if rec.protocol is not None else None,
            "rejected_amendment": getattr(rec, "rejected_amendment", None),
        },
        "totals": totals,
        "breadcrumbs": _breadcrumbs(store, cid, info.title, [*rec.path, sid]),
        "protocol": protocol,
        "relations": relations,
        "versions": versions,
        "irregularities": [r.to_dict() for r in persist.station_reports(store, sid, cid)],
    }


def protocol_changes(
    older: Mapping[str, Any] | None, newer: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    """The figures that differ between two versions of a protocol, in field order
    (count fields first, then the party votes): ``field``, ``party``, ``old``, ``new``."""
    a, b = dict(older or {}), dict(newer or {})
    keys = [k for k in COUNT_FIELDS if k in a or k in b]
    keys += [k for k in dict.fromkeys([*a, *b]) if k.startswith(PARTY_PREFIX)]
    return [
        {
            "field": k,
            "party": k[len(PARTY_PREFIX) :] if k.startswith(PARTY_PREFIX) else None,
            "old": a.get(k),
            "new": b.get(k),
        }
        for k in keys
        if a.get(k) != b.get(k)
    ]


def statement(store: Store, cid: str) -> dict[str, Any]:
    """The official statement of results: the contest context without the areas."""
    ctx = contest_page(store, cid)
    ctx.pop("children", None)
    ctx["observers"] = observers_summary(store, cid)
    # The time of the data, not of the rendering: unchanged data gives the same bytes
    # (a republished mirror rewrites only what changed).
    ctx["generated"] = data_time(ctx["contest"]["last_update"])
    return ctx


def data_time(last_update: str | None) -> str:
    """When a document's data last changed (the contest's last update, ISO UTC to the
    second): the stamp of the statement, its PDF and the NIST report."""
    when = _parse_time(last_update) or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _contest_observers(store: Store, cid: str) -> list[Any]:
    """The accredited observers of contest ``cid``: those accredited for every contest
    (no ``contests``), or naming the contest by its id or by its law (the bundled 2021
    registry says ``kz-majilis-2021``, the law of the demo's ``majilis``)."""
    names = {cid, store.contest(cid).law}
    registry = persist.load_registry(store)
    return [o for o in registry.observers if not o.contests or names & set(o.contests)]


def observers_summary(store: Store, cid: str) -> dict[str, Any] | None:
    """The CEC-style observer figures of a statement, None while none are accredited."""
    from saylau.institutions.observers import Registry

    chosen = _contest_observers(store, cid)
    if not chosen:
        return None
    return Registry(tuple(chosen)).summary().to_dict()


def observers_version(store: Store, cid: str) -> str:
    """A digest of the contest's observers: part of the statement's version, so that a
    newly accredited observer shows in the statement (its cache and ETag change)."""
    import hashlib

    digest = hashlib.blake2b(digest_size=8)
    for obs in _contest_observers(store, cid):
        digest.update(repr(sorted(obs.to_dict().items())).encode("utf-8"))
    return digest.hexdigest()


# Versions and exports -------------------------------------------------------------


def _parse_time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    when = dt.datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def contest_versions(store: Store, cid: str | None) -> tuple[str, dt.datetime | None]:
    """The version text (changes whenever the data shown may change) and the last
    modification time of one contest, or of every contest when ``cid`` is None.
    An unknown contest raises :class:`NotFoundError`."""
    infos = [store.contest(cid)] if cid is not None else list(store.contests())
    version = ";".join(f"{i.id}:{i.change_counter}:{i.status}" for i in infos)
    times = [t for t in (_parse_time(i.last_update) for i in infos) if t is not None]
    return version, max(times) if times else None


def file_stem(cid: str) -> str:
    """A file-name-safe form of a contest id."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in cid)[:80] or "contest"


def units(store: Store, cid: str, level: str) -> list[ContestResult]:
    """Export rows: every division of ``level`` (``all``: every level, root first)."""
    levels = LEVELS if level == "all" else (level,)
    return [r for lv in levels for r in store.results_by_level(cid, lv)]


def export_csv(store: Store, cid: str, level: str) -> str:
    """CSV of the divisions of ``level`` (see :func:`saylau.results.exports.to_csv`)."""
    store.contest(cid)
    return to_csv(units(store, cid, level), parties(store, cid))


def export_json(store: Store, cid: str, level: str) -> dict[str, Any]:
    """The contest context plus one record per division of ``level``."""
    ctx = contest_page(store, cid)
    ctx.pop("children", None)
    ctx.pop("breadcrumbs", None)
    ctx["level"] = level
    ctx["divisions"] = [
        {
            "id": u.division.id,
            "name": u.division.name,
            "level": u.division.level,
            "parent": u.division.parent_id,
            "country": u.division.country,
            "stations_expected": u.stations_expected,
            "stations_reporting": u.stations_reporting,
            "totals": u.totals.to_dict(),
            "votes": dict(u.votes),
        }
        for u in units(store, cid, level)
    ]
    return ctx


def export_nist(store: Store, cid: str) -> dict[str, Any]:
    """The contest as a NIST SP 1500-100 v2 ``ElectionReport``."""
    from importlib.metadata import version

    summary = contest_summary(store.contest(cid))
    names = parties(store, cid)
    all_units = units(store, cid, "all")
    return nist_report(
        contest=summary,
        units=all_units,
        root_id=all_units[0].division.id,
        parties=names,
        colors=party_colors(names),
        generated=data_time(summary["last_update"]),
        vendor=f"saylau {version('saylau')}",
    )
