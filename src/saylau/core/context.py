"""What the stages of one allocation share: the state (:class:`Ctx`) and how
each seat decision is written in the step log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from saylau.allocation import Step, TieEvent


@dataclass
class Ctx:
    """State shared by the stages of one allocation."""

    votes: dict[str, int]
    order: dict[str, int]
    chain: tuple[str, ...]
    seed: int | None
    steps: list[Step]
    ties: list[TieEvent]
    bonus: Mapping[str, Fraction]
    remainder_decimals: int | None = None
    #: Seats each list holds at least (min_seats), for the lists that passed.
    floors: Mapping[str, int] = field(default_factory=dict)


def log_minimums(ctx: Ctx, parties: list[str], offset: int) -> int:
    """Log the seats the lists hold by their minimum; return how many."""
    seat_no = offset
    for p in parties:
        n = ctx.floors.get(p, 0)
        if n:
            ctx.steps.append(
                Step(
                    "minimum",
                    f"seat{'s' if n > 1 else ''} {seat_no + 1}"
                    f"{f'–{seat_no + n}' if n > 1 else ''}: {p}, its minimum of {n}",
                    party=p,
                    seats=n,
                    seat_number=seat_no + n,
                )
            )
            seat_no += n
    return seat_no - offset


def automatic_text(party: str, votes: int, quota: Fraction, seats: int) -> str:
    return f"{party}: {votes:,} / {fmt(quota)} → {seats} seat(s)"


def quotient_text(seat: int, party: str, quotient: Fraction) -> str:
    return f"seat {seat}: {party}, quotient {fmt(quotient)}"


def remainder_text(seat: int, party: str, rem: int, den: int) -> str:
    return f"seat {seat}: {party}, remainder {rem / den:,.4f}"


def fmt(x: Fraction) -> str:
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return f"{float(x):,.4f}"
