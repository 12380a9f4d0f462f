"""An unlinked chat: the only thing it can do is link, with a code from the employer or by mail.

A six-digit code links the chat (`workflows.telegram_links.redeem`): to an employee, or
to an employer contact's dashboard user. An e-mail address asks for a code by mail: when
exactly one employee has that address on the roster, a code is mailed there (never to an
address that is not on the roster). The answer is the same whether or not the address is
known, so the chat reveals nothing about who works where; a chat may ask a few times an
hour at most.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session

from workflows.chat_base import ChatHooks
from workflows.models import Employee, TelegramChat, User, utcnow
from workflows.telegram_links import LinkError, add_code, employee_by_address, redeem

CODE = re.compile(r"^\s*(\d{6})\s*$")
ADDRESS = re.compile(r"^\s*<?([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)>?\s*$")
MAIL_REQUESTS_PER_HOUR = 3

TEXT = {
    "nl": {
        "link": "Welkom bij Loonbode. Stuur de koppelcode van zes cijfers die u van uw werkgever kreeg, of uw "
                "e-mailadres zoals uw werkgever het kent: dan mailen wij u een code.",
        "linked": "Gekoppeld, {name}. Vraag verlof aan met /verlof of in een zin, bijvoorbeeld: "
                  "'Ik wil vrij van 3 t/m 7 augustus'.",
        "linked_user": "Gekoppeld, {name}. U krijgt hier de verlofaanvragen van uw medewerkers, met knoppen om te "
                       "beslissen. /aanvragen toont wat nog op u wacht.",
        "mailed": "Als dit adres bij uw werkgever bekend is, staat er binnen enkele minuten een code in die mailbox. "
                  "Stuur die code hier.",
        "too_often": "U vroeg al een paar keer om een code; kijk in uw mail (ook bij spam) of probeer het over een "
                     "uur opnieuw.",
        "bad_code": "Die code klopt niet of is verlopen. Vraag uw werkgever om een nieuwe, of stuur uw e-mailadres.",
        "locked": "Te veel verkeerde codes; probeer het over een kwartier opnieuw.",
    },
    "en": {
        "link": "Welcome to Loonbode. Send the six-digit link code your employer gave you, or your e-mail address "
                "as your employer knows it: we will e-mail you a code.",
        "linked": "Linked, {name}. Ask for leave with /leave or in a sentence, for example: 'Can I take Friday off?'.",
        "linked_user": "Linked, {name}. Your employees' leave requests will arrive here, with buttons to decide. "
                       "/aanvragen shows what is waiting for you.",
        "mailed": "If your employer knows this address, a code will be in that mailbox within a few minutes. Send "
                  "that code here.",
        "too_often": "You have asked for a code a few times already; check your e-mail (and spam) or try again in "
                     "an hour.",
        "bad_code": "That code is wrong or has expired. Ask your employer for a new one, or send your e-mail address.",
        "locked": "Too many wrong codes; please try again in a quarter of an hour.",
    },
}


@dataclass(frozen=True)
class LinkAnswer:
    text: str
    linked: Employee | User | None = None


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def welcome(language: str) -> str:
    return TEXT[language]["link"]


def linked_text(linked: Employee | User, language: str) -> str:
    if isinstance(linked, User):
        return TEXT[language]["linked_user"].format(name=linked.email)
    return TEXT[language]["linked"].format(name=linked.first_name)


def link_message(engine: Engine, hooks: ChatHooks, chat_id: int, words: str, language: str, *,
                 now: dt.datetime | None = None) -> LinkAnswer:
    """Answer what an unlinked chat sent: a code links it, an address asks for a code by mail."""
    code = CODE.match(words)
    if code is not None:
        try:
            linked = redeem(engine, chat_id, code.group(1), now=now)
        except LinkError as exc:
            return LinkAnswer(TEXT[language]["locked" if exc.locked else "bad_code"])
        return LinkAnswer(linked_text(linked, language), linked)
    address = ADDRESS.match(words)
    if address is None:
        return LinkAnswer(TEXT[language]["link"])
    return LinkAnswer(_mail_code(engine, hooks, chat_id, address.group(1), language, now or utcnow()))


def _mail_code(engine: Engine, hooks: ChatHooks, chat_id: int, address: str, language: str, now: dt.datetime) -> str:
    with Session(engine) as session:
        state = session.get(TelegramChat, chat_id) or TelegramChat(chat_id=chat_id)
        recent = [moment for moment in state.state.get("code_mails", [])
                  if _aware(dt.datetime.fromisoformat(moment)) > now - dt.timedelta(hours=1)]
        if len(recent) >= MAIL_REQUESTS_PER_HOUR:
            return TEXT[language]["too_often"]
        state.state = {**state.state, "code_mails": [*recent, now.isoformat()]}
        state.language = language
        session.add(state)
        employee = employee_by_address(session, address)
        if employee is not None and employee.id is not None:
            code = add_code(session, employee_id=employee.id, actor=f"telegram:{chat_id}", now=now)
            hooks.on_link_code(session, employee, code, language)
        session.commit()
    return TEXT[language]["mailed"]
