"""Who is asking, and may they: session cookies, CSRF tokens, roles and response headers.

Every page but the login form needs a session (`current_user`); every POST carries the
session's CSRF token, as a form field or, from HTMX, the `X-CSRF-Token` header
(`check_csrf`). Before login there is no session, so the login form (and the other forms
without one: the code step, activation and reset links) uses a double-submit token: a
random cookie that the form must repeat.

A user who must log in with a second factor but has not set it up yet gets only the setup
page (and logout): every other page sends them there (`TwoFactorSetupRequired`).
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import HTTPException, Request, Response
from starlette.datastructures import MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workflows.two_factor import required_for
from workflows.users import SignedIn, signed_in

SESSION_COOKIE = "loonbode_session"
LOGIN_CSRF_COOKIE = "loonbode_login_csrf"
TWO_FACTOR_SETUP = "/account/two-factor"
_OPEN_DURING_SETUP = (TWO_FACTOR_SETUP, "/logout")
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

# No inline scripts or styles anywhere: a mail body that holds <script> or onerror= cannot run.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


class LoginRequired(Exception):
    """Raised by `current_user` for a page: the app answers with a redirect to /login."""


class TwoFactorSetupRequired(Exception):
    """Raised by `current_user` for a user who must set up two-factor login first: a redirect to the setup."""


def needs_two_factor_setup(request: Request, user: SignedIn) -> bool:
    bureau_required = getattr(request.app.state.settings, "require_two_factor_for_bureau", True)
    return not user.totp_enabled and required_for(user.role, enabled=False,
                                                  employer_requires=user.employer_requires_totp,
                                                  bureau_required=bureau_required)


def current_user(request: Request) -> SignedIn:
    user = signed_in(request.app.state.engine, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise LoginRequired
    request.state.user = user
    if needs_two_factor_setup(request, user) and not request.url.path.startswith(_OPEN_DURING_SETUP):
        raise TwoFactorSetupRequired
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
    # Secure over https, also when a TLS proxy elsewhere talks plain http to us (LOONBODE_PUBLIC_URL says https).
    public = str(getattr(request.app.state.settings, "public_url", None) or "")
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", path="/",
                        secure=request.url.scheme == "https" or public.startswith("https://"))


class SecurityHeaders:
    """The headers above on every answer, also the 500 for an error nothing handled.

    A plain ASGI middleware: Starlette answers an unhandled error in ServerErrorMiddleware, outside
    every middleware, so that answer would go out bare. Here it is sent through the same headers
    instead, and the error is raised on to the server, which logs it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Referrer-Policy", "same-origin")
                if path != "/healthz" and not path.startswith("/static/"):
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                await PlainTextResponse("Er ging iets mis.", status_code=500)(scope, receive, send_with_headers)
            raise
