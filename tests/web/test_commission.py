"""The commission workspace over HTTP (TestClient, SQLite and PostgreSQL): sign-in,
sessions, CSRF, scope, the entry form's server-side checks, double entry,
approval, certification and corrigenda — each refusal audited, nothing written."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from commission_world import CONTEST, GOOD, PASSWORD, World, build, csrf_of, form_fields, opened_of
from fastapi.testclient import TestClient

from saylau.store.engine import write_transaction
from saylau.trust import accounts, audit, integrity, sessions
from saylau.web.app import create_app


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build(db_url, tmp_path)
    yield w
    w.store.close()


def _client(world: World, policy: sessions.Policy | None = None) -> TestClient:
    app = create_app(world.url)
    if policy is not None:
        app.state.commission_policy = policy
    return TestClient(app, raise_server_exceptions=False)


def sign_in(c: TestClient, name: str, password: str = PASSWORD) -> Any:
    c.cookies.clear()  # another person at the same browser
    page = c.get("/commission/")
    return c.post(
        "/commission/sign-in",
        data={"csrf": csrf_of(page.text), "name": name, "password": password},
    )


def actions(world: World, action: str) -> list[audit.Entry]:
    with world.store.engine.connect() as conn:
        return [e for e in audit.entries(conn) if e.action == action]


def protocol_version(world: World, station: str) -> int | None:
    return world.store.station(CONTEST, station).version


def pdf_text(content: bytes) -> str:
    """The PDF's text with its line breaks as spaces (lines wrap where the PDF breaks)."""
    pypdf = pytest.importorskip("pypdf")
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def post_entry(c: TestClient, station: str, values: dict[str, Any], **extra: str) -> Any:
    page = c.get(f"/commission/{CONTEST}/station/{station}")
    assert page.status_code == 200, page.text
    data = {"csrf": csrf_of(page.text), "opened": opened_of(page.text), "action": "save"}
    data.update(form_fields(values))
    data.update(extra)
    return c.post(f"/commission/{CONTEST}/station/{station}", data=data)


def test_sign_in_sets_a_strict_httponly_session_and_signs_out(world: World) -> None:
    with _client(world) as c:
        r = sign_in(c, "op1")
        assert r.status_code == 200 and r.url.path == "/commission/work"
        cookie = next(
            h for h in r.history[0].headers.get_list("set-cookie") if h.startswith(sessions.COOKIE)
        )
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/commission" in cookie
        sid = cookie.split(";")[0].split("=", 1)[1]
        # The server keeps only the hash of the id.
        with world.store.engine.connect() as conn:
            from saylau.store import commission as cs

            assert cs.get_session(conn, sid) is None
            assert cs.get_session(conn, sessions.session_key(sid)) is not None
        assert "001" in r.text and "002" not in r.text  # an operator sees its own station
        out = c.post("/commission/sign-out", data={"csrf": csrf_of(r.text)})
        assert out.url.path == "/commission/"
        assert c.get("/commission/work").url.path == "/commission/"
    assert [e.actor for e in actions(world, "sign-in")] == ["op1"]
    assert [e.actor for e in actions(world, "sign-out")] == ["op1"]


def test_wrong_password_five_times_then_rate_limited_and_audited(world: World) -> None:
    with _client(world) as c:
        for _ in range(5):
            r = sign_in(c, "op1", "not the password")
            assert r.status_code == 401
            assert "wrong" in r.text
        # The sixth attempt is refused even with the right password.
        r = sign_in(c, "op1")
        assert r.status_code == 401 and "too many failed sign-ins" in r.text
        assert c.get("/commission/work").url.path == "/commission/"
    refused = actions(world, "sign-in-refused")
    assert [e.detail.count("too many") for e in refused] == [0, 0, 0, 0, 0, 1]
    assert actions(world, "sign-in") == []


def test_throttled_per_address_across_accounts(world: World) -> None:
    policy = sessions.Policy(per_account=100, per_address=3)
    with _client(world, policy) as c:
        for name in ("op1", "op2", "op3"):
            assert sign_in(c, name, "guess-guess-guess").status_code == 401
        assert sign_in(c, "coord").status_code == 401
    assert actions(world, "sign-in") == []


def test_post_without_csrf_token_is_refused_audited_and_writes_nothing(world: World) -> None:
    with _client(world) as c:
        sign_in(c, "op1")
        page = c.get(f"/commission/{CONTEST}/station/001")
        data = {"opened": opened_of(page.text), "action": "save", **form_fields(GOOD)}
        r = c.post(f"/commission/{CONTEST}/station/001", data=data)
        assert r.status_code == 403
        r = c.post(f"/commission/{CONTEST}/station/001", data={**data, "csrf": "0" * 64})
        assert r.status_code == 403
        # The sign-in form needs its token too.
        c.cookies.clear()
        r = c.post("/commission/sign-in", data={"name": "op1", "password": PASSWORD})
        assert r.status_code == 403
    assert len(actions(world, "refused")) == 3
    assert actions(world, "entry") == [] and protocol_version(world, "001") is None


def test_operator_cannot_open_or_post_another_station(world: World) -> None:
    with _client(world) as c:
        work = sign_in(c, "op1")
        r = c.get(f"/commission/{CONTEST}/station/002")
        assert r.status_code == 403 and "cannot enter station &#39;002&#39;" in r.text
        data = {"csrf": csrf_of(work.text), "opened": "", "action": "save", **form_fields(GOOD)}
        r = c.post(f"/commission/{CONTEST}/station/002", data=data)
        assert r.status_code == 403
    assert len(actions(world, "refused")) == 2
    assert protocol_version(world, "002") is None


def test_expired_session_is_refused_and_audited(world: World) -> None:
    with _client(world, sessions.Policy(idle=timedelta(0))) as c:
        r = sign_in(c, "op1")
        assert r.url.path == "/commission/"  # the redirect to my work already finds it expired
        assert "session ended" in r.text.lower()
    ended = actions(world, "sign-out")
    assert len(ended) == 1 and "expired" in ended[0].detail


def test_absolute_limit_ends_a_session_in_use_and_is_audited(world: World) -> None:
    policy = sessions.Policy(idle=timedelta(hours=1), absolute=timedelta(0))
    with _client(world, policy) as c:
        r = sign_in(c, "op1")
        assert r.url.path == "/commission/"  # over 0 s after sign-in, though never idle
        assert "session ended" in r.text.lower()
        r = c.get(f"/commission/{CONTEST}/station/001")
        assert r.url.path == "/commission/"  # the form is not served: sign in again
    ended = actions(world, "sign-out")
    assert len(ended) == 1 and "expired" in ended[0].detail
    assert protocol_version(world, "001") is None


def test_revoked_account_loses_its_session(world: World) -> None:
    with _client(world) as c:
        sign_in(c, "op1")
        with write_transaction(world.store.engine) as conn:
            accounts.revoke_account(conn, "op1")
        r = c.get(f"/commission/{CONTEST}/station/001")
        assert r.url.path == "/commission/"
        assert sign_in(c, "op1").status_code == 401
    assert "revoked" in actions(world, "sign-out")[0].detail
    assert "revoked" in actions(world, "sign-in-refused")[0].detail


def test_bad_values_each_named_at_its_line_nothing_saved(world: World) -> None:
    bad = {**GOOD, "registered": "1,000", "invalid": "-5", "valid": "6.5", "cancelled": "",
           "party:Auyl": "9" * 12}  # fmt: skip
    with _client(world) as c:
        sign_in(c, "op1")
        r = post_entry(c, "001", bad)
        assert r.status_code == 422
        assert r.text.count('class="error"') >= 5
        for field, code in (("registered", "E02"), ("invalid", "E02"), ("valid", "E02"),
                            ("cancelled", "E01"), ("party:Auyl", "E03")):  # fmt: skip
            row = r.text.split(f'id="f-{field}"', 1)[1].split("</tr>", 1)[0]
            assert code in row, field
        # What was typed is kept on the page, nothing is lost.
        assert 'value="-5"' in r.text
    assert actions(world, "entry") == [] and protocol_version(world, "001") is None


def test_relation_broken_by_a_direct_post_is_refused_like_the_script(world: World) -> None:
    values = {**GOOD, "valid": 651}  # valid ≠ sum of the votes, boxes ≠ valid + invalid
    with _client(world) as c:
        sign_in(c, "op1")
        r = post_entry(c, "001", values)
        assert r.status_code == 422
        valid_row = r.text.split('id="f-valid"', 1)[1].split("</tr>", 1)[0]
        assert "E13" in valid_row and "E14" in valid_row
        party_row = r.text.split('id="f-party:Amanat"', 1)[1].split("</tr>", 1)[0]
        assert "E14" in party_row and "E13" not in party_row
        assert 'aria-describedby="m-9"' in r.text
    assert actions(world, "entry") == [] and protocol_version(world, "001") is None


def test_stale_form_is_refused_with_the_numbers_kept(world: World) -> None:
    with _client(world) as c:
        sign_in(c, "op1")
        page = c.get(f"/commission/{CONTEST}/station/001")
        stale = opened_of(page.text)
        sign_in(c, "op2")
        assert post_entry(c, "001", GOOD).status_code == 200  # op2's first entry
        sign_in(c, "op1")
        data = {"csrf": csrf_of(c.get("/commission/work").text), "opened": stale,
                "action": "save", **form_fields(GOOD)}  # fmt: skip
        r = c.post(f"/commission/{CONTEST}/station/001", data=data)
        assert r.status_code == 422 and "E04" in r.text and 'value="640"' in r.text
    assert len(actions(world, "entry")) == 1


def test_pause_and_resume_keeps_the_typed_text(world: World) -> None:
    with _client(world) as c:
        sign_in(c, "op1")
        page = c.get(f"/commission/{CONTEST}/station/001")
        data = {"csrf": csrf_of(page.text), "opened": opened_of(page.text), "action": "pause",
                "f-registered": "1000", "f-invalid": "1x"}  # fmt: skip
        r = c.post(f"/commission/{CONTEST}/station/001", data=data)
        assert r.url.path == "/commission/work"
        assert 'data-count="first-entry">1<' in r.text
        again = c.get(f"/commission/{CONTEST}/station/001")
        assert 'value="1000"' in again.text and 'value="1x"' in again.text
        assert "Resumed from your paused entry" in again.text
    assert protocol_version(world, "001") is None


def test_warning_needs_the_paper_says_so_and_its_explanation_is_kept(world: World) -> None:
    values = {**GOOD, "invalid": 30, "valid": 630, "party:Amanat": 480}  # W21: 30 ≥ 3% of 660
    with _client(world) as c:
        sign_in(c, "op1")
        r = post_entry(c, "001", values)
        assert r.status_code == 422 and "W21" in r.text
        r = post_entry(c, "001", values, confirm="yes")  # no explanation
        assert r.status_code == 422
        r = post_entry(
            c, "001", values, confirm="yes", **{"explain-W21": "torn ballots, see act 3"}
        )
        assert r.status_code == 200 and 'data-status="pending-second-entry"' in r.text
        sign_in(c, "op2")
        r = post_entry(c, "001", values, confirm="yes", **{"explain-W21": "as on the paper"})
        assert 'data-status="accepted"' in r.text
        page = c.get(f"/commission/{CONTEST}/station/001")
        assert "torn ballots, see act 3" in page.text
        pdf = c.get(f"/commission/{CONTEST}/station/001/protocol.pdf?lang=kk")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        # The printed protocol names each accepted warning with its explanation and
        # who gave it (the paper is compared with this).
        text = pdf_text(pdf.content)
        assert "W21 torn ballots, see act 3 — op1" in text
        assert "W21 as on the paper — op2" in text
    accepted = actions(world, "warnings-accepted")
    assert [e.actor for e in accepted] == ["op1", "op2"]
    assert "torn ballots" in accepted[0].detail


def test_double_entry_agree_counts_and_differ_is_resolved_by_the_coordinator(world: World) -> None:
    with _client(world) as c:
        sign_in(c, "op1")
        assert 'data-status="pending-second-entry"' in post_entry(c, "001", GOOD).text
        # The same account cannot give the second entry.
        r = post_entry(c, "001", {**GOOD, "registered": 1001})
        assert r.status_code == 409 and "different account" in r.text
        assert 'value="1001"' in r.text  # the typed numbers stay on the form
        sign_in(c, "op2")
        assert 'data-status="accepted"' in post_entry(c, "001", GOOD).text
        assert world.store.station(CONTEST, "001").protocol["valid"] == 650

        # Station 002: op3 and the coordinator differ in one line.
        sign_in(c, "op3")
        second = {**GOOD, "party:Ak Zhol": 121, "party:Auyl": 29}
        post_entry(c, "002", GOOD)
        sign_in(c, "coord")
        r = post_entry(c, "002", second)
        assert 'data-status="entries-differ"' in r.text
        work = c.get(f"/commission/work?contest={CONTEST}&state=entries-differ")
        assert 'data-count="entries-differ">1<' in work.text and 'data-station="002"' in work.text
        page = c.get(f"/commission/{CONTEST}/station/002/entries")
        assert page.text.count("<tr data-field=") == 2
        assert 'data-field="party:Ak Zhol"' in page.text and 'data-field="party:Auyl"' in page.text
        first_id = page.text.split('name="keep" value="', 1)[1].split('"', 1)[0]
        r = c.post(
            f"/commission/{CONTEST}/station/002/entries",
            data={
                "csrf": csrf_of(page.text),
                "action": "keep",
                "keep": first_id,
                "reason": "entry 1 matches the paper",
            },
        )
        assert r.status_code == 200
        assert world.store.station(CONTEST, "002").protocol["party:Ak Zhol"] == 120
    assert [e.detail.count("entry 1 matches") for e in actions(world, "entry-resolved")] == [1]


def test_differing_lines_sent_back_only_blank_those_lines(world: World) -> None:
    with _client(world) as c:
        sign_in(c, "op1")
        post_entry(c, "001", GOOD)
        sign_in(c, "op2")
        post_entry(c, "001", {**GOOD, "party:Auyl": 31, "party:Amanat": 499})
        sign_in(c, "coord")
        page = c.get(f"/commission/{CONTEST}/station/001/entries")
        first_id = page.text.split('name="keep" value="', 1)[1].split('"', 1)[0]
        c.post(
            f"/commission/{CONTEST}/station/001/entries",
            data={
                "csrf": csrf_of(page.text),
                "action": "return",
                "keep": first_id,
                "reason": "retype two lines",
            },
        )
        sign_in(c, "op2")
        form = c.get(f"/commission/{CONTEST}/station/001")
        assert 'data-field="returned"' in form.text
        assert (
            'id="f-party:Auyl" name="f-party:Auyl" data-field="party:Auyl" inputmode="numeric" autocomplete="off" maxlength="12" value=""'
            in form.text
        )
        assert 'value="640"' in form.text  # the agreed lines stay filled in
    returned = actions(world, "entry-returned")
    assert len(returned) == 1 and "party:Auyl" in returned[0].detail


def test_approval_certification_and_corrigendum_keep_the_audit_intact(world: World) -> None:
    with _client(world) as c:
        for station in ("001", "002", "003"):
            sign_in(c, "cec")
            post_entry(c, station, GOOD)
            sign_in(c, "coord")
            post_entry(c, station, GOOD)
        work = c.get(f"/commission/work?contest={CONTEST}")
        assert 'data-count="accepted">3<' in work.text
        r = c.post(f"/commission/{CONTEST}/approve",
                   data={"csrf": csrf_of(work.text), "division": "district:Almaty/Medeu"})  # fmt: skip
        assert 'data-count="approved">3<' in r.text
        sign_in(c, "cec")
        work = c.get(f"/commission/work?contest={CONTEST}")
        bad = c.post(f"/commission/{CONTEST}/certify",
                     data={"csrf": csrf_of(work.text), "number": "", "date": "06.12.2026"})  # fmt: skip
        assert (
            bad.status_code == 422 and "decision number" in bad.text and "decision date" in bad.text
        )
        r = c.post(f"/commission/{CONTEST}/certify",
                   data={"csrf": csrf_of(work.text), "number": "12/345", "date": "2021-01-15"})  # fmt: skip
        assert "12/345" in r.text and 'data-count="certified">4<' in r.text
        # An amendment now needs a recorded CEC decision, then a reason.
        values = {**GOOD, "party:Auyl": 29, "against_all": 1}
        r = post_entry(c, "003", values, reason="recount of 20 January")
        assert r.status_code == 409 and "needs a recorded CEC decision" in r.text
        page = c.get(f"/commission/{CONTEST}/station/003")
        c.post(f"/commission/{CONTEST}/station/003/decision",
               data={"csrf": csrf_of(page.text), "reason": "Decision 12/350: recount"})  # fmt: skip
        sign_in(c, "cec")
        post_entry(c, "003", values, reason="recount of 20 January")
        sign_in(c, "coord")
        r = post_entry(c, "003", values, reason="recount of 20 January")
        assert 'data-status="accepted"' in r.text
        assert world.store.station(CONTEST, "003").protocol["against_all"] == 1
        public = c.get(f"/contests/{CONTEST}/stations/003")
        assert "recount of 20 January — Decision 12/350: recount" in public.text
        pdf = c.get(f"/commission/{CONTEST}/station/003/protocol.pdf?lang=ru")
        assert pdf.content.startswith(b"%PDF")
        text = pdf_text(pdf.content)
        assert "cec: Decision 12/350: recount" in text  # the corrigendum, printed
        assert "12/345" in text  # the certificate's decision
    assert len(actions(world, "decision")) == 1
    report = integrity.verify(world.store.engine)
    assert report.findings == [], report.findings


def test_every_workspace_string_has_russian_and_kazakh() -> None:
    import re

    from babel.messages.pofile import read_po

    from saylau.trust import desk, protocol_form
    from saylau.web.i18n import LOCALE_DIR

    root = Path(desk.__file__).parents[1] / "web"
    wanted: set[str] = set()
    pdfs = [root / "commission_pdf.py", root / "statement.py"]
    for path in [*(root / "templates" / "commission").glob("*.html"), *pdfs]:
        text = path.read_text(encoding="utf-8")
        wanted |= set(re.findall(r'_\("([^"]+)"\)', text)) | set(
            re.findall(r"_\('([^']+)'\)", text)
        )
    wanted |= {label for _, label in protocol_form.ACCOUNTING} | set(desk.STATES)
    wanted |= set(protocol_form.RELATION_TEXT.values()) | {
        w["text"] for w in protocol_form.WARNINGS
    }
    assert len(wanted) > 80
    for lang in ("ru", "kk"):
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
            have = {m.id: m.string for m in read_po(fh) if m.id}
        assert sorted(s for s in wanted if not have.get(s)) == [], lang


def test_pages_render_in_russian_and_kazakh(world: World) -> None:
    with _client(world) as c:
        sign_in(c, "op1")
        ru = c.get(f"/commission/{CONTEST}/station/001?lang=ru")
        assert "Избирателей в списке" in ru.text and "Сохранить протокол" in ru.text
        kk = c.get("/commission/work?lang=kk")
        assert "Менің жұмысым" in kk.text and "енгізілмеген" in kk.text
        # The language is kept per account: the next sign-in comes back in Kazakh.
        c.cookies.clear()
        again = sign_in(c, "op1")
        assert "Менің жұмысым" in again.text


def test_two_entries_saved_at_the_same_moment_count_once(world: World) -> None:
    """Two people press Save together: one is the first entry, the other the second,
    and the station counts once (on PostgreSQL this needed a lock in the workflow)."""
    from concurrent.futures import ThreadPoolExecutor

    from saylau.trust.desk import Desk

    desk = Desk(world.store)
    typed = {k: str(v) for k, v in GOOD.items()}

    def save(name: str, station: str) -> str:
        opened = desk.form(world.accounts[name], CONTEST, station).opened
        return desk.save(
            world.accounts[name],
            CONTEST,
            station,
            typed,
            opened=opened,
            accepted={},
            confirmed=False,
        ).status

    pairs = [("op1", "001"), ("op2", "001"), ("cec", "002"), ("coord", "002"),
             ("coord", "003"), ("cec", "003")]  # fmt: skip
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda p: save(*p), pairs))
    for (name, station), answer in zip(pairs, answers, strict=True):
        if answer == "refused":  # the other entry landed first: the form was stale
            save(name, station)
    for station in ("001", "002", "003"):
        assert world.store.station(CONTEST, station).version == 1, station


def _listed(html: str) -> list[str]:
    return re.findall(r'<tr data-station="([^"]+)">', html)


def test_my_work_lists_each_roles_stations_with_counts_and_filters(world: World) -> None:
    """An operator sees its station, the territorial commission its district, the CEC
    the whole contest; a state filter narrows the list, the counts stay whole."""
    with _client(world) as c:
        sign_in(c, "op1")
        post_entry(c, "001", GOOD)  # op1's first entry: 001 waits for the second
        mine = c.get(f"/commission/work?contest={CONTEST}").text
        assert _listed(mine) == ["001"]
        assert 'data-count="first-entry">1<' in mine and 'data-count="accepted">0<' in mine

        sign_in(c, "coord")
        district = c.get(f"/commission/work?contest={CONTEST}").text
        assert _listed(district) == ["001", "002", "003"]  # not 004 (Astana)
        assert 'data-count="first-entry">1<' in district
        assert 'data-count="not-entered">2<' in district

        sign_in(c, "cec")
        everything = c.get(f"/commission/work?contest={CONTEST}").text
        assert _listed(everything) == ["001", "002", "003", "004"]
        assert 'data-count="accepted">1<' in everything  # 004, counted before double entry
        counted = c.get(f"/commission/work?contest={CONTEST}&state=accepted").text
        assert _listed(counted) == ["004"]
        assert 'data-count="not-entered">2<' in counted  # the counts are of every state
        assert 'data-state="accepted" aria-current="true"' in counted
        none = c.get(f"/commission/work?contest={CONTEST}&state=entries-differ").text
        assert _listed(none) == [] and "No station in this state." in none
