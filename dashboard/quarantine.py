"""The quarantine (GET /quarantine): mail from unknown senders. The bureau gives a sender to an
employer (POST /quarantine/{id}/release), after which the worker reads the mail, or throws the
mail away (POST /quarantine/{id}/discard). Bureau and admin only."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from dashboard.pages import render
from dashboard.security import check_csrf, current_user, require_bureau
from workflows.periods import AMSTERDAM
from workflows.quarantine import (
    QuarantineError,
    accept_unproven,
    discard,
    preview,
    quarantined,
    release_to_employer,
)
from workflows.review_queue import employer_names
from workflows.users import SignedIn

router = APIRouter()


def local_time(moment: dt.datetime) -> str:
    """A stored moment (UTC; naive from SQLite) as Dutch local time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def file_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _page(request: Request, *, error: str | None = None, notice: str | None = None,
          status_code: int = 200) -> Response:
    data_dir = request.app.state.settings.data_dir
    with Session(request.app.state.engine) as session:
        messages, total = quarantined(session)
        employers = sorted(employer_names(session, None).items(), key=lambda e: (e[1].lower(), e[0]))
    rows = [{"mail": m, "received": local_time(m.received_at), "size": file_size(m.size),
             "preview": preview(data_dir, m.raw_path)} for m in messages]
    return render(request, "quarantine.html", {"rows": rows, "total": total, "employers": employers,
                                               "employers_by_id": dict(employers),
                                               "error": error, "notice": notice}, status_code=status_code)


@router.get("/quarantine")
def quarantine_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    return _page(request, notice=request.query_params.get("notice"))


def _done(notice: str) -> Response:
    return RedirectResponse(f"/quarantine?notice={quote(notice[:300])}", status_code=303)


@router.post("/quarantine/{inbound_id}/release")
async def release(request: Request, inbound_id: int, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    form = await request.form()
    employer = form.get("employer")
    try:
        queued = release_to_employer(request.app.state.engine, inbound_id, str(employer or "").strip(), user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except QuarantineError as exc:
        return _page(request, error=str(exc), status_code=422)
    count = len(queued)
    return _done(f"Afzender toegevoegd; {count} bericht{'' if count == 1 else 'en'} opnieuw in de wachtrij "
                 "voor verwerking.")


@router.post("/quarantine/{inbound_id}/discard")
async def discard_message(request: Request, inbound_id: int,
                          user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    try:
        discard(request.app.state.engine, inbound_id, user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except QuarantineError as exc:
        return _page(request, error=str(exc), status_code=422)
    return _done(f"Bericht {inbound_id} weggegooid (het blijft bewaard).")


@router.post("/quarantine/{inbound_id}/accept")
async def accept(request: Request, inbound_id: int, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    """Let a known employer's held mail through although its sender was not proven."""
    require_bureau(user)
    await check_csrf(request, user)
    try:
        accept_unproven(request.app.state.engine, inbound_id, user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except QuarantineError as exc:
        return _page(request, error=str(exc), status_code=409)
    return _done(f"Bericht {inbound_id} wordt toch verwerkt.")
