"""The demo's maslikhat contests: local councils elected the same day as the Majilis.

Kazakhstan elected its maslikhats on 10 January 2021, the day of the Majilis
election.  ``saylau demo`` builds the Majilis from synthetic station protocols
(``saylau.tabulate.synth.synth_like_kz_2021``); this module adds a handful of
maslikhats on the *same* stations: the voters of a station get a maslikhat ballot
with their Majilis ballot, so the ballot accounting (registered, ballots received
and issued, boxes) is the Majilis protocol's, while the invalid ballots and the
party votes are drawn afresh around the station's Majilis vote (seeded, so the demo
is reproducible).  Every protocol is synthetic and labelled so; only the seat
counts noted below are official figures.

The contests are created with ``stored_maslikhats.init_maslikhats`` (one store
contest each, law ``kz-maslikhat-2021`` resized to the maslikhat's seats) and the
protocols go in with ``Store.ingest``, exactly as ``saylau maslikhats init`` plus
``saylau ingest --contest`` would do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from saylau.institutions.maslikhats import MaslikhatContest
from saylau.tabulate import ProtocolTable
from saylau.tabulate.fields import ROW

if TYPE_CHECKING:
    from saylau.store import Store

ELECTION = "Elections to the maslikhats of Kazakhstan, 10 January 2021"
DAY = "2021-01-10"
LAW = "kz-maslikhat-2021"
SOURCE = "kz-2021-maslikhat-synthetic"
NOTE = (
    "kz-maslikhat-2021 demo (seed {seed}): station protocols are invented on the demo's "
    "Majilis stations; no figure is an official result"
)


@dataclass(frozen=True)
class DemoMaslikhat:
    """One demo maslikhat: which of the demo's stations vote for it, and its seats.

    ``region`` is the demo's region name (``kz-2021/regions.csv``); ``districts``
    narrows the stations to those territorial commissions (empty: the whole region).
    """

    id: str
    name: str
    level: str
    seats: int
    region: str
    districts: tuple[str, ...] = ()
    parent: str = ""


# Seats (official 2021 figures, reported by the cities' territorial commissions to the
# CEC): Nur-Sultan city 31 (Elorda Info, https://ru.elordainfo.kz/novosti-stolicy-ru/
# 3267-2b669260-f787-4665-8fb0-f558763184f9-57780-ru/amp), Almaty city 39 (Kazakhstan
# Today, 14 January 2021, https://www.kt.kz/eng/politics/
# results_of_elections_to_maslikhats_of_almaty_and_shymkent_1377910104.html).
# Petropavlovsk (North Kazakhstan Region): the 2021 figure was not found; 18 is the 2023
# one (Kazinform, 27 January 2023, https://www.inform.kz/en/
# n-kazakhstan-to-elect-193-maslikhat-deputies_a4028543), used only to size the demo.
# Its stations are the demo's invented "TEC 01" of the region, not the city's precincts.
# Shymkent city 30 (same kt.kz source).
DEMO_MASLIKHATS: tuple[DemoMaslikhat, ...] = (
    DemoMaslikhat(
        "nur-sultan-city", "Nur-Sultan city maslikhat (synthetic)", "city", 31, "Nur-Sultan"
    ),
    DemoMaslikhat("almaty-city", "Almaty city maslikhat (synthetic)", "city", 39, "Almaty"),
    DemoMaslikhat("shymkent-city", "Shymkent city maslikhat (synthetic)", "city", 30, "Shymkent"),
    DemoMaslikhat(
        "petropavlovsk-city",
        "Petropavlovsk city maslikhat, North Kazakhstan Region (synthetic)",
        "city",
        18,
        "North Kazakhstan Region",
        ("North Kazakhstan Region TEC 01",),
    ),
)


def _stations(majilis: pl.DataFrame, m: DemoMaslikhat) -> pl.DataFrame:
    rows = majilis.filter(pl.col("region") == m.region)
    if m.districts:
        rows = rows.filter(pl.col("district").is_in(list(m.districts)))
    return rows


def contests(majilis: pl.DataFrame) -> list[MaslikhatContest]:
    """The demo maslikhats as contests; ``stations`` names their first..last station."""
    out: list[MaslikhatContest] = []
    for m in DEMO_MASLIKHATS:
        ids = _stations(majilis, m)["station"]
        span = f"{ids[0]}..{ids[-1]}" if len(ids) else ""
        out.append(MaslikhatContest(m.id, m.name, m.level, m.seats, LAW, m.region, m.parent, span))
    return out


def protocols(majilis: pl.DataFrame, *, seed: int = 2021) -> dict[str, ProtocolTable]:
    """Contest id -> synthetic maslikhat protocols on the Majilis demo's stations.

    ``majilis`` is the demo's Majilis frame (``station``, ``region``, ``district``,
    the accounting columns and ``party:`` columns).  Per station: accounting as in
    the Majilis protocol; invalid ballots ~ Binomial(issued, 3%); the valid ones
    split multinomially over the parties with the station's Majilis shares tilted
    per contest and per station (lognormal), so local results differ a little
    from the national vote.  Every sum the protocol checks holds exactly.
    """
    rng = np.random.default_rng(seed)
    party_cols = [c for c in majilis.columns if c.startswith("party:")]
    parties = [c.split(":", 1)[1] for c in party_cols]
    out: dict[str, ProtocolTable] = {}
    for m in DEMO_MASLIKHATS:
        rows = _stations(majilis, m).drop(ROW, strict=False)
        if rows.is_empty():
            raise ValueError(f"demo maslikhat '{m.id}': no demo stations in '{m.region}'")
        issued = (rows["valid"] + rows["invalid"]).to_numpy().astype(np.int64)
        invalid = rng.binomial(issued, 0.03).astype(np.int64)
        valid = issued - invalid
        base = rows.select(party_cols).to_numpy().astype(np.float64) + 1.0
        tilt = rng.lognormal(0.0, 0.2, len(parties))[None, :]
        weights = base * tilt * rng.lognormal(0.0, 0.1, base.shape)
        weights /= weights.sum(axis=1, keepdims=True)
        votes = rng.multinomial(valid, weights).astype(np.int64)
        frame = rows.with_columns(
            pl.Series("invalid", invalid, dtype=pl.Int64),
            pl.Series("valid", valid, dtype=pl.Int64),
            *(pl.Series(c, votes[:, j], dtype=pl.Int64) for j, c in enumerate(party_cols)),
        )
        frame = frame.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)).select(
            ROW, pl.exclude(ROW)
        )
        out[m.id] = ProtocolTable(
            frame=frame,
            parties=parties,
            source=SOURCE,
            synthetic=True,
            note=NOTE.format(seed=seed),
        )
    return out


def build(store: Store, majilis: pl.DataFrame, *, seed: int = 2021) -> dict[str, Any]:
    """Create the demo maslikhats in ``store`` and ingest their protocols.

    Returns contest id -> ``IngestSummary``.  The contests join the election
    ``ELECTION`` (the maslikhats' own election, held on the Majilis' day).
    """
    from saylau.institutions import stored_maslikhats

    tables = protocols(majilis, seed=seed)
    stored_maslikhats.init_maslikhats(store, contests(majilis), election=ELECTION, date=DAY)
    return {
        cid: store.ingest(cid, table, actor="demo", reason="demo data")
        for cid, table in tables.items()
    }


def ids() -> Sequence[str]:
    """The demo maslikhats' contest ids, in creation order."""
    return tuple(m.id for m in DEMO_MASLIKHATS)
