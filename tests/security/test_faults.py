"""Faults around the mail path, each with the outcome a sender and an operator need: nothing
lost, nothing twice, and one clear log line.

- The database goes away in the middle of an SMTP session: the DATA gets 451, the sender
  retries once it is back and the mail is stored once (SQLite: another process holds the write
  lock past the busy timeout; PostgreSQL: the database takes no connections and its sessions
  are ended).
- The disk fills up while the raw file is written: 451, "schijf vol" in the log, no half file
  left behind; stored once when there is room again. ENOSPC is injected at `os.write` in the
  raw store only; where the tests may mount a tmpfs (root), a really full disk is tried too.
- The relay is down, or refuses a DATA for now: outbox rows wait with their error and a log
  line, then go out once each.
- The Bot API answers 5xx, or does not answer within the timeout: Telegram rows are retried
  and each message arrives once.
- The IMAP connection drops in the middle of a FETCH: the poll stops with a log line, the mail
  stays in the mailbox, and the next poll stores the rest without a duplicate.

Covered already, not repeated here: a raw store that cannot write, a commit that fails and a
database file that is gone answer 451 (tests/intake/test_smtp.py); a relay that is down keeps a
row whose next attempt sends it once, and a relay refusing a recipient for good
(tests/notifier/test_outbox.py); storage failing during an IMAP poll, a full disk there, and a
connection lost between storing and moving (tests/intake/test_imap.py).
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import shutil
import socket
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlmodel import Session, select

import intake.imap as imap
import notifier.telegram_send as telegram_send
import workflows.rawstore as rawstore
from intake.imap import poll_once
from intake.smtp import start_smtp, stop_smtp
from loonbode.settings import Settings, load_settings
from notifier.outbox import backoff, send_due, send_due_telegram
from tests.conftest import POSTGRES_URL
from tests.intake import conftest as intake_fixtures
from tests.intake import free_port as free_smtp_port
from tests.intake import test_smtp
from tests.intake.conftest import TestMailbox
from tests.intake.test_imap import inbound as imap_inbound
from tests.intake.test_imap import ledger
from tests.intake.test_imap import mail as imap_mail
from tests.intake.test_smtp import INTAKE, SENDER, Start, client, inbound_rows, mail, raw_files, send
from tests.notifier import CaptureHandler, free_port, make_settings, running_relay
from tests.notifier.test_outbox import START, add_outbound, rows
from tests.telegram.fake_bot_api import FakeBotApi
from workflows.db import create_db_engine, is_postgres, migrate
from workflows.models import OutboundMessage, OutboundStatus
from workflows.rawstore import read_raw

# Fixtures of tests/intake, used here as they are.
listen = test_smtp.listen
imap_url = intake_fixtures.imap_url
mailbox = intake_fixtures.mailbox


def smtp_failures(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "intake.smtp" and "niet opgeslagen" in r.getMessage()]


# --- the database goes away during DATA -------------------------------------------------------------------------

def quick_to_give_up(engine: Engine) -> Engine:
    """A second engine on the same database for the listener; on SQLite it waits half a second for a
    lock instead of thirty, so a database held by someone else shows within the test."""
    other = create_db_engine(engine.url.render_as_string(hide_password=False))
    if not is_postgres(other):
        @event.listens_for(other, "connect")
        def _short_wait(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute("PRAGMA busy_timeout=500")
    return other


@contextmanager
def database_away(engine: Engine) -> Iterator[None]:
    """The database refuses all work until the block ends."""
    if is_postgres(engine):
        assert POSTGRES_URL
        name = engine.url.database
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
            admin.dispose()
    else:
        assert engine.url.database
        holder = sqlite3.connect(engine.url.database, isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")  # a backup, a migration, another process: nobody else writes
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()


def test_the_database_going_away_mid_session_gives_451_and_the_retry_is_stored_once(
        listen: Start, engine: Engine, data_dir: Path, caplog: pytest.LogCaptureFixture):
    listener_engine = quick_to_give_up(engine)
    settings, _ = listen(on=listener_engine)
    raw = mail()
    try:
        with client(settings) as session:
            session.ehlo()
            assert session.mail(SENDER)[0] == 250
            assert session.rcpt(INTAKE)[0] == 250  # the session is under way when the database goes
            with database_away(engine):
                code, reply = session.data(raw)
                assert code == 451 and reply.startswith(b"4.3.0"), reply
            assert inbound_rows(engine) == []
            # The sender keeps the mail and tries again in the same session, the database being back.
            code, answer = send(session, raw)
    finally:
        listener_engine.dispose()
    assert code == 250, answer
    [row] = inbound_rows(engine)
    assert (data_dir / row.raw_path).read_bytes() == raw
    assert len(raw_files(data_dir)) == 1  # the file written before the failed commit is the one reused
    [line] = smtp_failures(caplog)
    assert SENDER in line and "451" in line and "OperationalError" in line


# --- the disk fills up ------------------------------------------------------------------------------------------

class FillingDisk:
    """`os` as the raw store sees it, on a disk that fills up: the first write gets half its bytes on
    disk, the next one fails with ENOSPC. Everything else is the real `os`."""

    def __init__(self) -> None:
        self.full = True
        self.wrote_part = False

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def write(self, fd: int, data: bytes | memoryview) -> int:
        if not self.full:
            return os.write(fd, data)
        if not self.wrote_part and len(data) > 1:
            self.wrote_part = True
            return os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_full_disk_gives_451_a_clear_log_line_and_no_half_file(listen: Start, engine: Engine, data_dir: Path,
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  caplog: pytest.LogCaptureFixture):
    disk = FillingDisk()
    monkeypatch.setattr(rawstore, "os", disk)
    settings, _ = listen()
    raw = mail()
    with client(settings) as session:
        code, reply = send(session, raw)
        assert code == 451 and reply.startswith("4.3.0"), reply
        assert disk.wrote_part  # the failure came half way through the file
        assert inbound_rows(engine) == []
        assert raw_files(data_dir) == []  # not the file, and not the half-written temporary either
        [line] = smtp_failures(caplog)
        assert "schijf vol" in line and "No space left on device" in line and "451" in line
        disk.full = False  # room again: the sender's retry is stored, once
        code, reply = send(session, raw)
    assert code == 250, reply
    [row] = inbound_rows(engine)
    assert (data_dir / row.raw_path).read_bytes() == raw
    assert raw_files(data_dir) == [data_dir / row.raw_path]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, when this process may mount one (root); skipped otherwise."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root; the injected ENOSPC test above covers the same path")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)


def fill(folder: Path) -> Path:
    """Write zeros into one file until the disk is full; returns the file."""
    filler = folder / "filler"
    with open(filler, "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


def test_a_really_full_disk_gives_451_and_the_mail_is_stored_once_there_is_room(tiny_disk: Path,
                                                                                 caplog: pytest.LogCaptureFixture):
    data_dir = tiny_disk / "data"
    data_dir.mkdir()
    engine = create_db_engine(f"sqlite:///{tiny_disk / 'loonbode.sqlite3'}")  # on the same disk, as by default
    migrate(engine)
    settings = load_settings(data_dir=data_dir, smtp_host="127.0.0.1", smtp_port=free_smtp_port(),
                             intake_addresses=INTAKE, smtp_auth_users=None, smtp_tls_cert=None, smtp_tls_key=None)
    controller = start_smtp(settings, engine)
    raw = mail("Priya is sinds maandag ziek.\n" + "Nog wat tekst.\n" * 300)
    try:
        with client(settings) as session:
            session.ehlo()  # before the disk fills, so nothing but the mail needs room
            filler = fill(tiny_disk)
            code, reply = send(session, raw)
            assert code == 451, reply
            assert inbound_rows(engine) == []
            assert raw_files(data_dir) == []
            assert any("schijf vol" in line for line in smtp_failures(caplog)), smtp_failures(caplog)
            filler.unlink()
            code, reply = send(session, raw)
        assert code == 250, reply
        [row] = inbound_rows(engine)
        assert (data_dir / row.raw_path).read_bytes() == raw
    finally:
        stop_smtp(controller)
        engine.dispose()


# --- the relay is down ------------------------------------------------------------------------------------------

def test_a_relay_that_is_down_holds_all_mail_with_one_log_line_and_each_goes_out_once(
        engine: Engine, data_dir: Path, caplog: pytest.LogCaptureFixture):
    port = free_port()
    settings = make_settings(data_dir, relay_port=port)
    message_ids = add_outbound(engine, 3)
    caplog.set_level(logging.WARNING, logger="notifier.outbox")

    assert send_due(engine, settings, now=START) == 0
    first, *others = rows(engine)
    assert [r.status for r in rows(engine)] == [OutboundStatus.PENDING] * 3
    assert first.attempts == 1 and "unreachable" in (first.last_error or "")
    assert [(r.attempts, r.last_error) for r in others] == [(0, None), (0, None)]  # not tried, not burnt
    [line] = [r.getMessage() for r in caplog.records if r.name == "notifier.outbox"]
    assert f"outbound message {first.id} attempt 1 failed" in line and f"127.0.0.1:{port} unreachable" in line

    with running_relay(port) as relay:
        later = START + backoff(1)
        assert send_due(engine, settings, now=later) == 3
        assert send_due(engine, settings, now=later + dt.timedelta(hours=2)) == 0
    assert sorted(relay.message_ids()) == sorted(message_ids)
    assert {r.status for r in rows(engine)} == {OutboundStatus.SENT}


class BusyOnceRelay(CaptureHandler):
    """A relay that answers the first DATA with 451 (its queue is full for a moment), then accepts."""

    busy = True

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        if self.busy:
            self.busy = False
            return "451 4.3.0 Queue full, try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_relay_refusing_data_for_now_gets_the_mail_again_later_once(engine: Engine, data_dir: Path,
                                                                      caplog: pytest.LogCaptureFixture):
    port = free_port()
    settings = make_settings(data_dir, relay_port=port)
    message_ids = add_outbound(engine, 2)
    caplog.set_level(logging.WARNING, logger="notifier.outbox")
    with running_relay(port, BusyOnceRelay()) as relay:
        assert send_due(engine, settings, now=START) == 1  # the second one still goes: the relay is up
        first, second = rows(engine)
        assert (first.status, first.attempts) == (OutboundStatus.PENDING, 1)
        assert "451" in (first.last_error or "") and second.status == OutboundStatus.SENT
        assert any("451" in r.getMessage() for r in caplog.records if r.name == "notifier.outbox")
        assert send_due(engine, settings, now=START + backoff(1)) == 1
        assert send_due(engine, settings, now=START + dt.timedelta(hours=2)) == 0
    assert sorted(relay.message_ids()) == sorted(message_ids)  # each once; the refused copy was never taken


# --- the Bot API fails ------------------------------------------------------------------------------------------

CHAT = 4242


def add_telegram(engine: Engine, count: int) -> list[str]:
    """Queue `count` Telegram messages to CHAT, as a leave decision does; returns their texts."""
    texts = [f"Uw verlof {n} is goedgekeurd." for n in range(count)]
    with Session(engine) as session:
        for body in texts:
            session.add(OutboundMessage(kind="leave_decision", channel="telegram", to_address=str(CHAT),
                                        subject="verlof", body=body, message_id=make_msgid(idstring="verlof"),
                                        next_attempt_at=START))
        session.commit()
    return texts


def telegram_rows(engine: Engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).where(OutboundMessage.channel == "telegram")
                                 .order_by(OutboundMessage.id)))  # type: ignore[arg-type]


def bot_settings(fake: FakeBotApi, data_dir: Path) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, telegram_token=fake.token,  # type: ignore[call-arg]
                    telegram_api_url=fake.base_url)


@pytest.mark.parametrize(("status", "description", "api_down"), [
    (500, "Internal Server Error", False),
    (502, "Bad Gateway", True),
    (503, "Service Unavailable", True),
])
def test_a_bot_api_answering_5xx_gets_each_message_once_in_the_end(engine: Engine, data_dir: Path, status: int,
                                                                   description: str, api_down: bool,
                                                                   caplog: pytest.LogCaptureFixture):
    texts = add_telegram(engine, 2)
    caplog.set_level(logging.WARNING, logger="notifier.outbox")
    with FakeBotApi() as fake:
        settings = bot_settings(fake, data_dir)
        fake.fail("sendMessage", status, description)
        # Down (502, 503): the rest waits untried. A single error (500): the next one goes.
        assert send_due_telegram(engine, settings, now=START) == (0 if api_down else 1)
        first, second = telegram_rows(engine)
        assert (first.status, first.attempts) == (OutboundStatus.PENDING, 1)
        assert first.last_error == f"Bot API {status}: {description}"
        assert second.attempts == (0 if api_down else 1)
        [line] = [r.getMessage() for r in caplog.records if r.name == "notifier.outbox"]
        assert f"outbound message {first.id} attempt 1 failed: Bot API {status}" in line

        later = START + backoff(1)
        assert send_due_telegram(engine, settings, now=later) == (2 if api_down else 1)
        assert send_due_telegram(engine, settings, now=later + dt.timedelta(hours=2)) == 0
        assert sorted(m["text"] for m in fake.sent(CHAT)) == sorted(texts)  # each once
        assert len(fake.faulted_calls) == 1
    assert {r.status for r in telegram_rows(engine)} == {OutboundStatus.SENT}


def test_a_bot_api_that_does_not_answer_in_time_is_retried_and_each_message_arrives_once(
        engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    monkeypatch.setattr(telegram_send, "TIMEOUT_SECONDS", 0.5)
    texts = add_telegram(engine, 2)
    caplog.set_level(logging.WARNING, logger="notifier.outbox")
    with FakeBotApi() as fake:
        settings = bot_settings(fake, data_dir)
        fake.hang("sendMessage", 10.0)  # far past our timeout; Telegram never handles this request
        assert send_due_telegram(engine, settings, now=START) == 0
        first, second = telegram_rows(engine)
        assert (first.status, first.attempts, second.attempts) == (OutboundStatus.PENDING, 1, 0)
        assert first.last_error == "Bot API onbereikbaar: ReadTimeout"
        [line] = [r.getMessage() for r in caplog.records if r.name == "notifier.outbox"]
        assert "Bot API onbereikbaar: ReadTimeout" in line

        assert send_due_telegram(engine, settings, now=START + backoff(1)) == 2
        assert sorted(m["text"] for m in fake.sent(CHAT)) == sorted(texts)
        assert len(fake.faulted_calls) == 1
    assert {r.status for r in telegram_rows(engine)} == {OutboundStatus.SENT}


# --- the IMAP connection drops in the middle of a FETCH ---------------------------------------------------------

class CuttingProxy:
    """A TCP proxy in front of Dovecot. On its first connection, once the client has sent its
    `cut_at`-th UID FETCH, `after_bytes` bytes of the server's answer get through and then both
    sides are cut, as when the server dies or the network drops in the middle of a message.
    Later connections pass everything."""

    def __init__(self, upstream: tuple[str, int], *, cut_at: int, after_bytes: int) -> None:
        self.upstream = upstream
        self.cut_at = cut_at
        self.after_bytes = after_bytes
        self.cut = threading.Event()
        self.armed = True
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> CuttingProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.listener.close()
        for sock in self.sockets:
            with suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            self.sockets += [downstream, upstream]
            armed, self.armed = self.armed, False
            fetching = threading.Event()
            threading.Thread(target=self._requests, args=(downstream, upstream, armed, fetching), daemon=True).start()
            threading.Thread(target=self._answers, args=(upstream, downstream, fetching), daemon=True).start()

    def _requests(self, downstream: socket.socket, upstream: socket.socket, armed: bool,
                  fetching: threading.Event) -> None:
        fetches = 0
        with suppress(OSError):
            while data := downstream.recv(65536):
                fetches += data.upper().count(b"UID FETCH")
                if armed and fetches >= self.cut_at:
                    fetching.set()  # before the command goes on, so its whole answer is counted
                upstream.sendall(data)

    def _answers(self, upstream: socket.socket, downstream: socket.socket, fetching: threading.Event) -> None:
        budget = self.after_bytes
        with suppress(OSError):
            while data := upstream.recv(65536):
                if fetching.is_set():
                    downstream.sendall(data[:budget])
                    budget -= min(budget, len(data))
                    if budget == 0:
                        self.cut.set()  # before the client can notice
                        for sock in (downstream, upstream):
                            with suppress(OSError):
                                sock.shutdown(socket.SHUT_RDWR)
                        return
                else:
                    downstream.sendall(data)


@pytest.mark.imap
def test_imap_dropping_mid_fetch_loses_nothing_and_the_next_poll_stores_the_rest_once(
        engine: Engine, data_dir: Path, mailbox: TestMailbox, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture):
    sent = [imap_mail(n) for n in range(3)]
    for raw in sent:
        mailbox.append(raw)
    monkeypatch.setattr(imap, "FETCH_BATCH", 1)  # one FETCH per message, so the cut falls inside the second
    with CuttingProxy((mailbox.host, mailbox.port), cut_at=2, after_bytes=120) as proxy:
        proxied = TestMailbox(f"imap://ignored:{mailbox.password}@127.0.0.1:{proxy.port}", mailbox.user)
        settings = Settings(imap_url=proxied.url(), data_dir=data_dir)  # type: ignore[call-arg]
        with caplog.at_level(logging.WARNING, logger="intake.imap"):
            assert poll_once(engine, settings) == 1  # the first message; the second was cut off
        assert proxy.cut.is_set()
        [line] = [r.getMessage() for r in caplog.records if r.name == "intake.imap"]
        assert "mailbox unavailable, poll stopped" in line and mailbox.user in line
        assert len(mailbox.messages("INBOX")) == 2 and len(mailbox.messages("Verwerkt")) == 1
        assert [row.status for row in ledger(engine)] == ["moved"]

        assert poll_once(engine, settings) == 2  # through the proxy again, which now passes everything
        assert poll_once(engine, settings) == 0
    stored = [read_raw(data_dir, message.raw_path) for message in imap_inbound(engine)]
    assert sorted(stored) == sorted(mailbox.messages("Verwerkt"))
    assert len(stored) == len(set(stored)) == 3
    assert [row.status for row in ledger(engine)] == ["moved"] * 3
    assert mailbox.messages("INBOX") == []
