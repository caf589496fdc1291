"""Rebuilding hot JSON resources and HTML pages in a worker process.

A rebuild of a contest's JSON is tens of milliseconds of Python.  Run in a thread it
holds the GIL, and on a busy machine the event loop then waits for that thread to be
scheduled again before it may answer anyone: polling latency grew with the rebuilds.
A worker process has its own interpreter and its own store connection, so the loop
keeps answering from the render cache while the worker builds.  Only the model
functions named here can be asked for (the request is a name and plain arguments).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor

from jinja2 import Environment

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
_TEMPLATES: dict[str, Environment] = {}


def build_json(db: str, name: str, args: tuple[str, ...]) -> bytes:
    """In the worker: ``model.<name>(store, *args)`` as compact JSON bytes."""
    if BUILDERS.get(name) != len(args):
        raise ValueError(f"no builder {name!r} with {len(args)} argument(s)")
    from saylau.web import model

    store = _STORES.get(db)
    if store is None:
        store = _STORES[db] = Store.open(db)
    return to_json_bytes(dict(getattr(model, name)(store, *args)))


def build_html(
    db: str, name: str, args: tuple[str, ...], template: str, lang: str, path: str
) -> bytes:
    """In the worker: the page ``template`` of ``model.<name>(store, *args)`` in
    ``lang``, linking back to ``path`` (see :func:`saylau.web.render.page_globals_for`)."""
    if BUILDERS.get(name) != len(args):
        raise ValueError(f"no builder {name!r} with {len(args)} argument(s)")
    from saylau.web import model
    from saylau.web.jinja import page_globals_for, template_environment

    store = _STORES.get(db)
    if store is None:
        store = _STORES[db] = Store.open(db)
    templates = _TEMPLATES.get("")
    if templates is None:
        templates = _TEMPLATES[""] = template_environment()
    context = dict(getattr(model, name)(store, *args))
    context.update(page_globals_for(lang, path))
    html: str = templates.get_template(template).render(context)
    return html.encode("utf-8")


def warm(db: str) -> None:
    """In the worker: import the model and open the store ahead of the first rebuild."""
    from saylau.web import model  # noqa: F401

    if db not in _STORES:
        _STORES[db] = Store.open(db)


#: Seconds between a worker's checks that its server is still alive.
PARENT_POLL = 0.5


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL)
    os._exit(0)  # the server is gone (kill -9 runs no cleanup): nothing left to serve


def end_with_parent(parent: int) -> None:
    """In a worker: exit as soon as the process ``parent`` is gone.

    A server killed with SIGKILL cannot stop its pool, and the workers (and, through
    them, multiprocessing's resource tracker, which ends when the last of its users
    does) were re-parented and ran on.  ``PR_SET_PDEATHSIG`` is not used: it fires
    when the *thread* that started the worker ends, and the pool starts workers from
    whichever thread submits."""
    threading.Thread(target=_watch, args=(parent,), name="parent-watch", daemon=True).start()


def start_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` workers, started with ``spawn`` (the server has threads,
    which ``fork`` would copy in whatever state they are in); each ends with the server."""
    return ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=end_with_parent,
        initargs=(os.getpid(),),
    )
