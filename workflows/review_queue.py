"""The review queue, read side: which drafts a user may see, filtered, counted and paged.

Every function takes `scope`: None for the bureau (every employer), or one employer's id,
and never returns a row outside it. The dashboard passes the signed-in user's scope; a
draft outside it is simply not found, whatever id is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, col, select

from workflows.models import AuditEvent, DraftRow, Employee, Employer, InboundMessage

PAGE_SIZE = 50
LOW_CONFIDENCE = 0.6


@dataclass(frozen=True)
class QueueFilter:
    employer: str | None = None
    type: str | None = None
    status: str | None = "new"
    period: str | None = None
    low_confidence: bool = False
    has_issues: bool = False
    search: str | None = None
    page: int = 1


@dataclass
class QueuePage:
    drafts: list[DraftRow]
    total: int
    page: int
    pages: int
    employer_counts: list[tuple[str, str, int]] = field(default_factory=list)  # id, name, count
    employer_names: dict[str, str] = field(default_factory=dict)
    sender_results: dict[int, str] = field(default_factory=dict)  # inbound id -> pass, fail, none (when checked)


def _scoped(query: Any, scope: str | None) -> Any:
    return query if scope is None else query.where(DraftRow.employer_id == scope)


def _filtered(query: Any, wanted: QueueFilter, *, with_employer: bool = True) -> Any:
    if with_employer and wanted.employer:
        query = query.where(DraftRow.employer_id == wanted.employer)
    if wanted.type:
        query = query.where(DraftRow.type == wanted.type)
    if wanted.status:
        query = query.where(DraftRow.status == wanted.status)
    if wanted.period:
        query = query.where(DraftRow.period == wanted.period)
    if wanted.low_confidence:
        query = query.where(DraftRow.confidence < LOW_CONFIDENCE)
    if wanted.has_issues:
        query = query.where(cast(DraftRow.issues, String) != "[]")
    if wanted.search:
        needle = wanted.search.strip()
        query = query.where(or_(DraftRow.employee_id == needle,
                                func.lower(DraftRow.employee_name).contains(needle.lower(), autoescape=True)))
    return query


def queue_page(session: Session, wanted: QueueFilter, scope: str | None) -> QueuePage:
    base = _filtered(_scoped(select(DraftRow), scope), wanted)
    total = session.exec(_filtered(_scoped(select(func.count()).select_from(DraftRow), scope), wanted)).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, wanted.page), pages)
    drafts = list(session.exec(base.order_by(col(DraftRow.id).desc()).offset((page - 1) * PAGE_SIZE)
                               .limit(PAGE_SIZE)))
    # Counts per employer follow the filters but not the employer or the free-text search: they
    # show where the work is, and a LIKE over every draft per keystroke would cost the most.
    counts_query = _filtered(_scoped(select(DraftRow.employer_id, func.count()), scope), replace(wanted, search=None),
                             with_employer=False).group_by(DraftRow.employer_id)
    names = employer_names(session, scope)
    counts = sorted(((employer or "", names.get(employer or "", employer or "—"), n)
                     for employer, n in session.exec(counts_query)), key=lambda c: c[1].lower())
    return QueuePage(drafts=drafts, total=total, page=page, pages=pages, employer_counts=counts,
                     employer_names=names, sender_results=sender_results(session, drafts))


def sender_results(session: Session, drafts: list[DraftRow]) -> dict[int, str]:
    """Who-sent-it verdicts of the mails behind these drafts (those that were checked)."""
    ids = {d.inbound_id for d in drafts if d.inbound_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(InboundMessage.id, InboundMessage.sender_check).where(col(InboundMessage.id).in_(ids)))
    return {i: str(check["result"]) for i, check in rows if i is not None and check and check.get("result")}


def employer_names(session: Session, scope: str | None) -> dict[str, str]:
    query = select(Employer.id, Employer.name)
    if scope is not None:
        query = query.where(Employer.id == scope)
    return dict(session.exec(query).all())


def visible_draft(session: Session, draft_id: int, scope: str | None) -> DraftRow | None:
    draft = session.get(DraftRow, draft_id)
    if draft is None or (scope is not None and draft.employer_id != scope):
        return None
    return draft


def visible_inbound(session: Session, inbound_id: int | None, scope: str | None) -> InboundMessage | None:
    message = session.get(InboundMessage, inbound_id) if inbound_id is not None else None
    if message is None or (scope is not None and message.employer_id != scope):
        return None
    return message


def sibling_drafts(session: Session, draft: DraftRow) -> list[DraftRow]:
    """The other drafts read from the same message (none for a draft made from a leave decision)."""
    if draft.inbound_id is None:
        return []
    return list(session.exec(select(DraftRow).where(DraftRow.inbound_id == draft.inbound_id, DraftRow.id != draft.id)
                             .order_by(col(DraftRow.id))))


def draft_history(session: Session, draft_id: int) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.subject_type == "draft",
                                                      AuditEvent.subject_id == str(draft_id))
                             .order_by(col(AuditEvent.id))))


def periods(session: Session, scope: str | None) -> list[str]:
    query = _scoped(select(DraftRow.period).where(col(DraftRow.period).is_not(None)), scope).distinct()
    return sorted((p for p in session.exec(query) if p), reverse=True)


def roster_of(session: Session, employer_id: str | None) -> list[Employee]:
    """An employer's employees by personnel number, for choosing who a draft is about."""
    if employer_id is None:
        return []
    return list(session.exec(select(Employee).where(Employee.employer_id == employer_id)
                             .order_by(col(Employee.last_name), col(Employee.first_name))))
