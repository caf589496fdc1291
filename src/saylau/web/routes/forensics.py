"""The forensics page: ``GET /contests/{id}/forensics?region=…&leader=…`` and its
``/api/v1`` twin.

The turnout × leader's-share histogram, the integer-percentage test (Kobak, Shpilkin &
Pshenichnikov 2016) and the last-digit test of ``saylau forensics`` — the same library
call (:func:`saylau.analysis.forensics.analyse`), the same figures — per contest or
region, for the share of the contest's leader, of a region's own leader or of any party
the reader picks (``--leader``), computed once per version of the contest's data and
party (the tests take seconds on ten thousand stations).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query

from saylau.errors import InputError, NotFoundError
from saylau.store import Store
from saylau.web.pages import View, page
from saylau.web.responses import ERRORS

router = APIRouter(tags=["analysis"])


def _contest(store: Store, contest_id: str) -> dict[str, Any]:
    info = store.contest(contest_id)
    return {
        "id": info.id,
        "title": info.title,
        "election": info.election,
        "law": info.law,
        "synthetic": info.synthetic,
    }


#: Forensics computed, by (store, contest, party tested) and the contest's change
#: counter: the tests are expensive (1,000 Monte Carlo draws over every station) and
#: change only with the data.
_FORENSICS: dict[tuple[str, str, str | None], tuple[int, dict[str, Any] | None]] = {}
_FORENSICS_LOCK = threading.Lock()


def _leader(votes: Mapping[str, int]) -> str | None:
    """The party with the most votes (the first listed on a tie); None before any."""
    if not any(votes.values()):
        return None
    return max(votes, key=lambda p: votes[p])


def forensics_data(
    store: Store, contest_id: str, party: str | None = None
) -> dict[str, Any] | None:
    """The contest's forensics report for ``party`` (default: the contest's leader), as
    ``saylau forensics --leader PARTY --json`` prints it with the default draws and
    seed, its histogram cells, national and per region, the contest's leader, its
    parties and each region's leader; None before any vote is counted.  Cached per
    version of the data."""
    from saylau.analysis import forensics as fx
    from saylau.web.forensics_svg import histogram_cells

    info = store.contest(contest_id)
    key = (store.url, contest_id, party)
    with _FORENSICS_LOCK:  # one computation at a time; the others wait for its answer
        cached = _FORENSICS.get(key)
        if cached is not None and cached[0] == info.change_counter:
            return cached[1]
        votes = store.results(contest_id).totals.votes
        leader = _leader(votes)
        data: dict[str, Any] | None = None
        if leader is not None:
            tested = party or leader
            if tested not in votes:
                shown = "; ".join(repr(p) for p in votes)
                raise InputError(
                    f"leader {tested!r} is not a party of contest {contest_id!r} (parties: {shown})"
                )
            frame = store.iter_protocols(contest_id)
            report = fx.analyse(frame, tested, synthetic=info.synthetic)
            turnout, share, region = fx.shares(frame, tested)
            # Keyed by region as the report is ("" is abroad); None: the whole contest.
            cells: dict[str | None, list[list[int]]] = {None: histogram_cells(turnout, share)}
            for name in sorted({str(r) for r in region}):
                mask = region == name
                cells[name] = histogram_cells(turnout[mask], share[mask])
            data = {
                "leader": tested,
                "contest_leader": leader,
                "parties": sorted(votes, key=lambda p: -votes[p]),
                "region_leaders": fx.region_leaders(frame),
                "report": report.to_dict(),
                "cells": cells,
            }
        _FORENSICS[key] = (info.change_counter, data)
        return data


#: The name of the stations abroad, which have no region (the divisions' name).
ABROAD = "Abroad"

#: The report's keys of the integer-percentage test (national and per region).
INTEGER_KEYS = (
    "stations",
    "integer_observed",
    "integer_observed_turnout",
    "integer_observed_leader",
    "integer_expected",
    "integer_null_mean",
    "integer_excess",
    "integer_excess_sd",
    "integer_excess_p999",
    "integer_p_value",
)


def forensics_context(
    store: Store, contest_id: str, region: str | None, party: str | None = None
) -> dict[str, Any]:
    """The forensics page of a contest (``region`` None) or of one of its regions, for
    ``party``'s share (default: the contest's leader)."""
    data = forensics_data(store, contest_id, party)
    out: dict[str, Any] = {
        "contest": _contest(store, contest_id),
        "region": region,
        "counted": data is not None,
    }
    if data is None:
        if region:
            raise NotFoundError(f"region {region!r}: no protocol of it is counted yet")
        return out
    report = data["report"]
    regions = report["regions"]
    # Stations abroad have no region in their protocols (the report's ""): the
    # division page of Abroad asks for them by that name.
    key = "" if region == ABROAD and ABROAD not in regions and "" in regions else region
    if key is not None and key not in regions:
        raise NotFoundError(f"region {region!r} is not a region of contest {contest_id!r}")
    scope = regions[key] if key is not None else report
    out.update(
        leader=data["leader"],
        contest_leader=data["contest_leader"],
        # The leading party where the reader is: the contest's, or the region's own.
        local_leader=data["region_leaders"].get(key, data["contest_leader"])
        if key is not None
        else data["contest_leader"],
        parties=data["parties"],
        integer={k: scope.get(k) for k in INTEGER_KEYS},
        last_digit=scope.get("last_digit"),
        cells=data["cells"].get(key, []),
        regions=[
            {
                "name": name or ABROAD,
                "stations": r.get("stations"),
                "leader": data["region_leaders"].get(name),
                "integer_excess": r.get("integer_excess"),
                "integer_p_value": r.get("integer_p_value"),
                "last_digit_p_value": (r.get("last_digit") or {}).get("p_value"),
            }
            for name, r in regions.items()
        ]
        if not region
        else [],
        report=report,
    )
    return out


# Routes -------------------------------------------------------------------------------


@page(
    router,
    "/contests/{contest_id}/forensics",
    template="forensics.html",
    responses=ERRORS,
)
def forensics(
    contest_id: str,
    region: Annotated[str | None, Query(max_length=200, description="a region's name")] = None,
    leader: Annotated[
        str | None,
        Query(max_length=200, description="the party whose share is tested (default: the leader)"),
    ] = None,
) -> View:
    """The turnout × leader's-share histogram (``cells``: turnout bin, share bin,
    stations; 1-point bins), the integer-percentage test (Kobak, Shpilkin &
    Pshenichnikov 2016) and the last-digit test of the contest or one region, for the
    share of ``leader`` (default: the contest's leading party; ``local_leader`` is the
    region's own); ``report`` is what ``saylau forensics DB --contest ID --leader LEADER
    --json`` prints, and a region's figures what ``--region REGION`` adds to it."""
    where = region.strip() if region and region.strip() else None
    party = leader.strip() if leader and leader.strip() else None
    query = "&".join(f"{k}={v}" for k, v in (("region", where), ("leader", party)) if v is not None)
    return View(
        lambda store: forensics_context(store, contest_id, where, party),
        contest_id=contest_id,
        query=query,
    )
