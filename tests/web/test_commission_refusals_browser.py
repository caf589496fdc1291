"""The workspace's refusals in a real headless Chromium against a real server, on
SQLite and PostgreSQL (issue #13, "Tests that must exist"): an operator opening
another station's form, a POST without the CSRF token, an expired session, a
revoked account, a wrong password five times — each refused, each audited,
nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from commission_world import CONTEST, GOOD, PASSWORD
from sqlalchemy import text
from test_commission_browser import _person, _type_protocol, browser, site

from saylau.store.engine import write_transaction
from saylau.trust import accounts, audit

pytestmark = pytest.mark.browser
__all__ = ["browser", "site"]  # fixtures shared with the other browser tests


def actions(world: Any, action: str) -> list[audit.Entry]:
    with world.store.engine.connect() as conn:
        return [e for e in audit.entries(conn) if e.action == action]


def nothing_written(world: Any) -> None:
    """No entry, no protocol version of stations 001-003 (004 is the world's own)."""
    with world.store.engine.connect() as conn:
        entries = conn.execute(text("SELECT COUNT(*) FROM trust_entries")).scalar_one()
    assert entries == 0
    for station in ("001", "002", "003"):
        assert world.store.station(CONTEST, station).version is None, station
    assert actions(world, "entry") == [] and actions(world, "warnings-accepted") == []


def refusal(page: Any) -> tuple[int, str]:
    alert = page.locator("p.form-error[role=alert]")
    return int(alert.get_attribute("data-status")), alert.inner_text()


def test_another_stations_form_and_a_forged_post_are_refused(
    browser: Any, site: tuple[str, Any]
) -> None:
    base, world = site
    op1 = _person(browser, base, "op1")
    answer = op1.goto(f"{base}/commission/{CONTEST}/station/002")
    assert answer.status == 403
    status, message = refusal(op1)
    assert status == 403 and "cannot enter station '002'" in message
    # A form posted to station 002 from op1's own, valid page (its CSRF token is right).
    op1.goto(f"{base}/commission/{CONTEST}/station/001")
    op1.evaluate(
        "url => { document.getElementById('entry-form').action = url; }",
        f"{base}/commission/{CONTEST}/station/002",
    )
    _type_protocol(op1, GOOD)
    with op1.expect_navigation():
        op1.keyboard.press("Enter")
    assert refusal(op1)[0] == 403
    refused = actions(world, "refused")
    assert [e.actor for e in refused] == ["op1", "op1"]
    assert all("cannot enter station '002'" in e.detail for e in refused)
    nothing_written(world)


def test_a_post_without_the_csrf_token_is_refused(browser: Any, site: tuple[str, Any]) -> None:
    base, world = site
    op1 = _person(browser, base, "op1")
    op1.goto(f"{base}/commission/{CONTEST}/station/001")
    op1.evaluate("document.querySelector('#entry-form input[name=csrf]').remove()")
    _type_protocol(op1, GOOD)
    with op1.expect_navigation():
        op1.keyboard.press("Enter")
    status, message = refusal(op1)
    assert status == 403 and "did not come from this site" in message
    [entry] = actions(world, "refused")
    assert entry.actor == "op1" and "without a valid CSRF token" in entry.detail
    nothing_written(world)


def test_an_expired_session_and_a_revoked_account_save_nothing(
    browser: Any, site: tuple[str, Any]
) -> None:
    base, world = site
    # op1's session idles past the limit while the form is open.
    op1 = _person(browser, base, "op1")
    op1.goto(f"{base}/commission/{CONTEST}/station/001")
    _type_protocol(op1, GOOD)
    with write_transaction(world.store.engine) as conn:
        conn.execute(
            text("UPDATE commission_sessions SET seen_at = :t WHERE account = 'op1'"),
            {"t": "2000-01-01T00:00:00.000000Z"},
        )
    with op1.expect_navigation():
        op1.keyboard.press("Enter")
    assert op1.url.startswith(f"{base}/commission/?ended=")
    assert op1.locator("#name").is_visible()  # the sign-in form again
    [ended] = actions(world, "sign-out")
    assert ended.actor == "op1" and "expired" in ended.detail

    # op3's account is revoked while its form is open.
    op3 = _person(browser, base, "op3")
    op3.goto(f"{base}/commission/{CONTEST}/station/002")
    _type_protocol(op3, GOOD)
    with write_transaction(world.store.engine) as conn:
        accounts.revoke_account(conn, "op3")
    with op3.expect_navigation():
        op3.keyboard.press("Enter")
    assert op3.url.startswith(f"{base}/commission/?ended=")
    assert "revoked" in actions(world, "sign-out")[-1].detail
    # Signing in again is refused too.
    op3.locator("#name").fill("op3")
    op3.locator("#password").fill(PASSWORD)
    with op3.expect_navigation():
        op3.locator("#password").press("Enter")
    assert "not active" in op3.locator("#signin-error").inner_text()
    assert "revoked" in actions(world, "sign-in-refused")[-1].detail
    nothing_written(world)


def test_five_wrong_passwords_then_the_right_one_is_refused(
    browser: Any, site: tuple[str, Any]
) -> None:
    base, world = site
    page = browser.new_context().new_page()
    page.goto(base + "/commission/")
    for password in ["not the password"] * 5 + [PASSWORD]:
        # A function: Playwright polls an expression with eval, which the CSP refuses.
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.id === 'name'"
        )
        page.keyboard.type("op1")
        page.keyboard.press("Tab")
        page.keyboard.type(password)
        with page.expect_navigation() as nav:
            page.keyboard.press("Enter")
        assert nav.value.status == 401
    assert "too many failed sign-ins" in page.locator("#signin-error").inner_text()
    refused = actions(world, "sign-in-refused")
    assert [e.actor for e in refused] == ["op1"] * 6
    assert ["too many" in e.detail for e in refused] == [False] * 5 + [True]
    assert actions(world, "sign-in") == []
    with world.store.engine.connect() as conn:
        sessions = conn.execute(text("SELECT COUNT(*) FROM commission_sessions")).scalar_one()
    assert sessions == 0
    nothing_written(world)
