"""The Nmbrs export: what goes into the files, that a draft goes out once, and that a rebuild is byte-identical.

Every test runs against a real database (SQLite, and PostgreSQL under scripts/test); the
files are read back with openpyxl and the csv module.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import threading
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session, select

from workflows.export import (
    ExportDraft,
    ExportError,
    ExportResult,
    NothingToExport,
    build_export_files,
    build_xlsx,
    clear_export_code,
    export_codes,
    export_period,
    neutralise,
    rebuild_export,
    resolve_code,
    set_export_code,
)
from workflows.models import (
    AuditEvent,
    DraftRow,
    DraftStatus,
    Employee,
    Employer,
    ExportBatch,
    ExportCode,
    InboundMessage,
)

BAKKERIJ, FIETSEN = "bakkerij-de-wit", "fietsen-bv"
PERIOD = "2026-03"
NAMES = ("uren-bakkerij-de-wit-2026-03.xlsx", "looncomponenten-bakkerij-de-wit-2026-03.xlsx",
         "werklijst-bakkerij-de-wit-2026-03.xlsx", "werklijst-bakkerij-de-wit-2026-03.csv")


@pytest.fixture
def db(engine: Engine) -> Engine:
    """Two employers with a few employees, and one stored mail for the drafts to point at."""
    with Session(engine) as session:
        session.add(Employer(id=BAKKERIJ, name="Bakkerij De Wit B.V."))
        session.add(Employer(id=FIETSEN, name="Fietsen B.V."))
        session.flush()
        for number, first, last in (("1001", "Sanne", "Jansen"), ("1002", "Mark", "de Boer"), ("9", "Ali", "Yilmaz")):
            session.add(Employee(employer_id=BAKKERIJ, number=number, first_name=first, last_name=last))
        session.add(Employee(employer_id=FIETSEN, number="1001", first_name="Bo", last_name="Smit"))
        session.add(InboundMessage(channel="smtp", content_sha256="x" * 64, raw_path="raw/x", size=1))
        session.commit()
    return engine


def add_draft(engine: Engine, type_: str, fields: dict[str, Any], *, employer: str = BAKKERIJ,
              employee: str | None = "1001", name: str | None = "Sanne Jansen", period: str = PERIOD,
              status: str = DraftStatus.APPROVED, source: str = "uit de mail", export_id: int | None = None) -> int:
    with Session(engine) as session:
        inbound = session.exec(select(InboundMessage.id)).first()
        draft = DraftRow(inbound_id=inbound, employer_id=employer, type=type_, employee_id=employee,
                         employee_name=name, fields=fields, source={"part": "body", "location": "line 1",
                                                                    "text": source},
                         status=status, period=period, export_id=export_id)
        session.add(draft)
        session.commit()
        assert draft.id is not None
        return draft.id


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    workbook = load_workbook(io.BytesIO(content))
    assert len(workbook.sheetnames) == 1
    return list(workbook.active.iter_rows(values_only=True))  # type: ignore[union-attr]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def drafts_by_id(engine: Engine) -> dict[int, DraftRow]:
    with Session(engine) as session:
        return {d.id: d for d in session.exec(select(DraftRow))}  # type: ignore[misc]


# --- What the files hold ---------------------------------------------------------------------------------------


def test_the_export_holds_hours_wage_components_and_the_worklist(db: Engine):
    add_draft(db, "hours", {"hours": 7.5, "kind": "worked"})
    add_draft(db, "hours", {"hours": 8, "kind": "worked"})
    add_draft(db, "hours", {"hours": 3, "kind": "overtime", "rate_percentage": 125})
    add_draft(db, "hours", {"hours": 1.25, "kind": "overtime", "rate_percentage": 125}, employee="9",
              name="Ali Yilmaz")
    add_draft(db, "hours", {"hours": 4, "kind": "irregular", "rate_percentage": 50}, employee="9", name="Ali Yilmaz")
    add_draft(db, "hours", {"hours": 6, "kind": "extra"}, employee="1002", name="Mark de Boer")
    bonus = add_draft(db, "one_off_payment", {"amount": 250, "description": "Kerstbonus"}, employee="1002",
                      name="Mark de Boer")
    expense = add_draft(db, "expense", {"amount": 12.5, "description": "Parkeren"})
    hire = add_draft(db, "hire", {"start_date": "2026-03-01", "bsn": "123456782", "iban": "NL54INGB4222655913",
                                  "salary_amount": 2650, "salary_period": "month", "hours_per_week": 32},
                     employee=None, name="Eva de Vries", source="Eva de Vries begint op 1 maart.")
    sick = add_draft(db, "sick", {"start_date": "2026-03-16", "percentage": 100}, employee="1002",
                     name="Mark de Boer", source="Mark is sinds maandag ziek.")

    result = export_period(db, BAKKERIJ, PERIOD, "clerk@bureau.example")

    assert list(result.files) == list(NAMES)
    hours, components, worklist, worklist_csv = (result.files[n] for n in NAMES)
    assert sheet_rows(hours) == [
        ("Personeelsnummer", "Periode", "MEERUREN", "ORT50", "OVERUREN125", "UREN"),
        ("9", PERIOD, None, 4, 1.25, None),
        ("1001", PERIOD, None, None, 3, 15.5),
        ("1002", PERIOD, 6, None, None, None),
    ]
    assert load_workbook(io.BytesIO(hours)).sheetnames == ["Uren"]
    assert sheet_rows(components) == [
        ("Personeelsnummer", "Periode", "Looncomponent", "Bedrag", "Omschrijving"),
        ("1001", PERIOD, "ONKOSTEN", 12.5, "Parkeren"),
        ("1002", PERIOD, "BONUS", 250, "Kerstbonus"),
    ]
    assert bonus in result.draft_ids and expense in result.draft_ids
    rows = sheet_rows(worklist)
    assert rows[0] == ("Concept", "Soort", "Personeelsnummer", "Medewerker", "Ingangsdatum", "Gegevens", "Bron")
    assert rows[1] == (hire, "indienstmelding", None, "Eva de Vries", dt.datetime(2026, 3, 1),
                       "datum in dienst: 01-03-2026; uren per week: 32; salaris: € 2.650,00; "
                       "salarisperiode: per maand; BSN: 123456782; IBAN: NL54INGB4222655913",
                       "Eva de Vries begint op 1 maart.")
    assert rows[2] == (sick, "ziekmelding", "1002", "Mark de Boer", dt.datetime(2026, 3, 16),
                       "eerste ziektedag: 16-03-2026; percentage ziek: 100%", "Mark is sinds maandag ziek.")
    assert len(rows) == 3
    assert csv_rows(worklist_csv) == [
        ["Concept", "Soort", "Personeelsnummer", "Medewerker", "Ingangsdatum", "Gegevens", "Bron"],
        [str(hire), "indienstmelding", "", "Eva de Vries", "01-03-2026", rows[1][5], "Eva de Vries begint op 1 maart."],
        [str(sick), "ziekmelding", "1002", "Mark de Boer", "16-03-2026", rows[2][5], "Mark is sinds maandag ziek."],
    ]


def test_every_worklist_type_has_its_dutch_name(db: Engine):
    for type_, fields in (("termination", {"end_date": "2026-03-31", "reason": "eigen verzoek"}),
                          ("recovery", {"date": "2026-03-20", "percentage": 50}),
                          ("salary_change", {"effective_date": "2026-03-01", "salary_amount": 3100}),
                          ("hours_change", {"effective_date": "2026-03-01", "hours_per_week": 36}),
                          ("personal_data_change", {"iban": "NL91ABNA0417164300", "city": "Utrecht"})):
        add_draft(db, type_, fields)
    rows = sheet_rows(export_period(db, BAKKERIJ, PERIOD, "clerk").files[NAMES[2]])
    assert [(r[1], r[4]) for r in rows[1:]] == [
        ("uitdienstmelding", dt.datetime(2026, 3, 31)), ("herstelmelding", dt.datetime(2026, 3, 20)),
        ("salariswijziging", dt.datetime(2026, 3, 1)), ("wijziging contracturen", dt.datetime(2026, 3, 1)),
        ("wijziging persoonsgegevens", None)]
    assert rows[-1][5] == "woonplaats: Utrecht; IBAN: NL91ABNA0417164300"


def test_all_four_files_come_even_when_only_the_worklist_has_rows(db: Engine):
    add_draft(db, "termination", {"end_date": "2026-03-31"})
    result = export_period(db, BAKKERIJ, PERIOD, "clerk")
    assert list(result.files) == list(NAMES)
    assert sheet_rows(result.files[NAMES[0]]) == [("Personeelsnummer", "Periode")]
    assert sheet_rows(result.files[NAMES[1]]) == [("Personeelsnummer", "Periode", "Looncomponent", "Bedrag",
                                                   "Omschrijving")]
    assert len(sheet_rows(result.files[NAMES[2]])) == 2


def test_hours_without_an_employee_number_go_on_the_worklist_with_a_warning(db: Engine):
    draft = add_draft(db, "hours", {"hours": 5, "kind": "overtime"}, employee=None, name="Onbekende Piet")
    result = export_period(db, BAKKERIJ, PERIOD, "clerk")
    assert sheet_rows(result.files[NAMES[0]]) == [("Personeelsnummer", "Periode")]
    row = sheet_rows(result.files[NAMES[2]])[1]
    assert row[:4] == (draft, "uren", None, "Onbekende Piet")
    assert row[5].startswith("let op: personeelsnummer onbekend")
    assert "soort uren: overuren" in row[5]


# --- What is exported, and only once ----------------------------------------------------------------------------


def test_only_approved_drafts_of_that_employer_and_period_go_out(db: Engine):
    wanted = [add_draft(db, "hours", {"hours": 8, "kind": "worked"}),
              add_draft(db, "sick", {"start_date": "2026-03-02", "percentage": 100})]
    others = [add_draft(db, "hours", {"hours": 1, "kind": "worked"}, status=DraftStatus.NEW),
              add_draft(db, "hours", {"hours": 2, "kind": "worked"}, status=DraftStatus.REJECTED),
              add_draft(db, "hours", {"hours": 3, "kind": "worked"}, status=DraftStatus.DUPLICATE),
              add_draft(db, "hours", {"hours": 4, "kind": "worked"}, period="2026-04"),
              add_draft(db, "hours", {"hours": 5, "kind": "worked"}, employer=FIETSEN, name="Bo Smit"),
              add_draft(db, "sick", {"start_date": "2026-03-03"}, employer=FIETSEN, name="Bo Smit",
                        source="Bo van Fietsen is ziek")]
    before = drafts_by_id(db)

    result = export_period(db, BAKKERIJ, PERIOD, "clerk@bureau.example")

    assert isinstance(result, ExportResult)
    assert result.draft_ids == wanted
    assert sheet_rows(result.files[NAMES[0]])[1:] == [("1001", PERIOD, 8)]
    assert "Bo van Fietsen" not in result.files[NAMES[3]].decode("utf-8")
    after = drafts_by_id(db)
    for draft_id in wanted:
        assert after[draft_id].status == DraftStatus.EXPORTED
        assert after[draft_id].export_id == result.batch_id
    for draft_id in others:
        assert (after[draft_id].status, after[draft_id].export_id) == (before[draft_id].status, None)
    with Session(db) as session:
        batch = session.get(ExportBatch, result.batch_id)
        assert batch is not None
        assert (batch.employer_id, batch.period, batch.created_by, batch.draft_ids) == (
            BAKKERIJ, PERIOD, "clerk@bureau.example", wanted)
        assert batch.files == {n: hashlib.sha256(c).hexdigest() for n, c in result.files.items()}
        assert batch.files == result.hashes
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "exported")).one()
        assert (event.actor, event.subject_type, event.subject_id) == ("clerk@bureau.example", "export",
                                                                        str(result.batch_id))
        assert event.detail["drafts"] == wanted


def test_a_second_export_of_the_period_finds_nothing_new(db: Engine):
    first = add_draft(db, "hours", {"hours": 8, "kind": "worked"})
    export_period(db, BAKKERIJ, PERIOD, "clerk")
    with pytest.raises(NothingToExport, match=re.escape(
            "geen goedgekeurde mutaties voor Bakkerij De Wit B.V. in 2026-03")):
        export_period(db, BAKKERIJ, PERIOD, "clerk")
    with Session(db) as session:
        assert len(session.exec(select(ExportBatch)).all()) == 1
    late = add_draft(db, "hours", {"hours": 2, "kind": "worked"})
    second = export_period(db, BAKKERIJ, PERIOD, "clerk")
    assert second.draft_ids == [late]
    assert first not in second.draft_ids
    assert sheet_rows(second.files[NAMES[0]])[1:] == [("1001", PERIOD, 2)]


def test_an_approved_draft_already_in_an_export_is_not_taken_again(db: Engine):
    add_draft(db, "hours", {"hours": 8, "kind": "worked"}, export_id=999)
    with pytest.raises(NothingToExport):
        export_period(db, BAKKERIJ, PERIOD, "clerk")


def test_a_bad_period_or_unknown_employer_is_refused(db: Engine):
    with pytest.raises(ExportError, match="ongeldige periode"):
        export_period(db, BAKKERIJ, "2026-13", "clerk")
    with pytest.raises(ExportError, match="onbekende werkgever"):
        export_period(db, "nobody", PERIOD, "clerk")


@pytest.mark.parametrize("workers", [2, 4])
def test_concurrent_exports_never_include_a_draft_twice(db: Engine, workers: int):
    periods = ("2026-01", "2026-02", "2026-03")
    approved = {p: [add_draft(db, "hours", {"hours": i + 1, "kind": "worked"}, employee=str(1000 + i), period=p)
                    for i in range(25)] for p in periods}
    for period in periods:
        barrier = threading.Barrier(workers)
        results: list[ExportResult] = []
        errors: list[BaseException] = []

        def run(period: str = period, barrier: threading.Barrier = barrier,
                results: list[ExportResult] = results, errors: list[BaseException] = errors) -> None:
            barrier.wait()
            try:
                results.append(export_period(db, BAKKERIJ, period, f"clerk-{threading.get_ident()}"))
            except NothingToExport as exc:
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(results) + len(errors) == workers
        assert results, "one export must win"
        exported = [draft_id for result in results for draft_id in result.draft_ids]
        assert sorted(exported) == approved[period]  # every draft once, none twice
    after = drafts_by_id(db)
    with Session(db) as session:
        batches = {b.id: b for b in session.exec(select(ExportBatch))}
    for draft_id in (d for ids in approved.values() for d in ids):
        draft = after[draft_id]
        assert draft.status == DraftStatus.EXPORTED
        assert draft_id in batches[draft.export_id].draft_ids
    assert sum(len(b.draft_ids) for b in batches.values()) == 75


# --- Reproducible files -----------------------------------------------------------------------------------------


def test_a_rebuild_gives_the_same_bytes(db: Engine):
    add_draft(db, "hours", {"hours": 3, "kind": "overtime", "rate_percentage": 125})
    add_draft(db, "expense", {"amount": 19.99, "description": "Treinkaartje"})
    add_draft(db, "hire", {"start_date": "2026-03-01", "bsn": "123456782"}, employee=None, name="Eva de Vries")
    result = export_period(db, BAKKERIJ, PERIOD, "clerk")
    assert rebuild_export(db, result.batch_id) == result.files
    # Codes changed afterwards do not change an earlier export: it keeps the codes it used.
    set_export_code(db, BAKKERIJ, "hours:overtime:125", "OVW125", "admin")
    set_export_code(db, BAKKERIJ, "expense", "DECL", "admin")
    assert rebuild_export(db, result.batch_id) == result.files


def test_a_rebuild_after_a_draft_changed_is_refused(db: Engine):
    draft_id = add_draft(db, "expense", {"amount": 19.99, "description": "Treinkaartje"})
    result = export_period(db, BAKKERIJ, PERIOD, "clerk")
    with Session(db) as session:
        draft = session.get(DraftRow, draft_id)
        assert draft is not None
        draft.fields = {"amount": 25, "description": "Treinkaartje"}
        session.add(draft)
        session.commit()
    with pytest.raises(ExportError, match="niet meer gelijk"):
        rebuild_export(db, result.batch_id)
    changed = rebuild_export(db, result.batch_id, verify=False)
    assert sheet_rows(changed[NAMES[1]])[1][3] == 25
    with pytest.raises(ExportError, match="bestaat niet"):
        rebuild_export(db, 12345)


def test_a_workbook_carries_only_the_given_moment():
    stamp = dt.datetime(2026, 4, 1, 9, 30, 12)
    content = build_xlsx("Blad", ["A", "B"], [["x", 1.5], ["y", None]], stamp)
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert {info.date_time for info in archive.infolist()} == {(2026, 4, 1, 9, 30, 12)}
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.properties.created == stamp and workbook.properties.modified == stamp
    assert build_xlsx("Blad", ["A", "B"], [["x", 1.5], ["y", None]], stamp) == content
    assert build_xlsx("Blad", ["A", "B"], [["x", 1.5], ["y", None]], stamp + dt.timedelta(days=1)) != content


def test_the_same_drafts_give_the_same_files_in_any_order():
    drafts = [ExportDraft(1, "hours", "1001", "Sanne", {"hours": 8, "kind": "worked"}),
              ExportDraft(2, "hours", "9", "Ali", {"hours": 2, "kind": "extra"}),
              ExportDraft(3, "sick", "9", "Ali", {"start_date": "2026-03-02"}, "Ali is ziek")]
    stamp = dt.datetime(2026, 3, 31, 23, 59, 58)
    one = build_export_files(BAKKERIJ, PERIOD, drafts, {}, stamp)
    two = build_export_files(BAKKERIJ, PERIOD, list(reversed(drafts)), {}, stamp)
    assert one.files == two.files
    assert one.codes == {"hours:extra": "MEERUREN", "hours:worked": "UREN"}


# --- Formula injection ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+31612345678", "'+31612345678"),
    ("-Jan", "'-Jan"), ("@SUM(1)", "'@SUM(1)"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("Jan", "Jan"), ("", ""),
    ("a=b", "a=b")])
def test_neutralise(text: str, expected: str):
    assert neutralise(text) == expected


def test_text_that_looks_like_a_formula_stays_text_and_numbers_stay_numbers(db: Engine):
    add_draft(db, "expense", {"amount": -25, "description": "=HYPERLINK(\"http://evil.example\",\"klik\")"})
    add_draft(db, "one_off_payment", {"amount": 100, "description": "@SUM(1)"})
    add_draft(db, "personal_data_change", {"phone": "+31612345678"}, name="-Jan", source="=1+1\x0c")
    result = export_period(db, BAKKERIJ, PERIOD, "clerk")

    sheet = load_workbook(io.BytesIO(result.files[NAMES[1]])).active
    assert sheet is not None
    cells = {(c.row, c.column): c for row in sheet.iter_rows() for c in row}
    assert cells[(2, 4)].value == 100 and cells[(2, 4)].data_type == "n"
    assert cells[(2, 5)].value == "'@SUM(1)" and cells[(2, 5)].data_type == "s"
    assert cells[(3, 4)].value == -25 and cells[(3, 4)].data_type == "n"
    assert cells[(3, 5)].value == "'=HYPERLINK(\"http://evil.example\",\"klik\")"
    assert cells[(3, 5)].data_type == "s"

    worklist = sheet_rows(result.files[NAMES[2]])[1]
    assert worklist[3] == "'-Jan" and worklist[6] == "'=1+1"  # the form feed XML cannot hold is dropped
    assert worklist[5] == "telefoon: +31612345678"  # not at the start of the cell: harmless
    line = csv_rows(result.files[NAMES[3]])[1]
    assert line[3] == "'-Jan" and line[6] == "'=1+1"
    with zipfile.ZipFile(io.BytesIO(result.files[NAMES[1]])) as archive:
        assert not any("<f>" in archive.read(n).decode("utf-8") for n in archive.namelist() if n.endswith(".xml"))


# --- Codes ------------------------------------------------------------------------------------------------------


def test_default_codes_and_their_fallbacks():
    assert resolve_code({}, "hours:worked") == "UREN"
    assert resolve_code({}, "hours:overtime") == "OVERUREN"
    assert resolve_code({}, "hours:overtime:125") == "OVERUREN125"
    assert resolve_code({}, "hours:irregular:50") == "ORT50"
    assert resolve_code({}, "hours:extra") == "MEERUREN"
    assert resolve_code({}, "one_off_payment") == "BONUS"
    assert resolve_code({}, "expense") == "ONKOSTEN"
    assert resolve_code({"hours:overtime": "OVW"}, "hours:overtime:150") == "OVW"
    assert resolve_code({"hours:overtime": "OVW", "hours:overtime:150": "OVW150X"}, "hours:overtime:150") == "OVW150X"


def test_an_employer_can_have_its_own_codes(db: Engine):
    assert export_codes(db, BAKKERIJ)["hours:worked"] == "UREN"
    assert set_export_code(db, BAKKERIJ, "hours:overtime:125.0", "OVW_125", "admin@bureau.example") == \
        "hours:overtime:125"
    set_export_code(db, BAKKERIJ, "hours:irregular", "TOESLAG", "admin@bureau.example")
    set_export_code(db, BAKKERIJ, "one_off_payment", "GRATIFICATIE", "admin@bureau.example")
    set_export_code(db, BAKKERIJ, "one_off_payment", "GRAT.1", "admin@bureau.example")
    codes = export_codes(db, BAKKERIJ)
    assert codes["hours:overtime:125"] == "OVW_125" and codes["one_off_payment"] == "GRAT.1"
    assert codes["hours:worked"] == "UREN" and codes["expense"] == "ONKOSTEN"
    assert export_codes(db, FIETSEN)["one_off_payment"] == "BONUS"

    add_draft(db, "hours", {"hours": 3, "kind": "overtime", "rate_percentage": 125})
    add_draft(db, "hours", {"hours": 2, "kind": "overtime", "rate_percentage": 150})
    add_draft(db, "hours", {"hours": 4, "kind": "irregular", "rate_percentage": 50})
    add_draft(db, "one_off_payment", {"amount": 500})
    result = export_period(db, BAKKERIJ, PERIOD, "clerk")
    assert sheet_rows(result.files[NAMES[0]]) == [("Personeelsnummer", "Periode", "OVERUREN150", "OVW_125", "TOESLAG"),
                                                  ("1001", PERIOD, 2, 3, 4)]
    assert sheet_rows(result.files[NAMES[1]])[1] == ("1001", PERIOD, "GRAT.1", 500, None)

    with Session(db) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "export_code_set")
                              .order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
        assert len(events) == 4
        assert events[-1].detail == {"kind": "one_off_payment", "code": "GRAT.1", "previous": "GRATIFICATIE"}
        assert events[-1].actor == "admin@bureau.example" and events[-1].subject_id == BAKKERIJ
        assert len(session.exec(select(ExportCode)).all()) == 3

    assert clear_export_code(db, BAKKERIJ, "hours:irregular", "admin") is True
    assert clear_export_code(db, BAKKERIJ, "hours:irregular", "admin") is False
    assert export_codes(db, BAKKERIJ)["hours:irregular"] == "ORT"


@pytest.mark.parametrize("code", ["", "   ", "OVER UREN", "=1+1", "X" * 61, "ÜREN"])
def test_a_bad_code_is_refused(db: Engine, code: str):
    with pytest.raises(ExportError, match="1 tot 60 tekens"):
        set_export_code(db, BAKKERIJ, "hours:worked", code, "admin")


def test_a_bad_kind_or_employer_is_refused(db: Engine):
    with pytest.raises(ExportError, match="onbekende soort"):
        set_export_code(db, BAKKERIJ, "hours:holiday", "VAK", "admin")
    with pytest.raises(ExportError, match="onbekende werkgever"):
        set_export_code(db, "nobody", "expense", "DECL", "admin")
