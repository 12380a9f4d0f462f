"""The review queue (GET /queue) and bulk approval (POST /queue/approve)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from dashboard.pages import render
from dashboard.security import check_csrf, current_user, require_bureau
from parsers.fields import FIELD_MODELS
from workflows.models import DraftStatus
from workflows.review import bulk_approve
from workflows.review_queue import QueueFilter, employer_names, periods, queue_page
from workflows.users import SignedIn

router = APIRouter()

STATUSES = (DraftStatus.NEW, DraftStatus.APPROVED, DraftStatus.REJECTED, DraftStatus.DUPLICATE,
            DraftStatus.EXPORTED)


def scope_of(user: SignedIn) -> str | None:
    """None for the bureau (all employers); an employer user's own employer otherwise."""
    return None if user.sees_all_employers else user.employer_id or "\x00no-employer"


def read_filter(request: Request) -> QueueFilter:
    query = request.query_params
    status = query.get("status", DraftStatus.NEW)
    page = query.get("page", "1")
    return QueueFilter(employer=query.get("employer") or None,
                       type=query.get("type") if query.get("type") in FIELD_MODELS else None,
                       status=status if status in STATUSES else None,
                       period=query.get("period") or None,
                       low_confidence=query.get("low") == "1",
                       has_issues=query.get("issues") == "1",
                       search=(query.get("q") or "").strip()[:100] or None,
                       page=int(page) if page.isdigit() else 1)


@router.get("/queue")
def queue(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    wanted = read_filter(request)
    scope = scope_of(user)
    with Session(request.app.state.engine) as session:
        page = queue_page(session, wanted, scope)
        context = {"page": page, "filter": wanted, "statuses": STATUSES, "types": list(FIELD_MODELS),
                   "periods": periods(session, scope), "employers": employer_names(session, scope),
                   "query": request.query_params, "notice": request.query_params.get("notice")}
    template = "_queue_table.html" if request.headers.get("HX-Request") == "true" and \
        request.headers.get("HX-Target") == "queue-table" else "queue.html"
    return render(request, template, context)


@router.post("/queue/approve")
async def approve_selection(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    require_bureau(user)
    await check_csrf(request, user)
    form = await request.form()
    ids = [int(v) for v in form.getlist("draft") if isinstance(v, str) and v.isdigit()]
    approved, refused = bulk_approve(request.app.state.engine, ids, scope=scope_of(user), actor=user.email)
    notice = f"{approved} goedgekeurd" + (f"; niet: {'; '.join(refused)}" if refused else "")
    back = str(form.get("back") or "/queue")
    back = back if back.startswith("/queue") else "/queue"
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}notice={quote(notice[:300])}", status_code=303)
