"""Confirmations: written with the drafts, threaded, in the sender's words, and never a loop."""

from __future__ import annotations

import datetime as dt
from email.utils import getaddresses
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from loonbode.settings import Settings
from notifier.confirmations import confirmer, queue_confirmation, reply_subject
from notifier.outbox import send_due
from parsers.masking import mask_secrets
from parsers.models import ParseResult
from parsers.roster import Roster
from tests.notifier import FROM_ADDRESS, free_port, make_settings, running_relay
from tests.parsers.conftest import ATELIER, GARAGE, ROSTER, build_mail
from workflows.inbound import store_inbound
from workflows.models import (
    AuditEvent,
    DraftRow,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundStatus,
    utcnow,
)
from workflows.pipeline import Confirm, run_pending
from workflows.roster_store import import_roster

GARAGE_ADDRESS = "ria@garagehoek.example"


@pytest.fixture
def relay_port() -> int:
    return free_port()


def process(engine: Engine, data_dir: Path, settings: Settings, *raws: bytes, channel: str = "smtp") -> list[int]:
    """Store mails as the SMTP listener would and run the worker with the confirmation hook."""
    ids = [store_inbound(engine, data_dir, raw, channel=channel) for raw in raws]
    run_pending(engine, data_dir, "w", confirm=confirmer(settings))
    return ids


def outbound(engine: Engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all())  # type: ignore[arg-type]


def body_of(engine: Engine) -> str:
    rows = outbound(engine)
    assert len(rows) == 1, [r.to_address for r in rows]
    return rows[0].body


@pytest.fixture(autouse=True)
def roster(engine: Engine) -> None:
    import_roster(engine, Roster.model_validate(ROSTER))


def test_a_confirmation_commits_with_the_drafts_and_reaches_the_relay_once(engine, data_dir, relay_port):
    settings = make_settings(data_dir, relay_port=relay_port)
    original = build_mail("Priya is ziek sinds 16 maart.", subject="Mutaties maart",
                          message_id="<m2@garagehoek.example>",
                          headers={"In-Reply-To": "<m1@garagehoek.example>", "References": "<m1@garagehoek.example>"})
    [inbound_id] = process(engine, data_dir, settings, original)

    [row] = outbound(engine)
    with Session(engine) as session:
        drafts = session.exec(select(DraftRow)).all()
    assert [(d.type, d.employee_id) for d in drafts] == [("sick", "72")]
    assert (row.status, row.kind, row.related_inbound_id, row.to_address) == ("pending", "confirmation", inbound_id,
                                                                              GARAGE_ADDRESS)

    with running_relay(relay_port) as relay:
        assert send_due(engine, settings) == 1
        assert send_due(engine, settings) == 0
    [received] = relay.received
    message = received.message
    assert received.mail_from == FROM_ADDRESS and received.rcpt_tos == [GARAGE_ADDRESS]
    assert message["Subject"] == "Re: Mutaties maart"
    assert message["From"] == FROM_ADDRESS
    assert [a for _, a in getaddresses([message["To"]])] == [GARAGE_ADDRESS]
    assert message["In-Reply-To"] == "<m2@garagehoek.example>"
    assert message["References"].split() == ["<m1@garagehoek.example>", "<m2@garagehoek.example>"]
    assert message["Message-ID"] == row.message_id and row.message_id.endswith("@bureau.example>")
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert "Ziekmelding – Priya Ramdin – eerste ziektedag 16-03-2026" in received.body
    assert f"LB-{inbound_id}" in received.body
    assert outbound(engine)[0].status == OutboundStatus.SENT


def test_no_drafts_no_confirmation_when_the_transaction_fails(engine, data_dir):
    hook = confirmer(make_settings(data_dir))
    assert hook is not None

    def confirm_then_crash(session, inbound, result, drafts) -> None:  # type: ignore[no-untyped-def]
        hook(session, inbound, result, drafts)
        raise RuntimeError("crash after the confirmation was added")

    crashing: Confirm = confirm_then_crash
    message_id = store_inbound(engine, data_dir, build_mail("Priya is ziek sinds 16 maart."), channel="smtp")
    run_pending(engine, data_dir, "w", confirm=crashing)

    with Session(engine) as session:
        assert session.get(InboundMessage, message_id).status == InboundStatus.FAILED
        assert session.exec(select(DraftRow)).all() == []
    assert outbound(engine) == []


def test_an_english_sender_gets_an_english_reply(engine, data_dir):
    process(engine, data_dir, make_settings(data_dir),
            build_mail("Hannah Moore has been sick since Monday 16 March. Thanks!", sender=ATELIER,
                       subject="Sick leave"))
    body = body_of(engine)
    assert "Sick report – Hannah Moore – first day of sickness 16-03-2026" in body
    assert "Your reference: LB-" in body
    assert "Ziekmelding" not in body
    assert outbound(engine)[0].subject == "Re: Sick leave"


def test_a_mail_without_mutations_gets_a_short_acknowledgement(engine, data_dir):
    process(engine, data_dir, make_settings(data_dir), build_mail("Bedankt voor de koffie gisteren!"))
    assert "Ontvangen, geen mutaties gevonden" in body_of(engine)


def test_a_missing_bsn_becomes_a_question_to_the_employer(engine, data_dir):
    process(engine, data_dir, make_settings(data_dir),
            build_mail("Sem de Jong komt per 1 april in dienst als monteur, 40 uur per week, salaris € 3.000 per "
                       "maand.\nIBAN: NL91ABNA0417164300\nAdres: Dorpsstraat 1, 1234 AB Utrecht"))
    body = body_of(engine)
    assert "Indienstmelding – Sem de Jong – in dienst per 01-04-2026" in body
    assert "Van Sem de Jong missen wij nog het BSN en de geboortedatum." in body
    assert "NL91ABNA0417164300" not in body and "*****4300" not in body  # the IBAN is not a key field


def test_an_ambiguous_first_name_becomes_a_question(engine, data_dir):
    process(engine, data_dir, make_settings(data_dir), build_mail("Thomas is sinds maandag ziek."))
    assert "Wie bedoelt u met 'Thomas': Thomas de Wit of Thomas Kok?" in body_of(engine)


def test_a_bsn_never_leaves_unmasked(engine, data_dir):
    process(engine, data_dir, make_settings(data_dir),
            build_mail("Nieuwe medewerker:\nNaam: Sem de Jong\nIn dienst: 1 april 2026\nBSN: 123456789\n"
                       "Geboortedatum: 12-05-1990\nIBAN: NL91ABNA0417164300\n", subject="BSN 123456789"))
    [row] = outbound(engine)
    assert "Het BSN van Sem de Jong (*****6789) lijkt niet te kloppen" in row.body
    for text in (row.body, row.subject, row.raw.decode("ascii")):
        assert "123456789" not in text
        assert "NL91ABNA0417164300" not in text


def test_subjects_get_one_re_and_secrets_are_masked_in_free_text():
    assert reply_subject("Mutaties", "nl") == "Re: Mutaties"
    assert reply_subject("RE: Mutaties", "nl") == "RE: Mutaties"
    assert reply_subject("  ", "en") == "Confirmation of receipt"
    assert mask_secrets("BSN 1234.56.782 en NL91 ABNA 0417 1643 00") == "BSN *****6782 en *****4300"


def test_replies_to_one_sender_are_limited_per_hour(engine, data_dir):
    settings = make_settings(data_dir, replies_per_sender_per_hour=2)
    with Session(engine) as session:  # a reply from two hours ago no longer counts
        long_ago = utcnow() - dt.timedelta(hours=2)
        session.add(OutboundMessage(kind="confirmation", to_address=GARAGE_ADDRESS, subject="Re: oud", body="oud",
                                    message_id="<old@bureau.example>", status="sent", created_at=long_ago))
        session.commit()
    process(engine, data_dir, settings, *(build_mail(f"Gerrit heeft {n} overuren gemaakt.") for n in (2, 3, 4)))
    process(engine, data_dir, settings, build_mail("Hannah Moore is sick since Monday.", sender=ATELIER))

    rows = outbound(engine)
    assert sorted(r.to_address for r in rows if r.created_at > long_ago) == [
        "office@noorderlicht.example", GARAGE_ADDRESS, GARAGE_ADDRESS]
    with Session(engine) as session:
        skipped = session.exec(select(AuditEvent).where(AuditEvent.action == "confirmation_skipped")).all()
    assert [e.detail["reason"] for e in skipped] == ["rate limit: 2 replies to this sender in the last hour"]


def parsed_inbound(engine: Engine, data_dir: Path, *, channel: str = "smtp") -> int:
    message_id = store_inbound(engine, data_dir, build_mail("Bedankt!"), channel=channel)
    with Session(engine) as session:
        message = session.get(InboundMessage, message_id)
        message.status = InboundStatus.PARSED
        session.add(message)
        session.commit()
    return message_id


@pytest.mark.parametrize(("sender", "channel", "answered"), [
    ("ria@garagehoek.example", "smtp", True),
    ("ria@garagehoek.example", "imap", True),
    ("MAILER-DAEMON@garagehoek.example", "smtp", False),
    ("postmaster@garagehoek.example", "smtp", False),
    ("noreply@garagehoek.example", "smtp", False),
    ("no-reply@garagehoek.example", "smtp", False),
    ("do_not_reply@garagehoek.example", "smtp", False),
    ("bounces+123@garagehoek.example", "smtp", False),
    (FROM_ADDRESS, "smtp", False),
    ("ria@garagehoek.example", "telegram", False),
])
def test_the_hook_itself_never_answers_system_no_reply_or_own_addresses(engine, data_dir, sender, channel,
                                                                       answered):
    settings = make_settings(data_dir)
    inbound_id = parsed_inbound(engine, data_dir, channel=channel)
    result = ParseResult(file="x.eml", employer_id="garage-hoek", sender=sender, subject="Mutaties",
                         message_id="<x@garagehoek.example>")
    with Session(engine) as session:
        inbound = session.get(InboundMessage, inbound_id)
        row = queue_confirmation(session=session, settings=settings, inbound=inbound, result=result)
        session.commit()
    assert (row is not None) is answered
    assert len(outbound(engine)) == int(answered)


@pytest.mark.parametrize("flag", ["auto_reply", "bulk"])
def test_the_hook_itself_ignores_automatic_and_bulk_results(engine, data_dir, flag):
    inbound_id = parsed_inbound(engine, data_dir)
    result = ParseResult(file="x.eml", employer_id="garage-hoek", sender=GARAGE_ADDRESS, **{flag: True})
    with Session(engine) as session:
        inbound = session.get(InboundMessage, inbound_id)
        assert queue_confirmation(session=session, settings=make_settings(data_dir), inbound=inbound,
                                  result=result) is None


def test_replies_can_be_switched_off():
    assert confirmer(Settings(_env_file=None, replies_per_sender_per_hour=0)) is None  # type: ignore[call-arg]


def test_an_automatic_answer_to_our_confirmation_gets_no_answer(engine, data_dir, relay_port):
    settings = make_settings(data_dir, relay_port=relay_port)
    process(engine, data_dir, settings, build_mail("Priya is ziek sinds 16 maart.", subject="Ziek"))
    with running_relay(relay_port) as relay:
        assert send_due(engine, settings) == 1
    [confirmation] = relay.received
    ours = confirmation.message["Message-ID"]

    out_of_office = build_mail("Ik ben afwezig tot en met maandag. Priya is ziek.", sender=GARAGE,
                               subject="Automatisch antwoord: Re: Ziek",
                               headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ours, "References": ours})
    [auto_id] = process(engine, data_dir, settings, out_of_office)
    # Our own confirmation delivered back to the intake (a forwarding rule, a misrouted bounce).
    [echo_id] = process(engine, data_dir, settings, confirmation.raw)

    with Session(engine) as session:
        assert session.get(InboundMessage, auto_id).status == InboundStatus.AUTO_REPLY
        assert session.get(InboundMessage, echo_id).status in (InboundStatus.AUTO_REPLY, InboundStatus.QUARANTINED)
    assert len(outbound(engine)) == 1
