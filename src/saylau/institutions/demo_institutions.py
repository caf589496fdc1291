"""The demo's institutions: candidate lists, observers and the Assembly session, so
that every page of ``saylau demo`` has content.

* Candidate lists for the parties that won seats: **synthetic** people (named
  "Candidate NN of <party> (synthetic)"), each list as long as the seats won plus
  10% (the law allows seats + 30%), two in five women, so the 30% quota of women and
  young people holds.  They go in through ``stored_lists.register_lists``, which
  checks them against the law as ``saylau lists register`` does.
* The bundled 2021 observers registry (``institutions-kz-2021-observers.csv``).
* The Assembly of People of Kazakhstan's session: 351 of its 504 members took part
  (the figures issue #16 gives for the 2021 session, not checked against a CEC
  source here); the nine candidates and their votes
  are synthetic, labelled so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from saylau.institutions import persist, stored_lists, stored_sessions
from saylau.institutions.candidates import Candidate, CandidateList
from saylau.institutions.observers import read_registry
from saylau.store import Store

#: The Assembly session of 2021: members and members who took part.
ASSEMBLY_MEMBERS = 504
ASSEMBLY_TOOK_PART = 351


def synthetic_list(party: str, contest: str, length: int, day: date) -> CandidateList:
    """``length`` synthetic candidates of ``party``: positions 2 and 4 of every five are
    women (40%), ages 30 to 59 on election ``day``."""
    people = []
    for i in range(1, length + 1):
        age = 30 + (i * 7) % 30
        people.append(
            Candidate(
                name=f"{party}: candidate {i:02d} (synthetic)",
                party=party,
                position=i,
                contest=contest,
                id=f"{party}-{i:03d}",
                birth_date=date(day.year - age - 1, 6, 1),
                gender="female" if i % 5 in (2, 4) else "male",
            )
        )
    return CandidateList(party, tuple(people), contest)


def build(store: Store, contest_id: str = "majilis") -> dict[str, Any]:
    """Register the lists, the observers and the Assembly session of ``contest_id``."""
    day = stored_lists.election_day(store, contest_id)
    seats = store.results(contest_id).party_seats
    lists = [
        synthetic_list(party, contest_id, won + (won + 9) // 10, day)
        for party, won in seats.items()
        if won > 0
    ]
    stored_lists.register_lists(store, contest_id, lists)
    observers = persist.save_registry(store, read_registry("kz-2021"))
    # Nine synthetic candidates, every one backed by more than half of those present.
    votes = {f"Assembly candidate {i:02d} (synthetic)": 340 - 3 * i for i in range(1, 10)}
    session = stored_sessions.record_session(
        store, contest_id, votes, members=ASSEMBLY_MEMBERS, took_part=ASSEMBLY_TOOK_PART
    )
    return {
        "lists": {lst.party: len(lst.candidates) for lst in lists},
        "observers": observers,
        "assembly_elected": len(session.elected),
    }
