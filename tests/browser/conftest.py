"""Playwright (sync API) driving Debian's Chromium, for the tests in this folder.

Every test here gets the `browser` mark automatically. The browser is the binary
`scripts/test` finds or installs from Debian's `chromium` package (LOONBODE_TEST_CHROMIUM);
Playwright never downloads one. Without that variable the tests fail rather than skip: run
the suite through ./scripts/test.

`browser` starts Chromium once for this folder's tests, `page` gives each test a fresh
context (1366x800, nl-NL) and, when the test fails, saves a full-page screenshot to
tests/artifacts/<test name>.png.

The browser lives for this package only (not the whole session): while Playwright's sync
API is running it keeps an asyncio loop marked as running on the main thread, which would
make `asyncio.run` fail in the tests that come after this folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# No sandbox (CI runs as root), no GPU, and no background traffic: the test machine's
# network is closed, and without these Chromium keeps opening connections that go nowhere.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A conftest's hook sees every collected item, so mark only the ones in this folder.
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # Keeps each phase's report on the item (rep_setup, rep_call, rep_teardown) so that the
    # `page` fixture can tell in its teardown whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("LOONBODE_TEST_CHROMIUM")
    if not executable:
        pytest.fail("LOONBODE_TEST_CHROMIUM is not set: run the suite through ./scripts/test, which installs "
                    "Debian's chromium and points the browser tests at it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="nl-NL")
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^\w.-]+", "_", request.node.name)
            path = ARTIFACTS / f"{name}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of the failed test: {path}")
            except Exception as error:  # the page may be what broke; the test's own failure matters more
                print(f"no screenshot of the failed test: {error}")
        context.close()
