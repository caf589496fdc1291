"""HTML pages come from the same cached path as the JSON (issue #16, Performance): once
rendered, the contest page and a station page are answered by the fast path before
FastAPI's routing, in the language the cookie or the browser asks for, with their
ETag and 304, and a write to the store shows on them.

"Before routing" is checked by putting :class:`FastPath` in front of an app that
fails the test when it is reached."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webdata import STATIONS, write_protocols

from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.web.app import create_app
from saylau.web.fastpath import FastPath

PAGES = ("/contests/majilis", "/contests/majilis/stations/001")
LANGS = ("en", "ru", "kk")


async def _router(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            kind = message["type"].rsplit(".", 1)[-1]  # startup, shutdown
            await send({"type": f"lifespan.{kind}.complete"})
            if kind == "shutdown":
                return
    raise AssertionError(f"the request reached the router: {scope['path']}")


def fast_only(app: FastAPI) -> TestClient:
    """A client of the app's fast path alone: anything it does not answer fails."""
    return TestClient(FastPath(_router, app.state.site, app.state.not_found))


@pytest.fixture
def app(store: Store, db_url: str) -> Iterator[FastAPI]:
    # A long version TTL: the version read by the first request is the one every
    # later request of the test sees, whatever the machine's load.
    made = create_app(db_url, counter_ttl=60)
    with TestClient(made):
        yield made


def test_pages_are_served_before_routing_in_every_language(app: FastAPI) -> None:
    full = TestClient(app)
    with fast_only(app) as fast:
        for path in PAGES:
            etags = set()
            for lang in LANGS:
                rendered = full.get(f"{path}?lang={lang}")  # the full path renders it
                assert rendered.status_code == 200
                assert f'<html lang="{lang}">' in rendered.text
                for headers in ({"accept-language": lang}, {"cookie": f"lang={lang}"}):
                    r = fast.get(path, headers=headers)
                    assert r.status_code == 200, (path, headers)
                    assert r.headers["content-type"] == "text/html; charset=utf-8"
                    assert r.text == rendered.text, (path, headers)
                    assert r.headers["etag"] == rendered.headers["etag"]
                    assert r.headers["vary"] == "Cookie, Accept-Language"
                    again = fast.get(path, headers={**headers, "if-none-match": r.headers["etag"]})
                    assert again.status_code == 304 and again.content == b""
                etags.add(rendered.headers["etag"])
            assert len(etags) == 3, path  # one rendering per language
            # The cookie wins over the browser, as on the full path.
            r = fast.get(path, headers={"cookie": "lang=kk", "accept-language": "ru"})
            assert '<html lang="kk">' in r.text
            # No language asked: English.
            assert '<html lang="en">' in fast.get(path).text


def test_the_full_app_answers_a_page_from_the_cache(app: FastAPI) -> None:
    client = TestClient(app)
    first = client.get("/contests/majilis/stations/001", headers={"accept-language": "ru"})
    assert first.status_code == 200
    assert "/contests/majilis/stations/001" in app.state.site.hot_pages
    second = client.get("/contests/majilis/stations/001", headers={"accept-language": "ru"})
    assert second.text == first.text and second.headers["etag"] == first.headers["etag"]
    # The site's security headers are on the fast path's answer too.
    assert "default-src 'self'" in second.headers["content-security-policy"]
    # A page asked for by another raw form of its path is rendered for that path (its
    # language switch links back to the path as received), not taken from the cache.
    other = client.get("/contests/majilis/stations/%30%30%31")
    assert other.status_code == 200 and 'href="/contests/majilis/stations/%30%30%31?lang=' in (
        other.text
    )


def test_a_worker_renders_the_page_a_request_does(app: FastAPI, db_url: str) -> None:
    """``saylau serve`` rebuilds hot pages in a worker process: its rendering is the
    request's, byte for byte, in every language."""
    from saylau.web.workers import build_html

    client = TestClient(app)
    for lang in LANGS:
        for path, name, args, template in (
            (PAGES[0], "contest_page", ("majilis",), "contest.html"),
            (PAGES[1], "station_page", ("majilis", "001"), "station.html"),
        ):
            made = build_html(db_url, name, args, template, lang, path)
            assert made == client.get(f"{path}?lang={lang}").content, (path, lang)


def _wait_for(fast: TestClient, path: str, needle: str, lang: str) -> list[bool]:
    seen: list[bool] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        page = fast.get(path, headers={"accept-language": lang})
        assert page.status_code == 200
        seen.append(needle in page.text)
        if seen[-3:] == [True] * 3:
            break
        time.sleep(0.05)
    return seen


def test_a_page_changes_after_a_write(store: Store, db_url: str, tmp_path: Path) -> None:
    """A protocol amended in the store shows on the cached station and contest pages
    (every language polled), and stays shown."""
    made = create_app(db_url, counter_ttl=0.05)
    station = "/contests/majilis/stations/001"
    with TestClient(made) as client, fast_only(made) as fast:
        for lang in ("en", "kk"):
            for path in (station, "/contests/majilis"):
                assert client.get(path, headers={"accept-language": lang}).status_code == 200
                assert fast.get(path, headers={"accept-language": lang}).status_code == 200
        before = fast.get(station, headers={"accept-language": "kk"}).text
        assert "777" not in before
        amended = [("001", "Almaty", "Medeu", "", 1000, 10, (777, 120, 30))]
        csv = write_protocols(tmp_path / "amend.csv", amended)
        store.ingest("majilis", read_protocols(csv), reason="recount")
        for lang in ("en", "kk"):
            seen = _wait_for(fast, station, "777", lang)
            assert True in seen, seen
            assert set(seen[seen.index(True) :]) == {True}, seen
        # The contest's valid votes: the old total plus the 277 added at station 001.
        total = sum(sum(row[6]) for row in STATIONS) + 277
        figure = f"{total:,}"
        contest = fast.get("/contests/majilis", headers={"accept-language": "en"}).text
        seen = _wait_for(fast, "/contests/majilis", figure, "en")
        assert True in seen, (figure, contest[:200])
