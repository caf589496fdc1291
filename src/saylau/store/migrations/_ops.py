"""What the revisions in ``versions/`` share: the column groups several tables repeat.

A revision that has run on a database must go on building exactly the schema it
built then, so everything here is **frozen**: a helper never changes what it
returns (same names, types, lengths, flags, order).  A table that needs another
shape writes its columns out or gets a new helper.  ``tests/store/test_upgrade.py``
compares a fresh database with an upgraded one, table by table.

The lengths are the ones the first revisions chose: 200 for the name of an account,
an actor, a contest or a station in the ``trust_*`` and ``commission_*`` tables, 32
for an ISO-8601 UTC time there, 64 for a sha256 hex digest; ``names``, ``times`` and
``digests`` declare such columns.  (``0002_text_names`` made the store's own name
columns TEXT on PostgreSQL; these stayed VARCHAR.)
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

#: A column of any type, as ``op.create_table`` takes it.
Col = sa.Column[Any]


def serial_id() -> Col:
    """``id``: an integer primary key the database numbers (1, 2, …)."""
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def required(
    type_: type[sa.types.TypeEngine[Any]] | sa.types.TypeEngine[Any], *names: str
) -> list[Col]:
    """One NOT NULL column of ``type_`` per name, in order."""
    return [sa.Column(name, type_, nullable=False) for name in names]


def optional(
    type_: type[sa.types.TypeEngine[Any]] | sa.types.TypeEngine[Any], *names: str
) -> list[Col]:
    """One nullable column of ``type_`` per name, in order."""
    return [sa.Column(name, type_) for name in names]


def names(*columns: str) -> list[Col]:
    """Required names of an account, an actor, a contest or a station: VARCHAR(200)."""
    return required(sa.String(200), *columns)


def times(*columns: str) -> list[Col]:
    """Required ISO-8601 UTC times: VARCHAR(32)."""
    return required(sa.String(32), *columns)


def digests(*columns: str) -> list[Col]:
    """Required sha256 hex digests: VARCHAR(64)."""
    return required(sa.String(64), *columns)


def who_when(who: str = "actor") -> list[Col]:
    """Who did it (``who``: an account name) and when (``at``), both required."""
    return [sa.Column(who, sa.String(200), nullable=False), *required(sa.String(32), "at")]


def station_of(*, primary_key: bool = False) -> list[Col]:
    """``contest`` and ``station`` (names, VARCHAR(200)): the station a row is about."""
    if primary_key:
        return [
            sa.Column(name, sa.String(200), primary_key=True) for name in ("contest", "station")
        ]
    return required(sa.String(200), "contest", "station")


def keyed_by_contest(name: str) -> list[Col]:
    """The key of the store's per-contest rows: ``contest_id`` and ``name`` (a station
    or division id), as ``0001_initial`` typed them."""
    return [
        sa.Column("contest_id", sa.String(100), primary_key=True),
        sa.Column(name, sa.String(300), primary_key=True),
    ]


def of_contest(column: str = "contest") -> Col:
    """A contest's id that starts the primary key and references ``contests.id``."""
    return sa.Column(column, sa.String(100), sa.ForeignKey("contests.id"), primary_key=True)


def party_key(ordinal: str) -> list[Col]:
    """The rest of the primary key of a row in a party's sequence, after ``of_contest``:
    ``party`` (VARCHAR(300)) and the integer ``ordinal`` (a position, a decision's
    number)."""
    return [
        sa.Column("party", sa.String(300), primary_key=True),
        sa.Column(ordinal, sa.Integer, primary_key=True),
    ]


def drop_tables(*names: str) -> None:
    """Drop ``names`` in the order given (dependent tables first)."""
    for name in names:
        op.drop_table(name)
