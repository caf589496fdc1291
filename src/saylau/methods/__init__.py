"""The registry of seat-allocation methods.

Every method is declared once, with its aliases, in :data:`REGISTRY`.  Two kinds
exist:

* ``quota`` – largest remainder: each party gets the whole part of its votes
  divided by a quota, remaining seats go to the largest remainders;
* ``divisor`` – highest averages: seats are awarded one at a time to the party
  with the highest quotient ``votes / d(s)`` where ``s`` is the number of seats
  it already holds;
* ``quota-divisor`` – the quota method of Balinski and Young (1975): D'Hondt's
  quotients, but a party may take a seat only while it stays within its upper
  quota of the house one seat larger (:mod:`saylau.methods.quota_method`);
* ``fixed`` – a fixed number of votes per seat and no fixed house size, as the
  Weimar Reichstag's 60,000 (:mod:`saylau.methods.fixed_quota`).

A quota method's ``leftover`` says who takes the seats the whole quotas leave:
the largest remainders, or (Georgia) the lists with the most votes.

Quotas and divisors are exact rationals (:class:`fractions.Fraction`); the
Huntington–Hill divisor ``sqrt(s(s+1))`` is irrational, so its quotients are
compared squared (:attr:`MethodSpec.squared`), which is exact as well.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from saylau.errors import MethodError

Kind = Literal["quota", "divisor", "quota-divisor", "fixed"]
Leftover = Literal["remainder", "votes"]


@dataclass(frozen=True)
class MethodSpec:
    """One allocation method.

    ``quota(V, S)`` gives the quota for ``V`` votes and ``S`` seats (quota
    methods).  ``divisor(s)`` gives the divisor for a party holding ``s`` seats
    (divisor methods); with ``squared`` it gives the *square* of the divisor
    and quotients are compared as ``votes**2 / divisor(s)``.  A divisor of 0
    means an infinite quotient: the first seat goes to every party with votes.
    ``leftover`` (quota methods) ranks the seats left after the whole quotas by
    remainder or by the lists' votes.  ``house_size`` is False for a method that
    decides the number of seats itself (a fixed quota).
    """

    name: str
    kind: Kind
    title: str
    aliases: tuple[str, ...] = ()
    quota: Callable[[int, int], Fraction] | None = None
    divisor: Callable[[int], Fraction] | None = None
    squared: bool = False
    description: str = ""
    leftover: Leftover = "remainder"
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", (self.name, *self.aliases))

    @property
    def house_size(self) -> bool:
        """Does the method share a given number of seats (False: a fixed quota)?"""
        return self.kind != "fixed"


def _hare(votes: int, seats: int) -> Fraction:
    return Fraction(votes, seats)


def _droop(votes: int, seats: int) -> Fraction:
    # The classical Droop quota is a whole number: floor(V / (S + 1)) + 1.
    return Fraction(votes // (seats + 1) + 1)


def _hagenbach_bischoff(votes: int, seats: int) -> Fraction:
    return Fraction(votes, seats + 1)


def _imperiali_quota(votes: int, seats: int) -> Fraction:
    return Fraction(votes, seats + 2)


_HALF = Fraction(1, 2)

_METHODS: tuple[MethodSpec, ...] = (
    MethodSpec(
        "hare",
        "quota",
        "Largest remainder, Hare quota",
        ("hamilton", "hare-niemeyer", "vinton", "largest-remainder", "lr-hare", "hare-lr"),
        quota=_hare,
        description="quota = V / S",
    ),
    MethodSpec(
        "hare-largest-lists",
        "quota",
        "Hare quota, seats left over to the lists with the most votes",
        ("largest-lists", "georgia", "hare-most-votes"),
        quota=_hare,
        leftover="votes",
        # Election Code of Georgia, art. 125: whole seats votes × 150 / V; the seats
        # left over go one each to the lists with the most votes.
        description="quota = V / S; seats left over to the lists with the most votes",
    ),
    MethodSpec(
        "droop",
        "quota",
        "Largest remainder, Droop quota",
        ("lr-droop", "droop-lr"),
        quota=_droop,
        description="quota = floor(V / (S + 1)) + 1",
    ),
    MethodSpec(
        "hagenbach-bischoff",
        "quota",
        "Largest remainder, Hagenbach-Bischoff quota",
        ("hb", "lr-hb", "hagenbach-bischoff-quota"),
        quota=_hagenbach_bischoff,
        description="quota = V / (S + 1)",
    ),
    MethodSpec(
        "imperiali",
        "quota",
        "Largest remainder, Imperiali quota",
        ("lr-imperiali", "imperiali-quota"),
        quota=_imperiali_quota,
        description="quota = V / (S + 2)",
    ),
    MethodSpec(
        "dhondt",
        "divisor",
        "D'Hondt (Jefferson)",
        ("d'hondt", "d-hondt", "jefferson", "hagenbach-bischoff-divisor", "greatest-divisors"),
        divisor=lambda s: Fraction(s + 1),
        description="divisors 1, 2, 3, …",
    ),
    MethodSpec(
        "sainte-lague",
        "divisor",
        "Sainte-Laguë (Webster)",
        ("sainte-laguë", "saintelague", "webster", "webster-sainte-lague", "major-fractions"),
        divisor=lambda s: s + _HALF,
        description="divisors 1, 3, 5, … (equivalently 0.5, 1.5, 2.5, …)",
    ),
    MethodSpec(
        "modified-sainte-lague",
        "divisor",
        "Modified Sainte-Laguë (first divisor 1.4)",
        ("modified-sainte-laguë", "msl", "sainte-lague-1.4", "nordic"),
        divisor=lambda s: Fraction(7, 10) if s == 0 else s + _HALF,
        description="divisors 1.4, 3, 5, 7, … (0.7, 1.5, 2.5, … on the half scale)",
    ),
    MethodSpec(
        "swedish-sainte-lague",
        "divisor",
        "Modified Sainte-Laguë, first divisor 1.2 (Sweden since 2018)",
        ("sainte-lague-1.2", "modified-sainte-lague-1.2", "swedish"),
        # Vallag (2005:837) 14 kap. 3 §, as amended for the 2018 election: 1.2, 3, 5, …
        divisor=lambda s: Fraction(3, 5) if s == 0 else s + _HALF,
        description="divisors 1.2, 3, 5, 7, … (0.6, 1.5, 2.5, … on the half scale)",
    ),
    MethodSpec(
        "danish",
        "divisor",
        "Danish method",
        ("danish-method",),
        divisor=lambda s: Fraction(3 * s + 1),
        description="divisors 1, 4, 7, 10, …",
    ),
    MethodSpec(
        "imperiali-divisor",
        "divisor",
        "Imperiali (divisor)",
        ("imperiali-highest-averages",),
        divisor=lambda s: Fraction(s + 2),
        description="divisors 2, 3, 4, …",
    ),
    MethodSpec(
        "adams",
        "divisor",
        "Adams (smallest divisors)",
        ("smallest-divisors",),
        divisor=lambda s: Fraction(s),
        description="divisors 0, 1, 2, … (every party with votes gets a first seat)",
    ),
    MethodSpec(
        "dean",
        "divisor",
        "Dean (harmonic mean)",
        ("harmonic-mean",),
        divisor=lambda s: Fraction(2 * s * (s + 1), 2 * s + 1),
        description="divisors 2s(s+1)/(2s+1): 0, 4/3, 12/5, …",
    ),
    MethodSpec(
        "huntington-hill",
        "divisor",
        "Huntington-Hill (equal proportions)",
        ("hill", "equal-proportions", "huntington"),
        divisor=lambda s: Fraction(s * (s + 1)),
        squared=True,
        description="divisors sqrt(s(s+1)): 0, 1.41, 2.45, …",
    ),
    MethodSpec(
        "balinski-young-quota",
        "quota-divisor",
        "Quota method of Balinski and Young",
        ("quota", "quota-method", "balinski-young", "quotatone"),
        divisor=lambda s: Fraction(s + 1),
        description=(
            "seat by seat to the highest votes / (s + 1) among the lists within their"
            " upper quota of the house one seat larger"
        ),
    ),
    MethodSpec(
        "fixed-quota",
        "fixed",
        "Fixed quota (votes per seat)",
        ("votes-per-seat", "automatic-method", "weimar"),
        description="one seat per full quota of votes; optionally one more for a large remainder",
    ),
)

#: Every method by canonical name.
REGISTRY: dict[str, MethodSpec] = {m.name: m for m in _METHODS}

_ALIASES: dict[str, MethodSpec] = {}
for _m in _METHODS:
    for _n in _m.names:
        _ALIASES[_n] = _m


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-").replace("’", "'")


def get_method(name: str) -> MethodSpec:
    """Return the method called ``name`` (canonical name or alias, any case).

    Raises :class:`~saylau.errors.MethodError` listing the valid names.
    """
    spec = _ALIASES.get(_normalise(name))
    if spec is None:
        close = difflib.get_close_matches(_normalise(name), list(_ALIASES), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise MethodError(f"unknown method '{name}'{hint}; valid methods: {', '.join(REGISTRY)}")
    return spec


def method_names() -> list[str]:
    """The canonical method names, in registry order."""
    return list(REGISTRY)


__all__ = ["REGISTRY", "MethodSpec", "get_method", "method_names"]
