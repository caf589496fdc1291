"""Control relations of the protocol form, checked vectorised over a whole table.

Each relation has a name (registry ``RELATIONS``) and applies where its fields are
present in the table.  ``check`` returns one ``Problem`` per failing protocol and
relation, carrying the numbers on both sides; ``failing`` is the boolean mask the
tabulation uses to reject or flag protocols under the law's ``protocol_policy``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from saylau.tabulate.fields import COUNT_FIELDS, ISSUED_FIELDS, ROW, STATION, is_party_column

if TYPE_CHECKING:
    from saylau.tabulate.reader import ProtocolTable


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
class Terms:
    """Both sides of a relation over the columns present: labels and the columns
    added (``+1``) or taken away (``-1``) on each side."""

    left_label: str
    left: tuple[tuple[str, int], ...]
    right_label: str
    right: tuple[tuple[str, int], ...]


def _expr(side: tuple[tuple[str, int], ...]) -> pl.Expr:
    # Added columns ignore nulls (sum_horizontal); a subtracted null makes the side
    # null, so the relation is not judged on it (the null is its own problem).
    expr = pl.sum_horizontal([pl.col(c) for c, k in side if k > 0])
    for c, k in side:
        if k < 0:
            expr = expr - pl.col(c)
    return expr


def _value(side: tuple[tuple[str, int], ...], protocol: Mapping[str, object]) -> int:
    total = 0
    for c, k in side:
        v = protocol[c]
        assert isinstance(v, int)
        total += k * v
    return total


@dataclass(frozen=True)
class Relation:
    """``left op right`` over the columns present; ``terms`` gives both sides from the
    column list, or None where the relation does not apply.  The same terms build
    the vectorised polars check of a table and the plain-integer check of one
    protocol, so both read the relation from one place."""

    name: str
    description: str
    op: Literal["ge", "eq"]
    terms: Callable[[Sequence[str]], Terms | None]

    def applies(self, columns: Sequence[str]) -> bool:
        return self.terms(columns) is not None

    def sides(self, columns: Sequence[str]) -> tuple[str, pl.Expr, str, pl.Expr] | None:
        """(left label, left expression, right label, right expression), or None."""
        t = self.terms(columns)
        if t is None:
            return None
        return t.left_label, _expr(t.left), t.right_label, _expr(t.right)

    def holds(self, left: int, right: int) -> bool:
        return left >= right if self.op == "ge" else left == right

    @property
    def sign(self) -> str:
        """How a failure is written: ``left < right`` or ``left ≠ right``."""
        return "<" if self.op == "ge" else "≠"

    def failing(self, columns: Sequence[str]) -> pl.Expr | None:
        built = self.sides(columns)
        if built is None:
            return None
        _, left, _, right = built
        ok = left >= right if self.op == "ge" else left == right
        return ~ok.fill_null(False)


def _plus(columns: Sequence[str]) -> tuple[tuple[str, int], ...]:
    return tuple((c, 1) for c in columns)


def _present(columns: Sequence[str], wanted: tuple[str, ...]) -> list[str]:
    return [c for c in wanted if c in columns]


def _registered_ge_issued(cols: Sequence[str]) -> Terms | None:
    issued = _present(cols, ISSUED_FIELDS)
    if "registered" not in cols or not issued:
        return None
    return Terms("registered", _plus(["registered"]), " + ".join(issued), _plus(issued))


def _ballots_balance(cols: Sequence[str]) -> Terms | None:
    issued = _present(cols, ISSUED_FIELDS)
    if "ballots_received" not in cols or "cancelled" not in cols or not issued:
        return None
    plus = [*issued, "cancelled", *_present(cols, ("lost",))]
    label = " + ".join(plus)
    right = _plus(plus)
    if "unaccounted" in cols:
        label += " - unaccounted"
        right += (("unaccounted", -1),)
    return Terms("ballots_received", _plus(["ballots_received"]), label, right)


def _boxes(cols: Sequence[str]) -> Terms | None:
    boxes = _present(cols, ("in_mobile_boxes", "in_stationary_boxes"))
    if not boxes or "invalid" not in cols or "valid" not in cols:
        return None
    return Terms(" + ".join(boxes), _plus(boxes), "invalid + valid", _plus(["invalid", "valid"]))


def _valid_votes(cols: Sequence[str]) -> Terms | None:
    parties = [c for c in cols if is_party_column(c)]
    if "valid" not in cols or not parties:
        return None
    terms = parties + _present(cols, ("against_all",))
    label = "sum of party votes" + (" + against_all" if "against_all" in cols else "")
    return Terms("valid", _plus(["valid"]), label, _plus(terms))


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


def _frame(table: ProtocolTable | pl.DataFrame) -> pl.DataFrame:
    frame = table if isinstance(table, pl.DataFrame) else table.frame
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=1)
    return frame


def failing(table: ProtocolTable | pl.DataFrame) -> pl.Series:
    """Boolean mask: which protocols fail at least one relation (vectorised)."""
    frame = _frame(table)
    masks = [m for r in RELATIONS.values() if (m := r.failing(frame.columns)) is not None]
    masks += [pl.col(c).is_null() | (pl.col(c) < 0) for c in _counts(frame)]
    if not masks:
        return pl.Series("failing", [False] * frame.height)
    return frame.select(pl.any_horizontal(masks).alias("failing")).to_series()


def check(
    table: ProtocolTable | pl.DataFrame, relations: tuple[str, ...] | None = None
) -> list[Problem]:
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
        sign = rel.sign
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


@lru_cache(maxsize=256)
def _applying(columns: tuple[str, ...]) -> tuple[tuple[Relation, Terms], ...]:
    return tuple((r, t) for r in RELATIONS.values() if (t := r.terms(columns)) is not None)


def relation_outcomes(
    protocol: Mapping[str, object], *, row: int = 1
) -> list[tuple[Relation, Problem | None]]:
    """Each relation applying to one protocol with its ``Problem`` (None: it holds).

    The protocol's counts must be integers ≥ 0 (as the readers leave them); the
    problems are those :func:`check` reports for the same protocol as row ``row``.
    """
    station = str(protocol.get(STATION) or "")
    out: list[tuple[Relation, Problem | None]] = []
    for rel, t in _applying(tuple(protocol)):
        left, right = _value(t.left, protocol), _value(t.right, protocol)
        if rel.holds(left, right):
            out.append((rel, None))
            continue
        message = (
            f"row {row} (station {station!r}): {rel.name}: "
            f"{t.left_label} {left} {rel.sign} {t.right_label} {right}"
        )
        out.append((rel, Problem(row, station, t.left_label, left, rel.name, message, right)))
    return out


def check_protocol(protocol: Mapping[str, object], *, row: int = 1) -> tuple[Problem, ...]:
    """The failed relations of one protocol of integer counts, as :func:`check` finds them."""
    return tuple(p for _, p in relation_outcomes(protocol, row=row) if p is not None)
