"""In-memory aggregation of protocols: national totals and totals per division level.

Sums are exact integers (Int64 in polars, Python ints out) into the one
:class:`saylau.results.Totals`; ballots issued follow the one rule of
:func:`saylau.tabulate.fields.issued_expr`.
"""

from __future__ import annotations

from typing import Any, Literal

import polars as pl

from saylau.results import Totals
from saylau.tabulate.fields import ISSUED_FIELDS, ROW, is_party_column, issued_expr, party_name

__all__ = ["LEVELS", "Level", "Totals", "issued_derived", "totals", "totals_by"]

Level = Literal["country", "region", "district", "station"]
LEVELS: tuple[str, ...] = ("region", "district", "country", "station")


def issued_derived(columns: list[str]) -> bool:
    """True when no protocol line of ballots issued is among ``columns`` (issued = cast)."""
    return not any(c in columns for c in ISSUED_FIELDS)


def _sum_exprs(frame: pl.DataFrame) -> list[pl.Expr]:
    cols = frame.columns
    cast = pl.col("valid") + pl.col("invalid")
    exprs = [
        pl.len().alias("stations"),
        pl.col("registered").sum().alias("registered"),
        issued_expr(cols).sum().alias("ballots_issued"),
        cast.sum().alias("ballots_cast"),
        pl.col("valid").sum().alias("valid"),
        pl.col("invalid").sum().alias("invalid"),
        (pl.col("against_all") if "against_all" in cols else pl.lit(0, pl.Int64))
        .sum()
        .alias("against_all"),
    ]
    exprs += [pl.col(c).sum().alias(c) for c in cols if is_party_column(c)]
    return exprs


def totals(frame: pl.DataFrame | Any) -> Totals:
    """National totals of a frame (or ``ProtocolTable``) with the canonical columns."""
    frame = frame if isinstance(frame, pl.DataFrame) else frame.frame
    row = frame.select(_sum_exprs(frame)).row(0, named=True)

    def n(key: str) -> int:
        return int(row[key] or 0)

    return Totals(
        stations_expected=n("stations"),
        stations_reporting=n("stations"),
        registered=n("registered"),
        ballots_issued=n("ballots_issued"),
        ballots_cast=n("ballots_cast"),
        valid=n("valid"),
        invalid=n("invalid"),
        against_all=n("against_all"),
        votes={party_name(c): n(c) for c in frame.columns if is_party_column(c)},
    )


def totals_by(frame: pl.DataFrame | Any, level: str) -> pl.DataFrame:
    """Totals per division of ``level`` (region, district, country, station) as a frame.

    Columns: the level, ``stations``, ``registered``, ``ballots_issued``,
    ``ballots_cast``, ``valid``, ``invalid``, ``against_all``, the party columns and
    ``turnout_percent`` (display).  Districts are keyed by region and district, since
    district names repeat across regions.  Rows without the level (e.g. no ``country``
    at home stations) are grouped under null.
    """
    frame = frame if isinstance(frame, pl.DataFrame) else frame.frame
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}")
    keys = [level] if level != "district" else ["region", "district"]
    keys = [k for k in keys if k in frame.columns]
    if level not in frame.columns:
        keys = []
    exprs = _sum_exprs(frame)
    if level == "station":
        grouped = frame.group_by(["station"], maintain_order=True).agg(exprs)
    elif keys:
        grouped = frame.group_by(keys, maintain_order=True).agg(exprs)
    else:
        grouped = frame.select(exprs).with_columns(pl.lit(None, pl.String).alias(level))
    return grouped.with_columns(
        (pl.col("ballots_issued") * 100 / pl.col("registered")).round(2).alias("turnout_percent")
    ).drop(ROW, strict=False)
