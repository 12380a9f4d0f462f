"""The quarantine: who may see it, giving an unknown sender to an employer (after which the worker
reads the mail into drafts), throwing mail away without deleting it, and mail content that stays inert."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from tests.dashboard.conftest import USERS, Dashboard, page_csrf
from tests.parsers.conftest import build_mail
from workflows.inbound import store_inbound
from workflows.models import AuditEvent, DraftRow, InboundMessage, InboundStatus, SenderAddress
from workflows.pipeline import run_pending
from workflows.senders import add_sender

NEW_SENDER = "Jan Nieuw <jan@nieuw-loket.example>"
NEW_ADDRESS = "jan@nieuw-loket.example"


def quarantine(dashboard: Dashboard, body: str, *, sender: str = NEW_SENDER, subject: str = "Mutaties") -> int:
    """Store a mail from an unknown sender and let the worker quarantine it."""
    inbound_id = store_inbound(dashboard.engine, dashboard.data_dir, build_mail(body, sender=sender, subject=subject),
                               channel="smtp")
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    assert message(dashboard, inbound_id).status == InboundStatus.QUARANTINED
    return inbound_id


def message(dashboard: Dashboard, inbound_id: int) -> InboundMessage:
    with Session(dashboard.engine) as session:
        found = session.get(InboundMessage, inbound_id)
        assert found is not None
        return found


def drafts_of(dashboard: Dashboard, inbound_id: int) -> list[DraftRow]:
    with Session(dashboard.engine) as session:
        return list(session.exec(select(DraftRow).where(DraftRow.inbound_id == inbound_id)))


def audit(dashboard: Dashboard, action: str) -> list[AuditEvent]:
    with Session(dashboard.engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))))


def post(client, path: str, **form: str):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": page_csrf(client, "/quarantine"), **form})


def test_anonymous_visitors_are_sent_to_the_login(dashboard: Dashboard):
    inbound_id = quarantine(dashboard, "Gerrit Hoek heeft 5 overuren gemaakt.")
    client = dashboard.client()
    answer = client.get("/quarantine")
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/quarantine"
    for action in ("release", "discard"):
        answer = client.post(f"/quarantine/{inbound_id}/{action}", data={"employer": "garage-hoek"})
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert message(dashboard, inbound_id).status == InboundStatus.QUARANTINED


def test_employer_users_may_not_see_or_touch_the_quarantine(dashboard: Dashboard):
    inbound_id = quarantine(dashboard, "Gerrit Hoek heeft 5 overuren gemaakt.")
    client = dashboard.login("garage")
    page = client.get("/quarantine")
    assert page.status_code == 403 and NEW_ADDRESS not in page.text
    assert 'href="/quarantine"' not in client.get("/queue").text
    token = page_csrf(client)
    for action in ("release", "discard"):
        answer = client.post(f"/quarantine/{inbound_id}/{action}", data={"csrf_token": token,
                                                                        "employer": "garage-hoek"})
        assert answer.status_code == 403, action
    assert message(dashboard, inbound_id).status == InboundStatus.QUARANTINED
    with Session(dashboard.engine) as session:
        assert session.exec(select(SenderAddress).where(SenderAddress.address == NEW_ADDRESS)).first() is None


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_the_bureau_sees_each_quarantined_mail(dashboard: Dashboard, who: str):
    inbound_id = quarantine(dashboard, "Gerrit Hoek heeft 5 overuren gemaakt.\nGroet, Jan", subject="Overuren maart")
    client = dashboard.login(who)
    assert 'href="/quarantine"' in client.get("/queue").text
    html = client.get("/quarantine").text
    assert NEW_ADDRESS in html and "Overuren maart" in html
    assert re.search(r"<dt>Ontvangen</dt><dd>\d\d-\d\d-\d{4} \d\d:\d\d <span class=\"muted\">· \d+ k?B</span>", html)
    assert "Gerrit Hoek heeft 5 overuren gemaakt. Groet, Jan" in html  # the preview
    assert f'action="/quarantine/{inbound_id}/release"' in html and f'action="/quarantine/{inbound_id}/discard"' in html
    assert "Voeg afzender toe aan werkgever" in html and "Weggooien" in html
    assert '<option value="garage-hoek">Garage Hoek B.V.</option>' in html
    assert '<option value="atelier-noorderlicht">Atelier Noorderlicht</option>' in html
    assert "1 bericht in quarantaine" in html


def test_an_empty_quarantine_says_so(dashboard: Dashboard):
    html = dashboard.login("bureau").get("/quarantine").text
    assert "Er staat niets in quarantaine." in html


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_release_adds_the_sender_and_the_worker_then_reads_the_mail(dashboard: Dashboard, who: str):
    first = quarantine(dashboard, "Gerrit Hoek heeft 5 overuren gemaakt.")
    second = quarantine(dashboard, "Priya Ramdin is sinds maandag ziek.", sender=f"JAN <{NEW_ADDRESS.upper()}>",
                        subject="Ziek")
    stranger = quarantine(dashboard, "Hallo, wij verkopen printers.", sender="verkoop@printers.example")
    client = dashboard.login(who)
    answer = post(client, f"/quarantine/{first}/release", employer="garage-hoek")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/quarantine?notice=")
    assert "2 berichten opnieuw in de wachtrij" in client.get(answer.headers["location"]).text
    for inbound_id in (first, second):
        row = message(dashboard, inbound_id)
        assert (row.status, row.claimed_by) == (InboundStatus.RECEIVED, None)
    assert message(dashboard, stranger).status == InboundStatus.QUARANTINED
    with Session(dashboard.engine) as session:
        owner = session.exec(select(SenderAddress).where(SenderAddress.address == NEW_ADDRESS)).one()
    assert owner.employer_id == "garage-hoek"

    assert run_pending(dashboard.engine, dashboard.data_dir, "test") == 2
    for inbound_id, kind, employee in ((first, "hours", "71"), (second, "sick", "72")):
        row = message(dashboard, inbound_id)
        assert (row.status, row.employer_id, row.duplicate_of) == (InboundStatus.PARSED, "garage-hoek", None)
        drafts = drafts_of(dashboard, inbound_id)
        assert [(d.type, d.employee_id, d.employer_id) for d in drafts] == [(kind, employee, "garage-hoek")]
    html = client.get("/quarantine").text
    assert NEW_ADDRESS not in html and "verkoop@printers.example" in html
    assert {e.subject_id for e in audit(dashboard, "released")} == {str(first), str(second)}
    assert {e.actor for e in audit(dashboard, "released")} == {USERS[who][0]}
    [added] = audit(dashboard, "sender_added")
    assert (added.subject_id, added.detail) == ("garage-hoek", {"sender_address_id": owner.id})
    assert {str(e.detail) for e in audit(dashboard, "released")} == {"{'employer': 'garage-hoek'}"}  # no address


def test_release_to_the_employer_that_already_has_the_address_only_requeues(dashboard: Dashboard):
    inbound_id = quarantine(dashboard, "Hannah Moore worked 4 hours overtime in March.")
    add_sender(dashboard.engine, "atelier-noorderlicht", NEW_ADDRESS, actor="test")
    client = dashboard.login("bureau")
    assert post(client, f"/quarantine/{inbound_id}/release", employer="atelier-noorderlicht").status_code == 303
    run_pending(dashboard.engine, dashboard.data_dir, "test")
    assert message(dashboard, inbound_id).status == InboundStatus.PARSED
    assert [d.employer_id for d in drafts_of(dashboard, inbound_id)] == ["atelier-noorderlicht"]


def test_a_sender_another_employer_has_is_refused(dashboard: Dashboard):
    inbound_id = quarantine(dashboard, "Gerrit Hoek heeft 5 overuren gemaakt.")
    add_sender(dashboard.engine, "atelier-noorderlicht", NEW_ADDRESS, actor="test")
    client = dashboard.login("bureau")
    answer = post(client, f"/quarantine/{inbound_id}/release", employer="garage-hoek")
    assert answer.status_code == 422
    assert f"het adres {NEW_ADDRESS} hoort al bij werkgever Atelier Noorderlicht" in answer.text
    assert message(dashboard, inbound_id).status == InboundStatus.QUARANTINED
    with Session(dashboard.engine) as session:
        owners = session.exec(select(SenderAddress.employer_id).where(SenderAddress.address == NEW_ADDRESS)).all()
    assert owners == ["atelier-noorderlicht"]
    assert audit(dashboard, "released") == []


def test_release_needs_a_known_employer_and_a_quarantined_message(dashboard: Dashboard):
    inbound_id = quarantine(dashboard, "Gerrit Hoek heeft 5 overuren gemaakt.")
    client = dashboard.login("bureau")
    for employer in ("", "bestaat-niet"):
        answer = post(client, f"/quarantine/{inbound_id}/release", employer=employer)
        assert answer.status_code == 422 and "kies de werkgever" in answer.text
    assert message(dashboard, inbound_id).status == InboundStatus.QUARANTINED
    parsed = dashboard.draft(dashboard.drafts["garage-hoek"][0]).inbound_id
    answer = post(client, f"/quarantine/{parsed}/release", employer="garage-hoek")
    assert answer.status_code == 422 and "niet (meer) in quarantaine" in answer.text
    assert post(client, f"/quarantine/{parsed}/discard").status_code == 422
    assert message(dashboard, parsed).status == InboundStatus.PARSED
    assert post(client, "/quarantine/999999/release", employer="garage-hoek").status_code == 404
    assert post(client, "/quarantine/999999/discard").status_code == 404


@pytest.mark.parametrize("who", ["bureau", "admin"])
def test_discard_keeps_the_row_and_the_raw_mail(dashboard: Dashboard, who: str):
    inbound_id = quarantine(dashboard, "Koop nu onze printers!", sender="verkoop@printers.example")
    raw_file = dashboard.data_dir / message(dashboard, inbound_id).raw_path
    before = raw_file.read_bytes()
    client = dashboard.login(who)
    answer = post(client, f"/quarantine/{inbound_id}/discard")
    assert answer.status_code == 303
    row = message(dashboard, inbound_id)
    assert row.status == InboundStatus.DISCARDED and row.sender == "verkoop@printers.example"
    assert raw_file.read_bytes() == before
    assert "verkoop@printers.example" not in client.get("/quarantine").text
    assert run_pending(dashboard.engine, dashboard.data_dir, "test") == 0  # the worker leaves it alone
    [event] = audit(dashboard, "discarded")
    assert (event.subject_id, event.actor) == (str(inbound_id), USERS[who][0])
    assert post(client, f"/quarantine/{inbound_id}/discard").status_code == 422  # not twice


def test_actions_need_the_csrf_token(dashboard: Dashboard):
    inbound_id = quarantine(dashboard, "Gerrit Hoek heeft 5 overuren gemaakt.")
    client = dashboard.login("bureau")
    for action in ("release", "discard"):
        assert client.post(f"/quarantine/{inbound_id}/{action}", data={"employer": "garage-hoek"}).status_code == 403
        assert client.post(f"/quarantine/{inbound_id}/{action}",
                           data={"employer": "garage-hoek", "csrf_token": "vervalst"}).status_code == 403
    assert message(dashboard, inbound_id).status == InboundStatus.QUARANTINED
    with Session(dashboard.engine) as session:
        assert session.exec(select(SenderAddress).where(SenderAddress.address == NEW_ADDRESS)).first() is None


def test_html_in_a_quarantined_mail_shows_as_text(dashboard: Dashboard):
    quarantine(dashboard, 'Hallo <script>alert("x")</script> <img src=x onerror="alert(1)">',
               subject="<script>document.title='x'</script><b>vet</b>")
    html = dashboard.login("bureau").get("/quarantine").text
    assert "<script>alert" not in html and "<img src=x" not in html and "<script>document" not in html
    assert "<b>vet</b>" not in html
    assert "&lt;script&gt;document.title=" in html and "&lt;b&gt;vet&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html and "&lt;img src=x onerror=" in html
