"""The analysis pages and API of the results site (what-if, proportionality, projections).

The store holds Kazakhstan's Majilis election of 10 January 2021 (CEC final results of
12 January 2021, tests/data/official/kz-majilis-2021.toml: 7,241,562 votes for parties;
76 / 12 / 10 seats at the 7 % threshold) split over four stations.
"""

from __future__ import annotations

import csv
import html
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.web.app import create_app

PARTIES = ("People's Party of Kazakhstan", "Nur Otan", "Auyl", "Ak Zhol", "Adal")
VOTES = (659019, 5148074, 383023, 792828, 258618)
# Four stations whose votes add up to the national figures above.
SPLIT = (
    ("001", "Almaty", (329510, 2574037, 191512, 396414, 129309)),
    ("002", "Almaty", (100000, 1000000, 100000, 200000, 50000)),
    ("003", "Astana", (129509, 1074037, 51511, 96414, 39309)),
    ("004", "Astana", (100000, 500000, 40000, 100000, 40000)),
)
INVALID = 100


def _write(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "station",
                "region",
                "registered",
                "invalid",
                "valid",
                *(f"party:{p}" for p in PARTIES),
            ]
        )
        for station, region, votes in SPLIT:
            valid = sum(votes)
            w.writerow([station, region, valid + INVALID + 1000, INVALID, valid, *votes])
    return path


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # Read-only tests: one store for the module keeps them fast.
    tmp = tmp_path_factory.mktemp("kz")
    url = str(tmp / "kz.db")
    store = Store.open(url)
    store.init_election(
        "Elections 2021", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis"
    )
    store.ingest("majilis", read_protocols(_write(tmp / "p.csv")))
    store.close()
    with TestClient(create_app(url, counter_ttl=0)) as c:
        yield c


def test_split_adds_up_to_the_official_figures() -> None:
    for i, total in enumerate(VOTES):
        assert sum(s[2][i] for s in SPLIT) == total


def test_whatif_api_five_percent(client: TestClient) -> None:
    r = client.get("/api/v1/contests/majilis/whatif", params={"threshold": "5"})
    assert r.status_code == 200, r.text
    data = r.json()
    ref, at5 = data["scenarios"]
    assert ref["seats"] == {
        "People's Party of Kazakhstan": 10,
        "Nur Otan": 76,
        "Auyl": 0,
        "Ak Zhol": 12,
        "Adal": 0,
    }
    assert ref["threshold"] == "7"
    assert at5["threshold"] == "5"
    assert at5["seats"]["Auyl"] == 6 and at5["seats"]["Nur Otan"] == 72
    assert at5["changes"] == {
        "People's Party of Kazakhstan": -1,
        "Nur Otan": -4,
        "Auyl": 6,
        "Ak Zhol": -1,
    }
    assert at5["entered"] == ["Auyl"]
    assert ref["changes"] == {} and ref["entered"] == []
    # Auyl 383,023 of 7,241,562 = 5.29 %.
    auyl = next(p for p in data["parties"] if p["party"] == "Auyl")
    assert auyl["votes_pct"] == pytest.approx(100 * 383023 / 7241562)
    # At 5 % only Adal's votes are wasted; at 7 % Auyl's and Adal's.
    assert at5["indices"]["wasted_vote_share"] == pytest.approx(100 * 258618 / 7241562)
    assert ref["indices"]["wasted_vote_share"] == pytest.approx(100 * (258618 + 383023) / 7241562)


def test_whatif_method_and_seats(client: TestClient) -> None:
    r = client.get(
        "/api/v1/contests/majilis/whatif",
        params={"threshold": "5", "method": "d'hondt", "seats": "100"},
    )
    assert r.status_code == 200, r.text
    at5 = r.json()["scenarios"][1]
    assert at5["method"] == "dhondt" and at5["house_size"] == 100
    assert sum(at5["seats"].values()) == 100
    # D'Hondt favours the largest list: more than Hare's 72 of 98.
    assert at5["seats"]["Nur Otan"] > 72


def test_whatif_page_marks_changes(client: TestClient) -> None:
    r = client.get("/contests/majilis/whatif?threshold=5")
    assert r.status_code == 200, r.text
    html = r.text
    assert "<html" in html and "Majilis" in html
    assert "(+6)" in html and "(-4)" in html
    assert "enters" in html
    assert "Gallagher index" in html
    # Gallagher 6.53 at 7 % and 3.10 at 5 % (docs/analysis.md), two decimals kept.
    assert '<td class="num">6.53</td><td class="num">3.10</td>' in html
    assert "NaN" not in html and "nan" not in html.lower().replace("nanos", "")


def test_whatif_page_without_variation_shows_the_law(client: TestClient) -> None:
    r = client.get("/contests/majilis/whatif")
    assert r.status_code == 200
    assert 'name="threshold"' in r.text and ">76<" in r.text.replace(" ", "")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"threshold": "abc"}, "threshold"),
        ({"threshold": "150"}, "150"),
        ({"method": "nonsense"}, "unknown method 'nonsense'"),
        ({"seats": "0"}, "seats: '0'"),
    ],
)
def test_whatif_bad_parameters(client: TestClient, params: dict[str, str], expected: str) -> None:
    r = client.get("/api/v1/contests/majilis/whatif", params=params)
    assert r.status_code == 422
    body = r.json()
    assert body["ok"] is False and expected in body["error"]
    page = client.get("/contests/majilis/whatif", params=params)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]


def test_whatif_reports_every_problem(client: TestClient) -> None:
    r = client.get("/api/v1/contests/majilis/whatif?threshold=-1&method=x&seats=y")
    assert r.status_code == 422
    error = r.json()["error"]
    assert "threshold" in error and "unknown method 'x'" in error and "seats: 'y'" in error


def test_unknown_contest(client: TestClient) -> None:
    for path in ("/api/v1/contests/nope/whatif", "/api/v1/contests/nope/proportionality"):
        r = client.get(path)
        assert r.status_code == 404
        assert r.json()["ok"] is False and "nope" in r.json()["error"]


def _gallagher(seats: dict[str, int]) -> float:
    total = sum(VOTES)
    return math.sqrt(
        0.5
        * sum(
            (100 * v / total - 100 * seats[p] / 98) ** 2
            for p, v in zip(PARTIES, VOTES, strict=True)
        )
    )


def test_proportionality_api(client: TestClient) -> None:
    r = client.get("/api/v1/contests/majilis/proportionality")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    ix = data["indices"]
    seats = {p["party"]: p["seats"] for p in data["parties"]}
    assert seats == {
        "People's Party of Kazakhstan": 10,
        "Nur Otan": 76,
        "Auyl": 0,
        "Ak Zhol": 12,
        "Adal": 0,
    }
    assert data["seats_total"] == 98 and data["votes_total"] == 7_241_562
    assert ix["gallagher"] == pytest.approx(_gallagher(seats))
    assert ix["gallagher"] == pytest.approx(6.53, abs=0.005)  # docs/analysis.md
    # Loosemore–Hanby: half the sum of |v - s| = the over-representation of the winners,
    # here the 8.86 % of the votes cast for Auyl and Adal.
    assert ix["loosemore_hanby"] == pytest.approx(100 * (383023 + 258618) / 7241562)
    assert ix["wasted_vote_share"] == pytest.approx(100 * (383023 + 258618) / 7241562)
    # D'Hondt index: the largest seats/votes ratio is the People's Party's (10 seats
    # of 98 for 9.10 % of the votes), above Ak Zhol's 1.118 and Nur Otan's 1.091.
    assert ix["dhondt"] == pytest.approx((10 / 98) / (659019 / 7241562))
    assert ix["enp_seats"] == pytest.approx(98**2 / (76**2 + 12**2 + 10**2))
    total = sum(VOTES)
    assert ix["enp_votes"] == pytest.approx(total**2 / sum(v * v for v in VOTES))
    for key in ("sainte_lague", "golosov_votes", "golosov_seats"):
        assert isinstance(ix[key], float) and ix[key] > 0
    assert "NaN" not in r.text


def test_proportionality_page(client: TestClient) -> None:
    r = client.get("/contests/majilis/proportionality")
    assert r.status_code == 200
    assert "Loosemore–Hanby index" in r.text and "6.53" in r.text
    assert "Golosov" in r.text and "NaN" not in r.text
    ru = client.get("/contests/majilis/proportionality?lang=ru")
    assert ru.status_code == 200 and "6,53" in ru.text
    # ?lang= is remembered (the cookie) as on every page of the site, until changed.
    assert ru.cookies.get("lang") == "ru"
    assert '<html lang="ru">' in client.get("/contests/majilis/whatif").text
    en = client.get("/contests/majilis/proportionality?lang=en")
    assert en.cookies.get("lang") == "en" and "6.53" in en.text


def test_proportionality_of_an_empty_contest(tmp_path: Path) -> None:
    url = str(tmp_path / "empty.db")
    store = Store.open(url)
    store.init_election("E", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis")
    store.close()
    with TestClient(create_app(url, counter_ttl=0)) as c:
        r = c.get("/api/v1/contests/majilis/proportionality")
        assert r.status_code == 200
        assert r.json()["counted"] is False
        assert set(r.json()["indices"].values()) == {None}
        assert c.get("/contests/majilis/whatif?threshold=5").status_code == 200


POLLS = [
    {
        "pollster": "Institute A",
        "end_date": "2021-01-05",
        "sample_size": 1200,
        "shares": {
            "Nur Otan": 70.5,
            "Ak Zhol": 11.0,
            "People's Party": 9.2,
            "Auyl": 5.6,
            "Adal": 3.7,
        },
    },
    {
        "pollster": "Institute B",
        "end_date": "2020-12-28",
        "sample_size": 1500,
        "shares": {
            "Nur Otan": 69.8,
            "Ak Zhol": 11.9,
            "People's Party": 8.7,
            "Auyl": 5.9,
            "Adal": 3.7,
        },
    },
]


def test_projection_api(client: TestClient) -> None:
    body = {"law": "kz-majilis-2021", "polls": POLLS, "sims": 2000, "seed": 7}
    r = client.post("/api/v1/projections", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["ok"] is True and data["list_seats"] == 98 and data["sims"] == 2000
    parties = {p["party"]: p for p in data["parties"]}
    assert list(parties) == ["Nur Otan", "Ak Zhol", "People's Party", "Auyl", "Adal"]
    # Nur Otan at ~70 % always clears 7 % and wins a majority; Adal at 3.7 % hardly ever clears it.
    assert parties["Nur Otan"]["p_threshold"] == 1.0
    assert parties["Nur Otan"]["p_majority_list"] == 1.0
    assert parties["Adal"]["p_threshold"] < 0.02 and parties["Adal"]["seats_95"] == 0
    assert 70 <= parties["Nur Otan"]["seats_median"] <= 85
    assert "charts" not in data
    again = client.post("/api/v1/projections", json=body)
    assert again.content == r.content


def test_projection_api_with_charts(client: TestClient) -> None:
    body = {"polls": POLLS, "sims": 500, "charts": True}
    r = client.post("/api/v1/projections", json=body)
    assert r.status_code == 200
    charts = r.json()["charts"]
    assert charts["seats"].startswith("<svg") and charts["probabilities"].startswith("<svg")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"polls": POLLS, "sims": 100_001}, "sims"),
        ({"polls": POLLS, "law": "/etc/passwd"}, "unknown preset '/etc/passwd'"),
        ({"polls": []}, "polls"),
        (
            {"polls": [{**POLLS[0], "shares": {"Nur Otan": 50.0, "Ak Zhol": 40.0}}]},
            "polls row 1: party shares add up to 90%",
        ),
        ({"polls": [{**POLLS[0], "sample_size": None}]}, "sample_size is missing"),
        ({"polls": [{**POLLS[0], "end_date": "yesterday"}]}, "end_date 'yesterday'"),
        (
            {"polls": [POLLS[0], {**POLLS[1], "shares": {"Nur Otan": 100.0}}]},
            "polls row 2: party 'Ak Zhol' is blank",
        ),
    ],
)
def test_projection_api_errors(client: TestClient, body: dict[str, Any], expected: str) -> None:
    r = client.post("/api/v1/projections", json=body)
    assert r.status_code == 422
    assert r.json()["ok"] is False and expected in r.json()["error"], r.json()


def test_projections_page_and_form(client: TestClient) -> None:
    r = client.get("/projections?law=kz-majilis-2021")
    assert r.status_code == 200
    assert "POST /api/v1/projections" in r.text and "<textarea" in r.text
    assert client.get("/projections?law=nope").status_code == 422
    csv_text = "pollster,end_date,sample_size,Nur Otan,Ak Zhol,Auyl\nA,2021-01-05,1000,80,12,8\n"
    r = client.post(
        "/projections",
        data={"law": "kz-majilis-2021", "polls": csv_text, "sims": "300", "seed": "1"},
    )
    assert r.status_code == 200, r.text
    # The page draws its charts in the site's style: HTML bars in the parties' colours
    # (those of the stored contest under the same law), with the figures in words.
    assert r.text.count('class="interval-row"') == 3 and "Projected seats" in r.text
    colors = {
        p["name"]: p["color"] for p in client.get("/api/v1/contests/majilis").json()["parties"]
    }
    for party in ("Nur Otan", "Ak Zhol", "Auyl"):
        row = r.text[r.text.index(f'data-party="{party}"') :]
        assert f"background:{colors[party]}" in row[: row.index("</li>")], party
    # The form posts back in the page's language.
    form = client.get("/projections?lang=ru").text
    assert 'action="/projections?lang=ru"' in form
    ru = client.post(
        "/projections?lang=ru",
        data={"law": "kz-majilis-2021", "polls": csv_text, "sims": "300", "seed": "1"},
    )
    assert "Прогноз мест" in ru.text and "Нур Отан" in ru.text
    bad = client.post("/projections", data={"polls": "pollster,end_date\n", "sims": "10"})
    assert bad.status_code == 422 and "sample_size" in bad.text


def test_whatif_without_a_variation_compares_presets_side_by_side(client: TestClient) -> None:
    data = client.get("/api/v1/contests/majilis/whatif").json()
    labels = [s["label"] for s in data["scenarios"]]
    # The law in force (7 %, Hare), then the presets that differ from it.
    assert labels == [
        "kz-majilis-2021 (as in force)",
        "threshold=5",
        "threshold=3",
        "method=dhondt",
        "method=sainte-lague",
    ]
    at5 = data["scenarios"][1]
    assert at5["seats"]["Auyl"] == 6 and at5["seats"]["Nur Otan"] == 72  # as with ?threshold=5
    html = client.get("/contests/majilis/whatif?lang=ru").text
    assert html.count('class="whatif-row"') == 5
    # Each bar's segments are the scenario's seats, in the contest's colours.
    colors = data["colors"]
    assert (
        f'data-party="Auyl" data-seats="6" style="width:6.122%;background:{colors["Auyl"]}"' in html
    )


def test_whatif_compares_every_combination_asked_for(client: TestClient) -> None:
    data = client.get("/api/v1/contests/majilis/whatif?threshold=5;3&method=hare;dhondt").json()
    labels = [s["label"] for s in data["scenarios"]]
    assert labels[1:] == [
        "threshold=5, method=hare",
        "threshold=5, method=dhondt",
        "threshold=3, method=hare",
        "threshold=3, method=dhondt",
    ]
    single = client.get("/api/v1/contests/majilis/whatif?threshold=5").json()["scenarios"][1]
    assert data["scenarios"][1]["seats"] == single["seats"]
    html = client.get("/contests/majilis/whatif?threshold=5;3&method=hare;%20dhondt&lang=kk").text
    assert html.count('class="whatif-row"') == 5
    too_many = client.get("/api/v1/contests/majilis/whatif?threshold=1;2;3&seats=90;100;110")
    assert too_many.status_code == 422 and "9 scenarios" in too_many.json()["error"]


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("en", "D'Hondt (Jefferson)"),
        ("ru", "Метод Д’Ондта (Джефферсона)"),
        ("kk", "Д’Ондт әдісі (Джефферсон)"),
    ],
)
def test_whatif_names_a_method_once(client: TestClient, lang: str, title: str) -> None:
    # The scenario is named by its method's title, which says "method" itself.
    page = html.unescape(client.get(f"/contests/majilis/whatif?method=dhondt&lang={lang}").text)
    label = re.search(r'data-scenario="1"[^>]*><span class="bar-label">([^<]*)<', page)
    assert label is not None and label.group(1).strip() == title
    assert not re.search(r"(?i)(method|метод|әдіс)\s+" + re.escape(title), page)


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_proportionality_names_the_tier_in_words(client: TestClient, lang: str) -> None:
    # The tier's identifier ("party-list") is the JSON's; the page says it in words.
    page = client.get(f"/contests/majilis/proportionality?lang={lang}").text
    assert client.get("/api/v1/contests/majilis/proportionality").json()["tier"] == "party-list"
    assert "(party-list)" not in page


@pytest.mark.parametrize(
    ("lang", "sims", "expected"),
    [
        ("ru", "1001", "1 001 симуляция · зерно 1 · 1 опрос, на 5 января 2021 г."),
        ("ru", "300", "300 симуляций · зерно 1 · 1 опрос, на 5 января 2021 г."),
        ("en", "1", "1 simulation · seed 1 · 1 poll, as of January 5, 2021"),
    ],
)
def test_projection_counts_agree_and_the_date_is_the_readers(
    client: TestClient, lang: str, sims: str, expected: str
) -> None:
    csv_text = "pollster,end_date,sample_size,Nur Otan,Ak Zhol,Auyl\nA,2021-01-05,1000,80,12,8\n"
    r = client.post(
        f"/projections?lang={lang}",
        data={"law": "kz-majilis-2021", "polls": csv_text, "sims": sims, "seed": "1"},
    )
    meta = re.search(r'<p class="meta">(.*?)</p>', r.text, re.S)
    assert meta is not None
    assert html.unescape(" ".join(meta.group(1).split())).endswith(expected)
