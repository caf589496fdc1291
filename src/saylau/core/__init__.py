"""Exact seat allocation: :func:`allocate`.

Votes are integers and every comparison that decides a seat is exact: quotas
and quotients are :class:`fractions.Fraction` (or integers cross-multiplied).
Floats appear only to *find* candidates quickly and in display values; a float
never decides between two parties.

The package: :mod:`~saylau.core.inputs` (votes and thresholds checked),
:mod:`~saylau.core.stages` (:func:`allocate`: threshold, consolation, minimums,
caps, alliances), :mod:`~saylau.core.remainders` and :mod:`~saylau.core.divisors`
(the methods' seat loops), :mod:`~saylau.core.context` (their shared state and
step texts).
"""

from saylau.core.inputs import check_threshold, check_votes, to_fraction
from saylau.core.stages import DEFAULT_TIE_BREAK, allocate

__all__ = ["DEFAULT_TIE_BREAK", "allocate", "check_threshold", "check_votes", "to_fraction"]
