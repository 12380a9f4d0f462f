"""Where a table's header row is and what each of its columns holds.

Found by what the cells say, in Dutch and English ("Pnr", "Pers.nr.", "employee_number",
"Soort mutatie", "Uren", "Bedrag", "Wk 23", "125%", "Ziek vanaf", "Geb.datum" …), never by
position, after any title rows. The result is a `Layout`: the columns' roles, the columns
that each hold one kind of hours or payment, an hour grid, columns that are each one
person, and dates whose column says what started or ended.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from parsers.cues import Cue, classify, find_cues
from parsers.pairs import pair_field
from parsers.people import RosterIndex, fold

Row = tuple[int, tuple[Any, ...]]

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": ("pnr", "personeelsnummer", "personeelsnr", "persnr", "pers nr", "nr", "nummer", "employee no",
               "employee number", "employee nr", "emp no", "empno", "id", "medewerkernummer", "werknemernummer",
               "personnel number", "staff number", "staff no", "code medewerker", "mw nr", "mwnr", "personeels nr",
               "employee id", "medewerker nr", "medewerkernr", "registratienummer", "stamnr", "stamnummer",
               "staff id", "badge", "badge nr"),
    "name": ("naam", "name", "medewerker", "werknemer", "employee", "naam medewerker", "naam werknemer", "teacher",
             "docent", "worker", "driver", "chauffeur", "colleague", "collega",
             "employee name", "volledige naam", "full name", "personeelslid", "werknemer naam", "medewerker naam",
             "staff member", "staff", "wie"),
    "first_name": ("voornaam", "first name", "roepnaam", "firstname"),
    "last_name": ("achternaam", "last name", "surname", "lastname", "familienaam"),
    "kind": ("soort mutatie", "mutatie", "soort", "omschrijving", "type", "description", "kind", "mutation",
             "change type", "type of change", "mutation type", "soort wijziging", "wijziging", "pay code", "paycode",
             "shift type", "shift", "dienst", "soort dienst", "type dienst", "bonus type", "type of bonus",
             "expense type", "soort bonus", "soort declaratie", "award", "component type", "melding",
             "soort melding", "type melding", "verzuim", "soort verzuim",
             "looncomponent", "component", "wat", "what", "mutatiesoort", "type mutatie", "change", "item",
             "categorie", "category", "soort uren", "looncode", "code", "onderwerp", "subject", "reden"),
    "date": ("datum", "ingangsdatum", "date", "effective date", "per", "datum ingang", "ingang", "vanaf", "from",
             "as of", "start", "datum vanaf", "week commencing", "week beginning",
             "with effect from", "begindatum", "dag", "day", "wanneer", "when", "datum mutatie"),
    "hours": ("uren", "aantal", "aantal uren", "hours", "qty", "quantity", "uur", "hrs", "number of hours",
              "aantal uur", "uren decimaal", "aantal (uren)", "aantal uren decimaal", "hours week",
              "hours per week", "uren per week", "uren week", "contracturen", "contract hours", "uren pw"),
    "amount": ("bedrag", "amount", "euro", "bedrag eur", "amount eur", "bedrag €", "eur", "bedrag in euro",
               "brutobedrag", "gross amount", "bedrag bruto", "totaalbedrag", "bedrag incl btw", "kosten", "costs"),
    "quantity": ("aantal bedrag", "aantal of bedrag", "uren bedrag", "hours amount", "aantal uren bedrag",
                 "waarde", "value", "aantal euro"),
    "period": ("periode", "maand", "period", "month", "loonperiode", "verloningsperiode", "pay period",
               "salarisperiode", "boekmaand", "payroll month", "pay month", "salary month", "loonmaand",
               "uitbetaalmaand", "payroll period", "pay run", "payroll run"),
    "remark": ("opmerking", "opmerkingen", "toelichting", "remarks", "remark", "notes", "note", "comment",
               "comments", "bijzonderheden", "details", "reason"),
    "percentage": ("percentage", "%", "perc", "pct", "arbeidsongeschiktheid", "mate", "ao percentage",
                   "ao %", "ziektepercentage", "herstelpercentage"),
    "total": ("totaal", "total", "som", "sum", "totaal uren", "total hours", "tot"),
    "week": ("week", "wk", "weeknummer", "week nr", "weeknr", "week number"),
    "status": ("status", "goedgekeurd", "approved", "akkoord", "state"),
}
_SYNONYM_ROLE = {key: role for role, words in _SYNONYMS.items() for key in words}
_GRID_RE = re.compile(r"^(?:wk|week|w)\s*\.?\s*\d{1,2}$|^(?:ma|di|wo|do|vr|za|zo|mon|tue|wed|thu|fri|sat|sun)"
                      r"(?:\s+\d{1,2}(?:[-/]\d{1,2})?)?$|^\d{1,2}$|^\d{1,2}[-/]\d{1,2}$", re.IGNORECASE)
# "W/E 14 Mar", "Week ending 7 March", "wk van 3-3": a column of one week.
_WEEK_ENDING_RE = re.compile(r"^(?:w/?e|week\s+ending|wk\s+ending|week\s+of|week\s+van|wk\s+van)\b", re.IGNORECASE)
_RATE_ONLY_RE = re.compile(r"^\s*(?:toeslag\s*)?(\d{3})\s*%\s*$")
_RATE_RE = re.compile(r"(\d{3})\s*%")
# A date column named after what starts or ends on it ("Ziek vanaf", "Hersteld per").
_DATE_WORD_RE = re.compile(r"\b(?:vanaf|per|datum|date|sinds|since|from|op|on|dag|day|start|begin|eind)\b",
                           re.IGNORECASE)
_CONTRACT_HOURS_RE = re.compile(r"per\s*week|/\s*w(?:ee)?k|p/?w\b|contract|salaris|salary", re.IGNORECASE)
_HIRE_ROLES = {"bsn", "birth_date", "iban", "email", "phone", "postcode_city", "address", "contract_end_date",
               "start_date", "salary", "hours_per_week", "job_title"}


def header_key(text: str) -> str:
    """A header cell compared without case, accents, punctuation or underscores."""
    key = fold(text).replace("_", " ")
    key = re.sub(r"\(.*?\)", lambda m: m.group(0) if "%" in m.group(0) else " ", key)
    key = re.sub(r"[^\w%€ ]+", " ", key)
    return " ".join(key.split())


@dataclass
class Layout:
    position: int  # index of the header row in the rows given
    roles: dict[str, int] = field(default_factory=dict)  # role → column
    kinds: dict[int, tuple[Cue, float | None]] = field(default_factory=dict)  # column → kind and rate
    grid: list[int] = field(default_factory=list)
    people: dict[int, str] = field(default_factory=dict)  # column → a person's name (a sheet per person)
    type_dates: dict[int, str] = field(default_factory=dict)  # column → mutation type whose date it holds
    hire: dict[int, str] = field(default_factory=dict)  # column → its label, for a sheet of new people
    more_kinds: list[int] = field(default_factory=list)  # further columns that say what a row is
    type_percentages: dict[str, int] = field(default_factory=dict)  # mutation type → its percentage column

    def col(self, role: str) -> int | None:
        return self.roles.get(role)

    @property
    def has_person(self) -> bool:
        return any(r in self.roles for r in ("number", "name", "last_name")) or bool(self.people)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_header(values: tuple[Any, ...], title_cue: Cue | None, index: RosterIndex) -> Layout:
    layout = Layout(0)
    hire_candidates: dict[int, str] = {}
    for col, value in enumerate(values):
        text = _text(value)
        if not text or len(text) > 60 or not isinstance(value, str):
            if isinstance(value, int | float) and 1 <= value <= 53 and float(value).is_integer():
                layout.grid.append(col)
            continue
        key = header_key(text)
        role = _SYNONYM_ROLE.get(key) or next(
            (_SYNONYM_ROLE[header_key(part)] for part in text.split("/") if header_key(part) in _SYNONYM_ROLE), None)
        if role == "kind" and "kind" in layout.roles:
            # "Code" and "Omschrijving" both say what the row is.
            layout.more_kinds.append(col)
            continue
        if role and role not in layout.roles:
            layout.roles[role] = col
            continue
        cues = find_cues(text)
        type_cue = next((c for c in cues if c.type in ("sick", "recovery", "termination", "hire")), None)
        if type_cue and "%" in text:
            # "% ziek", "% hersteld": the percentage that goes with that report's date.
            layout.type_percentages[type_cue.type] = col
            continue
        if type_cue and (_DATE_WORD_RE.search(text) or len(key.split()) <= 2):
            layout.type_dates[col] = type_cue.type
            continue
        hire_field = pair_field(text)
        if hire_field in _HIRE_ROLES:
            hire_candidates[col] = text
        if _GRID_RE.match(text) or _GRID_RE.match(key) or _WEEK_ENDING_RE.match(text):
            layout.grid.append(col)
            continue
        rate = _RATE_ONLY_RE.match(text)
        if rate:
            cue = title_cue or Cue("hours", 0, 0, "overtime")
            layout.kinds[col] = (cue, float(rate.group(1)))
            continue
        cue = classify(text)
        if cue and cue.type in ("hours", "one_off_payment", "expense") and not _CONTRACT_HOURS_RE.search(text):
            found = _RATE_RE.search(text)
            layout.kinds[col] = (cue, float(found.group(1)) if found else None)
            continue
        match = index.resolve_name(text)
        if match is not None and match.employee is not None and match.score >= 0.8:
            layout.people[col] = text
    if len(hire_candidates) >= 3:
        layout.hire = hire_candidates
    if layout.people and not any(r in layout.roles for r in ("number", "name")) and \
            any(r in layout.roles for r in ("date", "week", "total", "kind")):
        # Columns per person: names that are not on the roster count too, beside those that are.
        for col, value in enumerate(values):
            text = _text(value)
            if col not in layout.people and isinstance(value, str) and _looks_like_name(text) and \
                    col not in layout.roles.values():
                layout.people[col] = text
    else:
        layout.people = {}
    return layout


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 4 and words[0][:1].isupper() and words[-1][:1].isupper() and \
        not any(ch.isdigit() for ch in text) and header_key(text) not in _SYNONYM_ROLE


def _name_column_by_values(rows: Sequence[Row], layout: Layout, index: RosterIndex) -> int | None:
    """A column whose cells are mostly names on the roster, whatever its header says ("Teacher")."""
    taken = set(layout.roles.values()) | set(layout.kinds) | set(layout.grid)
    below = [values for _, values in rows[layout.position + 1:layout.position + 12]]
    for col in range(max((len(v) for v in below), default=0)):
        if col in taken:
            continue
        cells = [v[col] for v in below if col < len(v) and isinstance(v[col], str) and v[col].strip()]
        found = [index.resolve_name(c) for c in cells]
        if cells and sum(1 for m in found if m is not None and m.score >= 0.8) >= max(2, len(cells) // 2):
            return col
    return None


def _with_sub_header(rows: Sequence[Row], position: int) -> tuple[Any, ...] | None:
    """"Uren" over "Meer 100% | Over 125% | Over 150%": a header on two rows, merged into one."""
    if position + 1 >= len(rows):
        return None
    top, below = rows[position][1], rows[position + 1][1]
    subs = [v for v in below if isinstance(v, str) and len(v) <= 25 and (_RATE_RE.search(v) or classify(v))]
    if len(subs) < 2 or any(isinstance(v, int | float) and not isinstance(v, bool) for v in below):
        return None
    # Under a merged cell the first column is empty and the top row has gaps the row below fills.
    gaps = [i for i, v in enumerate(below) if v not in (None, "") and (i >= len(top) or top[i] in (None, ""))]
    if (below and below[0] not in (None, "")) or not gaps:
        return None
    width = max(len(top), len(below))
    return tuple((below[i] if i < len(below) and below[i] not in (None, "") else (top[i] if i < len(top) else None))
                 for i in range(width))


def find_layout(rows: Sequence[Row], index: RosterIndex, title_cue: Cue | None = None) -> Layout | None:
    """The first row, among the first 30, that reads as a header of mutations."""
    for position, (_, values) in enumerate(rows[:30]):
        merged = _with_sub_header(rows, position)
        if merged is not None:
            values, position = merged, position + 1
        layout = _read_header(values, title_cue, index)
        layout.position = position
        recognised = len(layout.roles) + len(layout.kinds) + len(layout.grid)
        if not layout.has_person and recognised >= 2 and (layout.grid or layout.kinds or "kind" in layout.roles):
            col = _name_column_by_values(rows, layout, index)
            if col is not None:
                layout.roles["name"] = col
        content = any(r in layout.roles for r in ("kind", "hours", "amount", "quantity", "date")) or \
            layout.kinds or len(layout.grid) >= 2 or layout.type_dates or layout.hire
        if (layout.has_person and content) or (layout.people and (layout.grid or "date" in layout.roles
                                                                 or "week" in layout.roles or "kind" in layout.roles)):
            return layout
    return None
