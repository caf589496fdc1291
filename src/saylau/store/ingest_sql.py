"""The SQL of an ingest batch's writes: ``IN`` look-ups, bulk inserts and the
version rows (with the new stations' pointers and division rows).

Kept apart from ``saylau.store.ingest`` (what a batch computes) so each module stays
readable; the functions run in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl
from sqlalchemy import Connection, bindparam, text

from saylau.store.engine import is_sqlite
from saylau.store.model import COUNTED
from saylau.store.schema import VERSION_COLUMNS

_CHUNK = 5_000  # bound parameters per IN (...) query


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


def write_versions(conn: Connection, versions: pl.DataFrame) -> None:
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
