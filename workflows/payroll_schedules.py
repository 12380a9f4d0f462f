"""Setting an employer's payroll schedule, and re-dating the periods it changes.

`save_schedule` checks the setting (a frequency of `FREQUENCIES`, a run day 1-31, a deadline
of 0-20 working days), stores it with an audit event, and brings the periods whose run is
still to come in line with it, in the same transaction:

- a period whose run is not done and that has not ended, of the new frequency's kind
  ("2026-03" monthly, "2026-P04" four-weekly), gets its dates recomputed in place, so its id
  (and whatever refers to it) stays;
- one of the other kind that starts after today is deleted: the new schedule makes its own;
- one of the other kind that already started stays as it was (its drafts are in it and its
  run belongs to the old schedule), as do every past period and every period whose run is done.

The current and next period of the new schedule are then made, as `ensure_current_periods`
would. Drafts keep the period they were given when they were read.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from workflows.models import AuditEvent, Employer, PayrollPeriod, PayrollSchedule
from workflows.payroll_periods import (
    FOUR_WEEKLY,
    FREQUENCIES,
    PeriodError,
    ensure_period,
    period_containing,
    period_dates,
)
from workflows.periods import AMSTERDAM

FREQUENCY_LABELS = {"monthly": "maandelijks", "four_weekly": "vierwekelijks"}
RUN_DAYS = range(1, 32)
DEADLINE_DAYS = range(0, 21)


class ScheduleError(PeriodError):
    """The schedule cannot be saved as asked; the message says why, in Dutch."""


def check_schedule(frequency: str, run_day: int, deadline_working_days: int) -> None:
    if frequency not in FREQUENCIES:
        raise ScheduleError(f"onbekende frequentie {frequency!r}: kies maandelijks of vierwekelijks")
    if run_day not in RUN_DAYS:
        raise ScheduleError("de verloningsdag moet tussen 1 en 31 liggen")
    if deadline_working_days not in DEADLINE_DAYS:
        raise ScheduleError("de deadline moet tussen 0 en 20 werkdagen voor de verloning liggen")


def _four_weekly_key(key: str) -> bool:
    return key[5:].startswith("P")


def save_schedule(engine: Engine, employer_id: str, frequency: str, run_day: int, deadline_working_days: int,
                  actor: str, *, today: dt.date | None = None) -> PayrollSchedule:
    """Store the employer's schedule and re-date its coming periods; ScheduleError when it is not valid."""
    check_schedule(frequency, run_day, deadline_working_days)
    today = today or dt.datetime.now(AMSTERDAM).date()
    with Session(engine) as session:
        if session.get(Employer, employer_id) is None:
            raise ScheduleError(f"onbekende werkgever {employer_id!r}")
        schedule = session.get(PayrollSchedule, employer_id)
        before = None if schedule is None else {"frequency": schedule.frequency, "run_day": schedule.run_day,
                                                "deadline_working_days": schedule.deadline_working_days}
        schedule = schedule or PayrollSchedule(employer_id=employer_id)
        schedule.frequency, schedule.run_day = frequency, run_day
        schedule.deadline_working_days = deadline_working_days
        session.add(schedule)
        redated, removed = [], []
        coming = session.exec(select(PayrollPeriod).where(PayrollPeriod.employer_id == employer_id,
                                                          col(PayrollPeriod.run_done_at).is_(None),
                                                          col(PayrollPeriod.ends_on) >= today))
        for period in coming:
            if _four_weekly_key(period.period) == (frequency == FOUR_WEEKLY):
                dates = period_dates(schedule, period.period)
                period.starts_on, period.ends_on = dates.starts_on, dates.ends_on
                period.run_date, period.deadline = dates.run_date, dates.deadline
                session.add(period)
                redated.append(period.period)
            elif period.starts_on > today:
                session.delete(period)
                removed.append(period.period)
        session.flush()
        current = period_containing(schedule, today)
        ensure_period(session, employer_id, current.key)
        ensure_period(session, employer_id, period_containing(schedule, current.ends_on + dt.timedelta(days=1)).key)
        session.add(AuditEvent(actor=actor, action="schedule_saved", subject_type="payroll_schedule",
                               subject_id=employer_id,
                               detail={"before": before, "after": {"frequency": frequency, "run_day": run_day,
                                                                   "deadline_working_days": deadline_working_days},
                                       "redated": redated, "removed": removed}))
        session.commit()
        session.refresh(schedule)
        return schedule
