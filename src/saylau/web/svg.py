"""SVG charts drawn on the server: the parliament hemicycle and votes-% versus seats-%.

The charts are plain SVG text (no script, no external assets).  Every name is
escaped; each chart has a title and is followed on the page by a table with the
same figures, so the chart is never the only way to read them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from saylau.web.colors import RESERVED_COLOR


@dataclass(frozen=True)
class SeatGroup:
    """A run of seats in the hemicycle: one party, or a reserved tier."""

    label: str
    seats: int
    color: str
    reserved: bool = False


def _rows_for(total: int) -> int:
    return max(1, min(12, math.ceil(math.sqrt(total) / 2.1)))


def seat_positions(total: int) -> list[tuple[float, float, float]]:
    """(x, y, radius) of each seat in a 200×110 box, ordered left to right."""
    if total <= 0:
        return []
    rows = _rows_for(total)
    inner, outer = 40.0, 95.0
    radii = [inner + (outer - inner) * i / max(1, rows - 1) for i in range(rows)]
    if rows == 1:
        radii = [outer]
    weight = sum(radii)
    counts = [int(total * r / weight) for r in radii]
    # Give the rounding leftovers to the outer rows, where there is most room.
    for i in range(total - sum(counts)):
        counts[rows - 1 - (i % rows)] += 1
    spacing = min(
        (outer - inner) / max(1, rows - 1) if rows > 1 else outer,
        min(
            math.pi * r / max(1, n - 1) if n > 1 else 2 * r
            for r, n in zip(radii, counts, strict=True)
        ),
    )
    dot = max(0.6, spacing * 0.42)
    seats: list[tuple[float, float, float, float]] = []
    for r, n in zip(radii, counts, strict=True):
        for j in range(n):
            angle = math.pi / 2 if n == 1 else math.pi * (1 - j / (n - 1))
            seats.append((angle, r, 100 + r * math.cos(angle), 100 - r * math.sin(angle)))
    seats.sort(key=lambda s: (-round(s[0], 9), s[1]))
    return [(x, y, dot) for _, _, x, y in seats]


def hemicycle(groups: Sequence[SeatGroup], title: str) -> Markup:
    """A parliament diagram: one circle per seat, coloured by group, left to right.

    Reserved seats (chosen outside the popular vote) are drawn hatched with a dark
    outline and carry the class ``reserved``.
    """
    total = sum(g.seats for g in groups)
    positions = seat_positions(total)
    parts = [
        '<svg class="hemicycle" viewBox="0 0 200 106" role="img" '
        f'aria-labelledby="hemi-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="hemi-title">{escape(title)}</title>'
        '<defs><pattern id="hatch" width="2" height="2" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="2" height="2" fill="#ffffff"/>'
        f'<rect width="1" height="2" fill="{RESERVED_COLOR}"/></pattern></defs>'
    ]
    index = 0
    for group in groups:
        parts.append(f'<g class="seat-group" data-label="{escape(group.label)}">')
        parts.append(f"<title>{escape(group.label)}: {group.seats}</title>")
        for _ in range(group.seats):
            x, y, r = positions[index]
            index += 1
            if group.reserved:
                parts.append(
                    f'<circle class="seat reserved" cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" '
                    f'fill="url(#hatch)" stroke="{RESERVED_COLOR}" stroke-width="{r / 3:.2f}"/>'
                )
            else:
                parts.append(
                    f'<circle class="seat" cx="{x:.2f}" cy="{y:.2f}" r="{r:.2f}" '
                    f'fill="{escape(group.color)}"/>'
                )
        parts.append("</g>")
    parts.append(
        f'<text x="100" y="98" text-anchor="middle" font-size="14" font-weight="bold">{total}</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Bar:
    """One party's row in the votes-versus-seats chart (percentages)."""

    label: str
    votes_pct: float
    seats_pct: float
    color: str


def votes_vs_seats(
    bars: Sequence[Bar],
    threshold: float | None,
    title: str,
    labels: tuple[str, str],
    percent: Callable[[float], str] | None = None,
) -> Markup:
    """Paired horizontal bars: share of the votes (light) and of the seats (solid), with
    the threshold drawn as a dashed vertical line.  ``percent`` formats the figures in
    the labels (the page's locale: ``71,09 %`` in Russian); plain ``71.09%`` without."""
    show = percent or (lambda v: f"{v:.2f}%")
    row_h, top, left, width = 28, 16, 4, 190
    top_value = max(
        [b.votes_pct for b in bars] + [b.seats_pct for b in bars] + [threshold or 0, 1.0]
    )
    scale = width / (top_value * 1.05)
    height = top + row_h * len(bars) + 6
    parts = [
        f'<svg class="vs-chart" viewBox="0 0 200 {height}" role="img" '
        f'aria-labelledby="vs-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="vs-title">{escape(title)}</title>'
        f'<rect x="{left}" y="2" width="8" height="6" fill="#767676" opacity="0.45"/>'
        f'<text x="{left + 10}" y="7.5" font-size="5.5">{escape(labels[0])}</text>'
        f'<rect x="{left + 80}" y="2" width="8" height="6" fill="#333333"/>'
        f'<text x="{left + 90}" y="7.5" font-size="5.5">{escape(labels[1])}</text>'
    ]
    for i, bar in enumerate(bars):
        y = top + i * row_h + 7
        color = escape(bar.color)
        short = bar.label if len(bar.label) <= 60 else bar.label[:59] + "…"
        figures = f"{escape(show(bar.votes_pct))} / {escape(show(bar.seats_pct))}"
        parts.append(
            f'<g class="bar"><title>{escape(bar.label)}: {figures}</title>'
            f'<text x="{left}" y="{y - 1.5}" font-size="5.5" unicode-bidi="isolate">{escape(short)}'
            f" {figures}</text>"
            f'<rect x="{left}" y="{y}" width="{bar.votes_pct * scale:.2f}" height="8" fill="{color}" opacity="0.45"/>'
            f'<rect x="{left}" y="{y + 9}" width="{bar.seats_pct * scale:.2f}" height="8" fill="{color}"/>'
            "</g>"
        )
    if threshold:
        x = left + threshold * scale
        parts.append(
            f'<line class="threshold" x1="{x:.2f}" y1="{top - 4}" x2="{x:.2f}" y2="{height - 2}" '
            'stroke="#000000" stroke-width="0.6" stroke-dasharray="2,1.5"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def hemicycle_chart(
    groups: Sequence[dict[str, object]],
    title: str,
    translate: Callable[[str], str] | None = None,
) -> Markup:
    """:func:`hemicycle` from the ``seat_groups`` of a contest context (templates).
    ``translate`` (the page's gettext) names the reserved tiers in the page language,
    as the seats table beside the diagram does; party names are data and stay."""
    tr = translate or (lambda text: text)
    return hemicycle(
        [
            SeatGroup(
                tr(str(g["label"])) if g["reserved"] else str(g["label"]),
                int(str(g["seats"])),
                str(g["color"]),
                bool(g["reserved"]),
            )
            for g in groups
        ],
        title,
    )


def votes_vs_seats_chart(
    parties: Sequence[dict[str, object]],
    threshold: float | None,
    title: str,
    votes: str,
    seats: str,
    percent: Callable[[float], str] | None = None,
) -> Markup:
    """:func:`votes_vs_seats` from the ``parties`` of a contest context (templates);
    ``percent`` is the page's formatter (``fmt.percent``)."""
    return votes_vs_seats(
        [
            Bar(
                str(p["name"]),
                float(str(p["percent"])),
                float(str(p["seats_percent"])),
                str(p["color"]),
            )
            for p in parties
        ],
        threshold,
        title,
        (votes, seats),
        percent,
    )
