"""Who sees what in Telegram, through the fake Bot API over real HTTP.

- A chat that is not linked learns nothing, whatever it sends (commands, request numbers, a
  colleague's e-mail address or name, leave sentences) and whatever button data it makes up
  (`confirm`, `la:<id>`, `lr:<id>`, wizard steps): it only ever gets the linking texts, and not one
  digit, so no name, number, date, balance or request id.
- A linked employee sees and withdraws only their own requests, and the employer's buttons do
  nothing for them, also for a colleague at the same employer.
- An employer contact's chat lists and decides only its own employer's requests ("not yours"
  otherwise); once the contact's dashboard account is switched off, the chat is a stranger again.
- Button data and /annuleer numbers that are not ours at all (odd digits, huge numbers, junk)
  decide and withdraw nothing, and still get an answer.
- A link code works once, for thirty minutes, and only the newest one of its owner.

Covered already, not repeated here: the approve and reject links in the employer's mail cannot be
replayed, altered, signed with another key or used after expiry, and a foreign employer gets
404 (tests/dashboard/test_leave_links.py: `test_get_shows_and_post_approves_once`,
`test_altered_links_are_refused`, `test_a_link_signed_with_another_key_is_refused`,
`test_an_expired_link_explains_itself`; tests/telegram/test_leave_approval_flow.py: a used link
stays used); wrong link codes lock the chat (tests/telegram/test_leave_bot.py); an unknown
address gets the same answer as a known one (tests/telegram/test_leave_approval_flow.py).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from intake.telegram_bot import build_application
from parsers.roster import Roster
from tests.parsers.conftest import ROSTER
from tests.telegram.fake_bot_api import FakeBotApi, run_polling_in_thread
from workflows import chat_linking, employer_chat, leave_chat
from workflows.leave_ledger import accrue_year, request_leave
from workflows.models import Employee, LeaveRequestRow, LeaveStatus, TelegramChat, User, utcnow
from workflows.roster_store import import_roster
from workflows.telegram_links import CODE_MINUTES, issue_code, issue_user_code
from workflows.users import create_user, set_active

TODAY = dt.date(2026, 3, 18)  # a Wednesday
STRANGER, PRIYA, GERRIT, GARAGE, ATELIER, OTHER = 8001, 8002, 8003, 8004, 8005, 8006
PATIENCE = 10.0  # seconds to wait for the bot's answer; never a speed claim

# Everything a chat that is not linked may ever be told.
LINKING_TEXTS = {text for language in ("nl", "en") for key, text in chat_linking.TEXT[language].items()
                 if "{" not in text} | {leave_chat.TEXT[language]["expired"] for language in ("nl", "en")}
# What must never reach a chat that has no business with Priya's request.
PRIYA_MARKERS = ("Priya", "Ramdin", "23-03-2026", "26-03-2026")


@dataclass
class Bot:
    engine: Engine
    fake: FakeBotApi
    priya_request: int
    hannah_request: int

    def texts(self, chat: int) -> list[str]:
        """Everything the bot showed this chat: messages sent and messages edited."""
        return [m["text"] for m in self.fake.sent(chat)] + [e["text"] for e in self.fake.edits(chat) if e["text"]]

    def _shown(self, chat: int) -> int:
        return len(self.fake.sent(chat)) + len(self.fake.edits(chat))

    def _until(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not ready():
            assert time.monotonic() < deadline, f"no answer to {what}"
            time.sleep(0.02)

    def say(self, chat: int, text: str, language: str = "nl") -> str:
        """Send `text` from the chat; returns the bot's answer."""
        before = self._shown(chat)
        self.fake.send_text(chat, text, language_code=language)
        self._until(lambda: self._shown(chat) > before, repr(text))
        return self.fake.sent(chat)[-1]["text"]

    def press(self, chat: int, data: str) -> str:
        """Press a button carrying `data` under a fresh message of the bot; returns what the bot showed."""
        self.say(chat, "/help")
        message_id = self.fake.sent(chat)[-1]["message_id"]
        before = self._shown(chat)
        update = self.fake.press(chat, message_id, data)
        query_id = update["callback_query"]["id"]
        self._until(lambda: self._shown(chat) > before and any(a["callback_query_id"] == query_id
                                                               for a in self.fake.answers), repr(data))
        edits = self.fake.edits(chat)
        if edits and edits[-1]["message_id"] == message_id:
            return edits[-1]["text"]
        return self.fake.sent(chat)[-1]["text"]

    def status(self, request_id: int) -> str:
        with Session(self.engine) as session:
            row = session.get(LeaveRequestRow, request_id)
            assert row is not None
            return row.status


def one(engine: Engine, model: type, **where: object):  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.exec(query).one()


@pytest.fixture
def bot(engine: Engine, data_dir: Path) -> Iterator[Bot]:
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    for email, employer in (("ria@garagehoek.example", "garage-hoek"),
                            ("office@noorderlicht.example", "atelier-noorderlicht")):
        create_user(engine, email, role="employer", password="correct horse battery", employer_id=employer,
                    actor="test")
    priya, hannah = one(engine, Employee, number="72"), one(engine, Employee, number="9001")
    for employee in (priya, hannah, one(engine, Employee, number="71")):
        accrue_year(engine, employee.id, 2026, actor="test")
    priya_request = request_leave(engine, priya.id, "vacation", dt.date(2026, 3, 23), dt.date(2026, 3, 26), 32.0,
                                  "telegram", "Ik wil graag vrij van 23 t/m 26 maart")
    hannah_request = request_leave(engine, hannah.id, "vacation", dt.date(2026, 4, 14), dt.date(2026, 4, 15), 16.0,
                                   "telegram")
    assert priya_request.id is not None and hannah_request.id is not None
    with FakeBotApi() as fake:
        application = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY)
        with run_polling_in_thread(application):
            yield Bot(engine, fake, priya_request.id, hannah_request.id)


def link_employee(bot: Bot, chat: int, number: str) -> None:
    employee = one(bot.engine, Employee, number=number)
    assert "Gekoppeld" in bot.say(chat, issue_code(bot.engine, employee.id, actor="test"))


def link_contact(bot: Bot, chat: int, email: str) -> User:
    user = one(bot.engine, User, email=email)
    assert "Gekoppeld" in bot.say(chat, issue_user_code(bot.engine, user.id, actor="test"))
    return user


# --- a chat that is not linked ----------------------------------------------------------------------------------

def test_a_chat_that_is_not_linked_learns_nothing_whatever_it_sends(bot: Bot):
    link_employee(bot, PRIYA, "72")  # Priya's own chat exists and is linked: a stranger still sees nothing of it
    request = bot.priya_request
    for text in ["/start", "/help", "/saldo", "/aanvragen", f"/annuleer {request}", f"/cancel {request}", "/verlof",
                 "/leave", str(request), f"#{request}", "72", "Priya Ramdin", "priya@example.org",
                 "Ik wil vrij van 23 t/m 27 maart", "Wat is het saldo van Priya?", "123456", "<b>saldo</b>",
                 "Can I take Friday off?"]:
        bot.say(STRANGER, text, language="en" if "Friday" in text else "nl")
    for data in ["confirm", "drop", f"la:{request}", f"lr:{request}", f"la:{bot.hannah_request}", "w:type:vacation",
                 "w:stop", "w:day:2026-03-23", ""]:
        bot.press(STRANGER, data)

    shown = bot.texts(STRANGER)
    assert len(shown) >= 18 + 2 * 9
    assert set(shown) <= LINKING_TEXTS, sorted(set(shown) - LINKING_TEXTS)
    assert not any(character.isdigit() for text in shown for character in text)  # no id, date, balance or number
    assert bot.status(request) == bot.status(bot.hannah_request) == LeaveStatus.PENDING
    with Session(bot.engine) as session:
        stranger = session.get(TelegramChat, STRANGER)
        assert stranger is not None and (stranger.employee_id, stranger.user_id) == (None, None)
        assert stranger.state.get("pending") is None and stranger.state.get("wizard") is None


# --- a linked employee ------------------------------------------------------------------------------------------

def test_an_employee_sees_and_withdraws_only_their_own_requests(bot: Bot):
    link_employee(bot, PRIYA, "72")
    link_employee(bot, GERRIT, "71")  # a colleague at the same employer
    request = bot.priya_request

    # Priya herself sees her request: what the colleague is refused below is really there.
    assert "23-03-2026 t/m 26-03-2026, 32 uur — wacht op besluit" in bot.say(PRIYA, "/aanvragen")

    assert bot.say(GERRIT, "/aanvragen") == leave_chat.TEXT["nl"]["no_requests"]
    assert bot.say(GERRIT, f"/annuleer {request}") == leave_chat.TEXT["nl"]["cancel_how"]  # as for a number
    assert bot.say(GERRIT, "/annuleer 999999") == leave_chat.TEXT["nl"]["cancel_how"]  # that does not exist
    for data in (f"la:{request}", f"lr:{request}"):
        assert bot.press(GERRIT, data) == leave_chat.TEXT["nl"]["expired"]
    bot.say(GERRIT, "De garage is die week onderbezet")  # what a rejection's reason would be: just a sentence
    for junk in ("²", "٣", "99999999999999999999", "-1", f"{request}abc", f"{request} {request}"):
        assert bot.say(GERRIT, f"/annuleer {junk}")  # an answer, never someone else's request withdrawn
    assert "Uw verlof:" in bot.say(GERRIT, "/saldo")

    assert bot.status(request) == LeaveStatus.PENDING
    assert not [text for text in bot.texts(GERRIT) if any(marker in text for marker in PRIYA_MARKERS)]


# --- an employer contact ----------------------------------------------------------------------------------------

def test_an_employer_contact_lists_and_decides_only_its_own_employers_requests(bot: Bot):
    link_contact(bot, ATELIER, "office@noorderlicht.example")
    request, theirs = bot.priya_request, bot.hannah_request

    waiting = bot.say(ATELIER, "/aanvragen")
    assert "Hannah Moore" in waiting and "Priya" not in waiting  # their own is listed, the other's is not
    for data in (f"la:{request}", f"lr:{request}"):
        assert bot.press(ATELIER, data) == f"Aanvraag {request} is niet van u om te beslissen."
    assert bot.say(ATELIER, "Drukke week") == employer_chat.TEXT["nl"]["help"]  # no rejection waits for a reason
    assert bot.status(request) == LeaveStatus.PENDING

    assert bot.press(ATELIER, f"la:{theirs}").startswith("Goedgekeurd: ")  # and their own they can decide
    assert bot.status(theirs) == LeaveStatus.APPROVED
    assert not [text for text in bot.texts(ATELIER) if any(marker in text for marker in PRIYA_MARKERS)]


def test_a_contact_switched_off_in_the_dashboard_is_a_stranger_again(bot: Bot):
    ria = link_contact(bot, GARAGE, "ria@garagehoek.example")
    assert "Priya Ramdin" in bot.say(GARAGE, "/aanvragen")  # while active: her own employer's request
    set_active(bot.engine, ria.id, False, actor="beheer@bureau.example")

    assert bot.say(GARAGE, "/aanvragen") in LINKING_TEXTS
    assert bot.press(GARAGE, f"la:{bot.priya_request}") in LINKING_TEXTS
    assert bot.status(bot.priya_request) == LeaveStatus.PENDING


@pytest.mark.parametrize("data", [
    "la:²", "la:٣٣", "la:99999999999999999999", "la:-1", "la:", "la:1:2", "la: 1", "lr:abc", "lr:" + "9" * 60,
    "la", "w:" + "x" * 60, "w:type:", "w:day:2026-02-30", "\u0000", "confirm" * 9,
])
def test_button_data_that_is_not_ours_decides_nothing(bot: Bot, data: str):
    link_contact(bot, GARAGE, "ria@garagehoek.example")  # a contact who may decide Priya's request
    link_employee(bot, PRIYA, "72")
    for chat in (GARAGE, PRIYA, STRANGER):
        # An answer, never silence: at worst "try again", the error logged by intake.telegram_bot.
        assert bot.press(chat, data)
    assert bot.status(bot.priya_request) == bot.status(bot.hannah_request) == LeaveStatus.PENDING


# --- link codes -------------------------------------------------------------------------------------------------

def test_a_link_code_works_once_for_thirty_minutes_and_only_the_newest(bot: Bot):
    priya = one(bot.engine, Employee, number="72")
    code = issue_code(bot.engine, priya.id, actor="test")
    assert "Gekoppeld, Priya" in bot.say(PRIYA, code)
    assert bot.say(OTHER, code) == chat_linking.TEXT["nl"]["bad_code"]  # used: replaying it links nothing

    stale = issue_code(bot.engine, priya.id, actor="test",
                       now=utcnow() - dt.timedelta(minutes=CODE_MINUTES, seconds=1))
    assert bot.say(OTHER, stale) == chat_linking.TEXT["nl"]["bad_code"]  # expired

    older = issue_code(bot.engine, priya.id, actor="test")
    newer = issue_code(bot.engine, priya.id, actor="test")
    assert bot.say(OTHER, older) == chat_linking.TEXT["nl"]["bad_code"]  # superseded by the newer one
    assert "Gekoppeld, Priya" in bot.say(OTHER, newer)
    assert set(bot.texts(OTHER)[:-1]) <= LINKING_TEXTS
