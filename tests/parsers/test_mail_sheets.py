"""Spreadsheet and CSV attachments, and tables pasted in a mail, through `parse_mail`."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from parsers.mail import parse_mail
from tests.parsers.conftest import build_mail

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(*sheets: tuple[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def parse_with(roster, filename: str, data: bytes, mime: str = XLSX, body: str = "Zie bijlage.", **kwargs):
    raw = build_mail(body, attachments=[(filename, data, mime)], **kwargs)
    return parse_mail(raw, roster, filename="t.eml")


def summary(result) -> list[tuple]:
    return sorted((m.type, m.employee_id, tuple(sorted(m.fields.items()))) for m in result.mutations)


def test_it_reads_a_mutation_sheet_by_its_header_words_after_title_rows(roster):
    data = workbook(("Mutaties", [
        ["Garage Hoek - mutatieoverzicht februari 2026"],
        [],
        ["Pnr", "Medewerker", "Soort mutatie", "Ingangsdatum", "Aantal uren", "Bedrag", "Opmerking"],
        [71, "Gerrit Hoek", "Overuren 150%", None, 6, None, None],
        [72, "Priya Ramdin", "Declaratie", None, None, 38.5, "parkeren"],
        [73, "Stijn van der Linden", "Salariswijziging", dt.datetime(2026, 4, 1), None, 3125, None],
        [74, "Karin Verbeek", "Ziek", "'12-03-2026", None, None, None],
        [],
        [None, "Totaal", None, None, 6, 3163.5, None],
    ]), ("Instructies", [["Pnr", "Medewerker", "Soort mutatie", "Aantal uren"], [9999, "Voorbeeld", "Overuren", 8]]))
    result = parse_with(roster, "mutaties.xlsx", data)
    assert summary(result) == [
        ("expense", "72", (("amount", 38.5), ("description", "Declaratie - parkeren"))),
        ("hours", "71", (("hours", 6), ("kind", "overtime"), ("period", "2026-02"), ("rate_percentage", 150))),
        ("salary_change", "73", (("effective_date", "2026-04-01"), ("salary_amount", 3125),
                                 ("salary_period", "month"))),
        ("sick", "74", (("percentage", 100), ("start_date", "2026-03-12"))),
    ]
    hours = next(m for m in result.mutations if m.type == "hours")
    assert hours.source.part == "attachment:mutaties.xlsx"
    assert hours.source.location == "Mutaties!A4:E4"
    assert hours.source.text == "71 | Gerrit Hoek | Overuren 150% | 6"


def test_it_sums_an_hour_grid_per_employee_and_skips_zero_rows(roster):
    data = workbook(("Maart", [
        ["Overuren maart 2026 (uitbetalen 125%)"],
        ["Pnr", "Naam", "Wk 10", "Wk 11", "Wk 12", "Wk 13", "Totaal"],
        [71, "Gerrit", 2, 1.5, 0, "1,5", 5],
        [72, "Priya", 0, 0, 0, 0, 0],
        [None, "Totaal", 2, 1.5, 0, 1.5, 5],
    ]))
    result = parse_with(roster, "overuren.xlsx", data)
    assert summary(result) == [
        ("hours", "71", (("hours", 5), ("kind", "overtime"), ("period", "2026-03"), ("rate_percentage", 125))),
    ]


def test_it_sums_rows_per_week_for_each_kind_of_hours(roster):
    data = workbook(("Uren", [
        ["Urenregistratie februari 2026"],
        ["Week", "Pnr", "Naam", "Gewerkte uren", "ORT-uren"],
        [6, 76, "Thomas de Wit", 12, 4],
        [7, 76, "Thomas de Wit", 10, None],
        [6, 72, "Priya", None, 3.5],
    ]))
    result = parse_with(roster, "uren.xlsx", data)
    assert summary(result) == [
        ("hours", "72", (("hours", 3.5), ("kind", "irregular"), ("period", "2026-02"))),
        ("hours", "76", (("hours", 4), ("kind", "irregular"), ("period", "2026-02"))),
        ("hours", "76", (("hours", 22), ("kind", "worked"), ("period", "2026-02"))),
    ]


def test_it_reads_a_semicolon_csv_with_decimal_commas_and_a_period_column(roster):
    csv = ("Personeelsnr;Naam;Soort;Uren;Bedrag;Periode\r\n"
           "71;Hoek, Gerrit;Meeruren;3,25;;02-2026\r\n"
           "74;Verbeek, Karin;Declaratie;;12,50;02-2026\r\n").encode("cp1252")
    result = parse_with(roster, "export.csv", csv, mime="text/csv")
    assert summary(result) == [
        ("expense", "74", (("amount", 12.5), ("description", "Declaratie"), ("period", "2026-02"))),
        ("hours", "71", (("hours", 3.25), ("kind", "extra"), ("period", "2026-02"))),
    ]


def test_an_unknown_kind_is_reported_not_guessed(roster):
    data = workbook(("Blad1", [["Pnr", "Naam", "Mutatie", "Uren"], [71, "Gerrit", "Koffiepauze", 2]]))
    result = parse_with(roster, "x.xlsx", data)
    assert result.mutations == []
    assert any("onbekende mutatiesoort 'Koffiepauze'" in i.message for i in result.issues)


def test_a_row_for_someone_not_on_the_roster_keeps_the_name_with_an_issue(roster):
    data = workbook(("Blad1", [["Nr", "Naam", "Mutatie", "Uren"], [None, "Invaller Pietersen", "Gewerkte uren", 9]]))
    result = parse_with(roster, "x.xlsx", data, body="Uren februari in de bijlage.")
    m = result.mutations[0]
    assert (m.employee_id, m.employee_name, m.fields["hours"]) == (None, "Invaller Pietersen", 9)
    assert any("niet in het personeelsbestand" in i.message for i in m.issues)


def test_an_old_xls_gets_a_clear_request_for_xlsx(roster):
    result = parse_with(roster, "mutaties.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600,
                        mime="application/vnd.ms-excel")
    assert result.mutations == []
    assert any(".xlsx" in i.message and i.severity == "error" for i in result.issues)


def test_a_pdf_named_xlsx_gets_a_clear_issue(roster):
    result = parse_with(roster, "mutaties.xlsx", b"%PDF-1.4\n%fake\n")
    assert any("geen geldig Excel-bestand" in i.message for i in result.issues)


def test_it_reads_a_table_pasted_in_an_html_mail(roster):
    html = ("<p>Hierbij de mutaties over februari:</p><table>"
            "<tr><th>Medewerker</th><th>Mutatie</th><th>Aantal / bedrag</th></tr>"
            "<tr><td>Gerrit Hoek</td><td>Overuren</td><td>4,5 uur</td></tr>"
            "<tr><td>Karin Verbeek</td><td>Declaratie</td><td>&euro; 20,00</td></tr></table>"
            "<p>Groet,<br>Ria</p>")
    result = parse_mail(build_mail(None, html=html), roster, filename="t.eml")
    assert summary(result) == [
        ("expense", "74", (("amount", 20), ("description", "Declaratie"))),
        ("hours", "71", (("hours", 4.5), ("kind", "overtime"), ("period", "2026-02"))),
    ]
