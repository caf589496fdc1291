"""The one-shot tabulation: read, validate, add up and allocate, all in memory.

Its result shares the result model of :mod:`saylau.results`: the same ``Totals``,
a real ``LawResult`` (a ``--method`` allocation is a one-tier law result), and the
same JSON for ``totals``, ``votes``, ``seats``, ``tiers`` and ``allocation`` as the
store's results and the API (:func:`saylau.results.outcome`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from saylau.allocation import Allocation
from saylau.errors import InputError
from saylau.law import LawResult, TierResult, load_law
from saylau.results import Totals, outcome, seats_total
from saylau.tabulate.aggregate import issued_derived, totals
from saylau.tabulate.controls import Problem, check, failing
from saylau.tabulate.fields import STATION
from saylau.tabulate.reader import ProtocolTable, read_protocols

Policy = Literal["reject", "flag"]


class LawLike(Protocol):
    """What tabulation needs of a law (``saylau.law.Law``)."""

    @property
    def name(self) -> str: ...

    @property
    def protocol_policy(self) -> Policy: ...

    def allocate(
        self, votes: Mapping[str, int], *, against_all: int = 0, invalid: int = 0
    ) -> LawResult: ...


@dataclass(frozen=True)
class MethodLaw:
    """An ad-hoc "law" from ``--method M --seats N [--threshold P] [--threshold-base]``."""

    method: str
    seats: int
    threshold: str = "0"
    threshold_base: Literal["valid", "cast"] = "valid"
    protocol_policy: Policy = "reject"

    @property
    def name(self) -> str:
        return f"{self.method}, {self.seats} seats, threshold {self.threshold}% of {self.threshold_base}"

    def allocate(
        self, votes: Mapping[str, int], *, against_all: int = 0, invalid: int = 0
    ) -> LawResult:
        """The allocation as a one-tier law result (tier ``party-list``)."""
        from saylau.core import allocate

        base = sum(votes.values()) + against_all + (invalid if self.threshold_base == "cast" else 0)
        alloc = allocate(
            votes, self.seats, self.method, threshold=self.threshold, threshold_base=base
        )
        tier = TierResult("party-list", "party-list", alloc.house_size, "party list", alloc)
        return LawResult(self.name, self.name, alloc, (tier,))


@dataclass
class Tabulation:
    """The result of ``tabulate``: totals of the counted protocols, problems, seats."""

    source: str
    synthetic: bool
    policy: Policy
    law: str
    totals: Totals
    problems: list[Problem]
    stations: int
    rejected: list[str]
    flagged: list[str]
    result: LawResult
    note: str = ""
    profile: str = "canonical"
    #: True when the file has no lines of ballots issued (issued = cast).
    issued_derived: bool = False
    parties: list[str] = field(default_factory=list)
    #: The reader's notes: the profile picked from the header, a derived valid
    #: column, rows skipped without data, a recoded file (``ProtocolTable.warnings``).
    warnings: list[str] = field(default_factory=list)

    @property
    def allocation(self) -> Allocation:
        """The party-list tier's allocation."""
        return self.result.allocation

    @property
    def seats(self) -> dict[str, int]:
        """Seats of the party-list tier by party."""
        return self.result.seats

    def problems_by_station(self) -> list[dict[str, Any]]:
        grouped: dict[str, dict[str, Any]] = {}
        rejected = set(self.rejected)
        for p in self.problems:
            entry = grouped.setdefault(
                p.station,
                {
                    "station": p.station,
                    "row": p.row,
                    "status": "rejected" if p.station in rejected else "flagged",
                    "failures": [],
                },
            )
            entry["failures"].append(
                {k: v for k, v in p.to_dict().items() if k not in ("station", "row")}
            )
        return list(grouped.values())

    def to_dict(self) -> dict[str, Any]:
        """The tabulation as JSON: its source and checks, then the parts every results
        document shares (``totals``, ``votes``, ``seats``, ``tiers``, ``allocation``)."""
        return {
            "source": self.source,
            "synthetic": self.synthetic,
            **({"synthetic_note": self.note} if self.synthetic else {}),
            "law": self.law,
            "profile": self.profile,
            "warnings": list(self.warnings),
            "protocol_policy": self.policy,
            "stations": {
                "total": self.stations,
                "counted": self.totals.stations,
                "rejected": len(self.rejected),
                "flagged": len(self.flagged),
            },
            **outcome(self.totals, self.result),
            "seats_total": seats_total(self.result),
            "problems": self.problems_by_station(),
        }


def tabulate_table(
    table: ProtocolTable, law: LawLike, *, policy: Policy | None = None
) -> Tabulation:
    """Tabulate an already-read table (see ``tabulate``)."""
    policy = policy or law.protocol_policy
    if policy not in ("reject", "flag"):
        raise InputError(f"protocol policy {policy!r} must be 'reject' or 'flag'")
    problems = check(table)
    frame = table.frame
    rejected: list[str] = []
    flagged: list[str] = []
    if problems:
        mask = failing(frame)
        bad = frame.filter(mask).get_column(STATION).to_list()
        if policy == "reject":
            rejected = bad
            frame = frame.filter(~mask)
        else:
            flagged = bad
    tot = replace(
        totals(frame),
        stations_expected=table.frame.height,
        stations_flagged=len(flagged),
        stations_rejected=len(rejected),
    )
    if tot.stations == 0:
        raise InputError(f"{table.source}: every protocol was rejected; nothing to count")
    result = law.allocate(tot.votes, against_all=tot.against_all, invalid=tot.invalid)
    return Tabulation(
        source=table.source,
        synthetic=table.synthetic,
        note=table.note,
        policy=policy,
        law=law.name,
        totals=tot,
        problems=sorted(problems, key=lambda p: p.row),
        stations=table.frame.height,
        rejected=rejected,
        flagged=flagged,
        result=result,
        profile=table.profile,
        issued_derived=issued_derived(table.frame.columns),
        parties=list(table.parties),
        warnings=list(table.warnings),
    )


def tabulate(
    source: Path | str | bytes | ProtocolTable,
    law: str | Path | LawLike,
    *,
    profile: str | None = None,
    policy: Policy | None = None,
) -> Tabulation:
    """Read, validate, add up and allocate: the in-memory path, no database.

    ``law`` is a preset name, a law TOML path, a ``Law`` or a ``MethodLaw``; its
    ``protocol_policy`` (overridden by ``policy``) decides whether protocols failing
    a control relation are left out (``reject``) or counted and flagged (``flag``).
    The law gets the totals its threshold base needs (against all, invalid).
    """
    table = source if isinstance(source, ProtocolTable) else read_protocols(source, profile=profile)
    the_law: LawLike = load_law(law) if isinstance(law, str | Path) else law
    return tabulate_table(table, the_law, policy=policy)
