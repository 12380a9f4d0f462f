"""Completeness of a period: nothing received, no hours for hourly staff, open sick reports, drafts to review;
and saving a schedule re-dates the periods still to come."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, col, select

from tests.workflows.test_leave_ledger import make_employee
from workflows.completeness import (
    AWAITING_REVIEW,
    NO_HOURS,
    NOTHING_RECEIVED,
    SICK_OPEN,
    missing,
    states,
)
from workflows.models import AuditEvent, DraftRow, DraftStatus, Employee, PayrollPeriod, PayrollSchedule
from workflows.payroll_periods import PeriodError, ensure_period, mark_run_done, stage, stage_from
from workflows.payroll_schedules import ScheduleError, save_schedule

D = dt.date
MARCH_18 = D(2026, 3, 18)


def employer_with_staff(engine, *, hourly: bool = True) -> tuple[str, Employee]:
    """A new employer with Anna Berg (paid by the hour unless told) and Piet Smit (salaried)."""
    employee_id = make_employee(engine)
    with Session(engine) as session:
        anna = session.get(Employee, employee_id)
        assert anna is not None
        anna.paid_hourly = hourly
        session.add(anna)
        session.add(Employee(employer_id=anna.employer_id, number=f"{anna.number}-2", first_name="Piet",
                             last_name="Smit"))
        session.commit()
        session.refresh(anna)
        return anna.employer_id, anna


def draft(session: Session, employer: str, kind: str, *, period: str = "2026-03", status: str = DraftStatus.NEW,
          number: str | None = None, name: str = "Anna Berg", **fields: object) -> None:
    session.add(DraftRow(employer_id=employer, type=kind, employee_id=number, employee_name=name, period=period,
                         status=status,
                         fields={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()}))


def codes(items) -> list[str]:
    return [m.code for m in items]


def test_an_empty_period_has_nothing_received_and_no_hours(engine) -> None:
    employer, _ = employer_with_staff(engine)
    with Session(engine) as session:
        period = ensure_period(session, employer, "2026-03")
        session.commit()
        assert [m.text for m in missing(session, period, MARCH_18)] == ["nog niets ontvangen",
                                                                         "geen uren voor Anna Berg"]


def test_hours_for_the_hourly_employee_complete_the_period(engine) -> None:
    employer, anna = employer_with_staff(engine)
    with Session(engine) as session:
        period = ensure_period(session, employer, "2026-03")
        draft(session, employer, "hours", number=anna.number, status=DraftStatus.APPROVED, hours=80)
        session.commit()
        assert missing(session, period, MARCH_18) == []
        assert stage(session, period) == "approved"


@pytest.mark.parametrize("status", [DraftStatus.REJECTED, DraftStatus.DUPLICATE])
def test_rejected_or_duplicate_hours_do_not_count(engine, status: str) -> None:
    employer, anna = employer_with_staff(engine)
    with Session(engine) as session:
        period = ensure_period(session, employer, "2026-03")
        draft(session, employer, "hours", number=anna.number, status=status, hours=80)
        draft(session, employer, "hours", number=anna.number, period="2026-04", hours=80)  # another period
        session.commit()
        assert codes(missing(session, period, MARCH_18)) == [NOTHING_RECEIVED, NO_HOURS]


def test_drafts_waiting_for_review_are_counted(engine) -> None:
    employer, _ = employer_with_staff(engine, hourly=False)
    with Session(engine) as session:
        period = ensure_period(session, employer, "2026-03")
        draft(session, employer, "one_off_payment", amount=50)
        session.commit()
        assert [m.text for m in missing(session, period, MARCH_18)] == ["1 concept wacht op beoordeling"]
        draft(session, employer, "expense", amount=20)
        draft(session, employer, "expense", status=DraftStatus.APPROVED, amount=20)
        session.commit()
        assert [m.text for m in missing(session, period, MARCH_18)] == ["2 concepten wachten op beoordeling"]


def test_an_open_sick_report_is_missing_until_the_recovery(engine) -> None:
    employer, anna = employer_with_staff(engine, hourly=False)
    with Session(engine) as session:
        period = ensure_period(session, employer, "2026-03")
        draft(session, employer, "sick", number=anna.number, status=DraftStatus.APPROVED, start_date=D(2026, 3, 2))
        session.commit()
        assert [m.text for m in missing(session, period, MARCH_18)] == [
            "ziekmelding van Anna Berg sinds 02-03-2026 staat nog open"]
        assert missing(session, period, D(2026, 3, 1)) == []  # not sick yet that day
        draft(session, employer, "recovery", number=anna.number, period="2026-04", status=DraftStatus.APPROVED,
              date=D(2026, 4, 2), percentage=100)
        session.commit()
        # Still open on the last day of March, whatever today is; closed in April.
        assert codes(missing(session, period, D(2026, 5, 1))) == [SICK_OPEN]
        april = ensure_period(session, employer, "2026-04")
        session.commit()
        assert codes(missing(session, april, D(2026, 5, 1))) == []


def test_staff_not_yet_employed_or_gone_are_not_expected_to_have_hours(engine) -> None:
    employer, anna = employer_with_staff(engine)
    with Session(engine) as session:
        anna = session.get(Employee, anna.id)
        assert anna is not None
        anna.start_date = D(2026, 4, 1)
        session.add(anna)
        march, april, june = (ensure_period(session, employer, k) for k in ("2026-03", "2026-04", "2026-06"))
        draft(session, employer, "termination", number=anna.number, period="2026-05", status=DraftStatus.APPROVED,
              end_date=D(2026, 5, 31))
        session.commit()
        assert NO_HOURS not in codes(missing(session, march, MARCH_18))
        assert NO_HOURS in codes(missing(session, april, MARCH_18))
        assert NO_HOURS not in codes(missing(session, june, MARCH_18))


def test_a_period_whose_run_is_done_expects_nothing(engine) -> None:
    employer, _ = employer_with_staff(engine)
    with Session(engine) as session:
        ensure_period(session, employer, "2026-03")
        session.commit()
    mark_run_done(engine, employer, "2026-03", actor="anna@bureau.example")
    with Session(engine) as session:
        period = session.exec(select(PayrollPeriod).where(PayrollPeriod.employer_id == employer)).one()
        [state] = states(session, [period], MARCH_18)
        assert (state.stage, state.missing) == ("run_done", [])


def test_states_in_bulk_agree_with_stage_per_period(engine) -> None:
    first, anna = employer_with_staff(engine)
    second, _ = employer_with_staff(engine, hourly=False)
    with Session(engine) as session:
        periods = [ensure_period(session, e, k) for e in (first, second) for k in ("2026-02", "2026-03")]
        draft(session, first, "hours", number=anna.number, hours=8)
        draft(session, second, "expense", status=DraftStatus.EXPORTED, amount=5)
        draft(session, second, "expense", period="2026-02", status=DraftStatus.APPROVED, amount=5)
        session.commit()
        found = states(session, periods, MARCH_18)
        assert [s.period.period for s in found] == ["2026-02", "2026-03", "2026-02", "2026-03"]
        assert [s.stage for s in found] == [stage(session, p) for p in periods] == [
            "open", "received", "approved", "exported"]
        assert found[1].counts == {DraftStatus.NEW: 1}
        assert codes(found[0].missing) == [NOTHING_RECEIVED, NO_HOURS]
        assert codes(found[1].missing) == [AWAITING_REVIEW]
        assert found[2].missing == found[3].missing == []
    assert stage_from({}, True) == "run_done" and stage_from({DraftStatus.NEW: 0}, False) == "open"


def test_saving_a_schedule_checks_it_and_redates_the_coming_periods(engine) -> None:
    employer, _ = employer_with_staff(engine)
    with Session(engine) as session:
        for key in ("2026-02", "2026-03", "2026-04"):
            ensure_period(session, employer, key)
        session.commit()
    for bad in (("weekly", 25, 5), ("monthly", 0, 5), ("monthly", 32, 5), ("monthly", 25, 21),
                ("monthly", 25, -1)):
        with pytest.raises(ScheduleError):
            save_schedule(engine, employer, *bad, actor="anna@bureau.example", today=MARCH_18)
    with pytest.raises(PeriodError):
        save_schedule(engine, "nobody", "monthly", 25, 5, actor="anna@bureau.example", today=MARCH_18)
    save_schedule(engine, employer, "monthly", 20, 2, actor="anna@bureau.example", today=MARCH_18)
    with Session(engine) as session:
        rows = {p.period: p for p in session.exec(select(PayrollPeriod).where(PayrollPeriod.employer_id == employer))}
        assert (rows["2026-02"].run_date, rows["2026-02"].deadline) == (D(2026, 2, 25), D(2026, 2, 18))  # past
        assert (rows["2026-03"].run_date, rows["2026-03"].deadline) == (D(2026, 3, 20), D(2026, 3, 18))
        assert (rows["2026-04"].run_date, rows["2026-04"].deadline) == (D(2026, 4, 20), D(2026, 4, 16))
        assert session.get(PayrollSchedule, employer).run_day == 20  # type: ignore[union-attr]
    save_schedule(engine, employer, "four_weekly", 25, 5, actor="anna@bureau.example", today=MARCH_18)
    with Session(engine) as session:
        keys = sorted(session.exec(select(PayrollPeriod.period).where(PayrollPeriod.employer_id == employer)))
        # March has begun and keeps its row; April, still to come, makes way for the four-weekly periods.
        assert keys == ["2026-02", "2026-03", "2026-P03", "2026-P04"]
        audit = session.exec(select(AuditEvent).where(AuditEvent.subject_id == employer,
                                                      AuditEvent.action == "schedule_saved")
                             .order_by(col(AuditEvent.id))).all()
        assert [a.detail["after"]["frequency"] for a in audit] == ["monthly", "four_weekly"]
        assert audit[0].detail["before"] is None and audit[1].detail["removed"] == ["2026-04"]
