"""The one-shot tabulation: read, validate, add up and allocate, all in memory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from saylau.allocation import Allocation
from saylau.errors import InputError
from saylau.tabulate.aggregate import Totals, totals
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
    ) -> Any: ...


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
    ) -> Allocation:
        from saylau.core import allocate

        base = sum(votes.values()) + against_all + (invalid if self.threshold_base == "cast" else 0)
        return allocate(
            votes, self.seats, self.method, threshold=self.threshold, threshold_base=base
        )


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
    result: Any  # saylau LawResult, or Allocation for --method
    note: str = ""
    profile: str = "canonical"
    parties: list[str] = field(default_factory=list)
    #: The reader's notes: the profile picked from the header, a derived valid
    #: column, rows skipped without data, a recoded file (``ProtocolTable.warnings``).
    warnings: list[str] = field(default_factory=list)

    @property
    def allocation(self) -> Allocation:
        alloc = getattr(self.result, "allocation", self.result)
        assert isinstance(alloc, Allocation)
        return alloc

    @property
    def seats(self) -> dict[str, int]:
        return dict(self.allocation.seats)

    def tiers(self) -> list[dict[str, Any]]:
        tiers = getattr(self.result, "tiers", None)
        if tiers is not None:
            return [t.to_dict() for t in tiers]
        alloc = self.allocation
        return [
            {
                "name": "list",
                "kind": "party-list",
                "seats": alloc.house_size,
                "party_seats": self.seats,
            }
        ]

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
        t = self.totals.to_dict()
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
            "totals": {
                k: t[k]
                for k in (
                    "registered",
                    "ballots_issued",
                    "ballots_cast",
                    "valid",
                    "invalid",
                    "turnout",
                )
            }
            | ({"against_all": self.totals.against_all} if self.totals.against_all else {}),
            "votes": dict(self.totals.votes),
            "seats": self.seats,
            "problems": self.problems_by_station(),
            "tiers": self.tiers(),
            "allocation": self.result.to_dict(),
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
    tot = totals(frame)
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
        parties=list(table.parties),
        warnings=list(table.warnings),
    )


def load_law_like(law: str | Path | LawLike) -> LawLike:
    """A law object from a preset name, a TOML path or a law object."""
    if not isinstance(law, str | Path):
        return law
    from saylau import load_law  # type: ignore[attr-defined]

    loaded: LawLike = load_law(law)
    return loaded


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
    return tabulate_table(table, load_law_like(law), policy=policy)
