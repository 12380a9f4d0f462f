"""One draft (GET /drafts/{id}) and what the bureau does with it: correct, approve, reject,
reopen, mark as duplicate. Employer users may look, never act; a draft of another
employer is "not found", whatever id is typed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from dashboard.display import marked_body, sheet_view
from dashboard.pages import render
from dashboard.queue import scope_of
from dashboard.security import check_csrf, current_user, require_bureau
from notifier.questions import ask_employer
from parsers.fields import FIELD_MODELS
from parsers.mime import read_mail
from workflows.models import DraftRow, LeaveRequestRow
from workflows.periods import AMSTERDAM
from workflows.retention import purged_notice
from workflows.review import ReviewError, approve, correct, mark_duplicate, reject, reopen
from workflows.review_queue import draft_history, roster_of, sibling_drafts, visible_draft, visible_inbound
from workflows.users import SignedIn

router = APIRouter()


def _original(request: Request, inbound_id: int | None, scope: str | None) -> dict[str, object]:
    """The mail the draft came from: headers to show and its readable body."""
    with Session(request.app.state.engine) as session:
        message = visible_inbound(session, inbound_id, scope)
    if message is None:
        return {"available": False}
    if message.purged_at is not None:
        return {"available": False, "purged": purged_notice(request.app.state.settings.retention_days)}
    try:
        raw = (request.app.state.settings.data_dir / message.raw_path).read_bytes()
    except OSError:
        return {"available": False}
    mail = read_mail(raw)
    return {"available": True, "from": mail.from_address or "", "subject": mail.subject,
            "date": mail.date, "body": mail.body, "sender_check": message.sender_check,
            "attachments": [a.filename for a in mail.attachments],
            "files": [(a.filename, a.data) for a in mail.attachments]}


def _answer(request: Request, inbound_id: int, scope: str | None) -> dict[str, object] | None:
    """The employer's answer to a question: its text and the drafts read from it."""
    mail = _original(request, inbound_id, scope)
    if not mail.get("available"):
        return None
    with Session(request.app.state.engine) as session:
        drafts = list(session.exec(select(DraftRow).where(DraftRow.inbound_id == inbound_id)
                                   .order_by(col(DraftRow.id))))
    return {"inbound_id": inbound_id, "body": str(mail["body"])[:5000], "date": mail["date"], "drafts": drafts}


def draft_context(request: Request, draft_id: int, user: SignedIn, *, error: str | None = None) -> dict[str, object]:
    scope = scope_of(user)
    with Session(request.app.state.engine) as session:
        draft = visible_draft(session, draft_id, scope)
        if draft is None:
            raise HTTPException(status_code=404)
        siblings = sibling_drafts(session, draft)
        history = draft_history(session, draft_id)
        employees = roster_of(session, draft.employer_id) if user.sees_all_employers else []
        leave = session.get(LeaveRequestRow, draft.leave_request_id) if draft.leave_request_id else None
    original = _original(request, draft.inbound_id, scope)
    answers = [_answer(request, int(e.detail["inbound_id"]), scope) for e in history
               if e.action == "answered" and str(e.detail.get("inbound_id", "")).isdigit()]
    body = marked_body(str(original.get("body", "")), draft.source) if original.get("available") else []
    files = original.get("files", [])
    sheet = sheet_view(files, draft.source) if isinstance(files, list) else None
    # A leave draft records the employer's decision: the bureau approves or rejects it, never edits it.
    editable = user.sees_all_employers and draft.status == "new" and draft.type in FIELD_MODELS
    return {"draft": draft, "siblings": siblings, "history": history, "original": original, "body": body,
            "sheet": sheet,
            "field_names": list(FIELD_MODELS[draft.type].model_fields) if draft.type in FIELD_MODELS else [],
            "editable": editable, "can_act": user.sees_all_employers, "error": error, "employees": employees,
            "answers": [a for a in answers if a is not None], "leave": leave}


@router.get("/drafts/{draft_id}")
def draft_page(request: Request, draft_id: int, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    return render(request, "draft.html", draft_context(request, draft_id, user))


async def _act(request: Request, draft_id: int, user: SignedIn, action: str) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    form = await request.form()
    engine = request.app.state.engine
    scope = scope_of(user)
    error = None
    try:
        if action == "approve":
            approve(engine, draft_id, scope=scope, actor=user.email)
        elif action == "reject":
            reject(engine, draft_id, str(form.get("reason") or ""), scope=scope, actor=user.email)
        elif action == "reopen":
            reopen(engine, draft_id, scope=scope, actor=user.email)
        elif action == "duplicate":
            of = str(form.get("of") or "").strip().lstrip("#")
            if not of.isdigit():
                raise ReviewError("geef het nummer van het concept waarvan dit een dubbele is")
            mark_duplicate(engine, draft_id, int(of), scope=scope, actor=user.email)
        elif action == "ask":
            ask_employer(engine, request.app.state.settings, draft_id, str(form.get("question") or ""), scope=scope,
                         actor=user.email)
            request.app.state.wake_outbox()
        elif action == "fields":
            values = {k: v for k, v in form.items() if isinstance(v, str)}
            today = dt.datetime.now(AMSTERDAM).date()
            correct(engine, draft_id, values, scope=scope, actor=user.email, today=today)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except ReviewError as exc:
        error = str(exc)
    if request.headers.get("HX-Request") == "true":
        return render(request, "_draft_panel.html", draft_context(request, draft_id, user, error=error),
                      status_code=200)  # HTMX swaps only 2xx: the error shows inside the panel
    if error is not None:
        return render(request, "draft.html", draft_context(request, draft_id, user, error=error), status_code=422)
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


@router.post("/drafts/{draft_id}/{action}")
async def draft_action(request: Request, draft_id: int, action: str,
                       user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    if action not in ("approve", "reject", "reopen", "duplicate", "fields", "ask"):
        raise HTTPException(status_code=404)
    return await _act(request, draft_id, user, action)
