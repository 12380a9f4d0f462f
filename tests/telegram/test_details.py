"""/gegevens over real HTTP: the employee sees their own data (IBAN and BSN masked), asks for a change,
the employer confirms it (the buttons in its own chat, or the dashboard page the mail links to) and the
bureau gets a `personal_data_change` draft; the employee hears the outcome, in Dutch or English.

The bot talks to the fake Bot API, mail goes through the outbox to a real SMTP relay on loopback,
and the dashboard is the real app. Every text the bot sends or edits, to any chat, is checked for
the whole IBAN and BSN: they never leave masked.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from tests.dashboard.conftest import log_in, page_csrf
from tests.notifier import CaptureHandler, Received, free_port, running_relay
from tests.parsers.conftest import ROSTER
from tests.telegram.fake_bot_api import FakeBotApi, run_polling_in_thread
from workflows import chat_linking, details_chat, leave_chat
from workflows.models import DataChangeRequest, DraftRow, DraftStatus, Employee, User
from workflows.periods import AMSTERDAM
from workflows.personal_details import request_change
from workflows.review import approve
from workflows.review_queue import QueueFilter, queue_page
from workflows.roster_store import import_roster
from workflows.telegram_links import issue_code, issue_user_code
from workflows.users import create_user

TODAY = dt.date(2026, 3, 18)
PRIYA, RIA, ATELIER, STRANGER = 7401, 7402, 7403, 7404
RIA_MAIL, ATELIER_MAIL = "ria@garagehoek.example", "office@noorderlicht.example"
PASSWORD = "correct horse battery"
OLD_IBAN, BSN, NEW_IBAN = "NL91ABNA0417164300", "111222333", "NL20INGB0001234567"
WHOLE = (OLD_IBAN, BSN, NEW_IBAN, "NL91 ABNA 0417 1643 00", "NL20 INGB 0001 2345 67")
PATIENCE = 10.0  # seconds to wait for the bot; never a speed claim


@dataclass
class World:
    engine: Engine
    settings: Settings
    fake: FakeBotApi
    relay: CaptureHandler
    web: TestClient

    def _shown(self, chat: int) -> int:
        return len(self.fake.sent(chat)) + len(self.fake.edits(chat))

    def _until(self, ready: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + PATIENCE
        while not ready():
            assert time.monotonic() < deadline, f"no answer to {what}"
            time.sleep(0.02)

    def say(self, chat: int, text: str, language: str = "nl") -> dict[str, Any]:
        """Send `text` from the chat; returns the bot's answer (text, reply_markup, message_id)."""
        before = len(self.fake.sent(chat))
        self.fake.send_text(chat, text, language_code=language)
        self._until(lambda: len(self.fake.sent(chat)) > before, repr(text))
        return self.fake.sent(chat)[-1]

    def press(self, chat: int, message: dict[str, Any], data: str, language: str = "nl", *, check: bool = True) -> str:
        """Press the button carrying `data` under `message` (made up when not `check`); returns what the bot showed
        (an edit or a new message)."""
        assert not check or data in buttons(message), (data, buttons(message))
        before = self._shown(chat)
        query_id = self.fake.press(chat, message["message_id"], data, language_code=language)["callback_query"]["id"]
        self._until(lambda: self._shown(chat) > before and any(a["callback_query_id"] == query_id
                                                               for a in self.fake.answers), repr(data))
        edits = self.fake.edits(chat)
        if edits and edits[-1]["message_id"] == message["message_id"]:
            return edits[-1]["text"]
        return self.fake.sent(chat)[-1]["text"]

    def last(self, chat: int) -> dict[str, Any]:
        return self.fake.sent(chat)[-1]

    def deliver(self, chat: int) -> dict[str, Any]:
        """Send the outbox's Telegram messages; returns the newest one this chat got."""
        before = len(self.fake.sent(chat))
        send_due_telegram(self.engine, self.settings)
        self._until(lambda: len(self.fake.sent(chat)) > before, f"a message for chat {chat}")
        return self.fake.sent(chat)[-1]

    def mails_to(self, address: str) -> list[Received]:
        send_due(self.engine, self.settings)
        return [r for r in self.relay.received if address in r.rcpt_tos]

    def everything_the_bot_said(self) -> list[str]:
        return [c["text"] for c in self.fake.calls_to("sendMessage") + self.fake.calls_to("editMessageText")
                if c.get("text")]

    def requests(self) -> list[DataChangeRequest]:
        with Session(self.engine) as session:
            return list(session.exec(select(DataChangeRequest).order_by(DataChangeRequest.id)))  # type: ignore[arg-type]

    def drafts(self) -> list[DraftRow]:
        with Session(self.engine) as session:
            return list(session.exec(select(DraftRow).where(DraftRow.type == "personal_data_change")))


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def one(engine: Engine, model: type, **where: object) -> Any:
    with Session(engine) as session:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.exec(query).one()


@pytest.fixture
def world(engine: Engine, data_dir: Path) -> Iterator[World]:
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    for email, employer in ((RIA_MAIL, "garage-hoek"), (ATELIER_MAIL, "atelier-noorderlicht")):
        create_user(engine, email, role="employer", password=PASSWORD, employer_id=employer, actor="test")
    with Session(engine) as session:  # what the bureau approved when Priya was hired: her address, IBAN and BSN
        session.add(DraftRow(inbound_id=None, employer_id="garage-hoek", type="hire", employee_id="72",
                             employee_name="Priya Ramdin", status=DraftStatus.EXPORTED, period="2025-06",
                             fields={"start_date": "2025-06-01", "bsn": BSN, "iban": OLD_IBAN, "street": "Kerkstraat",
                                     "house_number": "1", "postal_code": "1234 AB", "city": "Utrecht"}))
        session.commit()
    port = free_port()
    with FakeBotApi() as fake, running_relay(port) as relay:
        settings = Settings(_env_file=None, data_dir=data_dir, relay_url=f"smtp://127.0.0.1:{port}",  # type: ignore[call-arg]
                            from_address="mutaties@bureau.example", telegram_token=fake.token,
                            telegram_api_url=fake.base_url, public_url="http://testserver")
        application = build_application(fake.token, engine, api_url=fake.base_url, today=lambda: TODAY,
                                        hooks=chat_hooks(settings))
        web = TestClient(create_app(settings, engine), base_url="http://testserver", follow_redirects=False)
        with run_polling_in_thread(application):
            built = World(engine, settings, fake, relay, web)
            yield built
            said = built.everything_the_bot_said()
            assert not [t for t in said if any(whole in t for whole in WHOLE)], "a whole IBAN or BSN left the bot"


def link_priya(world: World, language: str) -> None:
    priya = one(world.engine, Employee, number="72")
    answer = world.say(PRIYA, issue_code(world.engine, priya.id, actor="test"), language)["text"]
    assert ("Gekoppeld, Priya" if language == "nl" else "Linked, Priya") in answer


def link_contact(world: World, chat: int, email: str) -> None:
    user = one(world.engine, User, email=email)
    assert "Gekoppeld" in world.say(chat, issue_user_code(world.engine, user.id, actor="test"))["text"]


def ask(world: World, kind: str, value: str, language: str) -> dict[str, Any]:
    """/gegevens, the kind's button, the value typed: returns the bot's echo with Bevestigen/Annuleren."""
    shown = world.say(PRIYA, "/gegevens" if language == "nl" else "/details", language)
    assert buttons(shown) == ["g:address", "g:iban", "g:other"]
    question = world.press(PRIYA, shown, f"g:{kind}", language)
    assert question == details_chat.TEXT[language][f"ask_{kind}"]
    echo = world.say(PRIYA, value, language)
    assert buttons(echo) == ["g:yes", "g:no"], echo["text"]
    return echo


def send(world: World, echo: dict[str, Any], language: str) -> DataChangeRequest:
    answer = world.press(PRIYA, echo, "g:yes", language)
    [request] = [r for r in world.requests() if r.status == "pending"]
    assert answer == details_chat.TEXT[language]["sent"].format(id=request.id)
    return request


# --- what the employee sees -------------------------------------------------------------------------------------

def test_gegevens_shows_the_stored_data_with_iban_and_bsn_masked(world: World):
    link_priya(world, "nl")
    shown = world.say(PRIYA, "/gegevens")
    text = shown["text"]
    for line in ("Uw gegevens bij Garage Hoek B.V.:", "Naam: Priya Ramdin", "Personeelsnummer: 72",
                 "Geboortejaar: 1991", "E-mail: priya@example.org", "Contract: 32 uur per week",
                 "Werkdagen: ma, di, wo, do",
                 "Adres: Kerkstraat 1, 1234 AB Utrecht", "IBAN: *****4300", "BSN: *****2333"):
        assert line in text, (line, text)
    assert "17-05-1991" not in text and "1991-05-17" not in text  # the year only
    assert "Uw werkgever bevestigt de wijziging" in text
    assert [b["text"] for row in shown["reply_markup"]["inline_keyboard"] for b in row] == \
        ["Adres wijzigen", "IBAN wijzigen", "Andere wijziging"]
    # The whole IBAN and BSN are checked for in every message when the fixture ends.


def test_an_unlinked_chat_gets_only_the_linking_text(world: World):
    link_priya(world, "nl")  # Priya's chat exists: a stranger still sees nothing of it
    assert world.say(STRANGER, "/gegevens")["text"] == chat_linking.TEXT["nl"]["link"]
    assert world.say(STRANGER, "/details", "en")["text"] == chat_linking.TEXT["en"]["link"]
    for data in ("g:iban", "g:yes", "g:other", "dc:1"):
        message = world.say(STRANGER, "/help")  # a fresh message under each press
        assert world.press(STRANGER, message, data, check=False) == leave_chat.TEXT["nl"]["expired"]
    assert world.requests() == []


# --- a change, from the employee to the bureau ------------------------------------------------------------------

def test_an_address_change_in_dutch_confirmed_in_the_employers_chat(world: World):
    link_contact(world, RIA, RIA_MAIL)
    link_priya(world, "nl")
    echo = ask(world, "address", "Nieuw adres: Dorpsstraat 12, 1234 AB Utrecht", "nl")
    assert echo["text"] == details_chat.TEXT["nl"]["confirm"].format(lines="  Adres: Dorpsstraat 12, 1234 AB Utrecht")
    request = send(world, echo, "nl")
    assert request.fields == {"street": "Dorpsstraat", "house_number": "12", "postal_code": "1234 AB",
                              "city": "Utrecht"}
    assert request.chat_id == PRIYA and request.text == "Nieuw adres: Dorpsstraat 12, 1234 AB Utrecht"

    [mail] = world.mails_to(RIA_MAIL)
    assert mail.message["Subject"] == "Wijziging persoonsgegevens van Priya Ramdin: graag uw bevestiging"
    assert "Adres: Dorpsstraat 12, 1234 AB Utrecht" in mail.body and "http://testserver/data-changes" in mail.body

    notice = world.deliver(RIA)
    assert "Priya Ramdin (72) vraagt om een wijziging van de eigen gegevens" in notice["text"]
    assert buttons(notice) == [f"dc:{request.id}", f"dr:{request.id}"]
    assert world.press(RIA, notice, f"dc:{request.id}").startswith(f"Bevestigd: verzoek {request.id} van Priya Ramdin")

    [draft] = world.drafts()
    assert (draft.inbound_id, draft.employer_id, draft.employee_id, draft.employee_name, draft.status) == \
        (None, "garage-hoek", "72", "Priya Ramdin", DraftStatus.NEW)
    assert draft.fields == request.fields and draft.period == dt.datetime.now(AMSTERDAM).strftime("%Y-%m")
    assert draft.source == {"part": "telegram", "location": f"wijzigingsverzoek {request.id}",
                            "text": "Nieuw adres: Dorpsstraat 12, 1234 AB Utrecht"}
    with Session(world.engine) as session:
        assert [d.id for d in queue_page(session, QueueFilter(type="personal_data_change"), None).drafts] == [draft.id]
        decided = session.get(DataChangeRequest, request.id)
        assert decided is not None and (decided.status, decided.decided_by, decided.draft_id) == \
            ("confirmed", RIA_MAIL, draft.id)

    heard = world.deliver(PRIYA)["text"]
    assert heard.startswith(f"Uw werkgever heeft uw wijziging bevestigd (verzoek {request.id})")
    assert "Dorpsstraat 12" in heard

    # Once the bureau approves the draft, it is what /gegevens shows.
    assert draft.id is not None
    approve(world.engine, draft.id, scope=None, actor="anna@bureau.example")
    assert "Adres: Dorpsstraat 12, 1234 AB Utrecht" in world.say(PRIYA, "/gegevens")["text"]


def test_an_iban_change_in_english_confirmed_on_the_dashboard(world: World):
    link_priya(world, "en")
    assert "Your details at Garage Hoek B.V.:" in world.say(PRIYA, "/details", "en")["text"]
    echo = ask(world, "iban", "My new IBAN is NL20 INGB 0001 2345 67", "en")
    assert echo["text"] == details_chat.TEXT["en"]["confirm"].format(lines="  IBAN: *****4567")
    request = send(world, echo, "en")
    assert request.fields == {"iban": NEW_IBAN}

    [mail] = world.mails_to(RIA_MAIL)
    assert "IBAN: *****4567" in mail.body and NEW_IBAN not in mail.body and "NL20 INGB" not in mail.body
    assert "http://testserver/data-changes" in mail.body

    log_in(world.web, RIA_MAIL, PASSWORD)
    page = world.web.get("/data-changes")
    assert page.status_code == 200 and "Priya Ramdin" in page.text and "IBAN: *****4567" in page.text
    assert NEW_IBAN not in page.text and "NL20 INGB" not in page.text
    done = world.web.post(f"/data-changes/{request.id}/confirm", data={"csrf_token": page_csrf(world.web,
                                                                                                "/data-changes")})
    assert done.status_code == 303 and done.headers["location"].startswith("/data-changes?notice=")

    [draft] = world.drafts()
    assert draft.fields == {"iban": NEW_IBAN} and draft.issues == [] and draft.status == DraftStatus.NEW
    heard = world.deliver(PRIYA)["text"]
    assert heard == f"Your employer has confirmed your change (request {request.id}):\n  IBAN: *****4567\n" \
                    "The payroll team will process it."


def test_a_rejection_reaches_the_employee_with_the_reason(world: World):
    link_contact(world, RIA, RIA_MAIL)
    link_priya(world, "nl")
    echo = ask(world, "other", "Mijn achternaam is nu Jansen", "nl")
    assert "Achternaam: Jansen" in echo["text"]
    request = send(world, echo, "nl")
    notice = world.deliver(RIA)
    assert "Waarom wijst u verzoek" in world.press(RIA, notice, f"dr:{request.id}")
    assert world.say(RIA, "Priya is niet getrouwd; graag eerst bij mij langs")["text"].startswith(
        f"Afgewezen: verzoek {request.id}")
    assert [r.status for r in world.requests()] == ["rejected"] and world.drafts() == []
    heard = world.deliver(PRIYA)["text"]
    assert f"niet bevestigd (verzoek {request.id})" in heard
    assert heard.endswith("Reden: Priya is niet getrouwd; graag eerst bij mij langs")
    # The button again: decided, nothing changes.
    assert world.press(RIA, notice, f"dc:{request.id}") == f"Over verzoek {request.id} is al beslist: afgewezen."
    assert world.drafts() == []


def test_an_invalid_iban_is_refused_with_a_clear_message(world: World):
    link_priya(world, "nl")
    shown = world.say(PRIYA, "/gegevens")
    world.press(PRIYA, shown, "g:iban")
    wrong = world.say(PRIYA, "NL91 ABNA 0417 1643 01")  # one digit off: the checksum fails
    assert wrong["text"] == details_chat.TEXT["nl"]["bad_iban"] and buttons(wrong) == ["g:no"]
    assert world.say(PRIYA, "mijn rekening is 1234567")["text"] == details_chat.TEXT["nl"]["no_iban"]
    assert world.requests() == []
    # Still waiting for it: the right one goes through, and Annuleren drops it.
    echo = world.say(PRIYA, "NL91 ABNA 0417 1643 00")
    assert "IBAN: *****4300" in echo["text"]
    assert world.press(PRIYA, echo, "g:no") == details_chat.TEXT["nl"]["dropped"]
    assert world.requests() == []
    assert "Dat begrijp ik niet als verlofaanvraag" in world.say(PRIYA, "NL91 ABNA 0417 1643 00")["text"]


def test_an_incomplete_address_says_what_is_missing(world: World):
    link_priya(world, "en")
    shown = world.say(PRIYA, "/details", "en")
    world.press(PRIYA, shown, "g:address", "en")
    answer = world.say(PRIYA, "Dorpsstraat 12 Utrecht", "en")["text"]
    assert answer.startswith("I could not read a complete address in that; missing: postcode, city.")
    assert world.requests() == []


def test_another_employers_contact_cannot_confirm(world: World):
    link_contact(world, ATELIER, ATELIER_MAIL)
    link_priya(world, "nl")
    priya = one(world.engine, Employee, number="72")
    request = request_change(world.engine, priya.id, PRIYA, {"phone": "0612345678"}, "Nieuw nummer 06 12345678")
    listed = world.say(ATELIER, "/gegevens")
    assert listed["text"] == details_chat.EMPLOYER_TEXT["nl"]["none"] and buttons(listed) == []
    for data in (f"dc:{request.id}", f"dr:{request.id}"):
        assert world.press(ATELIER, world.say(ATELIER, "/help"), data, check=False) == \
            f"Verzoek {request.id} is niet van u om te beslissen."
    assert world.say(ATELIER, "Drukke week")["text"].startswith("Hier komen de verlofaanvragen")  # no reason asked
    assert [r.status for r in world.requests()] == ["pending"] and world.drafts() == []
    shown = [m["text"] for m in world.fake.sent(ATELIER)] + [e["text"] for e in world.fake.edits(ATELIER)]
    assert not [t for t in shown if "Priya" in t or "Ramdin" in t]
    # Her own employer's contact can.
    link_contact(world, RIA, RIA_MAIL)
    listed = world.say(RIA, "/gegevens")
    assert "Priya Ramdin (72) — Telefoonnummer: 0612345678" in listed["text"]
    assert buttons(listed) == [f"dc:{request.id}", f"dr:{request.id}"]
    assert world.press(RIA, listed, f"dc:{request.id}").startswith("Bevestigd")
    assert [d.fields for d in world.drafts()] == [{"phone": "0612345678"}]
