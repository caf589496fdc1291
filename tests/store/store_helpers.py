"""Helpers of the store tests: tiny protocol files."""

from __future__ import annotations

from pathlib import Path

from saylau.tabulate import ProtocolTable, read_protocols

HEADER = "station,region,district,registered,issued_at_station,in_stationary_boxes,invalid,valid,party:A,party:B\n"
# Five consistent protocols in two regions; station 5 has no region (sits under the root).
GOOD = [
    "1,North,N1,100,60,60,2,58,30,28",
    "2,North,N1,200,100,100,5,95,50,45",
    "3,North,N2,120,70,70,1,69,40,29",
    "4,South,S1,150,90,90,0,90,10,80",
    "5,,,50,10,10,0,10,6,4",
]


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def table(path: Path, rows: list[str], header: str = HEADER) -> ProtocolTable:
    return read_protocols(write_csv(path, rows, header))
