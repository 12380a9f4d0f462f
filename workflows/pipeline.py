"""The worker: stored messages become drafts, exactly once.

`claim_next` takes one received message (`FOR UPDATE SKIP LOCKED` on PostgreSQL, a
conditional UPDATE elsewhere) so several workers never take the same one; `process`
parses it and commits its drafts, status and confirmation in one transaction. A crash
at any point leaves the message `received` or `processing`; `release_stale` hands the
latter back, so nothing is lost and nothing is done twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from parsers.mail import parse_mail
from parsers.masking import mask_secrets
from parsers.models import ParseResult
from parsers.roster import Roster
from workflows.db import is_postgres
from workflows.models import (
    AuditEvent,
    DraftRow,
    InboundMessage,
    InboundStatus,
    MessageKey,
    utcnow,
)
from workflows.payroll_periods import draft_period_for
from workflows.rawstore import read_raw
from workflows.review import answered_drafts, record_answer
from workflows.roster_store import load_roster
from workflows.sender_checks import SenderChecker, SenderDecision

log = logging.getLogger(__name__)

# Called inside the processing transaction for a message that should be answered.
Confirm = Callable[[Session, InboundMessage, ParseResult, list[DraftRow]], None]


def claim_next(engine: Engine, worker: str) -> int | None:
    """Claim the oldest received message for `worker`; None when there is none."""
    with Session(engine) as session:
        if is_postgres(engine):
            row = session.exec(text(  # type: ignore[call-overload]
                "SELECT id FROM inbound_messages WHERE status = 'received' ORDER BY id LIMIT 1 "
                "FOR UPDATE SKIP LOCKED")).first()
            if row is None:
                return None
            message_id = row[0]
        else:
            message_id = session.exec(select(InboundMessage.id).where(InboundMessage.status == InboundStatus.RECEIVED)
                                      .order_by(InboundMessage.id).limit(1)).first()  # type: ignore[arg-type]
            if message_id is None:
                return None
        claimed = session.exec(update(InboundMessage)  # type: ignore[call-overload]
                               .where(InboundMessage.id == message_id,
                                      InboundMessage.status == InboundStatus.RECEIVED)
                               .values(status=InboundStatus.PROCESSING, claimed_by=worker, claimed_at=utcnow(),
                                       attempts=InboundMessage.attempts + 1))
        session.commit()
        return message_id if claimed.rowcount == 1 else None


def release_stale(engine: Engine, *, older_than: dt.timedelta) -> int:
    """Hand messages whose worker died mid-way back to the queue."""
    limit = utcnow() - older_than
    with Session(engine) as session:
        result = session.exec(update(InboundMessage)  # type: ignore[call-overload]
                              .where(InboundMessage.status == InboundStatus.PROCESSING,
                                     InboundMessage.claimed_at < limit)
                              .values(status=InboundStatus.RECEIVED, claimed_by=None, claimed_at=None))
        session.commit()
        return result.rowcount


def _dedupe_key(message: InboundMessage) -> str:
    return f"mid:{message.message_id}" if message.message_id else f"sha256:{message.content_sha256}"


def process(engine: Engine, data_dir: Path, message_id: int, *, roster: Roster | None = None,
            confirm: Confirm | None = None, senders: SenderChecker | None = None) -> str:
    """Parse one claimed message and commit what it became; returns its new status.

    `senders` checks who really sent it (DKIM, our MTA's DMARC) by the employer's policy;
    without it nothing is checked."""
    try:
        return _process(engine, data_dir, message_id, roster or load_roster(engine), confirm, senders)
    except Exception as exc:  # the system's error: keep the input, say what happened, allow a retry
        # The error may quote the mail (a BSN, an IBAN): masked in the log and on the screens that show it.
        log.error("processing inbound message %s failed\n%s", message_id, mask_secrets(traceback.format_exc()))
        with Session(engine) as session:
            message = session.get(InboundMessage, message_id)
            if message is not None:
                message.status = InboundStatus.FAILED
                message.status_detail = mask_secrets(f"{type(exc).__name__}: {exc}")[:2000]
                session.add(message)
                session.add(AuditEvent(actor="worker", action="failed", subject_type="inbound",
                                       subject_id=str(message_id),
                                       detail={"error": type(exc).__name__}))  # the message: status_detail
                session.commit()
        return InboundStatus.FAILED


def _process(engine: Engine, data_dir: Path, message_id: int, roster: Roster, confirm: Confirm | None,
             senders: SenderChecker | None) -> str:
    with Session(engine) as session:
        message = session.get(InboundMessage, message_id)
        if message is None or message.status != InboundStatus.PROCESSING:
            return message.status if message else "missing"
        raw = read_raw(data_dir, message.raw_path)
        result = parse_mail(raw, roster, filename=f"inbound-{message_id}.eml", received_at=message.received_at)
        message.employer_id = result.employer_id
        message.sender = result.sender
        message.subject = result.subject[:1000] if result.subject else None
        message.language = result.language
        message.issues = [i.model_dump() for i in result.all_issues()]
        message.processed_at = utcnow()
        message.claimed_by = None
        drafts: list[DraftRow] = []
        first = session.get(MessageKey, _dedupe_key(message))
        if first is not None and first.inbound_id != message.id:
            message.status = InboundStatus.DUPLICATE
            message.duplicate_of = first.inbound_id
        else:
            if first is None:
                session.add(MessageKey(key=_dedupe_key(message), inbound_id=message_id))
                try:
                    # Take the key now: a worker holding another copy of this mail waits here, then fails.
                    session.flush()
                except IntegrityError:
                    session.rollback()
                    return _mark_duplicate(engine, message_id)
            message.status = _status_of(result)
            decision = _sender_decision(session, senders, raw, message, result)
            if decision is not None and decision.hold:
                message.status, message.status_detail = InboundStatus.QUARANTINED, decision.reason()[:2000]
            if message.status == InboundStatus.PARSED:
                drafts = [DraftRow(inbound_id=message_id, employer_id=result.employer_id, type=m.type,
                                   employee_id=m.employee_id, employee_name=m.employee_name, fields=m.fields,
                                   source=m.source.model_dump(), confidence=m.confidence,
                                   issues=[i.model_dump() for i in m.issues] + _sender_issues(decision),
                                   period=draft_period_for(session, result.employer_id, m.type, m.fields,
                                                           message.received_at))
                          for m in result.mutations]
                session.add_all(drafts)
                session.flush()
                # A reply in the thread of a question we asked is the answer to it.
                for draft_id in answered_drafts(session, result.in_reply_to, result.references,
                                                employer_id=result.employer_id):
                    record_answer(session, draft_id, message_id)
                if confirm is not None:
                    confirm(session, message, result, drafts)
        session.add(message)
        session.add(AuditEvent(actor="worker", action=message.status, subject_type="inbound",
                               subject_id=str(message_id), detail={"drafts": len(drafts)}))
        try:
            session.commit()
        except IntegrityError:
            # Another worker processed the same mail (another copy) a moment ago.
            session.rollback()
            return _mark_duplicate(engine, message_id)
        return message.status


def _sender_decision(session: Session, senders: SenderChecker | None, raw: bytes, message: InboundMessage,
                     result: ParseResult) -> SenderDecision | None:
    """Check the sender of a mail from a known employer; a person's release stands (`released_by`)."""
    if senders is None or result.employer_id is None or result.auto_reply:
        return None
    released = (message.sender_check or {}).get("released_by")
    decision = senders.decide(session, raw, result.employer_id)
    record = decision.record()
    message.sender_check = {**record, "released_by": released} if record and released else record
    if released and decision.hold:
        return SenderDecision(decision.policy, None)  # checked and shown, but a person let it through
    return decision


def _sender_issues(decision: SenderDecision | None) -> list[dict[str, object]]:
    if decision is None or not decision.flag:
        return []
    return [{"severity": "warning", "message": decision.reason(), "field": None}]


def _mark_duplicate(engine: Engine, message_id: int) -> str:
    with Session(engine) as session:
        message = session.get(InboundMessage, message_id)
        assert message is not None
        first = session.get(MessageKey, _dedupe_key(message))
        message.status = InboundStatus.DUPLICATE
        message.duplicate_of = first.inbound_id if first else None
        message.claimed_by = None
        session.add(message)
        session.commit()
        return message.status


def _status_of(result: ParseResult) -> str:
    if result.auto_reply:
        return InboundStatus.AUTO_REPLY
    if result.employer_id is None:
        return InboundStatus.QUARANTINED
    if result.bulk:
        return InboundStatus.BULK
    return InboundStatus.PARSED


def run_pending(engine: Engine, data_dir: Path, worker: str, *, confirm: Confirm | None = None,
                senders: SenderChecker | None = None) -> int:
    """Process everything waiting now; returns how many messages were handled."""
    handled = 0
    roster = load_roster(engine)
    while True:
        message_id = claim_next(engine, worker)
        if message_id is None:
            return handled
        process(engine, data_dir, message_id, roster=roster, confirm=confirm, senders=senders)
        handled += 1
