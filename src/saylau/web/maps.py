"""Tile maps of a contest's areas: the layout is data (``saylau/data/maps/<name>.json``,
one tile per area by its stored name), the drawing is :func:`saylau.web.svg.tile_map`.

A layout serves the areas it names; a contest whose top-level areas it does not
cover (another country, a maslikhat) gets no map, and its pages keep the table.
Every layout file is read, so the districts of a region get a map by adding its file
(``kz-almaty.json`` naming Almaty's districts, say); an area page whose parts no layout
names shows them as a sorted bar chart instead (:func:`area_bars`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from markupsafe import Markup, escape

from saylau.web.i18n import Formatter
from saylau.web.names import local_name
from saylau.web.svg import Tile, tile_map, turnout_color


def _folder() -> Traversable:
    return resources.files("saylau") / "data" / "maps"


@cache
def layouts() -> tuple[str, ...]:
    """The names of the layout files (``kz`` for ``kz.json``), in order."""
    return tuple(sorted(f.name[:-5] for f in _folder().iterdir() if f.name.endswith(".json")))


@cache
def layout(name: str) -> dict[str, Any]:
    """The tile layout ``name`` (a country's areas, or a region's districts)."""
    data: dict[str, Any] = json.loads((_folder() / f"{name}.json").read_text("utf-8"))
    return data


def _matching(children: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The layout naming every one of ``children`` (by id for Abroad, else by name)."""
    for name in layouts():
        data = layout(name)
        names = {t.get("id") or t["name"] for t in data["tiles"]}
        keys = {c["id"] if c["id"] == "abroad" else c["name"] for c in children}
        if keys and keys <= names:
            return data
    return None


def contest_maps(
    children: Sequence[Mapping[str, Any]],
    colors: Mapping[str, str],
    fmt: Formatter,
) -> dict[str, Markup] | None:
    """The two views of the areas (``leader``: coloured by the leading party;
    ``turnout``: shaded by turnout), or None without a layout for them."""
    data = _matching(children)
    if data is None:
        return None
    _: Callable[[str], str] = fmt.gettext
    place = {t.get("id") or t["name"]: t for t in data["tiles"]}
    leader_tiles, turnout_tiles = [], []
    for c in children:
        spot = place[c["id"] if c["id"] == "abroad" else c["name"]]
        name = _("Abroad") if c["id"] == "abroad" else local_name(c["name"], fmt.lang)
        counted = bool(c["stations_reporting"])
        turnout = c["totals"].get("turnout")
        leader = c.get("leader")
        figures = (
            f"{name}: {_('Leading party')} {local_name(leader, fmt.lang) if leader else '–'}; "
            f"{_('Turnout')} {fmt.percent(turnout) if counted else '–'}; "
            f"{_('Stations counted')} "
            f"{fmt.stations(c['stations_reporting'], c['stations_expected'])}"
        )
        # The letters on the tile in the page's language (the layout's code in English).
        code = (spot.get("label") or {}).get(fmt.lang, spot["code"])
        common = {"col": spot["col"], "row": spot["row"], "code": code, "title": figures}
        leader_tiles.append(
            Tile(
                **common,
                fill=colors.get(leader, "#ffffff") if leader else "#ffffff",
                url=c["url"],
                pattern=not (counted and leader),
            )
        )
        turnout_tiles.append(
            Tile(
                **common,
                fill=turnout_color(float(turnout)) if counted and turnout is not None else "#fff",
                url=c["url"],
                pattern=not counted or turnout is None,
            )
        )
    cols, rows = data["columns"], data["rows"]
    return {
        "leader": tile_map(leader_tiles, cols, rows, _("Map: leading party by area")),
        "turnout": tile_map(turnout_tiles, cols, rows, _("Map: turnout by area")),
    }


def area_bars(
    children: Sequence[Mapping[str, Any]],
    colors: Mapping[str, str],
    fmt: Formatter,
) -> Markup:
    """The parts of an area as bars sorted by turnout, highest first, each in the colour
    of its leading party with the party named beside it (colour is never the only
    carrier); parts not counted yet come last, hatched.  A list of links: a screen
    reader reads each part's name, turnout, leader and stations counted."""
    _: Callable[[str], str] = fmt.gettext

    def turnout(c: Mapping[str, Any]) -> float | None:
        value = c["totals"].get("turnout")
        return float(value) if c["stations_reporting"] and value is not None else None

    ranked = sorted(children, key=lambda c: (turnout(c) is None, -(turnout(c) or 0.0)))
    parts = ['<ol class="area-bars">']
    for c in ranked:
        name = _("Abroad") if c["id"] == "abroad" else local_name(c["name"], fmt.lang)
        value, leader = turnout(c), c.get("leader")
        counted = fmt.stations(c["stations_reporting"], c["stations_expected"])
        if value is None:
            bar = '<span class="bar none" style="width:100%"></span>'
            figure = _("not counted yet")
        else:
            colour = colors.get(leader, "#9a9a9a") if leader else "#9a9a9a"
            # Turnout on its own scale, 0 to 100%, so that bars compare across pages.
            bar = (
                f'<span class="bar" style="width:{min(value, 100.0):.2f}%;'
                f'background:{escape(colour)}"></span>'
            )
            figure = fmt.percent(value)
        who = local_name(leader, fmt.lang) if leader else "–"
        parts.append(
            f'<li data-turnout="{"" if value is None else f"{value:.2f}"}">'
            f'<a href="{escape(c["url"])}"><span class="area">{escape(name)}</span> '
            f'<span class="figure">{escape(figure)}</span> '
            f'<span class="leader">{escape(_("Leading party"))}: {escape(who)}</span> '
            f'<span class="counted">{escape(_("Stations counted"))}: {escape(counted)}</span>'
            f'</a><span class="track" aria-hidden="true">{bar}</span></li>'
        )
    parts.append("</ol>")
    return Markup("".join(parts))


def area_view(
    children: Sequence[Mapping[str, Any]],
    parties: Sequence[Mapping[str, Any]],
    fmt: Formatter,
) -> dict[str, Markup] | None:
    """How an area page draws its parts: the two tile maps where a layout names them
    (``leader``, ``turnout``), else the sorted bars (``bars``); None for a page whose
    parts are polling stations (their table is the view) or that has none."""
    if not children or any(c.get("level") == "station" for c in children):
        return None
    colors = {str(p["name"]): str(p["color"]) for p in parties}
    maps = contest_maps(children, colors, fmt)
    if maps is not None:
        return maps
    return {"bars": area_bars(children, colors, fmt)}
