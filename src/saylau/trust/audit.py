"""The audit log: an append-only SHA-256 hash chain of every action.

Each entry records who did what, when, to which contest and subject, and the
content hashes before and after.  ``entry_hash = sha256(prev_hash || canonical
entry)``, so editing an entry breaks its own hash, and deleting or reordering
entries breaks the link of the entry after them.  A head row holds the last
sequence number and hash; appending locks it (one chain across processes), and
verification compares it with the last entry so a cut-off tail shows too.

The rows and the append live in ``saylau.store.audit`` (re-exported here); this
module holds the rules.  Verification of the chain is pure (``verify_chain``);
``saylau.trust.integrity`` adds the cross-checks against the data the entries
describe.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from saylau.store.audit import (
    ACTIONS,
    GENESIS,
    Entry,
    append,
    append_many,
    chain_hash,
    entries,
    head,
)


@dataclass(frozen=True)
class Finding:
    """One thing verification found wrong, with where it is."""

    table: str
    row: str  # the row's key, e.g. "seq 17" or "contest kz/station 12 version 3"
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.row}: {self.message}"


def verify_chain(
    rows: Sequence[Entry], head_seq: int | None = None, head_hash: str | None = None
) -> list[Finding]:
    """Every break in the chain ``rows`` (ordered by seq), each named by its position."""
    findings: list[Finding] = []
    t = "trust_audit"
    by_hash = {e.entry_hash: e for e in rows}
    prev_hash = GENESIS
    prev_seq = 0
    for e in rows:
        where = f"seq {e.seq}"
        if e.seq != prev_seq + 1:
            missing = f"{prev_seq + 1}" if e.seq == prev_seq + 2 else f"{prev_seq + 1}-{e.seq - 1}"
            if e.seq > prev_seq + 1:
                findings.append(Finding(t, f"seq {missing}", "entry missing (deleted)"))
        if e.computed_hash() != e.entry_hash:
            findings.append(
                Finding(t, where, "entry was edited: its content does not match its hash")
            )
        if e.prev_hash != prev_hash:
            other = by_hash.get(e.prev_hash)
            if other is not None:
                findings.append(
                    Finding(
                        t, where, f"out of order: it follows seq {other.seq}, not seq {prev_seq}"
                    )
                )
            elif e.seq == prev_seq + 1:
                findings.append(
                    Finding(
                        t,
                        where,
                        f"does not follow seq {prev_seq}: an entry before it was deleted or edited",
                    )
                )
        prev_hash, prev_seq = e.entry_hash, e.seq
    if head_seq is not None and head_hash is not None:
        if head_seq > prev_seq:
            findings.append(
                Finding(
                    t,
                    f"seq {prev_seq + 1}-{head_seq}",
                    f"entries missing at the end (head records {head_seq})",
                )
            )
        elif head_seq != prev_seq or head_hash != prev_hash:
            findings.append(
                Finding(
                    "trust_audit_head",
                    "id 1",
                    f"head (seq {head_seq}) does not match the last entry (seq {prev_seq})",
                )
            )
    return findings


def export(rows: Iterable[Entry]) -> list[dict[str, Any]]:
    """JSON-able entries, for ``saylau audit export`` and the observers' API."""
    return [e.to_dict() for e in rows]


__all__ = [
    "ACTIONS",
    "GENESIS",
    "Entry",
    "Finding",
    "append",
    "append_many",
    "chain_hash",
    "entries",
    "export",
    "head",
    "verify_chain",
]
