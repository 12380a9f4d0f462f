"""User management (admin only): who may log in, with which role, for which employer.

Users are invited (a mail with an activation link, `workflows.accounts.invite`) or, as
before, made with a password the admin passes on. Per employer, two-factor login can be
made required for its users; per user, an admin can switch off two-factor login for someone
who lost both phone and recovery codes (they set it up again at their next login when it
is required).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from dashboard.pages import render
from dashboard.security import check_csrf, current_user, require_admin
from notifier.account_mail import link_mailer
from workflows import two_factor
from workflows.accounts import INVITE, LIFETIMES, invite
from workflows.models import Employer, UserRole
from workflows.review_queue import employer_names
from workflows.users import SignedIn, UserError, all_users, create_user, set_active

router = APIRouter()


def _page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    with Session(request.app.state.engine) as session:
        names = employer_names(session, None)
        employers = list(session.exec(select(Employer).order_by(col(Employer.name))))
    return render(request, "users.html", {"users": all_users(request.app.state.engine), "names": names,
                                          "employers": employers, "roles": UserRole.ALL,
                                          "bureau_two_factor": request.app.state.settings.require_two_factor_for_bureau,
                                          "notice": request.query_params.get("notice"),
                                          "error": error or request.query_params.get("error")},
                  status_code=status_code)


@router.get("/users")
def users_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_admin(user)
    return _page(request)


def _back(*, notice: str | None = None, error: str | None = None) -> Response:
    query = f"notice={quote(notice)}" if notice else f"error={quote(error or '')}"
    return RedirectResponse(f"/users?{query}", status_code=303)


@router.post("/users")
async def add_user(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_admin(user)
    await check_csrf(request, user)
    form = await request.form()
    email, role = str(form.get("email") or ""), str(form.get("role") or "")
    try:
        made = create_user(request.app.state.engine, email, role=role, password=str(form.get("password") or ""),
                           employer_id=str(form.get("employer") or "") or None, actor=user.email)
    except UserError as exc:  # shown at once, not through the URL: the message may name the address
        return _page(request, error=str(exc), status_code=422)
    return _back(notice=f"gebruiker {made.id} aangemaakt")  # an id: no address in a URL


@router.post("/users/invite")
async def invite_user(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_admin(user)
    await check_csrf(request, user)
    form = await request.form()
    try:
        invited, _token = invite(request.app.state.engine, str(form.get("email") or ""),
                                 role=str(form.get("role") or UserRole.EMPLOYER),
                                 employer_id=str(form.get("employer") or "") or None, actor=user.email,
                                 on_issued=link_mailer(request.app.state.settings, INVITE))
    except UserError as exc:  # shown at once, not through the URL: the message may name the address
        return _page(request, error=str(exc), status_code=422)
    request.app.state.wake_outbox()
    return _back(notice=f"uitnodiging voor gebruiker {invited.id} verstuurd; de link werkt "
                 f"{LIFETIMES[INVITE].days} dagen. Vraag de ontvanger ook in de spam-map te kijken.")


@router.post("/users/employers/{employer_id}/two-factor")
async def employer_two_factor(request: Request, employer_id: str,
                              user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_admin(user)
    await check_csrf(request, user)
    form = await request.form()
    try:
        two_factor.set_employer_requirement(request.app.state.engine, employer_id, form.get("required") == "1",
                                            actor=user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    return _back(notice="aangepast")


@router.post("/users/{user_id}/{action}")
async def switch_user(request: Request, user_id: int, action: str,
                      user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_admin(user)
    await check_csrf(request, user)
    if action not in ("enable", "disable", "reset-two-factor"):
        raise HTTPException(status_code=404)
    try:
        if action == "reset-two-factor":
            two_factor.disable(request.app.state.engine, user_id, actor=user.email)
        else:
            set_active(request.app.state.engine, user_id, action == "enable", actor=user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except UserError as exc:
        return _back(error=str(exc))
    return _back(notice="aangepast")
