"""Leave that changes pay becomes work for the bureau: a `leave` draft in the review queue.

Approved unpaid leave (onbetaald verlof) and parental leave (ouderschapsverlof) lower the
salary over those days, so the decision adds a draft (type `leave`) for the bureau to
approve and export like any mutation; its source is the employee's request. When such
leave is withdrawn, a draft not yet exported is withdrawn with it; one already exported
gets a new draft that says the leave was withdrawn, so Nmbrs is corrected too.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from workflows.models import AuditEvent, DraftRow, DraftStatus, Employee, LeaveRequestRow, utcnow
from workflows.payroll_periods import draft_period_for

PAY_CHANGING = frozenset({"unpaid", "parental"})
DRAFT_TYPE = "leave"
WITHDRAWN = "verlof ingetrokken door de werknemer"


def _source(request: LeaveRequestRow, what: str) -> dict[str, str]:
    return {"part": f"leave_request:{request.id}", "location": f"verlofaanvraag {request.id} ({request.channel})",
            "text": (request.text or what)[:2000]}


def _draft(session: Session, request: LeaveRequestRow, *, withdrawn: bool = False) -> DraftRow:
    employee = session.get(Employee, request.employee_id)
    assert employee is not None and request.id is not None
    fields: dict[str, object] = {"leave_type": request.leave_type, "first_day": request.start_date.isoformat(),
                                 "last_day": request.end_date.isoformat(), "hours": round(request.minutes / 60, 2)}
    issues: list[dict[str, object]] = []
    if withdrawn:
        fields["withdrawn"] = True
        issues.append({"severity": "warning", "field": None,
                       "message": "dit verlof was al geëxporteerd en is ingetrokken: draai het terug in Nmbrs"})
    now = utcnow()
    draft = DraftRow(inbound_id=None, leave_request_id=request.id, employer_id=employee.employer_id,
                     type=DRAFT_TYPE, employee_id=employee.number, employee_name=employee.full_name, fields=fields,
                     source=_source(request, "ingetrokken" if withdrawn else "goedgekeurd verlof"), confidence=1.0,
                     issues=issues, status=DraftStatus.NEW, created_at=now, updated_at=now,
                     period=draft_period_for(session, employee.employer_id, DRAFT_TYPE, fields, now))
    session.add(draft)
    session.flush()
    session.add(AuditEvent(actor="system", action="draft_from_leave", subject_type="draft", subject_id=str(draft.id),
                           detail={"leave_request_id": request.id, "withdrawn": withdrawn}))
    return draft


def draft_for_approved(session: Session, request: LeaveRequestRow) -> DraftRow | None:
    """Add (not commit) the bureau's draft for approved pay-changing leave; None for other leave."""
    if request.leave_type not in PAY_CHANGING:
        return None
    return _draft(session, request)


def withdraw_drafts(session: Session, request: LeaveRequestRow) -> list[DraftRow]:
    """The request was cancelled: withdraw its open drafts; an exported one gets a correcting draft."""
    if request.leave_type not in PAY_CHANGING:
        return []
    drafts = list(session.exec(select(DraftRow).where(DraftRow.leave_request_id == request.id,
                                                      col(DraftRow.status) != DraftStatus.REJECTED)))
    made = []
    for draft in drafts:
        if draft.fields.get("withdrawn"):
            continue
        if draft.status in (DraftStatus.NEW, DraftStatus.APPROVED):
            draft.status, draft.reason, draft.updated_at = DraftStatus.REJECTED, WITHDRAWN, utcnow()
            draft.decided_by, draft.decided_at = "system", utcnow()
            session.add(draft)
            session.add(AuditEvent(actor="system", action="rejected", subject_type="draft", subject_id=str(draft.id),
                                   detail={"cause": "leave_cancelled"}))
        elif draft.status == DraftStatus.EXPORTED:
            made.append(_draft(session, request, withdrawn=True))
    return made
