"""BSN and IBAN never reach a log line whole: a mail full of them goes through the real listener, the
worker, the confirmation and the outbox, and every record of every logger (DEBUG and up) is read back.

`tests.log_scan` does the same for the whole run when it ends; these tests name the paths that carry
such numbers, so a regression says where it is.
"""

from __future__ import annotations

import logging
import smtplib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from intake.service import drain
from intake.smtp import start_smtp, stop_smtp
from loonbode.settings import Settings
from notifier.confirmations import confirmer
from notifier.mailer import compose
from notifier.outbox import send_due
from parsers.roster import Roster
from tests.intake import free_port
from tests.log_scan import find_secrets
from tests.notifier import CaptureHandler, running_relay
from tests.parsers.conftest import GARAGE, ROSTER, build_mail
from workflows.inbound import store_inbound
from workflows.models import DraftRow, InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
from workflows.roster_store import import_roster

BSN, IBAN = "123456782", "NL91ABNA0417164300"
INTAKE = "mutaties@bureau.example"
HIRE = (f"Nieuwe medewerker:\nNaam: Sem de Jong\nIn dienst: 1 april 2026\nBSN: {BSN}\nGeboortedatum: 12-05-1990\n"
        f"IBAN: {IBAN}\nGerrit heeft een nieuw rekeningnummer: NL91 ABNA 0417 1643 00.\n")


@pytest.fixture
def logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # every logger, everything
    # The test relay stands in for the bureau's smarthost: its own aiosmtpd log (every SMTP line) is the
    # third party's, not ours; ours (intake.smtp) holds it at WARNING the same way.
    relay_log = logging.getLogger("mail.log")
    before = relay_log.level
    relay_log.setLevel(logging.WARNING)
    yield caplog
    relay_log.setLevel(before)


def settings_for(data_dir: Path, relay_port: int) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, smtp_port=free_port(), intake_addresses=INTAKE,  # type: ignore[call-arg]
                    from_address=INTAKE, relay_url=f"smtp://127.0.0.1:{relay_port}")


def assert_masked(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "nothing was logged: the test did not go through the code it means to"
    leaks = [(r.name, r.getMessage()) for r in caplog.records if find_secrets(r.getMessage())]
    assert leaks == []
    assert find_secrets(caplog.text) == []  # the formatted lines, tracebacks included


@contextmanager
def listening(settings: Settings, engine: Engine) -> Iterator[None]:
    controller = start_smtp(settings, engine)
    try:
        yield
    finally:
        stop_smtp(controller)


def test_a_mail_full_of_numbers_goes_from_smtp_to_the_relay_without_one_in_the_logs(
        engine: Engine, data_dir: Path, logged: pytest.LogCaptureFixture):
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    relay_port = free_port()
    settings = settings_for(data_dir, relay_port)
    raw = build_mail(HIRE, subject=f"Nieuw: BSN {BSN}, IBAN {IBAN}")
    with listening(settings, engine), smtplib.SMTP("127.0.0.1", settings.smtp_port, timeout=30) as client:
        client.sendmail("ria@garagehoek.example", [INTAKE], raw)
    assert drain(engine, settings, "test", confirmer(settings), threading.Event()) == 1
    with Session(engine) as session:
        drafts = session.exec(select(DraftRow)).all()
    assert any(d.fields.get("bsn") == BSN for d in drafts)  # the numbers were read: they were there to leak
    with running_relay(relay_port) as relay:
        assert send_due(engine, settings) == 1
    assert BSN not in relay.received[0].raw.decode("ascii", "replace")
    assert_masked(logged)


def test_a_processing_failure_that_quotes_the_mail_is_logged_and_kept_masked(
        engine: Engine, data_dir: Path, logged: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch):
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    settings = settings_for(data_dir, free_port())

    def broken(*_args: object, **_kwargs: object) -> None:  # a parser bug that quotes what it choked on
        raise ValueError(f"kan 'BSN {BSN}, IBAN {IBAN}' niet lezen")

    monkeypatch.setattr("workflows.pipeline.parse_mail", broken)
    inbound_id = store_inbound(engine, data_dir, build_mail(HIRE, sender=GARAGE), channel="smtp")
    assert drain(engine, settings, "test", None, threading.Event()) == 1
    with Session(engine) as session:
        message = session.get(InboundMessage, inbound_id)
    assert message is not None and message.status == InboundStatus.FAILED
    assert message.status_detail == "ValueError: kan 'BSN *****6782, IBAN *****4300' niet lezen"  # on screen
    assert "processing inbound message" in logged.text and "Traceback" in logged.text
    assert_masked(logged)


def test_a_refused_recipient_whose_address_holds_a_number_is_logged_masked(
        engine: Engine, data_dir: Path, logged: pytest.LogCaptureFixture):
    relay_port = free_port()
    settings = settings_for(data_dir, relay_port)
    addresses = [f"{BSN}@example.org", f"{IBAN}@example.org"]
    with Session(engine) as session:
        for n, address in enumerate(addresses):
            message_id = f"<refused{n}@bureau.example>"
            session.add(OutboundMessage(kind="confirmation", to_address=address, subject="Re: test", body="test\n",
                                        message_id=message_id, raw=compose(
                                            from_address=INTAKE, to_address=address, subject="Re: test",
                                            body="test\n", message_id=message_id)))
        session.commit()
    with running_relay(relay_port, CaptureHandler(refuse={a.lower() for a in addresses})):
        assert send_due(engine, settings) == 0
    with Session(engine) as session:
        rows = session.exec(select(OutboundMessage)).all()
    assert [r.status for r in rows] == [OutboundStatus.FAILED] * 2  # refused for good (550)
    assert all("550" in (r.last_error or "") and not find_secrets(r.last_error or "") for r in rows)
    assert "attempt 1 failed" in logged.text
    assert_masked(logged)
