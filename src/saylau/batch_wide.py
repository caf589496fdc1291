"""Exact products of int64 arrays for the batch engine: 128-bit as two 64-bit words.

A threshold test or a quotient comparison multiplies two vote-sized numbers; the
product can leave 64 bits, so it is compared as (high, low) words instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

INT63 = 2**63


_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)


def mul_wide(a: IntArray, b: IntArray) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The exact product of non-negative int64 arrays as (high, low) 64-bit words."""
    ua = a.astype(np.uint64)
    ub = b.astype(np.uint64)
    a0, a1 = ua & _LOW32, ua >> _SHIFT32
    b0, b1 = ub & _LOW32, ub >> _SHIFT32
    lo = a0 * b0
    m1 = a1 * b0
    m2 = a0 * b1
    mid = (lo >> _SHIFT32) + (m1 & _LOW32) + (m2 & _LOW32)
    low = (lo & _LOW32) | (mid << _SHIFT32)
    high = a1 * b1 + (m1 >> _SHIFT32) + (m2 >> _SHIFT32) + (mid >> _SHIFT32)
    return high, low


def cmp_products(a: IntArray, b: IntArray, c: IntArray, d: IntArray) -> npt.NDArray[np.int8]:
    """Sign of ``a*b - c*d`` (all non-negative, < 2**63), exactly."""
    h1, l1 = mul_wide(a, b)
    h2, l2 = mul_wide(c, d)
    gt = (h1 > h2) | ((h1 == h2) & (l1 > l2))
    lt = (h1 < h2) | ((h1 == h2) & (l1 < l2))
    return np.asarray(gt.astype(np.int8) - lt.astype(np.int8), dtype=np.int8)
