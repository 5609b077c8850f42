"""The browser-test tools themselves: Debian's Chromium starts, and the axe-core check can fail.

A page served on 127.0.0.1 under a strict Content-Security-Policy (as the web app sends
one): a deliberately inaccessible page must yield the violations axe-core is known to
report, an accessible one none, so a green accessibility test means something.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page

from tests.conftest_browser import CHROMIUM, Screenshots, axe_violations, describe_violations

BAD = """<!doctype html><html><head><link rel="stylesheet" href="/bad.css"></head><body>
<img src="/logo.png"><form><input name="plz"></form>
<p class="blass">Kaum lesbar</p></body></html>"""

GOOD = """<!doctype html><html lang="de"><head><title>Antrag</title></head><body>
<header><p>Stadt Musterstadt</p></header><main><h1>Antrag</h1>
<form><label for="plz">Postleitzahl</label><input id="plz" name="plz"></form>
<p>Gut lesbar</p></main></body></html>"""


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/bad.css":
            body, kind = b"body{background:#fff} .blass{color:#ccc}", "text/css"
        else:
            body = (BAD if self.path.startswith("/bad") else GOOD).encode()
            kind = "text/html; charset=utf-8"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Security-Policy", "default-src 'self'; script-src 'self'")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(name="site")
def site_fixture() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_debian_chromium_is_the_browser(page: Page) -> None:
    assert CHROMIUM.exists()
    assert page.context.browser is not None
    assert page.context.browser.version.split(".")[0].isdigit()


def test_axe_finds_the_violations_of_a_bad_page(
    page: Page, site: str, screenshots: Screenshots
) -> None:
    page.goto(f"{site}/bad")
    violations = axe_violations(page)
    screenshots(page, "bad-page")
    found = {v["id"] for v in violations}
    assert {"html-has-lang", "document-title", "image-alt", "label", "color-contrast"} <= found
    text = describe_violations(violations, "bad")
    assert "image-alt" in text and 'img src="/logo.png"' in text
    assert screenshots.taken[0].stat().st_size > 0


def test_axe_passes_an_accessible_page(page: Page, site: str) -> None:
    page.goto(f"{site}/good")
    assert axe_violations(page) == []
