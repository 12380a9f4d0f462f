"""The leave ledger: accrual, expiry, taking from the first-expiring hours, the negative limit,
overlaps, idempotency, and properties over random sequences of all of them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from workflows import leave_ledger as ledger
from workflows.leave_ledger import LeaveError
from workflows.models import (
    Employee,
    Employer,
    LeaveEntry,
    LeaveEntryType,
    LeaveKind,
    LeaveRequestRow,
    LeaveSettings,
    LeaveStatus,
)

D = dt.date
_numbers = itertools.count(1)


def make_employee(engine, *, hours: float = 40, start: dt.date | None = None, extra_hours: float = 0,
                  negative_limit_hours: float = 0) -> int:
    """A new employee (at a new employer with these leave settings); returns its id."""
    n = next(_numbers)
    with Session(engine) as session:
        employer_id = f"werkgever-{n}"
        session.add(Employer(id=employer_id, name=f"Werkgever {n}"))
        session.flush()
        session.add(LeaveSettings(employer_id=employer_id, extra_minutes_per_year=round(extra_hours * 60),
                                  negative_limit_minutes=round(negative_limit_hours * 60)))
        employee = Employee(employer_id=employer_id, number=str(n), first_name="Anna", last_name="Berg",
                            hours_per_week=hours, start_date=start)
        session.add(employee)
        session.commit()
        assert employee.id is not None
        return employee.id


def approved_request(engine, employee_id, start, end, hours) -> LeaveRequestRow:
    request = ledger.request_leave(engine, employee_id, "vacation", start, end, hours, "dashboard")
    assert request.id is not None
    return ledger.decide(engine, request.id, True, actor="hr@x.example", today=start)


def taken_by_bucket(engine, request_id) -> dict[tuple[str, int], float]:
    with Session(engine) as session:
        rows = session.exec(select(LeaveEntry).where(LeaveEntry.request_id == request_id,
                                                     LeaveEntry.entry_type == LeaveEntryType.TAKEN)).all()
        return {(e.kind, e.year): ledger.to_hours(-e.minutes) for e in rows}


# --- Entitlement and expiry ----------------------------------------------------------------------------------


def test_statutory_leave_is_four_times_the_weekly_hours():
    assert ledger.statutory_entitlement(40, 2025) == 160
    assert ledger.statutory_entitlement(32, 2025, D(2020, 1, 1), None) == 128


def test_a_mid_year_start_or_end_gets_its_share_of_the_days():
    # 1 July to 31 December 2025: 184 of 365 days, to the whole minute (160 h × 184/365 = 4839.45 min).
    assert ledger.statutory_entitlement(40, 2025, D(2025, 7, 1), None) == 80.65
    # A leap year counts 366 days; an end on 30 June 2024 leaves 182 of them (4773.77 min).
    assert ledger.statutory_entitlement(40, 2024, None, D(2024, 6, 30)) == ledger.to_hours(4774) == 79.57
    assert ledger.statutory_entitlement(40, 2025, D(2026, 1, 1), None) == 0
    assert ledger.extra_entitlement(40, 20, 2025) == 20  # half the full-time week, half the extra hours


def test_statutory_hours_expire_on_1_july_of_the_next_year_and_extra_after_five_years():
    assert ledger.expires_on(LeaveKind.STATUTORY, 2025) == D(2026, 7, 1)
    assert ledger.expires_on(LeaveKind.EXTRA, 2025) == D(2031, 1, 1)  # usable through 31 December 2030


def test_accruing_a_year_is_pro_rata_and_happens_once(engine):
    employee = make_employee(engine, hours=32, start=D(2025, 7, 1), extra_hours=40)
    booked = ledger.accrue_year(engine, employee, 2025, actor="system")
    minutes = {LeaveKind.STATUTORY: round(128 * 60 * 184 / 365), LeaveKind.EXTRA: round(32 * 60 * 184 / 365)}
    assert booked == {kind: ledger.to_hours(m) for kind, m in minutes.items()}
    assert ledger.accrue_year(engine, employee, 2025, actor="system") == {}
    assert len(ledger.entries(engine, employee)) == 2
    balance = ledger.balance(engine, employee, D(2025, 8, 1))
    assert balance.statutory.hours == booked[LeaveKind.STATUTORY]
    assert balance.statutory.next_expiry_on == D(2026, 7, 1)
    assert balance.extra.next_expiry_on == D(2031, 1, 1)


def test_accruing_needs_the_contract_hours(engine):
    employee = make_employee(engine, hours=0)
    with pytest.raises(LeaveError, match="contracturen"):
        ledger.accrue_year(engine, employee, 2025, actor="system")


def test_a_contract_change_is_booked_as_a_correction(engine):
    employee = make_employee(engine, hours=40)
    ledger.accrue_year(engine, employee, 2025, actor="system")
    entry = ledger.correct(engine, employee, LeaveKind.STATUTORY, 2025, -16, "naar 32 uur per 1 juli",
                           actor="hr@x.example")
    assert entry.entry_type == LeaveEntryType.CORRECTION and entry.expires_on == D(2026, 7, 1)
    assert ledger.balance(engine, employee, D(2025, 8, 1)).statutory.hours == 144
    with pytest.raises(LeaveError, match="reden"):
        ledger.correct(engine, employee, LeaveKind.STATUTORY, 2025, 8, "  ", actor="hr@x.example")


def test_expiring_books_what_is_left_once(engine):
    employee = make_employee(engine, hours=40, extra_hours=40)
    ledger.accrue_year(engine, employee, 2024, actor="system")
    approved_request(engine, employee, D(2024, 8, 5), D(2024, 8, 9), 40)
    assert ledger.expire(engine, employee, D(2025, 6, 30)) == []
    balance = ledger.balance(engine, employee, D(2025, 7, 1))
    assert balance.statutory.overdue_minutes == 120 * 60  # past expiry, not yet booked
    [expired] = ledger.expire(engine, employee, D(2025, 7, 1))
    assert (expired.kind, expired.year, expired.minutes) == (LeaveKind.STATUTORY, 2024, -120 * 60)
    assert ledger.expire(engine, employee, D(2025, 7, 2)) == []
    balance = ledger.balance(engine, employee, D(2025, 7, 1))
    assert (balance.statutory.hours, balance.extra.hours) == (0, 40)
    assert balance.statutory.overdue_minutes == 0


# --- Taking --------------------------------------------------------------------------------------------------


def test_leave_uses_the_hours_that_expire_first(engine):
    employee = make_employee(engine, hours=40, extra_hours=40)
    for year in (2024, 2025):
        ledger.accrue_year(engine, employee, year, actor="system")
    ledger.correct(engine, employee, LeaveKind.STATUTORY, 2024, -150, "al opgenomen in het oude systeem",
                   actor="hr@x.example")
    # 10 hours of statutory 2024 remain (gone 1 July 2025); they go first, then statutory 2025.
    request = approved_request(engine, employee, D(2025, 3, 3), D(2025, 3, 7), 40)
    assert taken_by_bucket(engine, request.id) == {(LeaveKind.STATUTORY, 2024): 10, (LeaveKind.STATUTORY, 2025): 30}
    # Leave after 1 July 2025 can no longer use 2024's statutory hours (none are left anyway) nor 2026's.
    request = approved_request(engine, employee, D(2025, 8, 4), D(2025, 9, 26), 160)
    assert taken_by_bucket(engine, request.id) == {(LeaveKind.STATUTORY, 2025): 130, (LeaveKind.EXTRA, 2024): 30}
    assert not request.negative


def test_an_expired_bucket_is_not_used_for_leave_after_its_expiry(engine):
    employee = make_employee(engine, hours=40, negative_limit_hours=100)
    ledger.accrue_year(engine, employee, 2024, actor="system")
    request = approved_request(engine, employee, D(2025, 7, 1), D(2025, 7, 1), 8)
    # Statutory 2024 expired on 1 July 2025: the day goes negative in that year's bucket instead.
    assert taken_by_bucket(engine, request.id) == {(LeaveKind.STATUTORY, 2025): 8}
    assert request.negative


def test_going_negative_is_allowed_up_to_the_employers_limit_and_flagged(engine):
    employee = make_employee(engine, hours=40, extra_hours=8, negative_limit_hours=16)
    ledger.accrue_year(engine, employee, 2025, actor="system")  # 160 + 8
    request = approved_request(engine, employee, D(2025, 6, 2), D(2025, 7, 4), 180)
    assert request.negative and request.status == LeaveStatus.APPROVED
    # The 12 hours that are not there go to the bucket that stays longest (extra 2025).
    assert taken_by_bucket(engine, request.id) == {(LeaveKind.STATUTORY, 2025): 160, (LeaveKind.EXTRA, 2025): 20}
    balance = ledger.balance(engine, employee, D(2025, 7, 5))
    assert balance.is_negative and balance.hours == -12 and balance.extra.hours == -12

    too_much = ledger.request_leave(engine, employee, "vacation", D(2025, 8, 4), D(2025, 8, 4), 8, "dashboard")
    with pytest.raises(LeaveError, match="onvoldoende verlofuren"):
        ledger.decide(engine, too_much.id, True, actor="hr@x.example", today=D(2025, 8, 1))
    with Session(engine) as session:
        assert session.get(LeaveRequestRow, too_much.id).status == LeaveStatus.PENDING
    assert ledger.balance(engine, employee, D(2025, 8, 1)).hours == -12


def test_without_a_limit_the_balance_may_not_go_negative(engine):
    employee = make_employee(engine, hours=40)
    request = ledger.request_leave(engine, employee, "vacation", D(2025, 3, 3), D(2025, 3, 3), 8, "mail")
    with pytest.raises(LeaveError, match="0 uur beschikbaar, 8 uur gevraagd"):
        ledger.decide(engine, request.id, True, actor="hr@x.example", today=D(2025, 3, 1))


def test_a_request_is_charged_once(engine):
    employee = make_employee(engine, hours=40)
    ledger.accrue_year(engine, employee, 2025, actor="system")
    request = approved_request(engine, employee, D(2025, 3, 3), D(2025, 3, 7), 40)
    before = ledger.entries(engine, employee)
    assert ledger.take(engine, request.id, today=D(2025, 3, 1)) == []
    with pytest.raises(LeaveError, match="al goedgekeurd"):
        ledger.decide(engine, request.id, True, actor="hr@x.example", today=D(2025, 3, 1))
    assert [e.id for e in ledger.entries(engine, employee)] == [e.id for e in before]
    assert ledger.balance(engine, employee, D(2025, 3, 1)).hours == 120


def test_only_approved_requests_are_taken(engine):
    employee = make_employee(engine, hours=40)
    ledger.accrue_year(engine, employee, 2025, actor="system")
    request = ledger.request_leave(engine, employee, "vacation", D(2025, 3, 3), D(2025, 3, 3), 8, "mail")
    with pytest.raises(LeaveError, match="is aangevraagd; alleen goedgekeurd"):
        ledger.take(engine, request.id, today=D(2025, 3, 1))
    with pytest.raises(LeaveError, match="reden"):
        ledger.decide(engine, request.id, False, actor="hr@x.example", today=D(2025, 3, 1))
    rejected = ledger.decide(engine, request.id, False, actor="hr@x.example", today=D(2025, 3, 1),
                             reason="te druk")
    assert (rejected.status, rejected.reason) == (LeaveStatus.REJECTED, "te druk")
    assert ledger.balance(engine, employee, D(2025, 3, 1)).hours == 160


def test_cancelling_gives_back_exactly_what_was_taken_once(engine):
    employee = make_employee(engine, hours=40, extra_hours=40)
    ledger.accrue_year(engine, employee, 2025, actor="system")
    request = approved_request(engine, employee, D(2025, 6, 2), D(2025, 7, 11), 170)
    taken = taken_by_bucket(engine, request.id)
    assert taken == {(LeaveKind.STATUTORY, 2025): 160, (LeaveKind.EXTRA, 2025): 10}
    given_back = ledger.cancel(engine, request.id, actor="hr@x.example")
    assert {(e.kind, e.year): ledger.to_hours(e.minutes) for e in given_back} == taken
    assert ledger.cancel(engine, request.id, actor="hr@x.example") == []
    assert ledger.balance(engine, employee, D(2025, 7, 1)).hours == 200
    with pytest.raises(LeaveError, match="is ingetrokken"):
        ledger.take(engine, request.id, today=D(2025, 7, 1))


# --- Requests ------------------------------------------------------------------------------------------------


def test_an_overlapping_request_is_refused_with_the_reason(engine):
    employee = make_employee(engine, hours=40)
    first = ledger.request_leave(engine, employee, "vacation", D(2025, 3, 3), D(2025, 3, 7), 40, "dashboard")
    with pytest.raises(LeaveError, match=rf"overlapt met verlofaanvraag {first.id} van 03-03-2025 t/m 07-03-2025 "
                                         r"\(aangevraagd\)"):
        ledger.request_leave(engine, employee, "vacation", D(2025, 3, 7), D(2025, 3, 10), 16, "mail")
    # Adjacent days, another employee, or a cancelled request do not block.
    ledger.request_leave(engine, employee, "vacation", D(2025, 3, 10), D(2025, 3, 10), 8, "mail")
    other = make_employee(engine, hours=40)
    ledger.request_leave(engine, other, "vacation", D(2025, 3, 3), D(2025, 3, 7), 40, "mail")
    ledger.cancel(engine, first.id, actor="hr@x.example")
    again = ledger.request_leave(engine, employee, "vacation", D(2025, 3, 4), D(2025, 3, 4), 8, "telegram")
    assert again.status == LeaveStatus.PENDING and again.minutes == 480


def test_a_request_needs_sensible_dates_and_hours(engine):
    employee = make_employee(engine, hours=40)
    with pytest.raises(LeaveError, match="einddatum"):
        ledger.request_leave(engine, employee, "vacation", D(2025, 3, 7), D(2025, 3, 3), 8, "mail")
    with pytest.raises(LeaveError, match="0 uur"):
        ledger.request_leave(engine, employee, "vacation", D(2025, 3, 3), D(2025, 3, 3), 0, "mail")
    with pytest.raises(LeaveError, match="bestaat niet"):
        ledger.request_leave(engine, 999_999, "vacation", D(2025, 3, 3), D(2025, 3, 3), 8, "mail")


# --- Properties ----------------------------------------------------------------------------------------------

BASE = D(2024, 1, 1)
steps = st.lists(st.one_of(
    st.tuples(st.just("accrue"), st.sampled_from([2024, 2025, 2026])),
    st.tuples(st.just("correct"), st.sampled_from(LeaveKind.ALL), st.sampled_from([2024, 2025]),
              st.integers(-40, 40).filter(bool)),
    st.tuples(st.just("request"), st.integers(0, 1000), st.integers(0, 6), st.integers(1, 80)),
    st.tuples(st.just("decide"), st.integers(0, 20), st.booleans()),
    st.tuples(st.just("decide"), st.integers(0, 20), st.just(True)),
    st.tuples(st.just("take"), st.integers(0, 20)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("expire"), st.integers(0, 1200)),
), min_size=5, max_size=30)


def check_ledger(engine, employee: int, today: dt.date) -> None:
    with Session(engine) as session:
        rows = session.exec(select(LeaveEntry).where(LeaveEntry.employee_id == employee)).all()
        requests = {r.id: r for r in session.exec(select(LeaveRequestRow)
                                                 .where(LeaveRequestRow.employee_id == employee))}
    sums: dict[str, int] = defaultdict(int)
    for entry in rows:
        sums[entry.kind] += entry.minutes
    balance = ledger.balance(engine, employee, today)
    assert balance.statutory.minutes == sums[LeaveKind.STATUTORY]
    assert balance.extra.minutes == sums[LeaveKind.EXTRA]
    assert balance.is_negative == (sum(sums.values()) < 0)

    for request_id, request in requests.items():
        taken, cancelled = defaultdict(int), defaultdict(int)
        taken_rows = [e for e in rows if e.request_id == request_id and e.entry_type == LeaveEntryType.TAKEN]
        assert len(taken_rows) == len({(e.kind, e.year) for e in taken_rows})  # one entry per bucket
        for e in rows:
            if e.request_id == request_id:
                (taken if e.entry_type == LeaveEntryType.TAKEN else cancelled)[(e.kind, e.year)] -= e.minutes
        charged = sum(taken.values())
        assert charged in (0, request.minutes)  # charged once, in full, or not at all
        assert all(m > 0 for m in taken.values())
        if request.status == LeaveStatus.APPROVED:
            assert charged == request.minutes
        if request.status in (LeaveStatus.PENDING, LeaveStatus.REJECTED):
            assert not taken and not cancelled
        if request.status == LeaveStatus.CANCELLED:
            assert {k: -v for k, v in cancelled.items()} == dict(taken)  # gives back exactly what it took
        else:
            assert not cancelled


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps, hours=st.sampled_from([8, 36]), limit=st.sampled_from([0, 8, 40]), extra=st.sampled_from([0, 16]))
def test_the_ledger_stays_consistent_over_random_sequences(engine, steps, hours, limit, extra):
    employee = make_employee(engine, hours=hours, start=D(2024, 3, 1), extra_hours=extra, negative_limit_hours=limit)
    ledger.accrue_year(engine, employee, 2024, actor="system")
    request_ids: list[int] = []
    today = BASE
    for step in steps:
        kind, *args = step
        try:
            if kind == "accrue":
                ledger.accrue_year(engine, employee, args[0], actor="system")
            elif kind == "correct":
                ledger.correct(engine, employee, args[0], args[1], args[2], "test", actor="system")
            elif kind == "request":
                start = BASE + dt.timedelta(days=args[0])
                request = ledger.request_leave(engine, employee, "vacation", start,
                                               start + dt.timedelta(days=args[1]), args[2], "dashboard")
                request_ids.append(request.id)
            elif kind == "expire":
                today = max(today, BASE + dt.timedelta(days=args[0]))
                ledger.expire(engine, employee, today)
                assert ledger.expire(engine, employee, today) == []  # again: nothing
                assert ledger.balance(engine, employee, today).statutory.overdue_minutes == 0
            elif request_ids:
                request_id = request_ids[args[0] % len(request_ids)]
                if kind == "decide":
                    ledger.decide(engine, request_id, args[1], actor="hr", today=today, reason="nee")
                elif kind == "take":
                    ledger.take(engine, request_id, today=today)
                else:
                    before = ledger.entries(engine, employee)
                    ledger.cancel(engine, request_id)
                    assert ledger.cancel(engine, request_id) == []  # again: nothing
                    assert len(ledger.entries(engine, employee)) >= len(before)
        except LeaveError:
            pass  # refused (overlap, not enough hours, wrong status): the ledger must still hold
        check_ledger(engine, employee, today)
    # A repeated take never charges an approved request again.
    for request_id in request_ids:
        with Session(engine) as session:
            approved = session.get(LeaveRequestRow, request_id).status == LeaveStatus.APPROVED
        if approved:
            assert ledger.take(engine, request_id, today=today) == []
    check_ledger(engine, employee, today)
