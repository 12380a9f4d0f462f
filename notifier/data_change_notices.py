"""Messages about an employee's data change request (/gegevens): asking the employer, telling the employee.

The employer's contacts (its active dashboard users; without any, its sender addresses, as
for leave in `notifier.leave_approvals`) get a mail with the change and a link to the
dashboard page where they confirm or reject it (they log in: the link carries no token);
contacts with a linked Telegram chat also get it there with Bevestigen/Afwijzen buttons
(`dc:<id>`, `dr:<id>`). The employee hears the outcome in every chat linked to them.
Every message is added to the session of the transaction that stored the request or the
decision, through the outbox; IBAN and BSN appear only masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import make_msgid, parseaddr

from sqlmodel import Session, col, select

from loonbode.settings import Settings
from notifier.leave_approvals import deciders, telegram_payload
from notifier.mailer import compose
from parsers.masking import mask_secrets
from workflows.models import DataChangeRequest, Employee, OutboundMessage, TelegramChat, utcnow
from workflows.personal_details import ChangeStatus, describe_change

KIND = "data_change_request"
DECISION_KIND = "data_change_decision"
CONFIRM, REJECT = "dc", "dr"  # Telegram button data prefixes: "dc:12" confirms request 12
PAGE = "/data-changes"

MAIL = {
    "subject": "Wijziging persoonsgegevens van {name}: graag uw bevestiging",
    "body": ("Goedendag,\n\n{name} (personeelsnummer {number}) vraagt via de Loonbode-chat om deze wijziging van "
             "de eigen gegevens (verzoek {id}):\n\n{lines}\n\n"
             "Klopt dit? Bevestig of wijs af in het dashboard:\n{page}\n\n"
             "Na uw bevestiging verwerkt de salarisadministratie de wijziging; bij afwijzen hoort {first} uw reden. "
             "Heeft u nog geen account voor het dashboard, vraag de salarisadministratie dan om een uitnodiging.\n\n"
             "Met vriendelijke groet,\nDe salarisadministratie"),
}
CHAT = {
    "nl": {"text": "{name} ({number}) vraagt om een wijziging van de eigen gegevens (verzoek {id}):\n{lines}",
           "confirm": "Bevestigen", "reject": "Afwijzen"},
    "en": {"text": "{name} ({number}) asks to change their personal details (request {id}):\n{lines}",
           "confirm": "Confirm", "reject": "Reject"},
}
OUTCOME = {
    "nl": {ChangeStatus.CONFIRMED: "Uw werkgever heeft uw wijziging bevestigd (verzoek {id}):\n{lines}\n"
                                   "De salarisadministratie verwerkt haar.",
           ChangeStatus.REJECTED: "Uw werkgever heeft uw wijziging niet bevestigd (verzoek {id}):\n{lines}\n"
                                  "Reden: {reason}"},
    "en": {ChangeStatus.CONFIRMED: "Your employer has confirmed your change (request {id}):\n{lines}\n"
                                   "The payroll team will process it.",
           ChangeStatus.REJECTED: "Your employer did not confirm your change (request {id}):\n{lines}\n"
                                  "Reason: {reason}"},
}


def _indented(request: DataChangeRequest, language: str) -> str:
    return "\n".join(f"  {line}" for line in describe_change(request.fields, language))


def _mail(settings: Settings, request: DataChangeRequest, employee: Employee, address: str,
          now: dt.datetime) -> OutboundMessage:
    values = {"name": employee.full_name, "first": employee.first_name, "number": employee.number, "id": request.id}
    body = mask_secrets(MAIL["body"].format(lines=_indented(request, "nl"), page=f"{settings.dashboard_url}{PAGE}",
                                            **values))
    subject = MAIL["subject"].format(**values)
    from_address = parseaddr(settings.from_address)[1] or settings.from_address
    message_id = make_msgid(idstring=f"loonbode-gegevens{request.id}", domain=from_address.rpartition("@")[2] or None)
    raw = compose(from_address=settings.from_address, to_address=address, subject=subject, body=body,
                  message_id=message_id, extra_headers={"Auto-Submitted": "auto-generated"})
    return OutboundMessage(kind=KIND, channel="mail", to_address=address, subject=subject, body=body,
                           message_id=message_id, raw=raw, created_at=now, next_attempt_at=now)


def _chat_message(request: DataChangeRequest, employee: Employee, linked: TelegramChat,
                  now: dt.datetime) -> OutboundMessage:
    language = linked.language if linked.language in CHAT else "nl"
    words = CHAT[language]
    text = mask_secrets(words["text"].format(name=employee.full_name, number=employee.number, id=request.id,
                                             lines=_indented(request, language)))
    buttons = [(words["confirm"], f"{CONFIRM}:{request.id}"), (words["reject"], f"{REJECT}:{request.id}")]
    return OutboundMessage(kind=KIND, channel="telegram", to_address=str(linked.chat_id), subject="gegevens",
                           body=text, message_id=make_msgid(idstring=f"gegevens{request.id}"),
                           raw=telegram_payload(text, buttons), created_at=now, next_attempt_at=now)


def queue_change_request(settings: Settings, session: Session, request: DataChangeRequest, *,
                         now: dt.datetime | None = None) -> list[OutboundMessage]:
    """Add (not commit) the mails and chat messages that ask the employer to confirm the change."""
    now = now or utcnow()
    employee = session.get(Employee, request.employee_id)
    assert employee is not None
    users, addresses = deciders(session, employee.employer_id)
    rows = [_mail(settings, request, employee, address, now) for address in dict.fromkeys(a.lower() for a in addresses)]
    user_ids = [u.id for u in users]
    if user_ids and settings.telegram_token:
        for linked in session.exec(select(TelegramChat).where(col(TelegramChat.user_id).in_(user_ids))
                                   .order_by(col(TelegramChat.chat_id))):
            rows.append(_chat_message(request, employee, linked, now))
    session.add_all(rows)
    return rows


def change_notifier(settings: Settings) -> Callable[[Session, DataChangeRequest], object]:
    """The hook the /gegevens conversation calls inside the transaction that stores a request."""

    def notify(session: Session, request: DataChangeRequest) -> object:
        return queue_change_request(settings, session, request)

    return notify


def queue_change_decision(session: Session, request: DataChangeRequest, reason: str | None) -> list[OutboundMessage]:
    """Add (not commit) the outcome to every chat linked to the employee."""
    rows = []
    for linked in session.exec(select(TelegramChat).where(TelegramChat.employee_id == request.employee_id)
                               .order_by(col(TelegramChat.chat_id))):
        language = linked.language if linked.language in OUTCOME else "nl"
        template = OUTCOME[language].get(request.status)
        if template is None:
            continue
        body = mask_secrets(template.format(id=request.id, lines=_indented(request, language), reason=reason or ""))
        rows.append(OutboundMessage(kind=DECISION_KIND, channel="telegram", to_address=str(linked.chat_id),
                                    subject="gegevens", body=body,
                                    message_id=make_msgid(idstring=f"gegevens{request.id}"),
                                    next_attempt_at=utcnow()))
    session.add_all(rows)
    return rows
