"""The law-file keys of tiers that span regions (biproportional, two-level, three-tier).

Kept apart from :mod:`saylau.law.load` so that the rules for these schemes are
declared in one place: the keys, how each is read, and how they fit together.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

from saylau.core import check_threshold
from saylau.errors import InputError
from saylau.three_tier import NATIONAL_CAPS
from saylau.two_level import QUOTAS

if TYPE_CHECKING:
    from saylau.law.model import Tier

SCHEMES = ("single", "biproportional", "two-level", "three-tier")
SCHEME_KEYS = (
    "scheme",
    "district_seats",
    "district_threshold",
    "total_threshold",
    "district_winner_seat",
    "voter_numbers",
    "regional_quota",
    "national_quota",
    "unions",
    "union_min_votes",
    "national_cap",
)


class _Getter(Protocol):
    def get(
        self, table: dict[str, Any], key: str, where: str, conv: Callable[[Any], Any], default: Any
    ) -> Any: ...


def _scheme(v: Any) -> str:
    if v not in SCHEMES:
        raise InputError(f"valid values: {', '.join(SCHEMES)}")
    return str(v)


def _quota(v: Any) -> str:
    if v not in QUOTAS:
        raise InputError(f"valid values: {', '.join(QUOTAS)}")
    return str(v)


def _district_seats(v: Any) -> tuple[tuple[str, int], ...]:
    # { "Zuerich 1+2" = 5, "Zuerich 3+9" = 12, ... }: seats fixed before the election.
    if not isinstance(v, dict) or not v:
        raise TypeError
    out = []
    for name, n in v.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InputError(f"district '{name}' has seats {n!r}, not a whole number ≥ 0")
        out.append((str(name), n))
    return tuple(out)


def _unions(v: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    # { "I Ostpreußen" = ["Ostpreußen"], "II Brandenburg I" = ["Berlin", "Potsdam II"], ... }
    if not isinstance(v, dict) or not v:
        raise TypeError
    out = []
    for name, regions in v.items():
        if (
            not isinstance(regions, list)
            or not regions
            or not all(isinstance(r, str) and r.strip() for r in regions)
        ):
            raise InputError(f"union '{name}' has {regions!r}, not a list of region names")
        out.append((str(name), tuple(regions)))
    return tuple(out)


def _cap(v: Any) -> str:
    if v not in NATIONAL_CAPS:
        raise InputError(f"valid values: {', '.join(NATIONAL_CAPS)}")
    return str(v)


def _votes(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise TypeError
    return v


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError
    return v


def _percent(v: Any) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise TypeError
    return check_threshold(v)


def scheme_fields(r: _Getter, raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The :class:`Tier` fields of the scheme keys present in one ``[[tiers]]`` table."""
    return {
        "scheme": r.get(raw, "scheme", where, _scheme, "single"),
        "district_seats": r.get(raw, "district_seats", where, _district_seats, ()),
        "district_threshold": r.get(raw, "district_threshold", where, _percent, None),
        "total_threshold": r.get(raw, "total_threshold", where, _percent, None),
        "voter_numbers": r.get(raw, "voter_numbers", where, _bool, False),
        "district_winner_seat": r.get(raw, "district_winner_seat", where, _bool, False),
        "regional_quota": r.get(raw, "regional_quota", where, _quota, "imperiali"),
        "national_quota": r.get(raw, "national_quota", where, _quota, "hagenbach-bischoff"),
        "unions": r.get(raw, "unions", where, _unions, ()),
        "union_min_votes": r.get(raw, "union_min_votes", where, _votes, 0),
        "national_cap": r.get(raw, "national_cap", where, _cap, "seats-below"),
    }


def scheme_problems(tier: Tier, where: str) -> list[str]:
    """Scheme keys that do not fit together, one message each."""
    problems: list[str] = []
    bp_keys = (
        "district_seats",
        "district_threshold",
        "total_threshold",
        "voter_numbers",
        "district_winner_seat",
    )
    if tier.scheme == "biproportional":
        if not tier.district_seats:
            problems.append(
                f"key '{where}district_seats' is missing (a biproportional tier needs the"
                " seats of each district)"
            )
        elif sum(n for _d, n in tier.district_seats) != tier.seats:
            total = sum(n for _d, n in tier.district_seats)
            problems.append(
                f"key '{where}district_seats' sums to {total}, not the tier's {tier.seats} seats"
            )
    elif any(getattr(tier, k) not in ((), None, False) for k in bp_keys):
        used = [k for k in bp_keys if getattr(tier, k) not in ((), None, False)]
        problems.append(
            f"key '{where}{used[0]}' needs scheme = 'biproportional' (scheme is '{tier.scheme}')"
        )
    if tier.scheme == "three-tier":
        problems += _three_tier_problems(tier, where)
    elif tier.unions or tier.union_min_votes or tier.national_cap != "seats-below":
        key = next(
            k
            for k, unset in (
                ("unions", ()),
                ("union_min_votes", 0),
                ("national_cap", "seats-below"),
            )
            if getattr(tier, k) != unset
        )
        problems.append(
            f"key '{where}{key}' needs scheme = 'three-tier' (scheme is '{tier.scheme}')"
        )
    return problems


def _three_tier_problems(tier: Tier, where: str) -> list[str]:
    problems: list[str] = []
    if tier.votes_per_seat is None:
        problems.append(
            f"key '{where}scheme': 'three-tier' needs method = 'fixed-quota' and"
            f" '{where}votes_per_seat' (it is a fixed quota in every tier)"
        )
    if not tier.unions:
        problems.append(
            f"key '{where}unions' is missing (a three-tier scheme needs the regions of each union)"
        )
    seen: dict[str, str] = {}
    for name, regions in tier.unions:
        for r in regions:
            if r in seen:
                problems.append(
                    f"key '{where}unions': region '{r}' is in both '{seen[r]}' and '{name}'"
                )
            seen[r] = name
    return problems
