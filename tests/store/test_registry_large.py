"""A large file is checked against the registered stations like a small one.

Above ``registry._PREFILTER`` rows the rows are filtered in polars before the per-row
check (a million-row load looped over every row); the refusals must be the same
sentences, in row order, and nothing may be written.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from store_helpers import write_csv

from saylau.errors import InputError
from saylau.store import Store, registry
from saylau.store.registry import Registration
from saylau.tabulate import read_protocols

N = registry._PREFILTER + 500


def _row(i: int, region: str = "North") -> str:
    return f"{i},{region},N{i % 7},100,60,60,2,58,30,28"


def _versions(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM protocol_versions")).scalar_one())


@pytest.mark.parametrize("size", [3, N], ids=["small", "large"])
def test_unregistered_and_moved_stations_are_refused_in_row_order(
    store: Store, tmp_path: Path, size: int
) -> None:
    # The first load registers its stations (a contest initialised without a file).
    first = read_protocols(write_csv(tmp_path / "a.csv", [_row(i) for i in range(1, N + 1)]))
    assert store.ingest("majilis", first).accepted == N
    written = _versions(store)

    rows = [_row(i) for i in range(1, size + 1)]
    rows[1] = _row(900_001)  # row 2: a station nobody registered
    rows[-1] = _row(size, region="South")  # the last row moves its station
    later = read_protocols(write_csv(tmp_path / "b.csv", rows))
    with pytest.raises(InputError) as err:
        store.ingest("majilis", later)
    assert err.value.problems == [
        "b.csv row 2: station '900001' is not registered in 'majilis'",
        f"b.csv row {size}: station '{size}' is registered in 'district:North/N{size % 7}';"
        f" the protocol places it in 'district:South/N{size % 7}'",
    ]
    assert _versions(store) == written

    # Allowed to register, the new station is no longer refused; the move still is.
    with pytest.raises(InputError) as err:
        store.ingest("majilis", later, register=Registration(stations=True))
    assert [p.split(":")[0] for p in err.value.problems] == [f"b.csv row {size}"]
    assert _versions(store) == written
