"""The app on a real socket, for the tests a TestClient cannot stand in for: browsers,
event streams, subprocesses.  ``serving(db)`` runs ``create_app(db)`` under uvicorn in
a thread on a free loopback port; ``chromium()`` launches Debian's chromium under
Playwright (skipped where either is missing); ``screenshot()`` keeps a screenshot and
``axe_violations()`` runs axe-core on a page.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from saylau.web.app import create_app

#: Where the browser tests leave their screenshots.
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
#: Where the test setup installs the npm package ``axe-core`` (git-ignored).
AXE_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "axe"
#: How every browser test starts chromium.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's chromium (or ``SAYLAU_CHROMIUM``); the test is skipped without it."""
    path = os.environ.get("SAYLAU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(db: str, *, wait: float = 20.0) -> Iterator[str]:
    """``create_app(db)`` served on loopback while the block runs; yields its base URL
    (``http://127.0.0.1:PORT``) once uvicorn has started (at most ``wait`` seconds)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + wait
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium launched by Playwright, closed when the block ends."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Any, name: str) -> None:
    """A full-page screenshot ``name``.png under :data:`SHOTS`."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def axe_source() -> str:
    """axe-core's script, installed with npm on first use; the test is skipped (with
    the reason) where npm or the registry is not available."""
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed: axe-core cannot be fetched (apt-get install npm)")
        done = subprocess.run(
            [
                npm,
                "install",
                "--prefix",
                str(AXE_DIR),
                "--no-save",
                "--no-audit",
                "--no-fund",
                "axe-core@4",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if done.returncode != 0 or not script.exists():
            pytest.skip(f"npm could not install axe-core: {done.stderr.strip()[-200:]}")
    return script.read_text("utf-8")


def axe_violations(
    browser: Any, url: str, within: str = "document", width: int = 1366
) -> list[list[Any]]:
    """The serious and critical axe-core violations of the page at ``url`` (in the part
    the JavaScript expression ``within`` names) at ``width`` px: rule, how many nodes,
    the first one."""
    source = axe_source()
    # The site's CSP forbids inline scripts: this context may inject axe all the same.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(url)
    # On a phone the wide tables scroll: tables.js marks them (and lets the keyboard
    # reach them: axe's "scrollable-region-focusable" is serious at 390 px).
    page.wait_for_load_state("load")
    page.add_script_tag(content=source)
    found: list[list[Any]] = page.evaluate(
        f"async () => (await axe.run({within}, {{resultTypes: ['violations']}})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => [v.id, v.nodes.length, v.nodes[0].target.join(' ')])"
    )
    context.close()
    return found
