"""Party-list tiers that span regions: biproportional, two-level and three-tier allocation.

:meth:`Law.allocate <saylau.law.model.Law.allocate>` hands a tier whose
``scheme`` is not ``"single"`` to :func:`allocate_scheme`; the regional tables
and divisors go into the allocation's ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING

from saylau.biproportional import apportion
from saylau.errors import InputError
from saylau.three_tier import allocate_three_tier
from saylau.two_level import allocate_two_level

if TYPE_CHECKING:
    from saylau.law.model import Law, LawResult, Tier


def allocate_scheme(
    law: Law,
    tier: Tier,
    votes: Mapping[str, int],
    regions: Mapping[str, Mapping[str, int]] | None,
    members: Mapping[str, int],
    seed: int | None,
) -> LawResult:
    """Allocate ``tier`` by its scheme from the votes per party and region."""
    if not regions:
        raise InputError(
            f"law tier '{tier.name}' is {tier.scheme}: votes per region are needed"
            " (a 'region' column in the votes file)"
        )
    missing = [p for p in votes if p not in regions]
    if missing:
        raise InputError([f"party '{p}' has no votes per region" for p in missing])
    assert tier.method is not None
    if tier.scheme == "biproportional":
        bp = apportion(
            regions,
            dict(tier.district_seats),
            district_threshold=tier.district_threshold or Fraction(0),
            total_threshold=tier.total_threshold or Fraction(0),
            use_voter_numbers=tier.voter_numbers,
            district_winner_seat=tier.district_winner_seat,
            method=tier.method,
            tie_break=tier.tie_break,
            seed=seed,
        )
        allocation = replace(bp.upper, extra={"biproportional": bp.to_dict()})
    elif tier.scheme == "three-tier":
        assert tier.votes_per_seat is not None  # the law reader requires it
        three = allocate_three_tier(
            regions,
            dict(tier.unions),
            votes_per_seat=tier.votes_per_seat,
            union_min_votes=tier.union_min_votes,
            remainder_over=tier.remainder_over,
            national_cap="none" if tier.national_cap == "none" else "seats-below",
        )
        allocation = replace(three.allocation, extra={"three_tier": three.to_dict()})
    else:
        two = allocate_two_level(
            regions,
            tier.seats,
            threshold=tier.threshold,
            members=members,
            coalition_thresholds=tier.coalition_thresholds,
            regional_quota=tier.regional_quota,
            national_quota=tier.national_quota,
            tie_break=tier.tie_break,
            seed=seed,
        )
        allocation = replace(two.allocation, extra={"two_level": two.to_dict()})
    return law.result(tier, allocation)
