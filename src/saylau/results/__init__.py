"""The one result model of a contest, a division and a station.

The CLI, the API, the HTML pages and the exports all render these objects; the
store builds them from its tables and the in-memory tabulation from a protocol
file, so ``saylau results``, ``GET /api/v1/contests/X``, ``saylau tabulate`` and the
exports show the same figures in the same shape (:func:`outcome`).

This package imports neither SQLAlchemy nor FastAPI/Starlette, and nothing of the
store, the tabulation or the web: it is the vocabulary those layers share, so it
sits below them.  The store builds results (``Store.results``, ``Store.station``)
rather than this package reading the store, because the store already holds the
rows and the law in one transaction, and a static publisher or a test can build
and render results with no database at all.

- :class:`Totals`: summed figures, turnout exact (``saylau.results.totals``).
- :class:`ContestInfo`, :class:`DivisionInfo`, :class:`ContestResult` (a contest at
  one division, with the real ``LawResult`` at the root) and :func:`outcome`, the
  shared parts of every document (``saylau.results.contest``).
- :class:`StationResult`, :class:`VersionInfo`, :class:`RelationResult`
  (``saylau.results.station``).
- :class:`Session`: an indirect election's recorded session (``saylau.results.session``).
- Open-data exports (CSV, NIST SP 1500-100) in ``saylau.results.exports``.
"""

from __future__ import annotations

from saylau.results.contest import (
    ContestInfo,
    ContestResult,
    DivisionInfo,
    outcome,
    reserved_tiers,
    seats_total,
)
from saylau.results.station import RelationResult, StationRecord, StationResult, VersionInfo
from saylau.results.totals import Totals, fraction_text, share

__all__ = [
    "ContestInfo",
    "ContestResult",
    "DivisionInfo",
    "RelationResult",
    "StationRecord",
    "StationResult",
    "Totals",
    "VersionInfo",
    "fraction_text",
    "outcome",
    "reserved_tiers",
    "seats_total",
    "share",
]
