"""Live pages in a real headless Chromium: a protocol written to the store shows on
the open contest page without a reload (the server's event stream), and on a page of
a static mirror (``saylau publish``, served by ``http.server``) that polls
``version.json``.

"Without a reload" is checked by a JavaScript value set on the open page surviving
the update (a navigation would lose it) and by the one navigation entry.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from served import chromium, serving
from test_publish import amend_station_001
from webdata import build_store

from saylau.web.publish import publish
from saylau.web.routes import live

pytestmark = pytest.mark.browser

VOTES = 'tr[data-party="1"] td[data-field="votes"]'
STATUS = '[data-live="status"] time'
UPDATED = "() => document.documentElement.getAttribute('data-live-updates') !== null"


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def _mark(page: Any) -> dict[str, Any]:
    """Set a value only this page load holds, and read what the test watches."""
    page.evaluate("window.__loaded_once = 42")
    return {
        "votes": _number(page.inner_text(VOTES)),
        "time": page.get_attribute(STATUS, "datetime"),
        "text": page.inner_text(STATUS),
    }


def _assert_updated_in_place(page: Any, before: dict[str, Any]) -> None:
    page.wait_for_function(UPDATED, timeout=60_000)
    # Station 001's recount gave Nur Otan (row 1) five more votes.
    page.wait_for_function(
        f"() => document.querySelector('{VOTES}').textContent.replace(/\\D/g, '') === "
        f"'{before['votes'] + 5}'",
        timeout=30_000,
    )
    assert page.evaluate("window.__loaded_once") == 42  # the same document: no reload
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert page.get_attribute(STATUS, "datetime") != before["time"]
    # The status line alone is announced (politely) to screen readers.
    assert page.locator("[aria-live]").count() == 1
    assert page.get_attribute('[data-live="status"]', "aria-live") == "polite"


def test_the_open_contest_page_follows_the_store(browser: Any, tmp_path: Path) -> None:
    db = str(tmp_path / "saylau.db")
    build_store(db, tmp_path).close()
    period, live.PERIOD = live.PERIOD, 0.2
    try:
        with serving(db) as url:
            page = browser.new_page()
            streams: list[str] = []
            page.on("request", lambda r: streams.append(r.url) if "/events" in r.url else None)
            page.goto(f"{url}/contests/majilis?lang=ru")
            before = _mark(page)
            embed = browser.new_page()  # a news site's iframe, in Kazakh
            embed.goto(f"{url}/embed/contests/majilis?lang=kk")
            embed.evaluate("window.__loaded_once = 7")
            stamp = embed.get_attribute('[data-live="status"] time', "datetime")
            for _ in range(100):  # the page opens its event stream
                if streams:
                    break
                page.wait_for_timeout(100)
            page.wait_for_timeout(500)  # ... and the server has answered its first event
            amend_station_001(db, tmp_path)
            _assert_updated_in_place(page, before)
            assert streams and streams[0].endswith("/api/v1/events?contest=majilis")
            embed.wait_for_function(UPDATED, timeout=60_000)
            assert embed.evaluate("window.__loaded_once") == 7
            assert embed.get_attribute("html", "data-live-changed") == "results status"
            assert embed.inner_text('[data-live="status"]').startswith("Соңғы жаңарту")
            assert embed.get_attribute('[data-live="status"] time', "datetime") != stamp
            # Only what changed was swapped: five more votes move no seat.
            swapped = page.get_attribute("html", "data-live-changed") or ""
            assert swapped.split() == ["areas", "results", "status", "steps", "totals"]
            # The areas were swapped too, and tables.js made their table sortable again.
            assert page.locator('[data-live="areas"] table.sortable th button.sort').count() >= 4
            # The swapped markup is the page's own, in the page's language.
            assert page.inner_text('[data-live="status"]').startswith("Последнее обновление:")
    finally:
        live.PERIOD = period


def _publish(db: str, out: Path) -> None:
    """``publish`` in a thread of its own (Playwright's loop runs in this one)."""
    worker = threading.Thread(target=publish, args=(db, out))
    worker.start()
    worker.join(300)


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def test_a_static_mirror_page_polls_version_json(browser: Any, tmp_path: Path) -> None:
    db = str(tmp_path / "saylau.db")
    build_store(db, tmp_path).close()
    out = tmp_path / "site"
    _publish(db, out)
    # Serve the published link itself: each request follows it to the current snapshot.
    handler = functools.partial(_Quiet, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.add_init_script("window.saylauLivePoll = 300")
        polled: list[str] = []
        page.on("request", lambda r: polled.append(r.url) if "version.json" in r.url else None)
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/en/contests/majilis/")
        before = _mark(page)
        for _ in range(100):  # the stream is refused (404): the script polls instead
            if polled:
                break
            page.wait_for_timeout(100)
        assert polled and polled[0].endswith("/version.json")
        amend_station_001(db, tmp_path)
        _publish(db, out)
        _assert_updated_in_place(page, before)
    finally:
        server.shutdown()
        server.server_close()
