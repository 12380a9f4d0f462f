"""One employee's data: everything stored about them as JSON (inzage), and erasing it where the law allows.

The export (`export_employee`) answers a data subject access request (AVG art. 15): the roster
row, every draft about them (employer and personnel number), their leave requests and leave
ledger, their Telegram chats and link codes, the messages sent to their e-mail address or
chats, and the audit events about them. BSN and IBAN are in it UNMASKED: it is their own data,
asked for by them, and a masked copy would not show them what we hold. Treat the file as such.

Erasure (`erase_employee`, AVG art. 17) stops where a legal duty to keep begins (art. 17(3)(b)):
the payroll administration must be kept for seven years (fiscale bewaarplicht, art. 52 AWR) and
the leave balance until it is settled (BW 7:641). So:

- deleted: their Telegram chats (chat id and conversation state), link codes, their data change
  requests (new address or IBAN asked in the chat), the outbox messages
  to their e-mail address or chats, the once-only notice keys naming that address or chat, and
  the decision links of their leave requests. An e-mail address that is also someone else's (an
  employer contact, a dashboard user, another employee) keeps its messages: they are not only
  theirs;
- scrubbed: every draft about them that was never exported is rejected ("gewist op verzoek") and
  loses its fields, the sentence it was read from, its issues and the name; their leave requests
  lose their own words and any rejection reason, and a pending one is cancelled; the roster row
  loses the e-mail address and the birth date;
- raw mail: a message whose drafts are all about them is deleted now (when `data_dir` is given);
  mail that also concerns others is deleted by the retention job like all mail;
- kept: exported drafts as they were exported (BSN and IBAN included: they are what went into
  the payroll), the leave ledger, the leave requests' dates, hours, type and status, and of the
  roster row the personnel number, name, contract hours, work days and start date, which the
  kept records refer to. The audit log holds ids only and stays.

The erasure is one audit event with ids and counts. Running it twice changes nothing more. A
roster import that lists the employee again brings back what it lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, func, or_
from sqlmodel import Session, SQLModel, col, select

from workflows.models import (
    AuditEvent,
    DataChangeRequest,
    DecisionLink,
    DraftRow,
    DraftStatus,
    Employee,
    Employer,
    InboundMessage,
    InboundStatus,
    LeaveEntry,
    LeaveRequestRow,
    LeaveStatus,
    LinkCode,
    OutboundMessage,
    SenderAddress,
    SentNotice,
    TelegramChat,
    User,
)
from workflows.retention import purge_messages

ERASED_REASON = "gewist op verzoek van de medewerker"
KEPT = ("geëxporteerde mutaties, het verlofsaldo (boekingen) en de data en uren van verlofaanvragen blijven "
        "bewaard (fiscale bewaarplicht, 7 jaar); van de medewerker blijven personeelsnummer, naam, contracturen, "
        "werkdagen en datum in dienst, omdat die bewaarde gegevens daarnaar verwijzen")
ABOUT = ("Alle gegevens die Loonbode over deze medewerker bewaart. BSN en IBAN staan hier onverkort in: het is een "
         "inzageverzoek van de medewerker zelf. Bewaar en verstuur dit bestand dus zorgvuldig.")


def find_employee(engine: Engine, employer_id: str, number: str) -> int | None:
    """The row id of an employer's employee by personnel number, or None."""
    with Session(engine) as session:
        return session.exec(select(Employee.id).where(Employee.employer_id == employer_id,
                                                      Employee.number == number.strip())).first()


def _row(row: SQLModel, *, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    return row.model_dump(mode="json", exclude=set(leave_out))


def _drafts(session: Session, employee: Employee) -> list[DraftRow]:
    return list(session.exec(select(DraftRow).where(DraftRow.employer_id == employee.employer_id,
                                                    DraftRow.employee_id == employee.number)
                             .order_by(col(DraftRow.id))))


def _chats(session: Session, employee_id: int) -> list[TelegramChat]:
    return list(session.exec(select(TelegramChat).where(TelegramChat.employee_id == employee_id)
                             .order_by(col(TelegramChat.chat_id))))


def _address(employee: Employee) -> str | None:
    return (employee.email or "").strip().lower() or None


def _outbox(session: Session, address: str | None, chat_ids: list[int]) -> list[OutboundMessage]:
    """Messages to their e-mail address or to their chats."""
    wanted = []
    if address:
        wanted.append((col(OutboundMessage.channel) == "mail") & (func.lower(OutboundMessage.to_address) == address))
    if chat_ids:
        wanted.append((col(OutboundMessage.channel) == "telegram")
                      & col(OutboundMessage.to_address).in_([str(c) for c in chat_ids]))
    if not wanted:
        return []
    return list(session.exec(select(OutboundMessage).where(or_(*wanted)).order_by(col(OutboundMessage.id))))


def _audit_events(session: Session, employee_id: int, request_ids: list[int], draft_ids: list[int],
                  chat_ids: list[int]) -> list[AuditEvent]:
    about = [(col(AuditEvent.subject_type) == "employee") & (col(AuditEvent.subject_id) == str(employee_id))]
    for kind, ids in (("leave_request", request_ids), ("draft", draft_ids)):
        if ids:
            about.append((col(AuditEvent.subject_type) == kind) & col(AuditEvent.subject_id).in_([str(i) for i in ids]))
    if chat_ids:  # what they did themselves in Telegram
        about.append(col(AuditEvent.actor).in_([f"telegram:{c}" for c in chat_ids]))
    return list(session.exec(select(AuditEvent).where(or_(*about)).order_by(col(AuditEvent.id))))


def export_employee(engine: Engine, employee_id: int) -> dict[str, Any]:
    """Everything stored about one employee, JSON-able; LookupError when there is no such employee."""
    with Session(engine) as session:
        employee = session.get(Employee, employee_id)
        if employee is None:
            raise LookupError(employee_id)
        employer = session.get(Employer, employee.employer_id)
        drafts = _drafts(session, employee)
        requests = list(session.exec(select(LeaveRequestRow).where(LeaveRequestRow.employee_id == employee_id)
                                     .order_by(col(LeaveRequestRow.id))))
        entries = list(session.exec(select(LeaveEntry).where(LeaveEntry.employee_id == employee_id)
                                    .order_by(col(LeaveEntry.id))))
        chats = _chats(session, employee_id)
        chat_ids = [c.chat_id for c in chats]
        codes = list(session.exec(select(LinkCode).where(LinkCode.employee_id == employee_id)
                                  .order_by(col(LinkCode.id))))
        changes = list(session.exec(select(DataChangeRequest).where(DataChangeRequest.employee_id == employee_id)
                                    .order_by(col(DataChangeRequest.id))))
        outbox = _outbox(session, _address(employee), chat_ids)
        audit = _audit_events(session, employee_id, [r.id for r in requests if r.id is not None],
                              [d.id for d in drafts if d.id is not None], chat_ids)
        return {
            "about": ABOUT,
            "exported_at": dt.datetime.now(dt.UTC).isoformat(),
            "employer": {"id": employee.employer_id, "name": employer.name if employer else None},
            "employee": _row(employee),
            "drafts": [_row(d) for d in drafts],
            "leave_requests": [_row(r) for r in requests],
            "leave_entries": [_row(e) for e in entries],
            "telegram_chats": [_row(c, leave_out=("failed_codes", "locked_until")) for c in chats],
            "link_codes": [_row(c, leave_out=("code_hash",)) for c in codes],
            "data_change_requests": [_row(c) for c in changes],
            "messages_sent": [_row(m, leave_out=("raw",)) for m in outbox],
            "audit_events": [_row(e) for e in audit],
        }


@dataclass
class Erasure:
    """What an erasure did, in counts, and what it kept and why."""

    employee_id: int
    telegram_chats: int = 0
    link_codes: int = 0
    data_change_requests: int = 0  # their own change requests (new address, IBAN): deleted
    messages_deleted: int = 0
    notices_deleted: int = 0
    decision_links: int = 0
    drafts_rejected: int = 0
    drafts_scrubbed: int = 0
    leave_requests_cancelled: int = 0
    leave_requests_scrubbed: int = 0
    raw_mails_deleted: int = 0  # of `message_ids`: the ones already purged before are not counted
    address_shared: bool = False  # their address is also someone else's: its messages stayed
    kept_exported_drafts: int = 0
    kept_leave_entries: int = 0
    kept: str = KEPT
    message_ids: list[int] = field(default_factory=list)  # the inbound mails wholly about them

    def counts(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items()
                if k not in ("kept", "message_ids", "employee_id", "raw_mails_deleted")}


def _shared(session: Session, employee: Employee, address: str) -> bool:
    """Whether the address is also an employer contact, a dashboard user or another employee."""
    if session.exec(select(SenderAddress.id).where(func.lower(SenderAddress.address) == address)).first():
        return True
    if session.exec(select(User.id).where(func.lower(User.email) == address)).first():
        return True
    return session.exec(select(Employee.id).where(func.lower(Employee.email) == address,
                                                  Employee.id != employee.id)).first() is not None


def _scrub_drafts(session: Session, employee: Employee, result: Erasure, *, actor: str, now: dt.datetime) -> None:
    for draft in _drafts(session, employee):
        if draft.status == DraftStatus.EXPORTED:
            result.kept_exported_drafts += 1
            continue
        if draft.status in (DraftStatus.NEW, DraftStatus.APPROVED):
            draft.status, draft.reason = DraftStatus.REJECTED, ERASED_REASON
            draft.decided_by, draft.decided_at = actor, now
            result.drafts_rejected += 1
        elif draft.status == DraftStatus.REJECTED and draft.reason and draft.reason != ERASED_REASON:
            draft.reason = ERASED_REASON  # a reviewer's reason may quote them
        if draft.fields or draft.employee_name or draft.source.get("text") or draft.issues:
            draft.fields, draft.issues, draft.employee_name = {}, [], None
            # Where it was read stays (no words of it), so the mail it came from still reads sensibly.
            draft.source = {k: v for k, v in draft.source.items() if k in ("part", "location")}
            result.drafts_scrubbed += 1
        draft.updated_at = now
        session.add(draft)


def _scrub_leave(session: Session, employee_id: int, result: Erasure, *, now: dt.datetime) -> list[int]:
    requests = list(session.exec(select(LeaveRequestRow).where(LeaveRequestRow.employee_id == employee_id)))
    for request in requests:
        changed = False
        if request.status == LeaveStatus.PENDING:  # nothing booked yet: nothing to give back
            request.status, request.decided_at = LeaveStatus.CANCELLED, now
            result.leave_requests_cancelled += 1
            changed = True
        if request.text or request.reason:
            request.text, request.reason = None, None
            result.leave_requests_scrubbed += 1
            changed = True
        if changed:
            session.add(request)
    ids = [r.id for r in requests if r.id is not None]
    if ids:
        result.decision_links = session.exec(delete(DecisionLink)  # type: ignore[call-overload]
                                             .where(col(DecisionLink.request_id).in_(ids))).rowcount
    return ids


def _messages_wholly_about(session: Session, employee: Employee) -> list[int]:
    """Parsed mails every draft of which is about this employee."""
    mine = {d.inbound_id for d in _drafts(session, employee) if d.inbound_id is not None}
    if not mine:
        return []
    others = set(session.exec(select(DraftRow.inbound_id).where(
        col(DraftRow.inbound_id).in_(mine),
        or_(DraftRow.employer_id != employee.employer_id, col(DraftRow.employee_id).is_(None),
            DraftRow.employee_id != employee.number))))
    parsed = set(session.exec(select(InboundMessage.id).where(col(InboundMessage.id).in_(mine),
                                                              InboundMessage.status == InboundStatus.PARSED)))
    return sorted(i for i in mine - others if i in parsed)


def erase_employee(engine: Engine, employee_id: int, *, actor: str, now: dt.datetime,
                   data_dir: Path | None = None) -> Erasure:
    """Erase what may be erased about one employee (see the module docstring); LookupError when unknown."""
    result = Erasure(employee_id=employee_id)
    with Session(engine) as session:
        employee = session.get(Employee, employee_id)
        if employee is None:
            raise LookupError(employee_id)
        chat_ids = [c.chat_id for c in _chats(session, employee_id)]
        address = _address(employee)
        result.address_shared = bool(address) and _shared(session, employee, address or "")
        outbox = _outbox(session, None if result.address_shared else address, chat_ids)
        for message in outbox:
            session.delete(message)
        result.messages_deleted = len(outbox)
        keys = [f"mail:{address}"] if address and not result.address_shared else []
        keys += [f"telegram:{c}" for c in chat_ids]
        if keys:
            result.notices_deleted = session.exec(delete(SentNotice).where(  # type: ignore[call-overload]
                or_(*(col(SentNotice.key).endswith(f":{k}") for k in keys)))).rowcount
        result.link_codes = session.exec(delete(LinkCode)  # type: ignore[call-overload]
                                         .where(col(LinkCode.employee_id) == employee_id)).rowcount
        result.data_change_requests = session.exec(delete(DataChangeRequest)  # type: ignore[call-overload]
                                                   .where(col(DataChangeRequest.employee_id) == employee_id)).rowcount
        result.telegram_chats = session.exec(delete(TelegramChat)  # type: ignore[call-overload]
                                             .where(col(TelegramChat.employee_id) == employee_id)).rowcount
        _scrub_drafts(session, employee, result, actor=actor, now=now)
        _scrub_leave(session, employee_id, result, now=now)
        result.kept_leave_entries = session.exec(select(func.count()).select_from(LeaveEntry)
                                                 .where(LeaveEntry.employee_id == employee_id)).one()
        result.message_ids = _messages_wholly_about(session, employee) if data_dir is not None else []
        employee.email, employee.birth_date = None, None
        session.add(employee)
        session.add(AuditEvent(actor=actor, action="employee_erased", subject_type="employee",
                               subject_id=str(employee_id), at=now,
                               detail={**result.counts(), "raw_mails": result.message_ids}))
        session.commit()
    if data_dir is not None and result.message_ids:
        # After the commit: the files go last, each purge audited on its own (workflows/retention.py).
        purged = purge_messages(engine, data_dir, result.message_ids, now=now, actor=actor,
                                detail={"cause": "erasure", "employee_id": employee_id})
        result.raw_mails_deleted = purged.messages
    return result
