"""Employers and their staff: the overview (GET /employers), one employer (GET /employers/{id}),
importing a roster file (POST /employers/import) and the sender addresses of an employer
(POST /employers/{id}/senders, POST /employers/{id}/senders/{address_id}/delete).
Bureau and admin only."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from dashboard.pages import render
from dashboard.security import check_csrf, current_user, require_bureau
from workflows.employers import MAX_ROSTER_BYTES, employer_detail, employer_overview, import_upload
from workflows.roster_store import RosterError
from workflows.senders import SenderError, add_sender, remove_sender
from workflows.users import SignedIn

router = APIRouter()
MAX_UPLOAD_REQUEST = MAX_ROSTER_BYTES + 64 * 1024  # the file plus the form around it
TOO_LARGE = f"Het bestand is te groot: een personeelsbestand mag hoogstens {MAX_ROSTER_BYTES // (1024 * 1024)} MB zijn."


def _notice_redirect(path: str, notice: str) -> Response:
    return RedirectResponse(f"{path}?notice={quote(notice[:300])}", status_code=303)


def _overview(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    with Session(request.app.state.engine) as session:
        employers = employer_overview(session)
    return render(request, "employers.html", {"employers": employers, "error": error,
                                              "notice": request.query_params.get("notice"),
                                              "max_mb": MAX_ROSTER_BYTES // (1024 * 1024)},
                  status_code=status_code)


def _employer(request: Request, employer_id: str, *, error: str | None = None, address: str = "",
              status_code: int = 200) -> Response:
    with Session(request.app.state.engine) as session:
        detail = employer_detail(session, employer_id)
    if detail is None:
        raise HTTPException(status_code=404)
    return render(request, "employer.html", {"employer": detail.summary, "staff": detail.staff, "error": error,
                                             "address": address, "notice": request.query_params.get("notice")},
                  status_code=status_code)


@router.get("/employers")
def employers_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    return _overview(request)


@router.post("/employers/import")
async def import_roster_file(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    length = request.headers.get("content-length", "")
    if not length.isdigit():
        return _overview(request, error="Het bestand kwam niet goed door; probeer het opnieuw.", status_code=411)
    if int(length) > MAX_UPLOAD_REQUEST:  # refused before a byte of the body is read
        return _overview(request, error=TOO_LARGE, status_code=413)
    await request.form(max_files=1, max_fields=5)  # kept by the request; check_csrf reads the same form
    await check_csrf(request, user)
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _overview(request, error="Kies een bestand (roster.json of een CSV).", status_code=422)
    data = await upload.read(MAX_ROSTER_BYTES + 1)
    if len(data) > MAX_ROSTER_BYTES:
        return _overview(request, error=TOO_LARGE, status_code=413)
    try:
        employers, employees = import_upload(request.app.state.engine, upload.filename, data, actor=user.email)
    except RosterError as exc:
        return _overview(request, error=f"{upload.filename} is niet ingelezen: {str(exc)[:600]}", status_code=422)
    return _notice_redirect("/employers", f"{upload.filename} ingelezen: {employers} werkgever(s) en "
                                          f"{employees} medewerker(s).")


@router.get("/employers/{employer_id}")
def employer_page(request: Request, employer_id: str, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    return _employer(request, employer_id)


@router.post("/employers/{employer_id}/senders")
async def add_sender_address(request: Request, employer_id: str,
                             user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    address = str((await request.form()).get("address") or "")
    try:
        added = add_sender(request.app.state.engine, employer_id, address, actor=user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except SenderError as exc:
        return _employer(request, employer_id, error=str(exc), address=address[:320], status_code=422)
    shown = address.strip().lower()
    return _notice_redirect(f"/employers/{quote(employer_id, safe='')}",
                            f"{shown} toegevoegd." if added else f"{shown} stond er al.")


@router.post("/employers/{employer_id}/senders/{address_id}/delete")
async def delete_sender_address(request: Request, employer_id: str, address_id: int,
                                user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    try:
        address = remove_sender(request.app.state.engine, employer_id, address_id, actor=user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    return _notice_redirect(f"/employers/{quote(employer_id, safe='')}", f"{address} verwijderd.")
