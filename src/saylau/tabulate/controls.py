"""Control relations of the protocol form, checked vectorised over a whole table.

Each relation has a name (registry ``RELATIONS``) and applies where its fields are
present in the table.  ``check`` returns one ``Problem`` per failing protocol and
relation, carrying the numbers on both sides; ``failing`` is the boolean mask the
tabulation uses to reject or flag protocols under the law's ``protocol_policy``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from saylau.tabulate.fields import COUNT_FIELDS, ISSUED_FIELDS, ROW, STATION, is_party_column


@dataclass(frozen=True)
class Problem:
    """One failed control relation (or bad value) of one protocol.

    ``field``/``value`` are the left-hand side (e.g. ``registered`` = 900), ``expected``
    the right-hand side it was compared with (``None`` for single-value checks).
    """

    row: int
    station: str
    field: str
    value: int | None
    relation: str
    message: str
    expected: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "station": self.station,
            "field": self.field,
            "value": self.value,
            "expected": self.expected,
            "relation": self.relation,
            "message": self.message,
        }


@dataclass(frozen=True)
class Relation:
    """``left op right`` over the columns present; ``sides`` builds both expressions
    and their labels from the column list, or returns None where the relation does
    not apply."""

    name: str
    description: str
    op: Literal["ge", "eq"]
    sides: Callable[[list[str]], tuple[str, pl.Expr, str, pl.Expr] | None]

    def applies(self, columns: list[str]) -> bool:
        return self.sides(columns) is not None

    def failing(self, columns: list[str]) -> pl.Expr | None:
        built = self.sides(columns)
        if built is None:
            return None
        _, left, _, right = built
        ok = left >= right if self.op == "ge" else left == right
        return ~ok.fill_null(False)


def _sum(columns: list[str]) -> pl.Expr:
    return pl.sum_horizontal([pl.col(c) for c in columns])


def _present(columns: list[str], wanted: tuple[str, ...]) -> list[str]:
    return [c for c in wanted if c in columns]


def _registered_ge_issued(cols: list[str]) -> tuple[str, pl.Expr, str, pl.Expr] | None:
    issued = _present(cols, ISSUED_FIELDS)
    if "registered" not in cols or not issued:
        return None
    return "registered", pl.col("registered"), " + ".join(issued), _sum(issued)


def _ballots_balance(cols: list[str]) -> tuple[str, pl.Expr, str, pl.Expr] | None:
    issued = _present(cols, ISSUED_FIELDS)
    if "ballots_received" not in cols or "cancelled" not in cols or not issued:
        return None
    plus = [*issued, "cancelled", *_present(cols, ("lost",))]
    label = " + ".join(plus)
    right = _sum(plus)
    if "unaccounted" in cols:
        label += " - unaccounted"
        right = right - pl.col("unaccounted")
    return "ballots_received", pl.col("ballots_received"), label, right


def _boxes(cols: list[str]) -> tuple[str, pl.Expr, str, pl.Expr] | None:
    boxes = _present(cols, ("in_mobile_boxes", "in_stationary_boxes"))
    if not boxes or "invalid" not in cols or "valid" not in cols:
        return None
    return " + ".join(boxes), _sum(boxes), "invalid + valid", pl.col("invalid") + pl.col("valid")


def _valid_votes(cols: list[str]) -> tuple[str, pl.Expr, str, pl.Expr] | None:
    parties = [c for c in cols if is_party_column(c)]
    if "valid" not in cols or not parties:
        return None
    terms = parties + _present(cols, ("against_all",))
    label = "sum of party votes" + (" + against_all" if "against_all" in cols else "")
    return "valid", pl.col("valid"), label, _sum(terms)


#: The named control relations, in the order they are reported.
RELATIONS: dict[str, Relation] = {
    r.name: r
    for r in (
        Relation(
            "registered_ge_issued",
            "voters on the list ≥ ballots issued (early + at the station + outside)",
            "ge",
            _registered_ge_issued,
        ),
        Relation(
            "ballots_balance",
            "ballots received = issued + cancelled + lost − not accounted at receipt",
            "eq",
            _ballots_balance,
        ),
        Relation(
            "boxes_eq_valid_invalid",
            "ballots in mobile + stationary boxes = invalid + valid",
            "eq",
            _boxes,
        ),
        Relation(
            "valid_eq_votes",
            "valid ballots = sum of party votes (+ against all)",
            "eq",
            _valid_votes,
        ),
    )
}

NON_NEGATIVE = "non_negative_integers"
#: Every relation name, including the per-value ``non_negative_integers``.
RELATION_NAMES: tuple[str, ...] = (*RELATIONS, NON_NEGATIVE)


def _counts(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c in COUNT_FIELDS or is_party_column(c)]


def _frame(table: Any) -> pl.DataFrame:
    frame = table if isinstance(table, pl.DataFrame) else table.frame
    assert isinstance(frame, pl.DataFrame)
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=1)
    return frame


def failing(table: Any) -> pl.Series:
    """Boolean mask: which protocols fail at least one relation (vectorised)."""
    frame = _frame(table)
    masks = [m for r in RELATIONS.values() if (m := r.failing(frame.columns)) is not None]
    masks += [pl.col(c).is_null() | (pl.col(c) < 0) for c in _counts(frame)]
    if not masks:
        return pl.Series("failing", [False] * frame.height)
    return frame.select(pl.any_horizontal(masks).alias("failing")).to_series()


def check(table: Any, relations: tuple[str, ...] | None = None) -> list[Problem]:
    """Check the control relations (all, or those named) of a ``ProtocolTable`` or frame.

    Returns one ``Problem`` per failing protocol and relation, in relation then row order.
    """
    frame = _frame(table)
    names = relations or RELATION_NAMES
    problems: list[Problem] = []
    station = pl.col(STATION).cast(pl.String) if STATION in frame.columns else pl.lit("")
    for name in names:
        if name == NON_NEGATIVE:
            problems.extend(_non_negative(frame, station))
            continue
        rel = RELATIONS[name]
        built = rel.sides(frame.columns)
        if built is None:
            continue
        llabel, left, rlabel, right = built
        mask = rel.failing(frame.columns)
        assert mask is not None
        bad = frame.filter(mask).select(
            pl.col(ROW), station.alias("s"), left.alias("l"), right.alias("r")
        )
        sign = "<" if rel.op == "ge" else "≠"
        for row, st, lval, rval in bad.iter_rows():
            problems.append(
                Problem(
                    row=row,
                    station=st or "",
                    field=llabel,
                    value=lval,
                    relation=name,
                    expected=rval,
                    message=f"row {row} (station {st!r}): {name}: {llabel} {lval} {sign} {rlabel} {rval}",
                )
            )
    return problems


def _non_negative(frame: pl.DataFrame, station: pl.Expr) -> list[Problem]:
    out: list[Problem] = []
    for c in _counts(frame):
        bad = frame.filter(pl.col(c).is_null() | (pl.col(c) < 0)).select(
            pl.col(ROW), station.alias("s"), pl.col(c)
        )
        for row, st, val in bad.iter_rows():
            what = "is empty" if val is None else f"{val} is negative"
            out.append(
                Problem(
                    row,
                    st or "",
                    c,
                    val,
                    NON_NEGATIVE,
                    f"row {row} (station {st!r}): {NON_NEGATIVE}: {c} {what}",
                )
            )
    return out
