"""Writing protocols that are already validated, inside the caller's transaction.

The submission workflow (``saylau.trust.workflow``) checks each protocol once
(``saylau.trust.validate.check_one``, over the relations of
``saylau.tabulate.controls``), decides under the write lock which ones change
anything, writes them here and appends their audit entries in the same
transaction: validate once, write once, audit with the write.  No JSON round trip
through the file reader, and no query afterwards to find out what was written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import polars as pl
from sqlalchemy import Connection

from saylau.errors import InputError
from saylau.store import registry
from saylau.store.ingest import (
    Load,
    WrittenVersion,
    _apply_batch,
    contest_row,
    lock_contest,
    prepare,
)
from saylau.tabulate import Problem, ProtocolTable
from saylau.tabulate.fields import COUNT_FIELDS, ID_FIELDS, ROW, is_party_column, party_name


def _table(protocols: Sequence[Mapping[str, Any]], source: str) -> ProtocolTable:
    """Canonical protocols with the same fields as one table (the reader's columns)."""
    keys = list(dict.fromkeys(k for p in protocols for k in p))
    ids = [k for k in ID_FIELDS if k in keys]
    counts = [k for k in COUNT_FIELDS if k in keys]
    parties = [k for k in keys if is_party_column(k)]
    data: dict[str, list[Any]] = {ROW: list(range(1, len(protocols) + 1))}
    schema: dict[str, Any] = {ROW: pl.Int64}
    for k in ids:
        data[k] = [str(p.get(k) or "") for p in protocols]
        schema[k] = pl.String
    for k in (*counts, *parties):
        data[k] = [p.get(k) for p in protocols]
        schema[k] = pl.Int64
    frame = pl.DataFrame(data, schema=schema)
    return ProtocolTable(frame=frame, parties=[party_name(c) for c in parties], source=source)


def _at_row(problem: Problem, row: int) -> Problem:
    """``problem`` (checked as a one-row table) as row ``row`` of its group, as the
    reader would have numbered it."""
    message = problem.message
    if message.startswith("row 1 "):
        message = f"row {row} " + message[len("row 1 ") :]
    return replace(problem, row=row, message=message)


def write_checked(
    conn: Connection,
    contest_id: str,
    protocols: Sequence[tuple[Mapping[str, Any], Sequence[Problem]]],
    *,
    actor: str,
    reason: str | None,
    source: str,
) -> dict[str, WrittenVersion]:
    """Write validated protocols (each with its failed controls) in ``conn``'s
    transaction; the versions written, by station.  The caller holds the write lock
    and audits them (nothing here appends to the audit chain)."""
    contest = contest_row(conn, contest_id)
    lock_contest(conn, contest_id)
    groups: dict[tuple[str, ...], list[tuple[Mapping[str, Any], Sequence[Problem]]]] = {}
    for item in protocols:  # a table's rows share their columns
        groups.setdefault(tuple(sorted(item[0])), []).append(item)
    frames = []
    refused: list[str] = []
    for group in groups.values():
        table = _table([p for p, _ in group], source)
        problems = [_at_row(x, i) for i, (_, ps) in enumerate(group, start=1) for x in ps]
        frame, _ = prepare(table, contest.policy, problems)
        # A submission registers nothing: its station and parties must be on record.
        # (Without the table's label and row: a submission is not a file.)
        refused += [m.split(": ", 1)[1] for m in registry.problems(conn, contest, frame, source)]
        frames.append(frame)
    if refused:
        raise InputError(list(dict.fromkeys(refused)))
    written: dict[str, WrittenVersion] = {}

    def keep(_conn: Connection, versions: list[WrittenVersion]) -> None:
        written.update((v.station, v) for v in versions)

    # The caller appends the audit entries, one per protocol: the batches append none.
    load = Load(actor, reason, source, on_batch=keep, audited=False)
    tree: dict[str, str | None] = {}
    for frame in frames:
        _apply_batch(conn, contest, frame, tree, load)
    return written
