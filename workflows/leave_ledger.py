"""The leave ledger: requests, and per employee the buckets of leave hours and every change to them.

A bucket is (kind, accrual year). Statutory leave (wettelijk) is 4 × the weekly contract
hours a year, pro rata for the days employed; it expires on 1 July of the next year.
Extra-statutory leave (bovenwettelijk) is set per employer for a 40-hour week, pro rata by
contract hours and days employed; it expires five years after the accrual year, i.e. it is
usable through 31 December of year+5 and gone on 1 January of year+6. `expires_on` is the
first day a bucket is gone: it is usable for leave starting before that day.

Every change is a `LeaveEntry` (accrual +, taken −, expired −, correction ±, cancelled +);
a balance is their sum and nothing else. Hours are stored as whole minutes so sums never
drift; this API takes and gives hours (floats, rounded to 2 decimals on the way out).

Only holiday leave (`vacation`) is charged; the other kinds are recorded and decided the
same way but leave the balance alone. Taking leave uses the buckets that expire first (of
those usable at the leave's start); what they cannot cover goes to the usable bucket that expires last, as a negative
remainder, up to the employer's limit (the request is then marked `negative`). Every write
first locks the employee's row (an UPDATE, which serialises writers on SQLite and
PostgreSQL alike), so two decisions about one employee cannot both pass the checks; each
repeatable step also carries a `dedupe_key` the database keeps unique, so accruing,
taking, cancelling and expiring twice changes nothing. Day and hour calculation (which days
a request covers, holidays) is not done here: callers pass hours.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, update
from sqlmodel import Session, col, select

from parsers.labels import LEAVE_LABELS
from workflows.leave_drafts import draft_for_approved, withdraw_drafts
from workflows.models import (
    AuditEvent,
    Employee,
    LeaveEntry,
    LeaveEntryType,
    LeaveKind,
    LeaveRequestRow,
    LeaveSettings,
    LeaveStatus,
    utcnow,
)

STATUTORY_WEEKS = 4  # the statutory minimum: four times the weekly hours a year
FULL_TIME_HOURS = 40.0  # the week the employer's extra-statutory hours are set for
EXTRA_YEARS = 5  # extra-statutory hours stay five years
# Only holiday leave comes off the balance; special, care, parental and unpaid leave are their own
# entitlements (and unpaid and parental leave become a draft for the bureau, workflows/leave_drafts.py).
CHARGED_TYPES = frozenset({"vacation"})
STATUS_LABELS = {LeaveStatus.PENDING: "aangevraagd", LeaveStatus.APPROVED: "goedgekeurd",
                 LeaveStatus.REJECTED: "afgewezen", LeaveStatus.CANCELLED: "ingetrokken"}


class LeaveError(ValueError):
    """The leave action cannot be done; the message says why, in Dutch."""


def _label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def to_minutes(hours: float) -> int:
    return round(hours * 60)


def to_hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def expires_on(kind: str, year: int) -> dt.date:
    """The first day a bucket's hours are gone."""
    if kind == LeaveKind.STATUTORY:
        return dt.date(year + 1, 7, 1)
    if kind == LeaveKind.EXTRA:
        return dt.date(year + EXTRA_YEARS + 1, 1, 1)
    raise LeaveError(f"onbekende verlofsoort {kind!r}")


def _employed_fraction(year: int, start_date: dt.date | None, end_date: dt.date | None) -> float:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    begin = max(first, start_date) if start_date else first
    end = min(last, end_date) if end_date else last
    if end < begin:
        return 0.0
    return ((end - begin).days + 1) / ((last - first).days + 1)


def _statutory_minutes(hours_per_week: float, year: int, start_date: dt.date | None,
                       end_date: dt.date | None) -> int:
    return round(STATUTORY_WEEKS * hours_per_week * 60 * _employed_fraction(year, start_date, end_date))


def statutory_entitlement(hours_per_week: float, year: int, start_date: dt.date | None = None,
                          end_date: dt.date | None = None) -> float:
    """4 × the weekly hours, pro rata for the days employed in `year` (start and end inclusive)."""
    return to_hours(_statutory_minutes(hours_per_week, year, start_date, end_date))


def extra_entitlement(extra_hours_full_time: float, hours_per_week: float, year: int,
                      start_date: dt.date | None = None, end_date: dt.date | None = None) -> float:
    """The employer's extra-statutory hours (set for a 40-hour week), pro rata by contract hours and days."""
    return to_hours(_extra_minutes(to_minutes(extra_hours_full_time), hours_per_week, year, start_date, end_date))


def _extra_minutes(extra_full_time_minutes: int, hours_per_week: float, year: int, start_date: dt.date | None,
                   end_date: dt.date | None) -> int:
    return round(extra_full_time_minutes * hours_per_week / FULL_TIME_HOURS
                 * _employed_fraction(year, start_date, end_date))


# --- Reading -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    kind: str
    year: int
    expires_on: dt.date
    minutes: int  # the sum of its entries


@dataclass(frozen=True)
class KindBalance:
    kind: str
    minutes: int  # the sum of every entry of this kind
    next_expiry_minutes: int  # what the first bucket still to expire after today holds
    next_expiry_on: dt.date | None
    overdue_minutes: int  # held by buckets already past expiry that `expire` has not booked yet

    @property
    def hours(self) -> float:
        return to_hours(self.minutes)

    @property
    def next_expiry_hours(self) -> float:
        return to_hours(self.next_expiry_minutes)


@dataclass(frozen=True)
class Balance:
    employee_id: int
    today: dt.date
    statutory: KindBalance
    extra: KindBalance
    negative_limit_minutes: int

    @property
    def minutes(self) -> int:
        return self.statutory.minutes + self.extra.minutes

    @property
    def hours(self) -> float:
        return to_hours(self.minutes)

    @property
    def is_negative(self) -> bool:
        return self.minutes < 0


def buckets(session: Session, employee_id: int) -> list[Bucket]:
    """The employee's buckets with their sums, the first to expire first."""
    rows = session.exec(select(LeaveEntry.kind, LeaveEntry.year, func.min(LeaveEntry.expires_on),
                               func.sum(LeaveEntry.minutes))
                        .where(LeaveEntry.employee_id == employee_id)
                        .group_by(LeaveEntry.kind, LeaveEntry.year)).all()
    found = [Bucket(kind, year, expiry, int(total or 0)) for kind, year, expiry, total in rows]
    return sorted(found, key=lambda b: (b.expires_on, b.kind, b.year))


def _settings(session: Session, employee: Employee) -> LeaveSettings:
    return session.get(LeaveSettings, employee.employer_id) or LeaveSettings(employer_id=employee.employer_id)


def balance(engine: Engine, employee_id: int, today: dt.date) -> Balance:
    """The balance per kind: exactly the sum of the entries, with the next amount to expire."""
    with Session(engine) as session:
        employee = session.get(Employee, employee_id)
        if employee is None:
            raise LookupError(employee_id)
        limit = _settings(session, employee).negative_limit_minutes
        found = buckets(session, employee_id)

    def of_kind(kind: str) -> KindBalance:
        mine = [b for b in found if b.kind == kind]
        upcoming = [b for b in mine if b.expires_on > today and b.minutes > 0]
        return KindBalance(kind=kind, minutes=sum(b.minutes for b in mine),
                           next_expiry_minutes=upcoming[0].minutes if upcoming else 0,
                           next_expiry_on=upcoming[0].expires_on if upcoming else None,
                           overdue_minutes=sum(b.minutes for b in mine if b.expires_on <= today and b.minutes > 0))

    return Balance(employee_id=employee_id, today=today, statutory=of_kind(LeaveKind.STATUTORY),
                   extra=of_kind(LeaveKind.EXTRA), negative_limit_minutes=limit)


def entries(engine: Engine, employee_id: int) -> list[LeaveEntry]:
    with Session(engine) as session:
        return list(session.exec(select(LeaveEntry).where(LeaveEntry.employee_id == employee_id)
                                 .order_by(col(LeaveEntry.id))))


# --- Writing -------------------------------------------------------------------------------------------------


def _lock_employee(session: Session, employee_id: int) -> Employee:
    """Take the employee's row for this transaction (a no-op UPDATE) and return it."""
    changed = session.exec(update(Employee).where(col(Employee.id) == employee_id)  # type: ignore[call-overload]
                           .values(number=Employee.number))
    if changed.rowcount != 1:
        raise LeaveError(f"werknemer {employee_id} bestaat niet")
    employee = session.get(Employee, employee_id)
    assert employee is not None
    return employee


def _audit(session: Session, actor: str, subject_type: str, subject_id: int, action: str,
           detail: dict[str, Any] | None = None) -> None:
    session.add(AuditEvent(actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id),
                           detail=detail or {}))


def _has_key(session: Session, employee_id: int, key: str) -> bool:
    return session.exec(select(LeaveEntry.id).where(LeaveEntry.employee_id == employee_id,
                                                    LeaveEntry.dedupe_key == key)).first() is not None


def _entry(session: Session, employee_id: int, kind: str, year: int, entry_type: str, minutes: int, *,
           actor: str, request_id: int | None = None, note: str | None = None,
           dedupe_key: str | None = None) -> LeaveEntry:
    entry = LeaveEntry(employee_id=employee_id, kind=kind, year=year, expires_on=expires_on(kind, year),
                       entry_type=entry_type, minutes=minutes, request_id=request_id, actor=actor, note=note,
                       dedupe_key=dedupe_key)
    session.add(entry)
    return entry


def accrue_year(engine: Engine, employee_id: int, year: int, *, actor: str,
                end_date: dt.date | None = None) -> dict[str, float]:
    """Book the year's statutory and extra-statutory accrual once; returns the hours booked now per kind.

    Uses the employee's contract hours and start date (and `end_date` when employment ends).
    Running it again for the same year books nothing; a later change of contract hours or the
    end of employment is booked by `book_contract_change` / `book_employment_end`."""
    with Session(engine) as session:
        employee = _lock_employee(session, employee_id)
        booked = _accrue(session, employee, year, actor=actor, end_date=end_date)
        session.commit()
        return booked


def _accrue(session: Session, employee: Employee, year: int, *, actor: str,
            end_date: dt.date | None = None) -> dict[str, float]:
    assert employee.id is not None
    if not employee.hours_per_week:
        raise LeaveError(f"werknemer {employee.number} heeft geen contracturen; vul die eerst in")
    settings = _settings(session, employee)
    wanted = {
        LeaveKind.STATUTORY: _statutory_minutes(employee.hours_per_week, year, employee.start_date, end_date),
        LeaveKind.EXTRA: _extra_minutes(settings.extra_minutes_per_year, employee.hours_per_week, year,
                                        employee.start_date, end_date),
    }
    booked: dict[str, float] = {}
    for kind, minutes in wanted.items():
        key = f"accrual:{kind}:{year}"
        if minutes <= 0 or _has_key(session, employee.id, key):
            continue
        _entry(session, employee.id, kind, year, LeaveEntryType.ACCRUAL, minutes, actor=actor, dedupe_key=key,
               note=f"{employee.hours_per_week:g} uur per week")
        booked[kind] = to_hours(minutes)
    if booked:
        _audit(session, actor, "employee", employee.id, "leave_accrued", {"year": year, "hours": booked})
    return booked


def _accrued(session: Session, employee_id: int, year: int) -> bool:
    return any(_has_key(session, employee_id, f"accrual:{kind}:{year}") for kind in LeaveKind.ALL)


def _rest_of_year(employee: Employee, first: dt.date) -> float:
    """The part of `first`'s year from `first` on (and from the start of employment)."""
    begin = max(first, employee.start_date) if employee.start_date else first
    return _employed_fraction(first.year, begin, None) if begin.year == first.year else 0.0


def _book_delta(session: Session, employee: Employee, year: int, hours_delta: float, fraction: float, *,
                actor: str, key: str, note: str, cause: str) -> list[LeaveEntry]:
    """Correct both kinds by what `hours_delta` contract hours a week earn over `fraction` of the year, once."""
    assert employee.id is not None
    extra_full_time = _settings(session, employee).extra_minutes_per_year
    deltas = {LeaveKind.STATUTORY: round(STATUTORY_WEEKS * hours_delta * 60 * fraction),
              LeaveKind.EXTRA: round(extra_full_time * hours_delta / FULL_TIME_HOURS * fraction)}
    written = []
    for kind, minutes in deltas.items():
        dedupe = f"{key}:{kind}"
        if minutes and not _has_key(session, employee.id, dedupe):
            written.append(_entry(session, employee.id, kind, year, LeaveEntryType.CORRECTION, minutes, actor=actor,
                                  note=note, dedupe_key=dedupe[:120]))
    if written:
        _audit(session, actor, "employee", employee.id, "leave_corrected",
               {"cause": cause, "entries": [{"kind": e.kind, "year": e.year, "hours": to_hours(e.minutes)}
                                            for e in written]})
    return written


def book_contract_change(session: Session, employee_id: int, effective: dt.date, new_hours: float, *, actor: str,
                         key: str) -> list[LeaveEntry]:
    """New contract hours from `effective`: the rest of that year earns leave at the new hours.

    The year's accrual (at the old hours) is booked first when it was not; `key` (e.g. the
    draft that carried the change) makes booking it twice a no-op. Adds to the session."""
    employee = _lock_employee(session, employee_id)
    old_hours = employee.hours_per_week or 0.0
    if not old_hours or new_hours == old_hours:
        return []
    if not _accrued(session, employee_id, effective.year):
        _accrue(session, employee, effective.year, actor=actor)
    return _book_delta(session, employee, effective.year, new_hours - old_hours, _rest_of_year(employee, effective),
                       actor=actor, key=key, note=f"contracturen {old_hours:g} → {new_hours:g} per "
                                                  f"{effective:%d-%m-%Y}", cause="contract_change")


def book_employment_end(session: Session, employee_id: int, end_date: dt.date, *, actor: str,
                        key: str) -> list[LeaveEntry]:
    """Employment ends on `end_date` (the last day): the rest of that year earns nothing.

    When the year's accrual was not booked yet it is booked pro rata to the end; else the part
    after the end is taken back. Adds to the session."""
    employee = _lock_employee(session, employee_id)
    if not employee.hours_per_week:
        return []
    if not _accrued(session, employee_id, end_date.year):
        _accrue(session, employee, end_date.year, actor=actor, end_date=end_date)
        return []
    after = end_date + dt.timedelta(days=1)
    if after.year != end_date.year:
        return []
    return _book_delta(session, employee, end_date.year, -employee.hours_per_week, _rest_of_year(employee, after),
                       actor=actor, key=key, note=f"uit dienst na {end_date:%d-%m-%Y}", cause="employment_end")


def correct(engine: Engine, employee_id: int, kind: str, year: int, hours: float, note: str, *,
            actor: str) -> LeaveEntry:
    """Add (or with negative hours remove) hours in one bucket, with the reason."""
    note = " ".join(note.split())
    if not note:
        raise LeaveError("geef een reden voor de correctie")
    minutes = to_minutes(hours)
    if minutes == 0:
        raise LeaveError("een correctie van 0 uur verandert niets")
    with Session(engine) as session:
        _lock_employee(session, employee_id)
        entry = _entry(session, employee_id, kind, year, LeaveEntryType.CORRECTION, minutes, actor=actor,
                       note=note[:2000])
        _audit(session, actor, "employee", employee_id, "leave_corrected",
               {"kind": kind, "year": year, "hours": to_hours(minutes)})  # the note is on the entry
        session.commit()
        session.refresh(entry)
        return entry


def expire(engine: Engine, employee_id: int, today: dt.date, *, actor: str = "system") -> list[LeaveEntry]:
    """Book as expired what every bucket past its expiry (expires_on ≤ today) still holds; returns the entries.

    A bucket left negative keeps its debt. Running it again books nothing new."""
    with Session(engine) as session:
        _lock_employee(session, employee_id)
        written = []
        for bucket in buckets(session, employee_id):
            if bucket.expires_on > today or bucket.minutes <= 0:
                continue
            # A bucket can receive hours after it expired (a cancelled request gives back): count the rounds.
            rounds = session.exec(select(func.count()).select_from(LeaveEntry).where(
                LeaveEntry.employee_id == employee_id, LeaveEntry.kind == bucket.kind,
                LeaveEntry.year == bucket.year, LeaveEntry.entry_type == LeaveEntryType.EXPIRED)).one()
            written.append(_entry(session, employee_id, bucket.kind, bucket.year, LeaveEntryType.EXPIRED,
                                  -bucket.minutes, actor=actor, note=f"vervallen op {bucket.expires_on.isoformat()}",
                                  dedupe_key=f"expired:{bucket.kind}:{bucket.year}:{rounds}"))
        if written:
            _audit(session, actor, "employee", employee_id, "leave_expired",
                   {"buckets": [{"kind": e.kind, "year": e.year, "hours": to_hours(-e.minutes)} for e in written]})
        session.commit()
        for entry in written:
            session.refresh(entry)
        return written


# --- Requests ------------------------------------------------------------------------------------------------


def request_leave(engine: Engine, employee_id: int, leave_type: str, start: dt.date, end: dt.date, hours: float,
                  channel: str, text: str | None = None, *, actor: str = "system",
                  on_requested: Callable[[Session, LeaveRequestRow], object] | None = None) -> LeaveRequestRow:
    """Store a pending request; refused when it overlaps another pending or approved one of the employee.

    `on_requested` runs inside the transaction (the notifier asks the employer there, so a
    request and the question about it are committed together)."""
    if end < start:
        raise LeaveError("de einddatum ligt voor de begindatum")
    minutes = to_minutes(hours)
    if minutes <= 0:
        raise LeaveError("een verlofaanvraag moet meer dan 0 uur zijn")
    leave_type = leave_type.strip()
    if leave_type not in LEAVE_LABELS:
        raise LeaveError(f"onbekende soort verlof {leave_type[:40]!r}; kies uit {', '.join(LEAVE_LABELS)}")
    with Session(engine) as session:
        _lock_employee(session, employee_id)
        other = session.exec(select(LeaveRequestRow).where(
            LeaveRequestRow.employee_id == employee_id, col(LeaveRequestRow.status).in_(LeaveStatus.ACTIVE),
            col(LeaveRequestRow.start_date) <= end, col(LeaveRequestRow.end_date) >= start)
            .order_by(col(LeaveRequestRow.start_date))).first()
        if other is not None:
            raise LeaveError(f"overlapt met verlofaanvraag {other.id} van {other.start_date:%d-%m-%Y} "
                             f"t/m {other.end_date:%d-%m-%Y} ({_label(other.status)})")
        request = LeaveRequestRow(employee_id=employee_id, leave_type=leave_type[:40], start_date=start,
                                  end_date=end, minutes=minutes, channel=channel[:20], text=text)
        session.add(request)
        session.flush()
        assert request.id is not None
        _audit(session, actor, "leave_request", request.id, "leave_requested",
               {"employee_id": employee_id, "hours": to_hours(minutes)})  # dates and words: on the request
        if on_requested is not None:
            on_requested(session, request)
        session.commit()
        session.refresh(request)
        return request


def _charged(session: Session, request_id: int) -> dict[tuple[str, int], int]:
    """What the request's `taken` entries took per bucket (positive minutes)."""
    taken: dict[tuple[str, int], int] = defaultdict(int)
    for entry in session.exec(select(LeaveEntry).where(LeaveEntry.request_id == request_id,
                                                       LeaveEntry.entry_type == LeaveEntryType.TAKEN)):
        taken[(entry.kind, entry.year)] -= entry.minutes
    return dict(taken)


def _take(session: Session, request: LeaveRequestRow, *, actor: str, today: dt.date) -> list[LeaveEntry]:
    """Charge an approved request (the employee's row locked by the caller); nothing when already charged."""
    assert request.id is not None
    if _charged(session, request.id):
        return []
    employee = session.get(Employee, request.employee_id)
    assert employee is not None
    limit = _settings(session, employee).negative_limit_minutes
    usable = [b for b in buckets(session, request.employee_id)
              if b.expires_on > request.start_date and b.year <= request.start_date.year]
    available = sum(b.minutes for b in usable)
    if available - request.minutes < -limit:
        raise LeaveError(f"onvoldoende verlofuren: {to_hours(max(available, 0)):g} uur beschikbaar, "
                         f"{to_hours(request.minutes):g} uur gevraagd; de werkgever staat {to_hours(limit):g} uur "
                         "negatief toe")
    plan: dict[tuple[str, int], int] = defaultdict(int)
    rest = request.minutes
    for bucket in usable:  # the first to expire first
        use = min(rest, max(bucket.minutes, 0))
        if use > 0:
            plan[(bucket.kind, bucket.year)] += use
            rest -= use
    if rest > 0:  # what is not there goes negative in the bucket that stays longest
        last = (usable[-1].kind, usable[-1].year) if usable else (LeaveKind.STATUTORY, request.start_date.year)
        plan[last] += rest
    written = [_entry(session, request.employee_id, kind, year, LeaveEntryType.TAKEN, -minutes, actor=actor,
                      request_id=request.id, dedupe_key=f"taken:{request.id}:{kind}:{year}")
               for (kind, year), minutes in plan.items()]
    negative = available - request.minutes < 0
    if negative:
        session.exec(update(LeaveRequestRow).where(col(LeaveRequestRow.id) == request.id)  # type: ignore[call-overload]
                     .values(negative=True))
    _audit(session, actor, "leave_request", request.id, "leave_taken",
           {"buckets": [{"kind": k, "year": y, "hours": to_hours(m)} for (k, y), m in plan.items()],
            "negative": negative, "today": today.isoformat()})
    return written


def take(engine: Engine, request_id: int, *, today: dt.date, actor: str = "system") -> list[LeaveEntry]:
    """Charge an approved request to the buckets; returns the entries written (none when already charged)."""
    with Session(engine) as session:
        request = session.get(LeaveRequestRow, request_id)
        if request is None:
            raise LookupError(request_id)
        _lock_employee(session, request.employee_id)
        session.refresh(request)
        if request.status != LeaveStatus.APPROVED:
            raise LeaveError(f"verlofaanvraag {request_id} is {_label(request.status)}; alleen goedgekeurd verlof gaat "
                             "van het saldo af")
        if request.leave_type not in CHARGED_TYPES:
            return []
        written = _take(session, request, actor=actor, today=today)
        session.commit()
        for entry in written:
            session.refresh(entry)
        return written


def decide(engine: Engine, request_id: int, approve: bool, *, actor: str, today: dt.date,
           reason: str | None = None,
           on_decided: Callable[[Session, LeaveRequestRow], object] | None = None) -> LeaveRequestRow:
    """Approve (and charge) or reject a pending request; refused when it is no longer pending.

    Approval and charge are one transaction: when the hours are not there (beyond the
    employer's negative limit) the request stays pending and LeaveError says why.
    `on_decided` runs inside that transaction (the notifier queues the employee's message
    there, so a decision and its message are committed together)."""
    with Session(engine) as session:
        request = session.get(LeaveRequestRow, request_id)
        if request is None:
            raise LookupError(request_id)
        _lock_employee(session, request.employee_id)
        reason = " ".join((reason or "").split())[:2000] or None
        if not approve and reason is None:
            raise LeaveError("geef een reden om af te wijzen")
        status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
        changed = session.exec(update(LeaveRequestRow).where(  # type: ignore[call-overload]
            col(LeaveRequestRow.id) == request_id, LeaveRequestRow.status == LeaveStatus.PENDING)
            .values(status=status, decided_by=actor, decided_at=utcnow(), reason=None if approve else reason))
        session.refresh(request)
        if changed.rowcount != 1:
            raise LeaveError(f"verlofaanvraag {request_id} is al {_label(request.status)}; vernieuw de pagina")
        _audit(session, actor, "leave_request", request_id, "leave_approved" if approve else "leave_rejected",
               {})  # a rejection's reason is on the request
        if approve:
            if request.leave_type in CHARGED_TYPES:
                _take(session, request, actor=actor, today=today)
            draft_for_approved(session, request)
        if on_decided is not None:
            on_decided(session, request)
        session.commit()
        session.refresh(request)
        return request


def cancel(engine: Engine, request_id: int, *, actor: str = "system") -> list[LeaveEntry]:
    """Cancel a pending or approved request, giving back per bucket exactly what it took; again: no effect."""
    with Session(engine) as session:
        request = session.get(LeaveRequestRow, request_id)
        if request is None:
            raise LookupError(request_id)
        _lock_employee(session, request.employee_id)
        session.refresh(request)
        if request.status == LeaveStatus.CANCELLED:
            return []
        if request.status not in LeaveStatus.ACTIVE:
            raise LeaveError(f"verlofaanvraag {request_id} is {_label(request.status)} en kan niet worden ingetrokken")
        session.exec(update(LeaveRequestRow).where(col(LeaveRequestRow.id) == request_id)  # type: ignore[call-overload]
                     .values(status=LeaveStatus.CANCELLED))
        written = []
        for (kind, year), minutes in _charged(session, request_id).items():
            key = f"cancelled:{request_id}:{kind}:{year}"
            if minutes and not _has_key(session, request.employee_id, key):
                written.append(_entry(session, request.employee_id, kind, year, LeaveEntryType.CANCELLED, minutes,
                                      actor=actor, request_id=request_id, dedupe_key=key))
        withdraw_drafts(session, request)
        _audit(session, actor, "leave_request", request_id, "leave_cancelled",
               {"buckets": [{"kind": e.kind, "year": e.year, "hours": to_hours(e.minutes)} for e in written]})
        session.commit()
        for entry in written:
            session.refresh(entry)
        return written
