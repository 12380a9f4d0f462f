"""Importing the roster from roster.json and CSV, and the CLI commands around the database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from parsers.roster import Roster
from workflows.roster_store import RosterError, import_roster, load_roster, roster_from_csv

ROOT = Path(__file__).resolve().parents[2]

CSV = "\n".join([
    "employer_id;employer_name;senders;number;first_name;prefix;last_name;birth_date;hours_per_week;email;"
    "work_days;start_date",
    "fietsen-bv;Fietsen B.V.;loon@fietsen.example info@fietsen.example;11;Anna;van der;Berg;1990-01-02;32;"
    "a@x.example;mon|tue|wed|thu;2020-01-01",
    "fietsen-bv;Fietsen B.V.;;12;Bo;;Smit;;40;;;",
]) + "\n"


def test_a_csv_roster_reads_as_the_json_one():
    roster = roster_from_csv(CSV)
    employer = roster.employers[0]
    assert employer.senders == ["loon@fietsen.example", "info@fietsen.example"]
    assert [(e.number, e.prefix, e.work_days) for e in employer.employees] == [
        ("11", "van der", ["mon", "tue", "wed", "thu"]), ("12", "", ["mon", "tue", "wed", "thu", "fri"])]


def test_a_csv_without_the_needed_columns_says_which_are_missing():
    with pytest.raises(RosterError, match="number"):
        roster_from_csv("employer_id;first_name;last_name\nx;A;B\n")


def test_importing_twice_updates_in_place(engine):
    roster = roster_from_csv(CSV)
    import_roster(engine, roster)
    changed = roster_from_csv(CSV.replace("Fietsen B.V.", "Fietsen Nederland B.V.").replace(";32;", ";36;"))
    import_roster(engine, changed)
    loaded = load_roster(engine)
    assert loaded.employers[0].name == "Fietsen Nederland B.V."
    assert [e.hours_per_week for e in loaded.employers[0].employees] == [36, 40]
    assert len(loaded.employers[0].employees) == 2


def run(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LOONBODE_DATA_DIR": str(data_dir)}
    env.pop("LOONBODE_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "loonbode", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, check=False)


def test_the_cli_imports_a_roster_and_lists_drafts_and_outbox(tmp_path: Path):
    imported = run("import-roster", str(ROOT / "examples" / "roster.json"), data_dir=tmp_path / "data")
    assert imported.returncode == 0, imported.stderr
    assert "1 werkgever(s) en 3 medewerker(s)" in imported.stdout
    drafts = run("drafts", "--json", data_dir=tmp_path / "data")
    assert json.loads(drafts.stdout) == []
    outbox = run("outbox", "--json", data_dir=tmp_path / "data")
    assert json.loads(outbox.stdout) == []


def test_a_broken_roster_file_is_refused_with_a_reason(tmp_path: Path):
    bad = tmp_path / "roster.csv"
    bad.write_text("naam;adres\nx;y\n")
    result = run("import-roster", str(bad), data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert "mist de kolommen" in result.stderr and "Traceback" not in result.stderr


def test_load_roster_gives_the_parser_model(engine):
    import_roster(engine, roster_from_csv(CSV))
    assert isinstance(load_roster(engine), Roster)
