"""Telling an employee in Telegram what was decided about their leave, through the outbox."""

from __future__ import annotations

from email.utils import make_msgid

from sqlmodel import Session, select

from parsers.labels import LEAVE_LABELS
from workflows.models import LeaveRequestRow, LeaveStatus, OutboundMessage, TelegramChat, utcnow

KIND = "leave_decision"
TEXT = {
    "nl": {LeaveStatus.APPROVED: "Goed nieuws: uw {kind} van {start} t/m {end} ({hours} uur) is goedgekeurd.",
           LeaveStatus.REJECTED: "Uw {kind} van {start} t/m {end} is niet goedgekeurd. Reden: {reason}"},
    "en": {LeaveStatus.APPROVED: "Good news: your {kind} from {start} to {end} ({hours} hours) has been approved.",
           LeaveStatus.REJECTED: "Your {kind} from {start} to {end} was not approved. Reason: {reason}"},
}


def queue_decision(session: Session, request: LeaveRequestRow) -> OutboundMessage | None:
    """Add (not commit) a message to every chat linked to the employee; None when none is linked."""
    chats = list(session.exec(select(TelegramChat).where(TelegramChat.employee_id == request.employee_id)))
    first = None
    for linked in chats:
        language = linked.language if linked.language in TEXT else "nl"
        template = TEXT[language].get(request.status)
        if template is None:
            continue
        body = template.format(kind=LEAVE_LABELS.get(request.leave_type, LEAVE_LABELS["vacation"])[language],
                               start=request.start_date.strftime("%d-%m-%Y"), end=request.end_date.strftime("%d-%m-%Y"),
                               hours=f"{request.minutes / 60:g}".replace(".", ","), reason=request.reason or "")
        row = OutboundMessage(kind=KIND, channel="telegram", to_address=str(linked.chat_id), subject="verlof",
                              body=body, message_id=make_msgid(idstring=f"verlof{request.id}"),
                              related_inbound_id=None, next_attempt_at=utcnow())
        session.add(row)
        first = first or row
    return first
