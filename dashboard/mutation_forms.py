"""Mutations handed in by form (GET /mutations/new, GET and POST /mutations/new/{type}) and what an
employer sent, from any channel, with its status (GET /mutations).

An employer user only ever works for its own employer: another employer named in a form's
address or fields is "not found", and the employee list is its own roster. The bureau picks
the employer (`?employer=`). The forms are built from the parser's field models, so they ask
exactly what a mail would give; `workflows.form_mutations` checks them the same way.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from dashboard.pages import render
from dashboard.queue import scope_of
from dashboard.security import check_csrf, current_user
from parsers.fields import FIELD_MODELS, REQUIRED_FIELDS
from parsers.labels import field_label, field_value, type_label
from workflows.form_mutations import GENERAL, FormError, sent_page, submit_mutation
from workflows.models import utcnow
from workflows.review_queue import employer_names, roster_of, visible_draft
from workflows.users import SignedIn

router = APIRouter()

# Text fields with an input type of their own (a period is a month: "2026-03").
_TEXT_INPUTS = {"email": "email", "phone": "tel", "period": "month"}


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    input: str  # date, number, month, email, tel, text, or select
    required: bool
    options: tuple[tuple[str, str], ...]  # (value, words) for a select
    value: str
    error: str | None


def _kinds(annotation: Any) -> list[Any]:
    """The plain types and Literals inside an annotation (Optional, Annotated and unions unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [k for arg in typing.get_args(annotation) for k in _kinds(arg)]
    return [annotation]


def _input_of(name: str, annotation: Any) -> tuple[str, tuple[tuple[str, str], ...]]:
    kinds = [k for k in _kinds(annotation) if k is not type(None)]
    literal = next((k for k in kinds if typing.get_origin(k) is typing.Literal), None)
    if literal is not None:
        return "select", tuple((str(v), field_value(name, v)) for v in typing.get_args(literal))
    if dt.date in kinds:
        return "date", ()
    if int in kinds or float in kinds:
        return "number", ()
    return _TEXT_INPUTS.get(name, "text"), ()


def form_fields_of(mutation_type: str, values: dict[str, str], errors: dict[str, str]) -> list[FormField]:
    """The inputs of a type's form, filled with what was sent (or the field's default)."""
    model = FIELD_MODELS[mutation_type]
    shown = []
    for name, info in model.model_fields.items():
        kind, options = _input_of(name, info.annotation)
        default = "" if info.default is None else str(info.default)
        label = field_label(name)
        shown.append(FormField(name=name, label=label[:1].upper() + label[1:], input=kind,
                               required=name in REQUIRED_FIELDS[mutation_type], options=options,
                               value=values.get(name, default), error=errors.get(name)))
    return shown


def _kind_label(mutation_type: str) -> str:
    return type_label(mutation_type).capitalize()


def _employer_for(request: Request, user: SignedIn, asked: str | None) -> str | None:
    """Whose form this is: an employer user's own (another employer asked for is not found); for the bureau
    the employer asked for (None: not chosen yet), which must exist."""
    if not user.sees_all_employers:
        if user.employer_id is None or (asked and asked != user.employer_id):
            raise HTTPException(status_code=404)
        return user.employer_id
    if not asked:
        return None
    with Session(request.app.state.engine) as session:
        if asked not in employer_names(session, None):
            raise HTTPException(status_code=404)
    return asked


@router.get("/mutations/new")
def choose_kind(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    with Session(request.app.state.engine) as session:
        names = employer_names(session, scope_of(user))
    asked = request.query_params.get("employer")
    # An employer user always hands in for its own employer, whatever the address says.
    employer_id = user.employer_id if not user.sees_all_employers else (asked if asked in names else None)
    kinds = [(t, _kind_label(t)) for t in FIELD_MODELS]
    return render(request, "mutation_new.html", {
        "kinds": kinds, "employer_id": employer_id, "employer_name": names.get(employer_id or ""),
        "employers": sorted(names.items(), key=lambda item: (item[1].casefold(), item[0]))})


def _form_page(request: Request, user: SignedIn, mutation_type: str, employer_id: str, *,
               values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
               status_code: int = 200) -> Response:
    values, errors = values or {}, errors or {}
    with Session(request.app.state.engine) as session:
        employees = roster_of(session, employer_id) if mutation_type != "hire" else []
        employer_name = employer_names(session, employer_id).get(employer_id, employer_id)
    context = {"mutation_type": mutation_type, "kind": _kind_label(mutation_type), "employer_id": employer_id,
               "employer_name": employer_name, "employees": employees,
               "fields": form_fields_of(mutation_type, values, errors),
               "employee": values.get("employee", ""), "employee_name": values.get("employee_name", ""),
               "errors": errors, "general_error": errors.get(GENERAL),
               "other_errors": [m for k, m in errors.items()
                                if k != GENERAL and k not in FIELD_MODELS[mutation_type].model_fields
                                and k not in ("employee", "employee_name")]}
    return render(request, "mutation_form.html", context, status_code=status_code)


@router.get("/mutations/new/{mutation_type}")
def mutation_form(request: Request, mutation_type: str, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    if mutation_type not in FIELD_MODELS:
        raise HTTPException(status_code=404)
    employer_id = _employer_for(request, user, request.query_params.get("employer"))
    if employer_id is None:
        return RedirectResponse("/mutations/new", status_code=303)
    return _form_page(request, user, mutation_type, employer_id)


@router.post("/mutations/new/{mutation_type}")
async def submit_form(request: Request, mutation_type: str,
                      user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    await check_csrf(request, user)
    if mutation_type not in FIELD_MODELS:
        raise HTTPException(status_code=404)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}
    employer_id = _employer_for(request, user, values.get("employer") or request.query_params.get("employer"))
    if employer_id is None:
        raise HTTPException(status_code=404)
    try:
        draft = submit_mutation(request.app.state.engine, employer_id=employer_id,
                                employee_number=values.get("employee"), mutation_type=mutation_type, form=values,
                                actor=user.email, now=utcnow())
    except FormError as exc:
        return _form_page(request, user, mutation_type, employer_id, values=values, errors=exc.errors,
                          status_code=422)
    except LookupError as exc:
        raise HTTPException(status_code=404) from exc
    # Only the draft's number travels in the address; the page says whom it is about.
    where = f"employer={employer_id}&" if user.sees_all_employers else ""
    return RedirectResponse(f"/mutations?{where}received={draft.id}", status_code=303)


@router.get("/mutations")
def sent(request: Request, user: Annotated[SignedIn, Depends(current_user)]) -> Response:
    scope = scope_of(user)
    query = request.query_params
    page_number = query.get("page", "1")
    received = query.get("received", "")
    with Session(request.app.state.engine) as session:
        names = employer_names(session, scope)
        # The bureau looks per employer, or at all; an employer user only ever at its own.
        employer_id = scope if scope is not None else (query.get("employer") if query.get("employer") in names
                                                        else None)
        page = sent_page(session, employer_id, int(page_number) if page_number.isdigit() else 1)
        notice = None
        draft = visible_draft(session, int(received), employer_id) if received.isdigit() else None
        if draft is not None:
            who = f" van {draft.employee_name}" if draft.employee_name else ""
            notice = f"{_kind_label(draft.type)}{who} ontvangen (nummer {draft.id})."
    return render(request, "mutations.html", {
        "page": page, "employer_id": employer_id, "employer_name": names.get(employer_id or ""),
        "employer_names": names, "employers": sorted(names.items(), key=lambda item: (item[1].casefold(), item[0])),
        "notice": notice})
