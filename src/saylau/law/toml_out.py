"""Writing a :class:`~saylau.law.model.Law` back to TOML.

The reader (:func:`saylau.law.parse_law`) is strict, so the writer emits only the
keys it accepts and only where they differ from the defaults; what it writes
parses back to an equal law.  Exact numbers stay exact: a fraction is written as
the string ``"p/q"``, which the reader turns back into the same fraction.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import fields
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from saylau.law.model import Law, Tier

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Fraction):
        return json.dumps(str(v))
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(str(k))} = {_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {v!r} as TOML")


def _table(path: str, data: Mapping[str, Any], out: list[str], array: bool = False) -> None:
    """Scalars under the header, then sub-tables and arrays of tables."""
    out.append(f"[[{path}]]" if array else f"[{path}]")
    nested: list[tuple[str, Any]] = []
    for k, v in data.items():
        if isinstance(v, Mapping) or (
            isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v)
        ):
            nested.append((k, v))
        else:
            out.append(f"{_key(k)} = {_value(v)}")
    for k, v in nested:
        out.append("")
        if isinstance(v, Mapping):
            _table(f"{path}.{_key(k)}", v, out)
        else:
            for i, item in enumerate(v):
                if i:
                    out.append("")
                _table(f"{path}.{_key(k)}", item, out, array=True)


def _tier_table(tier: Tier) -> dict[str, Any]:
    from saylau.law.model import Tier

    default = Tier(name=tier.name, kind=tier.kind, seats=tier.seats)
    out: dict[str, Any] = {"name": tier.name, "kind": tier.kind}
    if tier.seats:  # 0: a fixed quota decides the number of seats
        out["seats"] = tier.seats
    for f in fields(Tier):
        if f.name in out or f.name == "seats":
            continue
        v = getattr(tier, f.name)
        if v == getattr(default, f.name):
            continue
        if f.name == "coalition_thresholds":
            v = {str(size): pct for size, pct in v}
        elif f.name == "consolation_seats":
            v = {str(lo): n for lo, n in v}
        elif f.name == "unions":
            v = {name: list(regions) for name, regions in v}
        out[f.name] = v
    return out


def law_to_toml(law: Law) -> str:
    """The law as TOML text that :func:`saylau.law.parse_law` reads back to an equal law."""
    head: dict[str, Any] = {"name": law.name, "title": law.title}
    for k in ("body", "country", "date", "source", "notes"):
        if getattr(law, k):
            head[k] = getattr(law, k)
    head["protocol_policy"] = law.protocol_policy
    out: list[str] = []
    _table("law", head, out)
    for tier in law.tiers:
        out.append("")
        _table("tiers", _tier_table(tier), out, array=True)
    for name, section in law.sections.items():
        out.append("")
        _table(_key(name), section, out)
    return "\n".join(out) + "\n"
