"""The store's tables (SQLAlchemy Core), mirrored by Alembic revisions ``0001_initial``,
``0002_text_names`` (names and ids are TEXT: no length limit on any backend) and
``0003_counted_version`` (``protocols.counted_version``, ``contests.synthetic``).

Timestamps are ISO-8601 UTC text (``2021-01-10T18:00:00.123456+00:00``) so both
backends store and compare them alike.  Counts are BIGINT: national sums exceed 2**31.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

from saylau.tabulate.fields import COUNT_FIELDS

metadata = MetaData()

#: Accounting columns of a protocol version (nullable: a field the form lacks is NULL).
COUNT_COLUMNS: tuple[str, ...] = COUNT_FIELDS

#: Summed columns of an aggregate row.
AGGREGATE_SUMS: tuple[str, ...] = (
    "registered",
    "ballots_issued",
    "ballots_cast",
    "valid",
    "invalid",
    "against_all",
)

#: Station counters of an aggregate row.
AGGREGATE_COUNTERS: tuple[str, ...] = (
    "stations_expected",
    "stations_reporting",
    "stations_flagged",
    "stations_rejected",
)

elections = Table(
    "elections",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("date", String(10)),
    Column("created_at", String(40), nullable=False),
)

contests = Table(
    "contests",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("election_id", Integer, ForeignKey("elections.id"), nullable=False),
    Column("title", Text, nullable=False),
    Column("law_name", Text, nullable=False),
    Column("law_toml", Text, nullable=False),
    Column("law_json", Text, nullable=False),
    Column("policy", String(10), nullable=False),
    Column("root_id", Text, nullable=False),
    Column("divisions_fixed", Boolean, nullable=False),
    Column("certified_at", String(40)),
    Column("certified_by", Text),
    Column("change_counter", BigInteger, nullable=False),
    Column("last_update", String(40), nullable=False),
    Column("created_at", String(40), nullable=False),
    # Set once any file labelled synthetic is ingested into the contest.
    Column("synthetic", Boolean, nullable=False, server_default=false()),
)

contest_parties = Table(
    "contest_parties",
    metadata,
    Column("contest_id", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("party", Text, primary_key=True),
    Column("position", Integer, nullable=False),
)

divisions = Table(
    "divisions",
    metadata,
    Column("contest_id", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("level", String(20), nullable=False),
    Column("parent_id", Text),
    Column("country", Text),
    Index("ix_divisions_parent", "contest_id", "parent_id"),
)

protocols = Table(
    "protocols",
    metadata,
    Column("contest_id", String(100), primary_key=True),
    Column("station_id", Text, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_at", String(40), nullable=False),
    # version/status/hash above are the newest version (rejected or not); this is the
    # version counted in the aggregates: the newest accepted or flagged one (NULL: none).
    Column("counted_version", Integer),
)

protocol_versions = Table(
    "protocol_versions",
    metadata,
    Column("contest_id", String(100), primary_key=True),
    Column("station_id", Text, primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text),
    Column("source", Text),
    Column("hash", String(64), nullable=False),
    Column("status", String(10), nullable=False),
    Column("problems", Text, nullable=False),
    Column("region", Text),
    Column("district", Text),
    Column("country", Text),
    *(Column(name, BigInteger) for name in COUNT_COLUMNS),
    Column("votes", Text, nullable=False),
)

aggregates = Table(
    "aggregates",
    metadata,
    Column("contest_id", String(100), primary_key=True),
    Column("division_id", Text, primary_key=True),
    *(Column(name, BigInteger, nullable=False) for name in AGGREGATE_SUMS),
    *(Column(name, BigInteger, nullable=False) for name in AGGREGATE_COUNTERS),
)

aggregate_votes = Table(
    "aggregate_votes",
    metadata,
    Column("contest_id", String(100), primary_key=True),
    Column("division_id", Text, primary_key=True),
    Column("party", Text, primary_key=True),
    Column("votes", BigInteger, nullable=False),
)
