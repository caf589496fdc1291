"""The API reference in ru and kk (issue #16 point 14): every text a person wrote
about an operation (its summary and description, its parameters', answer fields' and
responses' descriptions) is shown in the page's language, while ``/openapi.json``
stays English for the machines that read it."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from saylau.web.api_docs import operations, translated
from saylau.web.i18n import Formatter

SECTION = re.compile(r'<section class="endpoint" id="([^"]+)"[^>]*>(.*?)</section>', re.S)
ROW = re.compile(r'<tr><th scope="row">.*?</th>(.*?)</tr>', re.S)
LAST_CELL = re.compile(r"<td>((?:(?!<td>).)*)</td>$", re.S)
#: " (default <code>…</code>)" after a parameter's description: the word is translated
#: by the page's own catalogue, the value is code.
DEFAULT = re.compile(r"\s*\([^()<]*<code>[^<]*</code>\)$")
#: A text that is only code identifiers (``id, name``): the same in every language.
CODE_ONLY = re.compile(r"[a-z_][a-z0-9_.]*(, [a-z_][a-z0-9_.]*)*")


def _texts(page: str) -> dict[str, list[tuple[str, str]]]:
    """Per operation (by anchor), its description texts as (kind, text), in page order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for anchor, body in SECTION.findall(page):
        texts = [("summary", t) for t in re.findall(r"<p><strong>(.*?)</strong></p>", body)]
        texts += [("description", t) for t in re.findall(r'<p class="doc">(.*?)</p>', body, re.S)]
        for kind in ("params", "fields", "responses"):
            table = re.search(rf'<table class="{kind}">(.*?)</table>', body, re.S)
            for cells in ROW.findall(table.group(1) if table else ""):
                last = LAST_CELL.search(cells)
                assert last is not None, (anchor, cells)
                texts.append((kind, DEFAULT.sub("", last.group(1)).strip()))
        out[anchor] = texts
    return out


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_no_operation_text_is_left_in_english(client: TestClient, lang: str) -> None:
    english = _texts(client.get("/docs?lang=en").text)
    local = _texts(client.get(f"/docs?lang={lang}").text)
    assert local.keys() == english.keys() and len(english) >= 30
    compared = 0
    untranslated: list[tuple[str, str, str]] = []
    for anchor, texts in english.items():
        # The same operation shows the same texts in the same places in every language.
        assert [k for k, _ in local[anchor]] == [k for k, _ in texts], anchor
        for (kind, en), (_, shown) in zip(texts, local[anchor], strict=True):
            if not en or CODE_ONLY.fullmatch(html.unescape(en)):
                continue
            compared += 1
            if shown == en:
                untranslated.append((anchor, kind, html.unescape(en)))
    assert untranslated == []
    # Measured over every operation: summaries, descriptions, parameters, fields and
    # responses of all of them (the test app documents over 200 such texts).
    assert compared >= 200, compared
    page = client.get(f"/docs?lang={lang}").text
    assert "in English" not in page and "ағылшын" not in page and "на английском" not in page


def test_the_translations_are_real_words(client: TestClient) -> None:
    ru = client.get("/docs?lang=ru").text
    kk = client.get("/docs?lang=kk").text
    assert "<p><strong>Подать или исправить один протокол (JSON)</strong></p>" in ru
    assert "<p><strong>Бір хаттаманы ұсыну немесе түзету (JSON)</strong></p>" in kk
    # A response and a parameter of the public API.
    assert "<td>Неизвестные выборы, территория или участок</td>" in ru
    assert "<td>Белгісіз сайлау, аумақ немесе учаске</td>" in kk
    assert "id участка, номер комиссии или название населённого пункта" in ru
    # A parameter's type names its values in code, its words translated.
    assert "<code>одно из: " in ru and "<code>мыналардың бірі: " in kk and "one of:" not in ru
    # Kazakh is written in Cyrillic, with its own letters.
    assert re.search("[әғқңөұүһі]", "".join(t for ts in _texts(kk).values() for _, t in ts))


def test_openapi_json_stays_english(client: TestClient) -> None:
    spec = client.get("/openapi.json?lang=ru", headers={"accept-language": "ru"}).json()
    texts = [
        op.get("summary", "") + op.get("description", "")
        for item in spec["paths"].values()
        for op in item.values()
    ]
    assert any("Submit or amend one protocol (JSON)" in t for t in texts)
    assert not any(re.search("[а-яА-Я]", t) for t in texts)


def test_translated_leaves_empty_texts_empty(client: TestClient) -> None:
    # gettext("") answers the catalogue's header ("Project-Id-Version: …"): an
    # operation without a description must not show it.
    ops = operations(client.get("/openapi.json").json())
    shown = [translated(op, Formatter("ru").gettext) for op in ops]
    for op, ru in zip(ops, shown, strict=True):
        assert (ru["description"] == "") == (op["description"] == ""), op["path"]
        for p, q in zip(op["parameters"], ru["parameters"], strict=True):
            assert (q["description"] == "") == (p["description"] == ""), p["name"]
    assert not any("Project-Id-Version" in str(op) for op in shown)
