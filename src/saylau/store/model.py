"""Small frozen records the store returns (each with ``to_dict()`` for JSON).

The results of a contest, a division and a station are the one result model of
:mod:`saylau.results`, built here by the store and re-exported under the store's
names; this module keeps the records of the store's own operations.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from saylau.jsonable import Record
from saylau.results import (
    ContestInfo,
    ContestResult,
    DivisionInfo,
    RelationResult,
    StationRecord,
    Totals,
    VersionInfo,
)
from saylau.tabulate import Problem

Status = Literal["accepted", "flagged", "rejected"]
#: Statuses whose protocol is counted in the results.
COUNTED: frozenset[str] = frozenset({"accepted", "flagged"})

#: The store's earlier name of :class:`saylau.results.ContestResult`.
ContestResults = ContestResult

__all__ = [
    "COUNTED",
    "ContestInfo",
    "ContestResult",
    "ContestResults",
    "DivisionInfo",
    "ElectionInfo",
    "IngestSummary",
    "RelationResult",
    "StationRecord",
    "SubmissionResult",
    "Totals",
    "VersionInfo",
]


@dataclass(frozen=True)
class ElectionInfo(Record):
    id: int
    name: str
    date: str | None
    contests: tuple[str, ...]


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
        return _problems_last(self)


@dataclass(frozen=True)
class SubmissionResult:
    """The outcome of submitting one protocol (``version`` is the current version)."""

    status: Literal["accepted", "flagged", "rejected", "unchanged"]
    version: int
    problems: tuple[Problem, ...] = ()
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _problems_last(self)


def _problems_last(record: IngestSummary | SubmissionResult) -> dict[str, Any]:
    """``record``'s fields in order, then its problems (each ``Problem.to_dict()``)."""
    fields = {k: v for k, v in asdict(record).items() if k != "problems"}
    return {**fields, "problems": [p.to_dict() for p in record.problems]}
