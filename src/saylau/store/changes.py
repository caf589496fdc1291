"""Moving a contest's change counter: every write of a published fact does it.

The change counter (and ``last_update``) is the version of everything a contest
shows: the server's ETags and its live pages (Server-Sent Events, ``NOTIFY`` on
PostgreSQL), ``saylau publish --watch`` and the mirror's ``version.json`` follow it.
A protocol moves it; so must an observer's report, an accreditation, a candidate
list, a decision or a session, or the pages and the mirror keep showing the old fact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, text


def move_counters(conn: Connection, contests: Iterable[str] | None = None) -> None:
    """In the write's transaction ``conn``: move the change counter of ``contests``
    (None: of every contest) and set their ``last_update`` to now."""
    at = datetime.now(UTC).isoformat()
    sql = "UPDATE contests SET change_counter = change_counter + 1, last_update = :t"
    if contests is None:
        conn.execute(text(sql), {"t": at})
        return
    ids = sorted(set(contests))
    if ids:
        stmt = text(sql + " WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
        conn.execute(stmt, {"t": at, "ids": ids})
