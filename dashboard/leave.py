"""Leave in the dashboard (GET /leave): requests to decide, link codes for the Telegram bot (for an
employee, or for the signed-in user, who then decides in the chat), and the employer's leave
rules ("Verlofregels").

An employer decides on its own employees' requests and edits its own rules; the bureau may
act for any employer (GET /leave?employer=… picks whose rules are shown). A decision and the
employee's Telegram message are committed together.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from dashboard.pages import render
from dashboard.queue import scope_of
from dashboard.security import check_csrf, current_user
from notifier.leave_notices import queue_decision
from workflows.leave_ledger import LeaveError, decide
from workflows.leave_settings import (
    MAX_HOURS,
    LeaveRules,
    SettingsError,
    format_hours,
    get_settings,
    parse_hours,
    save_settings,
)
from workflows.models import Employee, LeaveRequestRow
from workflows.periods import AMSTERDAM
from workflows.review_queue import employer_names
from workflows.telegram_links import CODE_MINUTES, issue_code, issue_user_code
from workflows.users import SignedIn

router = APIRouter()


def _employees(session: Session, scope: str | None) -> dict[int, Employee]:
    query = select(Employee)
    if scope is not None:
        query = query.where(Employee.employer_id == scope)
    return {e.id: e for e in session.exec(query) if e.id is not None}


def _rules_form(rules: LeaveRules) -> dict[str, str | bool]:
    return {"extra_hours": format_hours(rules.extra_hours),
            "negative_limit_hours": format_hours(rules.negative_limit_hours), "holidays_free": rules.holidays_free}


def _page(request: Request, user: SignedIn, *, error: str | None = None, code: tuple[str, str, str] | None = None,
          status_code: int = 200, employer_id: str | None = None, rules_form: dict[str, str | bool] | None = None,
          rules_error: str | None = None) -> Response:
    scope = scope_of(user)
    with Session(request.app.state.engine) as session:
        employees = _employees(session, scope)
        rows = list(session.exec(select(LeaveRequestRow).where(col(LeaveRequestRow.employee_id).in_(employees))
                                 .order_by(col(LeaveRequestRow.status) != "pending", col(LeaveRequestRow.start_date))
                                 .limit(200)))
        employers = sorted(employer_names(session, scope).items(), key=lambda item: (item[1].casefold(), item[0]))
    names = dict(employers)
    employer_id = employer_id or request.query_params.get("employer")
    if employer_id not in names:
        employer_id = employers[0][0] if employers else None
    if employer_id is not None and rules_form is None:
        rules_form = _rules_form(get_settings(request.app.state.engine, employer_id))
    return render(request, "leave.html", {"requests": rows, "employees": employees, "error": error, "code": code,
                                          "code_minutes": CODE_MINUTES, "notice": request.query_params.get("notice"),
                                          "rules_employers": employers, "rules_employer": employer_id,
                                          "rules_employer_name": names.get(employer_id or ""),
                                          "rules": rules_form, "rules_error": rules_error,
                                          "max_hours": format_hours(MAX_HOURS)},
                  status_code=status_code)


@router.get("/leave")
def leave_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    return _page(request, user)


# Before "/leave/{request_id}/{action}", which would otherwise take "settings" for a request id.
@router.post("/leave/settings/{employer_id}")
async def save_leave_settings(request: Request, employer_id: str,
                              user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    scope = scope_of(user)
    with Session(request.app.state.engine) as session:
        name = employer_names(session, scope).get(employer_id)
    if name is None:
        raise HTTPException(status_code=404)
    form = await request.form()
    given = {"extra_hours": str(form.get("extra_hours") or ""),
             "negative_limit_hours": str(form.get("negative_limit_hours") or ""),
             "holidays_free": form.get("holidays_free") == "1"}
    try:
        rules = LeaveRules(extra_hours=parse_hours(str(given["extra_hours"]), "bovenwettelijk verlof"),
                           negative_limit_hours=parse_hours(str(given["negative_limit_hours"]), "negatief saldo"),
                           holidays_free=bool(given["holidays_free"]))
        save_settings(request.app.state.engine, employer_id, rules, actor=user.email)
    except SettingsError as exc:
        return _page(request, user, employer_id=employer_id, rules_form=given, rules_error=str(exc), status_code=422)
    except LookupError:  # removed since the page was read
        raise HTTPException(status_code=404) from None
    notice = f"Verlofregels van {name} opgeslagen."
    return RedirectResponse(f"/leave?employer={quote(employer_id)}&notice={quote(notice)}", status_code=303)


@router.post("/leave/telegram/code")  # above /leave/{request_id}/{action}, which would take "telegram" as an id
async def own_link_code(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    """A code that links the signed-in user's own Telegram chat: new requests then arrive there with buttons."""
    await check_csrf(request, user)
    code = issue_user_code(request.app.state.engine, user.user_id, actor=user.email)
    return _page(request, user, code=("uw eigen Telegram", code, "Stuur deze code aan de Loonbode-bot in Telegram; "
                                      "nieuwe verlofaanvragen komen daarna daar binnen, met knoppen om te beslissen."))


@router.post("/leave/{request_id}/{action}")
async def decide_leave(request: Request, request_id: int, action: str,
                       user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    if action not in ("approve", "reject"):
        raise HTTPException(status_code=404)
    form = await request.form()
    with Session(request.app.state.engine) as session:
        row = session.get(LeaveRequestRow, request_id)
        if row is None or row.employee_id not in _employees(session, scope_of(user)):
            raise HTTPException(status_code=404)
    try:
        decide(request.app.state.engine, request_id, action == "approve", actor=user.email,
               today=dt.datetime.now(AMSTERDAM).date(), reason=str(form.get("reason") or ""),
               on_decided=queue_decision)
    except LeaveError as exc:
        return _page(request, user, error=str(exc), status_code=422)
    request.app.state.wake_outbox()
    return RedirectResponse("/leave", status_code=303)


@router.post("/leave/employees/{employee_id}/code")
async def link_code(request: Request, employee_id: int, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    with Session(request.app.state.engine) as session:
        employee = _employees(session, scope_of(user)).get(employee_id)
    if employee is None:
        raise HTTPException(status_code=404)
    code = issue_code(request.app.state.engine, employee_id, actor=user.email)
    name = employee.full_name
    return _page(request, user, code=(name, code, "De medewerker stuurt deze code aan de Loonbode-bot in Telegram."))
