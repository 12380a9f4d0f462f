"""The data change page (/data-changes): an employer confirms or rejects its own employees' requests from
/gegevens, the bureau those of every employer; CSRF on every POST; IBAN masked; a decision once."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.dashboard.conftest import Dashboard, page_csrf
from tests.security.conftest import snapshot
from workflows.models import DataChangeRequest, DraftRow, Employee, OutboundMessage, TelegramChat
from workflows.personal_details import request_change

NEW_IBAN = "NL20INGB0001234567"


def employee(dashboard: Dashboard, number: str) -> Employee:
    with Session(dashboard.engine) as session:
        return session.exec(select(Employee).where(Employee.number == number)).one()


def ask(dashboard: Dashboard, number: str, fields: dict[str, str], words: str) -> int:
    made = request_change(dashboard.engine, employee(dashboard, number).id or 0, None, fields, words)
    assert made.id is not None
    return made.id


def status(dashboard: Dashboard, change_id: int) -> str:
    with Session(dashboard.engine) as session:
        found = session.get(DataChangeRequest, change_id)
        assert found is not None
        return found.status


def changes_drafts(dashboard: Dashboard) -> list[DraftRow]:
    with Session(dashboard.engine) as session:
        return list(session.exec(select(DraftRow).where(DraftRow.type == "personal_data_change")))


def test_an_employer_sees_and_decides_only_its_own_employees_requests(dashboard: Dashboard):
    priya = ask(dashboard, "72", {"iban": NEW_IBAN}, f"Mijn nieuwe IBAN is {NEW_IBAN}")
    hannah = ask(dashboard, "9001", {"last_name": "Smith"}, "My last name is now Smith")
    garage = dashboard.login("garage")
    page = garage.get("/data-changes")
    assert page.status_code == 200
    assert "Priya Ramdin" in page.text and "IBAN: *****4567" in page.text
    assert f"/data-changes/{priya}/confirm" in page.text
    assert "Hannah" not in page.text and "Smith" not in page.text and f"/data-changes/{hannah}/" not in page.text
    assert NEW_IBAN not in page.text  # neither in the fields nor in the employee's own words

    token = page_csrf(garage, "/data-changes")
    assert garage.post(f"/data-changes/{hannah}/confirm", data={"csrf_token": token}).status_code == 404
    assert garage.post(f"/data-changes/{hannah}/reject", data={"csrf_token": token, "reason": "nee"}).status_code == 404
    assert status(dashboard, hannah) == "pending"

    done = garage.post(f"/data-changes/{priya}/confirm", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["location"].startswith("/data-changes?notice=")
    assert "Priya" not in done.headers["location"]  # ids only in a URL
    assert f"Verzoek {priya} bevestigd" in garage.get(done.headers["location"]).text
    assert status(dashboard, priya) == "confirmed"
    [draft] = changes_drafts(dashboard)
    assert (draft.employer_id, draft.employee_id, draft.fields, draft.inbound_id) == \
        ("garage-hoek", "72", {"iban": NEW_IBAN}, None)
    assert draft.source["location"] == f"wijzigingsverzoek {priya}"
    assert garage.get(f"/drafts/{draft.id}").status_code == 200  # the draft's own page, though it has no mail


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_the_bureau_sees_every_employers_requests(dashboard: Dashboard, who: str):
    ask(dashboard, "72", {"phone": "0612345678"}, "Nieuw nummer 06 12345678")
    hannah = ask(dashboard, "9001", {"last_name": "Smith"}, "My last name is now Smith")
    client = dashboard.login(who)
    page = client.get("/data-changes").text
    assert "Priya Ramdin" in page and "Hannah Moore" in page
    assert "Garage Hoek" in page and "Atelier Noorderlicht" in page
    answer = client.post(f"/data-changes/{hannah}/confirm", data={"csrf_token": page_csrf(client, "/data-changes")})
    assert answer.status_code == 303 and status(dashboard, hannah) == "confirmed"


def test_rejecting_needs_a_reason_which_reaches_the_employees_chat(dashboard: Dashboard):
    priya_id = employee(dashboard, "72").id
    with Session(dashboard.engine) as session:
        session.add(TelegramChat(chat_id=555, employee_id=priya_id, language="nl"))
        session.commit()
    change = ask(dashboard, "72", {"street": "Dorpsstraat", "house_number": "12", "postal_code": "1234 AB",
                                   "city": "Utrecht"}, "Nieuw adres: Dorpsstraat 12, 1234 AB Utrecht")
    garage = dashboard.login("garage")
    token = page_csrf(garage, "/data-changes")
    refused = garage.post(f"/data-changes/{change}/reject", data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 422 and "geef een reden om af te wijzen" in refused.text
    assert status(dashboard, change) == "pending"

    answer = garage.post(f"/data-changes/{change}/reject", data={"csrf_token": token, "reason": "Dat adres klopt niet"})
    assert answer.status_code == 303 and status(dashboard, change) == "rejected" and changes_drafts(dashboard) == []
    with Session(dashboard.engine) as session:
        [told] = session.exec(select(OutboundMessage).where(OutboundMessage.to_address == "555")).all()
    assert told.channel == "telegram" and "Reden: Dat adres klopt niet" in told.body and "Dorpsstraat 12" in told.body

    again = garage.post(f"/data-changes/{change}/confirm", data={"csrf_token": token})
    assert again.status_code == 409 and "al beslist" in again.text and changes_drafts(dashboard) == []


def test_a_post_without_the_sessions_csrf_token_changes_nothing(dashboard: Dashboard):
    change = ask(dashboard, "72", {"phone": "0612345678"}, "Nieuw nummer 06 12345678")
    garage, atelier = dashboard.login("garage"), dashboard.login("atelier")
    before = snapshot(dashboard.engine)
    for token in (None, "", "vervalst", page_csrf(atelier, "/data-changes")):
        form = {} if token is None else {"csrf_token": token}
        assert garage.post(f"/data-changes/{change}/confirm", data=form).status_code == 403
        assert garage.post(f"/data-changes/{change}/reject", data={**form, "reason": "nee"}).status_code == 403
    assert snapshot(dashboard.engine) == before
    assert dashboard.client().get("/data-changes").headers["location"] == "/login?next=/data-changes"


def test_an_unknown_action_or_request_is_not_found(dashboard: Dashboard):
    change = ask(dashboard, "72", {"phone": "0612345678"}, "Nieuw nummer 06 12345678")
    garage = dashboard.login("garage")
    token = page_csrf(garage, "/data-changes")
    assert garage.post(f"/data-changes/{change}/delete", data={"csrf_token": token}).status_code == 404
    assert garage.post("/data-changes/999999/confirm", data={"csrf_token": token}).status_code == 404
    assert status(dashboard, change) == "pending"
