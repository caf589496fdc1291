"""Hearing of committed changes at once: PostgreSQL's ``LISTEN`` on the channel the
``saylau_contest_changed`` trigger (migration ``0007_webhooks``) notifies whenever a
contest's change counter moves or a contest is added; the payload is its id.

It is a wake-up call, not a second source of truth: whoever hears it re-reads the
change counters as before.  SQLite has no such channel; there the readers poll.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from saylau.store.store import Store

#: The channel of the trigger's ``pg_notify``.
CHANNEL = "saylau_contests"
#: Seconds between two checks of ``stop``, and before reconnecting after an error.
TICK = 1.0


def can_listen(store: Store) -> bool:
    """True when the store's database announces its changes (PostgreSQL)."""
    return store.engine.dialect.name == "postgresql"


def _conninfo(store: Store) -> str:
    url = make_url(store.url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _listen(conninfo: str, on_change: Callable[[str], None], stop: threading.Event) -> None:
    import psycopg

    while not stop.is_set():
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute(f"LISTEN {CHANNEL}")
                while not stop.is_set():
                    for note in conn.notifies(timeout=TICK):
                        on_change(note.payload)
        except psycopg.Error:
            stop.wait(TICK)  # the server restarted or the network dropped: again


def listen(store: Store, on_change: Callable[[str], None]) -> threading.Event | None:
    """Call ``on_change(contest_id)`` from a background thread after each committed
    change of a contest; returns the event that stops it (None: the database cannot
    announce changes, poll instead).  A lost connection is re-established; changes
    committed meanwhile are not announced (readers also poll, more slowly)."""
    if not can_listen(store):
        return None
    stop = threading.Event()
    thread = threading.Thread(
        target=_listen, args=(_conninfo(store), on_change, stop), name="listen", daemon=True
    )
    thread.start()
    return stop
