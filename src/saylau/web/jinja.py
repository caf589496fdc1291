"""The Jinja2 environment of the site: one template folder, autoescaping, the globals
every page may call (charts, step texts, names of methods, fixed-decimal figures)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from saylau.web.forensics_svg import histogram_svg, legend
from saylau.web.i18n import LANGUAGE_NAMES, Formatter
from saylau.web.names import local_name
from saylau.web.steps import ranking, step_text, tie_text
from saylau.web.svg import hemicycle_chart, votes_chart, votes_vs_seats_chart

TEMPLATES = Path(__file__).parent / "templates"


def page_globals_for(lang: str, path: str) -> dict[str, Any]:
    """What a page of language ``lang`` at ``path`` (as
    :func:`saylau.web.render.page_path` gives it) is rendered with besides its context
    (translation, formatting, the language switcher's path), wherever it is rendered: a
    request, a background rebuild, a worker process."""
    fmt = Formatter(lang)
    return {"_": fmt.gettext, "fmt": fmt, "lang": lang, "path": path}


def template_environment() -> Environment:
    """The Jinja2 environment: autoescaping on for every template."""
    env = Environment(
        loader=FileSystemLoader([TEMPLATES]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.globals["languages"] = list(LANGUAGE_NAMES.items())
    env.globals["hemicycle_chart"] = hemicycle_chart
    env.globals["votes_vs_seats_chart"] = votes_vs_seats_chart
    env.globals["votes_chart"] = votes_chart
    env.globals["step_text"] = step_text
    env.globals["allocation_ranking"] = ranking
    env.globals["tie_text"] = tie_text
    env.globals["method_title"] = method_title
    env.globals["statement_ballot_rows"] = _ballot_rows
    env.globals["statement_observer_rows"] = _observer_rows
    env.globals["index_value"] = index_value
    env.globals["namer"] = namer
    env.globals["contest_maps"] = _maps
    env.globals["forensics_chart"] = histogram_svg
    env.globals["forensics_legend"] = legend
    env.globals["area_view"] = _area_view
    env.filters["local"] = _local
    env.filters["longest_word"] = longest_word
    return env


def method_title(name: object) -> str:
    """A method's title (``hare`` → "Largest remainder, Hare quota"), for translation;
    an unknown name is shown as given."""
    from saylau.methods import REGISTRY

    spec = REGISTRY.get(str(name))
    return spec.title if spec is not None else str(name)


def namer(lang: str) -> Callable[[str], str]:
    """The function giving a stored name in ``lang`` (for the charts' labels)."""
    return lambda text: local_name(text, lang)


@pass_context
def _local(context: Context, text: object) -> str:
    """``{{ contest.title | local }}``: a stored name in the page's language."""
    return local_name(str(text), str(context.get("lang", "en")))


def longest_word(text: object) -> int:
    """The length of ``text``'s longest word (0 for none)."""
    return max((len(w) for w in str(text).split()), default=0)


def _maps(
    children: Sequence[Mapping[str, Any]], parties: Iterable[Mapping[str, Any]], fmt: Formatter
) -> dict[str, Markup] | None:
    from saylau.web.maps import contest_maps

    return contest_maps(children, {p["name"]: p["color"] for p in parties}, fmt)


def _area_view(
    children: Sequence[Mapping[str, Any]], parties: Sequence[Mapping[str, Any]], fmt: Formatter
) -> dict[str, Markup] | None:
    from saylau.web.maps import area_view

    return area_view(children, parties, fmt)


def index_value(lang: str, value: float | None, digits: int = 2) -> str:
    """An index value with a fixed number of decimals in the page's locale (``–`` for
    an undefined one); the Formatter's numbers drop trailing zeros."""
    from babel.numbers import format_decimal

    if value is None:
        return "–"
    return str(format_decimal(value, format="#,##0." + "0" * digits, locale=lang))


def _ballot_rows(ctx: Mapping[str, Any], fmt: Formatter) -> list[tuple[str, str]]:
    # Imported on use: the statement module loads fpdf, which pages do not need.
    from saylau.web.statement import ballot_rows

    return ballot_rows(ctx, fmt)


def _observer_rows(ctx: Mapping[str, Any], fmt: Formatter) -> list[tuple[str, str]]:
    from saylau.web.statement import observer_rows

    return observer_rows(ctx, fmt)
