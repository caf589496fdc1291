"""The registered ballot and division tree of a contest.

A contest's parties (``contest_parties``) and stations (``divisions``) are
registered before results come in: by the divisions file at ``init``, by the
CEC's ``saylau ingest --register`` (the file's new stations and parties), or by
``Store.register``.  Both are audited.  A protocol that names a station or a
party that is not registered is refused, naming it, and so is a protocol that
places its station under another parent than the registered one: a submission
never creates a station or a party.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl
from sqlalchemy import Connection, text

from saylau.errors import InputError
from saylau.store import audit
from saylau.store import divisions as dv
from saylau.store.aggregates import FIGURES, apply_deltas, roll_up
from saylau.store.ingest import ContestRow, register_parties
from saylau.store.ingest_sql import _insert, _select_in
from saylau.tabulate.fields import is_party_column, party_name


@dataclass(frozen=True)
class Registration:
    """What an ingest may register: new stations, new parties (a CEC act)."""

    stations: bool = False
    parties: bool = False


#: Above this many rows a file's rows are filtered in polars before the per-row check.
_PREFILTER = 1_000


def registered_parties(conn: Connection, contest_id: str) -> set[str]:
    rows = conn.execute(
        text("SELECT party FROM contest_parties WHERE contest_id = :c"), {"c": contest_id}
    )
    return {str(r[0]) for r in rows}


def has_stations(conn: Connection, contest_id: str) -> bool:
    row = conn.execute(
        text("SELECT 1 FROM divisions WHERE contest_id = :c AND level = 'station' LIMIT 1"),
        {"c": contest_id},
    ).first()
    return row is not None


def implied(conn: Connection, contest: ContestRow) -> Registration:
    """What a file's first load registers without being asked: the stations of a
    contest that has none (initialised without a divisions file) and the parties of
    a contest that has none.  Later loads register only when asked."""
    return Registration(
        stations=not contest.divisions_fixed and not has_stations(conn, contest.id),
        parties=not registered_parties(conn, contest.id),
    )


def station_parents(
    conn: Connection, contest_id: str, frame: pl.DataFrame
) -> dict[str, str | None]:
    """The registered parent of each of ``frame``'s stations that is registered."""
    return {
        str(r[0]): r[1]
        for r in _select_in(
            conn,
            "SELECT id, parent_id FROM divisions WHERE contest_id = :c "
            "AND level = 'station' AND id IN :ids",
            contest_id,
            frame["station"].unique().to_list(),
        )
    }


def problems(
    conn: Connection,
    contest: ContestRow,
    frame: pl.DataFrame,
    label: str,
    allow: Registration = Registration(),
    placed: dict[str, str | None] | None = None,
) -> list[str]:
    """Every protocol row that names an unregistered station or party, or moves its
    station (``frame`` as ``saylau.store.ingest.prepare`` returns it; ``placed``:
    its ``station_parents`` if already read)."""
    cid = contest.id
    if placed is None:
        placed = station_parents(conn, cid, frame)
    out: list[str] = []
    register = allow.stations and not contest.divisions_fixed
    rows = frame.select("row", "station", "_auto_parent")
    if rows.height > _PREFILTER:
        # A large file: only the rows the loop below can refuse reach it (a
        # million-row load has none, or a few); a single protocol skips the join,
        # which would cost more than the loop.
        placed_frame = pl.DataFrame(
            {"station": list(placed), "_placed": list(placed.values())},
            schema={"station": pl.String, "_placed": pl.String},
        ).with_columns(pl.lit(True).alias("_known"))
        joined = rows.join(placed_frame, on="station", how="left", maintain_order="left")
        unknown = pl.col("_known").is_null()
        moved = ~unknown & pl.col("_placed").ne_missing(pl.col("_auto_parent"))
        keep = (pl.lit(False) if register else unknown) | (
            pl.lit(False) if contest.divisions_fixed else moved
        )
        rows = joined.filter(keep).select(rows.columns)
    for row, station, parent in rows.iter_rows():
        if station not in placed:
            if not register:
                out.append(f"{label} row {row}: station {station!r} is not registered in {cid!r}")
        elif not contest.divisions_fixed and placed[station] != parent:
            # With a divisions file the parent ids are the file's own; the protocol's
            # region and district columns are then labels, not a placement.
            out.append(
                f"{label} row {row}: station {station!r} is registered in {placed[station]!r};"
                f" the protocol places it in {parent!r}"
            )
    if not allow.parties:
        known = registered_parties(conn, cid)
        out += [
            f"{label}: party {party_name(c)!r} is not on the ballot of {cid!r}"
            for c in frame.columns
            if is_party_column(c) and party_name(c) not in known
        ]
    return out


def refuse_unregistered(
    conn: Connection,
    contest: ContestRow,
    frame: pl.DataFrame,
    label: str,
    allow: Registration = Registration(),
) -> dict[str, str | None]:
    """Raise ``InputError`` with every ``problems`` of ``frame``; else its
    ``station_parents`` (the ingest places the stations by them: one look-up)."""
    placed = station_parents(conn, contest.id, frame)
    found = problems(conn, contest, frame, label, allow, placed)
    if found:
        raise InputError(found)
    return placed


def register(
    conn: Connection,
    contest: ContestRow,
    *,
    stations: Sequence[Mapping[str, str | None]] = (),
    parties: Sequence[str] = (),
    actor: str,
) -> None:
    """Register stations (``station`` with ``region``/``district``/``country`` as in a
    protocol) and parties in the caller's transaction, with one audit entry.

    A station already registered under the same parent is left alone; under another
    parent it is refused.  A contest with a divisions file registers its stations
    there only."""
    if stations and contest.divisions_fixed:
        raise InputError(f"contest {contest.id!r} registers its stations in its divisions file")
    cid = contest.id
    tree = {
        str(r[0]): r[1]
        for r in conn.execute(
            text("SELECT id, parent_id FROM divisions WHERE contest_id = :c"), {"c": cid}
        )
    }
    problems_: list[str] = []
    new: dict[str, str] = {}
    keys: list[tuple[str | None, str | None, str | None]] = []
    for s in stations:
        sid = str(s.get("station") or "")
        key = (s.get("region"), s.get("district"), s.get("country"))
        frame = pl.DataFrame(
            {k: [v or ""] for k, v in zip(("region", "district", "country"), key, strict=True)}
        )
        parent = str(frame.select(dv.parent_expr(frame.columns)).item())
        if not sid or not sid.isprintable():
            problems_.append(f"station {sid!r}: an id of printable characters is needed")
        elif sid in tree and tree[sid] != parent:
            problems_.append(f"station {sid!r} is registered in {tree[sid]!r}, not {parent!r}")
        elif sid not in tree:
            new[sid] = parent
            keys.append(key)
    bad = [p for p in parties if not p or not p.isprintable()]
    problems_ += [f"party {p!r}: a name of printable characters is needed" for p in bad]
    if problems_:
        raise InputError(problems_)
    needed = [d for d in dv.implied_divisions(keys) if d.id not in tree]
    _insert(
        conn,
        "divisions",
        ("contest_id", "id", "name", "level", "parent_id", "country"),
        [(cid, d.id, d.name, d.level, d.parent_id, d.country) for d in needed]
        + [(cid, s, s, "station", p, None) for s, p in new.items()],
    )
    tree.update({d.id: d.parent_id for d in needed})
    if new:
        rows = pl.DataFrame(
            {
                "parent": list(new.values()),
                **{f: [int(f == "stations_expected")] * len(new) for f in FIGURES},
            },
            schema={"parent": pl.String, **dict.fromkeys(FIGURES, pl.Int64)},
        )
        nonstation = {k: v for k, v in tree.items() if k not in new}
        apply_deltas(conn, cid, roll_up(rows, dv.paths(nonstation)))
        # The CEC listed stations ahead of results: the results now know how many
        # to expect (see ``saylau.results.ContestInfo``).
        conn.execute(
            text("UPDATE contests SET stations_listed = :t WHERE id = :c"), {"t": True, "c": cid}
        )
    added = register_parties(conn, cid, list(parties))
    audit.append(
        conn,
        actor,
        "registration",
        contest=cid,
        detail={"stations": new, "parties": added},
        registers=[*(d.id for d in needed), *new],
    )
