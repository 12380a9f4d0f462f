"""The draft state machine: what a reviewer may do to a draft, each step audited.

    new ──approve──▶ approved ──export──▶ exported (final)
     │  ──reject───▶ rejected
     │  ──duplicate▶ duplicate
     ◀──reopen────── approved / rejected / duplicate

Corrections are allowed while a draft is `new`; the fields go through the same field
models and validators the parser uses, so a corrected draft is held to the same rules
(`form_fields`, which reads a mutation handed in by form too: workflows/form_mutations.py).
Every change is a conditional update on the status it expects, so two reviewers acting on
one draft at once cannot both win. `scope` is the reviewer's employer (None: all).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from parsers.fields import FIELD_MODELS, normalize_fields
from parsers.labels import field_label
from parsers.validation import validate_normal
from workflows.models import AuditEvent, DraftRow, DraftStatus, Employee, OutboundMessage, utcnow
from workflows.payroll_periods import draft_period_for
from workflows.review_queue import visible_draft

REOPENABLE = (DraftStatus.APPROVED, DraftStatus.REJECTED, DraftStatus.DUPLICATE)
QUESTION_KIND = "question"  # an outbound mail asking the employer about one draft


class ReviewError(ValueError):
    """The action cannot be done; the message says why, in Dutch, for the reviewer."""


def _audit(session: Session, actor: str, draft_id: int, action: str, detail: dict[str, Any] | None = None) -> None:
    """Who did what to which draft: ids, field names and statuses only, never a value or a free text."""
    session.add(AuditEvent(actor=actor, action=action, subject_type="draft", subject_id=str(draft_id),
                           detail=detail or {}))


def _transition(engine: Engine, draft_id: int, scope: str | None, actor: str, *, action: str,
                from_status: Iterable[str], values: dict[str, Any], detail: dict[str, Any] | None = None) -> None:
    with Session(engine) as session:
        draft = visible_draft(session, draft_id, scope)
        if draft is None:
            raise LookupError(draft_id)
        allowed = tuple(from_status)
        now = utcnow()
        changed = session.exec(update(DraftRow).where(col(DraftRow.id) == draft_id,  # type: ignore[call-overload]
                                                      col(DraftRow.status).in_(allowed))
                               .values(updated_at=now, decided_by=actor, decided_at=now, **values))
        if changed.rowcount != 1:
            raise ReviewError(f"concept {draft_id} is al {draft.status}; vernieuw de pagina")
        _audit(session, actor, draft_id, action, detail)
        session.commit()


def approve(engine: Engine, draft_id: int, *, scope: str | None, actor: str) -> None:
    with Session(engine) as session:
        draft = visible_draft(session, draft_id, scope)
        if draft is not None and any(i.get("severity") == "error" for i in draft.issues):
            raise ReviewError("dit concept heeft nog fouten; verbeter eerst de gegevens")
    _transition(engine, draft_id, scope, actor, action="approved", from_status=[DraftStatus.NEW],
                values={"status": DraftStatus.APPROVED, "reason": None})


def reject(engine: Engine, draft_id: int, reason: str, *, scope: str | None, actor: str) -> None:
    reason = " ".join(reason.split())
    if not reason:
        raise ReviewError("geef een reden om af te wijzen")
    _transition(engine, draft_id, scope, actor, action="rejected", from_status=[DraftStatus.NEW],
                values={"status": DraftStatus.REJECTED, "reason": reason[:2000]})  # the reason lives on the draft


def reopen(engine: Engine, draft_id: int, *, scope: str | None, actor: str) -> None:
    _transition(engine, draft_id, scope, actor, action="reopened", from_status=REOPENABLE,
                values={"status": DraftStatus.NEW, "duplicate_of": None})


def mark_duplicate(engine: Engine, draft_id: int, of_id: int, *, scope: str | None, actor: str) -> None:
    if draft_id == of_id:
        raise ReviewError("een concept kan geen dubbele van zichzelf zijn")
    with Session(engine) as session:
        draft, original = visible_draft(session, draft_id, scope), visible_draft(session, of_id, scope)
        if draft is None:
            raise LookupError(draft_id)
        if original is None or original.employer_id != draft.employer_id:
            raise ReviewError(f"concept {of_id} bestaat niet bij deze werkgever")
    _transition(engine, draft_id, scope, actor, action="duplicate", from_status=[DraftStatus.NEW],
                values={"status": DraftStatus.DUPLICATE, "duplicate_of": of_id}, detail={"of": of_id})


def bulk_approve(engine: Engine, draft_ids: Iterable[int], *, scope: str | None, actor: str) -> tuple[int, list[str]]:
    """Approve each draft that can be; returns how many were, and why the others were not."""
    approved, refused = 0, []
    for draft_id in dict.fromkeys(draft_ids):
        try:
            approve(engine, draft_id, scope=scope, actor=actor)
            approved += 1
        except ReviewError as exc:
            refused.append(f"{draft_id}: {exc}")
        except LookupError:
            refused.append(f"{draft_id}: niet gevonden")
    return approved, refused


def _employee(session: Session, employer_id: str | None, number: str) -> Employee:
    found = session.exec(select(Employee).where(Employee.employer_id == employer_id,
                                                Employee.number == number)).first()
    if found is None:
        raise ReviewError(f"personeelsnummer {number} bestaat niet bij deze werkgever")
    return found


class FieldProblems(ValueError):
    """Form values the field models cannot read at all (a date that is no date): per field, why, in Dutch."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field_label(k)}: {v}" for k, v in problems.items()) or "de gegevens kloppen niet")


# Pydantic's error types, as a clerk reads them; any other type is "klopt niet".
_PROBLEM_WORDS = {"date_from_datetime_parsing": "geen geldige datum", "date_parsing": "geen geldige datum",
                  "date_from_datetime_inexact": "geen geldige datum", "date_type": "geen geldige datum",
                  "int_parsing": "geen getal", "float_parsing": "geen getal", "int_type": "geen getal",
                  "float_type": "geen getal", "literal_error": "kies een van de mogelijkheden"}


def form_fields(mutation_type: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """A mutation type's fields from a form (an empty value is absent; other keys are ignored), in normal
    form through the parser's field models. Raises FieldProblems for values that cannot be read."""
    allowed = FIELD_MODELS[mutation_type].model_fields
    given = {k: v.strip() for k, v in form.items() if k in allowed and isinstance(v, str) and v.strip()}
    try:
        return normalize_fields(mutation_type, given)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for error in exc.errors():
            if error.get("loc"):
                problems.setdefault(str(error["loc"][0]), _PROBLEM_WORDS.get(error["type"], "klopt niet"))
        raise FieldProblems(problems) from exc


def correct(engine: Engine, draft_id: int, form: dict[str, str], *, scope: str | None, actor: str,
            today: dt.date) -> list[dict[str, Any]]:
    """Replace a new draft's fields by the form's (empty means absent) and re-validate; returns the issues.

    The form's `employee` (a personnel number) sets who the draft is about; the parser's
    doubts about the person go once a reviewer has chosen. Raises ReviewError naming the
    field when a value cannot be read at all."""
    with Session(engine) as session:
        draft = visible_draft(session, draft_id, scope)
        if draft is None:
            raise LookupError(draft_id)
        if draft.status != DraftStatus.NEW:
            raise ReviewError(f"concept {draft_id} is {draft.status}; heropen het om te verbeteren")
        if draft.type not in FIELD_MODELS:
            raise ReviewError(f"concept {draft_id} legt een besluit van de werkgever vast en wordt niet bewerkt; "
                              "wijs het af als het niet klopt")
        try:
            fields = form_fields(draft.type, form)
        except FieldProblems as exc:
            raise ReviewError(str(exc)) from exc
        chosen = (form.get("employee") or "").strip()
        person_changed = bool(chosen) and chosen != draft.employee_id and draft.type != "hire"
        if person_changed:
            employee = _employee(session, draft.employer_id, chosen)
            draft.employee_id = employee.number
            draft.employee_name = employee.full_name
        # Issues about the person (no field) stay until a reviewer picks one; the rest is re-checked.
        person_issues = [] if person_changed else [i for i in draft.issues if not i.get("field")]
        issues = person_issues + [i.model_dump() for i in validate_normal(draft.type, fields, reference=today)]
        before = dict(draft.fields)
        draft.fields = fields
        draft.issues = issues
        draft.period = draft_period_for(session, draft.employer_id, draft.type, fields, draft.created_at)
        draft.updated_at = utcnow()
        session.add(draft)
        changed = sorted(k for k in set(before) | set(fields) if before.get(k) != fields.get(k))
        if person_changed:
            changed.append("employee")
        _audit(session, actor, draft_id, "corrected", {"changed": changed})
        session.commit()
        return issues


def record_question(session: Session, draft: DraftRow, question: str, *, actor: str, message_id: str) -> None:
    """Note on the draft (not committed) that the employer was asked; it stays to be reviewed."""
    assert draft.id is not None
    draft.reason = question[:2000]
    draft.updated_at = utcnow()
    session.add(draft)
    _audit(session, actor, draft.id, "question_asked", {"message_id": message_id})  # the text: draft and outbox


def record_answer(session: Session, draft_id: int, inbound_id: int) -> None:
    """Note (not committed) that the employer's mail `inbound_id` answers the question about this draft."""
    _audit(session, "worker", draft_id, "answered", {"inbound_id": inbound_id})


def answered_drafts(session: Session, in_reply_to: str | None, references: list[str], *,
                    employer_id: str | None) -> list[int]:
    """The drafts whose question a mail from `employer_id` answers: it replies in that question's thread."""
    ids = {i for i in [in_reply_to, *references] if i}
    if not ids or employer_id is None:
        return []
    rows = session.exec(select(OutboundMessage.related_draft_id).join(
        DraftRow, DraftRow.id == OutboundMessage.related_draft_id).where(  # type: ignore[arg-type]
        OutboundMessage.kind == QUESTION_KIND, col(OutboundMessage.message_id).in_(ids),
        DraftRow.employer_id == employer_id))
    return sorted({r for r in rows if r is not None})
