"""The reminder switches on /settings/reminders: an admin saves and reads them back, no one else may,
a POST without the session's CSRF token is refused, and bad numbers come back as a Dutch error."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlmodel import Session, col, select

from tests.dashboard.conftest import Dashboard, page_csrf
from workflows import reminder_settings
from workflows.models import AuditEvent

PATH = "/settings/reminders"
ALL_ON = {"enabled_nothing_received": "1", "enabled_leave_waiting": "1", "enabled_poortwachter": "1",
          "enabled_bureau_digest": "1"}


def events(dashboard: Dashboard) -> list[AuditEvent]:
    with Session(dashboard.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == "reminder_settings_changed")
                                 .order_by(col(AuditEvent.id))))


def test_an_admin_saves_the_switches_and_reads_them_back(dashboard: Dashboard) -> None:
    client = dashboard.login("admin")
    page = client.get(PATH)
    assert page.status_code == 200
    assert re.search(r'name="enabled_poortwachter" value="1" checked', page.text)
    assert 'name="days_before" value="3"' in page.text
    assert "<script>" not in page.text and "style=" not in page.text
    assert '<a href="/settings/reminders" aria-current="page">Herinneringen</a>' in page.text

    form = {**ALL_ON, "days_before": "5", "csrf_token": page_csrf(client, PATH)}
    del form["enabled_poortwachter"]
    answer = client.post(PATH, data=form)
    assert answer.status_code == 303
    assert unquote(answer.headers["location"]) == f"{PATH}?notice=herinneringen opgeslagen"

    assert reminder_settings.get(dashboard.engine, "poortwachter") == (False, None)
    assert reminder_settings.get(dashboard.engine, "nothing_received") == (True, 5)
    assert reminder_settings.get(dashboard.engine, "bureau_digest") == (True, None)
    shown = client.get(PATH).text
    assert re.search(r'name="enabled_poortwachter" value="1" >', shown)
    assert 'name="days_before" value="5"' in shown
    assert [(e.actor, e.subject_id, e.detail["new"]) for e in events(dashboard)] == [
        ("beheer@bureau.example", "nothing_received", {"enabled": True, "days_before": 5}),
        ("beheer@bureau.example", "poortwachter", {"enabled": False, "days_before": None})]

    # Saving the same again changes nothing and leaves no new audit events.
    client.post(PATH, data={**form, "csrf_token": page_csrf(client, PATH)})
    assert len(events(dashboard)) == 2


@pytest.mark.parametrize("who", ["bureau", "garage"])
def test_only_admins(dashboard: Dashboard, who: str) -> None:
    client = dashboard.login(who)
    assert client.get(PATH).status_code == 403
    answer = client.post(PATH, data={"days_before": "1", "csrf_token": page_csrf(client)})
    assert answer.status_code == 403
    assert reminder_settings.get(dashboard.engine, "nothing_received") == (True, 3)
    assert "/settings/reminders" not in client.get("/queue").text  # no link in the menu either


def test_a_post_without_the_csrf_token_is_refused(dashboard: Dashboard) -> None:
    client = dashboard.login("admin")
    assert client.post(PATH, data={"days_before": "1"}).status_code == 403
    assert client.post(PATH, data={"days_before": "1", "csrf_token": "not-the-token"}).status_code == 403
    assert reminder_settings.get_all(dashboard.engine)["nothing_received"] == (True, 3)
    assert events(dashboard) == []


def test_logged_out_goes_to_the_login(dashboard: Dashboard) -> None:
    answer = dashboard.client().get(PATH)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


@pytest.mark.parametrize("days", ["", "-1", "21", "drie", "2,5"])
def test_a_bad_number_of_days_is_refused_in_dutch(dashboard: Dashboard, days: str) -> None:
    client = dashboard.login("admin")
    answer = client.post(PATH, data={**ALL_ON, "days_before": days, "csrf_token": page_csrf(client, PATH)})
    assert answer.status_code == 303
    error = unquote(answer.headers["location"])
    assert "error=Vul bij het aantal werkdagen een heel getal van 0 tot en met 20 in." in error
    assert reminder_settings.get(dashboard.engine, "nothing_received") == (True, 3)
    assert events(dashboard) == []
    assert "werkdagen" in client.get(answer.headers["location"]).text


def test_saving_directly_checks_the_kind_and_the_days(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LookupError):
        reminder_settings.save(engine, "birthday", True, None, actor="test")
    with pytest.raises(reminder_settings.ReminderSettingsError, match="tussen 0 en 20"):
        reminder_settings.save(engine, "nothing_received", True, 21, actor="test")
    assert reminder_settings.save(engine, "leave_waiting", False, 7, actor="test") == (False, None)  # no timing
    assert reminder_settings.save(engine, "nothing_received", False, None, actor="test") == (False, 3)
    with Session(engine) as session:
        assert reminder_settings.get(session, "nothing_received") == (False, 3)
        assert reminder_settings.get(session, "leave_waiting") == (False, None)
