"""The Excel template an employer fills in, and reading it back without guessing.

`build_template` makes one employer's workbook: a sheet `Mutaties` with fixed columns (the
union of every mutation type's fields, in Dutch), one pre-filled row per employee, drop-down
lists for the personnel number, the kind of mutation, the kind of hours and the salary
period, date and number validation, an `Instructies` sheet that says per kind which columns
it needs, a reference sheet `Medewerkers`, and a very hidden sheet `loonbode` that marks the
file as ours (format, version, employer id). The same input always gives the same bytes.

`template_marker` recognises that sheet in a workbook read by `parsers.spreadsheets`;
`read_template` then reads `Mutaties` by its own column labels, one mutation per row with a
kind, without any of the header or name heuristics of `parsers.tables`: the personnel number
decides who is meant, the name only checks it. Pure: no database, network or clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from parsers.fields import PERSONAL_DATA_FIELDS, REQUIRED_FIELDS
from parsers.models import Issue, Mutation, ParseResult, Source
from parsers.numbers import parse_hours, parse_number
from parsers.people import RosterIndex, fold
from parsers.roster import Employee, Employer
from parsers.spreadsheets import Sheet, Workbook, column_letter
from parsers.validation import validate_normal
from parsers.xlsx_files import FORMULA_PREFIXES, neutralise, stable_xlsx

FORMAT = "loonbode-mutaties"
VERSION = 1
MARKER_SHEET = "loonbode"
SHEET = "Mutaties"
INSTRUCTIONS_SHEET = "Instructies"
EMPLOYEES_SHEET = "Medewerkers"
HEADER_ROW = 3
FIRST_ROW = HEADER_ROW + 1
EXTRA_ROWS = 300  # empty rows with the drop-downs, below the employees' rows
MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD-MM-YYYY"
TEXT_FORMAT = "@"

# What the parse result says about a template, for the confirmation and the reviewer.
NOTE_READ_PREFIX = "Loonbode-sjabloon herkend"
NOTE_READ = NOTE_READ_PREFIX + " (versie {version})"
NOTE_OTHER_EMPLOYER = "Loonbode-sjabloon van een andere werkgever; niets uit gelezen"
NOTE_ROWS_SKIPPED_PREFIX = "Loonbode-sjabloon: regels zonder (bekende) soort mutatie niet gelezen: rij "

ColumnKind = Literal["person", "text", "name", "choice", "date", "number", "percentage", "period"]


@dataclass(frozen=True)
class Column:
    key: str  # the field it fills (or "number", "name", "type", "start", "end")
    label: str
    kind: ColumnKind
    width: int
    prompt: str  # shown in Excel when the cell is selected (at most 255 characters)


COLUMNS: tuple[Column, ...] = (
    Column("number", "Personeelsnummer", "person", 17,
           "Kies uit de lijst (blad Medewerkers). Leeg laten bij een nieuwe medewerker."),
    Column("name", "Naam", "name", 26, "Volledige naam. Bij een nieuwe medewerker verplicht; anders ter controle."),
    Column("type", "Soort mutatie", "choice", 27, "Kies uit de lijst; het blad Instructies zegt welke kolommen nodig "
                                                  "zijn."),
    Column("start", "Ingangsdatum", "date", 14, "dd-mm-jjjj. Ziekmelding: eerste ziektedag. Herstelmelding: eerste "
                                                "dag (deels) weer aan het werk. Indienst: eerste werkdag."),
    Column("end", "Einddatum", "date", 14, "dd-mm-jjjj. Uitdienstmelding: laatste dag in dienst. Indienstmelding: "
                                           "einde van een tijdelijk contract."),
    Column("hours", "Uren", "number", 9, "Aantal uren, bijv. 7,5."),
    Column("kind", "Soort uren", "choice", 16, "Kies uit de lijst: gewerkte uren, overuren, meeruren of ORT-uren."),
    Column("rate_percentage", "Toeslag %", "number", 11, "Bij overuren of ORT: het percentage, bijv. 125."),
    Column("period", "Periode", "period", 11, "De maand als jjjj-mm, bijv. 2026-03."),
    Column("percentage", "Percentage", "percentage", 12, "Ziek of hersteld voor hoeveel procent (1-100). Leeg is "
                                                         "100%."),
    Column("amount", "Bedrag", "number", 11, "Bedrag in euro, bijv. 45,50."),
    Column("description", "Omschrijving", "text", 30, "Waarvoor het bedrag is; bij een uitdienstmelding de reden."),
    Column("salary_amount", "Salaris", "number", 11, "Bruto salaris in euro."),
    Column("salary_period", "Salarisperiode", "choice", 15, "Kies uit de lijst. Leeg is per maand."),
    Column("hours_per_week", "Uren per week", "number", 14, "Contracturen per week."),
    Column("job_title", "Functie", "text", 20, "Functie van de nieuwe medewerker."),
    Column("birth_date", "Geboortedatum", "date", 14, "dd-mm-jjjj."),
    Column("bsn", "BSN", "text", 12, "Burgerservicenummer, 9 cijfers."),
    Column("iban", "IBAN", "text", 22, "Bijv. NL91ABNA0417164300."),
    Column("street", "Straat", "text", 22, "Straatnaam."),
    Column("house_number", "Huisnummer", "text", 11, "Met toevoeging, bijv. 12a."),
    Column("postal_code", "Postcode", "text", 10, "Bijv. 1234 AB."),
    Column("city", "Woonplaats", "text", 18, "Woonplaats."),
    Column("last_name", "Nieuwe achternaam", "text", 18, "Alleen bij een wijziging van de achternaam."),
    Column("email", "E-mail", "text", 26, "E-mailadres."),
    Column("phone", "Telefoon", "text", 14, "Telefoonnummer."),
)
COLUMN = {c.key: c for c in COLUMNS}
LAST_COLUMN = column_letter(len(COLUMNS))


@dataclass(frozen=True)
class Kind:
    label: str  # as in the drop-down
    when: str  # for the instructions
    fields: dict[str, str]  # field -> column key
    note: str = ""


def _same(*names: str) -> dict[str, str]:
    return {name: name for name in names}


KINDS: dict[str, Kind] = {
    "hire": Kind("Indienstmelding", "Een nieuwe medewerker.",
                 {"start_date": "start", "contract_end_date": "end",
                  **_same("job_title", "hours_per_week", "salary_amount", "salary_period", "birth_date", "bsn",
                          "iban", "street", "house_number", "postal_code", "city", "email", "phone")},
                 "Personeelsnummer leeg laten; Naam is verplicht. Vul zo veel mogelijk in: zonder BSN, "
                 "geboortedatum, adres, IBAN, uren en salaris kan de eerste loonstrook niet worden gemaakt."),
    "termination": Kind("Uitdienstmelding", "Een medewerker gaat uit dienst.",
                        {"end_date": "end", "reason": "description"},
                        "Einddatum is de laatste dag in dienst. De reden mag in Omschrijving."),
    "sick": Kind("Ziekmelding", "Een medewerker is ziek.", {"start_date": "start", "percentage": "percentage"},
                 "Ingangsdatum is de eerste ziektedag. Percentage leeg is 100% ziek."),
    "recovery": Kind("Herstelmelding", "Een medewerker is (gedeeltelijk) hersteld.",
                     {"date": "start", "percentage": "percentage"},
                     "Ingangsdatum is de eerste dag weer (deels) aan het werk. Percentage leeg is volledig hersteld."),
    "hours": Kind("Uren", "Gewerkte uren, overuren, meeruren of ORT-uren.",
                  {**_same("hours", "kind", "rate_percentage", "period"), "date": "start"},
                  "Eén regel per soort uren. Periode is de maand (jjjj-mm); Ingangsdatum alleen voor uren van één "
                  "dag."),
    "salary_change": Kind("Salariswijziging", "Een nieuw salaris.",
                          {"effective_date": "start", **_same("salary_amount", "salary_period")},
                          "Het nieuwe salaris, niet de verhoging. Salarisperiode leeg is per maand."),
    "hours_change": Kind("Wijziging contracturen", "Andere contracturen per week.",
                         {"effective_date": "start", "hours_per_week": "hours_per_week"},
                         "Het nieuwe aantal uren per week."),
    "one_off_payment": Kind("Eenmalige uitkering of bonus", "Een bonus of andere eenmalige betaling.",
                            _same("amount", "description", "period"),
                            "Periode is de maand waarin het wordt uitbetaald (jjjj-mm)."),
    "expense": Kind("Declaratie", "Een onkostenvergoeding.", _same("amount", "description", "period"),
                    "Periode is de maand waarin het wordt vergoed (jjjj-mm)."),
    "personal_data_change": Kind("Wijziging persoonsgegevens", "Nieuw IBAN, adres, achternaam, e-mail of telefoon.",
                                 {"effective_date": "start", **_same(*PERSONAL_DATA_FIELDS)},
                                 "Vul alleen in wat verandert; minstens één van IBAN, adres, achternaam, e-mail of "
                                 "telefoon."),
}
KIND_BY_LABEL = {fold(k.label): t for t, k in KINDS.items()}
HOUR_KINDS = {"worked": "Gewerkte uren", "overtime": "Overuren", "extra": "Meeruren", "irregular": "ORT-uren"}
SALARY_PERIODS = {"month": "per maand", "four_weeks": "per 4 weken", "week": "per week", "hour": "per uur",
                  "year": "per jaar"}
CHOICES: dict[str, dict[str, str]] = {
    "type": {k.label: t for t, k in KINDS.items()},
    "kind": {label: key for key, label in HOUR_KINDS.items()},
    "salary_period": {label: key for key, label in SALARY_PERIODS.items()},
}
_PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_MONTH_YEAR_RE = re.compile(r"^(0?[1-9]|1[0-2])[-/](\d{4})$")
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_HEADER_FILL = PatternFill("solid", start_color="FFDDE7F0", end_color="FFDDE7F0")


def template_filename(employer_id: str) -> str:
    """"loonbode-sjabloon-<employer id>.xlsx", with only safe characters."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", employer_id).strip("-")[:80] or "werkgever"
    return f"loonbode-sjabloon-{safe}.xlsx"


# ---------------------------------------------------------------------------------------------------------------
# Building


def build_template(employer_id: str, employer_name: str, employees: Sequence[tuple[str, str]], *,
                   made_on: dt.date) -> bytes:
    """The employer's template as .xlsx bytes; `employees` are (personnel number, full name) pairs."""
    workbook = OpenpyxlWorkbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    _mutations_sheet(sheet, employer_name, employees, made_on)
    _instructions_sheet(workbook.create_sheet(INSTRUCTIONS_SHEET))
    _employees_sheet(workbook.create_sheet(EMPLOYEES_SHEET), employees)
    marker = workbook.create_sheet(MARKER_SHEET)
    for key, value in (("sjabloon", FORMAT), ("versie", VERSION), ("werkgever", _text(employer_id)),
                       ("gemaakt op", made_on.isoformat())):
        marker.append([key, value])
    marker.sheet_state = "veryHidden"
    workbook.active = 0
    stamp = dt.datetime.combine(made_on, dt.time())
    workbook.properties.title = "Loonbode-sjabloon"
    return stable_xlsx(workbook, stamp)


def _mutations_sheet(sheet: Worksheet, employer_name: str, employees: Sequence[tuple[str, str]],
                     made_on: dt.date) -> None:
    sheet["A1"] = _text(f"Mutaties {employer_name}")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = ("Eén regel per mutatie: kies het personeelsnummer en de soort mutatie uit de lijst en vul de "
                   "kolommen in die het blad Instructies noemt. Stuur het bestand als bijlage terug.")
    sheet["A2"].font = Font(italic=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.label)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        dimension = sheet.column_dimensions[column_letter(index)]
        dimension.width = column.width
        if column.kind == "date":
            dimension.number_format = DATE_FORMAT
        elif column.kind in ("person", "text", "period"):
            dimension.number_format = TEXT_FORMAT  # "0612…" and "2026-03" stay as typed
    for offset, (number, name) in enumerate(employees):
        row = FIRST_ROW + offset
        for col, value in ((1, _text(number)), (2, _text(name))):
            sheet.cell(row=row, column=col, value=value).number_format = TEXT_FORMAT
    last_row = FIRST_ROW + len(employees) + EXTRA_ROWS - 1
    for index, column in enumerate(COLUMNS, start=1):
        validation = _validation(column, len(employees), made_on)
        if validation is not None:
            letter = column_letter(index)
            validation.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = f"C{FIRST_ROW}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{LAST_COLUMN}{last_row}"


def _validation(column: Column, employee_count: int, made_on: dt.date) -> DataValidation | None:
    """What a column accepts, with its prompt; None for the personnel number of an employer without staff."""
    if column.kind == "person":
        if not employee_count:
            return None
        validation = DataValidation(type="list", formula1=f"{EMPLOYEES_SHEET}!$A$2:$A${employee_count + 1}",
                                    errorStyle="warning", error="Dit personeelsnummer staat niet op het blad "
                                    "Medewerkers. Klopt het?")
    elif column.kind == "choice":
        validation = DataValidation(type="list", formula1=_inline_list(CHOICES[column.key]),
                                    error="Kies een waarde uit de lijst.")
    elif column.kind == "period":
        validation = DataValidation(type="list", formula1=_inline_list(_months_around(made_on)),
                                    errorStyle="warning", error="Schrijf de maand als jjjj-mm, bijv. 2026-03.")
    elif column.kind == "date":
        validation = DataValidation(type="date", operator="between", formula1=str(_serial(dt.date(1920, 1, 1))),
                                    formula2=str(_serial(dt.date(2099, 12, 31))),
                                    error="Vul een datum in als dd-mm-jjjj.")
    elif column.kind == "percentage":
        validation = DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                                    error="Vul een percentage van 0 tot en met 100 in (zonder %-teken).")
    elif column.kind == "number":
        validation = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                                    error="Vul een getal van 0 of meer in.")
    else:
        validation = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="200",
                                    error="Hoogstens 200 tekens.")
    validation.allow_blank = True
    validation.showErrorMessage = True
    validation.showInputMessage = True
    validation.errorTitle = column.label
    validation.promptTitle = column.label
    validation.prompt = column.prompt
    return validation


def _inline_list(values: Sequence[str] | dict[str, str]) -> str:
    text = ",".join(values)
    assert len(text) <= 255 and '"' not in text, text  # Excel's limit for a list written in the validation
    return f'"{text}"'


def _months_around(made_on: dt.date) -> list[str]:
    """The pay months from a year before `made_on` to half a year after it."""
    first = made_on.year * 12 + made_on.month - 1 - 12
    return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in range(first, first + 19)]


def _serial(day: dt.date) -> int:
    return (day - _EXCEL_EPOCH).days


def _instructions_sheet(sheet: Worksheet) -> None:
    sheet["A1"] = "Zo vult u het sjabloon in"
    sheet["A1"].font = Font(bold=True, size=14)
    lines = (
        "Vul op het blad Mutaties één regel per mutatie in. Voor iedere medewerker staat al een regel klaar; "
        "regels waarin geen soort mutatie is gekozen, slaan wij over.",
        "Heeft een medewerker twee mutaties, gebruik dan een lege regel onderaan en kies daar het personeelsnummer.",
        "Het personeelsnummer bepaalt om wie het gaat; de naam gebruiken wij alleen ter controle. Een nieuwe "
        "medewerker heeft nog geen nummer: laat het leeg en vul de naam in.",
        "Datums als dd-mm-jjjj, bedragen en uren als getal (7,5), de periode als jjjj-mm (2026-03).",
        "Verander de kolommen niet en laat het verborgen blad staan: zo herkennen wij het sjabloon en lezen wij "
        "het zonder te raden. Stuur het bestand als .xlsx-bijlage naar het adres waar u mutaties naartoe mailt.",
        "Het sjabloon hoort bij uw bedrijf; een sjabloon van een ander bedrijf lezen wij niet.",
    )
    row = 2
    for line in lines:
        sheet.cell(row=row, column=1, value=line).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        sheet.row_dimensions[row].height = 30
        row += 1
    row += 1
    for col, title in enumerate(("Soort mutatie", "Wanneer", "Verplichte kolommen", "Ook in te vullen",
                                 "Let op"), start=1):
        cell = sheet.cell(row=row, column=col, value=title)
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
    for mutation_type, kind in KINDS.items():
        row += 1
        required, optional = _kind_columns(mutation_type)
        for col, value in enumerate((kind.label, kind.when, ", ".join(required), ", ".join(optional), kind.note),
                                    start=1):
            sheet.cell(row=row, column=col, value=value).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (28, 34, 36, 44, 60), strict=True):
        sheet.column_dimensions[letter].width = width


def _kind_columns(mutation_type: str) -> tuple[list[str], list[str]]:
    """The labels of the columns a kind needs, and of those it may also use."""
    kind = KINDS[mutation_type]
    required = ["Naam"] if mutation_type == "hire" else ["Personeelsnummer"]
    required_fields = set(REQUIRED_FIELDS[mutation_type]) - {"percentage"}  # an empty percentage is 100
    if mutation_type == "personal_data_change":
        required.append("minstens één gegeven")
    labels = {f: COLUMN[c].label for f, c in kind.fields.items()}
    required += [labels[f] for f in kind.fields if f in required_fields]
    optional = list(dict.fromkeys(labels[f] for f in kind.fields if f not in required_fields))
    return required, optional


def _employees_sheet(sheet: Worksheet, employees: Sequence[tuple[str, str]]) -> None:
    sheet.append(["Personeelsnummer", "Naam"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for number, name in employees:
        sheet.append([_text(number), _text(name)])
    for row in sheet.iter_rows(min_row=2, max_col=1):
        row[0].number_format = TEXT_FORMAT
    sheet.column_dimensions["A"].width = 17
    sheet.column_dimensions["B"].width = 32
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True  # a reference list: not to be typed over by accident


def _text(value: str) -> str:
    """Text for a cell: no characters XML cannot hold, and never read as a formula."""
    value = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32_000]
    return neutralise(value)


# ---------------------------------------------------------------------------------------------------------------
# Recognising and reading


@dataclass(frozen=True)
class Marker:
    version: int | None
    employer_id: str


@dataclass
class TemplateRead:
    mutations: list[Mutation] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def template_marker(workbook: Workbook) -> Marker | None:
    """The marker of our template in a workbook, or None when it is not our template."""
    sheet = next((s for s in workbook.sheets if s.name == MARKER_SHEET), None)
    if sheet is None:
        return None
    values = {_plain(v[0]): v[1] for _, v in sheet.rows if len(v) >= 2 and isinstance(v[0], str)}
    if values.get("sjabloon") != FORMAT:
        return None
    version = values.get("versie")
    number = int(version) if isinstance(version, int | float) and float(version).is_integer() else None
    return Marker(version=number, employer_id=_unneutralised(_plain(values.get("werkgever"))))


def read_template(workbook: Workbook, marker: Marker, employer: Employer, *, filename: str,
                  reference: dt.date) -> TemplateRead:
    """Every filled row of the template's Mutaties sheet as a mutation, checked as any other."""
    found = TemplateRead()
    if marker.employer_id != employer.id:
        found.issues.append(Issue(severity="error", message=f"bijlage {filename}: dit Loonbode-sjabloon hoort bij "
                                  "een andere werkgever; er is niets uit gelezen. Gebruik het sjabloon van uw eigen "
                                  "bedrijf (te downloaden in het dashboard)."))
        found.notes.append(NOTE_OTHER_EMPLOYER)
        return found
    if marker.version != VERSION:
        found.issues.append(Issue(severity="error", message=f"bijlage {filename}: deze versie van het "
                                  "Loonbode-sjabloon kennen wij niet; er is niets uit gelezen. Download een nieuw "
                                  "sjabloon."))
        return found
    sheet = next((s for s in workbook.sheets if s.name == SHEET), None)
    header = _header(sheet) if sheet is not None else None
    if sheet is None or header is None:
        found.issues.append(Issue(severity="error", message=f"bijlage {filename}: het blad {SHEET} met de kopregel "
                                  "van het sjabloon ontbreekt; er is niets uit gelezen."))
        return found
    found.notes.append(NOTE_READ.format(version=marker.version))
    position, columns = header
    missing = [c.label for c in COLUMNS if c.key not in columns]
    if missing:
        found.issues.append(Issue(severity="warning", message=f"bijlage {filename}: de kolommen {', '.join(missing)} "
                                  "ontbreken in het sjabloon; wat daarin stond, is niet gelezen."))
    reader = _RowReader(RosterIndex(employer), columns, f"attachment:{filename}", sheet.name, reference)
    skipped = []
    for number, values in sheet.rows[position + 1:]:
        mutation, problem = reader.read(number, values)
        if mutation is not None:
            found.mutations.append(mutation)
        elif problem is not None:
            skipped.append(number)
            found.issues.append(Issue(severity="error", message=f"bijlage {filename}, {sheet.name} rij {number}: "
                                      f"{problem}; deze regel is niet gelezen"))
    if skipped:
        found.notes.append(NOTE_ROWS_SKIPPED_PREFIX + ", ".join(str(n) for n in skipped))
    return found


def template_was_read(result: ParseResult) -> bool:
    """Whether a template of the sender's own employer was read from this mail."""
    return any(n.startswith(NOTE_READ_PREFIX) for n in result.notes)


def other_employers_template(result: ParseResult) -> bool:
    return NOTE_OTHER_EMPLOYER in result.notes


def skipped_rows(result: ParseResult) -> list[str]:
    """The row numbers (as text, "9, 12") of template rows that were not read."""
    return [n.removeprefix(NOTE_ROWS_SKIPPED_PREFIX) for n in result.notes if n.startswith(NOTE_ROWS_SKIPPED_PREFIX)]


def _header(sheet: Sheet) -> tuple[int, dict[str, int]] | None:
    """(position in sheet.rows, column key -> 0-based column) of the row with the template's own labels."""
    labels = {fold(c.label): c.key for c in COLUMNS}
    for position, (_, values) in enumerate(sheet.rows[:20]):
        columns: dict[str, int] = {}
        for col, value in enumerate(values):
            key = labels.get(fold(_plain(value))) if isinstance(value, str) else None
            if key is not None and key not in columns:
                columns[key] = col
        if "type" in columns and ("number" in columns or "name" in columns):
            return position, columns
    return None


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return " ".join(str(value).split())


class _RowReader:
    def __init__(self, index: RosterIndex, columns: dict[str, int], part: str, sheet: str,
                 reference: dt.date) -> None:
        self.index, self.columns, self.part, self.sheet, self.reference = index, columns, part, sheet, reference

    def cell(self, values: tuple[Any, ...], key: str) -> Any:
        col = self.columns.get(key)
        if col is None or col >= len(values):
            return None
        value = values[col]
        return None if isinstance(value, str) and not value.strip() else value

    def read(self, number: int, values: tuple[Any, ...]) -> tuple[Mutation | None, str | None]:
        """The row's mutation; or None and why it is not one (None too for a row left as it came)."""
        label = _plain(self.cell(values, "type"))
        filled = [c.key for c in COLUMNS if c.key not in ("number", "name", "type")
                  and self.cell(values, c.key) is not None]
        if not label:
            return None, ("geen soort mutatie gekozen" if filled else None)
        mutation_type = KIND_BY_LABEL.get(fold(label))
        if mutation_type is None:
            return None, f"soort mutatie '{label[:60]}' staat niet in de lijst van het sjabloon"
        kind = KINDS[mutation_type]
        issues: list[Issue] = []
        fields: dict[str, Any] = {}
        for name, key in kind.fields.items():
            raw = self.cell(values, key)
            if raw is None:
                continue
            value, problem = _CONVERTERS[COLUMN[key].kind](raw, key)
            if problem:
                issues.append(Issue(severity="error", message=f"{COLUMN[key].label}: {problem}", field=name))
            elif value is not None:
                fields[name] = value
        used = set(kind.fields.values())
        ignored = [COLUMN[k].label for k in filled if k not in used]
        if ignored:
            issues.append(Issue(severity="warning", message=f"{', '.join(ignored)} hoort niet bij een "
                                f"{kind.label.lower()} en is niet gelezen"))
        if "salary_amount" in fields and "salary_period" not in fields:
            fields["salary_period"] = "month"  # the template says: empty is per month
        employee, name, person_issues = self._person(mutation_type, values)
        mutation = Mutation(type=mutation_type,  # type: ignore[arg-type]
                            employee_id=employee.number if employee is not None else None,
                            employee_name=employee.full_name if employee is not None else name,
                            fields=fields, confidence=1.0, source=self._source(number, values))
        mutation.issues = person_issues + issues + validate_normal(mutation.type, mutation.fields,
                                                                  reference=self.reference)
        return mutation, None

    def _person(self, mutation_type: str, values: tuple[Any, ...]) -> tuple[Employee | None, str | None,
                                                                             list[Issue]]:
        number = _unneutralised(_plain(self.cell(values, "number"))) or None
        name = _unneutralised(_plain(self.cell(values, "name"))) or None
        if mutation_type == "hire":
            issues = [] if name else [Issue(severity="error", message="naam van de nieuwe medewerker ontbreekt")]
            known = self.index.by_number(number) if number else None
            if known is not None:
                issues.append(Issue(severity="warning", message=f"personeelsnummer {number} hoort al bij "
                                    f"{known.full_name}; een indienstmelding is voor een nieuwe medewerker"))
            return None, name, issues
        if number is None:
            employee = self._exact_name(name)
            if employee is not None:
                return employee, name, []
            return None, name, [Issue(severity="error", message=f"{name or 'medewerker'}: geen personeelsnummer "
                                      "ingevuld en de naam staat niet precies zo in het personeelsbestand; kies "
                                      "de juiste medewerker")]
        employee = self.index.by_number(number)
        if employee is None:
            return None, name or number, [Issue(severity="error", message=f"personeelsnummer {number} staat niet "
                                                "in het personeelsbestand van deze werkgever")]
        if name and not self._names_match(name, employee):
            return employee, name, [Issue(severity="error", message=f"de naam '{name}' past niet bij personeelsnummer "
                                          f"{number} ({employee.full_name}); controleer wie er bedoeld is")]
        return employee, name, []

    def _exact_name(self, name: str | None) -> Employee | None:
        if not name:
            return None
        found = [e for e in self.index.employees if self._names_match(name, e, exact=True)]
        return found[0] if len(found) == 1 else None

    def _names_match(self, name: str, employee: Employee, *, exact: bool = False) -> bool:
        forms = {fold(employee.full_name), fold(f"{employee.last_name_with_prefix}, {employee.first_name}")}
        if fold(" ".join(name.split())) in forms:
            return True
        if exact:
            return False
        match = self.index.resolve_name(name)
        return match is not None and not match.ambiguous and match.employee == employee and match.score >= 0.9

    def _source(self, number: int, values: tuple[Any, ...]) -> Source:
        filled = [i for i, v in enumerate(values) if v is not None and _plain(v)]
        last = column_letter((filled[-1] if filled else 0) + 1)
        text = " | ".join(_plain(values[i]) for i in filled)
        return Source(part=self.part, location=f"{self.sheet}!A{number}:{last}{number}", text=text[:2000])


def _unneutralised(text: str) -> str:
    """A name or number as the roster has it: the `'` that kept it from being a formula goes again."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES) else text


Converted = tuple[Any, str | None]


def _as_text(value: Any, key: str) -> Converted:
    if isinstance(value, bool):
        return None, "geen tekst"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return None, "hier hoort tekst, geen datum of tijd"
    return _plain(value)[:500], None


def _as_date(value: Any, key: str) -> Converted:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        return _EXCEL_EPOCH + dt.timedelta(days=int(value)), None  # a serial day number without date format
    text = _plain(value)
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, pattern).date(), None
        except ValueError:
            continue
    return None, f"'{text[:40]}' is geen datum; schrijf dd-mm-jjjj"


def _as_number(value: Any, key: str) -> Converted:
    if isinstance(value, bool):
        return None, "geen getal"
    if isinstance(value, int | float):
        return value, None
    if isinstance(value, dt.time) and key == "hours":
        return value.hour + value.minute / 60, None
    text = re.sub(r"^€\s*|\s*(?:%|euro|eur)$", "", _plain(value), flags=re.IGNORECASE)
    number = parse_hours(text) if key == "hours" else parse_number(text)
    if number is None:
        return None, f"'{_plain(value)[:40]}' is geen getal"
    return number, None


def _as_choice(value: Any, key: str) -> Converted:
    text = _plain(value)
    options = CHOICES[key]
    chosen = next((v for label, v in options.items() if fold(label) == fold(text)), None)
    if chosen is None:
        return None, f"'{text[:40]}' staat niet in de lijst ({', '.join(options)})"
    return chosen, None


def _as_period(value: Any, key: str) -> Converted:
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}", None
    text = _plain(value)
    if _PERIOD_RE.match(text):
        return text, None
    month_year = _MONTH_YEAR_RE.match(text)
    if month_year:
        return f"{month_year.group(2)}-{int(month_year.group(1)):02d}", None
    return None, f"'{text[:40]}' is geen maand; schrijf jjjj-mm, bijv. 2026-03"


_CONVERTERS: dict[str, Callable[[Any, str], Converted]] = {
    "person": _as_text, "name": _as_text, "text": _as_text, "choice": _as_choice, "date": _as_date,
    "number": _as_number, "percentage": _as_number, "period": _as_period,
}
