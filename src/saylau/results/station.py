"""The results of a polling station: its counted protocol, every version, its checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from saylau.jsonable import Record
from saylau.results.contest import DivisionInfo


@dataclass(frozen=True)
class VersionInfo(Record):
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


@dataclass(frozen=True)
class RelationResult(Record):
    """A control relation's outcome on a protocol: passed, failed or not_applicable."""

    name: str
    description: str
    result: Literal["passed", "failed", "not_applicable"]
    message: str | None = None
    value: int | None = None
    expected: int | None = None


@dataclass(frozen=True)
class StationResult:
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


#: The store's earlier name of :class:`StationResult`.
StationRecord = StationResult
