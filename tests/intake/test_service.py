"""`loonbode serve` as a real process: mail in over SMTP, drafts out, clean stops, and a crash mid-burst."""

from __future__ import annotations

import json
import os
import shlex
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from intake.service import demo_send_command, release_dead_local_claims
from loonbode.settings import load_settings
from parsers.roster import Roster
from tests.intake import as_crlf, free_port, wait_for_port
from tests.parsers.conftest import ROSTER, build_mail
from workflows.db import create_db_engine, migrate
from workflows.inbound import store_inbound
from workflows.models import DraftRow, InboundMessage, InboundStatus
from workflows.pipeline import claim_next
from workflows.rawstore import content_hash
from workflows.roster_store import import_roster

ROOT = Path(__file__).resolve().parents[2]
INTAKE = "mutaties@bureau.example"
SENDER = "ria@garagehoek.example"
PATIENCE = 180.0  # seconds; how long we wait for a slow machine, never a speed claim


class Server:
    """`python -m loonbode serve` in its own data dir, with its output in files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.data_dir = folder / "data"
        self.port = free_port()
        self.http_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.runs = 0

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOONBODE_")}
        env.update({"LOONBODE_DATA_DIR": str(self.data_dir), "LOONBODE_SMTP_PORT": str(self.port),
                    "LOONBODE_HTTP_PORT": str(self.http_port),
                    "LOONBODE_WORKER_POLL_SECONDS": "0.2", "PYTHONPATH": str(ROOT), **extra})
        return env

    def start(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        self.runs += 1
        with open(self.stdout, "wb") as out, open(self.folder / f"stderr-{self.runs}.txt", "wb") as err:
            # cwd outside the repository, so no stray .env file is read
            self.process = subprocess.Popen([sys.executable, "-m", "loonbode", "serve", *args], cwd=self.folder,
                                            env=self.env(**env), stdout=out, stderr=err)
        assert wait_for_port(self.port), self.output()
        # The start line is logged once the worker and the other threads run.
        eventually(lambda: "Loonbode draait" in self.output(), "the start line")
        return self.process

    @property
    def stdout(self) -> Path:
        return self.folder / f"stdout-{self.runs}.txt"

    def output(self) -> str:
        return "".join(p.read_text(errors="replace") for p in sorted(self.folder.glob("std*.txt")))

    def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=PATIENCE)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=PATIENCE)

    def engine(self) -> Engine:
        return create_db_engine(load_settings(data_dir=self.data_dir, database_url=None).database)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()


@pytest.fixture
def roster_loaded(server: Server) -> Server:
    """The shared test roster in the server's database before it starts."""
    server.data_dir.mkdir()
    engine = server.engine()
    migrate(engine)
    import_roster(engine, Roster.model_validate(ROSTER))
    engine.dispose()
    return server


def eventually(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not check():
        assert time.monotonic() < deadline, f"not within {PATIENCE:.0f} s: {what}"
        time.sleep(0.1)


def overtime_mail(n: int) -> bytes:
    return as_crlf(build_mail(f"Gerrit heeft {n} overuren gemaakt in februari.", message_id=f"<burst-{n}@test>"))


def rows_by_message_id(engine: Engine) -> dict[str, list[InboundMessage]]:
    found: dict[str, list[InboundMessage]] = {}
    with Session(engine) as session:
        for row in session.exec(select(InboundMessage).order_by(InboundMessage.id)):  # type: ignore[arg-type]
            found.setdefault(row.message_id or "", []).append(row)
    return found


def draft_counts(engine: Engine) -> dict[int, int]:
    with Session(engine) as session:
        return dict(session.exec(select(DraftRow.inbound_id, func.count()).group_by(DraftRow.inbound_id)).all())


def test_serve_takes_mail_makes_drafts_and_stops_cleanly_on_sigterm(roster_loaded: Server):
    server = roster_loaded
    server.start()
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        client.sendmail(SENDER, [INTAKE], as_crlf(build_mail("Priya is sinds maandag ziek.")))
    engine = server.engine()
    try:
        eventually(lambda: sum(draft_counts(engine).values()) >= 1, "a draft")
        assert server.terminate() == 0, server.output()
        with Session(engine) as session:
            drafts = session.exec(select(DraftRow)).all()
            statuses = session.exec(select(InboundMessage.status)).all()
    finally:
        engine.dispose()
    assert [(d.type, d.employee_id) for d in drafts] == [("sick", "72")]
    assert statuses == [InboundStatus.PARSED]
    assert "Loonbode draait: SMTP op 127.0.0.1:" in server.output()
    assert not wait_for_port(server.port, timeout=0.5), "the port still accepts after the stop"


def test_a_stored_mail_wakes_the_worker_and_a_stop_wakes_everything(roster_loaded: Server):
    server = roster_loaded
    server.start(LOONBODE_WORKER_POLL_SECONDS="3600")  # only a wake-up can get this mail processed
    with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
        client.sendmail(SENDER, [INTAKE], as_crlf(build_mail("Karin is sinds maandag ziek.")))
    engine = server.engine()
    try:
        eventually(lambda: sum(draft_counts(engine).values()) >= 1, "a draft without waiting for the poll")
    finally:
        engine.dispose()
    assert server.terminate() == 0, server.output()


def test_a_burst_cut_by_sigkill_loses_nothing_acknowledged_and_stores_nothing_half(roster_loaded: Server):
    server = roster_loaded
    mails = [overtime_mail(n) for n in range(300)]
    acked: list[int] = []

    def burst(numbers: list[int]) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", server.port, timeout=30) as client:
                for n in numbers:
                    client.sendmail(SENDER, [INTAKE], mails[n])  # raises unless answered 250
                    acked.append(n)
        except (smtplib.SMTPException, OSError):
            pass  # the server died under us: what got no 250 is the sender's to retry

    server.start()
    sender = threading.Thread(target=burst, args=(list(range(300)),))
    sender.start()
    eventually(lambda: len(acked) >= 100 or not sender.is_alive(), "100 acknowledged mails")
    server.kill()
    sender.join(timeout=PATIENCE)
    acknowledged = set(acked)
    assert 100 <= len(acknowledged) < 300, len(acknowledged)

    engine = server.engine()
    try:
        assert_every_row_has_its_raw_file(engine, server.data_dir)
        stored = rows_by_message_id(engine)
        for n in acknowledged:
            assert len(stored.get(f"<burst-{n}@test>", [])) == 1, n

        server.start()
        def acknowledged_parsed() -> bool:
            rows = rows_by_message_id(engine)
            return all(rows[f"<burst-{n}@test>"][0].status == InboundStatus.PARSED for n in acknowledged)
        eventually(acknowledged_parsed, "every acknowledged mail processed after the restart")
        counts = draft_counts(engine)
        for n in acknowledged:
            (row,) = rows_by_message_id(engine)[f"<burst-{n}@test>"]
            assert counts.get(row.id, 0) == 1, n  # type: ignore[arg-type]

        # The sender retries what got no 250; some of it may already be stored: still one set of drafts each.
        missing = sorted(set(range(300)) - acknowledged)
        burst(missing)
        assert len(acked) == 300
        def all_done() -> bool:
            rows = rows_by_message_id(engine)
            return all(f"<burst-{n}@test>" in rows and all(r.status in (InboundStatus.PARSED, InboundStatus.DUPLICATE)
                                                         for r in rows[f"<burst-{n}@test>"]) for n in range(300))
        eventually(all_done, "every mail processed")
        assert server.terminate() == 0, server.output()
        counts = draft_counts(engine)
        for message_id, rows in rows_by_message_id(engine).items():
            parsed = [r for r in rows if r.status == InboundStatus.PARSED]
            assert len(parsed) == 1, message_id
            assert counts.get(parsed[0].id, 0) == 1, message_id  # type: ignore[arg-type]
            assert all(counts.get(r.id, 0) == 0 for r in rows if r is not parsed[0]), message_id  # type: ignore[arg-type]
        assert_every_row_has_its_raw_file(engine, server.data_dir)
    finally:
        engine.dispose()


def assert_every_row_has_its_raw_file(engine: Engine, data_dir: Path) -> None:
    with Session(engine) as session:
        rows = session.exec(select(InboundMessage)).all()
    for row in rows:
        path = data_dir / row.raw_path
        assert path.is_file(), row.id
        assert content_hash(path.read_bytes()) == row.content_sha256, row.id


def test_demo_prints_one_command_that_sends_a_first_mail(server: Server):
    server.start("--demo")
    eventually(lambda: "python3 -c" in server.stdout.read_text(), "the demo instructions")
    lines = [line.strip() for line in server.stdout.read_text().splitlines()]
    (command,) = [line for line in lines if line.startswith("python3 -c")]
    (drafts_line,) = [line for line in lines if line.endswith("loonbode drafts --json")]
    argv = shlex.split(command)
    subprocess.run([sys.executable, *argv[1:]], check=True, timeout=60)
    engine = server.engine()
    try:
        eventually(lambda: sum(draft_counts(engine).values()) >= 2, "the demo drafts")
    finally:
        engine.dispose()
    env_part = drafts_line.split(" loonbode ")[0]
    env = dict(os.environ, **dict(item.split("=", 1) for item in shlex.split(env_part)))
    printed = subprocess.run([sys.executable, "-m", "loonbode", "drafts", "--json"], env=env, cwd=server.folder,
                             capture_output=True, text=True, check=True)
    drafts = json.loads(printed.stdout)
    assert {(d["employer_id"], d["type"], d["employee_id"]) for d in drafts} == {
        ("demo-fietsenmaker", "sick", "101"), ("demo-fietsenmaker", "hours", "102")}
    assert server.terminate() == 0, server.output()


def test_the_demo_command_uses_the_listener_address_and_first_intake_address(tmp_path: Path):
    settings = load_settings(data_dir=tmp_path, smtp_host="0.0.0.0", smtp_port=2626,
                             intake_addresses="loon@kantoor.example,mutaties@bureau.example")
    command = demo_send_command(settings)
    assert "smtplib.SMTP('127.0.0.1',2626)" in command and "e['To']='loon@kantoor.example'" in command
    assert len(shlex.split(command)) == 3  # python3 -c "<one argument>": survives a shell as one line


def test_auth_without_tls_off_loopback_stops_serve_with_a_reason(server: Server):
    env = server.env(LOONBODE_SMTP_HOST="0.0.0.0", LOONBODE_SMTP_AUTH_USERS="scanner:geheim")
    done = subprocess.run([sys.executable, "-m", "loonbode", "serve"], cwd=server.folder, env=env,
                          capture_output=True, text=True, timeout=PATIENCE)
    assert done.returncode == 2
    assert "loopback" in done.stderr


def test_claims_of_a_dead_worker_on_this_host_are_handed_back(engine: Engine, data_dir: Path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    first = store_inbound(engine, data_dir, as_crlf(build_mail("Priya is ziek.")), channel="smtp")
    second = store_inbound(engine, data_dir, as_crlf(build_mail("Gerrit is ziek.")), channel="smtp")
    third = store_inbound(engine, data_dir, as_crlf(build_mail("Stijn is ziek.")), channel="smtp")
    assert claim_next(engine, f"dezehost-{gone.pid}") == first
    assert claim_next(engine, f"dezehost-{os.getppid()}") == second  # alive: may still be working
    assert claim_next(engine, f"anderehost-{gone.pid}") == third  # another machine: not ours to judge
    assert release_dead_local_claims(engine, f"dezehost-{os.getpid()}") == 1
    with Session(engine) as session:
        assert [session.get(InboundMessage, i).status for i in (first, second, third)] == [  # type: ignore[union-attr]
            InboundStatus.RECEIVED, InboundStatus.PROCESSING, InboundStatus.PROCESSING]


def test_a_claim_under_our_own_id_is_from_a_previous_life(engine: Engine, data_dir: Path):
    message = store_inbound(engine, data_dir, as_crlf(build_mail("Priya is ziek.")), channel="smtp")
    me = f"dezehost-{os.getpid()}"
    assert claim_next(engine, me) == message
    assert release_dead_local_claims(engine, me) == 1


def test_sigint_stops_as_cleanly_as_sigterm(server: Server):
    process = server.start()
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=PATIENCE) == 0, server.output()
    assert "Loonbode gestopt" in server.output()


def test_a_taken_port_stops_serve_with_a_reason(server: Server):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", server.port))
        taken.listen()
        done = subprocess.run([sys.executable, "-m", "loonbode", "serve"], cwd=server.folder, env=server.env(),
                              capture_output=True, text=True, timeout=PATIENCE)
    assert done.returncode == 1, done.stderr
    assert "kan niet starten" in done.stderr
