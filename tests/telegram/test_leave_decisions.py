"""Deciding leave in the dashboard: only for one's own employees; the employee hears it in Telegram."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from loonbode.settings import Settings
from notifier.outbox import send_due_telegram
from tests.dashboard.conftest import seeded_dashboard
from tests.telegram.fake_bot_api import FakeBotApi
from workflows.leave_ledger import accrue_year, balance, request_leave
from workflows.models import Employee, LeaveRequestRow, OutboundMessage
from workflows.telegram_links import redeem


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_employer_approves_and_the_employee_hears_it_in_telegram(engine: Engine, data_dir: Path):
    board = seeded_dashboard(engine, data_dir)
    with Session(engine) as session:
        priya = session.exec(select(Employee).where(Employee.number == "72")).one()
    assert priya.id is not None
    accrue_year(engine, priya.id, 2026, actor="test")
    garage = board.login("garage")
    page = garage.get("/leave").text
    made = garage.post(f"/leave/employees/{priya.id}/code", data={"csrf_token": csrf(page)})
    code = re.search(r'<strong class="code">(\d{6})</strong>', made.text)
    assert code, made.text
    redeem(engine, 4242, code.group(1))
    request = request_leave(engine, priya.id, "vacation", dt.date(2026, 3, 23), dt.date(2026, 3, 26), 32.0, "telegram")

    other = board.login("atelier")
    assert other.post(f"/leave/{request.id}/approve", data={"csrf_token": csrf(other.get('/leave').text)}
                      ).status_code == 404
    assert "Priya" not in other.get("/leave").text
    assert other.post(f"/leave/employees/{priya.id}/code", data={"csrf_token": csrf(other.get('/leave').text)}
                      ).status_code == 404

    assert garage.post(f"/leave/{request.id}/approve", data={"csrf_token": csrf(garage.get('/leave').text)}
                       ).status_code == 303
    with Session(engine) as session:
        assert session.get(LeaveRequestRow, request.id).status == "approved"  # type: ignore[union-attr]
        [notice] = session.exec(select(OutboundMessage).where(OutboundMessage.channel == "telegram")).all()
    assert notice.to_address == "4242" and "goedgekeurd" in notice.body
    assert balance(engine, priya.id, dt.date(2026, 3, 18)).hours == 128 - 32

    with FakeBotApi() as fake:
        settings = Settings(data_dir=data_dir, telegram_token=fake.token, telegram_api_url=fake.base_url)  # type: ignore[call-arg]
        assert send_due_telegram(engine, settings) == 1
        assert send_due_telegram(engine, settings) == 0  # sent once
        [sent] = fake.sent(4242)
    assert sent["text"].startswith("Goed nieuws: uw vakantieverlof van 23-03-2026 t/m 26-03-2026 (32 uur)")


def test_a_rejection_needs_a_reason(engine: Engine, data_dir: Path):
    board = seeded_dashboard(engine, data_dir)
    with Session(engine) as session:
        priya = session.exec(select(Employee).where(Employee.number == "72")).one()
    assert priya.id is not None
    request = request_leave(engine, priya.id, "vacation", dt.date(2026, 3, 23), dt.date(2026, 3, 23), 8.0, "telegram")
    bureau = board.login("bureau")
    refused = bureau.post(f"/leave/{request.id}/reject", data={"csrf_token": csrf(bureau.get('/leave').text)})
    assert refused.status_code == 422 and "reden" in refused.text
    assert bureau.post(f"/leave/{request.id}/reject", data={"csrf_token": csrf(bureau.get('/leave').text),
                                                            "reason": "drukke week"}).status_code == 303
    with Session(engine) as session:
        row = session.get(LeaveRequestRow, request.id)
    assert row is not None and (row.status, row.reason) == ("rejected", "drukke week")


def test_the_leave_page_needs_a_login_and_the_token(engine: Engine, data_dir: Path):
    board = seeded_dashboard(engine, data_dir)
    assert board.client().get("/leave").status_code == 303
    with Session(engine) as session:
        priya = session.exec(select(Employee).where(Employee.number == "72")).one()
    request = request_leave(engine, priya.id or 0, "vacation", dt.date(2026, 3, 23), dt.date(2026, 3, 23), 8.0,
                            "telegram")
    garage = board.login("garage")
    assert garage.post(f"/leave/{request.id}/approve", data={"csrf_token": "x"}).status_code == 403
    assert garage.post(f"/leave/employees/{priya.id}/code", data={"csrf_token": "x"}).status_code == 403
    with Session(engine) as session:
        assert session.get(LeaveRequestRow, request.id).status == "pending"  # type: ignore[union-attr]


def test_an_employer_links_its_own_chat_from_the_dashboard(engine: Engine, data_dir: Path):
    from workflows.models import TelegramChat, User

    board = seeded_dashboard(engine, data_dir)
    garage = board.login("garage")
    made = garage.post("/leave/telegram/code", data={"csrf_token": csrf(garage.get("/leave").text)})
    assert made.status_code == 200 and "Koppelcode voor uw eigen Telegram" in made.text
    code = re.search(r'<strong class="code">(\d{6})</strong>', made.text)
    assert code, made.text
    assert garage.post("/leave/telegram/code", data={"csrf_token": "x"}).status_code == 403
    linked = redeem(engine, 5151, code.group(1))
    assert isinstance(linked, User) and linked.email == "ria@garagehoek.example"
    with Session(engine) as session:
        chat = session.get(TelegramChat, 5151)
        assert chat is not None and (chat.user_id, chat.employee_id) == (linked.id, None)
