"""The Nmbrs export: an employer's approved mutations for one payroll period, as files.

`export_period` takes every approved, not yet exported draft of one employer and period,
records an `ExportBatch`, marks the drafts `exported` with the batch's id and writes an
audit row, all in one transaction. A draft is claimed with a conditional UPDATE (and, on
PostgreSQL, locked first with SELECT … FOR UPDATE in id order), so two exports running at
once never both take the same draft. `rebuild_export` makes the same files again from the
batch, byte for byte.

The files (all four always, with only a header row when there is nothing for them):

- `uren-<werkgever>-<periode>.xlsx`: variable hours in Nmbrs' import layout, one row per
  employee, one column per hour code;
- `looncomponenten-<werkgever>-<periode>.xlsx`: bonuses and expense claims, one row each;
- `werklijst-<werkgever>-<periode>.xlsx` and `.csv`: what a clerk enters in Nmbrs by hand
  (hires, terminations, sick and recovery reports, salary, contract-hour and personal
  data changes), with BSN and IBAN in full.

Every text cell that a spreadsheet could read as a formula is prefixed with `'` (OWASP's
CSV injection advice). See docs/nmbrs-export.md for the layouts and codes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from sqlalchemy import Engine, func, update
from sqlmodel import Session, select

from parsers.xlsx_files import FORMULA_PREFIXES, neutralise, stable_xlsx  # noqa: F401 (FORMULA_PREFIXES: for callers)
from workflows.db import is_postgres
from workflows.leave_from_mutations import book_leave_effects
from workflows.models import AuditEvent, DraftRow, DraftStatus, Employer, ExportBatch, ExportCode, utcnow
from workflows.periods import DECIDING_DATES, is_period

Cell = str | int | float | Decimal | dt.date | None

# The Nmbrs code per kind key when the employer configured none. Overtime and irregular
# hours with a rate get the rate appended ("OVERUREN125", "ORT50").
DEFAULT_CODES: dict[str, str] = {
    "hours:worked": "UREN",
    "hours:overtime": "OVERUREN",
    "hours:extra": "MEERUREN",
    "hours:irregular": "ORT",
    "one_off_payment": "BONUS",
    "expense": "ONKOSTEN",
}
HOUR_KINDS = ("worked", "overtime", "extra", "irregular")
RATED_KINDS = frozenset({"overtime", "irregular"})
KIND_ALIASES = {"bonus": "one_off_payment"}
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_.\-]{1,60}$")
KIND_PATTERN = re.compile(r"^(?:hours:(?:worked|overtime|extra|irregular)(?::(\d{1,3}(?:\.\d{1,2})?))?"
                          r"|one_off_payment|expense)$")

HOURS_TYPES = frozenset({"hours"})
COMPONENT_TYPES = frozenset({"one_off_payment", "expense"})
# The worklist, in this order; anything else that was approved lands after them.
WORKLIST_TYPES = ("hire", "termination", "sick", "recovery", "salary_change", "hours_change",
                  "personal_data_change", "leave")
TYPE_NAMES: dict[str, str] = {
    "hire": "indienstmelding",
    "termination": "uitdienstmelding",
    "sick": "ziekmelding",
    "recovery": "herstelmelding",
    "salary_change": "salariswijziging",
    "hours_change": "wijziging contracturen",
    "personal_data_change": "wijziging persoonsgegevens",
    "hours": "uren",
    "one_off_payment": "eenmalige uitkering",
    "expense": "onkostenvergoeding",
    "leave": "verlof (onbetaald of ouderschapsverlof)",
}
# The order a type's fields are listed in under `Gegevens` (shared/spec/mutations.md);
# fields not named here follow in alphabetical order.
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    "hire": ("start_date", "job_title", "hours_per_week", "salary_amount", "salary_period", "contract_end_date",
             "birth_date", "bsn", "iban", "email", "phone", "street", "house_number", "postal_code", "city"),
    "termination": ("end_date", "reason"),
    "sick": ("start_date", "percentage"),
    "recovery": ("date", "percentage"),
    "hours": ("hours", "kind", "rate_percentage", "period", "date"),
    "salary_change": ("effective_date", "salary_amount", "salary_period"),
    "hours_change": ("effective_date", "hours_per_week"),
    "one_off_payment": ("amount", "description", "period"),
    "expense": ("amount", "description", "period"),
    "personal_data_change": ("effective_date", "last_name", "street", "house_number", "postal_code", "city",
                             "iban", "email", "phone"),
    "leave": ("leave_type", "first_day", "last_day", "hours", "withdrawn"),
}
FIELD_LABELS: dict[str, str] = {
    "start_date": "ingangsdatum", "end_date": "laatste werkdag", "date": "datum",
    "effective_date": "ingangsdatum", "contract_end_date": "einddatum contract", "birth_date": "geboortedatum",
    "reason": "reden", "percentage": "percentage", "job_title": "functie", "hours_per_week": "uren per week",
    "salary_amount": "salaris", "salary_period": "salarisperiode", "bsn": "BSN", "iban": "IBAN",
    "email": "e-mail", "phone": "telefoon", "street": "straat", "house_number": "huisnummer",
    "postal_code": "postcode", "city": "woonplaats", "last_name": "achternaam", "hours": "uren",
    "kind": "soort uren", "rate_percentage": "toeslagpercentage", "period": "periode", "amount": "bedrag",
    "description": "omschrijving", "leave_type": "soort verlof", "first_day": "eerste verlofdag",
    "last_day": "laatste verlofdag", "withdrawn": "ingetrokken",
}
# Where a type reads a field its own way.
TYPE_FIELD_LABELS: dict[tuple[str, str], str] = {
    ("hire", "start_date"): "datum in dienst",
    ("sick", "start_date"): "eerste ziektedag",
    ("sick", "percentage"): "percentage ziek",
    ("recovery", "date"): "datum herstel",
    ("recovery", "percentage"): "percentage hersteld",
}
DATE_FIELDS = frozenset({"start_date", "end_date", "date", "effective_date", "contract_end_date", "birth_date"})
MONEY_FIELDS = frozenset({"salary_amount", "amount"})
PERCENT_FIELDS = frozenset({"percentage", "rate_percentage"})
VALUE_NAMES: dict[str, dict[str, str]] = {
    "salary_period": {"month": "per maand", "four_weeks": "per 4 weken", "week": "per week", "hour": "per uur",
                      "year": "per jaar"},
    "kind": {"worked": "gewerkte uren", "overtime": "overuren", "extra": "meeruren", "irregular": "ORT-uren"},
}

HOURS_SHEET, COMPONENTS_SHEET, WORKLIST_SHEET = "Uren", "Looncomponenten", "Werklijst"
COMPONENT_HEADER = ("Personeelsnummer", "Periode", "Looncomponent", "Bedrag", "Omschrijving")
WORKLIST_HEADER = ("Concept", "Soort", "Personeelsnummer", "Medewerker", "Ingangsdatum", "Gegevens", "Bron")
MAX_CELL_TEXT = 32_000  # Excel holds at most 32,767 characters in a cell
DATE_FORMAT = "DD-MM-YYYY"
NUMBER_FORMAT = "0.00"


class ExportError(ValueError):
    """The export cannot be made or rebuilt; the message says why, in Dutch."""


class NothingToExport(ExportError):
    """No approved, not yet exported mutations for this employer and period."""


@dataclass(frozen=True)
class ExportResult:
    batch_id: int
    employer_id: str
    period: str
    draft_ids: list[int]
    files: dict[str, bytes]  # file name -> contents, in a fixed order

    @property
    def hashes(self) -> dict[str, str]:
        return {name: hashlib.sha256(content).hexdigest() for name, content in self.files.items()}


@dataclass(frozen=True)
class ExportDraft:
    """What the files need of a draft: plain values, so the builders need no database."""

    id: int
    type: str
    employee_id: str | None
    employee_name: str | None
    fields: dict[str, Any]
    source_text: str | None = None

    @classmethod
    def of(cls, row: DraftRow) -> ExportDraft:
        assert row.id is not None
        source = row.source.get("text") if isinstance(row.source, dict) else None
        return cls(id=row.id, type=row.type, employee_id=row.employee_id, employee_name=row.employee_name,
                   fields=dict(row.fields or {}), source_text=source if isinstance(source, str) else None)


@dataclass
class ExportFiles:
    files: dict[str, bytes]
    codes: dict[str, str] = field(default_factory=dict)  # kind key -> code, for every key the files used


# ---------------------------------------------------------------------------------------------------------------
# Codes


def normalise_kind(kind: str) -> str:
    """The canonical kind key ("hours:overtime:125", "expense"); ExportError when it is none."""
    kind = KIND_ALIASES.get(kind.strip().lower(), kind.strip().lower())
    match = KIND_PATTERN.match(kind)
    if not match:
        raise ExportError(f"onbekende soort {kind!r}: kies uit {', '.join(DEFAULT_CODES)} of bijvoorbeeld "
                          "hours:overtime:125")
    if match.group(1) is not None:
        base, _, rate = kind.rpartition(":")
        return f"{base}:{_rate_text(Decimal(rate))}"
    return kind


def hours_kind_key(kind: str, rate: Any) -> str:
    """The kind key of an hours mutation: "hours:<kind>" or, with a rate, "hours:<kind>:<rate>"."""
    number = _number(rate)
    return f"hours:{kind}:{_rate_text(number)}" if number else f"hours:{kind}"


def resolve_code(overrides: Mapping[str, str], key: str) -> str:
    """The code for a kind key: the employer's own for that key, then for the key without its rate,
    then the default (with the rate appended for overtime and irregular hours)."""
    if key in overrides:
        return overrides[key]
    kind = rate = ""
    base = key
    if key.startswith("hours:"):
        _hours, kind, rate = [*key.split(":"), ""][:3]
        base = f"hours:{kind}"
    if base in overrides:
        return overrides[base]
    code = DEFAULT_CODES[base]
    return code + rate if rate and kind in RATED_KINDS else code


def _employer_overrides(session: Session, employer_id: str) -> dict[str, str]:
    rows = session.exec(select(ExportCode).where(ExportCode.employer_id == employer_id)
                        .order_by(ExportCode.kind)).all()  # type: ignore[arg-type]
    overrides: dict[str, str] = {}
    for row in rows:
        kind = KIND_ALIASES.get(row.kind, row.kind)
        if kind not in overrides or kind == row.kind:
            overrides[kind] = row.code
    return overrides


def export_codes(engine: Engine, employer_id: str) -> dict[str, str]:
    """The codes in effect for an employer: the defaults with the employer's own over them."""
    with Session(engine) as session:
        return {**DEFAULT_CODES, **_employer_overrides(session, employer_id)}


def set_export_code(engine: Engine, employer_id: str, kind: str, code: str, actor: str) -> str:
    """Give an employer its own Nmbrs code for a kind key; returns the canonical kind key."""
    kind = normalise_kind(kind)
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise ExportError("een code is 1 tot 60 tekens: letters, cijfers, '_', '-' of '.'")
    with Session(engine) as session:
        if session.get(Employer, employer_id) is None:
            raise ExportError(f"onbekende werkgever {employer_id!r}")
        row = session.exec(select(ExportCode).where(ExportCode.employer_id == employer_id,
                                                    ExportCode.kind == kind)).first()
        previous = row.code if row else None
        row = row or ExportCode(employer_id=employer_id, kind=kind, code=code)
        row.code = code
        session.add(row)
        session.add(AuditEvent(actor=actor, action="export_code_set", subject_type="employer",
                               subject_id=employer_id, detail={"kind": kind, "code": code, "previous": previous}))
        session.commit()
    return kind


def clear_export_code(engine: Engine, employer_id: str, kind: str, actor: str) -> bool:
    """Drop an employer's own code for a kind key, back to the default; False when it had none."""
    kind = normalise_kind(kind)
    with Session(engine) as session:
        row = session.exec(select(ExportCode).where(ExportCode.employer_id == employer_id,
                                                    ExportCode.kind == kind)).first()
        if row is None:
            return False
        session.add(AuditEvent(actor=actor, action="export_code_cleared", subject_type="employer",
                               subject_id=employer_id, detail={"kind": kind, "previous": row.code}))
        session.delete(row)
        session.commit()
    return True


# ---------------------------------------------------------------------------------------------------------------
# Export and rebuild


def export_period(engine: Engine, employer_id: str, period: str, actor: str) -> ExportResult:
    """Export an employer's approved mutations for a period (YYYY-MM), once.

    Raises NothingToExport when there are none (left), ExportError on a bad period or employer.
    """
    if not is_period(period):
        raise ExportError(f"ongeldige periode {period!r}: verwacht JJJJ-MM")
    with Session(engine) as session:
        employer = session.get(Employer, employer_id)
        if employer is None:
            raise ExportError(f"onbekende werkgever {employer_id!r}")
        nothing = NothingToExport(f"geen goedgekeurde mutaties voor {employer.name} in {period}")
        claimable = (DraftRow.employer_id == employer_id, DraftRow.period == period,
                     DraftRow.status == DraftStatus.APPROVED, DraftRow.export_id.is_(None))  # type: ignore[union-attr]
        locked: list[int] | None = None
        if is_postgres(engine):
            # Lock in id order, so two exports queue on the first row instead of deadlocking; the
            # second one then finds the rows exported and skips them.
            locked = list(session.exec(select(DraftRow.id).where(*claimable)  # type: ignore[call-overload]
                                       .order_by(DraftRow.id).with_for_update()))
            if not locked:
                session.rollback()
                raise nothing
        # On SQLite this INSERT is the transaction's first write: it waits for any other writer,
        # so the UPDATE below sees what a concurrent export committed.
        batch = ExportBatch(employer_id=employer_id, period=period, created_at=utcnow().replace(microsecond=0),
                            created_by=actor)
        session.add(batch)
        session.flush()
        assert batch.id is not None
        now = utcnow()
        claim = update(DraftRow).where(*claimable)
        if locked is not None:
            claim = claim.where(DraftRow.id.in_(locked))  # type: ignore[union-attr]
        claimed = session.exec(claim.values(status=DraftStatus.EXPORTED, export_id=batch.id,  # type: ignore[call-overload]
                                            updated_at=now))
        if claimed.rowcount == 0:
            session.rollback()
            raise nothing
        rows = session.exec(select(DraftRow).where(DraftRow.export_id == batch.id)
                            .order_by(DraftRow.id)).all()  # type: ignore[arg-type]
        drafts = [ExportDraft.of(row) for row in rows]
        book_leave_effects(session, rows, actor=actor)
        built = build_export_files(employer_id, period, drafts, _employer_overrides(session, employer_id),
                                   _stamp(batch.created_at))
        hashes = {name: hashlib.sha256(content).hexdigest() for name, content in built.files.items()}
        batch_id = batch.id
        draft_ids = [d.id for d in drafts]
        batch.draft_ids = draft_ids
        batch.files = hashes
        session.add(batch)
        session.add(AuditEvent(actor=actor, action="exported", subject_type="export", subject_id=str(batch_id),
                               detail={"employer_id": employer_id, "period": period, "drafts": draft_ids,
                                       "files": hashes, "codes": built.codes}))
        session.commit()
    return ExportResult(batch_id=batch_id, employer_id=employer_id, period=period, draft_ids=draft_ids,
                        files=built.files)


def rebuild_export(engine: Engine, batch_id: int, *, verify: bool = True) -> dict[str, bytes]:
    """The files of an earlier export, made again from its drafts and the codes it used.

    With `verify` (the default) raises ExportError when the result differs from what was
    exported (a draft changed or disappeared since).
    """
    with Session(engine) as session:
        batch = session.get(ExportBatch, batch_id)
        if batch is None:
            raise ExportError(f"export {batch_id} bestaat niet")
        rows = session.exec(select(DraftRow).where(DraftRow.id.in_(batch.draft_ids))  # type: ignore[union-attr]
                            .order_by(DraftRow.id)).all()  # type: ignore[arg-type]
        event = session.exec(select(AuditEvent).where(AuditEvent.subject_type == "export",
                                                      AuditEvent.subject_id == str(batch_id),
                                                      AuditEvent.action == "exported")
                             .order_by(AuditEvent.id)).first()  # type: ignore[arg-type]
        codes = event.detail.get("codes") if event is not None else None
        if not isinstance(codes, dict):
            codes = _employer_overrides(session, batch.employer_id)
        built = build_export_files(batch.employer_id, batch.period, [ExportDraft.of(r) for r in rows], codes,
                                   _stamp(batch.created_at))
        expected = dict(batch.files)
    if verify:
        actual = {name: hashlib.sha256(content).hexdigest() for name, content in built.files.items()}
        if actual != expected or len(rows) != len(batch.draft_ids):
            raise ExportError(f"export {batch_id} is niet meer gelijk op te bouwen: een mutatie is sindsdien "
                              "gewijzigd of verwijderd")
    return built.files


def _stamp(created_at: dt.datetime) -> dt.datetime:
    """The batch's moment as the files carry it: naive UTC, whole seconds."""
    if created_at.tzinfo is not None:
        created_at = created_at.astimezone(dt.UTC).replace(tzinfo=None)
    return created_at.replace(microsecond=0)


# ---------------------------------------------------------------------------------------------------------------
# Building the files (pure: plain drafts in, bytes out)


def file_names(employer_id: str, period: str) -> tuple[str, str, str, str]:
    """The four file names, in the order the export lists them."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", employer_id).strip("-.") or "werkgever"
    return (f"uren-{slug}-{period}.xlsx", f"looncomponenten-{slug}-{period}.xlsx",
            f"werklijst-{slug}-{period}.xlsx", f"werklijst-{slug}-{period}.csv")


def build_export_files(employer_id: str, period: str, drafts: Sequence[ExportDraft],
                       overrides: Mapping[str, str], stamp: dt.datetime) -> ExportFiles:
    """All four files for these drafts; `stamp` is the moment every file carries inside."""
    codes: dict[str, str] = {}
    hours: list[ExportDraft] = []
    components: list[ExportDraft] = []
    worklist: list[tuple[ExportDraft, str | None]] = []  # with why it is not in an import file
    for draft in sorted(drafts, key=lambda d: d.id):
        if draft.type in HOURS_TYPES or draft.type in COMPONENT_TYPES:
            problem = _import_problem(draft)
            if problem:
                worklist.append((draft, problem))
            elif draft.type in HOURS_TYPES:
                hours.append(draft)
            else:
                components.append(draft)
        else:
            worklist.append((draft, None))

    def code(key: str) -> str:
        codes[key] = resolve_code(overrides, key)
        return codes[key]

    hours_header, hours_rows = hours_table(period, hours, code)
    component_rows = components_table(period, components, code)
    worklist_rows = worklist_table(worklist)
    names = file_names(employer_id, period)
    hour_formats = {i: NUMBER_FORMAT for i in range(2, len(hours_header))}
    files = {
        names[0]: build_xlsx(HOURS_SHEET, hours_header, hours_rows, stamp, formats=hour_formats),
        names[1]: build_xlsx(COMPONENTS_SHEET, COMPONENT_HEADER, component_rows, stamp, formats={3: NUMBER_FORMAT}),
        names[2]: build_xlsx(WORKLIST_SHEET, WORKLIST_HEADER, worklist_rows, stamp, formats={4: DATE_FORMAT}),
        names[3]: build_csv(WORKLIST_HEADER, worklist_rows),
    }
    return ExportFiles(files=files, codes=dict(sorted(codes.items())))


def _import_problem(draft: ExportDraft) -> str | None:
    """Why an hours or payment draft cannot go into an import file (it goes on the worklist then)."""
    if not draft.employee_id:
        return "personeelsnummer onbekend, niet in het importbestand"
    if draft.type in HOURS_TYPES:
        if _number(draft.fields.get("hours")) is None:
            return "aantal uren ontbreekt of is geen getal, niet in het importbestand"
        if draft.fields.get("kind") not in HOUR_KINDS:
            return "onbekende soort uren, niet in het importbestand"
        rate = draft.fields.get("rate_percentage")
        if rate is not None and _number(rate) is None:
            return "toeslagpercentage is geen getal, niet in het importbestand"
    elif _number(draft.fields.get("amount")) is None:
        return "bedrag ontbreekt of is geen getal, niet in het importbestand"
    return None


def hours_table(period: str, drafts: Sequence[ExportDraft], code: Any) -> tuple[list[str], list[list[Cell]]]:
    """Header and rows of the hours file: per employee the summed hours per code (`code` maps a kind key)."""
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for draft in drafts:
        assert draft.employee_id
        key = hours_kind_key(str(draft.fields["kind"]), draft.fields.get("rate_percentage"))
        hours = _number(draft.fields["hours"])
        assert hours is not None
        totals[draft.employee_id][code(key)] += hours
    columns = sorted({c for per_code in totals.values() for c in per_code})
    rows: list[list[Cell]] = []
    for number in sorted(totals, key=_number_key):
        per_code = totals[number]
        rows.append([number, period, *(_plain(per_code[c]) if c in per_code else None for c in columns)])
    return ["Personeelsnummer", "Periode", *columns], rows


def components_table(period: str, drafts: Sequence[ExportDraft], code: Any) -> list[list[Cell]]:
    """Rows of the wage components file: one per bonus or expense claim."""
    rows: list[tuple[tuple[Any, ...], list[Cell]]] = []
    for draft in drafts:
        assert draft.employee_id
        component = code(draft.type)
        amount = _number(draft.fields["amount"])
        assert amount is not None
        description = draft.fields.get("description")
        row: list[Cell] = [draft.employee_id, period, component, _plain(amount),
                           str(description) if description not in (None, "") else None]
        rows.append(((_number_key(draft.employee_id), component, draft.id), row))
    return [row for _key, row in sorted(rows, key=lambda pair: pair[0])]


def worklist_table(drafts: Sequence[tuple[ExportDraft, str | None]]) -> list[list[Cell]]:
    """Rows of the worklist: by type, then employee, then draft."""
    order = {t: i for i, t in enumerate(WORKLIST_TYPES)}
    rows: list[tuple[tuple[Any, ...], list[Cell]]] = []
    for draft, problem in drafts:
        details = describe_fields(draft.type, draft.fields)
        if problem:
            details = f"let op: {problem}" + (f"; {details}" if details else "")
        row: list[Cell] = [draft.id, TYPE_NAMES.get(draft.type, draft.type), draft.employee_id, draft.employee_name,
                           _deciding_date(draft), details or None, draft.source_text]
        key = (order.get(draft.type, len(order)), draft.type, _number_key(draft.employee_id or ""), draft.id)
        rows.append((key, row))
    return [row for _key, row in sorted(rows, key=lambda pair: pair[0])]


def describe_fields(mutation_type: str, fields: Mapping[str, Any]) -> str:
    """The fields in readable Dutch: "veld: waarde; …", in the spec's order, empty ones left out."""
    known = FIELD_ORDER.get(mutation_type, ())
    names = [n for n in known if n in fields] + sorted(n for n in fields if n not in known)
    parts = []
    for name in names:
        value = fields[name]
        if value is None or value == "" or value == [] or value == {}:
            continue
        label = TYPE_FIELD_LABELS.get((mutation_type, name)) or FIELD_LABELS.get(name, name)
        parts.append(f"{label}: {_describe_value(name, value)}")
    return "; ".join(parts)


def _describe_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if name in DATE_FIELDS and isinstance(value, str):
        day = _date(value)
        return day.strftime("%d-%m-%Y") if day else value
    number = _number(value)
    if number is not None:
        if name in MONEY_FIELDS:
            return f"€ {_dutch_number(number, places=2)}"
        if name in PERCENT_FIELDS:
            return f"{_dutch_number(number)}%"
        return _dutch_number(number)
    if isinstance(value, str):
        return VALUE_NAMES.get(name, {}).get(value, value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _deciding_date(draft: ExportDraft) -> Cell:
    for name in DECIDING_DATES.get(draft.type, ()):
        value = draft.fields.get(name)
        if isinstance(value, str) and value:
            return _date(value) or value
    return None


# ---------------------------------------------------------------------------------------------------------------
# Cells, workbooks and CSV


def _text(value: str) -> str:
    """Text as it goes into a cell: no characters XML cannot hold, not over Excel's limit, neutralised."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > MAX_CELL_TEXT:
        value = value[:MAX_CELL_TEXT - 1] + "…"
    return neutralise(value)


def _cell(value: Cell) -> Cell:
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, Decimal):
        return _plain(value)
    return value


def build_xlsx(sheet_title: str, header: Sequence[str], rows: Sequence[Sequence[Cell]], stamp: dt.datetime, *,
               formats: Mapping[int, str] | None = None) -> bytes:
    """One sheet with a bold header row; the same arguments always give the same bytes.

    `formats` maps a column index (0-based) to a number format; dates get DD-MM-YYYY.
    """
    if len(sheet_title) > 31:
        raise ValueError(f"sheet name longer than 31 characters: {sheet_title!r}")
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = sheet_title
    sheet.append([_text(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    formats = formats or {}
    for row_cells in sheet.iter_rows(min_row=2):
        for index, cell in enumerate(row_cells):
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
            elif index in formats and isinstance(cell.value, int | float):
                cell.number_format = formats[index]
    for index, title in enumerate(header, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(12, min(60, len(title) + 4))
    sheet.freeze_panes = "A2"
    return stable_xlsx(workbook, stamp)


def build_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """Semicolon-separated, UTF-8 with a BOM (so Excel reads it as UTF-8), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([_text(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_value(value: Cell) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, float):
        return _dutch_number(Decimal(str(value)), grouping=False)
    return str(value)


# ---------------------------------------------------------------------------------------------------------------
# Numbers and dates


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal) -> int | float:
    """A number as a cell holds it: an int when whole, else a float."""
    return int(number) if number == number.to_integral_value() else float(number)


def _rate_text(number: Decimal) -> str:
    return str(_plain(number))


def _dutch_number(number: Decimal, *, places: int | None = None, grouping: bool = True) -> str:
    """1234.5 -> "1.234,5" (with places=2: "1.234,50")."""
    if places is not None:
        text_ = f"{number:,.{places}f}" if grouping else f"{number:.{places}f}"
    else:
        plain = _plain(number)
        text_ = f"{plain:,}" if grouping else str(plain)
    return text_.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if re.match(r"^\d{4}-\d{2}-\d{2}$", value) else None
    except ValueError:
        return None


def _number_key(number: str) -> tuple[int, int, str]:
    """Employee numbers in numeric order where they are numbers ("9" before "10")."""
    return (0, int(number), number) if number.isdigit() else (1, 0, number)


def ready_to_export(session: Session) -> list[tuple[str, str, int]]:
    """(employer id, period, number of drafts) for every approved, not yet exported group."""
    query = (select(DraftRow.employer_id, DraftRow.period, func.count())
             .where(DraftRow.status == DraftStatus.APPROVED, DraftRow.export_id.is_(None),  # type: ignore[union-attr]
                    DraftRow.employer_id.is_not(None), DraftRow.period.is_not(None))  # type: ignore[union-attr]
             .group_by(DraftRow.employer_id, DraftRow.period)
             .order_by(DraftRow.employer_id, DraftRow.period))
    return [(employer or "", period or "", count) for employer, period, count in session.exec(query)]
