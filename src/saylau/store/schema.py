"""Every table of the database (SQLAlchemy Core), mirrored by the one migration history:
``0001_initial``, ``0002_text_names`` (names and ids are TEXT: no length limit on any
backend), ``0003_counted_version`` (``protocols.counted_version``,
``contests.synthetic``), ``trust_0001`` (the ``trust_*`` tables), ``inst_0001`` …
``inst_0003`` (the ``inst_*`` tables), merged by ``0004_one_history``.

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
    UniqueConstraint,
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
    # Set when the CEC registers stations ahead of their results (revision 0007):
    # with it (or a divisions file) the results know how many stations to expect.
    Column("stations_listed", Boolean, nullable=False, server_default=false()),
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


# -- trust: accounts, the audit chain, the submission workflow (revision trust_0001).
# Times are ISO-8601 UTC text so that the audit hashes are byte-identical on
# SQLite and PostgreSQL.

accounts = Table(
    "trust_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("scope", Text, nullable=False),  # a division id; "" = every division
    Column("token_id", String(32), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", String(32)),
    Column("revoked_at", String(32)),
)

audit = Table(
    "trust_audit",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("contest", String(200)),
    Column("subject", Text),
    Column("before_hash", String(64)),
    Column("after_hash", String(64)),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# One row (id = 1): the chain's head.  Appenders lock it, which serialises the
# chain across processes; verification compares it with the last entry so a
# truncated tail is noticed.
audit_head = Table(
    "trust_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

settings = Table(
    "trust_settings",
    metadata,
    Column("contest", String(200), primary_key=True),
    Column("double_entry", Boolean, nullable=False),
)

entries = Table(
    "trust_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("station", String(200), nullable=False),
    Column("account", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("protocol", Text, nullable=False),
    Column("reason", Text),
    # pending -> agreed | conflict -> resolved | discarded
    Column("status", String(16), nullable=False),
)

approvals = Table(
    "trust_approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("scope", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("results_hash", String(64), nullable=False),
    Column("stale_at", String(32)),
)

decisions = Table(
    "trust_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("station", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("used_at", String(32)),
)

certifications = Table(
    "trust_certifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("results_hash", String(64), nullable=False),
)

idempotency = Table(
    "trust_idempotency",
    metadata,
    Column("account", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("at", String(32), nullable=False),
    UniqueConstraint("account", "key", name="uq_trust_idempotency"),
)


# -- institutions: observers, candidate lists, maslikhats, sessions (inst_0001 … inst_0003).

observers = Table(
    "inst_observers",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("affiliation", String(20), nullable=False),
    Column("organisation", String(300), nullable=False),
    Column("country", String(100), nullable=False),
    Column("contests", Text, nullable=False),
    Column("stations", Text, nullable=False),
    Column("accredited_from", String(10)),
    Column("accredited_to", String(10)),
    Column("synthetic", Boolean, nullable=False),
)

irregularities = Table(
    "inst_irregularities",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("observer", String(100), ForeignKey("inst_observers.id"), nullable=False),
    Column("station", String(200), nullable=False),
    Column("contest", String(200), nullable=False),
    Column("reported_at", String(32), nullable=False),
    Column("category", String(100), nullable=False),
    Column("description", Text, nullable=False),
)
Index("ix_inst_irregularities_station", irregularities.c.station, irregularities.c.contest)

candidates = Table(
    "inst_candidates",
    metadata,
    Column("contest", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("party", String(300), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", String(300), nullable=False),
    Column("cid", String(100), nullable=False),
    Column("birth_date", String(10)),
    Column("gender", String(10)),
    Column("categories", Text, nullable=False),
    Column("list_order", Integer, nullable=False),
)

party_decisions = Table(
    "inst_decisions",
    metadata,
    Column("contest", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("party", String(300), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("candidate", String(300), nullable=False),
)

vacancies = Table(
    "inst_vacancies",
    metadata,
    Column("contest", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("deputy", String(300), nullable=False),
    Column("successor", String(300)),
)

maslikhats = Table(
    "inst_maslikhats",
    metadata,
    Column("contest", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("level", String(20), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("law", String(300), nullable=False),
    Column("region", String(300), nullable=False),
    Column("parent", String(300), nullable=False),
    Column("stations", Text, nullable=False),
    Column("list_order", Integer, nullable=False),
)

sessions = Table(
    "inst_sessions",
    metadata,
    Column("contest", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("body", String(300), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("members", Integer, nullable=False),
    Column("took_part", Integer, nullable=False),
    Column("quorum", String(40), nullable=False),
)

session_votes = Table(
    "inst_session_votes",
    metadata,
    Column("contest", String(100), ForeignKey("contests.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("candidate", String(300), nullable=False),
    Column("votes", BigInteger, nullable=False),
)
