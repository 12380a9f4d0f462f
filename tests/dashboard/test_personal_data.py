"""An employee's data from the employer page: download it, erase it (typed confirmation), bureau only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.dashboard.conftest import Dashboard, page_csrf
from workflows.models import AuditEvent, DraftRow, DraftStatus, Employee


def employee(dashboard: Dashboard, number: str) -> Employee:
    with Session(dashboard.engine) as session:
        return session.exec(select(Employee).where(Employee.employer_id == "garage-hoek",
                                                   Employee.number == number)).one()


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_the_bureau_downloads_an_employees_data_by_id(dashboard: Dashboard, who: str):
    client = dashboard.login(who)
    priya = employee(dashboard, "72")
    page = client.get("/employers/garage-hoek").text
    link = f"/employers/garage-hoek/employees/{priya.id}/data"
    assert f'href="{link}"' in page and "Gegevens downloaden" in page and "Gegevens wissen" in page
    answer = client.get(link)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.headers["content-disposition"] == f'attachment; filename="medewerker-{priya.id}.json"'
    data = json.loads(answer.text)
    assert data["employee"]["last_name"] == "Ramdin" and [d["type"] for d in data["drafts"]] == ["sick"]
    # Another employer's employee is not found under this employer.
    with Session(dashboard.engine) as session:
        hannah = session.exec(select(Employee).where(Employee.number == "9001")).one()
    assert client.get(f"/employers/garage-hoek/employees/{hannah.id}/data").status_code == 404


def test_an_employer_user_may_not_download_or_erase(dashboard: Dashboard):
    client = dashboard.login("garage")
    priya = employee(dashboard, "72")
    assert client.get(f"/employers/garage-hoek/employees/{priya.id}/data").status_code == 403
    answer = client.post(f"/employers/garage-hoek/employees/{priya.id}/erase",
                         data={"csrf_token": page_csrf(client), "confirm": "WISSEN"})
    assert answer.status_code == 403 and employee(dashboard, "72").email == "priya@example.org"


def test_erasing_needs_the_typed_word_and_says_what_stays(dashboard: Dashboard):
    client = dashboard.login("bureau")
    priya = employee(dashboard, "72")
    path = f"/employers/garage-hoek/employees/{priya.id}/erase"
    token = page_csrf(client, "/employers/garage-hoek")
    refused = client.post(path, data={"csrf_token": token, "confirm": "ja"})
    assert refused.status_code == 422 and "Typ WISSEN" in refused.text
    assert employee(dashboard, "72").email == "priya@example.org"
    assert client.post(path, data={"confirm": "WISSEN"}).status_code == 403  # no CSRF token

    done = client.post(path, data={"csrf_token": token, "confirm": "wissen"})
    assert done.status_code == 303
    location = done.headers["location"]
    assert location.startswith("/employers/garage-hoek?notice=")
    assert "Priya" not in location and "Ramdin" not in location and "@" not in location
    page = client.get(location).text
    assert "Gegevens van medewerker 72 gewist" in page and "fiscale bewaarplicht" in page
    assert employee(dashboard, "72").email is None
    with Session(dashboard.engine) as session:
        [draft] = session.exec(select(DraftRow).where(DraftRow.employee_id == "72")).all()
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "employee_erased")).all()
    assert (draft.status, draft.fields) == (DraftStatus.REJECTED, {})
    assert (event.actor, event.subject_id) == ("anna@bureau.example", str(priya.id))


def test_the_command_line_exports_and_erases_one_employee(tmp_path: Path):
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOONBODE_")}
    env["LOONBODE_DATA_DIR"] = str(tmp_path / "data")

    def loonbode(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "loonbode", *args], capture_output=True, text=True, env=env,
                              cwd=tmp_path, check=False)

    assert loonbode("import-roster", str(root / "examples" / "roster.json")).returncode == 0
    roster = json.loads((root / "examples" / "roster.json").read_text())
    employer = roster["employers"][0]
    number = employer["employees"][0]["number"]

    shown = loonbode("employee-export", employer["id"], number)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["employee"]["number"] == number
    out = tmp_path / "inzage.json"
    written = loonbode("employee-export", employer["id"], number, "--out", str(out))
    assert written.returncode == 0 and json.loads(out.read_text())["employee"]["number"] == number
    assert out.stat().st_mode & 0o077 == 0  # it holds BSN and IBAN: the owner's only
    assert loonbode("employee-export", employer["id"], "nope").returncode == 1

    unsure = loonbode("employee-erase", employer["id"], number)
    assert unsure.returncode == 2 and "--yes" in unsure.stderr
    erased = loonbode("employee-erase", employer["id"], number, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert f"medewerker {number}" in erased.stdout and "bewaarplicht" in erased.stdout
    assert json.loads(loonbode("employee-export", employer["id"], number).stdout)["employee"]["email"] is None
