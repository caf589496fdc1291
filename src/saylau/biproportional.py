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
(cells whose quotient is exactly ``n + 1/2`` under the final divisors, more
than one table holding both margins) is decided by the law's tie-break chain,
ending in a seeded lot, and reported (:class:`BiproportionalTie`, and a
:class:`~saylau.allocation.TieEvent` in the upper allocation's ties).

Zurich's rules (Gesetz über die politischen Rechte, § 102 f.) add two things
handled here: a list group takes part only where one of its lists reached 5 %
of the party votes in its district, and the upper apportionment uses *voter
numbers*: a list's party votes divided by the district's seats, rounded to a
whole number, summed over the districts.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from math import floor
from typing import Any

from saylau.allocation import Allocation, TieEvent, fraction_json
from saylau.core import allocate
from saylau.core.inputs import whole
from saylau.errors import InputError

_HALF = Fraction(1, 2)

#: Scaling steps after which alternating scaling gives up: real elections
#: converge in a few dozen; a cycle means an unresolved tie.
MAX_STEPS = 2_000


@dataclass(frozen=True)
class BiproportionalTie:
    """A tie in the lower apportionment and how the law's chain decided it.

    Under the final divisors each cell in ``cells`` has a quotient of exactly
    ``n + 1/2``: it may hold ``n`` or ``n + 1`` seats, and more than one choice
    keeps every row and column total.  ``winners`` are the cells given
    ``n + 1``; ``resolved_by`` names the criterion that decided (``lot`` with
    ``seed`` when the earlier criteria could not).
    """

    cells: tuple[tuple[str, str], ...]
    winners: tuple[tuple[str, str], ...]
    resolved_by: str
    seed: int | None = None

    @property
    def text(self) -> str:
        def names(cs: tuple[tuple[str, str], ...]) -> str:
            return ", ".join(f"{p} in {d}" for p, d in cs) or "none"

        how = f"lot (seed {self.seed})" if self.resolved_by == "lot" else self.resolved_by
        return (
            f"tie in the lower apportionment between {names(self.cells)}:"
            f" the seat(s) went to {names(self.winners)} ({how})"
        )

    def event(self) -> TieEvent:
        """The same tie as a :class:`TieEvent`, the form every method reports."""
        return TieEvent(
            seats=(),
            parties=tuple(f"{p} in {d}" for p, d in self.cells),
            winners=tuple(f"{p} in {d}" for p, d in self.winners),
            value=None,
            resolved_by=self.resolved_by,
            kind="quotient",
            seed=self.seed,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "cells": [list(c) for c in self.cells],
            "winners": [list(c) for c in self.winners],
            "resolved_by": self.resolved_by,
            "seed": self.seed,
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
    #: Under a majorz condition: each district's strongest list (party, district), and
    #: those of its cells whose seat the guarantee alone gave (quotient under 1/2).
    strongest: tuple[tuple[str, str], ...] = ()
    guaranteed: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {
            "seats": {p: dict(row) for p, row in self.seats.items()},
            "party_divisors": {p: fraction_json(d) for p, d in self.party_divisors.items()},
            "district_divisors": {d: fraction_json(v) for d, v in self.district_divisors.items()},
            "scaling_steps": self.steps,
            "ties": [t.to_dict() for t in self.ties],
        }
        if self.strongest:
            out["strongest_lists"] = [
                {"party": p, "district": d, "guaranteed": (p, d) in self.guaranteed}
                for p, d in self.strongest
            ]
        return out


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
    # A loop, not recursion: two bounds that agree to many digits (alternating scaling
    # of large electorates gives such Fractions) share a continued fraction longer
    # than Python's recursion limit.
    wholes: list[int] = []
    while True:
        whole = floor(lo)
        if whole + 1 < hi:
            found = Fraction(whole + 1)
            break
        if lo == whole:
            found = whole + 1 / Fraction(floor(1 / (hi - whole)) + 1)
            break
        wholes.append(whole)
        lo, hi = 1 / (hi - whole), 1 / (lo - whole)
    for whole in reversed(wholes):
        found = whole + 1 / found
    return found


def round_divisor(
    weights: list[Fraction], house: int, first: Sequence[bool] = ()
) -> tuple[list[int], Fraction, bool]:
    """Sainte-Laguë on exact weights: seats, a divisor giving them, and whether tied.

    The divisor lies strictly inside the interval of valid divisors, or on its
    single point when the last seat is tied (then ``True``).  A cell marked in
    ``first`` (the strongest list of a district, under a majorz condition) holds
    at least one seat whatever its quotient: its first seat needs no divisor.
    """
    seats = [0] * len(weights)
    if house == 0:
        top = max(weights, default=Fraction(0))
        return seats, 2 * top + 1, False
    given = {i for i, w in enumerate(weights) if w > 0 and i < len(first) and first[i]}
    if len(given) > house:
        raise InputError(
            f"biproportional apportionment: {len(given)} lists are each owed a seat where they are"
            f" strongest, but only {house} seat(s) are there to share"
        )
    for i in given:
        seats[i] = 1
    heap = [(-w / (seats[i] + _HALF), i) for i, w in enumerate(weights) if w > 0]
    if not heap:
        raise InputError("no votes to share the seats by")
    heapq.heapify(heap)
    for _ in range(house - len(given)):
        _neg, i = heapq.heappop(heap)
        seats[i] += 1
        heapq.heappush(heap, (-weights[i] / (seats[i] + _HALF), i))
    # Valid divisors x: every cell's next quotient ≤ x ≤ every cell's last quotient (a
    # guaranteed first seat has no last quotient: any divisor keeps it).
    lo = -heap[0][0]
    last = [weights[i] / (s - _HALF) for i, s in enumerate(seats) if s > (i in given)]
    hi = min(last, default=2 * lo + 2)
    if lo == hi:
        return seats, hi, True
    return seats, simplest_between(lo, hi), False


def lower_apportionment(
    votes: Mapping[str, Mapping[str, int]],
    party_seats: Mapping[str, int],
    district_seats: Mapping[str, int],
    *,
    tie_break: Sequence[str] = ("lot",),
    seed: int | None = None,
    firsts: Collection[tuple[str, str]] = (),
) -> LowerApportionment:
    """Fill the party × district table so both margins hold (alternating scaling).

    ``votes`` maps party → district → votes (missing cells are 0);
    ``party_seats`` and ``district_seats`` must have the same total.  Cells
    tied on a rounding boundary are decided by ``tie_break`` (``votes``: the
    cell with more votes; ``order``: the earlier party, then district; ``lot``
    seeded with ``seed``), always ending in a lot.  Each (party, district) cell
    in ``firsts`` holds at least one seat (a majorz condition,
    :func:`district_winners`): its rounding sends every positive quotient to 1
    or more, as BAZI does.
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
    rows = [party_seats[p] for p in parties]
    cols = [district_seats[d] for d in districts]
    first = [
        [(p, d) in firsts and v[i][j] > 0 for j, d in enumerate(districts)]
        for i, p in enumerate(parties)
    ]
    owed = [sum(r) for r in first]
    owed_c = [sum(first[i][j] for i in range(len(parties))) for j in range(len(districts))]
    # Divisors exist exactly when some table with these margins puts seats only where there are
    # votes (Balinski and Demange); without one, scaling would run to its step limit.  The
    # seats owed to the strongest lists are set aside first.
    units = [
        (i, j)
        for i in range(len(parties))
        for j in range(len(districts))
        if v[i][j]
        for _ in range(min(rows[i], cols[j]) - first[i][j])
    ]
    free_r = [n - k for n, k in zip(rows, owed, strict=True)]
    free_c = [n - k for n, k in zip(cols, owed_c, strict=True)]
    if not _completes(free_r, free_c, units):
        raise InputError(
            "biproportional apportionment: no table gives every party and every district its"
            " seats with seats only where the party has votes"
            + (" and a seat to each district's strongest list" if firsts else "")
        )
    pdiv = [Fraction(1)] * len(parties)
    ddiv = [Fraction(1)] * len(districts)
    seats = [[0] * len(districts) for _ in parties]
    # Divisors, not seats, are the state: the seats may repeat while the divisors move on.
    seen: set[tuple[bool, tuple[Fraction, ...], tuple[Fraction, ...]]] = set()
    steps = 0
    rows_turn = False
    tie: BiproportionalTie | None = None
    while True:
        if rows_turn:
            for i, p in enumerate(parties):
                row, pdiv[i], _ = round_divisor(
                    [v[i][j] / ddiv[j] for j in range(len(districts))], party_seats[p], first[i]
                )
                seats[i] = row
        else:
            for j, d in enumerate(districts):
                col, ddiv[j], _ = round_divisor(
                    [v[i][j] / pdiv[i] for i in range(len(parties))],
                    district_seats[d],
                    [first[i][j] for i in range(len(parties))],
                )
                for i in range(len(parties)):
                    seats[i][j] = col[i]
        steps += 1
        # Cells on a rounding boundary: a tie if these divisors admit more than one table
        # (alternating scaling would otherwise move the tied seat back and forth forever).
        decided = _decide_ties(
            v, pdiv, ddiv, rows, cols, parties, districts, tie_break, seed, first
        )
        if decided is not None:
            seats, tie = decided
            break
        rows_ok = all(sum(seats[i]) == rows[i] for i in range(len(parties)))
        cols_ok = all(
            sum(seats[i][j] for i in range(len(parties))) == cols[j] for j in range(len(districts))
        )
        if rows_ok and cols_ok:
            break
        state = (rows_turn, tuple(pdiv), tuple(ddiv))
        if state in seen or steps >= MAX_STEPS:
            raise InputError(
                "biproportional apportionment: alternating scaling found no table whose rows"
                f" and columns both hold after {steps} steps, and no tie on a rounding"
                " boundary that a lot could settle"
            )
        seen.add(state)
        rows_turn = not rows_turn
    cells = [(i, j) for i in range(len(parties)) for j in range(len(districts)) if first[i][j]]
    return LowerApportionment(
        seats={p: dict(zip(districts, seats[i], strict=True)) for i, p in enumerate(parties)},
        party_divisors=dict(zip(parties, pdiv, strict=True)),
        district_divisors=dict(zip(districts, ddiv, strict=True)),
        steps=steps,
        ties=(tie,) if tie is not None else (),
        strongest=tuple((parties[i], districts[j]) for i, j in cells),
        guaranteed=tuple(
            (parties[i], districts[j]) for i, j in cells if v[i][j] / (pdiv[i] * ddiv[j]) < _HALF
        ),
    )


Cell = tuple[int, int]


def _completes(rows: list[int], cols: list[int], cells: Sequence[Cell]) -> bool:
    """Whether some of ``cells`` give every row and column exactly its count.

    Each entry of ``cells`` is one seat a cell may take (a cell listed twice may
    take two).  A maximum flow source → rows → cells → columns → sink, by
    shortest augmenting paths (Edmonds–Karp); the tables are small.
    """
    if any(n < 0 for n in rows) or any(n < 0 for n in cols) or sum(rows) != sum(cols):
        return False
    n_r, n_c = len(rows), len(cols)
    source, sink = n_r + n_c, n_r + n_c + 1
    residual: dict[int, dict[int, int]] = {k: {} for k in range(n_r + n_c + 2)}

    def edge(a: int, b: int, c: int) -> None:
        residual[a][b] = residual[a].get(b, 0) + c
        residual[b].setdefault(a, 0)

    for i, n in enumerate(rows):
        edge(source, i, n)
    for j, n in enumerate(cols):
        edge(n_r + j, sink, n)
    for i, j in cells:
        edge(i, n_r + j, 1)
    flow = 0
    while flow < sum(rows):
        parent = {source: source}
        queue = [source]
        for node in queue:
            for nxt, c in residual[node].items():
                if c > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return False
        push, node = sum(rows) - flow, sink
        while node != source:
            push = min(push, residual[parent[node]][node])
            node = parent[node]
        node = sink
        while node != source:
            residual[parent[node]][node] -= push
            residual[node][parent[node]] += push
            node = parent[node]
        flow += push
    return True


def _decide_ties(
    v: list[list[Fraction]],
    pdiv: list[Fraction],
    ddiv: list[Fraction],
    rows: list[int],
    cols: list[int],
    parties: list[str],
    districts: list[str],
    chain: Sequence[str],
    seed: int | None,
    first: list[list[bool]],
) -> tuple[list[list[int]], BiproportionalTie | None] | None:
    """The table these divisors give, ties decided by ``chain``; None if they give none.

    Only called to the point: without a cell on a rounding boundary the
    divisors either hold the margins (the caller sees it) or not.
    """
    base = [[0] * len(districts) for _ in parties]
    half: list[Cell] = []
    for i in range(len(parties)):
        for j in range(len(districts)):
            q = v[i][j] / (pdiv[i] * ddiv[j])
            base[i][j] = max(floor(q + _HALF), first[i][j])
            if v[i][j] and q - floor(q) == _HALF and not (first[i][j] and q < 1):
                base[i][j] = floor(q)
                half.append((i, j))
    if not half:
        return None
    need_r = [rows[i] - sum(base[i]) for i in range(len(parties))]
    need_c = [cols[j] - sum(base[i][j] for i in range(len(parties))) for j in range(len(districts))]
    if not _completes(need_r, need_c, half):
        return None
    # Rank the tied cells by the chain; the lot is a seeded shuffle of the cells in order.
    rng = random.Random(seed if seed is not None else 0)
    shuffled = list(half)
    rng.shuffle(shuffled)
    lot = {c: k for k, c in enumerate(shuffled)}

    full = (*[c for c in chain if c != "lot"], "lot")
    ranked = sorted(half, key=lambda c: _keys(c, full, v, lot))
    chosen: list[Cell] = []
    open_r, open_c = list(need_r), list(need_c)
    for n, c in enumerate(ranked):
        i, j = c
        open_r[i] -= 1
        open_c[j] -= 1
        if _completes(open_r, open_c, ranked[n + 1 :]):
            chosen.append(c)
        else:
            open_r[i] += 1
            open_c[j] += 1
    table = [row[:] for row in base]
    for i, j in chosen:
        table[i][j] += 1
    # A cell is contested when some valid table gives it the seat and another does not.
    contested: list[Cell] = []
    for c in half:
        i, j = c
        others = [o for o in half if o != c]
        with_it = _completes(
            [n - (k == i) for k, n in enumerate(need_r)],
            [n - (k == j) for k, n in enumerate(need_c)],
            others,
        )
        if with_it and _completes(need_r, need_c, others):
            contested.append(c)
    if not contested:
        return table, None
    won = {c for c in chosen if c in contested}
    resolved_by = "lot"
    for criterion in full:
        if criterion == "lot":
            break
        # Decided before the lot if no chosen and unchosen cell share this criterion's keys.
        prefix = full[: full.index(criterion) + 1]
        keys_won = {_keys(c, prefix, v, lot) for c in won}
        keys_lost = {_keys(c, prefix, v, lot) for c in contested if c not in won}
        if not keys_won & keys_lost:
            resolved_by = criterion
            break

    def name(c: Cell) -> tuple[str, str]:
        return parties[c[0]], districts[c[1]]

    tie = BiproportionalTie(
        cells=tuple(name(c) for c in sorted(contested)),
        winners=tuple(name(c) for c in sorted(won)),
        resolved_by=resolved_by,
        seed=seed if resolved_by == "lot" else None,
    )
    return table, tie


def _keys(
    c: Cell, chain: Sequence[str], v: list[list[Fraction]], lot: Mapping[Cell, int]
) -> tuple[Any, ...]:
    """A cell's sort key under ``chain``: more votes first, earlier first, lot order."""
    out: list[Any] = []
    for criterion in chain:
        if criterion == "votes":
            out.append(-v[c[0]][c[1]])
        elif criterion == "order":
            out.append(c)
        else:
            out.append(lot[c])
    return tuple(out)


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


def district_failures(
    votes: Mapping[str, Mapping[str, int]],
    percent: Fraction,
    *,
    total_percent: Fraction,
    weights: Mapping[str, int],
) -> dict[str, str]:
    """Parties that fail the quorum, each with why.

    A party passes with ``percent`` of the party votes in at least one district it
    ran in, or with ``total_percent`` of ``weights`` (its share of the whole area:
    the upper apportionment's weights, party votes or voter numbers).  A quorum of
    0 is not set: with neither set every party passes; with one, only it counts
    (Zurich: 5 % in a district; Graubünden: 3 % of the canton; Zug and Aargau:
    either).
    """
    if not percent and not total_percent:
        return {}
    totals: dict[str, int] = {}
    for per in votes.values():
        for d, n in per.items():
            totals[d] = totals.get(d, 0) + n
    whole = sum(weights.values())
    failures: dict[str, str] = {}
    for party, per in votes.items():
        best = max(
            (Fraction(n, totals[d]) for d, n in per.items() if totals[d]), default=Fraction(0)
        )
        share = Fraction(weights.get(party, 0), whole) if whole else Fraction(0)
        why: list[str] = []
        if percent:
            if best * 100 >= percent:
                continue
            why.append(
                f"below {float(percent):g}% in every district (best {float(best * 100):.4f}%)"
            )
        if total_percent:
            if share * 100 >= total_percent:
                continue
            why.append(
                f"below {float(total_percent):g}% in the whole area ({float(share * 100):.4f}%)"
            )
        failures[party] = " and ".join(why)
    return failures


def district_winners(
    votes: Mapping[str, Mapping[str, int]], parties: Collection[str]
) -> frozenset[tuple[str, str]]:
    """The (party, district) cells where one of ``parties`` (those with seats) is the
    strongest list: the most party votes of all lists there (lists level at the top are
    all strongest; a district whose strongest list has no seats is owed nothing)."""
    best: dict[str, int] = {}
    for per in votes.values():
        for d, n in per.items():
            if n > best.get(d, 0):
                best[d] = n
    return frozenset(
        (p, d) for p in parties for d, n in votes.get(p, {}).items() if n and n == best[d]
    )


def apportion(
    votes: Mapping[str, Mapping[str, int]],
    district_seats: Mapping[str, int],
    *,
    district_threshold: Fraction | int = 0,
    total_threshold: Fraction | int = 0,
    use_voter_numbers: bool = False,
    district_winner_seat: bool = False,
    method: str = "sainte-lague",
    tie_break: tuple[str, ...] = ("votes", "order"),
    seed: int | None = None,
) -> Biproportional:
    """Biproportional apportionment of ``sum(district_seats)`` seats.

    ``votes`` maps party → district → votes.  Parties below
    ``district_threshold`` percent in every district, and below
    ``total_threshold`` percent of the whole area's weights, take no part
    (:func:`district_failures`).  With ``district_winner_seat`` (a *majorz
    condition*: Zug, Graubünden) each district's strongest list taking part holds
    at least one seat there (:func:`district_winners`).  The upper
    apportionment is ``method`` (Sainte-Laguë in every canton) over each party's
    total votes, or over its
    voter numbers (:func:`voter_numbers`) with ``use_voter_numbers``; its ties
    follow ``tie_break``; so do ties in the lower apportionment, reported in
    ``lower.ties`` and in ``upper.ties``.
    """
    problems = [
        f"district '{d}': seats {n!r} must be a whole number ≥ 0"
        for d, n in district_seats.items()
        if not whole(n)
    ]
    unknown = sorted({d for per in votes.values() for d in per} - set(district_seats))
    problems += [f"district '{d}' has votes but no seats declared" for d in unknown]
    if problems:
        raise InputError(problems)
    house = sum(district_seats.values())
    if use_voter_numbers:
        weights = voter_numbers(votes, district_seats)
    else:
        weights = {p: sum(per.values()) for p, per in votes.items()}
    excluded = district_failures(
        votes,
        Fraction(district_threshold),
        total_percent=Fraction(total_threshold),
        weights=weights,
    )
    upper = allocate(weights, house, method, excluded=excluded, tie_break=tie_break, seed=seed)
    taking_part = {p: n for p, n in upper.seats.items() if upper.threshold.passed[p]}
    lower = lower_apportionment(
        {p: votes[p] for p in taking_part},
        taking_part,
        dict(district_seats),
        tie_break=tie_break,
        seed=seed,
        firsts=district_winners(votes, [p for p, n in taking_part.items() if n])
        if district_winner_seat
        else (),
    )
    if lower.ties:
        # Reported where every method reports its ties, with the seed if a lot decided.
        lots = any(t.resolved_by == "lot" for t in lower.ties)
        upper = replace(
            upper,
            ties=upper.ties + tuple(t.event() for t in lower.ties),
            seed=seed if lots or upper.seed is not None else None,
        )
    return Biproportional(
        upper=upper,
        lower=lower,
        district_seats=dict(district_seats),
        voter_numbers=weights if use_voter_numbers else {},
    )
