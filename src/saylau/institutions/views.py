"""Contexts of the institutions' pages, read from the results store.

Each function returns one JSON-ready mapping; :mod:`saylau.institutions.web` renders
it as a page or as JSON through :func:`saylau.web.render.respond`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from saylau.errors import InputError
from saylau.institutions import stored_lists, stored_maslikhats
from saylau.institutions.candidates import ListRules, check_lists
from saylau.institutions.chamber import chamber_rules, form_chamber
from saylau.store.lists import fingerprint

if TYPE_CHECKING:
    from saylau.store import Store

__all__ = [
    "chamber_context",
    "deputies_context",
    "fingerprint",
    "lists_context",
    "maslikhat_ids",
    "maslikhats_context",
]


def _head(store: Store, contest_id: str) -> dict[str, Any]:
    info = store.contest(contest_id)
    return {
        "contest_id": contest_id,
        "contest": {"id": info.id, "title": info.title, "date": info.date, "law": info.law},
    }


def deputies_context(store: Store, contest_id: str) -> dict[str, Any]:
    """Party -> deputies of the contest, how each took the seat, vacancies filled."""
    head = _head(store, contest_id)
    lists = stored_lists.load_lists(store, contest_id)
    assignment = stored_lists.stored_deputies(store, contest_id)
    by_party = assignment.by_party()
    parties = [
        {
            "party": party,
            "seats": assignment.seats.get(party, 0),
            "deputies": [d.to_dict() for d in by_party.get(party, [])],
            "reserve": len(assignment.reserve(party)),
        }
        for party in assignment.seats
        if assignment.seats.get(party, 0) or party in lists
    ]
    return {
        **head,
        "registered_lists": len(lists),
        "total_deputies": len(assignment.deputies),
        "vacant_seats": sum(assignment.vacant.values()),
        "parties": parties,
        "vacancies_filled": [d.to_dict() for d in assignment.deputies if d.replaces],
        **{k: v for k, v in assignment.to_dict().items() if k not in ("deputies", "seats")},
    }


def lists_context(store: Store, contest_id: str) -> dict[str, Any]:
    """The registered lists of the contest in order, with the law's list-rule check."""
    head = _head(store, contest_id)
    law = store.law(contest_id)
    lists = stored_lists.load_lists(store, contest_id)
    check = check_lists(
        lists.values(),
        ListRules.from_law(law),
        seats=law.list_tier.seats,
        election_date=stored_lists.election_day(store, contest_id),
        contest=contest_id,
    )
    summary = {row["party"]: row for row in check.to_dict()["lists"]}
    problems = [p.to_dict() for p in check.problems]
    return {
        **head,
        "check": {k: v for k, v in check.to_dict().items() if k not in ("lists", "problems")},
        "lists": [
            {
                **summary.get(party, {"party": party}),
                "candidates": [c.to_dict() for c in lst.candidates],
                "problems": [p for p in problems if p.get("party") == party],
            }
            for party, lst in lists.items()
        ],
        "problems": problems,
    }


def chamber_context(store: Store, contest_id: str) -> dict[str, Any]:
    """The chamber formed from the contest's stored seats (reserved tiers form no faction)."""
    head = _head(store, contest_id)
    law = store.law(contest_id)
    if "chamber" not in law.sections:
        # the defaults are the Majilis's: never label another body with its convocations
        raise InputError(f"contest '{contest_id}': law '{law.name}' has no [chamber] section")
    results = store.results(contest_id)
    if results.seats is None:
        raise InputError(f"contest '{contest_id}': no seats yet (no counted votes)")
    parties = set(results.totals.votes)
    seats = {p: n for p, n in results.seats.items() if n or p not in parties}
    when = stored_lists.election_day(store, contest_id)
    chamber = form_chamber(
        seats,
        year=when.year,
        rules=chamber_rules(law),
        non_party=[p for p in seats if p not in parties],
    )
    return {**head, "election_date": date.isoformat(when), **chamber.to_dict()}


def maslikhats_context(store: Store) -> dict[str, Any]:
    """Every stored maslikhat's seats and each party's combined representation."""
    return stored_maslikhats.stored_results(store).to_dict()


def maslikhat_ids(store: Store) -> list[str]:
    """The stored maslikhats' contest ids (their versions make the combined view's)."""
    return [c.id for c in stored_maslikhats.stored_contests(store)]
