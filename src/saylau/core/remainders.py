"""Largest-remainder methods: a quota, the whole parts, then the remainders in order."""

from __future__ import annotations

from fractions import Fraction
from functools import partial

from saylau.allocation import Step, TieEvent
from saylau.core.context import Ctx, automatic_text, fmt, remainder_text
from saylau.methods import MethodSpec
from saylau.ties import resolve


def largest_remainder(
    ctx: Ctx, spec: MethodSpec, parties: list[str], seats: int, offset: int
) -> tuple[dict[str, int], Fraction]:
    assert spec.quota is not None
    votes = ctx.votes
    total = sum(votes[p] for p in parties)
    quota = spec.quota(total, seats)
    ctx.steps.append(
        Step(
            "quota",
            lambda: (
                f"{spec.title}: quota {fmt(quota)} = {spec.description}"
                f" with V = {total:,}, S = {seats}"
            ),
            value=quota,
        )
    )
    num, den = quota.numerator, quota.denominator
    got: dict[str, int] = {}
    rem: dict[str, int] = {}  # remainder × den: integers comparable across parties
    for p in parties:
        got[p], rem[p] = divmod(votes[p] * den, num)
        if got[p]:
            ctx.steps.append(
                Step(
                    "automatic",
                    partial(automatic_text, p, votes[p], quota, got[p]),
                    party=p,
                    seats=got[p],
                )
            )
    left = seats - sum(got.values())
    if left < 0:
        _overallocation(ctx, parties, got, rem, den, -left, offset + seats)
        return got, quota
    seat_no = offset + sum(got.values())
    if left >= len(parties):
        # More seats left than lists (a large quota with few lists): every list takes one
        # seat per full round, the last partial round goes by remainders.
        rounds = left // len(parties)
        for p in parties:
            got[p] += rounds
        seat_no += rounds * len(parties)
        left -= rounds * len(parties)
        ctx.steps.append(
            Step(
                "remainder",
                f"{rounds} seat(s) to every list: more seats left than lists",
                seats=rounds,
            )
        )
    rank = rem
    if spec.leftover == "votes":
        # The seats left over go to the lists with the most votes (Georgia).
        rank = {p: votes[p] for p in parties}
    elif ctx.remainder_decimals is not None:
        # The law compares the fractional parts of votes / quota truncated to N decimals.
        scale = 10**ctx.remainder_decimals
        rank = {p: rem[p] * scale // num for p in parties}
    ranked = sorted(parties, key=rank.__getitem__, reverse=True)  # stable for equal keys
    if left and left < len(ranked):
        cut = rank[ranked[left - 1]]
        sure = [p for p in ranked if rank[p] > cut]
        group = [p for p in ranked if rank[p] == cut]
        need = left - len(sure)
        winners = sure
        if len(group) > need:
            chosen, how = resolve(group, need, ctx.chain, votes, ctx.order, ctx.seed)
            ctx.ties.append(
                TieEvent(
                    tuple(range(seat_no + len(sure) + 1, seat_no + left + 1)),
                    tuple(group),
                    tuple(chosen),
                    Fraction(votes[group[0]])
                    if spec.leftover == "votes"
                    else Fraction(rem[group[0]], den),
                    how,
                    "remainder",
                    ctx.seed,
                )
            )
            winners = sure + chosen
        else:
            winners = sure + group
    else:
        winners = ranked[:left]
    for p in winners:
        got[p] += 1
        seat_no += 1
        ctx.steps.append(
            Step(
                "remainder",
                partial(remainder_text, seat_no, p, rem[p], den)
                if spec.leftover == "remainder"
                else f"seat {seat_no}: {p}, left over to the lists with the most votes"
                f" ({votes[p]:,})",
                party=p,
                seats=1,
                seat_number=seat_no,
                value=(rem[p], den) if spec.leftover == "remainder" else Fraction(votes[p]),
            )
        )
    return got, quota


def _overallocation(
    ctx: Ctx,
    parties: list[str],
    got: dict[str, int],
    rem: dict[str, int],
    den: int,
    excess: int,
    last_seat: int,
) -> None:
    """More whole quotas than seats (possible with small quotas): the smallest remainders give a seat back."""
    holders = sorted((p for p in parties if got[p] > 0), key=lambda p: rem[p])
    while excess >= len(holders):
        # More surplus seats than holders (e.g. one list): every holder gives one back.
        for p in holders:
            _give_back(ctx, got, p, "more whole quotas than seats")
        excess -= len(holders)
        holders = [p for p in holders if got[p] > 0]
    if excess == 0:
        return
    cut = rem[holders[excess - 1]]
    sure = [p for p in holders if rem[p] < cut]
    group = [p for p in holders if rem[p] == cut]
    need = excess - len(sure)
    losers = sure + group
    if len(group) > need:
        keep, how = resolve(group, len(group) - need, ctx.chain, ctx.votes, ctx.order, ctx.seed)
        lose = [p for p in group if p not in keep]
        ctx.ties.append(
            TieEvent(
                (last_seat,),
                tuple(group),
                tuple(keep),
                Fraction(cut, den),
                how,
                "overallocation",
                ctx.seed,
            )
        )
        losers = sure + lose
    for p in losers:
        _give_back(ctx, got, p, "more whole quotas than seats, smallest remainder")


def _give_back(ctx: Ctx, got: dict[str, int], party: str, why: str) -> None:
    got[party] -= 1
    ctx.steps.append(
        Step("overallocation", f"{party} gives back a seat: {why}", party=party, seats=-1)
    )
