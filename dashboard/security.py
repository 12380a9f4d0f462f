"""Who is asking, and may they: session cookies, CSRF tokens, roles and response headers.

Every page but the login form needs a session (`current_user`); every POST carries the
session's CSRF token, as a form field or, from HTMX, the `X-CSRF-Token` header
(`check_csrf`). Before login there is no session, so the login form uses a double-submit
token: a random cookie that the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, Response
from starlette.middleware.base import BaseHTTPMiddleware

from workflows.users import SignedIn, signed_in

SESSION_COOKIE = "loonbode_session"
LOGIN_CSRF_COOKIE = "loonbode_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

# No inline scripts or styles anywhere: a mail body that holds <script> or onerror= cannot run.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class LoginRequired(Exception):
    """Raised by `current_user` for a page: the app answers with a redirect to /login."""


def current_user(request: Request) -> SignedIn:
    user = signed_in(request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise LoginRequired
    request.state.user = user
    return user


def tokens_match(given: str | None, expected: str | None) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(str(given), str(expected))


async def check_csrf(request: Request, user: SignedIn) -> None:
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(given, user.csrf_token):
        raise HTTPException(status_code=403, detail="Het formulier is verlopen; laad de pagina opnieuw.")


def require_bureau(user: SignedIn) -> None:
    if not user.sees_all_employers:
        raise HTTPException(status_code=403, detail="Dit deel is alleen voor het bureau.")


def require_admin(user: SignedIn) -> None:
    if not user.is_admin:
        raise HTTPException(status_code=403, detail="Dit deel is alleen voor beheerders.")


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https")


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path != "/healthz" and not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
