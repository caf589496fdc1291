"""Which database errors mean "the store cannot take writes now" (a 503, not a bug).

A read-only file, a full disk, a lost server connection or a PostgreSQL standby are
conditions of the machine, not of the request: the web answers 503 with the reason
and logs it.  Only this module looks inside the driver errors to tell them apart.
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DBAPIError, OperationalError

#: SQLite messages of a store that cannot be written (lower case, matched as substrings).
_SQLITE_UNAVAILABLE = (
    "readonly database",
    "read-only",
    "disk is full",
    "disk i/o error",
    "unable to open database",
    "database is locked",
)
#: PostgreSQL SQLSTATE classes and codes of the same conditions: connection exceptions
#: (08), insufficient resources (53: disk full, out of memory), operator intervention
#: (57: shutdown), read-only transaction (25006).
_PG_UNAVAILABLE = ("08", "53", "57", "25006")
_OS_UNAVAILABLE = frozenset({errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EIO})


def unavailable(err: BaseException) -> str | None:
    """The one-line reason when ``err`` says the database cannot be written, else None."""
    if isinstance(err, OSError) and err.errno in _OS_UNAVAILABLE:
        return f"database unavailable: {err.strerror or err}"
    if not isinstance(err, DBAPIError):
        return None
    orig = err.orig
    line = " ".join(str(orig).split())
    sqlstate = getattr(orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        if sqlstate.startswith(_PG_UNAVAILABLE):
            return f"database unavailable: {line}"
        return None
    if isinstance(err, OperationalError) and any(m in line.lower() for m in _SQLITE_UNAVAILABLE):
        return f"database unavailable: {line}"
    return None
