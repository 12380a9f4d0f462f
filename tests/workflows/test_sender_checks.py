"""Who sent it, in the worker and the dashboard: require quarantines an unproven sender, warn flags a false
one, off checks nothing; the verdict shows on the message and its drafts; a person can let held mail through."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from tests.dashboard.conftest import Dashboard, page_csrf, seeded_dashboard
from tests.dkim_helpers import dns, make_key, signed
from tests.parsers.conftest import build_mail
from workflows.inbound import store_inbound
from workflows.models import DraftRow, Employer, InboundMessage, OutboundMessage
from workflows.pipeline import run_pending
from workflows.quarantine import accept_unproven
from workflows.sender_checks import SenderChecker

BODY = "Priya is sinds maandag ziek."


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, bytes]:
    return make_key(tmp_path_factory.mktemp("dkim"))


@pytest.fixture
def board(engine: Engine, data_dir: Path) -> Dashboard:
    return seeded_dashboard(engine, data_dir)


def policy(engine: Engine, employer: str, value: str | None) -> None:
    with Session(engine) as session:
        row = session.get(Employer, employer)
        assert row is not None
        row.sender_policy = value
        session.add(row)
        session.commit()


def receive(board: Dashboard, raw: bytes, checker: SenderChecker) -> InboundMessage:
    inbound_id = store_inbound(board.engine, board.data_dir, raw, channel="smtp")
    run_pending(board.engine, board.data_dir, "test", senders=checker)
    with Session(board.engine) as session:
        found = session.get(InboundMessage, inbound_id)
        assert found is not None
        return found


def drafts_of(board: Dashboard, inbound_id: int | None) -> list[DraftRow]:
    with Session(board.engine) as session:
        return list(session.exec(select(DraftRow).where(DraftRow.inbound_id == inbound_id)
                                 .order_by(col(DraftRow.id))))


def test_require_lets_a_proven_sender_through_and_holds_the_rest(board: Dashboard,
                                                                key: tuple[bytes, bytes]) -> None:
    private, record = key
    checker = SenderChecker("warn", dns_txt=dns({"mail._domainkey.garagehoek.example": record}))
    policy(board.engine, "garage-hoek", "require")
    proven = receive(board, signed(build_mail(BODY, subject="Ziek"), private), checker)
    assert proven.status == "parsed" and proven.sender_check["result"] == "pass"  # type: ignore[index]
    assert [d.type for d in drafts_of(board, proven.id)] == ["sick"]

    unproven = receive(board, build_mail(BODY, subject="Ziek, ongetekend"), checker)
    assert unproven.status == "quarantined" and drafts_of(board, unproven.id) == []
    assert unproven.status_detail is not None and "afzender niet bewezen" in unproven.status_detail
    with Session(board.engine) as session:  # held mail is never answered
        assert session.exec(select(OutboundMessage).where(OutboundMessage.related_inbound_id == unproven.id)
                            ).all() == []

    client = board.login("bureau")
    page = client.get("/quarantine").text
    assert "Toch verwerken" in page and "afzender niet bewezen" in page
    assert client.post(f"/quarantine/{unproven.id}/accept", data={"csrf_token": page_csrf(client, "/quarantine")}
                       ).status_code == 303
    run_pending(board.engine, board.data_dir, "test", senders=checker)
    with Session(board.engine) as session:
        released = session.get(InboundMessage, unproven.id)
        assert released is not None and released.status == "parsed"
        assert released.sender_check["released_by"] == "anna@bureau.example"  # type: ignore[index]
    assert [d.type for d in drafts_of(board, unproven.id)] == ["sick"]


def test_warn_flags_a_false_sender_and_shows_the_verdict(board: Dashboard, key: tuple[bytes, bytes]) -> None:
    _private, record = key
    checker = SenderChecker("warn", trusted_authserv_ids=("mx.bureau.example",),
                            dns_txt=dns({"mail._domainkey.garagehoek.example": record}))
    forged = build_mail(BODY, subject="Ziek", headers={
        "Authentication-Results": "mx.bureau.example; spf=fail smtp.mailfrom=garagehoek.example; "
                                  "dmarc=fail header.from=garagehoek.example"})
    message = receive(board, forged, checker)
    assert message.status == "parsed" and message.sender_check["result"] == "fail"  # type: ignore[index]
    [draft] = drafts_of(board, message.id)
    assert any("afzender niet bewezen" in i["message"] and "DMARC fail" in i["message"] for i in draft.issues)

    unsigned = receive(board, build_mail("Gerrit heeft 4 overuren gemaakt.", subject="Uren"), checker)
    [plain] = drafts_of(board, unsigned.id)
    assert unsigned.sender_check["result"] == "none"  # type: ignore[index]
    assert not any("afzender" in i["message"] for i in plain.issues)  # unchecked is shown, not flagged

    client = board.login("bureau")
    queue = client.get("/queue").text
    assert "afzender niet bewezen" in queue and "afzender niet gecontroleerd" in queue
    page = client.get(f"/drafts/{draft.id}").text
    assert "afzender niet bewezen" in page and "mx.bureau.example: SPF fail, DMARC fail" in page


def test_off_checks_nothing_and_the_employer_setting_wins(board: Dashboard, key: tuple[bytes, bytes]) -> None:
    checker = SenderChecker("require")
    policy(board.engine, "garage-hoek", "off")
    message = receive(board, build_mail(BODY, subject="Ziek"), checker)
    assert message.status == "parsed" and message.sender_check is None
    policy(board.engine, "garage-hoek", None)  # the installation's default (require) again
    held = receive(board, build_mail(BODY, subject="Ziek, nog eens"), checker)
    assert held.status == "quarantined"


def test_only_held_mail_of_a_known_employer_can_be_let_through(board: Dashboard) -> None:
    from workflows.quarantine import QuarantineError

    stranger = receive(board, build_mail(BODY, sender="iemand@elders.example"), SenderChecker("require"))
    assert stranger.status == "quarantined" and stranger.id is not None
    with pytest.raises(QuarantineError, match="bekende werkgever"):
        accept_unproven(board.engine, stranger.id, "anna@bureau.example")


def test_the_bureau_sets_an_employers_policy_on_its_page(board: Dashboard) -> None:
    client = board.login("bureau")
    page = client.get("/employers/garage-hoek").text
    assert "Bewijs van de afzender" in page and "standaard (waarschuwen)" in page
    csrf = page_csrf(client, "/employers/garage-hoek")
    assert client.post("/employers/garage-hoek/sender-policy", data={"csrf_token": csrf, "policy": "require"}
                       ).status_code == 303
    with Session(board.engine) as session:
        assert session.get(Employer, "garage-hoek").sender_policy == "require"  # type: ignore[union-attr]
    refused = client.post("/employers/garage-hoek/sender-policy", data={"csrf_token": csrf, "policy": "maybe"})
    assert refused.status_code == 422 and "onbekend beleid" in refused.text
    assert client.post("/employers/garage-hoek/sender-policy", data={"csrf_token": csrf, "policy": ""}
                       ).status_code == 303
    with Session(board.engine) as session:
        assert session.get(Employer, "garage-hoek").sender_policy is None  # type: ignore[union-attr]
    assert board.login("garage").post("/employers/garage-hoek/sender-policy",
                                      data={"csrf_token": csrf, "policy": "off"}).status_code in (403, 404)
