"""Employees' data change requests in the dashboard (GET /data-changes): confirm or reject them.

An employee asks in the chat (/gegevens) to change their address, IBAN or other data; the
employer's contacts get a mail with a link here. An employer user sees and decides its own
employees' requests; the bureau those of every employer. Confirming makes the bureau's
`personal_data_change` draft; rejecting needs a reason, which the employee reads. The
decision and the employee's Telegram message are committed together. IBAN and BSN are shown
masked.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from dashboard.pages import render
from dashboard.queue import scope_of
from dashboard.security import check_csrf, current_user
from notifier.data_change_notices import queue_change_decision
from parsers.masking import mask_secrets
from workflows.periods import AMSTERDAM
from workflows.personal_details import (
    DataChangeError,
    change_in_scope,
    confirm_change,
    describe_change,
    waiting_changes,
)
from workflows.review_queue import employer_names
from workflows.users import SignedIn

router = APIRouter()
ACTIONS = {"confirm": True, "reject": False}


def _page(request: Request, user: SignedIn, *, error: str | None = None, status_code: int = 200) -> Response:
    scope = scope_of(user)
    with Session(request.app.state.engine) as session:
        rows = waiting_changes(session, scope)
        names = employer_names(session, scope)
    changes = [{"id": r.id, "employee": e, "employer": names.get(e.employer_id, e.employer_id),
                "lines": describe_change(r.fields), "words": mask_secrets(r.text or ""),
                "asked": r.created_at.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")
                if r.created_at.tzinfo else r.created_at.strftime("%d-%m-%Y %H:%M")} for r, e in rows]
    return render(request, "data_changes.html", {"changes": changes, "error": error,
                                                 "notice": request.query_params.get("notice")},
                  status_code=status_code)


@router.get("/data-changes")
def data_changes_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    return _page(request, user)


@router.post("/data-changes/{change_id}/{action}")
async def decide_data_change(request: Request, change_id: int, action: str,
                             user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    if action not in ACTIONS:
        raise HTTPException(status_code=404)
    with Session(request.app.state.engine) as session:
        found = change_in_scope(session, change_id, scope_of(user))
    if found is None:
        raise HTTPException(status_code=404)
    form = await request.form()
    try:
        decided = confirm_change(request.app.state.engine, change_id, ACTIONS[action], user.email,
                                 str(form.get("reason") or ""), on_decided=queue_change_decision)
    except DataChangeError as exc:
        return _page(request, user, error=f"Verzoek {change_id}: {exc}.",
                     status_code=409 if exc.key == "decided" else 422)
    request.app.state.wake_outbox()
    # Ids only in the URL (browser history, logs): no name.
    notice = (f"Verzoek {change_id} bevestigd; de wijziging staat nu in de wachtrij van de salarisadministratie."
              if decided.status == "confirmed" else f"Verzoek {change_id} afgewezen; de medewerker hoort uw reden.")
    return RedirectResponse(f"/data-changes?notice={quote(notice)}", status_code=303)
