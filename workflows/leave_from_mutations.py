"""What exported mutations mean for the leave ledger: new contract hours and the end of employment.

When the bureau exports an approved `hours_change` or `termination` for a known employee,
the leave the rest of that year earns changes with it (statutory leave is pro rata to the
contract hours and the days employed). Booked in the export's transaction, once per draft
(the draft id is in the entries' dedupe keys), so exporting is what makes it count.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from sqlmodel import Session, select

from workflows.leave_ledger import LeaveEntry, LeaveError, book_contract_change, book_employment_end
from workflows.models import DraftRow, Employee

log = logging.getLogger(__name__)


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def book_leave_effects(session: Session, drafts: Iterable[DraftRow], *, actor: str) -> list[LeaveEntry]:
    """Add (not commit) the leave corrections the exported drafts call for."""
    written: list[LeaveEntry] = []
    for draft in drafts:
        if draft.type not in ("hours_change", "termination") or not draft.employee_id or not draft.employer_id:
            continue
        employee = session.exec(select(Employee).where(Employee.employer_id == draft.employer_id,
                                                       Employee.number == draft.employee_id)).first()
        if employee is None or employee.id is None:
            continue
        key = f"draft:{draft.id}"
        try:
            if draft.type == "hours_change":
                effective, hours = _date(draft.fields.get("effective_date")), draft.fields.get("hours_per_week")
                if effective is not None and isinstance(hours, int | float) and hours > 0:
                    written += book_contract_change(session, employee.id, effective, float(hours), actor=actor,
                                                    key=key)
            else:
                end = _date(draft.fields.get("end_date"))
                if end is not None:
                    written += book_employment_end(session, employee.id, end, actor=actor, key=key)
        except LeaveError as exc:  # no contract hours on the roster: nothing to pro-rate
            log.info("verlof niet bijgewerkt voor concept %s: %s", draft.id, exc)
    return written
