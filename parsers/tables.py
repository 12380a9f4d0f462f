"""Rows of cells to drafts: mutation sheets, hour grids, and tables pasted in a mail.

The header row is found by what its cells say ("Pnr", "Naam", "Soort mutatie", "Uren",
"Bedrag", "Wk 23" …, in Dutch and English), never by position, after any title rows;
those title rows name the month ("Overuren juni 2026") and sometimes the kind of hours.
Three layouts are read:

- one mutation per row, its kind in a column ("Overuren 125%", "Declaratie", "Ziek");
- a column per kind ("Gewerkte uren", "ORT-uren"), rows per week summed per employee;
- an hour grid (a column per week or day) summed per row, the kind from the title.

Totals rows, empty rows, example rows and instruction sheets are not mutations.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from parsers.cues import Cue, classify, find_cues
from parsers.dates import find_dates, find_months
from parsers.drafts import Draft, DraftSet
from parsers.models import Issue
from parsers.numbers import find_percentages, parse_hours, parse_number
from parsers.people import RosterIndex, fold
from parsers.spreadsheets import column_letter
from parsers.values import salary_period_near

Row = tuple[int, tuple[Any, ...]]

_HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("pnr", "personeelsnummer", "personeelsnr", "pers.nr", "pers nr", "nr", "nummer", "nr.",
               "employee no", "employee no.", "employee number", "emp no", "emp. no.", "id", "medewerkernummer",
               "werknemernummer", "personnel number", "staff number", "code medewerker", "mw nr"),
    "name": ("naam", "name", "medewerker", "werknemer", "employee", "naam medewerker", "naam werknemer",
             "employee name", "volledige naam", "full name", "personeelslid", "werknemer naam"),
    "first_name": ("voornaam", "first name", "roepnaam"),
    "last_name": ("achternaam", "last name", "surname"),
    "kind": ("soort mutatie", "mutatie", "soort", "omschrijving", "type", "description", "kind", "mutation",
             "looncomponent", "component", "wat", "mutatiesoort", "type mutatie", "change", "item", "categorie",
             "category", "soort uren"),
    "date": ("datum", "ingangsdatum", "date", "effective date", "per", "startdatum", "datum ingang",
             "ingang", "vanaf", "with effect from", "start date", "begindatum", "eerste ziektedag"),
    "hours": ("uren", "aantal", "aantal uren", "hours", "qty", "quantity", "uur", "hrs", "number of hours",
              "aantal uur"),
    "amount": ("bedrag", "amount", "euro", "bedrag (eur)", "amount (eur)", "bedrag (€)", "bedrag €", "eur",
               "bedrag in euro", "brutobedrag", "gross amount", "waarde", "value", "bedrag bruto"),
    "quantity": ("aantal / bedrag", "aantal/bedrag", "uren / bedrag", "uren/bedrag", "hours / amount",
                 "hours/amount", "waarde", "aantal of bedrag"),
    "period": ("periode", "maand", "period", "month", "loonperiode", "verloningsperiode", "pay period"),
    "remark": ("opmerking", "opmerkingen", "toelichting", "remarks", "remark", "notes", "note", "comment",
               "comments", "bijzonderheden"),
    "percentage": ("percentage", "%", "toeslag", "toeslag %", "rate", "rate %"),
    "total": ("totaal", "total", "som", "sum", "totaal uren", "total hours"),
    "week": ("week", "wk", "weeknummer", "week nr", "weeknr", "week number"),
}
_SYNONYM_ROLE = {fold(s): role for role, synonyms in _HEADER_SYNONYMS.items() for s in synonyms}
_GRID_RE = re.compile(r"^(?:wk|week|w)\s*\.?\s*\d{1,2}$|^(?:ma|di|wo|do|vr|za|zo|mon|tue|wed|thu|fri|sat|sun)"
                      r"(?:\s+\d{1,2}(?:[-/]\d{1,2})?)?$|^\d{1,2}$|^\d{1,2}[-/]\d{1,2}$", re.IGNORECASE)
# A totals row names itself in one of its cells ("Totaal", "Total hours").
_TOTAL_ROW_RE = re.compile(r"(?:^|\| )\s*(?:sub)?(?:totaal|totalen|total|totals|som|sum|grand total|eindtotaal)\b",
                           re.I)
_EXAMPLE_RE = re.compile(r"\b(?:voorbeeld\w*|example|bijvoorbeeld|sample|dummy)\b", re.IGNORECASE)
_INSTRUCTION_SHEET_RE = re.compile(r"instructie|instructions?|toelichting|uitleg|voorbeeld|example|lijsten|lists|"
                                   r"keuzelijst|readme|help|info|codes|legenda|legend|settings|instellingen",
                                   re.IGNORECASE)
_RATE_RE = re.compile(r"(\d{3})\s*%")


@dataclass
class TableContext:
    index: RosterIndex
    reference: dt.date
    part: str
    sheet: str = ""
    period_hint: str | None = None  # the mail's month, when the sheet names none
    kind_hint: Cue | None = None  # from the mail: "Hierbij de overuren van juni"
    rate_hint: float | None = None
    is_sheet: bool = True  # cell references for sheets, line numbers for pasted tables


@dataclass
class _Columns:
    roles: dict[int, str] = field(default_factory=dict)  # column index → role
    kinds: dict[int, Cue] = field(default_factory=dict)  # column index → hours/payment kind
    grid: list[int] = field(default_factory=list)
    by_role: dict[str, int] = field(default_factory=dict)  # role → column, once the header is read

    def first(self, role: str) -> int | None:
        return self.by_role.get(role)


@dataclass
class TableResult:
    drafts: list[Draft] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    found_header: bool = False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value).strip()


def _header_role(value: Any) -> tuple[str | None, Cue | None]:
    text = _text(value)
    if not text or len(text) > 60:
        return None, None
    key = fold(re.sub(r"\s+", " ", text)).strip(" :")
    role = _SYNONYM_ROLE.get(key) or _SYNONYM_ROLE.get(re.sub(r"\s*\(.*?\)\s*", "", key).strip())
    if role:
        return role, None
    if _GRID_RE.match(text):
        return "grid", None
    cue = classify(text)
    if cue and cue.type in ("hours", "one_off_payment", "expense"):
        return "kind_column", cue
    return None, None


def _find_header(rows: Sequence[Row]) -> tuple[int, _Columns] | None:
    for position, (_, values) in enumerate(rows[:30]):
        columns = _Columns()
        for col, value in enumerate(values):
            role, cue = _header_role(value)
            if role == "grid":
                columns.grid.append(col)
            elif role == "kind_column" and cue is not None:
                columns.kinds[col] = cue
            elif role and role not in columns.roles.values():
                columns.roles[col] = role
        has_person = any(r in ("number", "name", "last_name") for r in columns.roles.values())
        has_content = any(r in ("kind", "hours", "amount", "quantity", "date") for r in columns.roles.values()) \
            or columns.kinds or len(columns.grid) >= 2
        if has_person and has_content:
            columns.by_role = {role: col for col, role in columns.roles.items()}
            return position, columns
    return None


def read_rows(rows: Sequence[Row], ctx: TableContext) -> TableResult:
    """Drafts from one sheet or pasted table."""
    result = TableResult()
    if ctx.sheet and _INSTRUCTION_SHEET_RE.search(ctx.sheet):
        return result
    header = _find_header(rows)
    if header is None:
        return result
    result.found_header = True
    position, columns = header
    title = " ".join(_text(v) for _, values in rows[:position] for v in values if v is not None)
    title_period = _title_period(title, ctx)
    title_cue = next((c for c in find_cues(title) if c.type == "hours"), None)
    rate_match = _RATE_RE.search(title)
    rate = float(rate_match.group(1)) if rate_match else ctx.rate_hint
    sums: dict[tuple[str, str], Draft] = {}
    people: dict[tuple[Any, ...], _Person | None] = {}
    for row_number, values in rows[position + 1:]:
        texts = [_text(v) for v in values]
        words = " | ".join(t for t in texts if isinstance(t, str) and t and not t[0].isdigit())
        if not words and not any(texts):
            continue
        if _TOTAL_ROW_RE.search(words) or _EXAMPLE_RE.search(words):
            continue
        if sum(1 for t in texts if t) == 1 and words.startswith(("*", "#", "(")):
            continue
        key = (_cell(values, columns.first("number")), _cell(values, columns.first("name")),
               _cell(values, columns.first("last_name")))
        if key not in people:
            people[key] = _person(values, columns, ctx)
        person = people[key]
        if person is None:
            continue
        draft_base = _Base(ctx, row_number, values, texts, person, title_period, rate)
        if columns.first("kind") is not None and _text(_cell(values, columns.first("kind"))):
            draft = _row_mutation(values, columns, draft_base, result)
            if draft is not None:
                result.drafts.append(draft)
            continue
        if columns.kinds:
            for col, cue in columns.kinds.items():
                amount = _number(_cell(values, col), hours=cue.type == "hours")
                if amount:
                    _accumulate(sums, draft_base, cue, amount, [col], result)
            continue
        if columns.grid:
            total = sum(_number(_cell(values, c), hours=True) or 0 for c in columns.grid)
            cue = title_cue or ctx.kind_hint or Cue("hours", 0, 0, "worked")
            if total:
                _accumulate(sums, draft_base, cue, total, columns.grid, result)
            continue
        hours_col = columns.first("hours")
        if hours_col is not None and ctx.kind_hint is not None:
            hours = _number(_cell(values, hours_col), hours=True)
            if hours:
                _accumulate(sums, draft_base, ctx.kind_hint, hours, [hours_col], result)
    result.drafts.extend(sums.values())
    return result


@dataclass
class _Person:
    match: Any
    name: str | None


@dataclass
class _Base:
    ctx: TableContext
    row: int
    values: tuple[Any, ...]
    texts: list[str]
    person: _Person
    title_period: str | None
    rate: float | None

    def draft(self, mutation_type: str, used_cols: list[int]) -> Draft:
        draft = Draft.for_match(mutation_type, self.person.match, self.person.name, part=self.ctx.part)
        filled = [i for i, t in enumerate(self.texts) if t]
        first, last = (min(filled), max(filled)) if filled else (0, 0)
        if self.ctx.is_sheet:
            prefix = f"{self.ctx.sheet}!" if self.ctx.sheet else ""
            draft.location = f"{prefix}{column_letter(first + 1)}{self.row}:{column_letter(last + 1)}{self.row}"
        else:
            draft.lines.append(self.row)
        draft.texts.append(" | ".join(t for t in self.texts if t))
        draft.certainty = 0.95
        return draft


def _person(values: tuple[Any, ...], columns: _Columns, ctx: TableContext) -> _Person | None:
    number_col, name_col = columns.first("number"), columns.first("name")
    number = _text(_cell(values, number_col)) if number_col is not None else ""
    name = _text(_cell(values, name_col)) if name_col is not None else ""
    if not name and columns.first("last_name") is not None:
        first = _text(_cell(values, columns.first("first_name"))) if columns.first("first_name") is not None else ""
        name = f"{first} {_text(_cell(values, columns.first('last_name')))}".strip()
    if not number and not name:
        return None
    if number and not re.fullmatch(r"\d{1,10}", number):
        number = ""
    match = ctx.index.resolve(number=number or None, name=name or None)
    if match is None and not name:
        return _Person(None, f"personeelsnummer {number}")
    return _Person(match, name or None)


def _cell(values: tuple[Any, ...], col: int | None) -> Any:
    if col is None or col >= len(values):
        return None
    return values[col]


def _number(value: Any, *, hours: bool = False) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.time):
        return value.hour + value.minute / 60 if hours else None
    text = re.sub(r"[€\s]|eur(?:o)?", "", str(value), flags=re.IGNORECASE)
    return parse_hours(text) if hours else parse_number(text)


def _date(value: Any, reference: dt.date) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and 20000 < value < 80000:
        # An Excel serial day number that lost its date format.
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = _text(value)
    for mention in find_dates(text):
        resolved = mention.resolve(reference, "nearest")
        if resolved:
            return resolved
    m = re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})", text)
    if m:
        try:
            return dt.date(reference.year, int(m.group(2)), int(m.group(1)))
        except ValueError:
            return None
    return None


def _period(value: Any, reference: dt.date) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}"
    months = find_months(_text(value), reference)
    if months:
        return months[0].period
    m = re.fullmatch(r"(\d{4})[-/](\d{1,2})", _text(value))
    return f"{m.group(1)}-{int(m.group(2)):02d}" if m else None


def _title_period(title: str, ctx: TableContext) -> str | None:
    months = find_months(title, ctx.reference)
    return months[0].period if months else None


def _row_mutation(values: tuple[Any, ...], columns: _Columns, base: _Base, result: TableResult) -> Draft | None:
    ctx = base.ctx
    kind_text = _text(_cell(values, columns.first("kind")))
    remark = _text(_cell(values, columns.first("remark"))) if columns.first("remark") is not None else ""
    cue = classify(kind_text)
    if cue is None:
        result.issues.append(Issue(severity="warning",
                                   message=f"{_where(base)}: onbekende mutatiesoort '{kind_text}' overgeslagen"))
        return None
    hours_col, amount_col, qty_col = columns.first("hours"), columns.first("amount"), columns.first("quantity")
    date = _date(_cell(values, columns.first("date")), ctx.reference) if columns.first("date") is not None else None
    period = _period(_cell(values, columns.first("period")), ctx.reference) \
        if columns.first("period") is not None else None
    quantity = _cell(values, qty_col) if qty_col is not None else None
    hours = _number(_cell(values, hours_col), hours=True) if hours_col is not None else None
    amount = _number(_cell(values, amount_col)) if amount_col is not None else None
    if quantity is not None:
        if cue.type in ("hours", "hours_change"):
            hours = hours if hours is not None else _number(quantity, hours=True)
        else:
            amount = amount if amount is not None else _number(quantity)
    used = [c for c in (hours_col, amount_col, qty_col) if c is not None]
    draft = base.draft(cue.type, used)
    if cue.type == "hours":
        if not hours:
            return None
        draft.set("hours", hours)
        draft.set("kind", cue.kind)
        rate = _RATE_RE.search(kind_text)
        if rate and cue.kind != "extra":
            draft.set("rate_percentage", float(rate.group(1)))
        elif base.rate and cue.kind in ("overtime",):
            draft.set("rate_percentage", base.rate)
        if date:
            draft.set("date", date)
        draft.set("period", period or (date and f"{date.year:04d}-{date.month:02d}") or base.title_period)
    elif cue.type in ("one_off_payment", "expense"):
        if amount is None:
            return None
        draft.set("amount", amount)
        draft.set("description", " - ".join(t for t in (kind_text, remark) if t))
        draft.set("period", period)
    elif cue.type == "salary_change":
        draft.set("effective_date", date)
        draft.set("salary_amount", amount)
        if amount is not None:
            period_word = salary_period_near(kind_text, 0) or salary_period_near(remark, 0)
            draft.set("salary_period", period_word or ("hour" if amount < 100 else "month"))
    elif cue.type == "hours_change":
        draft.set("effective_date", date)
        draft.set("hours_per_week", hours)
    elif cue.type == "sick":
        draft.set("start_date", date)
        pct = find_percentages(kind_text + " " + remark)
        draft.set("percentage", pct[0].value if pct else 100)
    elif cue.type == "recovery":
        draft.set("date", date)
        pct = find_percentages(kind_text + " " + remark)
        draft.set("percentage", pct[0].value if pct else 100)
    elif cue.type == "termination":
        draft.set("end_date", date)
    elif cue.type == "hire":
        draft.set("start_date", date)
        draft.employee = None
    else:
        result.issues.append(Issue(severity="warning",
                                   message=f"{_where(base)}: '{kind_text}' graag als tekst in de mail toelichten"))
        return None
    return draft


def _accumulate(sums: dict[tuple[str, str], Draft], base: _Base, cue: Cue, value: float, cols: list[int],
                result: TableResult) -> None:
    draft = base.draft(cue.type, cols)
    key = (draft.person_key if draft.employee or draft.candidates else f"name:{fold(base.person.name or '')}",
           f"{cue.type}:{cue.kind}")
    existing = sums.get(key)
    if cue.type == "hours":
        draft.set("hours", value)
        draft.set("kind", cue.kind)
        if base.rate and cue.kind == "overtime":
            draft.set("rate_percentage", base.rate)
        draft.set("period", base.title_period)
    else:
        draft.set("amount", value)
    if existing is None:
        sums[key] = draft
        return
    field_name = "hours" if cue.type == "hours" else "amount"
    existing.fields[field_name] = round(existing.fields[field_name] + value, 2)
    existing.texts.extend(t for t in draft.texts if t not in existing.texts)
    if base.ctx.is_sheet and existing.location and draft.location:
        sheet_part, _, first_range = existing.location.rpartition("!")
        start = first_range.split(":")[0]
        end = draft.location.rpartition("!")[2].split(":")[1]
        existing.location = f"{sheet_part}!{start}:{end}" if sheet_part else f"{start}:{end}"
    else:
        existing.lines.extend(draft.lines)


def _where(base: _Base) -> str:
    if base.ctx.is_sheet:
        return f"{base.ctx.sheet or 'blad'} rij {base.row}"
    return f"regel {base.row}"


def add_drafts(drafts: DraftSet, result: TableResult) -> None:
    for draft in result.drafts:
        drafts.drafts.append(draft)
