"""Charts drawn on the server: the parliament hemicycle (SVG) and votes-% versus seats-%
(HTML bars).

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


#: The hemicycle's geometry in SVG units: centre (100, 100), outer row radius 92,
#: inner row radius 40% of it (the total is written in the empty middle).
_CX, _CY, _OUTER, _INNER_SHARE = 100.0, 100.0, 92.0, 0.4
#: Seat diameter as a share of the row spacing, and the least gap along a row, as a
#: share of the diameter: rows and neighbours never touch.
_DOT_SHARE, _GAP = 0.8, 1.12


def _row_radii(rows: int) -> list[float]:
    inner = _OUTER * _INNER_SHARE
    if rows == 1:
        return [_OUTER]
    return [inner + (_OUTER - inner) * i / (rows - 1) for i in range(rows)]


def _spacing(rows: int) -> float:
    return _OUTER * (1 - _INNER_SHARE) / max(1, rows - 1)


def _capacity(radius: float, dot: float) -> int:
    """Most seats a half circle of ``radius`` holds with neighbours' centres at least
    ``2 * dot * _GAP`` apart (chord between the angles ``pi / (n - 1)`` apart)."""
    need = 2 * dot * _GAP
    if need > 2 * radius:
        return 1
    # chord(n) = 2 r sin(pi / (2 (n - 1))) >= need  <=>  n - 1 <= pi / (2 asin(need / 2r))
    return 1 + int(math.pi / (2 * math.asin(need / (2 * radius))))


def _layout(total: int) -> tuple[list[float], list[int], float]:
    """Row radii, seats per row and seat radius: the fewest rows that hold ``total``,
    seats shared among rows in proportion to their length (largest remainders)."""
    rows = 1
    while True:
        radii = _row_radii(rows)
        dot = min(_spacing(rows) * _DOT_SHARE / 2, _OUTER * 0.12)
        caps = [_capacity(r, dot) for r in radii]
        if sum(caps) >= total:
            break
        rows += 1
    weight = sum(caps)
    counts = [min(c, total * c // weight) for c in caps]
    order = sorted(range(rows), key=lambda i: (-(total * caps[i] % weight), -i))
    left = total - sum(counts)
    while left:
        for i in order:
            if left and counts[i] < caps[i]:
                counts[i] += 1
                left -= 1
    if rows > 1 and counts[0] == 0:  # never an empty inner row: drop it
        return _layout_without_empty(radii, counts, dot)
    return radii, counts, dot


def _layout_without_empty(
    radii: list[float], counts: list[int], dot: float
) -> tuple[list[float], list[int], float]:
    kept = [(r, n) for r, n in zip(radii, counts, strict=True) if n]
    return [r for r, _ in kept], [n for _, n in kept], dot


def seat_positions(total: int) -> list[tuple[float, float, float]]:
    """(x, y, radius) of each seat, ordered left to right (by angle, then inside out),
    so that a party's seats form one wedge.  Rows never touch and no seat overlaps
    another; every seat lies inside :func:`hemicycle_box`."""
    if total <= 0:
        return []
    radii, counts, dot = _layout(total)
    seats: list[tuple[float, float, float, float]] = []
    for r, n in zip(radii, counts, strict=True):
        for j in range(n):
            angle = math.pi / 2 if n == 1 else math.pi * (1 - j / (n - 1))
            seats.append((angle, r, _CX + r * math.cos(angle), _CY - r * math.sin(angle)))
    seats.sort(key=lambda s: (-round(s[0], 9), s[1]))
    return [(x, y, dot) for _, _, x, y in seats]


def hemicycle_box(total: int) -> tuple[float, float, float, float]:
    """The viewBox (x, y, width, height) of a hemicycle of ``total`` seats: the seats,
    the majority line's label above them and the total in the middle."""
    dot = _layout(total)[2] if total > 0 else 1.0
    margin = dot + 1
    top = _CY - _OUTER - margin - 9  # room for the majority label
    return (_CX - _OUTER - margin, top, 2 * (_OUTER + margin), _CY + margin - top)


def hemicycle(groups: Sequence[SeatGroup], title: str, majority_label: str | None = None) -> Markup:
    """A parliament diagram: one circle per seat, coloured by group, left to right.

    Reserved seats (chosen outside the popular vote) are drawn hatched with a dark
    outline and carry the class ``reserved``.  A dashed line at the top marks the
    majority (more than half of all seats); ``majority_label`` is its caption in the
    page language (``{n}`` stands for the seats a majority needs).
    """
    total = sum(g.seats for g in groups)
    positions = seat_positions(total)
    x0, y0, w, h = hemicycle_box(total)
    majority = total // 2 + 1
    caption = (majority_label or "{n} for a majority").replace("{n}", str(majority))
    parts = [
        f'<svg class="hemicycle" viewBox="{x0:.2f} {y0:.2f} {w:.2f} {h:.2f}" role="img" '
        f'aria-labelledby="hemi-title" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="hemi-title">{escape(title)}</title>'
        '<defs><pattern id="hatch" width="2" height="2" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="2" height="2" fill="#ffffff"/>'
        f'<rect width="1" height="2" fill="{RESERVED_COLOR}"/></pattern></defs>'
    ]
    inner = _OUTER * _INNER_SHARE
    if total > 1:
        # Drawn first, so the seats cover it: a dashed spine from the middle to the
        # caption above the diagram, between the two halves of the seats.
        parts.append(
            f'<g class="majority"><title>{escape(caption)}</title>'
            f'<line x1="{_CX}" y1="{_CY - inner * 0.55:.2f}" x2="{_CX}" y2="{y0 + 7:.2f}" '
            'stroke="#555555" stroke-width="0.5" stroke-dasharray="1.5,1"/>'
            f'<text x="{_CX}" y="{y0 + 6:.2f}" text-anchor="middle" font-size="6">'
            f"{escape(caption)}</text></g>"
        )
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
    size = min(14.0, inner * 0.5)
    parts.append(
        f'<text class="total" x="{_CX}" y="{_CY - 2:.2f}" text-anchor="middle" '
        f'font-size="{size:.1f}" font-weight="bold">{total}</text>'
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


def _scale(values: Sequence[float]) -> float:
    """Percent of the track width per percentage point: the largest value (at least 1)
    fills 1/1.05 of the track, so every bar ends short of the edge."""
    return 100 / (max([*values, 1.0]) * 1.05)


def _bar_row(
    label: str, figures: str, tracks: Sequence[tuple[str, float, str]], extra: str = ""
) -> str:
    """One ``<li>`` of an HTML bar chart: the label and its figures, then one span per
    ``(class, width in %, colour)`` in the track (``extra`` after them, e.g. the
    threshold line).  ``label`` and ``figures`` are escaped here."""
    bars = "".join(
        f'<span class="{cls}" style="width:{width:.2f}%;background:{escape(color)}"></span>'
        for cls, width, color in tracks
    )
    return (
        f'<li class="bar"><span class="bar-label">{escape(label)} {escape(figures)}</span>'
        f'<span class="track">{bars}{extra}</span></li>'
    )


def _bar_chart(kind: str, label: str, rows: Sequence[str], legend: str = "") -> Markup:
    """An HTML bar chart of class ``kind``: one image to screen readers, named by
    ``label`` (HTML: the title and every figure), then the ``legend`` (HTML) and the
    ``rows`` (:func:`_bar_row`), both hidden from them."""
    return Markup(
        f'<div class="{kind}" role="img" aria-label="{label}">{legend}'
        f'<ul aria-hidden="true">{"".join(rows)}</ul></div>'
    )


def votes_vs_seats(
    bars: Sequence[Bar],
    threshold: float | None,
    title: str,
    labels: tuple[str, str],
    percent: Callable[[float], str] | None = None,
) -> Markup:
    """Paired horizontal bars: share of the votes (light) and of the seats (solid), with
    the threshold drawn as a dashed line across the bars only.

    Drawn in HTML, not SVG, so the labels are page text: the same size as the text
    around them at any width (an SVG's text shrinks with the chart on a phone) and
    wrapped, never cut.  ``percent`` formats the figures (the page's locale: ``71,09 %``
    in Russian); plain ``71.09%`` without."""
    show = percent or (lambda v: f"{v:.2f}%")
    scale = _scale([b.votes_pct for b in bars] + [b.seats_pct for b in bars] + [threshold or 0])
    line = (
        f'<span class="threshold" style="left:{threshold * scale:.2f}%"></span>'
        if threshold
        else ""
    )
    summary = "; ".join(f"{b.label}: {show(b.votes_pct)} / {show(b.seats_pct)}" for b in bars)
    legend = (
        f'<p class="vs-legend" aria-hidden="true"><span class="key votes"></span>'
        f'{escape(labels[0])} <span class="key seats"></span>{escape(labels[1])}</p>'
    )
    rows = [
        _bar_row(
            bar.label,
            f"{show(bar.votes_pct)} / {show(bar.seats_pct)}",
            [
                ("votes", bar.votes_pct * scale, bar.color),
                ("seats", bar.seats_pct * scale, bar.color),
            ],
            line,
        )
        for bar in bars
    ]
    label = f"{escape(title)}. {escape(labels[0])} / {escape(labels[1])}: {escape(summary)}"
    return _bar_chart("vs-chart", label, rows, legend)


def hemicycle_chart(
    groups: Sequence[dict[str, object]],
    title: str,
    translate: Callable[[str], str] | None = None,
    name: Callable[[str], str] | None = None,
) -> Markup:
    """:func:`hemicycle` from the ``seat_groups`` of a contest context (templates).
    ``translate`` (the page's gettext) names the reserved tiers in the page language,
    as the seats table beside the diagram does; ``name`` gives a party's name in it
    (:func:`saylau.web.names.local_name`)."""
    tr = translate or (lambda text: text)
    nm = name or (lambda text: text)
    return hemicycle(
        [
            SeatGroup(
                tr(str(g["label"])) if g["reserved"] else nm(str(g["label"])),
                int(str(g["seats"])),
                str(g["color"]),
                bool(g["reserved"]),
            )
            for g in groups
        ],
        title,
        tr("{n} for a majority"),
    )


def votes_vs_seats_chart(
    parties: Sequence[dict[str, object]],
    threshold: float | None,
    title: str,
    votes: str,
    seats: str,
    percent: Callable[[float], str] | None = None,
    name: Callable[[str], str] | None = None,
) -> Markup:
    """:func:`votes_vs_seats` from the ``parties`` of a contest context (templates);
    ``percent`` is the page's formatter (``fmt.percent``), ``name`` the party names'
    translation."""
    nm = name or (lambda text: text)
    return votes_vs_seats(
        [
            Bar(
                nm(str(p["name"])),
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


def votes_chart(
    parties: Sequence[dict[str, object]],
    title: str,
    percent: Callable[[float], str] | None = None,
    name: Callable[[str], str] | None = None,
) -> Markup:
    """One horizontal bar per party, its share of the valid votes, largest first (a
    division's chart, where no seats are allocated).  HTML like
    :func:`votes_vs_seats`; the figures are in the ``aria-label`` and beside each bar."""
    show = percent or (lambda v: f"{v:.2f}%")
    nm = name or (lambda text: text)
    rows = sorted(parties, key=lambda p: -float(str(p["percent"])))
    scale = _scale([float(str(p["percent"])) for p in rows])
    summary = "; ".join(f"{nm(str(p['name']))}: {show(float(str(p['percent'])))}" for p in rows)
    bars = []
    for p in rows:
        pct = float(str(p["percent"]))
        bars.append(
            _bar_row(nm(str(p["name"])), show(pct), [("votes", pct * scale, str(p["color"]))])
        )
    return _bar_chart("vs-chart votes-only", f"{escape(title)}: {escape(summary)}", bars)


@dataclass(frozen=True)
class Tile:
    """One area of a tile map: where it sits, how it is named and filled, where it links."""

    col: int
    row: int
    code: str
    title: str
    fill: str
    url: str
    pattern: bool = False


def tile_map(tiles: Sequence[Tile], columns: int, rows: int, title: str) -> Markup:
    """A tile cartogram: one square per area at its ``col``/``row`` of the layout, a link
    to its page, its code written on it and its figures in the ``<title>`` (shown on
    hover; read when the link is focused).  A tile without a result is hatched."""
    size, gap = 56, 4
    width, height = columns * (size + gap), rows * (size + gap)
    parts = [
        f'<svg class="tile-map" viewBox="0 0 {width} {height}" role="group" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        '<defs><pattern id="tile-none" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
        '<rect width="2" height="6" fill="#9a9a9a"/></pattern></defs>'
    ]
    for t in tiles:
        x, y = t.col * (size + gap), t.row * (size + gap)
        fill = "url(#tile-none)" if t.pattern else escape(t.fill)
        ink = "#000" if t.pattern or _light(t.fill) else "#fff"
        parts.append(
            # The name read out starts with the code written on the tile (WCAG 2.5.3).
            f'<a class="tile" href="{escape(t.url)}" aria-label="{escape(t.code)} · {escape(t.title)}">'
            f"<title>{escape(t.title)}</title>"
            f'<rect x="{x}" y="{y}" width="{size}" height="{size}" rx="4" fill="{fill}"/>'
            f'<text x="{x + size / 2}" y="{y + size / 2 + 5}" text-anchor="middle" '
            f'fill="{ink}">{escape(t.code)}</text></a>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _light(color: str) -> bool:
    """Whether ``#rrggbb`` is light enough for black text."""
    if not (color.startswith("#") and len(color) == 7):
        return True
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b > 150


def turnout_color(percent: float, low: float = 40.0, high: float = 90.0) -> str:
    """A blue from light (``low``% turnout or less) to dark (``high``% or more)."""
    t = min(max((percent - low) / (high - low), 0.0), 1.0)
    light, dark = (222, 235, 247), (8, 48, 107)
    r, g, b = (round(a + (d - a) * t) for a, d in zip(light, dark, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
