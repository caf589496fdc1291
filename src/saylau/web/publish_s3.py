"""``saylau publish --to s3://bucket/prefix``: the published snapshot, uploaded.

Only what differs from the bucket's copy is uploaded: the bucket's own
``manifest.json`` (written by the previous upload) says what it holds, file by
SHA-256.  Each object gets its Content-Type and a Cache-Control by kind: immutable
for the content-hashed assets, a few seconds for the results (pages, JSON, CSV,
PDF), ``no-cache`` for ``version.json`` and ``manifest.json``, which are uploaded
last, so a poller that sees the new version finds every file it names.  A file the
previous upload published and the new snapshot no longer has is deleted afterwards;
nothing else under the prefix is ever touched.  Needs ``boto3`` (``saylau[s3]``);
credentials, region and endpoint come from boto3's usual settings
(``AWS_ENDPOINT_URL`` for an S3-compatible store) or ``endpoint_url``.
"""

from __future__ import annotations

import json
import mimetypes
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from saylau.errors import InputError

MANIFEST, VERSION = "manifest.json", "version.json"
#: Cache-Control by kind (see the module).
IMMUTABLE = "public, max-age=31536000, immutable"
RESULTS = "public, max-age=10"
NO_CACHE = "no-cache"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass
class Upload:
    """What one upload did: the objects put and deleted (names under the prefix)."""

    bucket: str
    prefix: str
    uploaded: list[str]
    deleted: list[str]


def parse_target(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, prefix with a trailing ``/`` or empty)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise InputError(f"--to '{url}': not an s3://bucket/prefix address")
    prefix = parts.path.strip("/")
    return parts.netloc, prefix + "/" if prefix else ""


def content_type(name: str) -> str:
    """The Content-Type of a published file, by its extension."""
    suffix = Path(name).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(name: str) -> str:
    """The Cache-Control of a published file (see the module)."""
    if name in (MANIFEST, VERSION):
        return NO_CACHE
    if name.startswith("static/"):
        return IMMUTABLE  # content-hashed names: a new asset is a new name
    return RESULTS


def _client(endpoint_url: str | None) -> Any:
    try:
        import boto3
    except ImportError:
        raise InputError("--to s3://: boto3 is not installed (pip install 'saylau[s3]')") from None
    return boto3.client("s3", endpoint_url=endpoint_url)


def _remote_files(client: Any, bucket: str, prefix: str) -> dict[str, str]:
    """name → SHA-256 of what the previous upload published (empty: none)."""
    from botocore.exceptions import ClientError

    try:
        body = client.get_object(Bucket=bucket, Key=prefix + MANIFEST)["Body"].read()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            return {}
        raise
    try:
        files = json.loads(body).get("files")
    except (ValueError, AttributeError):
        return {}
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def upload(
    snapshot: Path, url: str, *, endpoint_url: str | None = None, threads: int = 16
) -> Upload:
    """Upload the published ``snapshot`` folder to ``url`` (see the module)."""
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, prefix = parse_target(url)
    try:
        local = json.loads((snapshot / MANIFEST).read_bytes())["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"{snapshot}: no readable {MANIFEST} ({exc})") from None
    client = _client(endpoint_url)
    try:
        remote = _remote_files(client, bucket, prefix)
        changed = sorted(n for n, d in local.items() if remote.get(n) != d and n != VERSION)

        def put(name: str) -> None:
            client.put_object(
                Bucket=bucket,
                Key=prefix + name,
                Body=(snapshot / name).read_bytes(),
                ContentType=content_type(name),
                CacheControl=cache_control(name),
            )

        with ThreadPoolExecutor(max(1, threads)) as pool:
            list(pool.map(put, changed))
        # Last: what a poller reads first.
        put(VERSION)
        put(MANIFEST)
        gone = sorted(set(remote) - set(local) - {MANIFEST, VERSION})
        for start in range(0, len(gone), 1000):
            batch = gone[start : start + 1000]
            client.delete_objects(
                Bucket=bucket,
                Delete={"Objects": [{"Key": prefix + n} for n in batch], "Quiet": True},
            )
    except (BotoCoreError, ClientError) as exc:
        raise InputError(f"--to {url}: {exc}") from None
    return Upload(bucket, prefix, [*changed, VERSION, MANIFEST], gone)
