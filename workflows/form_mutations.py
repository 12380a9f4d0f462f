"""An employer's own intake in the dashboard: a mutation handed in by form, and all it has sent.

`submit_mutation` holds a form to the rules a draft read from mail is held to: the parser's
field models (`workflows.review.form_fields`, as for a bureau's correction), the required
fields and `parsers.validation.validate_normal`. Unlike the parser it refuses what is wrong
(`FormError`, a Dutch message per field), since the person who can fix it is filling in the
form; warnings are kept on the draft. What passes becomes an ordinary `new` draft (source
part "form"), which the bureau reviews in its queue like any other.

`sent_page` lists everything one employer sent, from any channel (mail, form, leave), with
its status in the employer's words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from parsers.fields import FIELD_MODELS, REQUIRED_FIELDS
from parsers.labels import field_label, field_value, type_label
from parsers.masking import SECRET_FIELDS, mask
from parsers.validation import validate_normal
from workflows.models import AuditEvent, DraftRow, DraftStatus, Employee, Employer
from workflows.payroll_periods import draft_period_for
from workflows.periods import AMSTERDAM
from workflows.review import FieldProblems, form_fields

FORM_PART = "form"  # DraftRow.source["part"] of a draft handed in by form
PAGE_SIZE = 50
GENERAL = ""  # FormError key of a message about the form as a whole


class FormError(ValueError):
    """The form cannot become a mutation: per field (a field name, "employee", "employee_name", or
    GENERAL), what to fix, in Dutch."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def _local_date(moment: dt.datetime) -> dt.date:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(AMSTERDAM).date()


def _summary(mutation_type: str, employee: str, fields: dict[str, Any]) -> str:
    """"Ziekmelding Priya Ramdin (72): ingangsdatum 02-03-2026, percentage 100%", BSN and IBAN masked."""
    shown = ", ".join(f"{field_label(k)} {mask(str(v)) if k in SECRET_FIELDS else field_value(k, v)}"
                      for k, v in fields.items())
    text = f"{type_label(mutation_type).capitalize()} {employee}" + (f": {shown}" if shown else "")
    return text[:2000]


def _person(session: Session, employer_id: str, mutation_type: str, employee_number: str | None,
            form: dict[str, str], errors: dict[str, str]) -> tuple[str | None, str | None]:
    """(personnel number, name) of who it is about: from the employer's own roster, or a new hire's name."""
    if mutation_type == "hire":
        name = " ".join(str(form.get("employee_name") or "").split())
        if not name:
            errors["employee_name"] = "vul de naam van de nieuwe medewerker in"
        elif len(name) > 300:
            errors["employee_name"] = "de naam is te lang"
        return None, name or None
    number = (employee_number or "").strip()
    if not number:
        errors["employee"] = "kies een medewerker"
        return None, None
    employee = session.exec(select(Employee).where(Employee.employer_id == employer_id,
                                                   Employee.number == number)).first()
    if employee is None:  # also a number of another employer's employee: never looked up there
        errors["employee"] = "deze medewerker staat niet in uw personeelsbestand"
        return None, None
    return employee.number, employee.full_name


def submit_mutation(engine: Engine, *, employer_id: str, employee_number: str | None, mutation_type: str,
                    form: dict[str, str], actor: str, now: dt.datetime) -> DraftRow:
    """Make a `new` draft from a form of `employer_id`'s, audited; raises FormError when the form must be
    fixed first, LookupError for an unknown employer or mutation type."""
    if mutation_type not in FIELD_MODELS:
        raise LookupError(mutation_type)
    with Session(engine) as session:
        if session.get(Employer, employer_id) is None:
            raise LookupError(employer_id)
        errors: dict[str, str] = {}
        employee_id, employee_name = _person(session, employer_id, mutation_type, employee_number, form, errors)
        try:
            fields = form_fields(mutation_type, form)
        except FieldProblems as exc:
            errors.update(exc.problems)
            # The readable rest is still checked, so every field's problem is told at once.
            fields = form_fields(mutation_type, {k: v for k, v in form.items() if k not in exc.problems})
        for name in REQUIRED_FIELDS[mutation_type]:
            if fields.get(name) in (None, ""):
                errors.setdefault(name, f"vul {field_label(name)} in")
        issues = validate_normal(mutation_type, fields, reference=_local_date(now))
        for issue in issues:
            if issue.severity == "error":
                errors.setdefault(issue.field or GENERAL, issue.message)
        if errors:
            raise FormError(errors)
        who = employee_name or "—"
        draft = DraftRow(inbound_id=None, employer_id=employer_id, type=mutation_type, employee_id=employee_id,
                         employee_name=employee_name, fields=fields, confidence=1.0,
                         source={"part": FORM_PART, "location": f"formulier door {actor}"[:300],
                                 "text": _summary(mutation_type, f"{who} ({employee_id})" if employee_id else who,
                                                  fields)},
                         issues=[i.model_dump() for i in issues], status=DraftStatus.NEW, created_at=now,
                         updated_at=now, period=draft_period_for(session, employer_id, mutation_type, fields, now))
        session.add(draft)
        session.flush()
        session.add(AuditEvent(actor=actor, action="draft_from_form", subject_type="draft", subject_id=str(draft.id),
                               detail={"employer_id": employer_id, "type": mutation_type}))  # ids only, no values
        session.commit()
        session.refresh(draft)
        return draft


# --- what an employer sent, from any channel ----------------------------------------------------------------------

STATUS_WORDS = {DraftStatus.NEW: "in behandeling", DraftStatus.APPROVED: "goedgekeurd",
                DraftStatus.REJECTED: "afgewezen", DraftStatus.EXPORTED: "verwerkt",
                DraftStatus.DUPLICATE: "dubbel: al eerder ontvangen"}


def status_words(draft: DraftRow) -> str:
    """A draft's status as the employer reads it; a rejection with the bureau's reason."""
    words = STATUS_WORDS.get(draft.status, draft.status)
    if draft.status == DraftStatus.REJECTED and draft.reason:
        return f"{words}: {draft.reason}"
    return words


def received_via(draft: DraftRow) -> str:
    if draft.source.get("part") == FORM_PART:
        return "formulier"
    if draft.leave_request_id is not None:
        return "verlof"
    if draft.inbound_id is not None:
        return "mail"
    return "overig"


@dataclass(frozen=True)
class SentItem:
    draft: DraftRow
    received_on: dt.date
    via: str
    status: str


@dataclass(frozen=True)
class SentPage:
    items: list[SentItem]
    total: int
    page: int
    pages: int


def sent_page(session: Session, employer_id: str | None, page: int = 1) -> SentPage:
    """One page of what `employer_id` sent (None: every employer, for the bureau), newest first."""
    query = select(DraftRow)
    counted = select(func.count()).select_from(DraftRow)
    if employer_id is not None:
        query, counted = query.where(DraftRow.employer_id == employer_id), counted.where(
            DraftRow.employer_id == employer_id)
    total = session.exec(counted).one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    drafts = session.exec(query.order_by(col(DraftRow.id).desc())
                          .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    items = [SentItem(d, _local_date(d.created_at), received_via(d), status_words(d)) for d in drafts]
    return SentPage(items=items, total=total, page=page, pages=pages)
