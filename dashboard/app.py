"""The dashboard application: `create_app(settings, engine)` builds the FastAPI app.

Server-rendered Jinja2 pages; HTMX swaps parts of them in place. Routes live in
`dashboard.auth` (login with its code step, logout), `dashboard.account` (one's own
sessions and two-factor login), `dashboard.account_links` (activation and reset links),
`dashboard.queue` (the review queue) and `dashboard.drafts` (one draft and what a
reviewer does with it), among others. `/healthz` answers
`{"status": "ok"}` when the database does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from starlette.exceptions import HTTPException

from dashboard import (
    account,
    account_links,
    auth,
    drafts,
    exports,
    leave,
    leave_links,
    periods,
    quarantine,
    queue,
    roster,
    users,
)
from dashboard.data_changes import router as data_changes_router
from dashboard.mutation_forms import router as mutation_forms_router
from dashboard.pages import render, templates
from dashboard.reminder_settings import router as reminder_settings_router
from dashboard.security import TWO_FACTOR_SETUP, LoginRequired, SecurityHeaders, TwoFactorSetupRequired
from dashboard.template_download import router as template_download_router
from loonbode.settings import Settings

HERE = Path(__file__).parent


def create_app(settings: Settings, engine: Engine, *, wake_outbox: Callable[[], object] = lambda: None) -> FastAPI:
    """The app over `engine`; `wake_outbox` is called when a page queued mail (a question), so it goes now."""
    app = FastAPI(title="Loonbode", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.state.wake_outbox = wake_outbox
    app.state.settings = settings
    app.state.templates = templates()
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(auth.router)
    app.include_router(account.router)
    app.include_router(account_links.router)
    app.include_router(queue.router)
    app.include_router(drafts.router)
    app.include_router(quarantine.router)
    app.include_router(roster.router)
    app.include_router(users.router)
    app.include_router(leave_links.router)  # before leave: /leave/decide/{token} is not /leave/{id}/{action}
    app.include_router(leave.router)
    app.include_router(exports.router)
    app.include_router(reminder_settings_router)
    app.include_router(periods.router)
    app.include_router(template_download_router)
    app.include_router(data_changes_router)
    app.include_router(mutation_forms_router)

    @app.get("/healthz")
    def healthz() -> Response:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @app.get("/")
    def home() -> Response:
        return RedirectResponse("/queue", status_code=303)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(TwoFactorSetupRequired)
    async def to_two_factor_setup(request: Request, _exc: TwoFactorSetupRequired) -> Response:
        if request.headers.get("HX-Request"):
            return Response(status_code=403, headers={"HX-Redirect": TWO_FACTOR_SETUP})
        return RedirectResponse(TWO_FACTOR_SETUP, status_code=303)

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException) -> Response:
        return render(request, "error.html", {"status": exc.status_code, "message": _message(exc)},
                      status_code=exc.status_code)

    return app


def _message(exc: HTTPException) -> str:
    if exc.status_code == 404:
        return "Niet gevonden."
    return str(exc.detail) if isinstance(exc.detail, str) else "Er ging iets mis."
