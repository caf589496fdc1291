"""Presidential contests kept in the results store.

A stored contest is presidential when its law has a ``[presidential]`` section
(``base = "valid"`` or ``"participated"``).  Protocols name the candidates as
``party:<candidate>`` columns (and ``against_all`` where the ballot has it); the
ballots cast are the voters who took part.  The runoff is a contest of its own with
the id ``<first round>-runoff`` in the same database: it is decided against the
first round, and the first round links to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from saylau.errors import InputError
from saylau.institutions.presidential import BASES, PresidentialResult, first_round, runoff

if TYPE_CHECKING:
    from saylau.store import Store

RUNOFF_SUFFIX = "-runoff"


def presidential_base(store: Store, contest_id: str) -> str:
    """The majority base of a stored presidential contest (InputError if not one)."""
    law = store.law(contest_id)
    section = law.sections.get("presidential")
    if section is None:
        raise InputError(f"contest '{contest_id}': law '{law.name}' has no [presidential] section")
    base = str(section.get("base", "valid"))
    if base not in BASES:
        raise InputError(
            f"law '{law.name}' [presidential]: base '{base}' is not one of {', '.join(BASES)}"
        )
    return base


def _round_one(store: Store, contest_id: str) -> PresidentialResult:
    base = presidential_base(store, contest_id)
    totals = store.results(contest_id).totals
    if not totals.votes or not sum(totals.votes.values()):
        raise InputError(f"contest '{contest_id}': no counted votes yet")
    return first_round(
        dict(totals.votes),
        contest=contest_id,
        base=base,
        participated=totals.ballots_cast if base == "participated" else None,
        against_all=totals.against_all,
    )


def _exists(store: Store, contest_id: str) -> bool:
    return any(c.id == contest_id for c in store.contests())


def stored_presidential(store: Store, contest_id: str) -> PresidentialResult:
    """The round stored as ``contest_id``: a first round, or a runoff (``…-runoff``)."""
    first_id = contest_id.removesuffix(RUNOFF_SUFFIX)
    if contest_id.endswith(RUNOFF_SUFFIX) and _exists(store, first_id):
        presidential_base(store, contest_id)
        first = _round_one(store, first_id)
        totals = store.results(contest_id).totals
        if not totals.votes or not sum(totals.votes.values()):
            raise InputError(f"contest '{contest_id}': no counted votes yet")
        return runoff(first, dict(totals.votes), against_all=totals.against_all)
    return _round_one(store, contest_id)


def presidential_context(store: Store, contest_id: str) -> dict[str, Any]:
    """The round's result, with the linked round (runoff or first round) when stored."""
    info = store.contest(contest_id)
    res = stored_presidential(store, contest_id)
    linked: dict[str, Any] | None = None
    other = res.runoff_contest() if res.runoff else (res.previous.contest if res.previous else None)
    if other and _exists(store, other):
        try:
            got = stored_presidential(store, other)
            linked = {"contest": other, "status": got.status, "winner": got.winner}
        except InputError:
            linked = {"contest": other, "status": "not counted", "winner": None}
    return {
        "contest_id": contest_id,
        "contest": {"id": info.id, "title": info.title, "date": info.date, "law": info.law},
        **res.to_dict(),
        "linked": linked,
    }
