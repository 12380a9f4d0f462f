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

HORIZON = dt.timedelta(weeks=110)  # past the last Poortwachter step (week 93) with room for late reports


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


@dataclass(frozen=True)
class _Event:
    day: dt.date
    order: int  # on the same day a recovery (1) sorts after the sick report (0) it ends
    draft_id: int
    sick: bool
    percentage: float
    name: str | None


def open_sick_cases(session: Session, today: dt.date, employer_id: str | None = None) -> list[SickCase]:
    """The cases still open on `today`, oldest first.

    Only reports made in the last `HORIZON` are read: a case older than that is past the
    last Poortwachter step (the WIA application in week 93), so the cost does not grow
    with all of history."""
    query = select(DraftRow.id, DraftRow.type, DraftRow.employer_id, DraftRow.employee_id, DraftRow.employee_name,
                   DraftRow.fields).where(
        col(DraftRow.type).in_(["sick", "recovery"]), col(DraftRow.status).in_(DraftStatus.LIVE),
        col(DraftRow.employee_id).is_not(None), col(DraftRow.employer_id).is_not(None),
        col(DraftRow.created_at) >= dt.datetime.combine(today - HORIZON, dt.time(), tzinfo=dt.UTC))
    if employer_id is not None:
        query = query.where(DraftRow.employer_id == employer_id)
    events: dict[tuple[str, str], list[_Event]] = {}
    for draft_id, kind, employer, number, name, fields in session.exec(query):
        day = _date(fields.get("start_date" if kind == "sick" else "date"))
        if day is None or day > today or draft_id is None:
            continue
        events.setdefault((employer or "", number or ""), []).append(
            _Event(day, 0 if kind == "sick" else 1, draft_id, kind == "sick", _percentage(fields.get("percentage")),
                   name))
    cases = []
    for (employer, number), found in events.items():
        opened: _Event | None = None
        for event in sorted(found, key=lambda e: (e.day, e.order, e.draft_id)):
            if event.sick:
                opened = opened or event
            elif opened is not None and event.day > opened.day and event.percentage >= 100:
                opened = None
        if opened is not None:
            cases.append(SickCase(opened.draft_id, employer, number, opened.name or number, opened.day))
    return sorted(cases, key=lambda c: (c.first_sick_day, c.draft_id))
