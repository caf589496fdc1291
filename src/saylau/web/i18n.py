"""Languages of the results site: gettext catalogs (``.po``) read at runtime with Babel.

The catalogs live in ``saylau/web/locale/<lang>/LC_MESSAGES/messages.po``; they are
compiled in memory on first use, so installing saylau needs no compile step.
Numbers, percentages and dates are formatted with Babel for the page's locale.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Final

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

#: Supported languages, the first is the default.
LANGUAGES: Final[tuple[str, ...]] = ("en", "ru", "kk")
DEFAULT_LANGUAGE: Final = "en"
#: The language names shown in the switcher, each in its own language.
LANGUAGE_NAMES: Final[dict[str, str]] = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
LOCALE_DIR: Final = Path(__file__).parent / "locale"


@cache
def translations(lang: str) -> NullTranslations:
    """The gettext translations of ``lang``.

    English is the source language; its small catalog only turns the data keys shown
    on pages (protocol fields such as ``ballots_received``, statuses, step kinds) into
    words, so an English page never shows a bare key."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return Translations(fp=buf)


@dataclass(frozen=True)
class Formatter:
    """Locale-aware formatting and translation for one page."""

    lang: str

    def gettext(self, message: str) -> str:
        """Translate ``message`` into this page's language."""
        return translations(self.lang).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate the form of ``singular``/``plural`` for the count ``n``."""
        return translations(self.lang).ngettext(singular, plural, n)

    def number(self, value: int | float | None) -> str:
        """A count or figure with the locale's grouping (``11 919 241`` in ru)."""
        if value is None:
            return "–"
        return _decimal(value, self.lang)

    def decimal(self, value: float | Fraction | str | None, digits: int) -> str:
        """A fractional figure with exactly ``digits`` decimals (``203.700`` beside
        ``219.250``, never ``203.7`` beside ``219.25``): one rule per kind of figure,
        the ``*_DIGITS`` constants below."""
        if value is None:
            return "–"
        number = float(Fraction(value)) if isinstance(value, str | Fraction) else float(value)
        return _fixed(number, digits, self.lang)

    def allocation(self, value: float | Fraction | str | None) -> str:
        """A quota, quotient or remainder of a seat allocation (``ALLOCATION_DIGITS``)."""
        return self.decimal(value, ALLOCATION_DIGITS)

    def percent(self, value: float | Fraction | str | None, digits: int = 2) -> str:
        """A percentage given in percent units (``63.25`` → ``63.25%``/``63,25 %``)."""
        if value is None:
            return "–"
        number = float(Fraction(value)) if isinstance(value, str | Fraction) else float(value)
        return _percent(number, digits, self.lang)

    def stations(self, reporting: int, expected: int | None) -> str:
        """Stations counted: ``1 040 / 1 050``, or ``1 040 stations reported`` when no
        station list was registered (``expected`` None): never "N of N" made up from
        the stations that happened to report."""
        if expected is None:
            text = self.ngettext("%(n)s station reported", "%(n)s stations reported", reporting)
            return text % {"n": self.number(reporting)}
        return f"{self.number(reporting)} / {self.number(expected)}"

    def counted(self, reporting: int, expected: int | None, level: str) -> str:
        """:meth:`stations` of a row of a table or chart; a polling station's own row
        says "counted" or "not counted yet", not "1 / 1" of itself."""
        if level == "station":
            return self.gettext("counted") if reporting else self.gettext("not counted yet")
        return self.stations(reporting, expected)

    def datetime(self, value: str | dt.datetime | None) -> str:
        """A timestamp (ISO text or datetime) in the locale's medium format, UTC."""
        if value is None or value == "":
            return "–"
        when = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return _babel_datetime(when, format="medium", tzinfo=dt.UTC, locale=self.lang) + " UTC"

    def date(self, value: str | dt.date | None) -> str:
        """A calendar date (ISO text or date) in the locale's long format
        (``January 10, 2021``, ``10 января 2021 г.``); text that is not an ISO date is
        shown as given."""
        if value is None or value == "":
            return "–"
        if isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                return value
        else:
            day = value
        return str(_babel_date(day, format="long", locale=self.lang))

    @property
    def locale_name(self) -> str:
        """The language's own name."""
        return str(Locale.parse(self.lang).get_display_name(self.lang))


# Babel parses the locale and the pattern on every call; a page shows the same small
# counts and shares again and again (every station page, in three languages).  Typed:
# 1 and 1.0 are formatted apart, as Babel formats them.
@lru_cache(maxsize=65536, typed=True)
def _decimal(value: int | float, lang: str) -> str:
    return str(format_decimal(value, locale=lang))


#: Decimals of each kind of fractional figure on the pages.  Quotas, quotients and
#: remainders: three, as the allocation steps say them, so that two remainders a seat
#: tells apart do not look equal (the exact fraction is in the cell's title).
ALLOCATION_DIGITS: Final = 3
#: Counts expected by chance (means and deviations of random draws): one.
CHANCE_DIGITS: Final = 1
#: Test statistics (chi-squared): two.  p-values: three.
STATISTIC_DIGITS: Final = 2
P_DIGITS: Final = 3


@lru_cache(maxsize=65536)
def _fixed(number: float, digits: int, lang: str) -> str:
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return str(format_decimal(number, format=pattern, locale=lang))


@lru_cache(maxsize=65536)
def _percent(number: float, digits: int, lang: str) -> str:
    return str(format_percent(number / 100, format=_percent_pattern(lang, digits), locale=lang))


@cache
def _percent_pattern(lang: str, digits: int) -> str:
    """The locale's percent pattern with ``digits`` decimals: Russian keeps its space
    before the sign (``71,09 %``), English and Kazakh have none (``71.09%``, ``71,09%``)."""
    base = str(Locale.parse(lang).percent_formats[None].pattern).split(";")[0]
    return base.replace("#,##0", "#,##0." + "0" * digits if digits else "#,##0", 1)


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str | None:
    """The page language: ``?lang=`` first, then the cookie, then Accept-Language.

    Returns None when ``query`` names an unsupported language (the caller answers 422).
    """
    if query is not None:
        code = query.strip().lower()  # ?lang=RU is Russian too
        return code if code in LANGUAGES else None
    if cookie in LANGUAGES:
        return cookie
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
