"""The reminders' switches and timing (admin only): GET and POST /settings/reminders.

One form: a switch per reminder kind and, for the deadline reminders, how many working days
before the deadline they start (`workflows.reminder_settings`). Saving changes only what
changed, each change with its audit event.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from dashboard.pages import render
from dashboard.security import check_csrf, current_user, require_admin
from workflows import reminder_settings
from workflows.reminder_settings import KINDS, MAX_DAYS_BEFORE, NOTHING_RECEIVED, ReminderSettingsError
from workflows.users import SignedIn

router = APIRouter()
PATH = "/settings/reminders"


@router.get(PATH)
def reminder_settings_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_admin(user)
    return render(request, "reminder_settings.html", {
        "kinds": KINDS, "current": reminder_settings.get_all(request.app.state.engine),
        "days_kind": NOTHING_RECEIVED, "max_days": MAX_DAYS_BEFORE,
        "notice": request.query_params.get("notice"), "error": request.query_params.get("error")})


def _back(*, notice: str | None = None, error: str | None = None) -> Response:
    query = f"notice={quote(notice)}" if notice else f"error={quote(error or '')}"
    return RedirectResponse(f"{PATH}?{query}", status_code=303)


@router.post(PATH)
async def save_reminder_settings(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_admin(user)
    await check_csrf(request, user)
    form = await request.form()
    text = str(form.get("days_before") or "").strip()
    if not text.isdigit() or int(text) > MAX_DAYS_BEFORE:  # checked before any switch is saved
        return _back(error=f"Vul bij het aantal werkdagen een heel getal van 0 tot en met {MAX_DAYS_BEFORE} in.")
    days = int(text)
    try:
        for kind in KINDS:
            reminder_settings.save(request.app.state.engine, kind, form.get(f"enabled_{kind}") == "1",
                                   days if kind == NOTHING_RECEIVED else None, actor=user.email)
    except ReminderSettingsError as exc:
        return _back(error=str(exc))
    return _back(notice="herinneringen opgeslagen")
