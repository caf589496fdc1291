"""The results of a contest at one division: its identity, totals and seats.

``ContestResult`` at the root carries the law's seat allocation as the real
:class:`saylau.law.LawResult` (every tier, the party-list ``Allocation`` with its
steps and ties); below the root it carries totals only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from saylau.allocation import Allocation
from saylau.jsonable import Record
from saylau.law import LawResult, TierResult
from saylau.results.totals import Totals

Status = Literal["preliminary", "final"]


@dataclass(frozen=True)
class ContestInfo(Record):
    """A contest and its progress; ``status`` is ``final`` once the contest is
    certified with every expected station counted, else ``preliminary``.

    ``stations_expected`` is None (unknown) when no station list was registered
    (no divisions file, no stations registered ahead of their results): the
    stations that reported are then all the results know of, and every rendering
    says "N stations reported", never "N of N"."""

    id: str
    election: str
    date: str | None
    title: str
    law: str
    policy: str
    stations_expected: int | None
    stations_reporting: int
    status: Status
    certified_at: str | None
    certified_by: str | None
    last_update: str
    change_counter: int
    divisions_fixed: bool
    #: True once any file labelled synthetic was ingested into the contest.
    synthetic: bool = False


@dataclass(frozen=True)
class DivisionInfo(Record):
    """A node of a contest's division tree (levels country, region, district, station)."""

    contest_id: str
    id: str
    name: str
    level: str
    parent_id: str | None
    country: str | None = None


def reserved_tiers(result: LawResult | None) -> tuple[TierResult, ...]:
    """The tiers whose seats are not chosen by the popular vote (e.g. the 9 deputies
    elected by the Assembly of People of Kazakhstan): those without an allocation."""
    if result is None:
        return ()
    return tuple(t for t in result.tiers if t.allocation is None and t.seats)


def seats_total(result: LawResult | None) -> int:
    """Every seat filled: the party-list seats won (a vacant seat is not counted) and
    the seats of the tiers outside the popular vote, as the hemicycle shows them."""
    if result is None:
        return 0
    return sum(result.seats.values()) + sum(t.seats for t in reserved_tiers(result))


def outcome(totals: Totals, result: LawResult | None) -> dict[str, Any]:
    """The parts every results document shares, in one shape: ``totals``, ``votes``,
    ``seats`` (the party-list tier), ``tiers`` (every tier, reserved seats included)
    and ``allocation`` (the party-list allocation with its steps and ties, or None
    before any vote is counted)."""
    return {
        "totals": totals.to_dict(),
        "votes": dict(totals.votes),
        "seats": result.seats if result is not None else {},
        "tiers": [t.to_dict() for t in result.tiers] if result is not None else [],
        "allocation": result.allocation.to_dict() if result is not None else None,
    }


@dataclass(frozen=True)
class ContestResult:
    """Results of a contest at one division (the whole contest when it is the root).

    ``law_result`` is the law's seat allocation, for the root only (None below it,
    and while no vote is counted).
    """

    contest_id: str
    division: DivisionInfo
    totals: Totals
    status: Status
    last_update: str
    change_counter: int
    law_result: LawResult | None = None

    @property
    def votes(self) -> dict[str, int]:
        return self.totals.votes

    @property
    def stations_reporting(self) -> int:
        return self.totals.stations_reporting

    @property
    def stations_expected(self) -> int | None:
        """Stations expected below the division; None when no list was registered."""
        return self.totals.stations_expected

    @property
    def allocation(self) -> Allocation | None:
        """The party-list tier's allocation (steps, ties, threshold), or None."""
        return self.law_result.allocation if self.law_result is not None else None

    @property
    def party_seats(self) -> dict[str, int]:
        """Seats of the party-list tier by party (every party, 0 included)."""
        return self.law_result.seats if self.law_result is not None else {}

    @property
    def reserved(self) -> tuple[TierResult, ...]:
        """The tiers filled outside the popular vote (see :func:`reserved_tiers`)."""
        return reserved_tiers(self.law_result)

    @property
    def seats(self) -> dict[str, int] | None:
        """Every seat of the body: the parties' list seats, then one entry per tier
        filled outside the popular vote (by tier name, e.g. ``assembly``); None
        without an allocation."""
        if self.law_result is None:
            return None
        others = {t.name: t.seats for t in self.law_result.tiers if t.allocation is None}
        return {**self.party_seats, **others}

    @property
    def seats_total(self) -> int:
        """Every seat, the reserved tiers included (see :func:`seats_total`)."""
        return seats_total(self.law_result)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contest_id": self.contest_id,
            "division": self.division.to_dict(),
            "status": self.status,
            "last_update": self.last_update,
            "change_counter": self.change_counter,
            **outcome(self.totals, self.law_result),
        }
