"""A small synthetic election for the web tests (shared by the API, page and browser tests).

Three parties under the Majilis 2021 law (98 list seats, 7% threshold, plus 9
Assembly seats): two regions with two districts each, and two stations abroad.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from saylau.store import Store
from saylau.tabulate import read_protocols

Row = tuple[str, str, str, str, int, int, tuple[int, ...]]

PARTIES = ("Nur Otan", "Ak Zhol", "Auyl")
HEADER = ("station", "region", "district", "country", "registered", "invalid", "valid")

#: (station, region, district, country, registered, invalid, votes per party)
STATIONS: list[Row] = [
    ("001", "Almaty", "Medeu", "", 1000, 10, (500, 120, 30)),
    ("002", "Almaty", "Medeu", "", 1200, 12, (600, 100, 40)),
    ("003", "Almaty", "Bostandyk", "", 900, 8, (400, 90, 20)),
    ("004", "Astana", "Yesil", "", 1100, 5, (550, 80, 35)),
    ("005", "Astana", "Saryarka", "", 800, 4, (380, 60, 10)),
    ("A01", "", "", "Turkey", 300, 1, (150, 20, 5)),
    ("A02", "", "", "Germany", 250, 2, (90, 40, 3)),
]


def write_protocols(
    path: Path,
    rows: Sequence[Row],
    parties: Sequence[str] = PARTIES,
) -> Path:
    """Write a canonical protocol CSV."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([*HEADER, *(f"party:{p}" for p in parties)])
        for station, region, district, country, registered, invalid, votes in rows:
            w.writerow(
                [station, region, district, country, registered, invalid, sum(votes), *votes]
            )
    return path


def register_stations(store: Store, contest: str, rows: Sequence[Row]) -> None:
    """Register ``rows``' stations ahead of their results, as the CEC does: the
    results then know how many stations to expect ("7 / 7", not "7 stations reported")."""
    stations = [
        {"station": r[0], "region": r[1] or None, "district": r[2] or None, "country": r[3] or None}
        for r in rows
    ]
    store.register(contest, stations=stations, actor="cec")


def build_store(
    url: str,
    tmp: Path,
    rows: Sequence[Row] = STATIONS,
    parties: Sequence[str] = PARTIES,
    *,
    registered: bool = False,
) -> Store:
    """A store with the Majilis contest and ``rows`` ingested (their stations
    registered first with ``registered``)."""
    store = Store.open(url)
    store.init_election(
        "Elections 2021", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis"
    )
    if registered:
        register_stations(store, "majilis", rows)
    store.ingest("majilis", read_protocols(write_protocols(tmp / "p.csv", rows, parties)))
    return store
