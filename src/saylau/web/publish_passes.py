"""The two passes of an incremental publish (:func:`saylau.web.publish.publish`):
which documents wait for the second, switching a snapshot in, one report for both.
A report is :class:`saylau.web.publish_report.Report`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from saylau.web import publish_render as pr
from saylau.web.publish_render import file_of_url
from saylau.web.publish_report import Report

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def lagging(
    before: dict[str, Any], state: dict[str, Any], previous: dict[str, str], urls: list[str]
) -> dict[str, Any] | None:
    """The slow documents a two-pass publish renders last (None: one pass will do):
    those among ``urls`` the served snapshot has, when the data of a contest moved,
    and the change counter of the data they show meanwhile, per contest."""
    old = before.get("contests", {})
    moved = [
        cid
        for cid, c in state["contests"].items()
        if old.get(cid, {}).get("counter") != c["counter"]
    ]
    files = sorted({n for n in map(file_of_url, urls) if n in previous and pr.heavy(n)})
    if not moved or not files:
        return None
    # Documents a killed publish left lagging show older data still.
    shown = dict((before.get("lagging") or {}).get("contests", {}))
    for cid in moved:
        if cid in old:
            shown.setdefault(cid, old[cid]["counter"])
    return {"files": files, "contests": shown}


@dataclass
class Switch:
    """Switches in one snapshot of a publish: writes it, announces it to the
    webhooks, uploads it (``to``) and tells ``on_switch``."""

    #: :func:`saylau.web.publish.write_snapshot`.
    write: Callable[..., Report]
    db: str
    out: Path
    key: Ed25519PrivateKey | None
    to: str | None
    endpoint_url: str | None
    on_switch: Callable[[Report], None]
    started: float

    def __call__(
        self,
        rendered: pr.Rendered,
        keep: set[str],
        state: dict[str, Any],
        changes: dict[str, Any],
        *,
        full: bool = False,
        earlier: Report | None = None,
    ) -> Report:
        from time import perf_counter

        from saylau.web.webhooks import announce

        report = self.write(
            self.out,
            rendered.files,
            keep=keep,
            key=self.key,
            state=state,
            changes=changes,
            earlier=earlier,
        )
        # The notifications go to the outbox now and to the receivers in the background:
        # a receiver never delays publishing, and a kill loses no notification.
        announce(self.db, report)
        report.broken = sorted(rendered.broken)
        report.rendered = len(rendered.files)
        report.full = full
        report.pending = list(changes.get("pending", []))
        if self.to is not None:
            from saylau.web.publish_s3 import upload

            sent = upload(report.snapshot, self.to, endpoint_url=self.endpoint_url)
            report.uploaded, report.deleted = sent.uploaded, sent.deleted
        report.seconds = perf_counter() - self.started
        self.on_switch(report)
        return report


def both(first: Report, second: Report) -> Report:
    """One report for the two snapshots of a two-pass publish (the last one's folder
    and files; what either rewrote, removed, rendered, uploaded)."""

    def union(a: list[str] | None, b: list[str] | None) -> list[str] | None:
        return None if a is None and b is None else sorted({*(a or []), *(b or [])})

    return replace(
        second,
        written=sorted({*first.written, *second.written}),
        removed=sorted({*first.removed, *second.removed} - set(second.written)),
        broken=sorted({*first.broken, *second.broken}),
        seconds=second.seconds,
        rendered=first.rendered + second.rendered,
        full=False,
        uploaded=union(first.uploaded, second.uploaded),
        deleted=union(first.deleted, second.deleted),
        first=first,
    )
