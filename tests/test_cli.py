"""The `loonbode` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
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


def in_data_dir(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOONBODE_")}
    env["LOONBODE_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run([sys.executable, "-m", "loonbode", *args], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=False)


def test_create_user_makes_a_login_and_refuses_bad_ones_with_a_reason(tmp_path: Path):
    assert in_data_dir(tmp_path, "import-roster", str(ROOT / "examples" / "roster.json")).returncode == 0
    made = in_data_dir(tmp_path, "create-user", "Anna@Bureau.example", "--role", "bureau", "--password",
                       "een-lang-wachtwoord")
    assert made.returncode == 0 and "anna@bureau.example (bureau) aangemaakt" in made.stdout
    for args, reason in ((["anna@bureau.example", "--role", "bureau"], "er is al een gebruiker"),
                         (["x@y.example", "--role", "employer"], "hoort bij een werkgever"),
                         (["x@y.example", "--role", "employer", "--employer", "bestaat-niet"], "bestaat niet"),
                         (["x@y.example", "--role", "baas"], "onbekende rol")):
        refused = in_data_dir(tmp_path, "create-user", *args, "--password", "een-lang-wachtwoord")
        assert refused.returncode == 2 and reason in refused.stderr and "Traceback" not in refused.stderr, args


def test_export_codes_shows_defaults_and_sets_an_employers_own(tmp_path: Path):
    assert in_data_dir(tmp_path, "import-roster", str(ROOT / "examples" / "roster.json")).returncode == 0
    employer = json.loads((ROOT / "examples" / "roster.json").read_text())["employers"][0]["id"]
    shown = in_data_dir(tmp_path, "export-codes", employer, "--set", "hours:overtime:125=OV125")
    assert shown.returncode == 0
    codes = dict(line.split() for line in shown.stdout.splitlines())
    assert codes["hours:overtime:125"] == "OV125" and codes["hours:worked"] == "UREN"
    refused = in_data_dir(tmp_path, "export-codes", employer, "--set", "hours:worked==SUM(1)")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


def test_the_signing_key_is_made_once_into_the_data_dir_and_kept_private(tmp_path):
    from loonbode.settings import Settings, signing_key

    settings = Settings(_env_file=None, data_dir=tmp_path / "data")  # type: ignore[call-arg]
    first = signing_key(settings)
    assert len(first) >= 48 and signing_key(settings) == first
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert signing_key(Settings(_env_file=None, data_dir=tmp_path / "data", secret_key="set")) == b"set"  # type: ignore[call-arg]
