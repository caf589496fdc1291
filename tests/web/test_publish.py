"""``saylau publish``: the static site is the server's answers, linked relatively,
signed, switched atomically and rewritten only where the content changed."""

from __future__ import annotations

import datetime as real_dt
import errno
import json
import posixpath
import re
import types
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urljoin

import fpdf.fpdf
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from webdata import STATIONS, build_store, write_protocols

from saylau.cli import main
from saylau.errors import InputError
from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.trust import signing
from saylau.web import model
from saylau.web.app import create_app
from saylau.web.publish import MANIFEST, VERSION, publish, verify_mirror
from saylau.web.publish_paths import url_of

FROZEN = real_dt.datetime(2021, 1, 11, 6, 0, tzinfo=real_dt.UTC)


class _FrozenDatetime(real_dt.datetime):
    @classmethod
    def now(cls, tz: real_dt.tzinfo | None = None) -> _FrozenDatetime:  # type: ignore[override]
        return FROZEN  # type: ignore[return-value]


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The statement and the NIST report carry the time they were made: freeze it, so
    two renderings of unchanged data are the same bytes."""
    fake = types.SimpleNamespace(**vars(real_dt))
    fake.datetime = _FrozenDatetime
    monkeypatch.setattr(model, "dt", fake)
    monkeypatch.setattr(fpdf.fpdf, "datetime", _FrozenDatetime)  # the PDF's CreationDate


@pytest.fixture
def small_db(tmp_path: Path) -> Iterator[str]:
    db = str(tmp_path / "small.db")
    build_store(db, tmp_path).close()
    yield db


def published_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in (MANIFEST, VERSION)
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


@pytest.mark.usefixtures("frozen")
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


@pytest.mark.usefixtures("frozen")
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


@pytest.mark.usefixtures("frozen")
def test_republish_rewrites_only_what_changed(small_db: str, tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = publish(small_db, out)
    assert len(first.written) == first.files - 2  # all but manifest and version
    again = publish(small_db, out)
    assert again.written == [] and again.removed == []
    assert json.loads((out / VERSION).read_text())["changed"] == []
    amend_station_001(small_db, tmp_path)
    third = publish(small_db, out)
    changed = set(third.written)
    for lang in ("en", "ru", "kk"):
        assert f"{lang}/contests/majilis/stations/001/index.html" in changed
        assert f"{lang}/contests/majilis/divisions/district:Almaty/Medeu/index.html" in changed
        assert f"{lang}/contests/majilis/index.html" in changed
        # Other stations' pages keep their bytes (the version is per contest, but the
        # published files compare content).
        assert f"{lang}/contests/majilis/stations/004/index.html" not in changed
    assert "api/v1/contests/majilis/stations/001.json" in changed
    # Every JSON document carries the contest's change counter and last update, so the
    # other stations' JSON is rewritten too (their pages are not).
    assert len(changed) < len(published_files(out)) - 2 * 3
    doc = json.loads((out / "api/v1/contests/majilis/stations/001.json").read_text())
    assert json.dumps(doc).count("505") >= 1
    version = json.loads((out / VERSION).read_text())
    assert sorted(version["changed"]) == sorted(third.written)
    assert real_dt.datetime.fromisoformat(version["published"]).tzinfo is not None


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


@pytest.mark.usefixtures("frozen")
def test_a_failed_or_killed_publish_leaves_the_previous_snapshot(
    small_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    publish(small_db, out)
    before = out.resolve()
    manifest = (out / MANIFEST).read_bytes()
    amend_station_001(small_db, tmp_path)
    # A full disk in the middle of the snapshot.
    real_write = Path.write_bytes
    count = 0

    def full_disk(self: Path, data: bytes) -> int:  # type: ignore[override]
        nonlocal count
        count += 1
        if count > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(InputError, match="No space left on device"):
        publish(small_db, out)
    monkeypatch.setattr(Path, "write_bytes", real_write)
    assert out.resolve() == before and (out / MANIFEST).read_bytes() == manifest
    assert not list(before.parent.glob("*.partial"))
    # A killed publish leaves its partial folder: ignored, then cleared by the next run.
    killed = before.parent / "000099.partial"
    (killed / "en").mkdir(parents=True)
    assert out.resolve() == before
    report = publish(small_db, out)
    assert out.resolve() == report.snapshot != before
    assert not killed.exists()
    assert "en/contests/majilis/stations/001/index.html" in report.written


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
