"""Payroll periods: dates, deadlines in working days, four-weekly periods, stages from drafts, run done once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlmodel import Session

from tests.workflows.test_leave_ledger import make_employee
from workflows.models import DraftRow, DraftStatus, Employee, PayrollSchedule
from workflows.payroll_periods import (
    FOUR_WEEKLY,
    PeriodError,
    draft_period_for,
    ensure_current_periods,
    ensure_period,
    mark_run_done,
    period_containing,
    period_dates,
    stage,
)

D = dt.date
MONTHLY = PayrollSchedule(employer_id="x")
FOUR = PayrollSchedule(employer_id="x", frequency=FOUR_WEEKLY)


@pytest.mark.parametrize(("key", "run", "deadline"), [
    ("2026-03", D(2026, 3, 25), D(2026, 3, 18)),   # Wednesday the 25th; five working days back
    ("2026-04", D(2026, 4, 24), D(2026, 4, 17)),   # the 25th is a Saturday: Friday the 24th
    ("2026-05", D(2026, 5, 22), D(2026, 5, 15)),   # Tweede pinksterdag 25 May: Friday 22nd
    ("2026-12", D(2026, 12, 24), D(2026, 12, 17)),  # Eerste kerstdag: the 24th
    ("2026-06", D(2026, 6, 25), D(2026, 6, 18)),
    ("2027-05", D(2027, 5, 25), D(2027, 5, 18)),
    ("2026-02", D(2026, 2, 25), D(2026, 2, 18)),
])
def test_monthly_run_and_deadline(key: str, run: dt.date, deadline: dt.date) -> None:
    dates = period_dates(MONTHLY, key)
    assert (dates.run_date, dates.deadline) == (run, deadline)
    assert dates.starts_on.day == 1 and dates.ends_on.month == dates.starts_on.month


def test_a_public_holiday_inside_the_deadline_window_is_skipped() -> None:
    dates = period_dates(PayrollSchedule(employer_id="x", run_day=30), "2026-04")
    assert (dates.run_date, dates.deadline) == (D(2026, 4, 30), D(2026, 4, 22))  # Koningsdag 27 April skipped


def test_a_run_day_past_the_end_of_a_short_month_is_its_last_working_day() -> None:
    assert period_dates(PayrollSchedule(employer_id="x", run_day=31), "2026-02").run_date == D(2026, 2, 27)


def test_four_weekly_periods_follow_iso_weeks() -> None:
    first = period_dates(FOUR, "2026-P01")
    assert (first.starts_on, first.ends_on, first.run_date) == (D(2025, 12, 29), D(2026, 1, 25), D(2026, 1, 23))
    assert period_containing(FOUR, D(2026, 3, 18)).key == "2026-P03"  # ISO week 12
    last = period_dates(FOUR, "2026-P13")  # 2026 has 53 ISO weeks: period 13 takes five
    assert (last.starts_on, last.ends_on) == (D(2026, 11, 30), D(2027, 1, 3))
    assert period_containing(FOUR, D(2027, 1, 1)).key == "2026-P13"
    with pytest.raises(PeriodError):
        period_dates(FOUR, "2026-P14")


def test_drafts_land_in_the_period_they_apply_to(engine) -> None:
    employee = make_employee(engine)
    with Session(engine) as session:
        employer = session.get(Employee, employee).employer_id  # type: ignore[union-attr]
        received = dt.datetime(2026, 3, 30, 9, tzinfo=dt.UTC)
        assert draft_period_for(session, employer, "sick", {"start_date": "2026-03-16"}, received) == "2026-03"
        assert draft_period_for(session, employer, "one_off_payment", {"amount": 5}, received) == "2026-03"
        session.add(PayrollSchedule(employer_id=employer, frequency=FOUR_WEEKLY))
        session.commit()
        assert draft_period_for(session, employer, "sick", {"start_date": "2026-03-16"}, received) == "2026-P03"
        assert draft_period_for(session, employer, "one_off_payment", {"amount": 5}, received) == "2026-P04"
        assert draft_period_for(session, employer, "expense", {"amount": 5, "period": "2026-06"},
                                received) == "2026-P07"  # the month it names: its 15th (ISO week 24)


def test_the_stage_follows_the_drafts_and_run_done_is_said_once(engine) -> None:
    employee = make_employee(engine)
    with Session(engine) as session:
        employer = session.get(Employee, employee).employer_id  # type: ignore[union-attr]
        period = ensure_period(session, employer, "2026-03")
        session.commit()
        assert stage(session, period) == "open"
        draft = DraftRow(employer_id=employer, type="sick", fields={}, period="2026-03")
        session.add(draft)
        session.commit()
        assert stage(session, period) == "received"
        draft.status = DraftStatus.APPROVED
        session.add(draft)
        session.commit()
        assert stage(session, period) == "approved"
        draft.status = DraftStatus.EXPORTED
        session.add(draft)
        session.commit()
        assert stage(session, period) == "exported"
    outcomes: list[str] = []
    start = threading.Barrier(3)

    def say_done() -> None:
        start.wait()
        try:
            mark_run_done(engine, employer, "2026-03", actor="anna@bureau.example")
            outcomes.append("done")
        except PeriodError:
            outcomes.append("refused")

    threads = [threading.Thread(target=say_done) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["done", "refused", "refused"]
    with Session(engine) as session:
        period = ensure_period(session, employer, "2026-03")
        assert stage(session, period) == "run_done" and period.run_done_by == "anna@bureau.example"


def test_current_and_next_periods_exist_for_every_employer(engine) -> None:
    make_employee(engine)
    made = ensure_current_periods(engine, D(2026, 3, 18))
    assert [p.period for p in made] == ["2026-03", "2026-04"]
    again = ensure_current_periods(engine, D(2026, 3, 19))
    assert [p.id for p in again] == [p.id for p in made]
