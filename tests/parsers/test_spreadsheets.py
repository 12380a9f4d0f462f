"""Tests for parsers.spreadsheets: spreadsheet bytes in, rows of cell values out.

Every file is built here in code (openpyxl, zipfile or raw bytes), so each test shows
exactly what the sender mailed.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import openpyxl
import pytest

from parsers.spreadsheets import (
    Sheet,
    SheetLimits,
    SpreadsheetError,
    Workbook,
    column_letter,
    is_spreadsheet,
    read_spreadsheet,
)

SHEET1 = "xl/worksheets/sheet1.xml"


# ----------------------------------------------------------------------------- helpers


def xlsx(sheets: dict[str, list[list]], *, merge: dict[str, str] | None = None) -> bytes:
    """An .xlsx as build.py writes them: rows appended, datetimes shown as dates."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "DD-MM-YYYY"
        if merge and title in merge:
            sheet.merge_cells(merge[title])
    return save(book)


def save(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def replace_members(data: bytes, replacements: dict[str, bytes]) -> bytes:
    """The same zip with some members' content replaced or added."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = replacements.pop(info.filename, None)
            target.writestr(info.filename, source.read(info) if content is None else content)
        for name, content in replacements.items():
            target.writestr(name, content)
    return out.getvalue()


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def only_sheet(book: Workbook) -> Sheet:
    assert len(book.sheets) == 1
    return book.sheets[0]


def refusal(filename: str, data: bytes, **kwargs: object) -> str:
    with pytest.raises(SpreadsheetError) as caught:
        read_spreadsheet(filename, data, **kwargs)
    return str(caught.value)


# ----------------------------------------------------------------------- xlsx reading


def test_it_reads_an_xlsx_with_title_rows_keeping_sheet_row_numbers():
    data = xlsx(
        {
            "Mutaties": [
                ["Mulder Installatietechniek B.V."],
                ["Mutatieoverzicht mei 2026"],
                [],
                ["Personeelsnummer", "Naam", "Soort mutatie", "Uren", "Bedrag"],
                [2001, "Kees Mulder", "Bonus", None, 1500],
                [2002, "Ahmed Yilmaz", "Overuren 125%", 10.5, None],
            ]
        }
    )

    sheet = only_sheet(read_spreadsheet("Mutaties mei 2026.xlsx", data))

    assert sheet.name == "Mutaties"
    assert sheet.rows == [
        (1, ("Mulder Installatietechniek B.V.",)),
        (2, ("Mutatieoverzicht mei 2026",)),
        (4, ("Personeelsnummer", "Naam", "Soort mutatie", "Uren", "Bedrag")),
        (5, (2001, "Kees Mulder", "Bonus", None, 1500)),
        (6, (2002, "Ahmed Yilmaz", "Overuren 125%", 10.5)),
    ]
    assert sheet.truncated is False
    assert sheet.uncached_formulas == frozenset()


def test_it_skips_empty_rows_including_rows_of_empty_strings():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "kop"
    sheet["B3"] = None
    sheet["C4"] = ""
    sheet["A6"] = "laatste"

    rows = only_sheet(read_spreadsheet("a.xlsx", save(book))).rows

    assert rows == [(1, ("kop",)), (6, ("laatste",))]


def test_it_trims_trailing_empty_cells_but_keeps_gaps_inside_a_row():
    data = xlsx({"Blad1": [[None, "b", None, "d", None, None, ""]]})

    assert only_sheet(read_spreadsheet("a.xlsx", data)).rows == [(1, (None, "b", None, "d"))]


def test_it_returns_date_cells_as_datetime_and_dates_typed_as_text_as_strings():
    data = xlsx({"Blad1": [[1003, dt.datetime(2026, 3, 30), "30-03-2026", dt.time(7, 30)]]})

    values = only_sheet(read_spreadsheet("a.xlsx", data)).rows[0][1]

    assert values == (1003, dt.datetime(2026, 3, 30), "30-03-2026", dt.time(7, 30))


def test_it_turns_an_hour_total_cell_into_hours_text():
    # [hh]:mm:ss cells come out of openpyxl as timedelta, which is no CellValue.
    data = xlsx({"Uren": [["Emma", dt.timedelta(hours=37, minutes=30)]]})

    assert only_sheet(read_spreadsheet("a.xlsx", data)).rows == [(1, ("Emma", "37:30"))]


def test_it_gives_a_merged_cell_its_value_only_in_the_top_left_cell():
    data = xlsx(
        {"Mutaties": [["Tandartspraktijk Zuid - mutatieformulier"], ["Nr.", "Naam", "Uren"]]},
        merge={"Mutaties": "A1:C1"},
    )

    rows = only_sheet(read_spreadsheet("a.xlsx", data)).rows

    assert rows == [
        (1, ("Tandartspraktijk Zuid - mutatieformulier",)),
        (2, ("Nr.", "Naam", "Uren")),
    ]


def test_it_keeps_the_sheet_order_of_the_workbook_and_reads_hidden_sheets():
    book = openpyxl.Workbook()
    book.active.title = "Mutaties"
    book.active["A1"] = 1
    hidden = book.create_sheet("Verborgen")
    hidden["A1"] = 2
    hidden.sheet_state = "hidden"
    book.create_sheet("Instructies")["A1"] = 3
    book.move_sheet("Instructies", offset=-2)

    result = read_spreadsheet("a.xlsx", save(book))

    assert [sheet.name for sheet in result.sheets] == ["Instructies", "Mutaties", "Verborgen"]
    assert [sheet.rows for sheet in result.sheets] == [[(1, (3,))], [(1, (1,))], [(1, (2,))]]
    assert result.problems == []


def test_it_reads_an_xlsm_as_a_workbook_without_keeping_its_macros():
    data = xlsx({"Mutaties": [["Pnr", "Uren"], [1001, 6]]})
    types = member(data, "[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert b"macroEnabled" in types
    data = replace_members(
        data, {"[Content_Types].xml": types, "xl/vbaProject.bin": b"Attribute VB_Name"}
    )

    sheet = only_sheet(read_spreadsheet("Mutaties.xlsm", data))

    assert sheet.rows == [(1, ("Pnr", "Uren")), (2, (1001, 6))]


def test_it_decides_by_the_bytes_so_an_xlsx_named_csv_is_read_as_xlsx():
    data = xlsx({"Blad1": [["Pnr", "Uren"], [1001, 7.5]]})

    assert only_sheet(read_spreadsheet("export.csv", data)).rows == [
        (1, ("Pnr", "Uren")),
        (2, (1001, 7.5)),
    ]


def test_it_reads_all_rows_when_the_sheet_dimension_is_wrong():
    # Other generators write <dimension ref="A1"/> for any size; read-only openpyxl would
    # otherwise cut the sheet to that one cell.
    data = xlsx({"Blad1": [["a", "b", "c"], [1, 2, 3], [4, 5, 6]]})
    xml = member(data, SHEET1).replace(b'<dimension ref="A1:C3"', b'<dimension ref="A1"')
    assert b'<dimension ref="A1"' in xml
    data = replace_members(data, {SHEET1: xml})

    rows = only_sheet(read_spreadsheet("a.xlsx", data)).rows

    assert rows == [(1, ("a", "b", "c")), (2, (1, 2, 3)), (3, (4, 5, 6))]


# ----------------------------------------------------------------------------- formulas


def test_it_reports_a_formula_without_a_cached_value():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Mutaties"
    sheet.append(["Uren", "Tarief", "Bedrag"])
    sheet.append([8, 12.5, "=A2*B2"])  # openpyxl saves formulas without a cached value
    sheet.append([4, 10, "=A3*B3"])

    result = read_spreadsheet("a.xlsx", save(book))

    sheet_read = only_sheet(result)
    assert sheet_read.rows[1:] == [(2, (8, 12.5)), (3, (4, 10))]
    assert sheet_read.uncached_formulas == frozenset({(2, 3), (3, 3)})
    assert result.problems == [
        "Blad Mutaties: 2 formule(s) zonder berekende waarde (bijv. C2); "
        "open en sla het bestand op in Excel."
    ]


def test_it_returns_the_cached_value_of_a_formula_that_excel_calculated():
    book = openpyxl.Workbook()
    book.active.append([8, 12.5, "=A1*B1"])
    data = save(book)
    xml = member(data, SHEET1).replace(b"<f>A1*B1</f><v />", b"<f>A1*B1</f><v>100</v>")
    assert b"<v>100</v>" in xml
    data = replace_members(data, {SHEET1: xml})

    result = read_spreadsheet("a.xlsx", data)

    assert only_sheet(result).rows == [(1, (8, 12.5, 100))]
    assert only_sheet(result).uncached_formulas == frozenset()
    assert result.problems == []


def test_it_does_not_report_a_text_formula_whose_result_is_empty():
    book = openpyxl.Workbook()
    book.active.append(["x", '=IF(A1="x","","y")'])
    data = save(book)
    xml = member(data, SHEET1).replace(b'<c r="B1">', b'<c r="B1" t="str">')
    assert b't="str"' in xml
    data = replace_members(data, {SHEET1: xml})

    result = read_spreadsheet("a.xlsx", data)

    assert only_sheet(result).rows == [(1, ("x",))]
    assert result.problems == []


# ----------------------------------------------------------------------------- limits


def test_it_truncates_a_sheet_at_max_rows_and_says_so():
    data = xlsx({"Uren": [[f"rij {n}"] for n in range(1, 11)]})

    result = read_spreadsheet("a.xlsx", data, limits=SheetLimits(max_rows=3))

    sheet = only_sheet(result)
    assert sheet.truncated is True
    assert sheet.rows == [(1, ("rij 1",)), (2, ("rij 2",)), (3, ("rij 3",))]
    assert result.problems == ["Blad Uren: meer dan 3 rijen; alleen de eerste 3 zijn gelezen."]


def test_it_does_not_truncate_a_sheet_of_exactly_max_rows():
    data = xlsx({"Uren": [[n] for n in range(1, 4)]})

    result = read_spreadsheet("a.xlsx", data, limits=SheetLimits(max_rows=3))

    assert only_sheet(result).truncated is False
    assert result.problems == []


def test_it_cuts_rows_at_max_columns_and_says_so():
    data = xlsx({"Breed": [list(range(1, 11))]})

    result = read_spreadsheet("a.xlsx", data, limits=SheetLimits(max_columns=4))

    assert only_sheet(result).rows == [(1, (1, 2, 3, 4))]
    assert result.problems == ["Blad Breed: meer dan 4 kolommen; alles na kolom D is genegeerd."]


def test_slow_it_reads_a_100000_row_sheet_completely():
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Uren")
    for n in range(100_000):
        sheet.append([1000 + n, f"Medewerker {n}", "Overuren", 7.5, None, 12.25, "opm"])
    data = save(book)

    result = read_spreadsheet("uren.xlsx", data)

    rows = only_sheet(result).rows
    assert len(rows) == 100_000
    assert rows[0] == (1, (1000, "Medewerker 0", "Overuren", 7.5, None, 12.25, "opm"))
    assert rows[-1][0] == 100_000
    assert rows[-1][1][0] == 100_999
    assert only_sheet(result).truncated is False
    assert result.problems == []


def test_it_refuses_a_file_over_max_file_bytes_naming_its_size():
    message = refusal("groot.xlsx", b"x" * 2_500_000, limits=SheetLimits(max_file_bytes=2_000_000))

    assert message == (
        "Het bestand groot.xlsx is te groot (2,5 MB; maximaal 2 MB). Stuur een kleiner bestand."
    )


# ------------------------------------------------------------------------ refusals


def test_it_refuses_an_xls_with_a_clear_message():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "Workbook".encode("utf-16-le")

    assert refusal("lonen.xls", data) == (
        "Het bestand lonen.xls is een oud Excel-formaat (.xls). Stuur het bestand als .xlsx."
    )


def test_it_refuses_a_password_protected_xlsx_with_a_clear_message():
    data = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(1000)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(20)
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(1000)
    )

    assert refusal("mutaties.xlsx", data) == (
        "Het bestand mutaties.xlsx is met een wachtwoord beveiligd. "
        "Stuur het bestand zonder wachtwoord als .xlsx."
    )


def test_it_refuses_an_ods_by_its_bytes_even_when_named_xlsx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")

    assert refusal("mutaties.xlsx", buffer.getvalue()) == (
        "Het bestand mutaties.xlsx is een OpenDocument-spreadsheet (.ods). "
        "Stuur het bestand als .xlsx."
    )


def test_it_refuses_a_pdf_renamed_to_xlsx():
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

    assert refusal("mutaties.xlsx", data) == (
        "Het bestand mutaties.xlsx is geen geldig Excel-bestand (.xlsx). "
        "Stuur het bestand als .xlsx."
    )


def test_it_refuses_a_pdf_renamed_to_csv():
    data = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"

    assert "geen leesbaar CSV-bestand" in refusal("mutaties.csv", data)


def test_it_refuses_csv_text_that_is_named_xlsx():
    assert "geen geldig Excel-bestand (.xlsx)" in refusal("m.xlsx", b"Pnr;Uren\r\n1001;7,5\r\n")


def test_it_refuses_a_truncated_xlsx():
    data = xlsx({"Blad1": [["Pnr", "Uren"], [1001, 6]]})

    message = refusal("mutaties.xlsx", data[: len(data) // 2])

    assert message.startswith(
        "Het bestand mutaties.xlsx is geen geldig Excel-bestand (.xlsx). "
        "Stuur het bestand als .xlsx."
    )


def test_it_refuses_a_zip_without_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")

    assert "geen geldig Excel-bestand" in refusal("mutaties.xlsx", buffer.getvalue())


def test_it_refuses_a_workbook_whose_xml_is_broken_naming_the_cause():
    data = replace_members(xlsx({"Blad1": [[1]]}), {"xl/workbook.xml": b"<workbook><sheets"})

    message = refusal("mutaties.xlsx", data)

    assert message.startswith("Het bestand mutaties.xlsx is geen geldig Excel-bestand (.xlsx).")
    assert "technische oorzaak: " in message


def test_it_refuses_a_sheet_whose_xml_is_broken_as_an_invalid_xlsx():
    data = xlsx({"Blad1": [["Pnr", "Uren"], [1001, 6]]})
    xml = member(data, SHEET1).replace(b"</sheetData>", b"</sheetDta>")
    data = replace_members(data, {SHEET1: xml})

    message = refusal("mutaties.xlsx", data)

    assert message == (
        "Het bestand mutaties.xlsx is geen geldig Excel-bestand (.xlsx). "
        "Stuur het bestand als .xlsx. (technische oorzaak: ParseError)"
    )


def test_it_refuses_a_strict_open_xml_workbook_with_advice():
    data = xlsx({"Blad1": [[1]]})
    xml = member(data, "xl/workbook.xml").replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    )
    assert b"purl.oclc.org" in xml
    data = replace_members(data, {"xl/workbook.xml": xml})

    assert "is opgeslagen als 'Strict Open XML'" in refusal("mutaties.xlsx", data)


@pytest.mark.parametrize("filename", ["mutaties.xlsx", "mutaties.csv", "bijlage"])
def test_it_refuses_random_garbage(filename):
    garbage = random.Random(20260301).randbytes(4096)

    assert refusal(filename, garbage).startswith(f"Het bestand {filename} ")


@pytest.mark.parametrize("filename", ["mutaties.xlsx", "mutaties.csv"])
def test_it_refuses_an_empty_file(filename):
    assert refusal(filename, b"") == f"Het bestand {filename} is leeg. Stuur het bestand opnieuw."


def test_it_refuses_a_workbook_with_a_dtd_before_parsing_it():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><workbook>&b;</workbook>'
    )
    data = replace_members(xlsx({"Blad1": [[1]]}), {"xl/workbook.xml": bomb})

    assert "geen geldig Excel-bestand" in refusal("mutaties.xlsx", data)


def test_it_shows_only_the_base_name_of_a_path_like_filename():
    message = refusal("..\\..\\C:/temp/evil\x07.xlsx", b"")

    assert message == "Het bestand evil.xlsx is leeg. Stuur het bestand opnieuw."


def test_any_corruption_of_an_xlsx_gives_a_workbook_or_a_spreadsheet_error():
    data = xlsx({"Blad1": [["Pnr", "Datum"], [1001, dt.datetime(2026, 3, 1)]]})
    rng = random.Random(7)
    for _ in range(150):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        cut = rng.choice([len(mutated), rng.randrange(1, len(mutated))])
        try:
            result = read_spreadsheet("m.xlsx", bytes(mutated[:cut]))
        except SpreadsheetError as exc:
            assert str(exc).startswith("Het bestand m.xlsx ")
        else:
            assert isinstance(result, Workbook)


# -------------------------------------------------------------------------- zip bombs


def zip_with_zeros(member_name: str, size: int) -> bytes:
    """A zip whose member is `size` zero bytes, written in chunks to keep memory small."""
    buffer = io.BytesIO()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open(member_name, "w", force_zip64=True) as target:
            written = 0
            while written < size:
                piece = chunk[: min(len(chunk), size - written)]
                target.write(piece)
                written += len(piece)
    return buffer.getvalue()


@pytest.fixture
def opened_members(monkeypatch):
    """Names of zip members that anything opened (for reading) during the test."""
    opened: list[str] = []
    original = zipfile.ZipFile.open

    def recording_open(self, name, mode="r", *args, **kwargs):
        if mode == "r":
            opened.append(getattr(name, "filename", name))
        return original(self, name, mode, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    return opened


def test_it_refuses_a_zip_bomb_before_decompressing_it(opened_members):
    data = zip_with_zeros(SHEET1, 300_000_000)
    assert len(data) < 1_000_000
    opened_members.clear()

    message = refusal("mutaties.xlsx", data)

    assert message.startswith(
        "Het bestand mutaties.xlsx is verdacht groot na uitpakken (mogelijk een zip-bom"
    )
    assert opened_members == []


def test_it_refuses_a_member_with_an_extreme_compression_ratio(opened_members):
    data = zip_with_zeros(SHEET1, 5_000_000)  # well under the size limit, but ~1000x
    opened_members.clear()

    message = refusal("mutaties.xlsx", data)

    assert "mogelijk een zip-bom" in message
    assert "gecomprimeerd" in message
    assert opened_members == []


def test_it_refuses_a_zip_with_5000_members():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for n in range(5_000):
            archive.writestr(f"xl/media/{n}.xml", "")

    message = refusal("mutaties.xlsx", buffer.getvalue())

    assert "mogelijk een zip-bom; 5001 onderdelen" in message


def test_it_stops_at_excels_last_row_when_a_file_claims_a_far_higher_row():
    data = xlsx({"Blad1": [["kop"], ["staart"]]})
    xml = member(data, SHEET1).replace(b'<row r="2"', b'<row r="2000000000"')
    xml = xml.replace(b'<c r="A2"', b'<c r="A2000000000"')
    assert b"2000000000" in xml
    data = replace_members(data, {SHEET1: xml})

    result = read_spreadsheet("a.xlsx", data)

    assert only_sheet(result).rows == [(1, ("kop",))]
    assert result.problems == ["Blad Blad1: rijen na rij 1048576 zijn genegeerd."]


# ------------------------------------------------------------------------------- CSV


def test_it_reads_a_semicolon_csv_with_decimal_commas_and_commas_in_names():
    text = (
        "Personeelsnr;Naam;Soort;Uren;Bedrag;Periode\r\n"
        "4001;Vos, Ingrid;Overuren;6,5;;07-2026\r\n"
        "4003;Peters, Anouk;Overuren;3,25;;07-2026\r\n"
        "4002;Dekker, Sophie;Meeruren;8;;07-2026\r\n"
        "4004;Bos, Mila;Declaratie;;87,50;07-2026\r\n"
    )

    result = read_spreadsheet("export_juli_2026.csv", text.encode())

    sheet = only_sheet(result)
    assert sheet.name == "export_juli_2026"
    assert sheet.rows == [
        (1, ("Personeelsnr", "Naam", "Soort", "Uren", "Bedrag", "Periode")),
        (2, ("4001", "Vos, Ingrid", "Overuren", "6,5", None, "07-2026")),
        (3, ("4003", "Peters, Anouk", "Overuren", "3,25", None, "07-2026")),
        (4, ("4002", "Dekker, Sophie", "Meeruren", "8", None, "07-2026")),
        (5, ("4004", "Bos, Mila", "Declaratie", None, "87,50", "07-2026")),
    ]
    assert result.problems == []


def test_it_reads_a_headerless_semicolon_csv_of_decimal_numbers():
    # ',' splits every line equally often here too; ';' must win the tie.
    text = "1001;7,5;12,50\n1002;8,0;13,25\n"

    rows = only_sheet(read_spreadsheet("uren.csv", text.encode())).rows

    assert rows == [(1, ("1001", "7,5", "12,50")), (2, ("1002", "8,0", "13,25"))]


def test_it_reads_a_comma_csv_with_quoted_fields():
    text = (
        "Pnr,Naam,Opmerking,Bedrag\n"
        '3001,"Brown, Olivia","zei ""ok""",212.30\n'
        '3002,"de Graaf, Ruben","twee\nregels",4.5\n'
        "3003,Noor Bakker,,1\n"
    )

    rows = only_sheet(read_spreadsheet("changes.csv", text.encode())).rows

    assert rows == [
        (1, ("Pnr", "Naam", "Opmerking", "Bedrag")),
        (2, ("3001", "Brown, Olivia", 'zei "ok"', "212.30")),
        (3, ("3002", "de Graaf, Ruben", "twee\nregels", "4.5")),
        (5, ("3003", "Noor Bakker", None, "1")),
    ]


def test_it_reads_a_windows_1252_csv_with_dutch_letters():
    # charset-normalizer alone reads this as cp1250: "Genevičve", "2 ŕ 3 uur".
    text = "Naam;Opmerking\r\nNoël;€ 12,50 voorschot\r\nGeneviève Daniëls;2 à 3 uur\r\n"

    rows = only_sheet(read_spreadsheet("m.csv", text.encode("cp1252"))).rows

    assert rows == [
        (1, ("Naam", "Opmerking")),
        (2, ("Noël", "€ 12,50 voorschot")),
        (3, ("Geneviève Daniëls", "2 à 3 uur")),
    ]


def test_it_reads_a_utf8_csv_with_a_bom():
    data = "\ufeffNaam;Uren\nZoë;7,5\n".encode()

    rows = only_sheet(read_spreadsheet("m.csv", data)).rows

    assert rows == [(1, ("Naam", "Uren")), (2, ("Zoë", "7,5"))]


def test_it_reads_a_utf16_tab_separated_export_with_a_bom():
    data = "Naam\tUren\r\nZoë\t7,5\r\n".encode("utf-16")

    rows = only_sheet(read_spreadsheet("m.txt", data)).rows

    assert rows == [(1, ("Naam", "Uren")), (2, ("Zoë", "7,5"))]


def test_it_reads_a_tab_separated_csv():
    text = "Pnr\tNaam\tUren\n1001\tSanne Jansen\t6\n1004\tPeter van Dijk, jr.\t7,5\n"

    rows = only_sheet(read_spreadsheet("uren.csv", text.encode())).rows

    assert rows == [
        (1, ("Pnr", "Naam", "Uren")),
        (2, ("1001", "Sanne Jansen", "6")),
        (3, ("1004", "Peter van Dijk, jr.", "7,5")),
    ]


def test_it_reads_a_pipe_separated_csv():
    rows = only_sheet(read_spreadsheet("u.csv", b"a|b|c\n1|2,5|3\n")).rows

    assert rows == [(1, ("a", "b", "c")), (2, ("1", "2,5", "3"))]


def test_it_follows_excels_sep_line_and_counts_it_as_line_one():
    text = "sep=,\nNaam,Uren;Bedrag\nJan,7;5\n"

    rows = only_sheet(read_spreadsheet("m.csv", text.encode())).rows

    assert rows == [(2, ("Naam", "Uren;Bedrag")), (3, ("Jan", "7;5"))]


def test_it_numbers_csv_rows_by_line_and_skips_empty_lines():
    text = "Mutaties juli\n\n;;\nPnr;Uren\n1001;6\n"

    rows = only_sheet(read_spreadsheet("m.csv", text.encode())).rows

    assert rows == [(1, ("Mutaties juli",)), (4, ("Pnr", "Uren")), (5, ("1001", "6"))]


def test_it_truncates_a_csv_at_max_rows():
    text = "".join(f"{n};x\n" for n in range(1, 11))

    result = read_spreadsheet("m.csv", text.encode(), limits=SheetLimits(max_rows=2))

    assert only_sheet(result).rows == [(1, ("1", "x")), (2, ("2", "x"))]
    assert only_sheet(result).truncated is True
    assert result.problems == ["Blad m: meer dan 2 rijen; alleen de eerste 2 zijn gelezen."]


def test_it_refuses_a_csv_with_a_field_beyond_the_csv_modules_limit():
    data = b'a;"' + b"x" * 200_000 + b'"\n'

    assert "geen leesbaar CSV-bestand" in refusal("m.csv", data)


# ---------------------------------------------------------------- small public helpers


@pytest.mark.parametrize(
    ("filename", "content_type", "expected"),
    [
        ("Mutaties mei 2026.xlsx", "", True),
        ("macro.XLSM", "", True),
        ("oud.xls", "", True),
        ("export.csv", "", True),
        ("libre.ods", "", True),
        ("export.txt", "text/csv; charset=utf-8", True),
        ("export", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", True),
        ("export.txt", "text/plain", False),
        ("loonstrook.pdf", "application/pdf", False),
        ("scan.pdf", "application/vnd.ms-excel", False),
        ("foto.jpg", "", False),
    ],
)
def test_is_spreadsheet_decides_by_extension_and_for_bare_names_by_content_type(
    filename, content_type, expected
):
    assert is_spreadsheet(filename, content_type) is expected


@pytest.mark.parametrize(
    ("col", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (28, "AB"), (200, "GR"), (16384, "XFD")]
)
def test_column_letter_counts_like_excel(col, letters):
    assert column_letter(col) == letters


def test_column_letter_refuses_column_zero():
    with pytest.raises(ValueError):
        column_letter(0)
