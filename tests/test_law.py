"""Law files: presets, strict checking, one-line errors naming the key and value."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import saylau
import saylau.errors
from saylau.errors import LawError, NotFoundError
from saylau.law import parse_law, preset_names

BASE = """
[law]
title = "Test"

[[tiers]]
seats = 10
method = "hare"
threshold = "5"
"""


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads_and_allocates(name: str) -> None:
    law = saylau.load_law(name)
    assert law.name == name and law.title and law.source
    tier = law.list_tier
    votes = {"A": 5000, "B": 3000, "C": 2000}
    regions = {p: {"R1": v // 2, "R2": v - v // 2} for p, v in votes.items()}
    result = law.allocate(votes, regions=regions)
    assert sum(result.seats.values()) == tier.seats
    assert result.total_seats == law.total_seats == sum(t.seats for t in law.tiers)


def test_required_presets_exist() -> None:
    required = {
        "kz-majilis-2021",
        "kz-majilis-2016",
        "kz-majilis-2012",
        "kz-majilis-2007",
        "kz-majilis-2023",
        "ru-duma-2021",
        "ru-duma-2016",
        "ru-duma-2011",
        "ru-duma-2007",
        "kg-parliament-2015",
        # Formerly in saylau/data and resolved beside load_law (issue #12): now presets.
        "kz-maslikhat-2021",
        "kz-maslikhat-2023",
        "kg-president-2021",
        "us-house-1910",
        "ge-parliament-2024",
    }
    assert required <= set(preset_names())
    assert saylau.load_law("kz-majilis-2021").total_seats == 107
    assert saylau.load_law("kz-majilis-2023").list_tier.seats == 69
    assert saylau.load_law("ru-duma-2007").list_tier.seats == 450


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BASE.replace("threshold =", "treshold ="),
            "unknown key 'tiers[0].treshold' (did you mean 'threshold'?)",
        ),
        (BASE.replace('"hare"', '"hair"'), "unknown method 'hair' (did you mean 'hare'?)"),
        (BASE.replace('"5"', '"105"'), "key 'tiers[0].threshold' has invalid value '105'"),
        (BASE.replace('"5"', '"abc"'), "key 'tiers[0].threshold' has invalid value 'abc'"),
        (BASE.replace("seats = 10", "seats = 0"), "key 'tiers[0].seats' has invalid value 0"),
        (
            BASE.replace("seats = 10", 'seats = "ten"'),
            "key 'tiers[0].seats' has invalid value 'ten'",
        ),
        (
            BASE + 'threshold_base = "all"\n',
            "key 'tiers[0].threshold_base' has invalid value 'all'",
        ),
        (BASE + 'tie_break = ["coin"]\n', "unknown criterion 'coin'"),
        (BASE + "[extra]\nx = 1\n", "unknown key 'extra'"),
        (
            BASE.replace("[law]", '[law]\nprotocol_policy = "ignore"'),
            "key 'law.protocol_policy' has invalid value 'ignore'",
        ),
        (
            BASE.replace("seats = 10", "seats = 99999999999"),
            "key 'tiers[0].seats' has invalid value 99999999999 (more than 100,000)",
        ),
        (
            BASE.replace("[law]", "[law]\ntreshold = 5"),
            "unknown key 'law.treshold' (tier rules go in a [[tiers]] table:"
            " did you mean 'tiers[0].threshold'?)",
        ),
        ("[law]\ntitle = 'x'\n", "key 'tiers' is missing"),
        ("[[tiers]\n", "not valid TOML"),
        ('[law]\n[[tiers]]\nkind = "indirect"\nseats = 9\n', "no tier of kind 'party-list'"),
    ],
)
def test_bad_law_file_names_key_and_value(text: str, message: str) -> None:
    with pytest.raises(LawError) as err:
        parse_law(text, label="law file x.toml")
    assert message in str(err.value)
    assert all(line.startswith("law file x.toml: ") for line in str(err.value).splitlines())


def test_every_problem_reported_at_once() -> None:
    text = BASE.replace("threshold =", "treshold =").replace("seats = 10", "seats = -1")
    with pytest.raises(LawError) as err:
        parse_law(text)
    assert len(err.value.problems) == 2


def test_unknown_preset_suggests() -> None:
    with pytest.raises(
        NotFoundError, match="unknown law 'kz-majilis-2020' \\(did you mean 'kz-majilis-202"
    ):
        saylau.load_law("kz-majilis-2020")


def test_law_file_by_path(tmp_path: Path) -> None:
    path = tmp_path / "my-law.toml"
    path.write_text(BASE, encoding="utf-8")
    law = saylau.load_law(path)
    assert law.name == "my-law"
    assert law.allocate({"A": 60, "B": 36, "C": 4}).seats == {"A": 6, "B": 4, "C": 0}
    with pytest.raises(NotFoundError, match=r"law file '.*missing.toml' not found"):
        saylau.load_law(tmp_path / "missing.toml")


def test_free_sections_are_kept_for_their_owners() -> None:
    law = parse_law(BASE + '\n[lists]\nmax_length = "seats + 30%"\n')
    assert law.sections == {"lists": {"max_length": "seats + 30%"}}


def test_unreadable_law_files(tmp_path: Path) -> None:
    (tmp_path / "dir.toml").mkdir()
    with pytest.raises(LawError, match=r"'.*dir.toml': cannot be read: is a directory$"):
        saylau.load_law(tmp_path / "dir.toml")
    (tmp_path / "cp.toml").write_bytes('[law]\ntitle = "Мажилис"\n'.encode("cp1251"))
    with pytest.raises(LawError, match=r"not UTF-8 \(byte 0xcc at offset 15\); save the file"):
        saylau.load_law(tmp_path / "cp.toml")


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_round_trips_through_toml(name: str) -> None:
    law = saylau.load_law(name)
    back = parse_law(law.to_toml(), label=name)
    assert replace(back, text="") == replace(law, text="")


@pytest.mark.parametrize("name", preset_names())
def test_resized_is_a_new_law_with_its_own_text(name: str) -> None:
    law = saylau.load_law(name)
    small = law.resized(7)
    assert small is not law and law.list_tier.seats != 0
    assert small.tiers == (replace(law.list_tier, seats=7),)
    assert small.total_seats == 7
    # The text is the resized law itself: stored and read back, it is the same law.
    again = parse_law(small.text, label="stored")
    assert replace(again, text="") == replace(small, text="")
    assert law.text == saylau.load_law(name).text  # the original is untouched


def test_resized_refuses_a_bad_size() -> None:
    with pytest.raises(saylau.errors.InputError, match="seats: 0 must be a whole number"):
        saylau.load_law("kz-maslikhat-2021").resized(0)


def test_maslikhat_laws_resolve_through_load_law(tmp_path: Path) -> None:
    from saylau.institutions.maslikhats import resolve_law

    assert resolve_law("kz-maslikhat-2021") == saylau.load_law("kz-maslikhat-2021")
    own = tmp_path / "own.toml"
    own.write_text(saylau.load_law("kz-maslikhat-2023").resized(11).text, encoding="utf-8")
    assert resolve_law("own.toml", tmp_path).list_tier.seats == 11
