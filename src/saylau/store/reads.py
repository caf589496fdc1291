"""Read queries of the store: contests, divisions, aggregates, stations, recount."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, Row, RowMapping, TextClause, select, text

from saylau.errors import NotFoundError
from saylau.results.tree import path_to_root
from saylau.store import divisions as dv
from saylau.store.aggregates import FIGURES, roll_up
from saylau.store.model import COUNTED, ContestInfo, DivisionInfo, Totals, VersionInfo
from saylau.store.schema import (
    COUNT_COLUMNS,
    VERSION_COLUMNS,
    contest_parties,
    contests,
    divisions,
    elections,
)
from saylau.tabulate.fields import PARTY_PREFIX, issued_expr


def contest_info(conn: Connection, contest_id: str) -> ContestInfo:
    row = conn.execute(
        select(contests, elections.c.name.label("election"), elections.c.date)
        .join(elections, elections.c.id == contests.c.election_id)
        .where(contests.c.id == contest_id)
    ).first()
    if row is None:
        raise NotFoundError(f"contest {contest_id!r} not found")
    agg = conn.execute(
        text(
            "SELECT stations_expected, stations_reporting FROM aggregates "
            "WHERE contest_id = :c AND division_id = :d"
        ),
        {"c": contest_id, "d": row.root_id},
    ).first()
    counted, reporting = (int(agg[0]), int(agg[1])) if agg else (0, 0)
    # Without a registered station list the count of stations is only what came in.
    expected = counted if row.divisions_fixed or row.stations_listed else None
    complete = reporting > 0 if expected is None else 0 < expected == reporting
    final = row.certified_at is not None and complete
    return ContestInfo(
        id=row.id,
        election=row.election,
        date=row.date,
        title=row.title,
        law=row.law_name,
        policy=row.policy,
        stations_expected=expected,
        stations_reporting=reporting,
        status="final" if final else "preliminary",
        certified_at=row.certified_at,
        certified_by=row.certified_by,
        last_update=row.last_update,
        change_counter=int(row.change_counter),
        divisions_fixed=bool(row.divisions_fixed),
        synthetic=bool(row.synthetic),
    )


def _division(contest_id: str, r: Row[Any]) -> DivisionInfo:
    return DivisionInfo(contest_id, r.id, r.name, r.level, r.parent_id, r.country)


def division(conn: Connection, contest_id: str, division_id: str) -> DivisionInfo:
    contest_info(conn, contest_id)
    r = conn.execute(
        select(divisions).where(divisions.c.contest_id == contest_id, divisions.c.id == division_id)
    ).first()
    if r is None:
        raise NotFoundError(f"division {division_id!r} not found in contest {contest_id!r}")
    return _division(contest_id, r)


def children(conn: Connection, contest_id: str, division_id: str | None) -> list[DivisionInfo]:
    info = contest_info(conn, contest_id)
    if division_id is None:
        root = conn.execute(
            text("SELECT root_id FROM contests WHERE id = :c"), {"c": info.id}
        ).scalar_one()
        return [division(conn, contest_id, root)]
    division(conn, contest_id, division_id)
    rows = conn.execute(
        select(divisions)
        .where(divisions.c.contest_id == contest_id, divisions.c.parent_id == division_id)
        .order_by(divisions.c.level, divisions.c.name, divisions.c.id)
    )
    return [_division(contest_id, r) for r in rows]


def parties(conn: Connection, contest_id: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            select(contest_parties.c.party)
            .where(contest_parties.c.contest_id == contest_id)
            .order_by(contest_parties.c.position)
        )
    ]


def stored_totals(
    conn: Connection, contest_id: str, ids: Sequence[str] | None = None
) -> dict[str, Totals]:
    """Stored aggregates of the contest's divisions (all, or those in ``ids``)."""
    names = parties(conn, contest_id)
    where = "contest_id = :c" + (" AND division_id IN :ids" if ids is not None else "")
    params: dict[str, Any] = {"c": contest_id}
    if ids is not None:
        if not ids:
            return {}
        params["ids"] = list(ids)
    from sqlalchemy import bindparam

    def stmt(sql: str) -> TextClause:
        s = text(sql)
        return s.bindparams(bindparam("ids", expanding=True)) if ids is not None else s

    votes: dict[str, dict[str, int]] = {}
    for d, party, n in conn.execute(
        stmt(f"SELECT division_id, party, votes FROM aggregate_votes WHERE {where}"), params
    ):
        votes.setdefault(d, {})[party] = int(n)
    out: dict[str, Totals] = {}
    for r in conn.execute(
        stmt(f"SELECT division_id, {', '.join(FIGURES)} FROM aggregates WHERE {where}"), params
    ):
        got = votes.get(r[0], {})
        out[r[0]] = Totals(
            **{f: int(v) for f, v in zip(FIGURES, r[1:], strict=True)},
            votes={p: got.get(p, 0) for p in names},
        )
    return out


def current_frame(conn: Connection, contest_id: str) -> pl.DataFrame:
    """Counted protocol versions of the contest, one row per station with a protocol.

    A row is the station's counted version (newest accepted or flagged), or its newest
    version when none is counted (then ``status`` is ``rejected``).  ``latest_version``
    and ``latest_status`` are the newest version's, which differ when a rejected
    amendment sits on top of the counted version.
    """
    cols = [
        "station_id",
        "version",
        "status",
        "hash",
        "created_at",
        "actor",
        "region",
        "district",
        "country",
        *COUNT_COLUMNS,
        "votes",
    ]
    sql = (
        f"SELECT {', '.join('v.' + c for c in cols)}, p.version, p.status, d.parent_id "
        "FROM protocols p "
        "JOIN protocol_versions v ON v.contest_id = p.contest_id AND v.station_id = p.station_id "
        "AND v.version = COALESCE(p.counted_version, p.version) "
        "JOIN divisions d ON d.contest_id = p.contest_id AND d.id = p.station_id "
        "WHERE p.contest_id = :c ORDER BY v.station_id"
    )
    rows = conn.execute(text(sql), {"c": contest_id}).all()
    schema: dict[str, Any] = {
        c: pl.Int64 if c in COUNT_COLUMNS or c == "version" else pl.String for c in cols
    }
    schema["latest_version"] = pl.Int64
    schema["latest_status"] = pl.String
    schema["parent_id"] = pl.String
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    names = parties(conn, contest_id)
    if names and frame.height:
        dtype = pl.Struct({p: pl.Int64 for p in names})
        decoded = frame.select(pl.col("votes").str.json_decode(dtype).alias("v")).unnest("v")
        frame = frame.with_columns([decoded[p].fill_null(0).alias(PARTY_PREFIX + p) for p in names])
    else:
        frame = frame.with_columns([pl.lit(0, pl.Int64).alias(PARTY_PREFIX + p) for p in names])
    return frame.drop("votes").rename({"station_id": "station"})


def recount(conn: Connection, contest_id: str) -> dict[str, Totals]:
    """Every non-station division's totals computed afresh from current protocol versions."""
    contest_info(conn, contest_id)
    tree = {
        r[0]: r[1]
        for r in conn.execute(
            text(
                "SELECT id, parent_id FROM divisions WHERE contest_id = :c AND level <> 'station'"
            ),
            {"c": contest_id},
        )
    }
    names = parties(conn, contest_id)
    frame = current_frame(conn, contest_id)
    counted = pl.col("status").is_in(list(COUNTED)).cast(pl.Int64)
    figures = frame.select(
        pl.col("parent_id").alias("parent"),
        (pl.col("registered") * counted).alias("registered"),
        (issued_expr(frame.columns) * counted).alias("ballots_issued"),
        ((pl.col("valid") + pl.col("invalid")) * counted).alias("ballots_cast"),
        (pl.col("valid") * counted).alias("valid"),
        (pl.col("invalid") * counted).alias("invalid"),
        (pl.col("against_all").fill_null(0) * counted).alias("against_all"),
        pl.lit(0, pl.Int64).alias("stations_expected"),
        counted.alias("stations_reporting"),
        (pl.col("status") == "flagged").cast(pl.Int64).alias("stations_flagged"),
        (pl.col("latest_status") == "rejected").cast(pl.Int64).alias("stations_rejected"),
        *[(pl.col(PARTY_PREFIX + p) * counted).alias(PARTY_PREFIX + p) for p in names],
    )
    expected = conn.execute(
        text(
            "SELECT parent_id, count(*) FROM divisions WHERE contest_id = :c AND level = 'station' "
            "GROUP BY parent_id"
        ),
        {"c": contest_id},
    ).all()
    exp = pl.DataFrame(
        [tuple(r) for r in expected],
        schema={"parent": pl.String, "stations_expected": pl.Int64},
        orient="row",
    )
    rows = pl.concat([figures, exp], how="diagonal_relaxed")
    rolled = roll_up(rows, dv.paths(tree))
    out = {d: Totals(votes=dict.fromkeys(names, 0)) for d in tree}
    for r in rolled.iter_rows(named=True):
        out[r["division_id"]] = Totals(
            **{f: int(r[f] or 0) for f in FIGURES},
            votes={p: int(r.get(PARTY_PREFIX + p) or 0) for p in names},
        )
    return out


def versions(conn: Connection, contest_id: str, station_id: str) -> list[VersionInfo]:
    cols = [c for c in VERSION_COLUMNS if c not in ("contest_id", "station_id")]
    rows = conn.execute(
        text(
            f"SELECT {', '.join(cols)} FROM protocol_versions WHERE contest_id = :c AND station_id = :s "
            "ORDER BY version"
        ),
        {"c": contest_id, "s": station_id},
    ).all()
    return [version_of(station_id, r._mapping) for r in rows]


def version_of(station_id: str, m: RowMapping) -> VersionInfo:
    """One ``protocol_versions`` row (its columns by name) as a :class:`VersionInfo`."""
    protocol: dict[str, Any] = {"station": station_id}
    for c in ("region", "district", "country", *COUNT_COLUMNS):
        if m[c] is not None:
            protocol[c] = m[c]
    for party, n in json.loads(m["votes"]).items():
        protocol[PARTY_PREFIX + party] = n
    return VersionInfo(
        version=int(m["version"]),
        created_at=m["created_at"],
        actor=m["actor"],
        reason=m["reason"],
        source=m["source"],
        hash=m["hash"],
        status=m["status"],
        problems=tuple(json.loads(m["problems"])),
        protocol=protocol,
    )


#: Lookups of non-station divisions kept across calls of one batch: id -> (known, parent).
Parents = dict[str, tuple[bool, str | None]]


def station_path(
    conn: Connection, contest: str, protocol: Mapping[str, Any], cache: Parents | None = None
) -> list[str]:
    """The division ids from the root down to the protocol's station.

    A known station keeps its place in the tree (a protocol cannot move it); a new
    one sits where the store will put it, under the divisions its columns imply.
    ``cache`` keeps the lookups of non-station divisions across calls of one batch
    (another writer can add divisions, never move one).
    """
    station = str(protocol.get("station") or "")
    parent_q = text("SELECT parent_id FROM divisions WHERE contest_id = :c AND id = :d")

    # One indexed lookup per level, not the whole tree: this runs per protocol.
    def stored_parent(division: str) -> tuple[bool, str | None]:
        if cache is not None and division in cache:
            return cache[division]
        row = conn.execute(parent_q, {"c": contest, "d": division}).first()
        got = (False, None) if row is None else (True, row[0])
        if cache is not None and division != station and got[0]:
            cache[division] = got
        return got

    implied: dict[str, str] = {}
    known, parent = stored_parent(station)
    if not known:
        region, district, country = (
            str(protocol.get(k) or "") for k in ("region", "district", "country")
        )
        if country:
            parent = f"abroad:{country}"
            implied = {parent: dv.ABROAD_ID, dv.ABROAD_ID: dv.ROOT_ID}
        elif district:
            parent = f"district:{region}/{district}"
            implied = {parent: f"region:{region}" if region else dv.ROOT_ID}
            if region:
                implied[f"region:{region}"] = dv.ROOT_ID
        elif region:
            parent = f"region:{region}"
            implied = {parent: dv.ROOT_ID}
        else:
            parent = dv.ROOT_ID

    def parent_of(division: str) -> str | None:
        if division == station:
            return parent
        known, up = stored_parent(division)
        return up if known else implied.get(division)

    return path_to_root(station, parent_of)


def contest_ids(conn: Connection) -> list[str]:
    """The id of every stored contest (the web's negative lookups: a 404 costs no query)."""
    return [str(i) for i in conn.execute(select(contests.c.id)).scalars()]


def division_levels(conn: Connection, contest_id: str) -> dict[str, str]:
    """Every division of ``contest_id`` (stations too): id -> level."""
    rows = conn.execute(
        select(divisions.c.id, divisions.c.level).where(divisions.c.contest_id == contest_id)
    )
    return {str(r.id): str(r.level) for r in rows}
