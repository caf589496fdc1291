"""Tile maps of a contest's areas: the layout is data (``saylau/data/maps/<country>.json``,
one tile per area by its stored name), the drawing is :func:`saylau.web.svg.tile_map`.

A layout serves the areas it names; a contest whose top-level areas it does not
cover (another country, a maslikhat) gets no map, and its pages keep the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup

from saylau.web.i18n import Formatter
from saylau.web.names import local_name
from saylau.web.svg import Tile, tile_map, turnout_color

#: The layouts read, by country code.
LAYOUTS = ("kz",)


@cache
def layout(country: str) -> dict[str, Any]:
    """The tile layout of ``country``."""
    text = (resources.files("saylau") / "data" / "maps" / f"{country}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _matching(children: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The layout naming every one of ``children`` (by id for Abroad, else by name)."""
    for country in LAYOUTS:
        data = layout(country)
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
        common = {"col": spot["col"], "row": spot["row"], "code": spot["code"], "title": figures}
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
