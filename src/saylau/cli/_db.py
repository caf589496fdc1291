"""Opening a results database from the command line, with one-line errors.

``Store.open`` creates a missing SQLite file and lets driver errors through as
SQLAlchemy exceptions (a traceback at the CLI).  The commands that only *read or
amend* a store go through :func:`open_store`, which refuses a
path that does not exist (instead of leaving an empty database behind) and turn
"not a database", "is a directory" and "connection refused" into an
:class:`~saylau.errors.InputError` that names the DB.  :func:`created_or_removed`
deletes a database file a failed ``init`` created, so nothing half-made is left.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from saylau.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from saylau.store import Store

#: Files SQLite may create next to a database file.
_SIDECARS = ("-wal", "-shm", "-journal")


def is_url(db: str) -> bool:
    """True when ``db`` is a URL (``postgresql://…``, ``sqlite:///…``), not a file path."""
    return "://" in db


def describe(db: str) -> str:
    """``db`` as shown in messages: a URL without its password."""
    if not is_url(db):
        return db
    from saylau.store.engine import display_url

    return display_url(db)


def db_problem(db: str, err: BaseException) -> InputError:
    """The one-line :class:`InputError` for a driver or OS error opening ``db``."""
    orig = getattr(err, "orig", None) or err
    text = " ".join(str(orig).split()) or type(orig).__name__
    return InputError(f"DB '{describe(db)}': cannot open: {text}")


def check_exists(db: str) -> None:
    """Refuse a database file path that does not exist or is not a regular file."""
    if is_url(db):
        return
    path = Path(db)
    if path.is_dir():
        raise InputError(f"DB '{db}': is a directory, not a database file")
    if not path.exists():
        raise InputError(f"DB '{db}': no such file (create it with `saylau init`)")


def open_store(db: str, *, create: bool = False) -> Store:
    """Open the store ``db``; a missing file is an error unless ``create``."""
    from saylau.store import Store
    from saylau.store.engine import DRIVER_ERRORS

    if create:
        if not is_url(db) and Path(db).is_dir():
            raise InputError(f"DB '{db}': is a directory, not a database file")
    else:
        check_exists(db)
    try:
        return Store.open(db)
    except DRIVER_ERRORS as err:
        raise db_problem(db, err) from None


@contextmanager
def created_or_removed(db: str) -> Iterator[None]:
    """Remove the SQLite file ``db`` (and its sidecars) if it is new and the block fails.

    An ``init`` that stops at a bad law or divisions file must not leave an empty,
    migrated database behind: the next ``init`` of the same path would then meet
    a half-made store.
    """
    if is_url(db) or Path(db).exists():
        yield
        return
    try:
        yield
    except BaseException:
        path = Path(db)
        for p in (path, *(path.with_name(path.name + s) for s in _SIDECARS)):
            p.unlink(missing_ok=True)
        raise


def pick_contest(store: Store, given: str | None) -> str:
    """The contest a command works on: the one ``--contest`` names, or the only one.

    A name the database does not hold is refused with the names it does hold, so a
    typo is answered with the ids to choose from."""
    if given is None:
        return store.default_contest()
    ids = [c.id for c in store.contests()]
    if given not in ids:
        held = ", ".join(ids) if ids else "none yet: run `saylau init` first"
        raise NotFoundError(f"contest {given!r} not found (contests in the database: {held})")
    return given
