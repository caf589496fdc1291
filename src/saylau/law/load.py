"""Reading law files (TOML) and the bundled presets.

A law file is checked strictly: an unknown key, a wrong type or an
out-of-range value is an error naming the key and the value, e.g.
``law file kz.toml: unknown key 'tiers[0].treshold' (did you mean 'threshold'?)``.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, cast

from saylau.core import check_threshold
from saylau.errors import InputError, LawError, NotFoundError
from saylau.law.model import Law, Tier
from saylau.law.scheme_keys import SCHEME_KEYS, scheme_fields, scheme_problems
from saylau.methods import get_method
from saylau.ties import check_chain

# Free-form sections read by other parts of saylau (candidate lists, the chamber …);
# their owners validate their contents.
FREE_SECTIONS = ("lists", "deputies", "districts", "chamber", "presidential", "observers")
LAW_KEYS = ("name", "title", "body", "country", "date", "source", "notes", "protocol_policy")
TIER_KEYS = (
    "name",
    "kind",
    "seats",
    "title",
    "method",
    "threshold",
    "threshold_base",
    "tie_break",
    "min_parties",
    "min_combined_share",
    "min_combined_strict",
    "max_seats_per_party",
    "regional_threshold",
    "coalition_thresholds",
    "minority_bonus",
    "consolation_seats",
    "alliances",
    "exhausted_seats",
    "elected_by",
    "remainder_decimals",
    *SCHEME_KEYS,
    "min_seats",
    "base_seats",
    "votes_per_seat",
    "remainder_over",
)
KINDS = ("party-list", "indirect", "reserved", "single-member")
BASES = ("parties", "valid", "cast")


def _unknown(where: str, key: str, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else f"; valid keys: {', '.join(valid)}"
    return f"unknown key '{where}{key}'{hint}"


class _Reader:
    """Collects every problem of one law file, then raises them together."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.problems: list[str] = []

    def fail(self, message: str) -> None:
        self.problems.append(f"{self.label}: {message}")

    def get(
        self, table: dict[str, Any], key: str, where: str, conv: Callable[[Any], Any], default: Any
    ) -> Any:
        if key not in table:
            return default
        value = table[key]
        try:
            return conv(value)
        except (InputError, ValueError, TypeError) as err:
            detail = str(err) if isinstance(err, InputError | _Bad) else ""
            self.fail(
                f"key '{where}{key}' has invalid value {value!r}"
                + (f" ({detail})" if detail else "")
            )
            return default


class _Bad(ValueError):
    """A value error whose message is worth showing."""


def _text(v: Any) -> str:
    if not isinstance(v, str):
        raise TypeError
    return v


def _int(lo: int, hi: int | None = None) -> Callable[[Any], int]:
    def conv(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or v < lo:
            raise ValueError
        if hi is not None and v > hi:
            raise _Bad(f"more than {hi:,}")
        return v

    return conv


#: The largest house a law file may declare: above any real chamber (China's NPC has
#: about 3,000), low enough that a typo fails at once instead of allocating for minutes.
MAX_TIER_SEATS = 100_000


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise TypeError
    return v


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def conv(v: Any) -> str:
        if v not in options:
            raise _Bad(f"valid values: {', '.join(options)}")
        return cast(str, v)

    return conv


def _percent(v: Any) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise TypeError
    return check_threshold(v)


def _positive_fraction(v: Any) -> Fraction:
    if isinstance(v, bool) or not isinstance(v, int | float | str):
        raise TypeError
    f = Fraction(str(v))
    if f <= 0:
        raise ValueError
    return f


def _chain(v: Any) -> tuple[str, ...]:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise TypeError
    return check_chain(v)


def _coalitions(v: Any) -> tuple[tuple[int, Fraction], ...]:
    if not isinstance(v, dict):
        raise TypeError
    return tuple(sorted((int(k), _percent(p)) for k, p in v.items()))


def _consolation(v: Any) -> tuple[tuple[Fraction, int], ...]:
    # {"5" = 1, "6" = 2}: from 5 % one seat, from 6 % (up to the threshold) two.
    if not isinstance(v, dict):
        raise TypeError
    out = []
    for k, n in v.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError
        out.append((_percent(k), n))
    return tuple(sorted(out))


def parse_law(text: str, *, label: str = "law file", default_name: str = "law") -> Law:
    """Parse and check a law file's TOML text; every problem is reported at once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LawError(f"{label}: not valid TOML: {err}") from None
    r = _Reader(label)
    for key in data:
        if key not in ("law", "tiers", *FREE_SECTIONS):
            r.fail(_unknown("", key, ("law", "tiers", *FREE_SECTIONS)))
    head = data.get("law", {})
    if not isinstance(head, dict):
        raise LawError(f"{label}: key 'law' must be a table, got {head!r}")
    for key in head:
        if key not in LAW_KEYS:
            if key in TIER_KEYS or difflib.get_close_matches(key, TIER_KEYS, n=1, cutoff=0.8):
                # e.g. a threshold written under [law]: it belongs to a [[tiers]] table.
                near = (
                    key
                    if key in TIER_KEYS
                    else difflib.get_close_matches(key, TIER_KEYS, 1, 0.8)[0]
                )
                r.fail(
                    f"unknown key 'law.{key}' (tier rules go in a [[tiers]] table:"
                    f" did you mean 'tiers[0].{near}'?)"
                )
            else:
                r.fail(_unknown("law.", key, LAW_KEYS))
    tiers_raw = data.get("tiers")
    if not isinstance(tiers_raw, list) or not tiers_raw:
        r.fail("key 'tiers' is missing: give at least one [[tiers]] table")
        tiers_raw = []
    tiers: list[Tier] = []
    for i, raw in enumerate(tiers_raw):
        where = f"tiers[{i}]."
        if not isinstance(raw, dict):
            r.fail(f"key 'tiers[{i}]' must be a table")
            continue
        for key in raw:
            if key not in TIER_KEYS:
                r.fail(_unknown(where, key, TIER_KEYS))
        kind = r.get(raw, "kind", where, _choice(KINDS), "party-list")
        method = r.get(raw, "method", where, lambda v: get_method(_text(v)).name, None)
        if kind == "party-list" and method is None and "method" not in raw:
            r.fail(f"key '{where}method' is missing (a party-list tier needs a method)")
        fixed = method is not None and not get_method(method).house_size
        if fixed:
            # A fixed quota decides the house size: the tier has votes per seat instead.
            if "seats" in raw:
                r.fail(
                    f"key '{where}seats': method '{method}' decides the number of seats;"
                    f" give '{where}votes_per_seat' instead"
                )
            if "votes_per_seat" not in raw:
                r.fail(f"key '{where}votes_per_seat' is missing (method '{method}')")
        elif "seats" not in raw:
            r.fail(f"key '{where}seats' is missing")
        elif "votes_per_seat" in raw or "remainder_over" in raw:
            r.fail(
                f"key '{where}votes_per_seat': only the method 'fixed-quota' takes a quota"
                " of votes per seat"
            )
        tiers.append(
            Tier(
                name=r.get(raw, "name", where, _text, kind),
                kind=kind,
                seats=0 if fixed else r.get(raw, "seats", where, _int(1, MAX_TIER_SEATS), 1),
                title=r.get(raw, "title", where, _text, ""),
                method=method,
                threshold=r.get(raw, "threshold", where, _percent, Fraction(0)),
                threshold_base=r.get(raw, "threshold_base", where, _choice(BASES), "valid"),
                tie_break=r.get(raw, "tie_break", where, _chain, ("votes", "order")),
                min_parties=r.get(raw, "min_parties", where, _int(0), 0),
                min_combined_share=r.get(raw, "min_combined_share", where, _percent, None),
                min_combined_strict=r.get(raw, "min_combined_strict", where, _bool, True),
                max_seats_per_party=r.get(raw, "max_seats_per_party", where, _int(1), None),
                regional_threshold=r.get(raw, "regional_threshold", where, _percent, None),
                coalition_thresholds=r.get(raw, "coalition_thresholds", where, _coalitions, ()),
                minority_bonus=r.get(raw, "minority_bonus", where, _positive_fraction, None),
                consolation_seats=r.get(raw, "consolation_seats", where, _consolation, ()),
                alliances=r.get(raw, "alliances", where, _bool, False),
                exhausted_seats=r.get(
                    raw,
                    "exhausted_seats",
                    where,
                    _choice(("redistribute", "vacant")),
                    "redistribute",
                ),
                elected_by=r.get(raw, "elected_by", where, _text, None),
                remainder_decimals=r.get(raw, "remainder_decimals", where, _int(0), None),
                **scheme_fields(r, raw, where),
                min_seats=r.get(raw, "min_seats", where, _int(0, MAX_TIER_SEATS), 0),
                base_seats=r.get(raw, "base_seats", where, _int(0, MAX_TIER_SEATS), 0),
                votes_per_seat=r.get(raw, "votes_per_seat", where, _int(1), None),
                remainder_over=r.get(raw, "remainder_over", where, _int(0), None),
            )
        )
    for i, t in enumerate(tiers):
        for problem in scheme_problems(t, f"tiers[{i}]."):
            r.fail(problem)
        for lo, _n in t.consolation_seats:
            if lo >= t.threshold:
                r.fail(
                    f"key 'tiers[{i}].consolation_seats' has a band from {float(lo):g}%,"
                    f" not below the threshold {float(t.threshold):g}%"
                )
    for i, t in enumerate(tiers):
        if t.min_seats and t.seats and t.min_seats > t.seats:
            r.fail(
                f"key 'tiers[{i}].min_seats' is {t.min_seats}, more than the tier's {t.seats} seats"
            )
        if t.base_seats and t.min_seats:
            r.fail(f"key 'tiers[{i}].base_seats' cannot be combined with min_seats")
        if t.base_seats and t.max_seats_per_party and t.base_seats > t.max_seats_per_party:
            r.fail(
                f"key 'tiers[{i}].base_seats' is {t.base_seats}, more than"
                f" max_seats_per_party {t.max_seats_per_party}"
            )
        if t.min_seats and t.max_seats_per_party and t.min_seats > t.max_seats_per_party:
            r.fail(
                f"key 'tiers[{i}].min_seats' is {t.min_seats}, more than"
                f" max_seats_per_party {t.max_seats_per_party}"
            )
        if (
            t.votes_per_seat
            and t.remainder_over is not None
            and (t.remainder_over >= t.votes_per_seat)
        ):
            r.fail(
                f"key 'tiers[{i}].remainder_over' is {t.remainder_over:,}, not below"
                f" votes_per_seat {t.votes_per_seat:,}"
            )
    if tiers and not any(t.kind == "party-list" for t in tiers):
        r.fail("no tier of kind 'party-list'")
    law = Law(
        name=r.get(head, "name", "law.", _text, default_name),
        title=r.get(head, "title", "law.", _text, default_name),
        tiers=tuple(tiers),
        body=r.get(head, "body", "law.", _text, ""),
        country=r.get(head, "country", "law.", _text, ""),
        date=r.get(head, "date", "law.", lambda v: str(v), ""),
        source=r.get(head, "source", "law.", _text, ""),
        notes=r.get(head, "notes", "law.", _text, ""),
        protocol_policy=r.get(
            head, "protocol_policy", "law.", _choice(("reject", "flag")), "reject"
        ),
        sections={k: data[k] for k in FREE_SECTIONS if k in data},
        text=text,
    )
    if r.problems:
        raise LawError(r.problems)
    return law


def _presets() -> dict[str, Any]:
    return {
        p.name[: -len(".toml")]: p
        for p in resources.files("saylau.law.presets").iterdir()
        if p.name.endswith(".toml")
    }


def preset_names() -> list[str]:
    """Names of the laws bundled with saylau, sorted."""
    return sorted(_presets())


def list_presets() -> list[Law]:
    """Every bundled law, sorted by name."""
    return [load_law(n) for n in preset_names()]


def load_law(name_or_path: str | Path) -> Law:
    """Load a bundled preset by name (see ``saylau laws``) or a TOML law file by path."""
    presets = _presets()
    key = str(name_or_path)
    if key in presets:
        return parse_law(
            presets[key].read_text(encoding="utf-8"), label=f"law preset {key}", default_name=key
        )
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise NotFoundError(f"law file '{path}' not found") from None
        except IsADirectoryError:
            raise LawError(f"law file '{path}': cannot be read: is a directory") from None
        except UnicodeDecodeError as err:
            raise LawError(
                f"law file '{path}': not UTF-8 (byte 0x{err.object[err.start]:02x} at offset"
                f" {err.start}); save the file as UTF-8"
            ) from None
        except OSError as err:
            raise LawError(f"law file '{path}': cannot be read: {err.strerror or err}") from None
        return parse_law(text, label=f"law file {path.name}", default_name=path.stem)
    close = difflib.get_close_matches(key, list(presets), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise NotFoundError(f"unknown law '{key}'{hint}; presets: {', '.join(sorted(presets))}")
