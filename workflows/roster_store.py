"""The roster in the database: importing `roster.json` or a CSV, and reading it back.

Import is an upsert: employers and employees are matched on their ids and numbers and
updated in place; sender addresses are replaced by what the file says. `load_roster`
gives the parser the same `Roster` model the command line reads from a file.

The CSV has one row per employee, `;` or `,` separated, with a header row:
`employer_id, employer_name, senders, number, first_name, prefix, last_name, birth_date,
hours_per_week, email, work_days, start_date` and optionally `paid_hourly` (ja/nee) —
`senders` and `work_days` are lists separated by spaces or `|` ("hr@x.nl anja@x.nl",
"mon|tue|wed"); dates are YYYY-MM-DD.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict

from sqlalchemy import Engine, delete
from sqlmodel import Session, select

from parsers.roster import Employee as RosterEmployee
from parsers.roster import Employer as RosterEmployer
from parsers.roster import Roster
from workflows.models import AuditEvent, Employee, Employer, SenderAddress

CSV_COLUMNS = ("employer_id", "employer_name", "senders", "number", "first_name", "prefix", "last_name",
               "birth_date", "hours_per_week", "email", "work_days", "start_date", "paid_hourly")
YES = frozenset({"ja", "j", "yes", "y", "true", "1", "x"})


class RosterError(ValueError):
    """The file cannot be imported; the message says why, in Dutch."""


def roster_from_csv(text: str) -> Roster:
    sample = text[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    missing = [c for c in ("employer_id", "number", "first_name", "last_name") if c not in (reader.fieldnames or [])]
    if missing:
        raise RosterError(f"de CSV mist de kolommen: {', '.join(missing)}")
    employers: dict[str, dict] = {}
    employees: dict[str, list[dict]] = defaultdict(list)
    for number, row in enumerate(reader, start=2):
        employer_id = (row.get("employer_id") or "").strip()
        if not employer_id:
            raise RosterError(f"regel {number}: employer_id ontbreekt")
        employer = employers.setdefault(employer_id, {"id": employer_id, "name": row.get("employer_name") or
                                                      employer_id, "senders": []})
        for sender in re.split(r"[\s|]+", row.get("senders") or ""):
            if sender and sender.lower() not in employer["senders"]:
                employer["senders"].append(sender.lower())
        employee = {k: (row.get(k) or "").strip() or None for k in CSV_COLUMNS[3:]}
        employee["prefix"] = employee["prefix"] or ""
        hourly = employee.pop("paid_hourly")
        if hourly is not None:
            employee["paid_hourly"] = hourly.lower() in YES
        if employee["work_days"]:
            employee["work_days"] = [d for d in re.split(r"[\s|,]+", employee["work_days"]) if d]
        else:
            employee.pop("work_days")
        employees[employer_id].append({k: v for k, v in employee.items() if v is not None})
    try:
        return Roster.model_validate({"employers": [dict(e, employees=employees[i]) for i, e in employers.items()]})
    except ValueError as exc:
        raise RosterError(f"de CSV bevat ongeldige waarden: {exc}") from exc


def import_roster(engine: Engine, roster: Roster, *, actor: str = "system") -> tuple[int, int]:
    """Upsert every employer and employee; returns (employers, employees) imported."""
    count = 0
    with Session(engine) as session:
        for employer in roster.employers:
            row = session.get(Employer, employer.id) or Employer(id=employer.id, name=employer.name)
            row.name = employer.name
            session.add(row)
            session.flush()
            session.exec(delete(SenderAddress).where(SenderAddress.employer_id == employer.id))  # type: ignore[call-overload]
            session.flush()
            for address in employer.senders:
                session.add(SenderAddress(employer_id=employer.id, address=address))
            existing = {e.number: e for e in session.exec(select(Employee).where(Employee.employer_id == employer.id))}
            for employee in employer.employees:
                target = existing.get(employee.number) or Employee(employer_id=employer.id, number=employee.number,
                                                                  first_name=employee.first_name,
                                                                  last_name=employee.last_name)
                for name in ("first_name", "prefix", "last_name", "birth_date", "hours_per_week", "email",
                             "work_days", "start_date", "paid_hourly"):
                    setattr(target, name, getattr(employee, name))
                session.add(target)
                count += 1
        session.add(AuditEvent(actor=actor, action="roster_imported", subject_type="roster", subject_id="-",
                               detail={"employers": len(roster.employers), "employees": count}))
        session.commit()
    return len(roster.employers), count


def load_roster(engine: Engine) -> Roster:
    """The whole roster as the parser needs it."""
    with Session(engine) as session:
        senders: dict[str, list[str]] = defaultdict(list)
        for address in session.exec(select(SenderAddress)):
            senders[address.employer_id].append(address.address)
        employees: dict[str, list[RosterEmployee]] = defaultdict(list)
        for e in session.exec(select(Employee).order_by(Employee.employer_id, Employee.number)):  # type: ignore[arg-type]
            employees[e.employer_id].append(RosterEmployee(
                number=e.number, first_name=e.first_name, prefix=e.prefix, last_name=e.last_name,
                birth_date=e.birth_date, hours_per_week=e.hours_per_week, email=e.email,
                work_days=e.work_days, start_date=e.start_date, paid_hourly=e.paid_hourly))  # type: ignore[arg-type]
        employers = [RosterEmployer(id=r.id, name=r.name, senders=senders[r.id], employees=employees[r.id])
                     for r in session.exec(select(Employer).order_by(Employer.id))]  # type: ignore[arg-type]
    return Roster(employers=employers)
