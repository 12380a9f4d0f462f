"""One's own account (every signed-in user): sessions, logging out elsewhere, two-factor login.

/account lists the user's sessions (address, browser, last used) with "log out on all other
devices" and "log out everywhere" (both also forget trusted devices), and the state of
two-factor login. /account/two-factor sets it up: a QR code and the secret as text, switched
on by a first valid code, after which 10 recovery codes are shown once. New recovery codes
and switching off ask for a current code; a user who must use two-factor login cannot
switch it off, only set it up again (on a new phone).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from dashboard.pages import render
from dashboard.security import SESSION_COOKIE, TWO_FACTOR_SETUP, check_csrf, current_user, needs_two_factor_setup
from workflows import two_factor
from workflows.accounts import log_out_everywhere, sessions_of
from workflows.periods import AMSTERDAM
from workflows.users import SignedIn

router = APIRouter()

_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("Linux", "Linux"))


def describe_browser(user_agent: str | None) -> str:
    """'Firefox op Windows' from a User-Agent header; 'onbekend' when it says nothing we know."""
    agent = user_agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), None)
    system = next((name for marker, name in _SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser} op {system}"
    return browser or system or (agent[:40] if agent else "onbekend")


def _moment(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return aware.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def _required(request: Request, user: SignedIn) -> bool:
    bureau_required = getattr(request.app.state.settings, "require_two_factor_for_bureau", True)
    return two_factor.required_for(user.role, enabled=False, employer_requires=user.employer_requires_totp,
                                   bureau_required=bureau_required)


def _account_page(request: Request, user: SignedIn, *, error: str | None = None, status_code: int = 200) -> Response:
    engine = request.app.state.engine
    sessions = [{"current": s.id == user.session_id, "client": s.client or "onbekend",
                 "browser": describe_browser(s.user_agent), "last_seen": _moment(s.last_seen_at or s.created_at),
                 "since": _moment(s.created_at)} for s in sessions_of(engine, user.user_id)]
    return render(request, "account.html", {
        "sessions": sessions, "two_factor_on": user.totp_enabled, "two_factor_required": _required(request, user),
        "codes_left": two_factor.recovery_codes_left(engine, user.user_id) if user.totp_enabled else 0,
        "notice": request.query_params.get("notice"), "error": error or request.query_params.get("error")},
        status_code=status_code)


def _back(notice: str) -> Response:
    return RedirectResponse(f"/account?notice={quote(notice)}", status_code=303)


@router.get("/account")
def account_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    return _account_page(request, user)


@router.post("/account/logout-others")
async def logout_others(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    ended = log_out_everywhere(request.app.state.engine, user.user_id, request.cookies.get(SESSION_COOKIE),
                               keep_device=request.cookies.get(two_factor.DEVICE_COOKIE), actor=user.email)
    return _back(f"U bent uitgelogd op {ended} ander(e) apparaat/apparaten; andere onthouden apparaten vragen weer "
                 "om een code.")


@router.post("/account/logout-everywhere")
async def logout_everywhere(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    log_out_everywhere(request.app.state.engine, user.user_id, actor=user.email)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(two_factor.DEVICE_COOKIE, path="/")
    return response


# --- two-factor login ----------------------------------------------------------------------------------------

def _grouped(secret: str) -> str:
    return " ".join(re.findall(".{1,4}", secret))


def _setup_page(request: Request, user: SignedIn, *, error: str | None = None, status_code: int = 200) -> Response:
    secret = two_factor.start_setup(request.app.state.engine, user.user_id)
    uri = two_factor.provisioning_uri(secret, user.email)
    return render(request, "two_factor_setup.html", {
        "qr": Markup(two_factor.qr_svg(uri)), "secret": _grouped(secret), "error": error,
        "forced": needs_two_factor_setup(request, user)}, status_code=status_code)


def _codes_page(request: Request, codes: list[str], *, first: bool) -> Response:
    return render(request, "two_factor_codes.html", {"codes": codes, "first": first})


@router.get("/account/two-factor")
def two_factor_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    if user.totp_enabled:
        return RedirectResponse("/account", status_code=303)
    return _setup_page(request, user)


@router.post("/account/two-factor")
async def two_factor_confirm(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    if user.totp_enabled:
        return RedirectResponse("/account", status_code=303)
    form = await request.form()
    try:
        codes = two_factor.confirm_setup(request.app.state.engine, user.user_id, str(form.get("code") or "")[:20],
                                         now=two_factor.clock())
    except two_factor.TwoFactorError as exc:
        return _setup_page(request, user, error=str(exc), status_code=422)
    return _codes_page(request, codes, first=True)


async def _checked_code(request: Request, user: SignedIn) -> str | None:
    """The error to show, or None when the form carried a valid code (from the app or a recovery code)."""
    await check_csrf(request, user)
    if not user.totp_enabled:
        return "Tweestapsverificatie staat niet aan."
    form = await request.form()
    kind = two_factor.check_code(request.app.state.engine, user.user_id, str(form.get("code") or "")[:100],
                                 now=two_factor.clock())
    return None if kind else "Deze code klopt niet (of is al gebruikt); probeer de volgende code uit uw app."


@router.post("/account/two-factor/recovery-codes")
async def two_factor_new_codes(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    error = await _checked_code(request, user)
    if error:
        return _account_page(request, user, error=error, status_code=422)
    return _codes_page(request, two_factor.new_recovery_codes(request.app.state.engine, user.user_id,
                                                              actor=user.email), first=False)


@router.post("/account/two-factor/off")
async def two_factor_off(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    error = await _checked_code(request, user)
    if error:
        return _account_page(request, user, error=error, status_code=422)
    two_factor.disable(request.app.state.engine, user.user_id, actor=user.email, now=two_factor.clock())
    response = RedirectResponse(TWO_FACTOR_SETUP, status_code=303) if _required(request, user) else \
        _back("Tweestapsverificatie staat uit; onthouden apparaten zijn vergeten.")
    response.delete_cookie(two_factor.DEVICE_COOKIE, path="/")
    return response
