"""The `loonbode` command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "mutaties-februari.eml"
ROSTER = ROOT / "examples" / "roster.json"


def loonbode(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "loonbode", *args], capture_output=True, text=True, cwd=ROOT,
                          check=False)


def test_parse_json_prints_exactly_the_contract():
    run = loonbode("parse", "--roster", str(ROSTER), "--json", str(EXAMPLE), str(EXAMPLE))
    assert run.returncode == 0, run.stderr
    results = json.loads(run.stdout)
    assert len(results) == 2
    assert set(results[0]) == {"file", "employer_id", "auto_reply", "mutations", "issues"}
    mutation = results[0]["mutations"][0]
    assert set(mutation) == {"type", "employee_id", "employee_name", "fields", "confidence", "source"}
    assert set(mutation["source"]) == {"part", "location", "text"}
    assert [(m["type"], m["employee_id"]) for m in results[0]["mutations"]] == [
        ("hours", "503"), ("sick", "502"), ("salary_change", "501")]
    assert all(set(i) == {"severity", "message"} for i in results[0]["issues"])


def test_parse_without_json_prints_a_dutch_summary():
    run = loonbode("parse", "--roster", str(ROSTER), str(EXAMPLE))
    assert run.returncode == 0, run.stderr
    assert "ziekmelding" in run.stdout and "Yara van der Meulen" in run.stdout


def test_a_broken_roster_is_reported_without_a_traceback(tmp_path: Path):
    bad = tmp_path / "roster.json"
    bad.write_text('{"employers": [{"id": 1}]}')
    run = loonbode("parse", "--roster", str(bad), "--json", str(EXAMPLE))
    assert run.returncode != 0
    assert "geen geldig roster.json" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_missing_mail_file_is_reported_without_a_traceback(tmp_path: Path):
    run = loonbode("parse", "--roster", str(ROSTER), "--json", str(tmp_path / "weg.eml"))
    assert run.returncode == 2
    assert "kan" in run.stderr and "Traceback" not in run.stderr


def test_parse_leave_prints_a_request_or_an_error():
    run = loonbode("parse-leave", "--today", "2026-06-10", "--json", "Mag ik vrijdagmiddag vrij?")
    assert json.loads(run.stdout) == {"leave_type": "vacation", "start_date": "2026-06-12",
                                      "end_date": "2026-06-12", "hours": None, "part_of_day": "afternoon",
                                      "note": None}
    refused = loonbode("parse-leave", "--today", "2026-06-10", "--json", "Hoeveel verlof heb ik nog?")
    assert set(json.loads(refused.stdout)) == {"error"}


def test_parse_leave_without_json_answers_in_a_sentence():
    run = loonbode("parse-leave", "--today", "2026-06-10", "Ik wil vrij van 3 t/m 7 augustus")
    assert run.stdout.strip() == "vakantieverlof van 03-08-2026 t/m 07-08-2026"
