"""In-memory aggregation of protocols: national totals and totals per division level.

Sums are exact integers (Int64 in polars, Python ints out); turnout is the Fraction
ballots issued / registered (the voters who took part, as the CECs of Kazakhstan
and Russia publish it), with a rounded percent only for display.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import polars as pl

from saylau.allocation import fraction_json
from saylau.tabulate.fields import ISSUED_FIELDS, ROW, is_party_column, party_name

Level = Literal["country", "region", "district", "station"]
LEVELS: tuple[str, ...] = ("region", "district", "country", "station")


@dataclass(frozen=True)
class Totals:
    """Totals of a set of protocols.

    ``ballots_issued`` is early + at the station + outside where the file has those
    lines, else it is derived as ``ballots_cast`` (``issued_derived`` is then true).
    ``ballots_cast`` = valid + invalid (the ballots found in the boxes).
    """

    stations: int
    registered: int
    ballots_issued: int
    ballots_cast: int
    valid: int
    invalid: int
    against_all: int
    votes: dict[str, int]
    issued_derived: bool = False
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def turnout(self) -> Fraction:
        """Ballots issued / registered (0 when nobody is registered).

        The CECs count as having taken part every voter who received a ballot
        (Russia 2021: 56,484,685 / 109,204,662 = 51.72 %, not the 51.58 % of the
        ballots found in the boxes).  Without issued lines, issued = cast.
        """
        return Fraction(self.ballots_issued, self.registered) if self.registered else Fraction(0)

    @property
    def turnout_percent(self) -> float:
        """Turnout in percent, rounded to 2 places, for display only."""
        return round(float(self.turnout * 100), 2)

    def to_dict(self) -> dict[str, Any]:
        turnout = self.turnout
        return {
            "stations": self.stations,
            "registered": self.registered,
            "ballots_issued": self.ballots_issued,
            "ballots_cast": self.ballots_cast,
            "valid": self.valid,
            "invalid": self.invalid,
            "against_all": self.against_all,
            "turnout": {**(fraction_json(turnout) or {}), "percent": self.turnout_percent},
        }


def _sum_exprs(frame: pl.DataFrame) -> tuple[list[pl.Expr], bool]:
    cols = frame.columns
    issued = [c for c in ISSUED_FIELDS if c in cols]
    cast = pl.col("valid") + pl.col("invalid")
    exprs = [
        pl.len().alias("stations"),
        pl.col("registered").sum().alias("registered"),
        (pl.sum_horizontal([pl.col(c) for c in issued]) if issued else cast)
        .sum()
        .alias("ballots_issued"),
        cast.sum().alias("ballots_cast"),
        pl.col("valid").sum().alias("valid"),
        pl.col("invalid").sum().alias("invalid"),
        (pl.col("against_all") if "against_all" in cols else pl.lit(0, pl.Int64))
        .sum()
        .alias("against_all"),
    ]
    exprs += [pl.col(c).sum().alias(c) for c in cols if is_party_column(c)]
    return exprs, not issued


def totals(frame: pl.DataFrame | Any) -> Totals:
    """National totals of a frame (or ``ProtocolTable``) with the canonical columns."""
    frame = frame if isinstance(frame, pl.DataFrame) else frame.frame
    exprs, derived = _sum_exprs(frame)
    row = frame.select(exprs).row(0, named=True)

    def n(key: str) -> int:
        return int(row[key] or 0)

    return Totals(
        stations=n("stations"),
        registered=n("registered"),
        ballots_issued=n("ballots_issued"),
        ballots_cast=n("ballots_cast"),
        valid=n("valid"),
        invalid=n("invalid"),
        against_all=n("against_all"),
        votes={party_name(c): n(c) for c in frame.columns if is_party_column(c)},
        issued_derived=derived,
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
    exprs, _ = _sum_exprs(frame)
    if level == "station":
        grouped = frame.group_by(["station"], maintain_order=True).agg(exprs)
    elif keys:
        grouped = frame.group_by(keys, maintain_order=True).agg(exprs)
    else:
        grouped = frame.select(exprs).with_columns(pl.lit(None, pl.String).alias(level))
    return grouped.with_columns(
        (pl.col("ballots_issued") * 100 / pl.col("registered")).round(2).alias("turnout_percent")
    ).drop(ROW, strict=False)
