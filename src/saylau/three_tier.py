"""A fixed quota in three tiers: constituencies, unions of constituencies, a national list.

This is the rule of the Weimar Reichstag (Reichswahlgesetz of 27 April 1920 as
amended and re-promulgated on 6 March 1924, §§ 30–33), with no fixed house size:

1. **Constituency** (Wahlkreis): each party's list takes one seat per full quota
   (60,000 votes) of its votes there.
2. **Union** (Wahlkreisverband, a group of two or three constituencies): the
   remainders of a party's lists in the union's constituencies are pooled; one
   seat per full quota of the pool.  A party takes part only if one of its lists
   got at least ``union_min_votes`` (30,000) in a constituency of the union.
3. **National list** (Reichswahlvorschlag): every vote not used below — the
   unions' last remainders, and the whole pool of a party that did not take part
   in a union — is pooled nationally; one seat per full quota, and a last
   remainder of *more than* ``remainder_over`` (30,000) counts as a full quota.
   With ``national_cap = "seats-below"`` a party gets no more national seats than
   its lists won in the two tiers below, so none without a seat below.

Every vote is used once: ``quota × (constituency + union seats) + national pool``
is a party's total.  A party here is a national list; its row in a constituency
is the votes of the lists attached to it there (where a party had two lists in
one constituency, their sum: the union minimum is then checked on the sum; the
seats are otherwise the same, as the remainders pool in the union anyway).  Every
party is taken to have a national list.  Integers only: nothing is rounded; the
one comparison beyond whole quotas is the national tier's "more than".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any, Literal

from saylau.allocation import Allocation, Step, ThresholdReport
from saylau.core.inputs import whole
from saylau.errors import InputError

NationalCap = Literal["seats-below", "none"]
NATIONAL_CAPS: tuple[NationalCap, ...] = ("seats-below", "none")


@dataclass(frozen=True)
class ThreeTier:
    """Every tier of a three-tier fixed-quota allocation (see the module doc)."""

    allocation: Allocation
    quota: int
    #: party → constituency → seats, and the votes each list left over there.
    constituency: dict[str, dict[str, int]]
    constituency_remainders: dict[str, dict[str, int]]
    #: party → union → pooled remainders, whether the party took part, seats.
    union_pool: dict[str, dict[str, int]]
    union_took_part: dict[str, dict[str, bool]]
    union: dict[str, dict[str, int]]
    #: party → votes pooled nationally; seats before and after the cap.
    national_pool: dict[str, int]
    national_uncapped: dict[str, int]
    national: dict[str, int]

    @property
    def seats(self) -> dict[str, int]:
        return dict(self.allocation.seats)

    def below(self, party: str) -> int:
        """Seats the party won in the constituencies and unions."""
        return sum(self.constituency[party].values()) + sum(self.union[party].values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "quota": self.quota,
            "constituency_seats": {p: dict(r) for p, r in self.constituency.items()},
            "constituency_remainders": {
                p: dict(r) for p, r in self.constituency_remainders.items()
            },
            "union_pool": {p: dict(u) for p, u in self.union_pool.items()},
            "union_took_part": {p: dict(u) for p, u in self.union_took_part.items()},
            "union_seats": {p: dict(u) for p, u in self.union.items()},
            "national_pool": dict(self.national_pool),
            "national_uncapped": dict(self.national_uncapped),
            "national_seats": dict(self.national),
            "tiers": {
                p: {
                    "constituency": sum(self.constituency[p].values()),
                    "union": sum(self.union[p].values()),
                    "national": self.national[p],
                }
                for p in self.national
            },
        }


def national_seats(pool: int, quota: int, remainder_over: int | None, cap: int | None) -> int:
    """National seats for ``pool`` pooled votes: full quotas, one more for a last
    remainder above ``remainder_over``, at most ``cap`` (``None``: no cap)."""
    whole_quotas, rest = divmod(pool, quota)
    seats = whole_quotas + (1 if remainder_over is not None and rest > remainder_over else 0)
    return seats if cap is None else min(seats, cap)


def _check(
    votes: Mapping[str, Mapping[str, int]],
    unions: Mapping[str, Sequence[str]],
    quota: int,
    union_min_votes: int,
    remainder_over: int | None,
    national_cap: str,
) -> None:
    """Every problem at once, as one :class:`InputError`."""
    problems: list[str] = []
    if not whole(quota, 1):
        problems.append(f"votes_per_seat: {quota!r} must be a whole number ≥ 1")
    if not whole(union_min_votes):
        problems.append(f"union_min_votes: {union_min_votes!r} must be a whole number ≥ 0")
    if remainder_over is not None and not (
        whole(remainder_over) and (not whole(quota, 1) or remainder_over < quota)
    ):
        problems.append(
            f"remainder_over: {remainder_over!r} must be a whole number ≥ 0 below votes_per_seat"
        )
    if national_cap not in NATIONAL_CAPS:
        problems.append(
            f"national_cap: unknown value '{national_cap}'; known: {', '.join(NATIONAL_CAPS)}"
        )
    if not unions:
        problems.append("unions: no union of regions given")
    union_of: dict[str, str] = {}
    for u, regions in unions.items():
        for r in regions:
            if r in union_of:
                problems.append(f"unions: region '{r}' is in both '{union_of[r]}' and '{u}'")
            union_of[r] = u
    if not votes:
        problems.append("votes: no parties given")
    for p, per in votes.items():
        for r, v in per.items():
            if not whole(v):
                problems.append(f"votes: '{p}' in '{r}' has {v!r}, not a whole number ≥ 0")
            if unions and r not in union_of:
                problems.append(f"region '{r}' is in no union (law key 'unions')")
    if problems:
        raise InputError(list(dict.fromkeys(problems)))


def allocate_three_tier(
    votes: Mapping[str, Mapping[str, int]],
    unions: Mapping[str, Sequence[str]],
    *,
    votes_per_seat: int,
    union_min_votes: int = 0,
    remainder_over: int | None = None,
    national_cap: NationalCap = "seats-below",
) -> ThreeTier:
    """Seats from ``votes`` (party → region → votes) and ``unions`` (union → its regions).

    Every region with votes must belong to one union.  See the module doc for the
    three tiers; no ties can arise, as no party competes with another for a seat.
    """
    _check(votes, unions, votes_per_seat, union_min_votes, remainder_over, national_cap)
    q = votes_per_seat
    regions = [r for regs in unions.values() for r in regs]
    parties = list(votes)
    cell = {p: {r: votes[p].get(r, 0) for r in regions} for p in parties}
    totals = {p: sum(cell[p].values()) for p in parties}
    steps: list[Step] = [
        Step("quota", f"one seat per {q:,} votes in each tier", value=Fraction(q)),
    ]
    constituency = {p: {r: cell[p][r] // q for r in regions} for p in parties}
    rem = {p: {r: cell[p][r] % q for r in regions} for p in parties}
    pool: dict[str, dict[str, int]] = {p: {} for p in parties}
    took_part: dict[str, dict[str, bool]] = {p: {} for p in parties}
    union: dict[str, dict[str, int]] = {p: {} for p in parties}
    national_pool: dict[str, int] = {}
    for p in parties:
        won = sum(constituency[p].values())
        if won:
            steps.append(
                Step(
                    "automatic",
                    partial(_constituency_text, p, constituency[p], q),
                    party=p,
                    seats=won,
                )
            )
        left = 0
        for u, regs in unions.items():
            pool[p][u] = sum(rem[p][r] for r in regs)
            # The union counts only a party with a list that reached the minimum in one
            # of the union's constituencies (the Weimar 30,000).
            took_part[p][u] = any(cell[p][r] >= max(union_min_votes, 1) for r in regs)
            union[p][u] = pool[p][u] // q if took_part[p][u] else 0
            left += pool[p][u] - union[p][u] * q
            if union[p][u]:
                steps.append(
                    Step(
                        "quota",
                        f"{p}: {union[p][u]} seat(s) in union {u} from {pool[p][u]:,}"
                        " pooled remainders",
                        party=p,
                        seats=union[p][u],
                        value=Fraction(pool[p][u], q),
                    )
                )
        national_pool[p] = left
    assert all(
        q * (sum(constituency[p].values()) + sum(union[p].values())) + national_pool[p] == totals[p]
        for p in parties
    ), "every vote is used once"
    uncapped = {p: national_seats(national_pool[p], q, remainder_over, None) for p in parties}
    national: dict[str, int] = {}
    for p in parties:
        below = sum(constituency[p].values()) + sum(union[p].values())
        cap = below if national_cap == "seats-below" else None
        national[p] = national_seats(national_pool[p], q, remainder_over, cap)
        if uncapped[p]:
            steps.append(
                Step(
                    "remainder",
                    partial(_national_text, p, national_pool[p], q, remainder_over, uncapped[p]),
                    party=p,
                    seats=national[p],
                    value=Fraction(national_pool[p], q),
                )
            )
        if national[p] < uncapped[p]:
            steps.append(
                Step(
                    "cap",
                    f"{p}: national seats capped at the {below} seat(s) won below"
                    f" ({uncapped[p]} → {national[p]})",
                    party=p,
                    seats=national[p] - uncapped[p],
                )
            )
    seats = {
        p: sum(constituency[p].values()) + sum(union[p].values()) + national[p] for p in parties
    }
    report = ThresholdReport(
        percent=Fraction(0),
        base=sum(totals.values()),
        base_name="votes for parties",
        # No threshold: the 30,000 of a union and the cap are rules of their tiers.
        passed=dict.fromkeys(parties, True),
        votes=dict(totals),
    )
    allocation = Allocation(
        seats=seats,
        votes=totals,
        method=f"fixed quota in three tiers ({q:,} votes per seat)",
        house_size=sum(seats.values()),
        threshold=report,
        quota=Fraction(q),
        steps=tuple(steps),
    )
    return ThreeTier(
        allocation=allocation,
        quota=q,
        constituency=constituency,
        constituency_remainders=rem,
        union_pool=pool,
        union_took_part=took_part,
        union=union,
        national_pool=national_pool,
        national_uncapped=uncapped,
        national=national,
    )


def _constituency_text(party: str, won: Mapping[str, int], q: int) -> str:
    where = ", ".join(f"{r} {n}" for r, n in won.items() if n)
    return f"{party}: {sum(won.values())} constituency seat(s), one per {q:,} votes ({where})"


def _national_text(party: str, pool: int, q: int, over: int | None, seats: int) -> str:
    whole_quotas, rest = divmod(pool, q)
    extra = ""
    if over is not None:
        extra = f"; remainder {rest:,} {'>' if rest > over else '≤'} {over:,}"
    return f"{party}: {pool:,} votes pooled nationally = {whole_quotas} quota(s){extra}: {seats}"
