"""Party-list tiers that span regions: biproportional and two-level allocation.

:meth:`Law.allocate <saylau.law.model.Law.allocate>` hands a tier whose
``scheme`` is not ``"single"`` to :func:`allocate_scheme`; the regional tables
and divisors go into the allocation's ``extra``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from saylau.biproportional import apportion
from saylau.errors import InputError
from saylau.two_level import allocate_two_level

if TYPE_CHECKING:
    from saylau.allocation import Allocation
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


def scheme_tables(allocation: Allocation) -> list[Any]:
    """:class:`rich.table.Table` s of the seats per party and region, if the tier has them."""
    from rich.table import Table

    if "biproportional" in allocation.extra:
        bp = allocation.extra["biproportional"]
        matrix = bp["lower"]["seats"]
        title = "Seats per list and district (lower apportionment)"
        divisors = {p: d["decimal"] for p, d in bp["lower"]["party_divisors"].items()}
        if bp["voter_numbers"]:
            title += "; the upper apportionment's votes are voter numbers (votes / district seats)"
    elif "two_level" in allocation.extra:
        matrix = {
            p: r
            for p, r in allocation.extra["two_level"]["regional_seats"].items()
            if allocation.seats.get(p)
        }
        title = "Seats per party and region (first and second scrutiny)"
        divisors = {}
    else:
        return []
    parties = list(matrix)
    regions = list(next(iter(matrix.values()), {}))
    table = Table(title=title, title_justify="left")
    table.add_column("Region", no_wrap=True)
    for p in parties:
        table.add_column(p, justify="right")
    table.add_column("Total", justify="right")
    for r in regions:
        row = [matrix[p][r] for p in parties]
        table.add_row(r, *map(str, row), str(sum(row)))
    table.add_row("Total", *(str(sum(matrix[p].values())) for p in parties), "", style="bold")
    if divisors:
        table.add_row("Party divisor", *(f"{divisors[p]:g}" for p in parties), "")
    return [table]
