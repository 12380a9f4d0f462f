"""Mailing an employee the code that links their Telegram chat, when they asked for it in the chat.

The code goes only to the address on the roster, never to an address typed in the chat,
so knowing someone's address does not give their chat. Dutch, or English when the chat is.
"""

from __future__ import annotations

import datetime as dt
from email.utils import make_msgid, parseaddr

from sqlmodel import Session

from loonbode.settings import Settings
from notifier.mailer import compose
from workflows.models import Employee, OutboundMessage, utcnow
from workflows.telegram_links import CODE_MINUTES

KIND = "link_code"
TEXT = {
    "nl": ("Uw koppelcode voor Loonbode", "Beste {first},\n\nU vroeg in Telegram om uw chat te koppelen aan Loonbode. "
           "Stuur deze code aan de bot:\n\n    {code}\n\nDe code werkt één keer en {minutes} minuten lang. Heeft u "
           "hier niet om gevraagd? Dan kunt u deze mail negeren; er gebeurt niets.\n\nMet vriendelijke groet,\n"
           "De salarisadministratie"),
    "en": ("Your Loonbode link code", "Dear {first},\n\nYou asked in Telegram to link your chat to Loonbode. Send "
           "this code to the bot:\n\n    {code}\n\nThe code works once, for {minutes} minutes. Did you not ask for "
           "it? Then ignore this e-mail; nothing happens.\n\nKind regards,\nThe payroll team"),
}


def queue_link_code(settings: Settings, session: Session, employee: Employee, code: str, language: str, *,
                    now: dt.datetime | None = None) -> OutboundMessage | None:
    """Add (not commit) the mail with the code to the employee's roster address; None without one."""
    if not employee.email:
        return None
    now = now or utcnow()
    subject, body = TEXT[language if language in TEXT else "nl"]
    body = body.format(first=employee.first_name, code=code, minutes=CODE_MINUTES)
    from_address = parseaddr(settings.from_address)[1] or settings.from_address
    message_id = make_msgid(idstring="loonbode-koppelcode", domain=from_address.rpartition("@")[2] or None)
    raw = compose(from_address=settings.from_address, to_address=employee.email, subject=subject, body=body,
                  message_id=message_id, extra_headers={"Auto-Submitted": "auto-generated"})
    row = OutboundMessage(kind=KIND, channel="mail", to_address=employee.email, subject=subject, body=body,
                          message_id=message_id, raw=raw, created_at=now, next_attempt_at=now)
    session.add(row)
    return row
