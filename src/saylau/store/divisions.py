"""Division trees: the divisions CSV, and ids for divisions created on the fly.

The divisions CSV (UTF-8, header ``id,name,level,parent[,country]``) lists every
division of a contest once: exactly one root (empty ``parent``, level ``country``),
then regions, districts and stations (level ``station``), each naming its parent's
id.  Stations abroad carry ``country``.  Stations are leaves; ids are unique.

Without a divisions file the tree is built from the protocols' own columns: root
``national`` → ``region:<region>`` → ``district:<region>/<district>`` → station, and
a station with ``country`` sits under ``abroad`` → ``abroad:<country>``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from saylau.errors import InputError
from saylau.results.tree import path_to_root

LEVELS: tuple[str, ...] = ("country", "region", "district", "station")
ROOT_ID = "national"
ABROAD_ID = "abroad"
_HEADER = ("id", "name", "level", "parent")


@dataclass(frozen=True)
class DivisionRow:
    id: str
    name: str
    level: str
    parent_id: str | None
    country: str | None = None


def read_divisions(source: Path | str) -> list[DivisionRow]:
    """Read and validate a divisions CSV; ``InputError`` lists every problem."""
    path = Path(source)
    label = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise InputError(f"{label}: cannot read: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{label}: not UTF-8 text (byte {err.start})") from err
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header[:4]) != _HEADER or header[4:] not in ([], ["country"]):
        raise InputError(
            f"{label}: header must be id,name,level,parent[,country], found {','.join(header)!r}"
        )
    problems: list[str] = []
    rows: list[DivisionRow] = []
    for n, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"{label} line {n}: {len(cells)} cells, expected {len(header)}")
            continue
        ident, name, level, parent = (c.strip() for c in cells[:4])
        country = cells[4].strip() if len(cells) > 4 else ""
        if not ident:
            problems.append(f"{label} line {n}: id is empty")
        if level not in LEVELS:
            problems.append(f"{label} line {n}: level {level!r} is not one of {', '.join(LEVELS)}")
        rows.append(DivisionRow(ident, name or ident, level, parent or None, country or None))
    problems += validate_tree(rows, label)
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError(f"{label}: no divisions")
    return rows


def validate_tree(rows: list[DivisionRow], label: str) -> list[str]:
    """Problems of a division list as a tree: duplicates, roots, parents, stations as leaves."""
    problems: list[str] = []
    by_id: dict[str, DivisionRow] = {}
    for r in rows:
        if r.id in by_id:
            problems.append(f"{label}: division id {r.id!r} appears twice")
        by_id[r.id] = r
    roots = [r.id for r in rows if r.parent_id is None]
    if len(roots) != 1:
        problems.append(
            f"{label}: expected exactly one root (empty parent), found {len(roots)}: {roots[:5]}"
        )
    for r in rows:
        if r.parent_id is None:
            continue
        parent = by_id.get(r.parent_id)
        if parent is None:
            problems.append(f"{label}: division {r.id!r}: parent {r.parent_id!r} is not listed")
        elif parent.level == "station":
            problems.append(f"{label}: division {r.id!r}: parent {r.parent_id!r} is a station")
    if not problems:
        for r in rows:  # cycles: walking up must reach the root within len(rows) steps
            seen = 0
            cur: DivisionRow | None = r
            while cur is not None and cur.parent_id is not None and seen <= len(rows):
                cur = by_id.get(cur.parent_id)
                seen += 1
            if seen > len(rows):
                problems.append(f"{label}: division {r.id!r} is in a cycle of parents")
                break
    return problems


def paths(parents: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Each division's ancestors-or-self list from the root down (non-station divisions)."""
    return {d: path_to_root(d, parents) for d in parents}


def parent_expr(columns: Iterable[str]) -> pl.Expr:
    """The on-the-fly parent division id of each protocol row, from its columns."""
    cols = set(columns)

    def text(c: str) -> pl.Expr:
        return pl.col(c).fill_null("") if c in cols else pl.lit("")

    region, district, country = text("region"), text("district"), text("country")
    return (
        pl.when(country != "")
        .then(pl.lit("abroad:") + country)
        .when(district != "")
        .then(pl.lit("district:") + region + pl.lit("/") + district)
        .when(region != "")
        .then(pl.lit("region:") + region)
        .otherwise(pl.lit(ROOT_ID))
    )


def implied_divisions(
    keys: Iterable[tuple[str | None, str | None, str | None]],
) -> list[DivisionRow]:
    """The non-station divisions the on-the-fly tree needs for (region, district, country)s."""
    out: dict[str, DivisionRow] = {}
    for region, district, country in keys:
        region, district, country = region or "", district or "", country or ""
        if country:
            out.setdefault(ABROAD_ID, DivisionRow(ABROAD_ID, "Abroad", "region", ROOT_ID))
            ident = f"abroad:{country}"
            out.setdefault(ident, DivisionRow(ident, country, "district", ABROAD_ID, country))
            continue
        parent = ROOT_ID
        if region:
            parent = f"region:{region}"
            out.setdefault(parent, DivisionRow(parent, region, "region", ROOT_ID))
        if district:
            ident = f"district:{region}/{district}"
            out.setdefault(ident, DivisionRow(ident, district, "district", parent))
    return list(out.values())
