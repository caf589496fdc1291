"""The commission workspace in the browser (``/commission/``): thin routes over
``saylau.trust.desk`` — parse the form, check session and CSRF token, call, render.

Sessions are HttpOnly, SameSite=Strict cookies (Secure over HTTPS) holding a random
id whose hash the server keeps; every POST carries the session's CSRF token (the
sign-in form a double-submit token).  Library errors become a message on the page,
with the status the API would give (403 forbidden, 409 conflict, 422 bad input).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from saylau.errors import InputError, NotFoundError, SaylauError
from saylau.trust import coordination, desk, sessions, workflow
from saylau.trust.accounts import iso, now
from saylau.trust.desk import Desk, Session, SessionEnded, SignInRefused
from saylau.web import model
from saylau.web.i18n import LANGUAGES, pick_language
from saylau.web.render import page_globals

router = APIRouter(prefix="/commission", include_in_schema=False)

PRE_CSRF = "saylau_signin_csrf"
NO_STORE = {"Cache-Control": "no-store"}


def _desk(request: Request) -> Desk:
    site = request.app.state.site
    found = getattr(site, "commission_desk", None)
    if found is None:
        policy = getattr(request.app.state, "commission_policy", sessions.DEFAULT_POLICY)
        found = site.commission_desk = Desk(site.store, policy)
    return found  # type: ignore[no-any-return]


def _sign_in_limiter(request: Request) -> anyio.CapacityLimiter:
    """The threads that may check a password at once (``Desk.check_password``):
    half the cores.

    scrypt is the one deliberately slow step (~50-80 ms of a core per sign-in).  Run
    in the shared thread pool, a crowd signing in at once fills it and every save
    queues behind the password checks; on their own limiter the sign-ins wait for
    each other and the other cores stay free for the saves (the latency a typist
    feels on election night).  The price: a crowd signing in at the same second
    waits longer for the last of them (``app.state.commission_sign_in_threads``
    sets the number)."""
    state = request.app.state
    found = getattr(state, "commission_sign_in_limiter", None)
    if found is None:
        threads = getattr(state, "commission_sign_in_threads", None)
        found = state.commission_sign_in_limiter = anyio.CapacityLimiter(
            threads or max(1, (os.cpu_count() or 2) // 2)
        )
    return found  # type: ignore[no-any-return]


def _poll(request: Request) -> bool:
    """True for the site's background refresh (``refresh.js`` fetches the page it is
    on): answered with 204 and no session touch, so an open tab still times out."""
    return request.headers.get("sec-fetch-dest") == "empty"


POLL_ANSWER = Response(status_code=204, headers=NO_STORE)


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _asked(request: Request) -> str | None:
    """The language a ``?lang=`` link asks for (``?lang=RU`` too), or None."""
    code = (request.query_params.get("lang") or "").strip().lower()
    return code if code in LANGUAGES else None


def _lang(request: Request, account: str | None = None) -> str:
    query = request.query_params.get("lang")
    lang = pick_language(query, request.cookies.get("lang"), request.headers.get("accept-language"))
    if lang is None:
        lang = "en"
    request.state.lang = lang
    return lang


def _render(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> HTMLResponse:
    ctx = {**ctx, **page_globals(request)}
    html = request.app.state.site.templates.get_template(f"commission/{name}").render(ctx)
    response = HTMLResponse(html, status_code=status, headers=NO_STORE)
    if _asked(request) is not None:
        response.set_cookie("lang", request.state.lang, max_age=365 * 86400, samesite="lax")
    return response


def _strict_cookie(request: Request, response: Response, name: str, value: str) -> None:
    """An HttpOnly, SameSite=Strict cookie of the workspace (Secure over HTTPS)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/commission",
    )


async def _session(request: Request) -> Session:
    d = _desk(request)
    s: Session = await run_in_threadpool(d.session, request.cookies.get(sessions.COOKIE))
    # The language links while signed in choose the account's language: the next
    # sign-in, on any browser, comes up in it (``sign_in``).
    lang = _asked(request)
    if lang is not None:
        await run_in_threadpool(d.set_language, s.account.name, lang)
    return s


def _signin_redirect(request: Request, message: str) -> Response:
    response = RedirectResponse(f"/commission/?ended={quote(message)}", status_code=303)
    response.delete_cookie(sessions.COOKIE, path="/commission")
    return response


async def _form(request: Request, session: Session | None) -> dict[str, str]:
    """The posted form, refused (and audited) without the right CSRF token."""
    data = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    ok = (
        sessions.csrf_ok(session.id, data.get("csrf"))
        if session is not None
        else bool(data.get("csrf"))
        and secrets.compare_digest(str(data.get("csrf")), request.cookies.get(PRE_CSRF, "") or "-")
    )
    if not ok:
        actor = session.account.name if session else "-"
        await run_in_threadpool(
            _desk(request).refuse, actor, f"POST {request.url.path} without a valid CSRF token"
        )
        raise _Refused(
            403, "This form has expired or did not come from this site: open the page again."
        )
    return data


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _status(err: Exception) -> int:
    if isinstance(err, _Refused):
        return err.status
    if isinstance(err, workflow.Forbidden):
        return 403
    if isinstance(err, workflow.Conflict):
        return 409
    if isinstance(err, NotFoundError):
        return 404
    return 422


async def _failed(
    request: Request, err: Exception, session: Session | None, contest: str | None = None
) -> Response:
    """A refusal as a page; a forbidden request is audited."""
    if isinstance(err, SessionEnded):
        return _signin_redirect(request, str(err))
    if isinstance(err, workflow.Forbidden) and session is not None:
        await run_in_threadpool(
            _desk(request).refuse, session.account.name, str(err), contest=contest
        )
    if isinstance(err, InputError):
        message = "; ".join(err.problems)
    else:
        message = err.message if isinstance(err, _Refused) else str(err)
    ctx = {"session": session, "message": message, "status": _status(err)}
    return _render(request, "refused.html", ctx, _status(err))


_HANDLED = (SaylauError, _Refused)


@router.get("/")
async def home(request: Request) -> Response:
    _lang(request)
    if _poll(request):
        return POLL_ANSWER
    try:
        await _session(request)
        return RedirectResponse("/commission/work", status_code=303)
    except SessionEnded:
        pass
    # Reused while the browser holds one: two tabs of the sign-in page stay valid.
    held = request.cookies.get(PRE_CSRF, "")
    token = held if 20 <= len(held) <= 64 and held.isascii() else secrets.token_urlsafe(24)
    return _signin_page(request, token, ended=request.query_params.get("ended", "")[:200])


def _signin_page(
    request: Request, token: str, *, ended: str = "", error: str = "", status: int = 200
) -> Response:
    """The sign-in form with its double-submit token (the cookie and the field)."""
    ctx = {"csrf": token, "ended": ended, "error": error}
    response = _render(request, "signin.html", ctx, status)
    _strict_cookie(request, response, PRE_CSRF, token)
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    _lang(request)
    try:
        data = await _form(request, None)
        d = _desk(request)
        attempt = await anyio.to_thread.run_sync(
            d.check_password,
            data.get("name", ""),
            data.get("password", ""),
            _address(request),
            limiter=_sign_in_limiter(request),
        )
        s = await run_in_threadpool(d.open_session, attempt)
    except SignInRefused as err:
        return _signin_page(request, secrets.token_urlsafe(24), error=str(err), status=401)
    except _HANDLED as err:
        return await _failed(request, err, None)
    done = RedirectResponse("/commission/work", status_code=303)
    _strict_cookie(request, done, sessions.COOKIE, s.id)
    done.delete_cookie(PRE_CSRF, path="/commission")
    lang = await run_in_threadpool(d.language, s.account.name)
    if lang in LANGUAGES:
        done.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return done


Step = Callable[[Session, dict[str, str]], Awaitable[Response]]


async def _signed_in(
    request: Request, step: Step, *, contest: str | None = None, post: bool = False
) -> Response:
    """Every signed-in view: set the language, answer the site's background poll
    (GET only), find the session, check a POST's CSRF token, then ``step(session,
    form data)``; a library refusal anywhere becomes its page (``_failed``)."""
    _lang(request)
    if not post and _poll(request):
        return POLL_ANSWER
    session = None
    try:
        session = await _session(request)
        data = await _form(request, session) if post else {}
        return await step(session, data)
    except _HANDLED as err:
        return await _failed(request, err, session, contest)


def _to_work(contest: str) -> Response:
    return RedirectResponse(f"/commission/work?contest={quote(contest)}", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    async def step(session: Session, _data: dict[str, str]) -> Response:
        await run_in_threadpool(_desk(request).sign_out, session)
        return _signin_redirect(request, "")

    return await _signed_in(request, step, post=True)


@router.get("/work")
async def work(request: Request) -> Response:
    async def step(session: Session, _data: dict[str, str]) -> Response:
        d = _desk(request)
        contests = await run_in_threadpool(d.store.contests)
        if not contests:
            raise NotFoundError("no contest in this database yet")
        contest = request.query_params.get("contest") or contests[0].id
        w = await run_in_threadpool(d.work, session.account, contest)
        state = request.query_params.get("state", "")
        ctx = {
            "session": session,
            "work": w,
            "rows": [r for r in w.rows if not state or r.state == state],
            "state": state,
            "states": desk.STATES,
            "contests": contests,
            "csrf": session.csrf,
        }
        return _render(request, "work.html", ctx)

    return await _signed_in(request, step)


def _entry_ctx(
    session: Session, form: desk.Form, saved: desk.Saved | None = None
) -> dict[str, Any]:
    messages = saved.messages if saved is not None else []
    by_field: dict[str, list[Any]] = {}
    for m in messages:
        for f in m.fields:
            by_field.setdefault(f, []).append(m)
    return {
        "session": session,
        "form": form,
        "saved": saved,
        "messages": messages,
        # The lines' messages are recomputed by commission.js as soon as the page
        # loads (it rebuilds #summary); a refusal that belongs to no line (E04 stale
        # form, E05 the workflow's refusal) is kept apart so the script cannot wipe it.
        "lines_messages": [m for m in messages if m.fields],
        "notices": [m for m in messages if not m.fields],
        "by_field": by_field,
        "csrf": session.csrf,
    }


@router.get("/{contest}/station/{station}")
async def entry_form(request: Request, contest: str, station: str) -> Response:
    async def step(session: Session, _data: dict[str, str]) -> Response:
        form = await run_in_threadpool(_desk(request).form, session.account, contest, station)
        return _render(request, "entry.html", _entry_ctx(session, form))

    return await _signed_in(request, step, contest=contest)


@router.post("/{contest}/station/{station}")
async def save_entry(request: Request, contest: str, station: str) -> Response:
    async def step(session: Session, data: dict[str, str]) -> Response:
        d = _desk(request)
        accepted = {k[len("explain-") :]: v for k, v in data.items() if k.startswith("explain-")}
        values = {k[len("f-") :]: v for k, v in data.items() if k.startswith("f-")}
        saved = await run_in_threadpool(
            lambda: d.save(
                session.account,
                contest,
                station,
                values,
                opened=data.get("opened", ""),
                accepted=accepted,
                confirmed=data.get("confirm") == "yes",
                reason=data.get("reason") or None,
                pause=data.get("action") == "pause",
            )
        )
        if saved.status == "refused":
            form = await run_in_threadpool(d.form, session.account, contest, station)
            form.values = {k: v[:40] for k, v in values.items()}
            status = 409 if saved.conflict else 422
            return _render(request, "entry.html", _entry_ctx(session, form, saved), status)
        if saved.status == "paused":
            return RedirectResponse(
                f"/commission/work?contest={quote(contest)}&paused={quote(station)}",
                status_code=303,
            )
        ctx = {
            "session": session,
            "saved": saved,
            "contest": contest,
            "station": station,
            "csrf": session.csrf,
        }
        return _render(request, "saved.html", ctx)

    return await _signed_in(request, step, contest=contest, post=True)


@router.get("/{contest}/station/{station}/entries")
async def entries(request: Request, contest: str, station: str) -> Response:
    async def step(session: Session, _data: dict[str, str]) -> Response:
        found = await run_in_threadpool(
            coordination.entries, _desk(request), session.account, contest, station
        )
        ctx = {
            "session": session,
            "contest": contest,
            "station": station,
            "entries": found,
            "diff": (
                workflow.differences(found[0]["protocol"], found[1]["protocol"])
                if len(found) == 2
                else []
            ),
            "csrf": session.csrf,
        }
        return _render(request, "entries.html", ctx)

    return await _signed_in(request, step, contest=contest)


@router.post("/{contest}/station/{station}/entries")
async def resolve(request: Request, contest: str, station: str) -> Response:
    async def step(session: Session, data: dict[str, str]) -> Response:
        d = _desk(request)
        action, reason, keep = data.get("action", ""), data.get("reason", ""), data.get("keep", "")
        if action in ("keep", "return") and not keep.isdigit():
            raise InputError("choose the entry to keep")
        if action == "keep":
            await run_in_threadpool(
                coordination.resolve, d, session.account, contest, station, int(keep), reason
            )
        elif action == "discard":
            await run_in_threadpool(
                coordination.resolve, d, session.account, contest, station, None, reason
            )
        elif action == "return":
            await run_in_threadpool(
                coordination.return_differing,
                d,
                session.account,
                contest,
                station,
                int(keep),
                reason,
            )
        else:
            raise InputError(f"unknown action '{action[:40]}'")
        return _to_work(contest)

    return await _signed_in(request, step, contest=contest, post=True)


@router.post("/{contest}/approve")
async def approve(request: Request, contest: str) -> Response:
    async def step(session: Session, data: dict[str, str]) -> Response:
        division = data.get("division", "")
        await run_in_threadpool(
            coordination.approve, _desk(request), session.account, contest, division
        )
        return _to_work(contest)

    return await _signed_in(request, step, contest=contest, post=True)


@router.post("/{contest}/certify")
async def certify(request: Request, contest: str) -> Response:
    async def step(session: Session, data: dict[str, str]) -> Response:
        number, date = data.get("number", ""), data.get("date", "")
        await run_in_threadpool(
            coordination.certify, _desk(request), session.account, contest, number, date
        )
        return _to_work(contest)

    return await _signed_in(request, step, contest=contest, post=True)


@router.post("/{contest}/station/{station}/decision")
async def decide(request: Request, contest: str, station: str) -> Response:
    async def step(session: Session, data: dict[str, str]) -> Response:
        reason = data.get("reason", "")
        await run_in_threadpool(
            coordination.decide, _desk(request), session.account, contest, station, reason
        )
        return RedirectResponse(
            f"/commission/{quote(contest)}/station/{quote(station)}", status_code=303
        )

    return await _signed_in(request, step, contest=contest, post=True)


@router.get("/{contest}/station/{station}/protocol.pdf")
async def protocol_pdf(request: Request, contest: str, station: str) -> Response:
    async def step(session: Session, _data: dict[str, str]) -> Response:
        from saylau.web.commission_pdf import protocol_pdf as render

        d = _desk(request)
        doc = await run_in_threadpool(
            coordination.protocol_document, d, session.account, contest, station
        )
        body = await run_in_threadpool(render, doc, request.state.lang)
        return _pdf(body, f"protocol-{contest}-{station}-{request.state.lang}.pdf")

    return await _signed_in(request, step, contest=contest)


@router.get("/{contest}/statement.pdf")
async def territory_statement(request: Request, contest: str) -> Response:
    """The statement of results of ``?division=`` (its subtree) from its approved
    results, for the coordinators whose scope holds it."""

    async def step(session: Session, _data: dict[str, str]) -> Response:
        from saylau.web.statement import territory_pdf

        division = request.query_params.get("division", "")[:300]
        d = _desk(request)
        approval = await run_in_threadpool(
            coordination.territory_approval, d, session.account, contest, division
        )
        ctx = await run_in_threadpool(model.division_page, d.store, contest, division)
        ctx = {**ctx, "approval": approval, "generated": iso(now())}
        lang = request.state.lang
        body = await run_in_threadpool(territory_pdf, ctx, lang)
        return _pdf(body, f"statement-{contest}-{division}-{lang}.pdf")

    return await _signed_in(request, step, contest=contest)


def _pdf(body: bytes, name: str) -> Response:
    """A PDF shown in the browser (not cached: it is a signed-in person's)."""
    name = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return Response(
        body,
        media_type="application/pdf",
        headers={**NO_STORE, "Content-Disposition": f'inline; filename="{name}"'},
    )
