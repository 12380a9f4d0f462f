"""The review queue (GET /queue) and bulk approval (POST /queue/approve)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated
from urllib.parse import quote, urlencode

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


def read_filter(values: Mapping[str, str]) -> QueueFilter:
    status = values.get("status", DraftStatus.NEW)
    page = values.get("page", "1")
    return QueueFilter(employer=values.get("employer") or None,
                       type=values.get("type") if values.get("type") in FIELD_MODELS else None,
                       status=status if status in STATUSES else None,
                       period=values.get("period") or None,
                       low_confidence=values.get("low") == "1",
                       has_issues=values.get("issues") == "1",
                       search=(values.get("q") or "").strip()[:100] or None,
                       page=int(page) if page.isdigit() else 1)


def _queue(request: Request, user: SignedIn, values: Mapping[str, str]) -> Response:
    wanted = read_filter(values)
    scope = scope_of(user)
    shown = {k: v for k, v in values.items() if k not in ("q", "csrf_token")}
    with Session(request.app.state.engine) as session:
        page = queue_page(session, wanted, scope)
        context = {"page": page, "filter": wanted, "statuses": STATUSES, "types": list(FIELD_MODELS),
                   "periods": periods(session, scope), "employers": employer_names(session, scope),
                   "query": shown, "notice": values.get("notice")}
    template = "_queue_table.html" if request.headers.get("HX-Request") == "true" and \
        request.headers.get("HX-Target") == "queue-table" else "queue.html"
    response = render(request, template, context)
    # The filters stay in the address, so a view can be shared; the searched name never does.
    kept = {k: v for k, v in shown.items() if k != "notice"}
    response.headers["HX-Push-Url"] = "/queue" + (f"?{urlencode(kept)}" if kept else "")
    return response


@router.get("/queue")
def queue(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    return _queue(request, user, dict(request.query_params))


@router.post("/queue")
async def search_queue(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    """The filter form: a POST, so what is typed in the search box (a name) is not in any address or log."""
    await check_csrf(request, user)
    form = await request.form()
    return _queue(request, user, {k: str(v) for k, v in form.items() if isinstance(v, str)})


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
