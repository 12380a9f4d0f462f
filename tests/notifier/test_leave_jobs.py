"""The daily leave bookings: this year's accrual once, pro rata for a starter, expiry on its day and not
before, the employer's extra-statutory hours, employees without hours skipped, one failure not stopping
the rest; and `loonbode serve` scheduling the job."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier import leave_jobs
from notifier.leave_jobs import LeaveYearSummary, book_leave_year
from workflows import leave_ledger as ledger
from workflows.models import Employee, Employer, LeaveEntry, LeaveEntryType, LeaveKind, LeaveSettings
from workflows.periods import AMSTERDAM

D = dt.date
_numbers = itertools.count(1)


def make_employer(engine: Engine, *, extra_hours: float = 0) -> str:
    n = next(_numbers)
    with Session(engine) as session:
        employer_id = f"werkgever-{n}"
        session.add(Employer(id=employer_id, name=f"Werkgever {n}"))
        session.flush()
        session.add(LeaveSettings(employer_id=employer_id, extra_minutes_per_year=round(extra_hours * 60)))
        session.commit()
    return employer_id


def make_employee(engine: Engine, employer_id: str, *, hours: float | None = 40, start: dt.date | None = None) -> int:
    with Session(engine) as session:
        employee = Employee(employer_id=employer_id, number=str(next(_numbers)), first_name="Anna",
                            last_name="Berg", hours_per_week=hours, start_date=start)
        session.add(employee)
        session.commit()
        assert employee.id is not None
        return employee.id


def accruals(engine: Engine, employee_id: int) -> dict[tuple[str, int], float]:
    with Session(engine) as session:
        rows = session.exec(select(LeaveEntry).where(LeaveEntry.employee_id == employee_id,
                                                     LeaveEntry.entry_type == LeaveEntryType.ACCRUAL)).all()
    found: dict[tuple[str, int], float] = {}
    for row in rows:
        assert (row.kind, row.year) not in found, "an accrual booked twice"
        found[(row.kind, row.year)] = ledger.to_hours(row.minutes)
    return found


def test_the_accrual_is_booked_once_even_when_run_twice(engine: Engine):
    employee = make_employee(engine, make_employer(engine), hours=40, start=D(2019, 3, 1))
    first = book_leave_year(engine, D(2026, 1, 1))
    again = book_leave_year(engine, D(2026, 1, 2))
    assert first == LeaveYearSummary(accrued=1)
    assert again == LeaveYearSummary()
    assert accruals(engine, employee) == {(LeaveKind.STATUTORY, 2026): 160.0}
    assert ledger.balance(engine, employee, D(2026, 1, 2)).hours == 160.0


def test_a_mid_year_starter_gets_the_part_of_the_year_employed(engine: Engine):
    employee = make_employee(engine, make_employer(engine), hours=32, start=D(2026, 7, 1))
    book_leave_year(engine, D(2026, 7, 1))
    # 1 July to 31 December is 184 of 365 days: 4 × 32 × 184 / 365.
    assert accruals(engine, employee) == {(LeaveKind.STATUTORY, 2026): round(128 * 184 / 365, 2)}
    assert accruals(engine, employee)[(LeaveKind.STATUTORY, 2026)] == 64.53


def test_last_years_statutory_rest_expires_on_1_july_and_not_before(engine: Engine):
    employee = make_employee(engine, make_employer(engine), hours=40, start=D(2020, 1, 1))
    book_leave_year(engine, D(2025, 1, 1))
    request = ledger.request_leave(engine, employee, "vacation", D(2025, 8, 4), D(2025, 8, 8), 40, "dashboard")
    ledger.decide(engine, request.id or 0, True, actor="hr@x.example", today=D(2025, 8, 1))
    book_leave_year(engine, D(2026, 1, 1))

    before = book_leave_year(engine, D(2026, 6, 30))
    assert before == LeaveYearSummary()
    assert ledger.balance(engine, employee, D(2026, 6, 30)).statutory.hours == 120 + 160

    on_the_day = book_leave_year(engine, D(2026, 7, 1))
    assert on_the_day == LeaveYearSummary(expired=1)
    with Session(engine) as session:
        [expired] = session.exec(select(LeaveEntry).where(LeaveEntry.employee_id == employee,
                                                          LeaveEntry.entry_type == LeaveEntryType.EXPIRED)).all()
    assert (expired.kind, expired.year, ledger.to_hours(expired.minutes)) == (LeaveKind.STATUTORY, 2025, -120.0)
    assert ledger.balance(engine, employee, D(2026, 7, 1)).statutory.hours == 160
    assert book_leave_year(engine, D(2026, 7, 2)) == LeaveYearSummary()


def test_extra_statutory_hours_follow_the_employers_setting_and_stay_five_years(engine: Engine):
    generous, plain = make_employer(engine, extra_hours=40), make_employer(engine)
    part_time = make_employee(engine, generous, hours=32, start=D(2020, 1, 1))
    elsewhere = make_employee(engine, plain, hours=32, start=D(2020, 1, 1))
    assert book_leave_year(engine, D(2025, 1, 1)) == LeaveYearSummary(accrued=2)
    assert accruals(engine, part_time) == {(LeaveKind.STATUTORY, 2025): 128.0, (LeaveKind.EXTRA, 2025): 32.0}
    assert accruals(engine, elsewhere) == {(LeaveKind.STATUTORY, 2025): 128.0}

    book_leave_year(engine, D(2030, 12, 31))  # statutory 2025 gone long ago; extra 2025 usable through 2030
    assert ledger.balance(engine, part_time, D(2030, 12, 31)).extra.hours == 32 + 40 * 32 / 40
    book_leave_year(engine, D(2031, 1, 1))
    extra = ledger.balance(engine, part_time, D(2031, 1, 1)).extra
    assert extra.hours == 32 + 32  # 2025's expired; 2030's and 2031's remain
    assert {(e.kind, e.year) for e in ledger.entries(engine, part_time)
            if e.entry_type == LeaveEntryType.EXPIRED} == {(LeaveKind.STATUTORY, 2025), (LeaveKind.EXTRA, 2025)}


def test_an_employee_without_hours_is_skipped_and_reported_by_id(engine: Engine, caplog: pytest.LogCaptureFixture):
    employer = make_employer(engine)
    without = make_employee(engine, employer, hours=None)
    zero = make_employee(engine, employer, hours=0)
    with_hours = make_employee(engine, employer, hours=20, start=D(2020, 1, 1))
    with caplog.at_level(logging.WARNING, logger="notifier.leave_jobs"):
        summary = book_leave_year(engine, D(2026, 2, 1))
    assert summary == LeaveYearSummary(accrued=1, skipped=2, skipped_ids=(without, zero))
    assert accruals(engine, without) == {} and accruals(engine, with_hours) == {(LeaveKind.STATUTORY, 2026): 80.0}
    logged = caplog.text
    assert f"werknemer-id {without} " in logged and f"werknemer-id {zero} " in logged
    assert "Anna" not in logged and "Berg" not in logged


def test_one_failing_employee_does_not_stop_the_others(engine: Engine, monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture):
    employer = make_employer(engine)
    first, broken, last = (make_employee(engine, employer, start=D(2020, 1, 1)) for _ in range(3))
    real = leave_jobs.accrue_year

    def accrue(engine: Engine, employee_id: int, year: int, **kwargs: object) -> dict[str, float]:
        if employee_id == broken:
            raise RuntimeError("de database hapert")
        return real(engine, employee_id, year, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(leave_jobs, "accrue_year", accrue)
    with caplog.at_level(logging.ERROR, logger="notifier.leave_jobs"):
        summary = book_leave_year(engine, D(2026, 3, 1))
    assert summary == LeaveYearSummary(accrued=2, failed=1, failed_ids=(broken,))
    assert f"werknemer-id {broken} mislukt" in caplog.text
    assert accruals(engine, first) and accruals(engine, last) and not accruals(engine, broken)
    monkeypatch.setattr(leave_jobs, "accrue_year", real)
    assert book_leave_year(engine, D(2026, 3, 2)) == LeaveYearSummary(accrued=1)  # the next run catches up


# --- the service schedules it --------------------------------------------------------------------------------


def test_the_scheduler_gets_the_imap_poll_only_when_imap_is_configured():
    from intake.service import _scheduled_jobs

    def ids(imap_url: str | None) -> list[str]:
        service = SimpleNamespace(settings=SimpleNamespace(imap_url=imap_url, imap_poll_seconds=60), engine=None,
                                  wake_outbox=None)
        return [job.id for job in _scheduled_jobs(service)]  # type: ignore[arg-type]

    assert ids(None) == ["leave-year", "leave-reminders", "documents-ready", "reminders", "retention"]
    assert ids("imap://u:p@127.0.0.1/INBOX") == ["imap", "leave-year", "leave-reminders", "documents-ready",
                                                 "reminders", "retention"]


def test_serve_schedules_the_leave_job_nightly_and_soon_after_start(data_dir: Path):
    from intake.service import LEAVE_FIRST_RUN_DELAY, start
    from loonbode.settings import Settings
    from parsers.roster import Roster
    from tests.intake import free_port
    from tests.parsers.conftest import ROSTER
    from workflows.roster_store import import_roster

    settings = Settings(data_dir=data_dir, smtp_port=free_port(), http_port=free_port())  # type: ignore[call-arg]
    before = dt.datetime.now(dt.UTC)
    service = start(settings)
    try:
        scheduler = service.scheduler
        assert scheduler is not None and scheduler.running
        assert sorted(job.id for job in scheduler.get_jobs()) == ["documents-ready", "leave-reminders",
                                                                  "leave-year", "reminders", "retention"]  # no IMAP
        job = scheduler.get_job("leave-year")
        assert isinstance(job.trigger, CronTrigger)
        assert str(job.trigger.timezone) == "Europe/Amsterdam"
        fields = {f.name: str(f) for f in job.trigger.fields}
        assert (fields["hour"], fields["minute"]) == ("1", "30")
        assert before < job.next_run_time <= dt.datetime.now(dt.UTC) + LEAVE_FIRST_RUN_DELAY
        after_first = job.trigger.get_next_fire_time(None, dt.datetime(2026, 3, 29, 12, tzinfo=AMSTERDAM))
        assert after_first == dt.datetime(2026, 3, 30, 1, 30, tzinfo=AMSTERDAM)

        import_roster(service.engine, Roster.model_validate(ROSTER), actor="test")
        job.func()  # what the scheduler runs, without waiting for it
        with Session(service.engine) as session:
            gerrit = session.exec(select(Employee).where(Employee.number == "71")).one()
        year = dt.datetime.now(AMSTERDAM).year
        assert accruals(service.engine, gerrit.id or 0) == {(LeaveKind.STATUTORY, year): 160.0}
    finally:
        service.stop()
    assert not service.scheduler.running
