"""Logging in and out (GET/POST /login, GET/POST /login/code, POST /logout).

A login is the password, then, for a user with two-factor login on, a code from the app
(or a recovery code) unless this browser is trusted (`loonbode_device`). Between the two
steps nothing is stored on the server: the browser holds a signed cookie
(`loonbode_login_pending`, HMAC-SHA256 with the installation's secret key) naming the user,
an expiry five minutes on, a nonce and a tag of the password hash (a password changed in
between voids it). Wrong codes count towards the same lockout as wrong passwords.

A user without a second factor gets the session straight from POST /login, which answers
303 to the page asked for (/queue by default), as scripts expect. A user who must use two-
factor login but has not set it up gets the session and is sent to the setup.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from dashboard.pages import render
from dashboard.security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    TWO_FACTOR_SETUP,
    check_csrf,
    current_user,
    new_login_csrf,
    set_cookie,
    tokens_match,
)
from loonbode.settings import signing_key
from workflows import two_factor
from workflows.models import User
from workflows.users import (
    SESSION_HOURS,
    SignedIn,
    check_password,
    log_out,
    open_session,
    record_failure,
    too_many_failures,
)

router = APIRouter()

PENDING_COOKIE = "loonbode_login_pending"
PENDING_MINUTES = 5
_PENDING_PURPOSE = b"loonbode pending login\0"  # keeps these signatures apart from any other use of the key


def _safe_next(target: str | None) -> str:
    """Only our own paths: never an open redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


def _client(request: Request) -> str:
    return request.client.host if request.client else "onbekend"


def _login_page(request: Request, *, error: str | None = None, next_path: str = "/queue",
                status_code: int = 200) -> Response:
    token = new_login_csrf()
    response = render(request, "login.html", {"csrf_token": token, "error": error, "next": next_path},
                      status_code=status_code)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


def _code_page(request: Request, *, error: str | None = None, next_path: str = "/queue",
               status_code: int = 200) -> Response:
    token = new_login_csrf()
    response = render(request, "login_code.html", {"csrf_token": token, "error": error, "next": next_path,
                                                   "device_days": two_factor.DEVICE_DAYS}, status_code=status_code)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


# --- the signed cookie between password and code --------------------------------------------------------------

def _password_tag(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def _signature(request: Request, payload: str) -> str:
    key = signing_key(request.app.state.settings)
    digest = hmac.new(key, _PENDING_PURPOSE + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _pending_value(request: Request, user: User) -> str:
    expires = int((two_factor.clock() + dt.timedelta(minutes=PENDING_MINUTES)).timestamp())
    payload = f"{user.id}.{expires}.{secrets.token_urlsafe(12)}.{_password_tag(user)}"
    return f"{payload}.{_signature(request, payload)}"


def _pending_user(request: Request) -> User | None:
    """The user whose password was right a moment ago in this browser, or None."""
    value = request.cookies.get(PENDING_COOKIE) or ""
    payload, _, signature = value.rpartition(".")
    if not payload or len(value) > 300 or not hmac.compare_digest(signature, _signature(request, payload)):
        return None
    user_id, expires, _nonce, tag = [*payload.split("."), "", "", "", ""][:4]
    if not user_id.isdigit() or not expires.isdigit() or int(expires) <= two_factor.clock().timestamp():
        return None
    with Session(request.app.state.engine) as session:
        user = session.get(User, int(user_id))
        if user is None or not user.active or user.totp_enabled_at is None or \
                not hmac.compare_digest(tag, _password_tag(user)):
            return None
        session.expunge(user)
        return user


# --- after the password -----------------------------------------------------------------------------------------

def signed_in_response(request: Request, user: User, target: str) -> Response:
    """The session for a user who passed every step, and a 303 to `target`."""
    engine = request.app.state.engine
    token = open_session(engine, user, client=_client(request), user_agent=request.headers.get("user-agent"))
    # A session this browser still had (another user's, or the same one's) ends here, not in 10 hours.
    log_out(engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    if PENDING_COOKIE in request.cookies:
        response.delete_cookie(PENDING_COOKIE, path="/")
    return response


def continue_login(request: Request, user: User, next_path: str) -> Response:
    """After a right password (or a link that set one): the code step, the setup, or straight in."""
    engine, settings = request.app.state.engine, request.app.state.settings
    assert user.id is not None
    if user.totp_enabled_at is not None and not two_factor.device_trusted(
            engine, user.id, request.cookies.get(two_factor.DEVICE_COOKIE), now=two_factor.clock()):
        response = RedirectResponse(f"/login/code?next={quote(next_path, safe='/')}", status_code=303)
        set_cookie(request, response, PENDING_COOKIE, _pending_value(request, user), max_age=PENDING_MINUTES * 60)
        return response
    with Session(engine) as session:
        setup_first = user.totp_enabled_at is None and two_factor.two_factor_required(
            session, user, bureau_required=getattr(settings, "require_two_factor_for_bureau", True))
    return signed_in_response(request, user, TWO_FACTOR_SETUP if setup_first else next_path)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login")
def login(request: Request, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "", next: Annotated[str, Form()] = "/queue",
          ) -> Response:
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, error="Het formulier was verlopen; probeer het nog eens.", status_code=403)
    user = check_password(request.app.state.engine, email, password, client=_client(request))
    if user is None:
        return _login_page(request, error="E-mailadres of wachtwoord klopt niet, of er is te vaak geprobeerd. "
                           "Wacht een kwartier of vraag de beheerder.", next_path=_safe_next(next), status_code=401)
    return continue_login(request, user, _safe_next(next))


@router.get("/login/code")
def code_form(request: Request, next: str | None = None) -> Response:
    if _pending_user(request) is None:
        return _login_page(request, error="Uw inlogpoging is verlopen; log opnieuw in.", next_path=_safe_next(next))
    return _code_page(request, next_path=_safe_next(next))


@router.post("/login/code")
def code(request: Request, code: Annotated[str, Form()] = "", remember: Annotated[str, Form()] = "",
         csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "", next: Annotated[str, Form()] = "/queue",
         ) -> Response:
    next_path = _safe_next(next)
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _code_page(request, error="Het formulier was verlopen; probeer het nog eens.", next_path=next_path,
                          status_code=403)
    user = _pending_user(request)
    if user is None or user.id is None:
        return RedirectResponse("/login", status_code=303)
    engine, client = request.app.state.engine, _client(request)
    if too_many_failures(engine, user.email, client):
        record_failure(engine, user.email, client)
        return _code_page(request, error="Er is te vaak een verkeerde code gegeven. Wacht een kwartier.",
                          next_path=next_path, status_code=401)
    kind = two_factor.check_code(engine, user.id, code[:100], now=two_factor.clock())
    if kind is None:
        record_failure(engine, user.email, client)
        return _code_page(request, error="Deze code klopt niet (of is al gebruikt). Wacht op de volgende code in "
                          "uw app, of gebruik een herstelcode.", next_path=next_path, status_code=401)
    if kind == "recovery":
        left = two_factor.recovery_codes_left(engine, user.id)
        next_path = "/account?notice=" + quote(f"U bent ingelogd met een herstelcode; u heeft er nog {left}. "
                                               "Maak nieuwe herstelcodes als u er weinig over heeft.")
    response = signed_in_response(request, user, next_path)
    if remember:
        device = two_factor.trust_device(engine, user.id, now=two_factor.clock())
        set_cookie(request, response, two_factor.DEVICE_COOKIE, device, max_age=two_factor.DEVICE_DAYS * 86400)
    return response


@router.post("/logout")
async def logout(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    log_out(request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
