"""``saylau publish``: the whole public site as static files, switched in atomically.

The files are the app's own answers (:mod:`saylau.web.publish_render`), so a file
is exactly what ``saylau serve`` answers for its path.  :func:`publish` renders
everything the first time; afterwards only what a change can touch: the contest
documents and the pages of the stations whose protocol changed and of their divisions
up to the root (all three languages), the rest is kept from the served snapshot.
After a change of the data it switches in two snapshots: the results first, with the
slow contest-wide documents carried over and named as pending, then those documents
(:mod:`saylau.web.publish_passes`).

:func:`write_snapshot` updates a snapshot folder that is *not* served (the one
retired by the previous publish: only the files that differ are written, each by
``rename``, so a file shared by hard link with the served snapshot is never written
in place), writes ``version.json`` (what changed, and when) and ``manifest.json``
(every file's SHA-256, signed with Ed25519), then swaps the ``OUT`` symlink to it in
one ``rename``: a reader sees the old snapshot or the new, never half of one, and a
failed or killed publish leaves the old one served; its journal (``.pending``) lets
the next run finish the folder it left.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from saylau.errors import InputError
from saylau.trust import signing
from saylau.web.publish_paths import url_of
from saylau.web.publish_report import Report as Report  # the report is part of this API

if TYPE_CHECKING:
    from saylau.web.publish_render import PublishStore

#: Files about the snapshot itself (not answers of the app).
MANIFEST, VERSION = "manifest.json", "version.json"
#: Beside the files of a snapshot, not published: what the next publish compares
#: with (per contest: change counter, identity, each station's protocol), and the
#: journal of an update in progress.
STATE, PENDING, BEFORE = ".publish-state.json", ".pending.json", ".before.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(
    digests: dict[str, str], key: Ed25519PrivateKey | None, published: str
) -> dict[str, Any]:
    """The manifest of files with the SHA-256 ``digests``, signed (Ed25519 over the
    canonical JSON of everything but ``signature``) when ``key`` is given."""
    body: dict[str, Any] = {"published": published, "files": dict(sorted(digests.items()))}
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


def _manifest_files(path: Path) -> dict[str, str] | None:
    try:
        files = json.loads(path.read_bytes()).get("files")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(files, dict):
        return None
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def _previous(out: Path) -> dict[str, str]:
    snap = current_snapshot(out)
    return (_manifest_files(snap / MANIFEST) or {}) if snap is not None else {}


def read_state(out: Path) -> dict[str, Any] | None:
    """What the served snapshot of ``out`` was rendered from (None: unknown)."""
    snap = current_snapshot(out)
    try:
        state = json.loads((snap / STATE).read_bytes()) if snap is not None else None
    except (OSError, ValueError):
        return None
    return state if isinstance(state, dict) else None


def _check_out(out: Path) -> None:
    if out.exists() and not out.is_symlink():
        raise InputError(
            f"{out}: exists and is not a published snapshot link (publish into a new path)"
        )
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such folder")
    if not os.access(out.parent, os.W_OK):
        raise InputError(f"{out.parent}: not writable")


def _work_folder(snaps: Path, served: Path | None, number: int) -> Path:
    """The folder the new snapshot is written in, renamed ``NNNNNN.partial``: one a
    failed run left, else the snapshot the previous publish retired, else a new one.
    Other leftovers (older layouts, more than one failed run) are removed."""
    partials = sorted(snaps.glob("*.partial"))
    retired = sorted(p for p in snaps.iterdir() if p.name.isdigit() and p != served)
    candidates = partials or retired
    reuse = candidates[-1] if candidates else None
    for stale in [*partials, *retired]:
        if stale != reuse:
            shutil.rmtree(stale, ignore_errors=True)
    work = snaps / f"{number:06d}.partial"
    if reuse is None:
        work.mkdir()
    elif reuse != work:
        reuse.rename(work)
    return work


def _known(work: Path) -> tuple[dict[str, str], set[str]]:
    """What ``work`` holds: name → SHA-256 of the files known, and the names whose
    content is unknown (touched by a run that did not finish, or a folder without a
    manifest: then every file in it)."""
    files = _manifest_files(work / MANIFEST)
    if files is None:
        files = _manifest_files(work / BEFORE)
    pending: set[str] = set()
    with contextlib.suppress(OSError, ValueError, TypeError):
        pending = set(json.loads((work / PENDING).read_bytes()))
    if files is None:
        unknown = {
            p.relative_to(work).as_posix()
            for p in work.rglob("*")
            if (p.is_file() or p.is_symlink()) and p.name not in (STATE, PENDING, BEFORE)
        }
        return {}, unknown
    return {k: v for k, v in files.items() if k not in pending}, pending & set(files)


def _put(work: Path, name: str, data: bytes | None, source: Path | None, made: set[str]) -> None:
    """Write ``data`` (or hard-link ``source``) as ``work/name``: never into an existing
    file, which may be shared by hard link with the served snapshot (a new name is
    created exclusively; an existing one is replaced by ``rename``)."""
    path = os.path.join(work, name)
    folder = os.path.dirname(name)
    if folder not in made:
        try:
            os.mkdir(os.path.join(work, folder))
        except FileExistsError:
            pass
        except FileNotFoundError:
            os.makedirs(os.path.join(work, folder), exist_ok=True)
        made.add(folder)
    try:
        _create(path, data, source)  # the common case: a name new to this folder
        return
    except FileExistsError:
        pass
    tmp = path + ".tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    _create(tmp, data, source)
    os.replace(tmp, path)


def _create(path: str, data: bytes | None, source: Path | None) -> None:
    """Create ``path`` (FileExistsError if it exists) with ``data`` or as a hard link
    to ``source`` (a copy across file systems)."""
    if data is None and source is not None:
        try:
            os.link(source, path)
            return
        except FileExistsError:
            raise
        except OSError:  # another file system: copy
            data = Path(source).read_bytes()
    with open(path, "xb") as fh:
        fh.write(data or b"")


def write_snapshot(
    out: Path,
    files: dict[str, bytes],
    *,
    keep: Iterable[str] = (),
    key: Ed25519PrivateKey | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    state: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    earlier: Report | None = None,
) -> Report:
    """Publish ``files`` (name → bytes, just rendered) and the ``keep`` files of the
    served snapshot, unchanged, as the new snapshot of ``out`` (see the module).
    ``state`` is kept beside it for the next publish; ``changes`` goes into
    ``version.json``, whose ``changed`` and ``removed`` also name what the
    ``earlier`` snapshot of the same publish (its first pass) changed."""
    _check_out(out)
    snaps = _snapshots(out)
    snaps.mkdir(exist_ok=True)
    served = current_snapshot(out)
    previous = _previous(out)
    target = {name: previous[name] for name in keep if name in previous}
    target.update((name, sha256(data)) for name, data in files.items())
    target.pop(MANIFEST, None)
    target.pop(VERSION, None)
    written = sorted(n for n, d in target.items() if previous.get(n) != d and n in files)
    removed = sorted(set(previous) - set(target) - {VERSION})
    number = 1 + max((int(p.name) for p in snaps.iterdir() if p.name.isdigit()), default=0)
    published = now().isoformat(timespec="seconds")
    final = snaps / f"{number:06d}"
    try:
        work = _work_folder(snaps, served, number)
        known, unknown = _known(work)
        touch = sorted(
            {n for n, d in target.items() if known.get(n) != d}
            | (set(known) - set(target))
            | unknown
        )
        (work / PENDING).write_bytes(json.dumps(touch).encode())
        if (work / MANIFEST).exists():
            os.replace(work / MANIFEST, work / BEFORE)
        made: set[str] = set()
        for name in touch:
            if name in target:
                # Same bytes as served: the same file (a hard link), not a copy.
                same = served is not None and previous.get(name) == target[name]
                source = served / name if served is not None else None
                _put(work, name, None if same else files.get(name), source, made)
            else:
                (work / name).unlink(missing_ok=True)
        version = {
            "published": published,
            "changed": sorted({*written, *(earlier.written if earlier else [])}),
            "removed": sorted({*removed, *(earlier.removed if earlier else [])} - set(target)),
        }
        version.update(changes or {})
        version_bytes = json.dumps(version, indent=1, ensure_ascii=False).encode() + b"\n"
        _put(work, VERSION, version_bytes, None, made)
        target[VERSION] = sha256(version_bytes)
        text = json.dumps(manifest(target, key, published), indent=1, ensure_ascii=False)
        _put(work, MANIFEST, text.encode() + b"\n", None, made)
        if state is not None:
            _put(work, STATE, json.dumps(state, sort_keys=True).encode(), None, made)
        (work / BEFORE).unlink(missing_ok=True)
        (work / PENDING).unlink()
        work.rename(final)
        link = out.parent / f".{out.name}.link-{number:06d}"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(os.path.relpath(final, out.parent))
        os.replace(link, out)  # the switch: one rename
    except OSError as exc:
        # The served snapshot is untouched; the folder being written keeps its journal
        # and is finished by the next run.
        raise InputError(f"{out}: cannot write the snapshot ({exc.strerror or exc})") from None
    return Report(final, len(target) + 1, written, removed)


def publish(
    db: str,
    out: Path,
    *,
    key_path: Path | None = None,
    full: bool = False,
    processes: int | None = None,
    to: str | None = None,
    endpoint_url: str | None = None,
    on_switch: Callable[[Report], None] = lambda report: None,
) -> Report:
    """Render the site over the store ``db`` and publish it to ``out``: everything
    (the first time, with ``full``, or when saylau itself changed), else only what the
    store's changes since the served snapshot can touch.  With ``to``
    (``s3://bucket/prefix``) each snapshot is then uploaded (:mod:`saylau.web.publish_s3`).

    An incremental publish after a change of the data switches in two snapshots, as
    results sites do on election night: first the results (every document but the
    slow contest-wide ones, :func:`saylau.web.publish_render.heavy`, which are carried
    over and named as ``pending`` in ``version.json``), then those documents.
    ``on_switch`` is called after each switch; the report returned covers both."""
    from time import perf_counter

    from saylau.web import publish_render as pr
    from saylau.web.publish_passes import Switch, both, lagging
    from saylau.web.webhooks import resume

    key = signing.load_private_key(key_path) if key_path is not None else None
    _check_out(out)
    started = perf_counter()
    # Notifications a killed publish left in the outbox, or never wrote: sent meanwhile.
    resume(db, current_snapshot(out))
    before = read_state(out)
    previous = _previous(out)
    state, plan = _plan(db, before, previous, full)
    changes: dict[str, Any] = {
        "contests": {
            cid: {"change_counter": c["counter"], "last_update": c["last_update"]}
            for cid, c in state["contests"].items()
        },
        "pending": [],  # documents showing older data (see the second pass below)
    }
    switch = Switch(write_snapshot, db, out, key, to, endpoint_url, on_switch, started)
    if plan is None:
        rendered = pr.render_full(db, processes=processes)
        report: Report = switch(rendered, set(), state, changes, full=True)
        return report
    urls, stations = plan
    changes["stations"] = stations
    lag = lagging(before or {}, state, previous, urls)
    later = [url_of(n) for n in lag["files"]] if lag else []
    waiting = set(later)
    renderer = pr.Renderer(db)
    try:
        rendered = pr.render_paths(
            renderer, [u for u in urls if u not in waiting], {url_of(n) for n in previous}
        )
        # A page that no longer answers 200 leaves the mirror.
        keep = set(previous) - set(rendered.files) - rendered.failed
        if lag is None:
            report = switch(rendered, keep, state, changes)
            return report
        pending = {"pending": lag["files"], "pending_data": lag["contests"]}
        first = switch(rendered, keep, {**state, "lagging": lag}, {**changes, **pending})
        # Pass 2: the slow documents, over the same reads (the same data version).
        previous = _previous(out)
        rest = pr.render_paths(renderer, later, {url_of(n) for n in previous})
        keep = set(previous) - set(rest.files) - rest.failed
        second = switch(rest, keep, state, {**changes, "pending": []}, earlier=first)
    finally:
        renderer.close()
    report = both(first, second)
    return report


def _plan(
    db: str, before: dict[str, Any] | None, previous: dict[str, str], full: bool
) -> tuple[dict[str, Any], tuple[list[str], dict[str, list[str]]] | None]:
    """The state of the store now, and what to render: None (everything), or the URLs
    to render and, per contest, the stations whose protocol changed."""
    from saylau.store import Store
    from saylau.web import publish_render as pr

    store = Store.open(db)
    try:
        old = before.get("contests", {}) if before else {}
        state: dict[str, Any] = {"build": pr.build_digest(), "contests": {}}
        moved: list[str] = []
        for info in store.contests():
            kept = old.get(info.id)
            if kept is not None and kept.get("counter") == info.change_counter:
                state["contests"][info.id] = kept
            else:
                state["contests"][info.id] = pr.contest_state(store, info.id)
                moved.append(info.id)
            state["contests"][info.id]["last_update"] = info.last_update
        usable = (
            not full
            and before is not None
            and before.get("build") == state["build"]
            and set(old) == set(state["contests"])
            and bool(previous)
        )
        if not usable:
            return state, None
        pstore = pr.PublishStore(store)
        places: set[tuple[str, str, str]] = set()
        stations: dict[str, list[str]] = {}
        whole: set[str] = set()
        for cid in moved:
            new, was = state["contests"][cid], old[cid]
            changed = sorted(
                sid
                for sid in set(new["stations"]) | set(was["stations"])
                if new["stations"].get(sid) != was["stations"].get(sid)
            )
            if new["identity"] != was["identity"] or not changed:
                whole.add(cid)  # its status, title, parties or registry: every page
                continue
            stations[cid] = changed
            for sid in changed:
                places.add((cid, "stations", sid))
                for digest in (new["stations"].get(sid), was["stations"].get(sid)):
                    parent = pr.station_parent(digest) if digest else ""
                    places |= {(cid, "divisions", d) for d in _chain(pstore, cid, parent)}
        urls: list[str] = []
        for name in previous:
            if name in (MANIFEST, VERSION) or name.startswith("static/"):
                continue
            place = pr.place_of(name)
            owner = place[0] if place else pr.contest_of(name)
            if (place is None and (owner is None or owner in moved)) or owner in whole:
                urls.append(url_of(name))
        for contest, kind, pid in sorted(places):
            urls += pr.place_urls(contest, kind, pid)
        # Documents a publish killed between its two passes left showing older data.
        lagging = (before or {}).get("lagging") or {}
        urls += [url_of(n) for n in lagging.get("files", []) if n in previous]
        return state, (list(dict.fromkeys(urls)), stations)
    finally:
        store.close()


def _chain(store: PublishStore, cid: str, did: str) -> list[str]:
    """``did`` and its ancestors, the root (the contest's own page) excluded, as is a
    division no longer in the store (the walk stops there)."""
    from saylau.errors import NotFoundError
    from saylau.results.tree import path_to_root

    def parent(d: str) -> str | None:
        try:
            return store.division(cid, d).parent_id
        except NotFoundError:
            return None  # the walk stops here: this one is dropped as the top

    # The top of the walk is the root or a division not found: neither is published.
    return path_to_root(did, parent)[1:] if did else []


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
    processes: int | None = None,
    to: str | None = None,
    endpoint_url: str | None = None,
    on_switch: Callable[[Report], None] = lambda report: None,
) -> None:
    """Publish, then republish whenever a contest's change counter moves (checked
    every ``period`` seconds; ``rounds`` bounds the number of publishes, for tests)."""
    import time

    state: tuple[int, ...] | None = None
    done = 0
    while rounds is None or done < rounds:
        now = store_state(db)
        if now != state:
            report = publish(
                db,
                out,
                key_path=key_path,
                processes=processes,
                to=to,
                endpoint_url=endpoint_url,
                on_switch=on_switch,
            )
            on_publish(report)
            state, done = now, done + 1
        else:
            time.sleep(period)
