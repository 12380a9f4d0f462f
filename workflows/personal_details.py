"""An employee's own data as the chat shows it (/gegevens), and their requests to change it.

What "own data" is: the roster row (name, personnel number, the year of birth, e-mail,
contract hours, work days, start date) and, since the roster has no address or bank
columns, the newest address, IBAN, BSN and phone number from the employee's approved or
exported `hire` and `personal_data_change` drafts: what the bureau accepted is what we
know. IBAN and BSN are masked (`parsers.masking.mask`); a chat never shows them whole.

A change goes through the employer. `request_change` normalises and checks the new values
with the same rules as a draft (`parsers.fields`, `parsers.validation`) and stores a pending
`DataChangeRequest`; `hooks.on_change_requested` asks the employer in that transaction.
`confirm_change` records the employer's answer and, when confirmed, adds the
`personal_data_change` draft (the employee's words as its source) to the bureau's queue, in
the same transaction as the decision and `on_decided`, which tells the employee.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import ValidationError
from sqlalchemy import Engine, update
from sqlmodel import Session, col, func, select

from parsers.fields import PERSONAL_DATA_FIELDS, normalize_fields
from parsers.labels import field_label, field_value
from parsers.masking import SECRET_FIELDS, mask
from parsers.validation import validate_normal
from workflows.chat_base import ChatHooks
from workflows.models import (
    AuditEvent,
    DataChangeRequest,
    DraftRow,
    DraftStatus,
    Employee,
    Employer,
    utcnow,
)
from workflows.payroll_periods import draft_period_for
from workflows.periods import AMSTERDAM

DRAFT_TYPE = "personal_data_change"
KNOWN_FROM = ("hire", DRAFT_TYPE)  # the drafts that carry an employee's address and bank details
ADDRESS = ("street", "house_number", "postal_code", "city")
MAX_PENDING = 5  # open requests per employee: enough for honest use, a cap on a chat that floods the employer
MAX_WORDS = 2000


class ChangeStatus:
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class DataChangeError(ValueError):
    """A request that cannot be made or decided; `key` lets a chat say it in its own language."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "nothing": "er staat geen nieuw gegeven in (IBAN, adres, achternaam, e-mail of telefoon)",
        "too_many": f"er wachten al {MAX_PENDING} wijzigingsverzoeken op de werkgever",
        "reason": "geef een reden om af te wijzen",
        "decided": "over dit wijzigingsverzoek is al beslist",
    }

    def __init__(self, key: str, message: str | None = None) -> None:
        super().__init__(message or self.MESSAGES[key])
        self.key = key


def _today() -> dt.date:
    return dt.datetime.now(AMSTERDAM).date()


def _day(value: dt.date | None) -> str | None:
    return value.strftime("%d-%m-%Y") if value else None


# -- what we hold -------------------------------------------------------------------------------------------------


def known_values(session: Session, employee: Employee) -> dict[str, str]:
    """The newest address (its parts from one draft, never mixed), IBAN, BSN, phone and e-mail from the
    employee's approved or exported hire and personal-data drafts; whole values, for the caller to mask."""
    drafts = session.exec(select(DraftRow).where(
        DraftRow.employer_id == employee.employer_id, DraftRow.employee_id == employee.number,
        col(DraftRow.type).in_(KNOWN_FROM),
        col(DraftRow.status).in_((DraftStatus.APPROVED, DraftStatus.EXPORTED))).order_by(col(DraftRow.id).desc()))
    found: dict[str, str] = {}
    for draft in drafts:
        fields = draft.fields or {}
        if not any(name in found for name in ADDRESS) and any(fields.get(name) for name in ADDRESS):
            found.update({name: str(fields[name]) for name in ADDRESS if fields.get(name)})
        for name in ("iban", "bsn", "phone", "email"):
            if name not in found and fields.get(name):
                found[name] = str(fields[name])
    return found


def address_line(values: dict[str, Any]) -> str | None:
    """"Dorpsstraat 12, 1234 AB Utrecht" from the parts that are there."""
    street = " ".join(str(values[k]) for k in ("street", "house_number") if values.get(k))
    place = " ".join(str(values[k]) for k in ("postal_code", "city") if values.get(k))
    return ", ".join(part for part in (street, place) if part) or None


def shown(name: str, value: Any, language: str = "nl") -> str:
    """A value as a chat, a mail or a page may show it: BSN and IBAN masked."""
    return mask(str(value)) if name in SECRET_FIELDS else field_value(name, value, language)


def describe_change(fields: dict[str, Any], language: str = "nl") -> list[str]:
    """One line per changed value, the address as one line and the IBAN masked: "IBAN: *****4300"."""
    labels = {"address": {"nl": "adres", "en": "address"}}
    lines = []
    address = address_line(fields)
    if address:
        lines.append(f"{labels['address'][language].capitalize()}: {address}")
    for name in (*PERSONAL_DATA_FIELDS, "effective_date"):
        if name in ADDRESS or not fields.get(name):
            continue
        label = field_label(name, language)
        lines.append(f"{label[:1].upper()}{label[1:]}: {shown(name, fields[name], language)}")
    return lines


OWN = {
    "nl": {"title": "Uw gegevens bij {employer}:", "name": "Naam", "number": "Personeelsnummer",
           "birth": "Geboortejaar", "email": "E-mail", "hours": "Contract", "hours_value": "{hours} uur per week",
           "days": "Werkdagen", "start": "In dienst sinds", "address": "Adres", "iban": "IBAN", "bsn": "BSN",
           "phone": "Telefoon", "unknown": "niet bekend",
           "waiting": "Wacht op uw werkgever: verzoek {id} ({what}).",
           "how": "Klopt er iets niet? Kies hieronder wat u wilt wijzigen. Uw werkgever bevestigt de wijziging, "
                  "daarna verwerkt de salarisadministratie haar. IBAN en BSN tonen wij alleen afgekort. Een ander BSN "
                  "of geboortedatum geeft u door aan uw werkgever.",
           "days_names": {"mon": "ma", "tue": "di", "wed": "wo", "thu": "do", "fri": "vr", "sat": "za", "sun": "zo"}},
    "en": {"title": "Your details at {employer}:", "name": "Name", "number": "Personnel number",
           "birth": "Year of birth", "email": "E-mail", "hours": "Contract", "hours_value": "{hours} hours a week",
           "days": "Work days", "start": "Employed since", "address": "Address", "iban": "IBAN", "bsn": "BSN",
           "phone": "Phone", "unknown": "not known",
           "waiting": "Waiting for your employer: request {id} ({what}).",
           "how": "Something wrong? Choose below what you want to change. Your employer confirms the change, then "
                  "the payroll team processes it. We only ever show IBAN and BSN shortened. A different BSN or date "
                  "of birth goes to your employer.",
           "days_names": {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat",
                          "sun": "Sun"}},
}


def pending_changes(session: Session, employee_id: int) -> list[DataChangeRequest]:
    return list(session.exec(select(DataChangeRequest).where(DataChangeRequest.employee_id == employee_id,
                                                             DataChangeRequest.status == ChangeStatus.PENDING)
                             .order_by(col(DataChangeRequest.id))))


def own_details(session: Session, employee: Employee, language: str = "nl") -> list[str]:
    """The lines /gegevens shows the employee: roster data, the newest known address, IBAN and BSN
    (masked), their open change requests, and how to ask for a change."""
    words = OWN[language if language in OWN else "nl"]
    employer = session.get(Employer, employee.employer_id)
    known = known_values(session, employee)
    unknown = words["unknown"]
    hours = employee.hours_per_week
    rows = [
        (words["name"], employee.full_name),
        (words["number"], employee.number),
        # The year only: enough to recognise, of little use to anyone who reads along.
        (words["birth"], str(employee.birth_date.year) if employee.birth_date else unknown),
        (words["email"], employee.email or known.get("email") or unknown),
        (words["hours"], words["hours_value"].format(hours=field_value("hours", float(hours), language))
         if hours else unknown),
        (words["days"], ", ".join(words["days_names"].get(d, d) for d in employee.work_days) or unknown),
        (words["start"], _day(employee.start_date) or unknown),
        (words["address"], address_line(known) or unknown),
        (words["iban"], mask(known["iban"]) if known.get("iban") else unknown),
        (words["bsn"], mask(known["bsn"]) if known.get("bsn") else unknown),
    ]
    if known.get("phone"):
        rows.append((words["phone"], known["phone"]))
    lines = [words["title"].format(employer=employer.name if employer else employee.employer_id)]
    lines += [f"{label}: {value}" for label, value in rows]
    for request in pending_changes(session, employee.id or 0):
        lines.append(words["waiting"].format(id=request.id, what="; ".join(describe_change(request.fields, language))))
    lines += ["", words["how"]]
    return lines


# -- asking for a change -------------------------------------------------------------------------------------------


def check_fields(fields: dict[str, Any], *, reference: dt.date) -> dict[str, Any]:
    """The fields in normal form, or DataChangeError with the first error the draft rules find."""
    try:
        normal = normalize_fields(DRAFT_TYPE, fields)
    except ValidationError as exc:
        raise DataChangeError("invalid", f"onleesbare wijziging: {exc.error_count()} veld(en)") from None
    if not any(normal.get(name) for name in PERSONAL_DATA_FIELDS):
        raise DataChangeError("nothing")
    errors = [i for i in validate_normal(DRAFT_TYPE, normal, reference=reference) if i.severity == "error"]
    if errors:
        raise DataChangeError("invalid", errors[0].message)
    return normal


def _audit(session: Session, actor: str, action: str, request_id: int, detail: dict[str, Any]) -> None:
    # Field names only: the audit log holds no values (a new IBAN is not for the log).
    session.add(AuditEvent(actor=actor, action=action, subject_type="data_change_request",
                           subject_id=str(request_id), detail=detail))


def request_change(engine: Engine, employee_id: int, chat_id: int | None, fields: dict[str, Any], text: str | None,
                   hooks: ChatHooks | None = None, now: dt.datetime | None = None) -> DataChangeRequest:
    """Store a pending change and ask the employer (the hook), in one transaction; DataChangeError when the
    values do not pass or too many requests are open already."""
    now = now or utcnow()
    hooks = hooks or ChatHooks()
    normal = check_fields(fields, reference=now.astimezone(AMSTERDAM).date())
    with Session(engine) as session:
        if session.get(Employee, employee_id) is None:
            raise LookupError(employee_id)
        open_now = session.exec(select(func.count()).select_from(DataChangeRequest).where(
            DataChangeRequest.employee_id == employee_id, DataChangeRequest.status == ChangeStatus.PENDING)).one()
        if open_now >= MAX_PENDING:
            raise DataChangeError("too_many")
        request = DataChangeRequest(employee_id=employee_id, chat_id=chat_id, fields=normal,
                                    text=" ".join((text or "").split())[:MAX_WORDS] or None, created_at=now)
        session.add(request)
        session.flush()
        assert request.id is not None
        _audit(session, f"telegram:{chat_id}" if chat_id is not None else "system", "data_change_requested",
               request.id, {"fields": sorted(normal)})
        hooks.on_change_requested(session, request)
        session.commit()
        session.refresh(request)
        return request


# -- the employer's answer -----------------------------------------------------------------------------------------


def change_in_scope(session: Session, request_id: int,
                    employer_id: str | None) -> tuple[DataChangeRequest, Employee] | None:
    """The request and its employee when `employer_id` may decide it (None: the bureau, any employer)."""
    request = session.get(DataChangeRequest, request_id)
    employee = session.get(Employee, request.employee_id) if request is not None else None
    if request is None or employee is None:
        return None
    if employer_id is not None and employee.employer_id != employer_id:
        return None
    return request, employee


def waiting_changes(session: Session, employer_id: str | None,
                    limit: int = 200) -> list[tuple[DataChangeRequest, Employee]]:
    """Pending requests, oldest first, of one employer's employees (None: of all)."""
    query = (select(DataChangeRequest, Employee).join(Employee, Employee.id == DataChangeRequest.employee_id)  # type: ignore[arg-type]
             .where(DataChangeRequest.status == ChangeStatus.PENDING))
    if employer_id is not None:
        query = query.where(Employee.employer_id == employer_id)
    return [(r, e) for r, e in session.exec(query.order_by(col(DataChangeRequest.id)).limit(limit))]


def _draft(session: Session, request: DataChangeRequest, employee: Employee, now: dt.datetime) -> DraftRow:
    fields = normalize_fields(DRAFT_TYPE, request.fields)
    issues = validate_normal(DRAFT_TYPE, fields, reference=now.astimezone(AMSTERDAM).date())
    draft = DraftRow(inbound_id=None, employer_id=employee.employer_id, type=DRAFT_TYPE,
                     employee_id=employee.number, employee_name=employee.full_name, fields=fields,
                     source={"part": "telegram", "location": f"wijzigingsverzoek {request.id}",
                             "text": (request.text or "")[:MAX_WORDS]},
                     confidence=1.0, issues=[i.model_dump() for i in issues], status=DraftStatus.NEW,
                     created_at=now, updated_at=now,
                     period=draft_period_for(session, employee.employer_id, DRAFT_TYPE, fields, now))
    session.add(draft)
    session.flush()
    session.add(AuditEvent(actor="system", action="draft_from_data_change", subject_type="draft",
                           subject_id=str(draft.id), detail={"data_change_request_id": request.id}))
    return draft


def confirm_change(engine: Engine, request_id: int, approve: bool, actor: str, reason: str | None = None, *,
                   on_decided: Callable[[Session, DataChangeRequest, str | None], object] | None = None,
                   now: dt.datetime | None = None) -> DataChangeRequest:
    """Confirm (the bureau's draft is made) or reject (a reason is needed) a pending request, with the
    employee's message (`on_decided`) in the same transaction; DataChangeError once it is decided."""
    now = now or utcnow()
    reason = " ".join((reason or "").split())[:MAX_WORDS] or None
    if not approve and reason is None:
        raise DataChangeError("reason")
    with Session(engine) as session:
        request = session.get(DataChangeRequest, request_id)
        employee = session.get(Employee, request.employee_id) if request is not None else None
        if request is None or employee is None:
            raise LookupError(request_id)
        status = ChangeStatus.CONFIRMED if approve else ChangeStatus.REJECTED
        # Two deciders at once (a button and the dashboard): the first one's UPDATE wins, the second changes nothing.
        changed = session.exec(update(DataChangeRequest).where(  # type: ignore[call-overload]
            col(DataChangeRequest.id) == request_id, col(DataChangeRequest.status) == ChangeStatus.PENDING)
            .values(status=status, decided_by=actor, decided_at=now))
        if changed.rowcount != 1:
            session.rollback()
            raise DataChangeError("decided")
        session.refresh(request)
        if approve:
            request.draft_id = _draft(session, request, employee, now).id
            session.add(request)
        _audit(session, actor, "data_change_confirmed" if approve else "data_change_rejected", request_id,
               {"draft_id": request.draft_id} if approve else {})
        if on_decided is not None:
            on_decided(session, request, reason)
        session.commit()
        session.refresh(request)
        return request
