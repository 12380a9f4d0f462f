"""The leave bot against the fake Bot API over real HTTP: link, ask, confirm, balance, list — in Dutch and English."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from intake.telegram_bot import build_application
from loonbode.settings import telegram_base_url
from parsers.roster import Roster
from tests.parsers.conftest import ROSTER
from tests.telegram.fake_bot_api import FakeBotApi, run_polling_in_thread
from workflows.leave_ledger import accrue_year
from workflows.models import Employee, LeaveRequestRow, TelegramChat
from workflows.roster_store import import_roster
from workflows.telegram_links import MAX_FAILED_CODES, issue_code

TODAY = dt.date(2026, 3, 18)  # a Wednesday
CHAT = 7001


def employee(engine: Engine, number: str) -> Employee:
    with Session(engine) as session:
        return session.exec(select(Employee).where(Employee.number == number)).one()


@pytest.fixture
def bot(engine: Engine, data_dir: Path):  # type: ignore[no-untyped-def]
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    priya = employee(engine, "72")  # 32 h over mon-thu: 8 h a day
    assert priya.id is not None
    accrue_year(engine, priya.id, 2026, actor="test")
    with FakeBotApi() as fake:
        application = build_application(fake.token, engine, api_url=fake.base_url.removesuffix("/bot"),
                                        today=lambda: TODAY)
        with run_polling_in_thread(application):
            yield fake, priya


def last(fake: FakeBotApi, count: int) -> str:
    return fake.wait_for_sent(CHAT, count)[-1]["text"]


def test_link_ask_and_confirm_in_dutch(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, priya = bot
    fake.send_text(CHAT, "/start")
    assert "koppelcode" in last(fake, 1)
    fake.send_text(CHAT, "Ik wil vrij volgende week")
    assert "koppelcode" in last(fake, 2)  # unlinked: only the linking steps
    code = issue_code(engine, priya.id, actor="test")
    fake.send_text(CHAT, code)
    assert "Gekoppeld, Priya" in last(fake, 3)

    fake.send_text(CHAT, "Ik wil graag vrij van 23 t/m 27 maart")
    offer = fake.wait_for_sent(CHAT, 4)[-1]
    # Mon 23 - Fri 27 March: Priya works mon-thu, 8 h a day: 4 days, 32 h; 4 x 32 = 128 h a year.
    assert "23-03-2026 t/m 27-03-2026: 4 werkdag(en), 32 uur" in offer["text"]
    assert "Saldo daarna: 96 uur" in offer["text"]
    buttons = offer["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Bevestigen", "Annuleren"]

    fake.press(CHAT, offer["message_id"], "confirm")
    fake.wait_for_call("editMessageText")
    edited = fake.message(CHAT, offer["message_id"])["text"]
    assert "naar uw werkgever gestuurd" in edited
    with Session(engine) as session:
        [request] = session.exec(select(LeaveRequestRow)).all()
    assert (request.start_date, request.end_date, request.minutes, request.status, request.channel) == (
        dt.date(2026, 3, 23), dt.date(2026, 3, 27), 32 * 60, "pending", "telegram")

    fake.send_text(CHAT, "/aanvragen")
    assert "23-03-2026 t/m 27-03-2026, 32 uur — wacht op besluit" in last(fake, 5)
    fake.send_text(CHAT, "/saldo")
    assert "Uw verlof: 128 uur" in last(fake, 6)  # a pending request takes nothing yet
    assert fake.unknown_calls == []


def test_english_and_a_day_that_costs_nothing(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, priya = bot
    fake.send_text(CHAT, issue_code(engine, priya.id, actor="test"), language_code="en")
    assert "Linked, Priya" in last(fake, 1)
    fake.send_text(CHAT, "Can I take Friday off?", language_code="en")
    assert "cost no leave hours (geen werkdag)" in last(fake, 2)  # Priya does not work Fridays
    fake.send_text(CHAT, "Can I take Monday off next week?", language_code="en")
    offer = fake.wait_for_sent(CHAT, 3)[-1]
    assert "Holiday from 23-03-2026 to 23-03-2026: 1 working day(s), 8 hours" in offer["text"]
    fake.press(CHAT, offer["message_id"], "drop")
    fake.wait_for_call("editMessageText")
    assert fake.message(CHAT, offer["message_id"])["text"] == "Not requested."
    with Session(engine) as session:
        assert session.exec(select(LeaveRequestRow)).all() == []


def test_a_restart_mid_conversation_continues(engine: Engine, data_dir: Path):
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    priya = employee(engine, "72")
    assert priya.id is not None
    with FakeBotApi() as fake:
        first = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY)
        with run_polling_in_thread(first):
            fake.send_text(CHAT, issue_code(engine, priya.id, actor="test"))
            fake.send_text(CHAT, "Mag ik maandag 23 maart vrij?")
            offer = fake.wait_for_sent(CHAT, 2)[-1]
        second = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY)
        with run_polling_in_thread(second):
            fake.press(CHAT, offer["message_id"], "confirm")
            fake.wait_for_call("editMessageText")
    with Session(engine) as session:
        [request] = session.exec(select(LeaveRequestRow)).all()
    assert request.start_date == dt.date(2026, 3, 23)


def test_wrong_codes_lock_the_chat(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, priya = bot
    code = issue_code(engine, priya.id, actor="test")
    wrong = "000000" if code != "000000" else "111111"
    for n in range(MAX_FAILED_CODES):
        fake.send_text(CHAT, wrong, language_code="en" if n == 0 else "nl")
        assert ("code is wrong" if n == 0 else "klopt niet") in last(fake, n + 1)
    fake.send_text(CHAT, code)
    assert "Te veel verkeerde codes" in last(fake, MAX_FAILED_CODES + 1)
    with Session(engine) as session:
        assert session.get(TelegramChat, CHAT).employee_id is None  # type: ignore[union-attr]


def test_the_api_url_setting_is_read_with_or_without_bot():
    assert telegram_base_url(None) == "https://api.telegram.org/bot"
    assert telegram_base_url("http://127.0.0.1:9/") == "http://127.0.0.1:9/bot"
    assert telegram_base_url("http://127.0.0.1:9/bot") == "http://127.0.0.1:9/bot"


def test_serve_runs_the_bot_when_a_token_is_set(data_dir: Path):
    from intake.service import start
    from loonbode.settings import Settings
    from tests.intake import free_port

    with FakeBotApi() as fake:
        settings = Settings(data_dir=data_dir, smtp_port=free_port(), http_port=free_port(),  # type: ignore[call-arg]
                            telegram_token=fake.token, telegram_api_url=fake.base_url)
        service = start(settings)
        try:
            fake.send_text(CHAT, "/start")
            assert "koppelcode" in fake.wait_for_sent(CHAT, 1)[-1]["text"]
        finally:
            service.stop()
        assert service.bot is not None and not service.bot.thread.is_alive()


def test_a_request_is_withdrawn_and_gives_its_hours_back(bot, engine: Engine):  # type: ignore[no-untyped-def]
    from workflows.leave_ledger import balance, decide

    fake, priya = bot
    fake.send_text(CHAT, issue_code(engine, priya.id, actor="test"))
    fake.send_text(CHAT, "Ik wil vrij van 23 t/m 24 maart")
    offer = fake.wait_for_sent(CHAT, 2)[-1]
    fake.press(CHAT, offer["message_id"], "confirm")
    fake.wait_for_call("editMessageText")
    with Session(engine) as session:
        [request] = session.exec(select(LeaveRequestRow)).all()
    decide(engine, request.id or 0, True, actor="test", today=TODAY)
    assert balance(engine, priya.id, TODAY).hours == 128 - 16
    fake.send_text(CHAT, "/annuleer 999")
    assert "/annuleer gevolgd door het nummer" in last(fake, 3)
    fake.send_text(CHAT, f"/annuleer {request.id}")
    assert f"Aanvraag {request.id} is ingetrokken" in last(fake, 4)
    assert balance(engine, priya.id, TODAY).hours == 128


def test_a_public_holiday_costs_leave_only_where_the_employer_says_so(bot, engine: Engine):  # type: ignore[no-untyped-def]
    from workflows.leave_settings import LeaveRules, save_settings

    fake, priya = bot
    fake.send_text(CHAT, issue_code(engine, priya.id, actor="test"))
    fake.send_text(CHAT, "Mag ik maandag 6 april vrij?")  # Tweede paasdag
    assert "kosten geen verlofuren (Tweede paasdag)" in last(fake, 2)
    save_settings(engine, "garage-hoek", LeaveRules(extra_hours=0, negative_limit_hours=0, holidays_free=False),
                  actor="test")
    fake.send_text(CHAT, "Mag ik maandag 6 april vrij?")
    assert "06-04-2026 t/m 06-04-2026: 1 werkdag(en), 8 uur" in last(fake, 3)
