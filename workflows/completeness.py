"""Completeness of a payroll period: what the bureau still expects from the employer.

Per employer and period, in Dutch sentences with a code: nothing received yet (the period is
`open`); no hours for an employee paid by the hour (no `hours` draft of theirs in the period);
a sick report still open on the period's end (or today, when that is earlier); and drafts
still waiting for review (the period is `received`). A period whose run is done expects
nothing more. Pure reads over a session; `today` is passed in.

`states` answers for many periods at once with a fixed number of queries (one grouped count,
one for hours, one for the hourly staff, one for their terminations, one sick-case read per
distinct day), so the dashboard can show a hundred employers without a query per row.
`workflows.payroll_periods.stage_from` gives the stage from the counts read in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from workflows.models import DraftRow, DraftStatus, Employee, PayrollPeriod
from workflows.payroll_periods import stage_from
from workflows.sick_cases import SickCase, open_sick_cases

NOTHING_RECEIVED = "nothing_received"
AWAITING_REVIEW = "awaiting_review"
NO_HOURS = "no_hours"
SICK_OPEN = "sick_open"


@dataclass(frozen=True)
class Missing:
    code: str  # one of the constants above
    text: str  # the Dutch sentence the dashboard shows


@dataclass(frozen=True)
class PeriodState:
    """One period with its draft counts (new, approved, exported), its stage and what is missing."""

    period: PayrollPeriod
    counts: dict[str, int] = field(default_factory=dict)
    stage: str = "open"
    missing: list[Missing] = field(default_factory=list)


def missing(session: Session, period: PayrollPeriod, today: dt.date) -> list[Missing]:
    """What is still expected for this period, most pressing first; empty once the run is done."""
    return states(session, [period], today)[0].missing


def states(session: Session, periods: Sequence[PayrollPeriod], today: dt.date) -> list[PeriodState]:
    """Counts, stage and missing items for each period, in the order given (rows need not be stored)."""
    if not periods:
        return []
    employers = sorted({p.employer_id for p in periods})
    keys = sorted({p.period for p in periods})
    counts = _counts(session, employers, keys)
    hours = _hours_given(session, employers, keys)
    hourly = _hourly_staff(session, employers)
    left = _left_on(session, hourly)
    sick = _sick_cases(session, periods, today, employers)
    found = []
    for period in periods:
        here = counts.get((period.employer_id, period.period), {})
        stage = stage_from(here, period.run_done_at is not None)
        items: list[Missing] = []
        if stage != "run_done":
            items = _sentences(period, stage, here, hourly.get(period.employer_id, []),
                               hours.get((period.employer_id, period.period), set()), left,
                               sick.get((period.employer_id, _sick_day(period, today)), []))
        found.append(PeriodState(period=period, counts=here, stage=stage, missing=items))
    return found


def _sentences(period: PayrollPeriod, stage: str, counts: dict[str, int], hourly: list[Employee],
               hours_for: set[str], left: dict[tuple[str, str], dt.date], sick: list[SickCase]) -> list[Missing]:
    items = []
    if stage == "open":
        items.append(Missing(NOTHING_RECEIVED, "nog niets ontvangen"))
    waiting = counts.get(DraftStatus.NEW, 0)
    if stage == "received" and waiting:
        items.append(Missing(AWAITING_REVIEW, "1 concept wacht op beoordeling" if waiting == 1 else
                             f"{waiting} concepten wachten op beoordeling"))
    for employee in hourly:
        if employee.number in hours_for:
            continue
        if employee.start_date is not None and employee.start_date > period.ends_on:
            continue  # not employed yet in this period
        gone = left.get((employee.employer_id, employee.number))
        if gone is not None and gone < period.starts_on:
            continue  # left before the period began
        items.append(Missing(NO_HOURS, f"geen uren voor {employee.full_name}"))
    for case in sick:
        items.append(Missing(SICK_OPEN, f"ziekmelding van {case.employee_name} sinds "
                                        f"{case.first_sick_day.strftime('%d-%m-%Y')} staat nog open"))
    return items


def _counts(session: Session, employers: list[str], keys: list[str]) -> dict[tuple[str, str], dict[str, int]]:
    """Counting drafts per (employer, period) and status, in one grouped query."""
    rows = session.exec(select(DraftRow.employer_id, DraftRow.period, DraftRow.status, func.count())
                        .where(col(DraftRow.employer_id).in_(employers), col(DraftRow.period).in_(keys),
                               col(DraftRow.status).in_(DraftStatus.LIVE))
                        .group_by(col(DraftRow.employer_id), col(DraftRow.period), col(DraftRow.status))).all()
    found: dict[tuple[str, str], dict[str, int]] = {}
    for employer, key, status, count in rows:
        found.setdefault((employer or "", key or ""), {})[status] = count
    return found


def _hours_given(session: Session, employers: list[str], keys: list[str]) -> dict[tuple[str, str], set[str]]:
    """The employee numbers with an `hours` draft, per (employer, period)."""
    rows = session.exec(select(DraftRow.employer_id, DraftRow.period, DraftRow.employee_id).distinct()
                        .where(DraftRow.type == "hours", col(DraftRow.employer_id).in_(employers),
                               col(DraftRow.period).in_(keys), col(DraftRow.status).in_(DraftStatus.LIVE),
                               col(DraftRow.employee_id).is_not(None))).all()
    found: dict[tuple[str, str], set[str]] = {}
    for employer, key, number in rows:
        found.setdefault((employer or "", key or ""), set()).add(number or "")
    return found


def _hourly_staff(session: Session, employers: list[str]) -> dict[str, list[Employee]]:
    found: dict[str, list[Employee]] = {}
    for employee in session.exec(select(Employee).where(col(Employee.employer_id).in_(employers),
                                                        col(Employee.paid_hourly).is_(True))
                                 .order_by(col(Employee.employer_id), col(Employee.last_name),
                                           col(Employee.first_name), col(Employee.number))):
        found.setdefault(employee.employer_id, []).append(employee)
    return found


def _left_on(session: Session, hourly: dict[str, list[Employee]]) -> dict[tuple[str, str], dt.date]:
    """The last working day of hourly staff with a termination draft: no hours are expected after it."""
    employers = [e for e, staff in hourly.items() if staff]
    if not employers:
        return {}
    found: dict[tuple[str, str], dt.date] = {}
    for draft in session.exec(select(DraftRow).where(DraftRow.type == "termination",
                                                     col(DraftRow.employer_id).in_(employers),
                                                     col(DraftRow.status).in_(DraftStatus.LIVE),
                                                     col(DraftRow.employee_id).is_not(None))):
        day = _date(draft.fields.get("end_date"))
        if day is not None:
            key = (draft.employer_id or "", draft.employee_id or "")
            found[key] = max(found.get(key, day), day)
    return found


def _sick_day(period: PayrollPeriod, today: dt.date) -> dt.date:
    return min(period.ends_on, today)


def _sick_cases(session: Session, periods: Iterable[PayrollPeriod], today: dt.date,
                employers: list[str]) -> dict[tuple[str, dt.date], list[SickCase]]:
    """Open sick cases per (employer, day), read once per distinct day the periods need."""
    days = sorted({_sick_day(p, today) for p in periods if p.run_done_at is None})
    only = employers[0] if len(employers) == 1 else None
    found: dict[tuple[str, dt.date], list[SickCase]] = {}
    for day in days:
        for case in open_sick_cases(session, day, only):
            found.setdefault((case.employer_id, day), []).append(case)
    return found


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
