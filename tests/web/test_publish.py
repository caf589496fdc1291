"""``saylau publish``: the static site is the server's answers, linked relatively,
signed, switched atomically and rewritten only where the content changed."""

from __future__ import annotations

import datetime as real_dt
import errno
import hashlib
import json
import os
import posixpath
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from webdata import STATIONS, build_store, write_protocols

from saylau.cli import main
from saylau.errors import InputError
from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.trust import signing
from saylau.web.app import create_app
from saylau.web.publish import MANIFEST, STATE, VERSION, publish, verify_mirror
from saylau.web.publish_paths import url_of


@pytest.fixture
def small_db(tmp_path: Path) -> Iterator[str]:
    db = str(tmp_path / "small.db")
    build_store(db, tmp_path).close()
    yield db


def published_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, VERSION, STATE)
    }


def amend_station_001(db: str, tmp_path: Path) -> None:
    station, region, district, country, registered, invalid, _ = STATIONS[0]
    row = (station, region, district, country, registered, invalid, (505, 120, 30))
    store = Store.open(db)
    try:
        table = read_protocols(write_protocols(tmp_path / "amend.csv", [row]))
        store.ingest("majilis", table, reason="recount")
    finally:
        store.close()


def test_every_published_file_is_the_servers_answer_for_its_path(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    report = publish(db_url, out)
    assert report.broken == []
    files = published_files(out)
    for lang in ("en", "ru", "kk"):
        for station in ("001", "005", "A02"):
            assert f"{lang}/contests/majilis/stations/{station}/index.html" in files
        assert f"{lang}/contests/majilis/statement.pdf" in files
        assert f"{lang}/embed/contests/majilis/index.html" in files
        assert f"{lang}/contests/majilis/divisions/district:Almaty/Medeu/index.html" in files
    for name in ("api/v1/contests.json", "api/v1/contests/majilis.json", "openapi.json"):
        assert name in files
    assert "api/v1/contests/majilis/export.region.csv" in files
    assert "api/v1/contests/majilis/stations/A01.json" in files
    assert any(re.fullmatch(r"static/site\.[0-9a-f]{10}\.css", f) for f in files)
    with TestClient(create_app(db_url, counter_ttl=0)) as client:
        client.cookies.set("lang", "kk")  # the path's language wins over the cookie
        for name, data in files.items():
            answer = client.get(url_of(name), headers={"Accept-Language": "ru"})
            assert answer.status_code == 200, name
            assert answer.content == data, name
        # The JSON twin is the API's own document (votes of the 7 stations summed).
        native = client.get("/api/v1/contests/majilis").content
    assert files["api/v1/contests/majilis.json"] == native
    doc = json.loads(files["api/v1/contests/majilis.json"])
    votes = {p["name"]: (p["votes"], p["seats"]) for p in doc["parties"]}
    assert votes == {"Nur Otan": (2670, 82), "Ak Zhol": (510, 16), "Auyl": (143, 0)}
    assert b'lang="ru"' in files["ru/contests/majilis/index.html"]
    assert b'lang="kk"' in files["kk/contests/majilis/index.html"]


_LINK = re.compile(rb'(?:href|src)="([^"]*)"')


def test_links_are_relative_and_lead_to_published_files(small_db: str, tmp_path: Path) -> None:
    """Served from any sub-path, every link of a page reaches a file of the mirror."""
    out = tmp_path / "site"
    publish(small_db, out)
    files = published_files(out)
    base = "https://news.example/elections/2021/"
    checked = 0
    for name, data in files.items():
        if not name.endswith(".html"):
            continue
        page_url = urljoin(base, url_of(name).lstrip("/"))
        for raw in _LINK.findall(data):
            link = raw.decode().replace("&amp;", "&")
            if link.startswith("#"):
                continue
            # Only the what-if form with parameters needs the server.
            assert not link.startswith("/") or "?" in link, (name, link)
            if link.startswith("/"):
                continue
            target = urljoin(page_url, link).split("#")[0]
            assert target.startswith(base), (name, link)
            file = unquote(target.removeprefix(base))
            file = posixpath.join(file, "index.html") if file.endswith("/") or not file else file
            assert file in files, (name, link, file)
            checked += 1
    assert checked > 500


def assert_served_as_published(db: str, out: Path) -> None:
    """Every file of the mirror is what the server answers for its path now."""
    with TestClient(create_app(db, counter_ttl=0)) as client:
        for name, data in published_files(out).items():
            answer = client.get(url_of(name))
            assert answer.status_code == 200, name
            assert answer.content == data, name


#: What one amended protocol of station 001 (Almaty › Medeu) may change: its own
#: documents, its divisions', and the contest's and the site's documents.
_PLACE = re.compile(
    r"(?:(?:en|ru|kk)/|api/v1/)contests/majilis/(stations|divisions)/(.+?)(?:/index\.html|\.json)$"
)
AFFECTED = {
    ("stations", "001"),
    ("divisions", "district:Almaty/Medeu"),
    ("divisions", "region:Almaty"),
}


def test_republish_rewrites_only_what_changed(small_db: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = publish(small_db, out)
    assert first.full and len(first.written) == first.files - 2  # all but manifest, version
    again = publish(small_db, out)
    # Unchanged data gives identical bytes: the statement, its PDF and the NIST report
    # carry the time of the data, not of the rendering.
    assert again.written == [] and again.removed == []
    # Only the site's own pages (home, contest list, openapi) are rendered again.
    assert not again.full and 0 < again.rendered < again.files // 4
    assert json.loads((out / VERSION).read_text())["changed"] == []
    before = published_files(out)
    # The served folder is reused by the next publish's second snapshot: its inodes now.
    inodes = {name: os.stat(out / name).st_ino for name in before}
    amend_station_001(small_db, tmp_path)
    third = publish(small_db, out)
    assert not third.full
    after = published_files(out)
    assert set(after) == set(before) and third.removed == []
    differs = {name for name in after if after[name] != before[name]}
    assert set(third.written) == differs
    places = {m.groups() for n in differs if (m := _PLACE.match(n))}
    assert places == AFFECTED
    for lang in ("en", "ru", "kk"):
        for page in (
            "stations/001/",
            "divisions/district:Almaty/Medeu/",
            "divisions/region:Almaty/",
            "",
        ):
            assert f"{lang}/contests/majilis/{page}index.html" in differs
        assert f"{lang}/index.html" in differs  # the home page's counts
        assert f"{lang}/contests/majilis/statement.pdf" in differs
    assert "api/v1/contests/majilis/stations/001.json" in differs
    assert "api/v1/contests/majilis/nist.json" in differs
    # Everything else is the same file (hard-linked), not a rewritten copy.
    for name in set(after) - differs:
        assert os.stat(out / name).st_ino == inodes[name], name
    station_pages = [n for n in after if "/stations/" in n]
    assert sum(n in differs for n in station_pages) == 4  # 3 languages and the JSON
    # Not rendered at all: the 6 other stations (4 documents each) and 2 divisions.
    assert third.rendered <= first.rendered - 6 * 4 - 2 * 4
    doc = json.loads((out / "api/v1/contests/majilis/stations/001.json").read_text())
    assert doc["protocol"]["votes"][0] == {"name": "Nur Otan", "votes": 505, "color": ANY_COLOR}
    version = json.loads((out / VERSION).read_text())
    assert sorted(version["changed"]) == sorted(third.written)
    assert version["stations"] == {"majilis": ["001"]}
    assert version["contests"]["majilis"]["change_counter"] == 2
    assert real_dt.datetime.fromisoformat(version["published"]).tzinfo is not None
    # The incremental snapshot is exactly what the server answers, and what a full
    # render makes: nothing to rewrite.
    assert_served_as_published(small_db, out)
    full = publish(small_db, out, full=True)
    assert full.full and full.written == [] and full.removed == []


class _AnyColor:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and other.startswith("#")


ANY_COLOR = _AnyColor()


def test_signed_manifest_names_every_file_that_differs(small_db: str, tmp_path: Path) -> None:
    secret, public = tmp_path / "k.key", tmp_path / "k.pub"
    key = signing.generate_key()
    secret.write_bytes(signing.private_pem(key))
    public.write_bytes(signing.public_pem(key))
    out = tmp_path / "site"
    runner = CliRunner()
    result = runner.invoke(main, ["publish", small_db, str(out), "--key", str(secret)])
    assert result.exit_code == 0, result.output
    manifest = out / MANIFEST
    listed = json.loads(manifest.read_text())["files"]
    assert set(listed) == {*published_files(out), VERSION}
    ok = runner.invoke(main, ["verify", "--manifest", str(manifest), "--key", str(public)])
    assert ok.exit_code == 0, ok.output
    # A mirror that lost one file and had another altered.
    mirror = out.resolve()
    (mirror / "ru/contests/majilis/stations/002/index.html").unlink()
    (mirror / "api/v1/contests/majilis.json").write_text("{}")
    bad = runner.invoke(main, ["verify", "--manifest", str(manifest), "--key", str(public)])
    assert bad.exit_code == 1
    assert "ru/contests/majilis/stations/002/index.html: missing" in bad.output
    assert "api/v1/contests/majilis.json: differs" in bad.output
    assert "Traceback" not in bad.output
    # Another key, or an edited manifest: the signature does not hold.
    other = tmp_path / "other.pub"
    other.write_bytes(signing.public_pem(signing.generate_key()))
    assert any("signature" in p for p in verify_mirror(manifest, other))


def test_a_failed_or_killed_publish_leaves_the_previous_snapshot(
    small_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    publish(small_db, out)
    publish(small_db, out)  # two snapshots: the next one updates the retired one
    before = out.resolve()
    manifest = (out / MANIFEST).read_bytes()
    served = published_files(out)
    amend_station_001(small_db, tmp_path)
    # A full disk in the middle of the snapshot: the fourth file cannot be written.
    from saylau.web import publish as publishing

    real_create = publishing._create
    count = 0

    def full_disk(path: str, data: bytes | None, source: Path | None) -> None:
        nonlocal count
        count += 1
        if count > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_create(path, data, source)

    monkeypatch.setattr(publishing, "_create", full_disk)
    with pytest.raises(InputError, match="No space left on device"):
        publish(small_db, out)
    monkeypatch.setattr(publishing, "_create", real_create)
    # The served snapshot is untouched, file for file.
    assert out.resolve() == before and (out / MANIFEST).read_bytes() == manifest
    assert published_files(out) == served
    assert verify_mirror_ok(out)
    # The half-written folder is not served; it keeps its journal for the next run.
    (partial,) = before.parent.glob("*.partial")
    assert (partial / ".pending.json").is_file()
    report = publish(small_db, out)
    assert out.resolve() == report.snapshot != before
    assert not list(before.parent.glob("*.partial"))
    assert "en/contests/majilis/stations/001/index.html" in report.written
    assert_served_as_published(small_db, out)
    # A killed publish leaves a partial folder of unknown content: the next run
    # reuses it, rewrites what it holds and finishes.
    serving = out.resolve()
    killed = serving.parent / "000099.partial"
    (killed / "en" / "contests").mkdir(parents=True)
    (killed / "en" / "stray.html").write_text("half")
    (killed / "en" / "index.html").write_text("half")
    assert out.resolve() == serving
    report = publish(small_db, out, full=True)
    assert not killed.exists() and out.resolve() == report.snapshot
    assert not (out / "en" / "stray.html").exists()
    assert report.written == []
    assert_served_as_published(small_db, out)


def verify_mirror_ok(out: Path) -> bool:
    files = json.loads((out / MANIFEST).read_text())["files"]
    return all(
        hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
        for name, digest in files.items()
    )


def test_an_unwritable_out_leaves_the_served_snapshot(
    small_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    publish(small_db, out)
    served = out.resolve()
    amend_station_001(small_db, tmp_path)
    # Root ignores file modes: refuse the writes as a read-only folder would.
    real_link, real_replace = os.link, os.replace

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "link", refused)
    monkeypatch.setattr(os, "replace", refused)
    result = CliRunner().invoke(main, ["publish", small_db, str(out)])
    assert result.exit_code == 2, result.output
    assert "cannot write the snapshot (Permission denied)" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setattr(os, "link", real_link)
    monkeypatch.setattr(os, "replace", real_replace)
    assert out.resolve() == served and verify_mirror_ok(out)
    report = publish(small_db, out)
    assert out.resolve() == report.snapshot != served
    assert_served_as_published(small_db, out)
    if os.geteuid() != 0:  # a real read-only folder, where modes apply
        tmp_path.chmod(0o555)
        try:
            refused_run = CliRunner().invoke(main, ["publish", small_db, str(out)])
            assert refused_run.exit_code == 2 and "not writable" in refused_run.output
        finally:
            tmp_path.chmod(0o755)


def test_an_unusable_out_is_one_line(small_db: str, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    runner = CliRunner()
    result = runner.invoke(main, ["publish", small_db, str(taken)])
    assert result.exit_code == 2
    assert "is not a published snapshot link" in result.output
    assert "Traceback" not in result.output
    assert (taken / "keep.txt").read_text() == "mine"
    missing = runner.invoke(main, ["publish", small_db, str(tmp_path / "no" / "site")])
    assert missing.exit_code == 2 and "no such folder" in missing.output


def test_head_answers_the_headers_of_get_without_the_body(small_db: str) -> None:
    """A CDN or a poller asks HEAD of the translated pages (the published layout and
    ``?lang=``): the same status and headers as GET (the length of the relinked page
    included), no body."""
    urls = [
        "/ru/contests/majilis/",
        "/kk/contests/majilis/stations/001/",
        "/ru/contests/majilis/divisions/district:Almaty/Medeu/",
        "/contests/majilis?lang=ru",
        "/contests/majilis/stations/001?lang=kk",
        "/kk/contests/majilis/statement.pdf",
        "/api/v1/contests/majilis.json",
        "/index.html",
    ]
    with TestClient(create_app(small_db, counter_ttl=0)) as client:
        for url in urls:
            got = client.get(url)
            head = client.head(url)
            assert got.status_code == head.status_code == 200, url
            assert head.content == b"", url
            assert dict(head.headers) == dict(got.headers), url
            assert int(head.headers["content-length"]) == len(got.content), url
            if "etag" in got.headers:
                again = client.head(url, headers={"If-None-Match": got.headers["etag"]})
                assert again.status_code == 304 and again.content == b"", url
        assert client.get("/ru/contests/majilis/").text.count('lang="ru"') >= 1


def test_worker_processes_render_the_same_files(
    small_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full render splits the stations' and divisions' pages over worker
    processes (the demo's 11,262 stations); the files are the same as rendered here."""
    from saylau.web import publish_render

    alone = publish_render.render_full(small_db, processes=1)
    monkeypatch.setattr(publish_render, "POOL_MIN", 0)
    monkeypatch.setattr(publish_render, "CHUNK", 5)
    pooled = publish_render.render_full(small_db, processes=2)
    assert pooled.broken == alone.broken == []
    assert pooled.files == alone.files
    assert sum("/stations/" in name for name in pooled.files) == 7 * 4


def test_a_relinked_page_follows_a_change(small_db: str, tmp_path: Path) -> None:
    """The server keeps relinked pages by the app's ETag: a change shows at once."""
    url = "/ru/contests/majilis/stations/001/"
    with TestClient(create_app(small_db, counter_ttl=0)) as client:
        before = client.get(url)
        assert client.get(url).content == before.content  # the kept page
        amend_station_001(small_db, tmp_path)
        after = client.get(url)
        assert after.headers["etag"] != before.headers["etag"]
        assert after.content != before.content
        assert b"505" in after.content
