"""The write side of the JSON API (``/api/v1``): authenticated, scoped, audited.

Every write needs ``Authorization: Bearer <token>``; reading published results
(the web app's own routes) needs none.  Answers are JSON: ``{"ok": true, ...}``
or ``{"ok": false, "error": "...", "problems": [...]}``, never a stack trace.
Protocol submissions answer with the outcome: accepted / flagged / rejected (with
the failed relations) / unchanged, or, under double entry,
pending-second-entry / entries-differ (with the differences field by field).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError
from sqlalchemy import select

from saylau.errors import InputError, NotFoundError, SaylauError
from saylau.store import schema
from saylau.store.engine import write_transaction
from saylau.tabulate.fields import COUNT_FIELDS, MAX_COUNT, is_party_column
from saylau.tabulate.reader import read_protocols
from saylau.trust import accounts, audit, workflow
from saylau.trust.accounts import READERS, Account, AuthError, Role

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


@dataclass
class Limits:
    """Request limits (module defaults; an app may replace ``LIMITS``)."""

    json_bytes: int = 64 * 1024
    csv_bytes: int = 16 * 1024 * 1024
    rate_per_second: float = 50.0  # sustained requests per token
    burst: int = 200


LIMITS = Limits()

#: Protocols per audit transaction and store write of a bulk upload: holds the
#: write lock briefly so single submissions of other commissions interleave.
BULK_CHUNK = 50


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


def answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def error_answer(err: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error": err.message}
    if err.problems:
        body["problems"] = err.problems
    return answer(body, err.status, err.headers)


def _as_api_error(err: Exception) -> ApiError:
    if isinstance(err, ApiError):
        return err
    if isinstance(err, workflow.Forbidden):
        return ApiError(403, str(err))
    if isinstance(err, workflow.Conflict):
        return ApiError(409, str(err))
    if isinstance(err, NotFoundError):
        return ApiError(404, str(err))
    if isinstance(err, InputError):
        return ApiError(422, "; ".join(err.problems), err.problems)
    if isinstance(err, SaylauError):
        return ApiError(422, str(err))
    return ApiError(500, "internal error")


def guarded(
    fn: Callable[..., Awaitable[JSONResponse]],
) -> Callable[..., Awaitable[JSONResponse]]:
    """Turn library errors into clean JSON answers (never a traceback)."""
    import functools

    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> JSONResponse:
        try:
            for key, value in kwargs.items():
                if isinstance(value, str):
                    _no_nul(key, value)
            return await fn(*args, **kwargs)
        except Exception as err:  # every error becomes a one-line JSON answer
            return error_answer(_as_api_error(err))

    return run


def _store(request: Request) -> Any:
    return request.app.state.site.store


class _Buckets:
    """Per-token token buckets (per process; a proxy in front may add its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, limits: Limits) -> float:
        """0 when allowed, else seconds until the next request is."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(key, (float(limits.burst), now))
            tokens = min(float(limits.burst), tokens + (now - last) * limits.rate_per_second)
            if tokens < 1:
                self._state[key] = (tokens, now)
                return (1 - tokens) / limits.rate_per_second
            self._state[key] = (tokens - 1, now)
            return 0.0


BUCKETS = _Buckets()


async def current_account(
    request: Request, authorization: str | None = Header(default=None)
) -> Account:
    """The account of the request's Bearer token, rate-limited per token."""
    if not authorization or not authorization.startswith("Bearer "):
        raise ApiError(
            401,
            "authentication required: Authorization: Bearer <token>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = authorization[len("Bearer ") :].strip()
    try:
        with _store(request).engine.connect() as conn:
            account = accounts.authenticate(conn, token)
    except AuthError:
        raise ApiError(
            401, "invalid, expired or revoked token", headers={"WWW-Authenticate": "Bearer"}
        ) from None
    wait = BUCKETS.take(account.name, LIMITS)
    if wait:
        raise ApiError(
            429, "too many requests for this token", headers={"Retry-After": str(int(wait) + 1)}
        )
    return account


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes (declared or streamed)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise ApiError(413, f"request body larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"request body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


# -- models -----------------------------------------------------------------------------
Count = Field(default=None, ge=0, le=MAX_COUNT)


class ProtocolIn(BaseModel):
    """A canonical protocol: identification, accounting lines, ``party:<name>`` votes."""

    model_config = ConfigDict(
        strict=True,
        extra="allow",
        json_schema_extra={
            "patternProperties": {
                "^party:.+$": {"type": "integer", "minimum": 0, "maximum": MAX_COUNT}
            },
            "additionalProperties": False,
        },
    )
    station: StrictStr = Field(min_length=1, max_length=300)
    region: StrictStr | None = Field(default=None, max_length=300)
    district: StrictStr | None = Field(default=None, max_length=300)
    country: StrictStr | None = Field(default=None, max_length=100)
    registered: StrictInt = Field(ge=0, le=MAX_COUNT)
    valid: StrictInt = Field(ge=0, le=MAX_COUNT)
    invalid: StrictInt = Field(ge=0, le=MAX_COUNT)
    ballots_received: StrictInt | None = Count
    issued_early: StrictInt | None = Count
    issued_at_station: StrictInt | None = Count
    issued_outside: StrictInt | None = Count
    cancelled: StrictInt | None = Count
    in_mobile_boxes: StrictInt | None = Count
    in_stationary_boxes: StrictInt | None = Count
    lost: StrictInt | None = Count
    unaccounted: StrictInt | None = Count
    against_all: StrictInt | None = Count

    def protocol(self) -> dict[str, Any]:
        """The protocol mapping, every extra key checked to be a party vote count."""
        problems = []
        extra = self.model_extra or {}
        for key, value in extra.items():
            if not is_party_column(key) or len(key) > 300:
                problems.append(f"protocol: unknown field '{key}'")
            elif type(value) is not int or not 0 <= value <= MAX_COUNT:
                problems.append(f"protocol: {key} '{value}' is not a whole number of votes")
        if problems:
            raise InputError(problems)
        fields = self.model_dump(exclude_none=True, exclude=set(extra))
        return {**fields, **extra}


assert set(ProtocolIn.model_fields) - {"station", "region", "district", "country"} == set(
    COUNT_FIELDS
)


class Submission(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    protocol: ProtocolIn
    reason: StrictStr | None = Field(default=None, max_length=2000)


class Resolution(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    keep: StrictInt | None = None
    reason: StrictStr = Field(min_length=1, max_length=2000)


class Approval(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    division: StrictStr = Field(min_length=1, max_length=300)


class Decision(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    station: StrictStr = Field(
        min_length=1, max_length=200
    )  # trust_decisions.station is VARCHAR(200)
    reason: StrictStr = Field(min_length=1, max_length=2000)


class Settings(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    double_entry: StrictBool


class NewAccount(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: StrictStr = Field(min_length=1, max_length=200)
    role: Literal["station", "territorial", "cec", "observer"]
    scope: StrictStr | None = Field(default=None, max_length=300)
    expires_days: StrictInt = Field(default=90, ge=1, le=3660)


def _no_nul(where: str, value: str) -> None:
    # PostgreSQL refuses NUL in text (a 500); no name or reason ever needs one.
    if "\x00" in value:
        raise ApiError(422, f"{where}: contains control characters (NUL)")


def _parse(model: type[BaseModel], body: bytes) -> Any:
    if b"\x00" in body or b"\\u0000" in body.lower():
        raise ApiError(422, "body: contains control characters (NUL)")
    try:
        return model.model_validate_json(body or b"null")
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
            for e in err.errors(include_url=False)
        ]
        raise ApiError(422, "; ".join(problems), problems) from None


def _openapi(model: type[BaseModel], media: str = "application/json") -> dict[str, Any]:
    schema_ = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"requestBody": {"required": True, "content": {media: {"schema": schema_}}}}


# -- idempotency -----------------------------------------------------------------------------
def _replay(
    request: Request, account: Account, key: str | None, body: bytes
) -> JSONResponse | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise ApiError(422, "Idempotency-Key must be 1-200 printable characters")
    digest = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
    i = schema.idempotency
    with _store(request).engine.connect() as conn:
        row = conn.execute(select(i).where(i.c.account == account.name, i.c.key == key)).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise ApiError(409, f"Idempotency-Key '{key}' was used for a different request")
    return answer(json.loads(row.response), row.status, {"Idempotent-Replayed": "true"})


def _remember(
    request: Request, account: Account, key: str | None, body: bytes, resp: JSONResponse
) -> None:
    if key is None or resp.status_code >= 500:
        return
    digest = hashlib.sha256(request.url.path.encode() + b"\n" + body).hexdigest()
    i = schema.idempotency
    try:
        with write_transaction(_store(request).engine) as conn:
            if conn.execute(
                select(i.c.key).where(i.c.account == account.name, i.c.key == key)
            ).first():
                return  # a concurrent twin already stored it
            conn.execute(
                i.insert().values(
                    account=account.name,
                    key=key,
                    request_hash=digest,
                    status=resp.status_code,
                    response=bytes(resp.body).decode(),
                    at=accounts.iso(accounts.now()),
                )
            )
    except Exception:  # remembering is best effort: the write itself already happened
        return


def _need(account: Account, roles: frozenset[Role] | set[Role], what: str) -> None:
    if account.role not in roles:
        raise ApiError(403, f"account '{account.name}' ({account.role}) cannot {what}")


router = APIRouter(prefix="/api/v1", tags=["trust"])


@router.post("/auth/sign-in", summary="Check a token and record the sign-in")
@guarded
async def sign_in(request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    with write_transaction(_store(request).engine) as conn:
        audit.append(
            conn,
            account.name,
            "sign-in",
            detail={"role": str(account.role), "scope": account.scope},
        )
    return answer({"ok": True, "account": account.to_dict()})


@router.post(
    "/contests/{contest}/protocols",
    summary="Submit or amend one protocol (JSON)",
    openapi_extra=_openapi(Submission),
)
@guarded
async def submit_protocol(
    contest: str, request: Request, idempotency_key: str | None = Header(default=None)
) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    body = await read_body(request, LIMITS.json_bytes)
    replay = _replay(request, account, idempotency_key, body)
    if replay is not None:
        return replay
    sub = _parse(Submission, body)
    outcome = workflow.submit(
        _store(request), account, contest, sub.protocol.protocol(), reason=sub.reason
    )
    resp = answer({"ok": True, **outcome.to_dict()})
    _remember(request, account, idempotency_key, body, resp)
    return resp


@router.post(
    "/contests/{contest}/protocols/bulk",
    summary="Submit many protocols as CSV (canonical columns); all stations must be in scope",
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
@guarded
async def submit_bulk(
    contest: str,
    request: Request,
    reason: str | None = None,
    idempotency_key: str | None = Header(default=None),
) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    _need(account, accounts.SUBMITTERS, "submit protocols")
    body = await read_body(request, LIMITS.csv_bytes)
    replay = _replay(request, account, idempotency_key, body)
    if replay is not None:
        return replay
    try:
        table = read_protocols(body, name="upload.csv")
    except SaylauError:
        raise
    except Exception as err:  # the reader's parsers (csv, polars) on bytes that are no CSV
        raise ApiError(422, f"upload.csv: not a readable CSV ({type(err).__name__})") from None
    rows = [
        {k: v for k, v in r.items() if k != "row" and v is not None}
        for r in table.frame.iter_rows(named=True)
    ]
    store = _store(request)
    with store.engine.connect() as conn:
        workflow._contest(conn, contest)
        refused = []
        cache: workflow.Parents = {}
        for r in rows:
            try:
                workflow.authorize_station(conn, account, contest, r, cache)
            except workflow.Forbidden as err:
                refused.append(str(err))
    if refused:  # nothing is written when any station is out of scope
        raise ApiError(403, refused[0], refused)
    outcomes = workflow.submit_many(
        store, account, contest, rows, reason=reason, label="upload.csv row", chunk=BULK_CHUNK
    )
    results = [{"row": n, **o.to_dict()} for n, o in enumerate(outcomes, start=1)]
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    resp = answer({"ok": True, "counts": counts, "results": results})
    _remember(request, account, idempotency_key, body, resp)
    return resp


@router.get(
    "/contests/{contest}/entries", summary="Open double-entry protocols (pending or differing)"
)
@guarded
async def list_entries(contest: str, request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    _need(account, READERS, "read double-entry queues")
    with _store(request).engine.connect() as conn:
        workflow._contest(conn, contest)
        found = workflow.pending_entries(conn, contest, account.scope)
    return answer({"ok": True, "entries": found})


@router.post(
    "/contests/{contest}/entries/{station}/resolve",
    summary="Resolve differing entries: keep one, or discard both",
    openapi_extra=_openapi(Resolution),
)
@guarded
async def resolve_entries(contest: str, station: str, request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    body = _parse(Resolution, await read_body(request, LIMITS.json_bytes))
    outcome = workflow.resolve(
        _store(request), account, contest, station, keep=body.keep, reason=body.reason
    )
    return answer({"ok": True, **outcome.to_dict()})


@router.post(
    "/contests/{contest}/approvals",
    summary="Approve a subtree's results",
    openapi_extra=_openapi(Approval),
)
@guarded
async def approve(contest: str, request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    body = _parse(Approval, await read_body(request, LIMITS.json_bytes))
    return answer(
        {"ok": True, **workflow.approve(_store(request), account, contest, body.division)}
    )


@router.post(
    "/contests/{contest}/certification", summary="Certify the contest (CEC); freezes results"
)
@guarded
async def certify(contest: str, request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    return answer({"ok": True, **workflow.certify(_store(request), account, contest)})


@router.post(
    "/contests/{contest}/decisions",
    summary="Record a CEC decision allowing one amendment after certification",
    openapi_extra=_openapi(Decision),
)
@guarded
async def decide(contest: str, request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    body = _parse(Decision, await read_body(request, LIMITS.json_bytes))
    return answer(
        {
            "ok": True,
            **workflow.decide(_store(request), account, contest, body.station, body.reason),
        }
    )


@router.put(
    "/contests/{contest}/settings",
    summary="Contest settings (CEC): double entry",
    openapi_extra=_openapi(Settings),
)
@guarded
async def settings(contest: str, request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    body = _parse(Settings, await read_body(request, LIMITS.json_bytes))
    return answer(
        {
            "ok": True,
            **workflow.set_double_entry(_store(request), account, contest, body.double_entry),
        }
    )


@router.get("/audit", summary="The audit log (observers, territorial commissions, CEC)")
@guarded
async def read_audit(
    request: Request,
    contest: str | None = None,
    subject: str | None = None,
    after: int = 0,
    limit: int = 1000,
) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    _need(account, READERS, "read the audit log")
    limit = max(1, min(limit, 10_000))
    # A sequence number beyond BIGINT overflows PostgreSQL (a 500); nothing is there.
    after = max(0, min(after, 2**62))
    for name, value in (("contest", contest), ("subject", subject)):
        if value is not None and (len(value) > 300 or not value.isprintable()):
            raise ApiError(422, f"{name}: {value[:40]!r} is not a valid filter")
    with _store(request).engine.connect() as conn:
        seq, digest = audit.head(conn)
        rows = audit.entries(conn, contest=contest, subject=subject, after_seq=after, limit=limit)
    return answer({"ok": True, "head": {"seq": seq, "hash": digest}, "entries": audit.export(rows)})


@router.get("/accounts", summary="List accounts (CEC, observers)")
@guarded
async def list_accounts(request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    _need(account, {Role.CEC, Role.OBSERVER}, "list accounts")
    with _store(request).engine.connect() as conn:
        found = accounts.list_accounts(conn)
    return answer({"ok": True, "accounts": [a.to_dict() for a in found]})


@router.post(
    "/accounts",
    summary="Create an account (CEC); the token is in this answer only",
    openapi_extra=_openapi(NewAccount),
)
@guarded
async def add_account(request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    _need(account, {Role.CEC}, "administer accounts")
    body = _parse(NewAccount, await read_body(request, LIMITS.json_bytes))
    with write_transaction(_store(request).engine) as conn:
        new, token = accounts.add_account(
            conn,
            body.name,
            body.role,
            body.scope,
            by=account.name,
            expires_in=timedelta(days=body.expires_days),
        )
    return answer({"ok": True, "account": new.to_dict(), "token": token}, 201)


@router.delete("/accounts/{name}", summary="Revoke an account (CEC)")
@guarded
async def revoke_account(name: str, request: Request) -> JSONResponse:
    account = await current_account(request, request.headers.get("authorization"))
    _need(account, {Role.CEC}, "administer accounts")
    with write_transaction(_store(request).engine) as conn:
        gone = accounts.revoke_account(conn, name)
        audit.append(conn, account.name, "account-revoke", subject=name, detail=gone.to_dict())
    return answer({"ok": True, "account": gone.to_dict()})


# -- app-wide hardening -------------------------------------------------------------------------
def harden(app: Any, max_body: int = LIMITS.csv_bytes) -> None:
    """Security headers on every answer and a global body size cap (call in create_app).

    CSRF: the write API authenticates by an explicit Bearer header, never a cookie,
    so a cross-site form cannot carry credentials; any form posted to ``/api/`` is
    refused outright as a second line of defence.
    """

    async def _harden(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_body):
            return error_answer(ApiError(413, f"request body larger than {max_body} bytes"))
        ctype = request.headers.get("content-type", "")
        if (
            request.url.path.startswith("/api/")
            and request.method not in ("GET", "HEAD", "OPTIONS")
            and ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))
        ):
            return error_answer(
                ApiError(415, "forms are not accepted by the API (send JSON or CSV)")
            )
        response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            if key == "Cache-Control" and not request.url.path.startswith("/api/v1/"):
                continue
            response.headers.setdefault(key, value)
        return response

    app.middleware("http")(_harden)
