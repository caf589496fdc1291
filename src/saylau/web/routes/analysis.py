"""Routes of the analysis pages: what-if, proportionality and projections.

Every page has a JSON twin built from the same context:

* ``GET /contests/{id}/whatif?threshold=5&method=dhondt&seats=98`` and
  ``GET /api/v1/contests/{id}/whatif?…`` — the contest's national votes from the
  store under its own law (the reference) and under the law with its party-list
  tier varied, side by side, seat changes and newly entering lists marked;
* ``GET /contests/{id}/proportionality`` and ``GET /api/v1/contests/{id}/proportionality``
  — the proportionality and fragmentation indices of the contest's party-list seats;
* ``POST /api/v1/projections`` — a seat projection from polls given as JSON
  (``{law, polls: [{pollster, end_date, sample_size, shares: {party: pct}}], sims,
  seed, charts}``); ``GET /projections?law=…`` documents it and offers a form that
  posts a polls CSV to ``POST /projections`` (the result page with inline SVG charts).

Only bundled law presets can be named (never a file path), simulations are capped
at ``MAX_SIMS``.  Bad parameters are 422 with ``{"ok": false, "error": …}`` on the API.
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from saylau.analysis.projection import Projection
from saylau.analysis.proportionality import INDEX_KEYS, indices
from saylau.errors import InputError
from saylau.law import Law
from saylau.store import Store
from saylau.web.colors import party_colors
from saylau.web.pages import View, page, set_language
from saylau.web.render import page_globals, site_of
from saylau.web.responses import ERRORS

router = APIRouter(tags=["analysis"])

#: Upper bound of simulations per projection request (keeps one request < ~1 s).
MAX_SIMS = 100_000
DEFAULT_SIMS = 20_000
MAX_POLLS = 500
MAX_CSV_CHARS = 200_000
MAX_SEATS = 10_000
#: Most what-if scenarios compared side by side (besides the law in force).
MAX_SCENARIOS = 8
#: Between the values of one what-if parameter.
SEP = ";"
DEFAULT_LAW = "kz-majilis-2021"

#: Display names of the indices (translated in the templates).
INDEX_LABELS: dict[str, str] = {
    "gallagher": "Gallagher index (least squares)",
    "loosemore_hanby": "Loosemore–Hanby index",
    "sainte_lague": "Sainte-Laguë index",
    "dhondt": "D'Hondt index (largest seats/votes ratio)",
    "enp_votes": "Effective number of parties by votes (Laakso–Taagepera)",
    "enp_seats": "Effective number of parties by seats (Laakso–Taagepera)",
    "golosov_votes": "Effective number of parties by votes (Golosov)",
    "golosov_seats": "Effective number of parties by seats (Golosov)",
    "wasted_vote_share": "Votes for lists that won no seat, %",
}

#: What the what-if page compares side by side when no variation is asked for: the
#: thresholds Kazakhstan's later laws and its neighbours use, and the two common
#: divisor methods (each skipped when the law in force already has it).
PRESETS: tuple[tuple[str, str], ...] = (
    ("threshold", "5"),
    ("threshold", "3"),
    ("method", "dhondt"),
    ("method", "sainte-lague"),
)

# The parties as the 2021 results name them, so the projection matches them by name.
EXAMPLE_POLLS = """pollster,end_date,sample_size,Nur Otan,Ak Zhol,People's Party of Kazakhstan,Auyl,Adal
Institute A,2021-01-05,1200,70.5,11.0,9.2,5.6,3.7
Institute B,2020-12-28,1500,69.8,11.9,8.7,5.9,3.7
"""

# pyplot keeps global state: one chart at a time.
_CHART_LOCK = threading.Lock()


# Contexts -----------------------------------------------------------------------------


def _contest(store: Store, contest_id: str) -> dict[str, Any]:
    info = store.contest(contest_id)
    return {"id": info.id, "title": info.title, "election": info.election, "law": info.law}


def _national(store: Store, contest_id: str) -> tuple[dict[str, int], int, int]:
    totals = store.results(contest_id).totals
    return dict(totals.votes), int(totals.against_all or 0), int(totals.invalid or 0)


def whatif_params(threshold: str | None, method: str | None, seats: str | None) -> dict[str, str]:
    """The variations asked for (blank values ignored), each parameter a value or a
    list of values separated by ``;`` (not commas: a Russian or Kazakh reader writes
    5,5 for 5.5), the scenarios being their combinations (at most ``MAX_SCENARIOS``),
    normalised; every problem at once."""
    from saylau.core import check_threshold
    from saylau.methods import get_method

    out: dict[str, str] = {}
    problems: list[str] = []
    raw = {"threshold": threshold, "method": method, "seats": seats}
    for key, text in raw.items():
        items = [x.strip() for x in (text or "").split(SEP) if x.strip()]
        values: list[str] = []
        for value in items:
            try:
                if key == "threshold":
                    check_threshold(value, "threshold")
                    values.append(value)
                elif key == "method":
                    values.append(get_method(value).name)
                elif not value.isdigit() or not 1 <= int(value) <= MAX_SEATS:
                    problems.append(
                        f"seats: {value!r} must be a whole number from 1 to {MAX_SEATS:,}"
                    )
                else:
                    values.append(str(int(value)))
            except InputError as err:
                problems.extend(err.problems)
        if values:
            out[key] = SEP.join(dict.fromkeys(values))
    combos = 1
    for joined in out.values():
        combos *= len(joined.split(SEP))
    if combos > MAX_SCENARIOS:
        problems.append(
            f"{combos} scenarios asked for ({', '.join(f'{k}={v}' for k, v in out.items())}); "
            f"at most {MAX_SCENARIOS}"
        )
    if problems:
        raise InputError(problems)
    return out


def whatif_context(store: Store, contest_id: str, params: Mapping[str, str]) -> dict[str, Any]:
    """The contest's votes under its law and under ``params`` applied to its list tier."""
    from saylau.analysis.whatif import WhatIf, compare_laws, vary
    from saylau.methods import method_names

    contest = _contest(store, contest_id)
    law = store.law(contest_id)
    votes, against_all, invalid = _national(store, contest_id)
    counted = sum(votes.values()) > 0
    data: dict[str, Any] = {
        "contest": contest,
        "law": law.name,
        "parameters": dict(params),
        "methods": method_names(),
        "counted": counted,
        "index_labels": INDEX_LABELS,
    }
    if not counted:
        data.update(parties=[], reference=None, scenarios=[])
        return data
    ref = compare_laws(votes, [law], against_all=against_all, invalid=invalid).scenarios[0]
    scenarios = [ref]
    if params:
        # Every combination of the values asked for, in the order given.
        keys = list(params)
        lists = [params[k].split(SEP) for k in keys]
        variations = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*lists)]
    else:
        # Side by side: the presets that differ from the law in force.
        same = {"threshold": str(ref.threshold), "method": ref.method}
        variations = [{k: v} for k, v in PRESETS if same[k] != v]
    for variation in variations:
        varied = vary(
            votes,
            law,
            {k: [v] for k, v in variation.items()},
            against_all=against_all,
            invalid=invalid,
        ).scenarios[0]
        scenarios.append(varied)
    result = WhatIf(votes=votes, scenarios=tuple(scenarios)).to_dict()
    result["reference"] = f"{law.name} (as in force)"
    result["scenarios"][0]["label"] = result["reference"]
    data.update(result)
    # The contest page's colours (same parties, same order).
    data["colors"] = party_colors(votes)
    return data


def proportionality_context(store: Store, contest_id: str) -> dict[str, Any]:
    """The indices of the contest's party-list seats (every list that stood counts)."""
    contest = _contest(store, contest_id)
    law = store.law(contest_id)
    votes, against_all, invalid = _national(store, contest_id)
    data: dict[str, Any] = {
        "contest": contest,
        "law": law.name,
        "tier": law.list_tier.name,
        "index_labels": INDEX_LABELS,
    }
    total = sum(votes.values())
    if total == 0:
        data.update(counted=False, parties=[], seats_total=0, indices=dict.fromkeys(INDEX_KEYS))
        return data
    seats = dict(law.allocate(votes, against_all=against_all, invalid=invalid).seats)
    seats_total = sum(seats.values())
    data.update(
        counted=True,
        votes_total=total,
        seats_total=seats_total,
        parties=[
            {
                "party": p,
                "votes": v,
                "votes_pct": 100.0 * v / total,
                "seats": seats.get(p, 0),
                "seats_pct": 100.0 * seats.get(p, 0) / seats_total if seats_total else None,
            }
            for p, v in votes.items()
        ],
        indices=indices(votes, seats),
    )
    return data


class PollIn(BaseModel):
    """One poll: party figures in percent (default) or respondent counts."""

    pollster: str = Field(max_length=200)
    end_date: str = Field(max_length=10, description="last fieldwork day, YYYY-MM-DD")
    sample_size: int | None = Field(None, description="respondents (needed for the weight)")
    shares: dict[str, float] = Field(description="party → percent (or count with unit=count)")
    unit: Literal["percent", "count"] = "percent"


class ProjectionIn(BaseModel):
    """A projection request (see ``docs/analysis.md``, "Projections from polls")."""

    law: str = Field(DEFAULT_LAW, max_length=100, description="a bundled law preset")
    polls: list[PollIn] = Field(min_length=1, max_length=MAX_POLLS)
    sims: int = Field(DEFAULT_SIMS, ge=1, le=MAX_SIMS)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    charts: bool = Field(False, description="include the SVG charts in the answer")


def _preset(name: str) -> Law:
    from saylau.law import load_law
    from saylau.law.load import preset_names

    # Only bundled presets: a law name from the web must never reach the file system.
    names = preset_names()
    if name not in names:
        raise InputError(f"law: unknown preset {name!r}; presets: {', '.join(names)}")
    return load_law(name)


def polls_csv(polls: list[PollIn]) -> str:
    """The polls as the CSV ``parse_polls`` reads (parties in order of appearance)."""
    parties: list[str] = []
    for poll in polls:
        parties.extend(p for p in poll.shares if p not in parties)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["pollster", "end_date", "sample_size", "unit", *parties])
    for poll in polls:
        size = "" if poll.sample_size is None else str(poll.sample_size)
        cells = [repr(poll.shares[p]) if p in poll.shares else "" for p in parties]
        writer.writerow([poll.pollster, poll.end_date, size, poll.unit, *cells])
    return buf.getvalue()


def _svg_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    # Inline SVG: drop the XML declaration and DOCTYPE that precede <svg.
    return text[text.find("<svg") :]


def projection_charts_svg(projection: Projection) -> dict[str, str]:
    """The seat-distribution and probability charts as SVG text."""
    from saylau.analysis.charts import projection_charts

    with _CHART_LOCK, tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        projection_charts(projection, out, formats=("svg",))
        return {
            "seats": _svg_text(out / "seats.svg"),
            "probabilities": _svg_text(out / "probabilities.svg"),
        }


def projection_context(
    law_name: str, text: str, *, sims: int, seed: int, charts: bool
) -> dict[str, Any]:
    """Parse ``text`` (a polls CSV), project under the preset ``law_name``."""
    from saylau.analysis.projection import parse_polls, project

    problems: list[str] = []
    if isinstance(sims, bool) or not 1 <= sims <= MAX_SIMS:
        problems.append(f"sims: {sims} must be from 1 to {MAX_SIMS:,}")
    if not 0 <= seed < 2**32:
        problems.append(f"seed: {seed} must be from 0 to {2**32 - 1}")
    if len(text) > MAX_CSV_CHARS:
        problems.append(f"polls: {len(text):,} characters, more than {MAX_CSV_CHARS:,}")
    law = None
    try:
        law = _preset(law_name)
    except InputError as err:
        problems.extend(err.problems)
    if problems or law is None:
        raise InputError(problems)
    polls = parse_polls(text, name="polls")
    if len(polls.polls) > MAX_POLLS:
        raise InputError(f"polls: {len(polls.polls)} polls, more than {MAX_POLLS}")
    result = project(polls, law, sims=sims, seed=seed)
    data: dict[str, Any] = {"ok": True, **result.to_dict()}
    if charts:
        data["charts"] = projection_charts_svg(result)
    return data


# Routes -------------------------------------------------------------------------------


def _whatif_query(params: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()))


@page(
    router,
    "/contests/{contest_id}/whatif",
    template="whatif.html",
    responses=ERRORS,
)
def whatif(
    contest_id: str,
    threshold: Annotated[str | None, Query(description="threshold in percent, e.g. 5")] = None,
    method: Annotated[str | None, Query(description="allocation method, e.g. dhondt")] = None,
    seats: Annotated[str | None, Query(description="seats of the party-list tier")] = None,
) -> View:
    """The contest's national votes under its law and under the law with its party-list
    tier's threshold, method or seats varied; ``scenarios[1].changes`` are the seat
    changes against the law in force, ``entered`` the lists that win seats only then."""
    params = whatif_params(threshold, method, seats)
    return View(
        lambda store: whatif_context(store, contest_id, params),
        contest_id=contest_id,
        # the key of the answer: the variation, as normalised (not the raw query)
        query=_whatif_query(params),
    )


@page(
    router,
    "/contests/{contest_id}/proportionality",
    template="proportionality.html",
    responses=ERRORS,
)
def proportionality(contest_id: str) -> View:
    """Gallagher, Loosemore–Hanby, Sainte-Laguë and D'Hondt indices, effective numbers
    of parties (Laakso–Taagepera, Golosov) and the wasted vote share of the contest's
    party-list seats.  Undefined values are ``null``."""
    return View(lambda store: proportionality_context(store, contest_id), contest_id=contest_id)


@router.post("/api/v1/projections", responses=ERRORS)
async def projection_api(body: ProjectionIn) -> JSONResponse:
    """Seat projection from polls: poll average, Dirichlet simulation, seats by
    ``allocate_batch`` under the law's party-list tier.  Same seed, same answer."""
    text = polls_csv(body.polls)
    data = await run_in_threadpool(
        lambda: projection_context(
            body.law, text, sims=body.sims, seed=body.seed, charts=body.charts
        )
    )
    return JSONResponse(data)


def _render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    # The form's answer depends on what was posted: rendered each time, never cached.
    ctx = {**context, **page_globals(request)}
    html = site_of(request).templates.get_template(template).render(ctx)
    return HTMLResponse(html)


def contest_colors(store: Store, law: str, names: list[str]) -> dict[str, str]:
    """Party colours as the results pages give them: those of the store's latest
    contest under ``law`` (its parties in their order, then any other name), so a
    party keeps its colour from the results to the projection."""
    found = [c for c in store.contests() if c.law == law]
    found.sort(key=lambda c: (c.date or "", c.id))
    order = list(store.results(found[-1].id).totals.votes) if found else []
    colors = party_colors([*order, *(n for n in names if n not in order)])
    return {n: colors[n] for n in names}


def _projection_form(law: str, polls: str, sims: int, seed: int) -> dict[str, Any]:
    from saylau.law.load import preset_names

    return {
        "form": {"law": law, "polls": polls, "sims": sims, "seed": seed},
        "laws": preset_names(),
        "max_sims": MAX_SIMS,
        "result": None,
        "charts": None,
        "example": False,
    }


@router.get("/projections", include_in_schema=False)
async def projections_page(request: Request, law: str = DEFAULT_LAW) -> HTMLResponse:
    set_language(request)
    from saylau.law.load import preset_names

    if law not in preset_names():
        raise InputError(f"law: unknown preset {law!r}; presets: {', '.join(preset_names())}")
    # The page opens on the projection of the example polls in the form (labelled as
    # such), not on an empty form: a reader sees what the tool gives before posting.
    data = await run_in_threadpool(lambda: _example_projection(law))
    names = [p["party"] for p in data["parties"]]
    store = site_of(request).store
    context = _projection_form(law, EXAMPLE_POLLS, DEFAULT_SIMS, 0)
    context["colors"] = await run_in_threadpool(lambda: contest_colors(store, law, names))
    context["result"] = data
    context["example"] = True
    return _render(request, "projections.html", context)


_EXAMPLES: dict[str, dict[str, Any]] = {}
_EXAMPLES_LOCK = threading.Lock()


def _example_projection(law: str) -> dict[str, Any]:
    """The projection of :data:`EXAMPLE_POLLS` under ``law`` (default simulations, seed
    0): the same every time, so computed once per law."""
    with _EXAMPLES_LOCK:
        if law not in _EXAMPLES:
            _EXAMPLES[law] = projection_context(
                law, EXAMPLE_POLLS, sims=DEFAULT_SIMS, seed=0, charts=False
            )
        return _EXAMPLES[law]


@router.post("/projections", include_in_schema=False)
async def projections_post(
    request: Request,
    law: Annotated[str, Form(max_length=100)] = DEFAULT_LAW,
    polls: Annotated[str, Form(max_length=MAX_CSV_CHARS)] = "",
    sims: Annotated[int, Form()] = DEFAULT_SIMS,
    seed: Annotated[int, Form()] = 0,
) -> HTMLResponse:
    set_language(request)
    # The page draws its own charts (HTML, the site's style and party colours).
    data = await run_in_threadpool(
        lambda: projection_context(law, polls, sims=sims, seed=seed, charts=False)
    )
    names = [p["party"] for p in data["parties"]]
    store = site_of(request).store
    context = _projection_form(law, polls, sims, seed)
    context["colors"] = await run_in_threadpool(lambda: contest_colors(store, law, names))
    context["result"] = data
    return _render(request, "projections.html", context)
