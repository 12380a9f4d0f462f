"""The "documents ready in Nmbrs" notices after a run is marked done: who gets what, in which language,
nothing about amounts, exactly once (run twice, four threads, two `loonbode serve` processes on one
PostgreSQL), and waiting in the outbox while the relay is down."""

from __future__ import annotations

import datetime as dt
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from loonbode.cli import app
from notifier import documents_ready
from notifier.documents_ready import is_last_period_of_year, period_label, queue_documents_ready, queued_summary
from notifier.outbox import backoff, send_due, send_due_telegram
from parsers.roster import Roster
from tests.notifier import CaptureHandler, free_port, make_settings, running_relay
from tests.parsers.conftest import ROSTER
from tests.telegram.fake_bot_api import FakeBotApi
from workflows.models import (
    AuditEvent,
    Employee,
    InboundMessage,
    OutboundMessage,
    OutboundStatus,
    PayrollPeriod,
    PayrollSchedule,
    SentNotice,
    TelegramChat,
)
from workflows.payroll_periods import FOUR_WEEKLY, mark_run_done
from workflows.roster_store import import_roster

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 3, 26, 9, 0, tzinfo=dt.UTC)  # injected as `now`; no test here reads the clock
GARAGE = "garage-hoek"
GERRIT_CHAT, PRIYA_CHAT = 7101, 7201  # Gerrit's chat is Dutch, Priya's English
CONTACTS = {"loon@garagehoek.example": "nl", "ria@garagehoek.example": "en"}  # Ria last wrote in English
EMPLOYEE_MAILS = {"stijn@example.org", "karin@example.org", "bas@example.org", "thomas@example.org"}
AMOUNT = re.compile(r"€|\d+,\d")


def setup_roster(engine: Engine) -> int:
    """The shared roster with two linked chats, an English contact and an employee without any address;
    returns that employee's id (Thomas Kok)."""
    import_roster(engine, Roster.model_validate(ROSTER), actor="test")
    with Session(engine) as session:
        by_number = {e.number: e for e in session.exec(select(Employee))}
        unreachable = by_number["77"]
        unreachable.email = None
        session.add(unreachable)
        session.add(TelegramChat(chat_id=GERRIT_CHAT, employee_id=by_number["71"].id, language="nl", linked_at=NOW))
        session.add(TelegramChat(chat_id=PRIYA_CHAT, employee_id=by_number["72"].id, language="en", linked_at=NOW))
        session.add(InboundMessage(channel="smtp", content_sha256="0" * 64, raw_path="x", size=1,
                                   sender="ria@garagehoek.example", language="en", status="parsed"))
        session.commit()
        assert unreachable.id is not None
        return unreachable.id


def outbox(engine: Engine) -> list[OutboundMessage]:
    with Session(engine) as session:
        return list(session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))))


def notices(engine: Engine) -> list[SentNotice]:
    with Session(engine) as session:
        return list(session.exec(select(SentNotice).order_by(col(SentNotice.key))))


def period_row(engine: Engine, employer_id: str, key: str) -> PayrollPeriod:
    with Session(engine) as session:
        return session.exec(select(PayrollPeriod).where(PayrollPeriod.employer_id == employer_id,
                                                        PayrollPeriod.period == key)).one()


def recipients(rows: list[OutboundMessage]) -> Counter[tuple[str, str]]:
    return Counter((row.channel, row.to_address) for row in rows)


EXPECTED = Counter({("mail", a): 1 for a in [*CONTACTS, *EMPLOYEE_MAILS]}
                   | {("telegram", str(GERRIT_CHAT)): 1, ("telegram", str(PRIYA_CHAT)): 1})


# --- what is said, to whom ---------------------------------------------------------------------------------


def test_period_labels_and_the_last_period_of_a_year() -> None:
    assert period_label("2026-03", "nl") == "maart 2026" and period_label("2026-03", "en") == "March 2026"
    assert period_label("2026-P04", "nl") == "periode 4 2026" and period_label("2026-P04", "en") == "period 4 2026"
    assert [k for k in ("2026-11", "2026-12", "2026-P12", "2026-P13") if is_last_period_of_year(k)] == [
        "2026-12", "2026-P13"]


def test_the_employer_and_each_employee_are_told_once_in_their_language(
        engine: Engine, data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    kok = setup_roster(engine)
    mark_run_done(engine, GARAGE, "2026-03", actor="test", now=NOW)
    with caplog.at_level("INFO", logger="notifier.documents_ready"):
        assert queue_documents_ready(engine, make_settings(data_dir), now=NOW) == 1

    rows = outbox(engine)
    assert recipients(rows) == EXPECTED
    by_address = {row.to_address: row for row in rows}
    dutch, english = by_address["loon@garagehoek.example"], by_address["ria@garagehoek.example"]
    assert dutch.subject == "Loonstroken en overzichten maart 2026 staan klaar in Nmbrs"
    assert english.subject == "Payslips and reports for March 2026 are ready in Nmbrs"
    for document in ("loonstroken", "betaallijst", "salarisoverzicht", "journaalpost", "verzamelloonstaat"):
        assert f"  - {document}\n" in dutch.body
    assert "Garage Hoek B.V." in dutch.body and "Log in bij Nmbrs" in dutch.body
    assert "  - payslips\n" in english.body and "Log in to Nmbrs" in english.body
    assert "jaaropga" not in dutch.body + english.body  # not the year's last period

    employee_mail = by_address["stijn@example.org"]
    assert employee_mail.subject == "Uw loonstrook van maart 2026 staat klaar in Nmbrs"
    assert "Uw loonstrook van maart 2026 (Garage Hoek B.V.) staat klaar in Nmbrs." in employee_mail.body
    assert by_address[str(GERRIT_CHAT)].body.startswith("Uw loonstrook van maart 2026 (Garage Hoek B.V.)")
    assert by_address[str(PRIYA_CHAT)].body.startswith("Your payslip for March 2026 (Garage Hoek B.V.) is ready")
    assert "gerrit@example.org" not in by_address  # linked in Telegram: told there, not by mail

    for row in rows:
        assert not AMOUNT.search(row.body), row.body
        assert (row.kind, row.status, row.next_attempt_at) == ("documents_ready", OutboundStatus.PENDING, NOW)
        if row.channel == "mail":
            assert row.raw is not None and b"Auto-Submitted: auto-generated" in row.raw
            assert f"To: {row.to_address}".encode() in row.raw
    # One notice per row, naming the period, the channel and the address or chat.
    period = period_row(engine, GARAGE, "2026-03")
    assert {n.key: n.outbound_id for n in notices(engine)} == {
        f"documents:{period.id}:{row.channel}:{row.to_address}": row.id for row in rows}
    assert period.notices_queued_at == NOW

    summary = queued_summary(engine, period.id or 0)
    assert summary is not None
    assert (summary.employer_mails, summary.employee_mails, summary.telegram) == (2, 4, 2)
    assert summary.unreachable_employee_ids == [kok]
    assert f"werknemer-id {kok} heeft geen" in caplog.text and "Kok" not in caplog.text


def test_the_jaaropgaven_come_with_the_last_period_only(engine: Engine, data_dir: Path) -> None:
    setup_roster(engine)
    with Session(engine) as session:
        session.add(PayrollSchedule(employer_id="atelier-noorderlicht", frequency=FOUR_WEEKLY))
        session.commit()
    for employer_id, key in ((GARAGE, "2026-11"), (GARAGE, "2026-12"), ("atelier-noorderlicht", "2026-P04"),
                             ("atelier-noorderlicht", "2026-P13")):
        mark_run_done(engine, employer_id, key, actor="test", now=NOW)
    assert queue_documents_ready(engine, make_settings(data_dir), now=NOW) == 4

    contacts = (*CONTACTS, "office@noorderlicht.example")
    subjects = {row.subject: row for row in outbox(engine) if row.to_address in contacts}
    november = subjects["Loonstroken en overzichten november 2026 staan klaar in Nmbrs"]
    december = subjects["Loonstroken en overzichten december 2026 staan klaar in Nmbrs"]
    four = subjects["Loonstroken en overzichten periode 4 2026 staan klaar in Nmbrs"]
    thirteen = subjects["Loonstroken en overzichten periode 13 2026 staan klaar in Nmbrs"]
    assert "Payslips and reports for December 2026 are ready in Nmbrs" in subjects
    assert "jaaropgaven" not in november.body + four.body
    assert "  - jaaropgaven 2026\n" in december.body and "  - jaaropgaven 2026\n" in thirteen.body
    december_english = subjects["Payslips and reports for December 2026 are ready in Nmbrs"]
    assert "  - annual statements (jaaropgaven) 2026\n" in december_english.body

    hannah = {row.subject: row.body for row in outbox(engine) if row.to_address == "hannah@example.org"}
    p04 = hannah["Uw loonstrook van periode 4 2026 staat klaar in Nmbrs"]
    p13 = hannah["Uw loonstrook van periode 13 2026 staat klaar in Nmbrs"]
    assert "jaaropgaaf" not in p04 and "Ook uw jaaropgaaf 2026 staat daar." in p13
    assert not any(AMOUNT.search(row.body) for row in outbox(engine))


# --- exactly once ---------------------------------------------------------------------------------------------


def test_a_second_run_queues_nothing_more(engine: Engine, data_dir: Path) -> None:
    setup_roster(engine)
    mark_run_done(engine, GARAGE, "2026-03", actor="test", now=NOW)
    settings = make_settings(data_dir)
    assert queue_documents_ready(engine, settings, now=NOW) == 1
    assert queue_documents_ready(engine, settings, now=NOW + dt.timedelta(minutes=1)) == 0
    assert recipients(outbox(engine)) == EXPECTED
    assert period_row(engine, GARAGE, "2026-03").notices_queued_at == NOW


def test_four_instances_at_once_queue_one_notice_per_recipient(engine: Engine, data_dir: Path) -> None:
    setup_roster(engine)
    mark_run_done(engine, GARAGE, "2026-03", actor="test", now=NOW)
    mark_run_done(engine, "atelier-noorderlicht", "2026-03", actor="test", now=NOW)
    settings = make_settings(data_dir)
    start = threading.Barrier(4)
    counts: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            counts.append(queue_documents_ready(engine, settings, now=NOW))
        except BaseException as exc:  # reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(counts) == 2  # two periods, each handled by exactly one of the four
    atelier = {("mail", "office@noorderlicht.example"), ("mail", "hannah@example.org"), ("mail", "daniel@example.org")}
    assert recipients(outbox(engine)) == EXPECTED + Counter(dict.fromkeys(atelier, 1))
    assert len(notices(engine)) == len(outbox(engine))
    with Session(engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "documents_ready_queued")).all()
    assert len(audit) == 2


def test_a_notice_written_by_someone_else_rolls_the_whole_period_back(
        engine: Engine, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setup_roster(engine)
    period = mark_run_done(engine, GARAGE, "2026-03", actor="test", now=NOW)
    taken = f"documents:{period.id}:mail:bas@example.org"
    with Session(engine) as session:  # another writer got there between our check and our insert
        session.add(SentNotice(key=taken, kind="documents_ready", outbound_id=None))
        session.commit()
    settings = make_settings(data_dir)

    monkeypatch.setattr(documents_ready, "_given_keys", lambda session, prefix: set())
    assert queue_documents_ready(engine, settings, now=NOW) == 0
    assert outbox(engine) == [] and [n.key for n in notices(engine)] == [taken]
    assert period_row(engine, GARAGE, "2026-03").notices_queued_at is None
    assert queued_summary(engine, period.id or 0) is None

    monkeypatch.undo()  # the next run sees the notice and leaves that recipient out
    assert queue_documents_ready(engine, settings, now=NOW) == 1
    assert recipients(outbox(engine)) == EXPECTED - Counter({("mail", "bas@example.org"): 1})


# --- through the outbox ---------------------------------------------------------------------------------------


def test_while_the_relay_is_down_they_wait_and_then_go_out_once_each(engine: Engine, data_dir: Path) -> None:
    setup_roster(engine)
    mark_run_done(engine, GARAGE, "2026-03", actor="test", now=NOW)
    port = free_port()
    settings = make_settings(data_dir, relay_port=port).model_copy(update={
        "telegram_token": "123456789:TEST-fake-bot-api-token",
        "telegram_api_url": f"http://127.0.0.1:{free_port()}/bot"})  # the Bot API unreachable too
    assert queue_documents_ready(engine, settings, now=NOW) == 1

    assert send_due(engine, settings, now=NOW) == 0
    assert send_due_telegram(engine, settings, now=NOW) == 0
    assert {row.status for row in outbox(engine)} == {OutboundStatus.PENDING}

    later = NOW + backoff(1)
    with running_relay(port) as relay, FakeBotApi(token=settings.telegram_token or "") as bot:
        up = settings.model_copy(update={"telegram_api_url": bot.base_url})
        assert send_due(engine, up, now=later) == 6
        assert send_due_telegram(engine, up, now=later) == 2
        assert send_due(engine, up, now=later + dt.timedelta(hours=1)) == 0
        assert send_due_telegram(engine, up, now=later + dt.timedelta(hours=1)) == 0
        telegram = bot.calls_to("sendMessage")

    assert {row.status for row in outbox(engine)} == {OutboundStatus.SENT}
    ids = relay.message_ids()
    assert len(ids) == len(set(ids)) == 6
    assert Counter(r for received in relay.received for r in received.rcpt_tos) == Counter(
        dict.fromkeys([*CONTACTS, *EMPLOYEE_MAILS], 1))
    assert all(not AMOUNT.search(received.body) for received in relay.received)
    assert Counter(str(call["chat_id"]) for call in telegram) == Counter({str(GERRIT_CHAT): 1, str(PRIYA_CHAT): 1})


# --- the command line -----------------------------------------------------------------------------------------


def test_run_done_on_the_command_line_queues_at_once_and_refuses_twice(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kok = setup_roster(engine)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in [n for n in os.environ if n.startswith("LOONBODE_") and n != "LOONBODE_TEST_POSTGRES_URL"]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("LOONBODE_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("LOONBODE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    runner = CliRunner()

    done = runner.invoke(app, ["run-done", GARAGE, "2026-03"])
    assert done.exit_code == 0, done.output
    assert "De verloning van 2026-03 voor garage-hoek staat als klaar gemeld." in done.stdout
    assert "8 bericht(en) wachten in de outbox: 2 mail(s) aan de werkgever, 4 mail(s) en 2 Telegram" in done.stdout
    assert "zodra LOONBODE_RELAY_URL is ingesteld" in done.stdout
    assert f"(werknemer-id {kok})" in done.stdout
    assert recipients(outbox(engine)) == EXPECTED
    assert period_row(engine, GARAGE, "2026-03").run_done_by == "cli"

    again = runner.invoke(app, ["run-done", GARAGE, "2026-03"])
    assert again.exit_code == 1 and "al als klaar gemeld" in again.stderr
    unknown = runner.invoke(app, ["run-done", "bestaat-niet", "2026-03"])
    assert unknown.exit_code == 1 and "onbekende werkgever" in unknown.stderr
    wrong = runner.invoke(app, ["run-done", GARAGE, "2026-13"])
    assert wrong.exit_code == 1 and "ongeldige periode" in wrong.stderr
    assert recipients(outbox(engine)) == EXPECTED


# --- two `loonbode serve` processes on one PostgreSQL ----------------------------------------------------------

PATIENCE = 60.0  # seconds; how long a slow machine may take, never a speed claim


def eventually(check: Callable[[], bool], what: str, timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(0.1)


def service_env(engine: Engine, folder: Path, relay_port: int, bot: FakeBotApi) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOONBODE_")}
    env.update({"LOONBODE_DATABASE_URL": engine.url.render_as_string(hide_password=False),
                "LOONBODE_DATA_DIR": str(folder / "data"), "LOONBODE_SMTP_PORT": str(free_port()),
                "LOONBODE_HTTP_PORT": str(free_port()), "LOONBODE_RELAY_URL": f"smtp://127.0.0.1:{relay_port}",
                "LOONBODE_SECRET_KEY": "one-key-for-both-instances-" + "x" * 32,
                "LOONBODE_TELEGRAM_TOKEN": bot.token, "LOONBODE_TELEGRAM_API_URL": bot.base_url,
                "LOONBODE_WORKER_POLL_SECONDS": "0.2", "PYTHONPATH": str(ROOT)})
    return env


@contextmanager
def two_instances(engine: Engine, tmp_path: Path) -> Iterator[tuple[CaptureHandler, FakeBotApi, dict[str, str]]]:
    """Two `loonbode serve` processes, started together on the test's PostgreSQL database, with a relay and a
    Bot API; yields those and the environment a `loonbode` command needs to reach the same database."""
    relay_port = free_port()
    with ExitStack() as stack:
        relay = stack.enter_context(running_relay(relay_port))
        bot = stack.enter_context(FakeBotApi())
        processes: list[tuple[subprocess.Popen[bytes], Path]] = []
        try:
            for name in ("a", "b"):
                folder = tmp_path / f"serve-{name}"
                folder.mkdir()
                log = folder / "output.txt"
                with open(log, "wb") as out:
                    processes.append((subprocess.Popen([sys.executable, "-m", "loonbode", "serve"], cwd=folder,
                                                       env=service_env(engine, folder, relay_port, bot), stdout=out,
                                                       stderr=subprocess.STDOUT), log))
            for process, log in processes:
                eventually(lambda process=process, log=log: "Loonbode draait" in log.read_text(errors="replace")
                           or process.poll() is not None, "the start line")
                assert process.poll() is None, log.read_text(errors="replace")
            yield relay, bot, service_env(engine, tmp_path, relay_port, bot)
        finally:
            for process, _log in processes:
                process.send_signal(signal.SIGTERM)
            for process, _log in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def assert_delivered_once_each(engine: Engine, relay: CaptureHandler, bot: FakeBotApi) -> None:
    def all_sent() -> bool:
        rows = outbox(engine)
        return len(rows) == 8 and all(row.status == OutboundStatus.SENT for row in rows)

    eventually(all_sent, "every notice sent")
    time.sleep(2.0)  # a second delivery by the other instance would land within its next outbox rounds
    ids = relay.message_ids()
    assert len(ids) == len(set(ids)) == 6, ids
    assert Counter(r for received in relay.received for r in received.rcpt_tos) == Counter(
        dict.fromkeys([*CONTACTS, *EMPLOYEE_MAILS], 1))
    sent = Counter(str(call["chat_id"]) for call in bot.calls_to("sendMessage"))
    assert sent == Counter({str(GERRIT_CHAT): 1, str(PRIYA_CHAT): 1})
    assert recipients(outbox(engine)) == EXPECTED and len(notices(engine)) == 8
    with Session(engine) as session:
        audit = session.exec(select(AuditEvent).where(AuditEvent.action == "documents_ready_queued")).all()
    assert len(audit) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_two_serve_processes_send_what_run_done_queued_once_each(engine: Engine, tmp_path: Path) -> None:
    setup_roster(engine)
    with two_instances(engine, tmp_path) as (relay, bot, env):
        done = subprocess.run([sys.executable, "-m", "loonbode", "run-done", GARAGE, "2026-03"], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=PATIENCE, check=False)
        assert done.returncode == 0, done.stderr
        assert "8 bericht(en) wachten in de outbox" in done.stdout
        assert_delivered_once_each(engine, relay, bot)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_two_serve_processes_race_for_a_period_marked_done_and_notice_it_once(engine: Engine,
                                                                              tmp_path: Path) -> None:
    setup_roster(engine)
    with two_instances(engine, tmp_path) as (relay, bot, _env):
        # Marked done without queueing: both instances' "documents-ready" job (first run ~10 s after
        # their start, at the same moment) find it.
        mark_run_done(engine, GARAGE, "2026-03", actor="dashboard")
        assert outbox(engine) == []
        assert_delivered_once_each(engine, relay, bot)
