"""Leave in the dashboard (GET /leave): requests to decide, and link codes for the Telegram bot.

An employer decides on its own employees' requests; the bureau may act for any employer.
A decision and the employee's Telegram message are committed together.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from dashboard.pages import render
from dashboard.queue import scope_of
from dashboard.security import check_csrf, current_user
from notifier.leave_notices import queue_decision
from workflows.leave_ledger import LeaveError, decide
from workflows.models import Employee, LeaveRequestRow
from workflows.periods import AMSTERDAM
from workflows.telegram_links import CODE_MINUTES, issue_code
from workflows.users import SignedIn

router = APIRouter()


def _employees(session: Session, scope: str | None) -> dict[int, Employee]:
    query = select(Employee)
    if scope is not None:
        query = query.where(Employee.employer_id == scope)
    return {e.id: e for e in session.exec(query) if e.id is not None}


def _page(request: Request, user: SignedIn, *, error: str | None = None, code: tuple[str, str] | None = None,
          status_code: int = 200) -> Response:
    scope = scope_of(user)
    with Session(request.app.state.engine) as session:
        employees = _employees(session, scope)
        rows = list(session.exec(select(LeaveRequestRow).where(col(LeaveRequestRow.employee_id).in_(employees))
                                 .order_by(col(LeaveRequestRow.status) != "pending", col(LeaveRequestRow.start_date))
                                 .limit(200)))
    return render(request, "leave.html", {"requests": rows, "employees": employees, "error": error, "code": code,
                                          "code_minutes": CODE_MINUTES}, status_code=status_code)


@router.get("/leave")
def leave_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    return _page(request, user)


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
    return _page(request, user, code=(name, code))
