"""``saylau publish``: the whole public site as static files, switched in atomically.

:func:`render_site` asks the app itself, in process, for every published path
(:mod:`saylau.web.publish_paths`), starting from each language's home page and
following the links, plus each page's JSON twin, ``openapi.json`` and the assets;
so a file is exactly what ``saylau serve`` answers for its path.  :func:`publish`
writes a new snapshot folder (a file whose bytes did not change is hard-linked from
the previous snapshot, not rewritten), its ``manifest.json`` (every file's SHA-256,
signed with Ed25519) and ``version.json`` (what changed, and when), then swaps the
``OUT`` symlink to it in one ``rename``: a reader sees the old snapshot or the new,
never half of one, and a killed publish leaves the old one served.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import anyio

from saylau.errors import InputError
from saylau.trust import signing
from saylau.web.publish_paths import (
    ROOT_INDEX,
    Target,
    asset_hashes,
    file_for,
    target_of,
    url_of,
)
from saylau.web.security import ASGIApp, Message

#: Files about the snapshot itself (not answers of the app).
MANIFEST, VERSION = "manifest.json", "version.json"
_HREF = b'(?:href|src)="([^"#]*)'


@dataclass
class Report:
    """What one publish did: the snapshot folder, its files, which were rewritten
    (content changed) and removed, and links that did not answer 200."""

    snapshot: Path
    files: int
    written: list[str]
    removed: list[str]
    broken: list[str] = field(default_factory=list)
    seconds: float = 0.0


async def _get(app: ASGIApp, url: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` (a published URL path) from ``app`` in process."""
    path = unquote(url)
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": url.encode("latin-1"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"publish")],
        "client": ("127.0.0.1", 0),
        "server": ("publish", 80),
    }
    status, headers, body = 0, {}, bytearray()
    done = anyio.Event()
    asked = False

    async def receive() -> Message:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # a streaming answer listens for the client leaving
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = {k.decode().lower(): v.decode("latin-1") for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            body.extend(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, headers, bytes(body)


def _links(page: bytes, url: str) -> Iterable[str]:
    for raw in re.findall(_HREF, page):
        link = raw.decode("utf-8").replace("&amp;", "&")
        if link.startswith(("http:", "https:", "mailto:", "data:")):
            continue
        parts = urlsplit(urljoin(url, link))
        if not parts.query:
            yield parts.path


def _file_of_url(url: str) -> str:
    path = unquote(url).lstrip("/")
    if path == "" or path.endswith("/"):
        return path + ("index.html" if path else ROOT_INDEX)
    return path


def _twin(target: Target) -> str | None:
    """The published URL of the JSON twin of the page ``target`` (None: it has none)."""
    from saylau.web.routes import routers

    routes = [route for router in routers() for route in router.routes]
    names = {getattr(route, "name", ""): route for route in routes}
    for route in routes:
        name = getattr(route, "name", "")
        regex = getattr(route, "path_regex", None)
        if not name.endswith("_page") or regex is None:
            continue
        match = regex.match(target.path)
        twin = names.get(name.removesuffix("_page") + "_api")
        if match is None or twin is None:
            continue
        path = twin.url_path_for(twin.name, **match.groupdict())  # type: ignore[attr-defined]
        file = file_for(unquote(str(path)), {}, "en")
        return url_of(file) if file else None
    return None


def render_site(app: ASGIApp) -> tuple[dict[str, bytes], list[str]]:
    """Every published file of the site ``app`` (file → bytes) and the links that
    answered other than 200 (``"<status> <url> (from <page>)"``)."""
    return anyio.run(_render_site, app)


async def _render_site(app: ASGIApp) -> tuple[dict[str, bytes], list[str]]:
    files: dict[str, bytes] = {}
    broken: list[str] = []
    start = ["/" + ROOT_INDEX, "/openapi.json", *(f"/{lang}/" for lang in ("en", "ru", "kk"))]
    start += [url_of(f"static/{n}") for n in _hashed_assets()]
    start += await _embeds(app)
    queue: list[tuple[str, str]] = [(url, "") for url in start]
    seen = {url for url, _ in queue}
    while queue:
        url, source = queue.pop()
        status, headers, body = await _get(app, url)
        if status != 200:
            broken.append(f"{status} {url}" + (f" (from {source})" if source else ""))
            continue
        files[_file_of_url(url)] = body
        found: list[str] = []
        if headers.get("content-type", "").startswith("text/html") and url != "/" + ROOT_INDEX:
            found = [u for u in _links(body, url) if _published(u)]
            target = target_of(unquote(url))
            if isinstance(target, Target) and target.lang is not None:
                twin = _twin(target)
                if twin:
                    found.append(twin)
        for link in found:
            if link not in seen:
                seen.add(link)
                queue.append((link, url))
    return files, sorted(broken)


async def _embeds(app: ASGIApp) -> list[str]:
    """The embed page of every contest in every language (no page links to them)."""
    status, _, body = await _get(app, "/api/v1/contests.json")
    contests = json.loads(body).get("contests", []) if status == 200 else []
    return [
        url_of(f"{lang}/embed/contests/{c['id']}/index.html")
        for c in contests
        if isinstance(c, dict) and isinstance(c.get("id"), str)
        for lang in ("en", "ru", "kk")
    ]


def _published(url: str) -> bool:
    path = unquote(url)
    if path in ("/" + ROOT_INDEX, "/openapi.json"):
        return True
    return target_of(path) is not None or path.startswith(("/api/v1/contests/",))


def _hashed_assets() -> list[str]:
    from saylau.web.publish_paths import hashed_name

    return [n for n in (hashed_name(name) for name in asset_hashes()) if n]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(files: dict[str, bytes], key: Any | None, published: str) -> dict[str, Any]:
    """The manifest of ``files``: their SHA-256, signed (Ed25519 over the canonical
    JSON of everything but ``signature``) when ``key`` is given."""
    body: dict[str, Any] = {
        "published": published,
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    }
    if key is not None:
        body["public_key"] = signing.public_pem(key).decode("ascii")
        body["signature"] = signing.sign(body, key)
    return body


def verify_mirror(manifest_path: Path, public_key: Path) -> list[str]:
    """Every problem of the mirror beside ``manifest_path`` (empty: it matches):
    a bad signature, and each file missing or differing from its SHA-256."""
    try:
        data = json.loads(manifest_path.read_bytes())
    except (OSError, ValueError) as exc:
        raise InputError(f"{manifest_path}: not a readable manifest ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), dict):
        raise InputError(f"{manifest_path}: no 'files' in the manifest")
    key = signing.load_public_key(public_key)
    problems: list[str] = []
    signature = data.pop("signature", None)
    if not isinstance(signature, str) or not signing.verify(data, signature, key):
        problems.append(f"{manifest_path.name}: signature does not match {public_key}")
    root = manifest_path.parent
    for name, digest in sorted(data["files"].items()):
        path = root / name
        if ".." in Path(name).parts or not path.is_file():
            problems.append(f"{name}: missing")
        elif sha256(path.read_bytes()) != digest:
            problems.append(
                f"{name}: differs (sha256 {sha256(path.read_bytes())}, manifest {digest})"
            )
    return problems


def _snapshots(out: Path) -> Path:
    return out.parent / f".{out.name}.snapshots"


def current_snapshot(out: Path) -> Path | None:
    """The snapshot folder ``out`` points to (None: nothing published yet)."""
    return out.resolve() if out.is_symlink() and out.resolve().is_dir() else None


def _previous(out: Path) -> dict[str, str]:
    snap = current_snapshot(out)
    if snap is None or not (snap / MANIFEST).is_file():
        return {}
    try:
        files = json.loads((snap / MANIFEST).read_bytes()).get("files", {})
    except ValueError:
        return {}
    return {k: v for k, v in files.items() if isinstance(v, str)}


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_symlink():
        raise InputError(
            f"{out}: exists and is not a published snapshot link (publish into a new path)"
        )
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such folder")
    if not os.access(out.parent, os.W_OK):
        raise InputError(f"{out.parent}: not writable")


def write_snapshot(
    out: Path,
    files: dict[str, bytes],
    *,
    key: Any | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Report:
    """Write ``files`` as a new snapshot and point ``out`` at it (see the module)."""
    _check_out(out)
    snaps = _snapshots(out)
    snaps.mkdir(exist_ok=True)
    for stale in snaps.glob("*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
    old = current_snapshot(out)
    previous = _previous(out)
    number = 1 + max((int(p.name) for p in snaps.iterdir() if p.name.isdigit()), default=0)
    new = snaps / f"{number:06d}.partial"
    published = now().isoformat(timespec="seconds")
    written: list[str] = []
    final = snaps / f"{number:06d}"
    try:
        new.mkdir()
        for name, data in sorted(files.items()):
            path = new / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if old is not None and previous.get(name) == sha256(data):
                try:
                    os.link(old / name, path)
                    continue
                except OSError:
                    pass  # another file system, or the old file went: write it
            path.write_bytes(data)
            if name not in previous or previous[name] != sha256(data):
                written.append(name)
        removed = sorted(set(previous) - set(files) - {VERSION})
        version = {"published": published, "changed": written, "removed": removed}
        (new / VERSION).write_bytes(json.dumps(version, indent=1).encode() + b"\n")
        listed = dict(files)
        listed[VERSION] = (new / VERSION).read_bytes()
        text = json.dumps(manifest(listed, key, published), indent=1, ensure_ascii=False)
        (new / MANIFEST).write_bytes(text.encode() + b"\n")
        new.rename(final)
        link = out.parent / f".{out.name}.link-{number:06d}"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(final, out.parent))
        os.replace(link, out)  # the switch: one rename
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise InputError(f"{out}: cannot write the snapshot ({exc.strerror or exc})") from None
    # Keep the previous snapshot for readers still inside it; drop older ones.
    for stale in snaps.iterdir():
        if stale.name.isdigit() and stale not in (final, old):
            shutil.rmtree(stale, ignore_errors=True)
    return Report(final, len(listed) + 1, written, removed)


def publish(db: str, out: Path, *, key_path: Path | None = None) -> Report:
    """Render the site over the store ``db`` and publish it to ``out``."""
    from time import perf_counter

    from saylau.web.app import create_app

    key = signing.load_private_key(key_path) if key_path is not None else None
    _check_out(out)
    started = perf_counter()
    app = create_app(db, counter_ttl=0)
    try:
        files, broken = render_site(app)
    finally:
        app.state.site.close()
    report = write_snapshot(out, files, key=key)
    from saylau.web.webhooks import announce

    announce(db, report)  # tells the webhooks in the background: never delays publishing
    report.broken = broken
    report.seconds = perf_counter() - started
    return report


def store_state(db: str) -> tuple[int, ...]:
    """The change counters of every contest of the store ``db`` (what a commit moves)."""
    from saylau.store import Store

    store = Store.open(db)
    try:
        return tuple(store.change_counter(c.id) for c in store.contests())
    finally:
        store.close()


def watch(
    db: str,
    out: Path,
    *,
    key_path: Path | None = None,
    period: float = 0.5,
    on_publish: Callable[[Report], None] = lambda report: None,
    rounds: int | None = None,
) -> None:
    """Publish, then republish whenever a contest's change counter moves (checked
    every ``period`` seconds; ``rounds`` bounds the number of publishes, for tests)."""
    import time

    state: tuple[int, ...] | None = None
    done = 0
    while rounds is None or done < rounds:
        now = store_state(db)
        if now != state:
            on_publish(publish(db, out, key_path=key_path))
            state, done = now, done + 1
        else:
            time.sleep(period)
