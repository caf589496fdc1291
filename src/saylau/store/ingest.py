"""Ingesting validated protocol tables: versions, divisions and aggregate deltas.

Everything that needs no database (checks, status, canonical JSON and hashes, vote
JSON) is computed once over the whole table with polars.  Then the table is
written in batches inside one transaction, which holds the write lock from its
first statement and commits after the last batch (a file is loaded all or
nothing): per batch, read the current versions (one ``IN`` query per chunk, no
per-row SELECT), drop identical protocols, append new versions, move the
current-version pointers, create the stations and divisions a registering load
brings and add the batch's aggregate deltas (new version minus superseded one).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, bindparam, select, text

from saylau.errors import NotFoundError
from saylau.store import audit
from saylau.store import divisions as dv
from saylau.store.aggregates import FIGURES, apply_deltas, roll_up
from saylau.store.canonical import canonical_json_column, hash_column
from saylau.store.engine import is_sqlite
from saylau.store.model import COUNTED
from saylau.store.schema import COUNT_COLUMNS, VERSION_COLUMNS, contests
from saylau.tabulate import Problem, ProtocolTable, check, failing
from saylau.tabulate.fields import (
    PARTY_PREFIX,
    ROW,
    ballots_issued,
    is_party_column,
    issued_expr,
    party_name,
)

#: Protocols per transaction.
DEFAULT_BATCH = 50_000
_CHUNK = 5_000  # bound parameters per IN (...) query

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WrittenVersion:
    """A protocol version a batch wrote (``old_hash`` is None for a new station)."""

    station: str
    version: int
    old_hash: str | None
    new_hash: str
    status: str


#: Called inside each batch's transaction with the versions it wrote (never with
#: none), e.g. to append an audit entry that commits or rolls back with the batch.
BatchHook = Callable[[Connection, list[WrittenVersion]], None]


def now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class ContestRow:
    id: str
    policy: str
    root_id: str
    divisions_fixed: bool


@dataclass
class Counts:
    accepted: int = 0
    flagged: int = 0
    rejected: int = 0
    unchanged: int = 0


def contest_row(conn: Connection, contest_id: str) -> ContestRow:
    row = conn.execute(
        select(
            contests.c.id, contests.c.policy, contests.c.root_id, contests.c.divisions_fixed
        ).where(contests.c.id == contest_id)
    ).first()
    if row is None:
        raise NotFoundError(f"contest {contest_id!r} not found")
    return ContestRow(row.id, row.policy, row.root_id, bool(row.divisions_fixed))


def lock_contest(conn: Connection, contest_id: str) -> None:
    """Serialize the writers of one contest (SQLite's BEGIN IMMEDIATE already did)."""
    if not is_sqlite(conn.engine):
        conn.execute(select(contests.c.id).where(contests.c.id == contest_id).with_for_update())


def prepare(
    table: ProtocolTable, policy: str, problems: list[Problem] | None = None
) -> tuple[pl.DataFrame, list[Problem]]:
    """The table's rows with status, hash, vote/problem JSON and derived figures.

    ``problems``: the rows' failed controls when the caller has already validated
    them (``saylau.tabulate.controls``), so they are not checked a second time."""
    frame = table.frame
    if problems is None:
        problems = check(table)
        fail = failing(table)
    else:
        bad_rows = {p.row for p in problems}
        fail = frame[ROW].is_in(list(bad_rows))
    by_row: dict[int, list[dict[str, Any]]] = {}
    for p in problems:
        by_row.setdefault(p.row, []).append(p.to_dict())
    bad = "rejected" if policy == "reject" else "flagged"
    parties = [c for c in frame.columns if is_party_column(c)]
    votes = (
        pl.struct([pl.col(c).alias(party_name(c)) for c in parties]).struct.json_encode()
        if parties
        else pl.lit("{}")
    )
    out = frame.with_columns(
        pl.Series("_status", fail).replace_strict(
            {True: bad, False: "accepted"}, return_dtype=pl.String
        ),
        pl.Series("_hash", hash_column(canonical_json_column(frame)), dtype=pl.String),
        votes.alias("_votes"),
        issued_expr(frame.columns).alias("_issued"),
        dv.parent_expr(frame.columns).alias("_auto_parent"),
    )
    problem_json = pl.DataFrame(
        {
            "row": list(by_row),
            "_problems": [json.dumps(v, ensure_ascii=False) for v in by_row.values()],
        },
        schema={"row": pl.Int64, "_problems": pl.String},
    )
    out = out.join(problem_json, on="row", how="left", maintain_order="left").with_columns(
        pl.col("_problems").fill_null("[]")
    )
    return out, problems


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _select_in(conn: Connection, sql: str, contest_id: str, ids: Sequence[str]) -> list[Any]:
    rows: list[Any] = []
    if is_sqlite(conn.engine):
        # Straight to the driver: SQLAlchemy's expansion of thousands of IN
        # parameters costs more than the query itself.
        for chunk in _chunks(ids):
            marks = ", ".join("?" * len(chunk))
            q = sql.replace(":c", "?").replace(":ids", f"({marks})")
            rows.extend(conn.exec_driver_sql(q, (contest_id, *chunk)).all())
        return rows
    stmt = text(sql).bindparams(bindparam("ids", expanding=True))
    for chunk in _chunks(ids):
        rows.extend(conn.execute(stmt, {"c": contest_id, "ids": list(chunk)}).all())
    return rows


def _insert(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    skip_existing: bool = False,
) -> None:
    """Bulk insert tuples (driver executemany on SQLite, insertmanyvalues elsewhere)."""
    if not rows:
        return
    tail = " ON CONFLICT DO NOTHING" if skip_existing else ""
    if is_sqlite(conn.engine):
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}){tail}", rows
        )
    else:
        stmt = text(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)}){tail}"
        )
        conn.execute(stmt, [dict(zip(columns, r, strict=True)) for r in rows])


def ingest_frame(
    conn: Connection,
    contest: ContestRow,
    frame: pl.DataFrame,
    *,
    actor: str,
    reason: str | None,
    source: str,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    on_batch: BatchHook | None = None,
    audited: bool = True,
) -> Counts:
    """Write a ``prepare``d frame in ``conn``'s write transaction, ``batch_size`` rows
    at a time; returns the counts of what was written.

    The caller commits once, after the last batch: a file is loaded all or nothing,
    so a killed ingest leaves no half-loaded file that reads as complete.  Each batch
    appends one ``ingest`` audit entry naming the versions it wrote (``audited=False``:
    the caller has recorded them itself, as the submission workflow does with one
    entry per protocol)."""
    counts = Counts()
    total = frame.height
    # The non-station divisions, read once per ingest rather than once per batch (a
    # scan of every division of the contest), then kept up to date by the batches.
    tree: dict[str, str | None] = {}
    for offset in range(0, total, batch_size):
        batch = frame.slice(offset, batch_size)
        got = _apply_batch(
            conn,
            contest,
            batch,
            tree,
            actor=actor,
            reason=reason,
            source=source,
            on_batch=on_batch,
            audited=audited,
        )
        for k in ("accepted", "flagged", "rejected", "unchanged"):
            setattr(counts, k, getattr(counts, k) + getattr(got, k))
        if progress is not None:
            progress(min(offset + batch_size, total), total)
    return counts


def _apply_batch(
    conn: Connection,
    contest: ContestRow,
    batch: pl.DataFrame,
    tree: dict[str, str | None],
    *,
    actor: str,
    reason: str | None,
    source: str,
    on_batch: BatchHook | None = None,
    audited: bool = True,
) -> Counts:
    cid = contest.id
    stamp = now()
    lock_contest(conn, cid)
    stations = batch["station"].to_list()
    current = _select_in(
        conn,
        "SELECT station_id, version, hash, status, counted_version FROM protocols "
        "WHERE contest_id = :c AND station_id IN :ids",
        cid,
        stations,
    )
    cur = pl.DataFrame(
        [tuple(r) for r in current],
        schema={
            "station": pl.String,
            "_old_version": pl.Int64,
            "_old_hash": pl.String,
            "_old_status": pl.String,
            "_old_counted": pl.Int64,
        },
        orient="row",
    )
    joined = batch.join(cur, on="station", how="left", maintain_order="left")
    same = joined["_old_hash"] == joined["_hash"]
    changed = joined.filter(~same.fill_null(False))
    counts = Counts(unchanged=joined.height - changed.height)
    if changed.height == 0:
        return counts
    # Key order: the tables' B-trees are then filled from left to right, not at random.
    changed = changed.sort("station")
    for status, n in changed["_status"].value_counts().iter_rows():
        setattr(counts, status, getattr(counts, status) + n)

    # Where each changed station sits: existing stations keep their parent.
    # A station registered ahead of its first protocol has a division row already.
    lookup = changed["station"].to_list()
    placed = _select_in(
        conn,
        "SELECT id, parent_id FROM divisions WHERE contest_id = :c AND id IN :ids",
        cid,
        lookup,
    )
    parents = {r[0]: r[1] for r in placed}
    if not tree:
        tree.update(
            (r[0], r[1])
            for r in conn.execute(
                text(
                    "SELECT id, parent_id FROM divisions "
                    "WHERE contest_id = :c AND level <> 'station'"
                ),
                {"c": cid},
            )
        )
    new_station = pl.Series([False] * changed.height)
    #: The divisions this batch registers (the audit chain records these, not the table).
    registers: list[str] = []
    if not contest.divisions_fixed:
        # Only a load allowed to register stations gets here with unknown ones
        # (``saylau.store.registry`` refuses them otherwise).
        new_station = ~changed["station"].is_in(list(parents))
        new_rows = changed.filter(new_station)
        if new_rows.height:
            keys = new_rows.select(
                *[
                    pl.col(c) if c in new_rows.columns else pl.lit(None, pl.String).alias(c)
                    for c in ("region", "district", "country")
                ]
            ).unique()
            needed = [d for d in dv.implied_divisions(keys.iter_rows()) if d.id not in tree]
            _insert(
                conn,
                "divisions",
                ("contest_id", "id", "name", "level", "parent_id", "country"),
                [(cid, d.id, d.name, d.level, d.parent_id, d.country) for d in needed],
                skip_existing=True,
            )
            tree.update({d.id: d.parent_id for d in needed})
            registers += [d.id for d in needed]
            registers += new_rows["station"].to_list()
    parent_map = pl.DataFrame(
        {"station": list(parents), "_parent": list(parents.values())},
        schema={"station": pl.String, "_parent": pl.String},
    )
    changed = (
        changed.with_columns(new_station.alias("_new_station"))
        .join(parent_map, on="station", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_parent", "_auto_parent").alias("_parent"))
        .with_columns((pl.col("_old_version").fill_null(0) + 1).alias("_version"))
        # The version counted from now on: the new one unless it is rejected, in which
        # case the station keeps counting its previous counted version (if any).
        .with_columns(
            pl.when(pl.col("_status").is_in(list(COUNTED)))
            .then(pl.col("_version"))
            .otherwise(pl.col("_old_counted"))
            .alias("_counted")
        )
    )

    cols = changed.columns
    versions = changed.select(
        pl.lit(cid).alias("_c"),
        "station",
        "_version",
        pl.lit(stamp).alias("_t"),
        pl.lit(actor).alias("_a"),
        pl.lit(reason, pl.String).alias("_r"),
        pl.lit(source).alias("_s"),
        "_hash",
        "_status",
        "_problems",
        *[
            pl.col(c) if c in cols else pl.lit(None, pl.String).alias(c)
            for c in ("region", "district", "country")
        ],
        *[pl.col(c) if c in cols else pl.lit(None, pl.Int64).alias(c) for c in COUNT_COLUMNS],
        "_votes",
        "_auto_parent",
        "_new_station",
    )
    _write_versions(conn, versions)
    amended = changed.filter(pl.col("_old_version").is_not_null())
    if amended.height:
        conn.execute(
            text(
                "UPDATE protocols SET version = :v, status = :s, hash = :h, updated_at = :t, "
                "counted_version = :cv WHERE contest_id = :c AND station_id = :st"
            ),
            [
                {"v": v, "s": s, "h": h, "t": stamp, "cv": cv, "c": cid, "st": st}
                for st, v, s, h, cv in amended.select(
                    "station", "_version", "_status", "_hash", "_counted"
                ).iter_rows()
            ],
        )

    plus = _plus_rows(changed)
    minus = _minus_rows(conn, cid, amended)
    rows = pl.concat([plus, minus], how="diagonal_relaxed") if minus.height else plus
    path_of = dv.paths(tree)
    apply_deltas(conn, cid, roll_up(rows, path_of))
    added = register_parties(conn, cid, [party_name(c) for c in cols if is_party_column(c)])
    conn.execute(
        text(
            "UPDATE contests SET change_counter = change_counter + 1, last_update = :t WHERE id = :c"
        ),
        {"t": stamp, "c": cid},
    )
    if audited:
        # Every version the store writes is vouched for by the audit chain, in the
        # batch's own transaction: both commit or neither does.
        pairs = changed.select("station", "_hash", "_status").rows()  # status: for replay
        detail: dict[str, Any] = {"source": source, "versions": list(pairs)}
        if added or new_station.any():
            # The stations and parties this load registered (the CEC's act).
            fresh = changed.filter(new_station).select("station", "_auto_parent")
            detail["registered"] = {"stations": dict(fresh.iter_rows()), "parties": added}
        audit.append(conn, actor, "ingest", contest=cid, detail=detail, registers=registers)
    if on_batch is not None:
        on_batch(
            conn,
            [
                WrittenVersion(st, v, old, new, status)
                for st, v, old, new, status in changed.select(
                    "station", "_version", "_old_hash", "_hash", "_status"
                ).iter_rows()
            ],
        )
    return counts


_STATION_DIVISION = ("contest_id", "id", "name", "level", "parent_id", "country")
_POINTER = (
    "contest_id",
    "station_id",
    "version",
    "status",
    "hash",
    "updated_at",
    "counted_version",
)


def _write_versions(conn: Connection, versions: pl.DataFrame) -> None:
    """Append the version rows, the pointers of new stations and their division rows.

    ``versions`` has ``VERSION_COLUMNS`` in order, then the station's implied parent
    and whether it is a new division.  A new pointer is exactly a version 1.
    """
    if is_sqlite(conn.engine):
        _stage_and_copy(conn, versions)
        return
    c, st, v, t, h, status = "_c", "station", "_version", "_t", "_hash", "_status"
    _insert(
        conn,
        "divisions",
        _STATION_DIVISION,
        versions.filter(pl.col("_new_station"))
        .select(c, st, pl.col(st).alias("name"), pl.lit("station"), "_auto_parent", "country")
        .rows(),
    )
    _insert(conn, "protocol_versions", VERSION_COLUMNS, versions.drop(versions.columns[-2:]).rows())
    _insert(
        conn,
        "protocols",
        _POINTER,
        versions.filter(pl.col(v) == 1)
        .select(
            c,
            st,
            v,
            status,
            h,
            t,
            pl.when(pl.col(status).is_in(list(COUNTED))).then(pl.col(v)).alias("_counted"),
        )
        .rows(),
    )


def _stage_and_copy(conn: Connection, versions: pl.DataFrame) -> None:
    """SQLite: one executemany into a TEMP heap, then INSERT ... SELECT per table.

    The polars -> Python tuple conversion and the per-row parameter binding then
    happen once, not once per table, and only for the columns that vary within the
    batch: a value shared by every row (contest, time, actor, source, a field the
    file lacks) is bound once as a parameter of the copies instead.
    """
    names = (*VERSION_COLUMNS, "auto_parent", "new_station")
    frame = versions.rename(dict(zip(versions.columns, names, strict=True)))
    const: dict[str, Any] = {}
    if frame.height > 1:
        const = {c: frame[c][0] for c in names if c != "station_id" and frame[c].n_unique() == 1}
    staged = [c for c in names if c not in const]
    conn.exec_driver_sql("DROP TABLE IF EXISTS temp.saylau_stage")
    conn.exec_driver_sql(f"CREATE TEMP TABLE saylau_stage ({', '.join(staged)})")
    conn.exec_driver_sql(
        f"INSERT INTO temp.saylau_stage VALUES ({', '.join('?' * len(staged))})",
        frame.select(staged).rows(),
    )

    def copy(
        table: str, into: Sequence[str], picks: Sequence[str], where: tuple[str, str] | None
    ) -> None:
        params: list[Any] = []

        def expr(c: str) -> str:
            if c == "counted_version":
                # A new pointer counts its version 1 unless that version is rejected.
                if "status" in const:
                    return expr("version") if const["status"] in COUNTED else "NULL"
                return f"CASE WHEN status IN ('accepted', 'flagged') THEN {expr('version')} END"
            if c in const:
                params.append(const[c])
                return "?"
            return c

        select_list = ", ".join(expr(c) for c in picks)
        tail = f" WHERE {expr(where[0])}{where[1]}" if where else ""
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(into)}) "
            f"SELECT {select_list} FROM temp.saylau_stage{tail}",
            tuple(params),
        )

    copy("protocol_versions", VERSION_COLUMNS, VERSION_COLUMNS, None)
    copy(
        "protocols",
        _POINTER,
        (*_POINTER[:5], "created_at", "counted_version"),
        ("version", " = 1"),
    )
    copy(
        "divisions",
        _STATION_DIVISION,
        ("contest_id", "station_id", "station_id", "'station'", "auto_parent", "country"),
        ("new_station", ""),
    )
    conn.exec_driver_sql("DROP TABLE temp.saylau_stage")


def _plus_rows(changed: pl.DataFrame) -> pl.DataFrame:
    counted = pl.col("_status").is_in(list(COUNTED)).cast(pl.Int64)
    cols = changed.columns

    def n(c: str) -> pl.Expr:
        return (pl.col(c) if c in cols else pl.lit(0, pl.Int64)) * counted

    return changed.select(
        pl.col("_parent").alias("parent"),
        n("registered").alias("registered"),
        (pl.col("_issued") * counted).alias("ballots_issued"),
        ((pl.col("valid") + pl.col("invalid")) * counted).alias("ballots_cast"),
        n("valid").alias("valid"),
        n("invalid").alias("invalid"),
        n("against_all").alias("against_all"),
        pl.col("_new_station").cast(pl.Int64).alias("stations_expected"),
        counted.alias("stations_reporting"),
        (pl.col("_status") == "flagged").cast(pl.Int64).alias("stations_flagged"),
        (pl.col("_status") == "rejected").cast(pl.Int64).alias("stations_rejected"),
        *[(pl.col(c) * counted).alias(c) for c in cols if is_party_column(c)],
    )


def _minus_rows(conn: Connection, cid: str, amended: pl.DataFrame) -> pl.DataFrame:
    """What the amendments take away from the aggregates.

    The figures of the counted version an amendment displaces (only a counted, i.e.
    not rejected, amendment displaces it: a rejected one leaves the station counting
    its previous version) and the ``stations_rejected`` mark of a superseded newest
    version that was rejected.
    """
    if amended.height == 0:
        return pl.DataFrame()
    was_rejected = amended.filter(pl.col("_old_status") == "rejected").select(
        pl.col("_parent").alias("parent"),
        pl.lit(-1, pl.Int64).alias("stations_rejected"),
    )
    displaced = amended.filter(
        pl.col("_status").is_in(list(COUNTED)) & pl.col("_old_counted").is_not_null()
    )
    figures = _counted_minus_rows(conn, cid, displaced)
    parts = [f for f in (was_rejected, figures) if f.height]
    return pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()


def _counted_minus_rows(conn: Connection, cid: str, displaced: pl.DataFrame) -> pl.DataFrame:
    """Negated figures of the counted versions the amendments displace."""
    if displaced.height == 0:
        return pl.DataFrame()
    want = {st: v for st, v in displaced.select("station", "_old_counted").iter_rows()}
    parent = dict(displaced.select("station", "_parent").iter_rows())
    fetched = _select_in(
        conn,
        "SELECT station_id, version, status, registered, issued_early, issued_at_station, "
        "issued_outside, valid, invalid, against_all, votes FROM protocol_versions "
        "WHERE contest_id = :c AND station_id IN :ids",
        cid,
        list(want),
    )
    out: list[dict[str, Any]] = []
    for r in fetched:
        if want.get(r.station_id) != r.version:
            continue
        k = 1  # a counted version, by definition
        cast = r.valid + r.invalid
        row: dict[str, Any] = {
            "parent": parent[r.station_id],
            "registered": -k * r.registered,
            "ballots_issued": -k * ballots_issued(r._mapping),
            "ballots_cast": -k * cast,
            "valid": -k * r.valid,
            "invalid": -k * r.invalid,
            "against_all": -k * (r.against_all or 0),
            "stations_expected": 0,
            "stations_reporting": -k,
            "stations_flagged": -int(r.status == "flagged"),
            "stations_rejected": 0,
        }
        for party, votes in json.loads(r.votes).items():
            row[PARTY_PREFIX + party] = -k * votes
        out.append(row)
    schema = {c: (pl.String if c == "parent" else pl.Int64) for row in out for c in row}
    return pl.DataFrame(out, schema=schema) if out else pl.DataFrame()


def register_parties(conn: Connection, cid: str, parties: list[str]) -> list[str]:
    """Add ``parties`` not yet on the contest's ballot, after the others; the ones added."""
    known = {
        r[0]: r[1]
        for r in conn.execute(
            text("SELECT party, position FROM contest_parties WHERE contest_id = :c"), {"c": cid}
        )
    }
    start = max(known.values(), default=0)
    missing = [p for p in dict.fromkeys(parties) if p not in known]
    _insert(
        conn,
        "contest_parties",
        ("contest_id", "party", "position"),
        [(cid, p, start + i) for i, p in enumerate(missing, start=1)],
    )
    return missing


__all__ = [
    "DEFAULT_BATCH",
    "FIGURES",
    "BatchHook",
    "Counts",
    "WrittenVersion",
    "contest_row",
    "ingest_frame",
    "prepare",
]
