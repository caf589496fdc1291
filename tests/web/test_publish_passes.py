"""An amended station is published in two passes: the results first (the slow
contest-wide documents carried over and named as pending), then those documents."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_publish import amend_station_001, assert_served_as_published, published_files
from webdata import build_store

from saylau.cli import main
from saylau.trust import signing
from saylau.web.publish import MANIFEST, VERSION, Report, publish, verify_mirror

#: What the amendment of station 001 leaves lagging after the first pass.
SLOW = {
    *(f"{lang}/contests/majilis/statement.pdf" for lang in ("en", "ru", "kk")),
    *(f"{lang}/contests/majilis/forensics/index.html" for lang in ("en", "ru", "kk")),
    *(f"{lang}/docs/index.html" for lang in ("en", "ru", "kk")),
    "api/v1/contests/majilis/nist.json",
    "api/v1/contests/majilis/forensics.json",
    "api/v1/contests/majilis/export.csv",
    "api/v1/contests/majilis/export.station.csv",
}


@pytest.fixture
def site(tmp_path: Path) -> tuple[str, Path, Path]:
    """A store, its site published twice (the second publish renders nothing new),
    and the public key of the manifests."""
    db = str(tmp_path / "small.db")
    build_store(db, tmp_path).close()
    secret, public = tmp_path / "k.key", tmp_path / "k.pub"
    key = signing.generate_key()
    secret.write_bytes(signing.private_pem(key))
    public.write_bytes(signing.public_pem(key))
    out = tmp_path / "site"
    publish(db, out, key_path=secret)
    publish(db, out, key_path=secret)
    return db, out, secret


def test_the_results_are_switched_in_before_the_slow_documents(
    site: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, out, secret = site
    public = secret.with_suffix(".pub")
    before = published_files(out)
    counter = json.loads((out / VERSION).read_text())["contests"]["majilis"]["change_counter"]
    amend_station_001(db, tmp_path)
    seen: list[dict[str, object]] = []

    def first_pass(report: Report) -> None:
        if seen:
            return
        now = published_files(out)
        version = json.loads((out / VERSION).read_text())
        seen.append(version)
        # The amendment is out: the station's page and JSON, the contest's documents.
        station = json.loads(now["api/v1/contests/majilis/stations/001.json"])
        assert station["protocol"]["votes"][0]["votes"] == 505
        contest = json.loads(now["api/v1/contests/majilis.json"])
        assert {p["name"]: p["votes"] for p in contest["parties"]}["Nur Otan"] == 2670 - 500 + 505
        for page in ("stations/001/", ""):
            name = f"ru/contests/majilis/{page}index.html"
            assert now[name] != before[name], name
        # The slow documents are the previous snapshot's, and say so.
        assert set(version["pending"]) >= SLOW
        assert all(now[name] == before[name] for name in version["pending"])
        assert version["pending_data"] == {"majilis": counter}
        assert version["contests"]["majilis"]["change_counter"] == counter + 1
        assert report.pending == version["pending"] and not set(report.written) & SLOW
        # The manifest is the truth about the files as they are, signed.
        assert verify_mirror(out / MANIFEST, public) == []

    report = publish(db, out, key_path=secret, on_switch=first_pass)
    assert seen and report.first is not None and report.first.pending
    version = json.loads((out / VERSION).read_text())
    assert version["pending"] == [] and "pending_data" not in version
    # The final version.json names everything the publish changed, both passes.
    assert (
        set(version["changed"])
        == set(report.written)
        >= SLOW - {f"{lang}/docs/index.html" for lang in ("en", "ru", "kk")}
    )
    assert "en/contests/majilis/stations/001/index.html" in version["changed"]
    assert verify_mirror(out / MANIFEST, public) == []
    assert_served_as_published(db, out)


def test_a_publish_killed_between_its_passes_is_finished_by_the_next(
    site: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, out, secret = site
    amend_station_001(db, tmp_path)

    def killed(report: Report) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish(db, out, key_path=secret, on_switch=killed)
    lagging = json.loads((out / VERSION).read_text())["pending"]
    assert set(lagging) >= SLOW
    # Nothing new in the store: the next run still renders what was left lagging.
    report = publish(db, out, key_path=secret)
    assert report.first is None and report.pending == []
    assert json.loads((out / VERSION).read_text())["pending"] == []
    assert {"api/v1/contests/majilis/nist.json", "ru/contests/majilis/statement.pdf"} <= set(
        report.written
    )
    assert_served_as_published(db, out)
    assert verify_mirror(out / MANIFEST, secret.with_suffix(".pub")) == []


def test_the_command_says_when_the_results_are_out(
    site: tuple[str, Path, Path], tmp_path: Path
) -> None:
    db, out, secret = site
    amend_station_001(db, tmp_path)
    result = CliRunner().invoke(main, ["publish", db, str(out), "--key", str(secret)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(
        rf"results published to {re.escape(str(out))} \(\d+ rewritten\) in [\d.]+ s; "
        r"\d+ documents to follow",
        lines[0],
    ), lines
    assert lines[1].startswith("published ") and "rewritten" in lines[1], lines
    assert json.loads((out / VERSION).read_text())["pending"] == []
