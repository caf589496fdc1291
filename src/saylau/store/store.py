"""``Store``: the versioned results store (see the package docstring for the API)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from datetime import date as _date
from pathlib import Path
from types import TracebackType
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, select, text

from saylau.errors import InputError, NotFoundError
from saylau.law import Law
from saylau.store import divisions as dv
from saylau.store import engine as eng
from saylau.store import reads, registry, stations
from saylau.store import workflow as workflow_rows
from saylau.store.ingest import (
    DEFAULT_BATCH,
    BatchHook,
    Load,
    Progress,
    contest_row,
    ingest_frame,
    lock_contest,
    now,
    prepare,
)
from saylau.store.model import (
    COUNTED,
    ContestInfo,
    ContestResults,
    DivisionInfo,
    ElectionInfo,
    IngestSummary,
    StationRecord,
    SubmissionResult,
    Totals,
    VersionInfo,
)
from saylau.store.schema import contests, elections, protocols
from saylau.store.setup import create_contest, ensure_election, law_from_snapshot, law_snapshot
from saylau.tabulate import ProtocolTable, protocol_from_mapping


class Store:
    """A results database (SQLite file or PostgreSQL).  Open with ``Store.open``."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine: Engine = engine
        self.url = url
        self._laws: dict[str, tuple[str, Law]] = {}

    # -- lifecycle -------------------------------------------------------------
    @classmethod
    def open(cls, url_or_path: str | Path) -> Store:
        """Open (creating and migrating as needed) the database at a path or URL."""
        engine = eng.create(url_or_path)
        try:
            eng.migrate(engine)
        except Exception:
            engine.dispose()
            raise
        return cls(engine, eng.database_url(url_or_path))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- elections and contests -----------------------------------------------
    def init_election(
        self,
        name: str,
        date: str | None,
        contest_id: str,
        law: str | Path | Law,
        *,
        title: str | None = None,
        divisions: str | Path | None = None,
    ) -> ContestInfo:
        """Create the election (or reuse it by name) and its first contest."""
        return self.add_contest(name, contest_id, law, title=title, divisions=divisions, date=date)

    def add_contest(
        self,
        election: str,
        contest_id: str,
        law: str | Path | Law,
        *,
        title: str | None = None,
        divisions: str | Path | None = None,
        date: str | None = None,
    ) -> ContestInfo:
        """Add a contest with its law (snapshotted) and optionally a divisions CSV."""
        if date is not None:
            try:
                _date.fromisoformat(date)
            except ValueError:
                raise InputError(f"date {date!r} is not YYYY-MM-DD") from None
        the_law = law_snapshot(law)
        rows = dv.read_divisions(divisions) if divisions is not None else None
        with eng.write_transaction(self.engine) as conn:
            election_id = ensure_election(conn, election, date)
            create_contest(conn, election_id, contest_id, the_law, title=title, divisions=rows)
        return self.contest(contest_id)

    def elections(self) -> list[ElectionInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(elections).order_by(elections.c.id)).all()
            out = []
            for r in rows:
                ids = conn.execute(
                    select(contests.c.id)
                    .where(contests.c.election_id == r.id)
                    .order_by(contests.c.created_at, contests.c.id)
                ).scalars()
                out.append(ElectionInfo(int(r.id), r.name, r.date, tuple(ids)))
            return out

    def contests(self) -> list[ContestInfo]:
        with self.engine.connect() as conn:
            ids = (
                conn.execute(select(contests.c.id).order_by(contests.c.created_at, contests.c.id))
                .scalars()
                .all()
            )
            return [reads.contest_info(conn, i) for i in ids]

    def contest(self, contest_id: str) -> ContestInfo:
        with self.engine.connect() as conn:
            return reads.contest_info(conn, contest_id)

    def default_contest(self) -> str:
        """The only contest's id; ``InputError`` when there are none or several."""
        ids = [c.id for c in self.contests()]
        if len(ids) != 1:
            raise InputError(
                "no contest in the database: run `saylau init` first"
                if not ids
                else f"several contests ({', '.join(ids)}): name one with --contest"
            )
        return ids[0]

    def law(self, contest_id: str) -> Law:
        """The contest's law as snapshotted at ``init``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(contests.c.law_name, contests.c.law_toml).where(contests.c.id == contest_id)
            ).first()
        if row is None:
            raise NotFoundError(f"contest {contest_id!r} not found")
        cached = self._laws.get(contest_id)
        if cached is None or cached[0] != row.law_toml:
            cached = (row.law_toml, law_from_snapshot(row.law_toml, row.law_name))
            self._laws[contest_id] = cached
        return cached[1]

    def set_certified(self, contest_id: str, by: str) -> ContestInfo:
        """Mark the contest certified (the workflow around it belongs to ``saylau.trust``)."""
        with eng.write_transaction(self.engine) as conn:
            reads.contest_info(conn, contest_id)
            workflow_rows.set_certified(conn, contest_id, by, now())
        return self.contest(contest_id)

    def register(
        self,
        contest_id: str,
        *,
        stations: Sequence[Mapping[str, str | None]] = (),
        parties: Sequence[str] = (),
        actor: str,
    ) -> None:
        """Register stations (``station``, ``region``, ``district``, ``country`` as in a
        protocol) and parties before results come in: the CEC's act, audited.  See
        ``saylau.store.registry``."""
        with eng.write_transaction(self.engine) as conn:
            contest = contest_row(conn, contest_id)
            lock_contest(conn, contest_id)
            registry.register(conn, contest, stations=stations, parties=parties, actor=actor)

    def change_counter(self, contest_id: str) -> int:
        """Monotone counter of the contest's changes (an HTTP ETag)."""
        return self.contest(contest_id).change_counter

    def last_modified(self, contest_id: str) -> str:
        return self.contest(contest_id).last_update

    # -- writing protocols -------------------------------------------------------
    def ingest(
        self,
        contest_id: str,
        table: ProtocolTable,
        *,
        actor: str = "cli",
        reason: str | None = None,
        progress: Progress | None = None,
        batch_size: int = DEFAULT_BATCH,
        on_batch: BatchHook | None = None,
        audited: bool = True,
        register: registry.Registration | None = None,
    ) -> IngestSummary:
        """Validate and store a table of protocols, all or nothing (one transaction).

        New and changed protocols get a new version (accepted, flagged or rejected
        under the law's policy); identical ones are ``unchanged`` and write nothing.
        A protocol naming a station or party that is not registered, or moving its
        station, raises ``InputError`` (every such row) before anything is written;
        ``register`` lets the load register the file's new stations and parties (a
        CEC act, audited); ``None``: what ``saylau.store.registry.implied`` allows
        (a first load registers).  Each batch appends an ``ingest`` entry to the
        audit chain (``audited=False`` only for a caller that recorded the versions'
        entries itself).  ``on_batch(conn, versions)`` is called inside the
        transaction with each batch's versions.
        """
        with self.engine.connect() as conn:
            contest = contest_row(conn, contest_id)
        frame, problems = prepare(table, contest.policy)
        with eng.write_transaction(self.engine) as conn:
            lock_contest(conn, contest_id)
            allow = register if register is not None else registry.implied(conn, contest)
            placed = registry.refuse_unregistered(conn, contest, frame, table.source, allow)
            if table.synthetic:
                _mark_synthetic(conn, contest_id)
            load = Load(actor, reason, table.source, on_batch, audited)
            counts = ingest_frame(
                conn, contest, frame, load, batch_size=batch_size, progress=progress, placed=placed
            )
        return IngestSummary(
            contest_id=contest_id,
            source=table.source,
            rows=frame.height,
            **asdict(counts),  # accepted, flagged, rejected, unchanged
            problems=tuple(problems),
            synthetic=table.synthetic,
        )

    def submit(
        self,
        contest_id: str,
        protocol: Mapping[str, object],
        *,
        actor: str,
        reason: str | None = None,
    ) -> SubmissionResult:
        """Store one protocol (canonical field names, as in the JSON API)."""
        table = protocol_from_mapping(protocol)
        summary = self.ingest(contest_id, table, actor=actor, reason=reason)
        station = str(table.frame["station"][0])
        with self.engine.connect() as conn:
            row = conn.execute(
                select(protocols.c.version, protocols.c.status, protocols.c.hash).where(
                    protocols.c.contest_id == contest_id, protocols.c.station_id == station
                )
            ).one()
        status = "unchanged" if summary.unchanged else str(row.status)
        return SubmissionResult(status, int(row.version), summary.problems, row.hash)  # type: ignore[arg-type]

    # -- reading ---------------------------------------------------------------------
    def division(self, contest_id: str, division_id: str) -> DivisionInfo:
        with self.engine.connect() as conn:
            return reads.division(conn, contest_id, division_id)

    def children(self, contest_id: str, division_id: str | None = None) -> list[DivisionInfo]:
        """Child divisions (``None``: the root alone, as a one-element list)."""
        with self.engine.connect() as conn:
            return reads.children(conn, contest_id, division_id)

    def results(self, contest_id: str, division_id: str | None = None) -> ContestResults:
        """Totals, votes and stations of a division (default: the root, with seats)."""
        with self.engine.connect() as conn:
            info = reads.contest_info(conn, contest_id)
            root = conn.execute(
                select(contests.c.root_id).where(contests.c.id == contest_id)
            ).scalar_one()
            did = division_id or root
            div = reads.division(conn, contest_id, did)
            if div.level == "station":
                totals = self._station_totals(conn, contest_id, did)
            else:
                totals = reads.stored_totals(conn, contest_id, [did]).get(did) or Totals(
                    votes=dict.fromkeys(reads.parties(conn, contest_id), 0)
                )
        if info.stations_expected is None:
            totals = replace(totals, stations_expected=None)  # no station list registered
        result = None
        if did == root and any(totals.votes.values()):
            result = self.law(contest_id).allocate(
                totals.votes, against_all=totals.against_all, invalid=totals.invalid
            )
        return ContestResults(
            contest_id, div, totals, info.status, info.last_update, info.change_counter, result
        )

    def _station_totals(self, conn: Connection, contest_id: str, station_id: str) -> Totals:
        vs = reads.versions(conn, contest_id, station_id)
        return stations.totals(vs, reads.parties(conn, contest_id))

    def results_by_level(self, contest_id: str, level: str) -> list[ContestResults]:
        """Results of every division of ``level`` (country, region, district, station)."""
        if level not in dv.LEVELS:
            raise InputError(f"level {level!r} is not one of {', '.join(dv.LEVELS)}")
        with self.engine.connect() as conn:
            info = reads.contest_info(conn, contest_id)
            divs = stations.divisions_of(conn, contest_id, level)
            if level == "station":
                totals = self._all_station_totals(conn, contest_id)
            else:
                totals = reads.stored_totals(conn, contest_id)
            names = reads.parties(conn, contest_id)
        empty = Totals(votes=dict.fromkeys(names, 0))
        if info.stations_expected is None:  # no station list registered: unknown
            totals = {k: replace(t, stations_expected=None) for k, t in totals.items()}
            empty = replace(empty, stations_expected=None)
        return [
            ContestResults(
                contest_id,
                d,
                totals.get(d.id, empty),
                info.status,
                info.last_update,
                info.change_counter,
            )
            for d in divs
        ]

    def _all_station_totals(self, conn: Connection, contest_id: str) -> dict[str, Totals]:
        frame = reads.current_frame(conn, contest_id)
        names = reads.parties(conn, contest_id)
        out: dict[str, Totals] = {}
        from saylau.tabulate.fields import issued_expr

        frame = frame.with_columns(issued_expr(frame.columns).alias("_issued"))
        for r in frame.iter_rows(named=True):
            k = 1 if r["status"] in COUNTED else 0
            out[r["station"]] = Totals(
                registered=k * r["registered"],
                ballots_issued=k * r["_issued"],
                ballots_cast=k * (r["valid"] + r["invalid"]),
                valid=k * r["valid"],
                invalid=k * r["invalid"],
                against_all=k * (r["against_all"] or 0),
                stations_expected=1,
                stations_reporting=k,
                stations_flagged=int(r["status"] == "flagged"),
                stations_rejected=int(r["latest_status"] == "rejected"),
                votes={n: k * int(r["party:" + n]) for n in names},
            )
        return out

    def aggregates(self, contest_id: str) -> dict[str, Totals]:
        """The stored (incrementally maintained) totals of every non-station division."""
        with self.engine.connect() as conn:
            reads.contest_info(conn, contest_id)
            return reads.stored_totals(conn, contest_id)

    def recount(self, contest_id: str) -> dict[str, Totals]:
        """Every non-station division's totals recomputed from current protocols.

        Equal to ``aggregates(contest_id)`` unless the store is corrupted.
        """
        with self.engine.connect() as conn:
            return reads.recount(conn, contest_id)

    def protocol_versions(self, contest_id: str, station_id: str) -> list[VersionInfo]:
        """Every version of a station's protocol, oldest first."""
        with self.engine.connect() as conn:
            reads.division(conn, contest_id, station_id)
            return reads.versions(conn, contest_id, station_id)

    def station(self, contest_id: str, station_id: str) -> StationRecord:
        """A station: its current protocol, every version, and each control relation's result."""
        with self.engine.connect() as conn:
            div = reads.division(conn, contest_id, station_id)
            if div.level != "station":
                raise NotFoundError(
                    f"station {station_id!r} not found in contest {contest_id!r} ({div.level})"
                )
            vs = reads.versions(conn, contest_id, station_id)
            path = reads.station_path(conn, contest_id, {"station": station_id})[:-1]
        return stations.record(contest_id, div, path, vs)

    def observers(self) -> list[dict[str, Any]]:
        """Every accredited observer's stored row (``inst_observers``), by id."""
        from saylau.store.observers import observer_rows

        return observer_rows(self)

    def iter_protocols(self, contest_id: str) -> pl.DataFrame:
        """Counted protocols as a polars DataFrame: ``station``, ``status``, ``version``,
        ``hash``, ``parent_id``, identification and accounting fields, ``party:<name>``,
        and ``latest_version``/``latest_status`` (newer than ``version`` when a rejected
        amendment is not counted).  A station with no counted version has its newest
        (rejected) one."""
        with self.engine.connect() as conn:
            reads.contest_info(conn, contest_id)
            return reads.current_frame(conn, contest_id)


def _mark_synthetic(conn: Connection, contest_id: str) -> None:
    """Record that the contest holds synthetic protocols, in the load's transaction.
    Moves the change counter when the flag turns on: pages that show the label must
    be rebuilt."""
    conn.execute(
        text(
            "UPDATE contests SET synthetic = :y, change_counter = change_counter + 1, "
            "last_update = :t WHERE id = :c AND synthetic = :n"
        ),
        {"y": True, "n": False, "t": now(), "c": contest_id},
    )
