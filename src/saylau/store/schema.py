"""Every table of the database (SQLAlchemy Core), mirrored by the one migration history:
``0001_initial``, ``0002_text_names`` (names and ids are TEXT: no length limit on any
backend), ``0003_counted_version`` (``protocols.counted_version``,
``contests.synthetic``), ``trust_0001`` (the ``trust_*`` tables), ``inst_0001`` …
``inst_0003`` (the ``inst_*`` tables), merged by ``0004_one_history``;
``0005_commission`` (the ``commission_*`` tables of the commission workspace);
``0007_webhooks`` (webhooks and their delivery log); ``0009_webhook_outbox`` (the
notifications not yet delivered).  Column groups
that recur (an ``id`` the database numbers, who and when, the station or contest a row
belongs to) come from ``migrations/_ops.py``: the revisions built these tables with
the same helpers, and ``tests/store/test_schema.py`` checks that this module describes
the migrated database.

Timestamps are ISO-8601 UTC text (``2021-01-10T18:00:00.123456+00:00``) so both
backends store and compare them alike.  Counts are BIGINT: national sums exceed 2**31.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

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

from saylau.results import Totals
from saylau.store.migrations._ops import (
    digests,
    names,
    of_contest,
    optional,
    party_key,
    required,
    serial_id,
    station_of,
    times,
    who_when,
)
from saylau.tabulate.fields import COUNT_FIELDS

metadata = MetaData()

#: Accounting columns of a protocol version (nullable: a field the form lacks is NULL).
COUNT_COLUMNS: tuple[str, ...] = COUNT_FIELDS

#: Figures of an aggregate row: a division's stored ``saylau.results.Totals`` (its votes
#: are rows of ``aggregate_votes``).
_FIGURES = tuple(f.name for f in fields(Totals) if f.name != "votes")
#: Summed columns of an aggregate row.
AGGREGATE_SUMS: tuple[str, ...] = tuple(f for f in _FIGURES if not f.startswith("stations_"))
#: Station counters of an aggregate row.
AGGREGATE_COUNTERS: tuple[str, ...] = tuple(f for f in _FIGURES if f.startswith("stations_"))


def _keyed_by_contest(name: str) -> list[Column[Any]]:
    """The key of the per-contest rows: ``contest_id`` and ``name`` (a station or division)."""
    return [
        Column("contest_id", String(100), primary_key=True),
        Column(name, Text, primary_key=True),
    ]


elections = Table(
    "elections",
    metadata,
    serial_id(),
    Column("name", Text, nullable=False, unique=True),
    Column("date", String(10)),
    Column("created_at", String(40), nullable=False),
)

contests = Table(
    "contests",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("election_id", Integer, ForeignKey("elections.id"), nullable=False),
    *required(Text, "title", "law_name", "law_toml", "law_json"),
    Column("policy", String(10), nullable=False),
    Column("root_id", Text, nullable=False),
    Column("divisions_fixed", Boolean, nullable=False),
    Column("certified_at", String(40)),
    Column("certified_by", Text),
    Column("change_counter", BigInteger, nullable=False),
    *required(String(40), "last_update", "created_at"),
    # Set once any file labelled synthetic is ingested into the contest.
    Column("synthetic", Boolean, nullable=False, server_default=false()),
    # Set when the CEC registers stations ahead of their results (revision 0007):
    # with it (or a divisions file) the results know how many stations to expect.
    Column("stations_listed", Boolean, nullable=False, server_default=false()),
)

contest_parties = Table(
    "contest_parties",
    metadata,
    of_contest("contest_id"),
    Column("party", Text, primary_key=True),
    Column("position", Integer, nullable=False),
)

divisions = Table(
    "divisions",
    metadata,
    of_contest("contest_id"),
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
    *_keyed_by_contest("station_id"),
    Column("version", Integer, nullable=False),
    Column("status", String(10), nullable=False),
    *digests("hash"),
    Column("updated_at", String(40), nullable=False),
    # version/status/hash above are the newest version (rejected or not); this is the
    # version counted in the aggregates: the newest accepted or flagged one (NULL: none).
    Column("counted_version", Integer),
)

protocol_versions = Table(
    "protocol_versions",
    metadata,
    *_keyed_by_contest("station_id"),
    Column("version", Integer, primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("actor", Text, nullable=False),
    *optional(Text, "reason", "source"),
    *digests("hash"),
    Column("status", String(10), nullable=False),
    Column("problems", Text, nullable=False),
    *optional(Text, "region", "district", "country"),
    *optional(BigInteger, *COUNT_COLUMNS),
    Column("votes", Text, nullable=False),
)

#: The columns of ``protocol_versions``, in order: what the ingest writes, what a history reads.
VERSION_COLUMNS: tuple[str, ...] = tuple(protocol_versions.c.keys())

aggregates = Table(
    "aggregates",
    metadata,
    *_keyed_by_contest("division_id"),
    *required(BigInteger, *AGGREGATE_SUMS, *AGGREGATE_COUNTERS),
)

aggregate_votes = Table(
    "aggregate_votes",
    metadata,
    *_keyed_by_contest("division_id"),
    Column("party", Text, primary_key=True),
    Column("votes", BigInteger, nullable=False),
)


# -- trust: accounts, the audit chain, the submission workflow (revision trust_0001).
# Times are ISO-8601 UTC text so that the audit hashes are byte-identical on
# SQLite and PostgreSQL.

accounts = Table(
    "trust_accounts",
    metadata,
    serial_id(),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("scope", Text, nullable=False),  # a division id; "" = every division
    Column("token_id", String(32), nullable=False, unique=True),
    *digests("token_hash"),
    *times("created_at"),
    *names("created_by"),
    *optional(String(32), "expires_at", "revoked_at"),
    # Preferred language (en/ru/kk; NULL = the browser's); 0011_account_language.
    Column("lang", String(8)),
)

audit = Table(
    "trust_audit",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    *times("at"),
    *names("actor"),
    Column("action", String(40), nullable=False),
    Column("contest", String(200)),
    Column("subject", Text),
    *optional(String(64), "before_hash", "after_hash"),
    Column("detail", Text, nullable=False),
    *digests("prev_hash", "entry_hash"),
    Index("ix_trust_audit_subject", "contest", "subject"),
)

# One row (id = 1): the chain's head.  Appenders lock it, which serialises the
# chain across processes; verification compares it with the last entry so a
# truncated tail is noticed.
audit_head = Table(
    "trust_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    *digests("hash"),
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
    serial_id(),
    *station_of(),
    *who_when("account"),
    *digests("content_hash"),
    Column("protocol", Text, nullable=False),
    Column("reason", Text),
    # pending -> agreed | conflict -> resolved | discarded
    Column("status", String(16), nullable=False),
    Index("ix_trust_entries_station", "contest", "station"),
)

approvals = Table(
    "trust_approvals",
    metadata,
    serial_id(),
    *names("contest"),
    Column("scope", Text, nullable=False),
    *who_when(),
    *digests("results_hash"),
    Column("stale_at", String(32)),
)

decisions = Table(
    "trust_decisions",
    metadata,
    serial_id(),
    *station_of(),
    Column("reason", Text, nullable=False),
    *who_when(),
    Column("used_at", String(32)),
)

certifications = Table(
    "trust_certifications",
    metadata,
    serial_id(),
    *names("contest"),
    *who_when(),
    *digests("results_hash"),
)

idempotency = Table(
    "trust_idempotency",
    metadata,
    *required(String(200), "account", "key"),
    *digests("request_hash"),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    *times("at"),
    UniqueConstraint("account", "key", name="uq_trust_idempotency"),
)


# -- institutions: observers, candidate lists, maslikhats, sessions (inst_0001 … inst_0003).

observers = Table(
    "inst_observers",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("name", String(300), nullable=False),
    *required(String(20), "kind", "affiliation"),
    Column("organisation", String(300), nullable=False),
    Column("country", String(100), nullable=False),
    *required(Text, "contests", "stations"),
    *optional(String(10), "accredited_from", "accredited_to"),
    Column("synthetic", Boolean, nullable=False),
)

irregularities = Table(
    "inst_irregularities",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("observer", String(100), ForeignKey("inst_observers.id"), nullable=False),
    *names("station", "contest"),
    *times("reported_at"),
    Column("category", String(100), nullable=False),
    Column("description", Text, nullable=False),
)
Index("ix_inst_irregularities_station", irregularities.c.station, irregularities.c.contest)

candidates = Table(
    "inst_candidates",
    metadata,
    of_contest(),
    *party_key("position"),
    Column("name", String(300), nullable=False),
    Column("cid", String(100), nullable=False),
    *optional(String(10), "birth_date", "gender"),
    Column("categories", Text, nullable=False),
    Column("list_order", Integer, nullable=False),
)

party_decisions = Table(
    "inst_decisions",
    metadata,
    of_contest(),
    *party_key("seq"),
    Column("candidate", String(300), nullable=False),
)

vacancies = Table(
    "inst_vacancies",
    metadata,
    of_contest(),
    Column("seq", Integer, primary_key=True),
    Column("deputy", String(300), nullable=False),
    Column("successor", String(300)),
)

maslikhats = Table(
    "inst_maslikhats",
    metadata,
    of_contest(),
    Column("name", String(300), nullable=False),
    Column("level", String(20), nullable=False),
    Column("seats", Integer, nullable=False),
    *required(String(300), "law", "region", "parent"),
    Column("stations", Text, nullable=False),
    Column("list_order", Integer, nullable=False),
)

sessions = Table(
    "inst_sessions",
    metadata,
    of_contest(),
    Column("body", String(300), nullable=False),
    *required(Integer, "seats", "members", "took_part"),
    Column("quorum", String(40), nullable=False),
)

session_votes = Table(
    "inst_session_votes",
    metadata,
    of_contest(),
    Column("seq", Integer, primary_key=True),
    Column("candidate", String(300), nullable=False),
    Column("votes", BigInteger, nullable=False),
)


# -- the commission workspace (0005_commission): passwords, browser sessions, failed
# sign-ins, paused entries, accepted-warning explanations, certificates.

commission_passwords = Table(
    "commission_passwords",
    metadata,
    Column("account", String(200), primary_key=True),
    Column("hash", Text, nullable=False),
    *times("changed_at"),
)

commission_sessions = Table(
    "commission_sessions",
    metadata,
    Column("key", String(64), primary_key=True),  # sha256 of the cookie's id
    Column("account", String(200), nullable=False, index=True),
    *times("created_at", "seen_at"),
    Column("address", String(64), nullable=False),
)

commission_failures = Table(
    "commission_failures",
    metadata,
    serial_id(),
    Column("account", String(200), nullable=False, index=True),
    Column("address", String(64), nullable=False, index=True),
    *times("at"),
)

commission_drafts = Table(
    "commission_drafts",
    metadata,
    *station_of(primary_key=True),
    Column("account", String(200), primary_key=True),
    Column("values", Text, nullable=False),  # JSON: field -> text as typed
    *times("saved_at"),
)

commission_explanations = Table(
    "commission_explanations",
    metadata,
    serial_id(),
    *station_of(),
    *digests("content_hash"),
    *names("account"),
    Column("code", String(16), nullable=False),
    *required(Text, "fields", "text"),  # fields: a JSON list
    *times("at"),
    Index("ix_commission_explanations_station", "station"),
)

# The CEC's decision that certified a contest (number and date as on the paper).
commission_certificates = Table(
    "commission_certificates",
    metadata,
    serial_id(),
    *names("contest"),
    Column("number", String(100), nullable=False),
    Column("date", String(10), nullable=False),
    *who_when(),
)


# -- webhooks: who is told of each published snapshot, and what each attempt got
# (0007_webhooks).

webhooks = Table(
    "webhooks",
    metadata,
    serial_id(),
    Column("contest", String(100), ForeignKey("contests.id"), nullable=False),
    Column("url", Text, nullable=False),
    # The HMAC key the receiver shares: needed in clear to sign, never printed or logged.
    Column("secret", Text, nullable=False),
    *times("created_at"),
    UniqueConstraint("contest", "url", name="uq_webhooks_contest_url"),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    serial_id(),
    # No foreign key: the log outlives a removed webhook (its URL is kept here).
    Column("webhook", Integer, nullable=False),
    Column("delivery", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("snapshot", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("status", Integer),
    Column("error", Text),
    *times("at"),
)
Index("ix_webhook_deliveries_webhook", webhook_deliveries.c.webhook, webhook_deliveries.c.id)

# -- the outbox of notifications: written with the snapshot's announcement, marked when
# delivered, so that a notification outlives the process that was sending it
# (0009_webhook_outbox).

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    serial_id(),
    # No foreign key, as in the log: a removed webhook's pending rows are given up.
    Column("webhook", Integer, nullable=False),
    *required(String(64), "delivery", "snapshot"),
    # The JSON sent, byte for byte on every attempt (signed when sent: no secret here).
    Column("body", Text, nullable=False),
    Column("timestamp", String(32), nullable=False),
    *times("created_at"),
    # pending, delivered, failed (a final answer or every attempt spent), dropped.
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("done_at", String(32)),
    UniqueConstraint("delivery", name="uq_webhook_outbox_delivery"),
)
Index("ix_webhook_outbox_state", webhook_outbox.c.state, webhook_outbox.c.id)
