"""Which earlier contest a contest is compared with, and its figures.

The predecessor is declared as data, never guessed from a title:
``saylau/data/previous.toml`` maps the law preset a contest was created under to the
predecessor's law preset (a contest of the store under that law, with its regions,
when the store holds one), else to a file of official national figures bundled in
``saylau/data``, and to the file of the parties' stable ids.  :func:`contest_comparison`
and :func:`division_comparison` give the :class:`~saylau.analysis.swing.Comparison`
the pages show (None when there is nothing to compare with).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from saylau.analysis.swing import Comparison, Outcome, PartyIds, compare
from saylau.errors import InputError, NotFoundError
from saylau.store import Store

KEYS = {"law", "official", "parties"}


@dataclass(frozen=True)
class Predecessor:
    """A declared predecessor: its law preset, official figures and party ids files."""

    law: str | None
    official: str | None
    parties: str


def _data(path: str) -> dict[str, Any]:
    text = (resources.files("saylau") / "data" / path).read_text(encoding="utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"data/{path}: {err}") from None


@cache
def declarations() -> dict[str, Predecessor]:
    """``data/previous.toml``: contest law preset -> its declared predecessor."""
    out: dict[str, Predecessor] = {}
    for law, entry in _data("previous.toml").items():
        unknown = set(entry) - KEYS
        if unknown or "parties" not in entry:
            raise InputError(
                f"data/previous.toml: [{law}] needs 'parties' and knows only "
                f"{', '.join(sorted(KEYS))} (got {', '.join(sorted(entry))})"
            )
        out[law] = Predecessor(entry.get("law"), entry.get("official"), entry["parties"])
    return out


@cache
def party_ids(path: str) -> PartyIds:
    """The stable party ids of ``data/<path>``."""
    parties = _data(path).get("parties", {})
    return PartyIds({pid: tuple(entry["names"]) for pid, entry in parties.items()})


@cache
def official(path: str) -> Outcome:
    """The official national figures of ``data/<path>`` (labelled so)."""
    d = _data(path)
    return Outcome(
        title=d["title"],
        date=d.get("date"),
        votes={str(k): int(v) for k, v in d["votes"].items()},
        seats={str(k): int(v) for k, v in d.get("seats", {}).items()},
        valid=d.get("valid"),
        registered=d.get("registered"),
        voted=d.get("voted"),
        source=d.get("source"),
        label=d.get("label"),
    )


def _stored_outcome(store: Store, cid: str, did: str | None, *, regions: bool = True) -> Outcome:
    """A stored contest's figures at division ``did`` (None: the whole contest), with
    its child divisions as the regions compared."""
    info = store.contest(cid)
    res = store.results(cid, did)
    totals = res.totals
    children = store.children(cid, res.division.id) if regions else []
    parts = {
        child.id: (child.name, dict(store.results(cid, child.id).totals.votes))
        for child in children
        if child.level != "station"
    }
    return Outcome(
        title=info.title,
        date=info.date,
        votes=dict(totals.votes),
        seats=dict(res.party_seats) if did is None else None,
        valid=totals.valid,
        registered=totals.registered or None,
        voted=totals.ballots_issued if totals.registered else None,
        regions=parts,
    )


def _stored_predecessor(store: Store, cid: str, law: str | None) -> str | None:
    """The store's latest contest under ``law`` (other than ``cid``), if any."""
    if law is None:
        return None
    found = [c for c in store.contests() if c.law == law and c.id != cid]
    found.sort(key=lambda c: (c.date or "", c.id))
    return found[-1].id if found else None


def contest_comparison(store: Store, cid: str) -> Comparison | None:
    """``cid`` against its declared predecessor; None without one or before any count."""
    decl = declarations().get(store.contest(cid).law)
    if decl is None:
        return None
    prev_id = _stored_predecessor(store, cid, decl.law)
    # Regions are compared only with a stored predecessor (official figures have none).
    current = _stored_outcome(store, cid, None, regions=prev_id is not None)
    if not any(current.votes.values()):
        return None
    if prev_id is not None:
        previous = _stored_outcome(store, prev_id, None)
    elif decl.official is not None:
        previous = official(decl.official)
    else:
        return None
    return compare(current, previous, party_ids(decl.parties))


def division_comparison(store: Store, cid: str, did: str) -> Comparison | None:
    """Division ``did`` against the same division of a stored predecessor (the
    official national figures have no divisions); None when either lacks it."""
    decl = declarations().get(store.contest(cid).law)
    if decl is None:
        return None
    prev_id = _stored_predecessor(store, cid, decl.law)
    if prev_id is None:
        return None
    try:
        store.division(prev_id, did)
    except NotFoundError:
        return None
    current = _stored_outcome(store, cid, did)
    previous = _stored_outcome(store, prev_id, did)
    if not any(current.votes.values()) or not any(previous.votes.values()):
        return None
    return compare(current, previous, party_ids(decl.parties))
