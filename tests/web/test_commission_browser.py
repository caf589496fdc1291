"""The commission workspace in a real headless Chromium (Debian's, driven by
Playwright) against a real server, on SQLite and PostgreSQL: typing protocols with
the keyboard, the control relations shown while typing, double entry and the
coordinator's side-by-side comparison.  Screenshots at 1366 and 390 px go to
``artifacts/screenshots/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from commission_world import CONTEST, GOOD, PASSWORD, build
from served import chromium, screenshot, serving

from saylau.trust import audit, integrity, workflow

pytestmark = pytest.mark.browser


@pytest.fixture
def site(db_url: str, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    world = build(db_url, tmp_path)
    with serving(db_url) as url:
        yield url, world
    world.store.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _person(browser: Any, base: str, name: str, width: int = 1366) -> Any:
    """A fresh browser context (its own cookies) signed in as ``name``."""
    page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    page.goto(base + "/commission/")
    if name == "op1" and width == 390:
        screenshot(page, "commission-signin-390")
    # The name field has the focus once the page is ready (autofocus).
    # A function, not an expression: Playwright polls an expression with eval, which the
    # page's CSP (script-src 'self') refuses whenever the first check is not yet true.
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'name'")
    page.keyboard.type(name)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/commission/work", timeout=120_000)
    return page


def _type_protocol(page: Any, values: dict[str, int], *, saveable: bool = True) -> None:
    """Keyboard only: each line typed, Enter moves on; the last Enter reaches Save
    (or stays on the last line while an error keeps Save disabled)."""
    page.locator("#f-registered").focus()
    for field, value in values.items():
        assert page.evaluate("document.activeElement.dataset.field") == field
        page.keyboard.type(str(value))
        page.keyboard.press("Enter")
    expected = "save" if saveable else "f-" + list(values)[-1]
    assert page.evaluate("document.activeElement.id") == expected


def test_two_operators_agree_then_differ_and_the_coordinator_keeps_the_first(
    browser: Any, site: tuple[str, Any]
) -> None:
    base, world = site
    op1 = _person(browser, base, "op1")
    op1.goto(f"{base}/commission/{CONTEST}/station/001")
    _type_protocol(op1, GOOD)
    op1.keyboard.press("Enter")
    assert (
        op1.locator("[data-field=outcome]").get_attribute("data-status") == "pending-second-entry"
    )

    op2 = _person(browser, base, "op2")
    op2.goto(f"{base}/commission/{CONTEST}/station/001")
    _type_protocol(op2, GOOD)
    op2.keyboard.press("Enter")
    assert op2.locator("[data-field=outcome]").get_attribute("data-status") == "accepted"
    public = op2.context.new_page()
    public.goto(f"{base}/contests/{CONTEST}/stations/001")
    assert public.locator("td[data-field=registered]").inner_text() == "1,000"

    # Station 002: op3 and the coordinator read one line differently.
    op3 = _person(browser, base, "op3")
    op3.goto(f"{base}/commission/{CONTEST}/station/002")
    _type_protocol(op3, GOOD)
    op3.keyboard.press("Enter")
    coord = _person(browser, base, "coord")
    coord.goto(f"{base}/commission/{CONTEST}/station/002")
    other = {**GOOD, "cancelled": 339, "ballots_received": 999}
    _type_protocol(coord, other)
    coord.keyboard.press("Enter")
    assert coord.locator("[data-field=outcome]").get_attribute("data-status") == "entries-differ"
    coord.goto(f"{base}/commission/work?state=entries-differ")
    assert coord.locator("[data-count=entries-differ]").inner_text() == "1"
    screenshot(coord, "commission-work-1366")
    coord.set_viewport_size({"width": 390, "height": 844})
    screenshot(coord, "commission-work-390")
    coord.set_viewport_size({"width": 1366, "height": 900})
    coord.get_by_role("link", name="Compare entries").click()
    rows = coord.locator("table.compare tbody tr")
    assert rows.count() == 2
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.field)")) == [
        "ballots_received",
        "cancelled",
    ]
    screenshot(coord, "commission-compare-1366")
    coord.set_viewport_size({"width": 390, "height": 844})
    screenshot(coord, "commission-compare-390")
    coord.set_viewport_size({"width": 1366, "height": 900})
    coord.get_by_label("Reason").fill("entry 1 matches the paper")
    coord.get_by_role("button", name="Keep the chosen entry").click()
    coord.wait_for_url("**/commission/work**")
    assert world.store.station(CONTEST, "002").protocol["cancelled"] == 340
    public.goto(f"{base}/contests/{CONTEST}/stations/002")
    assert public.locator("td[data-field=cancelled]").inner_text() == "340"


def test_a_broken_relation_shows_at_its_lines_while_typing(
    browser: Any, site: tuple[str, Any]
) -> None:
    base, world = site
    for width in (1366, 390):
        page = _person(browser, base, "op1", width)
        page.goto(f"{base}/commission/{CONTEST}/station/001")
        _type_protocol(page, {**GOOD, "valid": 651}, saveable=False)
        valid = page.locator("#f-valid")
        msgs = page.locator("#" + str(valid.get_attribute("aria-describedby")))
        assert "E13" in msgs.inner_text() and "E14" in msgs.inner_text()
        assert valid.get_attribute("aria-invalid") == "true"
        amanat_msgs = page.locator(
            "#" + str(page.locator("#f-party\\:Amanat").get_attribute("aria-describedby"))
        )
        assert "E14" in amanat_msgs.inner_text() and "E13" not in amanat_msgs.inner_text()
        assert page.locator("#f-registered").get_attribute("aria-invalid") is None
        assert page.locator("#save").is_disabled()
        screenshot(page, f"commission-entry-errors-{width}")
        # Correcting the line clears the messages and enables saving; a warning asks
        # for the paper's word.
        valid.fill("650")
        page.locator("#f-invalid").fill("30")
        page.locator("#f-valid").fill("630")
        page.locator("#f-party\\:Amanat").fill("480")
        page.locator("#f-party\\:Amanat").blur()
        assert not page.locator("#save").is_disabled()
        assert page.locator("#warnings").is_visible()
        assert page.locator(".explain[data-code=W21]").is_visible()
        screenshot(page, f"commission-entry-warning-{width}")
        page.context.close()
    assert world.store.station(CONTEST, "001").version is None  # nothing was saved


def _seed_counted(world: Any, pairs: dict[str, tuple[str, str]]) -> None:
    """Each station entered twice, agreeing, by the two named accounts (the workflow the
    form calls; the form itself is driven by the tests above)."""
    for station, people in pairs.items():
        for name in people:
            workflow.submit(
                world.store, world.accounts[name], CONTEST, {"station": station, **GOOD}
            )
        assert world.store.station(CONTEST, station).status == "accepted"


def _fill_protocol(page: Any, values: dict[str, int], reason: str) -> None:
    for field, value in values.items():
        page.locator(f'[id="f-{field}"]').fill(str(value))
    page.locator("#reason").fill(reason)


def test_approval_certification_then_a_corrigendum_in_the_browser(
    browser: Any, site: tuple[str, Any]
) -> None:
    base, world = site
    _seed_counted(world, {"001": ("op1", "op2"), "002": ("op3", "coord"), "003": ("coord", "cec")})

    # The territorial commission approves its district from "my work".
    coord = _person(browser, base, "coord")
    assert coord.locator("[data-count=accepted]").inner_text() == "3"
    assert coord.locator("#division").input_value() == "district:Almaty/Medeu"
    with coord.expect_navigation():
        coord.get_by_role("button", name="Approve").click()
    assert coord.locator("[data-count=approved]").inner_text() == "3"

    # The CEC certifies the contest with its decision's number and date.
    cec = _person(browser, base, "cec")
    cec.get_by_label("CEC decision number").fill("12/345")
    cec.get_by_label("Decision date").fill("2021-01-15")
    with cec.expect_navigation():
        cec.get_by_role("button", name="Certify").click()
    assert "12/345" in cec.locator("[data-field=certified]").inner_text()
    assert cec.locator("[data-count=certified]").inner_text() == "4"

    # After a recount, station 003's protocol changes: refused until the CEC records
    # a decision, then entered twice with the reason, and counted.
    amended = {**GOOD, "party:Auyl": 29, "against_all": 1}
    cec.goto(f"{base}/commission/{CONTEST}/station/003")
    _fill_protocol(cec, amended, "recount of 20 January")
    with cec.expect_navigation():
        cec.locator("#save").click()
    # The refusal stays at the top of the form once the script has re-checked the
    # lines (it rebuilds their summary), and the typed numbers are kept.
    assert "needs a recorded CEC decision" in cec.locator("body").inner_text()
    assert "needs a recorded CEC decision" in cec.locator("#notices [data-code=E05]").inner_text()
    assert cec.locator('[id="f-against_all"]').input_value() == "1"
    assert world.store.station(CONTEST, "003").protocol["against_all"] == 0
    cec.goto(f"{base}/commission/{CONTEST}/station/003")
    cec.get_by_label("Decision number and grounds").fill("Decision 12/350: recount")
    with cec.expect_navigation():
        cec.get_by_role("button", name="Record decision").click()
    _fill_protocol(cec, amended, "recount of 20 January")
    with cec.expect_navigation():
        cec.locator("#save").click()
    status = cec.locator("[data-field=outcome]").get_attribute("data-status")
    assert status == "pending-second-entry"
    coord.goto(f"{base}/commission/{CONTEST}/station/003")
    _fill_protocol(coord, amended, "recount of 20 January")
    with coord.expect_navigation():
        coord.locator("#save").click()
    assert coord.locator("[data-field=outcome]").get_attribute("data-status") == "accepted"
    assert world.store.station(CONTEST, "003").protocol["against_all"] == 1

    # The public station page shows the corrigendum; the audit chain is intact.
    public = coord.context.new_page()
    public.goto(f"{base}/contests/{CONTEST}/stations/003")
    assert "recount of 20 January — Decision 12/350: recount" in public.content()
    screenshot(public, "commission-corrigendum-public-1366")
    report = integrity.verify(world.store.engine)
    assert report.findings == [], report.findings
    with world.store.engine.connect() as conn:
        actions = [e.action for e in audit.entries(conn, contest=CONTEST)]
    assert {"approval", "certification", "decision"} <= set(actions)


def test_a_stale_form_says_so_in_the_browser_with_the_numbers_kept(
    browser: Any, site: tuple[str, Any]
) -> None:
    base, world = site
    op1 = _person(browser, base, "op1")
    op1.goto(f"{base}/commission/{CONTEST}/station/001")  # opened before op2's entry
    workflow.submit(world.store, world.accounts["op2"], CONTEST, {"station": "001", **GOOD})
    _type_protocol(op1, GOOD)
    with op1.expect_navigation():
        op1.keyboard.press("Enter")
    assert "E04" in op1.locator("body").inner_text()  # on the page once the script ran
    assert op1.locator("#notices [data-code=E04]").is_visible()
    assert op1.locator("#f-issued_at_station").input_value() == "640"
    screenshot(op1, "commission-entry-stale-1366")
