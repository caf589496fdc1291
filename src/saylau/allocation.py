"""The result of one seat allocation: :class:`Allocation`.

One object per computation, rendered as a table (:meth:`Allocation.table`), as
JSON (:meth:`Allocation.to_dict`) and, by the web layer, as HTML.  Exact values
(quotas, quotients, remainders) are kept as :class:`fractions.Fraction` and
rendered as ``"p/q"`` strings beside a rounded decimal for reading.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rich.table import Table

StepKind = Literal[
    "threshold",
    "admit",
    "quota",
    "automatic",
    "remainder",
    "overallocation",
    "divisor",
    "cap",
    "alliance",
    "exhausted",
    "bonus",
    "consolation",
    "minimum",
    "base",
]


def fraction_json(value: Fraction | None) -> dict[str, Any] | None:
    """An exact rational as JSON: ``{"exact": "p/q", "decimal": 123.456789}``."""
    if value is None:
        return None
    exact = (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
    return {"exact": exact, "decimal": round(float(value), 6)}


def percent(part: int, whole: int) -> float:
    """A display percentage (never used to decide anything)."""
    return round(100.0 * part / whole, 4) if whole else 0.0


class Step:
    """One line of the allocation log ("how the seats were allocated").

    An allocation makes a step per seat, and most logs are never read, so the
    text may be given as a function and the value as an exact ``(numerator,
    denominator)`` pair: both are rendered on first access.
    """

    __slots__ = ("_text", "_value", "kind", "party", "seat_number", "seats")

    def __init__(
        self,
        kind: StepKind,
        text: str | Callable[[], str],
        party: str | None = None,
        seats: int = 0,
        seat_number: int | None = None,
        value: Fraction | tuple[int, int] | None = None,
    ) -> None:
        self.kind = kind
        self._text = text
        self.party = party
        self.seats = seats
        self.seat_number = seat_number
        self._value = value

    @property
    def text(self) -> str:
        if not isinstance(self._text, str):
            self._text = self._text()
        return self._text

    @property
    def value(self) -> Fraction | None:
        if isinstance(self._value, tuple):
            self._value = Fraction(*self._value)
        return self._value

    def __repr__(self) -> str:
        return f"Step({self.kind!r}, {self.text!r}, party={self.party!r}, seats={self.seats})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Step):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "text": self.text,
            "party": self.party,
            "seats": self.seats,
            "seat_number": self.seat_number,
            "value": fraction_json(self.value),
        }


@dataclass(frozen=True)
class TieEvent:
    """An exact tie that decided seats, and how the law's chain resolved it."""

    seats: tuple[int, ...]
    parties: tuple[str, ...]
    winners: tuple[str, ...]
    value: Fraction | None
    resolved_by: str
    kind: Literal["remainder", "quotient", "overallocation", "admission"]
    seed: int | None = None

    @property
    def text(self) -> str:
        seat_txt = ", ".join(str(s) for s in self.seats)
        how = f"lot (seed {self.seed})" if self.resolved_by == "lot" else self.resolved_by
        # A tie between cells of a biproportional table is not about numbered seats.
        which = f" for seat(s) {seat_txt}" if self.seats else ""
        return (
            f"tie on equal {self.kind} between {', '.join(self.parties)}{which}:"
            f" won by {', '.join(self.winners)} ({how})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seats": list(self.seats),
            "parties": list(self.parties),
            "winners": list(self.winners),
            "value": fraction_json(self.value),
            "resolved_by": self.resolved_by,
            "seed": self.seed,
            "text": self.text,
        }


@dataclass(frozen=True)
class ThresholdReport:
    """Who passed the legal threshold, and why each party did or did not.

    ``notes`` holds the reasons that are not a plain comparison with the
    threshold (exempt, excluded, admitted); :attr:`reasons` renders all of them.
    """

    percent: Fraction
    base: int
    base_name: str
    passed: dict[str, bool]
    notes: dict[str, str] = field(default_factory=dict)
    votes: dict[str, int] = field(default_factory=dict, repr=False)
    party_percent: dict[str, Fraction] = field(default_factory=dict, repr=False)

    @cached_property
    def reasons(self) -> dict[str, str]:
        """Each party's reason, e.g. ``"5.2892% < 7%"`` or ``"exempt from the threshold"``."""
        out: dict[str, str] = {}
        for p, v in self.votes.items():
            if p in self.notes:
                out[p] = self.notes[p]
                continue
            need = float(self.party_percent.get(p, self.percent))
            share = f"{100 * v / self.base:.4f}%" if self.base else "0%"
            out[p] = f"{share} {'≥' if self.passed[p] else '<'} {need:g}%"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": fraction_json(self.percent),
            "base": self.base,
            "base_name": self.base_name,
            "passed": dict(self.passed),
            "reasons": dict(self.reasons),
        }


@dataclass(frozen=True)
class Allocation:
    """The seats of one tier and everything needed to explain them.

    ``seats`` maps every party (0 included, input order) to its seats.  For
    quota methods ``quota`` is the quota; for divisor methods ``divisor`` is the
    final divisor: the quotient that won the last seat (every party holds
    ``seats`` such that its next quotient does not beat it).
    """

    seats: dict[str, int]
    votes: dict[str, int]
    method: str
    house_size: int
    threshold: ThresholdReport
    quota: Fraction | None = None
    divisor: Fraction | None = None
    ties: tuple[TieEvent, ...] = ()
    steps: tuple[Step, ...] = ()
    seed: int | None = None
    vacant: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_votes(self) -> int:
        return sum(self.votes.values())

    @property
    def allocated(self) -> int:
        return sum(self.seats.values())

    def rows(self) -> list[dict[str, Any]]:
        """One row per party: votes, vote %, passed, seats, seat %."""
        total = self.total_votes
        return [
            {
                "party": p,
                "votes": v,
                "votes_pct": percent(v, total),
                "passed": self.threshold.passed.get(p, False),
                "seats": self.seats[p],
                "seats_pct": percent(self.seats[p], self.house_size),
            }
            for p, v in self.votes.items()
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form; ``"seats"`` maps every party to its seats."""
        return {
            "method": self.method,
            "house_size": self.house_size,
            "seats": dict(self.seats),
            "votes": dict(self.votes),
            "rows": self.rows(),
            "quota": fraction_json(self.quota),
            "divisor": fraction_json(self.divisor),
            "threshold": self.threshold.to_dict(),
            "ties": [t.to_dict() for t in self.ties],
            "steps": [s.to_dict() for s in self.steps],
            "seed": self.seed,
            "vacant": self.vacant,
            **({"extra": self.extra} if self.extra else {}),
        }

    def table(self, title: str | None = None) -> Table:
        """A :class:`rich.table.Table` of votes, %, seats and seat %."""
        from rich.table import Table

        table = Table(title=title, title_justify="left")
        table.add_column("Party")
        table.add_column("Votes", justify="right")
        table.add_column("%", justify="right")
        table.add_column("Seats", justify="right")
        table.add_column("Seat %", justify="right")
        for row in self.rows():
            mark = "" if row["passed"] else " (below threshold)"
            table.add_row(
                f"{row['party']}{mark}",
                f"{row['votes']:,}",
                f"{row['votes_pct']:.2f}",
                str(row["seats"]),
                f"{row['seats_pct']:.2f}",
            )
        table.add_row(
            "Total", f"{self.total_votes:,}", "100.00", str(self.allocated), "", style="bold"
        )
        return table
