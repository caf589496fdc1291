"""A 404 costs no more than a cached page (issue #19, the 404 flood): an address no
route knows, a missing contest, division or station, in every language, is answered
before routing, from a page rendered once per language and from in-memory sets of the
stored ids, with the very answer the full path gives."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from markupsafe import escape
from test_cached_pages import fast_only
from webdata import write_protocols

from saylau.store import Store, reads
from saylau.store.registry import Registration
from saylau.tabulate import read_protocols
from saylau.web import notfound
from saylau.web.app import create_app

MISSES = (
    "/no/such/page",
    "/no/such/page/",
    "/contests/nope",
    "/contests/nope/stations/001",
    "/contests/nope/divisions/region:Almaty",
    "/contests/majilis/stations/NO-SUCH",
    "/contests/majilis/stations/a/b",
    "/contests/majilis/stations/%3Cb%3Ex%3C%2Fb%3E%22%27",
    "/contests/majilis/stations/region:Almaty",  # a region is not a station
    "/contests/majilis/divisions/nowhere",
    "/contests/majilis/divisions/001",  # a station is not a division
    "/api/v1/no/such",
    "/api/v1/contests/nope",
    "/api/v1/contests/majilis/stations/NO-SUCH",
    "/api/v1/contests/majilis/divisions/nowhere",
)
#: Addresses the fast path must leave to the full path (they are not plain 404s).
OTHERS = (
    "/contests/majilis/",  # a redirect to the path without the slash
    "/api/v1/contests/majilis/protocols",  # a write route: GET is 405
    "/static/no-such.css",
    "/contests/majilis/stations/001",
    "/contests/majilis/stations/NO-SUCH?lang=fr",  # an unsupported language: 422
    "/contests/majilis/stations/NO-SUCH?level=x",
)
ASKING = (
    {},
    {"accept-language": "ru"},
    {"accept-language": "kk-KZ,kk;q=0.9"},
    {"cookie": "lang=kk", "accept-language": "ru"},
)


@pytest.fixture
def app(store: Store, db_url: str) -> Iterator[FastAPI]:
    made = create_app(db_url, counter_ttl=60)
    with TestClient(made):
        yield made


def _full_path(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, int], Any]:
    """What the full path (FastAPI's routing and error handlers) answers."""
    answers = {}
    with monkeypatch.context() as patch:

        async def leave(self: notfound.NotFound, scope: Any, send: Any) -> bool:
            return False

        def undecided(self: notfound.NotFound, scope: Any) -> None:
            return None

        patch.setattr(notfound.NotFound, "answer", leave)
        patch.setattr(notfound.NotFound, "decide", undecided)
        client = TestClient(app, follow_redirects=False)
        for path in MISSES + OTHERS:
            for i, headers in enumerate(ASKING):
                for query in ("", "?lang=ru", "?lang=en"):
                    url = path if "?" in path else path + query
                    r = client.get(url, headers=headers)
                    answers[(url, i)] = r
    return answers


def test_a_404_is_the_full_paths_answer_without_routing(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = _full_path(app, monkeypatch)
    client = TestClient(app, follow_redirects=False)
    with fast_only(app) as fast:
        for (url, asked), want in expected.items():
            headers = ASKING[asked]
            got = client.get(url, headers=headers)
            assert got.status_code == want.status_code, url
            # Every header, the security headers and CORS of the layers a 404 answered
            # from memory skips included.
            assert sorted(got.headers.multi_items()) == sorted(want.headers.multi_items()), url
            assert got.content == want.content, (url, asked)
            if url not in OTHERS and url.split("?")[0] in MISSES:
                assert want.status_code == 404, url
                # ... and the fast path alone gives it: no routing.
                alone = fast.get(url, headers=headers)
                assert (alone.status_code, alone.content) == (404, want.content), url
    # The languages really differ, and the page of a missing station names it.
    ru = expected[("/contests/majilis/stations/NO-SUCH?lang=ru", 0)]
    kk = expected[("/contests/majilis/stations/NO-SUCH", 2)]
    assert '<html lang="ru">' in ru.text and "<h1>Не найдено</h1>" in ru.text
    assert '<html lang="kk">' in kk.text and "<h1>Табылмады</h1>" in kk.text
    assert "&#39;NO-SUCH&#39;" in kk.text
    hostile = expected[("/contests/majilis/stations/%3Cb%3Ex%3C%2Fb%3E%22%27", 0)]
    assert "<b>x</b>" not in hostile.text and "&lt;b&gt;x&lt;/b&gt;" in hostile.text
    api = expected[("/api/v1/contests/majilis/stations/NO-SUCH", 0)]
    assert api.json() == {"ok": False, "error": "division 'NO-SUCH' not found in contest 'majilis'"}


def test_a_404_known_from_memory_is_answered_before_every_layer(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The outermost layer answers a miss the sets in memory know, with the body and
    headers the full path gives; what is served, published or unsure passes inward."""
    monkeypatch.setattr(notfound, "KNOWN_TTL", 3600.0)
    passed: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        passed.append(scope["path"])
        await app(scope, receive, send)

    full = TestClient(app, follow_redirects=False)
    front = TestClient(notfound.Front(inner, app.state.not_found), follow_redirects=False)
    full.get("/contests/majilis")  # now a cached page (the fast path's)
    for path in MISSES:
        full.get(path)  # the first miss reads the ids
    for path in MISSES:
        for headers in ASKING:
            want, got = full.get(path, headers=headers), front.get(path, headers=headers)
            assert (got.status_code, got.content) == (404, want.content), path
            assert sorted(got.headers.multi_items()) == sorted(want.headers.multi_items()), path
    assert passed == []
    leave = (
        "/contests/majilis",  # cached: the fast path serves it
        "/contests/majilis/stations/001",  # stored
        "/contests/majilis/stations/NO-SUCH?lang=ru",  # a query string
        "/ru/contests/nope/",  # the published layout
        "/api/v1/contests/majilis/stations/NO-SUCH.json",
    )
    for path in leave:
        want = full.get(path)
        got = front.get(path)
        assert (got.status_code, got.content) == (want.status_code, want.content), path
    assert [p for p in passed] == [p.split("?")[0] for p in leave]
    assert notfound._escape("<a href='x' \"y\">&") == str(escape("<a href='x' \"y\">&"))


def test_a_404_of_a_protocol_relative_path_stays_on_the_site(app: FastAPI) -> None:
    with fast_only(app) as fast:
        for path in ("//evil.example", "///evil.example/x", "/contests/majilis/stations//evil"):
            page = fast.get("http://testserver" + path)
            assert page.status_code == 404, path
            hrefs = re.findall(r'href="([^"]*)"', page.text)
            offsite = [h for h in hrefs if h.startswith("//") or "://" in h or h[:1] not in "/#"]
            assert hrefs and offsite == [], (path, offsite)


def test_a_flood_of_misses_renders_and_reads_nothing(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notfound, "KNOWN_TTL", 3600.0)
    site = app.state.site
    calls: dict[str, int] = {"render": 0, "read": 0}
    real_template = site.templates.get_template
    real_levels, real_ids = reads.division_levels, reads.contest_ids

    def template(name: str, *args: Any, **kwargs: Any) -> Any:
        calls["render"] += 1
        return real_template(name, *args, **kwargs)

    def levels(conn: Any, cid: str) -> dict[str, str]:
        calls["read"] += 1
        return real_levels(conn, cid)

    def ids(conn: Any) -> list[str]:
        calls["read"] += 1
        return real_ids(conn)

    monkeypatch.setattr(site.templates, "get_template", template)
    monkeypatch.setattr(reads, "division_levels", levels)
    monkeypatch.setattr(reads, "contest_ids", ids)
    with fast_only(app) as fast:
        for lang in ("en", "ru", "kk"):  # the first miss of each kind renders and reads
            for path in ("/no/such", "/contests/majilis/stations/X", "/contests/x"):
                assert fast.get(path, headers={"accept-language": lang}).status_code == 404
        warm = dict(calls)
        assert warm["read"] == 2  # the contests and the divisions of majilis, once
        for i in range(60):
            lang = ("en", "ru", "kk")[i % 3]
            for path in (f"/no/{i}", f"/contests/majilis/stations/X{i}", f"/contests/c{i}"):
                r = fast.get(path, headers={"accept-language": lang})
                assert r.status_code == 404 and f'<html lang="{lang}">' in r.text
    assert calls == warm


def _found(client: TestClient, path: str) -> bool:
    deadline = time.monotonic() + 20
    while client.get(path).status_code == 404 and time.monotonic() < deadline:
        time.sleep(0.05)
    return client.get(path).status_code == 200 and client.get("/api/v1" + path).status_code == 200


def test_a_station_stored_after_a_miss_is_found(store: Store, db_url: str, tmp_path: Path) -> None:
    """The sets of known ids follow the store: a station loaded (which moves the
    contest's version) or registered (which need not) after its 404 is found."""
    made = create_app(db_url, counter_ttl=0.05)
    loaded, registered = "/contests/majilis/stations/006", "/contests/majilis/stations/007"
    with TestClient(made) as client:
        for path in (loaded, registered):
            assert client.get(path).status_code == 404
            assert client.get("/api/v1" + path).status_code == 404
        row = [("006", "Astana", "Yesil", "", 700, 3, (300, 50, 20))]
        table = read_protocols(write_protocols(tmp_path / "new.csv", row))
        store.ingest("majilis", table, register=Registration(stations=True, parties=False))
        assert _found(client, loaded)
        station = {"station": "007", "region": "Astana", "district": "Yesil", "country": None}
        store.register("majilis", stations=[station], actor="cec")
        assert _found(client, registered)


@pytest.mark.parametrize(
    ("lang", "label"),
    [("en", ""), ("ru", "Точная причина, на английском: "), ("kk", "Нақты себебі, ағылшынша: ")],
)
def test_the_exact_reason_is_marked_english_on_other_pages(
    client: TestClient, lang: str, label: str
) -> None:
    for path in ("/contests/nope", "/contests/majilis/stations/nope"):
        page = client.get(f"{path}?lang={lang}").text
        reason = re.search(r'<p class="error-message">(.*?)</p>', page)
        assert reason is not None, path
        # The reader's language first; the library's sentence said to be English.
        assert reason.group(1).startswith(f'{label}<span lang="en">'), reason.group(1)
        assert "not found" in reason.group(1)
