"""The allocation step log in Russian and Kazakh, rendered from the steps' fields."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient

import saylau
from saylau.web.i18n import LANGUAGES, Formatter, translations
from saylau.web.steps import MESSAGES, ranking, step_text

FIELD = re.compile(r"\{(\w+)\}")


def test_russian_contest_page_shows_the_step_log_in_russian(client: TestClient) -> None:
    html = client.get("/contests/majilis?lang=ru").text
    steps = html[html.index('id="h-steps"') : html.index("</table>", html.index('id="h-steps"'))]
    # Hare quota (2670 + 510) / 98 = 1590/49 = 32.449; Nur Otan 2670 / quota = 82.28,
    # Ak Zhol 510 / quota = 15.72: 82 + 15 whole-quota seats, seat 98 to Ak Zhol's
    # remainder of 510 - 15 * 1590/49 = 1140/49 = 23.265 votes.
    assert "Избирательная квота (голосов на один мандат): 32,449" in steps
    assert '<bdi class="name">Нур Отан</bdi>: 82 мандата по целым квотам' in steps
    assert '<bdi class="name">Ак жол</bdi>: 15 мандатов по целым квотам' in steps
    assert 'Мандат № 98: <bdi class="name">Ак жол</bdi>, остаток 23,265' in steps
    assert "Заградительный барьер: необходимое списку число голосов" in steps
    assert "seat(s)" not in steps and "quota 1590/49" not in steps  # no English left


def test_english_page_is_rendered_from_the_fields_too(client: TestClient) -> None:
    html = client.get("/contests/majilis?lang=en").text
    steps = html[html.index('id="h-steps"') : html.index("</table>", html.index('id="h-steps"'))]
    assert 'Seat 98: <bdi class="name">Ak Zhol</bdi>, remainder 23.265' in steps
    assert '<bdi class="name">Nur Otan</bdi>: 82 seats by whole quotas' in steps
    assert "Quota (votes per seat): 32.449" in steps
    assert "seat(s)" not in steps and "= quota =" not in steps
    # The threshold as a vote count: 7% of 3,323 valid votes = 232.61, so 233 votes.
    assert "a list needs at least 233 votes" in steps


def test_the_ranking_shows_who_just_missed_the_last_seat(client: TestClient) -> None:
    html = client.get("/contests/majilis").text
    table = re.search(r'<table class="ranking">.*?</table>', html, re.S)
    assert table is not None
    rows = re.findall(r"<tr class=\"(\w+)( cut)?\">.*?<bdi[^>]*>([^<]+)</bdi>", table.group(0))
    # Remainders: Ak Zhol 1140/49 = 23.27 wins seat 98, Nur Otan 450/49 = 9.18 misses.
    assert [(r[0], r[2]) for r in rows] == [("won", "Ak Zhol"), ("missed", "Nur Otan")]
    assert rows[1][1] == " cut"


def test_ranking_of_quotients_dhondt() -> None:
    # The D'Hondt example of 8 seats: A 100,000, B 80,000, C 30,000, D 20,000
    # gives A 4, B 3, C 1; the 8th seat goes to A's 25,000, and three quotients of
    # 20,000 (A, B, D) miss it.
    parties = [
        {"name": n, "votes": v, "passed": True, "seats": s}
        for n, v, s in (("A", 100_000, 4), ("B", 80_000, 3), ("C", 30_000, 1), ("D", 20_000, 0))
    ]
    rows = ranking(parties, {"method": "dhondt"})
    assert [(r["rank"], r["party"], r["won"]) for r in rows[:5]] == [
        (4, "B", True),
        (5, "A", True),
        (6, "C", True),
        (7, "B", True),
        (8, "A", True),
    ]
    assert rows[4]["value"] == Fraction(25_000) and rows[5]["cut"]
    assert {r["party"] for r in rows[5:8]} == {"A", "B", "D"}
    assert all(r["value"] == Fraction(20_000) and not r["won"] for r in rows[5:8])


def test_no_ranking_where_it_would_not_give_the_pages_seats() -> None:
    parties = [
        {"name": "A", "votes": 10, "passed": True, "seats": 5},
        {"name": "B", "votes": 100, "passed": True, "seats": 0},
    ]
    assert ranking(parties, {"method": "dhondt"}) == []  # a capped or odd allocation
    assert ranking(parties, {"method": "no-such-method"}) == []


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_every_step_message_is_translated_with_the_same_fields(lang: str) -> None:
    t = translations(lang)
    for singular, plural in MESSAGES:
        if plural is None:
            forms = [t.gettext(singular)]
        else:
            forms = [t.ngettext(singular, plural, n) for n in (1, 2, 5)]
            assert forms[0] != singular
        for form in forms:
            assert form != singular and form != plural, (lang, singular)
            assert set(FIELD.findall(form)) == set(FIELD.findall(singular)), (lang, form)


def test_russian_plural_forms_and_vacancies() -> None:
    ru = Formatter("ru")
    base = {"kind": "exhausted", "text": "x", "party": "P"}
    said = [str(step_text({**base, "seats": -n}, ru)) for n in (1, 3, 11, 21)]
    assert [s.split(": ")[1] for s in said] == [
        "1 мандат остаётся вакантным",
        "3 мандата остаются вакантными",
        "11 мандатов остаются вакантными",
        "21 мандат остаётся вакантным",
    ]
    rounds = step_text({"kind": "remainder", "text": "x", "seats": 2}, ru)
    assert rounds.startswith("Каждому списку по 2 мандата")
    divisor = step_text(
        {"kind": "divisor", "text": "x", "party": "P", "seats": 3, "seat_number": 10}, ru
    )
    assert divisor == 'Мандаты № 8–10: <bdi class="name">P</bdi>, 3 частных больше 1'


def test_names_are_escaped_and_unknown_or_unfit_steps_fall_back_to_english() -> None:
    kk = Formatter("kk")
    hostile = step_text({"kind": "automatic", "text": "x", "party": "<b>", "seats": 5}, kk)
    assert hostile == '<bdi class="name">&lt;b&gt;</bdi>: толық квоталар бойынша 5 мандат'
    assert step_text({"kind": "bonus", "text": "bonus <i>"}, kk) == "bonus &lt;i&gt;"
    # a remainder seat without its party cannot be said in the template
    unfit = {"kind": "remainder", "text": "seat 3: ?", "seats": 1, "seat_number": 3}
    assert step_text(unfit, kk) == "seat 3: ?"
    assert step_text({"kind": "quota", "text": "no value"}, kk) == "no value"


def test_consolation_seats_in_russian_from_a_real_allocation() -> None:
    # Russia 2011's rule (51-FZ art. 82.1): the core's step, rendered in Russian.
    from saylau import load_law

    a = load_law("ru-duma-2011").allocate({"A": 6000, "B": 2500, "C": 550, "D": 650})
    steps = [s.to_dict() for s in a.allocation.steps if s.kind == "consolation"]
    ru = Formatter("ru")
    assert [str(step_text(s, ru)) for s in steps] == [
        '<bdi class="name">C</bdi>: 1 утешительный мандат — ниже порога, но в пределах,'
        " установленных законом",
        '<bdi class="name">D</bdi>: 2 утешительных мандата — ниже порога, но в пределах,'
        " установленных законом",
    ]


def test_minimum_and_base_seats_are_said_in_every_language() -> None:
    """The US House's one seat per state and the Cambridge Compromise's five base seats,
    from real allocations: no English left on a ru or kk page, and no quotient ranking
    where base seats come before the method (its quotients start again from zero)."""
    us = saylau.allocate({"A": 1_000_000, "B": 9_000}, 10, "sainte-lague", min_seats=1)
    minimum = next(s.to_dict() for s in us.steps if s.kind == "minimum")
    assert str(step_text(minimum, Formatter("ru"))).endswith("1 мандат — гарантированный минимум")
    eu = saylau.allocate({"A": 900, "B": 100}, 12, "adams", base_seats=5)
    base = next(s.to_dict() for s in eu.steps if s.kind == "base")
    said = str(step_text(base, Formatter("kk")))
    assert said.endswith("5 базалық мандат, қалғандары әдіс бойынша бөлінгенге дейін")
    # Here a ranking recomputed from zero would even agree with the seats, and mislead.
    two = saylau.allocate({"A": 607, "B": 558}, 7, "adams", base_seats=2)
    assert two.seats == {"A": 4, "B": 3}
    parties = [
        {"name": p, "votes": v, "passed": True, "seats": two.seats[p]} for p, v in two.votes.items()
    ]
    assert ranking(parties, two.to_dict()) == []
