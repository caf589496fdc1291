"""Small frozen records the store returns (each with ``to_dict()`` for JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any, Literal

from saylau.tabulate import Problem

Status = Literal["accepted", "flagged", "rejected"]
#: Statuses whose protocol is counted in the results.
COUNTED: frozenset[str] = frozenset({"accepted", "flagged"})


@dataclass(frozen=True)
class ElectionInfo:
    id: int
    name: str
    date: str | None
    contests: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "contests": list(self.contests)}


@dataclass(frozen=True)
class ContestInfo:
    """A contest and its progress; ``status`` is ``final`` once every expected
    station is counted and the contest is certified, else ``preliminary``."""

    id: str
    election: str
    date: str | None
    title: str
    law: str
    policy: str
    stations_expected: int
    stations_reporting: int
    status: Literal["preliminary", "final"]
    certified_at: str | None
    certified_by: str | None
    last_update: str
    change_counter: int
    divisions_fixed: bool
    #: True once any file labelled synthetic was ingested into the contest.
    synthetic: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DivisionInfo:
    """A node of a contest's division tree (levels country, region, district, station)."""

    contest_id: str
    id: str
    name: str
    level: str
    parent_id: str | None
    country: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Totals:
    """Summed figures of a division's counted protocols (accepted and flagged).

    ``ballots_cast`` = valid + invalid; ``turnout`` = ballots issued / registered, exact
    (the voters who took part, as the CECs publish it; issued = cast where a protocol
    has no issued lines).  ``stations_reporting``/``stations_flagged`` count stations
    by their counted version; ``stations_rejected`` counts stations whose newest version
    is rejected (not counted at all, or still counting an older accepted version).
    """

    registered: int = 0
    ballots_issued: int = 0
    ballots_cast: int = 0
    valid: int = 0
    invalid: int = 0
    against_all: int = 0
    stations_expected: int = 0
    stations_reporting: int = 0
    stations_flagged: int = 0
    stations_rejected: int = 0
    votes: dict[str, int] = field(default_factory=dict)

    @property
    def turnout(self) -> Fraction:
        return Fraction(self.ballots_issued, self.registered) if self.registered else Fraction(0)

    @property
    def turnout_percent(self) -> float:
        """Turnout in percent rounded to 2 places (display only)."""
        return round(float(self.turnout * 100), 2)

    def percent(self) -> dict[str, float]:
        """Each party's share of the valid votes in percent, 2 places (display only)."""
        return {
            p: round(v * 100 / self.valid, 2) if self.valid else 0.0 for p, v in self.votes.items()
        }

    def to_dict(self) -> dict[str, Any]:
        t = self.turnout
        return {
            **{k: v for k, v in asdict(self).items() if k != "votes"},
            "turnout": {
                "fraction": f"{t.numerator}/{t.denominator}",
                "percent": self.turnout_percent,
            },
            "votes": dict(self.votes),
            "percent": self.percent(),
        }


@dataclass(frozen=True)
class ContestResults:
    """Results of a contest at one division (the whole contest when it is the root).

    ``seats``/``allocation`` are the law's seat allocation, given for the root only.
    """

    contest_id: str
    division: DivisionInfo
    totals: Totals
    status: Literal["preliminary", "final"]
    last_update: str
    change_counter: int
    seats: dict[str, int] | None = None
    allocation: dict[str, Any] | None = None

    @property
    def votes(self) -> dict[str, int]:
        return self.totals.votes

    @property
    def stations_reporting(self) -> int:
        return self.totals.stations_reporting

    @property
    def stations_expected(self) -> int:
        return self.totals.stations_expected

    def to_dict(self) -> dict[str, Any]:
        return {
            "contest_id": self.contest_id,
            "division": self.division.to_dict(),
            "status": self.status,
            "last_update": self.last_update,
            "change_counter": self.change_counter,
            "totals": self.totals.to_dict(),
            "seats": self.seats,
            "allocation": self.allocation,
        }


@dataclass(frozen=True)
class VersionInfo:
    """One stored version of a station's protocol (versions are never overwritten)."""

    version: int
    created_at: str
    actor: str
    reason: str | None
    source: str | None
    hash: str
    status: str
    problems: tuple[dict[str, Any], ...]
    protocol: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "problems": list(self.problems)}


@dataclass(frozen=True)
class RelationResult:
    """A control relation's outcome on a protocol: passed, failed or not_applicable."""

    name: str
    description: str
    result: Literal["passed", "failed", "not_applicable"]
    message: str | None = None
    value: int | None = None
    expected: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StationRecord:
    """A station's counted protocol, its full version history and its checks.

    ``version``/``status``/``protocol``/``relations`` are those of the version counted
    in the results: the newest accepted or flagged one, else (nothing counted) the
    newest.  ``rejected_amendment`` is the number of a newer, rejected version the
    station has on top of its counted one (it stays in ``versions`` with its problems
    and is not counted), else None.
    """

    contest_id: str
    station: DivisionInfo
    path: tuple[str, ...]
    version: int | None
    status: str | None
    protocol: dict[str, Any] | None
    versions: tuple[VersionInfo, ...]
    relations: tuple[RelationResult, ...]
    rejected_amendment: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "contest_id": self.contest_id,
            "station": self.station.to_dict(),
            "path": list(self.path),
            "version": self.version,
            "status": self.status,
            "protocol": self.protocol,
            "versions": [v.to_dict() for v in self.versions],
            "relations": [r.to_dict() for r in self.relations],
            "rejected_amendment": self.rejected_amendment,
        }


@dataclass(frozen=True)
class IngestSummary:
    """What one ingest did: protocol counts by outcome and every problem found."""

    contest_id: str
    source: str
    rows: int
    accepted: int
    flagged: int
    rejected: int
    unchanged: int
    problems: tuple[Problem, ...] = ()
    synthetic: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in asdict(self).items() if k != "problems"},
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass(frozen=True)
class SubmissionResult:
    """The outcome of submitting one protocol (``version`` is the current version)."""

    status: Literal["accepted", "flagged", "rejected", "unchanged"]
    version: int
    problems: tuple[Problem, ...] = ()
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "version": self.version,
            "hash": self.hash,
            "problems": [p.to_dict() for p in self.problems],
        }
