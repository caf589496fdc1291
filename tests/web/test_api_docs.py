"""The API reference (``/docs``, issue #16 point 14): the public read API apart from the
commission write API, an example answer for every public operation that is what the
operation really answers, the OpenAPI tags, and the page in ru and kk."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from saylau.web.api_docs import EXAMPLE_BODIES, PUBLIC, WRITE, Answer, call, show_body, show_json
from saylau.web.door import REFUSAL_STATUSES

SECTION = re.compile(
    r'<section class="endpoint" id="([^"]+)" aria-labelledby="[^"]+" data-audience="(\w+)">'
    r"(.*?)</section>",
    re.S,
)
EXAMPLE = re.compile(
    r"<p>[^<]*: (?:<a href=\"[^\"]+\">)?<code>(\w+) ([^<]+)</code>.*?"
    r'<pre class="answer"[^>]*><code>(.*?)</code></pre>',
    re.S,
)


def _spec(client: TestClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/openapi.json").json()
    return spec


def _ops(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_openapi_tags_each_operation_public_or_write(client: TestClient) -> None:
    spec = _spec(client)
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    ops = _ops(spec)
    assert len(ops) >= 30
    for method, path, op in ops:
        tags = op["tags"]
        assert (PUBLIC in tags) != (WRITE in tags), (method, path, tags)
        # Write operations are exactly those that need the Bearer token.
        assert (WRITE in tags) == (op.get("security") == [{"bearer": []}]), (method, path)
    public = {(m, p) for m, p, op in ops if PUBLIC in op["tags"]}
    assert ("GET", "/api/v1/contests") in public and ("POST", "/api/v1/projections") in public
    assert ("POST", "/api/v1/contests/{contest}/protocols") not in public
    assert ("GET", "/api/v1/audit") not in public  # a read, but only with a token


def test_docs_page_separates_the_audiences(client: TestClient) -> None:
    spec = _spec(client)
    page = client.get("/docs?lang=en").text
    public_at, write_at = (
        page.index('<section class="audience" id="public"'),
        page.index('<section class="audience" id="write"'),
    )
    assert public_at < write_at
    sections = SECTION.findall(page)
    expected = {
        re.sub(r"[^a-z0-9]+", "-", f"{m} {p}".lower()).strip("-"): (
            WRITE if WRITE in op["tags"] else PUBLIC
        )
        for m, p, op in _ops(spec)
    }
    assert {anchor: audience for anchor, audience, _ in sections} == expected
    for anchor, audience, body in sections:
        where = page.index(f'id="{anchor}"')
        assert (public_at < where < write_at) == (audience == PUBLIC), anchor
        # An example answer for each public operation, none for a write.
        assert ('<pre class="answer"' in body) == (audience == PUBLIC), anchor
    write = page[write_at:]
    for words in (
        "Authorization: Bearer &lt;token&gt;",
        "no CSRF",
        "Idempotency-Key",
        "Idempotent-Replayed: true",
        "<code>territorial</code>",
    ):
        assert words in write, words
    # The refusal statuses are the door's, with its words.
    rows = re.findall(
        r'<tr><th scope="row"><code>(\d+)</code></th><td>([^<]+)</td></tr>',
        write[write.index('class="refusals"') :].split("</table>")[0],
    )
    assert dict((s, html.unescape(t)) for s, t in rows) == REFUSAL_STATUSES
    assert "50 requests per second per token (bursts of 200)" in write
    public = page[public_at:write_at]
    assert "Access-Control-Allow-Origin: *" in public and "If-None-Match" in public


def _split(shown: str) -> tuple[int, dict[str, str], str]:
    head, _, body = html.unescape(shown).partition("\n\n")
    status_line, *header_lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def test_every_public_example_is_what_the_operation_answers(client: TestClient) -> None:
    spec = _spec(client)
    page = client.get("/docs?lang=en").text
    seen = 0
    for anchor, audience, body in SECTION.findall(page):
        if audience != PUBLIC:
            continue
        found = EXAMPLE.search(body)
        assert found is not None, anchor
        method, url, shown = found.group(1), html.unescape(found.group(2)), found.group(3)
        status, headers, text = _split(shown)
        path = url.split("?")[0]
        if headers["content-type"].startswith("text/event-stream"):
            # A stream never ends and its events are whatever changed: its example is a
            # prefix of one listening, checked in tests/web/test_live.py.
            assert status == 200 and text.startswith("retry:"), url
            seen += 1
            continue
        template = next(
            p
            for m, p, _op in _ops(spec)
            if m == method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", p), path)
        )
        if method == "GET":
            real = client.get(url)
        else:
            real = client.post(url, json=EXAMPLE_BODIES[template])
        # The example is the real answer: the same status, type, validators and body
        # (as shown: long lists cut).
        assert real.status_code == status, url
        assert headers["content-type"] == real.headers["content-type"], url
        if "last-modified" in headers:
            assert headers["last-modified"] == real.headers["last-modified"], url
        answer = Answer(real.status_code, list(real.headers.items()), real.content)
        assert show_body(answer)[0] == text, url
        if status == 200 and real.headers["content-type"] == "application/json":
            # The real answer validates against the operation's documented schema, and
            # every documented key is in it.
            ok = spec["paths"][template][method.lower()]["responses"]["200"]
            schema = ok["content"]["application/json"]["schema"]
            jsonschema.validate(real.json(), {**schema, "components": spec["components"]})
            assert set(schema.get("properties") or ()) <= set(real.json()), url
        if path.startswith("/api/v1/") and method == "GET":
            assert headers["access-control-allow-origin"] == "*", url
        seen += 1
    assert seen == sum(1 for _m, _p, op in _ops(spec) if PUBLIC in op["tags"])


def test_examples_of_the_results_api_are_answers_not_refusals(client: TestClient) -> None:
    page = client.get("/docs?lang=en").text
    by_anchor = {anchor: body for anchor, _a, body in SECTION.findall(page)}
    for anchor in (
        "get-api-v1-contests",
        "get-api-v1-contests-contest-id",
        "get-api-v1-contests-contest-id-divisions-division-id",
        "get-api-v1-contests-contest-id-stations-station-id",
        "get-api-v1-search",
        "get-api-v1-contests-contest-id-export-csv",
        "post-api-v1-projections",
    ):
        found = EXAMPLE.search(by_anchor[anchor])
        assert found is not None and _split(found.group(3))[0] == 200, anchor
    station = EXAMPLE.search(by_anchor["get-api-v1-contests-contest-id-stations-station-id"])
    assert station is not None and "/stations/" in station.group(2)
    assert '"protocol": {' in html.unescape(station.group(3))


def test_the_reference_in_russian_and_kazakh(client: TestClient) -> None:
    for lang, public, write, example in (
        ("ru", "Открытый API для чтения", "API записи для комиссий", "Пример ответа"),
        ("kk", "Оқуға арналған ашық API", "Комиссияларға арналған жазу API", "Жауап үлгісі"),
    ):
        page = client.get(f"/docs?lang={lang}").text
        assert f'<html lang="{lang}">' in page
        assert f'<h2 id="public-h">{public}</h2>' in page
        assert f'<h2 id="write-h">{write}</h2>' in page
        assert page.count(f">{example}</figcaption>") >= 15
        # Paths and JSON stay as they are.
        assert "<code>GET /api/v1/contests</code>" in page and "&#34;contests&#34;: [" in page


def test_no_summary_is_a_function_name(client: TestClient) -> None:
    # FastAPI names an operation without a summary after its function ("Election Day
    # Api"): the reference shows only summaries a person wrote.
    page = client.get("/docs?lang=kk").text
    summaries = re.findall(r"<p><strong>([^<]*)</strong></p>", page)
    assert summaries, "no summary at all: the check checked nothing"
    assert [s for s in summaries if re.fullmatch(r"(\w+ )*(Api|Pdf|Csv|Json)", s)] == []
    assert "Бір хаттаманы ұсыну немесе түзету (JSON)" in summaries
    # The operations' own texts are in Kazakh now: no notice says they are English.
    assert "ағылшын тілінде" not in page


def test_api_leads_to_the_reference(client: TestClient) -> None:
    r = client.get("/api?lang=kk", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/docs?lang=kk"


def test_long_lists_are_cut_and_say_how_many_more() -> None:
    text, cut = show_json({"rows": list(range(10)), "few": [1, 2, 3], "s": "x" * 500})
    assert cut
    lines = text.splitlines()
    assert lines[:6] == ["{", '  "rows": [', "    0,", "    1", "    … 8", "  ],"]
    assert '"few": [' in text and "    3\n" in text  # three items are kept whole
    assert json.loads(text.replace("    … 8\n", "").replace('…"', '"'))["few"] == [1, 2, 3]
    assert show_json({"a": [1]}) == ('{\n  "a": [\n    1\n  ]\n}', False)


def test_an_event_stream_is_listened_to_briefly() -> None:
    """A public stream (Server-Sent Events) never ends: its example is what it sent in
    the first second, and asking for it does not hold the page."""
    import asyncio
    import time

    async def stream(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/event-stream")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        n = 0
        while True:
            n += 1
            body = f"id: {n}\ndata: tick\n\n".encode()
            await send({"type": "http.response.body", "body": body, "more_body": True})
            await asyncio.sleep(0.4)

    started = time.monotonic()
    answer = asyncio.run(call(stream, "GET", "/api/v1/events"))
    assert time.monotonic() - started < 5
    assert answer.status == 200 and answer.body.startswith(b"id: 1\ndata: tick\n\n")
    assert show_body(answer)[0].startswith("id: 1\ndata: tick")


def test_examples_are_asked_again_in_the_background(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from saylau.web.routes import docs

    state = client.app.state  # type: ignore[attr-defined]
    client.get("/docs")
    first = state.api_examples[0]
    monkeypatch.setattr(docs, "EXAMPLES_TTL", 0.0)
    # Answered at once with the kept examples; a refresh runs behind it.
    assert client.get("/docs").status_code == 200
    task = state.api_examples_refresh
    for _ in range(600):
        if task.done():
            break
        time.sleep(0.05)
    assert task.done() and task.exception() is None
    assert state.api_examples[0] > first
