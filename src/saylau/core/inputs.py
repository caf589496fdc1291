"""Checks of :func:`saylau.core.allocate`'s inputs: votes and exact thresholds."""

from __future__ import annotations

import operator
from collections.abc import Mapping
from fractions import Fraction
from typing import TypeGuard

from saylau.errors import InputError


def whole(value: object, least: int = 0) -> TypeGuard[int]:
    """Whether ``value`` is a whole number of at least ``least``: an ``int`` and not a
    ``bool`` (``True`` is no count of seats or votes)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def to_fraction(value: float | int | str | Fraction, what: str = "threshold") -> Fraction:
    """Convert a user-given number exactly: ``7`` → 7, ``0.7`` → 7/10, ``"2/3"`` → 2/3."""
    if isinstance(value, bool):
        raise InputError(f"{what}: '{value}' is not a number")
    if isinstance(value, Fraction | int):
        return Fraction(value)
    try:
        # str() of a float is its shortest round-trip repr: 0.7 -> "0.7" -> 7/10.
        return Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{what}: '{value}' is not a number") from None


def check_threshold(value: float | int | str | Fraction, what: str = "threshold") -> Fraction:
    t = to_fraction(value, what)
    if not 0 <= t < 100:
        raise InputError(f"{what}: '{value}' is outside [0, 100)")
    return t


def check_votes(votes: Mapping[str, int]) -> dict[str, int]:
    """Validate a votes mapping; every problem is reported at once."""
    problems: list[str] = []
    if not votes:
        raise InputError("votes: no parties given")
    # The common case, checked at C speed: plain ints ≥ 0 under non-blank names.
    values, names = votes.values(), votes.keys()
    if (
        set(map(type, values)) == {int}
        and min(values) >= 0
        and set(map(type, names)) == {str}
        and all(map(str.strip, names))
    ):
        return dict(votes)
    clean: dict[str, int] = {}
    for party, v in votes.items():
        if not isinstance(party, str) or not party.strip():
            problems.append(f"votes: party name {party!r} is empty or not text")
            continue
        try:
            count = operator.index(v)  # ints and numpy integers; floats are refused
        except TypeError:
            problems.append(f"votes: party '{party}' has votes {v!r}, not a whole number")
            continue
        if isinstance(v, bool):
            problems.append(f"votes: party '{party}' has votes {v!r}, not a whole number")
        elif count < 0:
            problems.append(f"votes: party '{party}' has negative votes {count}")
        else:
            clean[party] = count
    if problems:
        raise InputError(problems)
    return clean
