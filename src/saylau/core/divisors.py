"""Divisor (highest-averages) methods and the quota method: seats by quotient."""

from __future__ import annotations

from bisect import bisect_left
from fractions import Fraction
from functools import partial

from saylau.allocation import Step, TieEvent
from saylau.core.context import Ctx, fmt, log_minimums, quotient_text
from saylau.methods import MethodSpec
from saylau.methods.quota_method import quota_method
from saylau.ties import resolve


def quota_method_seats(ctx: Ctx, parties: list[str], seats: int, offset: int) -> dict[str, int]:
    """Balinski and Young's quota method, seat by seat, from the lists' minimums."""
    votes = [ctx.votes[p] for p in parties]
    start = [ctx.floors.get(p, 0) for p in parties]
    first = offset + log_minimums(ctx, parties, offset)

    def choose(group: list[int], k: int, quotient: tuple[int, int]) -> int:
        # Every exact tie for a seat is settled by the law's chain and reported.
        names = [parties[i] for i in group]
        winners, how = resolve(names, 1, ctx.chain, ctx.votes, ctx.order, ctx.seed)
        ctx.ties.append(
            TieEvent(
                (first + k + 1,),
                tuple(names),
                tuple(winners),
                Fraction(*quotient),
                how,
                "quotient",
                ctx.seed,
            )
        )
        return parties.index(winners[0])

    got, awards = quota_method(votes, seats - sum(start), choose, start)
    for k, (i, n, d) in enumerate(awards, start=first + 1):
        ctx.steps.append(
            Step(
                "divisor",
                partial(quotient_text, k, parties[i], Fraction(n, d)),
                party=parties[i],
                seats=1,
                seat_number=k,
                value=(n, d),
            )
        )
    return dict(zip(parties, got, strict=True))


_TABLES: dict[str, tuple[list[tuple[int, int]], list[float]]] = {}


def _divisor_table(spec: MethodSpec, n: int) -> tuple[list[tuple[int, int]], list[float]]:
    """The first ``n`` divisors of a method as (numerator, denominator) and as floats.

    Kept per process: the divisors of a method never change.
    """
    assert spec.divisor is not None
    exact, approx = _TABLES.setdefault(spec.name, ([], []))
    while len(exact) < n:
        d = spec.divisor(len(exact))
        exact.append((d.numerator, d.denominator))
        approx.append(float(d))
    return exact, approx


class _Quotients:
    """Exact quotients ``w / d(s)`` (squared for Huntington–Hill) with float shadows.

    ``w`` is a party's votes times its bonus, kept as integers ``wn / wd`` so that
    every exact comparison is a cross-multiplication of integers.  ``None`` stands
    for an infinite quotient (a first divisor of 0).
    """

    def __init__(self, spec: MethodSpec, weights: dict[str, Fraction | int], seats: int) -> None:
        self.squared = spec.squared
        self.spec = spec
        self.divisors, self.fdivisors = _divisor_table(spec, seats + 2)
        self.w: dict[str, tuple[int, int]] = {}
        for p, w in weights.items():
            n, d = (w, 1) if isinstance(w, int) else (w.numerator, w.denominator)
            # In the squared space of Huntington–Hill, w² is compared with d².
            self.w[p] = (n * n, d * d) if spec.squared else (n, d)
        self.fweights = {p: n / d for p, (n, d) in self.w.items()}

    def _d(self, s: int) -> int:
        if s >= len(self.divisors):
            self.divisors, self.fdivisors = _divisor_table(self.spec, s + 1)
        return s

    def exact(self, p: str, s: int) -> Fraction | None:
        dn, dd = self.divisors[self._d(s)]
        if dn == 0:
            return None
        wn, wd = self.w[p]
        return Fraction(wn * dd, wd * dn)

    def approx(self, p: str, s: int) -> float:
        d = self.fdivisors[self._d(s)]
        return float("inf") if d == 0 else self.fweights[p] / d

    def above(self, p: str, s: int, ln: int, ld: int) -> bool:
        """Is the exact quotient of party p at s seats strictly above ln / ld?"""
        dn, dd = self.divisors[self._d(s)]
        if dn == 0:
            return True
        wn, wd = self.w[p]
        return wn * dd * ld > ln * dn * wd

    def jump_start(self, seats: int) -> tuple[dict[str, int], Fraction | None]:
        """Seats every party surely wins: its quotients strictly above some λ.

        Any λ with at most ``seats`` quotients strictly above it gives a subset of
        the final seats (they are among the top ``seats`` quotients), so the
        seat-by-seat loop only awards the rest.  λ is found with floats; the
        counts are then made exact.
        """
        parties = list(self.w)
        fd = self.fdivisors
        top = seats + 1

        def count(lam: float) -> int:
            # quotient w/d(k) > λ  <=>  d(k) < w/λ; divisors increase with k.
            return sum(bisect_left(fd, w / lam, 0, top) for w in self.fweights.values())

        total = sum(self.fweights.values())
        hi = total / seats if total else 0.0
        if hi <= 0:
            return dict.fromkeys(parties, 0), None
        for _ in range(64):
            if count(hi) <= seats:
                break
            hi *= 2
        else:  # more infinite quotients than seats (Adams with many lists)
            return dict.fromkeys(parties, 0), None
        lo = hi / 2
        for _ in range(64):
            if count(lo) > seats:
                break
            hi, lo = lo, lo / 2
        slack = len(parties) // 2
        for _ in range(60):
            if count(hi) >= seats - slack:
                break
            mid = (lo + hi) / 2
            if count(mid) <= seats:
                hi = mid
            else:
                lo = mid
        ln, ld = hi.as_integer_ratio()
        counts: dict[str, int] = {}
        for p, w in self.fweights.items():
            k = bisect_left(fd, w / hi, 0, top)
            while k > 0 and not self.above(p, k - 1, ln, ld):
                k -= 1
            while k <= seats and self.above(p, k, ln, ld):
                k += 1
            counts[p] = k
        if sum(counts.values()) > seats:  # pragma: no cover - floats were far off
            return dict.fromkeys(parties, 0), None
        return counts, Fraction(ln, ld)


def highest_averages(
    ctx: Ctx, spec: MethodSpec, parties: list[str], seats: int, offset: int
) -> tuple[dict[str, int], Fraction | None]:
    votes = ctx.votes
    q = _Quotients(
        spec, {p: ctx.bonus[p] * votes[p] if p in ctx.bonus else votes[p] for p in parties}, seats
    )
    floors = {p: ctx.floors.get(p, 0) for p in parties} if ctx.floors else {}
    free = seats - sum(floors.values())
    got, _ = q.jump_start(free) if free > 0 else (dict.fromkeys(parties, 0), None)
    seat_no = offset
    if any(floors.values()):
        # The jump start's λ leaves at most `free` quotients above it, so with the
        # minimums added every list still holds no more than its final seats.
        minimum = {p: floors[p] for p in parties if floors[p] >= got[p]}
        for p in minimum:
            got[p] = floors[p]
        seat_no += log_minimums(ctx, list(minimum), offset)
    else:
        minimum = {}
    # The exact quotient of each list's last seat so far: the final divisor is the
    # smallest of them, so none is built twice (a Fraction's gcd is the largest cost
    # of an allocation after the seat loop).
    last: dict[str, Fraction | None] = {}
    for p in parties:
        if got[p] and p not in minimum:
            # The exact quotient of the list's last seat here, never the float cut.
            value = last[p] = q.exact(p, got[p] - 1)
            shown = "∞" if value is None else fmt(value)
            ctx.steps.append(
                Step(
                    "divisor",
                    f"seats {seat_no + 1}–{seat_no + got[p]}: {p}, {got[p]} quotient(s)"
                    f" down to {shown}{' (squared)' if spec.squared else ''}",
                    party=p,
                    seats=got[p],
                    seat_number=seat_no + got[p],
                    value=value,
                )
            )
            seat_no += got[p]
    # Floats only shortlist the parties near the top; exact Fractions decide.
    approx = {p: q.approx(p, got[p]) for p in parties}
    inf = float("inf")
    left = seats - (seat_no - offset)
    while left:
        top = max(approx.values())
        best: Fraction | None
        if top == inf:
            best = None
            group = [p for p in parties if approx[p] == inf]
        else:
            near = [p for p in parties if approx[p] >= top * (1 - 1e-9)]
            if len(near) == 1:
                group = near
                best = q.exact(near[0], got[near[0]])
            else:
                exact = {p: q.exact(p, got[p]) for p in near}
                best = max(x for x in exact.values() if x is not None)
                group = [p for p in near if exact[p] == best]
        if len(group) > left:
            winners, how = resolve(group, left, ctx.chain, votes, ctx.order, ctx.seed)
            ctx.ties.append(
                TieEvent(
                    tuple(range(seat_no + 1, seat_no + left + 1)),
                    tuple(group),
                    tuple(winners),
                    best,
                    how,
                    "quotient",
                    ctx.seed,
                )
            )
        else:
            winners = sorted(group, key=lambda p: (-votes[p], ctx.order[p]))
        shown = (
            "∞ (first divisor 0)"
            if best is None
            else fmt(best) + (" (squared)" if spec.squared else "")
        )
        for p in winners:
            seat_no += 1
            left -= 1
            ctx.steps.append(
                Step(
                    "divisor",
                    f"seat {seat_no}: {p}, quotient {shown}",
                    party=p,
                    seats=1,
                    seat_number=seat_no,
                    value=best,
                )
            )
            got[p] += 1
            last[p] = best
            approx[p] = q.approx(p, got[p])
    # The final divisor: the smallest quotient that won a seat (a list that holds only
    # its minimum has no quotient yet).
    won = [
        x
        for p in parties
        if got[p]
        for x in [last[p] if p in last else q.exact(p, got[p] - 1)]
        if x is not None
    ]
    return got, min(won) if won else None
