"""The forensics page's chart: the turnout × leader's-share 2D histogram as SVG.

Drawn by saylau (no script, no external asset), like :mod:`saylau.web.svg`: the same
binning as ``saylau forensics --out`` (:mod:`saylau.analysis.charts`, 100 × 100 bins of
one percentage point, a log colour scale as in Klimek et al. 2012), one ``<rect>`` per
non-empty bin.  The chart's ``aria-label`` gives the figures a reader needs (stations,
the densest bin); the page's tables hold the tests' figures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from markupsafe import Markup, escape

#: Bins per axis (as the CLI's charts).
BINS = 100
#: A sequential palette from light to dark (ColorBrewer YlGnBu, 7 classes): the
#: densest bins are the darkest, which reads on white and in print.
RAMP = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58")
#: Plot area, in SVG units: a 400-unit square with room for the axes' labels (on the
#: right, half the width of the last tick, "100", which is centred on the edge).
_LEFT, _TOP, _SIZE, _BOTTOM, _RIGHT = 58.0, 10.0, 400.0, 48.0, 24.0


def histogram_cells(
    turnout: npt.NDArray[np.float64], share: npt.NDArray[np.float64]
) -> list[list[int]]:
    """The non-empty bins as ``[turnout bin, share bin, stations]`` (bin ``k`` holds
    ``k``% to ``k+1``%; 100 % falls in bin 99), turnout first, then share."""
    h, _, _ = np.histogram2d(share, turnout, bins=BINS, range=[[0, 1], [0, 1]])
    rows, cols = np.nonzero(h)
    cells = [[int(c), int(r), int(h[r, c])] for r, c in zip(rows, cols, strict=True)]
    return sorted(cells)


def _color(count: int, top: int) -> str:
    # Log scale: log(count) / log(top), in as many classes as the ramp has.
    if top <= 1:
        return RAMP[-1]
    level = math.log(count) / math.log(top)
    return RAMP[min(len(RAMP) - 1, int(level * len(RAMP)))]


def histogram_svg(
    cells: Sequence[Sequence[int]], *, title: str, x_label: str, y_label: str, summary: str
) -> Markup:
    """The 2D histogram of stations by turnout (x) and the leader's share (y), 0–100 %,
    from :func:`histogram_cells`."""
    top = max((n for _, _, n in cells), default=0)
    cell = _SIZE / BINS
    width, height = _LEFT + _SIZE + _RIGHT, _TOP + _SIZE + _BOTTOM
    parts = [
        f'<svg class="forensics-hist" viewBox="0 0 {width:g} {height:g}" role="img" '
        f'aria-label="{escape(title)}: {escape(summary)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<rect class="plot" x="{_LEFT:g}" y="{_TOP:g}" width="{_SIZE:g}" height="{_SIZE:g}" '
        'fill="#fff" stroke="#595959"/>',
    ]
    for c, r, n in cells:
        x = _LEFT + c * cell
        y = _TOP + _SIZE - (r + 1) * cell  # share grows upwards
        parts.append(
            f'<rect class="bin" x="{x:.1f}" y="{y:.1f}" width="{cell:.1f}" height="{cell:.1f}" '
            f'fill="{_color(n, top)}" data-t="{c}" data-s="{r}" data-n="{n}"/>'
        )
    for tick in range(0, 101, 25):
        x = _LEFT + _SIZE * tick / 100
        y = _TOP + _SIZE - _SIZE * tick / 100
        parts.append(
            f'<line x1="{x:g}" y1="{_TOP + _SIZE:g}" x2="{x:g}" y2="{_TOP + _SIZE + 5:g}" '
            'stroke="#595959"/>'
            f'<text class="tick x" x="{x:g}" y="{_TOP + _SIZE + 19:g}" text-anchor="middle">'
            f"{tick}</text>"
            f'<line x1="{_LEFT - 5:g}" y1="{y:g}" x2="{_LEFT:g}" y2="{y:g}" stroke="#595959"/>'
            f'<text class="tick y" x="{_LEFT - 8:g}" y="{y + 5:g}" text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<text class="axis x" x="{_LEFT + _SIZE / 2:g}" y="{height - 6:g}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
        f'<text class="axis y" transform="translate(14 {_TOP + _SIZE / 2:g}) rotate(-90)" '
        f'text-anchor="middle">{escape(y_label)}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def legend(
    cells: Sequence[Sequence[int]], number: Callable[[int], str] = str
) -> list[tuple[str, str]]:
    """The colour classes as (colour, "from–to" stations per bin) for the legend."""
    top = max((n for _, _, n in cells), default=0)
    if top < 1:
        return []
    out: list[tuple[str, str]] = []
    for i, color in enumerate(RAMP):
        lo = 1 if i == 0 else math.ceil(top ** (i / len(RAMP)))
        hi = top if i == len(RAMP) - 1 else math.ceil(top ** ((i + 1) / len(RAMP))) - 1
        if hi < lo:
            continue
        out.append((color, number(lo) if lo == hi else f"{number(lo)}–{number(hi)}"))
    return out
