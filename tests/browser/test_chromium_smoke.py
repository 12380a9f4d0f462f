"""The browser fixture chain against a real HTTP server on loopback: Debian's Chromium runs
scripts, clicks land, and the vendored HTMX loads as valid JavaScript."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard"

PAGES = {
    "/button": """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Knop</title></head>
<body>
  <button id="knop" onclick="document.getElementById('uitkomst').textContent = 'Geklikt'">Klik</button>
  <p id="uitkomst">Nog niet geklikt</p>
</body></html>
""",
    "/htmx": """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>HTMX</title>
  <script src="/static/htmx.min.js"></script>
</head>
<body><p>HTMX</p></body></html>
""",
}


class Handler(SimpleHTTPRequestHandler):
    """The pages above, and dashboard/ as files (so /static/... is dashboard/static/...)."""

    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        if body is None:
            super().do_GET()
            return
        data = body.encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(DASHBOARD)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_click_runs_inline_script(page: Page, server: str) -> None:
    response = page.goto(f"{server}/button")
    assert response is not None and response.ok
    assert page.locator("#uitkomst").text_content() == "Nog niet geklikt"

    page.get_by_role("button", name="Klik").click()

    assert page.locator("#uitkomst").text_content() == "Geklikt"


def test_vendored_htmx_loads(page: Page, server: str) -> None:
    script = page.request.get(f"{server}/static/htmx.min.js")
    assert script.ok, f"GET /static/htmx.min.js: {script.status}"

    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{server}/htmx")

    version = page.evaluate("() => window.htmx && window.htmx.version")
    assert errors == []
    assert isinstance(version, str) and version.startswith("2."), version
