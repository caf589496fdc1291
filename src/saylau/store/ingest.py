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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, select, text

from saylau.errors import NotFoundError
from saylau.store import audit
from saylau.store import divisions as dv
from saylau.store.aggregates import FIGURES, apply_deltas, roll_up
from saylau.store.canonical import canonical_json_column, hash_column
from saylau.store.engine import is_sqlite
from saylau.store.ingest_sql import _insert, _select_in, write_versions
from saylau.store.model import COUNTED
from saylau.store.schema import COUNT_COLUMNS, contests
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


@dataclass(frozen=True)
class Load:
    """Who writes a load of protocols and how it is recorded: the same for each of its
    batches (:func:`ingest_frame`, ``_apply_batch``).

    ``source`` names the file (or the submission); ``on_batch`` is called inside the
    transaction with each batch's versions; ``audited=False`` only for a caller that
    records the versions' audit entries itself."""

    actor: str
    reason: str | None
    source: str
    on_batch: BatchHook | None = None
    audited: bool = True


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


def ingest_frame(
    conn: Connection,
    contest: ContestRow,
    frame: pl.DataFrame,
    load: Load,
    *,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    placed: dict[str, str | None] | None = None,
) -> Counts:
    """Write a ``prepare``d frame in ``conn``'s write transaction as ``load``,
    ``batch_size`` rows at a time; returns the counts of what was written.
    ``placed``: the registered parent of each of the frame's registered stations
    (``registry.refuse_unregistered`` read them in this transaction), so the batches
    do not look them up again; None: each batch looks its stations up.

    The caller commits once, after the last batch: a file is loaded all or nothing,
    so a killed ingest leaves no half-loaded file that reads as complete.  Each batch
    appends one ``ingest`` audit entry naming the versions it wrote, and a load that
    wrote anything one ``register`` entry after its last batch if the contest's facts
    changed (``load.audited=False``: the caller has recorded them itself, as the
    submission workflow does with one entry per protocol)."""
    counts = Counts()
    total = frame.height
    # The non-station divisions, read once per ingest rather than once per batch (a
    # scan of every division of the contest), then kept up to date by the batches.
    tree: dict[str, str | None] = {}
    # A first load of distinct stations (the reader refuses a file naming one twice)
    # finds no current version to supersede: no batch needs to look for one.  The
    # load holds the write lock, so only its own batches write meanwhile.
    first = (
        conn.execute(
            text("SELECT 1 FROM protocols WHERE contest_id = :c LIMIT 1"), {"c": contest.id}
        ).first()
        is None
        and not frame["station"].is_duplicated().any()
    )
    registered: list[str] = []  # the divisions the batches insert, for the register entry
    for offset in range(0, total, batch_size):
        batch = frame.slice(offset, batch_size)
        got = _apply_batch(
            conn,
            contest,
            batch,
            tree,
            load,
            placed=placed,
            first=first,
            registered=registered,
        )
        for k in ("accepted", "flagged", "rejected", "unchanged"):
            setattr(counts, k, getattr(counts, k) + getattr(got, k))
        if progress is not None:
            progress(min(offset + batch_size, total), total)
    if load.audited and counts.unchanged < total:
        # The contest's registered facts (ballot, tree) once, after the last batch:
        # the whole load is one transaction, and recording them reads the whole
        # tree, so once per batch made a 1M-protocol load quadratic (20 x 1M rows).
        audit.record_register(
            conn, load.actor, contest.id, actions=frozenset({"ingest"}), registers=registered
        )
    return counts


def _apply_batch(
    conn: Connection,
    contest: ContestRow,
    batch: pl.DataFrame,
    tree: dict[str, str | None],
    load: Load,
    *,
    placed: dict[str, str | None] | None = None,
    first: bool = False,
    registered: list[str] | None = None,
) -> Counts:
    """``placed`` and ``first``: see ``ingest_frame`` (what need not be looked up);
    ``registered`` collects the divisions this batch inserted (for the register entry)."""
    cid = contest.id
    stamp = now()
    lock_contest(conn, cid)
    current = (
        []
        if first
        else _select_in(
            conn,
            "SELECT station_id, version, hash, status, counted_version FROM protocols "
            "WHERE contest_id = :c AND station_id IN :ids",
            cid,
            batch["station"].to_list(),
        )
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
    if placed is None:
        rows_ = _select_in(
            conn,
            "SELECT id, parent_id FROM divisions WHERE contest_id = :c AND id IN :ids",
            cid,
            lookup,
        )
        parents = {r[0]: r[1] for r in rows_}
    else:
        parents = {st: placed[st] for st in lookup if st in placed}
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
            if placed is not None:  # registered now, for the batches that follow
                placed.update(
                    zip(
                        new_rows["station"].to_list(),
                        new_rows["_auto_parent"].to_list(),
                        strict=True,
                    )
                )
            registers += [d.id for d in needed]
            registers += new_rows["station"].to_list()
            if registered is not None:
                registered += registers
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
        pl.lit(load.actor).alias("_a"),
        pl.lit(load.reason, pl.String).alias("_r"),
        pl.lit(load.source).alias("_s"),
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
    write_versions(conn, versions)
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
    if load.audited:
        # Every version the store writes is vouched for by the audit chain, in the
        # batch's own transaction: both commit or neither does.
        pairs = changed.select("station", "_hash", "_status").rows()  # status: for replay
        detail: dict[str, Any] = {"source": load.source, "versions": list(pairs)}
        if added or new_station.any():
            # The stations and parties this load registered (the CEC's act).
            fresh = changed.filter(new_station).select("station", "_auto_parent")
            # Whole columns, not row by row: a first load registers a million stations.
            stations = zip(fresh["station"].to_list(), fresh["_auto_parent"].to_list(), strict=True)
            detail["registered"] = {"stations": dict(stations), "parties": added}
        # The register entry comes once, after the last batch (``ingest_frame``),
        # with every division the load registered.
        audit.append(conn, load.actor, "ingest", contest=cid, detail=detail, register=False)
    if load.on_batch is not None:
        load.on_batch(
            conn,
            [
                WrittenVersion(st, v, old, new, status)
                for st, v, old, new, status in changed.select(
                    "station", "_version", "_old_hash", "_hash", "_status"
                ).iter_rows()
            ],
        )
    return counts


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
    "Load",
    "WrittenVersion",
    "contest_row",
    "ingest_frame",
    "prepare",
]
