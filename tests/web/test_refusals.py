"""What the site refuses, cheaply and without leaving it: unknown addresses (404 pages
whose links stay on the site, rendered once per language) and the OpenAPI document's
security scheme."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_404_of_a_protocol_relative_path_links_only_to_the_site(client: TestClient) -> None:
    for path in ("//evil.example", "///evil.example/x", "//evil.example/%2e%2e"):
        page = client.get("http://testserver" + path)  # a bare "//host" is another host
        assert page.request.url.raw_path.startswith(b"//")
        assert page.status_code == 404 and "text/html" in page.headers["content-type"]
        hrefs = re.findall(r'href="([^"]*)"', page.text)
        assert hrefs, page.text[:300]
        offsite = [h for h in hrefs if h.startswith("//") or "evil.example" in h or "://" in h]
        assert offsite == [], (path, offsite)


def test_404_page_is_rendered_once_per_language(client: TestClient) -> None:
    cache = client.app.state.not_found_pages  # type: ignore[attr-defined]
    first = client.get("/no/such/page", headers={"accept-language": "ru"})
    other = client.get("/another/missing", headers={"accept-language": "ru"})
    english = client.get("/no/such/page", headers={"accept-language": "en"})
    assert [first.status_code, other.status_code, english.status_code] == [404, 404, 404]
    assert first.text == other.text != english.text
    assert set(cache) == {"ru", "en"}
    assert '<html lang="ru">' in first.text and "/no/such/page" not in first.text
    # The page still carries the site's security headers.
    assert first.headers["x-frame-options"] == "DENY"
    # An unknown API address stays a JSON answer.
    api = client.get("/api/v1/no/such")
    assert api.status_code == 404 and api.json()["ok"] is False


def test_openapi_declares_the_bearer_scheme_on_write_routes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearer"]["description"],
    }
    trust = [
        (path, method, op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if "trust" in op.get("tags", ())
    ]
    assert len(trust) >= 12
    for path, method, op in trust:
        assert op["security"] == [{"bearer": []}], (method, path)
        for status in ("401", "403", "422", "429", "503"):
            ref = op["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorAnswer", (method, path, status)
    # The read-only results API needs no token.
    results = spec["paths"]["/api/v1/contests"]["get"]
    assert "security" not in results


def test_page_path_never_starts_a_protocol_relative_link() -> None:
    """The language switch of every page links to ``page_path``: one leading slash."""
    from starlette.requests import Request

    from saylau.web.render import page_path

    for raw in (b"//evil.example", b"///evil.example/a", b"/ok/page"):
        scope = {
            "type": "http",
            "path": raw.decode(),
            "raw_path": raw,
            "query_string": b"",
            "headers": [],
        }
        assert page_path(Request(scope)) == "/" + raw.decode().lstrip("/")
