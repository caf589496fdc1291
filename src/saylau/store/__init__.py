"""The versioned results store: SQLAlchemy Core + Alembic, on SQLite or PostgreSQL.

Open a store with ``Store.open(path_or_url)``: a plain path is an SQLite file (WAL),
``postgresql://…`` a PostgreSQL database (psycopg 3).  Migrations run on open.

Writing:

- ``init_election(name, date, contest_id, law, *, title=None, divisions=None)`` and
  ``add_contest(election, contest_id, law, *, title=None, divisions=None, date=None)``:
  a contest snapshots its law (TOML text and JSON description, ``protocol_policy``)
  and optionally loads a divisions CSV (``saylau.store.divisions``).
- ``ingest(contest_id, table, *, actor="cli", reason=None, progress=None)`` →
  ``IngestSummary``; ``submit(contest_id, protocol_mapping, *, actor, reason=None)`` →
  ``SubmissionResult``.  Protocol versions are append-only; identical protocols are
  ``unchanged``; each batch is one transaction; aggregates move by deltas.
- ``set_certified(contest_id, by)``.

Reading (every unknown id raises ``saylau.errors.NotFoundError`` naming it):

- ``elections()`` → ``[ElectionInfo]``; ``contests()`` / ``contest(id)`` → ``ContestInfo``;
  ``default_contest()``; ``law(contest_id)`` → the snapshotted ``Law``.
- ``division(contest_id, division_id)`` → ``DivisionInfo``;
  ``children(contest_id, division_id | None)`` → ``[DivisionInfo]`` (None: the root).
- ``results(contest_id, division_id=None)`` → ``ContestResults`` (root: with seats);
  ``results_by_level(contest_id, level)`` → ``[ContestResults]``.
- ``station(contest_id, station_id)`` → ``StationRecord``;
  ``protocol_versions(contest_id, station_id)`` → ``[VersionInfo]``.
- ``change_counter(contest_id)`` (monotone, for ETags), ``last_modified(contest_id)``.
- ``iter_protocols(contest_id)`` → polars DataFrame of current protocols.
- ``aggregates(contest_id)`` (stored) and ``recount(contest_id)`` (recomputed):
  ``{division_id: Totals}``, equal in a consistent store.

Every returned record is a frozen dataclass with ``to_dict()``.  docs/store.md has the
schema, the one migration history (``0001_initial`` … ``HEAD_REVISION``) and the
divisions CSV format.
"""

from __future__ import annotations

from saylau.store import model
from saylau.store.canonical import canonical_json, content_hash
from saylau.store.model import *  # noqa: F403  (the records a store returns: model.__all__)
from saylau.store.store import Store

#: The one head of the store's migration history (every table of every package).
HEAD_REVISION = "0011_account_language"

__all__ = ["HEAD_REVISION", "Store", "canonical_json", "content_hash"]
__all__ += model.__all__
