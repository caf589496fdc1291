"""Electoral law as data: :class:`Law`, its :class:`Tier` s, and :class:`LawResult`."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any, Literal

from saylau.allocation import Allocation, Step
from saylau.core import allocate
from saylau.core.inputs import whole
from saylau.errors import InputError

TierKind = Literal["party-list", "indirect", "reserved", "single-member"]
#: How a party-list tier spreads over regions: one national count, party × district
#: tables (saylau.biproportional), regions then a national pass (saylau.two_level), or
#: a fixed quota in constituencies, unions and a national list (saylau.three_tier).
Scheme = Literal["single", "biproportional", "two-level", "three-tier"]
BaseName = Literal["parties", "valid", "cast"]
Policy = Literal["reject", "flag"]

BASE_TITLES: dict[str, str] = {
    "parties": "votes for parties",
    "valid": "valid ballots (votes for parties + against all)",
    "cast": "ballots cast (valid + invalid)",
}


@dataclass(frozen=True)
class Tier:
    """One tier of a body: a party-list tier, or seats filled outside the popular vote."""

    name: str
    kind: TierKind
    seats: int
    title: str = ""
    method: str | None = None
    threshold: Fraction = Fraction(0)
    threshold_base: BaseName = "valid"
    tie_break: tuple[str, ...] = ("votes", "order")
    min_parties: int = 0
    min_combined_share: Fraction | None = None
    min_combined_strict: bool = True
    max_seats_per_party: int | None = None
    regional_threshold: Fraction | None = None
    coalition_thresholds: tuple[tuple[int, Fraction], ...] = ()
    minority_bonus: Fraction | None = None
    #: (lower bound in percent, seats) for lists below the threshold (Russia 2009–2011).
    consolation_seats: tuple[tuple[Fraction, int], ...] = ()
    alliances: bool = False
    exhausted_seats: Literal["redistribute", "vacant"] = "redistribute"
    elected_by: str | None = None
    remainder_decimals: int | None = None
    scheme: Scheme = "single"
    district_seats: tuple[tuple[str, int], ...] = ()
    district_threshold: Fraction | None = None
    #: Biproportional: the alternative (or only) quorum, percent of the whole area.
    total_threshold: Fraction | None = None
    voter_numbers: bool = False
    #: Biproportional majorz condition: each district's strongest list holds a seat there.
    district_winner_seat: bool = False
    regional_quota: str = "imperiali"
    national_quota: str = "hagenbach-bischoff"
    #: Seats every list that passed holds at least (the US: one per state).
    min_seats: int = 0
    #: Seats every list that passed holds before the method shares the rest; the
    #: cap (max_seats_per_party) counts them (the Cambridge Compromise: 5 each).
    base_seats: int = 0
    #: A fixed quota (method ``fixed-quota``): votes per seat, and the remainder
    #: above which a list takes one more seat (Weimar: 60,000 and 30,000).
    votes_per_seat: int | None = None
    remainder_over: int | None = None
    #: Scheme ``three-tier``: the unions of regions (Wahlkreisverbände), the votes a
    #: list needs in one region of a union to take part there, and the cap on the
    #: national seats (Weimar: no more than the seats won below).
    unions: tuple[tuple[str, tuple[str, ...]], ...] = ()
    union_min_votes: int = 0
    national_cap: str = "seats-below"


@dataclass(frozen=True)
class TierResult:
    """The seats of one tier: party seats for a list tier, a count for the others."""

    name: str
    kind: TierKind
    seats: int
    title: str
    allocation: Allocation | None = None
    elected_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "seats": self.seats,
            "title": self.title,
        }
        if self.allocation is not None:
            out["party_seats"] = dict(self.allocation.seats)
        if self.elected_by:
            out["elected_by"] = self.elected_by
        return out


@dataclass(frozen=True)
class LawResult:
    """Every tier of a body under one law; ``seats`` is the party-list tier."""

    law: str
    title: str
    allocation: Allocation
    tiers: tuple[TierResult, ...]

    @property
    def seats(self) -> dict[str, int]:
        return dict(self.allocation.seats)

    @property
    def total_seats(self) -> int:
        return sum(t.seats for t in self.tiers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "law": self.law,
            "title": self.title,
            "seats": self.seats,
            "total_seats": self.total_seats,
            "tiers": [t.to_dict() for t in self.tiers],
            "allocation": self.allocation.to_dict(),
        }


@dataclass(frozen=True)
class Law:
    """An electoral law for one body, loaded from TOML (:func:`saylau.load_law`)."""

    name: str
    title: str
    tiers: tuple[Tier, ...]
    body: str = ""
    country: str = ""
    date: str = ""
    source: str = ""
    notes: str = ""
    protocol_policy: Policy = "reject"
    sections: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @property
    def list_tier(self) -> Tier:
        """The (first) party-list tier."""
        for t in self.tiers:
            if t.kind == "party-list":
                return t
        raise InputError(f"law '{self.name}' has no party-list tier")

    @property
    def total_seats(self) -> int:
        return sum(t.seats for t in self.tiers)

    def allocate(
        self,
        votes: Mapping[str, int],
        *,
        against_all: int = 0,
        invalid: int = 0,
        regions: Mapping[str, Mapping[str, int]] | None = None,
        region_totals: Mapping[str, int] | None = None,
        alliances: Mapping[str, str] | None = None,
        members: Mapping[str, int] | None = None,
        exempt: Collection[str] = (),
        minority: Collection[str] = (),
        list_sizes: Mapping[str, int] | None = None,
        seed: int | None = None,
        base_total: int | None = None,
    ) -> LawResult:
        """Allocate every tier from the party-list votes.

        ``against_all`` and ``invalid`` feed the threshold base; ``regions``
        (party → region → votes) the regional threshold; ``alliances`` (list →
        alliance), ``members`` (coalition size), ``exempt`` and ``minority``
        lists and ``list_sizes`` (candidates on each list) the special rules
        the law enables.  ``base_total`` overrides the threshold base where the
        votes given are not those of every list (e.g. small lists left out).
        """
        tier = self.list_tier
        assert tier.method is not None
        if tier.scheme != "single":
            from saylau.law.schemes import allocate_scheme

            return allocate_scheme(self, tier, votes, regions, members or {}, seed)
        for name, value in (("against_all", against_all), ("invalid", invalid)):
            if not whole(value):
                raise InputError(f"{name}: {value!r} must be a whole number ≥ 0")
        party_total = sum(votes.values())
        base = {
            "parties": party_total,
            "valid": party_total + against_all,
            "cast": party_total + against_all + invalid,
        }[tier.threshold_base]
        if base_total is not None:
            base = base_total
        excluded = (
            _regional_failures(tier, votes, regions, region_totals)
            if tier.regional_threshold is not None
            else {}
        )
        party_thresholds: dict[str, Fraction] = {}
        if tier.coalition_thresholds and members:
            for party, n in members.items():
                for size, pct in tier.coalition_thresholds:
                    if n >= size:
                        party_thresholds[party] = pct
        caps: dict[str, int] = {}
        if tier.max_seats_per_party is not None:
            caps = dict.fromkeys(votes, tier.max_seats_per_party)
        if tier.exhausted_seats == "redistribute":
            # A list with fewer candidates than seats gives the rest up to the other lists.
            for party, size in (list_sizes or {}).items():
                caps[party] = min(size, caps.get(party, size))
        bonus = {p: tier.minority_bonus for p in minority} if tier.minority_bonus else None
        allocation = allocate(
            votes,
            tier.seats,
            tier.method,
            threshold=tier.threshold,
            threshold_base=base,
            threshold_base_name=BASE_TITLES[tier.threshold_base],
            party_thresholds=party_thresholds,
            exempt=exempt,
            excluded=excluded,
            min_parties=tier.min_parties,
            min_combined_share=tier.min_combined_share,
            min_combined_strict=tier.min_combined_strict,
            caps=caps or None,
            alliances=alliances if tier.alliances else None,
            bonus=bonus,
            consolation=tier.consolation_seats,
            tie_break=tier.tie_break,
            seed=seed,
            remainder_decimals=tier.remainder_decimals,
            min_seats=tier.min_seats,
            base_seats=tier.base_seats,
            votes_per_seat=tier.votes_per_seat,
            remainder_over=tier.remainder_over,
        )
        if tier.exhausted_seats == "vacant" and list_sizes:
            allocation = _leave_vacant(allocation, list_sizes)
        return self.result(tier, allocation)

    def result(self, tier: Tier, allocation: Allocation) -> LawResult:
        """Every tier's result, ``allocation`` being that of the list tier ``tier``."""
        results = tuple(
            TierResult(
                t.name,
                t.kind,
                allocation.house_size if t is tier else t.seats,
                t.title or t.name,
                allocation if t is tier else None,
                t.elected_by,
            )
            for t in self.tiers
        )
        return LawResult(self.name, self.title, allocation, results)

    def resized(self, seats: int) -> Law:
        """This law with only its party-list tier, of ``seats`` seats.

        A new :class:`Law` whose :attr:`text` is its own TOML (:meth:`to_toml`), so
        it can be stored and read back; other tiers (reserved seats …) are left
        out, as for a local council elected by party lists alone.
        """
        if not whole(seats, 1):
            raise InputError(f"seats: {seats!r} must be a whole number ≥ 1")
        tier = replace(self.list_tier, seats=seats)
        law = replace(self, tiers=(tier,), text="")
        return replace(law, text=law.to_toml())

    def to_toml(self) -> str:
        """The law as TOML text that :func:`saylau.law.parse_law` reads back to an equal law."""
        from saylau.law.toml_out import law_to_toml

        return law_to_toml(self)

    def describe(self) -> dict[str, Any]:
        """The law as JSON-able data (for `saylau laws --json` and snapshots)."""
        return {
            "name": self.name,
            "title": self.title,
            "body": self.body,
            "country": self.country,
            "date": self.date,
            "source": self.source,
            "protocol_policy": self.protocol_policy,
            "total_seats": self.total_seats,
            "tiers": [
                {
                    "name": t.name,
                    "kind": t.kind,
                    "seats": t.seats,
                    "method": t.method,
                    "threshold": str(t.threshold) if t.kind == "party-list" else None,
                    "threshold_base": t.threshold_base if t.kind == "party-list" else None,
                    "elected_by": t.elected_by,
                }
                for t in self.tiers
            ],
        }


def _leave_vacant(allocation: Allocation, list_sizes: Mapping[str, int]) -> Allocation:
    """Seats a list cannot fill for want of candidates stay empty."""
    seats = dict(allocation.seats)
    steps = list(allocation.steps)
    vacant = allocation.vacant
    for party, size in list_sizes.items():
        if seats.get(party, 0) > size:
            lost = seats[party] - size
            seats[party] = size
            vacant += lost
            steps.append(
                Step(
                    "exhausted",
                    f"{party} has only {size} candidate(s): {lost} seat(s) stay vacant",
                    party=party,
                    seats=-lost,
                )
            )
    return replace(allocation, seats=seats, steps=tuple(steps), vacant=vacant)


def _regional_failures(
    tier: Tier,
    votes: Mapping[str, int],
    regions: Mapping[str, Mapping[str, int]] | None,
    region_totals: Mapping[str, int] | None,
) -> dict[str, str]:
    """Lists failing the per-region threshold (every region must be reached)."""
    assert tier.regional_threshold is not None
    if not regions:
        raise InputError(
            f"law tier '{tier.name}' has a regional threshold of {float(tier.regional_threshold):g}%:"
            " votes per region are needed (a 'region' column in the votes file)"
        )
    all_regions = sorted({r for per in regions.values() for r in per})
    totals = dict(region_totals or {})
    for r in all_regions:
        totals.setdefault(r, sum(per.get(r, 0) for per in regions.values()))
    t = tier.regional_threshold
    failures: dict[str, str] = {}
    for party in votes:
        per = regions.get(party, {})
        missed = [
            r for r in all_regions if per.get(r, 0) * 100 * t.denominator < t.numerator * totals[r]
        ]
        if missed:
            failures[party] = f"below {float(t):g}% in region(s): {', '.join(missed)}"
    return failures
