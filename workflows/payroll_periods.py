"""Payroll periods per employer: their dates, the mutation deadline, their stage, and "run done".

An employer's `PayrollSchedule` says how its payroll runs: monthly (key "2026-03"; the run
on `run_day`, or the working day before it) or four-weekly (13 periods of ISO weeks, key
"2026-P04" for weeks 13-16; period 13 takes week 53; the run on the Friday of the last
week). Mutations are due `deadline_working_days` working days before the run.

A period's stage follows from its drafts, so it can never disagree with them: `open`
(nothing received), `received` (drafts waiting for review), `approved` (all reviewed,
some not exported), `exported` (every approved draft exported), `run_done` (the bureau
said the payroll ran: `mark_run_done`, claimed with a conditional update, once).
Functions that read the clock take `today`/`now`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workflows.models import AuditEvent, DraftRow, DraftStatus, Employer, PayrollPeriod, PayrollSchedule, utcnow
from workflows.periods import AMSTERDAM, PERIOD, deciding_date, draft_period
from workflows.working_days import add_working_days, on_or_before

MONTHLY, FOUR_WEEKLY = "monthly", "four_weekly"
FREQUENCIES = (MONTHLY, FOUR_WEEKLY)
STAGES = ("open", "received", "approved", "exported", "run_done")
STAGE_LABELS = {"open": "open", "received": "mutaties ontvangen", "approved": "goedgekeurd",
                "exported": "geëxporteerd", "run_done": "verloning klaar"}


class PeriodError(ValueError):
    """The period action cannot be done; the message says why, in Dutch."""


@dataclass(frozen=True)
class PeriodDates:
    key: str
    starts_on: dt.date
    ends_on: dt.date
    run_date: dt.date
    deadline: dt.date


def schedule_of(session: Session, employer_id: str) -> PayrollSchedule:
    return session.get(PayrollSchedule, employer_id) or PayrollSchedule(employer_id=employer_id)


def _monthly(schedule: PayrollSchedule, year: int, month: int) -> PeriodDates:
    last = calendar.monthrange(year, month)[1]
    run = on_or_before(dt.date(year, month, min(max(schedule.run_day, 1), last)))
    return PeriodDates(f"{year}-{month:02d}", dt.date(year, month, 1), dt.date(year, month, last), run,
                       add_working_days(run, -schedule.deadline_working_days))


def _four_weekly(schedule: PayrollSchedule, year: int, number: int) -> PeriodDates:
    first_week = 4 * number - 3
    starts = dt.date.fromisocalendar(year, first_week, 1)
    weeks_in_year = dt.date(year, 12, 28).isocalendar().week  # 52 or 53
    last_week = weeks_in_year if number == 13 else 4 * number
    ends = dt.date.fromisocalendar(year, last_week, 7)
    run = on_or_before(ends - dt.timedelta(days=2))
    return PeriodDates(f"{year}-P{number:02d}", starts, ends, run,
                       add_working_days(run, -schedule.deadline_working_days))


def period_containing(schedule: PayrollSchedule, day: dt.date) -> PeriodDates:
    if schedule.frequency == FOUR_WEEKLY:
        iso = day.isocalendar()
        return _four_weekly(schedule, iso.year, min((iso.week - 1) // 4 + 1, 13))
    return _monthly(schedule, day.year, day.month)


def period_dates(schedule: PayrollSchedule, key: str) -> PeriodDates:
    """The dates of the period `key` ("2026-03" or "2026-P04"); PeriodError when it is not one."""
    if not PERIOD.match(key):
        raise PeriodError(f"ongeldige periode {key!r}: verwacht JJJJ-MM of JJJJ-Pnn")
    year, rest = int(key[:4]), key[5:]
    if rest.startswith("P"):
        return _four_weekly(schedule, year, int(rest[1:]))
    return _monthly(schedule, year, int(rest))


def period_key_for(schedule: PayrollSchedule, month_key: str, deciding: dt.date | None) -> str:
    """The employer's period for a draft: by its deciding date, else by the month it names."""
    if schedule.frequency != FOUR_WEEKLY:
        return month_key
    day = deciding or dt.date(int(month_key[:4]), int(month_key[5:7]), 15)
    return period_containing(schedule, day).key


def draft_period_for(session: Session, employer_id: str | None, mutation_type: str, fields: dict[str, Any],
                     received_at: dt.datetime) -> str:
    """The period a draft lands in: its month, or for a four-weekly employer the period of its date."""
    month = draft_period(mutation_type, fields, received_at)
    if employer_id is None or not month[5:].isdigit():
        return month
    schedule = schedule_of(session, employer_id)
    if schedule.frequency != FOUR_WEEKLY:
        return month
    arrived = received_at if received_at.tzinfo else received_at.replace(tzinfo=dt.UTC)
    named_month = isinstance(fields.get("period"), str)
    deciding = deciding_date(mutation_type, fields) or (None if named_month else arrived.astimezone(AMSTERDAM).date())
    return period_key_for(schedule, month, deciding)


def ensure_period(session: Session, employer_id: str, key: str) -> PayrollPeriod:
    """The period row, made when it does not exist yet (two makers at once: the second reads the first's)."""
    found = session.exec(select(PayrollPeriod).where(PayrollPeriod.employer_id == employer_id,
                                                     PayrollPeriod.period == key)).first()
    if found is not None:
        return found
    dates = period_dates(schedule_of(session, employer_id), key)
    row = PayrollPeriod(employer_id=employer_id, period=key, starts_on=dates.starts_on, ends_on=dates.ends_on,
                        run_date=dates.run_date, deadline=dates.deadline)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = session.exec(select(PayrollPeriod).where(PayrollPeriod.employer_id == employer_id,
                                                         PayrollPeriod.period == key)).first()
        assert found is not None
        return found
    return row


def ensure_current_periods(engine: Engine, today: dt.date) -> list[PayrollPeriod]:
    """Make sure every employer has a row for the period `today` falls in and the next one."""
    made = []
    with Session(engine) as session:
        for employer_id in session.exec(select(Employer.id)).all():
            schedule = schedule_of(session, employer_id)
            current = period_containing(schedule, today)
            upcoming = period_containing(schedule, current.ends_on + dt.timedelta(days=1))
            made += [ensure_period(session, employer_id, current.key), ensure_period(session, employer_id,
                                                                                   upcoming.key)]
        session.commit()
        for row in made:
            session.refresh(row)
    return made


def stage_from(counts: dict[str, int], run_done: bool) -> str:
    """The stage from the period's counts of drafts per status (duplicates and rejected ones do not count)."""
    if run_done:
        return "run_done"
    if not any(counts.get(s) for s in DraftStatus.LIVE):
        return "open"
    if counts.get(DraftStatus.NEW):
        return "received"
    if counts.get(DraftStatus.APPROVED):
        return "approved"
    return "exported"


def stage(session: Session, period: PayrollPeriod) -> str:
    """Where the period stands, from its drafts."""
    if period.run_done_at is not None:
        return "run_done"
    counts = dict(session.exec(select(DraftRow.status, func.count()).where(
        DraftRow.employer_id == period.employer_id, DraftRow.period == period.period,
        col(DraftRow.status).in_(DraftStatus.LIVE)).group_by(DraftRow.status)).all())
    return stage_from(counts, False)


def mark_run_done(engine: Engine, employer_id: str, key: str, *, actor: str,
                  now: dt.datetime | None = None) -> PayrollPeriod:
    """The bureau says the payroll of this period ran; refused when it was said before.

    The documents-ready notices follow from this (`notifier.documents_ready`), once."""
    now = now or utcnow()
    with Session(engine) as session:
        if session.get(Employer, employer_id) is None:
            raise PeriodError(f"onbekende werkgever {employer_id!r}")
        period = ensure_period(session, employer_id, key)
        done = session.exec(update(PayrollPeriod).where(  # type: ignore[call-overload]
            col(PayrollPeriod.id) == period.id, col(PayrollPeriod.run_done_at).is_(None))
            .values(run_done_at=now, run_done_by=actor))
        if done.rowcount != 1:
            session.rollback()
            raise PeriodError(f"de verloning van {key} voor {employer_id} is al als klaar gemeld")
        session.add(AuditEvent(actor=actor, action="run_done", subject_type="payroll_period",
                               subject_id=str(period.id), detail={"employer_id": employer_id, "period": key}))
        session.commit()
        session.refresh(period)
        return period
