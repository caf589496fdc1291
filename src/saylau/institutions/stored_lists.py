"""Candidate lists, party decisions and vacancies kept in the results database.

The rows are read and written by ``saylau.store.lists``.  Seats come from
the store itself: a contest's party-list result (``Store.results(contest).seats``)
is given to the registered lists in list order or by the party's recorded decision,
then the recorded vacancies are filled from the same lists, in the order recorded.
Every write is one transaction after every check has passed (nothing half-written).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from saylau.errors import InputError
from saylau.institutions.candidates import (
    Candidate,
    CandidateList,
    ListCheck,
    ListRules,
    check_lists,
)
from saylau.institutions.deputies import DeputyAssignment, assign_deputies, fill_vacancy
from saylau.store import lists as rows_of

if TYPE_CHECKING:
    from saylau.store import Store


def election_day(store: Store, contest_id: str) -> date:
    """The contest's election date (else its law's date)."""
    info = store.contest(contest_id)
    text = info.date or store.law(contest_id).date
    if not text:
        raise InputError(f"contest '{contest_id}': no election date (give one at init)")
    return date.fromisoformat(text)


def contest_parties(store: Store, contest_id: str) -> list[str]:
    """Parties the contest's protocols name (empty before the first ingest)."""
    return list(store.results(contest_id).totals.votes)


def load_lists(store: Store, contest_id: str) -> dict[str, CandidateList]:
    """The registered lists of a contest, party -> list, in registration order."""
    store.contest(contest_id)
    groups: dict[str, list[Candidate]] = {}
    for r in rows_of.candidate_rows(store, contest_id):
        groups.setdefault(r["party"], []).append(
            Candidate(
                r["name"],
                r["party"],
                int(r["position"]),
                contest_id,
                r["cid"],
                date.fromisoformat(r["birth_date"]) if r["birth_date"] else None,
                r["gender"],
                frozenset(c for c in r["categories"].split(";") if c),
            )
        )
    return {p: CandidateList(p, tuple(cs), contest_id) for p, cs in groups.items()}


def register_lists(store: Store, contest_id: str, lists: Sequence[CandidateList]) -> ListCheck:
    """Register (or replace) parties' lists after checking every list of the contest.

    The check covers the new lists together with the lists already registered for
    other parties (a person may stand on one list only).  Any problem raises
    ``InputError`` with every problem, and nothing is written.
    """
    law = store.law(contest_id)
    rules = ListRules.from_law(law)
    problems = [
        f"list of '{lst.party}': contest '{lst.contest}' is not '{contest_id}'"
        for lst in lists
        if lst.contest and lst.contest != contest_id
    ]
    known = contest_parties(store, contest_id)
    if known:
        problems += [
            f"list of '{lst.party}': party '{lst.party}' is not on the ballot of '{contest_id}'"
            for lst in lists
            if lst.party not in known
        ]
    new = {lst.party: lst for lst in lists}
    stored = load_lists(store, contest_id)
    everything = [lst for p, lst in stored.items() if p not in new] + list(new.values())
    result = check_lists(
        everything,
        rules,
        seats=law.list_tier.seats,
        election_date=election_day(store, contest_id),
        contest=contest_id,
    )
    problems += [p.message for p in result.problems]
    if problems:
        raise InputError(problems)
    start = len(stored)
    rows = [
        {
            "contest": contest_id,
            "party": c.party,
            "position": c.position,
            "name": c.name,
            "cid": c.id,
            "birth_date": c.birth_date.isoformat() if c.birth_date else None,
            "gender": c.gender,
            "categories": ";".join(sorted(c.categories)),
            "list_order": start + i,
        }
        for i, lst in enumerate(new.values())
        for c in lst.candidates
    ]
    rows_of.replace_lists(store, contest_id, list(new), rows)
    return result


def record_decision(store: Store, contest_id: str, party: str, refs: Sequence[str]) -> None:
    """Record (or replace) the party's decision: who takes its seats, in order.

    Each ref is a candidate's id, name or list position and must be on the party's
    registered list; the number of people is checked against the seats won when the
    deputies are assigned (results may still be coming in).
    """
    lst = load_lists(store, contest_id).get(party)
    if lst is None:
        raise InputError(f"party '{party}' has no registered list in contest '{contest_id}'")
    problems: list[str] = []
    seen: set[str] = set()
    for ref in refs:
        cand = lst.find(ref)
        if cand is None:
            problems.append(f"decision of '{party}': '{ref}' is not on the party's list")
        elif cand.key in seen:
            problems.append(f"decision of '{party}': '{ref}' is chosen twice")
        else:
            seen.add(cand.key)
    if not refs:
        problems.append(f"decision of '{party}': names no candidate")
    if problems:
        raise InputError(problems)
    rows_of.replace_decision(store, contest_id, party, refs)


def stored_deputies(store: Store, contest_id: str) -> DeputyAssignment:
    """The contest's deputies from its stored result, lists, decisions and vacancies."""
    results = store.results(contest_id)
    parties = set(results.totals.votes)
    # The party-list tier only: reserved tiers (e.g. the Assembly's 9) are not list seats.
    seats = {p: n for p, n in (results.seats or {}).items() if p in parties}
    law = store.law(contest_id)
    assignment = assign_deputies(
        seats,
        load_lists(store, contest_id),
        election_date=election_day(store, contest_id),
        decisions=rows_of.decisions(store, contest_id),
        rules=ListRules.from_law(law),
    )
    for deputy, successor in rows_of.vacancy_rows(store, contest_id):
        assignment = fill_vacancy(assignment, deputy, choice=successor).assignment
    return assignment


def record_vacancy(
    store: Store, contest_id: str, deputy: str, successor: str | None = None
) -> DeputyAssignment:
    """End a sitting deputy's mandate; the seat goes to ``successor`` (the party's
    decision) or the next unseated candidate of the same list.  Checked first."""
    assignment = fill_vacancy(stored_deputies(store, contest_id), deputy, choice=successor)
    rows_of.add_vacancy(store, contest_id, deputy, successor)
    return assignment.assignment
