"""Rebuilding hot JSON resources in a worker process.

A rebuild of a contest's JSON is tens of milliseconds of Python.  Run in a thread it
holds the GIL, and on a busy machine the event loop then waits for that thread to be
scheduled again before it may answer anyone: polling latency grew with the rebuilds.
A worker process has its own interpreter and its own store connection, so the loop
keeps answering from the render cache while the worker builds.  Only the model
functions named here can be asked for (the request is a name and plain arguments).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from saylau.store import Store
from saylau.web.encode import to_json_bytes

#: The :mod:`saylau.web.model` builders a worker may run: name -> number of arguments.
BUILDERS: dict[str, int] = {
    "election_day": 0,
    "contest_page": 1,
    "division_page": 2,
    "station_page": 2,
}
_STORES: dict[str, Store] = {}


def build_json(db: str, name: str, args: tuple[str, ...]) -> bytes:
    """In the worker: ``model.<name>(store, *args)`` as compact JSON bytes."""
    if BUILDERS.get(name) != len(args):
        raise ValueError(f"no builder {name!r} with {len(args)} argument(s)")
    from saylau.web import model

    store = _STORES.get(db)
    if store is None:
        store = _STORES[db] = Store.open(db)
    return to_json_bytes(dict(getattr(model, name)(store, *args)))


def warm(db: str) -> None:
    """In the worker: import the model and open the store ahead of the first rebuild."""
    from saylau.web import model  # noqa: F401

    if db not in _STORES:
        _STORES[db] = Store.open(db)


def start_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` workers, started with ``spawn`` (the server has threads,
    which ``fork`` would copy in whatever state they are in)."""
    return ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
