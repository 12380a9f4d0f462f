"""Logging in and out (GET/POST /login, POST /logout)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from dashboard.pages import render
from dashboard.security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    current_user,
    new_login_csrf,
    set_cookie,
    tokens_match,
)
from workflows.users import SESSION_HOURS, SignedIn, log_in, log_out

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only our own paths: never an open redirect to another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/queue"


def _login_page(request: Request, *, error: str | None = None, next_path: str = "/queue",
                status_code: int = 200) -> Response:
    token = new_login_csrf()
    response = render(request, "login.html", {"csrf_token": token, "error": error, "next": next_path},
                          status_code=status_code)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next_path=_safe_next(next))


@router.post("/login")
def login(request: Request, email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "", next: Annotated[str, Form()] = "/queue",
          ) -> Response:
    if not tokens_match(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_page(request, error="Het formulier was verlopen; probeer het nog eens.", status_code=403)
    client = request.client.host if request.client else "onbekend"
    token = log_in(request.app.state.engine, email, password, client=client)
    if token is None:
        return _login_page(request, error="E-mailadres of wachtwoord klopt niet, of er is te vaak geprobeerd. "
                           "Wacht een kwartier of vraag de beheerder.", next_path=_safe_next(next), status_code=401)
    # A session this browser still had (another user's, or the same one's) ends here, not in 10 hours.
    log_out(request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=SESSION_HOURS * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    log_out(request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
