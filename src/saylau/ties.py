"""Exact tie resolution by a law's chain of criteria.

A chain is a sequence of criteria applied in turn until the tie is broken:

* ``votes`` – the party with more votes wins;
* ``order`` – the list registered earlier (earlier in the input) wins;
* ``lot`` – a seeded lot (``random.Random(seed)``); the seed is recorded.

A chain that does not settle a tie ends in a lot, so every result is
determinate and every lot is reported with its seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from saylau.errors import LawError

CRITERIA = ("votes", "order", "lot")


def check_chain(chain: Sequence[str], where: str = "tie_break") -> tuple[str, ...]:
    """Validate a tie-break chain, naming the key and value on error."""
    for c in chain:
        if c not in CRITERIA:
            raise LawError(f"{where}: unknown criterion '{c}'; valid: {', '.join(CRITERIA)}")
    return tuple(chain)


def resolve(
    group: Sequence[str],
    need: int,
    chain: Sequence[str],
    votes: Mapping[str, int],
    order: Mapping[str, int],
    seed: int | None,
) -> tuple[list[str], str]:
    """Choose ``need`` winners from the tied ``group``.

    Returns the winners (in the order they would take seats) and the name of the
    criterion that settled the tie.
    """
    if need <= 0:
        return [], "none"
    if need >= len(group):
        return sorted(group, key=lambda p: order[p]), "none"
    winners: list[str] = []
    pending = list(group)
    remaining = need
    used = "lot"
    for criterion in (*chain, "lot"):
        if criterion == "lot":
            rng = random.Random(seed if seed is not None else 0)
            ranked = sorted(pending, key=lambda p: order[p])
            rng.shuffle(ranked)
            winners.extend(ranked[:remaining])
            return winners, "lot"
        if criterion == "votes":
            key = {p: -votes[p] for p in pending}
        else:
            key = {p: order[p] for p in pending}
        ranked = sorted(pending, key=lambda p: (key[p], order[p]))
        cut = key[ranked[remaining - 1]]
        above = [p for p in ranked if key[p] < cut]
        at = [p for p in ranked if key[p] == cut]
        winners.extend(above)
        remaining -= len(above)
        if remaining == len(at):
            winners.extend(at)
            return winners, criterion
        pending = at
        used = criterion
    return winners, used  # pragma: no cover - the lot always settles
