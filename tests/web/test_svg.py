"""The hemicycle is drawn properly for any body from 1 to 700 seats (issue #16 §1).

Checked on the SVG text the page receives (coordinates as rounded there): every seat
circle lies inside the viewBox, no two circles overlap, the total written in the
middle touches no seat, and the majority line is drawn.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest

from saylau.web.svg import SeatGroup, hemicycle, seat_positions

_CIRCLE = re.compile(r'<circle class="seat[^"]*" cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"')
_VIEWBOX = re.compile(r'viewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"')
_TOTAL = re.compile(r'<text class="total" x="([\d.]+)" y="([\d.]+)"[^>]*font-size="([\d.]+)"')


def _drawn(total: int) -> tuple[np.ndarray, tuple[float, ...], str]:
    groups = [SeatGroup("A", total // 2, "#1f77b4"), SeatGroup("B", total - total // 2, "#ff7f0e")]
    svg = str(hemicycle(groups, "diagram"))
    circles = np.array([[float(v) for v in m] for m in _CIRCLE.findall(svg)])
    box = _VIEWBOX.search(svg)
    assert box is not None
    return circles, tuple(float(v) for v in box.groups()), svg


@pytest.mark.parametrize("chunk", range(7))
def test_every_size_fits_its_box_without_overlaps(chunk: int) -> None:
    for total in range(1 + chunk * 100, 101 + chunk * 100):
        circles, (x0, y0, w, h), svg = _drawn(total)
        assert len(circles) == total
        x, y, r = circles[:, 0], circles[:, 1], circles[:, 2]
        assert (x - r >= x0).all() and (x + r <= x0 + w).all(), total
        assert (y - r >= y0).all() and (y + r <= y0 + h).all(), total
        d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
        np.fill_diagonal(d, np.inf)
        assert (d >= r[:, None] + r[None, :]).all(), f"{total} seats: circles overlap"
        # The total (a bold number of at most 3 digits) sits in the empty middle.
        tm = _TOTAL.search(svg)
        assert tm is not None
        tx, ty, size = (float(v) for v in tm.groups())
        half_w, top = 0.62 * size * len(str(total)) / 2, ty - size
        corners = [(tx - half_w, top), (tx + half_w, top), (tx - half_w, ty), (tx + half_w, ty)]
        for cx, cy in corners:
            assert (np.hypot(x - cx, y - cy) > r).all(), f"{total}: the total overlaps a seat"
        if total > 1:
            assert '<g class="majority">' in svg
            assert f"{total // 2 + 1} for a majority" in svg


def test_seats_run_left_to_right_so_a_party_is_one_wedge() -> None:
    seats = seat_positions(107)
    angles = [math.atan2(100 - y, x - 100) for x, y, _ in seats]
    # Ordered by angle from the left end (pi) to the right end (0), never back.
    assert all(a >= b - 1e-2 for a, b in itertools.pairwise(angles))
    assert seats[0][0] < 100 < seats[-1][0]


def test_small_maslikhats_rows_are_regular() -> None:
    # Petropavlovsk (18) and Almaty (39) maslikhats: rows fill from the inside out,
    # each row holding more seats than the one inside it.
    for total in (18, 39, 107):
        ys = sorted({round(100 - y, 1) for _, y, _ in seat_positions(total)})
        assert ys, total
    from saylau.web.svg import _layout

    for total in (18, 39, 107, 450):
        _, counts, _ = _layout(total)
        assert counts == sorted(counts), (total, counts)
        assert sum(counts) == total
