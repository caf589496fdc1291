"""The write API's door: who is asking, how often, and every refusal on the record.

* ``current_account`` authenticates the Bearer token and rate-limits per token; a
  failed authentication also spends the *address*'s failure budget, so guessing
  tokens from one address stops at 429 whatever tokens it tries.
* ``refused`` writes every refused write (401, 403, 409, 413, 415, 422, 429 on a
  write route) to the audit log as a ``refused`` entry with the principal (or
  ``anonymous``), the address, the route and the reason.  A flood cannot fill the
  log: beyond ``Limits.refusals_per_minute`` entries per address and minute, the
  rest are counted and written as one aggregated entry.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from saylau.store.engine import write_transaction
from saylau.trust import accounts, audit
from saylau.trust.accounts import Account, AuthError

LOG = logging.getLogger("saylau.web.refusals")


@dataclass
class Limits:
    """Request limits (module defaults; a test or an app may replace ``LIMITS``)."""

    json_bytes: int = 64 * 1024
    csv_bytes: int = 16 * 1024 * 1024
    #: Decompressed size of a zipped upload (the zip bomb cap).
    unzipped_bytes: int = 64 * 1024 * 1024
    rate_per_second: float = 50.0  # sustained requests per token
    burst: int = 200
    #: Failed authentications per address: sustained rate and burst.
    auth_failures_per_second: float = 0.5
    auth_failure_burst: int = 20
    #: Refusals per address and minute written one by one; the rest are aggregated.
    refusals_per_minute: int = 30


LIMITS = Limits()


class ApiError(Exception):
    """An error answer with its HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        problems: list[str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.problems, self.headers = problems or [], headers or {}


class Buckets:
    """Token buckets by key (per process; a proxy in front may add its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def _refill(self, key: str, rate: float, burst: int, now: float) -> float:
        tokens, last = self._state.get(key, (float(burst), now))
        return min(float(burst), tokens + (now - last) * rate)

    def take(self, key: str, rate: float, burst: int) -> float:
        """0 when allowed (one token spent), else seconds until the next one is."""
        now = time.monotonic()
        with self._lock:
            tokens = self._refill(key, rate, burst, now)
            if tokens < 1:
                self._state[key] = (tokens, now)
                return (1 - tokens) / rate
            self._state[key] = (tokens - 1, now)
            return 0.0

    def wait(self, key: str, rate: float, burst: int) -> float:
        """Seconds until ``key`` may spend a token (0: now), spending none."""
        now = time.monotonic()
        with self._lock:
            if key not in self._state:
                return 0.0
            tokens = self._refill(key, rate, burst, now)
            return 0.0 if tokens >= 1 else (1 - tokens) / rate


def address(request: Request) -> str:
    """The client address of ``request`` (the peer; a proxy's own header is not trusted)."""
    return request.client.host if request.client is not None else "unknown"


def _too_many(wait: float, what: str) -> ApiError:
    return ApiError(429, f"too many requests {what}", headers={"Retry-After": str(int(wait) + 1)})


def _failed(request: Request, message: str) -> ApiError:
    addr = address(request)
    wait = door(request).failures.take(
        addr, LIMITS.auth_failures_per_second, LIMITS.auth_failure_burst
    )
    if wait:
        return _too_many(wait, "with failed authentication from this address")
    return ApiError(401, message, headers={"WWW-Authenticate": "Bearer"})


async def current_account(request: Request, authorization: str | None) -> Account:
    """The account of the request's Bearer token, rate-limited per token and, for
    failed attempts, per address."""
    addr = address(request)
    wait = door(request).failures.wait(
        addr, LIMITS.auth_failures_per_second, LIMITS.auth_failure_burst
    )
    if wait:
        raise _too_many(wait, "with failed authentication from this address")
    if not authorization or not authorization.startswith("Bearer "):
        raise _failed(request, "authentication required: Authorization: Bearer <token>")
    token = authorization[len("Bearer ") :].strip()
    try:
        with request.app.state.site.store.engine.connect() as conn:
            account = accounts.authenticate(conn, token)
    except AuthError:
        raise _failed(request, "invalid, expired or revoked token") from None
    request.state.principal = account.name
    wait = door(request).tokens.take(account.name, LIMITS.rate_per_second, LIMITS.burst)
    if wait:
        raise _too_many(wait, "for this token")
    return account


class Refusals:
    """Refused writes into the audit log, at most ``limit`` entries per address and
    minute; the rest counted and written as one entry when the minute is over (or
    every ``flush_every`` refusals during a long flood)."""

    flush_every = 1000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], int] = {}
        self._pending: dict[tuple[str, str], int] = {}

    def record(self, request: Request, status: int, reason: str) -> None:
        """Put one refusal of ``request`` on the record (never raises)."""
        addr = address(request)
        minute = time.strftime("%Y-%m-%dT%H:%MZ", time.gmtime())
        principal = getattr(request.state, "principal", None) or "anonymous"
        route = f"{request.method} {request.url.path}"
        key = (addr, minute)
        with self._lock:
            due = self._due(minute)
            seen = self._seen[key] = self._seen.get(key, 0) + 1
            if seen > LIMITS.refusals_per_minute:
                pending = self._pending[key] = self._pending.get(key, 0) + 1
                if pending >= self.flush_every:
                    due.append((key, self._pending.pop(key)))
        items: list[tuple[str, dict[str, Any]]] = []
        if seen <= LIMITS.refusals_per_minute:
            detail = {"status": status, "address": addr, "route": route, "reason": reason[:500]}
            items.append((principal, detail))
            # %r: a route or reason holding a line break cannot forge a log line
            LOG.warning("refused %s %r from %s (%r): %r", status, route, addr, principal, reason)
        for (a, m), count in due:
            detail = {"address": a, "minute": m, "aggregated": count, "reason": "refusal flood"}
            items.append(("anonymous", detail))
            LOG.warning("refused %s more writes from %s in %s (aggregated)", count, a, m)
        if items:
            self._write(request, items)

    def _due(self, minute: str) -> list[tuple[tuple[str, str], int]]:
        """Aggregates of minutes that are over (called under the lock)."""
        old = [k for k in self._seen if k[1] != minute]
        due = [(k, self._pending.pop(k)) for k in old if k in self._pending]
        for k in old:
            del self._seen[k]
        return due

    def _write(self, request: Request, items: list[tuple[str, dict[str, Any]]]) -> None:
        try:
            with write_transaction(request.app.state.site.store.engine) as conn:
                for actor, detail in items:
                    audit.append(conn, actor, "refused", subject=detail.get("route"), detail=detail)
        except Exception as err:  # the refusal itself is already answered; say why not stored
            LOG.error("could not record %d refusal(s): %s", len(items), " ".join(str(err).split()))


class Door:
    """The door's state of one app: token buckets per token and per address, refusals."""

    def __init__(self) -> None:
        self.tokens = Buckets()  # requests per token (account name)
        self.failures = Buckets()  # failed authentications per address
        self.refusals = Refusals()


_MAKING = threading.Lock()


def door(request: Request) -> Door:
    """The :class:`Door` of the request's app (made on first use: each app its own)."""
    state = request.app.state
    found: Door | None = getattr(state, "door", None)
    if found is None:
        with _MAKING:
            found = getattr(state, "door", None)
            if found is None:
                found = state.door = Door()
    return found


def refused(request: Request, status: int, reason: str) -> None:
    """Put one refused write of ``request`` on the record (never raises)."""
    door(request).refusals.record(request, status, reason)


#: The refusals every write-API operation may answer, documented in the OpenAPI.
REFUSAL_STATUSES: dict[str, str] = {
    "401": "No token, or an invalid, expired or revoked one",
    "403": "The account's role or scope does not allow this",
    "404": "No such contest, station or account",
    "409": "Conflicts with the current state (or a reused Idempotency-Key)",
    "413": "Body too large",
    "415": "Wrong Content-Type",
    "422": "Invalid input: every problem named",
    "429": "Too many requests (per token, or failed authentications per address)",
    "503": "The database cannot take writes now (read-only, disk full, server gone)",
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ok", "error"],
    "properties": {
        "ok": {"type": "boolean", "enum": [False]},
        "error": {"type": "string"},
        "problems": {"type": "array", "items": {"type": "string"}},
    },
}


def document(schema: dict[str, Any], tag: str = "trust") -> dict[str, Any]:
    """Declare the Bearer scheme in an OpenAPI ``schema`` and, on every operation
    tagged ``tag``, require it and document the refusals (status and error body)."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "An account token (saylau users add / POST /api/v1/accounts)",
    }
    components.setdefault("schemas", {})["ErrorAnswer"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorAnswer"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if tag not in operation.get("tags", ()):
                continue
            operation["security"] = [{"bearer": []}]
            responses = operation.setdefault("responses", {})
            for status, description in REFUSAL_STATUSES.items():
                responses[status] = {"description": description, "content": error}
    return schema
