"""Party-list tiers that span regions: biproportional and two-level allocation.

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
            use_voter_numbers=tier.voter_numbers,
            method=tier.method,
            tie_break=tier.tie_break,
            seed=seed,
        )
        allocation = replace(bp.upper, extra={"biproportional": bp.to_dict()})
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
