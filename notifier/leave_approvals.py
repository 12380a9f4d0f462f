"""Asking the employer to decide on a leave request: by mail with approve and reject links, and in
Telegram (with buttons) when the employer's contact has linked a chat; once more as a reminder.

Who is asked: the employer's active dashboard users; an employer without any is asked at
its sender addresses (the addresses it mails the bureau from). Every message goes through
the outbox, added to the session of the transaction that stored the request, so a request
and its notice are committed together. The mail carries no more than the employer needs
to decide: name, kind, dates, hours, the balance afterwards and the employee's own words.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from email.utils import make_msgid, parseaddr

from sqlmodel import Session, col, func, select

from loonbode.settings import Settings, signing_key
from notifier.mailer import compose
from parsers.labels import LEAVE_LABELS
from parsers.masking import mask_secrets
from workflows.decision_links import LINK_DAYS, issue_links
from workflows.leave_ledger import CHARGED_TYPES
from workflows.models import (
    Employee,
    LeaveEntry,
    LeaveRequestRow,
    OutboundMessage,
    SenderAddress,
    TelegramChat,
    User,
    UserRole,
    utcnow,
)
from workflows.periods import AMSTERDAM

KIND = "leave_request"
REMINDER_KIND = "leave_reminder"
APPROVE, REJECT = "la", "lr"  # Telegram button data prefixes: "la:12" approves request 12

MAIL = {
    "subject": "{reminder}Verlofaanvraag van {name}: {start} t/m {end}",
    "body": ("Goedendag,\n\n{intro}\n\n"
             "  Medewerker:  {name}\n"
             "  Soort:       {kind}\n"
             "  Periode:     {start} t/m {end}\n"
             "  Uren:        {hours}\n"
             "{balance}"
             "{words}\n"
             "Goedkeuren:\n{approve}\n\n"
             "Afwijzen (u geeft dan een reden op):\n{reject}\n\n"
             "De links werken één keer en tot {expires}. U kunt ook beslissen in het dashboard:\n{dashboard}\n\n"
             "Met vriendelijke groet,\nDe salarisadministratie"),
    "intro": "{name} vraagt verlof aan (aanvraag {id}).",
    "intro_reminder": "Herinnering: de verlofaanvraag van {name} (aanvraag {id}) wacht sinds {since} op uw besluit.",
    "balance": "  Saldo daarna: {after} uur\n",
    "words": "\nIn de eigen woorden van {first}:\n  \"{text}\"\n",
}
CHAT = {
    "nl": {"text": "{reminder}{name} vraagt {kind} aan van {start} t/m {end} ({hours} uur).{balance}",
           "reminder": "Herinnering — ", "balance": " Saldo daarna: {after} uur.",
           "approve": "Goedkeuren", "reject": "Afwijzen"},
    "en": {"text": "{reminder}{name} asks for {kind} from {start} to {end} ({hours} hours).{balance}",
           "reminder": "Reminder — ", "balance": " Balance afterwards: {after} hours.",
           "approve": "Approve", "reject": "Reject"},
}


def _hours(minutes: int) -> str:
    return f"{minutes / 60:g}".replace(".", ",")


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _day(value: dt.date) -> str:
    return value.strftime("%d-%m-%Y")


def deciders(session: Session, employer_id: str) -> tuple[list[User], list[str]]:
    """The employer's active dashboard users, and the addresses to mail (theirs, else the sender addresses)."""
    users = list(session.exec(select(User).where(User.employer_id == employer_id, User.role == UserRole.EMPLOYER,
                                                 col(User.active).is_(True)).order_by(col(User.id))))
    if users:
        return users, [u.email for u in users]
    senders = session.exec(select(SenderAddress.address).where(SenderAddress.employer_id == employer_id)
                           .order_by(col(SenderAddress.id))).all()
    return [], list(senders)


def _balance_after(session: Session, request: LeaveRequestRow) -> int | None:
    """Minutes left after this request, for holiday leave (other kinds leave the balance alone)."""
    if request.leave_type not in CHARGED_TYPES:
        return None
    total = session.exec(select(func.sum(LeaveEntry.minutes)).where(LeaveEntry.employee_id == request.employee_id)
                         ).one()
    return int(total or 0) - request.minutes


def _mail(settings: Settings, session: Session, request: LeaveRequestRow, employee: Employee, address: str, *,
          reminder: bool, now: dt.datetime) -> OutboundMessage:
    assert request.id is not None
    tokens = issue_links(session, request.id, address, signing_key(settings), now=now)
    base = settings.dashboard_url
    after = _balance_after(session, request)
    values = {"name": employee.full_name, "first": employee.first_name, "id": request.id,
              "kind": LEAVE_LABELS.get(request.leave_type, LEAVE_LABELS["vacation"])["nl"],
              "start": _day(request.start_date), "end": _day(request.end_date), "hours": _hours(request.minutes),
              "since": _aware(request.created_at).astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")}
    body = MAIL["body"].format(
        intro=MAIL["intro_reminder" if reminder else "intro"].format(**values),
        balance=MAIL["balance"].format(after=_hours(after)) if after is not None else "",
        words=MAIL["words"].format(first=employee.first_name, text=" ".join((request.text or "").split())[:500])
        if request.text else "",
        approve=f"{base}/leave/decide/{tokens['approve']}", reject=f"{base}/leave/decide/{tokens['reject']}",
        expires=_day((now + dt.timedelta(days=LINK_DAYS)).astimezone(AMSTERDAM).date()),
        dashboard=f"{base}/leave", **values)
    body = mask_secrets(body)
    subject = MAIL["subject"].format(reminder="Herinnering: " if reminder else "", **values)
    from_address = parseaddr(settings.from_address)[1] or settings.from_address
    message_id = make_msgid(idstring=f"loonbode-verlof{request.id}", domain=from_address.rpartition("@")[2] or None)
    raw = compose(from_address=settings.from_address, to_address=address, subject=subject, body=body,
                  message_id=message_id, extra_headers={"Auto-Submitted": "auto-generated"})
    return OutboundMessage(kind=REMINDER_KIND if reminder else KIND, channel="mail", to_address=address,
                           subject=subject, body=body, message_id=message_id, raw=raw, created_at=now,
                           next_attempt_at=now)


def telegram_payload(text: str, buttons: list[tuple[str, str]]) -> bytes:
    """What a Telegram outbox row carries besides its text: the inline buttons."""
    markup = {"inline_keyboard": [[{"text": label, "callback_data": data} for label, data in buttons]]}
    return json.dumps({"reply_markup": markup}).encode()


def _chat_message(session: Session, request: LeaveRequestRow, employee: Employee, linked: TelegramChat, *,
                  reminder: bool, now: dt.datetime) -> OutboundMessage:
    language = linked.language if linked.language in CHAT else "nl"
    words = CHAT[language]
    after = _balance_after(session, request)
    text = words["text"].format(
        reminder=words["reminder"] if reminder else "", name=employee.full_name,
        kind=LEAVE_LABELS.get(request.leave_type, LEAVE_LABELS["vacation"])[language],
        start=_day(request.start_date), end=_day(request.end_date), hours=_hours(request.minutes),
        balance=words["balance"].format(after=_hours(after)) if after is not None else "")
    buttons = [(words["approve"], f"{APPROVE}:{request.id}"), (words["reject"], f"{REJECT}:{request.id}")]
    return OutboundMessage(kind=REMINDER_KIND if reminder else KIND, channel="telegram",
                           to_address=str(linked.chat_id), subject="verlofaanvraag", body=text,
                           message_id=make_msgid(idstring=f"verlof{request.id}"),
                           raw=telegram_payload(text, buttons), created_at=now, next_attempt_at=now)


def queue_request_notice(settings: Settings, session: Session, request: LeaveRequestRow, *, reminder: bool = False,
                         now: dt.datetime | None = None) -> list[OutboundMessage]:
    """Add (not commit) the mails and chat messages that ask the employer to decide."""
    now = now or utcnow()
    employee = session.get(Employee, request.employee_id)
    assert employee is not None
    users, addresses = deciders(session, employee.employer_id)
    rows = [_mail(settings, session, request, employee, address, reminder=reminder, now=now)
            for address in dict.fromkeys(a.lower() for a in addresses)]
    user_ids = [u.id for u in users]
    if user_ids and settings.telegram_token:
        for linked in session.exec(select(TelegramChat).where(col(TelegramChat.user_id).in_(user_ids))):
            rows.append(_chat_message(session, request, employee, linked, reminder=reminder, now=now))
    session.add_all(rows)
    return rows


def request_notifier(settings: Settings) -> Callable[[Session, LeaveRequestRow], object]:
    """The hook the leave conversation calls inside the transaction that stores a request."""

    def notify(session: Session, request: LeaveRequestRow) -> object:
        return queue_request_notice(settings, session, request)

    return notify
