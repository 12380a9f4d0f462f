"""Approve and reject links in the employer's mail: the mail itself, then the link pages over HTTP.

A leave request queues a mail per employer contact with two links; GET shows the request
and decides nothing; POST decides once; a used, expired, altered or foreign link is
refused and explains itself. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlmodel import Session, col, select

from loonbode.settings import Settings, signing_key
from notifier.leave_approvals import request_notifier
from tests.dashboard.conftest import Dashboard
from workflows.decision_links import LinkRefused, read_token
from workflows.leave_ledger import accrue_year, request_leave
from workflows.models import DecisionLink, DraftRow, Employee, LeaveRequestRow, OutboundMessage


def priya(board: Dashboard) -> Employee:
    with Session(board.engine) as session:
        return session.exec(select(Employee).where(Employee.number == "72")).one()


def ask(board: Dashboard, leave_type: str = "vacation", day: int = 23) -> tuple[LeaveRequestRow, list[OutboundMessage]]:
    employee = priya(board)
    assert employee.id is not None
    accrue_year(board.engine, employee.id, 2026, actor="test")
    settings = Settings(data_dir=board.data_dir, public_url="https://loon.bureau.example/")  # type: ignore[call-arg]
    request = request_leave(board.engine, employee.id, leave_type, dt.date(2026, 3, day), dt.date(2026, 3, day + 2),
                            24, "telegram", "Mag ik vrij van 23 tot en met 25 maart?",
                            on_requested=request_notifier(settings))
    with Session(board.engine) as session:
        mails = list(session.exec(select(OutboundMessage).where(OutboundMessage.kind == "leave_request")
                                  .order_by(col(OutboundMessage.id))))
    return request, mails


def links(mail: OutboundMessage) -> dict[str, str]:
    found = re.findall(r"https://loon\.bureau\.example/leave/decide/(\S+)", mail.body)
    assert len(found) == 2, mail.body
    return {"approve": found[0], "reject": found[1]}


def test_the_employer_gets_a_mail_with_two_links(dashboard: Dashboard) -> None:
    request, mails = ask(dashboard)
    # garage-hoek has a dashboard user (ria@), so she is asked; not the sender addresses.
    assert [m.to_address for m in mails] == ["ria@garagehoek.example"]
    body = mails[0].body
    assert "Priya Ramdin vraagt verlof aan" in body and "23-03-2026 t/m 25-03-2026" in body
    assert "Uren:        24" in body and "Saldo daarna: 104 uur" in body  # 4 x 32 = 128 - 24
    assert "Mag ik vrij van 23 tot en met 25 maart?" in body
    assert mails[0].raw is not None and b"Auto-Submitted: auto-generated" in mails[0].raw
    token = links(mails[0])["approve"]
    assert token.split(".")[0] == str(request.id) and "72" not in token.split(".")[1:4]  # ids only, nothing personal


def test_get_shows_and_post_approves_once(dashboard: Dashboard) -> None:
    request, mails = ask(dashboard)
    token = links(mails[0])["approve"]
    client = dashboard.client()
    shown = client.get(f"/leave/decide/{token}")
    assert shown.status_code == 200 and "Wilt u deze aanvraag goedkeuren?" in shown.text
    assert shown.headers["referrer-policy"] == "no-referrer"
    with Session(dashboard.engine) as session:
        assert session.get(LeaveRequestRow, request.id).status == "pending"  # type: ignore[union-attr]
    done = client.post(f"/leave/decide/{token}")
    assert done.status_code == 200 and "Goedgekeurd" in done.text
    with Session(dashboard.engine) as session:
        decided = session.get(LeaveRequestRow, request.id)
        assert decided is not None and (decided.status, decided.decided_by) == ("approved", "ria@garagehoek.example")
    again = client.post(f"/leave/decide/{token}")
    assert again.status_code == 410 and "al gebruikt" in again.text
    other = client.get(f"/leave/decide/{links(mails[0])['reject']}")
    assert other.status_code == 410 and "al beslist" in other.text


def test_reject_needs_a_reason(dashboard: Dashboard) -> None:
    request, mails = ask(dashboard)
    token = links(mails[0])["reject"]
    client = dashboard.client()
    assert "Reden van afwijzen" in client.get(f"/leave/decide/{token}").text
    empty = client.post(f"/leave/decide/{token}", data={"reason": "  "})
    assert empty.status_code == 422 and "reden" in empty.text
    done = client.post(f"/leave/decide/{token}", data={"reason": "Te druk in die week"})
    assert done.status_code == 200 and "Afgewezen" in done.text
    with Session(dashboard.engine) as session:
        decided = session.get(LeaveRequestRow, request.id)
        assert decided is not None and (decided.status, decided.reason) == ("rejected", "Te druk in die week")


@pytest.mark.parametrize("change", ["signature", "request", "action", "garbage"])
def test_altered_links_are_refused(dashboard: Dashboard, change: str) -> None:
    request, mails = ask(dashboard)
    token = links(mails[0])["reject"]
    parts = token.split(".")
    if change == "signature":
        parts[4] = parts[4][:-2] + ("AA" if not parts[4].endswith("AA") else "BB")
    elif change == "request":
        parts[0] = str(int(parts[0]) + 1)
    elif change == "action":
        parts[1] = "approve"
    forged = "not-a-token" if change == "garbage" else ".".join(parts)
    client = dashboard.client()
    for answer in (client.get(f"/leave/decide/{forged}"), client.post(f"/leave/decide/{forged}")):
        assert answer.status_code == 404 and "ongeldig" in answer.text
    with Session(dashboard.engine) as session:
        assert session.get(LeaveRequestRow, request.id).status == "pending"  # type: ignore[union-attr]


def test_a_link_signed_with_another_key_is_refused(dashboard: Dashboard) -> None:
    _, mails = ask(dashboard)
    token = links(mails[0])["approve"]
    with pytest.raises(LinkRefused) as refused:
        read_token(dashboard.engine, token, b"another installation's key")
    assert refused.value.reason == "forged"


def test_an_expired_link_explains_itself(dashboard: Dashboard) -> None:
    _request, mails = ask(dashboard)
    token = links(mails[0])["approve"]
    key = signing_key(Settings(data_dir=dashboard.data_dir))  # type: ignore[call-arg]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=15)
    with pytest.raises(LinkRefused) as refused:
        read_token(dashboard.engine, token, key, now=later)
    assert refused.value.reason == "expired"
    with Session(dashboard.engine) as session:  # and through HTTP, once the row says so
        for link in session.exec(select(DecisionLink)):
            link.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            session.add(link)
        session.commit()
    answer = dashboard.client().post(f"/leave/decide/{token}")
    assert answer.status_code == 410 and "verlopen" in answer.text


def test_approved_unpaid_leave_becomes_a_draft_for_the_bureau(dashboard: Dashboard) -> None:
    request, mails = ask(dashboard, "unpaid")
    assert "Saldo daarna" not in mails[0].body  # unpaid leave does not touch the balance
    dashboard.client().post(f"/leave/decide/{links(mails[0])['approve']}")
    with Session(dashboard.engine) as session:
        [draft] = session.exec(select(DraftRow).where(DraftRow.leave_request_id == request.id)).all()
    assert (draft.type, draft.employer_id, draft.employee_id, draft.status, draft.period) == (
        "leave", "garage-hoek", "72", "new", "2026-03")
    assert draft.fields == {"leave_type": "unpaid", "first_day": "2026-03-23", "last_day": "2026-03-25",
                            "hours": 24.0}
    bureau = dashboard.login("bureau")
    page = bureau.get(f"/drafts/{draft.id}")
    assert page.status_code == 200 and f"Verlofaanvraag {request.id}" in page.text
    assert "Mag ik vrij van 23" in page.text and "onbetaald verlof" in page.text
    queue = bureau.get("/queue")
    assert f"/drafts/{draft.id}" in queue.text


def test_a_leave_draft_is_decided_not_edited_and_listed_by_the_cli(dashboard: Dashboard) -> None:
    from workflows.queries import drafts_json
    from workflows.review import ReviewError, correct

    _request, mails = ask(dashboard, "parental")
    dashboard.client().post(f"/leave/decide/{links(mails[0])['approve']}")
    [listed] = [d for d in drafts_json(dashboard.engine) if d["type"] == "leave"]
    assert listed["message_id"] is None and listed["fields"]["leave_type"] == "parental"
    with pytest.raises(ReviewError, match="niet bewerkt"):
        correct(dashboard.engine, listed["id"], {"hours": "8"}, scope=None, actor="anna@bureau.example",
                today=dt.date(2026, 3, 20))


def test_withdrawing_approved_unpaid_leave_withdraws_its_draft(dashboard: Dashboard) -> None:
    from workflows.leave_ledger import cancel

    request, mails = ask(dashboard, "unpaid")
    dashboard.client().post(f"/leave/decide/{links(mails[0])['approve']}")
    assert request.id is not None
    cancel(dashboard.engine, request.id, actor="telegram:1")
    with Session(dashboard.engine) as session:
        [draft] = session.exec(select(DraftRow).where(DraftRow.leave_request_id == request.id)).all()
    assert (draft.status, draft.reason) == ("rejected", "verlof ingetrokken door de werknemer")
