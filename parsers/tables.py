"""Rows of cells to drafts: mutation sheets, hour grids, and tables pasted in a mail.

`parsers.sheet_header` finds the header and what each column holds; this module reads
the rows under it. The layouts payroll mail uses:

- one mutation per row, its kind in a column ("Overuren 125%", "Declaratie", "Ziek");
- a column per kind ("Gewerkte uren", "ORT-uren", "125%"), rows per week summed;
- an hour grid (a column per week or day) summed per row, the kind from the title;
- a column per person, rows per day, summed per person;
- dates in columns named for what starts or ends ("Ziek vanaf", "Hersteld per");
- a sheet of new people with their BSN, birth date, address, salary.

Hours of one person and kind are summed over the sheet (one mutation each, as payroll
enters them). Title rows name the month ("Overuren juni 2026") and sometimes the kind.
Totals rows, empty rows, example rows, rejected rows and instruction sheets are skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from parsers.cues import Cue, classify, classify_cell, find_cues
from parsers.dates import find_dates, find_months
from parsers.drafts import Draft
from parsers.extract import PERIOD_WORDS, Facts, contract_hours, rate_of, salary
from parsers.models import Issue
from parsers.numbers import NUMBER_RE, find_percentages, parse_hours, parse_number
from parsers.pairs import fill_pair, name_part, pair_field
from parsers.people import Match, RosterIndex, fold
from parsers.sheet_header import Layout, Row, find_layout, header_key
from parsers.spreadsheets import column_letter
from parsers.values import salary_period_near

# A totals row names itself in one of its cells ("Totaal", "Total hours").
_TOTAL_ROW_RE = re.compile(r"(?:^|\| )\s*(?:sub)?(?:totaal|totalen|total|totals|som|sum|grand total|eindtotaal)\b",
                           re.I)
_EXAMPLE_RE = re.compile(r"\b(?:voorbeeld\w*|example|bijvoorbeeld|sample|dummy)\b", re.IGNORECASE)
_REJECTED_RE = re.compile(r"^(?:rejected|afgewezen|afgekeurd|declined|geweigerd|nee|no|niet akkoord|open|pending|"
                          r"in behandeling|concept|draft)$", re.IGNORECASE)
_INSTRUCTION_SHEET_RE = re.compile(r"instructie|instructions?|toelichting|uitleg|voorbeeld|example|lijsten|lists|"
                                   r"keuzelijst|readme|help|info|codes|legenda|legend|settings|instellingen",
                                   re.IGNORECASE)
_RATE_RE = re.compile(r"(\d{3})\s*%")
_HALF_RE = re.compile(r"\bhalve\s+dag|\bhalf\s+days?|\bhalftime\b", re.IGNORECASE)


@dataclass
class TableContext:
    index: RosterIndex
    reference: dt.date
    part: str
    sheet: str = ""
    period_hint: str | None = None  # the mail's month, when the sheet names none
    kind_hint: Cue | None = None  # from the mail: "Hierbij de overuren van juni", "Declaraties september"
    rate_hint: float | None = None
    is_sheet: bool = True  # cell references for sheets, line numbers for pasted tables


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
    if isinstance(value, dt.date):
        return None
    text = re.sub(r"[€\s]|eur(?:o)?", "", str(value), flags=re.IGNORECASE)
    parsed = parse_hours(text) if hours else parse_number(text)
    if parsed is None:
        # "€ 13,10 p/u", "9,5 uur": the number in a cell that says a little more.
        found = NUMBER_RE.search(str(value))
        parsed = parse_number(found.group()) if found else None
    return parsed


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
    m = re.search(r"(?<![\d/.-])(\d{1,2})[-/.](\d{1,2})(?![\d/.-])", text)
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


@dataclass
class _Row:
    """One data row and what every draft made from it shares."""

    ctx: TableContext
    number: int
    values: tuple[Any, ...]
    texts: list[str]
    match: Match | None
    name: str | None

    def draft(self, mutation_type: str) -> Draft:
        draft = Draft.for_match(mutation_type, self.match, self.name, part=self.ctx.part)
        filled = [i for i, t in enumerate(self.texts) if t]
        first, last = (min(filled), max(filled)) if filled else (0, 0)
        if self.ctx.is_sheet:
            prefix = f"{self.ctx.sheet}!" if self.ctx.sheet else ""
            draft.location = f"{prefix}{column_letter(first + 1)}{self.number}:{column_letter(last + 1)}{self.number}"
        else:
            draft.lines.append(self.number)
        draft.texts.append(" | ".join(t for t in self.texts if t))
        draft.certainty = 0.95
        return draft

    def where(self) -> str:
        return f"{self.ctx.sheet or 'blad'} rij {self.number}" if self.ctx.is_sheet else f"regel {self.number}"


@dataclass
class _Sums:
    """Hours and amounts of one person and kind, added up over the rows of a sheet."""

    drafts: dict[tuple[Any, ...], Draft] = field(default_factory=dict)
    rows: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def add(self, row: _Row, cue: Cue, value: float, *, rate: float | None, period: str | None,
            date: dt.date | None = None) -> None:
        draft = row.draft(cue.type)
        person = draft.person_key if draft.employee or draft.candidates else f"name:{fold(row.name or '')}"
        key = (person, cue.type, cue.kind, rate, period)
        field_name = "hours" if cue.type == "hours" else "amount"
        existing = self.drafts.get(key)
        if existing is None:
            draft.set(field_name, value)
            if cue.type == "hours":
                draft.set("kind", cue.kind)
                draft.set("rate_percentage", rate)
                draft.set("date", date)
            draft.set("period", period)
            self.drafts[key] = draft
            self.rows[key] = 1
            return
        existing.fields[field_name] = round(existing.fields[field_name] + value, 2)
        existing.fields.pop("date", None)  # a sum of several days has no single date
        self.rows[key] += 1
        existing.texts.extend(t for t in draft.texts if t not in existing.texts)
        if existing.location and draft.location:
            sheet, _, first = existing.location.rpartition("!")
            end = draft.location.rpartition("!")[2].split(":")[1]
            start = first.split(":")[0]
            existing.location = f"{sheet}!{start}:{end}" if sheet else f"{start}:{end}"
        else:
            existing.lines.extend(draft.lines)


def read_rows(rows: Sequence[Row], ctx: TableContext) -> TableResult:
    """Drafts from one sheet or pasted table."""
    result = TableResult()
    if ctx.sheet and _INSTRUCTION_SHEET_RE.search(ctx.sheet):
        return result
    title_rows = rows[:30]
    title_text = " ".join(_text(v) for _, values in title_rows[:3] for v in values if isinstance(v, str))
    title_cue = next((c for c in find_cues(title_text) if c.type == "hours"), None)
    form = _read_form(rows, ctx)
    if form is not None:
        result.drafts.append(form)
        result.found_header = True
        return result
    layout = find_layout(rows, ctx.index, title_cue or (ctx.kind_hint if ctx.kind_hint and
                                                       ctx.kind_hint.type == "hours" else None))
    if layout is None:
        result.found_header = _read_person_sheet(rows, ctx, title_cue, result)
        return result
    result.found_header = True
    title = " ".join(_text(v) for _, values in rows[:layout.position] for v in values if v is not None)
    months = find_months(title, ctx.reference)
    period = months[0].period if months else None
    rate_match = _RATE_RE.search(title)
    rate = float(rate_match.group(1)) if rate_match else ctx.rate_hint
    title_cue = next((c for c in find_cues(title) if c.type == "hours"), None) or title_cue
    if layout.people:
        _read_person_columns(rows[layout.position + 1:], layout, ctx, period, title_cue, result)
        return result
    sums = _Sums()
    people: dict[tuple[Any, ...], tuple[Match | None, str | None] | None] = {}
    for number, values in rows[layout.position + 1:]:
        texts = [_text(v) for v in values]
        words = " | ".join(t for t in texts if t and not t[0].isdigit())
        if not words and not any(texts):
            continue
        if _TOTAL_ROW_RE.search(words) or _EXAMPLE_RE.search(words):
            continue
        status = _text(_cell(values, layout.col("status")))
        if status and _REJECTED_RE.match(status):
            continue
        key = tuple(_cell(values, layout.col(r)) for r in ("number", "name", "first_name", "last_name"))
        if key not in people:
            people[key] = _person(values, layout, ctx)
        person = people[key]
        if person is None:
            continue
        row = _Row(ctx, number, values, texts, *person)
        _read_row(row, layout, period, title_cue, rate, sums, result)
    result.drafts.extend(sums.drafts.values())
    return result


def _person(values: tuple[Any, ...], layout: Layout, ctx: TableContext) -> tuple[Match | None, str | None] | None:
    number = _text(_cell(values, layout.col("number")))
    name = _text(_cell(values, layout.col("name")))
    if not name and layout.col("last_name") is not None:
        name = f"{_text(_cell(values, layout.col('first_name')))} {_text(_cell(values, layout.col('last_name')))}"
        name = name.strip()
    if not number and not name:
        return None
    if number and not re.fullmatch(r"\d{1,10}", number):
        number = ""
    match = ctx.index.resolve(number=number or None, name=name or None)
    if match is None and not name:
        return None, f"personeelsnummer {number}"
    return match, name or None


def _read_row(row: _Row, layout: Layout, period: str | None, title_cue: Cue | None, rate: float | None,
              sums: _Sums, result: TableResult) -> None:
    values, ctx = row.values, row.ctx
    if layout.hire:
        _read_hire_row(row, layout, result)
        return
    if layout.type_dates:
        _read_type_dates(row, layout, result)
    if layout.col("kind") is not None and _text(_cell(values, layout.col("kind"))):
        _read_kind_row(row, layout, period, rate, sums, result)
        return
    if layout.kinds:
        for col, (cue, column_rate) in layout.kinds.items():
            amount = _number(_cell(values, col), hours=cue.type == "hours")
            if amount:
                row_period = _period(_cell(values, layout.col("period")), ctx.reference)
                sums.add(row, cue, amount, rate=column_rate,
                         period=(row_period or period) if cue.type == "hours" else row_period)
        return
    if layout.grid:
        total = sum(_number(_cell(values, c), hours=True) or 0 for c in layout.grid)
        cue = title_cue or ctx.kind_hint or Cue("hours", 0, 0, "worked")
        if total:
            sums.add(row, cue, total, rate=rate if cue.kind == "overtime" else None, period=period)
        return
    if layout.type_dates:
        return
    _read_by_hint(row, layout, period, rate, sums)


def _read_by_hint(row: _Row, layout: Layout, period: str | None, rate: float | None, sums: _Sums) -> None:
    """Rows without a kind, under a mail that says what they are ("Declaraties september")."""
    remark = classify(_text(_cell(row.values, layout.col("remark"))))
    hint = remark if remark is not None and remark.type == "hours" else row.ctx.kind_hint
    if hint is None:
        return
    if hint.type == "hours":
        hours = _number(_cell(row.values, layout.col("hours")), hours=True)
        date = _date(_cell(row.values, layout.col("date")), row.ctx.reference)
        if hours:
            row_period = period or (date and f"{date.year:04d}-{date.month:02d}")
            sums.add(row, hint, hours, rate=rate if hint.kind == "overtime" else None, period=row_period, date=date)
    elif hint.type in ("one_off_payment", "expense"):
        amount = _number(_cell(row.values, layout.col("amount") or layout.col("quantity")))
        if amount:
            draft = row.draft(hint.type)
            draft.set("amount", amount)
            draft.set("description", _text(_cell(row.values, layout.col("remark"))) or None)
            draft.set("period", _period(_cell(row.values, layout.col("period")), row.ctx.reference))
            sums.drafts[(id(draft),)] = draft


def _read_kind_row(row: _Row, layout: Layout, period: str | None, rate: float | None, sums: _Sums,
                   result: TableResult) -> None:
    values, ctx = row.values, row.ctx
    kind_text = " ".join(t for t in (_text(_cell(values, c)) for c in [layout.col("kind"), *layout.more_kinds]) if t)
    remark = _text(_cell(values, layout.col("remark")))
    cue = classify_cell(kind_text) or classify(remark)
    hours = _number(_cell(values, layout.col("hours")), hours=True)
    amount = _number(_cell(values, layout.col("amount")))
    quantity = _cell(values, layout.col("quantity"))
    if cue is None and ctx.kind_hint is not None and (amount or hours or quantity):
        # "Travel", "Tools" under a mail about expense claims: the mail says what they are.
        cue = ctx.kind_hint
    if cue is None:
        result.issues.append(Issue(severity="warning",
                                   message=f"{row.where()}: onbekende mutatiesoort '{kind_text}' overgeslagen"))
        return
    if amount is None and hours is None and quantity is None and remark:
        # "monthly gross €3,450 (was €3,250)" in a details column.
        facts = Facts.of(remark)
        if cue.type == "salary_change":
            amount = salary(facts)[0]
        elif facts.amounts:
            amount = facts.amounts[-1].value
    if hours is None and amount is None and quantity is None and layout.grid and cue.type == "hours":
        # "OT 1.5x | 4 | 2.5 | 0 | 3": a kind per row, its hours per week in columns.
        hours = sum(_number(_cell(values, c), hours=True) or 0 for c in layout.grid) or None
    if quantity is not None:
        if cue.type in ("hours", "hours_change"):
            hours = hours if hours is not None else _number(quantity, hours=True)
        else:
            amount = amount if amount is not None else _number(quantity)
    date = _date(_cell(values, layout.col("date")), ctx.reference)
    row_period = _period(_cell(values, layout.col("period")), ctx.reference)
    if cue.type == "hours":
        if hours:
            row_rate = rate_of(kind_text, find_percentages(kind_text)) or (rate if cue.kind == "overtime" else None)
            hours_period = row_period or (date and f"{date.year:04d}-{date.month:02d}") or period
            sums.add(row, cue, hours, rate=None if cue.kind == "extra" else row_rate, period=hours_period,
                     date=date)
        return
    draft = _kind_draft(row, layout, cue, kind_text, remark, date, row_period, hours, amount, result)
    if draft is not None:
        result.drafts.append(draft)


def _kind_draft(row: _Row, layout: Layout, cue: Cue, kind_text: str, remark: str, date: dt.date | None,
                period: str | None, hours: float | None, amount: float | None, result: TableResult) -> Draft | None:
    draft = row.draft(cue.type)
    if cue.type in ("one_off_payment", "expense"):
        if amount is None:
            return None
        draft.set("amount", amount)
        draft.set("description", " - ".join(t for t in (kind_text, remark) if t))
        draft.set("period", period)
    elif cue.type == "salary_change":
        draft.set("effective_date", date)
        draft.set("salary_amount", amount)
        if amount is not None:
            draft.set("salary_period", _salary_period(kind_text, remark, amount))
    elif cue.type == "hours_change":
        draft.set("effective_date", date)
        draft.set("hours_per_week", hours)
    elif cue.type in ("sick", "recovery"):
        draft.set("start_date" if cue.type == "sick" else "date", date)
        column = _number(_cell(row.values, layout.col("percentage")))
        draft.set("percentage", column if column and 0 < column <= 100 else _percentage(row, kind_text, remark))
    elif cue.type == "termination":
        draft.set("end_date", date)
    elif cue.type == "hire":
        draft.set("start_date", date)
        draft.employee = None
        # "nieuw in dienst, junior kapper, 24 uur p/w": the words beside the kind.
        parts = [p.strip() for p in re.split(r"[,;/]", f"{kind_text},{remark}") if p.strip()]
        title = next((p for p in parts if not re.search(r"\d", p) and not find_cues(p)), None)
        draft.set("job_title", title)
        draft.set("hours_per_week", contract_hours(Facts.of(f"{kind_text} {remark}")))
        if amount is not None:
            draft.set("salary_amount", amount)
            draft.set("salary_period", _salary_period(kind_text, remark, amount))
    else:
        result.issues.append(Issue(severity="warning",
                                   message=f"{row.where()}: '{kind_text}' graag als tekst in de mail toelichten"))
        return None
    return draft


def _salary_period(kind_text: str, remark: str, amount: float) -> str:
    words = f"{kind_text} {remark}"
    return salary_period_near(kind_text, 0) or salary_period_near(remark, 0) or \
        next((p for p, pattern in PERIOD_WORDS if pattern.search(words)), None) or \
        ("hour" if amount < 100 else "month")


def _percentage(row: _Row, *texts: str) -> float:
    found = find_percentages(" ".join(texts))
    if found:
        return found[0].value
    return 50 if _HALF_RE.search(" ".join(texts)) else 100


def _read_type_dates(row: _Row, layout: Layout, result: TableResult) -> None:
    """"Ziek vanaf" and "Hersteld per" columns: a date there is that report."""
    for col, mutation_type in layout.type_dates.items():
        date = _date(_cell(row.values, col), row.ctx.reference)
        if date is None:
            continue
        draft = row.draft(mutation_type)
        field_name = {"sick": "start_date", "recovery": "date", "termination": "end_date",
                      "hire": "start_date"}[mutation_type]
        draft.set(field_name, date)
        if mutation_type in ("sick", "recovery"):
            pct = _number(_cell(row.values, layout.type_percentages.get(mutation_type, layout.col("percentage"))))
            remark = _text(_cell(row.values, layout.col("remark")))
            draft.set("percentage", pct if pct and 0 < pct <= 100 else _percentage(row, remark))
        result.drafts.append(draft)


def _read_hire_row(row: _Row, layout: Layout, result: TableResult) -> None:
    """A row of a sheet of new people: one hire each, or new details for someone known."""
    known = row.match is not None and row.match.employee is not None
    draft = row.draft("personal_data_change" if known else "hire")
    if not known:
        draft.employee = None
    for col, label in layout.hire.items():
        value = _cell(row.values, col)
        if value is None or _text(value) == "":
            continue
        if isinstance(value, dt.datetime):
            value = value.date()
        text = value.isoformat() if isinstance(value, dt.date) else _text(value)
        fill_pair(draft, label, text, row.ctx.reference)
    hours = _number(_cell(row.values, layout.col("hours")), hours=True)
    if hours and draft.type == "hire":
        draft.set("hours_per_week", hours)
    if draft.fields:
        result.drafts.append(draft)


def _read_person_columns(rows: Sequence[Row], layout: Layout, ctx: TableContext, period: str | None,
                         title_cue: Cue | None, result: TableResult) -> None:
    """A column per person: rows per day summed, or rows per kind ("Meeruren", "Bonus (€)")."""
    default = title_cue or (ctx.kind_hint if ctx.kind_hint and ctx.kind_hint.type == "hours" else None) or \
        Cue("hours", 0, 0, "worked")
    kind_col = layout.col("kind")
    sums: dict[tuple[int, Cue], tuple[float, list[int]]] = {}
    for number, values in rows:
        texts = [_text(v) for v in values]
        if _TOTAL_ROW_RE.search(" | ".join(t for t in texts if t and not t[0].isdigit())):
            continue
        cue = classify_cell(_text(_cell(values, kind_col))) if kind_col is not None else default
        if cue is None or cue.type not in ("hours", "one_off_payment", "expense"):
            continue
        for col in layout.people:
            value = _number(_cell(values, col), hours=cue.type == "hours")
            if value:
                total, used = sums.get((col, cue), (0.0, []))
                sums[(col, cue)] = (total + value, [*used, number])
    for (col, cue), (total, used) in sums.items():
        name = layout.people[col]
        match = ctx.index.resolve_name(name)
        draft = Draft.for_match(cue.type, match if match and match.score >= 0.8 else None, name, part=ctx.part)
        letter = column_letter(col + 1)
        if ctx.is_sheet:
            prefix = f"{ctx.sheet}!" if ctx.sheet else ""
            draft.location = f"{prefix}{letter}{used[0]}:{letter}{used[-1]}"
        else:
            draft.lines.extend(used)
        draft.texts.append(f"{name}: {total:g}")
        draft.certainty = 0.9
        if cue.type == "hours":
            draft.set("hours", round(total, 2))
            draft.set("kind", cue.kind)
            draft.set("period", period)
        else:
            draft.set("amount", round(total, 2))
        result.drafts.append(draft)


def _form_pairs(rows: Sequence[Row]) -> list[tuple[int, str, Any]]:
    """(row, label, value) for rows that read "Label | value", as on a new-starter form."""
    pairs = []
    for number, values in rows:
        cells = [v for v in values if v is not None and _text(v)]
        if len(cells) >= 2 and isinstance(cells[0], str):
            pairs.append((number, cells[0].strip().rstrip(":"), cells[1]))
    return pairs


def _read_form(rows: Sequence[Row], ctx: TableContext) -> Draft | None:
    """A sheet of labels and values about one person: a hire, or new details for someone known."""
    pairs = _form_pairs(rows[:80])
    known = [(n, label, value) for n, label, value in pairs if pair_field(label) or name_part(label)]
    if len(known) < 4 or len(known) < len(pairs) * 0.6:
        return None
    parts: dict[str, str] = {}
    for _, label, value in known:
        part = name_part(label) or ("full" if pair_field(label) == "name" else None)
        if part:
            parts[part] = _text(value)
    name = parts.get("full") or " ".join(p for p in (parts.get("first"), parts.get("prefix"), parts.get("last")) if p)
    match = ctx.index.resolve_name(name) if name else None
    employee = match.employee if match is not None and match.score >= 0.9 else None
    draft = Draft.for_match("personal_data_change" if employee else "hire", match if employee else None,
                            None if employee else (name or None), part=ctx.part)
    for _, label, value in known:
        if pair_field(label) in (None, "name"):
            continue
        if isinstance(value, dt.datetime):
            value = value.date()
        fill_pair(draft, label, value.isoformat() if isinstance(value, dt.date) else _text(value), ctx.reference)
        if pair_field(label) == "hours_per_week" and draft.type == "hire" and "hours_per_week" not in draft.fields:
            draft.set("hours_per_week", _number(value, hours=True))
    first, last = known[0][0], known[-1][0]
    draft.location = f"{ctx.sheet}!A{first}:B{last}" if ctx.is_sheet and ctx.sheet else f"A{first}:B{last}"
    draft.texts.append("; ".join(f"{label}: {_text(value)}" for _, label, value in known))
    draft.certainty = 0.9
    return draft if draft.fields else None


_PERSON_TITLE_RE = re.compile(r"^(?:medewerker|werknemer|employee|naam|name|staff|docent|teacher)\s*:?$", re.IGNORECASE)


def _read_person_sheet(rows: Sequence[Row], ctx: TableContext, title_cue: Cue | None, result: TableResult) -> bool:
    """A workbook with a sheet per person: the sheet (or its "Medewerker:" line) says who, rows hold hours."""
    name = next((_text(values[1]) for _, values in rows[:8]
                 if len(values) > 1 and isinstance(values[0], str) and _PERSON_TITLE_RE.match(values[0].strip())),
                None) or ctx.sheet
    match = ctx.index.resolve_name(name) if name else None
    if match is None or match.employee is None or match.score < 0.8:
        return False
    header = next(((i, values) for i, (_, values) in enumerate(rows[:30])
                   if any(header_key(_text(v)) in ("uren", "hours", "aantal uren", "uur", "hrs") for v in values)),
                  None)
    if header is None:
        return False
    position, values = header
    hours_col = next(c for c, v in enumerate(values) if header_key(_text(v)) in ("uren", "hours", "aantal uren", "uur",
                                                                                  "hrs"))
    title = " ".join(_text(v) for _, vs in rows[:position] for v in vs if isinstance(v, str))
    months = find_months(f"{title} {ctx.sheet}", ctx.reference)
    cue = title_cue or (ctx.kind_hint if ctx.kind_hint and ctx.kind_hint.type == "hours" else None) or \
        Cue("hours", 0, 0, "worked")
    sums = _Sums()
    for number, row_values in rows[position + 1:]:
        texts = [_text(v) for v in row_values]
        if _TOTAL_ROW_RE.search(" | ".join(t for t in texts if t and not t[0].isdigit())):
            continue
        hours = _number(_cell(row_values, hours_col), hours=True)
        if hours:
            row = _Row(ctx, number, row_values, texts, match, None)
            sums.add(row, cue, hours, rate=None, period=months[0].period if months else ctx.period_hint)
    result.drafts.extend(sums.drafts.values())
    return True
