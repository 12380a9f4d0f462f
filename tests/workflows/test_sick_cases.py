"""Open sick cases from the drafts: opened by a sick report, closed only by a full recovery."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from tests.workflows.test_leave_ledger import make_employee
from workflows.models import DraftRow, Employee
from workflows.sick_cases import open_sick_cases

D = dt.date


def add(session: Session, employer: str, kind: str, status: str = "approved", **fields: object) -> None:
    session.add(DraftRow(employer_id=employer, type=kind, employee_id="7", employee_name="Anna Berg",
                         fields={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()},
                         status=status))


def test_a_case_stays_open_until_a_full_recovery(engine) -> None:
    employee = make_employee(engine)
    with Session(engine) as session:
        employer = session.get(Employee, employee).employer_id  # type: ignore[union-attr]
        add(session, employer, "sick", start_date=D(2026, 3, 2), percentage=100)
        add(session, employer, "recovery", date=D(2026, 3, 9), percentage=50)
        add(session, employer, "sick", start_date=D(2026, 3, 12))  # reported again: the same case
        add(session, employer, "sick", "rejected", start_date=D(2026, 1, 5))
        session.commit()
        [case] = open_sick_cases(session, D(2026, 3, 20))
        assert (case.first_sick_day, case.employee_number, case.employer_id) == (D(2026, 3, 2), "7", employer)
        assert open_sick_cases(session, D(2026, 3, 1)) == []  # not sick yet on that day
        add(session, employer, "recovery", date=D(2026, 3, 23))
        session.commit()
        assert open_sick_cases(session, D(2026, 3, 24)) == []
        assert [c.first_sick_day for c in open_sick_cases(session, D(2026, 3, 20))] == [D(2026, 3, 2)]
        add(session, employer, "sick", "new", start_date=D(2026, 4, 1))
        session.commit()
        assert [c.first_sick_day for c in open_sick_cases(session, D(2026, 4, 2), employer)] == [D(2026, 4, 1)]
        assert open_sick_cases(session, D(2026, 4, 2), "someone-else") == []
