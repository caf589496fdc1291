"""Biproportional apportionment ("doppelter Pukelsheim"), exactly.

Seats are given to parties over the whole area first (the *upper*
apportionment), while each district's seats are fixed in advance (by
population).  The *lower* apportionment then fills the party × district table
so that every row sums to the party's seats and every column to the district's
seats: each cell gets ``votes / (party divisor × district divisor)`` rounded by
standard rounding (Sainte-Laguë; a quotient of ``n + 1/2`` may round either
way, which is a tie).

The divisors are found by alternating scaling, as BAZI computes them: fix the
district divisors so that the columns hold, then the party divisors so that the
rows hold, and repeat until both hold.  Each scaling step is a one-dimensional
divisor apportionment on exact fractions; the divisor chosen is the simplest
fraction strictly inside the interval of valid divisors, so no cell sits on a
rounding boundary unless the step is tied.  A tie that survives to the end
means the law's lot must decide; it is reported, never settled silently.

Zurich's rules (Gesetz über die politischen Rechte, § 102 f.) add two things
handled here: a list group takes part only where one of its lists reached 5 %
of the party votes in its district, and the upper apportionment uses *voter
numbers*: a list's party votes divided by the district's seats, rounded to a
whole number, summed over the districts.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from math import floor
from typing import Any

from saylau.allocation import Allocation, fraction_json
from saylau.core import allocate
from saylau.errors import InputError

_HALF = Fraction(1, 2)

#: Scaling steps after which alternating scaling gives up: real elections
#: converge in a few dozen; a cycle means an unresolved tie.
MAX_STEPS = 2_000


@dataclass(frozen=True)
class BiproportionalTie:
    """Cells whose quotient lies exactly on a rounding boundary at the end.

    ``up`` cells hold ``n`` seats with quotient ``n + 1/2``; ``down`` cells hold
    ``n`` with quotient ``n - 1/2``: moving seats from ``down`` to ``up`` cells
    along a cycle gives another apportionment equally valid, so the law's lot
    decides.
    """

    up: tuple[tuple[str, str], ...]
    down: tuple[tuple[str, str], ...]

    @property
    def text(self) -> str:
        def cells(cs: tuple[tuple[str, str], ...]) -> str:
            return ", ".join(f"{p} in {d}" for p, d in cs) or "none"

        return (
            f"tie in the lower apportionment: could gain a seat: {cells(self.up)};"
            f" could lose one: {cells(self.down)} (the law decides by lot)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "up": [list(c) for c in self.up],
            "down": [list(c) for c in self.down],
            "text": self.text,
        }


@dataclass(frozen=True)
class LowerApportionment:
    """The party × district seats with the divisors that produce them."""

    seats: dict[str, dict[str, int]]
    party_divisors: dict[str, Fraction]
    district_divisors: dict[str, Fraction]
    steps: int
    ties: tuple[BiproportionalTie, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "seats": {p: dict(row) for p, row in self.seats.items()},
            "party_divisors": {p: fraction_json(d) for p, d in self.party_divisors.items()},
            "district_divisors": {d: fraction_json(v) for d, v in self.district_divisors.items()},
            "scaling_steps": self.steps,
            "ties": [t.to_dict() for t in self.ties],
        }


@dataclass(frozen=True)
class Biproportional:
    """Upper apportionment (an :class:`Allocation`) and the lower one."""

    upper: Allocation
    lower: LowerApportionment
    district_seats: dict[str, int]
    voter_numbers: dict[str, int] = field(default_factory=dict)

    @property
    def seats(self) -> dict[str, int]:
        return dict(self.upper.seats)

    def to_dict(self) -> dict[str, Any]:
        return {
            "district_seats": dict(self.district_seats),
            "voter_numbers": dict(self.voter_numbers),
            "lower": self.lower.to_dict(),
        }


def simplest_between(lo: Fraction, hi: Fraction) -> Fraction:
    """The fraction with the smallest denominator strictly between ``lo`` and ``hi``.

    Both are ≥ 0 and ``lo < hi``; found through the continued fractions, so a
    divisor printed in a protocol stays short.
    """
    assert 0 <= lo < hi
    whole = floor(lo)
    if whole + 1 < hi:
        return Fraction(whole + 1)
    if lo == whole:
        return whole + 1 / Fraction(floor(1 / (hi - whole)) + 1)
    return whole + 1 / simplest_between(1 / (hi - whole), 1 / (lo - whole))


def round_divisor(weights: list[Fraction], house: int) -> tuple[list[int], Fraction, bool]:
    """Sainte-Laguë on exact weights: seats, a divisor giving them, and whether tied.

    The divisor lies strictly inside the interval of valid divisors, or on its
    single point when the last seat is tied (then ``True``).
    """
    seats = [0] * len(weights)
    if house == 0:
        top = max(weights, default=Fraction(0))
        return seats, 2 * top + 1, False
    heap = [(-w / _HALF, i) for i, w in enumerate(weights) if w > 0]
    if not heap:
        raise InputError("no votes to share the seats by")
    heapq.heapify(heap)
    for _ in range(house):
        _neg, i = heapq.heappop(heap)
        seats[i] += 1
        heapq.heappush(heap, (-weights[i] / (seats[i] + _HALF), i))
    # Valid divisors x: every cell's next quotient ≤ x ≤ every cell's last quotient.
    lo = -heap[0][0]
    hi = min(weights[i] / (s - _HALF) for i, s in enumerate(seats) if s > 0)
    if lo == hi:
        return seats, hi, True
    return seats, simplest_between(lo, hi), False


def lower_apportionment(
    votes: Mapping[str, Mapping[str, int]],
    party_seats: Mapping[str, int],
    district_seats: Mapping[str, int],
) -> LowerApportionment:
    """Fill the party × district table so both margins hold (alternating scaling).

    ``votes`` maps party → district → votes (missing cells are 0);
    ``party_seats`` and ``district_seats`` must have the same total.
    """
    parties = list(party_seats)
    districts = list(district_seats)
    if sum(party_seats.values()) != sum(district_seats.values()):
        raise InputError(
            f"party seats ({sum(party_seats.values())}) and district seats"
            f" ({sum(district_seats.values())}) differ"
        )
    v = [[Fraction(votes.get(p, {}).get(d, 0)) for d in districts] for p in parties]
    problems = [
        f"party '{p}' has {party_seats[p]} seat(s) but no votes in any district"
        for i, p in enumerate(parties)
        if party_seats[p] > 0 and not any(v[i])
    ] + [
        f"district '{d}' has {district_seats[d]} seat(s) but no votes for a party with seats"
        for j, d in enumerate(districts)
        if district_seats[d] > 0
        and not any(v[i][j] for i, p in enumerate(parties) if party_seats[p] > 0)
    ]
    if problems:
        raise InputError(problems)
    pdiv = [Fraction(1)] * len(parties)
    ddiv = [Fraction(1)] * len(districts)
    seats = [[0] * len(districts) for _ in parties]
    # Divisors, not seats, are the state: the seats may repeat while the divisors move on.
    seen: set[tuple[bool, tuple[Fraction, ...], tuple[Fraction, ...]]] = set()
    steps = 0
    rows_turn = False
    while True:
        if rows_turn:
            for i, p in enumerate(parties):
                row, pdiv[i], _ = round_divisor(
                    [v[i][j] / ddiv[j] for j in range(len(districts))], party_seats[p]
                )
                seats[i] = row
        else:
            for j, d in enumerate(districts):
                col, ddiv[j], _ = round_divisor(
                    [v[i][j] / pdiv[i] for i in range(len(parties))], district_seats[d]
                )
                for i in range(len(parties)):
                    seats[i][j] = col[i]
        steps += 1
        rows_ok = all(sum(seats[i]) == party_seats[p] for i, p in enumerate(parties))
        cols_ok = all(
            sum(seats[i][j] for i in range(len(parties))) == district_seats[d]
            for j, d in enumerate(districts)
        )
        if rows_ok and cols_ok:
            break
        state = (rows_turn, tuple(pdiv), tuple(ddiv))
        if state in seen or steps >= MAX_STEPS:
            raise InputError(
                "biproportional apportionment: alternating scaling found no table whose rows"
                f" and columns both hold after {steps} steps; "
                + _tie_text(_ties(v, seats, pdiv, ddiv, parties, districts))
            )
        seen.add(state)
        rows_turn = not rows_turn
    ties = _ties(v, seats, pdiv, ddiv, parties, districts)
    return LowerApportionment(
        seats={p: dict(zip(districts, seats[i], strict=True)) for i, p in enumerate(parties)},
        party_divisors=dict(zip(parties, pdiv, strict=True)),
        district_divisors=dict(zip(districts, ddiv, strict=True)),
        steps=steps,
        ties=ties,
    )


def _ties(
    v: list[list[Fraction]],
    seats: list[list[int]],
    pdiv: list[Fraction],
    ddiv: list[Fraction],
    parties: list[str],
    districts: list[str],
) -> tuple[BiproportionalTie, ...]:
    up: list[tuple[str, str]] = []
    down: list[tuple[str, str]] = []
    for i, p in enumerate(parties):
        for j, d in enumerate(districts):
            if v[i][j] == 0:
                continue
            q = v[i][j] / (pdiv[i] * ddiv[j])
            if q == seats[i][j] + _HALF:
                up.append((p, d))
            elif seats[i][j] > 0 and q == seats[i][j] - _HALF:
                down.append((p, d))
    if up and down:
        return (BiproportionalTie(tuple(up), tuple(down)),)
    return ()


def _tie_text(ties: tuple[BiproportionalTie, ...]) -> str:
    return ties[0].text if ties else "the votes leave the seats tied (the law decides by lot)"


def voter_numbers(
    votes: Mapping[str, Mapping[str, int]], district_seats: Mapping[str, int]
) -> dict[str, int]:
    """Zurich's *Wählerzahlen*: party votes ÷ district seats, rounded, summed per party.

    Each voter has as many votes as the district has seats; dividing makes a
    vote in a small district weigh as much as one in a large district.  The
    rounding is to the nearest whole number, a half up.
    """
    out: dict[str, int] = {}
    for party, per in votes.items():
        total = 0
        for d, n in per.items():
            if n:
                q = Fraction(n, district_seats[d])
                total += floor(q + _HALF)
        out[party] = total
    return out


def district_failures(votes: Mapping[str, Mapping[str, int]], percent: Fraction) -> dict[str, str]:
    """Parties below ``percent`` of the party votes in every district they ran in."""
    totals: dict[str, int] = {}
    for per in votes.values():
        for d, n in per.items():
            totals[d] = totals.get(d, 0) + n
    failures: dict[str, str] = {}
    for party, per in votes.items():
        best = max(
            (Fraction(n, totals[d]) for d, n in per.items() if totals[d]), default=Fraction(0)
        )
        if best * 100 < percent:
            failures[party] = (
                f"below {float(percent):g}% in every district (best {float(best * 100):.4f}%)"
            )
    return failures


def apportion(
    votes: Mapping[str, Mapping[str, int]],
    district_seats: Mapping[str, int],
    *,
    district_threshold: Fraction | int = 0,
    use_voter_numbers: bool = False,
    method: str = "sainte-lague",
    tie_break: tuple[str, ...] = ("votes", "order"),
    seed: int | None = None,
) -> Biproportional:
    """Biproportional apportionment of ``sum(district_seats)`` seats.

    ``votes`` maps party → district → votes.  Parties below
    ``district_threshold`` percent in every district take no part.  The upper
    apportionment is ``method`` (Sainte-Laguë in every canton) over each party's
    total votes, or over its
    voter numbers (:func:`voter_numbers`) with ``use_voter_numbers``; its ties
    follow ``tie_break``.  Ties left in the lower apportionment are reported in
    ``lower.ties``.
    """
    problems = [
        f"district '{d}': seats {n!r} must be a whole number ≥ 0"
        for d, n in district_seats.items()
        if isinstance(n, bool) or not isinstance(n, int) or n < 0
    ]
    unknown = sorted({d for per in votes.values() for d in per} - set(district_seats))
    problems += [f"district '{d}' has votes but no seats declared" for d in unknown]
    if problems:
        raise InputError(problems)
    house = sum(district_seats.values())
    pct = Fraction(district_threshold)
    excluded = district_failures(votes, pct) if pct else {}
    if use_voter_numbers:
        weights = voter_numbers(votes, district_seats)
    else:
        weights = {p: sum(per.values()) for p, per in votes.items()}
    upper = allocate(weights, house, method, excluded=excluded, tie_break=tie_break, seed=seed)
    taking_part = {p: n for p, n in upper.seats.items() if upper.threshold.passed[p]}
    lower = lower_apportionment(
        {p: votes[p] for p in taking_part}, taking_part, dict(district_seats)
    )
    return Biproportional(
        upper=upper,
        lower=lower,
        district_seats=dict(district_seats),
        voter_numbers=weights if use_voter_numbers else {},
    )
