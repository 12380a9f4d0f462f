"""The employer's Excel template: built, filled in with openpyxl as an employer would, mailed in, read back."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from parsers.mail import parse_mail
from parsers.roster import Roster
from parsers.template import (
    COLUMNS,
    FIRST_ROW,
    HEADER_ROW,
    MIME_TYPE,
    NOTE_OTHER_EMPLOYER,
    build_template,
    other_employers_template,
    skipped_rows,
    template_filename,
    template_was_read,
)
from tests.parsers.conftest import ATELIER, ROSTER, build_mail

MADE_ON = dt.date(2026, 3, 2)
FILE = "mutaties-maart.xlsx"
COL = {c.label: i for i, c in enumerate(COLUMNS, start=1)}


def employees_of(employer_id: str) -> list[tuple[str, str]]:
    employer = Roster.model_validate(ROSTER).employer(employer_id)
    assert employer is not None
    return [(e.number, e.full_name) for e in employer.employees]


def garage_template() -> bytes:
    return build_template("garage-hoek", "Garage Hoek B.V.", employees_of("garage-hoek"), made_on=MADE_ON)


def filled(template: bytes, rows: dict[int, dict[str, Any]]) -> bytes:
    """The template with cells filled by column label, as an employer does it in Excel, saved again."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book["Mutaties"]
    for row, cells in rows.items():
        for label, value in cells.items():
            sheet.cell(row=row, column=COL[label], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def mailed(data: bytes, *, sender: str = "Ria Hoek <ria@garagehoek.example>", body: str = "Hierbij het sjabloon.",
           filename: str = FILE) -> bytes:
    return build_mail(body, sender=sender, subject="Mutaties maart", attachments=[(filename, data, MIME_TYPE)])


def contract(result) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return [m.contract_dict() for m in result.mutations]


def source(location: str, text: str) -> dict[str, str]:
    return {"part": f"attachment:{FILE}", "location": location, "text": text}


# Row 4 onwards holds the garage's seven employees in roster order: 71 Gerrit Hoek … 77 Thomas Kok.
FILLED_ROWS: dict[int, dict[str, Any]] = {
    4: {"Soort mutatie": "Uren", "Uren": 6, "Soort uren": "Overuren", "Toeslag %": 125, "Periode": "2026-03"},
    5: {"Soort mutatie": "Ziekmelding", "Ingangsdatum": dt.date(2026, 3, 16)},
    6: {"Soort mutatie": "Salariswijziging", "Ingangsdatum": dt.date(2026, 4, 1), "Salaris": 3100,
        "Salarisperiode": "per maand"},
    7: {"Soort mutatie": "Uitdienstmelding", "Einddatum": dt.date(2026, 4, 30), "Omschrijving": "eigen verzoek"},
    8: {"Soort mutatie": "Declaratie", "Bedrag": 45.5, "Omschrijving": "reiskosten", "Periode": "2026-03"},
    9: {"Soort mutatie": "Wijziging persoonsgegevens", "Ingangsdatum": dt.date(2026, 4, 1),
        "IBAN": "NL91 ABNA 0417 1643 00", "Straat": "Dorpsstraat", "Huisnummer": "12a", "Postcode": "1234ab",
        "Woonplaats": "Utrecht"},
    # 10: Thomas Kok's row is left as it came: no mutation, no issue.
    11: {"Naam": "Sem de Jong", "Soort mutatie": "Indienstmelding", "Ingangsdatum": dt.date(2026, 4, 1),
         "Functie": "monteur", "Uren per week": 40, "Salaris": 3000, "Salarisperiode": "per maand",
         "Geboortedatum": dt.date(1990, 5, 12), "BSN": "111222333", "IBAN": "NL91ABNA0417164300",
         "Straat": "Kerkweg", "Huisnummer": "3", "Postcode": "3511 AB", "Woonplaats": "Utrecht",
         "E-mail": "Sem@Example.org", "Telefoon": "06-12345678"},
    12: {"Personeelsnummer": "71", "Naam": "Gerrit Hoek", "Soort mutatie": "Ziekmelding"},  # no first sick day
}


def test_a_filled_template_comes_back_as_exactly_its_rows(roster):
    result = parse_mail(mailed(filled(garage_template(), FILLED_ROWS)), roster)

    assert result.employer_id == "garage-hoek"
    assert template_was_read(result) and result.notes == ["Loonbode-sjabloon herkend (versie 1)"]
    assert result.issues == []
    assert contract(result) == [
        {"type": "hours", "employee_id": "71", "employee_name": "Gerrit Hoek",
         "fields": {"hours": 6, "kind": "overtime", "period": "2026-03", "rate_percentage": 125},
         "confidence": 1.0,
         "source": source("Mutaties!A4:I4", "71 | Gerrit Hoek | Uren | 6 | Overuren | 125 | 2026-03")},
        {"type": "sick", "employee_id": "72", "employee_name": "Priya Ramdin",
         "fields": {"start_date": "2026-03-16", "percentage": 100},
         "confidence": 1.0, "source": source("Mutaties!A5:D5", "72 | Priya Ramdin | Ziekmelding | 2026-03-16")},
        {"type": "salary_change", "employee_id": "73", "employee_name": "Stijn van der Linden",
         "fields": {"effective_date": "2026-04-01", "salary_amount": 3100, "salary_period": "month"},
         "confidence": 1.0, "source": source("Mutaties!A6:N6", "73 | Stijn van der Linden | Salariswijziging | "
                                                               "2026-04-01 | 3100 | per maand")},
        {"type": "termination", "employee_id": "74", "employee_name": "Karin Verbeek",
         "fields": {"end_date": "2026-04-30", "reason": "eigen verzoek"},
         "confidence": 1.0, "source": source("Mutaties!A7:L7", "74 | Karin Verbeek | Uitdienstmelding | "
                                                               "2026-04-30 | eigen verzoek")},
        {"type": "expense", "employee_id": "75", "employee_name": "Bas Verbeek",
         "fields": {"amount": 45.5, "description": "reiskosten", "period": "2026-03"},
         "confidence": 1.0, "source": source("Mutaties!A8:L8", "75 | Bas Verbeek | Declaratie | 2026-03 | 45.5 | "
                                                               "reiskosten")},
        {"type": "personal_data_change", "employee_id": "76", "employee_name": "Thomas de Wit",
         "fields": {"iban": "NL91ABNA0417164300", "street": "Dorpsstraat", "house_number": "12a",
                    "postal_code": "1234 AB", "city": "Utrecht", "effective_date": "2026-04-01"},
         "confidence": 1.0, "source": source("Mutaties!A9:W9", "76 | Thomas de Wit | Wijziging persoonsgegevens | "
                                                               "2026-04-01 | NL91 ABNA 0417 1643 00 | Dorpsstraat | "
                                                               "12a | 1234ab | Utrecht")},
        {"type": "hire", "employee_id": None, "employee_name": "Sem de Jong",
         "fields": {"start_date": "2026-04-01", "job_title": "monteur", "hours_per_week": 40, "salary_amount": 3000,
                    "salary_period": "month", "birth_date": "1990-05-12", "bsn": "111222333",
                    "iban": "NL91ABNA0417164300", "email": "sem@example.org", "phone": "0612345678",
                    "street": "Kerkweg", "house_number": "3", "postal_code": "3511 AB", "city": "Utrecht"},
         "confidence": 1.0, "source": source("Mutaties!A11:Z11", "Sem de Jong | Indienstmelding | 2026-04-01 | 3000 | "
                                                                 "per maand | 40 | monteur | 1990-05-12 | 111222333 | "
                                                                 "NL91ABNA0417164300 | Kerkweg | 3 | 3511 AB | "
                                                                 "Utrecht | Sem@Example.org | 06-12345678")},
        {"type": "sick", "employee_id": "71", "employee_name": "Gerrit Hoek", "fields": {"percentage": 100},
         "confidence": 1.0, "source": source("Mutaties!A12:C12", "71 | Gerrit Hoek | Ziekmelding")},
    ]
    issues = [[(i.severity, i.message) for i in m.issues] for m in result.mutations]
    assert issues[:7] == [[]] * 7, issues
    assert issues[7] == [("error", "ontbreekt: ingangsdatum")]


def test_the_template_is_read_by_its_columns_even_when_the_body_says_something_else(roster):
    """Nothing from the sheet goes through the header heuristics; a row's hours are never summed with another's."""
    rows = {4: {"Soort mutatie": "Uren", "Uren": "7,5", "Soort uren": "Gewerkte uren", "Periode": "2026-03"},
            FIRST_ROW + 7: {"Personeelsnummer": "71", "Soort mutatie": "Uren", "Uren": 2,
                            "Soort uren": "Gewerkte uren", "Periode": "2026-03"}}
    result = parse_mail(mailed(filled(garage_template(), rows), body="Zie bijlage."), roster)
    assert [(m.type, m.employee_id, m.fields) for m in result.mutations] == [
        ("hours", "71", {"hours": 7.5, "kind": "worked", "period": "2026-03"}),
        ("hours", "71", {"hours": 2, "kind": "worked", "period": "2026-03"})]
    assert result.mutations[1].employee_name == "Gerrit Hoek"  # the number decides; the name was left empty


def test_rows_that_cannot_be_read_are_said_so_and_nothing_is_guessed(roster):
    rows = {
        4: {"Uren": 8},  # hours but no kind of mutation
        5: {"Soort mutatie": "Vakantie"},  # typed over the drop-down
        6: {"Naam": "Karin Verbeek", "Soort mutatie": "Herstelmelding", "Ingangsdatum": dt.date(2026, 3, 20),
            "Bedrag": 10},  # Stijn's number with Karin's name, and an amount that a recovery has no use for
        7: {"Personeelsnummer": "99", "Soort mutatie": "Ziekmelding", "Ingangsdatum": "gisteren"},
    }
    result = parse_mail(mailed(filled(garage_template(), rows)), roster)

    assert skipped_rows(result) == ["4, 5"]
    assert [i.message for i in result.issues] == [
        f"bijlage {FILE}, Mutaties rij 4: geen soort mutatie gekozen; deze regel is niet gelezen",
        f"bijlage {FILE}, Mutaties rij 5: soort mutatie 'Vakantie' staat niet in de lijst van het sjabloon; deze "
        "regel is niet gelezen"]
    recovery, sick = result.mutations
    assert (recovery.type, recovery.employee_id, recovery.fields) == ("recovery", "73",
                                                                      {"date": "2026-03-20", "percentage": 100})
    assert [(i.severity, i.message) for i in recovery.issues] == [
        ("error", "de naam 'Karin Verbeek' past niet bij personeelsnummer 73 (Stijn van der Linden); controleer wie "
                  "er bedoeld is"),
        ("warning", "Bedrag hoort niet bij een herstelmelding en is niet gelezen")]
    assert (sick.type, sick.employee_id, sick.employee_name, sick.fields) == ("sick", None, "Karin Verbeek",
                                                                              {"percentage": 100})
    assert [i.message for i in sick.issues] == [
        "personeelsnummer 99 staat niet in het personeelsbestand van deze werkgever",
        "Ingangsdatum: 'gisteren' is geen datum; schrijf dd-mm-jjjj",
        "ontbreekt: ingangsdatum"]


def test_another_employers_template_is_refused_and_not_guessed_either(roster):
    atelier = build_template("atelier-noorderlicht", "Atelier Noorderlicht", employees_of("atelier-noorderlicht"),
                             made_on=MADE_ON)
    data = filled(atelier, {4: {"Soort mutatie": "Ziekmelding", "Ingangsdatum": dt.date(2026, 3, 16)}})
    result = parse_mail(mailed(data), roster)  # sent by the garage

    assert result.employer_id == "garage-hoek"
    assert result.mutations == []
    assert other_employers_template(result) and not template_was_read(result)
    assert result.notes == [NOTE_OTHER_EMPLOYER]
    [issue] = result.issues
    assert issue.severity == "error" and "hoort bij een andere werkgever; er is niets uit gelezen" in issue.message
    assert "atelier" not in issue.message.lower()  # the other employer is not named to this one

    own = parse_mail(mailed(data, sender=ATELIER), roster)
    assert [(m.type, m.employee_id) for m in own.mutations] == [("sick", "9001")]


def test_a_template_left_as_it_came_gives_nothing_and_no_issue(roster):
    result = parse_mail(mailed(garage_template()), roster)
    assert result.mutations == [] and result.issues == [] and template_was_read(result)


def test_the_workbook_has_the_lists_validations_and_instructions():
    book = openpyxl.load_workbook(io.BytesIO(garage_template()))
    assert book.sheetnames == ["Mutaties", "Instructies", "Medewerkers", "loonbode"]
    assert book["loonbode"].sheet_state == "veryHidden"
    assert [tuple(r) for r in book["loonbode"].iter_rows(values_only=True)] == [
        ("sjabloon", "loonbode-mutaties"), ("versie", 1), ("werkgever", "garage-hoek"), ("gemaakt op", "2026-03-02")]

    sheet = book["Mutaties"]
    header = [c.value for c in sheet[HEADER_ROW]]
    assert header[:18] == ["Personeelsnummer", "Naam", "Soort mutatie", "Ingangsdatum", "Einddatum", "Uren",
                           "Soort uren", "Toeslag %", "Periode", "Percentage", "Bedrag", "Omschrijving", "Salaris",
                           "Salarisperiode", "Uren per week", "Functie", "Geboortedatum", "BSN"]
    assert "IBAN" in header and "Postcode" in header and "Woonplaats" in header
    assert [(sheet.cell(r, 1).value, sheet.cell(r, 2).value) for r in range(FIRST_ROW, FIRST_ROW + 8)] == [
        *employees_of("garage-hoek"), (None, None)]
    assert sheet.freeze_panes == f"C{FIRST_ROW}"
    assert sheet.column_dimensions["B"].width > 20

    by_column: dict[str, Any] = {}
    for validation in sheet.data_validations.dataValidation:
        for cell_range in validation.sqref.ranges:
            by_column[cell_range.coord.split(":")[0].rstrip("0123456789")] = validation
    kinds = by_column["C"]
    assert kinds.type == "list" and "Ziekmelding" in kinds.formula1 and "Wijziging persoonsgegevens" in kinds.formula1
    assert by_column["A"].type == "list" and by_column["A"].formula1 == "Medewerkers!$A$2:$A$8"
    assert by_column["G"].type == "list" and "Overuren" in by_column["G"].formula1
    assert by_column["N"].type == "list" and "per 4 weken" in by_column["N"].formula1
    for date_column in ("D", "E", "Q"):
        assert by_column[date_column].type == "date"
    for number_column in ("F", "H", "K", "M", "O"):
        assert (by_column[number_column].type, by_column[number_column].operator,
                by_column[number_column].formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert str(by_column["C"].sqref) == f"C{FIRST_ROW}:C{FIRST_ROW + 7 + 299}"

    staff = [tuple(r) for r in book["Medewerkers"].iter_rows(min_row=2, values_only=True)]
    assert staff == employees_of("garage-hoek")
    instructions = " ".join(str(c) for r in book["Instructies"].iter_rows(values_only=True) for c in r if c)
    for words in ("Ziekmelding", "eerste ziektedag", "Indienstmelding", "Personeelsnummer leeg laten",
                  "Soort uren", "Wijziging persoonsgegevens", "zonder te raden"):
        assert words in instructions


def test_the_same_input_gives_the_same_bytes():
    assert garage_template() == garage_template()
    assert garage_template() != build_template("garage-hoek", "Garage Hoek B.V.", employees_of("garage-hoek"),
                                               made_on=MADE_ON + dt.timedelta(days=1))


@pytest.mark.parametrize(("employer_id", "expected"), [
    ("garage-hoek", "loonbode-sjabloon-garage-hoek.xlsx"),
    ("../../etc/passwd", "loonbode-sjabloon-etc-passwd.xlsx"),
    ('a"b\r\nc', "loonbode-sjabloon-a-b-c.xlsx"),
])
def test_the_file_name_is_safe(employer_id, expected):
    assert template_filename(employer_id) == expected


def test_names_that_look_like_formulas_stay_text():
    data = build_template("garage-hoek", "Garage", [("+31", "=HYPERLINK(\"x\")")], made_on=MADE_ON)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["Mutaties"].cell(FIRST_ROW, 2).value == "'=HYPERLINK(\"x\")"
    assert book["Medewerkers"]["A2"].value == "'+31"
