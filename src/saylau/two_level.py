"""Two-level allocation: regional quotas first, then a national pass over the unused votes.

This is the rule of the Czech Chamber of Deputies since the 2021 amendment of
Act No. 247/1995 Coll. (Act No. 189/2021 Coll., §§ 48–51):

1. **Seats to regions** (§ 48): the valid votes of the whole country divided
   by the house size, rounded to a whole number, is the *republic mandate
   number*; each region gets as many seats as that number is contained in its
   valid votes, the rest go to the largest remainders.
2. **Threshold** (§ 49): a party needs 5 % of the valid votes, a coalition of
   two parties 8 %, of three or more 11 % (``coalition_thresholds``).
3. **First scrutiny** (§ 50), in each region: the votes of the passing
   parties divided by the region's seats plus two (the Imperiali quota),
   rounded, is the *regional electoral number*; each party gets its whole
   multiples.  If that gives the region more seats than it has, the surplus
   is taken from the smallest remainders.
4. **Second scrutiny** (§ 51): the votes each party left unused in the regions
   are summed nationally and divided by the seats still free plus one (the
   Hagenbach-Bischoff quota), rounded; whole multiples first, the rest to the
   largest remainders (a surplus is taken from the smallest).  Each party's
   second-scrutiny seats go to the regions where it left the largest
   remainders.

All arithmetic is on integers and fractions; a tie on remainders is decided by
the law's chain and reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import floor
from typing import Any

from saylau.allocation import Allocation, Step, ThresholdReport, TieEvent
from saylau.errors import InputError
from saylau.ties import resolve

#: Quota offsets: votes / (seats + offset).
QUOTAS: dict[str, int] = {"hare": 0, "hagenbach-bischoff": 1, "imperiali": 2}
_HALF = Fraction(1, 2)


def round_half_up(x: Fraction) -> int:
    """Round to the nearest whole number, a half up ("zaokrouhlené na celé číslo")."""
    return floor(x + _HALF)


@dataclass(frozen=True)
class TwoLevel:
    """Every stage of a two-level allocation."""

    allocation: Allocation
    region_seats: dict[str, int]
    mandate_number: int
    regional_numbers: dict[str, int]
    first: dict[str, dict[str, int]]
    remainders: dict[str, dict[str, int]]
    second_number: int | None
    second: dict[str, int]
    regional: dict[str, dict[str, int]]

    @property
    def seats(self) -> dict[str, int]:
        return dict(self.allocation.seats)

    def to_dict(self) -> dict[str, Any]:
        return {
            "region_seats": dict(self.region_seats),
            "mandate_number": self.mandate_number,
            "regional_numbers": dict(self.regional_numbers),
            "first_scrutiny": {p: dict(r) for p, r in self.first.items()},
            "remainders": {p: dict(r) for p, r in self.remainders.items()},
            "second_number": self.second_number,
            "second_scrutiny": dict(self.second),
            "regional_seats": {p: dict(r) for p, r in self.regional.items()},
        }


class _Ctx:
    def __init__(self, chain: Sequence[str], seed: int | None) -> None:
        self.chain = tuple(chain)
        self.seed = seed
        self.ties: list[TieEvent] = []
        self.steps: list[Step] = []

    def pick(
        self,
        ranked: Mapping[str, int | Fraction],
        need: int,
        votes: Mapping[str, int],
        *,
        largest: bool,
    ) -> list[str]:
        """The ``need`` names with the largest (or smallest) value; ties by the chain."""
        order = {n: i for i, n in enumerate(ranked)}
        sign = -1 if largest else 1
        names = sorted(ranked, key=lambda n: (sign * ranked[n], order[n]))
        if need <= 0:
            return []
        if need >= len(names):
            return names
        cut = ranked[names[need - 1]]
        sure = [n for n in names if sign * ranked[n] < sign * cut]
        tied = [n for n in names if ranked[n] == cut]
        if len(sure) + len(tied) == need:
            return sure + tied
        want = need - len(sure)
        # Fewer votes lose a surplus seat, more votes win a remaining one.
        tie_votes = dict(votes) if largest else {n: -votes.get(n, 0) for n in votes}
        winners, how = resolve(tied, want, self.chain, tie_votes, order, self.seed)
        self.ties.append(
            TieEvent(
                seats=tuple(range(len(sure) + 1, need + 1)),
                parties=tuple(tied),
                winners=tuple(winners),
                value=Fraction(cut),
                resolved_by=how,
                kind="remainder" if largest else "overallocation",
                seed=self.seed if how == "lot" else None,
            )
        )
        return sure + winners


def _region_seats(
    region_valid: Mapping[str, int], house: int, ctx: _Ctx
) -> tuple[dict[str, int], int]:
    total = sum(region_valid.values())
    number = round_half_up(Fraction(total, house))
    if number < 1:
        raise InputError(f"valid votes: {total:,} are too few for {house} seats")
    seats = {r: v // number for r, v in region_valid.items()}
    rem = {r: v - seats[r] * number for r, v in region_valid.items()}
    _settle(ctx, seats, rem, house, number, region_valid)
    return seats, number


def _settle(
    ctx: _Ctx,
    seats: dict[str, int],
    rem: dict[str, int],
    target: int,
    quota: int,
    votes: Mapping[str, int],
    *,
    fill: bool = True,
) -> None:
    """Bring whole-quota ``seats`` to ``target``: largest remainders fill, smallest give back.

    A quota below the Hare quota can give more whole quotas than seats; a holder
    may then give back several seats, its remainder growing by a quota each time.
    With ``fill`` false, seats left over stay free (for the second scrutiny).
    """
    rest = target - sum(seats.values())
    # A quota rounded up can leave more seats than there are holders: they are
    # shared in rounds, each seat won costing its holder a quota of remainder.
    while rest > 0 and fill:
        for k in ctx.pick(rem, min(rest, len(rem)), votes, largest=True):
            seats[k] += 1
            rem[k] -= quota
            rest -= 1
    while rest < 0:
        holders = {k: rem[k] for k in seats if seats[k] > 0}
        for k in ctx.pick(holders, min(-rest, len(holders)), votes, largest=False):
            seats[k] -= 1
            rem[k] += quota
            rest += 1


def _threshold(
    totals: Mapping[str, int],
    valid: int,
    threshold: Fraction,
    members: Mapping[str, int],
    coalition_thresholds: Sequence[tuple[int, Fraction]],
) -> ThresholdReport:
    party_pct: dict[str, Fraction] = {}
    for party in totals:
        pct = threshold
        for size, p in coalition_thresholds:
            if members.get(party, 1) >= size:
                pct = p
        party_pct[party] = pct
    passed = {p: v > 0 and v * 100 >= party_pct[p] * valid for p, v in totals.items()}
    return ThresholdReport(
        percent=threshold,
        base=valid,
        base_name="valid votes",
        passed=passed,
        votes=dict(totals),
        party_percent=party_pct,
    )


def allocate_two_level(
    votes: Mapping[str, Mapping[str, int]],
    house: int,
    *,
    threshold: Fraction | int = 5,
    members: Mapping[str, int] | None = None,
    coalition_thresholds: Sequence[tuple[int, Fraction]] = (),
    regional_quota: str = "imperiali",
    national_quota: str = "hagenbach-bischoff",
    tie_break: Sequence[str] = ("lot",),
    seed: int | None = None,
) -> TwoLevel:
    """Allocate ``house`` seats from votes per party and region (see the module doc).

    ``votes`` maps party → region → votes and must include every party, for
    the valid totals that decide the regions' seats and the threshold.
    """
    problems = [
        f"{name}: unknown quota '{q}'; known: {', '.join(QUOTAS)}"
        for name, q in (("regional_quota", regional_quota), ("national_quota", national_quota))
        if q not in QUOTAS
    ]
    if problems:
        raise InputError(problems)
    regions: list[str] = []
    for per in votes.values():
        regions += [r for r in per if r not in regions]
    if not regions:
        raise InputError("votes: no region given (a 'region' column is needed)")
    ctx = _Ctx(tie_break, seed)
    parties = list(votes)
    cell = {p: {r: votes[p].get(r, 0) for r in regions} for p in parties}
    region_valid = {r: sum(cell[p][r] for p in parties) for r in regions}
    totals = {p: sum(cell[p].values()) for p in parties}
    valid = sum(totals.values())
    region_seats, mandate_number = _region_seats(region_valid, house, ctx)
    ctx.steps.append(
        Step(
            "quota",
            f"republic mandate number {valid:,} / {house} ≈ {mandate_number:,};"
            f" region seats {region_seats}",
            value=Fraction(mandate_number),
        )
    )
    report = _threshold(
        totals, valid, Fraction(threshold), members or {}, sorted(coalition_thresholds)
    )
    passing = [p for p in parties if report.passed[p]]
    if not passing:
        raise InputError("no party passed the threshold")
    first = {p: dict.fromkeys(regions, 0) for p in parties}
    rem = {p: dict(cell[p]) for p in parties}
    numbers: dict[str, int] = {}
    offset = QUOTAS[regional_quota]
    for r in regions:
        base = sum(cell[p][r] for p in passing)
        if region_seats[r] == 0 or base == 0:
            continue
        # Fewer votes than seats plus the offset round the number to 0; one vote
        # is the least a seat can cost (the surplus is then given back).
        q = max(1, round_half_up(Fraction(base, region_seats[r] + offset)))
        numbers[r] = q
        won = {p: cell[p][r] // q for p in passing}
        left = {p: cell[p][r] - won[p] * q for p in passing}
        _settle(ctx, won, left, region_seats[r], q, {p: cell[p][r] for p in passing}, fill=False)
        for p in passing:
            first[p][r], rem[p][r] = won[p], left[p]
        ctx.steps.append(
            Step(
                "quota",
                f"{r}: regional electoral number {base:,} / ({region_seats[r]} + {offset})"
                f" ≈ {q:,}; seats "
                + ", ".join(f"{p} {first[p][r]}" for p in passing if first[p][r]),
                value=Fraction(q),
            )
        )
    free = house - sum(sum(first[p].values()) for p in passing)
    unused = {p: sum(rem[p].values()) for p in passing}
    second = dict.fromkeys(passing, 0)
    second_number: int | None = None
    if free > 0:
        second_number = max(
            1, round_half_up(Fraction(sum(unused.values()), free + QUOTAS[national_quota]))
        )
        for p in passing:
            second[p] = unused[p] // second_number
        left = {p: unused[p] - second[p] * second_number for p in passing}
        _settle(ctx, second, left, free, second_number, totals)
        ctx.steps.append(
            Step(
                "quota",
                f"second scrutiny: {sum(unused.values()):,} unused votes /"
                f" ({free} + {QUOTAS[national_quota]}) ≈ {second_number:,}; seats "
                + ", ".join(f"{p} {n}" for p, n in second.items() if n),
                value=Fraction(second_number),
            )
        )
    regional = {p: dict(first[p]) for p in parties}
    for p in passing:
        need = second[p]
        while need > 0:
            # The regions where the party left most votes unused take its seats in turn.
            take = ctx.pick(rem[p], min(need, len(regions)), cell[p], largest=True)
            for r in take:
                regional[p][r] += 1
            need -= len(take)
    seats = {p: sum(regional[p].values()) for p in parties}
    allocation = Allocation(
        seats=seats,
        votes=totals,
        method=f"two-level ({regional_quota} in regions, {national_quota} nationally)",
        house_size=house,
        threshold=report,
        ties=tuple(ctx.ties),
        steps=tuple(ctx.steps),
        seed=seed if any(t.resolved_by == "lot" for t in ctx.ties) else None,
    )
    result = TwoLevel(
        allocation=allocation,
        region_seats=region_seats,
        mandate_number=mandate_number,
        regional_numbers=numbers,
        first=first,
        remainders=rem,
        second_number=second_number,
        second=second,
        regional=regional,
    )
    return result
