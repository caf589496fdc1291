"""Aggregation through the division tree, shared by ingest deltas and ``recount``.

Rows in, one row per division out: protocol figures are first summed per lowest
division (the station's parent), then each parent's sums are spread to its
ancestors.  That keeps the work proportional to stations + divisions, not
stations × depth.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
from sqlalchemy import Connection, TextClause, text

from saylau.store.schema import AGGREGATE_COUNTERS, AGGREGATE_SUMS
from saylau.tabulate.fields import PARTY_PREFIX

#: Every summed column of a delta/aggregate frame.
FIGURES: tuple[str, ...] = AGGREGATE_SUMS + AGGREGATE_COUNTERS


def roll_up(rows: pl.DataFrame, path_of: Mapping[str, list[str]]) -> pl.DataFrame:
    """Sum ``rows`` (columns ``parent``, FIGURES, ``party:*``) into every ancestor division.

    Returns columns ``division_id``, FIGURES and the party columns (Int64, nulls as 0).
    """
    value_cols = [c for c in rows.columns if c != "parent"]
    if rows.height == 0:
        return pl.DataFrame(
            schema={"division_id": pl.String, **dict.fromkeys(value_cols, pl.Int64)}
        )
    by_parent = rows.group_by("parent").agg(
        [pl.col(c).fill_null(0).cast(pl.Int64).sum() for c in value_cols]
    )
    parents = by_parent["parent"].to_list()
    table = pl.DataFrame(
        {"parent": parents, "division_id": [path_of[p] for p in parents]},
        schema={"parent": pl.String, "division_id": pl.List(pl.String)},
    )
    return (
        by_parent.join(table, on="parent")
        .explode("division_id")
        .group_by("division_id")
        .agg([pl.col(c).sum() for c in value_cols])
        .sort("division_id")
    )


def apply_deltas(conn: Connection, contest_id: str, deltas: pl.DataFrame) -> None:
    """Add a ``roll_up`` frame to the stored aggregates (upsert-increment, one statement each)."""
    if deltas.height == 0:
        return
    figures = ", ".join(FIGURES)
    params = ", ".join(f":{c}" for c in FIGURES)
    sets = ", ".join(f"{c} = aggregates.{c} + excluded.{c}" for c in FIGURES)
    sql = text(
        f"INSERT INTO aggregates (contest_id, division_id, {figures}) "
        f"VALUES (:contest_id, :division_id, {params}) "
        f"ON CONFLICT (contest_id, division_id) DO UPDATE SET {sets}"
    )
    totals = deltas.select("division_id", *[pl.col(c).fill_null(0) for c in FIGURES])
    _many(conn, sql, [{"contest_id": contest_id, **r} for r in totals.iter_rows(named=True)])
    parties = [c for c in deltas.columns if c.startswith(PARTY_PREFIX)]
    if not parties:
        return
    long = (
        deltas.select("division_id", *parties)
        .unpivot(index="division_id", variable_name="party", value_name="votes")
        .filter(pl.col("votes").fill_null(0) != 0)
        .with_columns(pl.col("party").str.slice(len(PARTY_PREFIX)))
    )
    if long.height == 0:
        return
    _many(
        conn,
        text(
            "INSERT INTO aggregate_votes (contest_id, division_id, party, votes) "
            "VALUES (:contest_id, :division_id, :party, :votes) "
            "ON CONFLICT (contest_id, division_id, party) "
            "DO UPDATE SET votes = aggregate_votes.votes + excluded.votes"
        ),
        [{"contest_id": contest_id, **r} for r in long.iter_rows(named=True)],
    )


def _many(conn: Connection, sql: TextClause, rows: list[dict[str, object]]) -> None:
    """executemany of a named-parameter statement; on SQLite straight to the driver
    (the driver takes the dicts as they are), skipping per-row parameter processing."""
    if conn.engine.dialect.name == "sqlite":
        conn.exec_driver_sql(sql.text, rows)  # type: ignore[arg-type]
    else:
        conn.execute(sql, rows)
