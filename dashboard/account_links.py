"""The links in account mail, and asking for one: /activate/{token}, /reset/{token}, /reset.

Opening a link shows the form for a personal password (opening does nothing else, so a mail
scanner that follows links uses nothing up); sending it sets the password, uses the link
up and logs the person in (with the code step when they have two-factor login). A link
that is unknown, used or expired says so and offers a new one; asking for one answers the
same whether or not a mail went out. The token is the credential for the link, and the
forms carry the same double-submit token as the login form. Pages send no Referer, so the
token never leaves with a click.

/reset asks for an address and always gives the same answer, byte for byte, whether or not
an account exists there (`workflows.accounts.request_reset`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from dashboard.auth import continue_login
from dashboard.pages import render
from dashboard.security import CSRF_FIELD, LOGIN_CSRF_COOKIE, new_login_csrf, set_cookie, tokens_match
from notifier.account_mail import link_mailer
from workflows.accounts import (
    INVITE,
    LIFETIMES,
    RESET,
    AccountError,
    PasswordRefused,
    check_token,
    redeem_token,
    resend_link,
)
from workflows.accounts import request_reset as issue_reset
from workflows.passwords import MIN_LENGTH

router = APIRouter()
NO_REFERRER = {"Referrer-Policy": "no-referrer"}
PATHS = {INVITE: "/activate", RESET: "/reset"}
STALE_FORM = "Het formulier was verlopen; probeer het nog eens."
SENT = {
    "title": "Kijk in uw mail",
    "text": ("Als er een account bij dit adres hoort, ontvangt u binnen enkele minuten een mail met een link. "
             "De link werkt één keer en één uur lang. Geen mail gezien? Kijk ook in uw map met ongewenste mail "
             "(spam)."),
}
RENEWED = {
    "title": "Kijk in uw mail",
    "text": ("Als deze link bij een account hoort dat een nieuwe link kan gebruiken, staat die binnen enkele minuten "
             "in de mailbox van dat account. Geen mail gezien? Kijk ook in uw map met ongewenste mail (spam), of "
             "vraag de salarisadministratie."),
}


def _with_form_token(request: Request, name: str, context: dict[str, object], status_code: int) -> Response:
    token = new_login_csrf()
    response = render(request, name, {"csrf_token": token, **context}, status_code=status_code)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    response.headers.update(NO_REFERRER)
    return response


def _link_page(request: Request, token: str, purpose: str, *, error: str | None = None, reason: str | None = None,
               email: str | None = None, status_code: int = 200) -> Response:
    return _with_form_token(request, "set_password.html", {
        "purpose": purpose, "action": f"{PATHS[purpose]}/{token}", "reason": reason, "error": error, "email": email,
        "min_length": MIN_LENGTH, "days": LIFETIMES[INVITE].days}, status_code)


def _message(request: Request, words: dict[str, str]) -> Response:
    """A fixed page without a form token: the same bytes whatever happened behind it."""
    response = render(request, "account_message.html", words)
    response.headers.update(NO_REFERRER)
    return response


def _show(request: Request, token: str, purpose: str) -> Response:
    try:
        user = check_token(request.app.state.engine, token, purpose)
    except AccountError as exc:
        return _link_page(request, token, purpose, error=str(exc), reason=exc.reason)
    return _link_page(request, token, purpose, email=user.email)


def _use(request: Request, token: str, purpose: str, password: str, again: str, csrf_token: str) -> Response:
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _link_page(request, token, purpose, error=STALE_FORM, status_code=403)
    engine = request.app.state.engine
    try:
        user = check_token(engine, token, purpose)
    except AccountError as exc:
        return _link_page(request, token, purpose, error=str(exc), reason=exc.reason, status_code=410)
    if password != again:
        return _link_page(request, token, purpose, email=user.email, status_code=422,
                          error="De twee wachtwoorden zijn niet gelijk; typ ze nog eens.")
    try:
        user = redeem_token(engine, token, purpose, password)
    except PasswordRefused as exc:
        return _link_page(request, token, purpose, email=user.email, error=str(exc), status_code=422)
    except AccountError as exc:
        return _link_page(request, token, purpose, error=str(exc), reason=exc.reason, status_code=410)
    return continue_login(request, user, "/queue")


def _renew(request: Request, token: str, purpose: str, csrf_token: str) -> Response:
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _link_page(request, token, purpose, error=STALE_FORM, status_code=403)
    settings = request.app.state.settings
    if resend_link(request.app.state.engine, token, purpose, on_issued=link_mailer(settings, purpose)):
        request.app.state.wake_outbox()
    return _message(request, RENEWED)


Password = Annotated[str, Form()]
FormToken = Annotated[str, Form(alias=CSRF_FIELD)]


@router.get("/activate/{token}")
def activation_form(request: Request, token: str) -> Response:
    return _show(request, token, INVITE)


@router.post("/activate/{token}")
def activate(request: Request, token: str, password: Password = "", password_again: Password = "",
                   csrf_token: FormToken = "") -> Response:
    return _use(request, token, INVITE, password, password_again, csrf_token)


@router.post("/activate/{token}/new")
def new_invitation(request: Request, token: str, csrf_token: FormToken = "") -> Response:
    return _renew(request, token, INVITE, csrf_token)


@router.get("/reset")
def reset_form(request: Request) -> Response:
    return _with_form_token(request, "reset_request.html", {"error": None}, 200)


@router.post("/reset")
def reset_request(request: Request, email: Annotated[str, Form()] = "", csrf_token: FormToken = "") -> Response:
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _with_form_token(request, "reset_request.html", {"error": STALE_FORM}, 403)
    settings = request.app.state.settings
    if issue_reset(request.app.state.engine, email, on_issued=link_mailer(settings, RESET)):
        request.app.state.wake_outbox()
    return _message(request, SENT)


@router.get("/reset/{token}")
def reset_password_form(request: Request, token: str) -> Response:
    return _show(request, token, RESET)


@router.post("/reset/{token}")
def reset_password(request: Request, token: str, password: Password = "", password_again: Password = "",
                         csrf_token: FormToken = "") -> Response:
    return _use(request, token, RESET, password, password_again, csrf_token)


@router.post("/reset/{token}/new")
def new_reset_link(request: Request, token: str, csrf_token: FormToken = "") -> Response:
    return _renew(request, token, RESET, csrf_token)
