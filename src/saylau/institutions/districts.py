"""Single-member districts and mixed bodies.

* :func:`plurality` — one district: the candidate with most votes wins, unless
  "against all" (on the Kazakh ballot since 2023) received more votes than every
  candidate: then no one is elected and a repeat election is held (Constitutional
  Law "On Elections" as amended 2022; article not verified).  An exact tie for first place
  is reported, not guessed.
* :func:`parallel` — a list tier and a district tier side by side (Kazakhstan
  2023: 69 list + 29 district seats = 98).
* :func:`mmp` — compensatory mixed member proportional (New Zealand, Electoral Act
  1993 s.191): Sainte-Laguë over the house among parties with at least 5% of the
  party vote or one electorate; each party's electorate seats count against its
  entitlement and a party keeping more electorates than its entitlement makes an
  overhang that enlarges the house.

Every seat decision goes through :func:`saylau.core.allocate` (exact).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from saylau.core import allocate
from saylau.errors import InputError
from saylau.institutions._util import check_counts, frac, parse_count, percent, read_csv

AGAINST_ALL = "against all"
INDEPENDENT = "independent"


@dataclass(frozen=True)
class DistrictResult:
    """The result of one single-member district."""

    district: str
    votes: dict[str, int]  # candidate -> votes
    parties: dict[str, str]  # candidate -> party ("independent" when none)
    against_all: int
    winner: str | None
    status: str  # "elected" | "repeat election" | "tie" | "no candidates"
    tied: tuple[str, ...] = ()

    @property
    def party(self) -> str | None:
        return self.parties.get(self.winner) if self.winner else None

    @property
    def margin(self) -> int | None:
        """Votes between the winner and the runner-up (or "against all")."""
        if self.winner is None:
            return None
        rest = [v for c, v in self.votes.items() if c != self.winner] + [self.against_all]
        return self.votes[self.winner] - max(rest)

    def to_dict(self) -> dict[str, Any]:
        total = sum(self.votes.values()) + self.against_all
        return {
            "district": self.district,
            "status": self.status,
            "winner": self.winner,
            "party": self.party,
            "margin": self.margin,
            "against_all": self.against_all,
            "tied": list(self.tied),
            "candidates": [
                {
                    "candidate": c,
                    "party": self.parties.get(c, INDEPENDENT),
                    "votes": v,
                    "share": frac(percent(v, total)),
                }
                for c, v in self.votes.items()
            ],
        }


def plurality(
    district: str,
    votes: Mapping[str, int],
    *,
    parties: Mapping[str, str] | None = None,
    against_all: int = 0,
) -> DistrictResult:
    """Decide one single-member district by plurality, with "against all"."""
    check_counts(votes, f"district '{district}' candidate")
    check_counts({AGAINST_ALL: against_all}, f"district '{district}'")
    parties = {c: (parties or {}).get(c) or INDEPENDENT for c in votes}
    if not votes:
        return DistrictResult(district, {}, {}, against_all, None, "no candidates")
    top = max(votes.values())
    leaders = tuple(c for c, v in votes.items() if v == top)
    if against_all > top:
        return DistrictResult(district, dict(votes), parties, against_all, None, "repeat election")
    if len(leaders) > 1:
        return DistrictResult(district, dict(votes), parties, against_all, None, "tie", leaders)
    return DistrictResult(district, dict(votes), parties, against_all, leaders[0], "elected")


@dataclass(frozen=True)
class DistrictsResult:
    """All districts of a contest, with seats per party."""

    districts: tuple[DistrictResult, ...]

    @property
    def seats(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for d in self.districts:
            if d.status == "elected" and d.party is not None:
                out[d.party] = out.get(d.party, 0) + 1
        return out

    @property
    def undecided(self) -> list[DistrictResult]:
        return [d for d in self.districts if d.status != "elected"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seats": self.seats,
            "elected": len(self.districts) - len(self.undecided),
            "undecided": [d.district for d in self.undecided],
            "districts": [d.to_dict() for d in self.districts],
        }


def read_district_results(path: str | Path) -> DistrictsResult:
    """Read and decide district results from CSV.

    Columns ``district``, ``candidate``, ``votes`` and optionally ``party``; a row
    whose candidate is ``against all`` carries that district's "against all" votes.
    """
    name = Path(path).name
    problems: list[str] = []
    votes: dict[str, dict[str, int]] = {}
    parties: dict[str, dict[str, str]] = {}
    against: dict[str, int] = {}
    for row_no, row in read_csv(path, ("district", "candidate", "votes")):
        where = f"{name} row {row_no}"
        district, cand = row["district"], row["candidate"]
        if not district or not cand:
            problems.append(f"{where}: district and candidate must not be empty")
            continue
        n = parse_count(row["votes"], f"{where}: votes", problems)
        if cand.casefold() == AGAINST_ALL:
            against[district] = against.get(district, 0) + n
            votes.setdefault(district, {})
            continue
        if cand in votes.setdefault(district, {}):
            problems.append(f"{where}: candidate '{cand}' appears twice in district '{district}'")
        votes[district][cand] = n
        parties.setdefault(district, {})[cand] = row.get("party", "")
    if problems:
        raise InputError(problems)
    return DistrictsResult(
        tuple(
            plurality(d, v, parties=parties.get(d), against_all=against.get(d, 0))
            for d, v in votes.items()
        )
    )


@dataclass(frozen=True)
class MixedResult:
    """A body elected in two tiers: list seats plus district (electorate) seats."""

    system: str  # "parallel" | "mmp"
    party_votes: dict[str, int]
    list_seats: dict[str, int]
    district_seats: dict[str, int]
    entitlement: dict[str, int] = field(default_factory=dict)  # mmp only
    overhang: dict[str, int] = field(default_factory=dict)
    qualified: tuple[str, ...] = ()
    base_seats: int = 0

    @property
    def seats(self) -> dict[str, int]:
        parties = [
            *self.party_votes,
            *(p for p in self.district_seats if p not in self.party_votes),
        ]
        return {p: self.list_seats.get(p, 0) + self.district_seats.get(p, 0) for p in parties}

    @property
    def total_seats(self) -> int:
        return sum(self.seats.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "base_seats": self.base_seats,
            "total_seats": self.total_seats,
            "overhang_total": sum(self.overhang.values()),
            "qualified": list(self.qualified),
            "parties": [
                {
                    "party": p,
                    "party_votes": self.party_votes.get(p, 0),
                    "entitlement": self.entitlement.get(p),
                    "district_seats": self.district_seats.get(p, 0),
                    "list_seats": self.list_seats.get(p, 0),
                    "overhang": self.overhang.get(p, 0),
                    "seats": s,
                }
                for p, s in self.seats.items()
            ],
        }


def parallel(
    list_seats: Mapping[str, int],
    districts: DistrictsResult | Mapping[str, int],
    *,
    party_votes: Mapping[str, int] | None = None,
) -> MixedResult:
    """Combine a list tier and a district tier with no compensation (Kazakhstan 2023)."""
    dseats = districts.seats if isinstance(districts, DistrictsResult) else dict(districts)
    votes = dict(party_votes) if party_votes is not None else {p: 0 for p in list_seats}
    return MixedResult(
        "parallel",
        votes,
        dict(list_seats),
        dseats,
        base_seats=sum(list_seats.values()) + sum(dseats.values()),
    )


def mmp(
    party_votes: Mapping[str, int],
    electorates: Mapping[str, int],
    *,
    seats: int = 120,
    method: str = "sainte-lague",
    threshold: float | str | Fraction = 5,
    electorate_threshold: int = 1,
    non_party: Collection[str] = (INDEPENDENT,),
) -> MixedResult:
    """Compensatory MMP with overhang (New Zealand, Electoral Act 1993 s.191-192).

    ``electorates`` maps a party to the electorate seats its candidates won.  Seats
    won by independents (names in ``non_party``) are taken off the house before the
    party allocation.  Parties reaching ``threshold`` percent of the party vote or
    ``electorate_threshold`` electorates qualify.
    """
    check_counts(party_votes, "party votes of")
    check_counts(electorates, "electorates won by")
    unknown = [p for p in electorates if p not in party_votes and p not in non_party]
    if unknown:
        raise InputError([f"electorates: party '{p}' has no party votes entry" for p in unknown])
    independents = sum(n for p, n in electorates.items() if p in non_party)
    exempt = [p for p, n in electorates.items() if n >= electorate_threshold and p not in non_party]
    alloc = allocate(
        dict(party_votes), seats - independents, method, threshold=threshold, exempt=exempt
    )
    qualified = tuple(p for p, ok in alloc.threshold.passed.items() if ok)
    list_seats = {p: max(0, alloc.seats[p] - electorates.get(p, 0)) for p in party_votes}
    overhang = {
        p: electorates[p] - alloc.seats.get(p, 0)
        for p in electorates
        if p not in non_party and electorates[p] > alloc.seats.get(p, 0)
    }
    return MixedResult(
        "mmp",
        dict(party_votes),
        list_seats,
        dict(electorates),
        entitlement=dict(alloc.seats),
        overhang=overhang,
        qualified=qualified,
        base_seats=seats,
    )


def winners(results: Iterable[DistrictResult]) -> dict[str, str]:
    """District -> elected candidate, for the decided districts."""
    return {d.district: d.winner for d in results if d.winner is not None}
