"""Exports to Nmbrs (bureau only): what is ready, making an export, and downloading its files.

Files are built again from the export's drafts on every download (`rebuild_export`), and
checked against the hashes recorded when the export was made, so what is downloaded is
exactly what was exported.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from dashboard.pages import render
from dashboard.security import check_csrf, current_user, require_bureau
from workflows.export import ExportError, export_period, ready_to_export, rebuild_export
from workflows.models import ExportBatch
from workflows.review_queue import employer_names
from workflows.users import SignedIn

router = APIRouter()

CONTENT_TYPES = {".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 ".csv": "text/csv; charset=utf-8"}


@router.get("/exports")
def exports_page(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    with Session(request.app.state.engine) as session:
        ready = ready_to_export(session)
        batches = list(session.exec(select(ExportBatch).order_by(col(ExportBatch.id).desc()).limit(100)))
        names = employer_names(session, None)
    return render(request, "exports.html", {"ready": ready, "batches": batches, "names": names,
                                            "error": request.query_params.get("error")})


@router.post("/exports")
async def make_export(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    form = await request.form()
    employer, period = str(form.get("employer") or ""), str(form.get("period") or "")
    try:
        result = export_period(request.app.state.engine, employer, period, user.email)
    except ExportError as exc:
        return RedirectResponse(f"/exports?error={quote(str(exc)[:300])}", status_code=303)
    return RedirectResponse(f"/exports/{result.batch_id}", status_code=303)


def _batch(request: Request, batch_id: int) -> ExportBatch:
    with Session(request.app.state.engine) as session:
        batch = session.get(ExportBatch, batch_id)
    if batch is None:
        raise HTTPException(status_code=404)
    return batch


@router.get("/exports/{batch_id}")
def export_page(request: Request, batch_id: int, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    batch = _batch(request, batch_id)
    with Session(request.app.state.engine) as session:
        names = employer_names(session, None)
    return render(request, "export.html", {"batch": batch, "names": names})


@router.get("/exports/{batch_id}/files/{name}")
def export_file(request: Request, batch_id: int, name: str,
                user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    batch = _batch(request, batch_id)
    if name not in batch.files:
        raise HTTPException(status_code=404)
    try:
        files = rebuild_export(request.app.state.engine, batch_id)
    except ExportError as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from exc
    suffix = name[name.rfind("."):]
    return Response(files[name], media_type=CONTENT_TYPES.get(suffix, "application/octet-stream"),
                    headers={"Content-Disposition": f"attachment; filename=\"{name}\"",
                             "Cache-Control": "no-store"})
