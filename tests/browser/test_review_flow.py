"""A payroll administrator's morning in a real browser (Debian's Chromium via Playwright):
log in, filter the queue, open a draft, see its source marked in the mail, correct a field,
approve it, and export the period. HTMX does the in-place parts under the real CSP."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from dashboard.app import create_app
from loonbode.settings import Settings
from tests.dashboard.conftest import PASSWORD, USERS, Dashboard, seeded_dashboard
from tests.intake import free_port
from workflows.models import DraftStatus


@pytest.fixture
def live(engine: Engine, data_dir: Path) -> Iterator[tuple[str, Dashboard]]:
    board = seeded_dashboard(engine, data_dir)
    port = free_port()
    settings = Settings(data_dir=data_dir, require_two_factor_for_bureau=False)  # type: ignore[call-arg]
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine),
                                           host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}", board
    server.should_exit = True
    thread.join(10)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_review_correct_approve_and_export(live: tuple[str, Dashboard], page: Page):
    base, board = live
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    page.goto(f"{base}/queue")
    expect(page).to_have_url(f"{base}/login?next=/queue")
    page.get_by_label("E-mailadres").fill(USERS["bureau"][0])
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page).to_have_url(f"{base}/queue")
    rows = page.locator("table.drafts tbody tr")
    expect(rows).to_have_count(5)

    # Filtering swaps the table in place (HTMX) and keeps the address shareable.
    page.get_by_label("Soort").select_option(label="salariswijziging")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(f"{base}/queue?employer=&type=salary_change&status=new&period=")
    page.get_by_label("Soort").select_option(label="alle")
    expect(rows).to_have_count(5)  # the table is back before the search, or the count below sees the old one
    page.get_by_label("Zoek").fill("Linden")
    expect(rows).to_have_count(1)
    assert "Linden" not in page.url  # a searched name is never in the address
    rows.first.locator("a.row-link").click()

    # The draft, and the sentence it came from marked in the original mail.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Salariswijziging")
    expect(page.locator("mark.source")).to_have_text(
        "Stijn krijgt per 1 april een salaris van 3.100 euro per maand.")

    # Correct the salary; the panel is replaced in place and shows the saved value.
    salary = page.get_by_label("salaris", exact=True)
    expect(salary).to_have_value("3100")
    salary.fill("3250")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_label("salaris", exact=True)).to_have_value("3250")
    page.get_by_role("button", name="Goedkeuren").click()
    expect(page.locator("#draft-panel .meta .status")).to_have_text("goedgekeurd")
    draft_id = int(page.url.rsplit("/", 1)[1])
    stored = board.draft(draft_id)
    assert (stored.status, stored.fields["salary_amount"]) == (DraftStatus.APPROVED, 3250)

    # Export the period and open the worklist that holds the salary change.
    page.get_by_role("link", name="Export").click()
    page.get_by_role("button", name="Exporteer 2026-04").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Garage Hoek B.V., 2026-04")
    with page.expect_download() as download:
        page.get_by_role("link", name="werklijst-garage-hoek-2026-04.xlsx").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert any("3.250" in str(cell) or "3250" in str(cell) for row in values[1:] for cell in row), values
    assert board.draft(draft_id).status == DraftStatus.EXPORTED
    assert problems == [], problems
