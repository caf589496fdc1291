"""Checks of :func:`saylau.core.allocate`'s inputs: votes and exact thresholds."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import SupportsIndex, TypeGuard

from saylau.errors import InputError


def whole(value: object, least: int = 0) -> TypeGuard[int]:
    """Whether ``value`` is a whole number of at least ``least``: an ``int`` and not a
    ``bool`` (``True`` is no count of seats or votes)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def check_whole(counts: Mapping[str, object], problem: Callable[[str, object], str]) -> None:
    """Raise :class:`InputError` with ``problem(name, value)`` for every value of
    ``counts`` that is not a whole number ≥ 0 (:func:`whole`), all of them at once."""
    problems = [problem(name, value) for name, value in counts.items() if not whole(value)]
    if problems:
        raise InputError(problems)


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
    problems = [problem for party, v in votes.items() if (problem := _vote_problem(party, v))]
    if problems:
        raise InputError(problems)
    return {party: operator.index(v) for party, v in votes.items()}


def _vote_problem(party: object, votes: object) -> str | None:
    """What is wrong with one entry of a votes mapping; None when nothing is."""
    if not isinstance(party, str) or not party.strip():
        return f"votes: party name {party!r} is empty or not text"
    count = _count(votes)
    if count is None:
        return f"votes: party '{party}' has votes {votes!r}, not a whole number"
    if count < 0:
        return f"votes: party '{party}' has negative votes {count}"
    return None


def _count(value: object) -> int | None:
    """``value`` as an ``int`` when it is an integer (numpy's too), else None: a float or
    text is no count of votes, nor is a ``bool``."""
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        return None
    return operator.index(value)
