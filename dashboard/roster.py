"""Employers and their staff: the overview (GET /employers), one employer (GET /employers/{id}),
importing a roster file (POST /employers/import), the sender addresses of an employer
(POST /employers/{id}/senders, POST /employers/{id}/senders/{address_id}/delete), and one
employee's data: download (GET /employers/{id}/employees/{employee_id}/data) and erase (POST
/employers/{id}/employees/{employee_id}/erase, typed confirmation). Bureau and admin only.
URLs and notices carry ids and personnel numbers, never a name or an address."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from dashboard.pages import render
from dashboard.security import check_csrf, current_user, require_bureau
from workflows.employers import MAX_ROSTER_BYTES, employer_detail, employer_overview, import_upload
from workflows.models import Employee, Employer, utcnow
from workflows.personal_data import erase_employee, export_employee
from workflows.roster_store import RosterError
from workflows.sender_checks import POLICY_LABELS, set_sender_policy
from workflows.senders import SenderError, add_sender, remove_sender
from workflows.users import SignedIn

router = APIRouter()
MAX_UPLOAD_REQUEST = MAX_ROSTER_BYTES + 64 * 1024  # the file plus the form around it
ERASE_WORD = "WISSEN"  # typed to confirm an erasure
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
        row = session.get(Employer, employer_id)
    if detail is None:
        raise HTTPException(status_code=404)
    return render(request, "employer.html", {"employer": detail.summary, "staff": detail.staff, "error": error,
                                             "address": address, "notice": request.query_params.get("notice"),
                                             "sender_policy": row.sender_policy if row else None,
                                             "default_policy": request.app.state.settings.sender_policy,
                                             "policy_labels": POLICY_LABELS},
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
    # The notice travels in the URL: it says what happened, never which address.
    return _notice_redirect(f"/employers/{quote(employer_id, safe='')}",
                            "Afzender toegevoegd." if added else "Die afzender stond er al.")


@router.post("/employers/{employer_id}/sender-policy")
async def sender_policy(request: Request, employer_id: str,
                        user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    """What an unproven sender means for this employer's mail (workflows.sender_checks)."""
    require_bureau(user)
    await check_csrf(request, user)
    chosen = str((await request.form()).get("policy") or "").strip() or None
    try:
        set_sender_policy(request.app.state.engine, employer_id, chosen, actor=user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    except ValueError as exc:
        return _employer(request, employer_id, error=str(exc), status_code=422)
    return _notice_redirect(f"/employers/{quote(employer_id, safe='')}", "Beleid voor de afzender opgeslagen.")


@router.post("/employers/{employer_id}/senders/{address_id}/delete")
async def delete_sender_address(request: Request, employer_id: str, address_id: int,
                                user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    try:
        remove_sender(request.app.state.engine, employer_id, address_id, actor=user.email)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    return _notice_redirect(f"/employers/{quote(employer_id, safe='')}", "Afzender verwijderd.")


def _employee_of(request: Request, employer_id: str, employee_id: int) -> Employee:
    with Session(request.app.state.engine) as session:
        employee = session.get(Employee, employee_id)
    if employee is None or employee.employer_id != employer_id:
        raise HTTPException(status_code=404)
    return employee


@router.get("/employers/{employer_id}/employees/{employee_id}/data")
def employee_data(request: Request, employer_id: str, employee_id: int,
                  user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    """Everything stored about the employee, as a JSON download (BSN and IBAN unmasked: their own request)."""
    require_bureau(user)
    _employee_of(request, employer_id, employee_id)
    data = export_employee(request.app.state.engine, employee_id)
    return JSONResponse(data, headers={
        "Content-Disposition": f'attachment; filename="medewerker-{employee_id}.json"', "Cache-Control": "no-store"})


@router.post("/employers/{employer_id}/employees/{employee_id}/erase")
async def erase_employee_data(request: Request, employer_id: str, employee_id: int,
                              user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    employee = _employee_of(request, employer_id, employee_id)
    if str((await request.form()).get("confirm") or "").strip().upper() != ERASE_WORD:
        return _employer(request, employer_id, status_code=422,
                         error=f"Typ {ERASE_WORD} om de gegevens van medewerker {employee.number} te wissen.")
    done = erase_employee(request.app.state.engine, employee_id, actor=user.email, now=utcnow(),
                          data_dir=request.app.state.settings.data_dir)
    return _notice_redirect(f"/employers/{quote(employer_id, safe='')}",
                            f"Gegevens van medewerker {employee.number} gewist ({done.drafts_scrubbed} concept(en), "
                            f"{done.telegram_chats} Telegram-koppeling(en), {done.messages_deleted} bericht(en)). "
                            f"Bewaard: {done.kept_exported_drafts} geëxporteerde mutatie(s) en het verlofsaldo "
                            "(fiscale bewaarplicht).")
