"""Defects found by the audit of the site against issue #4, each pinned by a test.

API reference without a CDN, the abroad branch by country, protocol field labels,
translated control relations, locale-formatted chart labels and dates, CSV links for
every level, the statement's ballots-issued and observer figures (and its language
switch), ``?lang=`` checked on the API too, rejected protocols and what each version
changed on the station page, badge contrast, the maslikhats on election day, HEAD,
the synthetic label.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import socket
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient
from markupsafe import escape
from webdata import STATIONS, build_store, write_protocols

import saylau
from saylau.cli import main
from saylau.institutions import persist, stored_maslikhats
from saylau.institutions.maslikhats import read_contests
from saylau.institutions.observers import Observer, Registry
from saylau.methods import REGISTRY
from saylau.store import Store
from saylau.tabulate import RELATIONS, read_protocols
from saylau.web.app import HERE, create_app
from saylau.web.colors import contrast
from saylau.web.i18n import Formatter, translations
from saylau.web.steps import TIE_MESSAGES, tie_text

EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


def test_api_reference_is_served_by_the_site_itself(client: TestClient) -> None:
    # FastAPI's /docs loads Swagger UI from a CDN (and the CSP blocked it): the site
    # must work on an isolated network, so /docs is a page of its own.
    r = client.get("/docs")
    assert r.status_code == 200
    assert not EXTERNAL.search(r.text)
    local = ('<script src="/static/refresh.js"', '<script src="/static/tables.js"')
    assert "<script" not in r.text.replace(local[0], "").replace(local[1], "")
    assert "GET /api/v1/contests/{contest_id}/export.csv" in r.text
    assert "one of: country, region, district, station, all" in r.text  # the level enum
    assert client.get("/redoc").status_code == 404  # no CDN-backed ReDoc either
    assert "Параметры" in client.get("/docs?lang=ru").text
    assert client.get("/docs?lang=xx").status_code == 422


def test_no_page_loads_anything_from_another_host(client: TestClient) -> None:
    for path in (
        "/",
        "/contests/majilis",
        "/contests/majilis/divisions/abroad",
        "/contests/majilis/stations/A01",
        "/contests/majilis/statement",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert not EXTERNAL.search(r.text), path


def test_abroad_branch_is_listed_by_country_in_every_language(client: TestClient) -> None:
    api = client.get("/api/v1/contests/majilis/divisions/abroad").json()
    assert api["children_heading"] == "Countries"  # was "Districts"
    assert sorted(c["name"] for c in api["children"]) == ["Germany", "Turkey"]
    assert (
        '<h2 id="h-children">Countries</h2>'
        in client.get("/contests/majilis/divisions/abroad").text
    )
    ru = client.get("/contests/majilis/divisions/abroad?lang=ru").text
    assert '<h2 id="h-children">Страны</h2>' in ru
    # The abroad branch is the system's own division: its name is translated too.
    assert '<bdi class="name">За рубежом</bdi>' in ru and ">Abroad<" not in ru
    kk = client.get("/contests/majilis?lang=kk").text
    assert '<bdi class="name">Шетелде</bdi>' in kk
    # The Assembly's tier is named in the page language, in the hemicycle's titles too.
    assert "<title>Қазақстан халқы Ассамблеясы сайлаған депутаттар: 9</title>" in kk
    assert "Deputies elected by the Assembly" not in kk


def test_station_page_names_its_fields_and_shows_turnout(client: TestClient) -> None:
    # Station 001 (tests/web/webdata.py): 1,000 registered, 10 invalid + 650 valid.
    en = client.get("/contests/majilis/stations/001").text
    assert "Voters on the list <code>registered</code>" in en  # was the bare key
    assert "Valid ballots <code>valid</code>" in en
    assert 'data-field="turnout">66.00%<' in en
    api = client.get("/api/v1/contests/majilis/stations/001").json()
    assert api["totals"]["turnout"] == 66.0 and api["totals"]["ballots_cast"] == 660


def test_control_relations_are_described_in_russian_and_kazakh(client: TestClient) -> None:
    for relation in RELATIONS.values():
        for lang in ("ru", "kk"):
            assert translations(lang).gettext(relation.description) != relation.description
    ru = client.get("/contests/majilis/stations/001?lang=ru").text
    assert "действительных бюллетеней = сумма голосов за партии (+ против всех)" in ru
    assert "valid ballots = sum of party votes" not in ru


def _chart_labels(html: str) -> list[str]:
    chart = re.search(r'<div class="vs-chart".*?</ul></div>', html, re.S)
    assert chart is not None
    return re.findall(r'<span class="bar-label">([^<]*)</span>', chart.group(0))


def test_chart_labels_use_the_page_locale(client: TestClient) -> None:
    # Nur Otan: 2,670 of 3,323 valid votes = 80.35 %; 82 of 107 seats = 76.64 %.
    en = _chart_labels(client.get("/contests/majilis").text)
    assert "Nur Otan 80.35% / 76.64%" in en
    ru = _chart_labels(client.get("/contests/majilis?lang=ru").text)
    assert "Нур Отан 80,35\u00a0% / 76,64\u00a0%" in ru  # the party's Russian name
    assert not [t for t in ru if re.search(r"\d\.\d", t)]


def test_election_date_is_formatted_for_the_locale(client: TestClient) -> None:
    assert ">January 10, 2021</time>" in client.get("/").text
    ru = client.get("/contests/majilis?lang=ru").text
    assert ">10 января 2021\u202fг.</time>" in ru  # Babel puts a narrow no-break space
    assert ">January 10, 2021</time>" in client.get("/contests/majilis/statement?lang=en").text


def test_contest_page_links_a_csv_for_every_level(client: TestClient) -> None:
    html = client.get("/contests/majilis").text
    links = re.findall(r'href="(/api/v1/contests/majilis/export\.csv\?level=(\w+))"', html)
    assert [level for _, level in links] == ["country", "region", "district", "station"]
    rows_per_level = {"country": 1, "region": 3, "district": 6, "station": 7}
    for url, level in links:
        r = client.get(url)
        assert r.status_code == 200
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert len(rows) == rows_per_level[level], level
        assert {row["level"] for row in rows} == {level}


def _observers() -> Registry:
    return Registry(
        (
            Observer("o1", "A. Observer", "international", "organisation", "OSCE/ODIHR", "PL"),
            Observer("o2", "B. Observer", "domestic", "", "", "KZ", contests=("majilis",)),
            # Naming the contest by its law, as the bundled 2021 registry does.
            Observer("o4", "D. Observer", "domestic", "", "", "KZ", contests=("kz-majilis-2021",)),
            # Accredited for another contest only: not counted in this statement.
            Observer("o3", "C. Observer", "domestic", "", "", "KZ", contests=("other",)),
        )
    )


def test_statement_has_ballots_issued_and_observers_once_they_exist(
    client: TestClient, store: Store
) -> None:
    before = client.get("/contests/majilis/statement")
    assert "Ballots issued" in before.text
    assert "Accredited observers" not in before.text  # none accredited yet
    # Every language is one link away on the statement too.
    assert 'href="/contests/majilis/statement?lang=kk"' in before.text
    pdf_before = client.get("/contests/majilis/statement.pdf")

    persist.save_registry(store, _observers())
    after = client.get("/contests/majilis/statement")
    assert after.headers["etag"] != before.headers["etag"]
    table = re.search(r'<table class="observers"[^>]*>.*?</table>', after.text, re.S)
    assert table is not None
    cells = dict(re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', table[0]))
    assert cells["Accredited observers"] == "3"
    assert cells["International observers"] == "1"
    assert cells["Domestic observers"] == "2"
    pdf_after = client.get("/contests/majilis/statement.pdf")
    assert pdf_after.headers["etag"] != pdf_before.headers["etag"]
    assert pdf_after.content.startswith(b"%PDF")


def test_api_refuses_an_unsupported_language(client: TestClient) -> None:
    r = client.get("/api/v1/contests/majilis?lang=de")
    assert r.status_code == 422
    assert r.json() == {"ok": False, "error": "unsupported language 'de'"}
    assert client.get("/api/v1/contests/majilis?lang=kk").status_code == 200


def test_station_page_shows_a_rejected_protocol_and_what_each_version_changed(
    client: TestClient, store: Store
) -> None:
    current = store.station("majilis", "001").protocol
    assert current is not None
    amended = {**current, "station": "001", "party:Auyl": 31, "valid": 651}
    assert store.submit("majilis", amended, actor="clerk", reason="recount").status == "accepted"
    broken = {**amended, "party:Ak Zhol": 125}  # votes no longer add up to the valid ballots
    assert store.submit("majilis", broken, actor="clerk", reason="typo").status == "rejected"

    html = client.get("/contests/majilis/stations/001").text
    # The rejected amendment does not erase the accepted version 2: it still counts.
    assert (
        '<p class="notice" data-rejected-amendment="3">Amendment 3 failed the control'
        " relations and was rejected: the station still counts version 2.</p>"
    ) in html
    assert "The current protocol of this station was rejected" not in html
    assert 'data-field="turnout"' in html
    assert store.results("majilis", "001").totals.votes["Auyl"] == 31
    ru = client.get("/contests/majilis/stations/001?lang=ru").text
    assert "участок по-прежнему учитывается по версии 2" in ru
    changes = re.findall(r'<ul class="changes">(.*?)</ul>', html)
    assert len(changes) == 2  # versions 3 and 2; version 1 is the first
    assert re.sub(r"<[^>]+>", "", changes[0]) == "Ak Zhol: 120 → 125"
    assert re.sub(r"<[^>]+>", "", changes[1]) == "Valid ballots: 650 → 651Auyl: 30 → 31"
    api = client.get("/api/v1/contests/majilis/stations/001").json()
    assert api["versions"][0]["changes"] == [
        {"field": "party:Ak Zhol", "party": "Ak Zhol", "old": 120, "new": 125}
    ]
    assert api["versions"][-1]["changes"] == []
    assert (api["station"]["counted_version"], api["station"]["rejected_amendment"]) == (2, 3)


def test_status_badges_and_flags_meet_contrast_aa() -> None:
    css = (HERE / "static" / "site.css").read_text(encoding="utf-8")
    backgrounds = re.findall(
        r"\.(?:badge|flag)(?:\.[a-z]+)? \{[^}]*background: (#[0-9a-f]{6})", css
    )
    assert len(backgrounds) >= 5  # preliminary, final, flag, flagged, rejected, accepted
    for color in backgrounds:
        assert contrast("#ffffff", color) >= 4.5, color


def test_election_day_lists_the_maslikhats_in_one_table(
    client: TestClient, store: Store, tmp_path: Path
) -> None:
    contests = tmp_path / "maslikhats.toml"
    contests.write_text(
        '[[contests]]\nid = "town"\nname = "Town maslikhat"\nlevel = "city"\nseats = 5\n'
        'law = "kz-maslikhat-2021"\n\n[[contests]]\nid = "rayon"\nname = "Rayon maslikhat"\n'
        'level = "district"\nseats = 3\nlaw = "kz-maslikhat-2021"\n',
        encoding="utf-8",
    )
    stored_maslikhats.init_maslikhats(store, read_contests(contests), election="mas")
    protocols = tmp_path / "town.csv"
    # 2,000 on the list, 40 invalid + 960 valid: turnout 50.00 %.
    protocols.write_text(
        "station,registered,invalid,valid,party:A,party:B,party:C\n1,2000,40,960,600,300,60\n",
        encoding="utf-8",
    )
    store.ingest("town", read_protocols(protocols))

    api = client.get("/api/v1/contests").json()
    assert {c["id"]: c["maslikhat"] for c in api["contests"]} == {
        "majilis": False,
        "town": True,
        "rayon": True,
    }
    html = client.get("/?lang=ru").text
    # The national contest keeps its card; the maslikhats are rows of one table.
    assert re.findall(r'<li class="card" data-contest="(\w+)"', html) == ["majilis"]
    rows = dict(re.findall(r'<tr data-contest="(\w+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {"town", "rayon"}
    # No station list was registered for the town: 1 station reported, not "1 / 1".
    assert 'data-field="stations">сообщил 1 участок<' in rows["town"]
    assert 'data-field="turnout">50,00\u00a0%<' in rows["town"]
    # Nothing counted yet: a dash, not "0,00%".
    assert 'data-field="turnout">–<' in rows["rayon"]
    rayon = client.get("/contests/rayon?lang=en").text
    assert "No protocol has been counted yet." in rayon
    assert 'data-field="turnout">–<' in rayon


def test_head_answers_the_headers_of_get(client: TestClient) -> None:
    # The routes are GET only: HEAD (link checkers, pollers wanting the ETag) was 405.
    for path in ("/contests/majilis", "/api/v1/contests/majilis", "/contests/majilis/statement"):
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["etag"] == got.headers["etag"]
        assert head.headers["content-length"] == got.headers["content-length"]
        again = client.head(path, headers={"If-None-Match": got.headers["etag"]})
        assert again.status_code == 304


def test_language_code_is_case_insensitive(client: TestClient) -> None:
    r = client.get("/contests/majilis?lang=RU")
    assert r.status_code == 200 and '<html lang="ru">' in r.text
    assert r.cookies.get("lang") == "ru"
    assert client.get("/api/v1/contests/majilis?lang=KK").status_code == 200


def test_synthetic_figures_are_labelled_on_every_page(db_url: str, tmp_path: Path) -> None:
    # The demo's protocols are invented (their national totals are official): every
    # page, the statement and its PDF say so.  The store does not keep the file's
    # synthetic label yet; the demo's source name ("kz-2021-synthetic") tells.
    store = Store.open(db_url)
    store.init_election("Demo", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis")
    table = read_protocols(write_protocols(tmp_path / "p.csv", STATIONS))
    store.ingest("majilis", dataclasses.replace(table, source="kz-2021-synthetic", synthetic=True))
    store.close()
    with TestClient(create_app(db_url, counter_ttl=0)) as client:
        notice = "Synthetic data: these are not real election results."
        for path in (
            "/",
            "/contests/majilis",
            "/contests/majilis/divisions/abroad",
            "/contests/majilis/stations/001",
            "/contests/majilis/statement",
        ):
            assert notice in client.get(path).text, path
        assert client.get("/api/v1/contests/majilis").json()["contest"]["synthetic"] is True
        assert "Синтетические данные" in client.get("/contests/majilis?lang=ru").text


def test_real_figures_carry_no_synthetic_label(client: TestClient) -> None:
    assert "Synthetic data" not in client.get("/contests/majilis").text
    assert client.get("/api/v1/contests/majilis").json()["contest"]["synthetic"] is False


def test_language_links_keep_an_id_with_hash_and_question_mark(db_url: str, tmp_path: Path) -> None:
    # Station ids are data: the language switch linked the decoded path, so an id
    # holding "#" or "?" cut the link short (and a space was left raw).
    rows = [("7#a?b c", "Almaty", "Medeu", "", 1000, 10, (500, 120, 30))]
    build_store(db_url, tmp_path, rows).close()
    with TestClient(create_app(db_url, counter_ttl=0)) as client:
        page = client.get("/contests/majilis/stations/7%23a%3Fb%20c")
        assert page.status_code == 200
        links = re.findall(r'href="([^"]*)\?lang=ru"', page.text)
        assert links == ["/contests/majilis/stations/7%23a%3Fb%20c"]
        assert client.get(links[0] + "?lang=ru").status_code == 200


def test_ties_are_told_in_the_page_language() -> None:
    # Three lists of 100 votes for 2 seats: every remainder ties; the earlier lists win.
    tie = saylau.allocate({"A": 100, "<b>B</b>": 100, "C": 100}, 2, "hare").to_dict()["ties"][0]
    assert str(tie_text(tie, Formatter("en"))) == str(escape(tie["text"]))
    ru = str(tie_text(tie, Formatter("ru")))
    assert ru.startswith('Равенство (наибольший остаток, 100) между <bdi class="name">A</bdi>')
    assert "&lt;b&gt;B&lt;/b&gt;" in ru and "<b>" not in ru
    assert ru.endswith("(порядок регистрации списков)")
    assert "жеребе" in str(tie_text({**tie, "resolved_by": "lot", "seed": 7}, Formatter("kk")))
    # Fields that do not fit fall back to the core's English text.
    assert str(tie_text({**tie, "resolved_by": "dice"}, Formatter("ru"))) == str(
        escape(tie["text"])
    )
    for message in TIE_MESSAGES:
        for lang in ("ru", "kk"):
            assert translations(lang).gettext(message) != message


def test_allocation_method_is_named_in_words_in_every_language(client: TestClient) -> None:
    # The method was shown as its registry key alone (``hare``).
    for name, spec in REGISTRY.items():
        for lang in ("ru", "kk"):
            assert translations(lang).gettext(spec.title) != spec.title, name
    en = client.get("/contests/majilis?lang=en").text
    assert "Method: Largest remainder, Hare quota (<code>hare</code>)" in en
    ru = client.get("/contests/majilis?lang=ru").text
    assert "Наибольший остаток, квота Хэйра (<code>hare</code>)" in ru


def test_statement_has_a_json_twin(client: TestClient, store: Store) -> None:
    # "A JSON API for everything the pages show": the statement had none.
    r = client.get("/api/v1/contests/majilis/statement")
    assert r.status_code == 200
    body = r.json()
    assert body["seats_total"] == 107 and body["reserved_seats"] == 9
    assert body["totals"]["registered"] == 5550 and body["observers"] is None
    assert "/api/v1/contests/majilis/statement" not in client.app.state.site.hot  # type: ignore[attr-defined]
    persist.save_registry(store, _observers())
    again = client.get(
        "/api/v1/contests/majilis/statement", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 200 and again.json()["observers"]["total"] == 3
    assert client.get("/api/v1/contests/nope/statement").json() == {
        "ok": False,
        "error": "contest 'nope' not found",
    }
    assert "/api/v1/contests/{contest_id}/statement" in client.get("/openapi.json").json()["paths"]


def test_serve_refuses_a_busy_port_in_one_line(store: Store, db_url: str) -> None:
    # uvicorn logged an ERROR after "results at http://…" had been printed.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", db_url, "--port", str(port)])
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"error: --port {port}: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_openapi_documents_each_answer_in_its_media_type(client: TestClient) -> None:
    # Every answer was "Successful Response", application/json, schema {} — the CSV
    # and the PDF included.
    paths = client.get("/openapi.json").json()["paths"]

    def ok(path: str) -> dict[str, object]:
        return paths[path]["get"]["responses"]["200"]["content"]  # type: ignore[no-any-return]

    assert list(ok("/api/v1/contests/{contest_id}/export.csv")) == ["text/csv"]
    assert list(ok("/contests/{contest_id}/statement.pdf")) == ["application/pdf"]
    station = ok("/api/v1/contests/{contest_id}/stations/{station_id}")["application/json"]
    assert {"protocol", "relations", "versions"} <= set(station["schema"]["properties"])  # type: ignore[index]
    from saylau.web.routes.results import router

    ours = {route.path.replace(":path", "") for route in router.routes}  # type: ignore[attr-defined]
    documented = [p for p in paths if p in ours]
    assert len(documented) == 10  # with /api/v1/search
    for path in documented:
        assert "304" in paths[path]["get"]["responses"], path
    docs = client.get("/docs?lang=en").text
    assert "Fields of the answer" in docs and "<code>relations</code>" in docs
    # Write routes show what they take (the trust API's protocol submission).
    assert "Request body (required): <code>application/json</code>" in docs


def test_percent_follows_the_locale_pattern() -> None:
    # CLDR: Russian puts a no-break space before the sign, English and Kazakh none;
    # the fixed "#,##0.00%" pattern dropped the Russian space.
    assert Formatter("en").percent(71.094) == "71.09%"
    assert Formatter("ru").percent(71.094) == "71,09\u00a0%"
    assert Formatter("kk").percent(71.094) == "71,09%"
    assert Formatter("ru").percent(7, 0) == "7\u00a0%"
    assert Formatter("en").percent("2/3", 1) == "0.7%"


def test_statement_says_when_and_by_whom_the_results_were_certified(
    client: TestClient, store: Store
) -> None:
    assert "Certified" not in client.get("/contests/majilis/statement?lang=en").text
    store.set_certified("majilis", "CEC <Kazakhstan>")
    html = client.get("/contests/majilis/statement?lang=ru").text
    line = re.search(r'<p class="certified">(.*?)</p>', html)
    assert line is not None
    assert line[1].startswith("Итоги утверждены: <time datetime=")
    assert line[1].endswith("<bdi>CEC &lt;Kazakhstan&gt;</bdi>")
    assert client.get("/api/v1/contests/majilis").json()["contest"]["certified_by"] == (
        "CEC <Kazakhstan>"
    )


def test_abroad_is_listed_after_the_regions(client: TestClient) -> None:
    areas = client.get("/api/v1/contests/majilis").json()["children"]
    assert [a["id"] for a in areas][-1] == "abroad"
    assert [a["name"] for a in areas] == ["Almaty", "Astana", "Abroad"]
