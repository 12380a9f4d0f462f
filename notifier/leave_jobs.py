"""The yearly leave bookings, run daily by `loonbode serve`: this year's accrual and what has expired.

`book_leave_year(engine, today)` books, for every employee, the accrual of `today`'s year
(`accrue_year`: statutory and the employer's extra-statutory hours, pro rata for the start
date) and the expiry of every bucket past its date (`expire`). Both are idempotent, so the
job can run every day, after a restart, and on two instances sharing PostgreSQL: what is
booked once is not booked again. Employees without contract hours get no accrual (they are
skipped and counted); their expiries are still booked. Each employee's bookings are their
own transactions, so one failing employee is logged and counted and the others go on.

The clock is the argument: the same `today` over the same data books the same entries.
Log lines name the employee's database id only, never personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from workflows.leave_ledger import accrue_year, expire
from workflows.models import Employee

log = logging.getLogger(__name__)

ACTOR = "system"


@dataclass(frozen=True)
class LeaveYearSummary:
    """What one run booked: employees with an accrual booked now, expired buckets booked now,
    employees skipped for lack of contract hours, and employees whose bookings failed."""

    accrued: int = 0
    expired: int = 0
    skipped: int = 0
    failed: int = 0
    skipped_ids: tuple[int, ...] = ()
    failed_ids: tuple[int, ...] = ()


def book_leave_year(engine: Engine, today: dt.date) -> LeaveYearSummary:
    """Book this year's accrual and every due expiry for all employees (see the module docstring)."""
    with Session(engine) as session:
        employees = list(session.exec(select(Employee.id, Employee.hours_per_week).order_by(col(Employee.id))))
    accrued = expired = 0
    skipped: list[int] = []
    failed: list[int] = []
    for employee_id, hours_per_week in employees:
        assert employee_id is not None
        try:
            if hours_per_week:
                if accrue_year(engine, employee_id, today.year, actor=ACTOR):
                    accrued += 1
            else:
                skipped.append(employee_id)
                log.warning("verlof %d: werknemer-id %d heeft geen contracturen; geen opbouw geboekt",
                            today.year, employee_id)
            expired += len(expire(engine, employee_id, today, actor=ACTOR))
        except Exception:  # one employee's trouble must not keep the others from their hours
            failed.append(employee_id)
            log.exception("verlof %d: boeken voor werknemer-id %d mislukt; de volgende run probeert het opnieuw",
                          today.year, employee_id)
    summary = LeaveYearSummary(accrued=accrued, expired=expired, skipped=len(skipped), failed=len(failed),
                               skipped_ids=tuple(skipped), failed_ids=tuple(failed))
    if accrued or expired or failed:
        log.info("verlof %s: opbouw voor %d werknemer(s), %d vervallen saldo(s), %d zonder contracturen, "
                 "%d mislukt", today.isoformat(), accrued, expired, len(skipped), len(failed))
    return summary
