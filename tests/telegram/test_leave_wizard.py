"""`/verlof` against the fake Bot API over real HTTP: kind, first day, last day (and part of the day) with
buttons or typed dates, then the same confirmation as a sentence — in Dutch and English, across a restart."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from intake.telegram_bot import build_application
from parsers.roster import Roster
from tests.parsers.conftest import ROSTER
from tests.telegram.fake_bot_api import FakeBotApi, run_polling_in_thread
from workflows.leave_ledger import accrue_year
from workflows.models import Employee, LeaveRequestRow, TelegramChat
from workflows.roster_store import import_roster
from workflows.telegram_links import issue_code

TODAY = dt.date(2026, 3, 18)  # a Wednesday
CHAT = 7002


def employee(engine: Engine, number: str) -> Employee:
    with Session(engine) as session:
        return session.exec(select(Employee).where(Employee.number == number)).one()


def priya(engine: Engine) -> Employee:
    """Priya works 32 h over mon-thu: 8 h a day, 128 h of leave in 2026."""
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    found = employee(engine, "72")
    assert found.id is not None
    accrue_year(engine, found.id, 2026, actor="test")
    return found


@pytest.fixture
def bot(engine: Engine, data_dir: Path):  # type: ignore[no-untyped-def]
    linked = priya(engine)
    with FakeBotApi() as fake:
        application = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY)
        with run_polling_in_thread(application):
            yield fake, linked


def link(fake: FakeBotApi, engine: Engine, who: Employee, language: str = "nl") -> None:
    assert who.id is not None
    fake.send_text(CHAT, issue_code(engine, who.id, actor="test"), language_code=language)
    fake.wait_for_sent(CHAT, 1)


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in message["reply_markup"]["inline_keyboard"] for b in row]


def press(fake: FakeBotApi, message_id: int, data: str, language: str = "nl") -> dict[str, Any]:
    """Press a button and wait for the bot to edit that message; returns the message as it stands then."""
    edited = len(fake.calls_to("editMessageText"))
    fake.press(CHAT, message_id, data, language_code=language)
    fake.wait_for_call("editMessageText", count=edited + 1)
    found = fake.message(CHAT, message_id)
    assert found is not None
    return found


def requests(engine: Engine) -> list[LeaveRequestRow]:
    with Session(engine) as session:
        return list(session.exec(select(LeaveRequestRow)))


def test_a_dutch_request_with_buttons_only(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, who = bot
    link(fake, engine, who)
    fake.send_text(CHAT, "/verlof")
    start = fake.wait_for_sent(CHAT, 2)[-1]
    assert start["text"] == "Welk soort verlof wilt u aanvragen?"
    assert buttons(start) == [("Vakantieverlof", "w:type:vacation"), ("Bijzonder verlof", "w:type:special"),
                              ("Ouderschapsverlof", "w:type:parental"), ("Onbetaald verlof", "w:type:unpaid"),
                              ("Zorgverlof", "w:type:care"), ("Stoppen", "w:stop")]

    first = press(fake, start["message_id"], "w:type:vacation")
    assert first["text"].startswith("Vakantieverlof. Wat is uw eerste vrije dag?")
    # From Wednesday 18 March: Priya's work days, no Fridays or weekends.
    assert buttons(first) == [("wo 18-03", "w:start:2026-03-18"), ("do 19-03", "w:start:2026-03-19"),
                              ("ma 23-03", "w:start:2026-03-23"), ("di 24-03", "w:start:2026-03-24"),
                              ("wo 25-03", "w:start:2026-03-25"), ("do 26-03", "w:start:2026-03-26"),
                              ("Stoppen", "w:stop")]

    last = press(fake, start["message_id"], "w:start:2026-03-23")
    assert last["text"].startswith("Vakantieverlof vanaf ma 23-03-2026. Wat is uw laatste vrije dag?")
    assert buttons(last)[:3] == [("Alleen die dag", "w:end:2026-03-23"), ("di 24-03", "w:end:2026-03-24"),
                                 ("wo 25-03", "w:end:2026-03-25")]

    offer = press(fake, start["message_id"], "w:end:2026-03-26")
    assert offer["text"] == ("Vakantieverlof van 23-03-2026 t/m 26-03-2026: 4 werkdag(en), 32 uur.\n"
                             "Saldo daarna: 96 uur.\nKlopt dit?")
    assert buttons(offer) == [("Bevestigen", "confirm"), ("Annuleren", "drop")]
    assert "naar uw werkgever gestuurd" in press(fake, start["message_id"], "confirm")["text"]

    [request] = requests(engine)
    assert (request.leave_type, request.start_date, request.end_date, request.minutes, request.status) == (
        "vacation", dt.date(2026, 3, 23), dt.date(2026, 3, 26), 32 * 60, "pending")
    assert request.text == "/verlof: vakantieverlof van 23-03-2026 t/m 26-03-2026"
    assert len(fake.sent(CHAT)) == 2  # every step edited the one /verlof message
    assert fake.unknown_calls == []


def test_an_english_request_with_a_typed_date(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, who = bot
    link(fake, engine, who, "en")
    fake.send_text(CHAT, "/leave", language_code="en")
    start = fake.wait_for_sent(CHAT, 2)[-1]
    assert start["text"] == "What kind of leave would you like to request?"
    assert buttons(start)[-1] == ("Stop", "w:stop")
    press(fake, start["message_id"], "w:type:unpaid", "en")

    fake.send_text(CHAT, "12 August", language_code="en")  # Wednesday 12 August, typed instead of pressed
    last = fake.wait_for_sent(CHAT, 3)[-1]
    assert last["text"].startswith("Unpaid leave from Wed 12-08-2026. What is your last day off?")
    assert buttons(last)[:2] == [("Just that day", "w:end:2026-08-12"), ("Thu 13-08", "w:end:2026-08-13")]

    fake.send_text(CHAT, "no idea", language_code="en")
    hint = fake.wait_for_sent(CHAT, 4)[-1]
    assert hint["text"].startswith("I could not read that as a date.\nUnpaid leave from Wed 12-08-2026.")
    assert buttons(hint) == buttons(last)  # the step stays
    fake.send_text(CHAT, "10-8", language_code="en")  # before the first day
    assert fake.wait_for_sent(CHAT, 5)[-1]["text"].startswith("Please pick a day from Wed 12-08-2026.")

    fake.send_text(CHAT, "18-8", language_code="en")
    offer = fake.wait_for_sent(CHAT, 6)[-1]
    # Wed 12 - Tue 18 August: Wed, Thu, Mon, Tue are work days: 32 h.
    assert offer["text"].startswith("Unpaid leave from 12-08-2026 to 18-08-2026: 4 working day(s), 32 hours.")
    assert buttons(offer) == [("Confirm", "confirm"), ("Cancel", "drop")]
    fake.press(CHAT, offer["message_id"], "confirm", language_code="en")
    fake.wait_for_call("editMessageText", count=2)
    assert "has been sent to your employer" in fake.message(CHAT, offer["message_id"])["text"]  # type: ignore[index]
    [request] = requests(engine)
    assert (request.leave_type, request.start_date, request.end_date) == (
        "unpaid", dt.date(2026, 8, 12), dt.date(2026, 8, 18))


def test_a_morning_off_costs_half_a_day(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, who = bot
    link(fake, engine, who)
    fake.send_text(CHAT, "/verlof")
    message_id = fake.wait_for_sent(CHAT, 2)[-1]["message_id"]
    press(fake, message_id, "w:type:care")
    press(fake, message_id, "w:start:2026-03-24")
    part = press(fake, message_id, "w:end:2026-03-24")
    assert part["text"] == "Zorgverlof op di 24-03-2026. De hele dag of een halve dag?"
    assert buttons(part) == [("Hele dag", "w:part:day"), ("Ochtend", "w:part:morning"),
                             ("Middag", "w:part:afternoon"), ("Stoppen", "w:stop")]
    offer = press(fake, message_id, "w:part:morning")
    assert offer["text"].startswith("Zorgverlof van 24-03-2026 t/m 24-03-2026: 0,5 werkdag(en), 4 uur.")
    press(fake, message_id, "confirm")
    [request] = requests(engine)
    assert (request.leave_type, request.start_date, request.minutes) == ("care", dt.date(2026, 3, 24), 4 * 60)
    assert request.text == "/verlof: zorgverlof op 24-03-2026, ochtend"


def test_stale_buttons_and_stop_answer_that_the_question_is_closed(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, who = bot
    link(fake, engine, who)
    fake.send_text(CHAT, "/verlof")
    first = fake.wait_for_sent(CHAT, 2)[-1]["message_id"]
    press(fake, first, "w:type:vacation")
    fake.send_text(CHAT, "23 maart")  # typed: the last-day question comes in a new message
    second = fake.wait_for_sent(CHAT, 3)[-1]["message_id"]
    # The first message still shows first-day buttons; the wizard is a step further, so they are stale.
    assert press(fake, first, "w:start:2026-03-24")["text"] == "Deze vraag is niet meer open; stuur uw verzoek opnieuw."
    with Session(engine) as session:
        assert session.get(TelegramChat, CHAT).state["wizard"]["step"] == "end"  # type: ignore[union-attr]
    assert press(fake, second, "w:stop")["text"] == "Gestopt; er is niets aangevraagd."
    assert requests(engine) == []

    fake.send_text(CHAT, "/verlof")
    abandoned = fake.wait_for_sent(CHAT, 4)[-1]["message_id"]
    fake.send_text(CHAT, "/verlof")
    done = fake.wait_for_sent(CHAT, 5)[-1]["message_id"]
    for data in ("w:type:vacation", "w:start:2026-03-23", "w:end:2026-03-23", "w:part:day", "confirm"):
        press(fake, done, data)
    assert len(requests(engine)) == 1
    # After the flow ended, the buttons of the abandoned /verlof lead nowhere.
    assert press(fake, abandoned, "w:type:care")["text"].startswith("Deze vraag is niet meer open")
    assert len(requests(engine)) == 1


def test_a_restart_mid_flow_continues(engine: Engine, data_dir: Path):
    who = priya(engine)
    with FakeBotApi() as fake:
        first = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY)
        with run_polling_in_thread(first):
            link(fake, engine, who)
            fake.send_text(CHAT, "/verlof")
            message_id = fake.wait_for_sent(CHAT, 2)[-1]["message_id"]
            press(fake, message_id, "w:type:special")
        second = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY)
        with run_polling_in_thread(second):
            press(fake, message_id, "w:start:2026-03-25")
        third = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY)
        with run_polling_in_thread(third):
            fake.send_text(CHAT, "30 maart")
            offer = fake.wait_for_sent(CHAT, 3)[-1]
            # Wed 25 - Mon 30 March: Wed, Thu, Mon.
            assert offer["text"].startswith("Bijzonder verlof van 25-03-2026 t/m 30-03-2026: 3 werkdag(en), 24 uur.")
            press(fake, offer["message_id"], "confirm")
    [request] = requests(engine)
    assert (request.leave_type, request.start_date, request.end_date, request.minutes) == (
        "special", dt.date(2026, 3, 25), dt.date(2026, 3, 30), 24 * 60)


def test_days_off_are_never_offered_as_buttons(bot, engine: Engine):  # type: ignore[no-untyped-def]
    fake, who = bot
    link(fake, engine, who)
    fake.send_text(CHAT, "/verlof")
    message_id = fake.wait_for_sent(CHAT, 2)[-1]["message_id"]
    press(fake, message_id, "w:type:vacation")
    fake.send_text(CHAT, "2 april")  # Thursday before Easter
    last = fake.wait_for_sent(CHAT, 3)[-1]
    offered = [dt.date.fromisoformat(data.rsplit(":", 1)[1]) for _, data in buttons(last) if data != "w:stop"]
    # Not Good Friday (3 April, no work day for Priya), the Easter weekend, or Easter Monday (6 April).
    assert offered == [dt.date(2026, 4, d) for d in (2, 7, 8, 9, 13, 14, 15)]
    assert all(day.weekday() < 4 for day in offered)
