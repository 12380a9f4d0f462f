"""Mail held for a person: list it, give the sender to an employer, let it through, or throw it away.

Two kinds are held: mail from senders no employer has, and (`accept_unproven`) a known
employer's mail whose sender could not be proven while the employer requires proof
(`workflows.sender_checks`).

The worker quarantines a message when no employer has its sender address (see
`workflows.pipeline`). `release_to_employer` adds that address to an employer and hands
the message, and every other quarantined mail from the same address, back to the worker
as `received`; the worker then reads them like new mail. Their message keys already point
at themselves, so they are not taken for duplicates of themselves. `discard` only changes
the status: the row and the raw mail stay. Every step is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from parsers.mime import read_mail
from workflows.models import AuditEvent, Employer, InboundMessage, InboundStatus
from workflows.rawstore import read_raw
from workflows.senders import SenderError, claim_address

PREVIEW_CHARS = 400
MAX_LISTED = 200


class QuarantineError(ValueError):
    """The action cannot be done; the message says why, in Dutch."""


@dataclass(frozen=True)
class QuarantinedMail:
    id: int
    sender: str | None
    subject: str | None
    received_at: dt.datetime
    size: int
    raw_path: str
    employer_id: str | None = None  # set: a known employer's mail held because its sender is not proven
    held_because: str | None = None


def _held(message: InboundMessage) -> bool:
    return message.employer_id is not None and message.sender_check is not None


def quarantined(session: Session, *, limit: int = MAX_LISTED) -> tuple[list[QuarantinedMail], int]:
    """The newest quarantined messages (at most `limit`) and how many there are in all."""
    where = InboundMessage.status == InboundStatus.QUARANTINED
    total = session.exec(select(func.count()).select_from(InboundMessage).where(where)).one()
    rows = session.exec(select(InboundMessage).where(where)
                        .order_by(col(InboundMessage.received_at).desc(), col(InboundMessage.id).desc())
                        .limit(limit)).all()
    return [QuarantinedMail(id=m.id or 0, sender=m.sender or m.envelope_from, subject=m.subject,
                            received_at=m.received_at, size=m.size, raw_path=m.raw_path,
                            employer_id=m.employer_id if _held(m) else None,
                            held_because=m.status_detail if _held(m) else None) for m in rows], total


def preview(data_dir: Path, raw_path: str, *, chars: int = PREVIEW_CHARS) -> str | None:
    """The start of the readable body, whitespace collapsed; None when the raw mail is unreadable."""
    try:
        raw = read_raw(data_dir, raw_path)
    except OSError:
        return None
    text = " ".join(read_mail(raw).body.split())
    return text if len(text) <= chars else text[:chars].rstrip() + "…"


def _quarantined_message(session: Session, inbound_id: int) -> InboundMessage:
    message = session.get(InboundMessage, inbound_id)
    if message is None:
        raise LookupError(inbound_id)
    if message.status != InboundStatus.QUARANTINED:
        raise QuarantineError(f"bericht {inbound_id} staat niet (meer) in quarantaine; vernieuw de pagina")
    return message


def release_to_employer(engine: Engine, inbound_id: int, employer_id: str, actor: str) -> list[int]:
    """Add the message's sender to the employer and queue every quarantined mail from that address
    for the worker again; returns the ids queued. LookupError for an unknown message or employer,
    QuarantineError (also for an address another employer has) for what cannot be done."""
    with Session(engine) as session:
        message = _quarantined_message(session, inbound_id)
        if session.get(Employer, employer_id) is None:
            raise QuarantineError("kies de werkgever waar deze afzender bij hoort")
        address = (message.sender or "").strip().lower()
        if not address:
            raise QuarantineError("dit bericht heeft geen afzenderadres; het kan alleen worden weggegooid")
        try:
            ids = _requeue(session, inbound_id, employer_id, address, actor)
            session.commit()
        except SenderError as exc:
            raise QuarantineError(str(exc)) from exc
        except IntegrityError as exc:  # the address was given to another employer a moment ago
            session.rollback()
            raise QuarantineError(f"het adres {address} is zojuist aan een andere werkgever gegeven; "
                                  "vernieuw de pagina") from exc
    return ids


def _requeue(session: Session, inbound_id: int, employer_id: str, address: str, actor: str) -> list[int]:
    claim_address(session, employer_id, address, actor=actor)
    same_sender = or_(col(InboundMessage.id) == inbound_id, func.lower(InboundMessage.sender) == address)
    ids = sorted(i for i in session.exec(select(InboundMessage.id).where(
        InboundMessage.status == InboundStatus.QUARANTINED, same_sender)) if i is not None)
    queued = session.exec(update(InboundMessage)  # type: ignore[call-overload]
                          .where(col(InboundMessage.id).in_(ids), InboundMessage.status == InboundStatus.QUARANTINED)
                          .values(status=InboundStatus.RECEIVED, status_detail=None, claimed_by=None,
                                  claimed_at=None, processed_at=None))
    if queued.rowcount != len(ids) or inbound_id not in ids:
        raise QuarantineError("iemand anders heeft deze berichten net behandeld; vernieuw de pagina")
    for queued_id in ids:
        session.add(AuditEvent(actor=actor, action="released", subject_type="inbound", subject_id=str(queued_id),
                               detail={"employer": employer_id}))
    return ids


def accept_unproven(engine: Engine, inbound_id: int, actor: str) -> None:
    """A person vouches for a held mail whose sender was not proven (the employer requires proof): the
    worker reads it again and lets it through; the verdict stays on the message, with who released it."""
    with Session(engine) as session:
        message = _quarantined_message(session, inbound_id)
        if not _held(message):
            raise QuarantineError("dit bericht komt niet van een bekende werkgever; voeg de afzender toe aan een "
                                  "werkgever of gooi het weg")
        changed = session.exec(update(InboundMessage)  # type: ignore[call-overload]
                               .where(col(InboundMessage.id) == inbound_id,
                                      InboundMessage.status == InboundStatus.QUARANTINED)
                               .values(status=InboundStatus.RECEIVED, status_detail=None, claimed_by=None,
                                       claimed_at=None, processed_at=None,
                                       sender_check={**(message.sender_check or {}), "released_by": actor}))
        if changed.rowcount != 1:
            session.rollback()
            raise QuarantineError(f"bericht {inbound_id} staat niet (meer) in quarantaine; vernieuw de pagina")
        session.add(AuditEvent(actor=actor, action="released_unproven", subject_type="inbound",
                               subject_id=str(inbound_id)))
        session.commit()


def discard(engine: Engine, inbound_id: int, actor: str) -> None:
    """Mark a quarantined message discarded. Nothing is deleted now: the row stays, and the raw mail until
    the retention period has passed (workflows/retention.py)."""
    with Session(engine) as session:
        _quarantined_message(session, inbound_id)
        changed = session.exec(update(InboundMessage)  # type: ignore[call-overload]
                               .where(col(InboundMessage.id) == inbound_id,
                                      InboundMessage.status == InboundStatus.QUARANTINED)
                               .values(status=InboundStatus.DISCARDED))
        if changed.rowcount != 1:
            session.rollback()
            raise QuarantineError(f"bericht {inbound_id} staat niet (meer) in quarantaine; vernieuw de pagina")
        session.add(AuditEvent(actor=actor, action="discarded", subject_type="inbound", subject_id=str(inbound_id)))
        session.commit()
