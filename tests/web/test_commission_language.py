"""An account's preferred language (``trust_accounts.lang``, SQLite and PostgreSQL):
set at creation, restored at every sign-in on any browser, saved by the language
links while signed in, kept out of the audit chain, which stays intact."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from commission_world import PASSWORD, World, build, csrf_of
from fastapi.testclient import TestClient

from saylau.cli import main
from saylau.errors import InputError
from saylau.store.engine import write_transaction
from saylau.trust import accounts, audit
from saylau.trust.desk import Desk
from saylau.web.app import create_app
from saylau.web.i18n import LANGUAGES

KAZAKH = "Менің жұмысым"
RUSSIAN = "Моя работа"
ENGLISH = "My work"


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build(db_url, tmp_path)
    with write_transaction(w.store.engine) as conn:
        accounts.add_account(conn, "kaz", "station", "001", by="test", lang="kk")
    Desk(w.store).set_password("kaz", PASSWORD, by="test")
    yield w
    w.store.close()


def sign_in(c: TestClient, name: str, password: str = PASSWORD) -> Any:
    """A fresh browser: no cookie, no Accept-Language."""
    c.cookies.clear()
    page = c.get("/commission/")
    return c.post(
        "/commission/sign-in",
        data={"csrf": csrf_of(page.text), "name": name, "password": password},
    )


def stored(world: World, name: str) -> str | None:
    with world.store.engine.connect() as conn:
        return accounts.language(conn, name)


def audit_actions(world: World) -> list[str]:
    with world.store.engine.connect() as conn:
        return [e.action for e in audit.entries(conn)]


def test_sign_in_follows_the_account_then_a_switch_is_kept_for_the_next_browser(
    world: World,
) -> None:
    with TestClient(create_app(world.url)) as c:
        page = sign_in(c, "kaz")
        assert page.status_code == 200 and page.url.path == "/commission/work"
        assert KAZAKH in page.text and ENGLISH not in page.text
        assert '<html lang="kk"' in page.text
        before = audit_actions(world)
        # The page's own language link, as a person would click it.
        link = re.search(r'<a href="([^"]+)" hreflang="ru"', page.text)
        assert link is not None and link.group(1) == "/commission/work?lang=ru"
        ru = c.get(html.unescape(link.group(1)))
        assert RUSSIAN in ru.text
        assert stored(world, "kaz") == "ru"
        # A display preference: no audit entry, and the chain still verifies.
        assert audit_actions(world) == before
    with TestClient(create_app(world.url)) as other:  # another browser, another session
        again = sign_in(other, "kaz")
        assert RUSSIAN in again.text and KAZAKH not in again.text
    result = CliRunner().invoke(main, ["audit", "verify", world.url])
    assert result.exit_code == 0 and result.output.startswith("INTACT"), result.output


def test_no_preference_follows_the_browser_until_one_is_chosen(world: World) -> None:
    assert stored(world, "op1") is None
    with TestClient(create_app(world.url)) as c:
        assert ENGLISH in sign_in(c, "op1").text
        c.cookies.clear()
        page = c.get("/commission/", headers={"accept-language": "ru"})
        r = c.post(
            "/commission/sign-in",
            data={"csrf": csrf_of(page.text), "name": "op1", "password": PASSWORD},
            headers={"accept-language": "ru"},
        )
        assert RUSSIAN in r.text
        assert stored(world, "op1") is None  # following the browser chooses nothing
        c.get("/commission/work?lang=kk")
        assert stored(world, "op1") == "kk"


def test_signed_out_switch_saves_nothing(world: World) -> None:
    with TestClient(create_app(world.url)) as c:
        page = c.get("/commission/?lang=ru")
        assert page.status_code == 200
    assert stored(world, "kaz") == "kk"


def test_a_language_outside_the_three_is_refused_in_one_line(world: World) -> None:
    with pytest.raises(InputError) as err, write_transaction(world.store.engine) as conn:
        accounts.add_account(conn, "de", "station", "001", by="test", lang="de")
    assert str(err.value) == "lang 'de' is not one of en, ru, kk"
    with world.store.engine.connect() as conn:
        assert accounts.language(conn, "de") is None
        assert "de" not in {a.name for a in accounts.list_accounts(conn)}
    with pytest.raises(InputError):
        Desk(world.store).set_language("kaz", "fr")
    assert stored(world, "kaz") == "kk"
    # A ?lang= the site does not speak shows the default and saves nothing.
    with TestClient(create_app(world.url)) as c:
        sign_in(c, "kaz")
        assert ENGLISH in c.get("/commission/work?lang=fr").text
        assert stored(world, "kaz") == "kk"
        assert RUSSIAN in c.get("/commission/work?lang=RU").text  # as the site reads it
    assert stored(world, "kaz") == "ru"


def test_the_domain_and_the_site_speak_the_same_languages() -> None:
    assert accounts.LANGUAGES == LANGUAGES


def test_users_add_with_lang(world: World) -> None:
    run = CliRunner().invoke
    r = run(main, ["users", "add", world.url, "op9", "--role", "station", "--scope", "001",
                   "--lang", "ru", "--password-stdin"], input="a long password 9\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert stored(world, "op9") == "ru"
    r = run(main, ["users", "add", world.url, "op8", "--role", "station", "--lang", "de"])
    assert r.exit_code == 2 and "'de' is not one of 'en', 'ru', 'kk'" in r.output
    with TestClient(create_app(world.url)) as c:
        assert RUSSIAN in sign_in(c, "op9", "a long password 9").text
