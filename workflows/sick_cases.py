"""Open sick reports: who is sick, since when, and whether a full recovery closed it.

A sick case is a `sick` draft (not rejected or a duplicate) of a known employee; a later
`recovery` draft of 100% (from a day after the first sick day) closes it, a partial one
does not. A second sick report while a case is open is the same case (a repeated report):
the first sick day stays. The reminders (Wet verbetering poortwachter) and the period
completeness read this.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, col, select

from workflows.models import DraftRow, DraftStatus


@dataclass(frozen=True)
class SickCase:
    draft_id: int  # the sick report that opened the case
    employer_id: str
    employee_number: str
    employee_name: str
    first_sick_day: dt.date


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _percentage(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 100.0


def open_sick_cases(session: Session, today: dt.date, employer_id: str | None = None) -> list[SickCase]:
    """The cases still open on `today`, oldest first."""
    query = select(DraftRow).where(col(DraftRow.type).in_(["sick", "recovery"]),
                                   col(DraftRow.status).in_(DraftStatus.LIVE),
                                   col(DraftRow.employee_id).is_not(None), col(DraftRow.employer_id).is_not(None))
    if employer_id is not None:
        query = query.where(DraftRow.employer_id == employer_id)
    events: dict[tuple[str, str], list[tuple[dt.date, int, DraftRow]]] = {}
    for draft in session.exec(query.order_by(col(DraftRow.id))):
        day = _date(draft.fields.get("start_date" if draft.type == "sick" else "date"))
        if day is None:
            continue
        # On the same day a recovery sorts after the sick report it ends.
        events.setdefault((draft.employer_id or "", draft.employee_id or ""), []).append(
            (day, 0 if draft.type == "sick" else 1, draft))
    cases = []
    for (employer, number), found in events.items():
        opened: DraftRow | None = None
        opened_on: dt.date | None = None
        for day, _, draft in sorted(found, key=lambda e: (e[0], e[1], e[2].id or 0)):
            if day > today:
                continue
            if draft.type == "sick":
                if opened is None:
                    opened, opened_on = draft, day
            elif opened is not None and opened_on is not None and day > opened_on and \
                    _percentage(draft.fields.get("percentage")) >= 100:
                opened, opened_on = None, None
        if opened is not None and opened_on is not None and opened.id is not None:
            cases.append(SickCase(opened.id, employer, number, opened.employee_name or number, opened_on))
    return sorted(cases, key=lambda c: (c.first_sick_day, c.draft_id))
