"""Synthetic station protocols: a Kazakhstan-2021-like election, or load-test data.

Every file written here starts with the label line ``# synthetic: <what>``, which
``read_protocols`` turns into ``ProtocolTable.synthetic``; every output built from
such a file says ``"synthetic": true``.  Generation is vectorised numpy and
deterministic for a seed.  Every generated protocol satisfies every control relation.
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl

from saylau.errors import InputError
from saylau.tabulate.fields import party_column

LIKE = ("kz-majilis-2021",)
_I64 = np.int64


@dataclass(frozen=True)
class Official:
    """The national figures a ``--like`` election reproduces exactly."""

    stations: int
    abroad_stations: int
    registered: int
    voted: int
    invalid: int
    votes: dict[str, int]


def _data(name: str) -> str:
    return (resources.files("saylau") / "data" / "kz-2021" / name).read_text(encoding="utf-8")


def kz_2021_official() -> Official:
    """The official 2021 Majilis figures bundled in ``saylau/data/kz-2021/official.toml``."""
    d = tomllib.loads(_data("official.toml"))
    return Official(
        d["stations"],
        d["abroad_stations"],
        d["registered"],
        d["voted"],
        d["invalid"],
        {str(k): int(v) for k, v in d["votes"].items()},
    )


def split_exact(total: int, weights: np.ndarray, caps: np.ndarray | None = None) -> np.ndarray:
    """Split ``total`` into non-negative ints proportional to ``weights``, exactly.

    Floors of the quotas, then the remainder by largest fractional part; with ``caps``
    no part exceeds its cap (the excess goes to the parts with room).
    """
    w = np.asarray(weights, dtype=np.float64)
    n = w.size
    if caps is not None and int(caps.sum()) < total:
        raise ValueError("caps cannot hold the total")
    out = np.zeros(n, dtype=_I64)
    left = total
    active = np.ones(n, dtype=bool)
    while left > 0:
        ww = np.where(active, w, 0.0)
        if ww.sum() <= 0:
            ww = active.astype(np.float64)
        quotas = left * ww / ww.sum()
        part = np.floor(quotas).astype(_I64)
        rem = left - int(part.sum())
        frac = quotas - part
        order = np.argsort(-frac, kind="stable")
        order = order[active[order]]
        while rem > 0:
            k = min(rem, order.size)
            part[order[:k]] += 1
            rem -= k
        while rem < 0:  # float rounding overshoot: take back from the smallest fractions
            pos = order[::-1][part[order[::-1]] > 0][:-rem]
            part[pos] -= 1
            rem += pos.size
        out += part
        left = 0
        if caps is not None:
            over = out > caps
            if over.any():
                left = int((out - caps)[over].sum())
                out = np.minimum(out, caps)
                active = out < caps
    return out


def _frame_columns(
    rng: np.random.Generator,
    registered: np.ndarray,
    issued: np.ndarray,
    invalid: np.ndarray,
    votes: np.ndarray,
    parties: list[str],
) -> dict[str, np.ndarray]:
    """The ballot accounting lines around given registered/issued/invalid/votes."""
    early = rng.binomial(issued, 0.012).astype(_I64)
    outside = rng.binomial(issued - early, 0.035).astype(_I64)
    at_station = issued - early - outside
    factor = rng.uniform(0.9, 1.02, registered.size)
    received = np.maximum(issued, (np.ceil(registered * factor / 10) * 10).astype(_I64))
    zeros = np.zeros(registered.size, dtype=_I64)
    cols: dict[str, np.ndarray] = {
        "registered": registered,
        "ballots_received": received,
        "issued_early": early,
        "issued_at_station": at_station,
        "issued_outside": outside,
        "cancelled": received - issued,
        # home-voting ballots go to the mobile boxes, early ballots to the stationary one
        "in_mobile_boxes": outside,
        "in_stationary_boxes": issued - outside,
        "invalid": invalid,
        "valid": issued - invalid,
        "lost": zeros,
        "unaccounted": zeros,
    }
    for j, name in enumerate(parties):
        cols[party_column(name)] = votes[:, j]
    return cols


def synth_like_kz_2021(seed: int = 0) -> pl.DataFrame:
    """10,060 synthetic station protocols whose national totals equal the 2021 figures."""
    rng = np.random.default_rng(seed)
    off = kz_2021_official()
    regions = list(csv.DictReader(io.StringIO(_data("regions.csv"))))
    abroad = list(csv.DictReader(io.StringIO(_data("abroad.csv"))))
    station_ids: list[str] = []
    region_col: list[str | None] = []
    district_col: list[str | None] = []
    country_col: list[str | None] = []
    size_weight: list[float] = []
    group: list[int] = []
    for g, reg in enumerate(regions):
        count = int(reg["stations"])
        per_station = float(reg["voters_weight"]) / count
        districts = max(1, count // 60)
        for k in range(count):
            station_ids.append(f"{reg['code']}-{k + 1:04d}")
            region_col.append(reg["name"])
            district_col.append(f"{reg['name']} TEC {k % districts + 1:02d}")
            country_col.append(None)
            size_weight.append(per_station)
            group.append(g)
    k_abroad = 0
    for row in abroad:
        for _ in range(int(row["stations"])):
            k_abroad += 1
            station_ids.append(f"ABR-{k_abroad:04d}")
            region_col.append(None)
            district_col.append(None)
            country_col.append(row["country"])
            size_weight.append(0.3)  # a few hundred voters registered abroad per station
            group.append(len(regions))
    n = len(station_ids)
    if n != off.stations or k_abroad != off.abroad_stations:
        raise InputError(f"bundled kz-2021 data has {n} stations ({k_abroad} abroad)")
    grp = np.asarray(group)
    w = np.asarray(size_weight) * rng.lognormal(0.0, 0.6, n)
    registered = split_exact(off.registered, w)
    registered = np.maximum(registered, 0)
    region_turnout = rng.uniform(0.52, 0.78, len(regions) + 1)
    t = np.clip(region_turnout[grp] + rng.normal(0, 0.08, n), 0.2, 0.97)
    issued = split_exact(off.voted, registered * t, caps=registered)
    invalid = split_exact(off.invalid, issued * rng.lognormal(0, 0.5, n), caps=issued)
    valid = issued - invalid
    parties = list(off.votes)
    share = np.asarray(list(off.votes.values()), dtype=np.float64)
    share /= share.sum()
    region_mix = rng.lognormal(0, 0.25, (len(regions) + 1, len(parties)))
    expected = (
        valid[:, None] * share[None, :] * region_mix[grp] * rng.lognormal(0, 0.2, (n, len(parties)))
    )
    votes = np.zeros((n, len(parties)), dtype=_I64)
    room = valid.copy()
    # Smallest parties first; the largest takes what is left, so its column total is
    # exact too (all valid ballots sum to the party total) and no station overflows.
    order = np.argsort(np.asarray(list(off.votes.values())))
    for j in order[:-1]:
        votes[:, j] = split_exact(off.votes[parties[j]], expected[:, j], caps=room)
        room = room - votes[:, j]
    votes[:, order[-1]] = room
    cols = _frame_columns(rng, registered, issued, invalid, votes, parties)
    ids = pl.DataFrame(
        {
            "station": station_ids,
            "region": region_col,
            "district": district_col,
            "country": country_col,
        },
        schema={
            "station": pl.String,
            "region": pl.String,
            "district": pl.String,
            "country": pl.String,
        },
    )
    return ids.hstack(pl.DataFrame(cols))


def synth_load(stations: int, parties: int, seed: int = 0) -> pl.DataFrame:
    """Fast load-test protocols: ``stations`` rows, ``parties`` party columns."""
    if stations < 1 or parties < 1:
        raise InputError(f"--stations {stations} and --parties {parties} must be at least 1")
    rng = np.random.default_rng(seed)
    registered = rng.integers(200, 3000, stations, dtype=_I64)
    issued = rng.binomial(registered, 0.62).astype(_I64)
    invalid = rng.binomial(issued, 0.02).astype(_I64)
    names = [f"Party {j + 1}" for j in range(parties)]
    p = rng.dirichlet(np.ones(parties) * 2)
    votes = rng.multinomial(issued - invalid, p).astype(_I64)
    cols = _frame_columns(rng, registered, issued, invalid, votes, names)
    regions = rng.integers(1, 21, stations)
    idx = np.arange(1, stations + 1)
    ids = pl.DataFrame({"n": idx, "r": regions}).select(
        pl.format("S{}", pl.col("n")).alias("station"),
        pl.format("Region {}", pl.col("r")).alias("region"),
        pl.format("Region {} District {}", pl.col("r"), pl.col("n") % 50 + 1).alias("district"),
    )
    return ids.hstack(pl.DataFrame(cols))


def write_synthetic(frame: pl.DataFrame, out: Path, label: str) -> None:
    """Write ``frame`` as canonical CSV with the ``# synthetic:`` label line, atomically."""
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    try:
        with tmp.open("wb") as fh:
            fh.write(f"# synthetic: {label}\n".encode())
            frame.write_csv(fh)
        tmp.replace(out)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{out}: cannot write: {err.strerror or err}") from None


def synth(
    out: Path,
    *,
    like: str | None = None,
    stations: int | None = None,
    parties: int | None = None,
    seed: int = 0,
) -> pl.DataFrame:
    """Generate and write synthetic protocols; returns the frame written."""
    if like is not None:
        if like not in LIKE:
            raise InputError(f"--like {like!r}: unknown (known: {', '.join(LIKE)})")
        frame = synth_like_kz_2021(seed)
        label = (
            f"{like} look-alike (seed {seed}); national totals equal the official 2021 "
            "figures, station figures are invented"
        )
    elif stations is not None and parties is not None:
        frame = synth_load(stations, parties, seed)
        label = f"load test, {stations} stations x {parties} parties (seed {seed})"
    else:
        raise InputError("synth needs --like NAME or both --stations N and --parties K")
    write_synthetic(frame, out, label)
    return frame
