"""An employer contact's first day, in a real browser (Debian's Chromium via Playwright): the bureau
invites them; the invitation mail is taken from a real SMTP relay; the link activates the account
with a personal password; they set up two-factor login with an authenticator (pyotp plays the
phone), log in again with a code, hand in a sick report by form, and it is in the bureau's queue."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import Engine

from dashboard.app import create_app
from loonbode.settings import Settings
from notifier.outbox import send_due
from tests.dashboard.conftest import PASSWORD, USERS, Dashboard, seeded_dashboard
from tests.intake import free_port
from tests.notifier import CaptureHandler, running_relay

NEW_CONTACT = "kantoor@garagehoek.example"
NEW_PASSWORD = "de zon schijnt op het dak van de garage"


@pytest.fixture
def live(engine: Engine, data_dir: Path) -> Iterator[tuple[str, Dashboard, Settings, CaptureHandler]]:
    board = seeded_dashboard(engine, data_dir)
    port, relay_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(_env_file=None, data_dir=data_dir, relay_url=f"smtp://127.0.0.1:{relay_port}",  # type: ignore[call-arg]
                        from_address="mutaties@bureau.example", public_url=base,
                        require_two_factor_for_bureau=False)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, engine), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    with running_relay(relay_port) as relay:
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.started
        yield base, board, settings, relay
        server.should_exit = True
        thread.join(10)


def log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_invited_activated_two_factor_and_a_sick_report_by_form(live, page: Page, browser: Browser) -> None:  # type: ignore[no-untyped-def]
    base, board, settings, relay = live
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    # The bureau's admin invites the employer's contact.
    log_in(page, base, USERS["admin"][0], PASSWORD)
    page.goto(f"{base}/users")
    invite = page.locator("form[action='/users/invite']")
    invite.get_by_label("E-mailadres").fill(NEW_CONTACT)
    invite.locator("select[name=employer]").select_option(label="Garage Hoek B.V.")
    invite.get_by_role("button", name="Uitnodiging sturen").click()
    expect(page.locator(".notice")).to_be_visible()

    # The invitation reaches the relay; it says where to look and holds the link.
    assert send_due(board.engine, settings) >= 1
    [mail] = [r for r in relay.received if NEW_CONTACT in r.rcpt_tos]
    assert "spam" in mail.body
    link = re.search(rf"{re.escape(base)}/activate/\S+", mail.body)
    assert link, mail.body

    # A fresh browser (the contact's own) opens it and chooses a personal password.
    contact = browser.new_context(locale="nl-NL").new_page()
    contact.on("pageerror", lambda e: problems.append(str(e)))
    contact.goto(link.group(0))
    contact.get_by_label("Wachtwoord", exact=True).fill("wachtwoord2026")
    contact.get_by_label("Nog een keer").fill("wachtwoord2026")
    contact.get_by_role("button", name="Activeren en inloggen").click()
    expect(contact.get_by_role("alert")).to_be_visible()  # a common word and a year: refused with the reason
    contact.get_by_label("Wachtwoord", exact=True).fill(NEW_PASSWORD)
    contact.get_by_label("Nog een keer").fill(NEW_PASSWORD)
    contact.get_by_role("button", name="Activeren en inloggen").click()
    expect(contact.get_by_role("button", name="Uitloggen")).to_be_visible()

    # Two-factor login: the phone's app is pyotp with the secret the page shows.
    contact.goto(f"{base}/account/two-factor")
    secret = contact.locator("code.secret").inner_text().replace(" ", "")
    phone = pyotp.TOTP(secret)
    contact.get_by_label("Code van zes cijfers uit de app").fill(phone.now())
    contact.get_by_role("button", name="Aanzetten").click()
    expect(contact.get_by_text("herstelcodes", exact=False).first).to_be_visible()
    contact.get_by_role("button", name="Uitloggen").click()

    # Logging in again asks for a code; the one used at setup would be a replay, so the next one.
    log_in(contact, base, NEW_CONTACT, NEW_PASSWORD)
    expect(contact).to_have_url(re.compile(r"/login/code"))
    contact.get_by_label("Code", exact=True).fill(phone.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)))
    contact.get_by_role("button", name=re.compile("Inloggen|Verder|Controleren")).click()
    expect(contact.get_by_role("button", name="Uitloggen")).to_be_visible()

    # A sick report by form.
    contact.goto(f"{base}/mutations/new/sick")
    contact.locator("select[name=employee]").select_option(value="72")
    contact.locator("input[name=start_date]").fill("2026-03-16")
    contact.get_by_role("button", name="Insturen").click()
    expect(contact).to_have_url(re.compile(r"/mutations"))

    # The bureau sees it in the queue.
    page.goto(f"{base}/queue")
    row = page.locator("table.drafts tbody tr", has_text="Priya Ramdin").filter(has_text="ziekmelding")
    expect(row.first).to_be_visible()
    assert problems == []
