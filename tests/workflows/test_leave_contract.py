"""Leave follows the contract: exported new contract hours and terminations change what the rest of
the year earns, pro rata, once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from tests.workflows.test_leave_ledger import make_employee
from workflows import leave_ledger as ledger
from workflows.export import export_period
from workflows.models import DraftRow, DraftStatus, Employee, LeaveEntry, LeaveKind

D = dt.date


def approved_draft(engine, employee_id: int, mutation_type: str, fields: dict[str, object]) -> int:
    with Session(engine) as session:
        employee = session.get(Employee, employee_id)
        assert employee is not None
        draft = DraftRow(employer_id=employee.employer_id, type=mutation_type, employee_id=employee.number,
                         employee_name=employee.full_name, fields=fields, status=DraftStatus.APPROVED,
                         period="2026-06")
        session.add(draft)
        session.commit()
        return employee.employer_id  # type: ignore[return-value]


def statutory(engine, employee_id: int) -> float:
    return ledger.balance(engine, employee_id, D(2026, 6, 1)).statutory.hours


def corrections(engine, employee_id: int) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rows = session.exec(select(LeaveEntry).where(LeaveEntry.employee_id == employee_id,
                                                     LeaveEntry.entry_type == "correction")).all()
        return [(e.kind, e.minutes) for e in rows]


def test_fewer_hours_from_july_earn_less_for_the_rest_of_the_year(engine):
    employee = make_employee(engine, hours=40, extra_hours=40)
    ledger.accrue_year(engine, employee, 2026, actor="system")
    assert statutory(engine, employee) == 160
    employer = approved_draft(engine, employee, "hours_change", {"effective_date": "2026-07-01",
                                                                 "hours_per_week": 32})
    export_period(engine, employer, "2026-06", "anna@bureau.example")
    # 1 July - 31 December is 184 of 365 days: 4 x (32 - 40) x 184/365 = -16.13 h; extra 40 x -8/40 x 184/365.
    assert sorted(corrections(engine, employee)) == [(LeaveKind.EXTRA, round(40 * 60 * -8 / 40 * 184 / 365)),
                                                     (LeaveKind.STATUTORY, round(4 * -8 * 60 * 184 / 365))]
    assert statutory(engine, employee) == pytest.approx(160 - 16.13, abs=0.01)


def test_a_termination_takes_back_what_the_rest_of_the_year_would_earn(engine):
    employee = make_employee(engine, hours=40)
    ledger.accrue_year(engine, employee, 2026, actor="system")
    employer = approved_draft(engine, employee, "termination", {"end_date": "2026-06-30"})
    export_period(engine, employer, "2026-06", "anna@bureau.example")
    assert statutory(engine, employee) == pytest.approx(160 * 181 / 365, abs=0.01)  # 1 Jan - 30 Jun: 181 days
    with Session(engine) as session:  # booked once: the same effects again change nothing
        from workflows.leave_from_mutations import book_leave_effects

        draft = session.exec(select(DraftRow)).one()
        assert book_leave_effects(session, [draft], actor="again") == []
        session.commit()
    assert statutory(engine, employee) == pytest.approx(160 * 181 / 365, abs=0.01)


def test_a_termination_before_the_year_was_booked_books_it_pro_rata(engine):
    employee = make_employee(engine, hours=24, start=D(2026, 2, 1))
    employer = approved_draft(engine, employee, "termination", {"end_date": "2026-06-30"})
    export_period(engine, employer, "2026-06", "anna@bureau.example")
    # 1 Feb - 30 Jun: 150 days; 4 x 24 = 96 h a year.
    assert statutory(engine, employee) == pytest.approx(96 * 150 / 365, abs=0.01)
    assert corrections(engine, employee) == []
    ledger.accrue_year(engine, employee, 2026, actor="system")  # the nightly job later: nothing more
    assert statutory(engine, employee) == pytest.approx(96 * 150 / 365, abs=0.01)


def test_a_change_for_someone_without_contract_hours_does_not_stop_the_export(engine):
    employee = make_employee(engine, hours=0)
    employer = approved_draft(engine, employee, "hours_change", {"effective_date": "2026-07-01",
                                                                 "hours_per_week": 20})
    result = export_period(engine, employer, "2026-06", "anna@bureau.example")
    assert len(result.draft_ids) == 1 and corrections(engine, employee) == []
