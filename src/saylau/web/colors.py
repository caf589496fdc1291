"""Deterministic party colours with AA contrast.

Every colour of the palette carries white text at a contrast ratio of at least 4.5:1
(WCAG 2 AA) and stands out from the white page at more than 3:1 (non-text contrast).
A party's colour depends only on its name and on the names before it in the contest,
so it is the same on every page, in every export and on every run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Final

PALETTE: Final[tuple[str, ...]] = (
    "#1f4e9c",  # blue
    "#b3261e",  # red
    "#1b6e3a",  # green
    "#7b3f99",  # purple
    "#a14a00",  # burnt orange
    "#00677f",  # teal
    "#8a1c5a",  # magenta
    "#5b5e00",  # olive
    "#3949ab",  # indigo
    "#7a4a1e",  # brown
    "#006d5b",  # sea green
    "#b0306a",  # raspberry
    "#4a5d23",  # moss
    "#37474f",  # slate
    "#0b5394",  # cobalt
    "#8e3b00",  # rust
)
#: The seats filled outside the popular vote (e.g. by the Assembly of People).
RESERVED_COLOR: Final = "#4d4d4d"


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two ``#rrggbb`` colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def party_colors(parties: Iterable[str]) -> dict[str, str]:
    """Colour per party: the palette slot named by a hash of the name, probing past
    slots already taken by earlier parties (until the palette is exhausted)."""
    taken: set[int] = set()
    out: dict[str, str] = {}
    for name in parties:
        start = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")
        slot = start % len(PALETTE)
        for probe in range(len(PALETTE)):
            candidate = (start + probe) % len(PALETTE)
            if candidate not in taken:
                slot = candidate
                break
        taken.add(slot)
        if len(taken) == len(PALETTE):
            taken.clear()
        out[name] = PALETTE[slot]
    return out
