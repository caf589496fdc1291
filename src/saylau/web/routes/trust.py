"""The write side of the JSON API (``/api/v1``): authenticated, scoped, audited.

Every write needs ``Authorization: Bearer <token>``; reading published results
(the web app's own routes) needs none.  Answers are JSON: ``{"ok": true, ...}``
or ``{"ok": false, "error": "...", "problems": [...]}``, never a stack trace.
Protocol submissions answer with the outcome: accepted / flagged / rejected (with
the failed relations) / unchanged, or, under double entry,
pending-second-entry / entries-differ (with the differences field by field).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, Literal, TypeVar

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from saylau.errors import InputError, NotFoundError, SaylauError
from saylau.store import Store, faults
from saylau.store import idempotency as remembered
from saylau.store.engine import write_transaction
from saylau.tabulate.fields import COUNT_FIELDS, MAX_COUNT, is_party_column, text_problem
from saylau.tabulate.reader import read_protocols
from saylau.trust import accounts, audit, workflow
from saylau.trust.accounts import READERS, Account, Role
from saylau.web import door
from saylau.web.door import ApiError, current_account, refused

LOG = logging.getLogger("saylau.web.api")

_Body = TypeVar("_Body", bound=BaseModel)

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


#: Protocols per audit transaction and store write of a bulk upload: holds the
#: write lock briefly so single submissions of other commissions interleave.
BULK_CHUNK = 50

#: Statuses of a write that are refusals on the record (saylau.web.door.refused).
REFUSED = frozenset({401, 403, 409, 413, 415, 422, 429})


def answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def ok(body: dict[str, Any], status: int = 200) -> JSONResponse:
    """A write's success: ``{"ok": true, …body}``."""
    return answer({"ok": True, **body}, status)


async def _caller(request: Request) -> Account:
    """The account behind the request's Bearer token (the door rate-limits and audits)."""
    return await current_account(request, request.headers.get("authorization"))


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
    reason = faults.unavailable(err)
    if reason is not None:  # read-only file, full disk, server gone: the machine, not us
        LOG.error("write refused: %s", reason)
        return ApiError(503, reason, headers={"Retry-After": "60"})
    LOG.exception("internal error")
    return ApiError(500, "internal error")


def guarded(
    fn: Callable[..., Awaitable[JSONResponse]],
) -> Callable[..., Awaitable[JSONResponse]]:
    """Turn library errors into clean JSON answers (never a traceback); put refused
    writes on the record."""
    import functools

    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> JSONResponse:
        try:
            for key, value in kwargs.items():
                if isinstance(value, str):
                    _no_nul(key, value)
            return await fn(*args, **kwargs)
        except Exception as err:  # every error becomes a one-line JSON answer
            api_err = _as_api_error(err)
            request = kwargs.get("request")
            if (
                isinstance(request, Request)
                and request.method not in ("GET", "HEAD")
                and api_err.status in REFUSED
            ):
                refused(request, api_err.status, api_err.message)
            return error_answer(api_err)

    return run


def _store(request: Request) -> Store:
    store: Store = request.app.state.site.store
    return store


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
            elif problem := text_problem(key):
                problems.append(f"protocol: {key[:40]!r} {problem}")
        for name in ("station", "region", "district", "country"):
            value = getattr(self, name)
            if value is not None and (problem := text_problem(value)):
                problems.append(f"protocol: {name} {value[:40]!r} {problem}")
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


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ApiError(422, f"body: duplicate key {key[:80]!r} in a JSON object")
        seen[key] = value
    return seen


def _parse(model: type[_Body], body: bytes) -> _Body:
    if b"\x00" in body or b"\\u0000" in body.lower():
        raise ApiError(422, "body: contains control characters (NUL)")
    # Duplicate keys first: a parser keeps one of them silently, so a reviewer and
    # the store could read different values from the same bytes.  What is not JSON
    # at all is left to pydantic, which names the problem.
    with contextlib.suppress(ValueError, RecursionError):
        json.loads(body or b"null", object_pairs_hook=_unique_keys)
    try:
        return model.model_validate_json(body or b"null")
    except ValidationError as err:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}"
            for e in err.errors(include_url=False)
        ]
        raise ApiError(422, "; ".join(problems), problems) from None


def _media(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


async def read_json(request: Request, model: type[_Body]) -> tuple[_Body, bytes]:
    """The request's JSON body as ``model`` and its bytes: ``application/json`` only,
    at most ``door.LIMITS.json_bytes``, no duplicate keys, no NUL."""
    body = await read_body(request, door.LIMITS.json_bytes)
    media = _media(request)
    if media != "application/json" and not media.endswith("+json"):
        raise ApiError(415, f"Content-Type {media or '(none)'!r}: send application/json")
    return _parse(model, body), body


async def _caller_and_body(request: Request, model: type[_Body]) -> tuple[Account, _Body]:
    """The caller's account, then the request's JSON body as ``model`` (in that order:
    an unauthenticated request is refused before its body is read)."""
    account = await _caller(request)
    return account, (await read_json(request, model))[0]


def _openapi(model: type[BaseModel], media: str = "application/json") -> dict[str, Any]:
    schema_ = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"requestBody": {"required": True, "content": {media: {"schema": schema_}}}}


#: The media types of a bulk upload and the name the reader gives the body.
_UPLOADS = {"text/csv": "upload.csv", "application/zip": "upload.zip"}


# -- idempotency -----------------------------------------------------------------------------
def _digest(request: Request, body: bytes) -> str:
    """What an ``Idempotency-Key`` is bound to: method, path, query and body."""
    bound = b"\n".join(
        [request.method.encode(), request.url.path.encode(), request.url.query.encode(), body]
    )
    return hashlib.sha256(bound).hexdigest()


def _replay(
    request: Request, account: Account, key: str | None, body: bytes
) -> JSONResponse | None:
    if key is None:
        return None
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise ApiError(422, "Idempotency-Key must be 1-200 printable characters")
    row = remembered.recall(_store(request).engine, account.name, key)
    if row is None:
        return None
    if row.request_hash != _digest(request, body):
        raise ApiError(409, f"Idempotency-Key '{key}' was used for a different request")
    return answer(json.loads(row.response), row.status, {"Idempotent-Replayed": "true"})


def _remember(
    request: Request, account: Account, key: str | None, body: bytes, resp: JSONResponse
) -> None:
    if key is None or resp.status_code >= 500:
        return
    saved = remembered.Remembered(
        _digest(request, body), resp.status_code, bytes(resp.body).decode()
    )
    try:
        remembered.remember(
            _store(request).engine, account.name, key, saved, accounts.iso(accounts.now())
        )
    except Exception:  # remembering is best effort: the write itself already happened
        LOG.warning("Idempotency-Key %r of %s not remembered", key, account.name)


def _need(account: Account, roles: frozenset[Role] | set[Role], what: str) -> None:
    if account.role not in roles:
        raise ApiError(403, f"account '{account.name}' ({account.role}) cannot {what}")


router = APIRouter(prefix="/api/v1", tags=["trust"])

_Handler = Callable[..., Awaitable[JSONResponse]]


def _route(
    method: Literal["GET", "POST", "PUT", "DELETE"],
    path: str,
    summary: str,
    *,
    body: type[BaseModel] | None = None,
    openapi_extra: dict[str, Any] | None = None,
    status_code: int | None = None,
) -> Callable[[_Handler], _Handler]:
    """Register a route of the write API, ``guarded`` (so no route can forget it), its
    JSON ``body`` model documented in OpenAPI (the handler reads it with ``read_json``)."""
    extra = openapi_extra if body is None else _openapi(body)

    def register(fn: _Handler) -> _Handler:
        route = router.api_route(
            path, methods=[method], summary=summary, status_code=status_code, openapi_extra=extra
        )
        return route(guarded(fn))

    return register


@_route("POST", "/auth/sign-in", "Check a token and record the sign-in")
async def sign_in(request: Request) -> JSONResponse:
    account = await _caller(request)
    with write_transaction(_store(request).engine) as conn:
        audit.append(
            conn,
            account.name,
            "sign-in",
            detail={"role": str(account.role), "scope": account.scope},
        )
    return ok({"account": account.to_dict()})


@_route(
    "POST", "/contests/{contest}/protocols", "Submit or amend one protocol (JSON)", body=Submission
)
async def submit_protocol(
    contest: str, request: Request, idempotency_key: str | None = Header(default=None)
) -> JSONResponse:
    account = await _caller(request)
    sub, body = await read_json(request, Submission)
    replay = _replay(request, account, idempotency_key, body)
    if replay is not None:
        return replay
    outcome = workflow.submit(
        _store(request), account, contest, sub.protocol.protocol(), reason=sub.reason
    )
    resp = ok(outcome.to_dict())
    _remember(request, account, idempotency_key, body, resp)
    return resp


@_route(
    "POST",
    "/contests/{contest}/protocols/bulk",
    "Submit many protocols as CSV (canonical columns), or a zip of one CSV; "
    "all stations must be in scope",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def submit_bulk(
    contest: str,
    request: Request,
    reason: str | None = None,
    idempotency_key: str | None = Header(default=None),
) -> JSONResponse:
    account = await _caller(request)
    _need(account, accounts.SUBMITTERS, "submit protocols")
    media = _media(request)
    name = _UPLOADS.get(media)
    if name is None:
        raise ApiError(415, f"Content-Type {media or '(none)'!r}: send text/csv or application/zip")
    body = await read_body(request, door.LIMITS.csv_bytes)
    if name == "upload.csv" and body.startswith(b"PK\x03\x04"):
        raise ApiError(415, "upload.csv: the body is a zip archive; send it as application/zip")
    replay = _replay(request, account, idempotency_key, body)
    if replay is not None:
        return replay
    try:
        table = read_protocols(body, name=name, max_unzipped=door.LIMITS.unzipped_bytes)
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
        outside = []
        cache: workflow.Parents = {}
        for r in rows:
            try:
                workflow.authorize_station(conn, account, contest, r, cache)
            except workflow.Forbidden as err:
                outside.append(str(err))
    if outside:  # nothing is written when any station is out of scope
        raise ApiError(403, outside[0], outside)
    outcomes = workflow.submit_many(
        store, account, contest, rows, reason=reason, label="upload.csv row", chunk=BULK_CHUNK
    )
    results = [{"row": n, **o.to_dict()} for n, o in enumerate(outcomes, start=1)]
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    resp = ok({"counts": counts, "results": results})
    _remember(request, account, idempotency_key, body, resp)
    return resp


@_route("GET", "/contests/{contest}/entries", "Open double-entry protocols (pending or differing)")
async def list_entries(contest: str, request: Request) -> JSONResponse:
    account = await _caller(request)
    _need(account, READERS, "read double-entry queues")
    with _store(request).engine.connect() as conn:
        workflow._contest(conn, contest)
        found = workflow.pending_entries(conn, contest, account.scope)
    return ok({"entries": found})


@_route(
    "POST",
    "/contests/{contest}/entries/{station}/resolve",
    "Resolve differing entries: keep one, or discard both",
    body=Resolution,
)
async def resolve_entries(contest: str, station: str, request: Request) -> JSONResponse:
    account, body = await _caller_and_body(request, Resolution)
    outcome = workflow.resolve(
        _store(request), account, contest, station, keep=body.keep, reason=body.reason
    )
    return ok(outcome.to_dict())


@_route("POST", "/contests/{contest}/approvals", "Approve a subtree's results", body=Approval)
async def approve(contest: str, request: Request) -> JSONResponse:
    account, body = await _caller_and_body(request, Approval)
    return ok(workflow.approve(_store(request), account, contest, body.division))


@_route("POST", "/contests/{contest}/certification", "Certify the contest (CEC); freezes results")
async def certify(contest: str, request: Request) -> JSONResponse:
    account = await _caller(request)
    return ok(workflow.certify(_store(request), account, contest))


@_route(
    "POST",
    "/contests/{contest}/decisions",
    "Record a CEC decision allowing one amendment after certification",
    body=Decision,
)
async def decide(contest: str, request: Request) -> JSONResponse:
    account, body = await _caller_and_body(request, Decision)
    return ok(workflow.decide(_store(request), account, contest, body.station, body.reason))


@_route(
    "PUT", "/contests/{contest}/settings", "Contest settings (CEC): double entry", body=Settings
)
async def settings(contest: str, request: Request) -> JSONResponse:
    account, body = await _caller_and_body(request, Settings)
    return ok(workflow.set_double_entry(_store(request), account, contest, body.double_entry))


@_route("GET", "/audit", "The audit log (observers, territorial commissions, CEC)")
async def read_audit(
    request: Request,
    contest: str | None = None,
    subject: str | None = None,
    after: int = 0,
    limit: int = 1000,
) -> JSONResponse:
    account = await _caller(request)
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
    return ok({"head": {"seq": seq, "hash": digest}, "entries": audit.export(rows)})


@_route("GET", "/accounts", "List accounts (CEC, observers)")
async def list_accounts(request: Request) -> JSONResponse:
    account = await _caller(request)
    _need(account, {Role.CEC, Role.OBSERVER}, "list accounts")
    with _store(request).engine.connect() as conn:
        found = accounts.list_accounts(conn)
    return ok({"accounts": [a.to_dict() for a in found]})


@_route(
    "POST",
    "/accounts",
    "Create an account (CEC); the token is in this answer only",
    body=NewAccount,
    status_code=201,
)
async def add_account(request: Request) -> JSONResponse:
    account = await _caller(request)
    _need(account, {Role.CEC}, "administer accounts")
    body = (await read_json(request, NewAccount))[0]
    with write_transaction(_store(request).engine) as conn:
        new, token = accounts.add_account(
            conn,
            body.name,
            body.role,
            body.scope,
            by=account.name,
            expires_in=timedelta(days=body.expires_days),
        )
    return ok({"account": new.to_dict(), "token": token}, 201)


@_route("DELETE", "/accounts/{name}", "Revoke an account (CEC)")
async def revoke_account(name: str, request: Request) -> JSONResponse:
    account = await _caller(request)
    _need(account, {Role.CEC}, "administer accounts")
    with write_transaction(_store(request).engine) as conn:
        gone = accounts.revoke_account(conn, name)
        audit.append(conn, account.name, "account-revoke", subject=name, detail=gone.to_dict())
    return ok({"account": gone.to_dict()})
