"""Payroll periods in the dashboard: where each employer's period stands and what is still missing.

GET /periods: the bureau sees the current period of every employer in one table (deadline,
run date, stage, draft counts, what is missing, a "Verloning klaar" button); an employer's
user sees its own periods, read-only. GET /periods/{employer_id}: one employer's current
period, the five before it and the two after it, and (bureau) its schedule form. POST
/periods/{employer_id}/{period}/run-done and POST /periods/{employer_id}/schedule are the
bureau's. The rows are read in bulk (`workflows.completeness.states`), and the current periods
are made only when one is missing (`ensure_periods`), so a hundred employers cost a dozen queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from dashboard.pages import render
from dashboard.queue import scope_of
from dashboard.security import check_csrf, current_user, require_bureau
from notifier.documents_ready import queue_documents_ready, queued_summary
from workflows.completeness import PeriodState, states
from workflows.models import Employer, PayrollPeriod, PayrollSchedule
from workflows.payroll_periods import (
    FREQUENCIES,
    STAGE_LABELS,
    PeriodError,
    ensure_current_periods,
    mark_run_done,
    period_containing,
    period_dates,
    schedule_of,
)
from workflows.payroll_schedules import FREQUENCY_LABELS, ScheduleError, save_schedule
from workflows.periods import AMSTERDAM, is_period
from workflows.users import SignedIn

router = APIRouter()

PAST_PERIODS = 5  # before the current one, on an employer's page
NEXT_PERIODS = 2
SHORT_MISSING = 3  # items shown per row in the overview; the employer's page shows all
DONE_STAGES = ("exported", "run_done")  # a deadline that passed no longer matters


def _today() -> dt.date:
    """Today in Amsterdam (tests replace it)."""
    return dt.datetime.now(AMSTERDAM).date()


@dataclass(frozen=True)
class Row:
    employer_id: str
    employer_name: str
    state: PeriodState
    late: bool  # the deadline passed and the period is not exported yet
    can_mark: bool  # the period has begun and its run is not done
    current: bool


def _row(state: PeriodState, name: str, today: dt.date, current_key: str) -> Row:
    period = state.period
    return Row(employer_id=period.employer_id, employer_name=name, state=state,
               late=period.deadline < today and state.stage not in DONE_STAGES,
               can_mark=state.stage != "run_done" and period.starts_on <= today,
               current=period.period == current_key)


def _unsaved(schedule: PayrollSchedule, key: str) -> PayrollPeriod:
    """A period without a row yet (a past one never made): its dates, not stored."""
    dates = period_dates(schedule, key)
    return PayrollPeriod(employer_id=schedule.employer_id, period=key, starts_on=dates.starts_on,
                         ends_on=dates.ends_on, run_date=dates.run_date, deadline=dates.deadline)


def _schedules(session: Session, employers: list[str]) -> dict[str, PayrollSchedule]:
    stored = {s.employer_id: s for s in session.exec(select(PayrollSchedule))}
    return {e: stored.get(e) or PayrollSchedule(employer_id=e) for e in employers}


def ensure_periods(engine: Engine, today: dt.date) -> None:
    """`ensure_current_periods`, called only when a current or next period has no row yet: it costs a few
    queries per employer, this check three in all."""
    with Session(engine) as session:
        schedules = _schedules(session, list(session.exec(select(Employer.id))))
        wanted: set[tuple[str, str]] = set()
        for employer_id, schedule in schedules.items():
            current = period_containing(schedule, today)
            upcoming = period_containing(schedule, current.ends_on + dt.timedelta(days=1))
            wanted |= {(employer_id, current.key), (employer_id, upcoming.key)}
        have = set(session.exec(select(PayrollPeriod.employer_id, PayrollPeriod.period).where(
            col(PayrollPeriod.period).in_({key for _, key in wanted}))).all())
    if wanted - have:
        ensure_current_periods(engine, today)


def overview_rows(session: Session, today: dt.date) -> list[Row]:
    """Every employer's current period, by employer name."""
    names = dict(session.exec(select(Employer.id, Employer.name).order_by(col(Employer.name), col(Employer.id))).all())
    schedules = _schedules(session, list(names))
    keys = {e: period_containing(schedules[e], today).key for e in names}
    rows = {(p.employer_id, p.period): p for p in session.exec(select(PayrollPeriod).where(
        col(PayrollPeriod.employer_id).in_(list(names)), col(PayrollPeriod.period).in_(set(keys.values()))))}
    periods = [rows.get((e, keys[e])) or _unsaved(schedules[e], keys[e]) for e in names]
    return [_row(s, names[s.period.employer_id], today, keys[s.period.employer_id])
            for s in states(session, periods, today)]


def employer_rows(session: Session, employer_id: str, today: dt.date) -> list[Row]:
    """One employer's periods around today, oldest first; also stored ones of an earlier schedule there."""
    schedule = schedule_of(session, employer_id)
    current = period_containing(schedule, today)
    window = [current]
    for _ in range(PAST_PERIODS):
        window.insert(0, period_containing(schedule, window[0].starts_on - dt.timedelta(days=1)))
    for _ in range(NEXT_PERIODS):
        window.append(period_containing(schedule, window[-1].ends_on + dt.timedelta(days=1)))
    stored = {p.period: p for p in session.exec(select(PayrollPeriod).where(
        PayrollPeriod.employer_id == employer_id, col(PayrollPeriod.ends_on) >= window[0].starts_on,
        col(PayrollPeriod.starts_on) <= window[-1].ends_on))}
    periods = [stored.pop(d.key, None) or _unsaved(schedule, d.key) for d in window] + list(stored.values())
    periods.sort(key=lambda p: (p.starts_on, p.period))
    employer = session.get(Employer, employer_id)
    name = employer.name if employer is not None else employer_id
    return [_row(s, name, today, current.key) for s in states(session, periods, today)]


def _context(request: Request, **extra: object) -> dict[str, object]:
    return {"labels": STAGE_LABELS, "frequencies": FREQUENCIES, "frequency_labels": FREQUENCY_LABELS,
            "short": SHORT_MISSING, "notice": request.query_params.get("notice"), **extra}


def _overview(request: Request, user: SignedIn, *, error: str | None = None, status_code: int = 200) -> Response:
    if not user.sees_all_employers:
        return _employer(request, user, scope_of(user) or "", error=error, status_code=status_code)
    today = _today()
    with Session(request.app.state.engine) as session:
        rows = overview_rows(session, today)
    return render(request, "periods.html", _context(request, rows=rows, employer=None, today=today, error=error),
                  status_code=status_code)


def _employer(request: Request, user: SignedIn, employer_id: str, *, error: str | None = None,
              form: dict[str, str] | None = None, status_code: int = 200) -> Response:
    scope = scope_of(user)
    if scope is not None and scope != employer_id:
        raise HTTPException(status_code=404)
    today = _today()
    with Session(request.app.state.engine) as session:
        employer = session.get(Employer, employer_id)
        if employer is None:
            raise HTTPException(status_code=404)
        rows = employer_rows(session, employer_id, today)
        schedule = schedule_of(session, employer_id)
    shown = form or {"frequency": schedule.frequency, "run_day": str(schedule.run_day),
                     "deadline_working_days": str(schedule.deadline_working_days)}
    return render(request, "periods.html", _context(request, rows=rows, employer=employer, today=today, error=error,
                                                    schedule=shown), status_code=status_code)


@router.get("/periods")
def periods_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    ensure_periods(request.app.state.engine, _today())
    return _overview(request, user)


@router.get("/periods/{employer_id}")
def employer_periods(request: Request, employer_id: str, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    return _employer(request, user, employer_id)


@router.post("/periods/{employer_id}/{period}/run-done")
async def run_done(request: Request, employer_id: str, period: str,
                   user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    form = await request.form()
    back = f"/periods/{quote(employer_id)}" if form.get("back") == "employer" else "/periods"
    engine = request.app.state.engine
    with Session(engine) as session:
        if session.get(Employer, employer_id) is None or not is_period(period):
            raise HTTPException(status_code=404)
        starts_on = period_dates(schedule_of(session, employer_id), period).starts_on
    try:
        if starts_on > _today():
            raise PeriodError(f"de periode {period} is nog niet begonnen; de verloning kan nog niet klaar zijn")
        done = mark_run_done(engine, employer_id, period, actor=user.email)
    except PeriodError as exc:
        if back == "/periods":
            return _overview(request, user, error=str(exc), status_code=409)
        return _employer(request, user, employer_id, error=str(exc), status_code=409)
    queue_documents_ready(engine, request.app.state.settings)  # now, not at the scheduler's next minute
    request.app.state.wake_outbox()
    queued = queued_summary(engine, done.id or 0)
    said = f"Verloning {period} klaar gemeld."
    if queued is not None:
        said += f" {queued.messages} bericht(en) dat de documenten klaarstaan gaan nu uit."
        if queued.unreachable_employee_ids:
            said += f" {len(queued.unreachable_employee_ids)} medewerker(s) zonder Telegram of e-mailadres."
    return RedirectResponse(f"{back}?notice={quote(said)}", status_code=303)


@router.post("/periods/{employer_id}/schedule")
async def schedule(request: Request, employer_id: str, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    form = await request.form()
    given = {name: str(form.get(name) or "").strip() for name in ("frequency", "run_day", "deadline_working_days")}
    with Session(request.app.state.engine) as session:
        if session.get(Employer, employer_id) is None:
            raise HTTPException(status_code=404)
    try:
        if not (given["run_day"].isdigit() and given["deadline_working_days"].isdigit()):
            raise ScheduleError("vul de verloningsdag en de deadline in als hele getallen")
        save_schedule(request.app.state.engine, employer_id, given["frequency"], int(given["run_day"]),
                      int(given["deadline_working_days"]), user.email, today=_today())
    except ScheduleError as exc:
        return _employer(request, user, employer_id, error=str(exc), form=given, status_code=422)
    return RedirectResponse(f"/periods/{quote(employer_id)}?notice={quote('Verloningsschema opgeslagen.')}",
                            status_code=303)
