"""Whole leave conversations over real HTTP and real SMTP, in Dutch and English.

The employee links the chat with a code mailed to the roster address, asks, confirms; the
employer decides from the link in the mail (or with the buttons in its own chat); the
decision reaches the employee's chat; the employee withdraws. The bot talks to the fake
Bot API, mail goes through the outbox to a real SMTP relay on loopback, and the links are
opened in the real dashboard app."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from dashboard.app import create_app
from intake.telegram_bot import build_application
from loonbode.settings import Settings
from notifier.chat_notices import chat_hooks
from notifier.outbox import send_due, send_due_telegram
from parsers.roster import Roster
from tests.notifier import CaptureHandler, Received, free_port, running_relay
from tests.parsers.conftest import ROSTER
from tests.telegram.fake_bot_api import FakeBotApi, run_polling_in_thread
from workflows.leave_ledger import accrue_year, balance
from workflows.models import Employee, LeaveRequestRow, User
from workflows.telegram_links import issue_user_code
from workflows.users import create_user

TODAY = dt.date(2026, 3, 18)  # a Wednesday
EMPLOYEE_CHAT, EMPLOYER_CHAT = 7101, 7201
EMPLOYER = "ria@garagehoek.example"


@dataclass
class World:
    engine: Engine
    settings: Settings
    fake: FakeBotApi
    relay: CaptureHandler
    web: TestClient
    priya_id: int

    def mails_to(self, address: str) -> list[Received]:
        send_due(self.engine, self.settings)
        return [r for r in self.relay.received if address in r.rcpt_tos]

    def deliver_chats(self) -> None:
        send_due_telegram(self.engine, self.settings)

    def said(self, chat: int, count: int) -> str:
        return self.fake.wait_for_sent(chat, count)[-1]["text"]


@pytest.fixture
def world(engine: Engine, data_dir: Path) -> Iterator[World]:
    import_roster = __import__("workflows.roster_store", fromlist=["import_roster"]).import_roster
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    create_user(engine, EMPLOYER, role="employer", password="correct horse battery", employer_id="garage-hoek",
                actor="test")
    with Session(engine) as session:
        priya = session.exec(select(Employee).where(Employee.number == "72")).one()  # 32 h, mon-thu
    assert priya.id is not None
    accrue_year(engine, priya.id, 2026, actor="test")
    port = free_port()
    with FakeBotApi() as fake, running_relay(port) as relay:
        settings = Settings(_env_file=None, data_dir=data_dir, relay_url=f"smtp://127.0.0.1:{port}",  # type: ignore[call-arg]
                            from_address="mutaties@bureau.example", telegram_token=fake.token,
                            telegram_api_url=fake.base_url, public_url="http://testserver")
        application = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY,
                                        hooks=chat_hooks(settings))
        web = TestClient(create_app(settings, engine), base_url="http://testserver", follow_redirects=False)
        with run_polling_in_thread(application):
            yield World(engine, settings, fake, relay, web, priya.id)


def link_by_mail(world: World, language: str) -> None:
    chat = EMPLOYEE_CHAT
    world.fake.send_text(chat, "/start", language_code=language)
    assert ("e-mailadres" if language == "nl" else "e-mail address") in world.said(chat, 1)
    world.fake.send_text(chat, "Priya@Example.org", language_code=language)
    assert ("staat er binnen enkele minuten een code" if language == "nl" else "a code will be in that mailbox") \
        in world.said(chat, 2)
    [mail] = world.mails_to("priya@example.org")
    assert mail.message["Subject"] == ("Uw koppelcode voor Loonbode" if language == "nl"
                                       else "Your Loonbode link code")
    code = re.search(r"^\s+(\d{6})$", mail.body, re.M)
    assert code is not None, mail.body
    world.fake.send_text(chat, code.group(1), language_code=language)
    assert ("Gekoppeld, Priya" if language == "nl" else "Linked, Priya") in world.said(chat, 3)


def ask_and_confirm(world: World, sentence: str, language: str) -> LeaveRequestRow:
    chat = EMPLOYEE_CHAT
    world.fake.send_text(chat, sentence, language_code=language)
    offer = world.fake.wait_for_sent(chat, 4)[-1]
    world.fake.press(chat, offer["message_id"], "confirm", language_code=language)
    world.fake.wait_for_call("editMessageText")
    assert ("naar uw werkgever gestuurd" if language == "nl" else "sent to your employer") in \
        world.fake.message(chat, offer["message_id"])["text"]  # type: ignore[index]
    with Session(world.engine) as session:
        [request] = session.exec(select(LeaveRequestRow)).all()
    return request


def decision_link(mail: Received, action: str) -> str:
    found = re.findall(r"http://testserver(/leave/decide/\S+)", mail.body)
    assert len(found) == 2, mail.body
    return found[0] if action == "approve" else found[1]


@pytest.mark.parametrize(("language", "sentence", "approved", "withdrawn"), [
    ("nl", "Ik wil graag vrij van 23 t/m 26 maart", "Goed nieuws", "ingetrokken"),
    ("en", "I would like 23 to 26 March off please", "Good news", "withdrawn"),
])
def test_link_by_mail_ask_approve_by_mail_link_hear_and_cancel(world: World, language: str, sentence: str,
                                                                approved: str, withdrawn: str) -> None:
    link_by_mail(world, language)
    request = ask_and_confirm(world, sentence, language)
    assert (request.start_date, request.end_date, request.minutes) == (dt.date(2026, 3, 23), dt.date(2026, 3, 26),
                                                                       32 * 60)
    [ask] = world.mails_to(EMPLOYER)
    assert "Priya Ramdin vraagt verlof aan" in ask.body and "Saldo daarna: 96 uur" in ask.body

    path = decision_link(ask, "approve")
    assert "Wilt u deze aanvraag goedkeuren?" in world.web.get(path).text
    assert "Goedgekeurd" in world.web.post(path).text
    world.deliver_chats()
    assert approved in world.said(EMPLOYEE_CHAT, 5)
    assert balance(world.engine, world.priya_id, TODAY).hours == 96

    world.fake.send_text(EMPLOYEE_CHAT, f"/annuleer {request.id}", language_code=language)
    assert withdrawn in world.said(EMPLOYEE_CHAT, 6)
    assert balance(world.engine, world.priya_id, TODAY).hours == 128
    assert world.web.post(path).status_code == 410  # the used link stays used


def test_the_employer_decides_in_its_own_chat_and_must_give_a_reason(world: World) -> None:
    with Session(world.engine) as session:
        ria = session.exec(select(User).where(User.email == EMPLOYER)).one()
    assert ria.id is not None
    world.fake.send_text(EMPLOYER_CHAT, issue_user_code(world.engine, ria.id, actor="test"), language_code="en")
    assert "Your employees' leave requests will arrive here" in world.said(EMPLOYER_CHAT, 1)

    link_by_mail(world, "en")
    request = ask_and_confirm(world, "Can I take Monday 23 March off?", "en")
    world.deliver_chats()
    notice = world.fake.wait_for_sent(EMPLOYER_CHAT, 2)[-1]
    assert "Priya Ramdin asks for holiday from 23-03-2026 to 23-03-2026 (8 hours)" in notice["text"]
    buttons = [b["callback_data"] for row in notice["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [f"la:{request.id}", f"lr:{request.id}"]

    world.fake.press(EMPLOYER_CHAT, notice["message_id"], f"lr:{request.id}", language_code="en")
    world.fake.wait_for_call("editMessageText", 2)
    assert "Why do you reject request" in world.fake.message(EMPLOYER_CHAT, notice["message_id"])["text"]  # type: ignore[index]
    world.fake.send_text(EMPLOYER_CHAT, "The garage is short-staffed that week", language_code="en")
    assert "Rejected:" in world.said(EMPLOYER_CHAT, 3)
    world.deliver_chats()
    assert "was not approved. Reason: The garage is short-staffed that week" in world.said(EMPLOYEE_CHAT, 5)

    # The button again, and the mailed links: the request is decided, nothing changes.
    world.fake.press(EMPLOYER_CHAT, notice["message_id"], f"la:{request.id}", language_code="en")
    world.fake.wait_for_call("editMessageText", 3)
    assert "has already been decided: rejected" in world.fake.message(EMPLOYER_CHAT, notice["message_id"])["text"]  # type: ignore[index]
    [ask] = world.mails_to(EMPLOYER)
    assert world.web.post(decision_link(ask, "approve")).status_code == 410
    with Session(world.engine) as session:
        assert session.get(LeaveRequestRow, request.id).status == "rejected"  # type: ignore[union-attr]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(world: World) -> None:
    world.fake.send_text(EMPLOYEE_CHAT, "nobody@example.org")
    assert "staat er binnen enkele minuten een code" in world.said(EMPLOYEE_CHAT, 1)
    assert world.mails_to("nobody@example.org") == [] and world.relay.received == []
    for n in range(2, 4):
        world.fake.send_text(EMPLOYEE_CHAT, "priya@example.org")
        world.said(EMPLOYEE_CHAT, n)
    world.fake.send_text(EMPLOYEE_CHAT, "priya@example.org")
    assert "al een paar keer om een code" in world.said(EMPLOYEE_CHAT, 4)
    assert len(world.mails_to("priya@example.org")) == 2  # three asks an hour; the unknown one counted too
