"""Deciding on a leave request from the link in the employer's mail, without logging in.

GET shows the request and one button (mail scanners that open links decide nothing);
POST with the same token decides it. The token is the credential: signed, used once,
expiring (`workflows.decision_links`). A refused link explains itself and points to the
dashboard. Pages send no Referer, so the token never leaves with a click.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import Session

from dashboard.pages import render
from loonbode.settings import signing_key
from notifier.leave_notices import queue_decision
from parsers.labels import LEAVE_LABELS
from workflows.decision_links import DecisionTarget, LinkRefused, decide_by_link, read_token
from workflows.leave_ledger import LeaveError
from workflows.models import Employee, LeaveRequestRow
from workflows.periods import AMSTERDAM

router = APIRouter()
NO_REFERRER = {"Referrer-Policy": "no-referrer"}


def _today() -> dt.date:
    return dt.datetime.now(AMSTERDAM).date()


def _page(request: Request, token: str, target: DecisionTarget | None, *, error: str | None = None,
          done: LeaveRequestRow | None = None, status_code: int = 200) -> Response:
    context: dict[str, object] = {"token": token, "target": target, "error": error, "done": done}
    request_id = target.request_id if target else (done.id if done else None)
    if request_id is not None:
        with Session(request.app.state.engine) as session:
            row = session.get(LeaveRequestRow, request_id)
            employee = session.get(Employee, row.employee_id) if row else None
        context.update(leave=row, employee=employee,
                       kind=LEAVE_LABELS.get(row.leave_type, LEAVE_LABELS["vacation"])["nl"] if row else "")
    response = render(request, "leave_decide.html", context, status_code=status_code)
    response.headers.update(NO_REFERRER)
    return response


@router.get("/leave/decide/{token}")
def show_decision(request: Request, token: str) -> Response:
    try:
        target = read_token(request.app.state.engine, token, signing_key(request.app.state.settings))
    except LinkRefused as exc:
        return _page(request, token, None, error=str(exc), status_code=410 if exc.reason != "forged" else 404)
    return _page(request, token, target)


@router.post("/leave/decide/{token}")
async def use_decision(request: Request, token: str) -> Response:
    engine, key = request.app.state.engine, signing_key(request.app.state.settings)
    form = await request.form()
    try:
        target = read_token(engine, token, key)
    except LinkRefused as exc:
        return _page(request, token, None, error=str(exc), status_code=410 if exc.reason != "forged" else 404)
    try:
        decided = decide_by_link(engine, token, key, today=_today(), reason=str(form.get("reason") or ""),
                                 on_decided=queue_decision)
    except LinkRefused as exc:
        return _page(request, token, None, error=str(exc), status_code=410)
    except LeaveError as exc:
        return _page(request, token, target, error=str(exc), status_code=422)
    request.app.state.wake_outbox()
    return _page(request, token, None, done=decided)
