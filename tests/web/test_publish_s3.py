"""``saylau publish --to s3://``: against moto's S3 server, started on loopback here."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from served import free_port
from test_publish import amend_station_001
from webdata import build_store

from saylau.cli import main

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "results"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, object]]:
    """An S3 endpoint on loopback (moto's server) with an empty bucket."""
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    try:
        yield endpoint, client
    finally:
        server.stop()


def _objects(client: object, prefix: str) -> dict[str, dict[str, str]]:
    """key → ETag (an MD5 of the body for a plain put) of every object under prefix."""
    out: dict[str, dict[str, str]] = {}
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)  # type: ignore[attr-defined]
    for page in pages:
        for obj in page.get("Contents", []):
            out[obj["Key"]] = {"etag": obj["ETag"].strip('"')}
    return out


def test_upload_sends_only_what_changed_and_deletes_only_its_own(
    s3: tuple[str, object], tmp_path: Path
) -> None:
    endpoint, client = s3
    db = str(tmp_path / "s.db")
    build_store(db, tmp_path).close()
    out = tmp_path / "site"
    # Someone else's object under the same prefix: never touched.
    client.put_object(Bucket=BUCKET, Key="2021/theirs.txt", Body=b"not ours")  # type: ignore[attr-defined]
    runner = CliRunner()
    args = ["publish", db, str(out), "--to", f"s3://{BUCKET}/2021", "--endpoint-url", endpoint]
    first = runner.invoke(main, args)
    assert first.exit_code == 0, first.output
    manifest = json.loads((out / "manifest.json").read_text())
    local = {**manifest["files"]}
    objects = _objects(client, "2021/")
    assert set(objects) == {f"2021/{n}" for n in local} | {"2021/manifest.json", "2021/theirs.txt"}
    for name in local:  # every object is the published file, byte for byte
        digest = hashlib.md5((out / name).read_bytes(), usedforsecurity=False).hexdigest()
        assert objects[f"2021/{name}"]["etag"] == digest, name
    assert f"uploaded {len(local) + 1} files" in first.output

    def head(name: str) -> dict[str, str]:
        meta = client.head_object(Bucket=BUCKET, Key=f"2021/{name}")  # type: ignore[attr-defined]
        return {"type": meta["ContentType"], "cache": meta.get("CacheControl", "")}

    css = next(n for n in local if n.startswith("static/site.") and n.endswith(".css"))
    assert head(css) == {
        "type": "text/css; charset=utf-8",
        "cache": "public, max-age=31536000, immutable",
    }
    assert head("version.json") == {"type": "application/json", "cache": "no-cache"}
    assert head("manifest.json")["cache"] == "no-cache"
    assert head("api/v1/contests/majilis.json") == {
        "type": "application/json",
        "cache": "public, max-age=10",
    }
    assert head("ru/contests/majilis/index.html")["type"] == "text/html; charset=utf-8"
    assert head("kk/contests/majilis/statement.pdf")["type"] == "application/pdf"
    assert head("api/v1/contests/majilis/export.region.csv")["type"] == "text/csv; charset=utf-8"

    # One amended station: only the files whose bytes changed are sent again.
    amend_station_001(db, tmp_path)
    second = runner.invoke(main, args)
    assert second.exit_code == 0, second.output
    changed = json.loads((out / "version.json").read_text())["changed"]
    assert "ru/contests/majilis/stations/001/index.html" in changed
    assert f"uploaded {len(changed) + 2} files to s3://{BUCKET}/2021 (0 deleted)" in second.output
    body = client.get_object(Bucket=BUCKET, Key="2021/api/v1/contests/majilis/stations/001.json")  # type: ignore[attr-defined]
    assert b'"votes":505' in body["Body"].read()

    # A file it published and that is gone from the snapshot is deleted; the other
    # party's object stays.
    remote = json.loads(client.get_object(Bucket=BUCKET, Key="2021/manifest.json")["Body"].read())  # type: ignore[attr-defined]
    remote["files"]["en/old-page/index.html"] = "0" * 64
    client.put_object(Bucket=BUCKET, Key="2021/manifest.json", Body=json.dumps(remote).encode())  # type: ignore[attr-defined]
    client.put_object(Bucket=BUCKET, Key="2021/en/old-page/index.html", Body=b"old")  # type: ignore[attr-defined]
    third = runner.invoke(main, args)
    assert third.exit_code == 0, third.output
    assert "(1 deleted)" in third.output
    keys = set(_objects(client, "2021/"))
    assert "2021/en/old-page/index.html" not in keys
    assert "2021/theirs.txt" in keys


def test_a_bad_target_is_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    build_store(db, tmp_path).close()
    result = CliRunner().invoke(main, ["publish", db, str(tmp_path / "o"), "--to", "ftp://x/y"])
    assert result.exit_code == 2
    assert "--to 'ftp://x/y': not an s3://bucket/prefix address" in result.output
    assert not (tmp_path / "o").exists()
