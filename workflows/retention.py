"""Retention: raw mail is deleted once what it became is done with, the drafts stay.

A message's raw file (the whole mail, attachments included: they are never stored apart)
is deleted `LOONBODE_RETENTION_DAYS` after the last thing that happened to it, when

- it was read into drafts and every draft is exported, rejected or a duplicate, with at
  least one exported (what payroll needs is in the drafts and the export), or
- it produced no drafts and is an automatic reply, bulk mail, a duplicate, or quarantined
  mail a person discarded.

"The last thing that happened" is the latest of its processing (or arrival) and any change to
its drafts (an export, a rejection), so the clock starts when the drafts are done. Quarantined
and failed mail is never purged automatically (a person still has to look at it), nor parsed
mail that is still being reviewed or produced no drafts.

A purged message keeps its row (envelope, subject, status, issues), its drafts and their
source sentences; `raw_path` becomes "" and `purged_at` says when. The file itself is shared
by every message with the same bytes (content-addressed), so it is deleted only when every
such message is purged. Files go first and the rows after: a crash in between leaves rows that
the next run purges again (deleting a missing file is no error), never a file nobody points at.
Each purge is audited with the message id only.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from workflows.models import AuditEvent, DraftRow, DraftStatus, InboundMessage, InboundStatus

DEFAULT_RETENTION_DAYS = 90
PURGED_PATH = ""  # raw_path of a purged message
ACTOR = "retention"
# Mail that produced no drafts and that nobody needs to read again.
NO_DRAFT_STATUSES = (InboundStatus.AUTO_REPLY, InboundStatus.BULK, InboundStatus.DUPLICATE, InboundStatus.DISCARDED)
DONE_DRAFT_STATUSES = (DraftStatus.EXPORTED, DraftStatus.REJECTED, DraftStatus.DUPLICATE)


@dataclass
class PurgeSummary:
    messages: int = 0  # rows marked purged in this run
    files_deleted: int = 0
    files_kept: int = 0  # still needed by a message with the same bytes that is not purged
    message_ids: list[int] = field(default_factory=list)


def purged_notice(days: int) -> str:
    """What a screen says where the original mail used to be."""
    return f"De oorspronkelijke mail is na {days} dagen verwijderd (bewaartermijn)."


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _candidates(session: Session, cutoff: dt.datetime) -> list[InboundMessage]:
    """Unpurged messages of a purgeable status whose last event is before `cutoff`."""
    statuses = (InboundStatus.PARSED, *NO_DRAFT_STATUSES)
    messages = list(session.exec(select(InboundMessage).where(
        col(InboundMessage.status).in_(statuses), col(InboundMessage.purged_at).is_(None),
        col(InboundMessage.received_at) < cutoff).order_by(col(InboundMessage.id))))
    if not messages:
        return []
    ids = [m.id for m in messages]
    drafts: dict[int, list[tuple[str, dt.datetime]]] = {}
    for inbound_id, status, updated_at in session.exec(select(DraftRow.inbound_id, DraftRow.status,
                                                              DraftRow.updated_at)
                                                       .where(col(DraftRow.inbound_id).in_(ids))):
        drafts.setdefault(inbound_id or 0, []).append((status, _as_utc(updated_at)))
    chosen = []
    for message in messages:
        own = drafts.get(message.id or 0, [])
        if own:
            statuses_of = [s for s, _ in own]
            if message.status != InboundStatus.PARSED or DraftStatus.EXPORTED not in statuses_of or \
                    any(s not in DONE_DRAFT_STATUSES for s in statuses_of):
                continue
        elif message.status not in NO_DRAFT_STATUSES:
            continue
        last = max([_as_utc(message.processed_at or message.received_at), *(u for _, u in own)])
        if last < cutoff:
            chosen.append(message)
    return chosen


def _still_needed(session: Session, digests: set[str], purging: set[int]) -> set[str]:
    """The hashes among `digests` that a message outside `purging` still reads its raw file from."""
    if not digests:
        return set()
    rows = session.exec(select(InboundMessage.id, InboundMessage.content_sha256).where(
        col(InboundMessage.content_sha256).in_(digests), col(InboundMessage.purged_at).is_(None)))
    return {digest for inbound_id, digest in rows if inbound_id not in purging}


def _unlink(data_dir: Path, relative: str) -> bool:
    try:
        os.unlink(data_dir / relative)
    except FileNotFoundError:
        return False
    return True


def purge_raw_mail(engine: Engine, data_dir: Path, *, now: dt.datetime,
                   retention_days: int = DEFAULT_RETENTION_DAYS) -> PurgeSummary:
    """Delete the raw files of every message past retention (see the module docstring); returns what it did."""
    cutoff = _as_utc(now) - dt.timedelta(days=retention_days)
    with Session(engine) as session:
        summary = _purge(session, data_dir, _candidates(session, cutoff), now=now, actor=ACTOR,
                         detail={"retention_days": retention_days})
        session.commit()
    return summary


def purge_messages(engine: Engine, data_dir: Path, message_ids: list[int], *, now: dt.datetime, actor: str,
                   detail: dict[str, object]) -> PurgeSummary:
    """Delete the raw files of these messages now (an erasure request), with the same care for shared files."""
    with Session(engine) as session:
        chosen = list(session.exec(select(InboundMessage).where(col(InboundMessage.id).in_(message_ids),
                                                                col(InboundMessage.purged_at).is_(None))
                                   .order_by(col(InboundMessage.id))))
        summary = _purge(session, data_dir, chosen, now=now, actor=actor, detail=detail)
        session.commit()
    return summary


def _purge(session: Session, data_dir: Path, chosen: list[InboundMessage], *, now: dt.datetime, actor: str,
           detail: dict[str, object]) -> PurgeSummary:
    """Delete the files of `chosen` nobody else needs, then mark the rows purged and audit them (not committed)."""
    summary = PurgeSummary()
    if not chosen:
        return summary
    purging = {m.id for m in chosen if m.id is not None}
    needed = _still_needed(session, {m.content_sha256 for m in chosen}, purging)
    done: set[str] = set()
    for message in chosen:
        if message.content_sha256 in needed:
            summary.files_kept += 1
        elif message.raw_path and message.content_sha256 not in done:
            done.add(message.content_sha256)
            summary.files_deleted += _unlink(data_dir, message.raw_path)
    moment = _as_utc(now)
    for message in chosen:
        # Conditional, so a second instance purging at the same time audits each message once.
        changed = session.exec(update(InboundMessage)  # type: ignore[call-overload]
                               .where(col(InboundMessage.id) == message.id, col(InboundMessage.purged_at).is_(None))
                               .values(raw_path=PURGED_PATH, purged_at=moment))
        if changed.rowcount == 1:
            session.add(AuditEvent(actor=actor, action="raw_purged", subject_type="inbound",
                                   subject_id=str(message.id), at=moment, detail=detail))
            summary.messages += 1
            summary.message_ids.append(message.id or 0)
    return summary
