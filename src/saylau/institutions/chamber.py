"""Forming the chamber: factions, majority and opposition, committee posts, convocations.

Law data (``[chamber]`` table)::

    [chamber]
    committees = 7                 # standing committees of the Majilis
    faction_min = 1                # deputies needed to register a faction
    method = "dhondt"              # how chair and secretary posts are shared
    opposition_chairs = 1          # guaranteed to the parliamentary opposition
    opposition_secretaries = 2     #   (Constitutional Law "On Parliament", 2021)
    elections = [1995, 1999, 2004, 2007, 2012, 2016, 2021, 2023]

The parliamentary majority is the faction holding more than half of the chamber's
seats (or the faction the law data names); every other faction is the
parliamentary opposition.  Posts are shared among factions by the divisor method;
when the opposition would get fewer than its guarantee, it gets exactly the
guarantee and each side's posts are shared among its own factions by the same
method.  All seat arithmetic goes through :func:`saylau.core.allocate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from saylau.core import allocate
from saylau.core.inputs import whole
from saylau.errors import InputError, LawError
from saylau.law.model import Law

#: Majilis elections; the n-th is the n-th convocation (1995 = I, 2021 = VII, 2023 = VIII).
KZ_MAJILIS_ELECTIONS = (1995, 1999, 2004, 2007, 2012, 2016, 2021, 2023)


def convocation(year: int, elections: Sequence[int] = KZ_MAJILIS_ELECTIONS) -> int:
    """The convocation number of the chamber elected in ``year``."""
    if year not in elections:
        raise InputError(
            f"year {year} is not a recorded election ({', '.join(map(str, elections))})"
        )
    return sorted(elections).index(year) + 1


def roman(n: int) -> str:
    """``n`` in Roman numerals (convocations are written so: VII, VIII)."""
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


@dataclass(frozen=True)
class ChamberRules:
    """The law's rules for forming the chamber."""

    committees: int = 7
    faction_min: int = 1
    method: str = "dhondt"
    opposition_chairs: int = 1
    opposition_secretaries: int = 2
    elections: tuple[int, ...] = KZ_MAJILIS_ELECTIONS

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "[chamber]") -> ChamberRules:
        problems: list[str] = []
        values: dict[str, Any] = {}
        for key in ("committees", "faction_min", "opposition_chairs", "opposition_secretaries"):
            if key in table:
                v = table[key]
                if not whole(v):
                    problems.append(f"{where} {key}: '{v}' is not a whole number >= 0")
                else:
                    values[key] = v
        if "method" in table:
            if not isinstance(table["method"], str):
                problems.append(f"{where} method: '{table['method']}' is not a method name")
            else:
                values["method"] = table["method"]
        if "elections" in table:
            ys = table["elections"]
            if not isinstance(ys, list) or not all(isinstance(y, int) for y in ys):
                problems.append(f"{where} elections: '{ys}' is not a list of years")
            else:
                values["elections"] = tuple(ys)
        known = {
            "committees",
            "faction_min",
            "method",
            "opposition_chairs",
            "opposition_secretaries",
            "elections",
        }
        problems += [f"{where}: unknown key '{k}'" for k in table if k not in known]
        if problems:
            raise LawError(problems)
        return cls(**values)


def chamber_rules(law: Law) -> ChamberRules:
    """The ``[chamber]`` rules of a loaded law (defaults: the Majilis from 2021)."""
    return ChamberRules.from_mapping(law.sections.get("chamber", {}), f"law '{law.name}' [chamber]")


@dataclass(frozen=True)
class Chamber:
    """A chamber formed from the elected deputies."""

    year: int
    convocation: int
    seats: dict[str, int]  # party (or group) -> deputies
    factions: dict[str, int]
    non_faction: dict[str, int]
    majority: str | None
    opposition: tuple[str, ...]
    chairs: dict[str, int]
    secretaries: dict[str, int]
    rules: ChamberRules = field(default_factory=ChamberRules)

    @property
    def total(self) -> int:
        return sum(self.seats.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "convocation": self.convocation,
            "convocation_roman": roman(self.convocation),
            "total_seats": self.total,
            "majority": self.majority,
            "opposition": list(self.opposition),
            "committees": self.rules.committees,
            "factions": [
                {
                    "faction": f,
                    "deputies": n,
                    "role": "majority" if f == self.majority else "opposition",
                    "committee_chairs": self.chairs.get(f, 0),
                    "committee_secretaries": self.secretaries.get(f, 0),
                }
                for f, n in self.factions.items()
            ],
            "non_faction": self.non_faction,
        }


def share_posts(
    factions: Mapping[str, int], posts: int, opposition: Sequence[str], minimum: int, method: str
) -> dict[str, int]:
    """Share ``posts`` among factions by ``method`` with the opposition guarantee."""
    out = {f: 0 for f in factions}
    if posts == 0 or not factions:
        return out
    free = allocate(dict(factions), posts, method).seats
    opp = [f for f in factions if f in opposition]
    if sum(free[f] for f in opp) >= minimum or not opp:
        return dict(free)
    guaranteed = min(minimum, posts)
    out.update(allocate({f: factions[f] for f in opp}, guaranteed, method).seats)
    rest = {f: n for f, n in factions.items() if f not in opposition}
    if rest and posts > guaranteed:
        out.update(allocate(rest, posts - guaranteed, method).seats)
    return out


def form_chamber(
    seats: Mapping[str, int],
    *,
    year: int,
    rules: ChamberRules | None = None,
    majority: str | None = None,
    non_party: Sequence[str] = (),
) -> Chamber:
    """Form the chamber from deputies per party.

    ``non_party`` names groups that form no faction (e.g. the deputies elected by
    the Assembly of People of Kazakhstan).  ``majority`` names the majority faction
    when the law says so; otherwise it is the faction with more than half the seats.
    """
    rules = rules or ChamberRules()
    bad = [
        f"deputies of '{p}': '{n}' is not a whole number >= 0"
        for p, n in seats.items()
        if not whole(n)
    ]
    if majority is not None and majority not in seats:
        bad.append(f"majority '{majority}' has no deputies")
    if bad:
        raise InputError(bad)
    total = sum(seats.values())
    factions = {
        p: n for p, n in seats.items() if p not in non_party and n >= max(rules.faction_min, 1)
    }
    non_faction = {p: n for p, n in seats.items() if p not in factions and n > 0}
    if majority is None:
        majority = next((f for f, n in factions.items() if 2 * n > total), None)
    opposition = tuple(f for f in factions if f != majority)
    chairs = share_posts(
        factions, rules.committees, opposition, rules.opposition_chairs, rules.method
    )
    secretaries = share_posts(
        factions, rules.committees, opposition, rules.opposition_secretaries, rules.method
    )
    return Chamber(
        year,
        convocation(year, rules.elections),
        dict(seats),
        factions,
        non_faction,
        majority,
        opposition,
        chairs,
        secretaries,
        rules,
    )
