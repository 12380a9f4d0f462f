"""The outbox: each row reaches the relay once, survives a relay that is down, and gives up in the end."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier.mailer import compose, parse_relay_url
from notifier.outbox import MAX_ATTEMPTS, SENDING_LEASE, backoff, send_due
from tests.notifier import FROM_ADDRESS, CaptureHandler, free_port, make_settings, running_relay
from workflows.models import OutboundMessage, OutboundStatus, utcnow

START = dt.datetime(2026, 3, 18, 9, 0, tzinfo=dt.UTC)  # injected as `now`; no test reads the clock


def add_outbound(engine: Engine, count: int = 1, *, to: str = "ria@garagehoek.example", with_raw: bool = True,
                 due: dt.datetime = START) -> list[str]:
    """Queue `count` messages as a confirmation would; returns their Message-IDs."""
    ids = []
    with Session(engine) as session:
        for n in range(count):
            message_id = f"<t{n}.{free_port()}@bureau.example>"
            raw = compose(from_address=FROM_ADDRESS, to_address=to, subject=f"Re: test {n}", body=f"bericht {n}\n",
                          message_id=message_id) if with_raw else None
            session.add(OutboundMessage(kind="confirmation", to_address=to, subject=f"Re: test {n}",
                                        body=f"bericht {n}\n", message_id=message_id, raw=raw, next_attempt_at=due))
            ids.append(message_id)
        session.commit()
    return ids


def rows(engine: Engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all())  # type: ignore[arg-type]


def test_without_a_relay_mail_waits_in_the_outbox(engine, data_dir: Path):
    add_outbound(engine)
    assert send_due(engine, make_settings(data_dir), now=START) == 0
    [row] = rows(engine)
    assert (row.status, row.attempts, row.last_error) == (OutboundStatus.PENDING, 0, None)


def test_a_relay_that_is_down_keeps_the_row_and_a_later_attempt_sends_it_once(engine, data_dir: Path):
    port = free_port()
    settings = make_settings(data_dir, relay_port=port)
    [message_id] = add_outbound(engine)

    assert send_due(engine, settings, now=START) == 0
    [row] = rows(engine)
    assert (row.status, row.attempts) == (OutboundStatus.PENDING, 1)
    assert "unreachable" in row.last_error
    assert row.next_attempt_at == START + backoff(1)

    with running_relay(port) as relay:
        assert send_due(engine, settings, now=START + dt.timedelta(seconds=1)) == 0  # still backing off
        later = START + backoff(1)
        assert send_due(engine, settings, now=later) == 1
        assert send_due(engine, settings, now=later + dt.timedelta(hours=1)) == 0
    assert relay.message_ids() == [message_id]
    [row] = rows(engine)
    assert (row.status, row.attempts, row.sent_at) == (OutboundStatus.SENT, 2, later)


def test_two_senders_at_once_send_each_row_once(engine, data_dir: Path):
    port = free_port()
    settings = make_settings(data_dir, relay_port=port)
    queued = add_outbound(engine, 12)
    start = threading.Barrier(2)
    counts: list[int] = []

    def sender() -> None:
        start.wait()
        counts.append(send_due(engine, settings, now=START))

    # The relay holds each message a moment, so both senders are busy at the same time.
    with running_relay(port, CaptureHandler(delay=0.02)) as relay:
        threads = [threading.Thread(target=sender) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(counts) == 12
    assert sorted(relay.message_ids()) == sorted(queued)
    assert {(r.status, r.attempts) for r in rows(engine)} == {(OutboundStatus.SENT, 1)}


def test_a_row_left_sending_by_a_dead_process_is_retried_after_its_lease(engine, data_dir: Path):
    port = free_port()
    settings = make_settings(data_dir, relay_port=port)
    [message_id] = add_outbound(engine)
    with Session(engine) as session:  # what a claim leaves behind when the process dies right after it
        row = session.exec(select(OutboundMessage)).one()
        row.status, row.attempts, row.next_attempt_at = OutboundStatus.SENDING, 1, START + SENDING_LEASE
        session.add(row)
        session.commit()

    with running_relay(port) as relay:
        assert send_due(engine, settings, now=START) == 0  # the claim may still be alive
        assert send_due(engine, settings, now=START + SENDING_LEASE) == 1
    assert relay.message_ids() == [message_id]
    assert [(r.status, r.attempts) for r in rows(engine)] == [(OutboundStatus.SENT, 2)]


def test_after_the_last_attempt_the_row_is_failed_and_kept(engine, data_dir: Path):
    settings = make_settings(data_dir, relay_port=free_port())
    add_outbound(engine)
    for attempt in range(MAX_ATTEMPTS + 2):
        send_due(engine, settings, now=START + attempt * dt.timedelta(hours=2))
    [row] = rows(engine)
    assert (row.status, row.attempts) == (OutboundStatus.FAILED, MAX_ATTEMPTS)
    assert row.last_error


def test_a_recipient_the_relay_refuses_for_good_fails_at_once(engine, data_dir: Path):
    port = free_port()
    add_outbound(engine, to="gone@garagehoek.example")
    add_outbound(engine, to="ria@garagehoek.example")
    with running_relay(port, CaptureHandler(refuse={"gone@garagehoek.example"})) as relay:
        assert send_due(engine, make_settings(data_dir, relay_port=port), now=START) == 1
    gone, ria = rows(engine)
    assert (gone.status, gone.attempts) == (OutboundStatus.FAILED, 1)
    assert "550" in gone.last_error
    assert ria.status == OutboundStatus.SENT
    assert [r.rcpt_tos for r in relay.received] == [["ria@garagehoek.example"]]


def test_a_password_is_never_sent_to_a_relay_without_tls(engine, data_dir: Path):
    port = free_port()
    add_outbound(engine)
    settings = make_settings(data_dir, relay_url=f"smtp://loonbode:geheim@127.0.0.1:{port}")
    with running_relay(port) as relay:
        assert send_due(engine, settings, now=START) == 0
    [row] = rows(engine)
    assert row.status == OutboundStatus.PENDING
    assert "STARTTLS" in row.last_error and "geheim" not in row.last_error
    assert relay.received == []


def test_a_row_without_its_bytes_is_built_from_its_columns(engine, data_dir: Path):
    port = free_port()
    [message_id] = add_outbound(engine, with_raw=False)
    with running_relay(port) as relay:
        assert send_due(engine, make_settings(data_dir, relay_port=port), now=START) == 1
    [received] = relay.received
    assert received.message["Message-ID"] == message_id
    assert received.message["Auto-Submitted"] == "auto-generated"
    assert received.body == "bericht 0\n"


def test_rows_not_yet_due_wait(engine, data_dir: Path):
    port = free_port()
    add_outbound(engine, due=START + dt.timedelta(minutes=5))
    with running_relay(port) as relay:
        assert send_due(engine, make_settings(data_dir, relay_port=port), now=START) == 0
    assert relay.received == []


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour():
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 8, 30)] == [30, 60, 120, 3600, 3600]


def test_relay_urls():
    plain = parse_relay_url("smtp://relay.example:2526")
    assert (plain.scheme, plain.host, plain.port, plain.username) == ("smtp", "relay.example", 2526, None)
    secure = parse_relay_url("smtps://loon%40bureau.example:p%3Ass@smtp.example")
    assert (secure.port, secure.username, secure.password) == (465, "loon@bureau.example", "p:ss")
    assert "p:ss" not in repr(secure)
    with pytest.raises(ValueError):
        parse_relay_url("http://relay.example")


def test_now_defaults_to_the_clock(engine, data_dir: Path):
    port = free_port()
    add_outbound(engine, due=utcnow() - dt.timedelta(seconds=1))
    with running_relay(port) as relay:
        assert send_due(engine, make_settings(data_dir, relay_port=port)) == 1
    assert len(relay.received) == 1
