"""A station as the store shows it: its record (protocol, versions, control relations)
and its figures as counted, one station at a time or every station of a contest.

:meth:`Store.station` and :meth:`Store.results` read one station with a dozen small
queries; :func:`every_station` reads every station of a contest with four, for a
publish that renders all of them.  Both build the records with the same functions
here, so a station looks the same either way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select, text

from saylau.results.tree import path_to_root
from saylau.store import reads
from saylau.store.model import (
    COUNTED,
    ContestResults,
    DivisionInfo,
    RelationResult,
    StationRecord,
    Totals,
    VersionInfo,
)
from saylau.store.schema import VERSION_COLUMNS, divisions
from saylau.tabulate import RELATIONS
from saylau.tabulate.controls import relation_outcomes
from saylau.tabulate.fields import ballots_issued

if TYPE_CHECKING:
    from saylau.store.store import Store

#: The columns of a version row but the contest and station.
_COLUMNS = [c for c in VERSION_COLUMNS if c not in ("contest_id", "station_id")]


def counted(vs: list[VersionInfo]) -> VersionInfo:
    """The version counted in the results: the newest accepted or flagged one, else
    (nothing counted) the newest.  A rejected amendment does not displace it."""
    return next((v for v in reversed(vs) if v.status in COUNTED), vs[-1])


def relations(protocol: Mapping[str, object]) -> tuple[RelationResult, ...]:
    """Each control relation's result on ``protocol``."""
    outcomes = {rel.name: p for rel, p in relation_outcomes(protocol)}
    out = []
    for name, rel in RELATIONS.items():
        if name not in outcomes:
            out.append(RelationResult(name, rel.description, "not_applicable"))
        elif (p := outcomes[name]) is not None:
            out.append(
                RelationResult(name, rel.description, "failed", p.message, p.value, p.expected)
            )
        else:
            out.append(RelationResult(name, rel.description, "passed"))
    return tuple(out)


def record(
    contest_id: str, div: DivisionInfo, path: list[str], vs: list[VersionInfo]
) -> StationRecord:
    """The station ``div`` with its versions ``vs`` (oldest first) and ``path`` (the
    division ids from the root down to its parent)."""
    current = counted(vs) if vs else None
    checks = relations(current.protocol) if current else ()
    pending = (
        vs[-1].version
        if current is not None and current is not vs[-1] and vs[-1].status == "rejected"
        else None
    )
    return StationRecord(
        contest_id,
        div,
        tuple(path),
        current.version if current else None,
        current.status if current else None,
        current.protocol if current else None,
        tuple(vs),
        checks,
        pending,
    )


def totals(vs: list[VersionInfo], names: list[str]) -> Totals:
    """A station's figures as counted (its counted version's, zero when that version
    is not counted), for the parties ``names``."""
    if not vs:
        return Totals(stations_expected=1, votes=dict.fromkeys(names, 0))
    v = counted(vs)
    p = v.protocol
    k = 1 if v.status in COUNTED else 0
    cast = p["valid"] + p["invalid"]
    return Totals(
        registered=k * p["registered"],
        ballots_issued=k * ballots_issued(p),
        ballots_cast=k * cast,
        valid=k * p["valid"],
        invalid=k * p["invalid"],
        against_all=k * p.get("against_all", 0),
        stations_expected=1,
        stations_reporting=k,
        stations_flagged=int(v.status == "flagged"),
        stations_rejected=int(vs[-1].status == "rejected"),
        votes={n: k * int(p.get("party:" + n, 0)) for n in names},
    )


def divisions_of(conn: Connection, contest_id: str, level: str | None = None) -> list[DivisionInfo]:
    """The divisions of ``contest_id``: every one (in no set order), or those of
    ``level`` by name and id."""
    q = select(divisions).where(divisions.c.contest_id == contest_id)
    if level is not None:
        q = q.where(divisions.c.level == level).order_by(divisions.c.name, divisions.c.id)
    return [
        DivisionInfo(contest_id, r.id, r.name, r.level, r.parent_id, r.country)
        for r in conn.execute(q)
    ]


def every_station(store: Store, contest_id: str) -> dict[str, tuple[StationRecord, ContestResults]]:
    """Every station of ``contest_id``: what :meth:`Store.station` and
    :meth:`Store.results` answer for it, read with one query per table."""
    with store.engine.connect() as conn:
        info = reads.contest_info(conn, contest_id)
        names = reads.parties(conn, contest_id)
        divs = divisions_of(conn, contest_id)
        found: dict[str, list[VersionInfo]] = {}
        rows = conn.execute(
            text(
                f"SELECT station_id, {', '.join(_COLUMNS)} FROM protocol_versions "
                "WHERE contest_id = :c ORDER BY station_id, version"
            ),
            {"c": contest_id},
        )
        for r in rows:
            m = r._mapping
            found.setdefault(m["station_id"], []).append(reads.version_of(m["station_id"], m))
    parent = {d.id: d.parent_id for d in divs}
    out: dict[str, tuple[StationRecord, ContestResults]] = {}
    for div in divs:
        if div.level != "station":
            continue
        vs = found.get(div.id, [])
        figures = totals(vs, names)
        if info.stations_expected is None:
            figures = replace(figures, stations_expected=None)  # no station list registered
        result = ContestResults(
            contest_id, div, figures, info.status, info.last_update, info.change_counter, None
        )
        out[div.id] = (record(contest_id, div, path_to_root(div.id, parent)[:-1], vs), result)
    return out
