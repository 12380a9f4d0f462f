"""An employer's leave rules on /leave ("Verlofregels"): saving and reading back, who may change whose
rules, CSRF, Dutch errors for bad hours, and the ledger using what was saved."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from sqlmodel import Session, col, select

from notifier.leave_jobs import book_leave_year
from tests.dashboard.conftest import USERS, Dashboard, page_csrf
from workflows import leave_ledger as ledger
from workflows.leave_settings import LeaveRules, get_settings
from workflows.models import AuditEvent, Employee, LeaveKind, LeaveRequestRow, LeaveSettings
from workflows.periods import AMSTERDAM

DEFAULTS = LeaveRules(extra_hours=0, negative_limit_hours=0, holidays_free=True)


def save(client, employer_id: str, *, token: str | None = None, extra: str = "0", negative: str = "0",  # type: ignore[no-untyped-def]
         holidays_free: bool = True):
    data = {"extra_hours": extra, "negative_limit_hours": negative}
    if holidays_free:
        data["holidays_free"] = "1"
    if token is not None:
        data["csrf_token"] = token
    return client.post(f"/leave/settings/{employer_id}", data=data)


def shown_rules(html: str) -> tuple[str, str, bool, str]:
    """(extra hours, negative limit, holidays free, form action) as the settings form shows them."""
    form = re.search(r'<form method="post" action="(/leave/settings/[^"]+)".*?</form>', html, re.S)
    assert form, "no leave rules form on the page"
    text = form.group(0)
    extra = re.search(r'name="extra_hours" value="([^"]*)"', text)
    negative = re.search(r'name="negative_limit_hours" value="([^"]*)"', text)
    assert extra and negative
    checked = re.search(r'name="holidays_free" value="1" checked', text) is not None
    return unescape(extra.group(1)), unescape(negative.group(1)), checked, form.group(1)


def rules_events(dashboard: Dashboard) -> list[AuditEvent]:
    with Session(dashboard.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "leave_settings_changed")
                                 .order_by(col(AuditEvent.id))))


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_the_bureau_saves_an_employers_rules_and_reads_them_back(dashboard: Dashboard, who: str):
    client = dashboard.login(who)
    page = client.get("/leave?employer=garage-hoek").text
    assert shown_rules(page) == ("0", "0", True, "/leave/settings/garage-hoek")
    assert '<select name="employer">' in page and '<option value="atelier-noorderlicht" >' in page

    answer = save(client, "garage-hoek", token=page_csrf(client, "/leave"), extra="7,5", negative="16",
                  holidays_free=False)
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/leave?employer=garage-hoek&notice=")
    again = client.get(location).text
    assert "Verlofregels van Garage Hoek B.V. opgeslagen." in unescape(again)
    assert shown_rules(again) == ("7,5", "16", False, "/leave/settings/garage-hoek")
    assert get_settings(dashboard.engine, "garage-hoek") == LeaveRules(7.5, 16, False)
    assert get_settings(dashboard.engine, "atelier-noorderlicht") == DEFAULTS
    with Session(dashboard.engine) as session:
        row = session.get(LeaveSettings, "garage-hoek")
        assert row is not None and (row.extra_minutes_per_year, row.negative_limit_minutes) == (450, 960)

    [event] = rules_events(dashboard)
    assert (event.actor, event.subject_type, event.subject_id) == (USERS[who][0], "employer", "garage-hoek")
    assert event.detail == {"old": {"extra_hours": 0.0, "negative_limit_hours": 0.0, "holidays_free": True},
                            "new": {"extra_hours": 7.5, "negative_limit_hours": 16.0, "holidays_free": False}}
    # The other employer, chosen in the select; a dot works as well as a comma.
    assert shown_rules(client.get("/leave?employer=atelier-noorderlicht").text)[3] == \
        "/leave/settings/atelier-noorderlicht"
    assert save(client, "atelier-noorderlicht", token=page_csrf(client, "/leave"), extra="12.25").status_code == 303
    assert get_settings(dashboard.engine, "atelier-noorderlicht") == LeaveRules(12.25, 0, True)


def test_saving_the_same_rules_again_writes_no_audit_event(dashboard: Dashboard):
    client = dashboard.login("bureau")
    token = page_csrf(client, "/leave")
    assert save(client, "garage-hoek", token=token, extra="8").status_code == 303
    assert save(client, "garage-hoek", token=token, extra="8,0").status_code == 303
    assert len(rules_events(dashboard)) == 1


def test_an_employer_edits_only_its_own_rules(dashboard: Dashboard):
    client = dashboard.login("garage")
    page = client.get("/leave?employer=atelier-noorderlicht").text  # the parameter cannot widen the scope
    assert shown_rules(page)[3] == "/leave/settings/garage-hoek"
    assert 'name="employer"' not in page and "Atelier Noorderlicht" not in page
    token = page_csrf(client, "/leave")
    assert save(client, "atelier-noorderlicht", token=token, extra="40").status_code == 404
    assert get_settings(dashboard.engine, "atelier-noorderlicht") == DEFAULTS
    assert save(client, "garage-hoek", token=token, extra="40").status_code == 303
    assert get_settings(dashboard.engine, "garage-hoek").extra_hours == 40
    assert [e.actor for e in rules_events(dashboard)] == ["ria@garagehoek.example"]


def test_an_unknown_employer_is_not_found(dashboard: Dashboard):
    client = dashboard.login("bureau")
    assert save(client, "bestaat-niet", token=page_csrf(client, "/leave")).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(dashboard: Dashboard):
    client = dashboard.login("bureau")
    assert save(client, "garage-hoek", extra="40").status_code == 403
    assert save(client, "garage-hoek", token="not-the-token", extra="40").status_code == 403
    assert get_settings(dashboard.engine, "garage-hoek") == DEFAULTS
    assert rules_events(dashboard) == []
    anonymous = dashboard.client().post("/leave/settings/garage-hoek", data={"extra_hours": "40"})
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


@pytest.mark.parametrize(("extra", "negative", "message"), [
    ("-1", "0", "Bovenwettelijk verlof kan niet negatief zijn."),
    ("veel", "0", "Bovenwettelijk verlof: 'veel' is geen aantal uren; schrijf bijvoorbeeld 7,5."),
    ("1.000,5", "0", "is geen aantal uren"),
    ("0", "2000,5", "Negatief saldo: 2000,5 uur is meer dan de 2000 uur van een heel werkjaar."),
    ("", "0", "Vul bij bovenwettelijk verlof een aantal uren in (0 als er geen zijn)."),
    ("0", "8,125", "is geen aantal uren"),
])
def test_bad_hours_come_back_with_the_form_and_a_dutch_message(dashboard: Dashboard, extra: str, negative: str,
                                                               message: str):
    client = dashboard.login("garage")
    answer = save(client, "garage-hoek", token=page_csrf(client, "/leave"), extra=extra, negative=negative,
                  holidays_free=False)
    assert answer.status_code == 422
    html = unescape(answer.text)
    assert message in html and 'role="alert"' in html
    assert shown_rules(answer.text) == (extra, negative, False, "/leave/settings/garage-hoek")  # what was typed
    assert get_settings(dashboard.engine, "garage-hoek") == DEFAULTS
    assert rules_events(dashboard) == []


def priya(dashboard: Dashboard) -> Employee:
    with Session(dashboard.engine) as session:
        return session.exec(select(Employee).where(Employee.employer_id == "garage-hoek",
                                                   Employee.number == "72")).one()


def test_the_negative_limit_lets_an_approval_through(dashboard: Dashboard):
    employee = priya(dashboard)
    assert employee.id is not None
    start = dt.datetime.now(AMSTERDAM).date() + dt.timedelta(days=30)
    request = ledger.request_leave(dashboard.engine, employee.id, "vacation", start, start, 8, "dashboard")
    client = dashboard.login("garage")
    token = page_csrf(client, "/leave")

    refused = client.post(f"/leave/{request.id}/approve", data={"csrf_token": token})
    assert refused.status_code == 422 and "onvoldoende verlofuren" in unescape(refused.text)

    assert save(client, "garage-hoek", token=token, negative="16").status_code == 303
    assert client.post(f"/leave/{request.id}/approve", data={"csrf_token": token}).status_code == 303
    with Session(dashboard.engine) as session:
        decided = session.get(LeaveRequestRow, request.id)
        assert decided is not None and decided.status == "approved" and decided.negative
    assert ledger.balance(dashboard.engine, employee.id, start).hours == -8


def test_the_extra_statutory_hours_are_what_the_yearly_booking_accrues(dashboard: Dashboard):
    client = dashboard.login("bureau")
    assert save(client, "garage-hoek", token=page_csrf(client, "/leave"), extra="40").status_code == 303
    today = dt.date(2026, 1, 1)
    book_leave_year(dashboard.engine, today)
    employee = priya(dashboard)  # 32 hours a week: 32/40 of the employer's 40 extra hours
    balance = ledger.balance(dashboard.engine, employee.id or 0, today)
    assert (balance.statutory.hours, balance.extra.hours) == (128, 32)
    hannah = ledger.balance(dashboard.engine, _employee_id(dashboard, "atelier-noorderlicht", "9001"), today)
    assert (hannah.statutory.hours, hannah.extra.hours) == (160, 0)
    assert {e.kind for e in ledger.entries(dashboard.engine, employee.id or 0)} == {LeaveKind.STATUTORY,
                                                                                    LeaveKind.EXTRA}


def _employee_id(dashboard: Dashboard, employer_id: str, number: str) -> int:
    with Session(dashboard.engine) as session:
        found = session.exec(select(Employee.id).where(Employee.employer_id == employer_id,
                                                       Employee.number == number)).one()
        assert found is not None
        return found
