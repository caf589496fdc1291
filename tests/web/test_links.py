"""Every link the site shows leads somewhere: no page links to an error."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

LINK = re.compile(r'href="(/[^"#]*)"')


def test_every_link_from_the_election_day_answers(client: TestClient) -> None:
    seen: set[str] = set()
    todo = ["/", "/?lang=ru"]
    while todo and len(seen) < 300:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:200])
        if "text/html" in r.headers.get("content-type", ""):
            todo += [
                u.replace("&amp;", "&")
                for u in LINK.findall(r.text)
                if not u.startswith(("/static/", "/docs"))
            ]
    # The contest page links to the analysis and institution pages.
    assert any(u.endswith("/deputies") for u in seen)
    assert any(u.endswith("/whatif") for u in seen)
    assert any(u.endswith("/chamber") for u in seen)
