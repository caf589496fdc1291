"""Names shown on the pages, in the reader's language.

Contest, election, region, district, party and council names are data: the store
keeps them as ingested (in English for the bundled Kazakhstan files), and a small
file per country, ``saylau/data/names/<country>.toml``, gives each in en/ru/kk.
``[names]`` maps a stored name to its forms; ``[patterns]`` translates the
generated parts of names (``Akmola Region TEC 01``: the region is looked up, then
`` TEC `` becomes `` ТИК ``).  Countries abroad come from the CLDR territory names
Babel ships.  A name found nowhere is shown as stored: it is data, never dropped.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Final

from babel import Locale

#: The countries whose names files are read (``data/names/<code>.toml``).
COUNTRIES: Final[tuple[str, ...]] = ("kz",)


@cache
def _tables() -> tuple[dict[str, dict[str, str]], dict[str, dict[str, str]]]:
    """Every names file merged: (names, patterns)."""
    names: dict[str, dict[str, str]] = {}
    patterns: dict[str, dict[str, str]] = {}
    for country in COUNTRIES:
        text = (resources.files("saylau") / "data" / "names" / f"{country}.toml").read_text(
            encoding="utf-8"
        )
        data = tomllib.loads(text)
        names.update(data.get("names", {}))
        patterns.update(data.get("patterns", {}))
    return names, patterns


@cache
def _territory_codes() -> dict[str, str]:
    """English CLDR territory name -> code (``Russia`` -> ``RU``)."""
    codes = {str(name): code for code, name in Locale("en").territories.items()}
    # CLDR's current spellings differ from the ones the bundled data uses.
    codes.setdefault("Turkey", "TR")
    codes.setdefault("Czech Republic", "CZ")
    return codes


@cache
def local_name(text: str, lang: str) -> str:
    """``text`` (a stored name) in ``lang``; as stored when no translation is known."""
    names, patterns = _tables()
    entry = names.get(text)
    if entry is not None:
        return entry.get(lang, text)
    if lang == "en":
        return text
    code = _territory_codes().get(text)
    if code is not None and len(code) == 2:
        return str(Locale(lang).territories.get(code, text))
    for part, forms in patterns.items():
        head, sep, tail = text.partition(part)
        if sep and lang in forms:
            return local_name(head, lang) + forms[lang] + local_name(tail, lang)
    return text


def stored_forms(query: str, limit: int = 8) -> list[str]:
    """What a reader typed in any language, as the store spells it: the stored names
    one of whose forms holds ``query`` ("Акмолинская" → "Akmola Region"), and
    ``query`` with every translated name and generated part put back ("Ақмола облысы
    АСК 01" → "Akmola Region TEC 01").  Case-insensitive; ``query`` itself is not
    included; at most ``limit`` forms, the whole query's first."""
    names, patterns = _tables()
    wanted = query.strip().casefold()
    if not wanted:
        return []
    back = query.strip()
    # Longest forms first, so "Северо-Казахстанская область" is put back whole before
    # a shorter name inside it could be.
    pairs = [(form, key) for key, forms in names.items() for form in forms.values()]
    pairs += [
        (form.strip(), key.strip()) for key, forms in patterns.items() for form in forms.values()
    ]
    for form, key in sorted(pairs, key=lambda p: -len(p[0])):
        if form and form.casefold() in back.casefold() and form != key:
            start = back.casefold().index(form.casefold())
            back = back[:start] + key + back[start + len(form) :]
    found: list[str] = [back] if back.casefold() != wanted else []
    for key, forms in names.items():
        if any(wanted in form.casefold() for form in forms.values()) and key not in found:
            found.append(key)
    return found[:limit]
