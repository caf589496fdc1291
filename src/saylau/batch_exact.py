"""Batch kernels for the rules that are exact integer loops per election.

The quota method of Balinski and Young, minimum, base and maximum seats per list and
a fixed quota run in :func:`saylau.batch.allocate_batch` too.  A fixed quota is
one vectorised integer division.  The others give seats one at a time under a
condition that changes with every seat (the upper quota of the growing house,
a list's floor or cap), so they are run row by row by the same pure functions
the exact engine uses: they agree with :func:`saylau.allocate` by construction
and cost about what ``allocate`` costs per election (see the benchmark).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from saylau.methods import MethodSpec
from saylau.methods.quota_method import by_votes_then_order, quota_method

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class FixedQuotaKernel:
    """One seat per ``votes_per_seat`` votes, one more for a remainder above ``remainder_over``."""

    votes_per_seat: int
    remainder_over: int | None

    def __call__(self, w: IntArray, total: IntArray) -> IntArray:
        whole, rem = np.divmod(w, self.votes_per_seat)
        if self.remainder_over is not None:
            whole = whole + (rem > self.remainder_over)
        return np.asarray(whole, dtype=np.int64)


@dataclass(frozen=True)
class RowKernel:
    """Row by row, exactly: the quota method, or any method with floors and caps."""

    spec: MethodSpec
    seats: int
    min_seats: int
    max_seats: int | None
    base_seats: int = 0

    def __call__(self, w: IntArray, total: IntArray) -> IntArray:
        out = np.zeros_like(w)
        for i, row in enumerate(w.tolist()):
            out[i] = self._row(row)
        return out

    def _row(self, row: list[int]) -> list[int]:
        if (
            self.spec.kind == "quota-divisor"
            and not self.min_seats
            and not self.base_seats
            and self.max_seats is None
        ):
            got, _ = quota_method(row, self.seats, by_votes_then_order(row))
            return got
        # Floors and caps interact with every method's rounds: the exact engine's own
        # stages decide (the batch threshold has already zeroed the lists below it).
        from saylau.core import allocate

        live = {str(j): v for j, v in enumerate(row)}
        caps = (
            {str(j): self.max_seats for j, v in enumerate(row) if v > 0}
            if self.max_seats is not None
            else None
        )
        seats = allocate(
            live,
            self.seats,
            self.spec.name,
            min_seats=self.min_seats,
            caps=caps,
            base_seats=self.base_seats,
        ).seats
        return [seats[str(j)] for j in range(len(row))]
