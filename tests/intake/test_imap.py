"""The IMAP channel against a real Dovecot: stored before moved, nothing lost, nothing twice.

Each test polls a fresh mailbox of its own (`mailbox` fixture) into a fresh database
(`engine`: SQLite, and PostgreSQL under the `postgres` mark).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, OperationalError
from sqlmodel import Session, select

import intake.imap as imap
from intake.imap import lock_key, parse_imap_url, poll_once
from loonbode.settings import Settings
from parsers.roster import Roster
from tests.intake import free_port
from tests.intake.conftest import TestMailbox
from tests.parsers.conftest import ROSTER, build_mail
from workflows.db import is_postgres
from workflows.inbound import store_inbound
from workflows.models import DraftRow, ImapLedger, InboundMessage, InboundStatus
from workflows.pipeline import run_pending
from workflows.rawstore import read_raw
from workflows.roster_store import import_roster

pytestmark = pytest.mark.imap

REPO = Path(__file__).resolve().parents[2]


def settings_for(url: str, data_dir: Path, **overrides: object) -> Settings:
    return Settings(imap_url=url, data_dir=data_dir, **overrides)  # type: ignore[arg-type]


def mail(n: int, body: str = "Priya is sinds maandag ziek.") -> bytes:
    return build_mail(f"{body} ({n})", subject=f"Mutatie {n}")


def ledger(engine: Engine) -> list[ImapLedger]:
    with Session(engine) as session:
        return list(session.exec(select(ImapLedger).order_by(ImapLedger.id)))  # type: ignore[arg-type]


def inbound(engine: Engine) -> list[InboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(InboundMessage).order_by(InboundMessage.id)))  # type: ignore[arg-type]


def failing_store(after: int, error: Exception) -> Callable[..., int]:
    """store_inbound that works `after` times, then fails the way an outage does."""
    calls = {"n": 0}

    def store(*args: object, **kwargs: object) -> int:
        calls["n"] += 1
        if calls["n"] > after:
            raise error
        return store_inbound(*args, **kwargs)  # type: ignore[arg-type]

    return store


def outage() -> OperationalError:
    return OperationalError("INSERT INTO inbound_messages", {}, Exception("server closed the connection"))


# --- the address ------------------------------------------------------------------------


def test_it_reads_the_mailbox_address_with_an_encoded_password():
    address = parse_imap_url("imaps://loon%40bureau.example:ge%2Fheim%3Aw8@mail.example/Loon%20in")
    assert (address.secure, address.host, address.port) == (True, "mail.example", 993)
    assert (address.user, address.password, address.folder) == ("loon@bureau.example", "ge/heim:w8", "Loon in")
    assert "heim" not in address.public and "heim" not in repr(address)
    assert parse_imap_url("imap://u:p@127.0.0.1:14300").folder == "INBOX"
    assert parse_imap_url("imap://u:p@127.0.0.1").port == 143
    assert lock_key(address) == lock_key(parse_imap_url("imaps://loon%40bureau.example:other@mail.example/Loon%20in"))
    assert lock_key(address) != lock_key(parse_imap_url("imaps://loon%40bureau.example:x@mail.example/INBOX"))
    with pytest.raises(ValueError):
        parse_imap_url("pop3://u:p@mail.example/INBOX")


# --- stored, then moved -----------------------------------------------------------------


def test_a_message_is_stored_and_only_then_moved_to_verwerkt(engine, data_dir, mailbox: TestMailbox, monkeypatch):
    mailbox.append(mail(1))
    seen_at_store: list[tuple[int, int]] = []
    ledger_at_move: list[list[str]] = []
    real_move = imap._move

    def watching_store(*args, **kwargs):
        seen_at_store.append((len(mailbox.messages("INBOX")), len(mailbox.messages("Verwerkt"))))
        return store_inbound(*args, **kwargs)

    def watching_move(box, uid, folder):
        ledger_at_move.append([row.status for row in ledger(engine)])
        real_move(box, uid, folder)

    monkeypatch.setattr(imap, "store_inbound", watching_store)
    monkeypatch.setattr(imap, "_move", watching_move)

    assert poll_once(engine, settings_for(mailbox.url(), data_dir)) == 1

    assert seen_at_store == [(1, 0)]  # still in the inbox while it was being stored
    assert ledger_at_move == [["stored"]]  # committed as stored before the move began
    [row] = ledger(engine)
    [message] = inbound(engine)
    assert (row.folder, row.status, row.inbound_id, row.error) == ("INBOX", "moved", message.id, None)
    assert row.uidvalidity == mailbox.uidvalidity("INBOX")
    assert message.channel == "imap"
    assert mailbox.messages("INBOX") == []
    assert mailbox.messages("Verwerkt") == [read_raw(data_dir, message.raw_path)]
    assert mailbox.seen("Verwerkt") == [False]  # fetched with PEEK: the bureau still sees it as unread


def test_when_storage_fails_the_message_stays_and_the_next_poll_takes_it(engine, data_dir, mailbox: TestMailbox,
                                                                         monkeypatch):
    mailbox.append(mail(1))
    settings = settings_for(mailbox.url(), data_dir)
    monkeypatch.setattr(imap, "store_inbound", failing_store(0, outage()))

    assert poll_once(engine, settings) == 0
    assert len(mailbox.messages("INBOX")) == 1
    assert mailbox.messages("Verwerkt") == [] and mailbox.messages("Mislukt") == []
    assert inbound(engine) == [] and ledger(engine) == []

    monkeypatch.setattr(imap, "store_inbound", store_inbound)
    assert poll_once(engine, settings) == 1
    assert mailbox.messages("INBOX") == []
    assert len(mailbox.messages("Verwerkt")) == 1
    assert [row.status for row in ledger(engine)] == ["moved"]


def test_a_disk_that_fails_is_an_outage_too(engine, data_dir, mailbox: TestMailbox, monkeypatch):
    mailbox.append(mail(1))
    monkeypatch.setattr(imap, "store_inbound", failing_store(0, OSError(28, "No space left on device")))
    assert poll_once(engine, settings_for(mailbox.url(), data_dir)) == 0
    assert len(mailbox.messages("INBOX")) == 1
    assert mailbox.messages("Mislukt") == [] and ledger(engine) == []


def test_a_connection_lost_before_the_move_is_finished_by_the_next_poll(engine, data_dir, mailbox: TestMailbox,
                                                                        monkeypatch, caplog):
    mailbox.append(mail(1))
    mailbox.append(mail(2))
    settings = settings_for(mailbox.url(), data_dir)
    real_move = imap._move

    def cut_the_line(box, uid, folder):
        box.client.shutdown()  # the server (or the network) goes away at the worst moment
        real_move(box, uid, folder)

    monkeypatch.setattr(imap, "_move", cut_the_line)
    with caplog.at_level(logging.WARNING, logger="intake.imap"):
        assert poll_once(engine, settings) == 1  # what was done is reported; nothing raised
    assert "mailbox unavailable" in caplog.text
    assert [row.status for row in ledger(engine)] == ["stored"]
    assert len(mailbox.messages("INBOX")) == 2

    monkeypatch.setattr(imap, "_move", real_move)
    assert poll_once(engine, settings) == 1  # only the second one is new; the first is just moved
    assert [row.status for row in ledger(engine)] == ["moved", "moved"]
    assert len(inbound(engine)) == 2
    assert mailbox.messages("INBOX") == [] and len(mailbox.messages("Verwerkt")) == 2


def test_a_server_that_does_not_answer_is_logged_without_the_password(engine, data_dir, caplog):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"imap://loonbode:ge%2Fheim@127.0.0.1:{port}/INBOX"
    with caplog.at_level(logging.WARNING, logger="intake.imap"):
        assert poll_once(engine, settings_for(url, data_dir)) == 0
    assert "mailbox unavailable" in caplog.text
    assert "ge/heim" not in caplog.text and "ge%2Fheim" not in caplog.text


def test_a_wrong_password_is_logged_without_it(engine, data_dir, mailbox: TestMailbox, caplog):
    url = mailbox.url().replace(":loonbode@", ":verkeerd-w8woord@")
    mailbox.append(mail(1))
    with caplog.at_level(logging.WARNING, logger="intake.imap"):
        assert poll_once(engine, settings_for(url, data_dir)) == 0
    assert "mailbox unavailable" in caplog.text and "verkeerd-w8woord" not in caplog.text
    assert len(mailbox.messages("INBOX")) == 1


# --- nothing twice ----------------------------------------------------------------------


def test_the_same_message_twice_gives_one_set_of_drafts(engine, data_dir, mailbox: TestMailbox):
    import_roster(engine, Roster.model_validate(ROSTER))
    raw = build_mail("Priya is sinds maandag ziek.")
    resent = raw.replace(b"Subject:", b"X-Doorgestuurd: ja\nSubject:", 1)  # other bytes, same Message-ID
    for copy in (raw, raw, resent):
        mailbox.append(copy)

    assert poll_once(engine, settings_for(mailbox.url(), data_dir)) == 2

    rows = ledger(engine)
    assert [row.status for row in rows] == ["moved"] * 3
    assert rows[0].inbound_id == rows[1].inbound_id != rows[2].inbound_id  # identical bytes are stored once
    assert len(inbound(engine)) == 2
    run_pending(engine, data_dir, "w1")
    with Session(engine) as session:
        drafts = session.exec(select(DraftRow)).all()
        assert [(d.type, d.employee_id) for d in drafts] == [("sick", "72")]
        assert session.get(InboundMessage, rows[2].inbound_id).status == InboundStatus.DUPLICATE
    assert len(mailbox.messages("Verwerkt")) == 3 and mailbox.messages("INBOX") == []


def test_a_changed_uidvalidity_stores_nothing_twice(engine, data_dir, mailbox: TestMailbox):
    mailbox.create("Loon")
    first, second, third = mail(1), mail(2), mail(3)
    mailbox.append(first, "Loon")
    mailbox.append(second, "Loon")
    settings = settings_for(mailbox.url("Loon"), data_dir)
    assert poll_once(engine, settings) == 2
    old_validity = mailbox.uidvalidity("Loon")

    # The folder is recreated (a restore, a migration): new UIDVALIDITY, UIDs from 1 again,
    # and the old mails come back. The new mail takes UID 1, which an old mail had.
    mailbox.delete("Loon")
    mailbox.create("Loon")
    mailbox.append(third, "Loon")
    mailbox.append(first, "Loon")
    mailbox.append(second, "Loon")
    assert mailbox.uidvalidity("Loon") != old_validity

    assert poll_once(engine, settings) == 1
    assert len(inbound(engine)) == 3
    rows = ledger(engine)
    assert len(rows) == 5 and {row.status for row in rows} == {"moved"}
    assert [row.uid for row in rows if row.uidvalidity != old_validity] == [1, 2, 3]
    assert len({row.inbound_id for row in rows}) == 3
    assert mailbox.messages("Loon") == [] and len(mailbox.messages("Verwerkt")) == 5


# --- never drop, shunt ------------------------------------------------------------------


def test_an_unreadable_message_goes_to_mislukt_with_the_reason(engine, data_dir, mailbox: TestMailbox):
    mailbox.append(b"dit is geen e-mail\r\n")
    mailbox.append(build_mail("Bijlage", attachments=[("groot.pdf", b"%PDF" + b"x" * 6000, "application/pdf")]))
    mailbox.append(mail(1))

    assert poll_once(engine, settings_for(mailbox.url(), data_dir, max_message_bytes=4000)) == 1

    rows = ledger(engine)
    assert [row.status for row in rows] == ["failed", "failed", "moved"]
    assert "geen kopregels" in rows[0].error
    assert "te groot" in rows[1].error
    assert rows[0].inbound_id is None and rows[1].inbound_id is None
    assert len(inbound(engine)) == 1
    assert len(mailbox.messages("Mislukt")) == 2 and len(mailbox.messages("Verwerkt")) == 1
    assert mailbox.messages("INBOX") == []


def test_a_message_the_database_refuses_goes_to_mislukt(engine, data_dir, mailbox: TestMailbox, monkeypatch):
    mailbox.append(mail(1))
    refused = DataError("INSERT INTO inbound_messages", {}, Exception("text fields cannot contain NUL"))
    monkeypatch.setattr(imap, "store_inbound", failing_store(0, refused))

    assert poll_once(engine, settings_for(mailbox.url(), data_dir)) == 0

    [row] = ledger(engine)
    assert row.status == "failed" and "NUL" in row.error
    assert mailbox.messages("INBOX") == [] and len(mailbox.messages("Mislukt")) == 1


# --- crashes ----------------------------------------------------------------------------


def test_a_poll_stopped_midway_then_a_fresh_poll_loses_and_duplicates_nothing(engine, data_dir,
                                                                               mailbox: TestMailbox, monkeypatch):
    sent = [mail(n) for n in range(5)]
    for raw in sent:
        mailbox.append(raw)
    settings = settings_for(mailbox.url(), data_dir)
    monkeypatch.setattr(imap, "store_inbound", failing_store(2, outage()))

    assert poll_once(engine, settings) == 2
    assert len(mailbox.messages("INBOX")) == 3 and len(mailbox.messages("Verwerkt")) == 2

    monkeypatch.setattr(imap, "store_inbound", store_inbound)
    assert poll_once(engine, settings) == 3
    assert poll_once(engine, settings) == 0
    stored = [read_raw(data_dir, m.raw_path) for m in inbound(engine)]
    assert sorted(stored) == sorted(mailbox.messages("Verwerkt"))
    assert len(set(stored)) == 5
    assert [row.status for row in ledger(engine)] == ["moved"] * 5
    assert mailbox.messages("INBOX") == []


KILLED_POLL = """
import json, os, signal, sys
from pathlib import Path
import intake.imap as imap
from loonbode.settings import Settings
from workflows.db import create_db_engine
from workflows.inbound import store_inbound

args = json.loads(sys.argv[1])
calls = []

def store_then_hang(*a, **k):
    inbound_id = store_inbound(*a, **k)
    calls.append(inbound_id)
    if len(calls) == 2:  # committed, but neither in the ledger nor moved: the worst moment to die
        Path(args["marker"]).write_text(str(inbound_id))
        signal.pause()
    return inbound_id

imap.store_inbound = store_then_hang
imap.poll_once(create_db_engine(args["database"]), Settings(imap_url=args["url"], data_dir=Path(args["data_dir"])))
"""


def test_a_poll_killed_mid_way_loses_and_duplicates_nothing(engine, data_dir, mailbox: TestMailbox, tmp_path):
    for n in range(3):
        mailbox.append(mail(n))
    marker = tmp_path / "stored-the-second"
    args = {"database": engine.url.render_as_string(hide_password=False), "url": mailbox.url(),
            "data_dir": str(data_dir), "marker": str(marker)}
    child = subprocess.Popen([sys.executable, "-c", KILLED_POLL, json.dumps(args)], cwd=REPO,
                             env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 120  # a generous bound for a slow machine, not a measurement
        while not marker.exists() and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the child poll never reached its second message"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    assert len(inbound(engine)) == 2
    assert [row.status for row in ledger(engine)] == ["moved"]
    assert len(mailbox.messages("INBOX")) == 2

    # The killed poll's lock died with it; the next one stores the third and only moves the second.
    assert poll_once(engine, settings_for(mailbox.url(), data_dir)) == 1
    assert len(inbound(engine)) == 3
    rows = ledger(engine)
    assert [row.status for row in rows] == ["moved"] * 3
    assert sorted(row.inbound_id for row in rows) == [m.id for m in inbound(engine)]
    assert mailbox.messages("INBOX") == [] and len(mailbox.messages("Verwerkt")) == 3


# --- one poller at a time ---------------------------------------------------------------


def test_a_second_poll_while_one_runs_skips(engine, data_dir, mailbox: TestMailbox, monkeypatch):
    mailbox.append(mail(1))
    mailbox.append(mail(2))
    settings = settings_for(mailbox.url(), data_dir)
    second_poll: list[int] = []

    def store_and_poll_again(*args, **kwargs):
        if not second_poll:  # in the middle of the first poll, a second one starts
            second_poll.append(poll_once(engine, settings))
        return store_inbound(*args, **kwargs)

    monkeypatch.setattr(imap, "store_inbound", store_and_poll_again)
    assert poll_once(engine, settings) == 2
    assert second_poll == [0]
    assert [row.status for row in ledger(engine)] == ["moved", "moved"]
    assert len(inbound(engine)) == 2
    # and the lock was let go: a later poll runs (and finds nothing left)
    mailbox.append(mail(3))
    assert poll_once(engine, settings) == 1


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_on_postgresql_only_the_holder_of_the_advisory_lock_polls(engine, data_dir, mailbox: TestMailbox):
    assert is_postgres(engine)
    mailbox.append(mail(1))
    settings = settings_for(mailbox.url(), data_dir)
    key = lock_key(parse_imap_url(mailbox.url()))
    with engine.connect() as other_instance:
        assert other_instance.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
        assert poll_once(engine, settings) == 0
        assert len(mailbox.messages("INBOX")) == 1 and ledger(engine) == []
        other_instance.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        other_instance.commit()
    assert poll_once(engine, settings) == 1
    with engine.connect() as connection:
        held = connection.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")).scalar()
    assert held == 0  # released after the poll, not left on a pooled connection


def test_idle_wakes_the_poll_when_mail_arrives_and_stops_when_asked(data_dir, mailbox: TestMailbox):
    woken, stopping = threading.Event(), threading.Event()
    watcher = threading.Thread(target=imap.watch_idle, args=(settings_for(mailbox.url(), data_dir), woken.set,
                                                             stopping), kwargs={"check_seconds": 0.2})
    watcher.start()
    try:
        time.sleep(1.0)  # let it log in and enter IDLE; a mail before that would still be in the folder
        assert not woken.is_set()
        mailbox.append(mail(1))
        assert woken.wait(30), "IDLE did not report the new mail"
    finally:
        stopping.set()
        watcher.join(30)
    assert not watcher.is_alive()


def test_the_service_takes_mail_on_idle_long_before_its_next_poll(data_dir, mailbox: TestMailbox):
    from intake.service import start

    settings = settings_for(mailbox.url(), data_dir, smtp_port=free_port(), http_port=free_port(),
                            imap_poll_seconds=3600, worker_poll_seconds=0.2)
    service = start(settings)
    try:
        deadline = time.monotonic() + 60
        # The first poll runs at start; mail appended after it only arrives through IDLE.
        while time.monotonic() < deadline and not mailbox.exists("Verwerkt"):
            time.sleep(0.1)
        time.sleep(1.0)  # the first poll of an empty mailbox ends right after making its folders
        mailbox.append(mail(1))
        while time.monotonic() < deadline and not inbound(service.engine):
            time.sleep(0.1)
        assert [m.channel for m in inbound(service.engine)] == ["imap"]
    finally:
        service.stop()
