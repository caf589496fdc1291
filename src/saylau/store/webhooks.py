"""The webhook tables (``webhooks``, ``webhook_outbox``, ``webhook_deliveries``): the SQL behind
``saylau webhooks`` and :mod:`saylau.web.webhooks`, which signs and delivers.

A webhook is a URL told of every snapshot ``saylau publish`` switches in, for one
contest, with the secret that signs its requests.  The secret is returned only by
:func:`secret_of` (for signing); the records the CLI lists carry none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Row, func, select

from saylau.errors import InputError, NotFoundError
from saylau.jsonable import Record
from saylau.store.engine import write_transaction
from saylau.store.schema import webhook_deliveries, webhook_outbox, webhooks

if TYPE_CHECKING:
    from saylau.store.store import Store

#: The shortest secret accepted: an HMAC key guessable by brute force protects nothing.
MIN_SECRET = 16


@dataclass(frozen=True)
class Webhook(Record):
    """One configured webhook (without its secret)."""

    id: int
    contest: str
    url: str
    created_at: str


@dataclass(frozen=True)
class Delivery(Record):
    """One attempt to deliver one notification: the HTTP status, or the error."""

    id: int
    webhook: int
    delivery: str
    url: str
    snapshot: str
    attempt: int
    status: int | None
    error: str | None
    at: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


def check_url(url: str) -> str:
    """``url`` if it is an absolute http(s) URL with a host; else InputError naming it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"webhook URL '{url}': not an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise InputError(f"webhook URL '{url}': no user or password in the URL (use --secret)")
    return url


def add(store: Store, contest: str, url: str, secret: str) -> Webhook:
    """Configure ``url`` for ``contest`` (known contest, http(s) URL, a secret of at
    least :data:`MIN_SECRET` characters; the same URL twice for a contest is refused)."""
    store.contest(contest)  # NotFoundError naming it
    check_url(url)
    if len(secret) < MIN_SECRET:
        raise InputError(
            f"webhook secret: {len(secret)} characters, at least {MIN_SECRET} are needed"
        )
    with write_transaction(store.engine) as conn:
        taken = conn.execute(
            select(webhooks.c.id).where(webhooks.c.contest == contest, webhooks.c.url == url)
        ).first()
        if taken is not None:
            raise InputError(f"webhook URL '{url}': already configured for contest '{contest}'")
        created = _now()
        new_id = conn.execute(
            webhooks.insert().values(contest=contest, url=url, secret=secret, created_at=created)
        ).inserted_primary_key
        assert new_id is not None
    return Webhook(int(new_id[0]), contest, url, created)


def listed(store: Store, contest: str | None = None) -> list[Webhook]:
    """The webhooks of ``contest`` (None: of every contest), by id."""
    q = select(webhooks.c.id, webhooks.c.contest, webhooks.c.url, webhooks.c.created_at)
    if contest is not None:
        store.contest(contest)
        q = q.where(webhooks.c.contest == contest)
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(webhooks.c.id)).all()
    return [Webhook(int(r.id), r.contest, r.url, r.created_at) for r in rows]


def remove(store: Store, webhook_id: int) -> Webhook:
    """Remove the webhook ``webhook_id`` (its delivery log stays); NotFoundError if none."""
    with write_transaction(store.engine) as conn:
        row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).first()
        if row is None:
            raise NotFoundError(f"webhook {webhook_id}: no such webhook")
        conn.execute(webhooks.delete().where(webhooks.c.id == webhook_id))
    return Webhook(int(row.id), row.contest, row.url, row.created_at)


def targets(store: Store) -> list[tuple[Webhook, str]]:
    """Every webhook with its secret (for signing only: never print or log it)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(webhooks).order_by(webhooks.c.id)).all()
    return [(Webhook(int(r.id), r.contest, r.url, r.created_at), r.secret) for r in rows]


def log(
    store: Store,
    hook: Webhook,
    delivery: str,
    snapshot: str,
    attempt: int,
    *,
    status: int | None = None,
    error: str | None = None,
) -> None:
    """Record one attempt: the HTTP ``status`` answered, or the ``error`` met."""
    with write_transaction(store.engine) as conn:
        conn.execute(
            webhook_deliveries.insert().values(
                webhook=hook.id,
                delivery=delivery,
                url=hook.url,
                snapshot=snapshot,
                attempt=attempt,
                status=status,
                error=error,
                at=_now(),
            )
        )


def deliveries(store: Store, webhook_id: int | None = None, limit: int = 100) -> list[Delivery]:
    """The newest ``limit`` attempts (of one webhook, or of all), oldest first."""
    q = select(webhook_deliveries)
    if webhook_id is not None:
        q = q.where(webhook_deliveries.c.webhook == webhook_id)
    q = q.order_by(webhook_deliveries.c.id.desc()).limit(limit)
    with store.engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    return [Delivery(**dict(r)) for r in reversed(rows)]


def delivery_count(store: Store) -> int:
    """How many attempts the log holds."""
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(webhook_deliveries)).scalar_one())


@dataclass(frozen=True)
class Outgoing:
    """One notification of the outbox: for ``webhook``, the ``body`` signed with its
    ``timestamp`` and sent under the id ``delivery`` on every attempt."""

    id: int
    webhook: int
    delivery: str
    snapshot: str
    body: bytes
    timestamp: str
    state: str
    attempts: int


#: The states of an outbox row: waiting, or done one way or another.
PENDING, DELIVERED, FAILED, DROPPED = "pending", "delivered", "failed", "dropped"


def enqueue(store: Store, rows: list[tuple[int, str, str, bytes, str]]) -> list[Outgoing]:
    """Put the notifications of one snapshot in the outbox, all in one transaction:
    (webhook id, delivery id, snapshot, body, timestamp) each, as ``pending``."""
    created = _now()
    out: list[Outgoing] = []
    with write_transaction(store.engine) as conn:
        for webhook, delivery, snapshot, body, timestamp in rows:
            new_id = conn.execute(
                webhook_outbox.insert().values(
                    webhook=webhook,
                    delivery=delivery,
                    snapshot=snapshot,
                    body=body.decode("utf-8"),
                    timestamp=timestamp,
                    created_at=created,
                    state=PENDING,
                    attempts=0,
                )
            ).inserted_primary_key
            assert new_id is not None
            out.append(
                Outgoing(int(new_id[0]), webhook, delivery, snapshot, body, timestamp, PENDING, 0)
            )
    return out


def pending(store: Store) -> list[Outgoing]:
    """Every notification not yet delivered nor given up, oldest first."""
    q = select(webhook_outbox).where(webhook_outbox.c.state == PENDING)
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(webhook_outbox.c.id)).all()
    return [_outgoing(r) for r in rows]


def announced(store: Store, snapshot: str) -> bool:
    """True when the outbox holds a notification of ``snapshot`` (in any state)."""
    q = select(webhook_outbox.c.id).where(webhook_outbox.c.snapshot == snapshot).limit(1)
    with store.engine.connect() as conn:
        return conn.execute(q).first() is not None


def outbox(store: Store) -> list[Outgoing]:
    """The whole outbox, oldest first."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(webhook_outbox).order_by(webhook_outbox.c.id)).all()
    return [_outgoing(r) for r in rows]


def _outgoing(r: Row[Any]) -> Outgoing:
    return Outgoing(
        int(r.id),
        int(r.webhook),
        r.delivery,
        r.snapshot,
        r.body.encode("utf-8"),
        r.timestamp,
        r.state,
        int(r.attempts),
    )


def mark(store: Store, outbox_id: int, state: str, attempts: int) -> None:
    """Record that the notification ``outbox_id`` is ``state`` after ``attempts``
    attempts in all (``pending`` keeps it waiting)."""
    done = None if state == PENDING else _now()
    with write_transaction(store.engine) as conn:
        conn.execute(
            webhook_outbox.update()
            .where(webhook_outbox.c.id == outbox_id)
            .values(state=state, attempts=attempts, done_at=done)
        )
