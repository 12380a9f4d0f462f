"""Payroll periods in the dashboard: the bureau's overview, an employer's own periods, run done once,
and the schedule form."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from dashboard import periods
from tests.dashboard.conftest import Dashboard, page_csrf
from workflows.models import Employee, OutboundMessage, PayrollPeriod

MARCH_18 = dt.date(2026, 3, 18)  # the day the seeded mails were sent


@pytest.fixture(autouse=True)
def today_is_march_18(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periods, "_today", lambda: MARCH_18)


def paid_hourly(dashboard: Dashboard, employer: str, number: str) -> None:
    with Session(dashboard.engine) as session:
        employee = session.exec(select(Employee).where(Employee.employer_id == employer,
                                                       Employee.number == number)).one()
        employee.paid_hourly = True
        session.add(employee)
        session.commit()


def period_row(dashboard: Dashboard, employer: str, key: str) -> PayrollPeriod | None:
    with Session(dashboard.engine) as session:
        return session.exec(select(PayrollPeriod).where(PayrollPeriod.employer_id == employer,
                                                        PayrollPeriod.period == key)).first()


def test_the_bureau_sees_every_employer_with_its_stage_and_what_is_missing(dashboard: Dashboard):
    paid_hourly(dashboard, "garage-hoek", "74")  # Karin Verbeek: no hours in the mail
    paid_hourly(dashboard, "atelier-noorderlicht", "9001")  # Hannah Moore: her overtime counts as hours
    page = dashboard.login("bureau").get("/periods")
    assert page.status_code == 200
    html = page.text
    assert "Garage Hoek B.V." in html and "Atelier Noorderlicht" in html
    assert html.count("mutaties ontvangen") == 2 and html.count(">2026-03") == 2
    assert "ziekmelding van Priya Ramdin sinds 16-03-2026 staat nog open" in html
    assert "ziekmelding van Daniel Okafor sinds 16-03-2026 staat nog open" in html
    assert "2 concepten wachten op beoordeling" in html
    assert "geen uren voor Karin Verbeek" in html and "geen uren voor Hannah Moore" not in html
    assert html.count("Verloning klaar</button>") == 2
    assert '<a href="/periods" aria-current="page">Perioden</a>' in html
    for employer in ("garage-hoek", "atelier-noorderlicht"):  # the page made the current and next periods
        assert period_row(dashboard, employer, "2026-03") and period_row(dashboard, employer, "2026-04")


def test_a_passed_deadline_is_red_until_the_period_is_exported(dashboard: Dashboard, monkeypatch):
    monkeypatch.setattr(periods, "_today", lambda: dt.date(2026, 3, 20))
    html = dashboard.login("bureau").get("/periods").text
    assert html.count('<td class="late">18-03-2026') == 2


def test_an_employer_sees_only_its_own_periods_and_no_button(dashboard: Dashboard):
    client = dashboard.login("garage")
    html = client.get("/periods").text
    assert "Perioden van Garage Hoek B.V." in html and "Priya Ramdin" in html
    assert "Atelier Noorderlicht" not in html and "Daniel Okafor" not in html
    assert "Verloning klaar</button>" not in html and "run-done" not in html and "Verloningsschema" not in html
    assert client.get("/periods/garage-hoek").status_code == 200
    assert client.get("/periods/atelier-noorderlicht").status_code == 404
    csrf = page_csrf(client, "/periods")
    assert client.post("/periods/garage-hoek/2026-03/run-done", data={"csrf_token": csrf}).status_code == 403
    assert client.post("/periods/garage-hoek/schedule", data={"csrf_token": csrf, "frequency": "four_weekly",
                                                               "run_day": "25", "deadline_working_days": "5"}
                       ).status_code == 403
    row = period_row(dashboard, "garage-hoek", "2026-03")
    assert row is not None and row.run_done_at is None


def test_the_bureau_marks_a_run_done_once(dashboard: Dashboard):
    woken: list[int] = []
    dashboard.app.state.wake_outbox = lambda: woken.append(1)  # type: ignore[attr-defined]
    client = dashboard.login("bureau")
    csrf = page_csrf(client, "/periods")
    refused = client.post("/periods/garage-hoek/2026-03/run-done", data={})
    assert refused.status_code == 403 and woken == []
    assert period_row(dashboard, "garage-hoek", "2026-03").run_done_at is None  # type: ignore[union-attr]
    done = client.post("/periods/garage-hoek/2026-03/run-done", data={"csrf_token": csrf, "back": "overview"})
    assert done.status_code == 303 and done.headers["location"].startswith("/periods?notice=")
    assert woken == [1]
    row = period_row(dashboard, "garage-hoek", "2026-03")
    assert row is not None and row.run_done_by == "anna@bureau.example" and row.run_done_at is not None
    html = client.get(done.headers["location"]).text
    assert "Verloning 2026-03 klaar gemeld." in html and "verloning klaar</span>" in html
    # The notices are in the outbox at once: the employer contact and each employee with an address.
    with Session(dashboard.engine) as session:
        kinds = {(m.channel, m.to_address) for m in session.exec(select(OutboundMessage)
                                                                 .where(OutboundMessage.kind == "documents_ready"))}
    assert ("mail", "ria@garagehoek.example") in kinds and ("mail", "priya@example.org") in kinds
    assert "bericht(en) dat de documenten klaarstaan gaan nu uit" in html
    assert html.count("Verloning klaar</button>") == 1  # only the atelier's is left
    again = client.post("/periods/garage-hoek/2026-03/run-done", data={"csrf_token": csrf, "back": "employer"})
    assert again.status_code == 409 and "al als klaar gemeld" in again.text
    assert "Perioden van Garage Hoek B.V." in again.text and woken == [1]
    early = client.post("/periods/garage-hoek/2026-04/run-done", data={"csrf_token": csrf})
    assert early.status_code == 409 and "nog niet begonnen" in early.text
    assert client.post("/periods/garage-hoek/2026-13/run-done", data={"csrf_token": csrf}).status_code == 404
    assert client.post("/periods/nobody/2026-03/run-done", data={"csrf_token": csrf}).status_code == 404


def test_a_four_weekly_schedule_shows_four_weekly_periods(dashboard: Dashboard):
    client = dashboard.login("bureau")
    client.get("/periods")  # makes the monthly rows of March and April
    assert period_row(dashboard, "garage-hoek", "2026-04") is not None
    form = client.get("/periods/garage-hoek").text
    assert "Verloningsschema" in form and 'value="monthly" selected' in form
    csrf = page_csrf(client, "/periods/garage-hoek")
    wrong = client.post("/periods/garage-hoek/schedule", data={"csrf_token": csrf, "frequency": "four_weekly",
                                                               "run_day": "40", "deadline_working_days": "5"})
    assert wrong.status_code == 422 and "tussen 1 en 31" in wrong.text and 'value="40"' in wrong.text
    saved = client.post("/periods/garage-hoek/schedule", data={"csrf_token": csrf, "frequency": "four_weekly",
                                                               "run_day": "25", "deadline_working_days": "3"})
    assert saved.status_code == 303
    html = client.get(saved.headers["location"]).text
    assert "Verloningsschema opgeslagen." in html and 'value="four_weekly" selected' in html
    for key in ("2026-P01", "2026-P02", "2026-P03", "2026-P04", "2026-P05"):
        assert f"<td>{key}" in html
    # The March drafts stay in March, whose row the switch keeps; the overview shows the new period.
    assert "<td>2026-03" in html
    overview = client.get("/periods").text
    assert "2026-P03" in overview and "2026-P04" not in overview
    assert period_row(dashboard, "garage-hoek", "2026-04") is None  # a monthly period still to come: gone
    p03 = period_row(dashboard, "garage-hoek", "2026-P03")
    assert p03 is not None and (p03.run_date, p03.deadline) == (dt.date(2026, 3, 20), dt.date(2026, 3, 17))


def test_the_schedule_form_needs_the_token(dashboard: Dashboard):
    client = dashboard.login("bureau")
    refused = client.post("/periods/garage-hoek/schedule", data={"csrf_token": "x", "frequency": "four_weekly",
                                                                 "run_day": "25", "deadline_working_days": "5"})
    assert refused.status_code == 403
    assert 'value="monthly" selected' in client.get("/periods/garage-hoek").text
