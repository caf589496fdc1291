"""What-if: the same votes under several laws, side by side.

Two ways to name the scenarios:

* whole laws (:func:`compare_laws`): presets or TOML files, each allocated with
  ``Law.allocate`` (every rule of the law applies);
* variations of one law (:func:`vary`): the cartesian product of values of
  ``threshold``, ``method`` and ``seats`` applied to the law's party-list tier.

The first scenario is the reference; every other scenario reports its seat
changes against it.  Seats are exact (the core allocator); the proportionality
indices of each scenario are floats (they describe, they do not decide).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saylau.analysis.proportionality import indices
from saylau.errors import InputError
from saylau.jsonable import json_fields

if TYPE_CHECKING:
    from saylau.law.model import Law

#: Parameters ``vary`` understands, applied to the law's party-list tier.
VARY_KEYS = ("threshold", "method", "seats")


@dataclass(frozen=True)
class Scenario:
    """The party-list seats of the votes under one law or variation."""

    label: str
    law: str
    method: str
    threshold: Fraction
    house_size: int
    seats: dict[str, int]
    passed: dict[str, bool]
    indices: dict[str, float | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self, threshold=str(self.threshold))


@dataclass(frozen=True)
class WhatIf:
    """Scenarios over the same votes; ``changes()`` are against the first."""

    votes: dict[str, int]
    scenarios: tuple[Scenario, ...]

    @property
    def parties(self) -> list[str]:
        return list(self.votes)

    def changes(self) -> list[dict[str, int]]:
        """Per scenario, party → seat change against the first scenario (non-zero only)."""
        ref = self.scenarios[0].seats
        return [
            {p: s.seats[p] - ref[p] for p in self.votes if s.seats[p] != ref[p]}
            for s in self.scenarios
        ]

    def entered(self) -> list[list[str]]:
        """Per scenario, the parties that win seats here but none in the first scenario."""
        ref = self.scenarios[0].seats
        return [[p for p in self.votes if s.seats[p] > 0 and ref[p] == 0] for s in self.scenarios]

    def to_dict(self) -> dict[str, Any]:
        total = sum(self.votes.values())
        return {
            "parties": [
                {"party": p, "votes": v, "votes_pct": 100.0 * v / total if total else 0.0}
                for p, v in self.votes.items()
            ],
            "reference": self.scenarios[0].label,
            "scenarios": [
                {**s.to_dict(), "changes": ch, "entered": en}
                for s, ch, en in zip(self.scenarios, self.changes(), self.entered(), strict=True)
            ],
        }


def _scenario(label: str, law: Law, votes: Mapping[str, int], **kwargs: Any) -> Scenario:
    result = law.allocate(votes, **kwargs)
    alloc = result.allocation
    tier = law.list_tier
    return Scenario(
        label=label,
        law=law.name,
        method=alloc.method,
        threshold=tier.threshold,
        house_size=alloc.house_size,
        seats=dict(alloc.seats),
        passed=dict(alloc.threshold.passed),
        indices=indices(dict(votes), dict(alloc.seats)),
    )


def _load(law: str | Path | Law) -> Law:
    from saylau.law.model import Law as LawClass

    if isinstance(law, LawClass):
        return law
    from saylau.law import load_law

    return load_law(law)


def compare_laws(
    votes: Mapping[str, int],
    laws: Sequence[str | Path | Law],
    *,
    against_all: int = 0,
    invalid: int = 0,
) -> WhatIf:
    """The votes under each law in ``laws`` (preset names, TOML paths or ``Law`` s)."""
    if not laws:
        raise InputError("what-if: name at least one law (--law) or a variation (--vary)")
    loaded = [_load(x) for x in laws]
    scenarios = tuple(
        _scenario(law.name, law, votes, against_all=against_all, invalid=invalid) for law in loaded
    )
    return WhatIf(votes=dict(votes), scenarios=scenarios)


def parse_vary(specs: Sequence[str]) -> dict[str, list[str]]:
    """``["threshold=5,7", "method=hare,dhondt"]`` → ``{"threshold": ["5", "7"], ...}``."""
    out: dict[str, list[str]] = {}
    problems: list[str] = []
    for spec in specs:
        key, sep, values = spec.partition("=")
        key = key.strip()
        items = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not items:
            problems.append(f"--vary {spec!r}: expected KEY=V1,V2,… (e.g. threshold=5,7)")
        elif key not in VARY_KEYS:
            problems.append(
                f"--vary {spec!r}: unknown parameter {key!r} (one of: {', '.join(VARY_KEYS)})"
            )
        elif key in out:
            problems.append(f"--vary {spec!r}: parameter {key!r} given twice")
        else:
            out[key] = items
    if problems:
        raise InputError(problems)
    return out


def _variant(law: Law, params: Mapping[str, str]) -> Law:
    from saylau.core import check_threshold
    from saylau.methods import get_method

    tier = law.list_tier
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in params.items():
        try:
            if key == "threshold":
                changes["threshold"] = check_threshold(value, "--vary threshold")
            elif key == "method":
                changes["method"] = get_method(value).name
            elif key == "seats":
                if not value.isdigit() or int(value) < 1:
                    raise InputError(f"--vary seats: {value!r} must be a whole number ≥ 1")
                changes["seats"] = int(value)
        except InputError as err:
            problems.extend(err.problems)
    if problems:
        raise InputError(problems)
    new_tier = replace(tier, **changes)
    label = ", ".join(f"{k}={v}" for k, v in params.items())
    return replace(
        law,
        name=f"{law.name} [{label}]",
        tiers=tuple(new_tier if t is tier else t for t in law.tiers),
    )


def vary(
    votes: Mapping[str, int],
    law: str | Path | Law,
    variations: Mapping[str, Sequence[str]],
    *,
    against_all: int = 0,
    invalid: int = 0,
) -> WhatIf:
    """The votes under every combination of ``variations`` applied to ``law``.

    The first combination (the first value of every parameter) is the reference.
    """
    base = _load(law)
    if not variations:
        raise InputError("--vary: give at least one parameter, e.g. --vary threshold=5,7")
    keys = list(variations)
    scenarios = []
    for combo in itertools.product(*(variations[k] for k in keys)):
        params = dict(zip(keys, combo, strict=True))
        variant = _variant(base, params)
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        scenarios.append(_scenario(label, variant, votes, against_all=against_all, invalid=invalid))
    return WhatIf(votes=dict(votes), scenarios=tuple(scenarios))
